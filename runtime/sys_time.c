/*
 * Clocks and sleeping (kernel/time/posix-timers.c, hrtimer.c).
 * REALTIME comes from GetSystemTimePreciseAsFileTime, MONOTONIC and
 * BOOTTIME from QueryPerformanceCounter, the CPU-time clocks from
 * GetProcessTimes/GetThreadTimes.
 */
#include <windows.h>

#include "clock.h"
#include "lxnt/linux/time.h"
#include "signal.h"
#include "syscall_table.h"

#ifndef CREATE_WAITABLE_TIMER_HIGH_RESOLUTION
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x00000002 /* synchapi.h, Windows 10 1803 */
#endif

/* 100 ns FILETIME ticks between 1601-01-01 and 1970-01-01. */
#define EPOCH_DIFF 116444736000000000LL

static int64_t realtime_ns(void)
{
	FILETIME ft;

	GetSystemTimePreciseAsFileTime(&ft);
	int64_t t = (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
	return (t - EPOCH_DIFF) * 100;
}

static int64_t monotonic_ns(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER c;

	if (!freq.QuadPart)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&c);
	int64_t s = c.QuadPart / freq.QuadPart, rem = c.QuadPart % freq.QuadPart;
	return s * 1000000000LL + rem * 1000000000LL / freq.QuadPart;
}

static int64_t filetime_ns(const FILETIME *a, const FILETIME *b)
{
	uint64_t x = ((uint64_t)a->dwHighDateTime << 32) | a->dwLowDateTime;
	uint64_t y = ((uint64_t)b->dwHighDateTime << 32) | b->dwLowDateTime;
	return (int64_t)(x + y) * 100;
}

static long clock_ns(int clk, int64_t *ns)
{
	FILETIME c, e, k, u;

	switch (clk) {
	case LX_CLOCK_REALTIME:
	case LX_CLOCK_REALTIME_COARSE:
	case LX_CLOCK_TAI:
		*ns = realtime_ns();
		return 0;
	case LX_CLOCK_MONOTONIC:
	case LX_CLOCK_MONOTONIC_RAW:
	case LX_CLOCK_MONOTONIC_COARSE:
	case LX_CLOCK_BOOTTIME:
		*ns = monotonic_ns();
		return 0;
	case LX_CLOCK_PROCESS_CPUTIME_ID:
		if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
			return lx_errno_from_win32(GetLastError());
		*ns = filetime_ns(&k, &u);
		return 0;
	case LX_CLOCK_THREAD_CPUTIME_ID:
		if (!GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u))
			return lx_errno_from_win32(GetLastError());
		*ns = filetime_ns(&k, &u);
		return 0;
	default:
		return -LX_EINVAL;
	}
}

static struct lx_timespec ts_of(int64_t ns)
{
	return (struct lx_timespec){ ns / 1000000000LL, ns % 1000000000LL };
}

/* Linux clock_gettime(2). */
int64_t lx_sys_clock_gettime(struct lx_syscall *sc)
{
	int64_t ns;
	long r = clock_ns((int)sc->arg[0], &ns);

	if (r < 0)
		return r;
	struct lx_timespec ts = ts_of(ns);
	return lx_copy_to_user((uint64_t)sc->arg[1], &ts, sizeof(ts));
}

/* Linux clock_getres(2): 100 ns for the FILETIME clocks, 1 ns otherwise. */
int64_t lx_sys_clock_getres(struct lx_syscall *sc)
{
	int clk = (int)sc->arg[0];
	int64_t ns;
	long r = clock_ns(clk, &ns);

	if (r < 0)
		return r;
	if (!sc->arg[1])
		return 0;
	bool filetime = clk == LX_CLOCK_REALTIME || clk == LX_CLOCK_REALTIME_COARSE ||
	                clk == LX_CLOCK_TAI || clk == LX_CLOCK_PROCESS_CPUTIME_ID ||
	                clk == LX_CLOCK_THREAD_CPUTIME_ID;
	struct lx_timespec res = { 0, filetime ? 100 : 1 };
	return lx_copy_to_user((uint64_t)sc->arg[1], &res, sizeof(res));
}

/* Linux gettimeofday(2); the timezone is reported as UTC. */
int64_t lx_sys_gettimeofday(struct lx_syscall *sc)
{
	int64_t ns = realtime_ns();

	if (sc->arg[0]) {
		struct lx_timeval tv = { ns / 1000000000LL, ns % 1000000000LL / 1000 };
		if (lx_copy_to_user((uint64_t)sc->arg[0], &tv, sizeof(tv)) < 0)
			return -LX_EFAULT;
	}
	if (sc->arg[1]) {
		struct lx_timezone tz = { 0, 0 };
		if (lx_copy_to_user((uint64_t)sc->arg[1], &tz, sizeof(tz)) < 0)
			return -LX_EFAULT;
	}
	return 0;
}

/* Linux time(2). */
int64_t lx_sys_time(struct lx_syscall *sc)
{
	int64_t t = realtime_ns() / 1000000000LL;

	if (sc->arg[0] && lx_copy_to_user((uint64_t)sc->arg[0], &t, sizeof(t)) < 0)
		return -LX_EFAULT;
	return t;
}

/* The CPU-time clock of the process advances only while its threads run:
 * a sleep on it looks again at this interval (posix_cpu_nsleep). */
#define CPU_CLOCK_POLL_MS 10

/*
 * One wait of a sleep: at most `left` ns, ended early by a signal.  A
 * waitable timer with high resolution (documented since Windows 10 1803)
 * gives sub-millisecond sleeps; without it the millisecond timeout of the
 * wait rounds up.  Returns 0 or -LX_ERESTARTSYS.
 */
static long wait_at_most(int clk, int64_t left)
{
	if (clk == LX_CLOCK_PROCESS_CPUTIME_ID) {
		int64_t ms = (left + 999999) / 1000000;
		long r = lx_wait_interruptible(0, NULL, ms < CPU_CLOCK_POLL_MS ? ms : CPU_CLOCK_POLL_MS);
		return r == -LX_ERESTARTSYS ? r : 0;
	}
	HANDLE timer = CreateWaitableTimerExW(NULL, NULL, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
	                                      TIMER_ALL_ACCESS);
	LARGE_INTEGER due = { .QuadPart = -((left + 99) / 100) };
	long r;

	if (timer && SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE)) {
		r = lx_wait_interruptible(1, &timer, -1);
	} else {
		int64_t ms = (left + 999999) / 1000000;
		r = lx_wait_interruptible(0, NULL, ms > INT32_MAX ? INT32_MAX : ms);
	}
	if (timer)
		CloseHandle(timer);
	return r == -LX_ERESTARTSYS ? r : 0;
}

/* Sleeps until clk reaches deadline_ns (do_nanosleep's loop).  Returns 0,
 * or -LX_ERESTARTSYS with *left the time that was still to go when the
 * signal came; a deadline that has passed by then is 0, as the kernel's
 * expired timer wins over a pending signal. */
static long sleep_until(int clk, int64_t deadline_ns, int64_t *left)
{
	for (;;) {
		int64_t now;
		long r = clock_ns(clk, &now);
		if (r < 0)
			return r;
		if (now >= deadline_ns)
			return 0;
		r = wait_at_most(clk, deadline_ns - now);
		if (r != -LX_ERESTARTSYS)
			continue;
		if (clock_ns(clk, &now) < 0 || now >= deadline_ns)
			return 0;
		*left = deadline_ns - now;
		return r;
	}
}

static int64_t sleep_restart(struct lx_restart_block *rb);

/*
 * The kernel's answer to a sleep of the thread (do_nanosleep): 0 when it
 * ran out; interrupted, an absolute sleep restarts as it is unless a
 * handler runs (-ERESTARTNOHAND), a relative one writes the time left to
 * rmtp and keeps its deadline in the restart block, so a restart does not
 * lengthen it (-ERESTART_RESTARTBLOCK: EINTR when a handler runs).
 */
static int64_t do_sleep(int clk, int64_t deadline_ns, bool absolute, uint64_t rmtp)
{
	int64_t left = 0;
	long r = sleep_until(clk, deadline_ns, &left);

	if (r != -LX_ERESTARTSYS)
		return r;
	if (absolute)
		return -LX_ERESTARTNOHAND;
	struct lx_restart_block *rb = &lx_current_thread()->restart;
	*rb = (struct lx_restart_block){ sleep_restart, clk, deadline_ns, rmtp };
	if (rmtp) {
		struct lx_timespec rem = ts_of(left);
		if (lx_copy_to_user(rmtp, &rem, sizeof(rem)) < 0)
			return -LX_EFAULT;
	}
	return -LX_ERESTART_RESTARTBLOCK;
}

/* restart_syscall(2) of an interrupted relative sleep (hrtimer_nanosleep_restart). */
static int64_t sleep_restart(struct lx_restart_block *rb)
{
	return do_sleep(rb->clock, rb->deadline_ns, false, rb->rmtp);
}

/* get_timespec64 and timespec64_valid. */
static long read_timespec(uint64_t p, int64_t *ns)
{
	struct lx_timespec ts;

	if (lx_copy_from_user(&ts, p, sizeof(ts)) < 0)
		return -LX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000LL)
		return -LX_EINVAL;
	*ns = ts.tv_sec > INT64_MAX / 1000000000LL - 1 ? INT64_MAX : ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return 0;
}

static int64_t relative_deadline(int clk, int64_t ns)
{
	int64_t now = 0;

	clock_ns(clk, &now);
	return ns > INT64_MAX - now ? INT64_MAX : now + ns;
}

/* Linux nanosleep(2): CLOCK_MONOTONIC, relative. */
int64_t lx_sys_nanosleep(struct lx_syscall *sc)
{
	int64_t ns;
	long r = read_timespec((uint64_t)sc->arg[0], &ns);

	if (r < 0)
		return r;
	lx_current_thread()->restart.fn = NULL;
	return do_sleep(LX_CLOCK_MONOTONIC, relative_deadline(LX_CLOCK_MONOTONIC, ns), false,
	                (uint64_t)sc->arg[1]);
}

/* Which clocks have a nanosleep (the k_clock tables of posix-timers.c and
 * posix-cpu-timers.c): 0, -EINVAL for no clock, -EOPNOTSUPP for the
 * coarse and raw ones and the thread's CPU clock. */
static long sleep_clock_check(int clk)
{
	switch (clk) {
	case LX_CLOCK_REALTIME:
	case LX_CLOCK_MONOTONIC:
	case LX_CLOCK_BOOTTIME:
	case LX_CLOCK_TAI:
	case LX_CLOCK_PROCESS_CPUTIME_ID:
		return 0;
	case LX_CLOCK_THREAD_CPUTIME_ID:
	case LX_CLOCK_MONOTONIC_RAW:
	case LX_CLOCK_REALTIME_COARSE:
	case LX_CLOCK_MONOTONIC_COARSE:
		return -LX_EOPNOTSUPP;
	default:
		return -LX_EINVAL;
	}
}

/* Linux clock_nanosleep(2): returns the error rather than -1/errno, as the
 * kernel does; rmtp only for relative sleeps. */
int64_t lx_sys_clock_nanosleep(struct lx_syscall *sc)
{
	int clk = (int)sc->arg[0], flags = (int)sc->arg[1];
	bool absolute = flags & LX_TIMER_ABSTIME;
	int64_t ns;
	long r = sleep_clock_check(clk);

	if (r < 0)
		return r;
	r = read_timespec((uint64_t)sc->arg[2], &ns);
	if (r < 0)
		return r;
	lx_current_thread()->restart.fn = NULL;
	if (!absolute)
		ns = relative_deadline(clk, ns);
	return do_sleep(clk, ns, absolute, absolute ? 0 : (uint64_t)sc->arg[3]);
}

int64_t lx_clock_realtime_ns(void)
{
	return realtime_ns();
}

int64_t lx_clock_monotonic_ns(void)
{
	return monotonic_ns();
}
