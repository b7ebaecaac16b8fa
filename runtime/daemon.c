/*
 * The instance daemon (runtime/daemon.h): the instance's init.  It watches
 * every process of the table, records the end of one ended from outside
 * lxnt (runtime/outside_end.c), gives the children of a process that ended
 * to init (record ppid = 1), reaps the orphans that ended (their entries
 * and records go), frees the tids of threads whose Windows process is
 * gone, and ends the instance when its last Windows client has gone, as
 * WSL's service does (docs/architecture.md, "Processes and the instance").
 *
 * It owns nothing another process needs in order to run: the table is a
 * section every process maps, registration is an entry in it, and the
 * daemon finds processes there by Windows pid and creation time.  So a
 * daemon killed at any moment costs only the reaping of orphans until the
 * next process that allocates a pid starts a new one, which takes over
 * the table by reading it.
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "exec_spare.h"
#include "handoff.h"
#include "proc.h"
#include "ptable.h"

/* How long the daemon sleeps without news: thread entries of processes
 * that ended without a watched death (an execve image) are freed then. */
#define DAEMON_IDLE_MS 2000
/* How often processes past the first MAXIMUM_WAIT_OBJECTS - 1 watched are
 * looked at, when there are that many. */
#define DAEMON_POLL_MS 100

/* What the daemon knows of one process entry. */
struct watch {
	HANDLE process;            /* the first Windows process; NULL: not watched */
	uint32_t win_pid;
	int64_t win_ctime;
	struct lx_proc_record *rec; /* NULL when the record is gone */
	bool dead;
};

static struct watch *watches;
static HANDLE wake;

static void unwatch(struct watch *w)
{
	if (w->process)
		CloseHandle(w->process);
	lx_proc_record_close(w->rec);
	memset(w, 0, sizeof(*w));
}

/* Starts watching entry id; a process that cannot be opened (or whose
 * Windows pid now names another process) ended long ago. */
static void watch(long id, const struct lx_ptable_entry *e, struct watch *w)
{
	w->win_pid = e->win_pid;
	w->win_ctime = e->win_ctime;
	w->process = lx_ptable_open_process(e, SYNCHRONIZE | PROCESS_TERMINATE);
	w->rec = lx_proc_record_open(id);
	if (!w->process)
		w->dead = true;
}

/* Pass one: every process entry watched, and whether it ended.  Returns
 * the number of Windows clients still running. */
static long look(struct lx_ptable *t, bool *died)
{
	long clients = 0;

	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		const struct lx_ptable_entry *e = &t->e[id];
		struct watch *w = &watches[id];
		if (e->kind != LX_PT_PROCESS) {
			if (w->process || w->rec || w->dead)
				unwatch(w);
			continue;
		}
		if ((w->process || w->dead) && (w->win_pid != e->win_pid || w->win_ctime != e->win_ctime))
			unwatch(w); /* freed and handed out again meanwhile */
		if (!w->process && !w->dead)
			watch(id, e, w);
		if (!w->dead && WaitForSingleObject(w->process, 0) == WAIT_OBJECT_0) {
			w->dead = true;
			*died = true;
		}
		if (!w->dead && (e->flags & LX_PT_WINDOWS_CLIENT))
			clients++;
	}
	return clients;
}

static bool pid_ended(struct lx_ptable *t, long pid)
{
	return pid <= 0 || pid >= LX_PTABLE_PID_MAX || t->e[pid].kind != LX_PT_PROCESS ||
	       watches[pid].dead;
}

/* Pass two, before any child is given to init: a process ended from
 * outside lxnt gets its status and its orphaned-group checks, which look
 * for its children by ppid, unless its parent's watcher saw it first. */
static void note_outside_ends(struct lx_ptable *t)
{
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		struct watch *w = &watches[id];
		if (t->e[id].kind != LX_PT_PROCESS || !w->dead)
			continue;
		if (!w->rec)
			w->rec = lx_proc_record_open(id);
		lx_proc_outside_end(id, w->rec, w->process);
	}
}

/* Pass three: forget_original_parent (kernel/exit.c) for the children of
 * every process that ended, then the reaping of ended orphans, which
 * nobody else will wait for. */
static void reparent_and_reap(struct lx_ptable *t)
{
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		struct lx_ptable_entry *e = &t->e[id];
		struct watch *w = &watches[id];
		if (e->kind != LX_PT_PROCESS)
			continue;
		/* The record is made just after the entry: until it exists (or
		 * while the creator is still filling it), the creator is the
		 * parent. */
		if (!w->rec)
			w->rec = lx_proc_record_open(id);
		long ppid = w->rec && w->rec->ppid > 0 ? w->rec->ppid : e->creator;
		if (ppid != 1 && pid_ended(t, ppid)) {
			/* A parent that ended by its own exit gave its children to
			 * init and sent their parent-death signals itself
			 * (lx_children_parent_death); one that was killed could
			 * not, and its children's are sent here. */
			bool given = w->rec && w->rec->ppid > 0 &&
			             InterlockedCompareExchange((volatile LONG *)&w->rec->ppid, 1,
			                                        (LONG)ppid) == (LONG)ppid;
			int sig = given && !w->dead ? lx_proc_pdeathsig(w->rec) : 0;
			bool known = ppid > 0 && ppid < LX_PTABLE_PID_MAX && watches[ppid].rec;
			if (sig)
				lx_signal_parent_death(id, sig, ppid, known ? watches[ppid].rec->uid : 0);
			e->creator = 1;
			ppid = 1;
		}
		if (w->dead && ppid == 1) {
			e->kind = LX_PT_FREE;
			unwatch(w);
		}
	}
}

/* Thread entries whose Windows process has ended (exit_group, a
 * TerminateProcess, the image of an execve). */
static void free_dead_threads(struct lx_ptable *t)
{
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		struct lx_ptable_entry *e = &t->e[id];
		if (e->kind != LX_PT_THREAD)
			continue;
		HANDLE h = lx_ptable_open_process(e, SYNCHRONIZE);
		bool gone = !h || WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
		if (h)
			CloseHandle(h);
		if (gone)
			e->kind = LX_PT_FREE;
	}
}

static void terminate_pid(uint32_t win_pid)
{
	HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, win_pid);

	if (h) {
		TerminateProcess(h, 128 + 9);
		CloseHandle(h);
	}
}

/* The last Windows client has gone: every process of the instance ends,
 * the program each runs now (a record's win_pid, after an execve) as well
 * as its first Windows process; then the table is empty (lock held). */
static void end_instance(struct lx_ptable *t)
{
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		struct lx_ptable_entry *e = &t->e[id];
		struct watch *w = &watches[id];
		if (e->kind == LX_PT_PROCESS && !w->dead) {
			if (w->rec && (uint32_t)w->rec->win_pid != e->win_pid) {
				w->rec->wait_status = 9; /* SIGKILL */
				w->rec->state = LX_PROC_EXITED;
				terminate_pid((uint32_t)w->rec->win_pid);
			}
			if (w->process)
				TerminateProcess(w->process, 128 + 9);
		}
		if (e->kind != LX_PT_FREE)
			e->kind = LX_PT_FREE;
		unwatch(w);
	}
	t->e[1].kind = LX_PT_FREE;
	t->h.daemon_win_pid = 0;
	t->h.daemon_ctime = 0;
	t->h.last_pid = 1;
}

/* One look at the table; false when the instance has ended. */
static bool sweep(struct lx_ptable *t, bool idle)
{
	bool died = false;

	lx_ptable_lock();
	/* A daemon started in its place (this one was thought dead): leave. */
	if (t->h.daemon_win_pid != GetCurrentProcessId()) {
		lx_ptable_unlock();
		return false;
	}
	/* The process that started this daemon registered first, so no
	 * client at all means that the last one has gone. */
	if (!look(t, &died)) {
		end_instance(t);
		lx_ptable_unlock();
		return false;
	}
	note_outside_ends(t);
	reparent_and_reap(t);
	if (died || idle)
		free_dead_threads(t);
	lx_ptable_unlock();
	return true;
}

/*
 * What the loop waits on: the wake event and the watched processes still
 * running, as many as one wait takes; *more says that others were left
 * out, to be looked at by the sweeps of a shorter timeout.  The daemon
 * waits on its own thread rather than with RegisterWaitForSingleObject,
 * whose pool starts threads: a daemon ending while one of them still
 * started made Wine print an error to the standard error the daemon
 * inherited from the client that started it.
 */
static DWORD wait_set(HANDLE *set, bool *more)
{
	DWORD n = 0;

	set[n++] = wake;
	*more = false;
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		const struct watch *w = &watches[id];
		if (!w->process || w->dead)
			continue;
		if (n == MAXIMUM_WAIT_OBJECTS) {
			*more = true;
			break;
		}
		set[n++] = w->process;
	}
	return n;
}

_Noreturn void lx_daemon_main(void)
{
	unsigned long err = 0;
	struct lx_ptable *t = lx_ptable_get(&err);

	VirtualFree((void *)lx_handoff_block, 0, MEM_RELEASE);
	/* init's pid: the orphaned-group checks it makes for a process
	 * ended from outside skip the caller by pid (orphan.c). */
	lx_set_pid(1);
	watches = calloc(LX_PTABLE_PID_MAX, sizeof(*watches));
	wake = lx_ptable_wake_event();
	if (!t || !watches || !wake)
		ExitProcess(127);
	lx_exec_spare_table_hold();
	ULONGLONG news = GetTickCount64();
	for (bool idle = false;;) {
		HANDLE set[MAXIMUM_WAIT_OBJECTS];
		bool more;

		if (!sweep(t, idle))
			ExitProcess(0);
		DWORD n = wait_set(set, &more);
		DWORD r = WaitForMultipleObjects(n, set, FALSE, more ? DAEMON_POLL_MS : DAEMON_IDLE_MS);
		ULONGLONG now = GetTickCount64();
		idle = r == WAIT_TIMEOUT && now - news >= DAEMON_IDLE_MS;
		if (r != WAIT_TIMEOUT || idle)
			news = now;
	}
}
