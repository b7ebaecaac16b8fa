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

/* The robust futexes of an exiting thread t (set_robust_list(2)): each
 * lock t still holds gets FUTEX_OWNER_DIED and one waiter is woken, as
 * the kernel's exit_robust_list does. */
void lx_futex_exit_robust(struct lx_thread *t);

#endif
