/*
 * An e2e guest for creat(2) and the extended-attribute calls.  Errors of
 * the arguments and of the path are printed exactly.  Where a file system
 * with xattr support and one without may both be right (ENODATA for an
 * absent attribute or EOPNOTSUPP for no support; a stored attribute or
 * EOPNOTSUPP), the line says only "absent" or "not kept": the native run
 * is on a file system that stores attributes, lxnt's rootfs stores none.
 * Works in the current directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

int main(void)
{
	umask(022);
	test_creat();
	test_xattr();
	return 0;
}
