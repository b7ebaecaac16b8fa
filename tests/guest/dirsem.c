/*
 * Differential case for directory semantics (docs/vfs.md, "Directories"
 * and "Names operations"): rename over an open file, unlink of an open
 * file, getdents64 across creates, telldir/seekdir, and the errno of each
 * name operation where Linux defines it.  Prints only what Linux defines.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void put_file(const char *name, const char *text)
{
	int fd = open(name, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		printf("put %s: %s\n", name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void check(const char *what, int r, int want_errno)
{
	int e = errno;

	if (r >= 0)
		printf("%s: succeeded\n", what);
	else
		printf("%s: %s%s\n", what, strerror(e), e == want_errno ? "" : " (unexpected)");
}

static void rename_over_open(void)
{
	char buf[16] = { 0 };
	int fd, fd2;

	put_file("target", "old");
	put_file("source", "new");
	fd = open("target", O_RDONLY);
	check("rename source over open target", rename("source", "target"), 0);
	printf("old fd reads: %.*s\n", (int)read(fd, buf, sizeof(buf) - 1), buf);
	fd2 = open("target", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	printf("target now reads: %.*s\n", (int)read(fd2, buf, sizeof(buf) - 1), buf);
	printf("source exists: %s\n", access("source", F_OK) == 0 ? "yes" : strerror(errno));
	close(fd);
	close(fd2);
	unlink("target");
}

static void unlink_open(void)
{
	char buf[32] = { 0 };
	struct stat st;
	int fd = open("gone", O_CREAT | O_RDWR, 0644);

	if (write(fd, "hello", 5) != 5)
		printf("write: %s\n", strerror(errno));
	check("unlink open file", unlink("gone"), 0);
	printf("name after unlink: %s\n", access("gone", F_OK) == 0 ? "present" : strerror(errno));
	check("open after unlink", open("gone", O_RDONLY), ENOENT);
	put_file("gone", "another");
	printf("write through fd: %zd\n", write(fd, " world", 6));
	printf("pread through fd: %zd ", pread(fd, buf, sizeof(buf) - 1, 0));
	printf("%s\n", buf);
	if (fstat(fd, &st) == 0)
		printf("fstat: size %lld regular %d links %d\n", (long long)st.st_size,
		       S_ISREG(st.st_mode), (int)st.st_nlink);
	else
		printf("fstat: %s\n", strerror(errno));
	close(fd);
	fd = open("gone", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	printf("new file reads: %.*s\n", (int)read(fd, buf, sizeof(buf) - 1), buf);
	close(fd);
	unlink("gone");
}

static void getdents_across_creates(void)
{
	char name[32];
	int seen[5] = { 0 };
	struct dirent *e;
	DIR *d;
	int n = 0;

	mkdir("iter", 0755);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "iter/old%d", i);
		put_file(name, "x");
	}
	d = opendir("iter");
	while (n < 2 && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			n++;
			if (!strncmp(e->d_name, "old", 3))
				seen[e->d_name[3] - '0']++;
		}
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "iter/new%d", i);
		put_file(name, "y");
	}
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "old", 3))
			seen[e->d_name[3] - '0']++;
	closedir(d);
	/* POSIX leaves the new names unspecified; each old one is seen once. */
	printf("old entries seen once:");
	for (int i = 0; i < 5; i++)
		printf(" %d", seen[i]);
	printf("\n");
	d = opendir("iter");
	n = 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	printf("after rewind: %d entries\n", n);
}

static void seek_tell(void)
{
	long pos[32];
	char names[32][256];
	struct dirent *e;
	DIR *d = opendir("iter");
	int n = 0, good = 0;

	for (;;) {
		long p = telldir(d);
		if (!(e = readdir(d)) || n == 32)
			break;
		pos[n] = p;
		snprintf(names[n], sizeof(names[n]), "%s", e->d_name);
		n++;
	}
	for (int i = n - 1; i >= 0; i--) {
		seekdir(d, pos[i]);
		e = readdir(d);
		good += e && !strcmp(e->d_name, names[i]);
	}
	rewinddir(d);
	e = readdir(d);
	printf("seekdir back to each of %d positions: %d right; rewind gives the first: %s\n", n,
	       good, e && !strcmp(e->d_name, names[0]) ? "yes" : "no");
	closedir(d);
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof(name), "iter/old%d", i);
		unlink(name);
		snprintf(name, sizeof(name), "iter/new%d", i);
		unlink(name);
	}
	rmdir("iter");
}

static void errnos(void)
{
	char longname[300], longpath[5000];

	mkdir("full", 0755);
	put_file("full/f", "f");
	mkdir("empty", 0755);
	mkdir("empty2", 0755);
	put_file("file", "file");
	check("rename dir over non-empty dir", rename("empty", "full"), ENOTEMPTY);
	check("rename file over dir", rename("file", "empty"), EISDIR);
	check("rename dir over file", rename("empty", "file"), ENOTDIR);
	check("rename dir into itself", rename("full", "full/sub"), EINVAL);
	check("rename dir over empty dir", rename("empty", "empty2"), 0);
	printf("  old name: %s, new name is a dir: %s\n",
	       access("empty", F_OK) ? strerror(errno) : "present",
	       access("empty2/.", F_OK) ? strerror(errno) : "yes");
	check("rename to /proc", rename("file", "/proc/file"), EXDEV);
	check("rename missing", rename("missing", "x"), ENOENT);
	check("rename with trailing slash on file", rename("file", "x/"), ENOTDIR);
	check("mkdir existing", mkdir("full", 0755), EEXIST);
	check("mkdir over file", mkdir("file", 0755), EEXIST);
	check("create excl existing", open("file", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	check("link to existing", link("file", "full/f"), EEXIST);
	check("rmdir non-empty", rmdir("full"), ENOTEMPTY);
	check("rmdir file", rmdir("file"), ENOTDIR);
	check("rmdir .", rmdir("full/."), EINVAL);
	check("unlink dir", unlink("full"), EISDIR);
	check("open below a file", open("file/x", O_RDONLY), ENOTDIR);
	check("create below a file", open("file/x", O_CREAT | O_WRONLY, 0644), ENOTDIR);
	check("open dir for writing", open("full", O_WRONLY), EISDIR);
	check("open file with O_DIRECTORY", open("file", O_RDONLY | O_DIRECTORY), ENOTDIR);
	check("open file with trailing slash", open("file/", O_RDONLY), ENOTDIR);
	memset(longname, 'l', 256);
	longname[256] = 0;
	check("256-byte name", open(longname, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	check("256-byte mkdir", mkdir(longname, 0755), ENAMETOOLONG);
	memset(longpath, 'p', sizeof(longpath) - 1);
	for (size_t i = 100; i < sizeof(longpath) - 1; i += 101)
		longpath[i] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	check("path of 4999 bytes", open(longpath, O_RDONLY), ENAMETOOLONG);
	unlink("full/f");
	rmdir("full");
	rmdir("empty2");
	unlink("file");
}

int main(void)
{
	char work[64];

	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(work, sizeof(work), "dirsem.%d", (int)getpid());
	if (mkdir(work, 0755) || chdir(work)) {
		printf("work directory: %s\n", strerror(errno));
		return 1;
	}
	rename_over_open();
	unlink_open();
	getdents_across_creates();
	seek_tell();
	errnos();
	if (chdir("..") || rmdir(work))
		printf("cleanup: %s\n", strerror(errno));
	return 0;
}
