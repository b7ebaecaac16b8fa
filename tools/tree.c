/*
 * Building DEST for `lxnt convert`: directories, symlinks and special
 * files as the portable format's plain files, hard links, and DEST's own
 * modes and times.  Regular files are written by elffile.c.
 */
#include "convert.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tree_fail(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(errno));
	return -1;
}

/*
 * DEST's own mode: the permission bits with owner read and write (and
 * search for a directory) added and the set-id bits left out (0644 for the
 * plain files that stand for links and special files), so that the
 * tree can be copied and, on Windows, written (a file without a write bit
 * would carry the read-only attribute under Wine).  The manifest carries
 * the real mode.  Then the times, which the copy keeps where it can.
 */
int cv_apply_meta(const char *path, const struct stat *st, char *err, size_t errlen)
{
	mode_t mode = S_ISDIR(st->st_mode) ? (st->st_mode & 0777) | 0700 :
		S_ISREG(st->st_mode) ? (st->st_mode & 0777) | 0600 : 0644;
	if (chmod(path, mode) != 0)
		return tree_fail(err, errlen, path, "chmod");
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (utimensat(AT_FDCWD, path, ts, 0) != 0)
		return tree_fail(err, errlen, path, "set times");
	return 0;
}

/* Directories are created owner-writable so that their contents can be
 * written; their own mode and times are applied last (finish_dirs). */
int cv_make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) != 0)
		return tree_fail(err, errlen, path, "mkdir");
	return 0;
}

/* A plain file with the given content (none for a special file), created
 * new: DEST is empty, so an existing name is a collision of two names. */
static int make_plain(const char *dest, const char *content, size_t n, char *err,
	size_t errlen)
{
	int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return tree_fail(err, errlen, dest, "create");
	ssize_t w = n ? write(fd, content, n) : 0;
	if (w != (ssize_t)n || close(fd) != 0) {
		if (w >= 0 && w != (ssize_t)n)
			errno = EIO;
		unlink(dest);
		return tree_fail(err, errlen, dest, "write");
	}
	return 0;
}

/* The portable format's symlink: a regular file holding the target, no
 * NUL (docs/formats.md). */
int cv_make_symlink(const char *src, const char *dest, const struct stat *st, char **target,
	char *err, size_t errlen)
{
	char buf[PATH_MAX];
	if (*target)
		return make_plain(dest, *target, strlen(*target), err, errlen) ? -1 :
			cv_apply_meta(dest, st, err, errlen);
	ssize_t len = readlink(src, buf, sizeof(buf) - 1);
	if (len < 0)
		return tree_fail(err, errlen, src, "readlink");
	buf[len] = 0;
	if (!(*target = strdup(buf))) {
		errno = ENOMEM;
		return tree_fail(err, errlen, src, "readlink");
	}
	if (make_plain(dest, buf, (size_t)len, err, errlen))
		return -1;
	return cv_apply_meta(dest, st, err, errlen);
}

/* A FIFO, socket or device node: an empty file whose type and device
 * number only the manifest (then the record) holds; no mknod, so a
 * non-root convert keeps device nodes too. */
int cv_make_special(const char *dest, const struct stat *st, char *err, size_t errlen)
{
	if (make_plain(dest, NULL, 0, err, errlen))
		return -1;
	return cv_apply_meta(dest, st, err, errlen);
}

int cv_make_hard_link(const char *primary, const char *dest, char *err, size_t errlen)
{
	if (link(primary, dest) != 0)
		return tree_fail(err, errlen, dest, "link");
	return 0;
}
