/*
 * Per-thread runtime state, reached from guest context through the TEB slot
 * LXNT_SLOT_THREAD (include/lxnt/layout.h).  entry.S knows the first two
 * fields by offset.
 */
#ifndef LXNT_RUNTIME_THREAD_H
#define LXNT_RUNTIME_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "lx.h"
#include "lxnt/linux/signal.h"

/* restart_syscall(2) (include/linux/restart_block.h): what an interrupted
 * sleep left to do.  fn NULL is the kernel's do_no_restart_syscall. */
struct lx_restart_block {
	int64_t (*fn)(struct lx_restart_block *rb);
	int clock;
	int64_t deadline_ns;       /* absolute, on clock */
	uint64_t rmtp;             /* guest pointer for the remaining time, 0 for none */
};

struct lx_thread {
	uint64_t host_stack_top;   /* 16-byte aligned top of the Windows stack used by syscalls */
	uint64_t guest_rsp;        /* scratch for entry.S while it switches stacks */
	/* Site executions by rung (stats.c); one plain increment each, no lock,
	 * because only this thread writes them. */
	uint64_t syscalls_by_tramp; /* entry.S: every call of the syscall entry (jump and evict rungs) */
	uint64_t syscalls_by_trap; /* fault.c: trap-rung syscall sites */
	uint64_t i386_by_trap;     /* fault.c: trap-rung sysenter and int 0x80 sites */
	uint64_t fs_by_trap;       /* fault.c: trap-rung %fs sites */
	long tid;
	uint64_t clear_child_tid;  /* set_tid_address(2) */
	uint64_t robust_list;      /* set_robust_list(2) */
	size_t robust_list_len;
	uint64_t sigmask;          /* blocked signals, bit n-1 for signal n */
	uint64_t altstack_sp;      /* sigaltstack(2); altstack_flags LX_SS_DISABLE when none */
	uint64_t altstack_size;
	int altstack_flags;
	uint64_t tp;               /* guest thread pointer (arch_prctl ARCH_SET_FS) */
	/* Signal delivery (sigdeliver.c): in_runtime is 1 from syscall entry
	 * until the last pending-signal check before guest code resumes, so a
	 * sender knows the thread will look at its pending set by itself. */
	volatile int in_runtime;
	uint64_t real_blocked;     /* rt_sigtimedwait: the mask while the wait unblocks its set */
	uint64_t saved_sigmask;    /* rt_sigsuspend: restored after the handler or at exit */
	int restore_sigmask;
	int sigreturned;           /* rt_sigreturn ran: no restart for this syscall */
	int sys_rsp_bias;          /* guest rsp = regs->rsp + this during a syscall */
	unsigned char sigreturn_fx[512]; /* rt_sigreturn: the FP state to load at exit */
	int fault_sig;             /* a synchronous signal raised by fault.c */
	uint64_t fault_trapno, fault_err, fault_cr2;
	struct lx_siginfo fault_info; /* valid while fault_sig != 0 */
	int rearm_stack_guard;     /* the fault was the main stack's overflow (fault.c) */
	int frame_sig;             /* the fault whose trapno/err/cr2 go into the next frame of it */
	int64_t exit_nr;           /* lx_signal_async: syscall whose exit is pending, or -1 */
	uint64_t exit_restart_rip;
	/* Signals (runtime/signal.h): pending set of this thread, and an
	 * auto-reset event set whenever a signal is queued for it, so that a
	 * blocking wait (lx_wait_interruptible) wakes up. */
	volatile uint64_t sigpending;
	void *sig_event;           /* HANDLE */
	void *handle;              /* HANDLE of the Windows thread: suspend, get/set context */
	unsigned long win_tid;     /* Windows thread id */
	struct lx_thread *next;    /* thread registry (thread.c), under its lock */
	/* Threads (clone_thread.c, futex.c, sys_sched.c). */
	void *futex_event;         /* HANDLE: auto-reset event a FUTEX_WAIT of this thread sleeps on */
	uint64_t affinity;         /* sched_setaffinity(2) mask, 0 while never set */
	struct lx_restart_block restart; /* sys_time.c, lx_sys_restart_syscall */
	char trace_args[512];      /* LXNT_TRACE: arguments decoded at entry */
	struct lx_exec_next *exec_next; /* an execve in this process, for the exit path (exec_here.c) */
	/* A file this thread created and has closed, still open until its
	 * next system call other than a stat or a change of the file's
	 * metadata (vfs/host.c, lx_host_keep): HANDLE, volume and file id. */
	void *kept_handle;
	uint64_t kept_dev, kept_id;
	bool in_close;             /* in close(2), the one call that may keep a handle */
};

#define LX_THREAD_HOST_STACK_TOP 0
#define LX_THREAD_GUEST_RSP 8
#define LX_THREAD_SYSCALLS_BY_TRAMP 16

_Static_assert(offsetof(struct lx_thread, host_stack_top) == LX_THREAD_HOST_STACK_TOP, "entry.S");
_Static_assert(offsetof(struct lx_thread, guest_rsp) == LX_THREAD_GUEST_RSP, "entry.S");
_Static_assert(offsetof(struct lx_thread, syscalls_by_tramp) == LX_THREAD_SYSCALLS_BY_TRAMP, "entry.S");
_Static_assert(sizeof(struct lx_regs) == 18 * 8, "entry.S frame");

struct lx_thread *lx_current_thread(void);

/* The kept handle (vfs/host.c): closed, unless the call numbered nr is
 * one that may use it; at once by lx_host_kept_close. */
void lx_host_kept_syscall(struct lx_thread *t, int64_t nr);
void lx_host_kept_close(struct lx_thread *t);

/* Owns TEB TLS indexes LXNT_SLOT_FIRST..LAST for the process, or ends it. */
void lx_claim_teb_slots(void);

/* Creates the calling thread's state and fills its TEB slots. */
struct lx_thread *lx_thread_attach(long tid);

/*
 * The same in halves, for clone (clone_thread.c): the creator allocates the
 * state of a new thread and registers it before the thread runs, so that
 * its tid is known at once (tgkill right after clone); the new thread then
 * binds it to itself.  lx_thread_free releases what lx_thread_alloc made
 * and the thread handle.
 */
struct lx_thread *lx_thread_alloc(long tid);            /* NULL when out of memory */
void lx_thread_register(struct lx_thread *t);           /* takes the lock */
void lx_thread_bind(struct lx_thread *t);
void lx_thread_free(struct lx_thread *t);

/*
 * Thread registry: every live Linux thread of this process.  lx_thread_find
 * returns the thread with that Linux tid or NULL; the result stays valid only
 * while the caller holds the registry lock (lx_thread_registry_lock), since
 * a thread leaves the registry when it exits.
 */
void lx_thread_registry_lock(void);
void lx_thread_registry_unlock(void);
/* The lock if it is free now: for paths that may run while this thread
 * holds it already (the end of the process). */
bool lx_thread_registry_trylock(void);
struct lx_thread *lx_thread_find(long tid);             /* lock held */
struct lx_thread *lx_thread_first(void);                /* lock held; walk with ->next */
void lx_thread_unregister(struct lx_thread *t);         /* takes the lock */
/* Unregisters t; true when it was the last thread (takes the lock). */
bool lx_thread_unregister_last(struct lx_thread *t);

/* Sets the guest thread pointer of the calling thread and its TEB copies. */
void lx_set_thread_pointer(uint64_t tp);

/* Refreshes the TEB copies of tp+0x28 and tp+0x30 (layout.h). */
void lx_refresh_tp_guards(void);

/*
 * The FP control state: x87 control word and MXCSR.  A new program starts
 * with Linux's (lx_fpu_init: fninit's control word 0x37f, 64-bit
 * precision, and MXCSR 0x1f80), not the one Windows gives a thread (0x27f,
 * 53-bit precision); a new thread and a fork child start with their
 * creator's, as fpu_clone copies it (struct lx_fp_control, lx.h).  The
 * runtime's own code leaves both alone (the Win64 ABI keeps them across
 * calls), so the values read in a system call are the guest's.
 */
/* A thread of the runtime's own (not a guest thread), started so that
 * lx_helper_threads_quiesce, called before the process ends, can wait
 * until it runs; the handle as CreateThread's. */
void *lx_helper_thread(unsigned long (__stdcall *fn)(void *), void *arg, size_t stack);
void lx_helper_threads_quiesce(void);

void lx_fpu_init(void);
void lx_fp_control_save(struct lx_fp_control *c);
void lx_fp_control_load(const struct lx_fp_control *c);

/* entry.S: starts guest code with the given registers; never returns. */
_Noreturn void lx_enter_guest(const struct lx_regs *regs, struct lx_thread *self);
/* The same from the stack top given (the thread's own, host_stack_top):
 * the current stack, whatever its depth, is given up.  regs must not lie
 * on that stack. */
_Noreturn void lx_enter_guest_at(const struct lx_regs *regs, struct lx_thread *self, uint64_t top);
void lx_syscall_entry(void);

/* dispatch.c: runs the syscall of the frame entry.S built; nonzero when
 * the exit needs signal work (entry.S then calls lx_signal_exit_slow). */
int lx_syscall_dispatch(struct lx_regs *regs);

#endif
