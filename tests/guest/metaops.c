/*
 * An e2e guest for Linux metadata on a rootfs (docs/vfs.md, "Metadata"):
 * mode, umask and chmod round trips, owners and chown, nanosecond times,
 * symlinks (loops, dangling, relative and absolute, O_NOFOLLOW, trailing
 * slash), hard-link counts, FIFOs and device nodes, and containment (".."
 * chains and links aimed above the root).  Each result is printed as the
 * value or the errno name; paths are relative to the current directory,
 * except the containment probes, which only print whether they worked.
 */
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/vfs.h>
#include <sys/wait.h>

static void report(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static const char *type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "lnk";
	case S_IFIFO: return "fifo";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFSOCK: return "sock";
	default: return "?";
	}
}

/* What a stat says that both sides agree on: type, mode, owners, links,
 * size (files and links), device numbers. */
static void show(const char *path, bool follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);

	if (r < 0) {
		printf("%s %s: -1 %s\n", follow ? "stat" : "lstat", path, strerrorname_np(errno));
		return;
	}
	printf("%s %s: %s %04o uid=%u gid=%u", follow ? "stat" : "lstat", path,
	       type_of(st.st_mode), st.st_mode & 07777, st.st_uid, st.st_gid);
	/* A directory's count is 1 under lxnt, "unknown" as on btrfs. */
	if (!S_ISDIR(st.st_mode))
		printf(" nlink=%lu", (unsigned long)st.st_nlink);
	if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
		printf(" size=%lld", (long long)st.st_size);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		printf(" rdev=%u,%u", major(st.st_rdev), minor(st.st_rdev));
	printf("\n");
}

static void show_link(const char *path)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0) {
		printf("readlink %s: -1 %s\n", path, strerrorname_np(errno));
		return;
	}
	buf[n] = 0;
	printf("readlink %s: %s\n", path, buf);
}

static void modes(void)
{
	static const mode_t masks[] = { 022, 077, 0, 027 };
	static const mode_t want[] = { 0640, 0777, 04755, 02711, 01777, 0, 0444 };
	char name[32];

	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		umask(masks[i]);
		snprintf(name, sizeof(name), "umask%03o", masks[i]);
		report("creat", open(name, O_CREAT | O_WRONLY, 0777) >= 0 ? 0 : -1);
		show(name, true);
		snprintf(name, sizeof(name), "dir%03o", masks[i]);
		report("mkdir", mkdir(name, 0777));
		show(name, true);
	}
	umask(022);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		report("chmod", chmod("umask022", want[i]));
		show("umask022", true);
	}
	report("chmod dir sticky", chmod("dir022", 01777));
	show("dir022", true);
	report("mkdir sgid-parent", mkdir("sgid", 02775));
	report("chmod sgid", chmod("sgid", 02775));
	report("mkdir inside", mkdir("sgid/sub", 0755));
	show("sgid/sub", true);
	report("fchmod", 0);
	int fd = open("fch", O_CREAT | O_RDWR, 0600);
	report("fchmod 0604", fchmod(fd, 0604));
	close(fd);
	show("fch", true);
	report("fchmodat", fchmodat(AT_FDCWD, "fch", 0640, 0));
	show("fch", true);
	report("chmod missing", chmod("missing", 0644));
}

static void owners(void)
{
	int fd = open("owned", O_CREAT | O_WRONLY, 04755);

	close(fd);
	report("chmod 6755", chmod("owned", 06755));
	report("chown 1234:5678", chown("owned", 1234, 5678));
	show("owned", true);
	report("chown -1:42", chown("owned", -1, 42));
	show("owned", true);
	report("symlink", symlink("owned", "owned.lnk"));
	report("lchown", lchown("owned.lnk", 7, 8));
	show("owned.lnk", false);
	show("owned", true);
	report("fchownat nofollow", fchownat(AT_FDCWD, "owned.lnk", 9, 10, AT_SYMLINK_NOFOLLOW));
	show("owned.lnk", false);
	report("chown via link", chown("owned.lnk", 11, 12));
	show("owned", true);
	fd = open("owned", O_RDONLY);
	report("fchown", fchown(fd, 0, 0));
	close(fd);
	show("owned", true);
}

static void times(void)
{
	struct timespec ts[2] = { { 1600000000, 123456789 }, { 1500000000, 987654321 } };
	struct stat st;
	int fd = open("timed", O_CREAT | O_WRONLY, 0644);

	close(fd);
	report("utimensat", utimensat(AT_FDCWD, "timed", ts, 0));
	stat("timed", &st);
	printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 1234567890;
	ts[1].tv_nsec = 1;
	report("utimensat omit", utimensat(AT_FDCWD, "timed", ts, 0));
	stat("timed", &st);
	printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	ts[1].tv_nsec = 1000000000;
	report("utimensat bad nsec", utimensat(AT_FDCWD, "timed", ts, 0));
	report("utimensat now", utimensat(AT_FDCWD, "timed", NULL, 0));
}

static void show_times(const char *name)
{
	struct stat st;

	if (stat(name, &st) == 0)
		printf("%s atime %lld.%09ld mtime %lld.%09ld\n", name, (long long)st.st_atim.tv_sec,
		       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* Times that Windows keeps exactly (whole 100 ns) next to ones it cannot:
 * a whole second after a time one nanosecond later (the same in 100 ns
 * units), on a file, a directory and a link's target; then a write. */
static void times_exact(void)
{
	struct timespec ts[2] = { { 1300000000, 1 }, { 1400000000, 5 } };
	int fd = open("exact", O_CREAT | O_WRONLY, 0644);

	close(fd);
	report("mkdir", mkdir("exactdir", 0755));
	report("symlink", symlink("exact", "exactlink"));
	report("utimensat ns", utimensat(AT_FDCWD, "exactlink", ts, 0));
	report("utimensat dir ns", utimensat(AT_FDCWD, "exactdir", ts, 0));
	show_times("exact");
	show_times("exactdir");
	ts[0].tv_nsec = 0;
	ts[1].tv_nsec = 0;
	report("utimensat whole", utimensat(AT_FDCWD, "exactlink", ts, 0));
	report("utimensat dir whole", utimensat(AT_FDCWD, "exactdir", ts, 0));
	show_times("exact");
	show_times("exactdir");
	ts[0].tv_sec = 1310000000;
	ts[0].tv_nsec = 500;
	ts[1].tv_nsec = UTIME_OMIT;
	report("utimensat 500 ns", utimensat(AT_FDCWD, "exact", ts, 0));
	show_times("exact");
	ts[0].tv_nsec = 501;
	report("utimensat 501 ns", utimensat(AT_FDCWD, "exact", ts, 0));
	show_times("exact");
	ts[0].tv_nsec = 500;
	report("utimensat 500 ns again", utimensat(AT_FDCWD, "exact", ts, 0));
	show_times("exact");
}

static int make_file(const char *name, int flags)
{
	int fd = open(name, O_CREAT | O_EXCL | flags, 0644);

	if (fd >= 0 && (flags & O_ACCMODE) != O_RDONLY)
		report("write", write(fd, "some bytes\n", 11));
	return fd;
}

static void *make_in_thread(void *name)
{
	close(make_file(name, O_WRONLY));
	return NULL;
}

/* Changes by name and by descriptor right after a created file's close,
 * the way archivers set times (busybox tar: close, chown, chmod,
 * utimensat), mixed with the calls that follow them in other programs:
 * a change of another file, renames and removals of the file and of its
 * directory, another thread's file, and futimens, fchmod and fchown on
 * descriptors open for writing and for reading. */
static void times_kept(void)
{
	struct timespec ts[2] = { { 1300000000, 100 }, { 1400000000, 200 } };
	struct timespec other[2] = { { 1200000000, 300 }, { 1250000000, 400 } };
	pthread_t th;
	struct stat st;
	int fd;

	report("mkdir", mkdir("kd", 0755));
	report("close", close(make_file("kd/f", O_WRONLY)));
	report("chown", chown("kd/f", getuid(), getgid()));
	report("chmod", chmod("kd/f", 0640));
	report("utimensat", utimensat(AT_FDCWD, "kd/f", ts, 0));
	show("kd/f", true);
	show_times("kd/f");
	report("unlink", unlink("kd/f"));
	report("rmdir", rmdir("kd"));

	/* The change goes to the file the name finds, not the one closed. */
	report("close", close(make_file("k-other", O_WRONLY)));
	report("close", close(make_file("k-closed", O_WRONLY)));
	report("utimensat other", utimensat(AT_FDCWD, "k-other", other, 0));
	show_times("k-other");
	stat("k-closed", &st);
	printf("k-closed changed: %s\n", st.st_mtim.tv_sec == other[1].tv_sec ? "yes" : "no");

	/* A rename or an unlink of the name comes first. */
	report("close", close(make_file("k-renamed", O_WRONLY)));
	report("rename", rename("k-renamed", "k-new"));
	report("utimensat old name", utimensat(AT_FDCWD, "k-renamed", ts, 0));
	report("utimensat new name", utimensat(AT_FDCWD, "k-new", ts, 0));
	show_times("k-new");
	report("close", close(make_file("k-gone", O_WRONLY)));
	report("unlink", unlink("k-gone"));
	report("utimensat gone", utimensat(AT_FDCWD, "k-gone", ts, 0));

	/* The directory of a file just closed is renamed, then emptied. */
	report("mkdir", mkdir("kd2", 0755));
	report("close", close(make_file("kd2/f", O_WRONLY)));
	report("rename dir", rename("kd2", "kd3"));
	report("utimensat moved", utimensat(AT_FDCWD, "kd3/f", ts, 0));
	show_times("kd3/f");
	report("unlink", unlink("kd3/f"));
	report("rmdir", rmdir("kd3"));

	/* A file another thread made and closed. */
	/* Reported after the join: the thread's own "write" line comes
	 * first either way, whichever thread runs first. */
	int made = pthread_create(&th, NULL, make_in_thread, "k-thread");
	if (!made)
		pthread_join(th, NULL);
	report("pthread_create", -made);
	report("utimensat thread's", utimensat(AT_FDCWD, "k-thread", ts, 0));
	show_times("k-thread");

	/* By descriptor: open for writing, then only for reading. */
	fd = make_file("k-fd", O_WRONLY);
	report("futimens", futimens(fd, ts));
	report("fchmod", fchmod(fd, 0600));
	report("fchown", fchown(fd, getuid(), getgid()));
	report("write", write(fd, "more\n", 5));
	report("close", close(fd));
	show("k-fd", true);
	stat("k-fd", &st);
	printf("k-fd mtime kept after a write: %s\n", st.st_mtim.tv_sec == ts[1].tv_sec ? "yes" : "no");
	fd = open("k-fd", O_RDONLY);
	report("futimens read-only", futimens(fd, other));
	report("fchmod read-only", fchmod(fd, 0644));
	report("close", close(fd));
	show("k-fd", true);
	show_times("k-fd");
	fd = open("k-fd", O_RDONLY | O_PATH);
	report("futimens O_PATH", futimens(fd, ts));
	report("close", close(fd));
}

/* Calls that read no data leave atime alone, also under relatime, which
 * moves an atime older than mtime at the next read: a fork with the file
 * open, a record lock, fstatfs, fchmod and fchown of a read-only
 * descriptor, a futimens of it that sets mtime alone. */
static void times_untouched(void)
{
	struct timespec ts[2] = { { 1200000000, 0 }, { 1300000000, 0 } };
	struct timespec mtime_only[2] = { { 0, UTIME_OMIT }, { 1310000000, 0 } };
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	struct statfs sf;
	int fd = make_file("untouched", O_RDWR);

	report("futimens", futimens(fd, ts));
	report("close", close(fd));
	fd = open("untouched", O_RDONLY);
	show_times("untouched");
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	report("wait", waitpid(pid, NULL, 0) == pid ? 0 : -1);
	show_times("untouched");
	report("F_SETLK", fcntl(fd, F_SETLK, &fl));
	report("fstatfs", fstatfs(fd, &sf));
	report("fchmod", fchmod(fd, 0640));
	report("fchown", fchown(fd, -1, -1));
	show_times("untouched");
	report("futimens mtime", futimens(fd, mtime_only));
	show_times("untouched");
	report("close", close(fd));
}

static void links(void)
{
	char buf[64];
	int fd = open("target", O_CREAT | O_WRONLY, 0644);

	report("write", write(fd, "target-data\n", 12));
	close(fd);
	report("symlink rel", symlink("target", "rel"));
	report("symlink abs-ish", symlink("./sub/../target", "dotted"));
	report("symlink dangling", symlink("nowhere", "dangling"));
	report("symlink exists", symlink("x", "rel"));
	report("symlink loop a", symlink("loop-b", "loop-a"));
	report("symlink loop b", symlink("loop-a", "loop-b"));
	report("symlink self", symlink("self", "self"));
	report("mkdir sub", mkdir("sub", 0755));
	report("symlink dir", symlink("sub", "subl"));
	report("symlink up", symlink("../target", "sub/up"));
	show("rel", false);
	show("rel", true);
	show_link("rel");
	show_link("dotted");
	show_link("target");
	show("dangling", false);
	show("dangling", true);
	show("loop-a", true);
	show("self", true);
	report("open loop", open("loop-a", O_RDONLY));
	fd = open("rel", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	report("read via link", read(fd, buf, sizeof(buf) - 1));
	printf("content: %s", buf);
	close(fd);
	report("open nofollow", open("rel", O_RDONLY | O_NOFOLLOW));
	report("open path nofollow", (fd = open("rel", O_PATH | O_NOFOLLOW)) >= 0 ? 0 : -1);
	close(fd);
	report("open dotted", (fd = open("dotted", O_RDONLY)) >= 0 ? 0 : -1);
	close(fd);
	report("open via dir link", (fd = open("subl/up", O_RDONLY)) >= 0 ? 0 : -1);
	close(fd);
	show("subl/", false);
	show("subl", false);
	report("creat through dangling", (fd = open("dangling", O_CREAT | O_WRONLY, 0600)) >= 0 ? 0 : -1);
	close(fd);
	show("nowhere", false);
	report("excl on link", open("rel", O_CREAT | O_EXCL | O_WRONLY, 0600));
	report("chdir link", chdir("subl"));
	report("open ../target", (fd = open("../target", O_RDONLY)) >= 0 ? 0 : -1);
	close(fd);
	report("chdir back", chdir(".."));
	report("unlink link", unlink("rel"));
	show("target", false);
	report("readlink file", readlink("target", buf, sizeof(buf)));
	report("readlink missing", readlink("missing", buf, sizeof(buf)));
	report("readlink short", readlink("dotted", buf, 3));
	report("link", link("target", "hard1"));
	report("link again", link("target", "hard2"));
	show("target", false);
	report("unlink hard1", unlink("hard1"));
	show("hard2", false);
	report("linkat nofollow", linkat(AT_FDCWD, "dotted", AT_FDCWD, "hardlink-to-link", 0));
	show("hardlink-to-link", false);
	report("linkat follow", linkat(AT_FDCWD, "dotted", AT_FDCWD, "hard3", AT_SYMLINK_FOLLOW));
	show("hard3", false);
	report("rename link", rename("dotted", "dotted2"));
	show_link("dotted2");
}

static void specials(void)
{
	report("mkfifo", mkfifo("fifo", 0640));
	show("fifo", false);
	report("mkfifo again", mkfifo("fifo", 0640));
	report("mknod chr", mknod("chr", S_IFCHR | 0600, makedev(1, 3)));
	show("chr", false);
	report("mknod blk", mknod("blk", S_IFBLK | 0660, makedev(8, 1)));
	show("blk", false);
	report("mknod sock", mknod("sock", S_IFSOCK | 0755, 0));
	show("sock", false);
	report("mknod reg", mknod("regular", S_IFREG | 0600, 0));
	show("regular", false);
	report("mknod dir", mknod("dirnode", S_IFDIR | 0700, 0));
	report("unlink fifo", unlink("fifo"));
	show("fifo", false);
}

static void sizes(void)
{
	struct statfs sf;
	struct stat st;
	int fd = open("sized", O_CREAT | O_RDWR, 0644);

	report("fallocate", fallocate(fd, 0, 0, 10000));
	fstat(fd, &st);
	printf("size %lld\n", (long long)st.st_size);
	report("fallocate extend", fallocate(fd, 0, 5000, 20000));
	fstat(fd, &st);
	printf("size %lld\n", (long long)st.st_size);
	report("fallocate bad len", fallocate(fd, 0, 0, 0));
	report("fallocate bad offset", fallocate(fd, 0, -1, 10));
	report("ftruncate", ftruncate(fd, 123));
	close(fd);
	report("truncate", truncate("sized", 7));
	stat("sized", &st);
	printf("size %lld\n", (long long)st.st_size);
	fd = open("sized", O_RDONLY);
	report("fallocate read-only", fallocate(fd, 0, 0, 10));
	report("fstatfs", fstatfs(fd, &sf));
	close(fd);
	report("statfs", statfs(".", &sf));
	printf("namelen %ld bsize>0 %d\n", (long)sf.f_namelen, sf.f_bsize > 0);
	report("statfs missing", statfs("missing", &sf));
	report("symlink", symlink("sized", "sized.lnk"));
	report("truncate via link", truncate("sized.lnk", 3));
	stat("sized", &st);
	printf("size %lld\n", (long long)st.st_size);
}

struct how {
	unsigned long long flags, mode, resolve;
	unsigned long long extra;
};

static long openat2_(int dirfd, const char *path, unsigned long long flags,
                     unsigned long long resolve, size_t size)
{
	struct how h = { flags, 0, resolve, 0 };
	long fd = syscall(SYS_openat2, dirfd, path, &h, size);

	if (fd >= 0)
		close((int)fd);
	return fd >= 0 ? 0 : fd;
}

/* openat2(2)'s RESOLVE_ flags. */
static void resolve(void)
{
	struct how h = { O_RDONLY, 0, 0, 1 };
	struct stat a, b;
	int dirfd, fd;

	mkdir("base", 0755);
	close(open("base/in", O_CREAT | O_WRONLY, 0644));
	close(open("outside", O_CREAT | O_WRONLY, 0644));
	symlink("/etc", "base/abs");
	symlink("../outside", "base/up");
	symlink("in", "base/rel");
	dirfd = open("base", O_PATH | O_DIRECTORY);
	report("beneath in", openat2_(dirfd, "in", O_RDONLY, RESOLVE_BENEATH, 24));
	report("beneath ..", openat2_(dirfd, "../outside", O_RDONLY, RESOLVE_BENEATH, 24));
	report("beneath abs", openat2_(dirfd, "/etc/passwd", O_RDONLY, RESOLVE_BENEATH, 24));
	report("beneath abs link", openat2_(dirfd, "abs/passwd", O_RDONLY, RESOLVE_BENEATH, 24));
	report("beneath up link", openat2_(dirfd, "up", O_RDONLY, RESOLVE_BENEATH, 24));
	report("beneath rel link", openat2_(dirfd, "rel", O_RDONLY, RESOLVE_BENEATH, 24));
	report("beneath ./in/..", openat2_(dirfd, "./in/../in", O_RDONLY, RESOLVE_BENEATH, 24));
	report("no-symlinks link", openat2_(dirfd, "rel", O_RDONLY, RESOLVE_NO_SYMLINKS, 24));
	report("no-symlinks file", openat2_(dirfd, "in", O_RDONLY, RESOLVE_NO_SYMLINKS, 24));
	report("no-symlinks nofollow path",
	       openat2_(dirfd, "rel", O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS, 24));
	report("in-root /in", openat2_(dirfd, "/in", O_RDONLY, RESOLVE_IN_ROOT, 24));
	report("in-root up link", openat2_(dirfd, "up", O_RDONLY, RESOLVE_IN_ROOT, 24));
	struct how r = { O_RDONLY | O_DIRECTORY, 0, RESOLVE_IN_ROOT, 0 };
	fd = (int)syscall(SYS_openat2, dirfd, "../../../..", &r, 24);
	report("in-root .. stays", fd >= 0 && fstat(fd, &a) == 0 && fstat(dirfd, &b) == 0 &&
	       a.st_ino == b.st_ino ? 0 : -1);
	close(fd);
	report("no-xdev in", openat2_(dirfd, "in", O_RDONLY, RESOLVE_NO_XDEV, 24));
	report("no-xdev /dev/null", openat2_(AT_FDCWD, "/dev/null", O_RDONLY, RESOLVE_NO_XDEV, 24));
	report("no-magiclinks stdin",
	       openat2_(AT_FDCWD, "/dev/stdin", O_RDONLY, RESOLVE_NO_MAGICLINKS, 24));
	report("beneath+in-root", openat2_(dirfd, "in", O_RDONLY,
	                                   RESOLVE_BENEATH | RESOLVE_IN_ROOT, 24));
	report("size 16", openat2_(dirfd, "in", O_RDONLY, 0, 16));
	report("size 32 zero", openat2_(dirfd, "in", O_RDONLY, 0, 32));
	report("size 32 nonzero", syscall(SYS_openat2, dirfd, "in", &h, 32));
	h.extra = 0;
	h.mode = 0644;
	report("mode without creat", syscall(SYS_openat2, dirfd, "in", &h, 24));
	h.mode = 0;
	h.resolve = 0x40;
	report("unknown resolve", syscall(SYS_openat2, dirfd, "in", &h, 24));
	close(dirfd);
}

static void containment(void)
{
	char path[600];
	struct stat st;
	int fd;

	/* Whatever the depth, ".." stops at "/": these name the root. */
	strcpy(path, "");
	for (int i = 0; i < 40; i++)
		strcat(path, "../");
	report("stat ../x40 is /", stat(path, &st) == 0 && stat("/", &st) == 0 ? 0 : -1);
	report("symlink up40", symlink(path, "up40"));
	struct stat a, b;
	report("up40 is /", stat("up40", &a) == 0 && stat("/", &b) == 0 &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev ? 0 : -1);
	report("symlink abs root", symlink("/../../..", "absup"));
	report("absup is /", stat("absup", &a) == 0 && a.st_ino == b.st_ino ? 0 : -1);
	strcat(path, "escape-probe");
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	report("create via ..", fd >= 0 ? 0 : -1);
	close(fd);
	report("created at /", stat("/escape-probe", &st) == 0 ? 0 : -1);
	unlink("/escape-probe");
	report("backslash name", open("..\\..\\bs-probe", O_CREAT | O_WRONLY, 0644) >= 0 ? 0 : -1);
	report("backslash is a name", stat("..\\..\\bs-probe", &st) == 0 ? 0 : -1);
	report("drive name", open("C:\\x", O_CREAT | O_WRONLY, 0644) >= 0 ? 0 : -1);
	report("drive is a name", access("C:\\x", F_OK));
	/* The metadata store's Windows name, written as UTF-8. */
	report("store by name", stat("/\xef\x80\x80lxnt", &st));
	report("store bucket by name", stat("/\xef\x80\x80lxnt/00", &st));
}

/* The crash test's writer (tests/e2e/meta_stress_test.py): for i from
 * start, t<i> is created 0600, made 0640, renamed to f<i>, linked to by
 * l<i>, d<i> made 0750, and l<i-2> unlinked; it runs until killed. */
static int writer(long start, long count)
{
	char a[32], b[32], c[32];

	umask(0);
	for (long i = start; i < start + count; i++) {
		snprintf(a, sizeof(a), "t%ld", i);
		snprintf(b, sizeof(b), "f%ld", i);
		close(open(a, O_CREAT | O_EXCL | O_WRONLY, 0600));
		chmod(a, 0640);
		rename(a, b);
		snprintf(c, sizeof(c), "l%ld", i);
		symlink(b, c);
		snprintf(a, sizeof(a), "d%ld", i);
		mkdir(a, 0750);
		snprintf(c, sizeof(c), "l%ld", i - 2);
		if (i - 2 >= start)
			unlink(c);
	}
	return 0;
}

/* What the writer may leave, whenever it was killed. */
static bool consistent(const char *name, const struct stat *st)
{
	char want[32], target[32];
	ssize_t n;

	switch (name[0]) {
	case 't':
		return S_ISREG(st->st_mode) &&
		       ((st->st_mode & 07777) == 0600 || (st->st_mode & 07777) == 0640);
	case 'f':
		return S_ISREG(st->st_mode) && (st->st_mode & 07777) == 0640;
	case 'd':
		return S_ISDIR(st->st_mode) && (st->st_mode & 07777) == 0750;
	case 'l':
		snprintf(want, sizeof(want), "f%s", name + 1);
		n = readlink(name, target, sizeof(target) - 1);
		if (n < 0)
			return false;
		target[n] = 0;
		return S_ISLNK(st->st_mode) && !strcmp(target, want);
	case 'p':
		return S_ISREG(st->st_mode) && (st->st_mode & 07777) == 0640 &&
		       st->st_uid == getuid() && st->st_gid == getgid();
	default:
		return false;
	}
}

/* Checks every entry of the current directory; with want > 0, also that
 * exactly want entries exist (the concurrency test). */
static int verify(long want)
{
	DIR *d = opendir(".");
	struct dirent *e;
	long entries = 0, problems = 0;
	struct stat st;

	if (!d)
		return 2;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		entries++;
		if (lstat(e->d_name, &st) < 0 || !consistent(e->d_name, &st)) {
			problems++;
			printf("inconsistent: %s\n", e->d_name);
		}
	}
	closedir(d);
	printf("verify: %ld entries, %ld problems\n", entries, problems);
	if (want > 0 && entries != want)
		printf("verify: want %ld entries\n", want);
	return problems || (want > 0 && entries != want);
}

/* The concurrency test's changers of one file: "mode" alternates its
 * mode and ends with 0640, "group" alternates its group and ends with 4242,
 * "xattr-a" and "xattr-b" set user.a0 to user.a3 (user.b0 ...) again and
 * again, ending with the values 0 to 3; run side by side, none may undo
 * another's last change. */
static int set_attr(const char *what, long i)
{
	char name[16], value[24];

	snprintf(name, sizeof(name), "user.%c%ld", what[6], i % 4);
	snprintf(value, sizeof(value), "%ld", i);
	return setxattr("flipped", name, value, strlen(value), 0);
}

static int flip(const char *what, long count)
{
	int ret = 0;

	close(open("flipped", O_CREAT | O_WRONLY, 0644));
	for (long i = count; i >= 0; i--) {
		int r = !strcmp(what, "mode")  ? chmod("flipped", i % 2 ? 0600 : 0640) :
		        !strcmp(what, "group") ? chown("flipped", -1, i % 2 ? 4141 : 4242) :
		                                 set_attr(what, i);
		if (r < 0 && !ret)
			printf("%s %ld: %s\n", what, i, strerrorname_np(errno));
		ret |= r;
	}
	return ret ? 1 : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file's extended attributes, sorted by name: "name=value ...". */
static int show_xattrs(const char *path)
{
	char list[4096], *names[128], value[256];
	ssize_t n = listxattr(path, list, sizeof(list));
	int k = 0;

	if (n < 0) {
		printf("listxattr: %s\n", strerrorname_np(errno));
		return 1;
	}
	for (char *p = list; p < list + n && k < 128; p += strlen(p) + 1)
		names[k++] = p;
	qsort(names, k, sizeof(names[0]), cmp_name);
	for (int i = 0; i < k; i++) {
		ssize_t v = getxattr(path, names[i], value, sizeof(value));
		printf("%s%s=%.*s", i ? " " : "", names[i], v < 0 ? 0 : (int)v, value);
	}
	printf("\n");
	return 0;
}

/* The concurrency test: count files p<prefix>-<i>, created 0640. */
static int create_many(const char *prefix, long count)
{
	char name[64];

	umask(022);
	for (long i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "p%s-%ld", prefix, i);
		int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0640);
		if (fd < 0) {
			printf("create %s: %s\n", name, strerrorname_np(errno));
			return 1;
		}
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "writer") && argc == 4)
		return writer(atol(argv[2]), atol(argv[3]));
	if (!strcmp(what, "verify"))
		return verify(argc > 2 ? atol(argv[2]) : 0);
	if (!strcmp(what, "flip") && argc == 4)
		return flip(argv[2], atol(argv[3]));
	if (!strcmp(what, "show") && argc == 3) {
		show(argv[2], false);
		return 0;
	}
	if (!strcmp(what, "xattrs") && argc == 3)
		return show_xattrs(argv[2]);
	if (!strcmp(what, "create") && argc == 4)
		return create_many(argv[2], atol(argv[3]));
	if (!strcmp(what, "all") || !strcmp(what, "modes"))
		modes();
	if (!strcmp(what, "all") || !strcmp(what, "owners"))
		owners();
	if (!strcmp(what, "all") || !strcmp(what, "times"))
		times();
	if (!strcmp(what, "times-exact"))
		times_exact();
	if (!strcmp(what, "times-kept"))
		times_kept();
	if (!strcmp(what, "times-untouched"))
		times_untouched();
	if (!strcmp(what, "all") || !strcmp(what, "links"))
		links();
	if (!strcmp(what, "all") || !strcmp(what, "specials"))
		specials();
	if (!strcmp(what, "all") || !strcmp(what, "sizes"))
		sizes();
	if (!strcmp(what, "all") || !strcmp(what, "resolve"))
		resolve();
	if (!strcmp(what, "containment"))
		containment();
	return 0;
}
