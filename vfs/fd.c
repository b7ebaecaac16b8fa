/*
 * close(2), close_range(2), dup(2), dup2(2), dup3(2), fcntl(2) (descriptor
 * and status flags, pipe sizes; record locks are lock_syscalls.c's).
 */
#include "vfs.h"
#include "syscall_table.h"
#include "thread.h"

/* Linux close(2).  The last close of a file the description created may
 * keep its handle for the thread's next few calls (host.c, "the kept
 * handle"): only here, where the thread goes on making calls, not at the
 * closes of an exit or an execve, after which it makes none. */
int64_t lx_sys_close(struct lx_syscall *sc)
{
	struct lx_thread *t = lx_current_thread();
	long err;

	if (t)
		t->in_close = true;
	err = lx_fd_close((int)sc->arg[0]);
	if (t)
		t->in_close = false;
	return err;
}

#define LX_CLOSE_RANGE_UNSHARE (1u << 1)
#define LX_CLOSE_RANGE_CLOEXEC (1u << 2)

/* Linux close_range(2): closes, or with CLOSE_RANGE_CLOEXEC marks
 * close-on-exec, every open fd from first to last.  The table of a process
 * is shared by all its threads and cannot be unshared, so
 * CLOSE_RANGE_UNSHARE acts on the shared one (the same thing for the
 * single-threaded caller it is meant for, a child between fork and
 * execve). */
int64_t lx_sys_close_range(struct lx_syscall *sc)
{
	unsigned first = (unsigned)sc->arg[0], last = (unsigned)sc->arg[1];
	unsigned flags = (unsigned)sc->arg[2];

	if ((flags & ~(LX_CLOSE_RANGE_UNSHARE | LX_CLOSE_RANGE_CLOEXEC)) || first > last)
		return -LX_EINVAL;
	if (last >= LX_FD_MAX)
		last = LX_FD_MAX - 1;
	for (unsigned fd = first; fd <= last && fd < LX_FD_MAX; fd++) {
		if (flags & LX_CLOSE_RANGE_CLOEXEC)
			lx_fd_set_cloexec((int)fd, true);
		else
			lx_fd_close((int)fd);
	}
	return 0;
}

static long dup_from(int oldfd, int minfd, bool cloexec)
{
	struct lx_file *f = lx_fd_get(oldfd);

	if (!f)
		return -LX_EBADF;
	return lx_fd_install(f, minfd, cloexec);
}

/* Linux dup(2): the new fd never has FD_CLOEXEC. */
int64_t lx_sys_dup(struct lx_syscall *sc)
{
	return dup_from((int)sc->arg[0], 0, false);
}

static long dup_to(int oldfd, int newfd, bool cloexec)
{
	struct lx_file *f;

	if (newfd < 0 || newfd >= LX_FD_MAX)
		return -LX_EBADF;
	f = lx_fd_get(oldfd);
	if (!f)
		return -LX_EBADF;
	return lx_fd_install_at(newfd, f, cloexec);
}

/* Linux dup2(2): oldfd == newfd only checks that oldfd is open. */
int64_t lx_sys_dup2(struct lx_syscall *sc)
{
	int oldfd = (int)sc->arg[0], newfd = (int)sc->arg[1];

	if (oldfd == newfd) {
		struct lx_file *f = lx_fd_get(oldfd);
		if (!f)
			return -LX_EBADF;
		lx_file_put(f);
		return newfd;
	}
	return dup_to(oldfd, newfd, false);
}

/* Linux dup3(2): EINVAL for equal fds or flags other than O_CLOEXEC. */
int64_t lx_sys_dup3(struct lx_syscall *sc)
{
	int oldfd = (int)sc->arg[0], newfd = (int)sc->arg[1];
	unsigned flags = (unsigned)sc->arg[2];

	if (flags & ~(unsigned)LX_O_CLOEXEC)
		return -LX_EINVAL;
	if (oldfd == newfd)
		return -LX_EINVAL;
	return dup_to(oldfd, newfd, (flags & LX_O_CLOEXEC) != 0);
}

/* Flags F_SETFL may change (setfl of fs/fcntl.c); the rest are kept. */
#define LX_SETFL_MASK (LX_O_APPEND | LX_O_NONBLOCK | LX_O_ASYNC | LX_O_DIRECT | LX_O_NOATIME)

/* setfl: O_NOATIME, newly set, only for the file's owner or CAP_FOWNER
 * (a file without an owner to ask, as the synthetic ones, lets it be). */
static long may_set_noatime(struct lx_file *f, unsigned flags)
{
	struct lx_kstat st;

	if (!(flags & LX_O_NOATIME) || (f->flags & LX_O_NOATIME) || lx_file_stat(f, &st))
		return 0;
	return lx_owner_or_capable(&st) ? 0 : -LX_EPERM;
}

static long set_status_flags(int fd, unsigned flags)
{
	struct lx_file *f = lx_fd_get(fd);
	long err;

	if (!f)
		return -LX_EBADF;
	if ((err = may_set_noatime(f, flags))) {
		lx_file_put(f);
		return err;
	}
	lx_file_lock(f);
	f->flags = (f->flags & ~(unsigned)LX_SETFL_MASK) | (flags & LX_SETFL_MASK);
	lx_file_unlock(f);
	lx_file_put(f);
	return 0;
}

static long get_status_flags(int fd)
{
	struct lx_file *f = lx_fd_get(fd);
	long flags;

	if (!f)
		return -LX_EBADF;
	flags = f->flags;
	lx_file_put(f);
	return flags;
}

/* Linux fcntl(2). */
int64_t lx_sys_fcntl(struct lx_syscall *sc)
{
	int fd = (int)sc->arg[0];
	long arg = sc->arg[2];

	switch ((int)sc->arg[1]) {
	case LX_F_DUPFD:
	case LX_F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= LX_FD_MAX)
			return -LX_EINVAL;
		return dup_from(fd, (int)arg, (int)sc->arg[1] == LX_F_DUPFD_CLOEXEC);
	case LX_F_GETFD:
		return lx_fd_get_cloexec(fd);
	case LX_F_SETFD:
		return lx_fd_set_cloexec(fd, (arg & LX_FD_CLOEXEC) != 0);
	case LX_F_GETFL:
		return get_status_flags(fd);
	case LX_F_SETFL:
		return set_status_flags(fd, (unsigned)arg);
	case LX_F_GETPIPE_SZ:
	case LX_F_SETPIPE_SZ: {
		struct lx_file *f = lx_fd_get(fd);
		long r;
		if (!f)
			return -LX_EBADF;
		r = lx_pipe_fcntl(f, (int)sc->arg[1], arg);
		lx_file_put(f);
		return r;
	}
	case LX_F_ADD_SEALS:
	case LX_F_GET_SEALS: {
		struct lx_file *f = lx_fd_get(fd);
		long r;
		if (!f)
			return -LX_EBADF;
		r = lx_memfd_fcntl(f, (int)sc->arg[1], (unsigned)arg);
		lx_file_put(f);
		return r;
	}
	case LX_F_GETLK:
	case LX_F_SETLK:
	case LX_F_SETLKW:
	case LX_F_OFD_GETLK:
	case LX_F_OFD_SETLK:
	case LX_F_OFD_SETLKW:
		/* The argument is a pointer: all 64 bits (long is 32 here). */
		return lx_vfs_fcntl_lock(fd, (int)sc->arg[1], (uint64_t)sc->arg[2]);
	default: {
		struct lx_file *f = lx_fd_get(fd);
		if (!f)
			return -LX_EBADF;
		lx_file_put(f);
		return -LX_EINVAL;
	}
	}
}
