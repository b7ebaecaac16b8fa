/*
 * Building DEST for `lxnt convert`: directories, symlinks, special files,
 * hard links and the metadata of each entry.  Regular files are written by
 * elffile.c.
 */
#include "convert.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int tree_fail(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(errno));
	return -1;
}

/*
 * Owner first (root only), then mode, then times: chown(2) clears the
 * set-user-ID and set-group-ID bits of a regular file, and setting the
 * mode must not disturb the times.  Symlinks keep the mode symlink(2) gave
 * them (Linux ignores it) but get their owner and times.
 */
int cv_apply_meta(const char *path, const struct stat *st, int as_root, char *err,
	size_t errlen)
{
	if (as_root && lchown(path, st->st_uid, st->st_gid) != 0)
		return tree_fail(err, errlen, path, "chown");
	if (!S_ISLNK(st->st_mode) && chmod(path, st->st_mode & 07777) != 0)
		return tree_fail(err, errlen, path, "chmod");
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0)
		return tree_fail(err, errlen, path, "set times");
	return 0;
}

/* Directories are created owner-writable so that their contents can be
 * written; their own mode and times are applied last (cv_finish_dir). */
int cv_make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) != 0)
		return tree_fail(err, errlen, path, "mkdir");
	return 0;
}

int cv_make_symlink(const char *src, const char *dest, const struct stat *st, int as_root,
	char *err, size_t errlen)
{
	char target[PATH_MAX];
	ssize_t len = readlink(src, target, sizeof(target) - 1);
	if (len < 0)
		return tree_fail(err, errlen, src, "readlink");
	target[len] = 0;
	if (symlink(target, dest) != 0)
		return tree_fail(err, errlen, dest, "symlink");
	return cv_apply_meta(dest, st, as_root, err, errlen);
}

/* A FIFO, or a device node (mknod(2) needs CAP_MKNOD for those: the
 * caller only asks as root). */
int cv_make_special(const char *dest, const struct stat *st, int as_root, char *err,
	size_t errlen)
{
	if (mknod(dest, (st->st_mode & S_IFMT) | 0600, st->st_rdev) != 0)
		return tree_fail(err, errlen, dest, S_ISFIFO(st->st_mode) ? "mkfifo" : "mknod");
	return cv_apply_meta(dest, st, as_root, err, errlen);
}

int cv_make_hard_link(const char *primary, const char *dest, char *err, size_t errlen)
{
	if (link(primary, dest) != 0)
		return tree_fail(err, errlen, dest, "link");
	return 0;
}
