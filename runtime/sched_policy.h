/* Scheduling policies (include/uapi/linux/sched.h), which the process's
 * record keeps (runtime/sys_sched_policy.c). */
#ifndef LXNT_RUNTIME_SCHED_POLICY_H
#define LXNT_RUNTIME_SCHED_POLICY_H

#include <stdbool.h>

#include "proc.h"

#define LX_SCHED_OTHER 0
#define LX_SCHED_FIFO 1
#define LX_SCHED_RR 2
#define LX_SCHED_BATCH 3
#define LX_SCHED_IDLE 5
#define LX_SCHED_DEADLINE 6
#define LX_SCHED_RESET_ON_FORK 0x40000000

static inline bool lx_sched_rt_policy(long policy)
{
	return policy == LX_SCHED_FIFO || policy == LX_SCHED_RR;
}

/* sched_fork: a child takes its parent's policy, unless
 * SCHED_RESET_ON_FORK makes a real-time one SCHED_OTHER at nice 0 and a
 * negative nice value 0 (called once the child's nice value is set). */
void lx_sched_policy_inherit(struct lx_proc_record *child, const struct lx_proc_record *parent);

/* Gives the Windows process of record r the priority class of its
 * policy and nice value (runtime/sys_prio.c). */
void lx_prio_apply(struct lx_proc_record *r);

#endif
