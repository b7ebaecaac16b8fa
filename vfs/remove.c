/*
 * unlink(2), unlinkat(2), rmdir(2).
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "metadata.h"
#include "syscall_table.h"
#include "nt.h"

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
			err = lx_meta_delete(&node, h);
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
