/*
 * Clocks and sleeping (kernel/time/posix-timers.c, hrtimer.c).
 * REALTIME comes from GetSystemTimePreciseAsFileTime, MONOTONIC and
 * BOOTTIME from QueryPerformanceCounter, the CPU-time clocks from
 * GetProcessTimes/GetThreadTimes.
 */
#include <windows.h>

#include "clock.h"
#include "lxnt/linux/time.h"
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

/*
 * Sleeps until the clock reaches deadline_ns.  A waitable timer with high
 * resolution (documented since Windows 10 1803) gives sub-millisecond
 * sleeps; without it, Sleep's millisecond granularity rounds up.
 */
static long sleep_until(int clk, int64_t deadline_ns)
{
	HANDLE timer = CreateWaitableTimerExW(NULL, NULL, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
	                                      TIMER_ALL_ACCESS);
	for (;;) {
		int64_t now;
		long r = clock_ns(clk, &now);
		if (r < 0)
			break;
		if (now >= deadline_ns)
			break;
		int64_t left = deadline_ns - now;
		if (timer) {
			LARGE_INTEGER due = { .QuadPart = -((left + 99) / 100) };
			if (SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE)) {
				WaitForSingleObject(timer, INFINITE);
				continue;
			}
		}
		Sleep((DWORD)((left + 999999) / 1000000));
	}
	if (timer)
		CloseHandle(timer);
	return 0;
}

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

/* Linux nanosleep(2): no signals interrupt it yet, so rem is untouched. */
int64_t lx_sys_nanosleep(struct lx_syscall *sc)
{
	int64_t ns, now;
	long r = read_timespec((uint64_t)sc->arg[0], &ns);

	if (r < 0)
		return r;
	clock_ns(LX_CLOCK_MONOTONIC, &now);
	return sleep_until(LX_CLOCK_MONOTONIC, ns > INT64_MAX - now ? INT64_MAX : now + ns);
}

/* Linux clock_nanosleep(2): returns the error rather than -1/errno, as the kernel does. */
int64_t lx_sys_clock_nanosleep(struct lx_syscall *sc)
{
	int clk = (int)sc->arg[0], flags = (int)sc->arg[1];
	int64_t ns, now;

	if (clk == LX_CLOCK_THREAD_CPUTIME_ID)
		return -LX_EINVAL;
	long r = clock_ns(clk, &now);
	if (r < 0)
		return r;
	if (clk == LX_CLOCK_PROCESS_CPUTIME_ID)
		return -LX_EOPNOTSUPP;
	r = read_timespec((uint64_t)sc->arg[2], &ns);
	if (r < 0)
		return r;
	if (!(flags & LX_TIMER_ABSTIME))
		ns = ns > INT64_MAX - now ? INT64_MAX : now + ns;
	return sleep_until(clk, ns);
}

int64_t lx_clock_realtime_ns(void)
{
	return realtime_ns();
}

int64_t lx_clock_monotonic_ns(void)
{
	return monotonic_ns();
}
