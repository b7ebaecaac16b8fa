/*
 * Copying a file that `lxnt convert` does not rewrite, without holding it
 * in memory: copy_file_range(2) (in the kernel, and a reflink where the
 * file system can), falling back to read/write when the file systems do
 * not support it.  Same promise as lxnt_write_file: a temporary name in the
 * destination directory, renamed over the destination only when complete.
 */
#include "convert.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy_by_read(int in, int out)
{
	char buf[1 << 16];
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (int)r;
		for (ssize_t done = 0; done < r;) {
			ssize_t w = write(out, buf + done, (size_t)(r - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			done += w;
		}
	}
}

/* Copies from in's offset 0 to out; 0 or -1 with errno. */
static int copy_fd(int in, int out)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		/* EXDEV before Linux 5.3 and across some file systems, ENOSYS,
		 * EOPNOTSUPP, EINVAL (copy_file_range(2)): nothing was copied by
		 * the failing call, so the plain loop continues from here. */
		if (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)
			return copy_by_read(in, out);
		return -1;
	}
}

int cv_copy_file(int in, const char *dest, unsigned mode, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(dest, '/');
	int dirlen = slash ? (int)(slash - dest + 1) : 0;
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", dirlen, dest, dest + dirlen) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dest);
		return -1;
	}
	int out = mkstemp(tmp);
	if (out < 0) {
		snprintf(err, errlen, "%s: cannot create output: %s", dest, strerror(errno));
		return -1;
	}
	int rc = lseek(in, 0, SEEK_SET) == 0 && copy_fd(in, out) == 0 && fchmod(out, mode) == 0
		? 0 : -1;
	int e = errno;
	if (close(out) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && rename(tmp, dest) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		snprintf(err, errlen, "%s: cannot write output: %s", dest, strerror(e));
	}
	return rc;
}
