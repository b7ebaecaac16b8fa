/*
 * Robust futexes (kernel/futex/core.c, exit_robust_list): the locks a
 * thread still holds when it exits are marked FUTEX_OWNER_DIED and one
 * waiter of each is woken; set_robust_list(2) (sys_process.c) records the
 * list, get_robust_list(2) reads it back.
 */
#include "futex.h"
#include "syscall_table.h"

/* handle_futex_death(): 0 to go on, -1 when the list cannot be read. */
#define FUTEX_WAITERS    0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK   0x3fffffffu

static int futex_death(uint64_t uaddr, long tid, bool pi, bool pending)
{
	uint32_t uval, mval;

	if (uaddr & 3)
		return -1;
	if (lx_get_user32(&uval, uaddr) < 0)
		return -1;
	for (;;) {
		/* Died between taking the lock in user space and recording it:
		 * the lock may be free with a waiter that must try again. */
		if (pending && !pi && !uval) {
			lx_futex_wake(uaddr, 1);
			return 0;
		}
		if ((uval & FUTEX_TID_MASK) != (uint32_t)tid)
			return 0;
		mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		long r = lx_cmpxchg_user32(uaddr, &uval, mval);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
	}
	if (!pi && (uval & FUTEX_WAITERS))
		lx_futex_wake(uaddr, 1);
	return 0;
}

struct robust_list_head {
	uint64_t list;           /* first entry; the head itself ends the list */
	int64_t futex_offset;    /* from an entry to its futex word */
	uint64_t list_op_pending;
};

#define ROBUST_LIST_LIMIT 2048 /* the kernel's bound against circular lists */

/* exit_robust_list(): entries carry the PI flag in bit 0. */
void lx_futex_exit_robust(struct lx_thread *t)
{
	struct robust_list_head head;
	uint64_t entry, pending;
	unsigned limit = ROBUST_LIST_LIMIT;

	if (!t->robust_list || lx_copy_from_user(&head, t->robust_list, sizeof(head)) < 0)
		return;
	entry = head.list;
	pending = head.list_op_pending;
	while ((entry & ~1ULL) != t->robust_list) {
		uint64_t next;
		if (lx_copy_from_user(&next, entry & ~1ULL, sizeof(next)) < 0)
			return;
		/* The pending entry is handled last, as the kernel does. */
		if (entry != pending &&
		    futex_death((entry & ~1ULL) + (uint64_t)head.futex_offset, t->tid, entry & 1, false))
			return;
		entry = next;
		if (!--limit)
			break;
	}
	if (pending)
		futex_death((pending & ~1ULL) + (uint64_t)head.futex_offset, t->tid, pending & 1, true);
}

/*
 * Linux get_robust_list(2): the head that set_robust_list recorded for a
 * thread of this process (0: the caller).  musl asks for its own before it
 * lets a mutex be robust.
 */
int64_t lx_sys_get_robust_list(struct lx_syscall *sc)
{
	int32_t pid = (int32_t)sc->arg[0];
	uint64_t head;
	uint64_t len = sizeof(struct robust_list_head);

	lx_thread_registry_lock();
	struct lx_thread *t = pid ? lx_thread_find(pid) : lx_current_thread();
	if (t)
		head = t->robust_list;
	lx_thread_registry_unlock();
	if (!t)
		return -LX_ESRCH;
	if (lx_copy_to_user((uint64_t)sc->arg[1], &head, sizeof(head)) < 0 ||
	    lx_copy_to_user((uint64_t)sc->arg[2], &len, sizeof(len)) < 0)
		return -LX_EFAULT;
	return 0;
}
