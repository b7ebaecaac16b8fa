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

/* What the runtime uses between its signal files (sys_signal.c,
 * sigqueue.c, sigdeliver.c, sys_sigwait.c). */

#define LX_SIGBIT(sig) (1ULL << ((sig) - 1))
/* SIGKILL and SIGSTOP can be neither caught nor blocked. */
#define LX_SIG_UNBLOCKABLE (LX_SIGBIT(LX_SIGKILL) | LX_SIGBIT(LX_SIGSTOP))

/* Default actions (signal(7)). */
enum lx_sig_default { LX_SIGDFL_TERM, LX_SIGDFL_CORE, LX_SIGDFL_IGNORE, LX_SIGDFL_STOP, LX_SIGDFL_CONT };
enum lx_sig_default lx_signal_default(int sig);

/* The disposition of sig (a copy), and the SA_RESETHAND / force_sig reset. */
void lx_sigaction_get(int sig, struct lx_sigaction *out);
void lx_sigaction_reset(int sig);

/* For fork and execve (process work): the whole disposition table, and
 * what execve keeps of it (ignored stays ignored, handlers become SIG_DFL,
 * the alternate stack goes; mask and pending signals stay). */
void lx_sigaction_snapshot(struct lx_sigaction out[LX_NSIG]);
void lx_sigaction_restore(const struct lx_sigaction in[LX_NSIG]);
void lx_signal_exec_reset(void);

/* Pending signals of t: its own and the process-wide ones. */
uint64_t lx_signal_pending(const struct lx_thread *t);

/*
 * Takes the next signal of `allowed` pending for t (its own before the
 * process's, synchronous ones first, then the lowest number, as the
 * kernel's next_signal); fills info.  Returns the signal or 0.
 */
int lx_signal_dequeue(struct lx_thread *t, uint64_t allowed, struct lx_siginfo *info);

/* The calling thread now blocks `blocked`: process-wide pending signals
 * among them go to threads that do not (retarget_shared_pending). */
void lx_signal_retarget(uint64_t blocked);

/* A thread of the process ends (exit_signals): its own pending signals
 * go, the process's go to the other threads.  Call while t is still in
 * the registry and before its tid can be reused. */
void lx_signal_thread_exit(struct lx_thread *t);

/* execve past its point of no return, the listener stopped: the signals
 * pending for the process and the calling thread go into the record, for
 * the new image's listener to raise (pending signals survive execve; a
 * fatal one kills the new image at once).  Their siginfo is lost. */
void lx_signal_exec_carry(void);
/* Publishes the dispositions and the main thread's mask in the record
 * (/proc/<pid>/status's SigIgn, SigCgt, SigBlk). */
void lx_signal_publish(void);
/* ITIMER_REAL across an execve that starts a new process
 * (runtime/sys_itimer.c): its time left and interval, read for the
 * hand-off; disarmed in the old image past the point of no return; armed
 * again in the new one. */
void lx_itimer_exec_out(uint64_t *left_us, uint64_t *interval_us);
void lx_itimer_disarm(void);
void lx_itimer_exec_in(uint64_t left_us, uint64_t interval_us);

/* Discards every pending instance of the signals in mask. */
void lx_signal_flush(uint64_t mask);

/* A synchronous signal raised by the thread's own fault (force_sig_info):
 * a blocked or ignored one is unblocked and reset to SIG_DFL first. */
void lx_signal_force(struct lx_thread *t, const struct lx_siginfo *info);

/* Stops the calling thread while the process is stopped (SIGSTOP and
 * friends; sig 0 joins a stop under way); returns at SIGCONT (SIGKILL
 * ends the process from the sender) or at once when the process is not
 * stopped.  The parent gets the stop and continue reports
 * (runtime/jobctl.c). */
void lx_signal_group_stop(int sig);
bool lx_signal_group_stopped(void);

/* Delivery at syscall exit (dispatch.c) and from the asynchronous path
 * (entry.S lx_signal_async_entry).  fx is the fxsave image of the guest's
 * FP state that the exit path loads; restart_rip re-executes the syscall. */
void lx_signal_syscall_exit(struct lx_regs *regs, void *fx, int64_t nr, uint64_t restart_rip);
void lx_signal_async(struct lx_regs *regs);
void lx_signal_exit_slow(struct lx_regs *regs);

/* Runs the syscall of regs for fault.c's trap rung, without the exit
 * work; returns the syscall number. */
int64_t lx_syscall_dispatch_trap(struct lx_regs *regs);

/* True when the exit path has work: a deliverable signal, a restart code
 * in rax, a mask to restore.  Inline: every syscall asks. */
extern volatile uint64_t lx_shared_sigpending;
extern volatile int lx_group_stopped;

static inline bool lx_signal_exit_work(const struct lx_thread *t, int64_t ret)
{
	return ((t->sigpending | lx_shared_sigpending) & ~t->sigmask) || lx_group_stopped ||
	       t->restore_sigmask || (ret <= -LX_ERESTARTSYS && ret >= -LX_ERESTART_RESTARTBLOCK);
}

/*
 * Moves the calling thread, stopped in guest state c (a CONTEXT), onto
 * its Windows stack at lx_signal_async_entry, which delivers signals
 * there: the regs and FP state of c are saved at the top of that stack.
 * With nr >= 0, the state is a syscall's exit (restart at restart_rip).
 */
void lx_signal_redirect(struct lx_thread *t, void *c, int64_t nr, uint64_t restart_rip);

/* Interrupts t if it runs guest code, so that it takes its pending
 * signals now (sigkick.c); t must not be the calling thread. */
void lx_signal_kick(struct lx_thread *t);

/* Called right before ExitProcess: waits for a kick under way to resume
 * its thread and lets no other kick start (sigkick.c). */
void lx_signal_kicks_close(void);

/* sigaltstack state (include/linux/sched/signal.h on_sig_stack,
 * sas_ss_flags) and the do_sigaltstack worker (sys_signal.c); sp is the
 * guest's rsp. */
bool lx_on_sig_stack(const struct lx_thread *t, uint64_t sp);
int lx_sas_ss_flags(const struct lx_thread *t, uint64_t sp);
long lx_do_sigaltstack(const struct lx_stack *ss, struct lx_stack *old, uint64_t sp);

/* The guard page below the main guest stack (fault.c): set up once the
 * stack is mapped, armed again after an overflow was turned into SIGSEGV. */
void lx_fault_stack_reserve(uint64_t stack_lo);
void lx_fault_rearm_stack_guard(void);

/* The guest window test of fault.c, shared with the asynchronous path. */
bool lx_guest_address(uint64_t a);

#endif
