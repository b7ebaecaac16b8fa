/*
 * Signal dispositions and masks (kernel/signal.c).  The state is kept as
 * Linux keeps it so that programs that install handlers and block signals
 * run; delivery comes later.
 */
#include <windows.h>

#include "identity.h"
#include "lxnt/linux/signal.h"
#include "syscall_table.h"
#include "signal.h"
#include "thread.h"

static struct lx_sigaction actions[LX_NSIG];
static SRWLOCK actions_lock = SRWLOCK_INIT;

#define SIGBIT(sig) (1ULL << ((sig) - 1))
/* SIGKILL and SIGSTOP can be neither caught nor blocked. */
#define UNBLOCKABLE (SIGBIT(LX_SIGKILL) | SIGBIT(LX_SIGSTOP))

/* Linux rt_sigaction(2). */
int64_t lx_sys_rt_sigaction(struct lx_syscall *sc)
{
	int sig = (int)sc->arg[0];
	uint64_t act_p = (uint64_t)sc->arg[1], old_p = (uint64_t)sc->arg[2];
	struct lx_sigaction act, old;

	if ((size_t)sc->arg[3] != sizeof(uint64_t))
		return -LX_EINVAL;
	if (sig < 1 || sig > LX_NSIG)
		return -LX_EINVAL;
	if (act_p && lx_copy_from_user(&act, act_p, sizeof(act)) < 0)
		return -LX_EFAULT;
	if (act_p && (sig == LX_SIGKILL || sig == LX_SIGSTOP))
		return -LX_EINVAL;
	AcquireSRWLockExclusive(&actions_lock);
	old = actions[sig - 1];
	if (act_p) {
		act.mask &= ~UNBLOCKABLE;
		actions[sig - 1] = act;
	}
	ReleaseSRWLockExclusive(&actions_lock);
	if (old_p && lx_copy_to_user(old_p, &old, sizeof(old)) < 0)
		return -LX_EFAULT;
	return 0;
}

/* Linux rt_sigprocmask(2). */
int64_t lx_sys_rt_sigprocmask(struct lx_syscall *sc)
{
	int how = (int)sc->arg[0];
	uint64_t set_p = (uint64_t)sc->arg[1], old_p = (uint64_t)sc->arg[2];
	struct lx_thread *t = lx_current_thread();
	uint64_t set, old = t->sigmask;

	if ((size_t)sc->arg[3] != sizeof(uint64_t))
		return -LX_EINVAL;
	if (set_p) {
		if (lx_copy_from_user(&set, set_p, sizeof(set)) < 0)
			return -LX_EFAULT;
		switch (how) {
		case LX_SIG_BLOCK:
			t->sigmask |= set;
			break;
		case LX_SIG_UNBLOCK:
			t->sigmask &= ~set;
			break;
		case LX_SIG_SETMASK:
			t->sigmask = set;
			break;
		default:
			return -LX_EINVAL;
		}
		t->sigmask &= ~UNBLOCKABLE;
	}
	if (old_p && lx_copy_to_user(old_p, &old, sizeof(old)) < 0)
		return -LX_EFAULT;
	return 0;
}

/* Signals whose default action is to do nothing (signal(7)). */
#define DEFAULT_IGNORED (SIGBIT(LX_SIGCHLD) | SIGBIT(LX_SIGURG) | SIGBIT(LX_SIGWINCH) | SIGBIT(LX_SIGCONT))

/*
 * A signal sent to this very process: with the default action it ends the
 * process as Linux would (kernel/signal.c, get_signal -> do_group_exit),
 * ignored ones vanish; a caught signal needs delivery, which does not
 * exist yet, so that case is refused rather than faked.
 */
static int64_t signal_self(int sig)
{
	if (sig == 0)
		return 0;
	if (sig < 1 || sig > LX_NSIG)
		return -LX_EINVAL;
	AcquireSRWLockShared(&actions_lock);
	uint64_t handler = actions[sig - 1].handler;
	ReleaseSRWLockShared(&actions_lock);
	if (handler == LX_SIG_IGN && sig != LX_SIGKILL && sig != LX_SIGSTOP)
		return 0;
	if (handler == LX_SIG_DFL || sig == LX_SIGKILL) {
		if (DEFAULT_IGNORED & SIGBIT(sig))
			return 0;
		if (sig == LX_SIGSTOP || sig == LX_SIGTSTP || sig == LX_SIGTTIN || sig == LX_SIGTTOU)
			return -LX_ENOSYS; /* job control stops need the instance daemon */
		/* lx_current_thread() is NULL on a runtime thread (the
		 * listener of signals from other processes, runtime/sys_kill.c) */
		if (lx_current_thread() && (lx_current_thread()->sigmask & SIGBIT(sig)) &&
		    sig != LX_SIGKILL)
			return -LX_ENOSYS; /* would stay pending: no pending set yet */
		lx_exit_process(sig);
	}
	return -LX_ENOSYS;
}

/* Linux tkill(2). */
int64_t lx_sys_tkill(struct lx_syscall *sc)
{
	if ((int32_t)sc->arg[0] <= 0)
		return -LX_EINVAL;
	if ((int32_t)sc->arg[0] != lx_current_thread()->tid)
		return -LX_ESRCH;
	return signal_self((int)sc->arg[1]);
}

/* Linux tgkill(2). */
int64_t lx_sys_tgkill(struct lx_syscall *sc)
{
	if ((int32_t)sc->arg[0] <= 0 || (int32_t)sc->arg[1] <= 0)
		return -LX_EINVAL;
	if ((int32_t)sc->arg[0] != lx_getpid() || (int32_t)sc->arg[1] != lx_current_thread()->tid)
		return -LX_ESRCH;
	return signal_self((int)sc->arg[2]);
}

/*
 * Linux sigaltstack(2) (kernel/signal.c, do_sigaltstack): the alternate
 * stack is recorded for signal delivery; no handler runs on it yet, so it
 * is never "in use" (SS_ONSTACK).
 */
int64_t lx_sys_sigaltstack(struct lx_syscall *sc)
{
	uint64_t new_p = (uint64_t)sc->arg[0], old_p = (uint64_t)sc->arg[1];
	struct lx_thread *t = lx_current_thread();
	struct lx_stack old = {
		.ss_sp = t->altstack_sp, .ss_flags = t->altstack_flags, .ss_size = t->altstack_size,
	};

	if (new_p) {
		struct lx_stack ss;
		if (lx_copy_from_user(&ss, new_p, sizeof(ss)) < 0)
			return -LX_EFAULT;
		int mode = (int)((uint32_t)ss.ss_flags & ~LX_SS_AUTODISARM);
		if (mode != LX_SS_DISABLE && mode != LX_SS_ONSTACK && mode != 0)
			return -LX_EINVAL;
		if (mode == LX_SS_DISABLE) {
			ss.ss_sp = 0;
			ss.ss_size = 0;
		} else if (ss.ss_size < LX_MINSIGSTKSZ) {
			return -LX_ENOMEM;
		}
		t->altstack_sp = ss.ss_sp;
		t->altstack_size = ss.ss_size;
		t->altstack_flags = mode == LX_SS_DISABLE ? LX_SS_DISABLE
		                  : (int)((uint32_t)ss.ss_flags & LX_SS_AUTODISARM);
	}
	if (old_p && lx_copy_to_user(old_p, &old, sizeof(old)) < 0)
		return -LX_EFAULT;
	return 0;
}

/*
 * runtime/signal.h, before delivery exists: a signal for this process or
 * one of its threads takes its default action at once (signal_self), which
 * is right for terminating and ignored signals only.
 */
long lx_signal_send(long tid, int sig, const struct lx_siginfo *info)
{
	(void)info;
	if (tid != 0) {
		lx_thread_registry_lock();
		bool found = lx_thread_find(tid) != NULL;
		lx_thread_registry_unlock();
		if (!found)
			return -LX_ESRCH;
	}
	return signal_self(sig);
}

bool lx_signal_interrupts(struct lx_thread *t)
{
	return (t->sigpending & ~t->sigmask) != 0;
}
