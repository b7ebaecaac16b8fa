/*
 * vfork's fast path (design.md): vfork and clone(CLONE_VM|CLONE_VFORK)
 * (glibc's posix_spawn) copy nothing.  The child runs in the caller's
 * thread, on the caller's memory (as Linux's vfork child does), with the
 * caller's fd table, cwd, umask, credentials, dispositions, mask and
 * process record saved; when the child calls execve, the new program is started as the
 * child's Windows process, whose pid is the child's, the saved state comes
 * back and the caller resumes where it called vfork, with that pid.  A
 * child that calls _exit instead gets a Windows process that never runs
 * (created suspended and ended) so that the caller has a pid to wait for.
 *
 * While the child runs, getpid still gives the caller's pid (the child's
 * is not known before its Windows process exists); setpgid(0, ...) and
 * setsid apply to the child.  A caller with more than one thread takes the
 * copying path instead: its other threads would see the child's fds.
 */
#include <windows.h>
#include <string.h>

#include "clone.h"
#include "handoff.h"
#include "identity.h"
#include "proc.h"
#include "proc_info.h"
#include "process_create.h"
#include "syscall_table.h"
#include "thread.h"
#include "vfork.h"

struct vfork_saved {
	struct lx_regs regs;         /* the caller's, at the vfork */
	uint64_t tp, sigmask;
	unsigned umask;
	struct lx_sigaction act[LX_NSIG];
	void *vfs;
	void *cred;
	struct lx_proc_record *record;
};

static struct vfork_saved *saved;     /* non-NULL while a child runs */
static struct lx_proc_record child_record;
struct lx_vfork_pending lx_vfork_pending;

bool lx_vfork_active(void)
{
	return saved != NULL;
}

static bool single_threaded(void)
{
	lx_thread_registry_lock();
	struct lx_thread *t = lx_thread_first();
	bool one = t && !t->next;
	lx_thread_registry_unlock();
	return one;
}

static void dispositions(struct lx_sigaction *act, bool set)
{
	for (int sig = 1; sig <= LX_NSIG; sig++) {
		if (set && (sig == LX_SIGKILL || sig == LX_SIGSTOP))
			continue;
		int64_t p = (int64_t)(uintptr_t)&act[sig - 1];
		struct lx_syscall sc = { .nr = 13, .arg = { sig, set ? p : 0, set ? 0 : p, 8 } };
		lx_sys_rt_sigaction(&sc);
	}
}

int64_t lx_vfork_begin(struct lx_syscall *sc, const struct lx_clone_args *ca)
{
	struct lx_thread *self = lx_current_thread();

	if (saved || !single_threaded() || (ca->flags & ~(LX_CLONE_VM | LX_CLONE_VFORK)))
		return 1; /* not for the fast path */
	saved = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*saved));
	if (!saved)
		return 1;
	saved->vfs = lx_vfs_save();
	saved->cred = saved->vfs ? lx_cred_save() : NULL;
	if (!saved->cred && saved->vfs) {
		lx_vfs_restore(saved->vfs);
		saved->vfs = NULL;
	}
	if (!saved->vfs) {
		HeapFree(GetProcessHeap(), 0, saved);
		saved = NULL;
		return 1;
	}
	saved->regs = *sc->regs;
	saved->tp = self->tp;
	saved->sigmask = self->sigmask;
	saved->umask = lx_umask;
	dispositions(saved->act, false);
	saved->record = lx_proc_self;
	child_record = *lx_proc_self;
	child_record.sigpending = 0;
	lx_proc_self = &child_record;
	memset(&lx_vfork_pending, 0, sizeof(lx_vfork_pending));
	if (ca->stack)
		lx_regs_set_syscall_rsp(sc->regs, ca->stack + ca->stack_size);
	return 0; /* the child's return value */
}

/* Gives the caller its state back and makes the system call return pid
 * to it, at its own registers. */
static int64_t resume_caller(struct lx_syscall *sc, long pid)
{
	struct vfork_saved *s = saved;
	struct lx_thread *self = lx_current_thread();

	saved = NULL;
	lx_proc_self = s->record;
	lx_vfs_restore(s->vfs);
	lx_cred_restore(s->cred);
	dispositions(s->act, true);
	lx_umask = s->umask;
	self->sigmask = s->sigmask;
	if (self->tp != s->tp)
		lx_set_thread_pointer(s->tp);
	*sc->regs = s->regs;
	HeapFree(GetProcessHeap(), 0, s);
	return pid;
}

long lx_vfork_record(void *process, long *pidp, void **section, struct lx_proc_record **rec)
{
	long pid = lx_proc_alloc_child(process);
	long r = pid ? lx_proc_record_new(pid, section, rec) : -LX_EAGAIN;

	if (r < 0) {
		if (pid)
			lx_proc_free_pid(pid, process);
		return r;
	}
	(*rec)->ppid = lx_getpid();
	(*rec)->win_pid = (long)GetProcessId(process);
	lx_proc_record_inherit(*rec); /* from the vfork child's own record */
	/* Made for an execve (or an exit, where it no longer matters):
	 * setpgid of the child is EACCES from now on. */
	(*rec)->execed = 1;
	(*rec)->pgid = lx_vfork_pending.own_group || lx_vfork_pending.own_session ? pid
	             : child_record.pgid ? child_record.pgid : lx_getpid();
	(*rec)->sid = lx_vfork_pending.own_session ? pid
	            : child_record.sid ? child_record.sid : lx_getpid();
	*pidp = pid;
	return 0;
}

int64_t lx_vfork_exec_done(struct lx_syscall *sc, long pid, void *process, void *section,
                           struct lx_proc_record *rec)
{
	/* The child's fds went to its process; the caller's come back. */
	if (lx_child_add(pid, process, section, rec, NULL) < 0) {
		CloseHandle(process);
		UnmapViewOfFile(rec);
		CloseHandle(section);
	}
	return resume_caller(sc, pid);
}

int64_t lx_vfork_exit(struct lx_syscall *sc, int wait_status)
{
	wchar_t module[MAX_PATH];
	PROCESS_INFORMATION pi;
	HANDLE section, guard;
	struct lx_proc_record *rec;

	DWORD n = GetModuleFileNameW(NULL, module, MAX_PATH);
	if (n == 0 || n >= MAX_PATH ||
	    lx_process_create(module, NULL, 0, &pi, &guard) < 0)
		lx_fatal("lxnt: vfork: cannot create the process of a child that exits (error %lu)",
		         GetLastError());
	long pid;
	if (lx_vfork_record(pi.hProcess, &pid, &section, &rec) < 0)
		lx_fatal("lxnt: vfork: cannot create the record of a child that exits");
	rec->wait_status = wait_status;
	rec->state = LX_PROC_EXITED;
	TerminateProcess(pi.hProcess, (UINT)((wait_status >> 8) & 0xff));
	CloseHandle(pi.hThread);
	lx_process_guard_drop(guard);
	return lx_vfork_exec_done(sc, pid, pi.hProcess, section, rec);
}
