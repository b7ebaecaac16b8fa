/*
 * Job-control stops across processes: a parent stops and continues its
 * child and sees it through wait4 (WUNTRACED, WCONTINUED), waitid
 * (WSTOPPED, WCONTINUED, WNOWAIT) and SIGCHLD (CLD_STOPPED,
 * CLD_CONTINUED, SA_NOCLDSTOP); a child stops itself; a stopped child with
 * two spinning threads makes no progress.  Prints one line per check and
 * never a pid, so that native and converted runs compare byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void show(const char *what, int status)
{
	if (WIFEXITED(status))
		printf("%s: exited %d\n", what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: killed by %d\n", what, WTERMSIG(status));
	else if (WIFSTOPPED(status))
		printf("%s: stopped by %d (0x%x)\n", what, WSTOPSIG(status), status);
	else if (WIFCONTINUED(status))
		printf("%s: continued (0x%x)\n", what, status);
	else
		printf("%s: other 0x%x\n", what, status);
	fflush(stdout);
}

static const char *code_name(int code)
{
	switch (code) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	default: return "?";
	}
}

/* The SIGCHLD that a stop, continue or death sends (SIGCHLD blocked, so
 * that it waits to be taken here), or none within ms. */
static void expect_chld(const char *what, pid_t child, long ms)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigtimedwait(&set, &si, &ts) < 0) {
		printf("%s: no SIGCHLD (%s)\n", what, errno == EAGAIN ? "EAGAIN" : strerror(errno));
	} else {
		printf("%s: SIGCHLD %s status %d%s\n", what, code_name(si.si_code), si.si_status,
		       si.si_pid == child ? "" : " (other pid)");
	}
	fflush(stdout);
}

static void block_chld(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* A child that sleeps until it is killed. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* kill(SIGSTOP), wait4 WUNTRACED, SIGCONT, wait4 WCONTINUED, SIGTERM. */
static void stop_wait(void)
{
	int status;
	pid_t child;

	block_chld();
	child = sleeper();
	kill(child, SIGSTOP);
	printf("wait4 untraced: %s\n", waitpid(child, &status, WUNTRACED) == child ? "child" : "other");
	show("stop", status);
	expect_chld("stop", child, 5000);
	printf("again with WNOHANG: %d\n", (int)waitpid(child, &status, WUNTRACED | WNOHANG));
	printf("without WUNTRACED: %d\n", (int)waitpid(child, &status, WNOHANG));
	kill(child, SIGCONT);
	printf("wait4 continued: %s\n", waitpid(child, &status, WCONTINUED) == child ? "child" : "other");
	show("cont", status);
	expect_chld("cont", child, 5000);
	printf("again with WNOHANG: %d\n", (int)waitpid(child, &status, WCONTINUED | WNOHANG));
	kill(child, SIGTERM);
	printf("wait4: %s\n", waitpid(child, &status, WUNTRACED | WCONTINUED) == child ? "child" : "other");
	show("term", status);
	expect_chld("term", child, 5000);
}

static void show_info(const char *what, int r, const siginfo_t *si, pid_t child)
{
	if (r < 0)
		printf("%s: %s\n", what, strerror(errno));
	else if (si->si_pid == 0)
		printf("%s: nothing\n", what);
	else
		printf("%s: %s %s status %d\n", what, si->si_pid == child ? "child" : "other",
		       code_name(si->si_code), si->si_status);
	fflush(stdout);
}

/* The same through waitid, WNOWAIT leaving each report in place. */
static void stop_waitid(void)
{
	siginfo_t si;
	pid_t child;
	int r;

	block_chld();
	child = sleeper();
	kill(child, SIGSTOP);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, child, &si, WSTOPPED | WNOWAIT);
	show_info("stopped, nowait", r, &si, child);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, child, &si, WSTOPPED);
	show_info("stopped", r, &si, child);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, child, &si, WSTOPPED | WNOHANG);
	show_info("stopped again", r, &si, child);
	expect_chld("stop", child, 5000);
	kill(child, SIGCONT);
	memset(&si, 0, sizeof(si));
	r = waitid(P_ALL, 0, &si, WCONTINUED | WNOWAIT);
	show_info("continued, nowait", r, &si, child);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, child, &si, WCONTINUED | WSTOPPED);
	show_info("continued", r, &si, child);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, child, &si, WCONTINUED | WNOHANG);
	show_info("continued again", r, &si, child);
	expect_chld("cont", child, 5000);
	kill(child, SIGTERM);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, child, &si, WEXITED);
	show_info("exited", r, &si, child);
	expect_chld("term", child, 5000);
}

/* A child that stops itself with SIGTSTP; in a process group of its own,
 * which its parent is outside of, so that the group is not orphaned
 * (an orphaned group ignores SIGTSTP). */
static void self_stop(void)
{
	int status;
	pid_t child;

	block_chld();
	child = fork();
	if (child == 0) {
		setpgid(0, 0);
		raise(SIGTSTP);
		printf("child: resumed\n");
		fflush(stdout);
		_exit(7);
	}
	waitpid(child, &status, WUNTRACED);
	show("self", status);
	expect_chld("self", child, 5000);
	kill(child, SIGCONT);
	waitpid(child, &status, 0);
	show("end", status);
}

static void on_chld(int sig)
{
	(void)sig;
}

/* SA_NOCLDSTOP: stops and continues send no SIGCHLD, the death does. */
static void nocldstop(void)
{
	struct sigaction sa = { .sa_handler = on_chld, .sa_flags = SA_NOCLDSTOP };
	int status;
	pid_t child;

	sigaction(SIGCHLD, &sa, NULL);
	block_chld();
	child = sleeper();
	kill(child, SIGSTOP);
	waitpid(child, &status, WUNTRACED);
	show("stop", status);
	expect_chld("stop", child, 300);
	kill(child, SIGCONT);
	waitpid(child, &status, WCONTINUED);
	show("cont", status);
	expect_chld("cont", child, 300);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	show("kill", status);
	expect_chld("kill", child, 5000);
}

static int spin_out;

static void *spinner(void *arg)
{
	volatile unsigned long x = 0;
	char c = *(const char *)arg;

	for (;;) {
		for (int i = 0; i < 200000; i++)
			x++;
		write(spin_out, &c, 1);
	}
	return NULL;
}

/* Bytes readable now from a non-blocking fd (drained). */
static long drain(int fd)
{
	char buf[4096];
	long total = 0, n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return total;
}

static void read_some(int fd, long want)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long got = 0;

	while (got < want && poll(&p, 1, 5000) > 0)
		got += drain(fd);
	printf("spinners write: %s\n", got >= want ? "yes" : "no");
}

/* A child whose two threads spin in guest code (writing a byte now and
 * then) while its main thread is blocked in read: stopped, nothing at
 * all comes out of it; continued, the spinning goes on. */
static void threads_stop(void)
{
	int out[2], ctl[2], status;
	pid_t child;

	block_chld();
	pipe(out);
	pipe(ctl);
	child = fork();
	if (child == 0) {
		pthread_t a, b;
		char c;
		close(out[0]);
		close(ctl[1]);
		spin_out = out[1];
		pthread_create(&a, NULL, spinner, "a");
		pthread_create(&b, NULL, spinner, "b");
		read(ctl[0], &c, 1);
		_exit(0);
	}
	close(out[1]);
	close(ctl[0]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	read_some(out[0], 20);
	kill(child, SIGSTOP);
	waitpid(child, &status, WUNTRACED);
	show("stop", status);
	drain(out[0]);
	nap_ms(400);
	long moved = drain(out[0]);
	printf("bytes while stopped: %ld\n", moved);
	kill(child, SIGCONT);
	waitpid(child, &status, WCONTINUED);
	show("cont", status);
	read_some(out[0], 20);
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	show("term", status);
	close(out[0]);
	close(ctl[1]);
}

static volatile sig_atomic_t cont_seen;

static void on_cont(int sig)
{
	(void)sig;
	cont_seen++;
}

/* A SIGCONT handler runs once the process goes on; SIGCONT discards a
 * pending stop signal (prepare_signal). */
static void cont_handler(void)
{
	int ready[2], go[2], status;
	char c;
	pid_t child;

	block_chld();
	pipe(ready);
	pipe(go);
	child = fork();
	if (child == 0) {
		struct sigaction sa = { .sa_handler = on_cont };
		sigset_t set, pending;
		sigaction(SIGCONT, &sa, NULL);
		sigemptyset(&set);
		sigaddset(&set, SIGTSTP);
		sigaddset(&set, SIGCONT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		write(ready[1], "r", 1);
		read(go[0], &c, 1);
		/* SIGCONT is caught here and blocked, so it stays pending
		 * until it is unblocked below: wait for it to arrive. */
		for (int i = 0; i < 500; i++) {
			sigpending(&pending);
			if (sigismember(&pending, SIGCONT))
				break;
			nap_ms(10);
		}
		printf("child: SIGCONT pending %d, SIGTSTP pending %d\n",
		       sigismember(&pending, SIGCONT), sigismember(&pending, SIGTSTP));
		fflush(stdout);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		printf("child: handler ran %d time(s)\n", (int)cont_seen);
		fflush(stdout);
		/* stopped and continued: the handler runs after the stop */
		raise(SIGSTOP);
		printf("child: after stop, handler ran %d time(s)\n", (int)cont_seen);
		fflush(stdout);
		_exit(3);
	}
	read(ready[0], &c, 1);
	kill(child, SIGTSTP);
	kill(child, SIGCONT);
	write(go[1], "g", 1);
	waitpid(child, &status, WUNTRACED);
	show("first report", status);
	kill(child, SIGCONT);
	waitpid(child, &status, 0);
	show("end", status);
}

/* A stopped process keeps a signal whose default action kills pending
 * until SIGCONT (no thread wants it: wants_signal), but SIGKILL kills it
 * at once; a stop signal to a stopped process reports nothing new. */
static void kill_stopped(void)
{
	int status;
	pid_t child;

	block_chld();
	child = sleeper();
	kill(child, SIGSTOP);
	waitpid(child, &status, WUNTRACED);
	show("stop", status);
	kill(child, SIGTSTP);
	kill(child, SIGTERM);
	nap_ms(300);
	printf("still there after SIGTSTP and SIGTERM: %d\n",
	       (int)waitpid(child, &status, WUNTRACED | WNOHANG));
	kill(child, SIGCONT);
	waitpid(child, &status, 0);
	show("term after cont", status);
	child = sleeper();
	kill(child, SIGSTOP);
	waitpid(child, &status, WUNTRACED);
	show("stop", status);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	show("kill while stopped", status);
}

/* The parent runs execve between fork and the stops: the new image
 * waits for the child and learns of its stops and continues. */
static void exec_parent(const char *self)
{
	char arg[16];
	pid_t child;

	block_chld();
	child = sleeper();
	sprintf(arg, "%d", (int)child);
	execl(self, self, "exec-parent-2", arg, (char *)NULL);
	printf("execve: %s\n", strerror(errno));
}

static void exec_parent_2(pid_t child)
{
	int status;

	kill(child, SIGSTOP);
	printf("wait4 untraced: %s\n", waitpid(child, &status, WUNTRACED) == child ? "child" : "other");
	show("stop", status);
	expect_chld("stop", child, 5000);
	kill(child, SIGCONT);
	printf("wait4 continued: %s\n", waitpid(child, &status, WCONTINUED) == child ? "child" : "other");
	show("cont", status);
	expect_chld("cont", child, 5000);
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	show("term", status);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "stop-wait"))
		stop_wait();
	else if (!strcmp(what, "stop-waitid"))
		stop_waitid();
	else if (!strcmp(what, "self-stop"))
		self_stop();
	else if (!strcmp(what, "nocldstop"))
		nocldstop();
	else if (!strcmp(what, "threads"))
		threads_stop();
	else if (!strcmp(what, "cont-handler"))
		cont_handler();
	else if (!strcmp(what, "kill-stopped"))
		kill_stopped();
	else if (!strcmp(what, "exec-parent"))
		exec_parent("/proc/self/exe");
	else if (!strcmp(what, "exec-parent-2") && argc > 2)
		exec_parent_2((pid_t)atoi(argv[2]));
	else {
		fprintf(stderr, "usage: jobctl stop-wait|stop-waitid|self-stop|nocldstop|threads|cont-handler|kill-stopped|exec-parent\n");
		return 2;
	}
	return 0;
}
