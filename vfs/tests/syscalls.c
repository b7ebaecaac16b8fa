/*
 * The vfs syscall handlers called directly, in a fresh directory under
 * /tmp, with the results Linux gives (checked against the man pages and a
 * native run of the same sequence).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <wchar.h>

#include "vfs.h"
#include "fifo.h"
#include "metastore.h"
#include "metatable.h"
#include "lxnt/linux/poll.h"
#include "lxnt/linux/signal.h"
#include "lxnt/linux/time.h"

#include "syscall_table.h"
#include "thread.h"

static int failures;

/* A handler called as the dispatcher would, which closes the thread's
 * kept handle (vfs/host.c) before any call not known to use it: here
 * before every call, as the number is not known. */
static int64_t call(int64_t (*fn)(struct lx_syscall *), const int64_t *args)
{
	struct lx_syscall sc = { 0, { args[0], args[1], args[2], args[3], args[4], args[5] }, NULL };
	struct lx_thread *t = lx_current_thread();

	if (t && t->kept_handle)
		lx_host_kept_syscall(t, -1);
	return fn(&sc);
}

#define P(x) ((int64_t)(uintptr_t)(x))
#define SYS(fn, ...) call(lx_sys_##fn, (const int64_t[6]){ __VA_ARGS__ })
#define SYS5 SYS
#define EXPECT(expr, want) do { int64_t got_ = (expr); if (got_ != (int64_t)(want)) { \
	fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #expr, \
	        (long long)got_, (long long)(want)); failures++; } } while (0)
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	failures++; } } while (0)

/* Collects the names getdents64 returns, joined by spaces. */
static long list_dir(int fd, char *out, size_t cap)
{
	char buf[512];
	long n, total = 0;

	out[0] = 0;
	while ((n = SYS(getdents64, fd, P(buf), sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct lx_dirent64 *d = (struct lx_dirent64 *)(buf + off);
			if (strlen(out) + strlen(d->d_name) + 2 < cap) {
				strcat(out, d->d_name);
				strcat(out, " ");
			}
			off += d->d_reclen;
			total++;
		}
	}
	return n < 0 ? n : total;
}

static bool has_name(const char *list, const char *name)
{
	char pat[300];
	snprintf(pat, sizeof(pat), " %s ", name);
	char padded[4096];
	snprintf(padded, sizeof(padded), " %s", list);
	return strstr(padded, pat) != NULL;
}

static void test_cwd_and_dirs(const char *dir)
{
	char buf[LX_PATH_MAX];

	CHECK(SYS(getcwd, P(buf), sizeof(buf)) > 0 && !strncmp(buf, "/mnt/", 5));
	EXPECT(SYS(getcwd, P(buf), 2), -LX_ERANGE);
	EXPECT(SYS(mkdir, P(dir), 0755), 0);
	EXPECT(SYS(mkdir, P(dir), 0755), -LX_EEXIST);
	EXPECT(SYS(chdir, P(dir)), 0);
	EXPECT(SYS(getcwd, P(buf), sizeof(buf)), (long)strlen(dir) + 1);
	CHECK(!strcmp(buf, dir));
	EXPECT(SYS(mkdir, P("/newdir"), 0755), -LX_EROFS);
	EXPECT(SYS(mkdir, P("/mnt"), 0755), -LX_EEXIST);
	EXPECT(SYS(mkdir, P("nodir/sub"), 0755), -LX_ENOENT);
	EXPECT(SYS(chdir, P("/dev/null")), -LX_ENOTDIR);
}

/* No socket family yet: socket(2) answers as a kernel without them, and
 * no fd is a socket (vfs/socket.c). */
static void test_sockets(void)
{
	long fd = SYS(open, P("sockf"), LX_O_CREAT | LX_O_WRONLY, 0644);

	CHECK(fd >= 3);
	EXPECT(SYS(socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0), -LX_EAFNOSUPPORT);
	EXPECT(SYS(socket, 16 /* AF_NETLINK */, 3 /* SOCK_RAW */, 9 /* NETLINK_AUDIT */),
	       -LX_EAFNOSUPPORT);
	EXPECT(SYS(socket, 1, 1 | 0x100000, 0), -LX_EINVAL);  /* an unknown type flag */
	EXPECT(SYS(socket, 1000, 1, 0), -LX_EAFNOSUPPORT);
	EXPECT(SYS(socket, 1, 15, 0), -LX_EINVAL);            /* a type out of range */
	EXPECT(SYS(socketpair, 1 /* AF_UNIX */, 1, 0, 0), -LX_EAFNOSUPPORT);
	EXPECT(SYS(socket_fd_call, fd, 0, 0), -LX_ENOTSOCK);  /* connect, sendmmsg ... */
	EXPECT(SYS(socket_fd_call, 999, 0, 0), -LX_EBADF);
	EXPECT(SYS(accept4, fd, 0, 0, 1), -LX_EINVAL);
	EXPECT(SYS(accept4, fd, 0, 0, 0), -LX_ENOTSOCK);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(unlink, P("sockf")), 0);
}

static void test_read_write(void)
{
	char buf[64] = { 0 };
	long fd, fd2;

	fd = SYS(open, P("f"), LX_O_CREAT | LX_O_WRONLY | LX_O_TRUNC, 0644);
	CHECK(fd >= 3);
	EXPECT(SYS(write, fd, P("hello"), 5), 5);
	EXPECT(SYS(write, fd, P("x"), 0), 0);
	EXPECT(SYS(read, fd, P(buf), 5), -LX_EBADF);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(close, fd), -LX_EBADF);
	EXPECT(SYS(open, P("f"), LX_O_CREAT | LX_O_EXCL | LX_O_WRONLY, 0644), -LX_EEXIST);
	EXPECT(SYS(open, P("f/"), LX_O_RDONLY, 0), -LX_ENOTDIR);
	EXPECT(SYS(open, P("f"), LX_O_RDONLY | LX_O_DIRECTORY, 0), -LX_ENOTDIR);
	EXPECT(SYS(open, P("missing"), LX_O_RDONLY, 0), -LX_ENOENT);

	fd = SYS(open, P("f"), LX_O_RDONLY, 0);
	EXPECT(SYS(read, fd, P(buf), sizeof(buf)), 5);
	CHECK(!memcmp(buf, "hello", 5));
	EXPECT(SYS(read, fd, P(buf), sizeof(buf)), 0);
	EXPECT(SYS(lseek, fd, 1, LX_SEEK_SET), 1);
	EXPECT(SYS(read, fd, P(buf), 2), 2);
	CHECK(!memcmp(buf, "el", 2));
	EXPECT(SYS(pread64, fd, P(buf), 10, 3), 2);
	CHECK(!memcmp(buf, "lo", 2));
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_CUR), 3);
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_END), 5);
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_DATA), 0);
	EXPECT(SYS(lseek, fd, 2, LX_SEEK_HOLE), 5);
	EXPECT(SYS(lseek, fd, 5, LX_SEEK_DATA), -LX_ENXIO);
	EXPECT(SYS(lseek, fd, -10, LX_SEEK_CUR), -LX_EINVAL);
	EXPECT(SYS(lseek, fd, 0, 7), -LX_EINVAL);
	EXPECT(SYS(pread64, fd, 8, 5, 0), -LX_EFAULT);
	EXPECT(SYS(write, fd, P("x"), 1), -LX_EBADF);

	/* dup'ed fds share the offset */
	fd2 = SYS(dup, fd);
	CHECK(fd2 > fd);
	EXPECT(SYS(lseek, fd, 1, LX_SEEK_SET), 1);
	EXPECT(SYS(lseek, fd2, 0, LX_SEEK_CUR), 1);
	EXPECT(SYS(fcntl, fd2, LX_F_GETFD, 0), 0);
	EXPECT(SYS(dup3, fd, 100, LX_O_CLOEXEC), 100);
	EXPECT(SYS(fcntl, 100, LX_F_GETFD, 0), LX_FD_CLOEXEC);
	EXPECT(SYS(fcntl, 100, LX_F_SETFD, 0), 0);
	EXPECT(SYS(fcntl, 100, LX_F_GETFD, 0), 0);
	EXPECT(SYS(dup3, fd, fd, 0), -LX_EINVAL);
	EXPECT(SYS(dup2, fd, fd), fd);
	EXPECT(SYS(dup2, 999, 5), -LX_EBADF);
	EXPECT(SYS(fcntl, fd, LX_F_DUPFD, 50), 50);
	EXPECT(SYS(fcntl, fd, LX_F_DUPFD_CLOEXEC, 50), 51);
	EXPECT(SYS(fcntl, 51, LX_F_GETFD, 0), LX_FD_CLOEXEC);
	lx_vfs_close_on_exec();
	EXPECT(SYS(close, 51), -LX_EBADF);
	EXPECT(SYS(close, 50), 0);
	EXPECT(SYS(close, 100), 0);
	EXPECT(SYS(close, fd2), 0);
	EXPECT(SYS(ioctl, fd, LX_TCGETS, P(buf)), -LX_ENOTTY);
	{
		int avail = -1;
		EXPECT(SYS(ioctl, fd, LX_FIONREAD, P(&avail)), 0);
		EXPECT(avail, 4);
	}
	EXPECT(SYS(close, fd), 0);

	/* O_APPEND: writes go to the end whatever the offset */
	fd = SYS(open, P("f"), LX_O_WRONLY | LX_O_APPEND, 0);
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_SET), 0);
	EXPECT(SYS(write, fd, P("!"), 1), 1);
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_CUR), 6);
	EXPECT(SYS(fcntl, fd, LX_F_GETFL, 0), LX_O_WRONLY | LX_O_APPEND | LX_O_LARGEFILE);
	EXPECT(SYS(fcntl, fd, LX_F_SETFL, 0), 0);
	EXPECT(SYS(fcntl, fd, LX_F_GETFL, 0), LX_O_WRONLY | LX_O_LARGEFILE);
	EXPECT(SYS(pwrite64, fd, P("H"), 1, 0), 1);
	EXPECT(SYS(close, fd), 0);

	/* readv/writev */
	{
		struct lx_iovec iov[2] = { { P("ab"), 2 }, { P("cd"), 2 } };
		char a[3] = { 0 }, b[8] = { 0 };
		struct lx_iovec riov[2] = { { P(a), 2 }, { P(b), 8 } };
		fd = SYS(open, P("v"), LX_O_CREAT | LX_O_RDWR, 0644);
		EXPECT(SYS(writev, fd, P(iov), 2), 4);
		EXPECT(SYS(lseek, fd, 0, LX_SEEK_SET), 0);
		EXPECT(SYS(readv, fd, P(riov), 2), 4);
		CHECK(!strcmp(a, "ab") && !strcmp(b, "cd"));
		EXPECT(SYS(readv, fd, P(riov), -1), -LX_EINVAL);
		EXPECT(SYS(close, fd), 0);
	}
	/* the runtime's mmap reads through lx_vfs_pread_host */
	fd = SYS(open, P("v"), LX_O_RDONLY, 0);
	EXPECT(lx_vfs_pread_host((int)fd, buf, sizeof(buf), 2), 2);
	CHECK(!memcmp(buf, "cd", 2));
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_CUR), 0);
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("v"), LX_O_WRONLY, 0);
	EXPECT(lx_vfs_pread_host((int)fd, buf, sizeof(buf), 0), -LX_EACCES);
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("."), LX_O_RDONLY, 0);
	EXPECT(lx_vfs_pread_host((int)fd, buf, sizeof(buf), 0), -LX_ENODEV);
	EXPECT(SYS(close, fd), 0);
	EXPECT(lx_vfs_pread_host(999, buf, sizeof(buf), 0), -LX_EBADF);
	/* O_TRUNC */
	fd = SYS(open, P("v"), LX_O_WRONLY | LX_O_TRUNC, 0);
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_END), 0);
	EXPECT(SYS(close, fd), 0);
}

static void test_stat(const char *dir)
{
	struct lx_stat st;
	struct lx_statx sx;
	char path[LX_PATH_MAX];
	long fd;

	EXPECT(SYS(stat, P("f"), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFREG | 0644);
	EXPECT(st.st_size, 6);
	EXPECT(st.st_nlink, 1);
	EXPECT(st.st_uid, 1000);
	EXPECT(st.st_blksize, 4096);
	CHECK(st.st_mtime_sec > 1600000000);
	EXPECT(SYS(stat, P("f/"), P(&st)), -LX_ENOTDIR);
	EXPECT(SYS(stat, P("f/x"), P(&st)), -LX_ENOTDIR);
	EXPECT(SYS(stat, P("missing/../f"), P(&st)), -LX_ENOENT);
	EXPECT(SYS(stat, P("/mnt/c/nonexistent-name"), P(&st)), -LX_ENOENT);
	EXPECT(SYS(stat, P("/mnt/c/nonexistent-name/x"), P(&st)), -LX_ENOENT);
	EXPECT(SYS(stat, P("/mnt/q-not-a-drive"), P(&st)), -LX_ENOENT);
	EXPECT(SYS(stat, P("f/../f"), P(&st)), -LX_ENOTDIR);
	EXPECT(SYS(stat, P("../../../../../../.."), P(&st)), 0);
	snprintf(path, sizeof(path), "%s/./f", dir);
	EXPECT(SYS(lstat, P(path), P(&st)), 0);
	EXPECT(SYS(stat, P("."), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFDIR | 0755);
	fd = SYS(open, P("."), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	CHECK(fd >= 0);
	EXPECT(SYS(newfstatat, fd, P("f"), P(&st), 0), 0);
	EXPECT(st.st_size, 6);
	EXPECT(SYS5(newfstatat, fd, P(""), P(&st), LX_AT_EMPTY_PATH, 0), 0);
	EXPECT(st.st_mode, LX_S_IFDIR | 0755);
	EXPECT(SYS5(newfstatat, fd, P(""), P(&st), 0, 0), -LX_ENOENT);
	EXPECT(SYS5(statx, fd, P("f"), 0, LX_STATX_BASIC_STATS, P(&sx)), 0);
	EXPECT(sx.stx_size, 6);
	CHECK(sx.stx_mask & LX_STATX_BTIME);
	EXPECT(SYS(fstat, fd, P(&st)), 0);
	EXPECT(SYS(fchdir, fd), 0);
	EXPECT(SYS(close, fd), 0);

	EXPECT(SYS(stat, P("/dev/null"), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFCHR | 0666);
	EXPECT(st.st_rdev, lx_makedev(1, 3));
	EXPECT(SYS(stat, P("/dev/tty"), P(&st)), 0);
	EXPECT(st.st_rdev, lx_makedev(5, 0));
	EXPECT(SYS(lstat, P("/dev/stdin"), P(&st)), 0);
	CHECK(LX_S_ISLNK(st.st_mode));
	EXPECT(SYS(stat, P("/"), P(&st)), 0);
	CHECK(LX_S_ISDIR(st.st_mode));
	EXPECT(SYS(stat, P("/.."), P(&st)), 0);
	EXPECT(SYS(stat, P("/nonexistent"), P(&st)), -LX_ENOENT);

	EXPECT(SYS(access, P("f"), LX_R_OK | LX_W_OK), 0);
	EXPECT(SYS(access, P("f"), LX_X_OK), -LX_EACCES);
	EXPECT(SYS(access, P("/"), LX_W_OK), -LX_EROFS);
	EXPECT(SYS(access, P("/"), LX_R_OK | LX_X_OK), 0);
	EXPECT(SYS5(faccessat2, LX_AT_FDCWD, P("f"), LX_F_OK, LX_AT_EACCESS, 0), 0);
	EXPECT(SYS(access, P("missing"), LX_F_OK), -LX_ENOENT);
}

static void test_dirs(void)
{
	char names[4096];
	char buf[512];
	long fd, n;

	EXPECT(SYS(mkdir, P("d"), 0755), 0);
	EXPECT(SYS(open, P("d"), LX_O_WRONLY, 0), -LX_EISDIR);
	EXPECT(SYS(open, P("d/"), LX_O_CREAT | LX_O_WRONLY, 0644), -LX_EISDIR);
	fd = SYS(open, P("d/a:b"), LX_O_CREAT | LX_O_WRONLY, 0644);
	CHECK(fd >= 0);
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("d/caf\xc3\xa9"), LX_O_CREAT | LX_O_WRONLY, 0644);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(mkdir, P("d/sub"), 0755), 0);

	fd = SYS(open, P("d"), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	EXPECT(list_dir(fd, names, sizeof(names)), 5);
	CHECK(!strncmp(names, ". .. ", 5));
	CHECK(has_name(names, "a:b") && has_name(names, "caf\xc3\xa9") && has_name(names, "sub"));
	EXPECT(SYS(read, fd, P(buf), 10), -LX_EISDIR);

	/* seekdir to the d_off of the second record resumes at the third */
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_SET), 0);
	n = SYS(getdents64, fd, P(buf), 48);
	CHECK(n > 0);
	{
		struct lx_dirent64 *d = (struct lx_dirent64 *)buf;
		struct lx_dirent64 *d2 = (struct lx_dirent64 *)(buf + d->d_reclen);
		CHECK(!strcmp(d->d_name, "."));
		EXPECT(d->d_type, LX_DT_DIR);
		CHECK(!strcmp(d2->d_name, ".."));
		EXPECT(SYS(lseek, fd, d2->d_off, LX_SEEK_SET), 2);
	}
	EXPECT(list_dir(fd, names, sizeof(names)), 3);
	EXPECT(SYS(getdents64, fd, P(buf), 10), 0);
	EXPECT(SYS(lseek, fd, 0, LX_SEEK_SET), 0);
	EXPECT(SYS(getdents64, fd, P(buf), 10), -LX_EINVAL);
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("f"), LX_O_RDONLY, 0);
	EXPECT(SYS(getdents64, fd, P(buf), sizeof(buf)), -LX_ENOTDIR);
	EXPECT(SYS(close, fd), 0);

	fd = SYS(open, P("/"), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	list_dir(fd, names, sizeof(names));
	CHECK(has_name(names, "dev") && has_name(names, "mnt") && has_name(names, "tmp"));
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("/mnt"), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	list_dir(fd, names, sizeof(names));
	CHECK(has_name(names, "c"));
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("/dev"), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	list_dir(fd, names, sizeof(names));
	CHECK(has_name(names, "null") && has_name(names, "urandom") && has_name(names, "stdout"));
	EXPECT(SYS(close, fd), 0);
}

static void test_names(void)
{
	struct lx_stat st;
	char buf[64];
	long fd;

	EXPECT(SYS(rename, P("f"), P("g")), 0);
	EXPECT(SYS(stat, P("f"), P(&st)), -LX_ENOENT);
	EXPECT(SYS(stat, P("g"), P(&st)), 0);
	EXPECT(SYS(rename, P("g"), P("d")), -LX_EISDIR);
	EXPECT(SYS(rename, P("d"), P("g")), -LX_ENOTDIR);
	EXPECT(SYS(rename, P("d"), P("d/sub/x")), -LX_EINVAL);
	EXPECT(SYS(rename, P("g"), P("/dev/x")), -LX_EXDEV);
	EXPECT(SYS(rename, P("missing"), P("x")), -LX_ENOENT);
	EXPECT(SYS(rename, P("g"), P("g")), 0);
	/* replace an existing file */
	fd = SYS(open, P("h"), LX_O_CREAT | LX_O_WRONLY, 0644);
	EXPECT(SYS(write, fd, P("other"), 5), 5);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS5(renameat2, LX_AT_FDCWD, P("g"), LX_AT_FDCWD, P("h"), LX_RENAME_NOREPLACE), -LX_EEXIST);
	EXPECT(SYS5(renameat2, LX_AT_FDCWD, P("g"), LX_AT_FDCWD, P("h"), LX_RENAME_EXCHANGE), -LX_EINVAL);
	EXPECT(SYS(rename, P("h"), P("g")), 0);
	fd = SYS(open, P("g"), LX_O_RDONLY, 0);
	EXPECT(SYS(read, fd, P(buf), sizeof(buf)), 5);
	EXPECT(SYS(close, fd), 0);
	/* directories: onto an empty one, not onto a full one */
	EXPECT(SYS(mkdir, P("e"), 0755), 0);
	EXPECT(SYS(rename, P("e"), P("d")), -LX_ENOTEMPTY);
	EXPECT(SYS(rename, P("d/sub"), P("e")), 0);
	EXPECT(SYS(stat, P("e"), P(&st)), 0);

	EXPECT(SYS(link, P("g"), P("l")), 0);
	EXPECT(SYS(stat, P("g"), P(&st)), 0);
	EXPECT(st.st_nlink, 2);
	EXPECT(SYS(link, P("g"), P("l")), -LX_EEXIST);
	EXPECT(SYS(link, P("e"), P("l2")), -LX_EPERM);
	EXPECT(SYS(link, P("g"), P("/dev/l")), -LX_EROFS);
	EXPECT(SYS(unlink, P("l")), 0);
	EXPECT(SYS(unlink, P("l")), -LX_ENOENT);
	EXPECT(SYS(unlink, P("e")), -LX_EISDIR);
	EXPECT(SYS(unlink, P("g/")), -LX_ENOTDIR);
	EXPECT(SYS(rmdir, P("g")), -LX_ENOTDIR);
	EXPECT(SYS(rmdir, P("d")), -LX_ENOTEMPTY);
	EXPECT(SYS(rmdir, P("e/.")), -LX_EINVAL);
	EXPECT(SYS(rmdir, P("/mnt")), -LX_EBUSY);
	EXPECT(SYS(unlink, P("/dev/null")), -LX_EROFS);
	EXPECT(SYS(rmdir, P("e")), 0);

	/* a read-only file can still be unlinked */
	fd = SYS(open, P("ro"), LX_O_CREAT | LX_O_WRONLY, 0444);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(stat, P("ro"), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFREG | 0444);
	EXPECT(SYS(access, P("ro"), LX_W_OK), -LX_EACCES);
	/* EACCES on Windows; Wine running as root lets root write it, as Linux does */
	fd = SYS(open, P("ro"), LX_O_WRONLY, 0);
	CHECK(fd == -LX_EACCES || fd >= 0);
	if (fd >= 0)
		SYS(close, fd);
	EXPECT(SYS(unlink, P("ro")), 0);

	/* sizes, times and the write bits can change */
	fd = SYS(open, P("sz"), LX_O_CREAT | LX_O_RDWR, 0644);
	EXPECT(SYS(ftruncate, fd, 100), 0);
	EXPECT(SYS(fstat, fd, P(&st)), 0);
	EXPECT(st.st_size, 100);
	EXPECT(SYS(ftruncate, fd, -1), -LX_EINVAL);
	EXPECT(SYS(truncate, P("sz"), 7), 0);
	EXPECT(SYS(stat, P("sz"), P(&st)), 0);
	EXPECT(st.st_size, 7);
	EXPECT(SYS(truncate, P("d"), 0), -LX_EISDIR);
	{
		struct { int64_t sec, nsec; } ts[2] = { { 1000000000, 5 }, { 1234567890, 123456700 } };
		EXPECT(SYS(utimensat, LX_AT_FDCWD, P("sz"), P(ts), 0), 0);
		EXPECT(SYS(stat, P("sz"), P(&st)), 0);
		EXPECT(st.st_mtime_sec, 1234567890);
		EXPECT(st.st_mtime_nsec, 123456700);
		EXPECT(st.st_atime_sec, 1000000000);
		ts[1].nsec = (1L << 30) - 2; /* UTIME_OMIT */
		ts[0].nsec = (1L << 30) - 1; /* UTIME_NOW */
		EXPECT(SYS(utimensat, fd, 0, P(ts), 0), 0);
		EXPECT(SYS(fstat, fd, P(&st)), 0);
		EXPECT(st.st_mtime_sec, 1234567890);
		CHECK(st.st_atime_sec > 1600000000);
		ts[0].nsec = 1000000000;
		EXPECT(SYS(utimensat, fd, 0, P(ts), 0), -LX_EINVAL);
		EXPECT(SYS(utimensat, LX_AT_FDCWD, P("missing"), 0, 0), -LX_ENOENT);
		EXPECT(SYS(utimensat, LX_AT_FDCWD, P("sz"), 0, 0), 0);
	}
	EXPECT(SYS(fchmod, fd, 0444), 0);
	EXPECT(SYS(stat, P("sz"), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFREG | 0444);
	EXPECT(SYS(chmod, P("sz"), 0600), 0);
	EXPECT(SYS(stat, P("sz"), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFREG | 0644);
	EXPECT(SYS(fchmodat, LX_AT_FDCWD, P("/dev/null"), 0666), -LX_EROFS);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(unlink, P("sz")), 0);

	/* unlink of an open file: the name goes at once, the fd still reads */
	fd = SYS(open, P("open"), LX_O_CREAT | LX_O_RDWR, 0644);
	EXPECT(SYS(write, fd, P("data"), 4), 4);
	EXPECT(SYS(unlink, P("open")), 0);
	/* ENOENT with POSIX delete semantics (NTFS on Windows 10 1709 and later);
	 * Wine 8 keeps the name until the last handle closes */
	long r = SYS(stat, P("open"), P(&st));
	CHECK(r == -LX_ENOENT || r == 0);
	EXPECT(SYS(pread64, fd, P(buf), 4, 0), 4);
	EXPECT(SYS(close, fd), 0);

	EXPECT(SYS(symlink, P("g"), P("s")), -LX_EPERM);
	EXPECT(SYS(symlink, P("g"), P("g")), -LX_EEXIST);
	EXPECT(SYS(readlink, P("g"), P(buf), sizeof(buf)), -LX_EINVAL);
	EXPECT(SYS(readlink, P("/dev/stdin"), P(buf), sizeof(buf)), 15);
	CHECK(!memcmp(buf, "/proc/self/fd/0", 15));
	EXPECT(SYS(readlink, P("/dev/stdin"), P(buf), 4), 4);
}

static void test_devices(void)
{
	unsigned char buf[64];
	long fd;

	fd = SYS(open, P("/dev/null"), LX_O_RDWR, 0);
	EXPECT(SYS(write, fd, P("abc"), 3), 3);
	EXPECT(SYS(read, fd, P(buf), sizeof(buf)), 0);
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("/dev/zero"), LX_O_RDONLY, 0);
	memset(buf, 1, sizeof(buf));
	EXPECT(SYS(read, fd, P(buf), sizeof(buf)), sizeof(buf));
	CHECK(buf[0] == 0 && buf[63] == 0);
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("/dev/full"), LX_O_WRONLY, 0);
	EXPECT(SYS(write, fd, P("abc"), 3), -LX_ENOSPC);
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("/dev/urandom"), LX_O_RDONLY, 0);
	EXPECT(SYS(read, fd, P(buf), 16), 16);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(open, P("/dev/nope"), LX_O_RDONLY, 0), -LX_ENOENT);
	EXPECT(SYS(open, P("/dev/null/x"), LX_O_RDONLY, 0), -LX_ENOTDIR);
	EXPECT(SYS(open, P("/dev/null"), LX_O_CREAT | LX_O_EXCL | LX_O_WRONLY, 0), -LX_EEXIST);
}

extern int test_last_signal, test_signal_after_ms;

static void test_pipes(void)
{
	HANDLE r, w;
	struct lx_file *fr, *fw;
	long rfd, wfd;
	char buf[16];

	CHECK(CreatePipe(&r, &w, NULL, 0));
	CHECK(lx_stream_file_new(r, LX_O_RDONLY, &fr) == 0);
	CHECK(lx_stream_file_new(w, LX_O_WRONLY, &fw) == 0);
	rfd = lx_fd_install(fr, 0, false);
	wfd = lx_fd_install(fw, 0, false);
	EXPECT(SYS(write, wfd, P("ping"), 4), 4);
	{
		int avail = 0;
		EXPECT(SYS(ioctl, rfd, LX_FIONREAD, P(&avail)), 0);
		EXPECT(avail, 4);
	}
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 4);
	/* A handed-over pipe: O_NONBLOCK and signals apply to reads too. */
	EXPECT(SYS(fcntl, rfd, LX_F_SETFL, LX_O_NONBLOCK), 0);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), -LX_EAGAIN);
	EXPECT(SYS(fcntl, rfd, LX_F_SETFL, 0), 0);
	test_signal_after_ms = 20;
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), -LX_ERESTARTSYS);
	EXPECT(SYS(write, wfd, P("pong!"), 5), 5);
	EXPECT(SYS(read, rfd, P(buf), 2), 2);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 3);
	{
		struct lx_pollfd p[2] = { { (int)rfd, LX_POLLIN, 0 }, { (int)wfd, LX_POLLOUT, 0 } };
		EXPECT(SYS(poll, P(p), 2, 0), 1);
		EXPECT(p[0].revents, 0);
		EXPECT(p[1].revents, LX_POLLOUT);
	}
	EXPECT(SYS(pread64, rfd, P(buf), 1, 0), -LX_ESPIPE);
	EXPECT(SYS(lseek, rfd, 0, LX_SEEK_CUR), -LX_ESPIPE);
	EXPECT(SYS(ioctl, rfd, LX_TCGETS, P(buf)), -LX_ENOTTY);
	EXPECT(SYS(close, wfd), 0);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 0);
	EXPECT(SYS(close, rfd), 0);

	{
		int fds[2] = { -1, -1 };
		EXPECT(SYS(pipe2, P(fds), LX_O_CLOEXEC), 0);
		EXPECT(SYS(fcntl, fds[0], LX_F_GETFD), LX_FD_CLOEXEC);
		EXPECT(SYS(fcntl, fds[1], LX_F_GETFL), LX_O_WRONLY);
		EXPECT(SYS(write, fds[1], P("pipe2"), 5), 5);
		EXPECT(SYS(read, fds[0], P(buf), sizeof(buf)), 5);
		EXPECT(SYS(close, fds[1]), 0);
		EXPECT(SYS(read, fds[0], P(buf), sizeof(buf)), 0);
		EXPECT(SYS(close, fds[0]), 0);
		EXPECT(SYS(pipe2, P(fds), 0x1), -LX_EINVAL);
		EXPECT(SYS(pipe, 8), -LX_EFAULT);
	}

	CHECK(CreatePipe(&r, &w, NULL, 0));
	CloseHandle(r);
	CHECK(lx_stream_file_new(w, LX_O_WRONLY, &fw) == 0);
	wfd = lx_fd_install(fw, 0, false);
	EXPECT(SYS(write, wfd, P("x"), 1), -LX_EPIPE);
	EXPECT(SYS(close, wfd), 0);
}

/* A signal ends a blocked read and a blocked write of a pipe: the read
 * with nothing, the write with what went in before (pipe_read/pipe_write
 * of fs/pipe.c return -ERESTARTSYS or the partial count). */
static void test_pipe_interrupted(void)
{
	static char big[100000];
	int fds[2] = { -1, -1 };
	char buf[16];

	EXPECT(SYS(pipe, P(fds)), 0);
	test_signal_after_ms = 20;
	EXPECT(SYS(read, fds[0], P(buf), sizeof(buf)), -LX_ERESTARTSYS);
	test_signal_after_ms = 20;
	struct lx_pollfd pfd = { fds[0], LX_POLLIN, 0 };
	EXPECT(SYS(poll, P(&pfd), 1, -1), -LX_ERESTARTNOHAND);
	EXPECT(SYS(write, fds[1], P("after"), 5), 5);
	EXPECT(SYS(read, fds[0], P(buf), sizeof(buf)), 5);
	test_signal_after_ms = 20;
	int64_t put = SYS(write, fds[1], P(big), sizeof(big));
	CHECK(put == -LX_ERESTARTSYS || (put >= 0 && put < (int64_t)sizeof(big)));
	EXPECT(SYS(fcntl, fds[0], LX_F_SETFL, LX_O_NONBLOCK), 0);
	int64_t got = 0, r;
	while ((r = SYS(read, fds[0], P(big), sizeof(big))) > 0)
		got += r;
	EXPECT(r, -LX_EAGAIN);
	EXPECT(got, put < 0 ? 0 : put);
	EXPECT(SYS(close, fds[0]), 0);
	EXPECT(SYS(close, fds[1]), 0);
}

/* Locks inside one process (vfs/locks.c): two descriptions of one file
 * see each other's OFD and flock locks; blocked waits end with a signal;
 * a dead owner's locks go at the next look; the last close of a
 * description drops its locks. */
static void test_locks(void)
{
	struct lx_flock fl;
	int a = (int)SYS(open, P("locked"), LX_O_CREAT | LX_O_RDWR, 0644);
	int b = (int)SYS(open, P("locked"), LX_O_RDWR, 0);
	int fds[2] = { -1, -1 };

	fl = (struct lx_flock){ .l_type = LX_F_WRLCK, .l_start = 0, .l_len = 100 };
	EXPECT(SYS(fcntl, a, LX_F_OFD_SETLK, P(&fl)), 0);
	fl = (struct lx_flock){ .l_type = LX_F_UNLCK, .l_start = 40, .l_len = 20 };
	EXPECT(SYS(fcntl, a, LX_F_OFD_SETLK, P(&fl)), 0);
	fl = (struct lx_flock){ .l_type = LX_F_RDLCK, .l_start = 0, .l_len = 0 };
	EXPECT(SYS(fcntl, b, LX_F_OFD_GETLK, P(&fl)), 0);
	EXPECT(fl.l_type, LX_F_WRLCK);
	EXPECT(fl.l_start, 0);
	EXPECT(fl.l_len, 40);
	EXPECT(fl.l_pid, -1);
	fl = (struct lx_flock){ .l_type = LX_F_RDLCK, .l_start = 40, .l_len = 0 };
	EXPECT(SYS(fcntl, b, LX_F_OFD_GETLK, P(&fl)), 0);
	EXPECT(fl.l_start, 60);
	EXPECT(fl.l_len, 40);
	fl = (struct lx_flock){ .l_type = LX_F_RDLCK, .l_start = 45, .l_len = 10 };
	EXPECT(SYS(fcntl, b, LX_F_OFD_SETLK, P(&fl)), 0);
	fl = (struct lx_flock){ .l_type = LX_F_RDLCK, .l_start = 50, .l_len = 20 };
	EXPECT(SYS(fcntl, b, LX_F_OFD_SETLK, P(&fl)), -LX_EAGAIN);
	test_signal_after_ms = 50;
	EXPECT(SYS(fcntl, b, LX_F_OFD_SETLKW, P(&fl)), -LX_ERESTARTSYS);
	EXPECT(SYS(flock, a, LX_LOCK_EX), 0);
	EXPECT(SYS(flock, b, LX_LOCK_SH | LX_LOCK_NB), -LX_EAGAIN);
	test_signal_after_ms = 50;
	EXPECT(SYS(flock, b, LX_LOCK_SH), -LX_ERESTARTSYS);
	EXPECT(SYS(flock, a, 3), -LX_EINVAL);

	/* a's owner dies as if its process had been killed: its liveness
	 * object goes, and with it every lock of a. */
	struct lx_file *fa = lx_fd_get(a);
	CloseHandle(fa->lock_obj);
	fa->lock_obj = NULL;
	lx_file_put(fa);
	EXPECT(SYS(flock, b, LX_LOCK_EX | LX_LOCK_NB), 0);
	EXPECT(SYS(fcntl, b, LX_F_OFD_SETLK, P(&fl)), 0);
	EXPECT(SYS(close, a), 0);

	/* The last close, not a dup's, drops the description's locks. */
	int c = (int)SYS(dup, b);
	a = (int)SYS(open, P("locked"), LX_O_RDWR, 0);
	EXPECT(SYS(close, b), 0);
	EXPECT(SYS(flock, a, LX_LOCK_SH | LX_LOCK_NB), -LX_EAGAIN);
	EXPECT(SYS(close, c), 0);
	EXPECT(SYS(flock, a, LX_LOCK_SH | LX_LOCK_NB), 0);
	fl = (struct lx_flock){ .l_type = LX_F_WRLCK, .l_start = 0, .l_len = 0 };
	EXPECT(SYS(fcntl, a, LX_F_OFD_SETLK, P(&fl)), 0);
	EXPECT(SYS(close, a), 0);

	EXPECT(SYS(pipe, P(fds)), 0);
	EXPECT(SYS(flock, fds[0], LX_LOCK_SH), -LX_ENOLCK);
	EXPECT(SYS(close, fds[0]), 0);
	EXPECT(SYS(close, fds[1]), 0);
	EXPECT(SYS(unlink, P("locked")), 0);
}

/* pipe2 pipes: O_NONBLOCK, capacity, EPIPE with SIGPIPE, readiness. */
static void test_pipe_semantics(void)
{
	int fds[2] = { -1, -1 };
	static char big[70000];
	char buf[16];
	long total = 0, r;
	int avail = -1;

	EXPECT(SYS(pipe2, P(fds), LX_O_NONBLOCK), 0);
	EXPECT(SYS(read, fds[0], P(buf), sizeof(buf)), -LX_EAGAIN);
	{
		struct lx_pollfd p[2] = { { fds[0], LX_POLLIN, 0 }, { fds[1], LX_POLLOUT, 0 } };
		EXPECT(SYS(poll, P(p), 2, 0), 1);
		EXPECT(p[0].revents, 0);
		EXPECT(p[1].revents, LX_POLLOUT);
	}
	while ((r = SYS(write, fds[1], P(big), 4096)) > 0)
		total += r;
	EXPECT(r, -LX_EAGAIN);
	EXPECT(total, 65536);
	EXPECT(SYS(fcntl, fds[0], LX_F_GETPIPE_SZ), 65536);
	EXPECT(SYS(fcntl, fds[1], LX_F_SETPIPE_SZ, 40000), 65536);
	EXPECT(SYS(fcntl, fds[1], LX_F_SETPIPE_SZ, 1 << 20), -LX_EPERM);
	EXPECT(SYS(ioctl, fds[0], LX_FIONREAD, P(&avail)), 0);
	EXPECT(avail, 65536);
	{
		struct lx_pollfd p[2] = { { fds[0], LX_POLLIN, 0 }, { fds[1], LX_POLLOUT, 0 } };
		EXPECT(SYS(poll, P(p), 2, 10), 1);
		EXPECT(p[0].revents, LX_POLLIN);
		EXPECT(p[1].revents, 0);
	}
	EXPECT(SYS(read, fds[0], P(big), sizeof(big)), 65536);
	EXPECT(SYS(write, fds[1], P(big), sizeof(big)), 65536); /* partial */
	EXPECT(SYS(read, fds[0], P(big), sizeof(big)), 65536);
	EXPECT(SYS(write, fds[1], P("ab"), 2), 2);
	EXPECT(SYS(close, fds[1]), 0);
	{
		struct lx_pollfd p = { fds[0], LX_POLLIN, 0 };
		EXPECT(SYS(poll, P(&p), 1, -1), 1);
		EXPECT(p.revents, LX_POLLIN | LX_POLLHUP);
	}
	EXPECT(SYS(read, fds[0], P(buf), sizeof(buf)), 2);
	EXPECT(SYS(read, fds[0], P(buf), sizeof(buf)), 0);
	{
		struct lx_pollfd p = { fds[0], LX_POLLIN, 0 };
		EXPECT(SYS(poll, P(&p), 1, -1), 1);
		EXPECT(p.revents, LX_POLLHUP);
	}
	EXPECT(SYS(close, fds[0]), 0);

	/* Blocking pipe, reader gone: EPIPE and SIGPIPE, POLLERR. */
	EXPECT(SYS(pipe, P(fds)), 0);
	EXPECT(SYS(close, fds[0]), 0);
	{
		struct lx_pollfd p = { fds[1], LX_POLLOUT, 0 };
		EXPECT(SYS(poll, P(&p), 1, -1), 1);
		EXPECT(p.revents, LX_POLLOUT | LX_POLLERR);
	}
	test_last_signal = 0;
	EXPECT(SYS(write, fds[1], P("x"), 1), -LX_EPIPE);
	EXPECT(test_last_signal, LX_SIGPIPE);
	EXPECT(SYS(close, fds[1]), 0);

	/* select with a timeout on an empty pipe, then with data. */
	EXPECT(SYS(pipe, P(fds)), 0);
	{
		uint64_t rset = 1ULL << fds[0], wset = 1ULL << fds[1];
		struct lx_timeval tv = { 0, 20000 };
		EXPECT(SYS(select, fds[1] + 1, P(&rset), 0, 0, P(&tv)), 0);
		EXPECT(rset, 0);
		EXPECT(tv.tv_sec == 0 && tv.tv_usec == 0, 1);
		rset = 1ULL << fds[0];
		EXPECT(SYS(select, fds[1] + 1, P(&rset), P(&wset), 0, 0), 1);
		EXPECT(wset, 1ULL << fds[1]);
		EXPECT(SYS(write, fds[1], P("z"), 1), 1);
		rset = 1ULL << fds[0];
		EXPECT(SYS(select, fds[0] + 1, P(&rset), 0, 0, 0), 1);
		uint64_t sets[16] = { 0 };
		sets[700 / 64] = 1ULL << (700 % 64);
		EXPECT(SYS(select, 701, P(sets), 0, 0, 0), -LX_EBADF);
	}
	{
		struct lx_pollfd p[2] = { { 900, LX_POLLIN, 0 }, { -1, LX_POLLIN, 7 } };
		EXPECT(SYS(poll, P(p), 2, 0), 1);
		EXPECT(p[0].revents, LX_POLLNVAL);
		EXPECT(p[1].revents, 0);
	}
	EXPECT(SYS(pipe2, P(fds), LX_O_DIRECT), -LX_EINVAL);
	EXPECT(SYS(close, fds[0]), 0);
	EXPECT(SYS(close, fds[1]), 0);
}

static DWORD WINAPI late_writer(void *arg)
{
	Sleep(50);
	SYS(write, (int)(intptr_t)arg, P("late"), 4);
	return 0;
}

/* poll and select wake up when data comes, not at their timeout: the read
 * end's zero-byte read completes (pipe_poll_handle). */
static void test_poll_wakeup(void)
{
	int fds[2] = { -1, -1 };
	char buf[16];

	EXPECT(SYS(pipe, P(fds)), 0);
	for (int round = 0; round < 2; round++) {
		HANDLE t = CreateThread(NULL, 0, late_writer, (void *)(intptr_t)fds[1], 0, NULL);
		ULONGLONG t0 = GetTickCount64();
		if (round == 0) {
			struct lx_pollfd p = { fds[0], LX_POLLIN, 0 };
			EXPECT(SYS(poll, P(&p), 1, 5000), 1);
		} else {
			uint64_t rset = 1ULL << fds[0];
			EXPECT(SYS(select, fds[0] + 1, P(&rset), 0, 0, 0), 1);
		}
		CHECK(GetTickCount64() - t0 < 2000);
		WaitForSingleObject(t, INFINITE);
		CloseHandle(t);
		EXPECT(SYS(read, fds[0], P(buf), sizeof(buf)), 4);
	}
	EXPECT(SYS(close, fds[0]), 0);
	EXPECT(SYS(close, fds[1]), 0);
}

static DWORD WINAPI take_and_die(void *mutex)
{
	WaitForSingleObject(mutex, INFINITE);
	return 0;
}

static long fifo_open(uint64_t dev, uint64_t ino, unsigned flags, struct lx_file **out)
{
	struct lx_kstat node = { .dev = dev, .ino = ino, .nlink = 1, .mode = LX_S_IFIFO | 0640 };

	return lx_fifo_open(&node, flags, out);
}

/* FIFOs (fifo.c), both sides in this process. */
static void test_fifo(void)
{
	struct lx_file *fr, *fw;
	uint64_t ino = GetCurrentProcessId();
	char buf[16];
	long rfd, wfd;

	EXPECT(fifo_open(7, ino, LX_O_WRONLY | LX_O_NONBLOCK, &fw), -LX_ENXIO);
	EXPECT(fifo_open(7, ino, LX_O_RDONLY | LX_O_NONBLOCK, &fr), 0);
	rfd = lx_fd_install(fr, 0, false);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 0); /* no writer yet */
	EXPECT(fifo_open(7, ino, LX_O_WRONLY, &fw), 0);
	wfd = lx_fd_install(fw, 0, false);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), -LX_EAGAIN);
	EXPECT(SYS(write, wfd, P("fifo"), 4), 4);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 4);
	EXPECT(SYS(close, wfd), 0);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 0);
	/* A later writer's bytes reach the reader that is still open. */
	EXPECT(fifo_open(7, ino, LX_O_WRONLY, &fw), 0);
	wfd = lx_fd_install(fw, 0, false);
	EXPECT(SYS(write, wfd, P("again"), 5), 5);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 5);
	CHECK(memcmp(buf, "again", 5) == 0);
	EXPECT(SYS(close, rfd), 0);
	/* No reader left: EPIPE (and SIGPIPE). */
	EXPECT(SYS(write, wfd, P("x"), 1), -LX_EPIPE);
	EXPECT(SYS(close, wfd), 0);

	/* O_RDWR is both ends and never blocks; the buffer holds 64 KiB. */
	EXPECT(fifo_open(7, ino, LX_O_RDWR | LX_O_NONBLOCK, &fr), 0);
	rfd = lx_fd_install(fr, 0, false);
	EXPECT(SYS(write, rfd, P("both"), 4), 4);
	EXPECT(fifo_open(7, ino, LX_O_WRONLY | LX_O_NONBLOCK, &fw), 0);
	wfd = lx_fd_install(fw, 0, false);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 4);
	CHECK(memcmp(buf, "both", 4) == 0);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), -LX_EAGAIN);
	{
		struct lx_kstat st;
		CHECK(lx_file_stat(fr, &st) == 0 && st.ino == ino && st.mode == (LX_S_IFIFO | 0640));
	}
	{
		static char big[4096];
		long total = 0, r;
		while ((r = SYS(write, wfd, P(big), sizeof(big))) > 0)
			total += r;
		EXPECT(r, -LX_EAGAIN);
		EXPECT(total, 65536);
	}
	/* A thread that dies holding the mutex abandons it: the ring is
	 * whole and the next call goes on. */
	{
		struct lx_fifo *fx = fr->priv;
		HANDLE t = CreateThread(NULL, 0, take_and_die, fx->mutex, 0, NULL);
		WaitForSingleObject(t, INFINITE);
		CloseHandle(t);
		EXPECT(SYS(read, rfd, P(buf), 4), 4);
		EXPECT(SYS(write, wfd, P(buf), 4), 4);
	}
	EXPECT(SYS(close, wfd), 0);
	EXPECT(SYS(close, rfd), 0);
	EXPECT(fifo_open(7, ino, LX_O_ACCMODE, &fr), -LX_EINVAL);
	/* Nobody has it open: the buffer went with the last description. */
	EXPECT(fifo_open(7, ino, LX_O_RDONLY | LX_O_NONBLOCK, &fr), 0);
	rfd = lx_fd_install(fr, 0, false);
	EXPECT(SYS(read, rfd, P(buf), sizeof(buf)), 0);
	EXPECT(SYS(close, rfd), 0);

	/* Blocking opens wait for the other side until a signal comes. */
	test_signal_after_ms = 30;
	EXPECT(fifo_open(8, ino, LX_O_RDONLY, &fr), -LX_ERESTARTSYS);
	test_signal_after_ms = 30;
	EXPECT(fifo_open(8, ino, LX_O_WRONLY, &fw), -LX_ERESTARTSYS);
}

static void test_emfile(void)
{
	long fds[LX_FD_MAX];
	int n = 0;
	long fd;

	while ((fd = SYS(open, P("/dev/null"), LX_O_RDONLY, 0)) >= 0 && n < LX_FD_MAX)
		fds[n++] = fd;
	EXPECT(fd, -LX_EMFILE);
	CHECK(n > 1000);
	for (int i = 0; i < n; i++)
		SYS(close, fds[i]);
}

/* Removes what the test made (rm -r by hand). */
static void cleanup(const char *dir)
{
	static const char *const files[] = { "g", "v", "d/a:b", "d/caf\xc3\xa9" };
	char path[LX_PATH_MAX];

	SYS(chdir, P("/"));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		SYS(unlink, P(path));
	}
	snprintf(path, sizeof(path), "%s/d", dir);
	EXPECT(SYS(rmdir, P(path)), 0);
	if (SYS(rmdir, P(dir)) != 0) {
		char names[4096];
		long fd = SYS(open, P(dir), LX_O_RDONLY | LX_O_DIRECTORY, 0);
		list_dir(fd, names, sizeof(names));
		SYS(close, fd);
		fprintf(stderr, "left in %s: %s\n", dir, names);
		failures++;
	}
}

/* With LXNT_ROOT: "/" is a Windows directory, /mnt and /dev lie over it
 * and the working directory inside the rootfs gets its rootfs path. */

extern long test_uid;

/* Permission checks on the rootfs's metadata (generic_permission, chown_ok,
 * may_delete), as a user and as root: the differential suite runs as one
 * identity only. */
static void rootfs_permissions(void)
{
	struct lx_stat st;
	struct { int64_t sec, nsec; } ts[2] = { { 1, 0 }, { 2, 0 } };
	long fd;

	test_uid = 1000;
	EXPECT(SYS(mkdir, P("/perm"), 0755), 0);
	fd = SYS(open, P("/perm/f"), LX_O_CREAT | LX_O_WRONLY, 0600);
	CHECK(fd >= 0);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(stat, P("/perm/f"), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFREG | 0600);
	EXPECT(st.st_uid, 1000);
	EXPECT(SYS(chmod, P("/perm/f"), 0), 0);
	EXPECT(SYS(open, P("/perm/f"), LX_O_RDONLY, 0), -LX_EACCES);
	EXPECT(SYS(access, P("/perm/f"), LX_R_OK), -LX_EACCES);
	EXPECT(SYS(chmod, P("/perm/f"), 0400), 0);
	fd = SYS(open, P("/perm/f"), LX_O_RDONLY, 0);
	CHECK(fd >= 0);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(open, P("/perm/f"), LX_O_WRONLY, 0), -LX_EACCES);
	EXPECT(SYS(truncate, P("/perm/f"), 0), -LX_EACCES);
	EXPECT(SYS(chown, P("/perm/f"), 0, 0), -LX_EPERM);
	EXPECT(SYS(chown, P("/perm/f"), -1, 1000), 0);
	EXPECT(SYS(chown, P("/perm/f"), -1, 5), -LX_EPERM);
	EXPECT(SYS(mkdir, P("/perm/d"), 0700), 0);
	EXPECT(SYS(chmod, P("/perm/d"), 0600), 0);
	EXPECT(SYS(open, P("/perm/d/x"), LX_O_CREAT | LX_O_WRONLY, 0644), -LX_EACCES);
	EXPECT(SYS(stat, P("/perm/d/x"), P(&st)), -LX_EACCES);
	EXPECT(SYS(chmod, P("/perm/d"), 0500), 0);
	EXPECT(SYS(open, P("/perm/d/x"), LX_O_CREAT | LX_O_WRONLY, 0644), -LX_EACCES);
	EXPECT(SYS(mkdir, P("/perm/d/y"), 0755), -LX_EACCES);
	EXPECT(SYS(chmod, P("/perm/d"), 0500), 0);
	EXPECT(SYS(mkdir, P("/perm/e"), 0700), 0);
	EXPECT(SYS(rename, P("/perm/d"), P("/perm/e/d")), -LX_EACCES); /* d has no w */
	EXPECT(SYS(rename, P("/perm/d"), P("/perm/d2")), 0);           /* same parent */
	EXPECT(SYS(rename, P("/perm/d2"), P("/perm/d")), 0);
	EXPECT(SYS(chmod, P("/perm/d"), 0700), 0);
	EXPECT(SYS(rename, P("/perm/d"), P("/perm/e/d")), 0);
	EXPECT(SYS(rename, P("/perm/e/d"), P("/perm/d")), 0);

	/* Another user: not the owner. */
	test_uid = 2000;
	EXPECT(SYS(chmod, P("/perm/f"), 0644), -LX_EPERM);
	EXPECT(SYS(utimensat, LX_AT_FDCWD, P("/perm/f"), P(ts), 0), -LX_EPERM);
	EXPECT(SYS(utimensat, LX_AT_FDCWD, P("/perm/f"), 0, 0), -LX_EACCES);
	EXPECT(SYS(unlink, P("/perm/f")), -LX_EACCES); /* /perm is 0755, owned by 1000 */
	/* vfs_unlink's order: a missing name before the directory's write
	 * permission, which comes before EISDIR. */
	EXPECT(SYS(unlink, P("/perm/missing")), -LX_ENOENT);
	EXPECT(SYS(unlink, P("/perm/d")), -LX_EACCES);
	EXPECT(SYS(stat, P("/perm/f"), P(&st)), 0);
	EXPECT(SYS(stat, P("/perm/d/z"), P(&st)), -LX_EACCES);

	/* Root: every check but x on a file with no x bit passes. */
	test_uid = 0;
	fd = SYS(open, P("/perm/f"), LX_O_RDWR, 0);
	CHECK(fd >= 0);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(access, P("/perm/f"), LX_X_OK), -LX_EACCES);
	EXPECT(SYS(chmod, P("/perm/f"), 06755), 0);
	EXPECT(SYS(chown, P("/perm/f"), 1234, 77), 0);
	EXPECT(SYS(stat, P("/perm/f"), P(&st)), 0);
	EXPECT(st.st_uid, 1234);
	EXPECT(st.st_gid, 77);
	EXPECT(st.st_mode, LX_S_IFREG | 0755); /* chown cleared setuid and setgid */
	EXPECT(SYS(mknod, P("/perm/null"), LX_S_IFCHR | 0666, 0x103), 0);
	EXPECT(SYS(lstat, P("/perm/null"), P(&st)), 0);
	EXPECT(st.st_rdev, lx_makedev(1, 3));
	EXPECT(SYS(open, P("/perm/null"), LX_O_RDONLY, 0), -LX_ENXIO);

	/* The sticky bit: only the file's or the directory's owner removes. */
	EXPECT(SYS(mkdir, P("/perm/sticky"), 0777), 0);
	EXPECT(SYS(chmod, P("/perm/sticky"), 01777), 0);
	EXPECT(SYS(mkdir, P("/perm/sgid"), 0777), 0);
	EXPECT(SYS(chown, P("/perm/sgid"), 0, 77), 0);
	EXPECT(SYS(chmod, P("/perm/sgid"), 02777), 0);
	test_uid = 1000;
	fd = SYS(open, P("/perm/sticky/mine"), LX_O_CREAT | LX_O_WRONLY, 0644);
	CHECK(fd >= 0);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(mkdir, P("/perm/sgid/sub"), 0755), 0);
	EXPECT(SYS(stat, P("/perm/sgid/sub"), P(&st)), 0);
	EXPECT(st.st_gid, 77);
	EXPECT(st.st_mode, LX_S_IFDIR | 02755);
	test_uid = 2000;
	EXPECT(SYS(unlink, P("/perm/sticky/mine")), -LX_EPERM);
	EXPECT(SYS(rename, P("/perm/sticky/mine"), P("/perm/sticky/theirs")), -LX_EPERM);
	test_uid = 1000;
	EXPECT(SYS(unlink, P("/perm/sticky/mine")), 0);
}

/* Removes a directory tree (the rootfs's metadata store). */
static void remove_tree(const wchar_t *dir)
{
	wchar_t pattern[MAX_PATH], path[MAX_PATH];
	WIN32_FIND_DATAW fd;
	HANDLE h;

	swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
	h = FindFirstFileW(pattern, &fd);
	if (h != INVALID_HANDLE_VALUE) {
		do {
			if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
				continue;
			swprintf(path, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
			if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
				remove_tree(path);
			else
				DeleteFileW(path);
		} while (FindNextFileW(h, &fd));
		FindClose(h);
	}
	RemoveDirectoryW(dir);
}
static void write_win_file(const wchar_t *path, const char *text);

/* The record an id's table entry holds on disk, past the record cache:
 * its current slot's mode, or 0 for none; *slots the number of slots that
 * hold anything. */
static uint32_t record_on_disk(const wchar_t *store, uint64_t id, int *slots)
{
	unsigned char entry[LX_METATABLE_ENTRY], zero[LX_METAREC_SIZE] = { 0 };
	struct lx_meta m;
	uint32_t seq;
	bool torn;

	*slots = 0;
	if (lx_metatable_read_entry(store, id, entry))
		return 0;
	for (int i = 0; i < LX_METAREC_SLOTS; i++)
		*slots += memcmp(entry + i * LX_METAREC_SIZE, zero, LX_METAREC_SIZE) != 0;
	return lx_metarec_pick(entry, *slots ? LX_METAREC_SIZE * (size_t)*slots : 0, id, &m, &seq,
	                       &torn) < 0 ? 0 : m.mode;
}

/* A new file's first record fills its table entry whole (docs/formats.md,
 * "Record tables"): where a record of the same id is left over (a file
 * whose id Windows gave again), its slots go, and the new record is the
 * file's only one; a deletion leaves zeros. */
static void rootfs_new_records(const wchar_t *root)
{
	const uint64_t id = 0x7ffffffe0000a5ull;
	wchar_t store[MAX_PATH + 16], path[MAX_PATH];
	struct lx_stat st, gone;
	struct lx_meta m;
	int slots;
	long fd;

	swprintf(store, MAX_PATH + 16, L"\\??\\%ls\\\xF000lxnt", root);
	CHECK(lx_metatable_layout(store) == LX_LAYOUT_TABLES);
	memset(&m, 0, sizeof(m));
	m.mode = LX_S_IFREG | 0600;
	EXPECT(lx_metastore_write(store, id, &m), 0);
	m.mode = LX_S_IFREG | 0640;
	EXPECT(lx_metastore_write(store, id, &m), 0); /* the second slot */
	EXPECT(record_on_disk(store, id, &slots), LX_S_IFREG | 0640);
	EXPECT(slots, 2);
	m.mode = LX_S_IFREG | 0604;
	EXPECT(lx_metastore_write_new(store, id, &m), 0);
	EXPECT(record_on_disk(store, id, &slots), LX_S_IFREG | 0604);
	EXPECT(slots, 1);
	EXPECT(lx_metastore_delete(store, id), 0);
	EXPECT(record_on_disk(store, id, &slots), 0);
	EXPECT(slots, 0);
	EXPECT(lx_metastore_read(store, id, &m), (long)STATUS_OBJECT_NAME_NOT_FOUND);
	m.mode = LX_S_IFREG | 0444;
	EXPECT(lx_metastore_write_new(store, id, &m), 0);
	EXPECT(record_on_disk(store, id, &slots), LX_S_IFREG | 0444);
	EXPECT(slots, 1);
	/* The record of another id in the entry (on NTFS, the MFT record's
	 * earlier sequence number) is no record of this one. */
	EXPECT(lx_metastore_read(store, id + (1ull << 48), &m), (long)STATUS_OBJECT_NAME_NOT_FOUND);
	/* The entry's lock is not recursive: a thread asking again for what
	 * it holds is refused at once, not left waiting on itself. */
	void *lock = lx_metastore_lock(store, id);
	CHECK(lock != NULL);
	CHECK(lx_metastore_lock(store, id) == NULL);
	void *other = lx_metastore_lock(store, id + 1);
	CHECK(other != NULL);
	m.mode = LX_S_IFREG | 0400;
	EXPECT(lx_metastore_write_locked(lock, store, id, &m), 0);
	lx_metastore_unlock(other);
	lx_metastore_unlock(lock);
	EXPECT(record_on_disk(store, id, &slots), LX_S_IFREG | 0400);
	EXPECT(slots, 2);
	lock = lx_metastore_lock(store, id);
	CHECK(lock != NULL);
	lx_metastore_unlock(lock);
	EXPECT(lx_metastore_delete(store, id), 0);

	/* A kill between unlink's two deletes: the name is gone (deleted
	 * here from Windows), the record stays; a file that lxnt makes with
	 * that id later gets a record of its own. */
	fd = SYS(open, P("/orphan"), LX_O_CREAT | LX_O_RDWR, 0640);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(stat, P("/orphan"), P(&st)), 0);
	swprintf(path, MAX_PATH, L"%ls\\orphan", root);
	CHECK(DeleteFileW(path));
	EXPECT(SYS(stat, P("/orphan"), P(&gone)), -LX_ENOENT);
	EXPECT(record_on_disk(store, st.st_ino, &slots), LX_S_IFREG | 0640);
	m.mode = LX_S_IFREG | 0604;
	EXPECT(lx_metastore_write_new(store, st.st_ino, &m), 0);
	EXPECT(record_on_disk(store, st.st_ino, &slots), LX_S_IFREG | 0604);
	EXPECT(slots, 1);
	EXPECT(lx_metastore_delete(store, st.st_ino), 0);
}

/* A rename by lxnt binds the new name in the stat cache (vfs/statcache.c,
 * lx_statcache_renamed), and unlink takes the file's id from that binding
 * when the file's ChangeTime is still the one bound: the record of the
 * file at the name goes, also when a Windows program moved another file
 * over the name in between (its ChangeTime differs). */
static void rootfs_renamed_records(const wchar_t *root)
{
	wchar_t store[MAX_PATH + 16], from[MAX_PATH], to[MAX_PATH];
	struct lx_stat st, other;
	int slots;
	long fd;

	swprintf(store, MAX_PATH + 16, L"\\??\\%ls\\\xF000lxnt", root);
	fd = SYS(open, P("/rn1"), LX_O_CREAT | LX_O_EXCL | LX_O_RDWR, 0640);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(stat, P("/rn1"), P(&st)), 0);
	EXPECT(record_on_disk(store, st.st_ino, &slots), LX_S_IFREG | 0640);
	EXPECT(SYS(rename, P("/rn1"), P("/rn2")), 0);
	EXPECT(SYS(stat, P("/rn2"), P(&other)), 0);
	EXPECT(other.st_ino, st.st_ino);
	EXPECT(other.st_mode, LX_S_IFREG | 0640);
	EXPECT(SYS(chmod, P("/rn2"), 0604), 0);
	EXPECT(SYS(stat, P("/rn2"), P(&other)), 0);
	EXPECT(other.st_mode, LX_S_IFREG | 0604);
	EXPECT(SYS(unlink, P("/rn2")), 0);
	EXPECT(SYS(stat, P("/rn2"), P(&other)), -LX_ENOENT);
	EXPECT(record_on_disk(store, st.st_ino, &slots), 0);

	/* rn3 renamed to rn4 by lxnt, then rn5 moved over rn4 by Windows. */
	fd = SYS(open, P("/rn3"), LX_O_CREAT | LX_O_EXCL | LX_O_RDWR, 0600);
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("/rn5"), LX_O_CREAT | LX_O_EXCL | LX_O_RDWR, 0644);
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(stat, P("/rn3"), P(&st)), 0);
	EXPECT(SYS(stat, P("/rn5"), P(&other)), 0);
	EXPECT(SYS(rename, P("/rn3"), P("/rn4")), 0);
	EXPECT(SYS(stat, P("/rn4"), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFREG | 0600);
	Sleep(50); /* past a clock tick: the move leaves another ChangeTime */
	swprintf(from, MAX_PATH, L"%ls\\rn5", root);
	swprintf(to, MAX_PATH, L"%ls\\rn4", root);
	CHECK(MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING));
	EXPECT(SYS(unlink, P("/rn4")), 0);
	EXPECT(record_on_disk(store, other.st_ino, &slots), 0);
	/* rn3's file went with the move, outside lxnt: its record stays
	 * (garbage for lxnt-fsck --repair). */
	EXPECT(record_on_disk(store, st.st_ino, &slots), LX_S_IFREG | 0600);
	EXPECT(lx_metastore_delete(store, st.st_ino), 0);
}

/* The entries of a Windows directory, "." and ".." left out. */
static int count_win_entries(const wchar_t *dir)
{
	wchar_t pattern[MAX_PATH];
	WIN32_FIND_DATAW fd;
	HANDLE h;
	int n = 0;

	swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
	h = FindFirstFileW(pattern, &fd);
	if (h == INVALID_HANDLE_VALUE)
		return -1;
	do
		n += wcscmp(fd.cFileName, L".") && wcscmp(fd.cFileName, L"..");
	while (FindNextFileW(h, &fd));
	FindClose(h);
	return n;
}

static int test_rootfs(void)
{
	wchar_t root[MAX_PATH], sub[MAX_PATH], path[MAX_PATH];
	char buf[LX_PATH_MAX], names[4096];
	struct lx_stat st;
	long fd;

	GetTempPathW(MAX_PATH, root);
	swprintf(root + wcslen(root), MAX_PATH - wcslen(root), L"vfs-root-%lu-%lu",
	         (unsigned long)GetCurrentProcessId(), (unsigned long)GetTickCount());
	CHECK(CreateDirectoryW(root, NULL));
	swprintf(sub, MAX_PATH, L"%ls\\sub", root);
	CHECK(CreateDirectoryW(sub, NULL));
	SetEnvironmentVariableW(L"LXNT_ROOT", root);
	CHECK(SetCurrentDirectoryW(sub));
	lx_vfs_init();

	/* A fresh rootfs (no store, no LX attributes) on Wine's volume, which
	 * has neither extended attributes nor reparse points: the portable
	 * format, and the probe left nothing behind. */
	CHECK(count_win_entries(root) == 1);
	memset(names, 0, sizeof(names));
	fd = SYS(open, P("/proc/self/mounts"), LX_O_RDONLY, 0);
	CHECK(SYS(read, fd, P(names), sizeof(names) - 1) > 0);
	CHECK(strstr(names, "rootfs / lxfs rw,noatime,case=escape,metadata=portable 0 0\n") != NULL);
	EXPECT(SYS(close, fd), 0);

	EXPECT(SYS(getcwd, P(buf), sizeof(buf)), 5);
	CHECK(!strcmp(buf, "/sub"));
	EXPECT(SYS(chdir, P("../../..")), 0);
	EXPECT(SYS(getcwd, P(buf), sizeof(buf)), 2);
	EXPECT(SYS(stat, P("/"), P(&st)), 0);
	EXPECT(st.st_dev, lx_makedev(0, 32));
	fd = SYS(open, P("/etc-file"), LX_O_CREAT | LX_O_RDWR, 0644);
	EXPECT(SYS(write, fd, P("root"), 4), 4);
	EXPECT(SYS(close, fd), 0);
	/* A creation stages its temporary in the store's own directory and
	 * leaves nothing there; O_EXCL learns of an existing name from the
	 * rename into place, which never replaces (docs/formats.md). */
	swprintf(path, MAX_PATH, L"%ls\\\xF000lxnt\\new", root);
	EXPECT(count_win_entries(path), 0);
	EXPECT(SYS(open, P("/etc-file"), LX_O_CREAT | LX_O_EXCL | LX_O_RDWR, 0644), -LX_EEXIST);
	EXPECT(count_win_entries(path), 0);
	EXPECT(SYS(stat, P("/etc-file"), P(&st)), 0);
	EXPECT(st.st_size, 4);
	fd = SYS(open, P("/"), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	list_dir(fd, names, sizeof(names));
	CHECK(has_name(names, "sub") && has_name(names, "etc-file"));
	EXPECT(SYS(close, fd), 0);
	fd = SYS(open, P("/mnt"), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	list_dir(fd, names, sizeof(names));
	CHECK(has_name(names, "c"));
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(stat, P("/mnt/c"), P(&st)), 0);
	EXPECT(SYS(stat, P("/dev/zero"), P(&st)), 0);
	EXPECT(st.st_rdev, lx_makedev(1, 5));
	EXPECT(SYS(link, P("/etc-file"), P("/mnt/c/x")), -LX_EXDEV);
	/* A name written without the codec ("Foreign", not U+F046 "oreign")
	 * is found by its exact case; a new name gets the escaped form. */
	swprintf(path, MAX_PATH, L"%ls\\Foreign", root);
	write_win_file(path, "f");
	EXPECT(SYS(stat, P("/Foreign"), P(&st)), 0);
	fd = SYS(open, P("/"), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	list_dir(fd, names, sizeof(names));
	CHECK(has_name(names, "Foreign"));
	EXPECT(SYS(close, fd), 0);
	EXPECT(SYS(unlink, P("/Foreign")), 0);
	CHECK(GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES);
	fd = SYS(open, P("/Other"), LX_O_CREAT | LX_O_RDWR, 0644);
	EXPECT(SYS(close, fd), 0);
	swprintf(path, MAX_PATH, L"%ls\\\xF04Fther", root);
	CHECK(GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES);
	EXPECT(SYS(unlink, P("/Other")), 0);
	EXPECT(SYS(rename, P("/etc-file"), P("/sub/moved")), 0);
	EXPECT(SYS(unlink, P("/sub/moved")), 0);
	EXPECT(SYS(rmdir, P("/sub")), 0);
	rootfs_permissions();
	rootfs_new_records(root);
	rootfs_renamed_records(root);
	EXPECT(SYS(rmdir, P("/")), -LX_EBUSY);
	SetCurrentDirectoryW(L"C:\\");
	swprintf(sub, MAX_PATH, L"%ls\\\xF000lxnt", root);
	lx_metatable_close_all();
	remove_tree(sub);
	swprintf(sub, MAX_PATH, L"%ls\\perm", root);
	remove_tree(sub);
	CHECK(RemoveDirectoryW(root));
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("vfs-rootfs: all passed\n");
	return failures != 0;
}

static void write_win_file(const wchar_t *path, const char *text)
{
	HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
	DWORD n;

	CHECK(h != INVALID_HANDLE_VALUE);
	CHECK(WriteFile(h, text, (DWORD)strlen(text), &n, NULL));
	CloseHandle(h);
}

/* /etc/lxnt.conf in the rootfs: the automount root, the drives' options,
 * the umask; /proc/self/mounts shows the result. */
static int test_conf(void)
{
	wchar_t root[MAX_PATH], path[MAX_PATH], temp[MAX_PATH];
	char buf[LX_PATH_MAX], text[4096];
	struct lx_stat st;
	long fd, n;
	char *p;

	GetTempPathW(MAX_PATH, temp);
	swprintf(root, MAX_PATH, L"%lsvfs-conf-%lu-%lu", temp, (unsigned long)GetCurrentProcessId(),
	         (unsigned long)GetTickCount());
	CHECK(CreateDirectoryW(root, NULL));
	swprintf(path, MAX_PATH, L"%ls\\etc", root);
	CHECK(CreateDirectoryW(path, NULL));
	swprintf(path, MAX_PATH, L"%ls\\etc\\lxnt.conf", root);
	write_win_file(path, "# lxnt.conf\n[automount]\nenabled = true\nroot = /win/\n"
	               "options = \"umask=077,metadata,case=off,uid=5\"\n\n[filesystem]\numask = 027\n"
	               "metadata = wsl\n");
	swprintf(path, MAX_PATH, L"%lsvfs-conf-file-%lu", temp, (unsigned long)GetCurrentProcessId());
	write_win_file(path, "x");
	SetEnvironmentVariableW(L"LXNT_ROOT", root);
	lx_vfs_init();

	EXPECT(lx_umask, 027);
	EXPECT(SYS(stat, P("/mnt/c"), P(&st)), -LX_ENOENT);
	EXPECT(SYS(stat, P("/win/c"), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFDIR | 0700);
	/* the file just written, through its drive path */
	CHECK(lx_linux_path_of_win32(path, buf, sizeof(buf)) == 0 && !strncmp(buf, "/win/", 5));
	EXPECT(SYS(stat, P(buf), P(&st)), 0);
	EXPECT(st.st_mode, LX_S_IFREG | 0600);
	fd = SYS(open, P("/proc/self/mounts"), LX_O_RDONLY, 0);
	n = SYS(read, fd, P(text), sizeof(text) - 1);
	CHECK(n > 0);
	text[n > 0 ? n : 0] = 0;
	SYS(close, fd);
	/* Wine 8 has neither extended attributes nor reparse points: the
	 * probe fails, the rootfs keeps the portable format although the
	 * file asks for wsl, and the drive's metadata option is dropped (its
	 * umask applies, as the mode above shows). */
	CHECK(strstr(text, "rootfs / lxfs rw,noatime,case=escape,metadata=portable 0 0\n") != NULL);
	CHECK(strstr(text, "C:\\134 /win/c drvfs rw,noatime,umask=077,case=off 0 0\n") != NULL);
	CHECK(strstr(text, "proc /proc proc ") != NULL);
	p = strstr(text, "uid=5");
	CHECK(p == NULL); /* not supported: logged and left out */
	fd = SYS(open, P("/win"), LX_O_RDONLY | LX_O_DIRECTORY, 0);
	list_dir(fd, text, sizeof(text));
	CHECK(has_name(text, "c"));
	SYS(close, fd);
	DeleteFileW(path);
	swprintf(path, MAX_PATH, L"%ls\\etc\\lxnt.conf", root);
	CHECK(DeleteFileW(path));
	swprintf(path, MAX_PATH, L"%ls\\etc", root);
	CHECK(RemoveDirectoryW(path));
	CHECK(RemoveDirectoryW(root));
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("vfs-conf: all passed\n");
	return failures != 0;
}

int main(int argc, char **argv)
{
	char dir[64];

	if (argc > 1 && !strcmp(argv[1], "rootfs"))
		return test_rootfs();
	if (argc > 1 && !strcmp(argv[1], "conf"))
		return test_conf();
	lx_vfs_init();
	snprintf(dir, sizeof(dir), "/tmp/vfs-test-%lu-%lu", (unsigned long)GetCurrentProcessId(),
	         (unsigned long)GetTickCount());
	test_cwd_and_dirs(dir);
	test_read_write();
	test_sockets();
	test_stat(dir);
	test_dirs();
	test_names();
	test_devices();
	test_pipes();
	test_pipe_semantics();
	test_pipe_interrupted();
	test_fifo();
	test_poll_wakeup();
	test_emfile();
	test_locks();
	cleanup(dir);
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("vfs-syscalls: all passed\n");
	return failures != 0;
}
