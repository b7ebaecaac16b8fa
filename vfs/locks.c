/*
 * Advisory locks (fs/locks.c): fcntl(2)'s record locks (F_GETLK, F_SETLK,
 * F_SETLKW), open file description locks (F_OFD_*) and flock(2), kept in
 * the instance's lock table (locktable.c) so that every process of the
 * instance sees them.  docs/vfs.md "File locks" has the rules.
 *
 * Owners: a process's POSIX locks belong to one owner id made at its
 * first lock and handed on through execve (not fork); OFD and flock locks
 * belong to the open file description, whose id every process sharing it
 * has (vfs/handoff.c).
 */
#include <windows.h>

#include "vfs.h"
#include "locks.h"
#include "handoff.h"
#include "identity.h"
#include "signal.h"
#include "syscall_table.h"
#include "vfork.h"

_Static_assert(sizeof(struct lx_flock) == 32, "struct flock of x86-64");

/* This process's POSIX owner (0 until its first lock). */
static uint64_t posix_owner;
static HANDLE posix_object;
static SRWLOCK owner_lock = SRWLOCK_INIT;
/* The process may hold POSIX locks: every close then asks the table. */
static volatile bool posix_held;
/* Closes that are not the process's own: vfork's child's fd table being
 * given back to the caller. */
static volatile bool closes_quiet;

/* Linux's limit on the waits-for chain it follows (MAX_DEADLK_ITERATIONS). */
#define LX_DEADLK_ITERATIONS 10

struct lock_req {
	uint64_t volume, file, owner;
	int64_t start, end;
	int32_t pid;
	uint8_t kind, type;
};

static long posix_owner_get(uint64_t *id)
{
	long r = 0;

	AcquireSRWLockExclusive(&owner_lock);
	if (!posix_owner)
		r = lx_lock_owner_new(&posix_owner, (void **)&posix_object);
	*id = posix_owner;
	ReleaseSRWLockExclusive(&owner_lock);
	return r;
}

/* The owner id of f's open file description, made on first use. */
static long desc_owner_get(struct lx_file *f, uint64_t *id)
{
	long r = 0;

	lx_file_lock(f);
	if (!f->lock_id)
		r = lx_lock_owner_new(&f->lock_id, &f->lock_obj);
	*id = f->lock_id;
	lx_file_unlock(f);
	return r;
}

/* The file's identity: volume serial number and file id, as stat's
 * st_ino.  Only files of Windows volumes have one; locks on pipes,
 * devices and synthetic files are ENOLCK. */
static long file_key(struct lx_file *f, uint64_t *volume, uint64_t *file)
{
	BY_HANDLE_FILE_INFORMATION info;

	if (!f->lock_keyed) {
		if (!f->handle || lx_file_is_pipe(f) || GetFileType(f->handle) != FILE_TYPE_DISK)
			return -LX_ENOLCK;
		if (!GetFileInformationByHandle(f->handle, &info))
			return -LX_ENOLCK;
		f->lock_volume = info.dwVolumeSerialNumber;
		f->lock_file = ((uint64_t)info.nFileIndexHigh << 32) | info.nFileIndexLow;
		f->lock_keyed = true;
	}
	*volume = f->lock_volume;
	*file = f->lock_file;
	return 0;
}

static bool same_space(uint8_t a, uint8_t b)
{
	return (a == LX_LOCK_FLOCK) == (b == LX_LOCK_FLOCK);
}

static bool overlaps(const struct lx_lock_entry *e, int64_t start, int64_t end)
{
	return e->start <= end && e->end >= start;
}

static bool of_file(const struct lx_lock_entry *e, const struct lock_req *r)
{
	return e->owner && e->volume == r->volume && e->file == r->file;
}

/* The lock that keeps r from being taken, the lowest-starting one as
 * Linux's sorted list gives it; dead owners met on the way are dropped. */
static struct lx_lock_entry *find_conflict(struct lx_lock_table *t, const struct lock_req *r)
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
		if (k == nalive && e->owner != posix_owner) {
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
static void add_entry(struct lx_lock_table *t, const struct lock_req *r, uint8_t type,
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
static long posix_apply(struct lx_lock_table *t, const struct lock_req *r,
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
static long flock_apply(struct lx_lock_table *t, const struct lock_req *r,
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
static long lock_acquire(const struct lock_req *r, bool wait)
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

/* flock_to_posix_lock: l_whence, l_start and l_len into [start, end]. */
static long lock_range(struct lx_file *f, const struct lx_flock *fl, int64_t *start, int64_t *end)
{
	int64_t base = 0;

	switch (fl->l_whence) {
	case LX_SEEK_SET:
		break;
	case LX_SEEK_CUR:
		lx_file_lock(f);
		if (f->pos_shared)
			lx_file_pos_load(f);
		base = f->pos;
		lx_file_unlock(f);
		break;
	case LX_SEEK_END: {
		struct lx_kstat st;
		long r = lx_file_stat(f, &st);
		if (r)
			return r;
		base = st.size;
		break;
	}
	default:
		return -LX_EINVAL;
	}
	if ((fl->l_start > 0 && base > INT64_MAX - fl->l_start) || base + fl->l_start < 0)
		return -LX_EINVAL;
	*start = base + fl->l_start;
	if (fl->l_len > 0) {
		if (fl->l_len - 1 > LX_LOCK_EOF - *start)
			return -LX_EOVERFLOW;
		*end = *start + fl->l_len - 1;
	} else if (fl->l_len < 0) {
		if (*start + fl->l_len < 0)
			return -LX_EINVAL;
		*end = *start - 1;
		*start += fl->l_len;
	} else {
		*end = LX_LOCK_EOF;
	}
	return 0;
}

/* F_GETLK and F_OFD_GETLK: the lock that would block r, or F_UNLCK. */
static long lock_test(const struct lock_req *r, struct lx_flock *fl)
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

/* check_fmode_for_setlk: a read lock needs a readable fd, a write lock a
 * writable one. */
static long check_mode(const struct lx_file *f, int type)
{
	unsigned acc = f->flags & LX_O_ACCMODE;

	if (type == LX_F_RDLCK && acc == LX_O_WRONLY)
		return -LX_EBADF;
	if (type == LX_F_WRLCK && acc == LX_O_RDONLY)
		return -LX_EBADF;
	return 0;
}

static long fcntl_lock(struct lx_file *f, int cmd, uint64_t uarg)
{
	bool ofd = cmd == LX_F_OFD_GETLK || cmd == LX_F_OFD_SETLK || cmd == LX_F_OFD_SETLKW;
	bool get = cmd == LX_F_GETLK || cmd == LX_F_OFD_GETLK;
	struct lx_flock fl;
	struct lock_req r = { 0 };
	long ret;

	if (lx_copy_from_user(&fl, uarg, sizeof(fl)))
		return -LX_EFAULT;
	if (get && fl.l_type != LX_F_RDLCK && fl.l_type != LX_F_WRLCK)
		return -LX_EINVAL;
	ret = lock_range(f, &fl, &r.start, &r.end);
	if (ret)
		return ret;
	if (fl.l_type != LX_F_RDLCK && fl.l_type != LX_F_WRLCK && fl.l_type != LX_F_UNLCK)
		return -LX_EINVAL;
	if (!get && (ret = check_mode(f, fl.l_type)))
		return ret;
	if (ofd && fl.l_pid != 0)
		return -LX_EINVAL;
	ret = file_key(f, &r.volume, &r.file);
	if (ret)
		return ret;
	r.kind = ofd ? LX_LOCK_OFD : LX_LOCK_POSIX;
	r.type = (uint8_t)fl.l_type;
	r.pid = ofd ? -1 : (int32_t)lx_getpid();
	if (get) {
		/* A test needs no owner of its own: one not yet made holds
		 * nothing. */
		r.owner = ofd ? f->lock_id : posix_owner;
		ret = lock_test(&r, &fl);
		if (!ret && lx_copy_to_user(uarg, &fl, sizeof(fl)))
			ret = -LX_EFAULT;
		return ret;
	}
	ret = ofd ? desc_owner_get(f, &r.owner) : posix_owner_get(&r.owner);
	if (ret)
		return ret;
	if (!ofd)
		posix_held = true;
	return lock_acquire(&r, cmd == LX_F_SETLKW || cmd == LX_F_OFD_SETLKW);
}

long lx_vfs_fcntl_lock(int fd, int cmd, uint64_t uarg)
{
	struct lx_file *f = lx_fd_get(fd);
	long r;

	if (!f)
		return -LX_EBADF;
	r = (f->flags & LX_O_PATH) ? -LX_EBADF : fcntl_lock(f, cmd, uarg);
	lx_file_put(f);
	return r;
}

static int flock_type(unsigned op)
{
	switch (op) {
	case LX_LOCK_SH: return LX_F_RDLCK;
	case LX_LOCK_EX: return LX_F_WRLCK;
	case LX_LOCK_UN: return LX_F_UNLCK;
	default: return -LX_EINVAL;
	}
}

/* Linux flock(2). */
int64_t lx_sys_flock(struct lx_syscall *sc)
{
	unsigned op = (unsigned)sc->arg[1];
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	struct lock_req r = { .start = 0, .end = LX_LOCK_EOF, .kind = LX_LOCK_FLOCK, .pid = -1 };
	int type;
	long ret;

	if (!f)
		return -LX_EBADF;
	if (f->flags & LX_O_PATH) { /* fdget leaves O_PATH files out */
		lx_file_put(f);
		return -LX_EBADF;
	}
	/* LOCK_MAND is accepted and ignored, as since Linux 5.15. */
	if (op & LX_LOCK_MAND) {
		lx_file_put(f);
		return 0;
	}
	type = flock_type(op & ~(unsigned)LX_LOCK_NB);
	ret = type < 0 ? type : file_key(f, &r.volume, &r.file);
	if (!ret)
		ret = desc_owner_get(f, &r.owner);
	if (!ret) {
		r.type = (uint8_t)type;
		ret = lock_acquire(&r, type != LX_F_UNLCK && !(op & LX_LOCK_NB));
	}
	lx_file_put(f);
	return ret;
}

/* Drops the entries of owner on f's file (any kind), waking its waiters. */
static void drop_owner_file(uint64_t owner, uint64_t volume, uint64_t file)
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

void lx_locks_fd_closed(struct lx_file *f)
{
	uint64_t volume, file;

	/* locks_remove_posix: closing any fd of a file drops the process's
	 * POSIX locks on it.  A vfork child running on the caller's fd table
	 * is another process, whose closes leave the caller's locks be. */
	if (!posix_held || !posix_owner || !f || lx_vfork_active() || closes_quiet ||
	    file_key(f, &volume, &file))
		return;
	drop_owner_file(posix_owner, volume, file);
}

void lx_locks_file_release(struct lx_file *f)
{
	struct lx_lock_table *t;

	if (!f->lock_obj)
		return;
	/* The description's last close anywhere drops its OFD and flock
	 * locks.  Whether this was the last is whether the liveness object
	 * is gone once this handle is: asked under the table's mutex, where
	 * every other holder closes too. */
	if (!lx_locktable_exists() || !(t = lx_locktable_enter())) {
		CloseHandle(f->lock_obj);
		f->lock_obj = NULL;
		return;
	}
	CloseHandle(f->lock_obj);
	f->lock_obj = NULL;
	if (t->nshared && !lx_lock_owner_alive(f->lock_id))
		lx_locktable_purge(t, f->lock_id);
	lx_locktable_leave();
}

void lx_locks_exit(void)
{
	struct lx_lock_table *t;

	if (!posix_held || !posix_owner || !(t = lx_locktable_enter()))
		return;
	lx_locktable_purge(t, posix_owner);
	lx_locktable_leave();
	posix_held = false;
}

void lx_locks_forget_posix(void)
{
	posix_held = false;
}

void lx_locks_quiet_closes(bool on)
{
	closes_quiet = on;
}

void lx_locks_exec_cloexec(void)
{
	/* The close-on-exec fds that execve closes drop the process's locks
	 * on their files, as any close does; done before the new image runs,
	 * which keeps the rest. */
	for (int fd = 0; posix_held && fd < LX_FD_MAX; fd++) {
		if (lx_fd_get_cloexec(fd) != 1)
			continue;
		struct lx_file *f = lx_fd_get(fd);
		lx_locks_fd_closed(f);
		lx_file_put(f);
	}
}

long lx_locks_desc_handoff(struct lx_file *f, void *proc, uint64_t *id, uint64_t *obj)
{
	HANDLE d = NULL;
	uint64_t owner;
	long r;

	*id = 0;
	*obj = 0;
	/* Only files that can be locked; made now, so that the processes
	 * sharing the description agree on its id whoever locks first. */
	if (file_key(f, &(uint64_t){ 0 }, &(uint64_t){ 0 }))
		return 0;
	r = desc_owner_get(f, &owner);
	if (r)
		return r;
	if (!DuplicateHandle(GetCurrentProcess(), f->lock_obj, proc, &d, 0, FALSE,
	                     DUPLICATE_SAME_ACCESS))
		return lx_errno_from_win32(GetLastError());
	*id = owner;
	*obj = (uint64_t)(uintptr_t)d;
	return 0;
}

long lx_locks_handoff_out(struct lx_handoff *h, void *proc, bool exec)
{
	HANDLE d;

	if (lx_locktable_section()) {
		if (!DuplicateHandle(GetCurrentProcess(), lx_locktable_section(), proc, &d, 0, FALSE,
		                     DUPLICATE_SAME_ACCESS))
			return lx_errno_from_win32(GetLastError());
		h->lock_table = (uint64_t)(uintptr_t)d;
	}
	/* execve keeps the process's POSIX locks; a fork child has none, and
	 * a vfork child is another process than the caller whose table it
	 * borrows. */
	if (exec && !lx_vfork_active() && posix_owner) {
		if (!DuplicateHandle(GetCurrentProcess(), posix_object, proc, &d, 0, FALSE,
		                     DUPLICATE_SAME_ACCESS))
			return lx_errno_from_win32(GetLastError());
		h->lock_owner = posix_owner;
		h->lock_owner_obj = (uint64_t)(uintptr_t)d;
	}
	return 0;
}

void lx_locks_handoff_in(const struct lx_handoff *h)
{
	if (h->lock_table)
		lx_locktable_adopt((HANDLE)(uintptr_t)h->lock_table);
	if (h->lock_owner && h->lock_owner_obj) {
		posix_owner = h->lock_owner;
		posix_object = (HANDLE)(uintptr_t)h->lock_owner_obj;
		posix_held = true;
	}
}
