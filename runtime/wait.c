/*
 * The one blocking wait of the runtime (runtime/signal.h): the handles of
 * the call plus the thread's signal event.
 */
#include <windows.h>

#include "identity.h"
#include "proc.h"
#include "signal.h"

static long wait_loop(struct lx_thread *self, unsigned n, HANDLE *all, int64_t timeout_ms)
{
	ULONGLONG deadline = timeout_ms < 0 ? 0 : GetTickCount64() + (ULONGLONG)timeout_ms;

	for (;;) {
		if (lx_signal_interrupts(self))
			return -LX_ERESTARTSYS;
		DWORD ms = INFINITE;
		if (timeout_ms >= 0) {
			ULONGLONG now = GetTickCount64();
			ms = now >= deadline ? 0 : (DWORD)(deadline - now);
		}
		DWORD r = WaitForMultipleObjects(n + 1, all, FALSE, ms);
		if (r < WAIT_OBJECT_0 + n)
			return (long)(r - WAIT_OBJECT_0);
		if (r == WAIT_OBJECT_0 + n)
			continue; /* a signal was queued: look again */
		if (r == WAIT_TIMEOUT)
			return -LX_ETIMEDOUT;
		if (r >= WAIT_ABANDONED_0 && r < WAIT_ABANDONED_0 + n)
			return (long)(r - WAIT_ABANDONED_0);
		return lx_errno_from_win32(GetLastError());
	}
}

long lx_wait_interruptible(unsigned n, void *const *handles, int64_t timeout_ms)
{
	struct lx_thread *self = lx_current_thread();
	HANDLE all[MAXIMUM_WAIT_OBJECTS];
	bool main_thread = self->tid == lx_getpid();
	long r;

	if (n > MAXIMUM_WAIT_OBJECTS - 2)
		return -LX_EINVAL;
	for (unsigned i = 0; i < n; i++)
		all[i] = handles[i];
	all[n] = self->sig_event;
	/* /proc/<pid>/stat shows the main thread's state (do_task_stat):
	 * sleeping while it waits here, interruptibly. */
	if (main_thread)
		lx_proc_self->run_state = 'S';
	r = wait_loop(self, n, all, timeout_ms);
	if (main_thread)
		lx_proc_self->run_state = 'R';
	return r;
}
