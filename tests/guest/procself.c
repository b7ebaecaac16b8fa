/*
 * Differential case for /proc, /sys and /dev/fd (docs/vfs.md): each line
 * compares what /proc says with what the process knows by other means
 * (getpid, getcwd, fstat, uname, sysconf), so that values that differ
 * between the two runs (pids, the executable's path) still prove the
 * behaviour.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest.h"

static long field_of(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void exe(const char *argv0)
{
	char link[4096];
	struct stat a, b;
	ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	const char *base;
	size_t blen;

	if (n < 0) {
		printf("readlink exe: %s\n", strerror(errno));
		return;
	}
	link[n] = 0;
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	blen = strlen(base);
	/* The packed program is NAME.exe; the name is the program's. */
	if (blen > 4 && !strcmp(base + blen - 4, ".exe"))
		blen -= 4;
	printf("exe is absolute: %s\n", yes(link[0] == '/'));
	printf("exe names this program: %s\n",
	       yes(blen == strlen(argv0) && !strncmp(base, argv0, blen)));
	printf("exe and its target are one file: %s\n",
	       yes(stat("/proc/self/exe", &a) == 0 && stat(link, &b) == 0 && a.st_ino == b.st_ino &&
	           a.st_dev == b.st_dev));
	printf("lstat exe is a link: %s\n", yes(lstat("/proc/self/exe", &a) == 0 && S_ISLNK(a.st_mode)));
}

static void cwd(void)
{
	char link[4096], cwd[4096];
	ssize_t n = readlink("/proc/self/cwd", link, sizeof(link) - 1);

	link[n > 0 ? n : 0] = 0;
	printf("cwd link is getcwd: %s\n", yes(n > 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, link)));
	/* chdir follows the link to the directory it names */
	printf("chdir through the cwd link keeps the cwd: %s\n",
	       yes(chdir("/proc/self/cwd") == 0 && getcwd(link, sizeof(link)) && !strcmp(cwd, link)));
	snprintf(link, sizeof(link), "/proc/%d", (int)getpid());
	printf("chdir /proc/self gives /proc/PID: %s\n",
	       yes(chdir("/proc/self") == 0 && getcwd(link + 64, sizeof(link) - 64) &&
	           !strcmp(link, link + 64)));
	printf("back: %s\n", chdir(cwd) ? strerror(errno) : "ok");
	printf("mkdir in /proc: %s\n", mkdir("/proc/newdir", 0755) ? strerror(errno) : "made");
}

static void fds(void)
{
	char path[64], link[4096];
	int fd = open("fdfile", O_CREAT | O_RDWR, 0644);
	struct stat a, b;
	DIR *d;
	struct dirent *e;
	int n = 0, found = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	len = readlink(path, link, sizeof(link) - 1);
	link[len > 0 ? len : 0] = 0;
	printf("fd link names the file: %s\n",
	       yes(len > 7 && !strcmp(link + len - 7, "/fdfile") && link[0] == '/'));
	printf("fd link is that file: %s\n",
	       yes(stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino));
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	printf("/dev/fd/N is that file: %s\n",
	       yes(stat(path, &a) == 0 && a.st_ino == b.st_ino));
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		found += atoi(e->d_name) == fd;
	}
	if (d)
		closedir(d);
	/* 0, 1, 2, fd and the directory's own */
	printf("/proc/self/fd lists %d fds, ours among them: %s\n", n, yes(found == 1));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	write(fd, "12345", 5);
	{
		char text[512];
		printf("fdinfo pos: %s\n",
		       yes(slurp(path, text, sizeof(text)) > 0 && field_of(text, "pos:") == 5));
	}
	close(fd);
	unlink("fdfile");
}

static void pid_files(int argc, char **argv)
{
	char text[8192];
	ssize_t n;
	size_t o = 0;
	int same = 1;

	slurp("/proc/self/status", text, sizeof(text));
	printf("status Pid is getpid: %s\n", yes(field_of(text, "\nPid:") == getpid()));
	printf("status PPid is getppid: %s\n", yes(field_of(text, "\nPPid:") == getppid()));
	slurp("/proc/self/stat", text, sizeof(text));
	printf("stat pid is getpid: %s\n", yes(atol(text) == getpid()));
	{
		char *p = strrchr(text, ')');
		char state;
		long ppid;
		printf("stat ppid is getppid: %s\n",
		       yes(p && sscanf(p + 1, " %c %ld", &state, &ppid) == 2 && ppid == getppid()));
		/* 52 fields (fs/proc/array.c do_task_stat); 48 is arg_start,
		 * where argv[0] is. */
		int fields = 2; /* pid and comm */
		unsigned long long v[64] = { 0 };
		for (char *q = p ? p + 1 : NULL; q && *q && *q != '\n';) {
			while (*q == ' ')
				q++;
			if (++fields < 64)
				v[fields] = strtoull(q, NULL, 10);
			while (*q && *q != ' ' && *q != '\n')
				q++;
		}
		printf("stat has 52 fields: %s, arg_start is argv[0]: %s\n", yes(fields == 52),
		       yes(v[48] == (unsigned long long)(uintptr_t)argv[0]));
	}
	n = slurp("/proc/self/cmdline", text, sizeof(text));
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		same &= n >= 0 && o + l <= (size_t)n && !memcmp(text + o, argv[i], l);
		o += l;
	}
	printf("cmdline is argv: %s\n", yes(same && o == (size_t)n));
	n = slurp("/proc/self/environ", text, sizeof(text));
	printf("environ holds PROCSELF_MARK=1: %s\n",
	       yes(n > 0 && memmem(text, (size_t)n, "PROCSELF_MARK=1", 16) != NULL));
	slurp("/proc/self/mounts", text, sizeof(text));
	printf("mounts lists / and /proc: %s\n",
	       yes(strstr(text, " / ") && strstr(text, " /proc proc ")));
	slurp("/proc/mounts", text, sizeof(text));
	printf("/proc/mounts lists /proc: %s\n", yes(strstr(text, " /proc proc ") != NULL));
	slurp("/proc/self/mountinfo", text, sizeof(text));
	printf("mountinfo has a root line: %s\n", yes(strstr(text, " / / ") != NULL));
}

static void system_files(void)
{
	char text[65536];
	struct utsname u;
	int procs = 0;
	char *p = text;

	slurp("/proc/cpuinfo", text, sizeof(text));
	while ((p = strstr(p, "processor\t:"))) {
		procs++;
		p++;
	}
	printf("cpuinfo processors = online cpus: %s\n", yes(procs == sysconf(_SC_NPROCESSORS_ONLN)));
	slurp("/sys/devices/system/cpu/online", text, sizeof(text));
	printf("/sys cpu online starts at 0: %s\n", yes(text[0] == '0'));
	slurp("/proc/meminfo", text, sizeof(text));
	printf("meminfo MemTotal > 0: %s\n", yes(field_of(text, "MemTotal:") > 0));
	uname(&u);
	slurp("/proc/sys/kernel/osrelease", text, sizeof(text));
	printf("osrelease is uname's: %s\n",
	       yes(!strncmp(text, u.release, strlen(u.release)) && text[strlen(u.release)] == '\n'));
	slurp("/proc/sys/kernel/ostype", text, sizeof(text));
	printf("ostype: %s", text);
	slurp("/proc/version", text, sizeof(text));
	printf("version names the release: %s\n", yes(strstr(text, u.release) != NULL));
	{
		char a[64], b[64];
		slurp("/proc/sys/kernel/random/uuid", a, sizeof(a));
		slurp("/proc/sys/kernel/random/uuid", b, sizeof(b));
		printf("uuid: %zu chars, two reads differ: %s\n", strlen(a), yes(strcmp(a, b) != 0));
	}
	slurp("/proc/uptime", text, sizeof(text));
	printf("uptime positive: %s\n", yes(atof(text) > 0));
	slurp("/proc/loadavg", text, sizeof(text));
	printf("loadavg has 5 fields: %s\n", yes(strchr(text, '/') != NULL));
	slurp("/proc/sys/kernel/pid_max", text, sizeof(text));
	printf("pid_max > pid: %s\n", yes(atol(text) > getpid()));
}

static void errors(void)
{
	struct stat st;
	char buf[8];

	printf("write to /proc/cpuinfo: %s\n",
	       open("/proc/cpuinfo", O_WRONLY) < 0 ? strerror(errno) : "opened");
	printf("create in /proc: %s\n",
	       open("/proc/newfile", O_CREAT | O_WRONLY, 0644) < 0 ? strerror(errno) : "created");
	printf("missing /proc entry: %s\n", stat("/proc/self/nosuch", &st) ? strerror(errno) : "found");
	printf("readlink of a /proc file: %s\n",
	       readlink("/proc/self/status", buf, sizeof(buf)) < 0 ? strerror(errno) : "a link");
	printf("/proc/self is a link to the pid: %s\n",
	       yes(readlink("/proc/self", buf, sizeof(buf) - 1) > 0 && atol(buf) == getpid()));
}

static void dev_files(void)
{
	char path[64], text[16];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/procself.%d", (int)getpid());
	fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
	printf("/dev/shm file: %s\n", fd >= 0 && write(fd, "shm", 3) == 3 ? "written" : strerror(errno));
	printf("/dev/shm file reads back: %s\n",
	       yes(slurp(path, text, sizeof(text)) == 3 && !strcmp(text, "shm")));
	close(fd);
	printf("/dev/shm unlink: %s\n", unlink(path) ? strerror(errno) : "ok");
	printf("/dev/shm is a directory: %s\n", yes(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)));
	printf("/dev/fd is a link to a directory: %s\n",
	       yes(lstat("/dev/fd", &st) == 0 && S_ISLNK(st.st_mode) && stat("/dev/fd/", &st) == 0 &&
	           S_ISDIR(st.st_mode)));
	printf("/dev/stdin is a link: %s\n", yes(lstat("/dev/stdin", &st) == 0 && S_ISLNK(st.st_mode)));
	printf("/dev/null is a character device: %s\n",
	       yes(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode)));
}

int main(int argc, char **argv)
{
	const char *argv0 = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	setvbuf(stdout, NULL, _IONBF, 0);
	exe(argv0);
	cwd();
	fds();
	pid_files(argc, argv);
	system_files();
	errors();
	dev_files();
	return 0;
}
