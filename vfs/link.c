/*
 * link(2), linkat(2), symlink(2), symlinkat(2), readlink(2), readlinkat(2).
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "capability.h"
#include "vfs.h"
#include "metadata.h"
#include "statcache.h"
#include "syscall_table.h"
#include "nt.h"

/*
 * may_linkat (fs/namei.c) with fs.protected_hardlinks = 1, Debian's
 * setting and what /proc/sys/fs/protected_hardlinks shows: the file's
 * owner (fsuid) or CAP_FOWNER links anything; others only a safe source,
 * a regular file without set-user-ID or executable set-group-ID that
 * they may read and write.
 */
static long may_linkat(struct lx_node *from)
{
	struct lx_kstat st;
	long err = lx_node_stat(from, false, &st);

	if (err)
		return err;
	if (lx_cred_fsuid() == st.uid || lx_capable(LX_CAP_FOWNER))
		return 0;
	if (LX_S_ISREG(st.mode) && !(st.mode & LX_S_ISUID) &&
	    (st.mode & (LX_S_ISGID | 0010)) != (LX_S_ISGID | 0010) &&
	    lx_permission(&st, LX_R_OK | LX_W_OK, false) == 0)
		return 0;
	return -LX_EPERM;
}

/* link(2) through FileLinkInformation, which never replaces: EEXIST,
 * EPERM for directories, EXDEV across mounts. */
static long link_at(int olddir, uint64_t oldpath, int newdir, uint64_t newpath, int flags)
{
	struct lx_node from, to;
	struct lx_file *f = NULL;
	bool exists, is_dir;
	HANDLE h;
	NTSTATUS s;
	long err;

	if (flags & ~(LX_AT_SYMLINK_FOLLOW | LX_AT_EMPTY_PATH))
		return -LX_EINVAL;
	memset(&to, 0, sizeof(to));
	/* A link names the link itself unless AT_SYMLINK_FOLLOW; an fd given
	 * with AT_EMPTY_PATH stands for its path. */
	err = lx_resolve_user(olddir, oldpath,
	                      (flags & LX_AT_EMPTY_PATH) |
	                      ((flags & LX_AT_SYMLINK_FOLLOW) ? LX_AT_FOLLOW : 0), &from, &f);
	if (!err && f) {
		err = f->path ? lx_resolve_at(LX_AT_FDCWD, f->path, 0, &from, NULL) : -LX_ENOENT;
		lx_file_put(f);
	}
	if (!err) {
		err = lx_resolve_user(newdir, newpath, 0, &to, NULL);
		if (err == -LX_ENOENT && to.path[0] && lx_mount_parent_synthetic(to.path))
			err = -LX_EROFS;
		if (!err && from.kind == LX_NODE_HOST)
			err = lx_node_probe(&from, &exists, &is_dir);
		if (!err && from.kind == LX_NODE_HOST && !exists)
			err = -LX_ENOENT;
		if (!err && (from.kind == LX_NODE_SYNTH_DIR || (from.kind == LX_NODE_HOST && is_dir)))
			err = -LX_EPERM;
		if (!err && to.kind != LX_NODE_HOST)
			err = -LX_EEXIST;
		if (!err && (from.kind != LX_NODE_HOST || from.mount != to.mount))
			err = -LX_EXDEV;
		if (!err)
			err = lx_node_probe(&to, &exists, &is_dir);
		if (!err && exists)
			err = -LX_EEXIST;
		if (!err && (from.trailing_slash || to.trailing_slash))
			err = -LX_ENOENT;
		if (!err)
			err = may_linkat(&from);
		if (!err)
			err = lx_may_create(&to);
		if (!err)
			err = lx_host_open(from.nt_path, FILE_READ_ATTRIBUTES, FILE_OPEN,
			                   FILE_OPEN_REPARSE_POINT, 0, (void **)&h);
		if (!err) {
			s = lx_host_set_name(h, LX_FileLinkInformation, FALSE, to.nt_path);
			NtClose(h);
			/* The file has one more name: its count changed. */
			lx_statcache_name_changed(from.nt_path);
			lx_statcache_name_changed(to.nt_path);
			if (!NT_SUCCESS(s))
				err = lx_errno_from_ntstatus(s);
		}
	}
	lx_node_free(&from);
	lx_node_free(&to);
	return err;
}

/* Linux link(2). */
int64_t lx_sys_link(struct lx_syscall *sc)
{
	return link_at(LX_AT_FDCWD, (uint64_t)sc->arg[0], LX_AT_FDCWD, (uint64_t)sc->arg[1], 0);
}

/* Linux linkat(2). */
int64_t lx_sys_linkat(struct lx_syscall *sc)
{
	return link_at((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2],
	               (uint64_t)sc->arg[3], (int)sc->arg[4]);
}

/* symlink(2): on a volume with Linux metadata, a node of mode S_IFLNK 0777
 * that the backend makes (the portable format: a file holding the target;
 * the WSL format: an LX symlink reparse point); EPERM on the others ("the file system
 * does not support the creation of symbolic links"), after the checks
 * that come first on Linux. */
static long symlink_at(uint64_t utarget, int newdir, uint64_t newpath)
{
	char *target = malloc(LX_PATH_MAX);
	struct lx_node to;
	bool exists, is_dir;
	HANDLE h;
	long err, len;

	if (!target)
		return -LX_ENOMEM;
	len = lx_strncpy_from_user(target, utarget, LX_PATH_MAX);
	err = len == 0 ? -LX_ENOENT : len < 0 ? len : 0;
	if (!err)
		err = lx_resolve_user(newdir, newpath, 0, &to, NULL);
	if (err == -LX_ENOENT && to.path[0] && lx_mount_parent_synthetic(to.path))
		err = -LX_EROFS;
	if (!err && to.kind != LX_NODE_HOST)
		err = -LX_EEXIST;
	if (!err)
		err = lx_node_probe(&to, &exists, &is_dir);
	if (!err && exists)
		err = -LX_EEXIST;
	if (!err && to.trailing_slash)
		err = -LX_ENOENT;
	if (!err && !lx_meta_store(to.mount->dev))
		err = -LX_EPERM;
	if (!err)
		err = lx_meta_create(&to, LX_S_IFLNK | 0777, 0, FILE_WRITE_DATA,
		                     FILE_NON_DIRECTORY_FILE, target, (size_t)len, (void **)&h);
	if (!err)
		NtClose(h);
	free(target);
	lx_node_free(&to);
	return err;
}

/* Linux symlink(2). */
int64_t lx_sys_symlink(struct lx_syscall *sc)
{
	return symlink_at((uint64_t)sc->arg[0], LX_AT_FDCWD, (uint64_t)sc->arg[1]);
}

/* Linux symlinkat(2). */
int64_t lx_sys_symlinkat(struct lx_syscall *sc)
{
	return symlink_at((uint64_t)sc->arg[0], (int)sc->arg[1], (uint64_t)sc->arg[2]);
}

long lx_readlink_node(struct lx_node *node, char *out, size_t cap)
{
	struct lx_kstat st;
	long err;

	if (node->kind == LX_NODE_PROC) {
		err = lx_proc_readlink(node, out, cap);
		return err ? err : (long)strlen(out);
	}
	if (node->kind == LX_NODE_DEV && lx_dev_link_target(node->which)) {
		const char *t = lx_dev_link_target(node->which);
		if (strlen(t) >= cap)
			return -LX_ENAMETOOLONG;
		strcpy(out, t);
		return (long)strlen(t);
	}
	err = lx_node_stat(node, false, &st);
	if (!err && (node->kind != LX_NODE_HOST || !LX_S_ISLNK(st.mode)))
		err = -LX_EINVAL;
	return err ? err : lx_meta_readlink(node, out, cap);
}

/* readlink(2): the link text without a NUL, truncated to bufsiz; EINVAL
 * for anything that is not a link. */
static long readlink_at(int dirfd, uint64_t upath, uint64_t ubuf, long bufsiz)
{
	struct lx_node node;
	char *target = malloc(LX_PATH_MAX);
	long err;

	if (!target)
		return -LX_ENOMEM;
	err = bufsiz <= 0 ? -LX_EINVAL : lx_resolve_user(dirfd, upath, 0, &node, NULL);
	if (!err && node.trailing_slash)
		err = lx_node_stat(&node, true, &(struct lx_kstat){ 0 }) ?: -LX_EINVAL;
	if (!err)
		err = lx_readlink_node(&node, target, LX_PATH_MAX);
	if (err >= 0) {
		size_t n = (size_t)err < (size_t)bufsiz ? (size_t)err : (size_t)bufsiz;
		err = lx_copy_to_user(ubuf, target, n);
		if (!err)
			err = (long)n;
	}
	free(target);
	if (bufsiz > 0)
		lx_node_free(&node);
	return err;
}

/* Linux readlink(2). */
int64_t lx_sys_readlink(struct lx_syscall *sc)
{
	return readlink_at(LX_AT_FDCWD, (uint64_t)sc->arg[0], (uint64_t)sc->arg[1],
	                   (long)(int)sc->arg[2]);
}

/* Linux readlinkat(2). */
int64_t lx_sys_readlinkat(struct lx_syscall *sc)
{
	return readlink_at((int)sc->arg[0], (uint64_t)sc->arg[1], (uint64_t)sc->arg[2],
	                   (long)(int)sc->arg[3]);
}
