/*
 * The fork child's process, made ahead of need (runtime/fork.c,
 * docs/runtime.md "fork").
 *
 * Under Wine most of a process creation is the new process starting up
 * (Wine's loader, the DLLs) after CreateProcess returns; a fork child
 * that is resumed only once the parent has filled it pays all of that on
 * the fork's critical path.  So a process that forks again and again
 * keeps one spare: a process of its own image that has gone through that
 * start-up and waits, at the top of the runtime's main, before any of the
 * runtime's own start-up (runtime/start.c), for its hand-off.  fork
 * fills the spare's memory while it waits, then wakes it; right after,
 * it makes the next spare, which starts up while the child runs.
 *
 * A spare is no process of the instance: it has no pid, no entry in the
 * process table and no record until fork takes it (lx_proc_alloc_child
 * runs then, on the spare's process), so the daemon and lxnt-instance
 * never see it, and it has opened nothing of the instance.  It waits on
 * its parent's process too and ends when the parent does, however the
 * parent ends (an instance terminated included); the parent ends it and
 * waits for it at exit and when it becomes an execve stub.
 */
#include <windows.h>
#include <string.h>

#include "fork_spare.h"
#include "handoff.h"
#include "lx.h"
#include "process_create.h"
#include "thread.h"

/* How long exit and execve wait for their spare to be gone. */
#define SPARE_END_WAIT_MS 5000

/* How long exit and execve wait for a spare being made. */
#define MAKER_END_WAIT_MS 10000

static SRWLOCK spare_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE spare_cv = CONDITION_VARIABLE_INIT;
static struct lx_fork_spare spare;
static bool have_spare;
static bool dropped;   /* exit or execve: no more spares */
static long forks;     /* fork children taken so far */
static bool want;      /* the maker thread is asked for a spare */
static bool making;    /* it is making one */
static HANDLE maker;   /* the maker thread, once started */

/*
 * The child is a new process of the file this one was started from: if
 * the file was replaced since (a rebuilt program), its image is another
 * program's and the copied state would not fit it.  The headers (section
 * table, .lxnt size and times included) tell.
 */
static long same_image(HANDLE proc)
{
	const void *ours = GetModuleHandleW(NULL);
	size_t n = 4096;
	void *theirs = HeapAlloc(GetProcessHeap(), 0, n);
	long r = 0;

	if (!theirs)
		return -LX_ENOMEM;
	if (!ReadProcessMemory(proc, ours, theirs, n, NULL)) {
		r = lx_errno_from_win32(GetLastError());
	} else if (memcmp(ours, theirs, n)) {
		lx_log("lxnt: fork: the program file changed since this process started");
		r = -LX_EAGAIN;
	}
	HeapFree(GetProcessHeap(), 0, theirs);
	return r;
}

static void spare_close(struct lx_fork_spare *s)
{
	CloseHandle(s->go);
	CloseHandle(s->pi.hThread);
	CloseHandle(s->pi.hProcess);
}

static void spare_end(struct lx_fork_spare *s, DWORD wait_ms)
{
	TerminateProcess(s->pi.hProcess, 127);
	if (wait_ms)
		WaitForSingleObject(s->pi.hProcess, wait_ms);
	spare_close(s);
}

/* Gives the suspended process a wake-up event and this process's handle
 * in its lx_handoff_wait, then lets it start up (thread NULL: an exec
 * spare, running already, reads them once woken from its first wait). */
long lx_process_arm(HANDLE process, HANDLE thread, HANDLE go)
{
	HANDLE self = GetCurrentProcess(), remote[2];

	if (!DuplicateHandle(self, go, process, &remote[0], SYNCHRONIZE, FALSE, 0) ||
	    !DuplicateHandle(self, self, process, &remote[1], SYNCHRONIZE, FALSE, 0) ||
	    !WriteProcessMemory(process, (void *)lx_handoff_wait, remote, sizeof(remote), NULL))
		return lx_errno_from_win32(GetLastError());
	if (thread && ResumeThread(thread) == (DWORD)-1)
		return lx_errno_from_win32(GetLastError());
	return 0;
}

static long spare_arm(struct lx_fork_spare *s)
{
	return lx_process_arm(s->pi.hProcess, s->pi.hThread, s->go);
}

static long spare_make(struct lx_fork_spare *s)
{
	wchar_t module[MAX_PATH];
	DWORD n = GetModuleFileNameW(NULL, module, MAX_PATH);
	long r;

	if (n == 0 || n >= MAX_PATH)
		return -LX_ENOMEM;
	s->go = CreateEventW(NULL, FALSE, FALSE, NULL);
	if (!s->go)
		return lx_errno_from_win32(GetLastError());
	HANDLE guard;
	r = lx_process_create(module, GetCommandLineW(), 0, &s->pi, &guard);
	if (r < 0) {
		CloseHandle(s->go);
		return r;
	}
	r = same_image(s->pi.hProcess);
	if (r == 0)
		r = spare_arm(s);
	if (r < 0) {
		spare_end(s, 0);
		lx_process_guard_drop(guard);
	} else {
		/* Armed: it ends by itself when this process does. */
		lx_process_guard_release(guard);
	}
	return r;
}

/* A fork that comes while the maker makes the spare waits for it: the
 * process is half made already. */
long lx_fork_spare_take(struct lx_fork_spare *out)
{
	bool got;

	AcquireSRWLockExclusive(&spare_lock);
	forks++;
	want = false;
	while (making)
		SleepConditionVariableSRW(&spare_cv, &spare_lock, INFINITE, 0);
	got = have_spare;
	if (got) {
		*out = spare;
		have_spare = false;
	}
	ReleaseSRWLockExclusive(&spare_lock);
	return got ? 0 : spare_make(out);
}

void lx_fork_spare_start(struct lx_fork_spare *s)
{
	SetEvent(s->go);
	CloseHandle(s->go);
	CloseHandle(s->pi.hThread);
}

void lx_fork_spare_abandon(struct lx_fork_spare *s)
{
	spare_end(s, 0);
}

/*
 * The maker: a helper thread that makes the next spare while the fork
 * that asked for it returns.  CreateProcess under Wine takes 10 to 20 ms,
 * which fork spent before returning to the parent: a shell's `(exit 0)`
 * or a child that ends at once waited for it in wait4.
 */
static DWORD WINAPI maker_main(void *unused)
{
	(void)unused;
	AcquireSRWLockExclusive(&spare_lock);
	for (;;) {
		while (!want && !dropped)
			SleepConditionVariableSRW(&spare_cv, &spare_lock, INFINITE, 0);
		if (dropped)
			break;
		want = false;
		making = true;
		ReleaseSRWLockExclusive(&spare_lock);
		struct lx_fork_spare s;
		long r = spare_make(&s);
		AcquireSRWLockExclusive(&spare_lock);
		making = false;
		bool keep = r == 0 && !have_spare && !dropped;
		if (keep) {
			spare = s;
			have_spare = true;
		}
		WakeAllConditionVariable(&spare_cv);
		if (r == 0 && !keep) {
			ReleaseSRWLockExclusive(&spare_lock);
			spare_end(&s, SPARE_END_WAIT_MS);
			AcquireSRWLockExclusive(&spare_lock);
		}
	}
	ReleaseSRWLockExclusive(&spare_lock);
	return 0;
}

/*
 * A process that forks once (a subshell running one pipeline, `sh -c
 * "a; b"`) would pay a spare it never uses; one that has forked twice
 * (a shell's loop, make, xargs) is taken to fork again.  Without a maker
 * thread the spare is made here.
 */
void lx_fork_spare_refill(void)
{
	struct lx_fork_spare s;
	bool keep = false, here = false;

	AcquireSRWLockExclusive(&spare_lock);
	if (forks >= 2 && !have_spare && !dropped && !making) {
		if (!maker)
			maker = lx_helper_thread(maker_main, NULL, 256 * 1024);
		want = maker != NULL;
		here = !want;
		WakeAllConditionVariable(&spare_cv);
	}
	ReleaseSRWLockExclusive(&spare_lock);
	if (!here || spare_make(&s) < 0)
		return; /* the next fork makes its child itself */
	AcquireSRWLockExclusive(&spare_lock);
	if (!have_spare && !dropped) {
		spare = s;
		have_spare = keep = true;
	}
	ReleaseSRWLockExclusive(&spare_lock);
	if (!keep)
		spare_end(&s, 0);
}

void lx_fork_spare_drop(void)
{
	struct lx_fork_spare s;
	HANDLE m;
	bool got;

	AcquireSRWLockExclusive(&spare_lock);
	dropped = true;
	WakeAllConditionVariable(&spare_cv);
	m = maker;
	ReleaseSRWLockExclusive(&spare_lock);
	/* A spare being made is ended by the maker once made. */
	if (m && m != GetCurrentThread())
		WaitForSingleObject(m, MAKER_END_WAIT_MS);
	AcquireSRWLockExclusive(&spare_lock);
	got = have_spare;
	s = spare;
	have_spare = false;
	ReleaseSRWLockExclusive(&spare_lock);
	/* Waited for, so that no process made here outlives this one. */
	if (got)
		spare_end(&s, SPARE_END_WAIT_MS);
}

void lx_handoff_await(void)
{
	HANDLE h[2] = { lx_handoff_wait[0], lx_handoff_wait[1] };
	DWORD w = WaitForMultipleObjects(2, h, FALSE, INFINITE);

	CloseHandle(h[0]);
	CloseHandle(h[1]);
	/* The parent ended (or gave up on the fork) before it woke this
	 * process: nobody waits for it, and it never ran a Linux instruction.
	 * When both are signalled, the wake-up (index 0) is the answer. */
	if (w != WAIT_OBJECT_0 || !lx_handoff_block)
		ExitProcess(0);
}
