/*
 * unlink(2), unlinkat(2), rmdir(2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "syscall_table.h"
#include "nt.h"

/*
 * Where the volume has no POSIX delete (FileDispositionInformationEx: FAT,
 * Wine 8), a file deleted while open keeps its name until the last handle
 * closes, which Linux programs do not expect: the name must go at once.
 * Cygwin's answer, taken here: the file first moves to a reserved name in
 * its own directory (".lxnt-unlinked-<file id>-<pid>-<n>.", which the
 * encoder never writes and listings leave out, lx_name_reserved), then
 * gets the classic delete-on-close.  Open handles keep working; the data
 * goes with the last of them.
 */
static volatile LONG hide_counter;

static long hide_file(HANDLE h, const wchar_t *nt_path)
{
	FILE_INTERNAL_INFORMATION id;
	IO_STATUS_BLOCK io;
	const wchar_t *slash = wcsrchr(nt_path, L'\\');
	size_t dir = slash ? (size_t)(slash - nt_path) : 0;
	wchar_t *target;
	NTSTATUS s;

	if (!slash)
		return -LX_EINVAL;
	s = NtQueryInformationFile(h, &io, &id, sizeof(id),
	                           (FILE_INFORMATION_CLASS)LX_FileInternalInformation);
	if (!NT_SUCCESS(s))
		id.IndexNumber.QuadPart = 0;
	target = malloc((dir + 64) * sizeof(wchar_t));
	if (!target)
		return -LX_ENOMEM;
	wmemcpy(target, nt_path, dir);
	swprintf(target + dir, 64, L"\\.lxnt-unlinked-%llx-%lx-%lx.",
	         (unsigned long long)id.IndexNumber.QuadPart, (unsigned long)GetCurrentProcessId(),
	         (unsigned long)InterlockedIncrement(&hide_counter));
	s = lx_host_set_name(h, LX_FileRenameInformation, FALSE, target);
	free(target);
	return NT_SUCCESS(s) ? 0 : lx_errno_from_ntstatus(s);
}

static bool posix_delete(HANDLE h, long *err)
{
	struct lx_nt_disposition_ex ex = {
		LX_FILE_DISPOSITION_DELETE | LX_FILE_DISPOSITION_POSIX_SEMANTICS |
		LX_FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE };
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtSetInformationFile(h, &io, &ex, sizeof(ex),
	                                  (FILE_INFORMATION_CLASS)LX_FileDispositionInformationEx);

	if (lx_nt_class_unsupported(s))
		return false;
	*err = NT_SUCCESS(s) ? 0 : lx_errno_from_ntstatus(s);
	return true;
}

long lx_unlink_file(void *h, const wchar_t *nt_path)
{
	long err;

	if (posix_delete(h, &err))
		return err;
	err = hide_file(h, nt_path);
	if (err)
		return err;
	/* lx_host_delete tries the POSIX class again, then the classic one. */
	return lx_host_delete(h);
}

/* do_unlinkat and do_rmdir of fs/namei.c: EISDIR for unlink of a
 * directory, ENOTDIR for rmdir of a file, EINVAL/ENOTEMPTY for a final
 * "." or "..", EBUSY for a mount point, EROFS in synthetic directories. */
static long remove_at(int dirfd, uint64_t upath, bool want_dir)
{
	struct lx_node node;
	HANDLE h;
	bool is_dir = false;
	long err = lx_resolve_user(dirfd, upath, 0, &node, NULL);

	if (!err && want_dir && lx_last_is_dots(node.last))
		err = lx_last_is_dots(node.last) == 1 ? -LX_EINVAL : -LX_ENOTEMPTY;
	if (!err && lx_mount_is_point(node.path))
		err = want_dir ? -LX_EBUSY : -LX_EISDIR;
	if (!err && node.kind != LX_NODE_HOST)
		err = -LX_EROFS;
	if (!err)
		err = lx_host_open(node.nt_path, DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES,
		                   FILE_OPEN, FILE_OPEN_REPARSE_POINT, 0, (void **)&h);
	if (!err) {
		err = lx_host_is_dir(h, &is_dir);
		if (!err && is_dir && !want_dir)
			err = -LX_EISDIR;
		else if (!err && !is_dir && (want_dir || node.trailing_slash))
			err = -LX_ENOTDIR;
		if (!err)
			err = is_dir ? lx_host_delete(h) : lx_unlink_file(h, node.nt_path);
		NtClose(h);
	}
	lx_node_free(&node);
	return err;
}

/* Linux unlink(2). */
int64_t lx_sys_unlink(struct lx_syscall *sc)
{
	return remove_at(LX_AT_FDCWD, (uint64_t)sc->arg[0], false);
}

/* Linux rmdir(2). */
int64_t lx_sys_rmdir(struct lx_syscall *sc)
{
	return remove_at(LX_AT_FDCWD, (uint64_t)sc->arg[0], true);
}

/* Linux unlinkat(2). */
int64_t lx_sys_unlinkat(struct lx_syscall *sc)
{
	int flags = (int)sc->arg[2];

	if (flags & ~LX_AT_REMOVEDIR)
		return -LX_EINVAL;
	return remove_at((int)sc->arg[0], (uint64_t)sc->arg[1], (flags & LX_AT_REMOVEDIR) != 0);
}
