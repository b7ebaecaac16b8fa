/*
 * A differential case for the file syscalls (docs/vfs.md, "Tests"): prints
 * each call with its result and errno name, so that the native run and the
 * packed run can be compared line by line.  Run it in an empty directory.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <termios.h>

#define R(expr) do { \
	errno = 0; \
	long r_ = (long)(expr); \
	printf("%-60s = %ld %s\n", #expr, r_, r_ < 0 ? strerrorname_np(errno) : ""); \
} while (0)

int main(void)
{
	char buf[256];
	struct stat st;
	int fd;

	R(mkdir("t", 0755));
	R(chdir("t"));
	R(fd = open("f", O_CREAT | O_RDWR | O_TRUNC, 0644));
	R(write(fd, "0123456789", 10));
	R(lseek(fd, 0, SEEK_CUR));
	R(lseek(fd, -3, SEEK_END));
	R(read(fd, buf, 100));
	R(pread(fd, buf, 4, 8));
	R(pwrite(fd, "ab", 2, 20));
	R(fstat(fd, &st)); printf("size %ld mode %o nlink %ld\n", (long)st.st_size, st.st_mode, (long)st.st_nlink);
	R(lseek(fd, 12, SEEK_DATA));
	R(lseek(fd, 0, SEEK_HOLE));
	R(lseek(fd, 22, SEEK_DATA));
	R(close(fd));
	R(open("f/", O_RDONLY));
	R(open("f/x", O_RDONLY));
	R(open("missing/x", O_CREAT | O_WRONLY, 0644));
	R(open(".", O_WRONLY));
	R(open(".", O_RDONLY | O_CREAT, 0644));
	R(open("f", O_RDONLY | O_DIRECTORY));
	R(mkdir("f", 0755));
	R(mkdir("d", 0755));
	R(mkdir("d/", 0755));
	R(mkdir("d/e/", 0755));
	R(rmdir("d/e/."));
	R(rmdir("d/e/.."));
	R(rmdir("d"));
	R(unlink("d"));
	R(unlink("f/"));
	R(rename("f", "d"));
	R(rename("d", "f"));
	R(rename("d", "d/e/x"));
	R(rename("d/e", "g"));
	R(rename("g", "d/e"));
	R(rename("f", "f2"));
	R(link("f2", "f3"));
	R(link("f2", "f3"));
	R(link("d", "d2"));
	R(stat("f2", &st)); printf("nlink %ld\n", (long)st.st_nlink);
	R(unlink("f3"));
	R(symlink("f2", "f2"));
	R(readlink("f2", buf, sizeof(buf)));
	R(readlink("missing", buf, sizeof(buf)));
	R(access("f2", R_OK | W_OK));
	R(access("missing", F_OK));
	R(access("f2/", F_OK));
	R(fd = open("/dev/null", O_RDWR));
	R(write(fd, "x", 1));
	R(read(fd, buf, 10));
	R(ioctl(fd, TCGETS, buf));
	R(lseek(fd, 100, SEEK_SET));
	R(close(fd));
	R(fd = open("/dev/full", O_WRONLY));
	R(write(fd, "x", 1));
	R(close(fd));
	R(stat("/dev/zero", &st)); printf("rdev %lx mode %o\n", (long)st.st_rdev, st.st_mode);
	R(stat("/dev/urandom", &st)); printf("rdev %lx\n", (long)st.st_rdev);
	R(fd = open("f2", O_RDONLY));
	R(dup2(fd, 50));
	R(fcntl(50, F_GETFD));
	R(dup3(fd, 51, O_CLOEXEC));
	R(fcntl(51, F_GETFD));
	R(dup3(fd, fd, 0));
	R(fcntl(fd, F_GETFL));
	R(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
	R(fcntl(fd, F_GETFL) & ~O_LARGEFILE);
	R(fcntl(fd, F_DUPFD, 40));
	R(close(40)); R(close(50)); R(close(51));
	R(close(fd));
	R(close(fd));
	R(fd = open("f2", O_WRONLY | O_APPEND));
	R(lseek(fd, 0, SEEK_SET));
	R(write(fd, "END", 3));
	R(lseek(fd, 0, SEEK_CUR));
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	R(writev(fd, iov, 2));
	R(writev(fd, iov, -1));
	R(close(fd));
	R(getcwd(buf, 2) ? 0 : -1);
	R(fd = open(".", O_RDONLY | O_DIRECTORY));
	R(fchdir(fd));
	R(mkdirat(fd, "sub", 0755));
	R(faccessat(fd, "sub", W_OK, 0));
	R(unlinkat(fd, "sub", 0));
	R(unlinkat(fd, "sub", AT_REMOVEDIR));
	R(fstatat(fd, "", &st, AT_EMPTY_PATH));
	R(fstatat(fd, "", &st, 0));
	R(close(fd));
	R(syscall(SYS_renameat2, AT_FDCWD, "f2", AT_FDCWD, "d", 1));
	R(unlink("f2"));
	R(rmdir("d/e"));
	R(rmdir("d"));
	R(chdir(".."));
	R(rmdir("t"));
	R(mkdir("t2", 0755));
	for (int i = 0; i < 20; i++) {
		snprintf(buf, sizeof(buf), "t2/n%02d", i);
		close(open(buf, O_CREAT | O_WRONLY, 0644));
	}
	DIR *d = opendir("t2");
	int count = 0;
	long pos5 = -1;
	char name5[64] = "", again[64] = "", first[64] = "";
	struct dirent *e;
	while ((e = readdir(d))) {
		if (count == 5)
			pos5 = telldir(d);
		if (count == 0)
			strcpy(first, e->d_name);
		if (count == 6)
			strcpy(name5, e->d_name);
		count++;
	}
	seekdir(d, pos5);
	e = readdir(d);
	strcpy(again, e ? e->d_name : "?");
	printf("entries %d seekdir-same %d\n", count, !strcmp(name5, again));
	rewinddir(d);
	e = readdir(d);
	printf("rewind gives the first entry again %d\n", !strcmp(first, e->d_name));
	closedir(d);
	for (int i = 0; i < 20; i++) {
		snprintf(buf, sizeof(buf), "t2/n%02d", i);
		unlink(buf);
	}
	R(rmdir("t2"));
	R(isatty(0) + isatty(1) * 2);
	R(readlink("/dev/stdout", buf, sizeof(buf)));
	memset(buf, 'a', 255); buf[255] = 0;
	R(open(buf, O_RDONLY));
	buf[255] = 'a'; buf[256] = 0;
	R(open(buf, O_RDONLY));
	R(stat("", &st));
	R(stat("/dev/null/", &st));
	R(open("/dev/null", O_RDONLY | O_DIRECTORY));
	R(open("/dev/../tmp/../", O_RDONLY | O_DIRECTORY) >= 0);
	R(fd = open("probe-x", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
	R(fcntl(fd, F_GETFD));
	R(open("probe-x", O_CREAT | O_EXCL | O_WRONLY, 0600));
	R(close(fd));
	R(unlink("probe-x"));
	R(open("/", O_WRONLY));
	R(mkdir("/", 0755));
	R(stat("/..", &st));
	return 0;
}
