/*
 * unlink(2), unlinkat(2), rmdir(2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "metadata.h"
#include "syscall_table.h"
#include "nt.h"

#ifndef STATUS_FILE_IS_A_DIRECTORY
#define STATUS_FILE_IS_A_DIRECTORY ((NTSTATUS)0xC00000BAL)
#endif
#ifndef STATUS_SHARING_VIOLATION
#define STATUS_SHARING_VIOLATION ((NTSTATUS)0xC0000043L)
#endif

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

/* The files this process unlinked while they were open somewhere, by
 * volume and file id: fstat must show them with no links.  Only files
 * still present after the unlink are kept, so the list stays short. */
static struct { uint64_t dev, ino; } *unlinked;
static size_t nunlinked, unlinked_cap;
static SRWLOCK unlinked_lock = SRWLOCK_INIT;

static void remember_unlinked(uint64_t dev, uint64_t ino)
{
	AcquireSRWLockExclusive(&unlinked_lock);
	if (nunlinked == unlinked_cap) {
		size_t cap = unlinked_cap ? 2 * unlinked_cap : 16;
		void *p = realloc(unlinked, cap * sizeof(*unlinked));
		if (p) {
			unlinked = p;
			unlinked_cap = cap;
		}
	}
	if (nunlinked < unlinked_cap) {
		unlinked[nunlinked].dev = dev;
		unlinked[nunlinked].ino = ino;
		nunlinked++;
	}
	ReleaseSRWLockExclusive(&unlinked_lock);
}

bool lx_host_unlinked(uint64_t dev, uint64_t ino)
{
	bool found = false;

	AcquireSRWLockShared(&unlinked_lock);
	for (size_t i = 0; i < nunlinked && !found; i++)
		found = unlinked[i].dev == dev && unlinked[i].ino == ino;
	ReleaseSRWLockShared(&unlinked_lock);
	return found;
}

/* Whether a file still has a directory entry: after a delete-on-close it
 * has while another handle holds it (STATUS_DELETE_PENDING). */
static bool still_present(const wchar_t *nt_path)
{
	UNICODE_STRING name = { (USHORT)(wcslen(nt_path) * sizeof(wchar_t)),
	                        (USHORT)(wcslen(nt_path) * sizeof(wchar_t)), (PWSTR)nt_path };
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	HANDLE h;
	NTSTATUS s;

	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	s = NtCreateFile(&h, FILE_READ_ATTRIBUTES | SYNCHRONIZE, &oa, &io, NULL, 0,
	                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN,
	                 FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_REPARSE_POINT, NULL, 0);
	if (NT_SUCCESS(s)) {
		NtClose(h);
		return true;
	}
	return s == (NTSTATUS)0xC0000056L; /* STATUS_DELETE_PENDING */
}

long lx_hide_file(void *h, const wchar_t *nt_path, wchar_t **hidden, uint64_t *ino)
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
	if (!NT_SUCCESS(s)) {
		free(target);
		return lx_errno_from_ntstatus(s);
	}
	*hidden = target;
	*ino = (uint64_t)id.IndexNumber.QuadPart;
	return 0;
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

long lx_unlink_file(void *h, const wchar_t *nt_path, uint64_t dev, bool exclusive)
{
	wchar_t *hidden = NULL;
	uint64_t ino = 0;
	long err;

	if (posix_delete(h, &err)) {
		NtClose(h);
		return err;
	}
	/* Nobody else holds the file: the classic delete takes the name away
	 * when this, the only handle, is closed, just below. */
	if (exclusive) {
		err = lx_host_delete(h);
		NtClose(h);
		return err;
	}
	err = lx_hide_file(h, nt_path, &hidden, &ino);
	/* lx_host_delete tries the POSIX class again, then the classic one. */
	if (!err)
		err = lx_host_delete(h);
	NtClose(h);
	if (!err && still_present(hidden))
		remember_unlinked(dev, ino);
	free(hidden);
	return err;
}

/*
 * An open that shares nothing succeeds only when no other handle of the
 * file exists, in this process or any other (Windows programs included):
 * then the classic delete is as good as a POSIX one, and the hidden name,
 * whose rename costs Wine a scan of the whole directory (its
 * case-insensitive lookup of a name that is not there), is not needed.
 * Handles with no data or delete access (an O_PATH fd, a stat in progress)
 * do not count in Windows' sharing check: such a handle keeps the name
 * until it is closed.
 */
#define REMOVAL_ACCESS (DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES)

static long open_shared_for_removal(const wchar_t *nt_path, uint32_t options, void **handle)
{
	return lx_host_open(nt_path, REMOVAL_ACCESS, FILE_OPEN, options | FILE_OPEN_REPARSE_POINT, 0,
	                    handle);
}

long lx_open_for_removal(const wchar_t *nt_path, uint32_t options, void **handle,
                         bool *exclusive)
{
	UNICODE_STRING name = { (USHORT)(wcslen(nt_path) * sizeof(wchar_t)),
	                        (USHORT)(wcslen(nt_path) * sizeof(wchar_t)), (PWSTR)nt_path };
	uint32_t access = REMOVAL_ACCESS;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	NTSTATUS s;

	*exclusive = false;
	if (wcslen(nt_path) * sizeof(wchar_t) > 0xfffe)
		return -LX_ENAMETOOLONG;
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	s = NtCreateFile((HANDLE *)handle, access | SYNCHRONIZE, &oa, &io, NULL, 0, 0, FILE_OPEN,
	                 options | FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
	if (NT_SUCCESS(s)) {
		*exclusive = true;
		return 0;
	}
	if (s == STATUS_OBJECT_NAME_NOT_FOUND)
		return -LX_ENOENT;
	/* Open elsewhere (a sharing violation), or an answer whose errno
	 * the shared open works out (a path through a file: ENOTDIR). */
	return open_shared_for_removal(nt_path, options, handle);
}

/*
 * unlink's usual case in one open and one close, as DeleteFileW makes it:
 * an open that shares nothing and asks for FILE_DELETE_ON_CLOSE succeeds
 * only when no other handle of the file exists (lx_open_for_removal), and
 * then the name goes when this handle closes, as a POSIX delete would take
 * it; no disposition is set.  A directory is refused by
 * FILE_NON_DIRECTORY_FILE (EISDIR).  may_delete comes first, as in
 * vfs_unlink, since a delete on close cannot be taken back; when it
 * fails, its error is the answer, but for a name that is not there
 * (ENOENT, which do_unlinkat finds before).  When the open fails for
 * another reason (a sharing violation, a read-only file:
 * STATUS_CANNOT_DELETE), 1 sends the caller the general way; *busy says
 * that another handle holds the file, so that way need not try an
 * exclusive open again.
 */
static long unlink_on_close(struct lx_node *node, bool *busy)
{
	UNICODE_STRING name = { (USHORT)(wcslen(node->nt_path) * sizeof(wchar_t)),
	                        (USHORT)(wcslen(node->nt_path) * sizeof(wchar_t)),
	                        (PWSTR)node->nt_path };
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	HANDLE h;
	NTSTATUS s;
	bool exists, is_dir;
	long err = lx_may_delete(node);

	if (err)
		return lx_node_probe(node, &exists, &is_dir) == 0 && !exists ? -LX_ENOENT : err;
	if (wcslen(node->nt_path) * sizeof(wchar_t) > 0xfffe)
		return 1;
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	s = NtCreateFile(&h, DELETE | FILE_READ_ATTRIBUTES | SYNCHRONIZE, &oa, &io, NULL, 0, 0,
	                 FILE_OPEN, FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE |
	                 FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
	if (NT_SUCCESS(s))
		return lx_meta_remove_on_close(node, h); /* closes h */
	if (s == STATUS_OBJECT_NAME_NOT_FOUND)
		return -LX_ENOENT;
	if (s == STATUS_FILE_IS_A_DIRECTORY)
		return -LX_EISDIR;
	*busy = s == STATUS_SHARING_VIOLATION;
	return 1;
}

/* do_unlinkat and do_rmdir of fs/namei.c: EISDIR for unlink of a
 * directory, ENOTDIR for rmdir of a file, EINVAL/ENOTEMPTY for a final
 * "." or "..", EBUSY for a mount point, EROFS in synthetic directories.
 * The walk stops at the parent (LX_AT_NO_LAST, as the kernel's
 * LOOKUP_PARENT), also before a trailing slash, which never makes the
 * kernel follow a link there ("link/" is ENOTDIR for both): the open for
 * removal is the one look at the name, and says ENOENT when it is not
 * there. */
static long remove_at(int dirfd, uint64_t upath, bool want_dir)
{
	struct lx_node node;
	HANDLE h;
	bool is_dir = false, exclusive = false, busy = false;
	long err = lx_resolve_user(dirfd, upath, LX_AT_NO_LAST | LX_AT_NO_LAST_SLASH, &node, NULL);

	if (!err && want_dir && lx_last_is_dots(node.last))
		err = lx_last_is_dots(node.last) == 1 ? -LX_EINVAL : -LX_ENOTEMPTY;
	if (!err && lx_mount_is_point(node.path))
		err = want_dir ? -LX_EBUSY : -LX_EISDIR;
	if (!err && node.kind != LX_NODE_HOST)
		err = -LX_EROFS;
	if (!err && !want_dir && !node.trailing_slash) {
		err = unlink_on_close(&node, &busy);
		if (err != 1) {
			lx_node_free(&node);
			return err;
		}
		err = 0;
	}
	if (!err && busy)
		err = open_shared_for_removal(node.nt_path, 0, (void **)&h);
	else if (!err)
		err = lx_open_for_removal(node.nt_path, 0, (void **)&h, &exclusive);
	if (!err) {
		err = lx_host_is_dir(h, &is_dir);
		/* may_delete's permission checks come before rmdir's ENOTDIR;
		 * unlink's trailing-slash errors come before them (do_unlinkat's
		 * "slashes"). */
		if (!err && !is_dir && want_dir)
			err = lx_may_delete(&node);
		if (!err && is_dir && !want_dir)
			err = -LX_EISDIR;
		else if (!err && !is_dir && (want_dir || node.trailing_slash))
			err = -LX_ENOTDIR;
		if (!err)
			err = lx_meta_remove(&node, h, is_dir, exclusive); /* closes h */
		else
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
