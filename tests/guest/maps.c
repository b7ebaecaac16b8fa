/*
 * Differential case for /proc/self/maps (docs/vfs.md): the program parses
 * its own map and checks what a Linux program relies on (the format, its
 * stack, its heap after brk and malloc, a file mapping's path, offset,
 * device and inode, mprotect and munmap splitting areas), printing yes or
 * NO so that addresses, which differ between runs, are never printed.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

struct area {
	unsigned long start, end, off, inode;
	unsigned major, minor;
	char perms[5];
	char name[4096];
	int name_col;   /* where the name starts, -1 without one */
};

static char text[1 << 20], raw[1 << 20], saved[1 << 20];
static struct area areas[4096];
static int nareas;
static int format_ok;

static void load(void)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n = 0, r;

	nareas = 0;
	format_ok = fd >= 0;
	while (fd >= 0 && (r = read(fd, text + n, sizeof(text) - 1 - (size_t)n)) > 0)
		n += r;
	if (fd >= 0)
		close(fd);
	text[n] = 0;
	memcpy(raw, text, (size_t)n + 1); /* the parse below cuts text into lines */
	for (char *line = text; *line && nareas < 4096;) {
		char *nl = strchr(line, '\n');
		struct area *a = &areas[nareas++];
		int used = 0;
		if (!nl) {
			format_ok = 0;
			break;
		}
		*nl = 0;
		if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu%n", &a->start, &a->end, a->perms, &a->off,
		           &a->major, &a->minor, &a->inode, &used) != 7)
			format_ok = 0;
		a->name_col = -1;
		a->name[0] = 0;
		char *p = line + used;
		while (*p == ' ')
			p++;
		if (*p) {
			a->name_col = (int)(p - line);
			snprintf(a->name, sizeof(a->name), "%s", p);
		}
		if (strchr(line, '-') - line < 8 || a->start >= a->end)
			format_ok = 0;
		if (nareas > 1 && areas[nareas - 2].end > a->start)
			format_ok = 0;
		line = nl + 1;
	}
}

static struct area *area_of(const void *p)
{
	unsigned long a = (unsigned long)(uintptr_t)p;

	for (int i = 0; i < nareas; i++)
		if (areas[i].start <= a && a < areas[i].end)
			return &areas[i];
	return NULL;
}

int main(void)
{
	char cwd[4096], path[4200], exe[4096];
	long page = sysconf(_SC_PAGESIZE);
	int local = 0;
	struct stat st;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!getcwd(cwd, sizeof(cwd)))
		return 1;

	/* A file of four pages, each filled with its number. */
	int fd = open("data.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < 4; i++) {
		char buf[4096];
		memset(buf, '0' + i, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 1;
	}
	fstat(fd, &st);
	char *file = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, page);
	char *anon = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *brk0 = sbrk(0);
	if (file == MAP_FAILED || anon == MAP_FAILED || sbrk(3 * page) == (void *)-1)
		return 1;
	brk0[0] = 1;
	char *small = malloc(100);

	load();
	printf("every line parses, ascending, without overlap: %s\n", yes(format_ok && nareas > 3));
	int cols = 1;
	for (int i = 0; i < nareas; i++)
		if (areas[i].name_col >= 0 && areas[i].name_col != 73)
			cols = 0;
	printf("names start at column 73: %s\n", yes(cols));

	struct area *a = area_of(&local);
	printf("a local variable is in [stack] rw-p: %s\n",
	       yes(a && !strcmp(a->name, "[stack]") && !strcmp(a->perms, "rw-p")));
	a = area_of(brk0);
	printf("the new break is in [heap] rw-p: %s\n",
	       yes(a && !strcmp(a->name, "[heap]") && !strcmp(a->perms, "rw-p")));
	a = area_of(small);
	printf("a small malloc is in [heap]: %s\n", yes(a && !strcmp(a->name, "[heap]")));

	snprintf(path, sizeof(path), "%s/data.bin", cwd);
	a = area_of(file);
	printf("the file mapping starts at its address: %s\n", yes(a && a->start == (unsigned long)file));
	printf("its path, offset and perms: %s %s %s\n", yes(a && !strcmp(a->name, path)),
	       yes(a && a->off == (unsigned long)page), yes(a && !strcmp(a->perms, "r--p")));
	printf("its device and inode are the file's: %s %s\n",
	       yes(a && a->major == major(st.st_dev) && a->minor == minor(st.st_dev)),
	       yes(a && a->inode == st.st_ino));
	printf("the mapping holds page 1 of the file: %s\n", yes(file[0] == '1' && file[page] == '2'));

	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	int exe_x = 0;
	for (int i = 0; i < nareas; i++)
		if (!strcmp(areas[i].name, exe) && areas[i].perms[2] == 'x')
			exe_x = 1;
	printf("the executable's code is mapped from it: %s\n", yes(exe_x));

	/* A fork child has its parent's map, names included, and its
	 * argument strings where they were. */
	char cmdline[4096], child_cmdline[4096];
	int cfd = open("/proc/self/cmdline", O_RDONLY);
	ssize_t cn = cfd >= 0 ? read(cfd, cmdline, sizeof(cmdline)) : -1;
	if (cfd >= 0)
		close(cfd);
	load();
	memcpy(saved, raw, sizeof(raw));
	pid_t pid = fork();
	if (pid == 0) {
		load();
		int same = !strcmp(raw, saved);
		cfd = open("/proc/self/cmdline", O_RDONLY);
		ssize_t ccn = cfd >= 0 ? read(cfd, child_cmdline, sizeof(child_cmdline)) : -1;
		printf("a fork child's map is its parent's: %s\n", yes(same));
		printf("its cmdline too: %s\n", yes(cn > 0 && ccn == cn && !memcmp(cmdline, child_cmdline, (size_t)cn)));
		_exit(0);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;

	/* mprotect splits: the file mapping's second page, the anonymous
	 * area's middle page. */
	mprotect(file + page, page, PROT_NONE);
	mprotect(anon + page, page, PROT_READ);
	load();
	a = area_of(file);
	printf("file, first piece: ends at the split %s, offset kept %s\n",
	       yes(a && a->end == (unsigned long)(file + page)), yes(a && a->off == (unsigned long)page));
	a = area_of(file + page);
	printf("file, second piece: exact %s, ---p %s, offset moved %s, same file %s\n",
	       yes(a && a->start == (unsigned long)(file + page) && a->end == (unsigned long)(file + 2 * page)),
	       yes(a && !strcmp(a->perms, "---p")), yes(a && a->off == (unsigned long)(2 * page)),
	       yes(a && !strcmp(a->name, path)));
	a = area_of(anon + page);
	printf("anonymous middle: exact %s, r--p %s, no file %s\n",
	       yes(a && a->start == (unsigned long)(anon + page) && a->end == (unsigned long)(anon + 2 * page)),
	       yes(a && !strcmp(a->perms, "r--p")),
	       yes(a && a->off == 0 && a->major == 0 && a->minor == 0 && a->inode == 0 && !a->name[0]));
	a = area_of(anon);
	printf("anonymous first page ends at the middle: %s\n", yes(a && a->end == (unsigned long)(anon + page)));
	a = area_of(anon + 2 * page);
	printf("anonymous last page starts after it: %s\n",
	       yes(a && a->start == (unsigned long)(anon + 2 * page) && !strcmp(a->perms, "rw-p")));

	munmap(anon + page, page);
	munmap(file, 2 * page);
	load();
	printf("munmap leaves holes: %s %s\n", yes(!area_of(anon + page)), yes(!area_of(file)));
	printf("still parses: %s\n", yes(format_ok));
	close(fd);
	unlink("data.bin");
	return 0;
}
