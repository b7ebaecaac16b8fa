/*
 * Differential cases for the threads and times of other processes
 * (docs/runtime.md "Processes", docs/vfs.md "/proc and /sys").  Pids,
 * tids and CPU times differ between two runs, so the program prints what
 * it checked, not the values.  Modes:
 *   task    /proc/<pid>/task of a child with two threads, and tgkill and
 *           tkill aimed at each of them from the parent
 *   rusage  wait4's rusage, getrusage(RUSAGE_CHILDREN) and times() after
 *           children that burn CPU, one of them through an execve and one
 *           through a grandchild it waits for
 *   fds     /proc/<pid>/fd, fdinfo and maps of a child, read by its
 *           parent, and the permission check of a reader of another uid
 *   orphan  a group orphaned with a stopped member gets SIGHUP and
 *           SIGCONT; SIGTSTP, SIGTTIN and SIGTTOU with their default action
 *           are discarded in an orphaned group and stop one that is not
 *   orphan-kill  the same, with the group's last link killed by SIGKILL
 *   queue   sigqueue and rt_tgsigqueueinfo to a child: si_code, si_value
 *           and si_pid arrive, real-time signals queue, standard ones merge
 *   burn    (used by rusage) burns about 200 ms of user CPU and exits
 *   sigmasks  the Sig* lines of /proc/<pid>/status (pending, blocked,
 *           ignored, caught) of the caller and of a child
 *   exec-alarm  execve keeps the interval timer: a child that set alarm(1)
 *           or an ITIMER_REAL, then ran `sleep 3` (another program, on
 *           PATH), dies of SIGALRM
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static long do_tgkill(long tgid, long tid, int sig)
{
	return syscall(SYS_tgkill, tgid, tid, sig) == 0 ? 0 : -errno;
}

static long do_tkill(long tid, int sig)
{
	return syscall(SYS_tkill, tid, sig) == 0 ? 0 : -errno;
}

/* ---- task ---- */

struct thread_note {
	int index;
	long tid;
};

/* Real-time signals tgkill queues for one thread of another process. */
#define RT_BURST 40

static int to_parent = -1;           /* the child's notes and acknowledgements */
static __thread volatile int got;   /* SIGUSR1 handled in this thread */

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

/* Each thread says who it is, then waits for its signal with SIGUSR1
 * blocked but in sigsuspend: when the handler has run in this very
 * thread, it acknowledges with its index (a signal that went to the
 * other thread would be acknowledged with the other index). */
static void *thread_main(void *arg)
{
	struct thread_note note = { (int)(long)arg, syscall(SYS_gettid) };
	sigset_t open_mask;

	/* Thread 0 names itself, as PR_SET_NAME names the calling thread. */
	if (note.index == 0)
		prctl(PR_SET_NAME, "procx-worker0");

	pthread_sigmask(SIG_BLOCK, NULL, &open_mask);
	sigdelset(&open_mask, SIGUSR1);
	if (write(to_parent, &note, sizeof(note)) != sizeof(note))
		_exit(3);
	for (int round = 0; round < 2; round++) {
		while (got <= round)
			sigsuspend(&open_mask);
		char ack = (char)('0' + note.index);
		if (write(to_parent, &ack, 1) != 1)
			_exit(3);
	}
	/* Thread 1 then takes a burst of queued real-time signals. */
	if (note.index == 1) {
		sigset_t rt;
		siginfo_t si;
		int n = 0;
		sigemptyset(&rt);
		sigaddset(&rt, SIGRTMIN);
		while (n < RT_BURST && sigwaitinfo(&rt, &si) == SIGRTMIN)
			n++;
		char ack = n == RT_BURST ? 'R' : 'r';
		if (write(to_parent, &ack, 1) != 1)
			_exit(3);
	}
	return NULL;
}

/* The child: SIGUSR1 blocked in every thread, so that a signal stays
 * with the thread it names until that thread's sigsuspend; two threads;
 * it ends when the parent closes its pipe. */
static void task_child(int notes, int done)
{
	pthread_t th[2];
	sigset_t usr1;
	char c;

	to_parent = notes;
	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigaddset(&usr1, SIGRTMIN);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	for (long i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, thread_main, (void *)i);
	while (read(done, &c, 1) > 0)
		;
	_exit(0);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* The tids /proc/<pid>/task lists, sorted. */
static int list_task(long pid, long *tids, int cap)
{
	char path[64];
	struct dirent *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' && n < cap)
			tids[n++] = atol(d->d_name);
	closedir(dir);
	qsort(tids, (size_t)n, sizeof(long), cmp_long);
	return n;
}

/* task/<tid>/stat, status and comm describe thread tid of process pid;
 * its name is the process's, or `named` when it gave itself one. */
static void check_task_files(long pid, long tid, const char *what, const char *named)
{
	char path[96], buf[4096], comm[64], pcomm[64], want[64];
	long got = 0, tgid = -1, spid = -1;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	slurp(path, pcomm, sizeof(pcomm));
	if (named)
		snprintf(want, sizeof(want), "%s\n", named);
	else
		snprintf(want, sizeof(want), "%s", pcomm);
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/comm", pid, tid);
	int comm_ok = slurp(path, comm, sizeof(comm)) > 0 && !strcmp(comm, want);
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/stat", pid, tid);
	want[strcspn(want, "\n")] = 0;
	int stat_ok = slurp(path, buf, sizeof(buf)) > 0 && sscanf(buf, "%ld", &got) == 1 &&
	              got == tid && strstr(buf, want) && strchr(buf, '(') &&
	              !strncmp(strchr(buf, '(') + 1, want, strlen(want));
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/status", pid, tid);
	if (slurp(path, buf, sizeof(buf)) > 0) {
		char *t = strstr(buf, "\nTgid:"), *p = strstr(buf, "\nPid:");
		if (t)
			tgid = atol(t + 6);
		if (p)
			spid = atol(p + 5);
	}
	printf("%s: comm %s %s, stat names the tid and comm %s, status Tgid %s Pid %s\n",
	       what, named ? "its own" : "the process's", yes(comm_ok), yes(stat_ok),
	       yes(tgid == pid), yes(spid == tid));
}

static void expect_ack(int fd, int index, const char *what)
{
	char ack = 0;

	int ok = read(fd, &ack, 1) == 1 && ack == '0' + index;
	printf("%s: the handler ran in that thread %s\n", what, yes(ok));
}

static int task(void)
{
	int notes[2], done[2];
	struct thread_note n[2], note;
	long tids[8], tid[2];
	char path[96];
	pid_t child;
	int status;

	if (pipe(notes) || pipe(done))
		return 2;
	child = fork();
	if (child == 0) {
		close(notes[0]);
		close(done[1]);
		task_child(notes[1], done[0]);
	}
	close(notes[1]);
	close(done[0]);
	for (int i = 0; i < 2; i++)
		if (read(notes[0], &note, sizeof(note)) != sizeof(note) || note.index < 0 ||
		    note.index > 1)
			return 2;
		else
			n[note.index] = note;
	tid[0] = n[0].tid;
	tid[1] = n[1].tid;

	int count = list_task(child, tids, 8);
	int has_main = 0, has_0 = 0, has_1 = 0;
	for (int i = 0; i < count; i++) {
		has_main |= tids[i] == child;
		has_0 |= tids[i] == tid[0];
		has_1 |= tids[i] == tid[1];
	}
	printf("task of the child: %d entries, main %s, thread 0 %s, thread 1 %s\n", count,
	       yes(has_main), yes(has_0), yes(has_1));
	count = list_task(getpid(), tids, 8);
	printf("own task: %d entries, own pid %s\n", count, yes(count == 1 && tids[0] == getpid()));
	check_task_files(child, child, "main thread", NULL);
	check_task_files(child, tid[0], "thread 0", "procx-worker0");
	check_task_files(child, tid[1], "thread 1", NULL);
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld", (long)child, (long)getpid());
	printf("a tid of another group under task: %s\n",
	       access(path, F_OK) < 0 && errno == ENOENT ? "ENOENT" : "found");
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/stat", (long)getpid(), tid[0]);
	printf("another process's tid under own task: %s\n",
	       access(path, F_OK) < 0 && errno == ENOENT ? "ENOENT" : "found");

	printf("tgkill(child, thread 1, 0): %ld\n", do_tgkill(child, tid[1], 0));
	printf("tgkill(self, thread 1, 0): %s\n", do_tgkill(getpid(), tid[1], 0) == -ESRCH ? "ESRCH" : "other");
	printf("tkill(thread 0, 0): %ld\n", do_tkill(tid[0], 0));
	/* Twice each, crossing the order, so that a signal that went to the
	 * process rather than the thread would show. */
	printf("tgkill(child, thread 1, SIGUSR1): %ld\n", do_tgkill(child, tid[1], SIGUSR1));
	expect_ack(notes[0], 1, "tgkill thread 1");
	printf("tgkill(child, thread 0, SIGUSR1): %ld\n", do_tgkill(child, tid[0], SIGUSR1));
	expect_ack(notes[0], 0, "tgkill thread 0");
	printf("tkill(thread 1, SIGUSR1): %ld\n", do_tkill(tid[1], SIGUSR1));
	expect_ack(notes[0], 1, "tkill thread 1");
	printf("tkill(thread 0, SIGUSR1): %ld\n", do_tkill(tid[0], SIGUSR1));
	expect_ack(notes[0], 0, "tkill thread 0");

	int sent = 0;
	for (int i = 0; i < RT_BURST; i++)
		sent += do_tgkill(child, tid[1], SIGRTMIN) == 0;
	char burst = 0;
	if (read(notes[0], &burst, 1) != 1)
		burst = 0;
	printf("tgkill of %d queued real-time signals: %d sent, all taken by thread 1 %s\n",
	       RT_BURST, sent, yes(burst == 'R'));

	close(done[1]);
	if (waitpid(child, &status, 0) != child)
		return 2;
	printf("child: exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("tgkill(reaped child, thread 0, 0): %s\n",
	       do_tgkill(child, tid[0], 0) == -ESRCH ? "ESRCH" : "other");
	return 0;
}

/* ---- rusage ---- */

#define BURN_US 200000

static long long usec(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Burns about BURN_US of user CPU, measured by the process itself. */
static int burn(void)
{
	struct rusage ru;
	volatile unsigned long x = 0;

	do {
		for (int i = 0; i < 1000000; i++)
			x += (unsigned long)i * 7;
		getrusage(RUSAGE_SELF, &ru);
	} while (usec(ru.ru_utime) < BURN_US);
	return 0;
}

/* Plausible for `burners` children of BURN_US each: at least 3/4 of it,
 * and less than 10 s. */
static const char *plausible(long long us, int burners)
{
	if (us < (long long)burners * BURN_US * 3 / 4)
		return "too small";
	return us < 10000000 ? "plausible" : "too large";
}

/* The kernel sums the children's times in nanoseconds and rounds once;
 * the sum of the rounded values may differ by a little. */
static int near(long long a, long long b)
{
	return a - b < 10000 && b - a < 10000;
}

static pid_t spawn_burner(char *self)
{
	pid_t p = fork();

	if (p == 0)
		_exit(burn());
	(void)self;
	return p;
}

static pid_t spawn_exec_burner(char *self)
{
	pid_t p = fork();

	if (p == 0) {
		char *argv[] = { self, "burn", NULL };
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	return p;
}

/* A child that waits for its own burning child, then exits at once. */
static pid_t spawn_grand_burner(char *self)
{
	pid_t p = fork();

	if (p == 0) {
		int st;
		pid_t g = spawn_burner(self);
		_exit(waitpid(g, &st, 0) == g ? 0 : 2);
	}
	return p;
}

static void reap(pid_t p, const char *what, int burners, long long *total)
{
	struct rusage ru;
	int st;

	memset(&ru, 0xff, sizeof(ru));
	pid_t got = wait4(p, &st, 0, &ru);
	printf("%s: reaped %s, exit %d, wait4 utime %s\n", what, yes(got == p),
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1, plausible(usec(ru.ru_utime), burners));
	*total += usec(ru.ru_utime);
	if (getenv("PROCX_VERBOSE"))
		fprintf(stderr, "%s: utime %lld us, stime %lld us\n", what, usec(ru.ru_utime),
		        usec(ru.ru_stime));
}

static int rusage_mode(char *self)
{
	struct rusage ru;
	struct tms t;
	long long total = 0;
	long hz = sysconf(_SC_CLK_TCK);
	int st;

	getrusage(RUSAGE_CHILDREN, &ru);
	printf("before any child: children utime zero %s\n", yes(usec(ru.ru_utime) == 0));

	pid_t a = spawn_burner(self);
	/* Ended but not yet waited for: not counted (wait_task_zombie adds
	 * the times only when the child is reaped). */
	siginfo_t si;
	waitid(P_PID, (id_t)a, &si, WEXITED | WNOWAIT);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("ended, not reaped: children utime zero %s\n", yes(usec(ru.ru_utime) == 0));
	reap(a, "burning child", 1, &total);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("after one: RUSAGE_CHILDREN utime %s, wait4's within 10 ms %s\n",
	       plausible(usec(ru.ru_utime), 1), yes(near(usec(ru.ru_utime), total)));

	reap(spawn_exec_burner(self), "child burning after execve", 1, &total);
	reap(spawn_grand_burner(self), "child whose waited-for child burned", 1, &total);

	getrusage(RUSAGE_CHILDREN, &ru);
	printf("after three: RUSAGE_CHILDREN utime %s, the sum of wait4's within 10 ms %s\n",
	       plausible(usec(ru.ru_utime), 3), yes(near(usec(ru.ru_utime), total)));
	times(&t);
	printf("times: tms_cutime %s, tms_cstime small %s\n",
	       plausible((long long)t.tms_cutime * 1000000 / hz, 3),
	       yes((long long)t.tms_cstime * 1000000 / hz < 2000000));
	/* ru_maxrss: a child that touches 64 MiB; the children's maximum
	 * follows it (kernel's cmaxrss). */
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("children maxrss below 64 MiB so far: %s\n", yes(ru.ru_maxrss < 64 * 1024));
	if (getenv("PROCX_VERBOSE"))
		fprintf(stderr, "children maxrss so far: %ld kB\n", ru.ru_maxrss);
	pid_t big = fork();
	if (big == 0) {
		volatile char *p = malloc(64 << 20);
		if (!p)
			_exit(3);
		for (size_t i = 0; i < (64u << 20); i += 4096)
			p[i] = 1;
		_exit(p[4096 * 100] == 1 ? 0 : 4);
	}
	memset(&ru, 0, sizeof(ru));
	wait4(big, &st, 0, &ru);
	printf("64 MiB child: exit %d, wait4 maxrss at least 64 MiB %s, below 2 GiB %s\n",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1, yes(ru.ru_maxrss >= 64 * 1024),
	       yes(ru.ru_maxrss < 2 * 1024 * 1024));
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("RUSAGE_CHILDREN maxrss at least 64 MiB: %s\n", yes(ru.ru_maxrss >= 64 * 1024));
	getrusage(RUSAGE_SELF, &ru);
	printf("RUSAGE_SELF maxrss: %s\n", yes(ru.ru_maxrss > 0));
	/* A stopped-and-reported child is not reaped: wait4 (WNOHANG, none
	 * ended) leaves the totals alone. */
	pid_t s = fork();
	if (s == 0) {
		pause();
		_exit(0);
	}
	printf("wait4 WNOHANG on a running child: %d\n", (int)wait4(s, &st, WNOHANG, &ru));
	kill(s, SIGKILL);
	waitpid(s, &st, 0);
	printf("SIGKILLed child: signalled %s\n", yes(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
	return 0;
}

/* ---- fds ---- */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The fds /proc/<pid>/fd (or fdinfo) lists, sorted, printed. */
static void print_fd_list(long pid, const char *dir)
{
	char path[64];
	int fds[64], n = 0;
	struct dirent *d;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, dir);
	DIR *dp = opendir(path);
	if (!dp) {
		printf("%s: %s\n", dir, strerror(errno));
		return;
	}
	while ((d = readdir(dp)))
		if (d->d_name[0] != '.' && n < 64)
			fds[n++] = atoi(d->d_name);
	closedir(dp);
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	printf("%s:", dir);
	for (int i = 0; i < n; i++)
		printf(" %d", fds[i]);
	printf("\n");
}

static const char *base_name(const char *p)
{
	const char *slash = strrchr(p, '/');

	return slash ? slash + 1 : p;
}

/* A child of another uid may not look at the fds or maps of a root
 * process: EACCES, as ptrace_may_access refuses. */
static void check_other_uid(long target)
{
	char path[64];
	pid_t p = fork();
	int st;

	if (p == 0) {
		if (setuid(4242) < 0) {
			printf("other uid: setuid: %s\n", strerror(errno));
			_exit(0);
		}
		snprintf(path, sizeof(path), "/proc/%ld/fd", target);
		printf("other uid: opendir fd %s\n", opendir(path) ? "ok" : strerror(errno));
		snprintf(path, sizeof(path), "/proc/%ld/fd/0", target);
		char buf[256];
		printf("other uid: readlink fd/0 %s\n",
		       readlink(path, buf, sizeof(buf)) >= 0 ? "ok" : strerror(errno));
		snprintf(path, sizeof(path), "/proc/%ld/maps", target);
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		printf("other uid: maps %s\n", fd < 0 ? strerror(errno) : n > 0 ? "read" : "empty or error");
		_exit(0);
	}
	waitpid(p, &st, 0);
}

static int fds(void)
{
	int ready[2], done[2], side[2];
	char c, path[96], buf[4096];
	pid_t child;
	int st;

	int fd = open("procx-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "0123456789abcdef", 16) != 16)
		return 2;
	close(fd);
	if (pipe(ready) || pipe(done))
		return 2;
	child = fork();
	if (child == 0) {
		close(ready[0]);
		close(done[1]);
		int f = open("procx-file", O_RDWR);
		dup2(f, 7);
		close(f);
		lseek(7, 5, SEEK_SET);
		if (pipe2(side, O_CLOEXEC) || dup2(side[1], 9) < 0)
			_exit(3);
		close(side[0]);
		close(side[1]);
		void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, 7, 0);
		if (m == MAP_FAILED)
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		while (read(done[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	if (read(ready[0], &c, 1) != 1)
		return 2;

	print_fd_list(child, "fd");
	print_fd_list(child, "fdinfo");
	snprintf(path, sizeof(path), "/proc/%ld/fd/7", (long)child);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("fd/7 links to an absolute path %s, named %s\n", yes(buf[0] == '/'), base_name(buf));
	snprintf(path, sizeof(path), "/proc/%ld/fd/9", (long)child);
	n = readlink(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("fd/9 is a pipe: %s\n", yes(!strncmp(buf, "pipe:[", 6)));
	snprintf(path, sizeof(path), "/proc/%ld/fd/99", (long)child);
	printf("fd/99: %s\n", readlink(path, buf, sizeof(buf)) < 0 ? strerror(errno) : "found");

	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/%ld/fd/7", (long)child);
	printf("stat fd/7 is the file: %s\n",
	       yes(stat(path, &a) == 0 && stat("procx-file", &b) == 0 && a.st_ino == b.st_ino &&
	           a.st_dev == b.st_dev));
	/* Opened anew, from the start, whatever the child's offset. */
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, 4) : -1;
	printf("open fd/7 reads: %.*s\n", n > 0 ? (int)n : 0, buf);
	if (fd >= 0)
		close(fd);

	snprintf(path, sizeof(path), "/proc/%ld/fdinfo/7", (long)child);
	long pos = -1, flags = -1;
	if (slurp(path, buf, sizeof(buf)) > 0)
		sscanf(buf, "pos:\t%ld\nflags:\t%lo", &pos, &flags);
	printf("fdinfo/7: pos %ld, access mode %ld\n", pos, flags & 3);
	snprintf(path, sizeof(path), "/proc/%ld/fdinfo/9", (long)child);
	if (slurp(path, buf, sizeof(buf)) > 0)
		sscanf(buf, "pos:\t%ld\nflags:\t%lo", &pos, &flags);
	printf("fdinfo/9: access mode %ld, O_CLOEXEC %s\n", flags & 3, yes(flags & O_CLOEXEC));

	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)child);
	int lines = 0, file_line = 0;
	if (slurp(path, buf, sizeof(buf)) > 0) {
		for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			lines++;
			char *nl = strchr(l, '\n');
			if (nl)
				*nl = 0;
			if (strstr(l, "/procx-file") && strstr(l, " r--s "))
				file_line = 1;
			if (nl)
				*nl = '\n';
		}
	}
	printf("maps: several lines %s, the shared file mapping %s\n", yes(lines > 3), yes(file_line));
	check_other_uid(child);

	close(done[1]);
	waitpid(child, &st, 0);
	printf("child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	unlink("procx-file");
	return 0;
}

/* ---- orphan ---- */

static int orphan_report = -1;

static void note_signal(int sig)
{
	char c = sig == SIGHUP ? 'H' : sig == SIGCONT ? 'C' : 'U';

	if (write(orphan_report, &c, 1) != 1)
		_exit(3);
}

/* The next byte of fd within ms, or 0. */
static char next_note(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c = 0;

	if (poll(&p, 1, ms) == 1 && read(fd, &c, 1) != 1)
		c = 0;
	return c;
}

/* The grandchild: handlers for SIGHUP, SIGCONT and SIGUSR1, none for the
 * terminal's stops; it stops itself and then waits to be told. */
static void orphan_grandchild(void)
{
	struct sigaction sa = { .sa_handler = note_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGSTOP);
	for (;;)
		pause();
}

/* killed: the leader does not exit but is killed with SIGKILL, so the
 * group is orphaned by a death the leader itself never sees. */
static int orphan(bool killed)
{
	int report[2], st;
	pid_t c, g = 0;

	if (pipe(report))
		return 2;
	orphan_report = report[1];
	/* The group leader C, in a group of its own below us, makes G and
	 * waits until G has stopped; its end orphans the group.  It says that
	 * G has stopped by sending G's pid. */
	int gpipe[2];
	if (pipe(gpipe))
		return 2;
	c = fork();
	if (c == 0) {
		setpgid(0, 0);
		pid_t gc = fork();
		if (gc == 0)
			orphan_grandchild();
		if (waitpid(gc, &st, WUNTRACED) != gc || !WIFSTOPPED(st))
			_exit(4);
		if (write(gpipe[1], &gc, sizeof(gc)) != sizeof(gc))
			_exit(3);
		while (killed)
			pause();
		_exit(0);
	}
	close(gpipe[1]);
	if (read(gpipe[0], &g, sizeof(g)) != sizeof(g))
		return 2;
	if (killed)
		kill(c, SIGKILL);
	waitpid(c, &st, 0);
	if (killed)
		printf("leader: killed by %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "-");
	else
		printf("leader: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	/* Both are pending when G goes on; the kernel builds one frame after
	 * the other, so the order the handlers run in is not the point. */
	char first = next_note(report[0], 5000), second = next_note(report[0], 5000);
	printf("orphaned stopped group: SIGHUP %s, SIGCONT %s\n", yes(first == 'H' || second == 'H'),
	       yes(first == 'C' || second == 'C'));

	int sigs[] = { SIGTSTP, SIGTTIN, SIGTTOU };
	const char *names[] = { "SIGTSTP", "SIGTTIN", "SIGTTOU" };
	for (int i = 0; i < 3; i++) {
		kill(g, sigs[i]);
		kill(g, SIGUSR1);
		printf("%s to the orphaned group: discarded (still handles SIGUSR1) %s\n", names[i],
		       yes(next_note(report[0], 3000) == 'U'));
	}
	kill(g, SIGKILL);

	/* A group that is not orphaned: its leader's parent (us) is in
	 * another group of the session. */
	pid_t d = fork();
	if (d == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(d, d);
	kill(d, SIGTSTP);
	printf("SIGTSTP to a group that is not orphaned: stopped %s\n",
	       yes(waitpid(d, &st, WUNTRACED) == d && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP));
	kill(d, SIGKILL);
	waitpid(d, &st, 0);
	return 0;
}

/* ---- queue ---- */

static struct queued {
	int sig, code, value;
	bool from_parent;
} qgot[8];
static volatile sig_atomic_t nqgot;

static void on_queued(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (nqgot < 8)
		qgot[nqgot++] = (struct queued){ sig, si->si_code, si->si_value.sival_int,
		                               si->si_pid == getppid() };
}

/* Waits up to 5 s until every signal of set is pending: another
 * process's signal may reach us a moment after its sender returns. */
static bool all_pending(const sigset_t *set)
{
	for (int i = 0; i < 500; i++) {
		sigset_t p;
		bool all = true;
		sigpending(&p);
		for (int sig = 1; sig < 65; sig++)
			if (sigismember(set, sig) && !sigismember(&p, sig))
				all = false;
		if (all)
			return true;
		usleep(10000);
	}
	return false;
}

static void queue_child(int ready, int go, const sigset_t *set)
{
	struct sigaction sa = { .sa_sigaction = on_queued, .sa_flags = SA_SIGINFO };
	char c;

	sigfillset(&sa.sa_mask);
	sigaction(SIGRTMIN, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		_exit(2);
	printf("child: all pending before unblocking %s\n", yes(all_pending(set)));
	sigprocmask(SIG_UNBLOCK, set, NULL);
	for (int i = 0; i < 200 && nqgot < 5; i++)
		usleep(10000);
	usleep(50000); /* a sixth would be a merge that did not happen */
	for (int i = 0; i < nqgot; i++)
		printf("child: %s code %s value %d from the parent %s\n", strsignal(qgot[i].sig),
		       qgot[i].code == SI_QUEUE ? "SI_QUEUE" : "other", qgot[i].value,
		       yes(qgot[i].from_parent));
	_exit(0);
}

static void queue_report(const char *what, int r)
{
	printf("%s: %s\n", what, r == 0 ? "0" : strerrorname_np(errno));
}

static int queue_mode(void)
{
	int ready[2], go[2], st;
	sigset_t set;
	char c;

	if (pipe(ready) || pipe(go))
		return 2;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t child = fork();
	if (child == 0)
		queue_child(ready[1], go[0], &set);
	if (read(ready[0], &c, 1) != 1)
		return 2;
	for (int i = 1; i <= 3; i++)
		queue_report("sigqueue SIGRTMIN", sigqueue(child, SIGRTMIN, (union sigval){ .sival_int = 40 + i }));
	queue_report("sigqueue SIGUSR1", sigqueue(child, SIGUSR1, (union sigval){ .sival_int = 7 }));
	queue_report("sigqueue SIGUSR1 again", sigqueue(child, SIGUSR1, (union sigval){ .sival_int = 8 }));
	siginfo_t si = { .si_signo = SIGUSR2, .si_code = SI_QUEUE };
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 9;
	queue_report("rt_tgsigqueueinfo SIGUSR2",
	             (int)syscall(SYS_rt_tgsigqueueinfo, child, child, SIGUSR2, &si));
	queue_report("sigqueue no such pid", sigqueue(999999, SIGUSR1, (union sigval){ 0 }));
	queue_report("sigqueue bad signal", sigqueue(child, 99, (union sigval){ 0 }));
	si.si_code = SI_USER;
	queue_report("rt_sigqueueinfo posing as kill", (int)syscall(SYS_rt_sigqueueinfo, child, SIGUSR2, &si));
	queue_report("sigqueue signal 0", sigqueue(child, 0, (union sigval){ 0 }));
	if (write(go[1], "g", 1) != 1)
		return 2;
	waitpid(child, &st, 0);
	printf("child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

static void on_sig(int sig)
{
	(void)sig;
}

static void show_sig_lines(const char *who, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Sig", 3) && strncmp(line, "SigQ", 4))
			printf("%s %s", who, line);
	if (f)
		fclose(f);
}

static int sig_masks(void)
{
	sigset_t m, u;
	int p[2];
	char b, path[64];

	signal(SIGUSR2, SIG_IGN);
	signal(SIGTERM, on_sig);
	signal(SIGHUP, on_sig);
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGINT);
	sigprocmask(SIG_BLOCK, &m, NULL);
	raise(SIGUSR1);
	show_sig_lines("self", "/proc/self/status");
	if (pipe(p))
		return 1;
	pid_t c = fork();
	if (c == 0) {
		signal(SIGQUIT, on_sig);
		sigemptyset(&u);
		sigaddset(&u, SIGINT);
		sigprocmask(SIG_UNBLOCK, &u, NULL);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (c < 0 || read(p[0], &b, 1) != 1)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)c);
	show_sig_lines("child", path);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	return 0;
}

static void exec_under_timer(bool itimer)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (itimer) {
			struct itimerval it = { { 0, 500000 }, { 1, 0 } };
			setitimer(ITIMER_REAL, &it, NULL);
		} else {
			alarm(1);
		}
		execlp("sleep", "sleep", "3", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return;
	printf("%s then execve of sleep 3: %s %d\n", itimer ? "setitimer" : "alarm(1)",
	       WIFSIGNALED(st) ? "killed by signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "sigmasks"))
		return sig_masks();
	if (argc > 1 && !strcmp(argv[1], "exec-alarm")) {
		exec_under_timer(false);
		exec_under_timer(true);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "task"))
		return task();
	if (argc > 1 && !strcmp(argv[1], "rusage"))
		return rusage_mode(argv[0]);
	if (argc > 1 && !strcmp(argv[1], "fds"))
		return fds();
	if (argc > 1 && !strcmp(argv[1], "orphan"))
		return orphan(false);
	if (argc > 1 && !strcmp(argv[1], "orphan-kill"))
		return orphan(true);
	if (argc > 1 && !strcmp(argv[1], "burn"))
		return burn();
	if (argc > 1 && !strcmp(argv[1], "queue"))
		return queue_mode();
	fprintf(stderr, "usage: procx task|rusage|fds|orphan|orphan-kill|queue|burn|exec-alarm|sigmasks\n");
	return 2;
}
