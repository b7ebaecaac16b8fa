/*
 * stat(2), lstat(2), fstat(2), newfstatat(2), statx(2), access(2),
 * faccessat(2), faccessat2(2).
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "metadata.h"
#include "statcache.h"
#include "syscall_table.h"
#include "nt.h"

long lx_file_stat(struct lx_file *f, struct lx_kstat *st)
{
	if (!f->ops->stat)
		return -LX_EBADF;
	return f->ops->stat(f, st);
}

/* stat of a host node through a handle of it, noting what the stat cache
 * keeps (vfs/statcache.c). */
static long stat_by_open(struct lx_node *node, struct lx_kstat *st)
{
	struct lx_statcache_tag tag = lx_statcache_begin(node);
	int64_t change_time;
	HANDLE h;
	long err;

	/* The metadata backend may read more than the attributes; where that
	 * access is refused (an ACL), stat goes on without it. */
	err = lx_host_open(node->nt_path, FILE_READ_ATTRIBUTES | lx_meta_stat_access(node->mount->dev),
	                   FILE_OPEN, 0, 0, (void **)&h);
	if (err == -LX_EACCES && lx_meta_stat_access(node->mount->dev))
		err = lx_host_open(node->nt_path, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, 0, (void **)&h);
	if (err)
		return err;
	err = lx_host_stat_handle_ctime(h, node->path, node->mount->dev, st, &change_time);
	NtClose(h);
	if (!err)
		lx_statcache_opened(node, &tag, st, change_time);
	return err;
}

/* stat of a resolved node; follow says whether a final link (the /dev/std*
 * entries) is followed, as stat(2) does and lstat(2) does not. */
long lx_node_stat(struct lx_node *node, bool follow, struct lx_kstat *st)
{
	struct lx_file *f;
	bool answered;
	long err;

	switch (node->kind) {
	case LX_NODE_DEV:
		if (node->trailing_slash)
			return -LX_ENOTDIR;
		if (follow && lx_dev_link_target(node->which)) {
			err = lx_dev_open(node->which, LX_O_RDONLY, &f);
			if (err)
				return err;
			err = lx_file_stat(f, st);
			lx_file_put(f);
			return err;
		}
		return lx_dev_stat(node->which, st);
	case LX_NODE_PROC:
		return lx_proc_stat(node, follow, st);
	case LX_NODE_SYNTH_DIR:
		err = lx_synth_dir_open(node->which, node->path, LX_O_RDONLY, &f);
		if (err)
			return err;
		err = lx_file_stat(f, st);
		lx_file_put(f);
		return err;
	default:
		if (node->seen_absent)
			return -LX_ENOENT;
		if (node->have_seen) {
			*st = node->seen;
			err = 0;
		} else {
			/* Without an open where the stat cache can answer. */
			err = lx_statcache_stat(node, st, &answered);
			if (!answered)
				err = stat_by_open(node, st);
		}
		if (!err && node->trailing_slash && !LX_S_ISDIR(st->mode))
			err = -LX_ENOTDIR;
		/* A Linux tree's directory: 2 + its subdirectories, which
		 * Windows does not count (vfs/statcache.c). */
		if (!err && LX_S_ISDIR(st->mode) && node->kind == LX_NODE_HOST && node->nt_path &&
		    lx_host_counts_subdirs(node->mount->dev)) {
			uint32_t n = lx_statcache_dir_nlink(node, st->ino);
			if (n)
				st->nlink = n;
		}
		return err;
	}
}

/* The common part of every stat call: (dirfd, path, flags) to a kstat. */
static long stat_at(int dirfd, uint64_t upath, int flags, struct lx_kstat *st)
{
	struct lx_node node;
	struct lx_file *f = NULL;
	long err;

	if (flags & ~(LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH | LX_AT_NO_AUTOMOUNT |
	              LX_AT_STATX_SYNC_TYPE))
		return -LX_EINVAL;
	err = lx_resolve_user(dirfd, upath, (flags & LX_AT_EMPTY_PATH) |
	                      ((flags & LX_AT_SYMLINK_NOFOLLOW) ? 0 : LX_AT_FOLLOW), &node, &f);
	if (!err && f)
		err = lx_file_stat(f, st);
	else if (!err)
		err = lx_node_stat_alias(&node, !(flags & LX_AT_SYMLINK_NOFOLLOW), st);
	lx_file_put(f);
	lx_node_free(&node);
	return err;
}

static long put_stat(uint64_t ubuf, const struct lx_kstat *k)
{
	struct lx_stat s;

	memset(&s, 0, sizeof(s));
	s.st_dev = k->dev;
	s.st_ino = k->ino;
	s.st_nlink = k->nlink;
	s.st_mode = k->mode;
	s.st_uid = k->uid;
	s.st_gid = k->gid;
	s.st_rdev = k->rdev;
	s.st_size = k->size;
	s.st_blksize = 4096;
	s.st_blocks = k->blocks;
	s.st_atime_sec = (uint64_t)k->atime.sec;
	s.st_atime_nsec = k->atime.nsec;
	s.st_mtime_sec = (uint64_t)k->mtime.sec;
	s.st_mtime_nsec = k->mtime.nsec;
	s.st_ctime_sec = (uint64_t)k->ctime.sec;
	s.st_ctime_nsec = k->ctime.nsec;
	return lx_copy_to_user(ubuf, &s, sizeof(s));
}

static long stat_to_user(int dirfd, uint64_t upath, int flags, uint64_t ubuf)
{
	struct lx_kstat k;
	long err = stat_at(dirfd, upath, flags, &k);

	return err ? err : put_stat(ubuf, &k);
}

/* Linux stat(2). */
int64_t lx_sys_stat(struct lx_syscall *sc)
{
	return stat_to_user(LX_AT_FDCWD, (uint64_t)sc->arg[0], 0, (uint64_t)sc->arg[1]);
}

/* Linux lstat(2). */
int64_t lx_sys_lstat(struct lx_syscall *sc)
{
	return stat_to_user(LX_AT_FDCWD, (uint64_t)sc->arg[0], LX_AT_SYMLINK_NOFOLLOW,
	                    (uint64_t)sc->arg[1]);
}

/* Linux newfstatat(2). */
int64_t lx_sys_newfstatat(struct lx_syscall *sc)
{
	return stat_to_user((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[3],
	                    (uint64_t)sc->arg[2]);
}

/* Linux fstat(2). */
int64_t lx_sys_fstat(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	struct lx_kstat k;
	long err;

	if (!f)
		return -LX_EBADF;
	err = lx_file_stat(f, &k);
	lx_file_put(f);
	return err ? err : put_stat((uint64_t)sc->arg[1], &k);
}

static struct lx_statx_timestamp statx_time(struct lx_timespec64 t)
{
	struct lx_statx_timestamp s = { t.sec, t.nsec, 0 };
	return s;
}

/* Linux statx(2): every basic field and the birth time are known. */
int64_t lx_sys_statx(struct lx_syscall *sc)
{
	int flags = (int)sc->arg[2];
	unsigned mask = (unsigned)sc->arg[3];
	struct lx_kstat k;
	struct lx_statx x;
	long err;

	if (mask & LX_STATX__RESERVED)
		return -LX_EINVAL;
	if ((flags & LX_AT_STATX_SYNC_TYPE) == LX_AT_STATX_SYNC_TYPE)
		return -LX_EINVAL;
	err = stat_at((int)sc->arg[0], (uint64_t)sc->arg[1], flags, &k);
	if (err)
		return err;
	memset(&x, 0, sizeof(x));
	x.stx_mask = LX_STATX_BASIC_STATS | LX_STATX_BTIME;
	x.stx_blksize = 4096;
	x.stx_nlink = (uint32_t)k.nlink;
	x.stx_uid = k.uid;
	x.stx_gid = k.gid;
	x.stx_mode = (uint16_t)k.mode;
	x.stx_ino = k.ino;
	x.stx_size = (uint64_t)k.size;
	x.stx_blocks = (uint64_t)k.blocks;
	x.stx_atime = statx_time(k.atime);
	x.stx_btime = statx_time(k.btime);
	x.stx_ctime = statx_time(k.ctime);
	x.stx_mtime = statx_time(k.mtime);
	x.stx_rdev_major = lx_major(k.rdev);
	x.stx_rdev_minor = lx_minor(k.rdev);
	x.stx_dev_major = lx_major(k.dev);
	x.stx_dev_minor = lx_minor(k.dev);
	return lx_copy_to_user((uint64_t)sc->arg[4], &x, sizeof(x));
}

/* do_faccessat of fs/open.c: EROFS for write access to a read-only file
 * system (the synthetic directories), then generic_permission. */
static long access_at(int dirfd, uint64_t upath, int mode, int flags)
{
	struct lx_node node;
	struct lx_file *f = NULL;
	struct lx_kstat k;
	long err;

	if (mode & ~(LX_R_OK | LX_W_OK | LX_X_OK))
		return -LX_EINVAL;
	if (flags & ~(LX_AT_EACCESS | LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH))
		return -LX_EINVAL;
	err = lx_resolve_user(dirfd, upath, (flags & LX_AT_EMPTY_PATH) |
	                      ((flags & LX_AT_SYMLINK_NOFOLLOW) ? 0 : LX_AT_FOLLOW) |
	                      ((flags & LX_AT_EACCESS) ? 0 : LX_AT_REAL_IDS), &node, &f);
	if (!err && f)
		err = lx_file_stat(f, &k);
	else if (!err)
		err = lx_node_stat_alias(&node, !(flags & LX_AT_SYMLINK_NOFOLLOW), &k);
	if (!err && (mode & LX_W_OK) && !f && node.kind == LX_NODE_SYNTH_DIR)
		err = -LX_EROFS;
	if (!err && mode)
		err = lx_permission(&k, mode, !(flags & LX_AT_EACCESS));
	lx_file_put(f);
	lx_node_free(&node);
	return err;
}

/* Linux access(2). */
int64_t lx_sys_access(struct lx_syscall *sc)
{
	return access_at(LX_AT_FDCWD, (uint64_t)sc->arg[0], (int)sc->arg[1], 0);
}

/* Linux faccessat(2): the raw syscall has no flags argument. */
int64_t lx_sys_faccessat(struct lx_syscall *sc)
{
	return access_at((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2], 0);
}

/* Linux faccessat2(2). */
int64_t lx_sys_faccessat2(struct lx_syscall *sc)
{
	return access_at((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2],
	                 (int)sc->arg[3]);
}
