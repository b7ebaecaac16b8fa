/*
 * A Linux process ended from outside lxnt (runtime/proc.h,
 * lx_proc_outside_end): Task Manager, `taskkill /F`, TerminateProcess
 * from any Windows program, or its Wine process killed.  Such a process
 * runs no exit of its own, so nothing wrote its wait status, added its
 * CPU time or made the orphaned-group checks of exit_notify.
 *
 * Every end of its own writes the record first: lx_exit_process,
 * lx_fatal (through its hook), the stub of an execve for the image it
 * waited for, and SIGKILL from another process of the instance or the
 * end of the instance (the killer writes it before TerminateProcess).
 * So a Windows process that has ended while its record still says
 * running was ended from outside, and that counts as SIGKILL, as WSL 1
 * reports a process whose Windows side was terminated; a Windows
 * program run by execve is the exception, whose exit code is its status
 * as interop gives it.
 *
 * When the Windows process ended is an execve's stub, the image it waited
 * for is ended too, so that the Linux process is dead as a whole.
 *
 * Whoever notices the end first does the work: the parent's watcher or
 * wait4, the daemon (for any process, before it gives the children to
 * init), or an execve's stub for the image it waited for.  The claim is a
 * compare-and-swap on the record, made under the process table's lock so
 * that the daemon cannot reparent the children between the claim and the
 * checks, which look for them by ppid.
 */
#include <windows.h>
#include <psapi.h>

#include "proc.h"
#include "ptable.h"

static int64_t filetime_100ns(const FILETIME *f)
{
	return (int64_t)(((uint64_t)f->dwHighDateTime << 32) | f->dwLowDateTime);
}

static bool own_times(int64_t *user, int64_t *kernel)
{
	FILETIME c, e, k, u;

	if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
		return false;
	*user = filetime_100ns(&u);
	*kernel = filetime_100ns(&k);
	return true;
}

/*
 * The CPU time of the ended process, from its handle: Windows keeps it
 * readable while a handle is open.  Wine 8 answers GetProcessTimes of
 * another process with the caller's own times (dlls/ntdll/unix/process.c,
 * ProcessTimes), so an answer that lies between the caller's own times
 * read just before and just after is the caller's, and is not added: a
 * real child whose times fall exactly there loses them, an error far
 * smaller than charging the caller's time to the child.
 */
static void add_times(struct lx_proc_record *r, HANDLE process)
{
	FILETIME c, e, k, u;
	int64_t u0, k0, u1, k1;
	PROCESS_MEMORY_COUNTERS mem;

	if (!process || !own_times(&u0, &k0) || !GetProcessTimes(process, &c, &e, &k, &u) ||
	    !own_times(&u1, &k1))
		return;
	int64_t user = filetime_100ns(&u), kernel = filetime_100ns(&k);
	if (user >= u0 && user <= u1 && kernel >= k0 && kernel <= k1)
		return;
	InterlockedAdd64((volatile LONG64 *)&r->image_utime, user);
	InterlockedAdd64((volatile LONG64 *)&r->image_stime, kernel);
	/* The peak resident set, where Windows still gives it. */
	if (K32GetProcessMemoryInfo(process, &mem, sizeof(mem))) {
		int64_t kb = (int64_t)(mem.PeakWorkingSetSize / 1024);
		for (int64_t old = r->image_maxrss; kb > old; old = r->image_maxrss)
			if (InterlockedCompareExchange64((volatile LONG64 *)&r->image_maxrss, kb, old) == old)
				break;
	}
}

/* The status of an end from outside: SIGKILL, or a Windows program's
 * exit code as an exit status. */
static long outside_status(const struct lx_proc_record *r, HANDLE process)
{
	DWORD code = 0;

	if (!r->windows_image)
		return LX_SIGKILL;
	if (process)
		GetExitCodeProcess(process, &code);
	return (long)((code & 0xff) << 8);
}

/*
 * Only the first Windows process was ended, an execve's stub, while the
 * image it waited for runs on: the Linux process is dead for its parent,
 * so the image goes too, as the stub's job ends a Windows program.  Its
 * Windows pid is free for reuse only once it has ended, and then it
 * belongs to a process made after the stub's end; one made between the
 * stub's start and its end is the image.
 */
static void end_image(const struct lx_proc_record *r, HANDLE first)
{
	FILETIME c, e, k, u;
	DWORD image = (DWORD)r->win_pid;

	if (!first || !image || image == GetProcessId(first) ||
	    !GetProcessTimes(first, &c, &e, &k, &u))
		return;
	HANDLE h = OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, image);
	if (!h)
		return;
	int64_t born = lx_process_ctime(h);
	if (born >= filetime_100ns(&c) && born <= filetime_100ns(&e))
		TerminateProcess(h, 128 + LX_SIGKILL);
	CloseHandle(h);
}

void lx_proc_outside_end(long pid, struct lx_proc_record *r, void *process)
{
	/* The common case: it wrote its own status, or its killer did. */
	if (!r || r->state == LX_PROC_EXITED)
		return;
	lx_ptable_lock();
	if (InterlockedCompareExchange(&r->outside_end_noted, 1, 0) == 0 &&
	    r->state != LX_PROC_EXITED) {
		add_times(r, process);
		r->wait_status = outside_status(r, process);
		end_image(r, process);
		MemoryBarrier();
		r->state = LX_PROC_EXITED;
		/* exit_notify's checks, which the process could not make (a
		 * Windows program's end makes none, as before: its own exit
		 * is the common case, and the checks read every record). */
		if (!r->windows_image)
			lx_pgrp_orphans_after_end(pid, r);
	}
	lx_ptable_unlock();
}
