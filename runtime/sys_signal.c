/*
 * Signal dispositions, masks, the alternate stack, and the syscalls that
 * send a signal inside the process (kernel/signal.c).  Queueing is
 * sigqueue.c's, delivery sigdeliver.c's.
 */
#include <string.h>
#include <windows.h>

#include "identity.h"
#include "lxnt/linux/signal.h"
#include "syscall_table.h"
#include "proc.h"
#include "signal.h"
#include "thread.h"

static struct lx_sigaction actions[LX_NSIG];
static SRWLOCK actions_lock = SRWLOCK_INIT;

#define UNBLOCKABLE LX_SIG_UNBLOCKABLE

/* The ignored and caught signals and, from the main thread, its blocked
 * set, where /proc/<pid>/status of any process reads them. */
void lx_signal_publish(void)
{
	struct lx_thread *t = lx_current_thread();
	uint64_t ign = 0, cgt = 0;

	AcquireSRWLockShared(&actions_lock);
	for (int i = 0; i < LX_NSIG; i++) {
		if (actions[i].handler == LX_SIG_IGN)
			ign |= 1ull << i;
		else if (actions[i].handler != LX_SIG_DFL)
			cgt |= 1ull << i;
	}
	ReleaseSRWLockShared(&actions_lock);
	lx_proc_self->sigign = ign;
	lx_proc_self->sigcgt = cgt;
	if (t && t->tid == lx_getpid())
		lx_proc_self->sigblk = t->sigmask;
}

void lx_sigaction_get(int sig, struct lx_sigaction *out)
{
	AcquireSRWLockShared(&actions_lock);
	*out = actions[sig - 1];
	ReleaseSRWLockShared(&actions_lock);
}

void lx_sigaction_reset(int sig)
{
	AcquireSRWLockExclusive(&actions_lock);
	actions[sig - 1].handler = LX_SIG_DFL;
	ReleaseSRWLockExclusive(&actions_lock);
}

void lx_sigaction_snapshot(struct lx_sigaction out[LX_NSIG])
{
	AcquireSRWLockShared(&actions_lock);
	memcpy(out, actions, sizeof(actions));
	ReleaseSRWLockShared(&actions_lock);
}

void lx_sigaction_restore(const struct lx_sigaction in[LX_NSIG])
{
	AcquireSRWLockExclusive(&actions_lock);
	memcpy(actions, in, sizeof(actions));
	ReleaseSRWLockExclusive(&actions_lock);
	lx_signal_publish();
}

/* flush_signal_handlers(t, 0) and the new mm's lost alternate stack. */
void lx_signal_exec_reset(void)
{
	struct lx_thread *t = lx_current_thread();

	AcquireSRWLockExclusive(&actions_lock);
	for (int i = 0; i < LX_NSIG; i++) {
		uint64_t h = actions[i].handler == LX_SIG_IGN ? LX_SIG_IGN : LX_SIG_DFL;
		actions[i] = (struct lx_sigaction){ .handler = h };
	}
	ReleaseSRWLockExclusive(&actions_lock);
	t->altstack_sp = 0;
	t->altstack_size = 0;
	t->altstack_flags = LX_SS_DISABLE;
	lx_signal_publish();
}

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
	/* POSIX: setting a pending signal to be ignored discards it. */
	if (act_p && (act.handler == LX_SIG_IGN ||
	              (act.handler == LX_SIG_DFL && (lx_signal_default(sig) == LX_SIGDFL_IGNORE ||
	                                               lx_signal_default(sig) == LX_SIGDFL_CONT))))
		lx_signal_flush(LX_SIGBIT(sig));
	if (act_p)
		lx_signal_publish();
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
		lx_signal_retarget(t->sigmask & ~old);
		if (t->tid == lx_getpid())
			lx_proc_self->sigblk = t->sigmask;
	}
	if (old_p && lx_copy_to_user(old_p, &old, sizeof(old)) < 0)
		return -LX_EFAULT;
	return 0;
}

/* The siginfo of kill(2)-like senders inside the process. */
static struct lx_siginfo user_info(int sig, int code)
{
	return (struct lx_siginfo){
		.si_signo = sig, .si_code = code,
		.u.kill = { .pid = (int32_t)lx_getpid(), .uid = (uint32_t)lx_uid },
	};
}

/* do_tkill: tgid 0 means any process (tkill). */
static int64_t do_tkill(int32_t tgid, int32_t tid, int sig)
{
	struct lx_siginfo info = user_info(sig, LX_SI_TKILL);

	if (tid <= 0)
		return -LX_EINVAL;
	if (sig < 0 || sig > LX_NSIG)
		return -LX_EINVAL;
	/* A thread of another process: through its record (sys_kill.c). */
	if (tgid > 0 && tgid != (int32_t)lx_getpid())
		return lx_signal_thread(tgid, tid, sig);
	lx_thread_registry_lock();
	bool found = lx_thread_find(tid) != NULL;
	lx_thread_registry_unlock();
	if (!found)
		return tgid == 0 ? lx_signal_thread(0, tid, sig) : -LX_ESRCH;
	if (sig == 0)
		return 0;
	return lx_signal_send(tid, sig, &info);
}

/* Linux tkill(2). */
int64_t lx_sys_tkill(struct lx_syscall *sc)
{
	return do_tkill(0, (int32_t)sc->arg[0], (int)sc->arg[1]);
}

/* Linux tgkill(2). */
int64_t lx_sys_tgkill(struct lx_syscall *sc)
{
	if ((int32_t)sc->arg[0] <= 0)
		return -LX_EINVAL;
	return do_tkill((int32_t)sc->arg[0], (int32_t)sc->arg[1], (int)sc->arg[2]);
}

/*
 * do_rt_sigqueueinfo / do_rt_tgsigqueueinfo: the caller's siginfo, except
 * that it may not pose as the kernel or kill(2) towards another process.
 */
static int64_t queue_info(int32_t tgid, int32_t tid, int sig, uint64_t info_p)
{
	struct lx_siginfo info;

	if (lx_copy_from_user(&info, info_p, sizeof(info)) < 0)
		return -LX_EFAULT;
	if ((info.si_code >= 0 || info.si_code == LX_SI_TKILL) && tgid != (int32_t)lx_getpid())
		return -LX_EPERM;
	if (sig < 0 || sig > LX_NSIG || tgid <= 0 || (tid != 0 && tid <= 0))
		return -LX_EINVAL;
	info.si_signo = sig;
	if (tgid != (int32_t)lx_getpid())
		return lx_signal_queue_other(tgid, tid, sig, &info);
	if (sig == 0)
		return tid ? do_tkill(tgid, tid, 0) : 0;
	return lx_signal_send(tid, sig, &info);
}

/* Linux rt_sigqueueinfo(2). */
int64_t lx_sys_rt_sigqueueinfo(struct lx_syscall *sc)
{
	return queue_info((int32_t)sc->arg[0], 0, (int)sc->arg[1], (uint64_t)sc->arg[2]);
}

/* Linux rt_tgsigqueueinfo(2). */
int64_t lx_sys_rt_tgsigqueueinfo(struct lx_syscall *sc)
{
	if ((int32_t)sc->arg[1] <= 0)
		return -LX_EINVAL;
	return queue_info((int32_t)sc->arg[0], (int32_t)sc->arg[1], (int)sc->arg[2],
	                  (uint64_t)sc->arg[3]);
}

/* do_sigaltstack (kernel/signal.c); sp is the guest's rsp. */
long lx_do_sigaltstack(const struct lx_stack *ss, struct lx_stack *old, uint64_t sp)
{
	struct lx_thread *t = lx_current_thread();

	if (old)
		*old = (struct lx_stack){
			.ss_sp = t->altstack_sp, .ss_size = t->altstack_size,
			.ss_flags = lx_sas_ss_flags(t, sp) |
			            (int32_t)((uint32_t)t->altstack_flags & LX_SS_AUTODISARM),
		};
	if (!ss)
		return 0;
	if (lx_on_sig_stack(t, sp))
		return -LX_EPERM;
	uint32_t flags = (uint32_t)ss->ss_flags;
	uint32_t mode = flags & ~LX_SS_AUTODISARM;
	if (mode != LX_SS_DISABLE && mode != LX_SS_ONSTACK && mode != 0)
		return -LX_EINVAL;
	uint64_t base = ss->ss_sp, size = ss->ss_size;
	if (mode == LX_SS_DISABLE) {
		base = 0;
		size = 0;
	} else if (size < LX_MINSIGSTKSZ) {
		return -LX_ENOMEM;
	}
	t->altstack_sp = base;
	t->altstack_size = size;
	t->altstack_flags = (int)flags;
	return 0;
}

/* Linux sigaltstack(2). */
int64_t lx_sys_sigaltstack(struct lx_syscall *sc)
{
	uint64_t new_p = (uint64_t)sc->arg[0], old_p = (uint64_t)sc->arg[1];
	uint64_t sp = sc->regs->rsp + (uint64_t)lx_current_thread()->sys_rsp_bias;
	struct lx_stack ss, old;

	if (new_p && lx_copy_from_user(&ss, new_p, sizeof(ss)) < 0)
		return -LX_EFAULT;
	long ret = lx_do_sigaltstack(new_p ? &ss : NULL, &old, sp);
	if (ret < 0)
		return ret;
	if (old_p && lx_copy_to_user(old_p, &old, sizeof(old)) < 0)
		return -LX_EFAULT;
	return 0;
}
