/* Helpers shared by the guest programs of the end-to-end suite.  Each
 * program is one translation unit built static, so these are static
 * inline rather than a library of their own. */
#ifndef LXNT_TESTS_GUEST_H
#define LXNT_TESTS_GUEST_H

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

/* The word a check prints: the differential run compares the lines, so a
 * failed check shows as a difference from the native run. */
static inline const char *yes(int ok)
{
	return ok ? "yes" : "NO";
}

/* Reads a whole small file (a /proc file has no size to ask for) into buf,
 * NUL-terminated; its length, or -1 when it cannot be opened. */
static inline ssize_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = 0, r;

	if (fd < 0)
		return -1;
	while (n < (ssize_t)cap - 1 && (r = read(fd, buf + n, cap - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* Copies the running program (self) to path, mode 0755, for a copy whose
 * mode or owner a test then changes; 0, or -1. */
static inline int copy_self(const char *self, const char *path)
{
	char buf[65536];
	int in = open(self, O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	return close(out);
}

#endif
