/*
 * Pipes and readiness, for the differential suite: each mode prints what
 * Linux answers, so that the native run is the expected output.
 *
 *   pipes flags | nonblock | eof | epipe | sigpipe | poll | select | fork
 *   pipes bench MIB   one process writes and reads MIB MiB through a pipe,
 *                     64 KiB at a time; prints "N MiB, R MiB/s" (bench/run)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buf[200000];

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s = -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s = %ld\n", what, r);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void mode_flags(void)
{
	int p[2];
	struct stat st;

	show("pipe2(CLOEXEC|NONBLOCK)", pipe2(p, O_CLOEXEC | O_NONBLOCK));
	show("F_GETFD read end", fcntl(p[0], F_GETFD));
	show("F_GETFD write end", fcntl(p[1], F_GETFD));
	printf("F_GETFL read end: accmode %d nonblock %d\n", fcntl(p[0], F_GETFL) & O_ACCMODE,
	       !!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
	printf("F_GETFL write end: accmode %d nonblock %d\n", fcntl(p[1], F_GETFL) & O_ACCMODE,
	       !!(fcntl(p[1], F_GETFL) & O_NONBLOCK));
	show("fstat", fstat(p[0], &st));
	printf("fifo %d mode %o\n", S_ISFIFO(st.st_mode), st.st_mode & 07777);
	close(p[0]);
	close(p[1]);
	show("pipe2(O_APPEND)", pipe2(p, O_APPEND));
	int *volatile badp = (int *)8;
	show("pipe2(bad pointer)", pipe2(badp, 0));
	show("pipe()", pipe(p));
	show("F_GETFD plain", fcntl(p[0], F_GETFD));
	show("read on write end", read(p[1], buf, 1));
	show("write on read end", write(p[0], "x", 1));
	show("lseek", lseek(p[0], 0, SEEK_CUR));
	show("pread", pread(p[0], buf, 1, 0));
}

static void mode_nonblock(void)
{
	int p[2], n = -1;
	long total = 0, r;

	pipe2(p, O_NONBLOCK);
	show("read empty", read(p[0], buf, 10));
	while ((r = write(p[1], buf, 4096)) > 0)
		total += r;
	show("write full", r);
	printf("bytes that fit: %ld\n", total);
	show("F_GETPIPE_SZ", fcntl(p[1], F_GETPIPE_SZ));
	show("FIONREAD", ioctl(p[0], FIONREAD, &n));
	printf("FIONREAD says %d\n", n);
	show("write 1 byte into full", write(p[1], "x", 1));
	show("read all", read(p[0], buf, sizeof(buf)));
	show("write 100000 into empty", write(p[1], buf, 100000));
	show("read all", read(p[0], buf, sizeof(buf)));
	close(p[0]);
	close(p[1]);

	/* O_NONBLOCK set later with F_SETFL. */
	pipe(p);
	show("F_SETFL O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
	show("read empty after F_SETFL", read(p[0], buf, 10));
	write(p[1], "hello", 5);
	show("read with data", read(p[0], buf, 10));
	close(p[1]);
	show("read at EOF (non-blocking)", read(p[0], buf, 10));
	close(p[0]);
}

static void mode_eof(void)
{
	int p[2];

	pipe(p);
	show("write", write(p[1], "some bytes", 10));
	show("close writer", close(p[1]));
	show("read", read(p[0], buf, 4));
	show("read", read(p[0], buf, 100));
	show("read at EOF", read(p[0], buf, 100));
	close(p[0]);

	/* A dup'ed write end keeps the pipe open. */
	pipe(p);
	int w2 = dup(p[1]);
	close(p[1]);
	write(w2, "dup", 3);
	show("read via dup'ed writer", read(p[0], buf, 100));
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	show("read empty, dup'ed writer open", read(p[0], buf, 100));
	close(w2);
	show("read after last writer", read(p[0], buf, 100));
	close(p[0]);
}

static void mode_epipe(void)
{
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	pipe(p);
	close(p[0]);
	show("write without reader", write(p[1], "x", 1));
	show("writev without reader", writev(p[1], &(struct iovec){ "yz", 2 }, 1));
	close(p[1]);
}

static void mode_sigpipe(void)
{
	int p[2];

	pipe(p);
	close(p[0]);
	printf("writing\n");
	fflush(stdout);
	write(p[1], "x", 1);
	printf("still alive\n");
}

static void show_poll(const char *what, struct pollfd *fds, int n, int timeout)
{
	int r = poll(fds, n, timeout);
	printf("%s: poll = %d", what, r);
	for (int i = 0; i < n; i++)
		printf(" [%d]=%#x", i, fds[i].revents);
	printf("\n");
}

static void mode_poll(void)
{
	int p[2];
	struct timespec t0;

	pipe(p);
	struct pollfd fds[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show_poll("empty, read end, 50 ms", fds, 1, 50);
	printf("waited at least 45 ms: %d\n", elapsed_ms(&t0) >= 45);
	show_poll("empty, both ends", fds, 2, 0);
	write(p[1], "data", 4);
	show_poll("with data", fds, 2, -1);
	fds[0].events = POLLOUT;
	fds[1].events = POLLIN;
	show_poll("asking the wrong way", fds, 2, 0);
	fds[0].events = POLLIN;
	fds[1].events = POLLOUT;
	close(p[1]);
	show_poll("data, writer closed", fds, 1, -1);
	read(p[0], buf, 100);
	show_poll("drained, writer closed", fds, 1, -1);
	fds[0].events = 0;
	show_poll("no events asked, writer closed", fds, 1, -1);
	close(p[0]);

	pipe(p);
	close(p[0]);
	fds[0] = (struct pollfd){ p[1], POLLOUT, 0 };
	show_poll("write end, reader closed", fds, 1, -1);
	close(p[1]);

	fds[0] = (struct pollfd){ p[1], POLLIN, 0 };
	fds[1] = (struct pollfd){ -1, POLLIN, 0 };
	show_poll("closed fd and negative fd", fds, 2, 0);

	int f = open("pollfile.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int null = open("/dev/null", O_RDWR);
	fds[0] = (struct pollfd){ f, POLLIN | POLLOUT | POLLPRI, 0 };
	fds[1] = (struct pollfd){ null, POLLIN | POLLOUT, 0 };
	show_poll("regular file and /dev/null", fds, 2, 0);
	close(f);
	close(null);
	unlink("pollfile.txt");

	/* ppoll with a timeout and a signal mask. */
	pipe(p);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	struct timespec ts = { 0, 30 * 1000000 };
	fds[0] = (struct pollfd){ p[0], POLLIN, 0 };
	show("ppoll empty 30 ms", ppoll(fds, 1, &ts, &mask));
	printf("ppoll left %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
	write(p[1], "x", 1);
	ts = (struct timespec){ 5, 0 };
	show("ppoll with data", ppoll(fds, 1, &ts, NULL));
	printf("ppoll left more than 4 s: %d\n", ts.tv_sec >= 4);
	ts = (struct timespec){ 0, 1000000000 };
	show("ppoll bad timespec", ppoll(fds, 1, &ts, NULL));
	struct pollfd *volatile bad = (struct pollfd *)8;
	show("poll bad pointer", poll(bad, 1, 0));
	nfds_t volatile many = 1 << 20;
	show("poll too many", poll(fds, many, 0));
	close(p[0]);
	close(p[1]);
}

static void mode_select(void)
{
	int p[2];
	fd_set r, w;
	struct timeval tv;
	struct timespec t0;

	pipe(p);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 40000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("select empty 40 ms", select(p[0] + 1, &r, NULL, NULL, &tv));
	printf("waited at least 35 ms: %d; set %d; left %ld.%06ld\n", elapsed_ms(&t0) >= 35,
	       FD_ISSET(p[0], &r), (long)tv.tv_sec, (long)tv.tv_usec);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	tv = (struct timeval){ 0, 0 };
	show("select poll both", select(p[1] + 1, &r, &w, NULL, &tv));
	printf("read set %d write set %d\n", FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
	write(p[1], "abc", 3);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	tv = (struct timeval){ 7, 0 };
	show("select with data", select(p[1] + 1, &r, &w, NULL, &tv));
	printf("read set %d write set %d, more than 6 s left %d\n", FD_ISSET(p[0], &r),
	       FD_ISSET(p[1], &w), tv.tv_sec >= 6);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	show("select, no timeout", select(p[0] + 1, &r, NULL, NULL, NULL));
	close(p[1]);
	read(p[0], buf, 10);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	show("select, writer closed", select(p[0] + 1, &r, NULL, NULL, NULL));
	printf("read set %d\n", FD_ISSET(p[0], &r));
	FD_ZERO(&r);
	FD_SET(50, &r);
	show("select closed fd", select(51, &r, NULL, NULL, NULL));
	tv = (struct timeval){ -1, 0 };
	show("select negative timeout", select(0, NULL, NULL, NULL, &tv));
	show("select negative nfds", select(-1, NULL, NULL, NULL, NULL));
	tv = (struct timeval){ 0, 10000 };
	show("select nothing 10 ms", select(0, NULL, NULL, NULL, &tv));

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	struct timespec ts = { 0, 20 * 1000000 };
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_ZERO(&w);
	int q[2];
	pipe(q);
	FD_SET(q[0], &w);
	FD_SET(q[0], &r);
	show("pselect empty 20 ms", pselect(q[0] + 1, NULL, NULL, NULL, &ts, &mask));
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	show("pselect empty read end", pselect(q[0] + 1, &r, NULL, NULL, &ts, &mask));
	printf("pselect left %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
	close(p[0]);
	close(q[0]);
	close(q[1]);
}

/* Needs fork: PIPE_BUF atomicity with writers in several processes, and
 * end of file only once the last writer of every process has closed. */
static void mode_fork(void)
{
	int p[2];
	enum { WRITERS = 4, RECORDS = 200, SIZE = 4096 };

	pipe(p);
	for (int k = 0; k < WRITERS; k++) {
		if (fork() == 0) {
			close(p[0]);
			static char rec[SIZE];
			memset(rec, 'a' + k, SIZE);
			for (int i = 0; i < RECORDS; i++)
				if (write(p[1], rec, SIZE) != SIZE)
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	long counts[WRITERS] = { 0 }, torn = 0, total = 0;
	static char rec[SIZE];
	size_t have = 0;
	long r;
	while ((r = read(p[0], rec + have, SIZE - have)) > 0) {
		have += (size_t)r;
		if (have < SIZE)
			continue;
		for (int i = 1; i < SIZE; i++)
			if (rec[i] != rec[0]) {
				torn++;
				break;
			}
		if (rec[0] >= 'a' && rec[0] < 'a' + WRITERS)
			counts[rec[0] - 'a']++;
		total++;
		have = 0;
	}
	show("last read", r);
	printf("records %ld torn %ld leftover %zu\n", total, torn, have);
	for (int k = 0; k < WRITERS; k++)
		printf("writer %d: %ld\n", k, counts[k]);
	int status, ok = 0;
	while (wait(&status) > 0)
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("writers exited 0: %d\n", ok);
}

static int bench(long mib)
{
	static char chunk[65536];
	struct timespec t0, t1;
	int p[2];

	if (pipe(p))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < mib * 16; i++) {
		chunk[0] = (char)i;
		if (write(p[1], chunk, sizeof(chunk)) != sizeof(chunk))
			return 1;
		for (size_t got = 0; got < sizeof(chunk);) {
			ssize_t r = read(p[0], buf, sizeof(chunk) - got);
			if (r <= 0)
				return 1;
			got += (size_t)r;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld MiB, %.1f MiB/s\n", mib, s > 0 ? mib / s : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; void (*fn)(void); } modes[] = {
		{ "flags", mode_flags }, { "nonblock", mode_nonblock }, { "eof", mode_eof },
		{ "epipe", mode_epipe }, { "sigpipe", mode_sigpipe }, { "poll", mode_poll },
		{ "select", mode_select }, { "fork", mode_fork },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "bench"))
		return bench(strtol(argv[2], NULL, 10));
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name)) {
			modes[i].fn();
			return 0;
		}
	fprintf(stderr, "usage: pipes flags|nonblock|eof|epipe|sigpipe|poll|select|fork\n");
	return 2;
}
