/*
 * What the rest of the runtime asks of signal handling (sys_signal.c):
 * raising a signal, and asking whether a blocked wait must give way to one.
 */
#ifndef LXNT_RUNTIME_SIGNAL_H
#define LXNT_RUNTIME_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lxnt/linux/signal.h"
#include "thread.h"

/*
 * Queues sig for thread tid of this process, or for the process when tid is
 * 0 (any thread that does not block it takes it), as the kernel's
 * send_signal does; info may be NULL (SI_KERNEL).  Ignored signals are
 * dropped at once, SIGKILL ends the process.  Returns 0 or -LX_Exxx
 * (-LX_ESRCH for an unknown tid, -LX_EINVAL for a bad number).
 */
long lx_signal_send(long tid, int sig, const struct lx_siginfo *info);

/* True when t has a pending signal that it does not block: a blocking
 * system call of t must stop waiting and return -LX_ERESTARTSYS (or the
 * restart code that suits it). */
bool lx_signal_interrupts(struct lx_thread *t);

/*
 * Waits until one of the n handles (n <= 62) is signalled, timeout_ms
 * passes (negative: no timeout), or a signal interrupts the calling thread.
 * Returns the index of the signalled handle, -LX_ETIMEDOUT, or
 * -LX_ERESTARTSYS.  Every blocking system call waits through this, so that
 * signals can interrupt it (runtime/wait.c).
 */
long lx_wait_interruptible(unsigned n, void *const *handles, int64_t timeout_ms);

#endif
