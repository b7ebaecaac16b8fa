/*
 * CLONE_THREAD: new threads of this process (runtime/clone.h), and the end
 * of one thread (exit(2)).  Each Linux thread is a Windows thread with its
 * own Windows stack for the runtime; guest code runs on the stack the
 * caller provided, with its own guest thread pointer.
 */
#include <windows.h>

#include "clone.h"
#include "signal.h"
#include "futex.h"
#include "identity.h"
#include "ptable.h"
#include "stats.h"
#include "thread.h"

/*
 * The Linux tid of a new thread: the instance's table hands it out from
 * the one space pids and tids share (runtime/ptable.h), so that no tid is
 * ever another process's pid.  0 when the space is full.
 */
long lx_new_tid(unsigned long win_tid)
{
	static int64_t self_ctime;

	(void)win_tid;
	if (!self_ctime)
		self_ctime = lx_process_ctime(GetCurrentProcess());
	return lx_ptable_alloc(LX_PT_THREAD, 0, lx_getpid(), lx_getpid(), GetCurrentProcessId(),
	                       self_ctime);
}

/* What the creator hands to the new thread. */
struct thread_start {
	struct lx_thread *t;
	struct lx_regs regs;
	struct lx_fp_control fp;
	uint64_t tp;
	uint64_t flags;
	uint64_t child_tid;
};

static DWORD WINAPI thread_main(void *arg)
{
	struct thread_start s = *(struct thread_start *)arg;
	int32_t tid = (int32_t)s.t->tid;

	HeapFree(GetProcessHeap(), 0, arg);
	lx_thread_bind(s.t);
	lx_set_thread_pointer(s.tp);
	/* schedule_tail(): a fault here is ignored, as the kernel's put_user is. */
	if (s.flags & LX_CLONE_CHILD_SETTID)
		lx_copy_to_user(s.child_tid, &tid, sizeof(tid));
	lx_fp_control_load(&s.fp);
	lx_enter_guest(&s.regs, s.t);
}

#define LX_NR_CLONE3 435 /* runtime/syscalls.tbl */

/* copy_process() checks that concern threads, beyond sys_clone.c's. */
static int64_t check_thread_flags(const struct lx_syscall *sc, const struct lx_clone_args *ca)
{
	uint64_t f = ca->flags;

	if ((f & (LX_CLONE_SIGHAND | LX_CLONE_CLEAR_SIGHAND)) ==
	    (LX_CLONE_SIGHAND | LX_CLONE_CLEAR_SIGHAND))
		return -LX_EINVAL;
	/* clone3_args_valid(): a thread has no exit signal.  clone(2) ignores it. */
	if (sc->nr == LX_NR_CLONE3 && ca->exit_signal)
		return -LX_EINVAL;
	/* Threads with their own fd table or cwd, vfork-style threads and
	 * pidfds are not implemented: refused rather than shared by mistake. */
	if ((f & (LX_CLONE_FS | LX_CLONE_FILES)) != (LX_CLONE_FS | LX_CLONE_FILES) ||
	    (f & (LX_CLONE_VFORK | LX_CLONE_PIDFD))) {
		lx_log("lxnt: clone: thread flags 0x%llx are not implemented, returning ENOSYS",
		       (unsigned long long)f);
		return -LX_ENOSYS;
	}
	return 0;
}

/*
 * How far below the guest's rsp after the system call the frame's rsp
 * lies.  A trampoline calls the syscall entry with rsp moved 128 bytes
 * down, past the red zone, and moves it back once the call returns
 * (include/lxnt/sitetab.h); a trap-rung call resumes at the frame's rsp
 * as it is.  entry.S builds its frame right at the top of the thread's
 * Windows stack, which tells the two apart.
 */
static uint64_t frame_rsp_bias(const struct lx_syscall *sc, const struct lx_thread *self)
{
	bool from_entry = (uint64_t)(uintptr_t)sc->regs == self->host_stack_top - sizeof(struct lx_regs);

	return from_entry ? 128 : 0;
}

int64_t lx_clone_thread(struct lx_syscall *sc, const struct lx_clone_args *ca)
{
	struct lx_thread *self = lx_current_thread();
	struct thread_start *s;
	int64_t r = check_thread_flags(sc, ca);
	DWORD win_tid;

	if (r < 0)
		return r;
	s = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*s));
	if (!s)
		return -LX_ENOMEM;
	s->regs = *sc->regs;
	s->regs.rax = 0;
	/* Without a stack the child runs on the caller's stack pointer, as on Linux. */
	if (ca->stack)
		s->regs.rsp = ca->stack + ca->stack_size - frame_rsp_bias(sc, self);
	lx_fp_control_save(&s->fp);
	s->tp = ca->flags & LX_CLONE_SETTLS ? ca->tls : self->tp;
	s->flags = ca->flags;
	s->child_tid = ca->child_tid;

	/* Suspended until it is registered and the parent's tid word is
	 * written: both must be in place before the thread can run. */
	HANDLE h = CreateThread(NULL, 0, thread_main, s, CREATE_SUSPENDED, &win_tid);
	if (!h) {
		HeapFree(GetProcessHeap(), 0, s);
		return -LX_EAGAIN;
	}
	long tid = lx_new_tid(win_tid);
	struct lx_thread *t = tid ? lx_thread_alloc(tid) : NULL;
	if (!t) {
		if (tid)
			lx_ptable_free(tid, LX_PT_THREAD, lx_getpid(), GetCurrentProcessId());
		TerminateThread(h, 0); /* it never ran */
		CloseHandle(h);
		HeapFree(GetProcessHeap(), 0, s);
		return tid ? -LX_ENOMEM : -LX_EAGAIN;
	}
	t->handle = h;
	t->win_tid = win_tid;
	t->sigmask = self->sigmask;
	if (ca->flags & LX_CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ca->child_tid;
	s->t = t;
	lx_thread_register(t);
	if (ca->flags & LX_CLONE_PARENT_SETTID) {
		int32_t tid = (int32_t)t->tid;
		lx_copy_to_user(ca->parent_tid, &tid, sizeof(tid)); /* faults ignored, as Linux does */
	}
	ResumeThread(h);
	return t->tid;
}

_Noreturn void lx_call_on_host_stack(void (*fn)(void *), void *arg, uint64_t top);

/*
 * Threads that have left the registry and are still on their way out
 * (ExitThread).  Under Wine 8 a process whose ExitProcess overlapped such a
 * thread has been seen, rarely, to end with a wrong status (1, or killed by
 * SIGKILL) after all its output; the end of the process lets them finish
 * first.  Bounded by MAXIMUM_WAIT_OBJECTS; a thread beyond it is not waited
 * for.
 */
static SRWLOCK exiting_lock = SRWLOCK_INIT;
static HANDLE exiting[MAXIMUM_WAIT_OBJECTS];
static DWORD nexiting;

static void exiting_add(HANDLE h)
{
	AcquireSRWLockExclusive(&exiting_lock);
	for (DWORD i = 0; i < nexiting;) {
		if (WaitForSingleObject(exiting[i], 0) == WAIT_OBJECT_0) {
			CloseHandle(exiting[i]);
			exiting[i] = exiting[--nexiting];
		} else {
			i++;
		}
	}
	if (nexiting < MAXIMUM_WAIT_OBJECTS)
		exiting[nexiting++] = h;
	else
		CloseHandle(h);
	ReleaseSRWLockExclusive(&exiting_lock);
}

void lx_threads_wait_exiting(void)
{
	/* Not if this thread is the one adding itself (a fault in between). */
	if (!TryAcquireSRWLockExclusive(&exiting_lock))
		return;
	if (nexiting)
		WaitForMultipleObjects(nexiting, exiting, TRUE, 1000);
	ReleaseSRWLockExclusive(&exiting_lock);
}

/* The rest of lx_thread_exit, on the thread's Windows stack. */
static void thread_exit_on_host_stack(void *arg)
{
	struct lx_thread *t = lx_current_thread();
	int code = (int)(intptr_t)arg;

	lx_stats_retire(t);
	/* Its queued signals go, and process-wide ones move to a thread that
	 * can take them (release_task's flush_sigqueue, retarget). */
	lx_signal_thread_exit(t);
	/* Out of the registry before the joiner can wake: a tid it has joined
	 * is gone (ESRCH), as it is on Linux once the join returns. */
	if (lx_thread_unregister_last(t))
		lx_exit_process((code & 0xff) << 8);
	if (t->clear_child_tid) {
		int32_t zero = 0;
		if (lx_copy_to_user(t->clear_child_tid, &zero, sizeof(zero)) == 0)
			lx_futex_wake(t->clear_child_tid, 1);
	}
	exiting_add(t->handle);
	t->handle = NULL;
	lx_ptable_free(t->tid, LX_PT_THREAD, lx_getpid(), GetCurrentProcessId());
	lx_thread_free(t);
	ExitThread(0);
}

/*
 * Linux exit(2) (do_exit): ends the calling thread.  mm_release() first:
 * the robust futexes, then the clear_child_tid word set to 0 with one
 * waiter woken (how pthread_join learns of the end).  The last thread to
 * leave ends the process with its status, as Linux reports it.
 */
_Noreturn void lx_thread_exit(int code)
{
	struct lx_thread *t = lx_current_thread();

	lx_futex_exit_robust(t);
	lx_call_on_host_stack(thread_exit_on_host_stack, (void *)(intptr_t)code, t->host_stack_top);
}
