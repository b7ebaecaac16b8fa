/*
 * Scheduling policies: sched_setscheduler(2), sched_setparam(2),
 * sched_getscheduler(2), sched_getparam(2), sched_setattr(2),
 * sched_getattr(2) and sched_rr_get_interval(2) (kernel/sched/syscalls.c,
 * core.c in older trees).
 *
 * The policy, its priority and SCHED_RESET_ON_FORK live in the process's
 * record, where the calls of other processes read and change them; fork
 * copies them (sched_fork's reset aside) and execve keeps them.  Linux
 * keeps them per thread; here, as the nice value, they belong to the
 * process.  Windows schedules by priority class: a real-time policy makes
 * the class high, SCHED_IDLE idle, and SCHED_OTHER and SCHED_BATCH leave
 * it to the nice value (sys_prio.c, lx_prio_apply).  SCHED_DEADLINE is
 * not offered, and no utilisation clamps.
 */
#include <string.h>

#include "capability.h"
#include "identity.h"
#include "instance.h"
#include "lxnt/linux/resource.h"
#include "lxnt/linux/time.h"
#include "proc.h"
#include "sched_policy.h"
#include "syscall_table.h"

/* sched_setparam's "the policy it has" (SETPARAM_POLICY). */
#define KEEP_POLICY (-1)
#define MAX_RT_PRIO 100
#define NICE_MIN (-20)
#define NICE_MAX 19

/* include/uapi/linux/sched.h */
#define FLAG_RESET_ON_FORK 0x01
#define FLAG_KEEP_POLICY 0x08
#define FLAG_KEEP_PARAMS 0x10
#define FLAG_UTIL_CLAMP 0x60
#define FLAG_ALL 0x7f
#define ATTR_SIZE_VER0 48
#define ATTR_SIZE_MAX 4096

/* include/uapi/linux/sched/types.h, SCHED_ATTR_SIZE_VER1. */
struct lx_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

/* What a request asks of the target, as __sched_setscheduler takes it. */
struct request {
	long policy;     /* or KEEP_POLICY */
	long priority;
	long nice;
	uint64_t flags;
};

/* The process a call names (find_get_task: 0 the caller, else any tid
 * of the instance, zombies included): its record, which the caller
 * gives back with target_put. */
static long target_get(int32_t pid, struct lx_proc_record **out)
{
	long tgid = pid == 0 ? lx_getpid() : lx_instance_tgid(pid);

	if (!tgid)
		return -LX_ESRCH;
	*out = tgid == lx_getpid() ? lx_proc_self : lx_proc_record_open(tgid);
	return *out ? 0 : -LX_ESRCH;
}

static void target_put(struct lx_proc_record *r)
{
	if (r != lx_proc_self)
		lx_proc_record_close(r);
}

static bool valid_policy(long policy)
{
	return policy == LX_SCHED_OTHER || policy == LX_SCHED_BATCH || policy == LX_SCHED_IDLE ||
	       lx_sched_rt_policy(policy) || policy == LX_SCHED_DEADLINE;
}

static bool fair_policy(long policy)
{
	return policy == LX_SCHED_OTHER || policy == LX_SCHED_BATCH;
}

/* is_nice_reduction: RLIMIT_NICE allows nice (20 - nice within it). */
static bool nice_allowed(const struct lx_proc_record *r, long nice)
{
	return (uint64_t)(20 - nice) <= lx_rlimit_cur_of(r, LX_RLIMIT_NICE);
}

/* user_check_sched_setscheduler: whether the request needs CAP_SYS_NICE. */
static bool needs_privilege(const struct lx_proc_record *r, const struct request *q, bool reset)
{
	if (fair_policy(q->policy) && q->nice < r->nice && !nice_allowed(r, q->nice))
		return true;
	if (lx_sched_rt_policy(q->policy)) {
		uint64_t rtprio = lx_rlimit_cur_of(r, LX_RLIMIT_RTPRIO);
		if (q->policy != r->sched_policy && !rtprio)
			return true;
		if (q->priority > r->sched_priority && (uint64_t)q->priority > rtprio)
			return true;
	}
	if (r->sched_policy == LX_SCHED_IDLE && q->policy != LX_SCHED_IDLE && !nice_allowed(r, r->nice))
		return true;
	/* check_same_owner */
	if (lx_euid != r->euid && lx_euid != r->uid)
		return true;
	return r->sched_reset_on_fork && !reset;
}

/* __sched_setscheduler for a caller in user space. */
static long set_scheduler(struct lx_proc_record *r, struct request q)
{
	bool reset;

	if (q.policy == KEEP_POLICY) {
		q.policy = r->sched_policy;
		reset = r->sched_reset_on_fork;
	} else {
		reset = q.flags & FLAG_RESET_ON_FORK;
		if (!valid_policy(q.policy))
			return -LX_EINVAL;
	}
	if (q.flags & ~(uint64_t)FLAG_ALL)
		return -LX_EINVAL;
	if (q.priority < 0 || q.priority > MAX_RT_PRIO - 1)
		return -LX_EINVAL;
	/* SCHED_DEADLINE is refused as __checkparam_dl refuses parameters
	 * it cannot honour; real-time policies take 1..99, the others 0. */
	if (q.policy == LX_SCHED_DEADLINE || lx_sched_rt_policy(q.policy) != (q.priority != 0))
		return -LX_EINVAL;
	if (needs_privilege(r, &q, reset) && !lx_capable(LX_CAP_SYS_NICE))
		return -LX_EPERM;
	/* cap_task_setscheduler (cap_safe_nice): no target with
	 * capabilities the caller lacks. */
	if ((r->cap_permitted & ~lx_proc_self->cap_permitted) && !lx_capable(LX_CAP_SYS_NICE))
		return -LX_EPERM;
	/* uclamp_validate of a kernel built without utilisation clamps. */
	if (q.flags & FLAG_UTIL_CLAMP)
		return -LX_EOPNOTSUPP;
	r->sched_policy = q.policy;
	r->sched_priority = q.priority;
	if (fair_policy(q.policy))
		r->nice = q.nice;
	r->sched_reset_on_fork = reset;
	lx_prio_apply(r);
	return 0;
}

/* do_sched_setscheduler: a missing parameter or a negative pid first,
 * then the copy, then the target. */
static long set_from_param(int32_t pid, long policy, uint64_t param)
{
	struct lx_proc_record *r;
	int32_t priority;
	long err;

	if (!param || pid < 0)
		return -LX_EINVAL;
	if (lx_copy_from_user(&priority, param, sizeof(priority)) < 0)
		return -LX_EFAULT;
	if ((err = target_get(pid, &r)))
		return err;
	struct request q = { .policy = policy, .priority = priority, .nice = r->nice };
	/* The legacy SCHED_RESET_ON_FORK bit of the policy. */
	if (policy != KEEP_POLICY && (policy & LX_SCHED_RESET_ON_FORK)) {
		q.flags |= FLAG_RESET_ON_FORK;
		q.policy = policy & ~LX_SCHED_RESET_ON_FORK;
	}
	err = set_scheduler(r, q);
	target_put(r);
	return err;
}

/* Linux sched_setscheduler(2). */
int64_t lx_sys_sched_setscheduler(struct lx_syscall *sc)
{
	int32_t policy = (int32_t)sc->arg[1];

	if (policy < 0)
		return -LX_EINVAL;
	return set_from_param((int32_t)sc->arg[0], policy, (uint64_t)sc->arg[2]);
}

/* Linux sched_setparam(2). */
int64_t lx_sys_sched_setparam(struct lx_syscall *sc)
{
	return set_from_param((int32_t)sc->arg[0], KEEP_POLICY, (uint64_t)sc->arg[1]);
}

/* Linux sched_getscheduler(2): the policy, with SCHED_RESET_ON_FORK. */
int64_t lx_sys_sched_getscheduler(struct lx_syscall *sc)
{
	int32_t pid = (int32_t)sc->arg[0];
	struct lx_proc_record *r;
	long err;

	if (pid < 0)
		return -LX_EINVAL;
	if ((err = target_get(pid, &r)))
		return err;
	long policy = r->sched_policy | (r->sched_reset_on_fork ? LX_SCHED_RESET_ON_FORK : 0);
	target_put(r);
	return policy;
}

/* Linux sched_getparam(2): the real-time priority, 0 for the others. */
int64_t lx_sys_sched_getparam(struct lx_syscall *sc)
{
	int32_t pid = (int32_t)sc->arg[0], priority;
	struct lx_proc_record *r;
	long err;

	if (!sc->arg[1] || pid < 0)
		return -LX_EINVAL;
	if ((err = target_get(pid, &r)))
		return err;
	priority = lx_sched_rt_policy(r->sched_policy) ? (int32_t)r->sched_priority : 0;
	target_put(r);
	return lx_copy_to_user((uint64_t)sc->arg[1], &priority, sizeof(priority)) ? -LX_EFAULT : 0;
}

/* Linux sched_rr_get_interval(2): SCHED_RR's time slice,
 * sched_rr_timeslice (RR_TIMESLICE, 100 ms); the other policies report 0,
 * as the kernel does for SCHED_FIFO, and for the fair class whenever its
 * slice (get_rr_interval_fair, in whole jiffies) is under one jiffy.  The
 * pid is checked before the pointer is written. */
int64_t lx_sys_sched_rr_get_interval(struct lx_syscall *sc)
{
	int32_t pid = (int32_t)sc->arg[0];
	struct lx_timespec t = { 0, 0 };
	struct lx_proc_record *r;
	long err;

	if (pid < 0)
		return -LX_EINVAL;
	if ((err = target_get(pid, &r)))
		return err;
	if (r->sched_policy == LX_SCHED_RR)
		t.tv_nsec = 100 * 1000 * 1000;
	target_put(r);
	return lx_copy_to_user((uint64_t)sc->arg[1], &t, sizeof(t)) ? -LX_EFAULT : 0;
}

/* Whether the len bytes at uaddr are all zero (copy_struct_from_user's
 * check of what a newer caller's structure adds). */
static long tail_is_zero(uint64_t uaddr, size_t len)
{
	unsigned char buf[256];

	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		if (lx_copy_from_user(buf, uaddr, n) < 0)
			return -LX_EFAULT;
		for (size_t i = 0; i < n; i++)
			if (buf[i])
				return 0;
		uaddr += n;
		len -= n;
	}
	return 1;
}

/* sched_copy_attr: a size of 0 is VER0's; one out of range, or a larger
 * structure with something set past ours, gets our size written back
 * and E2BIG; the nice value is clamped. */
static long copy_attr(uint64_t uaddr, struct lx_sched_attr *a)
{
	uint32_t size;
	long r;

	memset(a, 0, sizeof(*a));
	if (lx_copy_from_user(&size, uaddr, sizeof(size)) < 0)
		return -LX_EFAULT;
	if (!size)
		size = ATTR_SIZE_VER0;
	if (size < ATTR_SIZE_VER0 || size > ATTR_SIZE_MAX)
		goto too_big;
	if (size > sizeof(*a)) {
		if ((r = tail_is_zero(uaddr + sizeof(*a), size - sizeof(*a))) < 0)
			return r;
		if (!r)
			goto too_big;
	}
	if (lx_copy_from_user(a, uaddr, size < sizeof(*a) ? size : sizeof(*a)) < 0)
		return -LX_EFAULT;
	if ((a->sched_flags & FLAG_UTIL_CLAMP) && size < sizeof(*a))
		return -LX_EINVAL;
	a->sched_nice = a->sched_nice < NICE_MIN ? NICE_MIN : a->sched_nice > NICE_MAX ? NICE_MAX : a->sched_nice;
	return 0;
too_big:
	size = sizeof(*a);
	if (lx_copy_to_user(uaddr, &size, sizeof(size)) < 0)
		return -LX_EFAULT;
	return -LX_E2BIG;
}

/* Linux sched_setattr(2). */
int64_t lx_sys_sched_setattr(struct lx_syscall *sc)
{
	int32_t pid = (int32_t)sc->arg[0];
	uint64_t uattr = (uint64_t)sc->arg[1];
	struct lx_sched_attr a;
	struct lx_proc_record *r;
	long err;

	if (!uattr || pid < 0 || (uint32_t)sc->arg[2])
		return -LX_EINVAL;
	if ((err = copy_attr(uattr, &a)))
		return err;
	if ((int32_t)a.sched_policy < 0)
		return -LX_EINVAL;
	struct request q = {
		.policy = (a.sched_flags & FLAG_KEEP_POLICY) ? KEEP_POLICY : (long)a.sched_policy,
		.priority = a.sched_priority,
		.nice = a.sched_nice,
		.flags = a.sched_flags,
	};
	if ((err = target_get(pid, &r)))
		return err;
	/* get_params: the target's own priority or nice value. */
	if (a.sched_flags & FLAG_KEEP_PARAMS) {
		if (lx_sched_rt_policy(r->sched_policy))
			q.priority = r->sched_priority;
		else
			q.nice = r->nice;
	}
	err = set_scheduler(r, q);
	target_put(r);
	return err;
}

/* Linux sched_getattr(2): as much of the structure as the caller's size
 * holds, with that size in it; no utilisation clamps (0 and 0, as a
 * kernel without them gives). */
int64_t lx_sys_sched_getattr(struct lx_syscall *sc)
{
	int32_t pid = (int32_t)sc->arg[0];
	uint64_t uattr = (uint64_t)sc->arg[1];
	uint32_t usize = (uint32_t)sc->arg[2];
	struct lx_sched_attr a;
	struct lx_proc_record *r;
	long err;

	if (!uattr || pid < 0 || usize > ATTR_SIZE_MAX || usize < ATTR_SIZE_VER0 || (uint32_t)sc->arg[3])
		return -LX_EINVAL;
	if ((err = target_get(pid, &r)))
		return err;
	memset(&a, 0, sizeof(a));
	a.sched_policy = (uint32_t)r->sched_policy;
	a.sched_flags = r->sched_reset_on_fork ? FLAG_RESET_ON_FORK : 0;
	if (lx_sched_rt_policy(r->sched_policy))
		a.sched_priority = (uint32_t)r->sched_priority;
	else
		a.sched_nice = (int32_t)r->nice;
	target_put(r);
	a.size = usize < sizeof(a) ? usize : sizeof(a);
	return lx_copy_to_user(uattr, &a, a.size) < 0 ? -LX_EFAULT : 0;
}

void lx_sched_policy_inherit(struct lx_proc_record *child, const struct lx_proc_record *parent)
{
	child->sched_policy = parent->sched_policy;
	child->sched_priority = parent->sched_priority;
	child->sched_reset_on_fork = 0;
	if (!parent->sched_reset_on_fork)
		return;
	if (lx_sched_rt_policy(child->sched_policy)) {
		child->sched_policy = LX_SCHED_OTHER;
		child->sched_priority = 0;
		child->nice = 0;
	} else if (child->nice < 0) {
		child->nice = 0;
	}
}
