/*
 * Advisory locks as the system calls see them (fs/locks.c): fcntl(2)'s
 * record locks (F_GETLK, F_SETLK, F_SETLKW), open file description locks
 * (F_OFD_*) and flock(2), and what closes, exit, fork and execve do to
 * them.  The rules are locks.c's, the table locktable.c's; docs/vfs.md
 * "File locks".
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
		if (!f->handle || !lx_file_is_host(f))
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
	struct lx_lock_req r = { 0 };
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
		ret = lx_lock_test(&r, &fl);
		if (!ret && lx_copy_to_user(uarg, &fl, sizeof(fl)))
			ret = -LX_EFAULT;
		return ret;
	}
	ret = ofd ? desc_owner_get(f, &r.owner) : posix_owner_get(&r.owner);
	if (ret)
		return ret;
	if (!ofd)
		posix_held = true;
	return lx_lock_acquire(&r, cmd == LX_F_SETLKW || cmd == LX_F_OFD_SETLKW);
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
	struct lx_lock_req r = { .start = 0, .end = LX_LOCK_EOF, .kind = LX_LOCK_FLOCK, .pid = -1 };
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
		ret = lx_lock_acquire(&r, type != LX_F_UNLCK && !(op & LX_LOCK_NB));
	}
	lx_file_put(f);
	return ret;
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
	lx_lock_drop_owner_file(posix_owner, volume, file);
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
