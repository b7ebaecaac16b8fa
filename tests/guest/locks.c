/*
 * Advisory file locks across processes, for the differential suite: each
 * mode prints what Linux answers (fcntl(2) "Advisory record locking" and
 * "Open file description locks", flock(2)), so that the native run is the
 * expected output.  Processes order their steps through pipes; a sleep
 * only gives a process time to block where nothing else can tell.
 *
 *   locks getlk | setlkw | split | close | exit | deadlock | ofd | flock |
 *         kill | kill-waiter | errors | eintr | restart | exec | exec-cloexec |
 *         vfork-close | contend
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FILE_NAME "locks.dat"

static pid_t parent_pid;

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s = -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s = %ld\n", what, r);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int open_file(int flags)
{
	int fd = open(FILE_NAME, flags | O_CREAT, 0644);
	if (fd < 0) {
		perror("open");
		exit(1);
	}
	return fd;
}

static long set_lock(int fd, int cmd, short type, long start, long len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

/* Who a lock's l_pid names, in words that both runs share. */
static const char *pid_name(pid_t pid)
{
	static char buf[32];

	if (pid == parent_pid)
		return "parent";
	if (pid == getpid())
		return "self";
	if (pid == getppid())
		return "ppid";
	if (pid == -1)
		return "-1";
	if (pid == 0)
		return "0";
	snprintf(buf, sizeof(buf), "other");
	return buf;
}

static const char *type_name(short t)
{
	return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

/* F_GETLK (or F_OFD_GETLK) of [start, start+len) for a lock of type. */
static void probe(int fd, int cmd, short type, long start, long len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	char what[80];

	snprintf(what, sizeof(what), "%s %s [%ld,+%ld)", cmd == F_GETLK ? "F_GETLK" : "F_OFD_GETLK",
	         type_name(type), start, len);
	if (fcntl(fd, cmd, &fl) < 0) {
		show(what, -1);
		return;
	}
	if (fl.l_type == F_UNLCK)
		printf("%s: F_UNLCK\n", what);
	else
		printf("%s: %s whence %d start %ld len %ld pid %s\n", what, type_name(fl.l_type),
		       fl.l_whence, (long)fl.l_start, (long)fl.l_len, pid_name(fl.l_pid));
}

static void xpipe(int p[2])
{
	if (pipe(p) < 0) {
		perror("pipe");
		exit(1);
	}
}

static void signal_byte(int fd)
{
	if (write(fd, "x", 1) != 1)
		exit(3);
}

static void wait_byte(int fd)
{
	char c;
	if (read(fd, &c, 1) != 1)
		exit(4);
}

static void reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		printf("child exit %d\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("child signal %d\n", WTERMSIG(st));
}

/* Runs fn in a child whose stdout is flushed, and waits for it. */
static void in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	reap(pid);
}

static void getlk_child(void)
{
	int fd = open_file(O_RDWR);
	probe(fd, F_GETLK, F_WRLCK, 0, 0);
	probe(fd, F_GETLK, F_RDLCK, 0, 10);
	probe(fd, F_GETLK, F_RDLCK, 15, 1);
	probe(fd, F_GETLK, F_RDLCK, 30, 5);
	probe(fd, F_GETLK, F_WRLCK, 30, 5);
	probe(fd, F_GETLK, F_WRLCK, 50, 0);
	show("F_SETLK F_WRLCK [0,+0)", set_lock(fd, F_SETLK, F_WRLCK, 0, 0));
	show("F_SETLK F_RDLCK [12,+2)", set_lock(fd, F_SETLK, F_RDLCK, 12, 2));
	show("F_SETLK F_RDLCK [30,+5)", set_lock(fd, F_SETLK, F_RDLCK, 30, 5));
	show("F_SETLK F_RDLCK [50,+5)", set_lock(fd, F_SETLK, F_RDLCK, 50, 5));
	show("F_SETLK F_WRLCK [50,+5)", set_lock(fd, F_SETLK, F_WRLCK, 50, 5));
}

/* A write lock on [10,20) and a read lock on [30,40) from 0 to EOF. */
static void mode_getlk(void)
{
	int fd = open_file(O_RDWR);
	show("F_SETLK F_WRLCK [10,+10)", set_lock(fd, F_SETLK, F_WRLCK, 10, 10));
	show("F_SETLK F_RDLCK [30,+10)", set_lock(fd, F_SETLK, F_RDLCK, 30, 10));
	probe(fd, F_GETLK, F_WRLCK, 0, 0); /* own locks never conflict */
	in_child(getlk_child);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_END, .l_start = -5, .l_len = 0 };
	if (write(fd, "0123456789012345678901234567890123456789", 40) != 40)
		exit(5);
	show("F_SETLK SEEK_END -5", fcntl(fd, F_SETLK, &fl));
	lseek(fd, 3, SEEK_SET);
	fl = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_CUR, .l_start = 0, .l_len = 2 };
	show("F_SETLK SEEK_CUR 3 len 2", fcntl(fd, F_SETLK, &fl));
	fl = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = -50 };
	show("F_SETLK start 100 len -50", fcntl(fd, F_SETLK, &fl));
	in_child(getlk_child);
	unlink(FILE_NAME);
}

/* F_SETLKW blocks until the holder unlocks. */
static void mode_setlkw(void)
{
	int fd = open_file(O_RDWR), p[2];

	xpipe(p);
	show("parent F_SETLK F_WRLCK [0,+100)", set_lock(fd, F_SETLK, F_WRLCK, 0, 100));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open_file(O_RDWR);
		show("child F_SETLK F_RDLCK [50,+1)", set_lock(cfd, F_SETLK, F_RDLCK, 50, 1));
		fflush(stdout);
		signal_byte(p[1]);
		long r = set_lock(cfd, F_SETLKW, F_RDLCK, 50, 1);
		show("child F_SETLKW F_RDLCK [50,+1)", r);
		probe(cfd, F_GETLK, F_WRLCK, 0, 0);
		fflush(stdout);
		_exit(0);
	}
	wait_byte(p[0]);
	sleep_ms(500);
	printf("parent unlocks\n");
	fflush(stdout);
	if (set_lock(fd, F_SETLK, F_UNLCK, 0, 100) < 0)
		show("parent F_SETLK F_UNLCK [0,+100)", -1);
	reap(pid);
	unlink(FILE_NAME);
}

static void split_child(void)
{
	int fd = open_file(O_RDWR);
	static const long at[] = { 0, 39, 40, 59, 60, 99, 100, 199, 200, 219, 220,
	                           300, 339, 340, 359, 360, 399, 400, 500, 1000000 };

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		probe(fd, F_GETLK, F_WRLCK, at[i], 1);
	probe(fd, F_GETLK, F_RDLCK, 300, 200);
}

/* Unlocking the middle splits a lock; adjacent locks of one type merge;
 * a lock of the other type inside one splits it in three. */
static void mode_split(void)
{
	int fd = open_file(O_RDWR);

	show("F_WRLCK [0,+100)", set_lock(fd, F_SETLK, F_WRLCK, 0, 100));
	show("F_UNLCK [40,+20)", set_lock(fd, F_SETLK, F_UNLCK, 40, 20));
	show("F_RDLCK [200,+10)", set_lock(fd, F_SETLK, F_RDLCK, 200, 10));
	show("F_RDLCK [210,+10)", set_lock(fd, F_SETLK, F_RDLCK, 210, 10));
	show("F_WRLCK [300,+100)", set_lock(fd, F_SETLK, F_WRLCK, 300, 100));
	show("F_RDLCK [340,+20)", set_lock(fd, F_SETLK, F_RDLCK, 340, 20));
	show("F_WRLCK [500,+0)", set_lock(fd, F_SETLK, F_WRLCK, 500, 0));
	show("F_UNLCK [600,+0)", set_lock(fd, F_SETLK, F_UNLCK, 600, 0));
	in_child(split_child);
	show("F_UNLCK [0,+0)", set_lock(fd, F_SETLK, F_UNLCK, 0, 0));
	in_child(split_child);
	unlink(FILE_NAME);
}

static void probe_child(void)
{
	int fd = open_file(O_RDWR);
	probe(fd, F_GETLK, F_WRLCK, 0, 0);
}

/* Closing any fd of the file drops the process's locks on it. */
static void mode_close(void)
{
	int fd = open_file(O_RDWR);

	show("F_WRLCK [0,+10)", set_lock(fd, F_SETLK, F_WRLCK, 0, 10));
	in_child(probe_child);
	int other = open_file(O_RDONLY);
	show("close(other fd)", close(other));
	in_child(probe_child);
	show("F_WRLCK [0,+10) again", set_lock(fd, F_SETLK, F_WRLCK, 0, 10));
	int d = dup(fd);
	show("close(dup)", close(d));
	in_child(probe_child);
	show("F_WRLCK [0,+10) again", set_lock(fd, F_SETLK, F_WRLCK, 0, 10));
	int another = open("/dev/null", O_RDONLY);
	show("dup2(/dev/null over the fd)", dup2(another, fd));
	in_child(probe_child);
	unlink(FILE_NAME);
}

static void lock_and_exit(void)
{
	int fd = open_file(O_RDWR);
	show("child F_WRLCK [0,+0)", set_lock(fd, F_SETLK, F_WRLCK, 0, 0));
	fflush(stdout);
	_exit(7);
}

/* A process's exit drops its locks; a fork child does not inherit them. */
static void mode_exit(void)
{
	int fd = open_file(O_RDWR);

	in_child(lock_and_exit);
	probe(fd, F_GETLK, F_WRLCK, 0, 0);
	show("parent F_RDLCK [0,+0)", set_lock(fd, F_SETLK, F_RDLCK, 0, 0));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* Not inherited: the parent's lock conflicts with ours. */
		show("child F_WRLCK on the inherited fd", set_lock(fd, F_SETLK, F_WRLCK, 0, 0));
		probe(fd, F_GETLK, F_WRLCK, 0, 0);
		fflush(stdout);
		_exit(0);
	}
	reap(pid);
	unlink(FILE_NAME);
}

/* Two processes each hold a byte and wait for the other's: the second
 * to wait gets EDEADLK. */
static void mode_deadlock(void)
{
	int fd = open_file(O_RDWR), p[2], q[2];

	xpipe(p);
	xpipe(q);
	show("parent F_WRLCK [0,+1)", set_lock(fd, F_SETLK, F_WRLCK, 0, 1));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open_file(O_RDWR);
		show("child F_WRLCK [1,+1)", set_lock(cfd, F_SETLK, F_WRLCK, 1, 1));
		fflush(stdout);
		signal_byte(p[1]);
		wait_byte(q[0]);
		sleep_ms(1000); /* the parent is blocked by now */
		show("child F_SETLKW [0,+1)", set_lock(cfd, F_SETLKW, F_WRLCK, 0, 1));
		fflush(stdout);
		_exit(0); /* which lets the parent have [1,+1) */
	}
	wait_byte(p[0]);
	signal_byte(q[1]);
	long r = set_lock(fd, F_SETLKW, F_WRLCK, 1, 1);
	show("parent F_SETLKW [1,+1)", r);
	fflush(stdout);
	reap(pid);
	unlink(FILE_NAME);
}

/* OFD locks belong to the open file description: a forked child shares
 * them, another open does not; l_pid is -1; the last close drops them. */
static void mode_ofd(void)
{
	int fd = open_file(O_RDWR), p[2], q[2];

	xpipe(p);
	xpipe(q);
	show("F_OFD_SETLK F_WRLCK [0,+10)", set_lock(fd, F_OFD_SETLK, F_WRLCK, 0, 10));
	int fd2 = open_file(O_RDWR);
	probe(fd2, F_OFD_GETLK, F_RDLCK, 0, 0);
	show("F_OFD_SETLK on another open", set_lock(fd2, F_OFD_SETLK, F_RDLCK, 5, 1));
	probe(fd2, F_GETLK, F_RDLCK, 0, 0);
	show("F_SETLK (process lock) vs OFD", set_lock(fd2, F_SETLK, F_RDLCK, 5, 1));
	struct flock bad = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1 };
	show("F_OFD_SETLK l_pid 1", fcntl(fd, F_OFD_SETLK, &bad));
	/* One description, two kinds of lock: neither touches the other. */
	show("flock LOCK_EX on the OFD-locked fd", flock(fd, LOCK_EX));
	show("F_OFD_SETLK F_UNLCK [0,+0)", set_lock(fd, F_OFD_SETLK, F_UNLCK, 0, 0));
	show("flock LOCK_SH|LOCK_NB on another open", flock(fd2, LOCK_SH | LOCK_NB));
	probe(fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
	show("F_OFD_SETLK F_WRLCK [0,+10) again", set_lock(fd, F_OFD_SETLK, F_WRLCK, 0, 10));
	show("flock LOCK_UN", flock(fd, LOCK_UN));
	probe(fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
	close(fd2);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		show("child F_OFD_SETLK on the shared fd", set_lock(fd, F_OFD_SETLK, F_WRLCK, 0, 20));
		probe(fd, F_OFD_GETLK, F_WRLCK, 0, 0);
		int cfd = open_file(O_RDWR);
		probe(cfd, F_OFD_GETLK, F_WRLCK, 0, 0);
		show("child F_OFD_SETLK on its own open", set_lock(cfd, F_OFD_SETLK, F_WRLCK, 0, 1));
		close(cfd);
		fflush(stdout);
		signal_byte(p[1]);
		wait_byte(q[0]); /* the parent closed its fd */
		_exit(0);
	}
	wait_byte(p[0]);
	close(fd);
	fd2 = open_file(O_RDWR);
	probe(fd2, F_OFD_GETLK, F_WRLCK, 0, 0); /* the child still holds it */
	signal_byte(q[1]);
	reap(pid);
	probe(fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
	unlink(FILE_NAME);
}

/* flock(2): shared and exclusive, LOCK_NB, conversion, sharing through
 * fork; flock and fcntl locks do not see each other. */
static void mode_flock(void)
{
	int fd = open_file(O_RDWR), p[2], q[2];

	xpipe(p);
	xpipe(q);
	show("parent LOCK_SH", flock(fd, LOCK_SH));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open_file(O_RDONLY);
		show("child LOCK_SH|LOCK_NB", flock(cfd, LOCK_SH | LOCK_NB));
		show("child LOCK_EX|LOCK_NB", flock(cfd, LOCK_EX | LOCK_NB));
		show("child F_SETLK F_WRLCK (not a flock)", set_lock(open_file(O_RDWR), F_SETLK,
		                                                     F_WRLCK, 0, 0));
		fflush(stdout);
		signal_byte(p[1]);
		wait_byte(q[0]);
		show("child LOCK_EX|LOCK_NB after", flock(cfd, LOCK_EX | LOCK_NB));
		show("child LOCK_UN on the inherited fd", flock(fd, LOCK_UN));
		close(fd); /* the parent's close is then the last */
		fflush(stdout);
		signal_byte(p[1]);
		wait_byte(q[0]);
		show("child LOCK_EX (blocks)", flock(cfd, LOCK_EX));
		fflush(stdout);
		_exit(0);
	}
	wait_byte(p[0]);
	show("parent LOCK_EX|LOCK_NB (conversion)", flock(fd, LOCK_EX | LOCK_NB));
	fflush(stdout);
	signal_byte(q[1]);
	wait_byte(p[0]);
	int fd3 = open_file(O_RDONLY);
	show("parent LOCK_EX|LOCK_NB on a new open", flock(fd3, LOCK_EX | LOCK_NB));
	show("parent LOCK_UN", flock(fd3, LOCK_UN));
	show("parent LOCK_SH on the shared fd", flock(fd, LOCK_SH));
	fflush(stdout);
	signal_byte(q[1]);
	sleep_ms(500);
	printf("parent closes\n");
	fflush(stdout);
	close(fd);
	reap(pid);
	show("flock bad op", flock(fd3, LOCK_SH | LOCK_UN));
	show("flock bad fd", flock(99, LOCK_SH));
	unlink(FILE_NAME);
}

/* A lock holder killed by SIGKILL leaves no lock behind. */
static void mode_kill(void)
{
	int fd = open_file(O_RDWR), p[2];

	xpipe(p);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open_file(O_RDWR);
		flock(cfd, LOCK_EX);
		if (set_lock(cfd, F_SETLK, F_WRLCK, 0, 0) < 0)
			_exit(1);
		signal_byte(p[1]);
		for (;;)
			pause();
	}
	wait_byte(p[0]);
	probe(fd, F_GETLK, F_RDLCK, 0, 0);
	show("flock LOCK_EX|LOCK_NB while held", flock(fd, LOCK_EX | LOCK_NB));
	kill(pid, SIGKILL);
	reap(pid);
	probe(fd, F_GETLK, F_RDLCK, 0, 0);
	show("F_SETLK F_WRLCK after the kill", set_lock(fd, F_SETLK, F_WRLCK, 0, 0));
	show("flock LOCK_EX|LOCK_NB after the kill", flock(fd, LOCK_EX | LOCK_NB));
	unlink(FILE_NAME);
}

/* A waiter blocked in F_SETLKW gets the lock when its holder is killed. */
static void mode_kill_waiter(void)
{
	int fd = open_file(O_RDWR), p[2];

	xpipe(p);
	fflush(stdout);
	pid_t holder = fork();
	if (holder == 0) {
		int cfd = open_file(O_RDWR);
		if (set_lock(cfd, F_SETLK, F_WRLCK, 0, 0) < 0 || flock(cfd, LOCK_EX) < 0)
			_exit(1);
		signal_byte(p[1]);
		for (;;)
			pause();
	}
	wait_byte(p[0]);
	pid_t killer = fork();
	if (killer == 0) {
		sleep_ms(500);
		kill(holder, SIGKILL);
		_exit(0);
	}
	show("F_SETLKW F_WRLCK", set_lock(fd, F_SETLKW, F_WRLCK, 0, 0));
	show("flock LOCK_EX", flock(fd, LOCK_EX));
	reap(holder);
	reap(killer);
	unlink(FILE_NAME);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Argument checks, and F_SETLKW interrupted by a signal. */
static void mode_errors(void)
{
	int rd = open_file(O_RDONLY), wr = open_file(O_WRONLY);
	struct flock fl;

	show("F_WRLCK on O_RDONLY", set_lock(rd, F_SETLK, F_WRLCK, 0, 0));
	show("F_RDLCK on O_WRONLY", set_lock(wr, F_SETLK, F_RDLCK, 0, 0));
	show("F_UNLCK on O_RDONLY", set_lock(rd, F_SETLK, F_UNLCK, 0, 0));
	show("F_GETLK F_WRLCK on O_RDONLY", set_lock(rd, F_GETLK, F_WRLCK, 0, 0));
	show("F_OFD_SETLK F_WRLCK on O_RDONLY", set_lock(rd, F_OFD_SETLK, F_WRLCK, 0, 0));
	show("bad l_type", set_lock(rd, F_SETLK, 7, 0, 0));
	show("F_GETLK F_UNLCK", set_lock(rd, F_GETLK, F_UNLCK, 0, 0));
	show("negative start", set_lock(rd, F_SETLK, F_RDLCK, -1, 0));
	show("len below 0", set_lock(rd, F_SETLK, F_RDLCK, 5, -10));
	fl = (struct flock){ .l_type = F_RDLCK, .l_whence = 9 };
	show("bad whence", fcntl(rd, F_SETLK, &fl));
	show("bad pointer", fcntl(rd, F_SETLK, (struct flock *)8));
	show("bad fd", set_lock(99, F_SETLK, F_RDLCK, 0, 0));
	int path = open(FILE_NAME, O_PATH);
	show("O_PATH fd", set_lock(path, F_SETLK, F_RDLCK, 0, 0));
	show("flock on O_PATH fd", flock(path, LOCK_SH));
	show("flock LOCK_EX on O_RDONLY", flock(rd, LOCK_EX));
	unlink(FILE_NAME);
}

static void mode_eintr(void)
{
	int fd = open_file(O_RDWR), p[2];
	struct sigaction sa = { .sa_handler = on_alarm };

	xpipe(p);
	sigaction(SIGALRM, &sa, NULL);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		set_lock(fd, F_SETLK, F_WRLCK, 0, 0);
		flock(fd, LOCK_EX);
		signal_byte(p[1]);
		for (;;)
			pause();
	}
	wait_byte(p[0]);
	int fd2 = open_file(O_RDWR);
	alarm(1);
	show("F_SETLKW interrupted", set_lock(fd, F_SETLKW, F_WRLCK, 0, 0));
	alarm(1);
	show("flock LOCK_EX interrupted", flock(fd2, LOCK_EX));
	kill(pid, SIGKILL);
	reap(pid);
	unlink(FILE_NAME);
}

static volatile sig_atomic_t alarms;

static void count_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Under SA_RESTART a signal handled during F_SETLKW or flock restarts
 * the wait, which ends when the holder is killed. */
static void mode_restart(void)
{
	int fd = open_file(O_RDWR), p[2];
	struct sigaction sa = { .sa_handler = count_alarm, .sa_flags = SA_RESTART };

	xpipe(p);
	sigaction(SIGALRM, &sa, NULL);
	fflush(stdout);
	pid_t holder = fork();
	if (holder == 0) {
		set_lock(fd, F_SETLK, F_WRLCK, 0, 0);
		signal_byte(p[1]);
		for (;;)
			pause();
	}
	wait_byte(p[0]);
	pid_t killer = fork();
	if (killer == 0) {
		sleep_ms(1500);
		kill(holder, SIGKILL);
		_exit(0);
	}
	alarm(1);
	show("F_SETLKW under SA_RESTART", set_lock(fd, F_SETLKW, F_WRLCK, 0, 0));
	printf("handler ran %d time(s)\n", (int)alarms);
	reap(holder);
	reap(killer);
	unlink(FILE_NAME);
}

/* A vfork child is another process: its close of an fd of the file
 * leaves the parent's locks alone. */
static void mode_vfork_close(void)
{
	int fd = open_file(O_RDWR), other = open_file(O_RDONLY);

	show("F_WRLCK [0,+10)", set_lock(fd, F_SETLK, F_WRLCK, 0, 10));
	fflush(stdout);
	pid_t pid = vfork();
	if (pid == 0) {
		close(other);
		execl("/proc/self/exe", "locks", "probe", (char *)NULL);
		_exit(127);
	}
	reap(pid);
	probe(fd, F_GETLK, F_WRLCK, 0, 0); /* our own: F_UNLCK */
	unlink(FILE_NAME);
}

/* Locks are kept across execve: the new image still holds them. */
static void mode_exec(void)
{
	int fd = open_file(O_RDWR);

	show("F_WRLCK [0,+10)", set_lock(fd, F_SETLK, F_WRLCK, 0, 10));
	fflush(stdout);
	char fdtext[16];
	snprintf(fdtext, sizeof(fdtext), "%d", fd);
	execl("/proc/self/exe", "locks", "exec-after", fdtext, (char *)NULL);
	show("execl", -1);
}

/* ... but execve's close of a close-on-exec fd of the file drops them. */
static void mode_exec_cloexec(void)
{
	int fd = open_file(O_RDWR);

	show("F_WRLCK [0,+10)", set_lock(fd, F_SETLK, F_WRLCK, 0, 10));
	show("open O_CLOEXEC", open(FILE_NAME, O_RDONLY | O_CLOEXEC) >= 0);
	fflush(stdout);
	execl("/proc/self/exe", "locks", "exec-after-cloexec", (char *)NULL);
	show("execl", -1);
}

static void mode_exec_after(int fd)
{
	probe(fd, F_GETLK, F_WRLCK, 0, 0); /* our own: F_UNLCK */
	in_child(probe_child);             /* the child sees the parent's */
	show("F_UNLCK [0,+10)", set_lock(fd, F_SETLK, F_UNLCK, 0, 10));
	in_child(probe_child);
	unlink(FILE_NAME);
}

enum contend_kind { BY_LOCKF, BY_FLOCK, BY_OFD };

/* One increment of the counter in the file's first bytes, under a lock
 * that excludes the other processes. */
static void bump(int fd, enum contend_kind how)
{
	char text[32] = { 0 };
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (how == BY_LOCKF)
		lseek(fd, 0, SEEK_SET);
	if ((how == BY_LOCKF && lockf(fd, F_LOCK, 0) < 0) ||
	    (how == BY_FLOCK && flock(fd, LOCK_EX) < 0) ||
	    (how == BY_OFD && fcntl(fd, F_OFD_SETLKW, &fl) < 0)) {
		perror("lock");
		_exit(1);
	}
	if (pread(fd, text, sizeof(text) - 1, 0) < 0)
		_exit(2);
	long n = strtol(text, NULL, 10) + 1;
	int len = snprintf(text, sizeof(text), "%ld\n", n);
	if (pwrite(fd, text, (size_t)len, 0) != len)
		_exit(3);
	fl.l_type = F_UNLCK;
	if ((how == BY_LOCKF && lockf(fd, F_ULOCK, 0) < 0) ||
	    (how == BY_FLOCK && flock(fd, LOCK_UN) < 0) ||
	    (how == BY_OFD && fcntl(fd, F_OFD_SETLK, &fl) < 0)) {
		perror("unlock");
		_exit(1);
	}
}

/* Four processes increment one counter 100 times each, excluding each
 * other with lockf(3), flock(2) and OFD locks in turn: a lost update
 * shows in the total, a lost wake-up in the time taken (a waiter that
 * misses one sleeps until the next look, a second later). */
static void mode_contend(void)
{
	static const char *const names[] = { "lockf", "flock", "OFD" };

	for (int how = BY_LOCKF; how <= BY_OFD; how++) {
		int fd = open_file(O_RDWR | O_TRUNC);
		pid_t pids[4];
		char text[32] = { 0 };

		for (int i = 0; i < 4; i++) {
			pids[i] = fork();
			if (pids[i] == 0) {
				int own = open_file(O_RDWR);
				for (int k = 0; k < 100; k++)
					bump(own, (enum contend_kind)how);
				_exit(0);
			}
		}
		for (int i = 0; i < 4; i++)
			reap(pids[i]);
		if (pread(fd, text, sizeof(text) - 1, 0) < 0)
			exit(2);
		printf("%s: counter %s", names[how], text);
		close(fd);
	}
	unlink(FILE_NAME);
}

int main(int argc, char **argv)
{
	static const struct { const char *name; void (*fn)(void); } modes[] = {
		{ "getlk", mode_getlk }, { "setlkw", mode_setlkw }, { "split", mode_split },
		{ "close", mode_close }, { "exit", mode_exit }, { "deadlock", mode_deadlock },
		{ "ofd", mode_ofd }, { "flock", mode_flock }, { "kill", mode_kill },
		{ "kill-waiter", mode_kill_waiter }, { "errors", mode_errors },
		{ "eintr", mode_eintr }, { "exec", mode_exec }, { "contend", mode_contend },
		{ "exec-cloexec", mode_exec_cloexec }, { "restart", mode_restart },
		{ "vfork-close", mode_vfork_close },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	parent_pid = getpid();
	if (argc > 1 && !strcmp(argv[1], "probe")) {
		probe(open_file(O_RDWR), F_GETLK, F_WRLCK, 0, 0);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "exec-after-cloexec")) {
		in_child(probe_child);
		unlink(FILE_NAME);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "exec-after")) {
		mode_exec_after(atoi(argv[2]));
		return 0;
	}
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name)) {
			modes[i].fn();
			return 0;
		}
	fprintf(stderr, "usage: locks getlk|setlkw|split|close|exit|deadlock|ofd|flock|kill|"
	                "kill-waiter|errors|eintr|restart|exec|exec-cloexec|vfork-close|contend\n");
	return 2;
}
