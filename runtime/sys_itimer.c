/*
 * The real-time interval timer: alarm(2), setitimer(2) and getitimer(2)
 * with ITIMER_REAL (kernel/time/itimer.c).  One runtime thread, started at
 * the first arming, sleeps until the deadline and sends SIGALRM to the
 * process as the kernel's it_real_fn does (SI_KERNEL).  ITIMER_VIRTUAL and
 * ITIMER_PROF would need per-thread CPU time sampling and are ENOSYS.
 */
#include <windows.h>

#include "lxnt/linux/time.h"
#include "signal.h"
#include "syscall_table.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct lx_itimerval {
	struct lx_timeval it_interval;
	struct lx_timeval it_value;
};

static SRWLOCK timer_lock = SRWLOCK_INIT;
static uint64_t deadline_us;   /* monotonic; 0: disarmed */
static uint64_t interval_us;
static HANDLE timer_changed;   /* auto-reset: the deadline moved */
static HANDLE timer_thread;

static uint64_t now_us(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER c;

	if (!freq.QuadPart)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&c);
	return (uint64_t)(c.QuadPart / freq.QuadPart) * 1000000u +
	       (uint64_t)(c.QuadPart % freq.QuadPart) * 1000000u / (uint64_t)freq.QuadPart;
}

/* How long the timer thread sleeps; fires the timer when it is due. */
static DWORD timer_step(void)
{
	bool fire = false;
	DWORD ms = INFINITE;

	AcquireSRWLockExclusive(&timer_lock);
	uint64_t now = now_us();
	if (deadline_us && now >= deadline_us) {
		fire = true;
		deadline_us = interval_us ? (deadline_us + interval_us > now ? deadline_us + interval_us
		                                                             : now + interval_us)
		                          : 0;
	}
	if (deadline_us)
		ms = (DWORD)((deadline_us - now + 999) / 1000);
	ReleaseSRWLockExclusive(&timer_lock);
	if (fire)
		lx_signal_send(0, LX_SIGALRM, NULL);
	return fire ? 0 : ms;
}

static DWORD WINAPI timer_main(void *arg)
{
	(void)arg;
	for (;;)
		WaitForSingleObject(timer_changed, timer_step());
	return 0;
}

static uint64_t tv_us(const struct lx_timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

static struct lx_timeval us_tv(uint64_t us)
{
	return (struct lx_timeval){ .tv_sec = (int64_t)(us / 1000000u), .tv_usec = (int64_t)(us % 1000000u) };
}

/* The current ITIMER_REAL setting; timer lock held. */
static struct lx_itimerval current_locked(void)
{
	uint64_t now = now_us(), left = 0;

	if (deadline_us)
		left = deadline_us > now ? deadline_us - now : 1; /* due: not yet fired */
	return (struct lx_itimerval){ .it_interval = us_tv(interval_us), .it_value = us_tv(left) };
}

/* do_setitimer for ITIMER_REAL. */
static long set_real(const struct lx_itimerval *v, struct lx_itimerval *old)
{
	if (!timer_thread) {
		AcquireSRWLockExclusive(&timer_lock);
		if (!timer_thread) {
			timer_changed = CreateEventW(NULL, FALSE, FALSE, NULL);
			timer_thread = timer_changed ? lx_helper_thread(timer_main, NULL, 64 * 1024) : NULL;
		}
		ReleaseSRWLockExclusive(&timer_lock);
		if (!timer_thread)
			return lx_errno_from_win32(GetLastError());
	}
	AcquireSRWLockExclusive(&timer_lock);
	if (old)
		*old = current_locked();
	uint64_t value = tv_us(&v->it_value);
	deadline_us = value ? now_us() + value : 0;
	interval_us = value ? tv_us(&v->it_interval) : 0;
	ReleaseSRWLockExclusive(&timer_lock);
	SetEvent(timer_changed);
	return 0;
}

static bool valid_tv(const struct lx_timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

/* Linux setitimer(2). */
int64_t lx_sys_setitimer(struct lx_syscall *sc)
{
	int which = (int)sc->arg[0];
	uint64_t new_p = (uint64_t)sc->arg[1], old_p = (uint64_t)sc->arg[2];
	struct lx_itimerval v = { 0 }, old;

	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF)
		return -LX_ENOSYS;
	if (which != ITIMER_REAL)
		return -LX_EINVAL;
	if (new_p && lx_copy_from_user(&v, new_p, sizeof(v)) < 0)
		return -LX_EFAULT;
	if (!valid_tv(&v.it_value) || !valid_tv(&v.it_interval))
		return -LX_EINVAL;
	long err = set_real(&v, &old);
	if (err)
		return err;
	if (old_p && lx_copy_to_user(old_p, &old, sizeof(old)) < 0)
		return -LX_EFAULT;
	return 0;
}

/* Linux getitimer(2). */
int64_t lx_sys_getitimer(struct lx_syscall *sc)
{
	int which = (int)sc->arg[0];
	struct lx_itimerval cur;

	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF)
		return -LX_ENOSYS;
	if (which != ITIMER_REAL)
		return -LX_EINVAL;
	AcquireSRWLockShared(&timer_lock);
	cur = current_locked();
	ReleaseSRWLockShared(&timer_lock);
	if (lx_copy_to_user((uint64_t)sc->arg[1], &cur, sizeof(cur)) < 0)
		return -LX_EFAULT;
	return 0;
}

/* Linux alarm(2): the seconds that were left, rounded as alarm_setitimer
 * rounds them. */
int64_t lx_sys_alarm(struct lx_syscall *sc)
{
	struct lx_itimerval v = { .it_value = { .tv_sec = (int64_t)(uint32_t)sc->arg[0] } }, old;

	if (set_real(&v, &old) < 0)
		return 0;
	int64_t secs = old.it_value.tv_sec;
	if ((!secs && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000)
		secs++;
	return secs;
}

void lx_itimer_exec_out(uint64_t *left_us, uint64_t *interval_us)
{
	AcquireSRWLockShared(&timer_lock);
	struct lx_itimerval v = current_locked();
	ReleaseSRWLockShared(&timer_lock);
	*left_us = tv_us(&v.it_value);
	*interval_us = tv_us(&v.it_interval);
}

void lx_itimer_disarm(void)
{
	if (!timer_thread)
		return;
	AcquireSRWLockExclusive(&timer_lock);
	deadline_us = interval_us = 0;
	ReleaseSRWLockExclusive(&timer_lock);
	SetEvent(timer_changed);
}

void lx_itimer_exec_in(uint64_t left_us, uint64_t interval_us)
{
	struct lx_itimerval v = { .it_interval = us_tv(interval_us), .it_value = us_tv(left_us) };

	if (left_us)
		set_real(&v, NULL);
}
