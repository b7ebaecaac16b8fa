/*
 * A differential guest for the flushing calls, the I/O hints and the
 * vectored positioned I/O: fsync, fdatasync, sync_file_range, syncfs,
 * sync, posix_fadvise, readahead, preadv, pwritev, preadv2, pwritev2,
 * utimes and futimesat; sendfile, copy_file_range and close_range.  Each result is printed as its value or errno
 * name, so a difference names the call.  Works in the current directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static void report(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

/* posix_fadvise returns the error instead of setting errno. */
static void advise(const char *what, int fd, off_t len, int advice)
{
	errno = posix_fadvise(fd, 0, len, advice);
	report(what, errno ? -1 : 0);
}

static void flushing(void)
{
	int fd = open("sync-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int ro, dir, p[2], null = open("/dev/null", O_RDWR);

	report("write", write(fd, "0123456789", 10));
	report("fsync file", fsync(fd));
	report("fdatasync file", fdatasync(fd));
	ro = open("sync-file", O_RDONLY);
	report("fsync read-only file", fsync(ro));
	dir = open(".", O_RDONLY | O_DIRECTORY);
	report("fsync directory", fsync(dir));
	if (pipe(p))
		return;
	report("fsync pipe", fsync(p[1]));
	report("fdatasync pipe", fdatasync(p[0]));
	report("fsync /dev/null", fsync(null));
	report("fsync bad fd", fsync(999));

	report("sync_file_range write", sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE));
	report("sync_file_range all flags",
	       sync_file_range(fd, 2, 4, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
	                                     SYNC_FILE_RANGE_WAIT_AFTER));
	report("sync_file_range bad flags", sync_file_range(fd, 0, 0, 8));
	report("sync_file_range negative offset", sync_file_range(fd, -1, 0, 0));
	report("sync_file_range pipe", sync_file_range(p[1], 0, 0, SYNC_FILE_RANGE_WRITE));
	report("syncfs", syncfs(fd));
	report("syncfs pipe", syncfs(p[0]));
	report("syncfs bad fd", syncfs(999));
	sync();
	printf("sync: returned\n");

	int advice[] = { POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL,
	                 POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
	for (unsigned i = 0; i < sizeof(advice) / sizeof(advice[0]); i++) {
		char what[32];
		snprintf(what, sizeof(what), "fadvise %d", advice[i]);
		advise(what, ro, 0, advice[i]);
	}
	advise("fadvise bad advice", ro, 0, 42);
	advise("fadvise negative len", ro, -1, POSIX_FADV_NORMAL);
	advise("fadvise pipe", p[0], 0, POSIX_FADV_NORMAL);
	advise("fadvise directory", dir, 0, POSIX_FADV_NORMAL);
	advise("fadvise bad fd", 999, 0, POSIX_FADV_NORMAL);
	report("readahead file", readahead(ro, 0, 4096));
	report("readahead pipe", readahead(p[0], 0, 4096));
	int wo = open("sync-file", O_WRONLY);
	report("readahead write-only", readahead(wo, 0, 4096));
	close(wo);
	close(p[0]);
	close(p[1]);
	close(null);
	close(dir);
	close(ro);
	close(fd);
}

static void vectored(void)
{
	int fd = open("vec-file", O_RDWR | O_CREAT | O_TRUNC, 0644), p[2];
	char a[4], b[6], text[32];
	struct iovec out[2] = { { "abcd", 4 }, { "efghij", 6 } };
	struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	report("pwritev at 5", pwritev(fd, out, 2, 5));
	report("offset after pwritev", lseek(fd, 0, SEEK_CUR));
	report("size after pwritev", lseek(fd, 0, SEEK_END));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	report("preadv at 7", preadv(fd, in, 2, 7));
	printf("preadv data: %.4s|%.6s\n", a, b);
	report("offset after preadv", lseek(fd, 0, SEEK_CUR));
	report("preadv past the end", preadv(fd, in, 2, 100));
	report("preadv negative offset", preadv(fd, in, 2, -2));
	report("preadv bad fd", preadv(999, in, 2, 0));
	if (pipe(p) == 0) {
		report("preadv pipe", preadv(p[0], in, 2, 0));
		report("pwritev2 pipe at -1", pwritev2(p[1], out, 2, -1, 0));
		memset(text, 0, sizeof(text));
		report("read pipe", read(p[0], text, sizeof(text)));
		printf("pipe data: %s\n", text);
		close(p[0]);
		close(p[1]);
	}

	lseek(fd, 1, SEEK_SET);
	report("preadv2 at -1", preadv2(fd, in, 2, -1, 0));
	printf("preadv2 data: %.4s|%.6s\n", a, b);
	report("offset after preadv2 at -1", lseek(fd, 0, SEEK_CUR));
	report("preadv2 at 5", preadv2(fd, in, 1, 5, 0));
	printf("preadv2 data: %.4s\n", a);
	report("offset after preadv2 at 5", lseek(fd, 0, SEEK_CUR));
	report("pwritev2 RWF_SYNC at 0", pwritev2(fd, out, 1, 0, RWF_SYNC));
	report("pwritev2 RWF_DSYNC at -1", pwritev2(fd, out + 1, 1, -1, RWF_DSYNC));
	report("offset after pwritev2 at -1", lseek(fd, 0, SEEK_CUR));
	report("pwritev2 unknown flag", pwritev2(fd, out, 1, 0, 0x40000000));
	report("preadv2 offset -2", preadv2(fd, in, 1, -2, 0));
	memset(text, 0, sizeof(text));
	report("pread whole", pread(fd, text, sizeof(text) - 1, 0));
	for (char *c = text; c < text + sizeof(text) - 1; c++)
		if (*c == 0)
			*c = '.';
	printf("file: %s\n", text);
	close(fd);
}

static void show_times(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		report(what, -1);
		return;
	}
	printf("%s: atime %lld.%09ld mtime %lld.%09ld\n", what, (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void times_usec(void)
{
	struct timeval tv[2] = { { 1000000000, 123456 }, { 1200000000, 654321 } };
	struct timeval bad[2] = { { 1, 1000000 }, { 1, 0 } };
	int fd = open("times-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	struct stat st;
	time_t before = time(NULL);

	report("utimes", utimes("times-file", tv));
	show_times("after utimes", "times-file");
	tv[0].tv_sec += 5;
	tv[1].tv_sec += 7;
	report("futimesat dirfd", syscall(SYS_futimesat, dir, "times-file", tv));
	show_times("after futimesat", "times-file");
	tv[1].tv_usec = 0;
	report("futimesat NULL path", syscall(SYS_futimesat, fd, NULL, tv));
	show_times("after futimesat NULL path", "times-file");
	report("utimes bad usec", utimes("times-file", bad));
	report("utimes missing", utimes("no-such-file", tv));
	report("utimes NULL times", utimes("times-file", NULL));
	stat("times-file", &st);
	printf("utimes NULL times is now: %s\n",
	       yes(st.st_mtim.tv_sec >= before && st.st_mtim.tv_sec <= time(NULL) + 1));
	close(dir);
	close(fd);
}

static void show_file(const char *what, const char *path)
{
	char text[64];
	ssize_t n = slurp(path, text, sizeof(text));

	printf("%s: %zd [%s]\n", what, n, n < 0 ? "" : text);
}

static void copies(void)
{
	int src = open("copy-src", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int dst = open("copy-dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int app = open("copy-dst", O_WRONLY | O_APPEND), p[2];
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	off_t off, off2;
	char text[32];

	report("write src", write(src, "the quick brown fox", 19));
	lseek(src, 4, SEEK_SET);
	report("sendfile from the offset", sendfile(dst, src, NULL, 5));
	report("src offset after", lseek(src, 0, SEEK_CUR));
	off = 10;
	report("sendfile at 10", sendfile(dst, src, &off, 100));
	printf("offset now: %lld\n", (long long)off);
	report("src offset untouched", lseek(src, 0, SEEK_CUR));
	show_file("dst", "copy-dst");
	off = -1;
	report("sendfile negative offset", sendfile(dst, src, &off, 1));
	report("sendfile to O_APPEND", sendfile(app, src, NULL, 1));
	report("sendfile bad fd", sendfile(dst, 999, NULL, 1));
	report("sendfile from a directory", sendfile(dst, dir, NULL, 1));
	if (pipe(p) == 0) {
		off = 0;
		report("sendfile to a pipe", sendfile(p[1], src, &off, 9));
		memset(text, 0, sizeof(text));
		report("read pipe", read(p[0], text, sizeof(text)));
		printf("pipe: %s\n", text);
		report("sendfile from a pipe with an offset", sendfile(dst, p[0], &off, 1));
		close(p[0]);
		close(p[1]);
	}

	off = 4;
	off2 = 0;
	report("copy_file_range at offsets", copy_file_range(src, &off, dst, &off2, 5, 0));
	printf("offsets now: %lld %lld\n", (long long)off, (long long)off2);
	report("dst offset", lseek(dst, 0, SEEK_CUR));
	lseek(src, 16, SEEK_SET);
	report("copy_file_range at the file offsets", copy_file_range(src, NULL, dst, NULL, 50, 0));
	report("src offset after", lseek(src, 0, SEEK_CUR));
	report("dst offset after", lseek(dst, 0, SEEK_CUR));
	show_file("dst", "copy-dst");
	off = 100;
	report("copy_file_range past the end", copy_file_range(src, &off, dst, NULL, 5, 0));
	report("copy_file_range flags", copy_file_range(src, NULL, dst, NULL, 5, 1));
	report("copy_file_range to O_APPEND", copy_file_range(src, NULL, app, NULL, 5, 0));
	report("copy_file_range directory", copy_file_range(dir, NULL, dst, NULL, 5, 0));
	off = 0;
	off2 = 2;
	report("copy_file_range overlapping", copy_file_range(src, &off, src, &off2, 5, 0));
	off2 = 10;
	report("copy_file_range same file apart", copy_file_range(src, &off, src, &off2, 5, 0));
	show_file("src", "copy-src");
	report("copy_file_range bad fd", copy_file_range(999, NULL, dst, NULL, 5, 0));
	report("copy_file_range zero", copy_file_range(src, NULL, dst, NULL, 0, 0));
	if (pipe(p) == 0) {
		report("copy_file_range pipe", copy_file_range(p[0], NULL, dst, NULL, 5, 0));
		close(p[0]);
		close(p[1]);
	}
	close(dir);
	close(app);
	close(dst);
	close(src);
	unlink("copy-src");
	unlink("copy-dst");
}

static void close_ranges(void)
{
	int base = open("/dev/null", O_RDONLY);
	for (int i = 0; i < 6; i++)
		dup2(base, 100 + i);
	report("close_range cloexec", syscall(SYS_close_range, 100, 101, 4));
	report("fd 100 flags", fcntl(100, F_GETFD));
	report("fd 102 flags", fcntl(102, F_GETFD));
	report("close_range", syscall(SYS_close_range, 102, 104, 0));
	for (int fd = 100; fd < 106; fd++) {
		char what[32];
		snprintf(what, sizeof(what), "fd %d open", fd);
		report(what, fcntl(fd, F_GETFD) >= 0 ? 1 : 0);
	}
	report("close_range first > last", syscall(SYS_close_range, 5, 4, 0));
	report("close_range bad flags", syscall(SYS_close_range, 100, 101, 1));
	report("close_range to ~0", syscall(SYS_close_range, 100, ~0u, 0));
	report("fd 105 open", fcntl(105, F_GETFD) >= 0 ? 1 : 0);
	report("fd base open", fcntl(base, F_GETFD) >= 0 ? 1 : 0);
	close(base);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	flushing();
	vectored();
	times_usec();
	copies();
	close_ranges();
	unlink("sync-file");
	unlink("vec-file");
	unlink("times-file");
	return 0;
}
