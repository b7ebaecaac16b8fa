/*
 * Differential case for /proc/<pid> of other processes and for process
 * groups (docs/vfs.md "/proc", docs/runtime.md "Processes"): the children
 * of this program are described through /proc and compared with what the
 * parent knows of them (their pids, its own session, the argv and envp it
 * gave them), so that values that differ between two runs still prove the
 * behaviour.  Modes: "proc" (/proc of children), "groups" (kill of a group
 * and of -1, tgkill of another process), "setpgid" (its error codes).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static ssize_t slurp_pid(long pid, const char *what, char *buf, size_t cap)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	return slurp(path, buf, cap);
}

/* The fields of /proc/<pid>/stat after the comm, which may hold spaces. */
struct stat_fields {
	char comm[32];
	char state;
	long ppid, pgrp, session;
};

static int read_stat(long pid, struct stat_fields *s)
{
	char buf[1024], *open_paren, *close_paren;
	long got_pid;

	if (slurp_pid(pid, "stat", buf, sizeof(buf)) <= 0)
		return -1;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || sscanf(buf, "%ld", &got_pid) != 1 || got_pid != pid)
		return -1;
	snprintf(s->comm, sizeof(s->comm), "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	return sscanf(close_paren + 2, "%c %ld %ld %ld", &s->state, &s->ppid, &s->pgrp,
	              &s->session) == 4 ? 0 : -1;
}

/* Waits (a bounded while) until /proc says pid sleeps: it has reached
 * pause() or its read of the pipe. */
static char settled_state(long pid)
{
	struct stat_fields s = { 0 };

	for (int i = 0; i < 500; i++) {
		if (read_stat(pid, &s) == 0 && s.state == 'S')
			return 'S';
		usleep(10000);
	}
	return s.state;
}

static int listed_in_proc(long pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strtol(e->d_name, NULL, 10) == pid && e->d_type == DT_DIR)
			found = 1;
	closedir(d);
	return found;
}

/* A child that says it is ready on fd and then waits for a signal. */
static void ready_and_pause(int fd)
{
	if (write(fd, "r", 1) != 1)
		_exit(90);
	for (;;)
		pause();
}

static void wait_ready(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		printf("a child did not get ready\n");
}

static void on_usr1(int sig)
{
	(void)sig;
	_exit(8);
}

static void on_urg(int sig)
{
	(void)sig;
	_exit(9);
}

static const char *const child_env[] = { "PIDS_ONE=1", "PIDS_TWO=two words", NULL };

/* proc: a forked child renamed with PR_SET_NAME and moved to a directory,
 * and an executed child with its own argv and envp. */
static int mode_proc(const char *self_path)
{
	int p[2];
	char cwd[4096], buf[8192], want[4200];
	struct stat_fields s;

	if (pipe(p) || !getcwd(cwd, sizeof(cwd)))
		return 1;
	mkdir("sub", 0755);
	pid_t a = fork();
	if (a == 0) {
		prctl(PR_SET_NAME, "kid-a-with-a-long-name");
		if (chdir("sub"))
			_exit(91);
		ready_and_pause(p[1]);
	}
	wait_ready(p[0]);
	char *const argv[] = { "pids", "sleeper", "an arg", "", "last", NULL };
	pid_t b = fork();
	if (b == 0) {
		dup2(p[1], 3);
		execve(self_path, argv, (char *const *)child_env);
		_exit(92);
	}
	wait_ready(p[0]);

	printf("children listed in /proc: %s %s\n", yes(listed_in_proc(a)), yes(listed_in_proc(b)));
	printf("state of a: %c, of b: %c\n", settled_state(a), settled_state(b));
	if (read_stat(a, &s) == 0) {
		printf("a: comm %s, ppid is me: %s, pgrp is mine: %s, session is mine: %s\n", s.comm,
		       yes(s.ppid == getpid()), yes(s.pgrp == getpgrp()), yes(s.session == getsid(0)));
	} else {
		printf("a: no stat\n");
	}
	slurp_pid(a, "comm", buf, sizeof(buf));
	printf("a: comm file %s", buf);
	snprintf(want, sizeof(want), "/proc/%ld/cwd", (long)a);
	ssize_t n = readlink(want, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%s/sub", cwd);
	printf("a: cwd is my cwd/sub: %s\n", yes(n > 0 && !strcmp(buf, want)));
	slurp_pid(a, "status", buf, sizeof(buf));
	printf("a: status says Name kid-a-with-a-lo: %s, State S: %s, PPid me: %s\n",
	       yes(strstr(buf, "Name:\tkid-a-with-a-lo\n") != NULL),
	       yes(strstr(buf, "State:\tS (sleeping)\n") != NULL),
	       yes(strstr(buf, "PPid:\t") && strtol(strstr(buf, "PPid:\t") + 6, NULL, 10) == getpid()));

	if (read_stat(b, &s) == 0)
		printf("b: comm is the file's base name: %s, ppid is me: %s\n",
		       yes(!strcmp(s.comm, strrchr(self_path, '/') ? strrchr(self_path, '/') + 1 : self_path)),
		       yes(s.ppid == getpid()));
	else
		printf("b: no stat\n");
	n = slurp_pid(b, "cmdline", buf, sizeof(buf));
	printf("b: cmdline is its argv: %s\n",
	       yes(n == 26 && !memcmp(buf, "pids\0sleeper\0an arg\0\0last", 26)));
	n = slurp_pid(b, "environ", buf, sizeof(buf));
	printf("b: environ is its envp: %s\n",
	       yes(n == 30 && !memcmp(buf, "PIDS_ONE=1\0PIDS_TWO=two words", 30)));
	char mine[4096];
	ssize_t m = readlink("/proc/self/exe", mine, sizeof(mine) - 1);
	snprintf(want, sizeof(want), "/proc/%ld/exe", (long)b);
	n = readlink(want, buf, sizeof(buf) - 1);
	printf("b: exe is mine: %s\n", yes(n > 0 && n == m && !memcmp(buf, mine, (size_t)n)));
	snprintf(want, sizeof(want), "/proc/%ld/cwd", (long)b);
	n = readlink(want, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("b: cwd is mine: %s\n", yes(n > 0 && !strcmp(buf, cwd)));

	kill(a, SIGTERM);
	kill(b, SIGTERM);
	int st;
	waitpid(a, &st, 0);
	printf("a ended by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	waitpid(b, &st, 0);
	printf("b ended by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	printf("a gone from /proc: %s\n", yes(!listed_in_proc(a) && slurp_pid(a, "stat", buf, sizeof(buf)) < 0));
	return 0;
}

static void print_result(const char *what, int r)
{
	printf("%s: %d %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static pid_t child_in_group(const int *p, pid_t group, void (*handler)(int), int sig)
{
	pid_t c = fork();

	if (c == 0) {
		signal(sig, handler);
		if (setpgid(0, group))
			_exit(93);
		ready_and_pause(p[1]);
	}
	setpgid(c, group ? group : c); /* both sides, as a shell does */
	wait_ready(p[0]);
	return c;
}

static void report(const char *what, pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		printf("%s: not waited for\n", what);
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	else
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

/* groups: kill(-pgid) reaches every member and not the caller; kill(-1)
 * reaches the children; tgkill reaches another process's main thread. */
static int mode_groups(void)
{
	int p[2];

	if (pipe(p))
		return 1;
	signal(SIGURG, on_urg);
	pid_t a = child_in_group(p, 0, on_usr1, SIGUSR1);
	pid_t b = child_in_group(p, a, on_usr1, SIGUSR1);
	printf("getpgid of the two: leader %s, member %s\n", yes(getpgid(a) == a), yes(getpgid(b) == a));
	printf("getsid of a child is mine: %s\n", yes(getsid(a) == getsid(0)));
	printf("kill(-group, 0): %d\n", kill(-a, 0));
	printf("kill(-group, SIGTERM): %d\n", kill(-a, SIGTERM));
	report("leader", a);
	report("member", b);
	errno = 0;
	print_result("kill(-gone group)", kill(-a, SIGTERM));
	errno = 0;
	print_result("getpgid(gone)", getpgid(a));

	pid_t c = child_in_group(p, getpgrp(), on_urg, SIGURG);
	pid_t d = child_in_group(p, 0, on_urg, SIGURG);
	/* SIGURG: ignored by default, so the rest of the machine's processes
	 * of this user, which kill(-1) also reaches natively, do not mind. */
	printf("kill(-1, SIGURG): %d\n", kill(-1, SIGURG));
	report("same group", c);
	report("own group", d);
	printf("the caller was spared\n");

	pid_t e = child_in_group(p, getpgrp(), on_usr1, SIGUSR1);
	errno = 0;
	print_result("tgkill(child, other tid)", (int)syscall(SYS_tgkill, e, getpid(), SIGUSR1));
	printf("tgkill(child, child): %ld\n", (long)syscall(SYS_tgkill, e, e, SIGUSR1));
	report("tgkilled", e);
	return 0;
}

/* setpgid: ESRCH, EPERM, EACCES, EINVAL as ksys_setpgid gives them. */
static int mode_setpgid(const char *self_path)
{
	int p[2];

	if (pipe(p))
		return 1;
	pid_t a = fork();
	if (a == 0) {
		if (setsid() < 0)
			_exit(94);
		print_result("session leader setpgid(0, 0)", setpgid(0, 0));
		fflush(stdout);
		ready_and_pause(p[1]);
	}
	wait_ready(p[0]);
	errno = 0;
	print_result("setpgid(child in another session)", setpgid(a, a));
	print_result("getsid(that child) is its pid", getsid(a) == a ? 0 : -1);
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);

	pid_t b = fork();
	if (b == 0) {
		char *const argv[] = { "pids", "sleeper", NULL };
		dup2(p[1], 3);
		execve(self_path, argv, (char *const *)child_env);
		_exit(92);
	}
	wait_ready(p[0]);
	errno = 0;
	print_result("setpgid(child after execve)", setpgid(b, b));
	errno = 0;
	print_result("setpgid(init)", setpgid(1, 1));
	errno = 0;
	print_result("setpgid(self, -1)", setpgid(0, -1));
	errno = 0;
	print_result("setpgid(self, no such group)", setpgid(0, 4194303));
	errno = 0;
	print_result("setpgid(self, own group)", setpgid(0, getpgrp()));
	kill(b, SIGKILL);
	report("executed child", b);

	pid_t c = fork();
	if (c == 0)
		ready_and_pause(p[1]);
	wait_ready(p[0]);
	errno = 0;
	print_result("setpgid(child, own group)", setpgid(c, c));
	print_result("getpgid(child) is its pid", getpgid(c) == c ? 0 : -1);
	pid_t d = fork();
	if (d == 0)
		ready_and_pause(p[1]);
	wait_ready(p[0]);
	errno = 0;
	print_result("setpgid(other child, first child's group)", setpgid(d, c));
	print_result("getpgid(other child) is the first's", getpgid(d) == c ? 0 : -1);
	kill(c, SIGKILL);
	kill(d, SIGKILL);
	report("first", c);
	report("second", d);
	return 0;
}

int main(int argc, char **argv)
{
	static char self_path[4096];
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);

	setvbuf(stdout, NULL, _IONBF, 0);
	if (n <= 0)
		return 2;
	self_path[n] = 0;
	if (argc > 1 && !strcmp(argv[1], "sleeper"))
		ready_and_pause(3);
	if (argc > 1 && !strcmp(argv[1], "proc"))
		return mode_proc(self_path);
	if (argc > 1 && !strcmp(argv[1], "groups"))
		return mode_groups();
	if (argc > 1 && !strcmp(argv[1], "setpgid"))
		return mode_setpgid(self_path);
	fprintf(stderr, "usage: pids proc|groups|setpgid\n");
	return 2;
}
