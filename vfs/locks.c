/*
 * Linux's lock rules over the instance's lock table (fs/locks.c): what
 * conflicts, how a POSIX or OFD lock merges with and splits its owner's
 * others, flock's one lock per description, the wait for a conflicting
 * lock to go and the deadlock walk.  The system calls that reach them
 * are lock_syscalls.c's; docs/vfs.md "File locks" has the rules.
 */
#include <windows.h>

#include "vfs.h"
#include "locks.h"
#include "signal.h"

/* Linux's limit on the waits-for chain it follows (MAX_DEADLK_ITERATIONS). */
#define LX_DEADLK_ITERATIONS 10

static bool same_space(uint8_t a, uint8_t b)
{
	return (a == LX_LOCK_FLOCK) == (b == LX_LOCK_FLOCK);
}

static bool overlaps(const struct lx_lock_entry *e, int64_t start, int64_t end)
{
	return e->start <= end && e->end >= start;
}

static bool of_file(const struct lx_lock_entry *e, const struct lx_lock_req *r)
{
	return e->owner && e->volume == r->volume && e->file == r->file;
}

/* The lock that keeps r from being taken, the lowest-starting one as
 * Linux's sorted list gives it; dead owners met on the way are dropped. */
static struct lx_lock_entry *find_conflict(struct lx_lock_table *t, const struct lx_lock_req *r)
{
	uint64_t alive[8];
	unsigned nalive = 0;
	struct lx_lock_entry *best;

restart:
	best = NULL;
	for (uint32_t i = 0; i < t->hiwater; i++) {
		struct lx_lock_entry *e = &t->entries[i];
		if (!of_file(e, r) || e->owner == r->owner || !same_space(e->kind, r->kind) ||
		    !overlaps(e, r->start, r->end) ||
		    (e->type != LX_F_WRLCK && r->type != LX_F_WRLCK))
			continue;
		unsigned k;
		for (k = 0; k < nalive && alive[k] != e->owner; k++)
			;
		if (k == nalive) {
			if (!lx_lock_owner_alive(e->owner)) {
				lx_locktable_purge(t, e->owner);
				goto restart;
			}
			if (nalive < 8)
				alive[nalive++] = e->owner;
		}
		if (!best || e->start < best->start)
			best = e;
	}
	return best;
}

/* Adds an entry like r over [start, end]. */
static void add_entry(struct lx_lock_table *t, const struct lx_lock_req *r, uint8_t type,
                      int64_t start, int64_t end, uint32_t win_pid, int32_t pid)
{
	struct lx_lock_entry *e = lx_locktable_alloc(t);

	if (!e)
		return; /* callers made room first */
	e->volume = r->volume;
	e->file = r->file;
	e->start = start;
	e->end = end;
	e->pid = pid;
	e->win_pid = win_pid;
	e->kind = r->kind;
	e->type = type;
	if (r->kind != LX_LOCK_POSIX)
		t->nshared++;
	e->owner = r->owner; /* taken last: the entry is whole once owned */
}

/* Whether e touches [s, e] or lies right next to it (same-type locks of
 * one owner merge, as posix_lock_inode does). */
static bool touches(const struct lx_lock_entry *x, int64_t s, int64_t e)
{
	return (e == LX_LOCK_EOF || x->start <= e + 1) && (x->end == LX_LOCK_EOF || x->end + 1 >= s);
}

/* POSIX and OFD locks: r's range becomes r's type (or unlocked) for r's
 * owner, splitting and merging its own locks. */
static long posix_apply(struct lx_lock_table *t, const struct lx_lock_req *r,
                        struct lx_lock_entry *blocker)
{
	int64_t s = r->start, e = r->end;
	bool changed = false;

	if (r->type != LX_F_UNLCK) {
		struct lx_lock_entry *c = find_conflict(t, r);
		if (c) {
			*blocker = *c;
			return -LX_EAGAIN;
		}
	}
	/* At most one lock is split in two, and one is added. */
	if (lx_locktable_room(t, 2) < 2)
		return -LX_ENOLCK;
	for (uint32_t i = 0; i < t->hiwater; i++) {
		struct lx_lock_entry *x = &t->entries[i];
		/* A description owns its flock lock under the same id. */
		if (!of_file(x, r) || x->owner != r->owner || !same_space(x->kind, r->kind))
			continue;
		if (x->type == r->type) {
			if (!touches(x, s, e))
				continue;
			s = x->start < s ? x->start : s;
			e = x->end > e ? x->end : e;
			lx_locktable_free(t, x);
			changed = true;
			continue;
		}
		if (!overlaps(x, r->start, r->end))
			continue;
		struct lx_lock_entry old = *x;
		lx_locktable_free(t, x);
		changed = true;
		if (old.start < r->start)
			add_entry(t, r, old.type, old.start, r->start - 1, old.win_pid, old.pid);
		if (old.end > r->end)
			add_entry(t, r, old.type, r->end + 1, old.end, old.win_pid, old.pid);
	}
	if (r->type != LX_F_UNLCK)
		add_entry(t, r, r->type, s, e, GetCurrentProcessId(), r->pid);
	if (changed)
		lx_lockwait_wake(t, r->volume, r->file);
	return 0;
}

/* flock(2): one lock per description and file.  A conversion drops the
 * old lock first, as flock_lock_inode does (flock(2): "not guaranteed to
 * be atomic"). */
static long flock_apply(struct lx_lock_table *t, const struct lx_lock_req *r,
                        struct lx_lock_entry *blocker)
{
	for (uint32_t i = 0; i < t->hiwater; i++) {
		struct lx_lock_entry *x = &t->entries[i];
		if (!of_file(x, r) || x->owner != r->owner || x->kind != LX_LOCK_FLOCK)
			continue;
		if (x->type == r->type)
			return 0;
		lx_locktable_free(t, x);
		lx_lockwait_wake(t, r->volume, r->file);
	}
	if (r->type == LX_F_UNLCK)
		return 0;
	struct lx_lock_entry *c = find_conflict(t, r);
	if (c) {
		*blocker = *c;
		return -LX_EAGAIN;
	}
	if (lx_locktable_room(t, 1) < 1)
		return -LX_ENOLCK;
	add_entry(t, r, r->type, 0, LX_LOCK_EOF, GetCurrentProcessId(), -1);
	return 0;
}

/* posix_locks_deadlock: following what each blocking owner itself waits
 * for leads back to the caller. */
static bool deadlocks(struct lx_lock_table *t, uint64_t self, uint64_t blocker)
{
	for (int i = 0; i < LX_DEADLK_ITERATIONS && blocker; i++) {
		blocker = lx_lockwait_blocker_of(t, blocker);
		if (blocker == self)
			return true;
	}
	return false;
}

/* Sleeps until a lock of the file goes, the blocking lock's process ends,
 * a signal comes, or a second passes (the owner may live on in another
 * process: a dead one is recognised when the table is looked at again). */
static long sleep_on(int slot, uint32_t win_pid)
{
	HANDLE hs[2], proc = NULL;
	unsigned n = 0;
	long r;

	hs[n++] = lx_lockwait_event(slot);
	if (win_pid && win_pid != GetCurrentProcessId())
		proc = OpenProcess(SYNCHRONIZE, FALSE, win_pid);
	if (proc && WaitForSingleObject(proc, 0) != WAIT_TIMEOUT) {
		CloseHandle(proc);
		proc = NULL;
	}
	if (proc)
		hs[n++] = proc;
	r = lx_wait_interruptible(n, hs, proc ? 1000 : 100);
	if (proc)
		CloseHandle(proc);
	return r == -LX_ERESTARTSYS ? r : 0;
}

/* Takes r, waiting for conflicting locks to go when wait is set. */
long lx_lock_acquire(const struct lx_lock_req *r, bool wait)
{
	int slot = -1;

	for (;;) {
		struct lx_lock_table *t = lx_locktable_enter();
		struct lx_lock_entry blocker = { 0 };
		long ret;

		if (!t)
			return -LX_ENOLCK;
		ret = r->kind == LX_LOCK_FLOCK ? flock_apply(t, r, &blocker)
		                               : posix_apply(t, r, &blocker);
		if (ret == -LX_EAGAIN && wait && r->kind == LX_LOCK_POSIX &&
		    deadlocks(t, r->owner, blocker.owner))
			ret = -LX_EDEADLK;
		if (ret == -LX_EAGAIN && wait)
			ret = lx_lockwait_register(t, &slot, r->owner, blocker.owner, r->volume, r->file,
			                           r->kind) < 0 ? -LX_ENOLCK : 1;
		if (ret != 1) {
			lx_lockwait_unregister(t, &slot);
			lx_locktable_leave();
			return ret;
		}
		lx_locktable_leave();
		if (sleep_on(slot, blocker.win_pid) == -LX_ERESTARTSYS) {
			t = lx_locktable_enter();
			if (t) {
				lx_lockwait_unregister(t, &slot);
				lx_locktable_leave();
			}
			return -LX_ERESTARTSYS;
		}
	}
}

/* F_GETLK and F_OFD_GETLK: the lock that would block r, or F_UNLCK. */
long lx_lock_test(const struct lx_lock_req *r, struct lx_flock *fl)
{
	struct lx_lock_table *t = lx_locktable_enter();
	struct lx_lock_entry *c;

	if (!t)
		return -LX_ENOLCK;
	c = find_conflict(t, r);
	if (c) {
		fl->l_type = c->type;
		fl->l_whence = LX_SEEK_SET;
		fl->l_start = c->start;
		fl->l_len = c->end == LX_LOCK_EOF ? 0 : c->end - c->start + 1;
		fl->l_pid = c->kind == LX_LOCK_OFD ? -1 : c->pid;
	} else {
		fl->l_type = LX_F_UNLCK;
	}
	lx_locktable_leave();
	return 0;
}

/* Drops the entries of owner on f's file (any kind), waking its waiters. */
void lx_lock_drop_owner_file(uint64_t owner, uint64_t volume, uint64_t file)
{
	struct lx_lock_table *t = lx_locktable_enter();
	bool changed = false;

	if (!t)
		return;
	for (uint32_t i = 0; i < t->hiwater; i++) {
		struct lx_lock_entry *e = &t->entries[i];
		if (e->owner == owner && e->volume == volume && e->file == file) {
			lx_locktable_free(t, e);
			changed = true;
		}
	}
	if (changed)
		lx_lockwait_wake(t, volume, file);
	lx_locktable_leave();
}
