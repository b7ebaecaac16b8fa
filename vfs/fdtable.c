/*
 * Open file descriptions and the fd table.  As in the kernel
 * (fs/file_table.c, fs/file.c), an fd is a slot pointing at a
 * reference-counted open file description; dup'ed fds share it and so
 * share the offset and status flags, and close-on-exec belongs to the slot.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "nt.h"

struct lx_fd_slot {
	struct lx_file *file;
	bool cloexec;
};

static struct lx_fd_slot fd_table[LX_FD_MAX];
static SRWLOCK fd_lock = SRWLOCK_INIT;

struct lx_file *lx_file_new(const struct lx_file_ops *ops, unsigned flags)
{
	struct lx_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->lock = calloc(1, sizeof(SRWLOCK));
	if (!f->lock) {
		free(f);
		return NULL;
	}
	InitializeSRWLock(f->lock);
	f->refs = 1;
	f->ops = ops;
	f->flags = flags;
	return f;
}

void lx_file_get(struct lx_file *f)
{
	InterlockedIncrement(&f->refs);
}

void lx_file_drop_snapshot(struct lx_file *f)
{
	for (size_t i = 0; i < f->nents; i++)
		free(f->ents[i].name);
	free(f->ents);
	f->ents = NULL;
	f->nents = 0;
	f->ents_valid = false;
}

void lx_file_put(struct lx_file *f)
{
	if (!f || InterlockedDecrement(&f->refs) != 0)
		return;
	if (f->lock_obj)
		lx_locks_file_release(f);
	if (f->ops->release)
		f->ops->release(f);
	lx_file_drop_snapshot(f);
	free(f->pending);
	free(f->path);
	free(f->lock);
	free(f);
}

void lx_file_lock(struct lx_file *f)
{
	AcquireSRWLockExclusive(f->lock);
}

void lx_file_unlock(struct lx_file *f)
{
	ReleaseSRWLockExclusive(f->lock);
}

struct lx_file *lx_fd_get(int fd)
{
	struct lx_file *f = NULL;

	if (fd < 0 || fd >= LX_FD_MAX)
		return NULL;
	AcquireSRWLockShared(&fd_lock);
	f = fd_table[fd].file;
	if (f)
		lx_file_get(f);
	ReleaseSRWLockShared(&fd_lock);
	return f;
}

/* The lowest free fd at or above minfd, as POSIX requires of open(2). */
long lx_fd_install(struct lx_file *f, int minfd, bool cloexec)
{
	if (minfd < 0)
		minfd = 0;
	AcquireSRWLockExclusive(&fd_lock);
	for (int fd = minfd; fd < LX_FD_MAX; fd++) {
		if (!fd_table[fd].file) {
			fd_table[fd].file = f;
			fd_table[fd].cloexec = cloexec;
			ReleaseSRWLockExclusive(&fd_lock);
			return fd;
		}
	}
	ReleaseSRWLockExclusive(&fd_lock);
	lx_file_put(f);
	return minfd >= LX_FD_MAX ? -LX_EINVAL : -LX_EMFILE;
}

/* dup2(2): closing the old occupant and installing happen as one step. */
long lx_fd_install_at(int fd, struct lx_file *f, bool cloexec)
{
	struct lx_file *old;

	if (fd < 0 || fd >= LX_FD_MAX) {
		lx_file_put(f);
		return -LX_EBADF;
	}
	AcquireSRWLockExclusive(&fd_lock);
	old = fd_table[fd].file;
	fd_table[fd].file = f;
	fd_table[fd].cloexec = cloexec;
	ReleaseSRWLockExclusive(&fd_lock);
	if (old)
		lx_locks_fd_closed(old);
	lx_file_put(old);
	return fd;
}

long lx_fd_close(int fd)
{
	struct lx_file *old;

	if (fd < 0 || fd >= LX_FD_MAX)
		return -LX_EBADF;
	AcquireSRWLockExclusive(&fd_lock);
	old = fd_table[fd].file;
	fd_table[fd].file = NULL;
	fd_table[fd].cloexec = false;
	ReleaseSRWLockExclusive(&fd_lock);
	if (!old)
		return -LX_EBADF;
	lx_locks_fd_closed(old);
	lx_file_put(old);
	return 0;
}

long lx_fd_get_cloexec(int fd)
{
	long r;

	if (fd < 0 || fd >= LX_FD_MAX)
		return -LX_EBADF;
	AcquireSRWLockShared(&fd_lock);
	r = fd_table[fd].file ? (fd_table[fd].cloexec ? 1 : 0) : -LX_EBADF;
	ReleaseSRWLockShared(&fd_lock);
	return r;
}

long lx_fd_set_cloexec(int fd, bool on)
{
	long r = 0;

	if (fd < 0 || fd >= LX_FD_MAX)
		return -LX_EBADF;
	AcquireSRWLockExclusive(&fd_lock);
	if (fd_table[fd].file)
		fd_table[fd].cloexec = on;
	else
		r = -LX_EBADF;
	ReleaseSRWLockExclusive(&fd_lock);
	return r;
}

void lx_vfs_close_on_exec(void)
{
	for (int fd = 0; fd < LX_FD_MAX; fd++)
		if (lx_fd_get_cloexec(fd) == 1)
			lx_fd_close(fd);
}
