/*
 * Orphaned process groups (POSIX "orphaned process group"; kernel/exit.c
 * will_become_orphaned_pgrp and kill_orphaned_pgrp, kernel/signal.c
 * get_signal): a group none of whose members has a parent in another
 * group of the same session.  The stop signals of the terminal (SIGTSTP,
 * SIGTTIN, SIGTTOU) with their default action are discarded in such a
 * group, since nobody would continue it; and a group that becomes
 * orphaned while one of its members is stopped gets SIGHUP, then SIGCONT.
 *
 * The facts come from the records of the instance's processes
 * (runtime/proc.h).  A process Windows started has no Linux parent: its
 * parent is the Windows program that ran it, which plays the part of the
 * shell of the session (another group, the same session), so its group is
 * never orphaned while it lives, as the group of a job started from a
 * terminal is not.
 */
#include <windows.h>
#include <stdlib.h>

#include "identity.h"
#include "instance.h"
#include "proc.h"
#include "ptable.h"
#include "signal.h"
#include "syscall_table.h"

#define MEMBERS_MAX 512

struct member {
	long pid, pgid, sid, ppid;
	bool exited, windows, stopped;
};

struct snapshot {
	size_t n;
	struct member m[MEMBERS_MAX];
};

/* The last job-control report is a stop (runtime/jobctl.c). */
static bool report_is_stop(int64_t report)
{
	return (report & 0xff) == 0x7f;
}

static void member_of(struct member *m, long pid, const struct lx_proc_record *r, bool windows)
{
	m->pid = pid;
	m->pgid = r->pgid ? r->pgid : pid;
	m->sid = r->sid ? r->sid : pid;
	m->ppid = r->ppid;
	m->exited = r->state == LX_PROC_EXITED;
	m->stopped = report_is_stop(r->report);
	m->windows = windows;
}

/* Every process of the instance, from its record. */
static void snapshot_take(struct snapshot *s)
{
	struct lx_ptable *t = lx_ptable_get(NULL);
	long pids[MEMBERS_MAX];
	size_t n = lx_instance_pids(pids, MEMBERS_MAX);
	long self = lx_getpid();

	s->n = 0;
	for (size_t i = 0; i < n && i < MEMBERS_MAX; i++) {
		bool windows = t && (t->e[pids[i]].flags & LX_PT_WINDOWS_CLIENT);
		if (pids[i] == self) {
			member_of(&s->m[s->n], self, lx_proc_self, windows);
			s->m[s->n++].ppid = lx_proc_self->ppid ? lx_proc_self->ppid : lx_ppid;
			continue;
		}
		struct lx_proc_record *r = lx_proc_record_open(pids[i]);
		if (!r)
			continue;
		member_of(&s->m[s->n++], pids[i], r, windows);
		lx_proc_record_close(r);
	}
}

static const struct member *find(const struct snapshot *s, long pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->m[i].pid == pid)
			return &s->m[i];
	return NULL;
}

/* will_become_orphaned_pgrp: ignoring `ignored`, and with the children
 * of `dying` counted as init's (they are about to be reparented). */
static bool orphaned(const struct snapshot *s, long pgrp, long ignored, long dying)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct member *m = &s->m[i];
		if (m->pgid != pgrp || m->pid == ignored || m->exited)
			continue;
		if (m->windows)
			return false;
		if (m->ppid <= 1 || m->ppid == dying)
			continue;
		const struct member *p = find(s, m->ppid);
		if (p && p->pgid != pgrp && p->sid == m->sid)
			return false;
	}
	return true;
}

static bool has_stopped_jobs(const struct snapshot *s, long pgrp)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->m[i].pgid == pgrp && !s->m[i].exited && s->m[i].stopped)
			return true;
	return false;
}

bool lx_pgrp_orphaned_self(void)
{
	struct snapshot *s = malloc(sizeof(*s));
	long pgid = lx_proc_self->pgid ? lx_proc_self->pgid : lx_getpid();
	bool r;

	if (!s)
		return false;
	snapshot_take(s);
	r = orphaned(s, pgid, 0, 0);
	free(s);
	return r;
}

static void hangup(long pgrp)
{
	lx_signal_group_kernel(pgrp, LX_SIGHUP);
	lx_signal_group_kernel(pgrp, LX_SIGCONT);
}

/* Whether the exit can orphan a group at all: a child of ours in another
 * group of our session, or a parent in another group of our session.
 * Most exits answer no without looking at anybody else's record. */
static bool may_orphan(void)
{
	long pids[64], self_pgid = lx_proc_self->pgid ? lx_proc_self->pgid : lx_getpid();
	long sid = lx_proc_self->sid ? lx_proc_self->sid : lx_getpid();
	size_t n = lx_children_in_group(-1, pids, 64);
	struct lx_proc_record *r;
	bool may = false;

	for (size_t i = 0; i < n && !may; i++) {
		r = lx_child_record(pids[i]);
		may = r && r->pgid && r->pgid != self_pgid && r->sid == sid;
	}
	long ppid = lx_proc_self->ppid ? lx_proc_self->ppid : lx_ppid;
	if (!may && ppid > 1 && (r = lx_proc_record_open(ppid))) {
		may = (r->pgid ? r->pgid : ppid) != self_pgid && (r->sid ? r->sid : ppid) == sid;
		lx_proc_record_close(r);
	}
	return may || n == 64;
}

/* exit_notify's two checks for the process `dying`, from a snapshot in
 * which it has exited. */
static void orphans_at_exit_of(const struct snapshot *s, long dying)
{
	const struct member *me = find(s, dying);

	if (!me)
		return;
	/* forget_original_parent: each child in another group of our session
	 * whose group we were the last link of. */
	for (size_t i = 0; i < s->n; i++) {
		const struct member *c = &s->m[i];
		bool seen = false;
		if (c->ppid != dying || c->exited || c->pgid == me->pgid || c->sid != me->sid)
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= s->m[j].ppid == dying && s->m[j].pgid == c->pgid;
		if (!seen && orphaned(s, c->pgid, 0, dying) && has_stopped_jobs(s, c->pgid))
			hangup(c->pgid);
	}
	/* exit_notify: our own group, when our parent was its link. */
	const struct member *p = me->windows ? NULL : find(s, me->ppid);
	if (p && p->pgid != me->pgid && p->sid == me->sid && orphaned(s, me->pgid, dying, dying) &&
	    has_stopped_jobs(s, me->pgid))
		hangup(me->pgid);
}

void lx_pgrp_orphans_at_exit(void)
{
	struct snapshot *s;

	if (!may_orphan() || !(s = malloc(sizeof(*s))))
		return;
	snapshot_take(s);
	orphans_at_exit_of(s, lx_getpid());
	free(s);
}

/* A process ended by SIGKILL (TerminateProcess) runs no exit of its own:
 * its killer makes the checks for it, once its record says it has exited. */
void lx_pgrp_orphans_after_kill(long pid)
{
	lx_pgrp_orphans_after_end(pid, NULL);
}

/* The record of an ended process may have lost its name already: a name
 * lasts only as long as a handle to the section (under Wine, not as long
 * as a view), and an orphan's only handle was its own.  So the caller's
 * view of it stands in. */
void lx_pgrp_orphans_after_end(long pid, const struct lx_proc_record *r)
{
	struct snapshot *s = malloc(sizeof(*s));
	struct lx_ptable *t = lx_ptable_get(NULL);

	if (!s)
		return;
	snapshot_take(s);
	if (r && !find(s, pid) && s->n < MEMBERS_MAX && pid > 0 && pid < LX_PTABLE_PID_MAX)
		member_of(&s->m[s->n++], pid, r, t && (t->e[pid].flags & LX_PT_WINDOWS_CLIENT));
	orphans_at_exit_of(s, pid);
	free(s);
}
