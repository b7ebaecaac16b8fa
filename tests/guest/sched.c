/*
 * A differential guest for nice values and the scheduling queries:
 * getpriority and setpriority (PRIO_PROCESS, PRIO_PGRP, PRIO_USER, across
 * fork and execve, of another process, the permission checks),
 * /proc/<pid>/stat's priority and nice, sched_getscheduler,
 * sched_getparam, sched_get_priority_max/min, getcpu and membarrier;
 * resource limits across fork and execve and prlimit of another process.
 * Values that differ between machines (CPU numbers, membarrier's full
 * mask) are printed as checks.  Modes: (none) everything; "show" prints
 * the caller's nice value (run through execve).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static void report(const char *what, long ret)
{
	if (ret == -1 && errno)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

/* The nice value the program started with: a nice(1) around the suite
 * sets it natively, and a process Windows started begins at 0.  Every
 * value set below is base plus at most 4, and printed relative to base,
 * so the two runs compare while base is at most 15. */
static long base;

/* getpriority can return -1 as a value: errno says which it is. */
static long get_prio(int which, id_t who)
{
	errno = 0;
	return getpriority(which, who);
}

static void show_prio(const char *what, int which, id_t who)
{
	long v = get_prio(which, who);

	if (v == -1 && errno)
		report(what, -1);
	else
		printf("%s: base%+ld\n", what, v - base);
}

static long set_prio(int which, id_t who, int nice)
{
	errno = 0;
	return setpriority(which, who, nice);
}

/* Fields 18 and 19 of /proc/<pid>/stat, after the comm's parenthesis. */
static void stat_nice(const char *what, pid_t pid)
{
	char path[64], text[1024];
	long prio = 0, nice = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *p = slurp(path, text, sizeof(text)) > 0 ? strrchr(text, ')') : NULL;
	if (p)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %ld %ld",
		       &prio, &nice);
	printf("%s: priority is 20 + nice %s, nice base%+ld\n", what, yes(prio == 20 + nice),
	       nice - base);
}

static void nice_values(const char *self)
{
	int ready[2], go[2], st;
	char c;

	/* A group of our own: PRIO_PGRP then means us and our children. */
	setpgid(0, 0);
	base = get_prio(PRIO_PROCESS, 0);
	printf("started at most at 15: %s\n", yes(base <= 15));
	report("setpriority self +1", set_prio(PRIO_PROCESS, 0, (int)base + 1));
	show_prio("getpriority self", PRIO_PROCESS, 0);
	show_prio("getpriority own pid", PRIO_PROCESS, getpid());
	stat_nice("own stat", getpid());
	report("getpriority bad which", get_prio(7, 0));
	report("setpriority bad which", set_prio(7, 0, 1));
	report("getpriority no such pid", get_prio(PRIO_PROCESS, 999999));
	report("setpriority no such pid", set_prio(PRIO_PROCESS, 999999, 1));
	report("getpriority no such user", get_prio(PRIO_USER, 54321));

	if (pipe(ready) || pipe(go))
		return;
	pid_t c1 = fork();
	if (c1 == 0) {
		show_prio("child: inherited", PRIO_PROCESS, 0);
		report("child: setpriority +2", set_prio(PRIO_PROCESS, 0, (int)base + 2));
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		show_prio("child: after the parent's changes", PRIO_PROCESS, 0);
		char arg[16];
		snprintf(arg, sizeof(arg), "%ld", base);
		execl(self, self, "show", arg, (char *)NULL);
		_exit(3);
	}
	if (read(ready[0], &c, 1) != 1)
		return;
	show_prio("parent: child's", PRIO_PROCESS, c1);
	stat_nice("child's stat", c1);
	show_prio("parent: PRIO_PGRP lowest", PRIO_PGRP, 0);
	report("parent: setpriority child +3", set_prio(PRIO_PROCESS, c1, (int)base + 3));
	show_prio("parent: child's", PRIO_PROCESS, c1);
	report("parent: setpriority PRIO_PGRP +3", set_prio(PRIO_PGRP, 0, (int)base + 3));
	show_prio("parent: own", PRIO_PROCESS, 0);
	show_prio("parent: PRIO_PGRP lowest", PRIO_PGRP, 0);
	report("parent: setpriority child +4", set_prio(PRIO_PROCESS, c1, (int)base + 4));
	if (write(go[1], "g", 1) != 1)
		return;
	waitpid(c1, &st, 0);
	printf("child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/* Permission: an unprivileged process may not lower its value
	 * (RLIMIT_NICE is 0) nor change another user's process; values are
	 * clamped to 19. */
	pid_t c2 = fork();
	if (c2 == 0) {
		if (getuid() == 0 && setuid(65534))
			_exit(2);
		report("unprivileged: raise to +4", set_prio(PRIO_PROCESS, 0, (int)base + 4));
		report("unprivileged: lower to +3", set_prio(PRIO_PROCESS, 0, (int)base + 3));
		report("unprivileged: same +4", set_prio(PRIO_PROCESS, 0, (int)base + 4));
		report("unprivileged: the parent's", set_prio(PRIO_PROCESS, getppid(), 19));
		report("unprivileged: 100", set_prio(PRIO_PROCESS, 0, 100));
		report("unprivileged: clamped to", get_prio(PRIO_PROCESS, 0));
		_exit(0);
	}
	waitpid(c2, &st, 0);
	printf("unprivileged child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void show_limit(const char *what, pid_t pid)
{
	struct rlimit rl;

	errno = 0;
	if (prlimit(pid, RLIMIT_NOFILE, NULL, &rl))
		report(what, -1);
	else
		printf("%s: %llu %llu\n", what, (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
}

static void limits(const char *self)
{
	struct rlimit rl = { 512, 4096 }, child_rl = { 300, 4096 }, up = { 512, 8192 };
	int ready[2], go[2], st;
	char c;

	report("setrlimit NOFILE 512 4096", setrlimit(RLIMIT_NOFILE, &rl));
	show_limit("own", 0);
	if (pipe(ready) || pipe(go))
		return;
	pid_t c1 = fork();
	if (c1 == 0) {
		show_limit("child: inherited", 0);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		show_limit("child: after the parent's prlimit", 0);
		char arg[16];
		snprintf(arg, sizeof(arg), "%ld", base);
		execl(self, self, "show", arg, "limit", (char *)NULL);
		_exit(3);
	}
	if (read(ready[0], &c, 1) != 1)
		return;
	show_limit("parent: child's", c1);
	errno = 0;
	report("parent: prlimit of the child", prlimit(c1, RLIMIT_NOFILE, &child_rl, NULL));
	if (write(go[1], "g", 1) != 1)
		return;
	waitpid(c1, &st, 0);
	printf("child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	errno = 0;
	report("prlimit no such pid", prlimit(999999, RLIMIT_NOFILE, NULL, &rl));
	report("prlimit bad resource", prlimit(0, 99, NULL, &rl));

	pid_t c2 = fork();
	if (c2 == 0) {
		if (getuid() == 0 && setuid(65534))
			_exit(2);
		errno = 0;
		report("unprivileged: raise the hard limit", setrlimit(RLIMIT_NOFILE, &up));
		report("unprivileged: lower the soft limit", setrlimit(RLIMIT_NOFILE, &child_rl));
		report("unprivileged: prlimit of the parent", prlimit(getppid(), RLIMIT_NOFILE, NULL, &rl));
		_exit(0);
	}
	waitpid(c2, &st, 0);
	printf("unprivileged child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void sched_queries(void)
{
	int policies[] = { SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, 6, 42 };
	struct sched_param sp = { .sched_priority = 7 };
	unsigned cpu = 999999, node = 999999;

	report("sched_getscheduler self", sched_getscheduler(0));
	report("sched_getscheduler own pid", sched_getscheduler(getpid()));
	report("sched_getscheduler negative", sched_getscheduler(-1));
	report("sched_getscheduler no such pid", sched_getscheduler(999999));
	report("sched_getparam", sched_getparam(0, &sp));
	printf("sched_getparam priority: %d\n", sp.sched_priority);
	report("sched_getparam NULL", syscall(SYS_sched_getparam, 0, NULL));
	for (unsigned i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		char what[64];
		errno = 0;
		snprintf(what, sizeof(what), "priority range of %d: max", policies[i]);
		report(what, sched_get_priority_max(policies[i]));
		snprintf(what, sizeof(what), "priority range of %d: min", policies[i]);
		report(what, sched_get_priority_min(policies[i]));
	}
	report("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
	printf("getcpu: cpu in range %s, node set %s\n", yes(cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF)),
	       yes(node != 999999));
	report("getcpu NULLs", syscall(SYS_getcpu, NULL, NULL, NULL));

	long q = syscall(SYS_membarrier, 0, 0, 0);
	printf("membarrier query: private expedited %s\n", yes(q > 0 && (q & (1 << 3)) && (q & (1 << 4))));
	report("membarrier before registering", syscall(SYS_membarrier, 1 << 3, 0, 0));
	report("membarrier register", syscall(SYS_membarrier, 1 << 4, 0, 0));
	report("membarrier", syscall(SYS_membarrier, 1 << 3, 0, 0));
	report("membarrier bad flags", syscall(SYS_membarrier, 1 << 3, 1, 0));
	report("membarrier bad command", syscall(SYS_membarrier, 12345, 0, 0));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && !strcmp(argv[1], "show")) {
		base = strtol(argv[2], NULL, 10);
		show_prio("after execve", PRIO_PROCESS, 0);
		if (argc > 3)
			show_limit("after execve", 0);
		return 0;
	}
	/* The program's own path, for the execve. */
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 2;
	self[n] = 0;
	nice_values(self);
	sched_queries();
	limits(self);
	return 0;
}
