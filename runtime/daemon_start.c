/*
 * Starting the instance daemon (runtime/daemon.h) and the install
 * lock-out a process Windows starts goes through first.  The daemon's
 * loop is in runtime/daemon.c.
 */
#include <windows.h>

#include "daemon.h"
#include "handoff.h"
#include "instance.h"
#include "process_create.h"
#include "proc.h"
#include "ptable.h"

static HANDLE daemon_process; /* this process's handle on the current daemon */

/* The daemon the header names, if it still runs (lock held). */
static HANDLE daemon_open(struct lx_ptable *t)
{
	struct lx_ptable_entry e = { .win_pid = t->h.daemon_win_pid, .win_ctime = t->h.daemon_ctime };
	HANDLE h;

	if (!e.win_pid)
		return NULL;
	h = lx_ptable_open_process(&e, SYNCHRONIZE);
	if (h && WaitForSingleObject(h, 0) != WAIT_TIMEOUT) {
		CloseHandle(h);
		h = NULL;
	}
	return h;
}

/* A new process of this image, detached from the console and inheriting
 * no handle, told by the hand-off to run the daemon loop (lock held). */
static HANDLE daemon_start(struct lx_ptable *t)
{
	wchar_t module[MAX_PATH], cmd[] = L"lxnt-daemon";
	PROCESS_INFORMATION pi;
	HANDLE guard;
	struct lx_handoff_buf b;
	DWORD n = GetModuleFileNameW(NULL, module, MAX_PATH);

	if (n == 0 || n >= MAX_PATH ||
	    lx_process_create(module, cmd, DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP, &pi, &guard) < 0)
		return NULL;
	/* The table's handle goes with it: the name lasts only as long as a
	 * handle, and its creator may end before the daemon opens it. */
	HANDLE section = NULL;
	bool ok = lx_handoff_begin(&b, LX_HANDOFF_DAEMON) &&
	          DuplicateHandle(GetCurrentProcess(), lx_ptable_section(), pi.hProcess, &section, 0,
	                          FALSE, DUPLICATE_SAME_ACCESS);
	if (ok) {
		lx_handoff_head(&b)->record = (uint64_t)(uintptr_t)section;
		ok = lx_handoff_deliver(&b, pi.hProcess) == 0;
	}
	if (!ok) {
		lx_handoff_free(&b);
		TerminateProcess(pi.hProcess, 127);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		lx_process_guard_drop(guard);
		return NULL;
	}
	lx_handoff_free(&b);
	int64_t ctime = lx_process_ctime(pi.hProcess);
	struct lx_ptable_entry *init = &t->e[1];
	init->kind = LX_PT_FREE;
	init->flags = LX_PT_DAEMON;
	init->tgid = 1;
	init->win_pid = pi.dwProcessId;
	init->win_ctime = ctime;
	MemoryBarrier();
	init->kind = LX_PT_PROCESS;
	t->h.daemon_ctime = ctime;
	t->h.daemon_win_pid = pi.dwProcessId;
	ResumeThread(pi.hThread);
	CloseHandle(pi.hThread);
	lx_process_guard_release(guard);
	return pi.hProcess;
}

void lx_daemon_ensure(void)
{
	struct lx_ptable *t;

	/* The common case: one look at a handle. */
	if (daemon_process && WaitForSingleObject(daemon_process, 0) == WAIT_TIMEOUT)
		return;
	t = lx_ptable_get(NULL);
	if (!t)
		return;
	if (daemon_process)
		CloseHandle(daemon_process);
	lx_ptable_lock();
	daemon_process = daemon_open(t);
	if (!daemon_process)
		daemon_process = daemon_start(t);
	lx_ptable_unlock();
	if (!daemon_process)
		lx_log("lxnt: cannot start the instance daemon (error %lu)", GetLastError());
}

void lx_instance_install_check(void)
{
	wchar_t name[96];
	struct lx_ptable *t;
	HANDLE m;

	if (!lx_instance_object_name(L"install", name, 96))
		return;
	m = OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, name);
	if (!m)
		return; /* nobody holds it, nobody ever did */
	DWORD r = WaitForSingleObject(m, 0);
	if (r == WAIT_OBJECT_0 || r == WAIT_ABANDONED) {
		ReleaseMutex(m); /* free, or its holder died: no lock-out */
		CloseHandle(m);
		return;
	}
	CloseHandle(m);
	t = lx_ptable_get(NULL);
	wchar_t root[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(L"LXNT_ROOT", root, MAX_PATH);
	if (n == 0 || n >= MAX_PATH)
		wcscpy(root, L"/");
	lx_log("lxnt: instance %ls is being %s; try again later", root,
	       t && t->h.install_state == LX_INSTALL_REMOVING ? "removed" : "installed");
	ExitProcess(1);
}
