/*
 * Nice values: getpriority(2) and setpriority(2) (kernel/sys.c), over
 * every process of the instance.
 *
 * A process's nice value lives in its record, where other processes read
 * and change it; fork and execve keep it.  Windows schedules by priority
 * class, so the value also sets the class of the process's Windows
 * process (nice_class), unless its scheduling policy decides the class
 * (record_class).  Linux keeps a nice value per thread and
 * PRIO_PROCESS with a thread id changes that thread only; here it is one
 * value per process, which is what nice(1), renice(1) and setpriority on
 * a pid mean in practice.
 */
#include <windows.h>

#include "capability.h"
#include "identity.h"
#include "instance.h"
#include "lxnt/linux/resource.h"
#include "proc.h"
#include "sched_policy.h"
#include "syscall_table.h"
#include "vfork.h"

#define LX_PRIO_PROCESS 0
#define LX_PRIO_PGRP 1
#define LX_PRIO_USER 2
#define LX_NICE_MIN (-20)
#define LX_NICE_MAX 19
#define MEMBERS_MAX 512

/* The Windows priority class of a nice value: the five classes a process
 * may take without privileges beyond the caller's, spread over -20..19 as
 * the kernel's weights fall (each step of nice is about 10% of CPU). */
static DWORD nice_class(long nice)
{
	if (nice <= -15)
		return HIGH_PRIORITY_CLASS;
	if (nice < 0)
		return ABOVE_NORMAL_PRIORITY_CLASS;
	if (nice == 0)
		return NORMAL_PRIORITY_CLASS;
	if (nice < 10)
		return BELOW_NORMAL_PRIORITY_CLASS;
	return IDLE_PRIORITY_CLASS;
}

/* The class of record r: a real-time policy is high (the realtime class
 * needs a privilege, without which Windows gives high anyway), SCHED_IDLE
 * idle, the others their nice value's. */
static DWORD record_class(const struct lx_proc_record *r)
{
	if (lx_sched_rt_policy(r->sched_policy))
		return HIGH_PRIORITY_CLASS;
	if (r->sched_policy == LX_SCHED_IDLE)
		return IDLE_PRIORITY_CLASS;
	return nice_class(r->nice);
}

void lx_prio_apply_process(void *process, const struct lx_proc_record *r)
{
	SetPriorityClass(process, record_class(r));
}

void lx_prio_apply(struct lx_proc_record *r)
{
	if (r == lx_proc_self) {
		/* A vfork child runs in its parent's Windows process until its
		 * execve, whose new process takes the class from the record
		 * (lx_prio_apply_self, exec.c): the parent's stays. */
		if (!lx_vfork_active())
			SetPriorityClass(GetCurrentProcess(), record_class(r));
		return;
	}
	HANDLE h = OpenProcess(PROCESS_SET_INFORMATION, FALSE, (DWORD)r->win_pid);
	if (h) {
		SetPriorityClass(h, record_class(r));
		CloseHandle(h);
	}
}

/* The nice value a process Windows started begins with: the middle of
 * its priority class's range, so that nice_class gives the class back. */
long lx_prio_of_windows_class(void)
{
	switch (GetPriorityClass(GetCurrentProcess())) {
	case IDLE_PRIORITY_CLASS: return 19;
	case BELOW_NORMAL_PRIORITY_CLASS: return 5;
	case ABOVE_NORMAL_PRIORITY_CLASS: return -5;
	case HIGH_PRIORITY_CLASS: return -15;
	case REALTIME_PRIORITY_CLASS: return -20;
	default: return 0;
	}
}

void lx_prio_apply_self(void)
{
	if (lx_proc_self->nice || lx_proc_self->sched_policy)
		lx_prio_apply(lx_proc_self);
}

/* One process the call is about: its record (lx_proc_self for the caller). */
struct target {
	long pid;
	struct lx_proc_record *r;
};

static void target_close(struct target *t)
{
	if (t->r && t->r != lx_proc_self)
		lx_proc_record_close(t->r);
	t->r = NULL;
}

/* Whether pid is the caller, or one of its threads (PRIO_PROCESS takes a
 * thread id). */
static bool is_self(long pid)
{
	return pid == lx_getpid() || lx_instance_tgid(pid) == lx_getpid();
}

static bool target_open(struct target *t, long pid)
{
	t->pid = pid;
	t->r = is_self(pid) ? lx_proc_self : lx_proc_record_open(pid);
	if (t->r && t->r != lx_proc_self && t->r->state == LX_PROC_EXITED)
		target_close(t);
	return t->r != NULL;
}

/* Whether process r is among those that which and who name. */
static bool matches(int which, long who, long pid, const struct lx_proc_record *r)
{
	if (which == LX_PRIO_PGRP)
		return (r->pgid ? r->pgid : pid) == who;
	return r->uid == who;
}

/* set_one_prio: the caller's effective uid is the target's real or
 * effective one, or it holds CAP_SYS_NICE; lowering the value needs
 * CAP_SYS_NICE or RLIMIT_NICE (can_nice: 20 - nice within the limit). */
static long set_one(struct target *t, void *ctx)
{
	long nice = *(const long *)ctx;

	if (!lx_capable(LX_CAP_SYS_NICE) && lx_euid != t->r->uid && lx_euid != t->r->euid)
		return -LX_EPERM;
	if (nice < t->r->nice && !lx_capable(LX_CAP_SYS_NICE) &&
	    (uint64_t)(20 - nice) > lx_rlimit_cur(LX_RLIMIT_NICE))
		return -LX_EACCES;
	if (t->r->nice == nice)
		return 0;
	t->r->nice = nice;
	lx_prio_apply(t->r);
	return 0;
}

/* Calls fn(target, ctx) for each process that which and who name; the
 * first error fn gives is kept, as kernel/sys.c keeps it.  -LX_ESRCH when none. */
static long for_each(int which, long who, long (*fn)(struct target *, void *), void *ctx)
{
	long err = -LX_ESRCH, r;
	struct target t;

	if (which == LX_PRIO_PROCESS) {
		if (!target_open(&t, who ? who : lx_getpid()))
			return -LX_ESRCH;
		err = fn(&t, ctx);
		target_close(&t);
		return err;
	}
	if (!who)
		who = which == LX_PRIO_PGRP ? (lx_proc_self->pgid ? lx_proc_self->pgid : lx_getpid())
		                            : lx_uid;
	long pids[MEMBERS_MAX];
	size_t n = lx_instance_pids(pids, MEMBERS_MAX);
	for (size_t i = 0; i < n && i < MEMBERS_MAX; i++) {
		if (!target_open(&t, pids[i]))
			continue;
		if (matches(which, who, pids[i], t.r)) {
			r = fn(&t, ctx);
			if (err == -LX_ESRCH || (err == 0 && r < 0))
				err = r;
		}
		target_close(&t);
	}
	return err;
}

/* getpriority's fold: the highest priority (lowest nice) seen, in *ctx. */
static long get_one(struct target *t, void *ctx)
{
	long *best = ctx;

	if (t->r->nice < *best)
		*best = t->r->nice;
	return 0;
}

/* Linux getpriority(2): the system call answers 20 - nice (1..40), which
 * the C library turns back. */
int64_t lx_sys_getpriority(struct lx_syscall *sc)
{
	int which = (int)sc->arg[0];
	long who = (long)(int32_t)sc->arg[1], best = LX_NICE_MAX + 1, err;

	if (which < LX_PRIO_PROCESS || which > LX_PRIO_USER)
		return -LX_EINVAL;
	err = for_each(which, who, get_one, &best);
	return err < 0 ? err : 20 - best;
}

/* Linux setpriority(2): the value is clamped to -20..19. */
int64_t lx_sys_setpriority(struct lx_syscall *sc)
{
	int which = (int)sc->arg[0];
	long who = (long)(int32_t)sc->arg[1], nice = (long)(int32_t)sc->arg[2];

	if (which < LX_PRIO_PROCESS || which > LX_PRIO_USER)
		return -LX_EINVAL;
	nice = nice < LX_NICE_MIN ? LX_NICE_MIN : nice > LX_NICE_MAX ? LX_NICE_MAX : nice;
	return for_each(which, who, set_one, &nice);
}
