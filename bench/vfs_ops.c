/*
 * Per-operation cost of the file-system calls a package manager or a
 * build makes, over N files in one directory (bench/run, "vfs"):
 *
 *   vfs_ops DIR N
 *
 * creates DIR (which must not exist), then times each phase over the N
 * files f000000...: create (open O_CREAT|O_EXCL, write 64 bytes, close),
 * stat, readdir (one listing of the directory, per entry), rename (to
 * g...), unlink; prints one "PHASE US us/op" line each.  bench/vfs_floor.c
 * does the same with Win32 calls, as the floor under Wine.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void name(char *out, size_t cap, const char *dir, char prefix, long i)
{
	snprintf(out, cap, "%s/%c%06ld", dir, prefix, i);
}

static void report(const char *phase, double t0, long n)
{
	printf("%s %.1f us/op\n", phase, (now_us() - t0) / (double)n);
}

static int fail(const char *what, const char *path)
{
	perror(path);
	fprintf(stderr, "vfs_ops: %s failed\n", what);
	return 1;
}

int main(int argc, char **argv)
{
	static const char payload[64] = "lxnt vfs benchmark payload, sixty-four bytes of it ........\n";
	char a[4096], b[4096];
	struct stat st;
	long n, seen = 0;
	double t0;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: vfs_ops DIR N\n");
		return 2;
	}
	const char *dir = argv[1];
	if (mkdir(dir, 0755) != 0)
		return fail("mkdir", dir);

	t0 = now_us();
	for (long i = 0; i < n; i++) {
		name(a, sizeof(a), dir, 'f', i);
		int fd = open(a, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || write(fd, payload, sizeof(payload)) != (ssize_t)sizeof(payload) || close(fd))
			return fail("create", a);
	}
	report("create", t0, n);

	t0 = now_us();
	for (long i = 0; i < n; i++) {
		name(a, sizeof(a), dir, 'f', i);
		if (stat(a, &st) != 0 || st.st_size != (off_t)sizeof(payload))
			return fail("stat", a);
	}
	report("stat", t0, n);

	t0 = now_us();
	DIR *d = opendir(dir);
	if (!d)
		return fail("opendir", dir);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		seen += e->d_name[0] == 'f';
	closedir(d);
	if (seen != n) {
		fprintf(stderr, "vfs_ops: readdir saw %ld of %ld files\n", seen, n);
		return 1;
	}
	report("readdir", t0, n);

	t0 = now_us();
	for (long i = 0; i < n; i++) {
		name(a, sizeof(a), dir, 'f', i);
		name(b, sizeof(b), dir, 'g', i);
		if (rename(a, b) != 0)
			return fail("rename", a);
	}
	report("rename", t0, n);

	t0 = now_us();
	for (long i = 0; i < n; i++) {
		name(b, sizeof(b), dir, 'g', i);
		if (unlink(b) != 0)
			return fail("unlink", b);
	}
	report("unlink", t0, n);
	if (rmdir(dir) != 0)
		return fail("rmdir", dir);
	return 0;
}
