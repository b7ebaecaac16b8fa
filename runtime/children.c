/*
 * The children of this process (runtime/proc.h): the list wait4 and
 * waitid look through, and the watcher that raises SIGCHLD.  A child is
 * the Windows process the parent created at fork (or, for vfork, the new
 * program's); after an execve the child's first Windows process stays as a
 * stub that ends with the new image's status (runtime/exec.c), so the
 * parent's handle always follows the Linux process.
 */
#include <windows.h>
#include <psapi.h>
#include <string.h>

#include "handoff.h"
#include "identity.h"
#include "proc.h"
#include "signal.h"
#include "syscall_table.h"

/*
 * The children of this process, newest first.  One watcher thread waits on
 * their process handles and raises SIGCHLD as each ends; it is the only
 * one that closes a child's handles, so that no thread ever waits on a
 * handle that another closes: wait4 moves a reaped child to the graveyard,
 * and the watcher frees it once no wait4 is still looking at it.
 */
struct lx_child {
	long pid;
	HANDLE process, section;
	HANDLE done;               /* set when the status is final (lx_proc_done_signal), or NULL */
	struct lx_proc_record *rec;
	long busy;                 /* wait4 calls waiting on process */
	bool notified;             /* SIGCHLD raised */
	int64_t report_seen;       /* the last stop or continue report SIGCHLD was raised for */
	struct lx_child *next;
};

/* A blocking wait4 or waitid that wants stop or continue reports: the
 * watcher sets its event when a child reports (lock held to change). */
struct report_waiter {
	HANDLE event;
	struct report_waiter *next;
};

static struct lx_child *children, *graveyard;
static struct report_waiter *report_waiters;
static SRWLOCK children_lock = SRWLOCK_INIT;
static HANDLE watcher_wake, watcher_thread, watcher_running;
/* Set by a child that stops or continues (runtime/jobctl.c). */
static HANDLE report_event;
static volatile LONG watcher_stopping;

static int child_status(const struct lx_child *c);
static DWORD WINAPI watcher(void *arg);

static void watcher_start(void)
{
	wchar_t name[96];

	watcher_wake = CreateEventW(NULL, FALSE, FALSE, NULL);
	watcher_running = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (lx_child_report_event_name(lx_getpid(), name, sizeof(name) / sizeof(name[0])))
		report_event = CreateEventW(NULL, FALSE, FALSE, name);
	if (watcher_wake && watcher_running && report_event)
		watcher_thread = CreateThread(NULL, 64 * 1024, watcher, NULL,
		                              STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
}

/* See lx_signal_listener_quiesce: a process ends only once the watcher runs. */
void lx_children_quiesce(void)
{
	if (watcher_thread)
		WaitForSingleObject(watcher_running, 1000);
}

long lx_child_add(long pid, void *process, void *section, struct lx_proc_record *rec,
                  void *done)
{
	struct lx_child *c = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*c));

	if (!c)
		return -LX_ENOMEM;
	c->pid = pid;
	c->process = process;
	c->section = section;
	c->done = done;
	c->rec = rec;
	c->report_seen = rec->report; /* an image's children: SIGCHLD went to the old one */
	AcquireSRWLockExclusive(&children_lock);
	if (!watcher_thread)
		watcher_start();
	c->next = children;
	children = c;
	ReleaseSRWLockExclusive(&children_lock);
	if (watcher_wake)
		SetEvent(watcher_wake);
	return 0;
}

void lx_children_parent_death(void)
{
	long pids[64];
	int sigs[64];
	size_t n = 0;

	AcquireSRWLockShared(&children_lock);
	for (struct lx_child *c = children; c && n < 64; c = c->next)
		if ((sigs[n] = lx_proc_pdeathsig(c->rec)))
			pids[n++] = c->pid;
	ReleaseSRWLockShared(&children_lock);
	for (size_t i = 0; i < n; i++)
		lx_signal_parent_death(pids[i], (int)sigs[i], lx_getpid(), lx_uid);
}

struct lx_proc_record *lx_child_record(long pid)
{
	struct lx_proc_record *r = NULL;

	AcquireSRWLockShared(&children_lock);
	for (struct lx_child *c = children; c; c = c->next)
		if (c->pid == pid)
			r = c->rec;
	ReleaseSRWLockShared(&children_lock);
	return r;
}

bool lx_child_in_group(long pgid)
{
	bool found = false;

	AcquireSRWLockShared(&children_lock);
	for (struct lx_child *c = children; c; c = c->next)
		found |= c->rec->pgid == pgid;
	ReleaseSRWLockShared(&children_lock);
	return found;
}

size_t lx_children_in_group(long pgid, long *pids, size_t cap)
{
	size_t n = 0;

	AcquireSRWLockShared(&children_lock);
	for (struct lx_child *c = children; c && n < cap; c = c->next)
		if (c->rec->state != LX_PROC_EXITED && (pgid == -1 || c->rec->pgid == pgid))
			pids[n++] = c->pid;
	ReleaseSRWLockShared(&children_lock);
	return n;
}

/*
 * execve keeps the children (they are the process's, not the image's):
 * their process handles and records go to the new image, which waits for
 * them.  The stub keeps its own handles, so their pids stay reserved.
 */
long lx_children_handoff_out(struct lx_handoff_buf *b, void *proc)
{
	long r = 0;
	uint32_t n = 0, off = 0;

	AcquireSRWLockShared(&children_lock);
	for (struct lx_child *c = children; c && !r; c = c->next) {
		struct lx_handoff_child hc = { .pid = c->pid };
		HANDLE p = NULL, s = NULL, d = NULL;
		if (!DuplicateHandle(GetCurrentProcess(), c->process, proc, &p, 0, FALSE,
		                     DUPLICATE_SAME_ACCESS) ||
		    !DuplicateHandle(GetCurrentProcess(), c->section, proc, &s, 0, FALSE,
		                     DUPLICATE_SAME_ACCESS) ||
		    (c->done && !DuplicateHandle(GetCurrentProcess(), c->done, proc, &d, 0, FALSE,
		                                 DUPLICATE_SAME_ACCESS))) {
			r = lx_errno_from_win32(GetLastError());
			break;
		}
		hc.process = (uint64_t)(uintptr_t)p;
		hc.section = (uint64_t)(uintptr_t)s;
		hc.done = (uint64_t)(uintptr_t)d;
		uint32_t at = lx_handoff_put(b, &hc, sizeof(hc));
		if (!n)
			off = at;
		n++;
	}
	ReleaseSRWLockShared(&children_lock);
	lx_handoff_head(b)->nchild = n;
	lx_handoff_head(b)->child_off = off;
	return r ? r : (b->failed ? -LX_ENOMEM : 0);
}

void lx_children_handoff_in(const struct lx_handoff *h)
{
	const struct lx_handoff_child *hc = (const void *)((const char *)h + h->child_off);

	for (uint32_t i = 0; i < h->nchild; i++) {
		HANDLE s = (HANDLE)(uintptr_t)hc[i].section;
		struct lx_proc_record *r = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(*r));
		if (!r || lx_child_add((long)hc[i].pid, (HANDLE)(uintptr_t)hc[i].process, s, r,
		                       (HANDLE)(uintptr_t)hc[i].done) < 0)
			lx_log("lxnt: child %ld of the previous image is lost", (long)hc[i].pid);
	}
}

static void child_free(struct lx_child *c)
{
	CloseHandle(c->process);
	if (c->done)
		CloseHandle(c->done);
	UnmapViewOfFile((void *)c->rec);
	CloseHandle(c->section);
	HeapFree(GetProcessHeap(), 0, c);
}

/* Moves c from the children to the graveyard (lock held); its pid goes
 * back to the instance at once, as release_task frees it. */
static void child_bury(struct lx_child *c)
{
	lx_proc_free_pid(c->pid, c->process);
	for (struct lx_child **p = &children; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			c->next = graveyard;
			graveyard = c;
			return;
		}
	}
}

/* Frees the reaped children nobody looks at any more (lock held). */
static void free_graveyard(void)
{
	for (struct lx_child **p = &graveyard; *p;) {
		struct lx_child *c = *p;
		if (c->busy) {
			p = &c->next;
			continue;
		}
		*p = c->next;
		child_free(c);
	}
}

/* The child has ended: its Windows process, or its status is final (an
 * execve stub still finishing its exec spare, lx_proc_done_signal). */
static bool child_gone(const struct lx_child *c)
{
	return WaitForSingleObject(c->process, 0) == WAIT_OBJECT_0 ||
	       (c->done && WaitForSingleObject(c->done, 0) == WAIT_OBJECT_0);
}

/* The pid argument of wait4: > 0 one child, -1 any, 0 our group, < -1 group -pid. */
static bool child_matches(const struct lx_child *c, long sel)
{
	if (sel > 0)
		return c->pid == sel;
	if (sel == -1)
		return true;
	if (sel == 0)
		return c->rec->pgid == lx_proc_self->pgid;
	return c->rec->pgid == -sel;
}

/*
 * The wait status of an ended child: what it or its killer recorded.  A
 * child ended from outside lxnt recorded nothing; lx_proc_outside_end,
 * called first by whoever sees the end, writes SIGKILL for it.
 */
static int child_status(const struct lx_child *c)
{
	lx_proc_outside_end(c->pid, c->rec, c->process);
	if (c->rec->state == LX_PROC_EXITED)
		return (int)c->rec->wait_status;
	return LX_SIGKILL; /* not reached: the call above records it */
}

/* SIGCHLD's disposition asks that children be reaped by the system
 * (SIG_IGN or SA_NOCLDWAIT, do_notify_parent). */
static bool children_autoreap(void)
{
	struct lx_sigaction act = { 0 };
	struct lx_syscall sc = { .nr = 13, .arg = { LX_SIGCHLD, 0, (int64_t)(uintptr_t)&act, 8 } };

	if (lx_sys_rt_sigaction(&sc) < 0)
		return false;
	return act.handler == 1 || (act.flags & LX_SA_NOCLDWAIT);
}

void lx_chld_info(struct lx_siginfo *info, long pid, int status)
{
	int sig = status & 0x7f;

	memset(info, 0, sizeof(*info));
	info->si_signo = LX_SIGCHLD;
	info->u.chld.pid = (int32_t)pid;
	info->u.chld.uid = (uint32_t)lx_uid;
	if (status == LX_WAIT_CONTINUED) {
		info->si_code = LX_CLD_CONTINUED;
		info->u.chld.status = LX_SIGCONT;
	} else if (sig == 0x7f) {
		info->si_code = LX_CLD_STOPPED;
		info->u.chld.status = (status >> 8) & 0xff;
	} else {
		info->si_code = sig ? ((status & 0x80) ? LX_CLD_DUMPED : LX_CLD_KILLED) : LX_CLD_EXITED;
		info->u.chld.status = sig ? sig : (status >> 8) & 0xff;
	}
}

void lx_chld_info_uid(struct lx_siginfo *info, long pid, int status, long uid)
{
	lx_chld_info(info, pid, status);
	info->u.chld.uid = (uint32_t)uid;
}

/* A child ended (watcher thread, lock held): mark it, reap it when the
 * disposition says so, and say what SIGCHLD carries. */
static void child_ended(struct lx_child *c, struct lx_siginfo *info)
{
	c->notified = true;
	lx_chld_info_uid(info, c->pid, child_status(c), c->rec->uid);
	if (children_autoreap())
		child_bury(c);
}

/* SA_NOCLDSTOP: no SIGCHLD for stops and continues
 * (do_notify_parent_cldstop). */
static bool chld_for_stops(void)
{
	struct lx_sigaction act;

	lx_sigaction_get(LX_SIGCHLD, &act);
	return !(act.flags & LX_SA_NOCLDSTOP);
}

/* New stop and continue reports (watcher, lock held): the waits that
 * want them wake, and the latest of each child is one SIGCHLD, in
 * info[] (returns how many). */
static unsigned take_reports(struct lx_siginfo *info, unsigned cap)
{
	unsigned n = 0;
	bool any = false;

	for (struct lx_child *c = children; c; c = c->next) {
		int64_t w = c->rec->report;
		if (c->notified || w == c->report_seen)
			continue;
		c->report_seen = w;
		any = true;
		if (n < cap)
			lx_chld_info_uid(&info[n++], c->pid, (int)(w & 0xffff), c->rec->uid);
	}
	if (any)
		for (struct report_waiter *rw = report_waiters; rw; rw = rw->next)
			SetEvent(rw->event);
	return n;
}

static DWORD WINAPI watcher(void *arg)
{
	HANDLE handles[MAXIMUM_WAIT_OBJECTS];
	struct lx_child *who[MAXIMUM_WAIT_OBJECTS];
	struct lx_siginfo reports[8];

	(void)arg;
	SetEvent(watcher_running);
	for (;;) {
		DWORD n = 2;

		handles[0] = watcher_wake;
		handles[1] = report_event;
		AcquireSRWLockExclusive(&children_lock);
		free_graveyard();
		unsigned nrep = take_reports(reports, 8);
		for (struct lx_child *c = children; c && n < MAXIMUM_WAIT_OBJECTS; c = c->next) {
			if (c->notified)
				continue;
			who[n] = c;
			handles[n++] = c->process;
			if (c->done && n < MAXIMUM_WAIT_OBJECTS) {
				who[n] = c;
				handles[n++] = c->done;
			}
		}
		ReleaseSRWLockExclusive(&children_lock);
		if (nrep && chld_for_stops())
			for (unsigned i = 0; i < nrep; i++)
				lx_signal_send(0, LX_SIGCHLD, &reports[i]);
		/* More than 62 running children: the rest are looked at when
		 * one of these ends (their SIGCHLD comes late, never lost). */
		DWORD r = WaitForMultipleObjects(n, handles, FALSE, INFINITE);
		if (watcher_stopping)
			return 0;
		if (r <= WAIT_OBJECT_0 + 1 || r >= WAIT_OBJECT_0 + n)
			continue;
		/* A wait4 that reaped the child meanwhile raised its SIGCHLD
		 * (child_reap): one per child, as do_notify_parent sends.  The
		 * child is then in the graveyard, which only this thread frees. */
		struct lx_siginfo info;
		struct lx_child *c = who[r - WAIT_OBJECT_0];
		/* Outside the lock: the orphaned-group checks of an end from
		 * outside post signals to other processes. */
		lx_proc_outside_end(c->pid, c->rec, c->process);
		AcquireSRWLockExclusive(&children_lock);
		bool raise = !c->notified;
		if (raise)
			child_ended(c, &info);
		ReleaseSRWLockExclusive(&children_lock);
		if (raise)
			lx_signal_send(0, LX_SIGCHLD, &info);
	}
	return 0;
}

/* The new image of an execve watches the children from now on: this
 * one's watcher must not take their report events (auto-reset, shared
 * by name) any more. */
void lx_children_watcher_stop(void)
{
	if (!watcher_thread)
		return;
	InterlockedExchange(&watcher_stopping, 1);
	SetEvent(watcher_wake);
	WaitForSingleObject(watcher_thread, INFINITE);
	CloseHandle(watcher_thread);
	watcher_thread = NULL;
	CloseHandle(report_event);
	report_event = NULL;
}

/* A blocking wait for reports registers an event for the watcher to
 * set (lock held). */
static void waiter_add(struct report_waiter *w)
{
	w->next = report_waiters;
	report_waiters = w;
}

static void waiter_remove(struct report_waiter *w)
{
	for (struct report_waiter **p = &report_waiters; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			return;
		}
	}
}

/*
 * Child times (kernel/exit.c, wait_task_zombie): the CPU time of a child
 * is that of its Windows processes, each of which adds its own to the
 * record as it ends (lx_proc_account_image: the last image from
 * lx_exit_process, each earlier one, left as the stub of an execve, when
 * it ends), plus what it collected from its own waited-for children.
 * Each process reports its own time because GetProcessTimes of another
 * process is not dependable: Wine answers it with the caller's times.
 * Reaping adds the total to the reaper's record; children that are never
 * waited for, or reaped by the system (SIGCHLD ignored), count for
 * nobody, as in Linux.
 */
static int64_t filetime_100ns(const FILETIME *f)
{
	return (int64_t)(((uint64_t)f->dwHighDateTime << 32) | f->dwLowDateTime);
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Raises *at to v, against other writers of the record. */
static void store_max(volatile int64_t *at, int64_t v)
{
	for (int64_t old = *at; v > old; old = *at)
		if (InterlockedCompareExchange64((volatile LONG64 *)at, v, old) == old)
			return;
}

static void child_usage(const struct lx_child *c, struct lx_cpu_usage *u)
{
	u->utime = c->rec->image_utime + c->rec->child_utime;
	u->stime = c->rec->image_stime + c->rec->child_stime;
	u->maxrss = max64(c->rec->image_maxrss, c->rec->child_maxrss);
}

void lx_proc_account_image(void)
{
	FILETIME c, e, k, u;
	PROCESS_MEMORY_COUNTERS mem;

	if (GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u)) {
		InterlockedAdd64((volatile LONG64 *)&lx_proc_self->image_utime, filetime_100ns(&u));
		InterlockedAdd64((volatile LONG64 *)&lx_proc_self->image_stime, filetime_100ns(&k));
	}
	/* setmax_mm_hiwater_rss: the peak over the images. */
	if (K32GetProcessMemoryInfo(GetCurrentProcess(), &mem, sizeof(mem)))
		store_max(&lx_proc_self->image_maxrss, (int64_t)(mem.PeakWorkingSetSize / 1024));
}

void lx_children_times(struct lx_cpu_usage *u)
{
	u->utime = lx_proc_self->child_utime;
	u->stime = lx_proc_self->child_stime;
	u->maxrss = lx_proc_self->child_maxrss;
}

/* An exited child for wait (lock held): reaps it unless WNOWAIT; a
 * SIGCHLD the watcher still owes is raised by the caller (*raise). */
static void child_reap(struct lx_child *c, int options, struct lx_wait_result *out,
                       struct lx_siginfo *info, bool *raise)
{
	*raise = !c->notified;
	out->pid = c->pid;
	out->status = child_status(c);
	out->uid = c->rec->uid;
	/* Reaped before the watcher saw it end: SIGCHLD is still owed,
	 * and comes now. */
	if (*raise)
		child_ended(c, info);
	child_usage(c, &out->usage);
	if (!(options & LX_WNOWAIT)) {
		InterlockedAdd64((volatile LONG64 *)&lx_proc_self->child_utime, out->usage.utime);
		InterlockedAdd64((volatile LONG64 *)&lx_proc_self->child_stime, out->usage.stime);
		store_max(&lx_proc_self->child_maxrss, out->usage.maxrss);
		child_bury(c);
		if (watcher_wake)
			SetEvent(watcher_wake);
	}
}

/*
 * do_wait (kernel/exit.c): finds a child matching sel that has ended
 * (LX_WEXITED), stopped (LX_WUNTRACED) or continued (LX_WCONTINUED),
 * reaps an ended one and consumes a report unless WNOWAIT, and returns
 * its pid (0 with WNOHANG when there is nothing to report, -LX_ECHILD
 * when no child matches).  A blocking wait wakes when a child ends or
 * reports.
 */
long lx_children_wait(long sel, int options, struct lx_wait_result *out)
{
	bool reports = options & (LX_WUNTRACED | LX_WCONTINUED);
	struct report_waiter waiter = { NULL, NULL };

	if (reports && !(options & LX_WNOHANG)) {
		if (!(waiter.event = CreateEventW(NULL, FALSE, FALSE, NULL)))
			return lx_errno_from_win32(GetLastError());
		AcquireSRWLockExclusive(&children_lock);
		waiter_add(&waiter);
		ReleaseSRWLockExclusive(&children_lock);
	}
	for (;;) {
		HANDLE handles[MAXIMUM_WAIT_OBJECTS - 2];
		struct lx_child *held[MAXIMUM_WAIT_OBJECTS - 2];
		unsigned n = 0;
		bool any = false;
		long found = 0;
		struct lx_siginfo info;
		bool raise = false;

		if (waiter.event)
			handles[n++] = waiter.event;
		AcquireSRWLockExclusive(&children_lock);
		for (struct lx_child *c = children; c && !found; c = c->next) {
			if (!child_matches(c, sel))
				continue;
			any = true;
			if (child_gone(c)) {
				if (options & LX_WEXITED) {
					child_reap(c, options, out, &info, &raise);
					found = out->pid;
				}
				continue; /* an ended child has no stop to report */
			}
			int status = reports ? lx_proc_report_take(c->rec, options) : 0;
			if (status) {
				out->pid = c->pid;
				out->status = status;
				out->uid = c->rec->uid;
				child_usage(c, &out->usage);
				found = c->pid;
				continue;
			}
			if ((options & LX_WEXITED) && n < sizeof(handles) / sizeof(handles[0])) {
				c->busy++;
				held[n] = c;
				handles[n++] = c->process;
			}
			if ((options & LX_WEXITED) && c->done && n < sizeof(handles) / sizeof(handles[0])) {
				c->busy++;
				held[n] = c;
				handles[n++] = c->done;
			}
		}
		ReleaseSRWLockExclusive(&children_lock);
		if (raise)
			lx_signal_send(0, LX_SIGCHLD, &info);
		long r = found;
		if (!found && !any)
			r = -LX_ECHILD;
		else if (!found && !(options & LX_WNOHANG))
			r = lx_wait_interruptible(n, (void *const *)handles, -1);
		AcquireSRWLockExclusive(&children_lock);
		for (unsigned i = waiter.event ? 1 : 0; i < n; i++)
			held[i]->busy--;
		bool done = found || r < 0 || !any || (options & LX_WNOHANG);
		if (done && waiter.event)
			waiter_remove(&waiter);
		ReleaseSRWLockExclusive(&children_lock);
		if (done) {
			if (waiter.event)
				CloseHandle(waiter.event);
			return r;
		}
	}
}
