/*
 * Futexes (runtime/futex.c): what thread exit needs of them.
 */
#ifndef LXNT_RUNTIME_FUTEX_H
#define LXNT_RUNTIME_FUTEX_H

#include <stdint.h>

#include "thread.h"

/* Wakes up to n waiters of the futex word at uaddr (any bitset); returns
 * how many it woke.  No access to the word itself. */
long lx_futex_wake(uint64_t uaddr, int n);

/* When a wait ends: absent (no timeout), or a deadline on one clock. */
struct lx_futex_deadline {
	bool set;
	int clock;    /* LX_CLOCK_MONOTONIC or LX_CLOCK_REALTIME */
	int64_t ns;
};

/* Milliseconds to wait for: -1 for ever, 0 once the deadline has passed,
 * else rounded up so that the wait never ends early. */
int64_t lx_futex_ms_left(const struct lx_futex_deadline *d);

/*
 * Futexes in shared memory (runtime/futex_shared.c), keyed by the
 * section's identity and the offset into it (lx_mm_shared_key), whose
 * waiters may be in any process of the instance.  The calls mirror the
 * process-local ones of futex.c.
 */
struct lx_futex_key {
	uint64_t id, off;
};
long lx_futex_shared_wait(const struct lx_futex_key *k, uint64_t uaddr, uint32_t val,
                          uint32_t bitset, const struct lx_futex_deadline *d);
long lx_futex_shared_wake(const struct lx_futex_key *k, int n, uint32_t bitset);
long lx_futex_shared_requeue(const struct lx_futex_key *k1, const struct lx_futex_key *k2,
                             uint64_t uaddr, int nr_wake, int nr_requeue, const uint32_t *cmpval);
/* Runs op with the shared table locked: FUTEX_WAKE_OP's change of the
 * word and its wakes are one step for every process. */
long lx_futex_shared_locked(long (*op)(void *), void *arg);
/* Wakes with the table locked (inside lx_futex_shared_locked). */
long lx_futex_shared_wake_locked(const struct lx_futex_key *k, int n, uint32_t bitset);

/* The robust futexes of an exiting thread t (set_robust_list(2)): each
 * lock t still holds gets FUTEX_OWNER_DIED and one waiter is woken, as
 * the kernel's exit_robust_list does. */
void lx_futex_exit_robust(struct lx_thread *t);

#endif
