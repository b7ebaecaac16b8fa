/*
 * Job-control reports between a process and its parent (kernel/signal.c
 * do_notify_parent_cldstop, kernel/exit.c wait_task_stopped and
 * wait_task_continued).  A process that has stopped, or that SIGCONT
 * resumed, writes the fact into its record as one word, sequence and wait
 * status together, so that the parent (even after an execve of either)
 * reads a consistent report and consumes each exactly once; then it sets
 * the parent's named child-report event, on which the parent's watcher
 * and blocking waits wake (runtime/children.c).
 */
#include <windows.h>

#include "identity.h"
#include "instance.h"
#include "proc.h"

#define REPORT_STATUS(w) ((int)((w) & 0xffff))
#define REPORT_SEQ(w) ((w) >> 16)

bool lx_child_report_event_name(long pid, wchar_t *out, size_t cap)
{
	wchar_t what[32], digits[16];
	int n = 0;
	size_t o;

	wcscpy(what, L"chld-");
	o = wcslen(what);
	do {
		digits[n++] = (wchar_t)(L'0' + pid % 10);
		pid /= 10;
	} while (pid);
	while (n)
		what[o++] = digits[--n];
	what[o] = 0;
	return lx_instance_object_name(what, out, cap);
}

void lx_proc_report(int status)
{
	struct lx_proc_record *r = lx_proc_self;
	wchar_t name[96];

	/* A stop replaces an unread continue and the other way round, as the
	 * kernel's SIGNAL_STOP_* flags do: only the latest is reported. */
	for (;;) {
		int64_t old = r->report, next = ((REPORT_SEQ(old) + 1) << 16) | (status & 0xffff);
		if (InterlockedCompareExchange64((volatile LONG64 *)&r->report, next, old) == old)
			break;
	}
	if (!lx_child_report_event_name(lx_ppid, name, sizeof(name) / sizeof(name[0])))
		return;
	HANDLE ev = OpenEventW(EVENT_MODIFY_STATE, FALSE, name);
	if (ev) { /* no event: the parent's watcher has not started, and reads the record when it does */
		SetEvent(ev);
		CloseHandle(ev);
	}
}

int lx_proc_report_take(struct lx_proc_record *r, int options)
{
	int64_t w = r->report, taken = r->report_taken;

	if (!REPORT_SEQ(w) || REPORT_SEQ(w) == taken)
		return 0;
	int status = REPORT_STATUS(w);
	bool stopped = (status & 0xff) == 0x7f;
	if (stopped ? !(options & LX_WUNTRACED) : !(options & LX_WCONTINUED))
		return 0;
	if (options & LX_WNOWAIT)
		return status;
	/* Two waiters (threads of the parent) race: one wins the report. */
	if (InterlockedCompareExchange64((volatile LONG64 *)&r->report_taken, REPORT_SEQ(w), taken) != taken)
		return 0;
	return status;
}
