/*
 * mknod(2), mknodat(2): FIFOs, sockets and device nodes exist as metadata
 * on volumes that keep it (docs/vfs.md, "Metadata"): an empty file whose
 * record holds the type and the device number.
 */
#include "capability.h"
#include "vfs.h"
#include "metadata.h"
#include "syscall_table.h"
#include "nt.h"

/* vfs_mknod: creating a device node needs CAP_MKNOD; a regular file is
 * allowed too (mode 0 means S_IFREG). */
static long mknod_at(int dirfd, uint64_t upath, unsigned mode, unsigned dev)
{
	struct lx_node node;
	uint32_t type = mode & LX_S_IFMT;
	bool exists, is_dir;
	HANDLE h;
	long err;

	if (type == 0)
		type = LX_S_IFREG;
	/* may_mknod: a directory is EPERM, a link or an unknown type EINVAL. */
	if (type == LX_S_IFDIR)
		return -LX_EPERM;
	if (type != LX_S_IFREG && type != LX_S_IFIFO && type != LX_S_IFSOCK &&
	    type != LX_S_IFCHR && type != LX_S_IFBLK)
		return -LX_EINVAL;
	err = lx_resolve_user(dirfd, upath, 0, &node, NULL);
	if (err == -LX_ENOENT && node.path[0] && lx_mount_parent_synthetic(node.path))
		err = -LX_EROFS;
	if (!err && node.kind != LX_NODE_HOST)
		err = -LX_EEXIST;
	if (!err)
		err = lx_node_probe(&node, &exists, &is_dir);
	if (!err && exists)
		err = -LX_EEXIST;
	if (!err && node.trailing_slash)
		err = -LX_ENOENT;
	/* vfs_mknod: may_create first, so that a directory the caller may not
	 * write says EACCES before a missing CAP_MKNOD says EPERM. */
	if (!err && (type == LX_S_IFCHR || type == LX_S_IFBLK) && !(err = lx_may_create(&node)) &&
	    !lx_capable(LX_CAP_MKNOD))
		err = -LX_EPERM;
	if (!err && type != LX_S_IFREG && !lx_meta_store(node.mount->dev))
		err = -LX_EPERM; /* no place for the type: as a file system without mknod */
	if (!err)
		err = lx_meta_create(&node, type | (mode & 07777 & ~lx_umask),
		                     (type == LX_S_IFCHR || type == LX_S_IFBLK) ?
		                     lx_makedev((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00)) : 0,
		                     FILE_READ_ATTRIBUTES, FILE_NON_DIRECTORY_FILE, NULL, 0, (void **)&h);
	if (!err)
		NtClose(h);
	lx_node_free(&node);
	return err;
}

/* Linux mknod(2). */
int64_t lx_sys_mknod(struct lx_syscall *sc)
{
	return mknod_at(LX_AT_FDCWD, (uint64_t)sc->arg[0], (unsigned)sc->arg[1],
	                (unsigned)sc->arg[2]);
}

/* Linux mknodat(2). */
int64_t lx_sys_mknodat(struct lx_syscall *sc)
{
	return mknod_at((int)sc->arg[0], (uint64_t)sc->arg[1], (unsigned)sc->arg[2],
	                (unsigned)sc->arg[3]);
}
