/*
 * Waiting for signals: rt_sigsuspend, pause, rt_sigtimedwait, and
 * rt_sigpending (kernel/signal.c).
 */
#include "signal.h"
#include "lxnt/linux/time.h"
#include "syscall_table.h"

static long copy_sigset(uint64_t *set, uint64_t set_p, uint64_t size)
{
	if (size != sizeof(*set))
		return -LX_EINVAL;
	if (lx_copy_from_user(set, set_p, sizeof(*set)) < 0)
		return -LX_EFAULT;
	*set &= ~LX_SIG_UNBLOCKABLE;
	return 0;
}

/* Sleeps until a signal the thread does not block is pending. */
static void wait_for_signal(void)
{
	while (lx_wait_interruptible(0, NULL, -1) != -LX_ERESTARTSYS)
		;
}

/* Linux rt_sigsuspend(2): the old mask comes back after the handler
 * (its frame carries it) or at the syscall's exit (sigdeliver.c). */
int64_t lx_sys_rt_sigsuspend(struct lx_syscall *sc)
{
	struct lx_thread *t = lx_current_thread();
	uint64_t set;
	long err = copy_sigset(&set, (uint64_t)sc->arg[0], (uint64_t)sc->arg[1]);

	if (err)
		return err;
	t->saved_sigmask = t->sigmask;
	t->restore_sigmask = 1;
	t->sigmask = set;
	lx_signal_retarget(set & ~t->saved_sigmask);
	wait_for_signal();
	return -LX_ERESTARTNOHAND;
}

/* Linux pause(2). */
int64_t lx_sys_pause(struct lx_syscall *sc)
{
	(void)sc;
	wait_for_signal();
	return -LX_ERESTARTNOHAND;
}

/* Linux restart_syscall(2): continues what the thread's restart block
 * holds (an interrupted sleep, sys_time.c); without one it is the kernel's
 * do_no_restart_syscall.  The block is used once: a call interrupted again
 * fills it anew. */
int64_t lx_sys_restart_syscall(struct lx_syscall *sc)
{
	struct lx_restart_block *rb = &lx_current_thread()->restart;
	int64_t (*fn)(struct lx_restart_block *) = rb->fn;

	(void)sc;
	rb->fn = NULL;
	return fn ? fn(rb) : -LX_EINTR;
}

/* Linux rt_sigpending(2). */
int64_t lx_sys_rt_sigpending(struct lx_syscall *sc)
{
	struct lx_thread *t = lx_current_thread();
	uint64_t size = (uint64_t)sc->arg[1];
	uint64_t set = lx_signal_pending(t) & t->sigmask;

	if (size > sizeof(set))
		return -LX_EINVAL;
	if (lx_copy_to_user((uint64_t)sc->arg[0], &set, (size_t)size) < 0)
		return -LX_EFAULT;
	return 0;
}

/* A relative timespec as whole milliseconds, rounded up; -1: none. */
static long timeout_ms(uint64_t ts_p, int64_t *ms)
{
	struct lx_timespec ts;

	*ms = -1;
	if (!ts_p)
		return 0;
	if (lx_copy_from_user(&ts, ts_p, sizeof(ts)) < 0)
		return -LX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -LX_EINVAL;
	if (ts.tv_sec > INT64_MAX / 1000 - 1)
		return 0; /* practically forever */
	*ms = ts.tv_sec * 1000 + (ts.tv_nsec + 999999) / 1000000;
	return 0;
}

/*
 * Linux rt_sigtimedwait(2) (do_sigtimedwait): the waited set is unblocked
 * while the thread sleeps, so that senders pick this thread, and blocked
 * again before anything is delivered; real_blocked keeps the signals of
 * the set from counting as fatal meanwhile.
 */
int64_t lx_sys_rt_sigtimedwait(struct lx_syscall *sc)
{
	struct lx_thread *t = lx_current_thread();
	uint64_t set, info_p = (uint64_t)sc->arg[1];
	struct lx_siginfo info;
	int64_t ms;
	long err = copy_sigset(&set, (uint64_t)sc->arg[0], (uint64_t)sc->arg[3]);

	if (err)
		return err;
	if ((err = timeout_ms((uint64_t)sc->arg[2], &ms)))
		return err;
	int sig = lx_signal_dequeue(t, set, &info);
	if (!sig && ms != 0) {
		t->real_blocked = t->sigmask;
		t->sigmask &= ~set;
		long r = lx_wait_interruptible(0, NULL, ms);
		t->sigmask = t->real_blocked;
		t->real_blocked = 0;
		sig = lx_signal_dequeue(t, set, &info);
		if (!sig)
			return r == -LX_ETIMEDOUT ? -LX_EAGAIN : -LX_EINTR;
	}
	if (!sig)
		return -LX_EAGAIN;
	if (info_p && lx_copy_to_user(info_p, &info, sizeof(info)) < 0)
		return -LX_EFAULT;
	return sig;
}
