/*
 * An e2e guest for creat(2) and the extended-attribute calls.  Errors of
 * the arguments and of the path are printed exactly.  Where a file system
 * may say either ENODATA or EOPNOTSUPP for an attribute nobody stored (no
 * ACL support, say), the line says only "absent".  test_store sets, reads,
 * lists and removes attributes of each namespace that ext4 and lxnt's
 * rootfs both keep, with every flag and size error, through fds, hard
 * links and renames, as nobody, and checks that they go with the file.
 * Works in the current directory, as root (it drops to nobody and back).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

static void report(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

/* A read of an attribute nobody stored. */
static void report_absent(const char *what, long ret)
{
	if (ret < 0 && (errno == ENODATA || errno == EOPNOTSUPP))
		printf("%s: absent\n", what);
	else
		report(what, ret);
}

static void test_creat(void)
{
	struct stat st;
	int fd = creat("c.txt", 0640);

	report("creat", fd);
	report("write", write(fd, "hello\n", 6));
	report("read from creat fd", read(fd, (char[8]){ 0 }, 8));
	fstat(fd, &st);
	printf("mode %o size %lld\n", st.st_mode & 07777, (long long)st.st_size);
	close(fd);
	fd = creat("c.txt", 0600);
	report("creat again", fd);
	fstat(fd, &st);
	printf("mode %o size %lld (truncated, mode kept)\n", st.st_mode & 07777,
	       (long long)st.st_size);
	close(fd);
	report("creat on a directory", creat(".", 0644));
	report("creat in a missing directory", creat("nodir/x", 0644));
	report("creat bad pointer", creat((const char *)8, 0644));
}

static void test_xattr(void)
{
	static char big[65537];
	char name[300], buf[64];
	int fd = open("c.txt", O_RDONLY);

	memset(name, 'a', sizeof name);
	memcpy(name, "user.", 5);
	name[256] = 0;
	report("getxattr missing file", getxattr("missing", "user.x", buf, sizeof buf));
	report("getxattr empty name", getxattr("c.txt", "", buf, sizeof buf));
	report("getxattr 256-byte name", getxattr("c.txt", name, buf, sizeof buf));
	report("getxattr bad name pointer", getxattr("c.txt", (const char *)8, buf, sizeof buf));
	report_absent("getxattr user.x", getxattr("c.txt", "user.x", buf, sizeof buf));
	report_absent("getxattr acl", getxattr("c.txt", "system.posix_acl_access", buf, sizeof buf));
	report_absent("lgetxattr acl of a directory", lgetxattr(".", "system.posix_acl_default", buf, 0));
	report("listxattr", listxattr("c.txt", buf, sizeof buf));
	report("listxattr size 0", listxattr("c.txt", NULL, 0));
	report("llistxattr missing", llistxattr("missing", buf, sizeof buf));
	report("listxattr through a file", listxattr("c.txt/x", buf, sizeof buf));
	report("setxattr bad flags", setxattr("c.txt", "user.x", "v", 1, 4));
	report("setxattr empty name", setxattr("c.txt", "", "v", 1, 0));
	report("setxattr too big", setxattr("c.txt", "user.x", big, sizeof big, 0));
	report("setxattr missing file", setxattr("missing", "user.x", "v", 1, 0));
	report("removexattr missing file", removexattr("missing", "user.x"));
	report("removexattr empty name", removexattr("c.txt", ""));
	report("fgetxattr bad fd", fgetxattr(99, "user.x", buf, sizeof buf));
	report("flistxattr bad fd", flistxattr(99, buf, sizeof buf));
	report("fsetxattr bad fd", fsetxattr(99, "user.x", "v", 1, 0));
	report("fremovexattr bad fd", fremovexattr(99, "user.x"));
	report_absent("fgetxattr user.x", fgetxattr(fd, "user.x", buf, sizeof buf));
	report("flistxattr", flistxattr(fd, buf, sizeof buf));
	close(fd);

	/* xattr_permission(): user.* only on regular files and directories. */
	mkfifo("fifo", 0644);
	symlink("c.txt", "link");
	report("lgetxattr user.x of a symlink", lgetxattr("link", "user.x", buf, sizeof buf));
	report("lsetxattr user.x of a symlink", lsetxattr("link", "user.x", "v", 1, 0));
	report("getxattr user.x of a fifo", getxattr("fifo", "user.x", buf, sizeof buf));
	report("setxattr user.x of a fifo", setxattr("fifo", "user.x", "v", 1, 0));
	report_absent("getxattr user.x through the symlink", getxattr("link", "user.x", buf, sizeof buf));
}

/* The value of name, or the error. */
static void show(const char *what, const char *path, const char *name)
{
	char buf[256];
	ssize_t n = getxattr(path, name, buf, sizeof buf);

	if (n < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %zd \"%.*s\"\n", what, n, (int)n, buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names listxattr gives, sorted: file systems list in their own order. */
static void show_list(const char *what, const char *path)
{
	char buf[1024], *names[64];
	ssize_t n = llistxattr(path, buf, sizeof buf);
	int k = 0;

	if (n < 0) {
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
		return;
	}
	for (char *p = buf; p < buf + n && k < 64; p += strlen(p) + 1)
		names[k++] = p;
	qsort(names, k, sizeof names[0], cmp_str);
	printf("%s: %zd", what, n);
	for (int i = 0; i < k; i++)
		printf(" %s", names[i]);
	printf("\n");
}

/* Attributes that are kept: on lxnt's rootfs as on the native file
 * system, with Linux's errors for each flag and size. */
static void test_store(void)
{
	/* A v2 security.capability: cap_net_raw (13) permitted and effective. */
	static const unsigned char caps[20] = { 0x01, 0, 0, 0x02, 0x00, 0x20, 0, 0 };
	char buf[64], big[1000];
	struct stat before, after;
	int fd;

	report("store: creat", fd = creat("s.txt", 0644));
	close(fd);
	stat("s.txt", &before);
	report("set user.a", setxattr("s.txt", "user.a", "one", 3, 0));
	show("get user.a", "s.txt", "user.a");
	report("get user.a size 0", getxattr("s.txt", "user.a", NULL, 0));
	report("get user.a small buffer", getxattr("s.txt", "user.a", buf, 2));
	report("set user.a XATTR_CREATE", setxattr("s.txt", "user.a", "two", 3, XATTR_CREATE));
	report("set user.b XATTR_REPLACE", setxattr("s.txt", "user.b", "two", 3, XATTR_REPLACE));
	report("set user.b empty", setxattr("s.txt", "user.b", "", 0, XATTR_CREATE));
	show("get user.b", "s.txt", "user.b");
	report("set user.a longer, XATTR_REPLACE",
	       setxattr("s.txt", "user.a", "a longer value", 14, XATTR_REPLACE));
	show("get user.a again", "s.txt", "user.a");
	memset(big, 'v', sizeof big);
	report("set user.big", setxattr("s.txt", "user.big", big, sizeof big, 0));
	report("get user.big size 0", getxattr("s.txt", "user.big", NULL, 0));
	report("set user. (bare prefix)", setxattr("s.txt", "user.", "x", 1, 0));
	report("get user. (bare prefix)", getxattr("s.txt", "user.", buf, sizeof buf));
	report("set other.x (no such namespace)", setxattr("s.txt", "other.x", "x", 1, 0));
	report("set trusted.t", setxattr("s.txt", "trusted.t", "tt", 2, 0));
	report("set security.s", setxattr("s.txt", "security.s", "ss", 2, 0));
	report("set security.capability bad size",
	       setxattr("s.txt", "security.capability", caps, 12, 0));
	report("set security.capability", setxattr("s.txt", "security.capability", caps, 20, 0));
	report("get security.capability", getxattr("s.txt", "security.capability", buf, sizeof buf));
	printf("same bytes: %d\n", memcmp(buf, caps, 20) == 0);
	show_list("list", "s.txt");
	report("list size 0", listxattr("s.txt", NULL, 0));
	report("list small buffer", listxattr("s.txt", buf, 4));
	stat("s.txt", &after);
	printf("ctime moved: %d\n", after.st_ctim.tv_sec != before.st_ctim.tv_sec ||
	                             after.st_ctim.tv_nsec != before.st_ctim.tv_nsec);

	/* Through an fd, a hard link, a rename; a directory. */
	fd = open("s.txt", O_RDONLY);
	report("fset user.fd", fsetxattr(fd, "user.fd", "f", 1, 0));
	{
		int path_fd = open("s.txt", O_PATH);
		report("fget through O_PATH", fgetxattr(path_fd, "user.a", buf, sizeof buf));
		report("flist through O_PATH", flistxattr(path_fd, buf, sizeof buf));
		report("fset through O_PATH", fsetxattr(path_fd, "user.p", "p", 1, 0));
		report("fremove through O_PATH", fremovexattr(path_fd, "user.a"));
		close(path_fd);
	}
	report("fget user.a", fgetxattr(fd, "user.a", buf, sizeof buf));
	report("fremove user.b", fremovexattr(fd, "user.b"));
	report("fremove user.b again", fremovexattr(fd, "user.b"));
	close(fd);
	report("link", link("s.txt", "s2.txt"));
	show("get user.fd through the link", "s2.txt", "user.fd");
	report("rename", rename("s.txt", "s3.txt"));
	show("get user.a after rename", "s3.txt", "user.a");
	report("unlink s3", unlink("s3.txt"));
	show_list("list of the remaining link", "s2.txt");
	report("mkdir", mkdir("d", 0755));
	report("set user.dir on a directory", setxattr("d", "user.dir", "dd", 2, 0));
	show("get user.dir", "d", "user.dir");
	report("remove user.dir", removexattr("d", "user.dir"));
	show_list("list of the directory", "d");

	/* As nobody: reading needs read permission, writing write permission;
	 * trusted.* is hidden, security.* needs capabilities. */
	chmod(".", 0755);
	if (seteuid(65534) == 0) {
		show("nobody: get user.a", "s2.txt", "user.a");
		report("nobody: set user.a", setxattr("s2.txt", "user.a", "x", 1, 0));
		report("nobody: get trusted.t", getxattr("s2.txt", "trusted.t", buf, sizeof buf));
		show("nobody: get security.s", "s2.txt", "security.s");
		show_list("nobody: list", "s2.txt");
		report("nobody: remove security.capability",
		       removexattr("s2.txt", "security.capability"));
		seteuid(0);
	}

	/* The attributes go with the file's last name: a file made after it
	 * (which may get the same inode) has none. */
	report("unlink s2", unlink("s2.txt"));
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%d", i);
		close(creat(name, 0644));
		show_list("list of a new file", name);
	}
	report("get user.a of a removed file", getxattr("s2.txt", "user.a", buf, sizeof buf));
}

/* security.capability goes with a write, a truncation or a chown, by
 * whoever (security_inode_killpriv); a chmod or a read keeps it. */
static void test_killpriv(void)
{
	static const unsigned char caps[20] = { 0x01, 0, 0, 0x02, 0x00, 0x20, 0, 0 };
	static const char *const ways[] = { "write", "write on an fd opened before", "truncate",
	                                    "ftruncate", "open O_TRUNC", "chown -1 -1", "chmod",
	                                    "read" };
	char buf[8];

	for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		int fd = open("k.txt", O_CREAT | O_RDWR, 0644), early = -1;
		if (i == 1)
			early = open("k.txt", O_WRONLY);
		setxattr("k.txt", "user.k", "1", 1, 0);
		setxattr("k.txt", "security.capability", caps, sizeof caps, 0);
		switch (i) {
		case 0: pwrite(fd, "x", 1, 0); break;
		case 1: pwrite(early, "x", 1, 0); break;
		case 2: truncate("k.txt", 0); break;
		case 3: ftruncate(fd, 0); break;
		case 4: close(open("k.txt", O_WRONLY | O_TRUNC)); break;
		case 5: chown("k.txt", -1, -1); break;
		case 6: chmod("k.txt", 0600); break;
		case 7: pread(fd, buf, sizeof buf, 0); break;
		}
		printf("after %s: ", ways[i]);
		show_list("list", "k.txt");
		if (early >= 0)
			close(early);
		close(fd);
		unlink("k.txt");
	}
}

int main(void)
{
	umask(022);
	test_creat();
	test_xattr();
	test_store();
	test_killpriv();
	return 0;
}
