/*
 * Process records (runtime/proc.h): the named section each process shares
 * with its parent and with kill(2) senders.
 */
#include <windows.h>
#include <string.h>

#include "capability.h"
#include "daemon.h"
#include "handoff.h"
#include "identity.h"
#include "instance.h"
#include "proc.h"
#include "proc_info.h"
#include "ptable.h"
#include "thread.h"

static struct lx_proc_record private_record;
struct lx_proc_record *lx_proc_self = &private_record;
static HANDLE self_section;
long lx_ppid = 1;
void *lx_proc_done;

void lx_proc_done_signal(void)
{
	if (!lx_proc_done)
		return;
	/* Whatever runs after this writes to a private copy: once reaped,
	 * the pid and its record's name may belong to another process. */
	private_record = *lx_proc_self;
	lx_proc_self = &private_record;
	MemoryBarrier();
	SetEvent(lx_proc_done);
}

/* The name of pid's record: one per instance (runtime/instance.h), so
 * that two instances in one session never see each other's pids. */
static void record_name(long pid, wchar_t *out, size_t cap)
{
	wchar_t what[32];

	_snwprintf(what, 32, L"proc-%ld", pid);
	what[31] = 0;
	if (!lx_instance_object_name(what, out, cap))
		out[0] = 0;
}

long lx_proc_record_new(long pid, void **section, struct lx_proc_record **view)
{
	wchar_t name[96];
	FILETIME now;

	record_name(pid, name, 96);
	HANDLE s = CreateFileMappingW(INVALID_HANDLE_VALUE, lx_instance_security(), PAGE_READWRITE, 0,
	                              sizeof(struct lx_proc_record), name);
	if (!s)
		return lx_errno_from_win32(GetLastError());
	*view = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(struct lx_proc_record));
	if (!*view) {
		long err = lx_errno_from_win32(GetLastError());
		CloseHandle(s);
		return err;
	}
	/* A record left by an earlier process with this pid (held open by
	 * someone) is reused from scratch. */
	memset(*view, 0, sizeof(**view));
	lx_cred_to_record(*view);
	(*view)->threads = 1;
	(*view)->umask = (long)lx_umask;
	GetSystemTimeAsFileTime(&now);
	(*view)->start_time = (int64_t)(((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime);
	*section = s;
	return 0;
}

struct lx_proc_record *lx_proc_record_open(long pid)
{
	wchar_t name[96];

	if (pid <= 0)
		return NULL;
	record_name(pid, name, 96);
	HANDLE s = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, name);
	if (!s)
		return NULL;
	struct lx_proc_record *r = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(*r));
	CloseHandle(s); /* the view keeps the section */
	return r;
}

void lx_proc_record_close(struct lx_proc_record *r)
{
	if (r)
		UnmapViewOfFile(r);
}

/*
 * A process Windows started: refused while the instance is being
 * installed, else a pid of the instance's table (as a Windows client,
 * whose end may end the instance), its main thread's tid with it, and the
 * daemon started if none runs.
 */
static void register_windows_client(void)
{
	unsigned long err = 0;
	long pid;

	lx_instance_install_check();
	if (!lx_ptable_get(&err))
		lx_fatal("lxnt: cannot open the instance's process table (error %lu)", err);
	pid = lx_ptable_alloc(LX_PT_PROCESS, LX_PT_WINDOWS_CLIENT, 0, 1, GetCurrentProcessId(),
	                      lx_process_ctime(GetCurrentProcess()));
	if (!pid)
		lx_fatal("lxnt: the instance has no free pid");
	lx_set_pid(pid);
	lx_current_thread()->tid = pid;
	lx_daemon_ensure();
}

void lx_proc_init(void)
{
	HANDLE s;
	struct lx_proc_record *r;

	register_windows_client();
	if (lx_proc_record_new(lx_getpid(), &s, &r) == 0) {
		FILETIME create, exit_t, kernel, user;
		r->pgid = r->sid = lx_getpid();
		r->ppid = lx_ppid;
		r->nice = lx_prio_of_windows_class();
		/* Started by Windows: the process began with its Windows process. */
		if (GetProcessTimes(GetCurrentProcess(), &create, &exit_t, &kernel, &user))
			r->start_time = (int64_t)(((uint64_t)create.dwHighDateTime << 32) |
			                          create.dwLowDateTime);
		lx_cwd_copy(r->cwd); /* the vfs set it up before the record existed */
		UnmapViewOfFile(r);
		lx_proc_record_adopt(s);
	}
	lx_cap_start();
	lx_signal_listener_start();
}

long lx_proc_alloc_child(void *process)
{
	long pid = lx_ptable_alloc(LX_PT_PROCESS, 0, 0, lx_getpid(), GetProcessId(process),
	                           lx_process_ctime(process));

	if (pid) {
		lx_daemon_ensure();
		lx_ptable_wake_daemon(); /* to watch it from now on */
	}
	return pid;
}

void lx_proc_free_pid(long pid, void *process)
{
	lx_ptable_free(pid, LX_PT_PROCESS, pid, GetProcessId(process));
}

/* lx_fatal's status goes into the record like any exit of the process's
 * own, so that its parent does not take it for an end from outside. */
static void record_fatal_exit(void)
{
	if (lx_proc_self->state != LX_PROC_EXITED) {
		lx_proc_self->wait_status = 127 << 8;
		MemoryBarrier();
		lx_proc_self->state = LX_PROC_EXITED;
	}
}

void lx_proc_record_adopt(void *section)
{
	struct lx_proc_record *r = MapViewOfFile(section, FILE_MAP_ALL_ACCESS, 0, 0,
	                                         sizeof(struct lx_proc_record));
	if (!r)
		lx_fatal("lxnt: cannot map the process record (error %lu)", GetLastError());
	self_section = section;
	lx_proc_self = r;
	r->win_pid = (long)GetCurrentProcessId();
	r->threads = 1; /* a new image starts with its main thread */
	r->umask = (long)lx_umask;
	r->windows_image = 0;
	lx_fatal_set_hook(record_fatal_exit);
	lx_prio_apply_self();
}

void *lx_proc_record_section(void)
{
	return self_section;
}
