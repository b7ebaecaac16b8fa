/*
 * An e2e guest for nanosleep(2) and clock_nanosleep(2): argv[1] names one
 * scenario.  The calls are made through syscall(2), because glibc's
 * nanosleep is clock_nanosleep and its clock_nanosleep answers some
 * errors itself.  Times are printed only as checks (elapsed at least the
 * request, remaining time consistent with the elapsed time), so that the
 * native and the converted runs print the same.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL
/* Slack for the scheduler of a loaded machine (and Wine's). */
#define SLACK (300 * MS)
/* From a sleep's interruption to its handler's first instruction, at most. */
#define HANDLER_DELAY (100 * MS)

static volatile sig_atomic_t hits;
/* CLOCK_MONOTONIC when the handler last ran. */
static volatile int64_t hit_ns;

static int64_t now_ns(clockid_t clk);

static void on_alarm(int sig)
{
	(void)sig;
	hits++;
	hit_ns = now_ns(CLOCK_MONOTONIC);
}

static void install(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0) {
		perror("sigaction");
		exit(2);
	}
}

static void alarm_in_ms(long ms)
{
	struct itimerval it = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	return (struct timespec){ ns / 1000000000LL, ns % 1000000000LL };
}

static int64_t ns_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* The result of a raw call: "0" or the errno name. */
static const char *result(long r)
{
	if (r == 0)
		return "0";
	switch (r < 0 ? errno : r) {
	case EINTR: return "EINTR";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "other";
	}
}

static long sys_nanosleep(const struct timespec *req, struct timespec *rem)
{
	return syscall(SYS_nanosleep, req, rem);
}

/* clock_nanosleep returns the error number itself. */
static long sys_clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
                                struct timespec *rem)
{
	long r = syscall(SYS_clock_nanosleep, clk, flags, req, rem);
	return r < 0 ? errno : r;
}

/* A relative sleep of `req` interrupted at 200 ms by a handler: EINTR, and
 * the remaining time is what was left when the signal came.  The handler
 * runs after the interruption, and the sleep began after `start`, so the
 * time to the handler and the time left add up to the request and a
 * little more: the handler's delay, not the scheduler's slack. */
static void report_interrupted(const char *what, long r, int64_t start, int64_t req,
                               const struct timespec *rem)
{
	int64_t left = ns_of(rem), off = hit_ns - start + left - req;

	printf("%s: %s hits %d rem-in-range %d rem-matches-signal %d\n", what, result(r), hits,
	       left > 0 && left < req, off > -5 * MS && off < HANDLER_DELAY);
}

static int t_eintr(int flags)
{
	int64_t req = 2000 * MS;
	struct timespec ts = ts_of(req), rem = { 0, 0 };

	install(SIGALRM, on_alarm, flags);
	int64_t start = now_ns(CLOCK_MONOTONIC);
	alarm_in_ms(200);
	long r = sys_nanosleep(&ts, &rem);
	report_interrupted("nanosleep", r, start, req, &rem);

	rem = (struct timespec){ 0, 0 };
	start = now_ns(CLOCK_MONOTONIC);
	alarm_in_ms(200);
	r = sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem);
	report_interrupted("clock_nanosleep", r, start, req, &rem);

	/* The handler's rt_sigreturn dropped the restart block: a direct
	 * restart_syscall is EINTR (do_no_restart_syscall). */
	r = syscall(SYS_restart_syscall);
	printf("restart_syscall after handler: %s\n", result(r));
	return 0;
}

/* An absolute sleep interrupted by a handler: EINTR, rem left alone. */
static int t_abs_eintr(void)
{
	struct timespec ts = ts_of(now_ns(CLOCK_REALTIME) + 2000 * MS), rem = { 7, 7 };

	install(SIGALRM, on_alarm, SA_RESTART);
	alarm_in_ms(200);
	long r = sys_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, &rem);
	printf("abs interrupted: %s hits %d rem untouched %d\n", result(r), hits,
	       rem.tv_sec == 7 && rem.tv_nsec == 7);
	return 0;
}

/* Absolute sleeps on each clock that has them end at their deadline; a
 * deadline in the past returns at once. */
static int t_abs(void)
{
	static const struct { clockid_t clk; const char *name; } clocks[] = {
		{ CLOCK_REALTIME, "REALTIME" }, { CLOCK_MONOTONIC, "MONOTONIC" },
		{ CLOCK_BOOTTIME, "BOOTTIME" }, { CLOCK_TAI, "TAI" },
	};

	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		int64_t start = now_ns(CLOCK_MONOTONIC);
		struct timespec ts = ts_of(now_ns(clocks[i].clk) + 150 * MS);
		long r = sys_clock_nanosleep(clocks[i].clk, TIMER_ABSTIME, &ts, NULL);
		int64_t elapsed = now_ns(CLOCK_MONOTONIC) - start;
		printf("%s abs 150ms: %s waited %d\n", clocks[i].name, result(r),
		       elapsed >= 140 * MS && elapsed < 150 * MS + SLACK);
		struct timespec relts = ts_of(50 * MS);
		start = now_ns(CLOCK_MONOTONIC);
		r = sys_clock_nanosleep(clocks[i].clk, 0, &relts, NULL);
		elapsed = now_ns(CLOCK_MONOTONIC) - start;
		printf("%s rel 50ms: %s waited %d\n", clocks[i].name, result(r),
		       elapsed >= 50 * MS && elapsed < 50 * MS + SLACK);
	}
	struct timespec past = { 1, 0 };
	int64_t start = now_ns(CLOCK_MONOTONIC);
	long r = sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL);
	printf("past deadline: %s at once %d\n", result(r),
	       now_ns(CLOCK_MONOTONIC) - start < 100 * MS);
	struct timespec cpu_past = { 0, 1 };
	r = sys_clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &cpu_past, NULL);
	printf("process cpu clock, past deadline: %s\n", result(r));
	struct timespec zero = { 0, 0 };
	printf("nanosleep 0: %s\n", result(sys_nanosleep(&zero, NULL)));
	return 0;
}

/* Bad arguments, in the kernel's order of checks. */
static int t_errors(void)
{
	struct timespec bad_ns = { 0, 1000000000 }, neg = { -1, 0 }, ok = { 0, 1000 };

	printf("nanosleep nsec 1e9: %s\n", result(sys_nanosleep(&bad_ns, NULL)));
	printf("nanosleep sec -1: %s\n", result(sys_nanosleep(&neg, NULL)));
	printf("nanosleep NULL: %s\n", result(sys_nanosleep(NULL, NULL)));
	printf("nanosleep bad pointer: %s\n", result(sys_nanosleep((void *)8, NULL)));
	/* rem is written only when a signal interrupts the sleep. */
	printf("nanosleep bad rem: %s\n", result(sys_nanosleep(&ok, (void *)8)));
	printf("clock 10: %s\n", result(sys_clock_nanosleep(10, 0, &ok, NULL)));
	printf("clock 99: %s\n", result(sys_clock_nanosleep(99, 0, &ok, NULL)));
	printf("MONOTONIC_RAW: %s\n", result(sys_clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &ok, NULL)));
	printf("REALTIME_COARSE: %s\n",
	       result(sys_clock_nanosleep(CLOCK_REALTIME_COARSE, 0, &ok, NULL)));
	printf("MONOTONIC_COARSE: %s\n",
	       result(sys_clock_nanosleep(CLOCK_MONOTONIC_COARSE, 0, &ok, NULL)));
	printf("THREAD_CPUTIME: %s\n",
	       result(sys_clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ok, NULL)));
	printf("THREAD_CPUTIME bad pointer: %s\n",
	       result(sys_clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, (void *)8, NULL)));
	printf("MONOTONIC_RAW bad pointer: %s\n",
	       result(sys_clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, (void *)8, NULL)));
	printf("clock_nanosleep nsec 1e9: %s\n",
	       result(sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &bad_ns, NULL)));
	printf("clock_nanosleep NULL: %s\n", result(sys_clock_nanosleep(CLOCK_REALTIME, 0, NULL, NULL)));
	printf("restart_syscall without a block: %s\n", result(syscall(SYS_restart_syscall)));
	return 0;
}

/* Signals without a handler do not end a sleep early: an ignored one (it
 * is discarded), and a stop and continue (the sleep restarts through
 * restart_syscall with its first deadline, so it is not lengthened
 * either). */
static int t_nohandler(void)
{
	int64_t req = 1000 * MS;
	struct timespec ts = ts_of(req), rem = { 7, 7 };

	install(SIGALRM, SIG_IGN, 0);
	int64_t start = now_ns(CLOCK_MONOTONIC);
	alarm_in_ms(200);
	long r = sys_nanosleep(&ts, &rem);
	int64_t elapsed = now_ns(CLOCK_MONOTONIC) - start;
	printf("ignored SIGALRM: %s full %d\n", result(r), elapsed >= req && elapsed < req + SLACK);

	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		start = now_ns(CLOCK_MONOTONIC);
		r = sys_nanosleep(&ts, &rem);
		elapsed = now_ns(CLOCK_MONOTONIC) - start;
		printf("stopped and continued: %s not early %d not lengthened %d\n", result(r),
		       elapsed >= req, elapsed < req + SLACK);
		fflush(stdout);
		_exit(0);
	}
	struct timespec pause = ts_of(200 * MS);
	sys_nanosleep(&pause, NULL);
	/* Not waited for with WUNTRACED: only the child's sleep is tested.
	 * Stopped for 400 ms: a sleep started anew after the stop would end
	 * past the slack. */
	kill(child, SIGSTOP);
	sys_nanosleep(&pause, NULL);
	sys_nanosleep(&pause, NULL);
	kill(child, SIGCONT);
	int status;
	waitpid(child, &status, 0);
	printf("child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "eintr"))
		return t_eintr(0);
	if (!strcmp(what, "eintr-sa-restart"))
		return t_eintr(SA_RESTART);
	if (!strcmp(what, "abs-eintr"))
		return t_abs_eintr();
	if (!strcmp(what, "abs"))
		return t_abs();
	if (!strcmp(what, "errors"))
		return t_errors();
	if (!strcmp(what, "nohandler"))
		return t_nohandler();
	fprintf(stderr, "usage: sleeps eintr|eintr-sa-restart|abs-eintr|abs|errors|nohandler\n");
	return 2;
}
