/*
 * An e2e guest that exercises the file syscalls directly, reporting each
 * result as the value or the errno name, so that a difference shows which
 * call diverged: open/openat, read, write, lseek, pread/pwrite, fstat,
 * rename, unlink, mkdir, rmdir, getdents64 (sorted), access and umask.
 * It works on relative paths in the current directory only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static void report(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *path)
{
	char *names[64];
	int n = 0;
	DIR *d = opendir(path);

	if (!d) {
		report("opendir", -1);
		return;
	}
	for (struct dirent *e; (e = readdir(d)) && n < 64;)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	for (int i = 0; i < n; i++) {
		printf("entry %s\n", names[i]);
		free(names[i]);
	}
}

int main(void)
{
	char buf[64] = { 0 };
	struct stat st;

	umask(022);
	int fd = open("data.txt", O_RDWR | O_CREAT | O_TRUNC, 0640);
	report("open data.txt", fd);
	report("write", write(fd, "hello, world\n", 13));
	report("lseek end", lseek(fd, 0, SEEK_END));
	report("lseek set", lseek(fd, 7, SEEK_SET));
	report("read", read(fd, buf, sizeof buf - 1));
	printf("read data: %s", buf);
	report("pwrite", pwrite(fd, "WORLD", 5, 7));
	memset(buf, 0, sizeof buf);
	report("pread", pread(fd, buf, 5, 7));
	printf("pread data: %s\n", buf);
	report("fstat", fstat(fd, &st));
	printf("size %lld mode %o\n", (long long)st.st_size, st.st_mode & 07777);
	report("close", close(fd));
	report("close again", close(fd));

	report("open missing", open("missing.txt", O_RDONLY));
	report("open excl", open("data.txt", O_CREAT | O_EXCL | O_WRONLY, 0600));
	report("mkdir sub", mkdir("sub", 0755));
	report("mkdir sub again", mkdir("sub", 0755));
	report("rename", rename("data.txt", "sub/moved.txt"));
	report("access moved", access("sub/moved.txt", R_OK));
	report("access old", access("data.txt", F_OK));
	report("rmdir nonempty", rmdir("sub"));
	fd = openat(AT_FDCWD, "sub/new.txt", O_WRONLY | O_CREAT, 0600);
	report("openat", fd);
	report("write new", write(fd, "x", 1));
	close(fd);
	list_dir("sub");
	report("unlink moved", unlink("sub/moved.txt"));
	report("unlink moved again", unlink("sub/moved.txt"));
	report("stat dir", stat("sub", &st));
	printf("is dir %d\n", S_ISDIR(st.st_mode));
	return 0;
}
