/*
 * Differential case for the name codec (docs/vfs.md, "Names"): creates a
 * file for each name of a list that Windows would refuse, strip or
 * confuse, lists the directory sorted, reopens every name and checks its
 * content, checks that no other case variant is found, removes them all.
 *
 *   names [case] [DIR]
 *
 * "case" adds the names that differ only in case (a Linux tree: the rootfs
 * or /tmp; a /mnt drive keeps Windows semantics); DIR is where the work
 * directory is made (default: the current directory).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const base_names[] = {
	"plain", "a:b", "q?*<>|\"\\", "\x01" "ctl\x1f", "caf\xc3\xa9", "\xf0\x9f\x98\x80",
	"bad\xff\xfe", "\xc0\xaf", "trail.", "trail ", "...", "a. ", " lead", "CON", "con.txt",
	"NUL .tar.gz", "lpt9", "COM\xc2\xb9", "aux.c", "conin$", "\xef\x80\xba", "\xef\x80\x80",
	"x~", "dot.", "semi;colon", "new\nline",
};

static const char *const case_names[] = {
	"Makefile", "makefile", "README", "readme", "\xc3\x89T\xc3\x89", "\xc3\xa9t\xc3\xa9",
	"\xcf\x82", "\xcf\x83", "x~1", "PROGRA~1",
};

/* Names that must not be found: other case variants of what exists. */
static const char *const absent_names[] = { "MAKEFILE", "Readme", "\xc3\x89t\xc3\xa9" };

static char *names[64];
static int nnames;

static void show(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			putchar(*p);
		else
			printf("\\x%02x", *p);
}

static int by_bytes(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void create_all(void)
{
	for (int i = 0; i < nnames; i++) {
		int fd = open(names[i], O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || write(fd, names[i], strlen(names[i])) != (ssize_t)strlen(names[i])) {
			printf("create ");
			show(names[i]);
			printf(": %s\n", strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
}

static void list_sorted(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	char *seen[128];
	int n = 0;

	if (!d) {
		printf("opendir: %s\n", strerror(errno));
		return;
	}
	while ((e = readdir(d)) && n < 128)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			seen[n++] = strdup(e->d_name);
	closedir(d);
	qsort(seen, (size_t)n, sizeof(seen[0]), by_bytes);
	printf("%d entries:\n", n);
	for (int i = 0; i < n; i++) {
		printf("  ");
		show(seen[i]);
		printf("\n");
		free(seen[i]);
	}
}

static void reopen_all(void)
{
	int good = 0;

	for (int i = 0; i < nnames; i++) {
		char buf[512];
		struct stat st;
		int fd = open(names[i], O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

		if (fd >= 0)
			close(fd);
		if (n == (ssize_t)strlen(names[i]) && !memcmp(buf, names[i], (size_t)n) &&
		    stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_size == n) {
			good++;
		} else {
			printf("reopen ");
			show(names[i]);
			printf(": %zd %s\n", n, n < 0 ? strerror(errno) : "wrong content");
		}
	}
	printf("reopened %d of %d\n", good, nnames);
}

static void check_absent(void)
{
	for (size_t i = 0; i < sizeof(absent_names) / sizeof(absent_names[0]); i++) {
		struct stat st;
		int r = stat(absent_names[i], &st);
		printf("stat ");
		show(absent_names[i]);
		printf(": %s\n", r == 0 ? "found" : strerror(errno));
	}
}

static void long_names(void)
{
	char name[300];
	int fd;

	memset(name, 'n', 255);
	name[255] = 0;
	fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
	printf("255 bytes: %s\n", fd >= 0 ? "created" : strerror(errno));
	if (fd >= 0)
		close(fd);
	printf("255 bytes reopened: %s\n", access(name, F_OK) == 0 ? "yes" : strerror(errno));
	unlink(name);
	/* 85 three-byte characters: 255 bytes, 85 UTF-16 units */
	for (int i = 0; i < 85; i++)
		memcpy(name + 3 * i, "\xe2\x82\xac", 3);
	name[255] = 0;
	fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
	printf("255 bytes of euro signs: %s\n", fd >= 0 ? "created" : strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(name);
	memset(name, 'n', 256);
	name[256] = 0;
	printf("256 bytes: %s\n", open(name, O_CREAT | O_WRONLY, 0644) >= 0 ? "created" :
	       strerror(errno));
}

int main(int argc, char **argv)
{
	char work[4096];
	int with_case = argc > 1 && !strcmp(argv[1], "case");
	const char *dir = argc > 1 + with_case ? argv[1 + with_case] : ".";

	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; i < sizeof(base_names) / sizeof(base_names[0]); i++)
		names[nnames++] = (char *)base_names[i];
	if (with_case)
		for (size_t i = 0; i < sizeof(case_names) / sizeof(case_names[0]); i++)
			names[nnames++] = (char *)case_names[i];
	snprintf(work, sizeof(work), "%s/names.%d", dir, (int)getpid());
	if (mkdir(work, 0755) || chdir(work)) {
		printf("work directory: %s\n", strerror(errno));
		return 1;
	}
	create_all();
	list_sorted();
	reopen_all();
	if (with_case)
		check_absent();
	long_names();
	/* a directory with a name Windows strips, and a file inside it */
	printf("mkdir dir.: %s\n", mkdir("dir.", 0755) ? strerror(errno) : "ok");
	printf("create dir./CON: %s\n",
	       close(open("dir./CON", O_CREAT | O_WRONLY, 0644)) ? strerror(errno) : "ok");
	printf("unlink dir./CON: %s\n", unlink("dir./CON") ? strerror(errno) : "ok");
	printf("rmdir dir.: %s\n", rmdir("dir.") ? strerror(errno) : "ok");
	for (int i = 0; i < nnames; i++)
		if (unlink(names[i])) {
			printf("unlink ");
			show(names[i]);
			printf(": %s\n", strerror(errno));
		}
	list_sorted();
	if (chdir("..") || rmdir(work))
		printf("cleanup: %s\n", strerror(errno));
	return 0;
}
