/*
 * Process identity and exit.  The Linux pid comes from the instance's
 * process table (runtime/ptable.h): the parent takes it at fork for the
 * child, a process Windows started takes its own.  It stays the pid across
 * execve (the new image learns it from the hand-off), and is given back
 * when the process is reaped, by its parent or by the daemon.  The main
 * thread's tid equals it as on Linux.
 */
#include <windows.h>

#include "clone.h"
#include "fork_spare.h"
#include "identity.h"
#include "instance.h"
#include "proc.h"
#include "signal.h"
#include "stats.h"
#include "syscall_table.h"
#include "thread.h"
#include "vfork.h"

static long self_pid;

long lx_getpid(void)
{
	if (!self_pid)
		self_pid = (long)GetCurrentProcessId();
	return self_pid;
}

void lx_set_pid(long pid)
{
	self_pid = pid;
}

/*
 * A Linux wait status becomes the Windows exit code a shell would print
 * for it: the exit code for a normal exit, 128 + signal for a death by
 * signal (as bash's $?).
 */
_Noreturn void lx_exit_process(int wait_status)
{
	int sig = wait_status & 0x7f;

	lx_threads_wait_exiting();
	lx_fork_spare_drop(); /* a fork still running in another thread ends its new spare */
	lx_signal_listener_quiesce();
	lx_children_quiesce();
	lx_helper_threads_quiesce();
	lx_locks_exit();
	lx_pgrp_orphans_at_exit();
	lx_children_parent_death();
	lx_proc_account_image();
	lx_proc_self->wait_status = wait_status;
	lx_proc_self->state = LX_PROC_EXITED;
	lx_stats_write();
	lx_signal_kicks_close();
	ExitProcess(sig ? 128u + (unsigned)sig : (unsigned)((wait_status >> 8) & 0xff));
}

/* Linux getpid(2). */
int64_t lx_sys_getpid(struct lx_syscall *sc)
{
	(void)sc;
	return lx_getpid();
}

/* Linux getppid(2). */
int64_t lx_sys_getppid(struct lx_syscall *sc)
{
	(void)sc;
	/* The record's: the daemon gives a process whose parent ended to
	 * init (runtime/daemon.c). */
	return lx_proc_self->ppid ? lx_proc_self->ppid : lx_ppid;
}

/* Linux gettid(2). */
int64_t lx_sys_gettid(struct lx_syscall *sc)
{
	(void)sc;
	return lx_current_thread()->tid;
}

/* Linux set_tid_address(2): remembers clear_child_tid, returns the tid. */
int64_t lx_sys_set_tid_address(struct lx_syscall *sc)
{
	struct lx_thread *t = lx_current_thread();

	t->clear_child_tid = (uint64_t)sc->arg[0];
	return t->tid;
}

/* Linux set_robust_list(2): recorded for thread exit. */
int64_t lx_sys_set_robust_list(struct lx_syscall *sc)
{
	/* sizeof(struct robust_list_head) on x86-64 */
	if ((size_t)sc->arg[1] != 24)
		return -LX_EINVAL;
	struct lx_thread *t = lx_current_thread();
	t->robust_list = (uint64_t)sc->arg[0];
	t->robust_list_len = (size_t)sc->arg[1];
	return 0;
}

/* Linux exit(2): ends the calling thread (clone_thread.c). */
int64_t lx_sys_exit(struct lx_syscall *sc)
{
	if (lx_vfork_active())
		return lx_vfork_exit(sc, (int)((sc->arg[0] & 0xff) << 8));
	lx_thread_exit((int)(sc->arg[0] & 0xff));
}

/* Linux exit_group(2). */
int64_t lx_sys_exit_group(struct lx_syscall *sc)
{
	if (lx_vfork_active())
		return lx_vfork_exit(sc, (int)((sc->arg[0] & 0xff) << 8));
	lx_exit_process((int)((sc->arg[0] & 0xff) << 8));
}

/*
 * Process groups and sessions (kernel/sys.c).  A process Windows started
 * leads its own group and session, as one started by setsid(1) would; a
 * child inherits both.  The record shared with the parent keeps them, so
 * that the parent's wait(0) and wait(-pgid) see a child's setpgid, and
 * any process of the instance can read them (getpgid, getsid, setpgid's
 * search for the group).
 */
static void groups_init(void)
{
	if (!lx_proc_self->pgid) {
		lx_proc_self->pgid = lx_getpid();
		lx_proc_self->sid = lx_getpid();
	}
}

/* Linux getpgrp(2). */
int64_t lx_sys_getpgrp(struct lx_syscall *sc)
{
	(void)sc;
	groups_init();
	return lx_proc_self->pgid;
}

/* The group (sid false) or session (sid true) of pid, a process or
 * thread of the instance, from its record; -LX_ESRCH when there is none. */
static long group_of(long pid, bool sid)
{
	long tgid = pid > 0 ? lx_instance_tgid(pid) : 0;
	struct lx_proc_record *r;
	long v;

	groups_init();
	if (pid == 0 || tgid == lx_getpid())
		return sid ? lx_proc_self->sid : lx_proc_self->pgid;
	r = pid > 0 ? lx_proc_record_open(tgid ? tgid : pid) : NULL;
	/* A reaped child's record outlives its table entry while its parent's
	 * watcher has not let go of it yet: a pid the table no longer has and
	 * whose record says it ended is gone. */
	if (r && !tgid && r->state == LX_PROC_EXITED) {
		lx_proc_record_close(r);
		r = NULL;
	}
	if (!r)
		return -LX_ESRCH;
	v = sid ? r->sid : r->pgid;
	lx_proc_record_close(r);
	return v ? v : (tgid ? tgid : pid);
}

/* Linux getpgid(2). */
int64_t lx_sys_getpgid(struct lx_syscall *sc)
{
	return group_of((int32_t)sc->arg[0], false);
}

/* Linux getsid(2). */
int64_t lx_sys_getsid(struct lx_syscall *sc)
{
	return group_of((int32_t)sc->arg[0], true);
}

/* Whether a process of the instance in session sid has group pgid
 * (ksys_setpgid's pid_task(pgrp, PIDTYPE_PGID) in the caller's session). */
static bool group_in_session(long pgid, long sid)
{
	long pids[512];
	size_t n = lx_instance_pids(pids, 512);

	for (size_t i = 0; i < n && i < 512; i++) {
		if (pids[i] == lx_getpid()) {
			if (lx_proc_self->pgid == pgid && lx_proc_self->sid == sid)
				return true;
			continue;
		}
		struct lx_proc_record *r = lx_proc_record_open(pids[i]);
		bool match = r && r->state != LX_PROC_EXITED && r->pgid == pgid && r->sid == sid;
		lx_proc_record_close(r);
		if (match)
			return true;
	}
	return false;
}

/* Linux setpgid(2): pid 0 is the caller, pgid 0 is pid. */
int64_t lx_sys_setpgid(struct lx_syscall *sc)
{
	long pid = (int32_t)sc->arg[0], pgid = (int32_t)sc->arg[1];
	struct lx_proc_record *r;

	groups_init();
	if (pgid < 0)
		return -LX_EINVAL;
	if (lx_vfork_active() && (pid == 0 || pid == lx_getpid())) {
		/* a vfork child, whose pid comes with its process */
		if (pgid == 0 || pgid == lx_getpid())
			lx_vfork_pending.own_group = true;
		else
			lx_proc_self->pgid = pgid;
		return 0;
	}
	if (pid == 0)
		pid = lx_getpid();
	if (pgid == 0)
		pgid = pid;
	/* ksys_setpgid: the caller or a child of it, in its session and
	 * not past an execve; never a session leader; into its own group or
	 * one that exists in the session. */
	if (pid == lx_getpid()) {
		r = lx_proc_self;
	} else {
		r = lx_child_record(pid);
		if (!r)
			return -LX_ESRCH;
		if (r->sid != lx_proc_self->sid)
			return -LX_EPERM;
		if (r->execed)
			return -LX_EACCES;
	}
	if (r->sid == pid)
		return -LX_EPERM; /* a session leader stays in its group */
	if (pgid != pid && !group_in_session(pgid, lx_proc_self->sid))
		return -LX_EPERM;
	r->pgid = pgid;
	return 0;
}

/* Linux setsid(2). */
int64_t lx_sys_setsid(struct lx_syscall *sc)
{
	(void)sc;
	groups_init();
	if (lx_vfork_active()) {
		lx_vfork_pending.own_session = true;
		return lx_getpid(); /* the child's own pid is not known yet */
	}
	if (lx_proc_self->pgid == lx_getpid())
		return -LX_EPERM; /* already a group leader */
	lx_proc_self->pgid = lx_getpid();
	lx_proc_self->sid = lx_getpid();
	return lx_getpid();
}
