/*
 * Asynchronous delivery: a signal for a thread that runs guest code must
 * not wait for its next syscall.  The sender suspends the thread, and if
 * its rip is guest code (include/lxnt/layout.h windows) moves it onto its
 * Windows stack at lx_signal_async_entry (entry.S), which takes the signal
 * as the syscall exit path would.  A thread inside the runtime with
 * in_runtime set checks its pending set before it returns to guest code;
 * one in runtime code without it is on its way in or out (the last
 * instructions of the exit path, the exception dispatcher of a trap site),
 * and is tried again a moment later.
 */
#include <string.h>
#include <windows.h>

#include "signal.h"

extern const char lx_signal_async_entry[];

#define FX_SIZE 512
#define KICK_TRIES 2000

static void regs_from_context(struct lx_regs *r, const CONTEXT *c)
{
	*r = (struct lx_regs){
		.rax = c->Rax, .rbx = c->Rbx, .rcx = c->Rcx, .rdx = c->Rdx,
		.rsi = c->Rsi, .rdi = c->Rdi, .rbp = c->Rbp, .rsp = c->Rsp,
		.r8 = c->R8, .r9 = c->R9, .r10 = c->R10, .r11 = c->R11,
		.r12 = c->R12, .r13 = c->R13, .r14 = c->R14, .r15 = c->R15,
		.rip = c->Rip, .rflags = c->EFlags,
	};
}

/*
 * The layout entry.S's syscall entry builds: struct lx_regs at the top of
 * the Windows stack, the fxsave image below it; the thread runs
 * lx_signal_async_entry with rsp below both.
 */
void lx_signal_redirect(struct lx_thread *t, void *ctx, int64_t nr, uint64_t restart_rip)
{
	CONTEXT *c = ctx;
	struct lx_regs *regs = (struct lx_regs *)(uintptr_t)(t->host_stack_top - sizeof(*regs));
	char *fx = (char *)regs - FX_SIZE;

	regs_from_context(regs, c);
	memcpy(fx, &c->FltSave, FX_SIZE);
	t->exit_nr = nr;
	t->exit_restart_rip = restart_rip;
	t->in_runtime = 1;
	c->Rbx = c->Rcx = (DWORD64)(uintptr_t)regs;
	c->Rsp = (DWORD64)(uintptr_t)fx - 32;
	c->Rip = (DWORD64)(uintptr_t)lx_signal_async_entry;
	c->EFlags &= ~0x10500u; /* TF, DF, RF: the runtime runs with the ABI's flags */
}

/* One look at t; true when nothing more is to be done. */
static bool try_kick(struct lx_thread *t)
{
	CONTEXT c;
	bool done = true;

	/* in_runtime is read only once the thread is suspended and its
	 * context read (which waits for the suspension): its stores are
	 * visible then, so its own exit path, which clears in_runtime before
	 * it looks at the pending set, needs no fence. */
	if (SuspendThread(t->handle) == (DWORD)-1)
		return true; /* gone */
	memset(&c, 0, sizeof(c));
	c.ContextFlags = CONTEXT_FULL | CONTEXT_FLOATING_POINT;
	if (!GetThreadContext(t->handle, &c)) {
		ResumeThread(t->handle);
		return true;
	}
	if (t->in_runtime) {
		/* entered (or was sent) the runtime meanwhile: it will look */
	} else if (lx_guest_address(c.Rip)) {
		lx_signal_redirect(t, &c, -1, 0);
		c.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
		if (!SetThreadContext(t->handle, &c)) {
			t->in_runtime = 0;
			lx_log("lxnt: cannot interrupt thread %ld (error %lu)", t->tid, GetLastError());
		}
	} else {
		done = false;
	}
	ResumeThread(t->handle);
	return done;
}

/* Held by a kick from its SuspendThread to its ResumeThread; taken for
 * good by lx_signal_kicks_close.  kicker is the Windows thread id of its
 * holder. */
static SRWLOCK kick_lock = SRWLOCK_INIT;
static volatile DWORD kicker;
static volatile LONG kicks_closed;

void lx_signal_kick(struct lx_thread *t)
{
	AcquireSRWLockExclusive(&kick_lock);
	kicker = GetCurrentThreadId();
	for (int i = 0; i < KICK_TRIES && !kicks_closed && !try_kick(t); i++)
		Sleep(i < 20 ? 0 : 1);
	kicker = 0;
	ReleaseSRWLockExclusive(&kick_lock);
}

/*
 * ExitProcess first ends every other thread of the process
 * (NtTerminateProcess with no handle), a kicker included.  A kicker ended
 * between its SuspendThread and its ResumeThread leaves its target
 * suspended for good, and when the target is the exiting thread itself,
 * the process never ends: under Wine a suspension takes effect only when
 * the thread next runs with signals unblocked (SIGUSR1), which for a
 * thread inside the terminate call is right after it, once the kicker is
 * gone.  So the exit waits for the kick under way, if any, and lets no
 * other one start: the lock is never given back.
 */
void lx_signal_kicks_close(void)
{
	InterlockedExchange(&kicks_closed, 1);
	/* A runtime fault inside a kick ends the process from the kicker
	 * (fault.c, unhandled_filter), which holds the lock already. */
	if (kicker == GetCurrentThreadId())
		return;
	AcquireSRWLockExclusive(&kick_lock);
}
