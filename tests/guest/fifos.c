/*
 * FIFOs (fifo(7)) for the differential suite: each mode makes a FIFO in
 * the current directory, drives it from one or more processes and prints
 * what Linux answers, so that the native run is the expected output.
 *
 *   fifos rdwr | nonblock | enxio | poll | sigpipe | writers | kill | fork | eintr
 *         | killreader | lifetime | pollwake | pollers | killwake | threadpoll
 *         | pingpong [o|p|s] [time]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIFO "fifo-test"

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s = -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s = %ld\n", what, r);
	fflush(stdout);
}

static void make_fifo(void)
{
	unlink(FIFO);
	if (mkfifo(FIFO, 0644)) {
		perror("mkfifo");
		exit(2);
	}
}

static void show_poll(const char *what, int fd, short events, int timeout)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r = poll(&p, 1, timeout);

	printf("%s: poll = %d revents", what, r);
	if (p.revents & POLLIN)
		printf(" IN");
	if (p.revents & POLLOUT)
		printf(" OUT");
	if (p.revents & POLLHUP)
		printf(" HUP");
	if (p.revents & POLLERR)
		printf(" ERR");
	printf("\n");
	fflush(stdout);
}

static int child_status(pid_t pid)
{
	int st = 0;

	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		printf("child killed by signal %d\n", WTERMSIG(st));
	else
		printf("child exited %d\n", WEXITSTATUS(st));
	fflush(stdout);
	return st;
}

/* O_RDWR never blocks and is both ends: write, then read it back. */
static void mode_rdwr(void)
{
	char buf[64] = { 0 };
	struct stat st;
	int fd, n = -1;

	make_fifo();
	fd = open(FIFO, O_RDWR);
	show("open O_RDWR", fd >= 0 ? 0 : -1);
	show("fstat", fstat(fd, &st));
	struct stat node;
	stat(FIFO, &node);
	printf("fifo %d mode %o same inode %d\n", S_ISFIFO(st.st_mode), st.st_mode & 07777,
	       st.st_ino == node.st_ino && st.st_dev == node.st_dev);
	show("F_GETPIPE_SZ", fcntl(fd, F_GETPIPE_SZ));
	char link[64], target[4096] = { 0 };
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (readlink(link, target, sizeof(target) - 1) > 0)
		printf("fd link ends in %s\n", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	show("write", write(fd, "both ends", 9));
	ioctl(fd, FIONREAD, &n);
	printf("FIONREAD %d\n", n);
	show("read", read(fd, buf, sizeof(buf)));
	printf("got '%s'\n", buf);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	show("read empty nonblock", read(fd, buf, sizeof(buf)));
	show("lseek", lseek(fd, 0, SEEK_CUR));
	show("pread", pread(fd, buf, 1, 0));
	show("F_GETFL accmode", fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
	unlink(FIFO);
}

/* A reader opened O_NONBLOCK before any writer reads end of file; a
 * writer that comes and goes leaves its bytes for it. */
static void mode_nonblock(void)
{
	char buf[64] = { 0 };
	int fd;
	pid_t pid;

	make_fifo();
	fd = open(FIFO, O_RDONLY | O_NONBLOCK);
	show("open O_RDONLY|O_NONBLOCK", fd >= 0 ? 0 : -1);
	show("read without writer", read(fd, buf, sizeof(buf)));
	pid = fork();
	if (pid == 0) {
		int w = open(FIFO, O_WRONLY);
		_exit(write(w, "from the writer", 15) == 15 ? 0 : 1);
	}
	child_status(pid);
	show("read after writer", read(fd, buf, sizeof(buf)));
	printf("got '%s'\n", buf);
	show("read again", read(fd, buf, sizeof(buf)));
	close(fd);
	unlink(FIFO);
}

/* The reader is killed while a writer waits for room: the write returns
 * what went in, and the next one is EPIPE. */
static void mode_killreader(void)
{
	static char buf[1 << 20];
	pid_t reader, killer;
	int w;

	make_fifo();
	signal(SIGPIPE, SIG_IGN);
	reader = fork();
	if (reader == 0) {
		int r = open(FIFO, O_RDONLY);
		(void)r;
		for (;;)
			pause();
	}
	w = open(FIFO, O_WRONLY);
	killer = fork();
	if (killer == 0) {
		usleep(300000);
		kill(reader, SIGKILL);
		_exit(0);
	}
	show("write 1 MiB", write(w, buf, sizeof(buf)));
	show("write again", write(w, buf, 1));
	child_status(reader);
	child_status(killer);
	close(w);
	unlink(FIFO);
}

/* A forked child shares the writer's description: its copy keeps the
 * FIFO's write end open after the parent closes its own. */
static void mode_fork(void)
{
	char buf[64] = { 0 };
	int r, w;
	pid_t pid;

	make_fifo();
	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	w = open(FIFO, O_WRONLY);
	pid = fork();
	if (pid == 0) {
		usleep(200000);
		_exit(write(w, "from the child", 14) == 14 ? 0 : 1);
	}
	close(w);
	fcntl(r, F_SETFL, 0);
	show("read", read(r, buf, sizeof(buf)));
	printf("got '%s'\n", buf);
	show("read after the child", read(r, buf, sizeof(buf)));
	child_status(pid);
	close(r);
	unlink(FIFO);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void alarm_in_ms(int ms)
{
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = ms * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

/* A signal whose handler has no SA_RESTART ends a blocking open and a
 * blocking read with EINTR. */
static void mode_eintr(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char buf[8];
	int fd;

	make_fifo();
	sigaction(SIGALRM, &sa, NULL);
	alarm_in_ms(200);
	show("open O_RDONLY, no writer", open(FIFO, O_RDONLY));
	fd = open(FIFO, O_RDWR);
	alarm_in_ms(200);
	show("read, empty", read(fd, buf, sizeof(buf)));
	close(fd);
	unlink(FIFO);
}

/* O_WRONLY|O_NONBLOCK without a reader is ENXIO; with one it opens. */
static void mode_enxio(void)
{
	int r, w;

	make_fifo();
	show("open O_WRONLY|O_NONBLOCK", open(FIFO, O_WRONLY | O_NONBLOCK));
	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	w = open(FIFO, O_WRONLY | O_NONBLOCK);
	show("open O_WRONLY|O_NONBLOCK with a reader", w >= 0 ? 0 : -1);
	close(w);
	close(r);
	show("open O_WRONLY|O_NONBLOCK after the reader", open(FIFO, O_WRONLY | O_NONBLOCK));
	unlink(FIFO);
}

/* poll on both ends, and a blocking poll that a writer in another
 * process ends. */
static void mode_poll(void)
{
	char buf[64];
	int r, w;
	pid_t pid;

	make_fifo();
	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	show_poll("reader, no writer yet", r, POLLIN, 0);
	pid = fork();
	if (pid == 0) {
		show_poll("reader, no writer yet, in a child", r, POLLIN, 0);
		_exit(0);
	}
	child_status(pid);
	w = open(FIFO, O_WRONLY);
	show_poll("reader, writer open", r, POLLIN, 0);
	show_poll("writer", w, POLLOUT, 0);
	write(w, "x", 1);
	show_poll("reader, data", r, POLLIN, 0);
	close(w);
	show_poll("reader, data, writer gone", r, POLLIN, 0);
	read(r, buf, sizeof(buf));
	show_poll("reader, writer gone", r, POLLIN, 0);
	close(r);

	r = open(FIFO, O_RDWR);
	pid = fork();
	if (pid == 0) {
		int cw = open(FIFO, O_WRONLY);
		usleep(200000);
		write(cw, "late", 4);
		_exit(0);
	}
	show_poll("O_RDWR, blocking until the child writes", r, POLLIN, 10000);
	child_status(pid);
	show("read", read(r, buf, sizeof(buf)));
	close(r);

	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	w = open(FIFO, O_WRONLY);
	close(r);
	show_poll("writer, reader gone", w, POLLOUT, 0);
	close(w);
	unlink(FIFO);
}

static void on_sigpipe(int sig)
{
	static const char msg[] = "SIGPIPE caught\n";
	(void)sig;
	write(1, msg, sizeof(msg) - 1);
}

/* The reader goes: the writer gets SIGPIPE (and EPIPE when it survives). */
static void mode_sigpipe(void)
{
	pid_t pid;
	int w;

	make_fifo();
	pid = fork();
	if (pid == 0) {
		int r = open(FIFO, O_RDONLY);
		char c;
		read(r, &c, 1);
		_exit(0); /* the reader goes after one byte */
	}
	w = open(FIFO, O_WRONLY);
	signal(SIGPIPE, on_sigpipe);
	show("write one", write(w, "1", 1));
	child_status(pid);
	show("write without reader", write(w, "2", 1));
	close(w);

	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		int cw = open(FIFO, O_WRONLY);
		usleep(100000);
		write(cw, "x", 1);
		_exit(0);
	}
	int r = open(FIFO, O_RDONLY);
	close(r);
	child_status(pid);
	unlink(FIFO);
}

/* Two writers at once, each writing whole lines of at most PIPE_BUF
 * bytes: no line is torn, none is lost.  Both have the FIFO open before
 * either writes, so that the reader's end of file comes after both. */
static void mode_writers(void)
{
	enum { LINES = 400, LEN = 100 };
	static char all[2 * LINES * LEN + 1];
	int ready[2], go[2];
	pid_t pids[2];
	size_t got = 0;
	long r;
	int fd;
	char c;

	make_fifo();
	pipe(ready);
	pipe(go);
	fd = open(FIFO, O_RDONLY | O_NONBLOCK);
	for (int k = 0; k < 2; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			char line[LEN];
			int w = open(FIFO, O_WRONLY);
			close(go[1]);
			write(ready[1], "r", 1);
			read(go[0], &c, 1); /* end of file: go */
			memset(line, k ? 'B' : 'A', LEN - 1);
			line[LEN - 1] = '\n';
			for (int i = 0; i < LINES; i++)
				if (write(w, line, LEN) != LEN)
					_exit(1);
			_exit(0);
		}
	}
	close(ready[1]);
	read(ready[0], &c, 1);
	read(ready[0], &c, 1);
	close(go[1]);
	fcntl(fd, F_SETFL, 0);
	while ((r = read(fd, all + got, sizeof(all) - 1 - got)) > 0)
		got += (size_t)r;
	for (int k = 0; k < 2; k++)
		child_status(pids[k]);
	int counts[2] = { 0, 0 }, torn = 0;
	for (size_t at = 0; at + LEN <= got; at += LEN) {
		char first = all[at];
		for (int i = 0; i < LEN - 1; i++)
			if (all[at + i] != first)
				torn++;
		if (all[at + LEN - 1] != '\n')
			torn++;
		if (first == 'A' || first == 'B')
			counts[first == 'B']++;
	}
	printf("bytes %zu lines A %d B %d torn %d\n", got, counts[0], counts[1], torn);
	close(fd);
	unlink(FIFO);
}

/* A writer killed in the middle of a large write: the reader reads what
 * came and then end of file, and does not hang. */
static void mode_kill(void)
{
	static char buf[1 << 20];
	pid_t pid;
	long r, total = 0;
	int fd;

	make_fifo();
	pid = fork();
	if (pid == 0) {
		int w = open(FIFO, O_WRONLY);
		for (;;)
			write(w, buf, sizeof(buf));
	}
	fd = open(FIFO, O_RDONLY);
	r = read(fd, buf, 4096);
	printf("first read %s\n", r > 0 ? "got data" : "failed");
	kill(pid, SIGKILL);
	child_status(pid);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		total += r;
	printf("then %s\n", r == 0 ? "end of file" : "an error");
	close(fd);
	unlink(FIFO);
}

/* Reads what is there without waiting (the fd is O_NONBLOCK) and shows it. */
static void show_read(const char *what, int fd)
{
	char buf[64] = { 0 };
	long r = read(fd, buf, sizeof(buf) - 1);

	show(what, r);
	if (r > 0)
		printf("got '%s'\n", buf);
}

static void show_fionread(const char *what, int fd)
{
	int n = -1;

	ioctl(fd, FIONREAD, &n);
	printf("%s: FIONREAD %d\n", what, n);
}

/*
 * The buffer's lifetime (pipe_release and put_pipe_info of fs/pipe.c): the
 * bytes stay while any opener has the FIFO open, a writer with no reader
 * included, and go when the last opener of either role closes.
 */
static void mode_lifetime(void)
{
	char buf[8];
	int r, w;

	make_fifo();
	/* A reader takes part and goes; the writer stays: the rest waits
	 * for the next reader. */
	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	w = open(FIFO, O_WRONLY);
	show("write", write(w, "abcdef", 6));
	show("read 2", read(r, buf, 2));
	close(r);
	show_fionread("writer alone", w);
	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	show_read("new reader", r);
	close(r);
	close(w);

	/* The writer goes, then the reader takes part and goes too: every
	 * opener has closed, and a new pair starts empty. */
	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	w = open(FIFO, O_WRONLY);
	show("write", write(w, "ghijkl", 6));
	close(w);
	show("read 2", read(r, buf, 2));
	close(r);
	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	show_fionread("new reader", r);
	show_read("new reader, no writer", r);
	w = open(FIFO, O_WRONLY);
	show("write", write(w, "mn", 2));
	show_read("new reader", r);
	close(w);
	close(r);

	/* The same with a reader that opened O_RDWR and a writer in a child
	 * that exits: its end goes with the process. */
	r = open(FIFO, O_RDWR);
	pid_t pid = fork();
	if (pid == 0) {
		int cw = open(FIFO, O_WRONLY);
		_exit(write(cw, "opqrst", 6) == 6 ? 0 : 1);
	}
	child_status(pid);
	fcntl(r, F_SETFL, O_NONBLOCK);
	show("read 2", read(r, buf, 2));
	close(r);
	r = open(FIFO, O_RDWR | O_NONBLOCK);
	show_fionread("new O_RDWR", r);
	show_read("new O_RDWR", r);
	close(r);
	unlink(FIFO);
}

/* Waits for fd to be readable: poll, ppoll or select, as `how` says. */
static void wait_readable(int fd, char how)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	fd_set set;

	switch (how) {
	case 's':
		FD_ZERO(&set);
		FD_SET(fd, &set);
		select(fd + 1, &set, NULL, NULL, NULL);
		break;
	case 'p':
		ppoll(&p, 1, NULL, NULL);
		break;
	default:
		poll(&p, 1, -1);
	}
}

/* The child's side of a ping-pong: echoes `rounds` bytes. */
static void pong(int in, int out, char how, int rounds)
{
	char c;

	for (int i = 0; i < rounds; i++) {
		wait_readable(in, how);
		if (read(in, &c, 1) != 1 || write(out, &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The parent's side: `rounds` round trips; their time in ms, or -1. */
static double ping(int to, int from, char how, int rounds)
{
	struct timespec t0;
	char c = 'x';

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < rounds; i++) {
		if (write(to, &c, 1) != 1)
			return -1;
		wait_readable(from, how);
		if (read(from, &c, 1) != 1)
			return -1;
	}
	return ms_since(&t0);
}

/* Two processes that pass a byte back and forth: the parent's ends. */
struct pingpong {
	int to, from;
	pid_t child;
};

/*
 * Starts a ping-pong over two FIFOs, the child waiting in poll (ppoll,
 * select: `how`) before it reads, for `rounds` round trips.
 */
static void fifo_pingpong_start(struct pingpong *pp, char how, int rounds)
{
	unlink("fifo-ping");
	unlink("fifo-pong");
	if (mkfifo("fifo-ping", 0644) || mkfifo("fifo-pong", 0644)) {
		perror("mkfifo");
		exit(2);
	}
	pp->child = fork();
	if (pp->child == 0) {
		int in = open("fifo-ping", O_RDONLY | O_NONBLOCK), out;
		while ((out = open("fifo-pong", O_WRONLY | O_NONBLOCK)) < 0)
			usleep(1000);
		pong(in, out, how, rounds);
	}
	pp->from = open("fifo-pong", O_RDONLY | O_NONBLOCK);
	pp->to = open("fifo-ping", O_WRONLY);
}

/* The same over two pipes. */
static void pipe_pingpong_start(struct pingpong *pp, char how, int rounds)
{
	int there[2], back[2];

	if (pipe(there) || pipe(back))
		exit(2);
	pp->child = fork();
	if (pp->child == 0) {
		close(there[1]);
		close(back[0]);
		pong(there[0], back[1], how, rounds);
	}
	close(there[0]);
	close(back[1]);
	pp->to = there[1];
	pp->from = back[0];
}

static void pingpong_end(struct pingpong *pp)
{
	child_status(pp->child);
	close(pp->to);
	close(pp->from);
	unlink("fifo-ping");
	unlink("fifo-pong");
}

/* A child that polls fd for `events` (10 s at most) and exits 0 when
 * they came, 1 otherwise. */
static pid_t poll_child(int fd, short events, const char *reopen)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (reopen)
			fd = open(reopen, O_RDONLY | O_NONBLOCK);
		struct pollfd p = { .fd = fd, .events = events };
		_exit(poll(&p, 1, 10000) == 1 && (p.revents & events) ? 0 : 1);
	}
	return pid;
}

/*
 * Several processes poll one FIFO, through one description (inherited) or
 * their own: one write wakes them all, and a read that makes room wakes a
 * writer that polls for POLLOUT.
 */
static void mode_pollers(void)
{
	static char fill[4096];
	pid_t pids[3];
	int r, w, n = 0;

	make_fifo();
	r = open(FIFO, O_RDONLY | O_NONBLOCK);
	pids[0] = poll_child(r, POLLIN, NULL);
	pids[1] = poll_child(r, POLLIN, NULL);
	pids[2] = poll_child(-1, POLLIN, FIFO);
	usleep(300000);
	w = open(FIFO, O_WRONLY);
	show("write", write(w, "x", 1));
	for (int i = 0; i < 3; i++)
		child_status(pids[i]);
	read(r, fill, sizeof(fill));

	fcntl(w, F_SETFL, O_NONBLOCK);
	while (write(w, fill, sizeof(fill)) == (long)sizeof(fill))
		n++;
	printf("full after %d writes of 4096\n", n);
	pids[0] = poll_child(w, POLLOUT, NULL);
	usleep(300000);
	show("read", read(r, fill, sizeof(fill)));
	child_status(pids[0]);
	close(w);
	close(r);
	unlink(FIFO);
}

/*
 * A reader blocked in read and a writer blocked for room each learn of the
 * other end's death: ROUNDS times, a child holding the other end is
 * killed by a second child while the parent waits, and the parent sees end
 * of file (EPIPE).  With FIFOS_TIME set, the mean time from the kill to
 * the parent's return goes to stderr.
 */
static void mode_killwake(void)
{
	enum { ROUNDS = 10 };
	static char big[1 << 17];
	double total[2] = { 0, 0 };
	int ok[2] = { 0, 0 };

	signal(SIGPIPE, SIG_IGN);
	make_fifo();
	for (int k = 0; k < 2 * ROUNDS; k++) {
		int reading = k % 2 == 0, fd, times[2];
		struct timespec killed, back;
		pid_t holder, killer;
		long r;

		pipe(times);
		holder = fork();
		if (holder == 0) {
			int h = open(FIFO, reading ? O_WRONLY : O_RDONLY);
			(void)h;
			for (;;)
				pause();
		}
		fd = open(FIFO, reading ? O_RDONLY : O_WRONLY);
		killer = fork();
		if (killer == 0) {
			struct timespec t;
			usleep(100000);
			clock_gettime(CLOCK_MONOTONIC, &t);
			kill(holder, SIGKILL);
			write(times[1], &t, sizeof(t));
			_exit(0);
		}
		r = reading ? read(fd, big, sizeof(big)) : write(fd, big, sizeof(big));
		clock_gettime(CLOCK_MONOTONIC, &back);
		read(times[0], &killed, sizeof(killed));
		ok[!reading] += reading ? r == 0 : r == 65536 || (r < 0 && errno == EPIPE);
		total[!reading] += (back.tv_sec - killed.tv_sec) * 1e3 +
		                   (back.tv_nsec - killed.tv_nsec) / 1e6;
		waitpid(holder, NULL, 0);
		waitpid(killer, NULL, 0);
		close(fd);
		close(times[0]);
		close(times[1]);
	}
	printf("reader saw end of file %d of %d times, writer's write ended %d of %d times\n",
	       ok[0], ROUNDS, ok[1], ROUNDS);
	if (getenv("FIFOS_TIME"))
		fprintf(stderr, "kill to return: reader %.1f ms, writer %.1f ms (mean)\n",
		        total[0] / ROUNDS, total[1] / ROUNDS);
	unlink(FIFO);
}

/* pingpong [o|p|s] [time]: 1000 round trips over FIFOs; with `time` their
 * time goes to stderr (a measurement, not a comparison). */
static void mode_pingpong(int argc, char **argv)
{
	char how = argc > 2 ? argv[2][0] : 'o';
	struct pingpong pp;
	double ms;

	fifo_pingpong_start(&pp, how, 1000);
	ms = ping(pp.to, pp.from, how, 1000);
	pingpong_end(&pp);
	printf("round trips %s\n", ms >= 0 ? "all made" : "failed");
	if (argc > 3 && !strcmp(argv[3], "time"))
		fprintf(stderr, "1000 round trips (%c): %.1f ms\n", how, ms);
}

/*
 * Round trips over FIFOs and over pipes, each side waiting in poll, ppoll
 * or select before it reads, in turns of 40, ten turns each.  Only that
 * they are all made is compared: how quick they are depends on the other
 * work of the machine (and, under Wine, of its server) as much as on the
 * wake-up.  With FIFOS_TIME set, the quickest turn of each goes to stderr.
 */
static void mode_pollwake(void)
{
	enum { TURNS = 10, ROUNDS = 40 };
	static const char hows[] = { 'o', 'p', 's' };
	static const char *const names[] = { "poll", "ppoll", "select" };

	for (int i = 0; i < 3; i++) {
		struct pingpong pipes, fifos;
		double best[2] = { 1e9, 1e9 };
		int ok = 1;

		pipe_pingpong_start(&pipes, hows[i], TURNS * ROUNDS);
		fifo_pingpong_start(&fifos, hows[i], TURNS * ROUNDS);
		for (int t = 0; t < TURNS; t++) {
			double a = ping(pipes.to, pipes.from, hows[i], ROUNDS);
			double b = ping(fifos.to, fifos.from, hows[i], ROUNDS);
			ok = ok && a >= 0 && b >= 0;
			best[0] = a < best[0] ? a : best[0];
			best[1] = b < best[1] ? b : best[1];
		}
		pingpong_end(&pipes);
		pingpong_end(&fifos);
		printf("%s: round trips %s\n", names[i], ok ? "all made" : "failed");
		if (getenv("FIFOS_TIME"))
			fprintf(stderr, "%s: %d round trips at best, pipes %.1f ms, FIFOs %.1f ms\n",
			        names[i], ROUNDS, best[0], best[1]);
	}
}

/*
 * Two threads of one process poll one description of a FIFO at once: one
 * for POLLIN, which each round's write wakes, while the other keeps
 * polling for POLLPRI (never ready on a FIFO) with a timeout of 1 ms, so
 * that it waits again and again just before and after the write.  With
 * FIFOS_TIME set, the mean and the worst time from the write to the
 * POLLIN thread's return go to stderr (a wake-up lost to the other
 * thread's next wait costs poll's periodic look, 50 ms).
 */
enum { THREADPOLL_ROUNDS = 20 };
static pthread_barrier_t threadpoll_barrier;
static int threadpoll_fd, threadpoll_failed, threadpoll_done;
static struct timespec threadpoll_woke;

static void *threadpoll_in(void *arg)
{
	(void)arg;
	for (int i = 0; i < THREADPOLL_ROUNDS; i++) {
		struct pollfd p = { .fd = threadpoll_fd, .events = POLLIN };
		pthread_barrier_wait(&threadpoll_barrier);
		if (poll(&p, 1, 10000) != 1 || !(p.revents & POLLIN))
			__atomic_add_fetch(&threadpoll_failed, 1, __ATOMIC_RELAXED);
		clock_gettime(CLOCK_MONOTONIC, &threadpoll_woke);
		pthread_barrier_wait(&threadpoll_barrier);
	}
	return NULL;
}

static void *threadpoll_pri(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&threadpoll_done, __ATOMIC_RELAXED)) {
		struct pollfd p = { .fd = threadpoll_fd, .events = POLLPRI };
		if (poll(&p, 1, 1) != 0)
			__atomic_add_fetch(&threadpoll_failed, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void mode_threadpoll(void)
{
	pthread_t in, pri;
	double sum = 0, worst = 0;
	char c;
	int w;

	make_fifo();
	threadpoll_fd = open(FIFO, O_RDONLY | O_NONBLOCK);
	w = open(FIFO, O_WRONLY);
	pthread_barrier_init(&threadpoll_barrier, NULL, 2);
	pthread_create(&in, NULL, threadpoll_in, NULL);
	pthread_create(&pri, NULL, threadpoll_pri, NULL);
	for (int i = 0; i < THREADPOLL_ROUNDS; i++) {
		struct timespec t0;
		pthread_barrier_wait(&threadpoll_barrier);
		usleep(20000); /* the POLLIN thread waits by now, most likely */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (write(w, "x", 1) != 1)
			threadpoll_failed++;
		pthread_barrier_wait(&threadpoll_barrier);
		double ms = ms_since(&t0) - ms_since(&threadpoll_woke);
		sum += ms / THREADPOLL_ROUNDS;
		worst = ms > worst ? ms : worst;
		if (read(threadpoll_fd, &c, 1) != 1)
			threadpoll_failed++;
	}
	__atomic_store_n(&threadpoll_done, 1, __ATOMIC_RELAXED);
	pthread_join(in, NULL);
	pthread_join(pri, NULL);
	printf("a POLLIN poller beside a POLLPRI poller of one description: %s\n",
	       threadpoll_failed ? "a wake-up missed" : "woken by every write");
	if (getenv("FIFOS_TIME"))
		fprintf(stderr, "threadpoll: from the write to the POLLIN thread's return %.1f ms on "
		        "average, %.1f ms at worst\n", sum, worst);
	close(w);
	close(threadpoll_fd);
	unlink(FIFO);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} modes[] = {
		{ "rdwr", mode_rdwr }, { "nonblock", mode_nonblock }, { "enxio", mode_enxio },
		{ "poll", mode_poll }, { "sigpipe", mode_sigpipe }, { "writers", mode_writers },
		{ "kill", mode_kill }, { "fork", mode_fork },
		{ "eintr", mode_eintr }, { "killreader", mode_killreader },
		{ "lifetime", mode_lifetime }, { "pollwake", mode_pollwake },
		{ "pollers", mode_pollers },
		{ "killwake", mode_killwake }, { "threadpoll", mode_threadpoll },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "pingpong")) {
		mode_pingpong(argc, argv);
		return 0;
	}
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name)) {
			modes[i].run();
			return 0;
		}
	fprintf(stderr, "usage: fifos rdwr|nonblock|enxio|poll|sigpipe|writers|kill|fork|eintr|killreader|lifetime|pollwake|pollers|killwake|threadpoll|pingpong\n");
	return 2;
}
