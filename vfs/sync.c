/*
 * fsync(2), fdatasync(2), sync_file_range(2), syncfs(2), sync(2), and the
 * hints posix_fadvise (fadvise64) and readahead(2).
 *
 * A file of a Windows volume is flushed with FlushFileBuffers, which
 * writes the file's cached data and metadata: Windows has no data-only
 * flush that every volume and Wine know, so fdatasync flushes as much as
 * fsync.  Windows flushes only through a handle with write access, which a
 * description opened O_RDONLY lacks (Linux's fsync of one flushes the
 * file all the same): such a file is reopened for writing to flush it.
 * Files with no data of their own (pipes, the console, /dev, /proc) are
 * EINVAL, as files without an fsync method are on Linux.
 */
#include <windows.h>

#include "vfs.h"
#include "syscall_table.h"

#define LX_SYNC_FILE_RANGE_WAIT_BEFORE 1
#define LX_SYNC_FILE_RANGE_WRITE 2
#define LX_SYNC_FILE_RANGE_WAIT_AFTER 4

enum {
	LX_POSIX_FADV_NORMAL,
	LX_POSIX_FADV_RANDOM,
	LX_POSIX_FADV_SEQUENTIAL,
	LX_POSIX_FADV_WILLNEED,
	LX_POSIX_FADV_DONTNEED,
	LX_POSIX_FADV_NOREUSE,
};

/* A file of a volume: what has a size (vfs/host.c). */
static bool volume_file(const struct lx_file *f)
{
	return f->ops->size && f->handle && !(f->flags & LX_O_PATH);
}

/* Flushes a regular file of a volume.  A directory has nothing to flush:
 * NTFS logs a directory's changes as they are made. */
static long flush_file(struct lx_file *f)
{
	HANDLE h = f->handle, w;
	DWORD err;

	if (f->is_dir)
		return 0;
	if (FlushFileBuffers(h))
		return 0;
	err = GetLastError();
	if (err != ERROR_ACCESS_DENIED)
		return lx_errno_from_win32(err);
	w = ReOpenFile(h, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0);
	if (w == INVALID_HANDLE_VALUE)
		return 0; /* nobody may write it: nothing of ours can be unwritten */
	err = FlushFileBuffers(w) ? 0 : GetLastError();
	CloseHandle(w);
	return err ? lx_errno_from_win32(err) : 0;
}

long lx_vfs_fsync(int fd)
{
	struct lx_file *f = lx_fd_get(fd);
	long err;

	if (!f)
		return -LX_EBADF;
	err = volume_file(f) ? flush_file(f) : (f->flags & LX_O_PATH) ? -LX_EBADF : -LX_EINVAL;
	lx_file_put(f);
	return err;
}

/* Linux fsync(2). */
int64_t lx_sys_fsync(struct lx_syscall *sc)
{
	return lx_vfs_fsync((int)sc->arg[0]);
}

/* Linux fdatasync(2): as fsync (above). */
int64_t lx_sys_fdatasync(struct lx_syscall *sc)
{
	return lx_vfs_fsync((int)sc->arg[0]);
}

/* Linux sync_file_range(2): the checks of ksys_sync_file_range, then the
 * whole file is flushed when SYNC_FILE_RANGE_WRITE asks for a write-out
 * (Windows flushes files, not ranges). */
int64_t lx_sys_sync_file_range(struct lx_syscall *sc)
{
	int64_t offset = sc->arg[1], nbytes = sc->arg[2];
	unsigned flags = (unsigned)sc->arg[3];
	struct lx_file *f;
	struct lx_kstat st;
	long err;

	if (flags & ~(unsigned)(LX_SYNC_FILE_RANGE_WAIT_BEFORE | LX_SYNC_FILE_RANGE_WRITE |
	                        LX_SYNC_FILE_RANGE_WAIT_AFTER))
		return -LX_EINVAL;
	if (offset < 0 || nbytes < 0 || offset > INT64_MAX - nbytes)
		return -LX_EINVAL;
	if (!(f = lx_fd_get((int)sc->arg[0])))
		return -LX_EBADF;
	err = f->ops->stat ? f->ops->stat(f, &st) : -LX_ESPIPE;
	if (!err && !LX_S_ISREG(st.mode) && !LX_S_ISDIR(st.mode) && !LX_S_ISLNK(st.mode))
		err = -LX_ESPIPE;
	if (!err && (flags & LX_SYNC_FILE_RANGE_WRITE) && volume_file(f))
		err = flush_file(f);
	lx_file_put(f);
	return err;
}

/* Flushes this process's writable files: of volume dev, or of every
 * volume when all.  The instance's other processes flush their own. */
static void flush_open_files(uint64_t dev, bool all)
{
	for (int fd = 0; fd < LX_FD_MAX; fd++) {
		struct lx_file *f = lx_fd_get(fd);

		if (!f)
			continue;
		if (volume_file(f) && !f->is_dir && (f->flags & LX_O_ACCMODE) != LX_O_RDONLY &&
		    (all || f->dev == dev))
			flush_file(f);
		lx_file_put(f);
	}
}

/* Linux syncfs(2): flushing a whole volume needs administrator rights on
 * Windows, so the process's own open files of fd's volume are flushed. */
int64_t lx_sys_syncfs(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	uint64_t dev;

	if (!f)
		return -LX_EBADF;
	dev = f->dev;
	lx_file_put(f);
	if (dev)
		flush_open_files(dev, false);
	return 0;
}

/* Linux sync(2): as syncfs, over every volume. */
int64_t lx_sys_sync(struct lx_syscall *sc)
{
	(void)sc;
	flush_open_files(0, true);
	return 0;
}

/* Linux fadvise64 (posix_fadvise(2)): the checks of generic_fadvise.
 * Advice is a hint the kernel may ignore; Windows takes its caching hints
 * only when a file is opened (FILE_FLAG_SEQUENTIAL_SCAN), so a valid one
 * changes nothing here. */
int64_t lx_sys_fadvise64(struct lx_syscall *sc)
{
	int64_t len = sc->arg[2];
	int advice = (int)sc->arg[3];
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	struct lx_kstat st;
	long err;

	if (!f)
		return -LX_EBADF;
	err = f->ops->stat ? f->ops->stat(f, &st) : -LX_EINVAL;
	if (!err && LX_S_ISFIFO(st.mode))
		err = -LX_ESPIPE;
	else if (!err && len < 0)
		err = -LX_EINVAL;
	else if (!err && (advice < LX_POSIX_FADV_NORMAL || advice > LX_POSIX_FADV_NOREUSE))
		err = -LX_EINVAL;
	lx_file_put(f);
	return err;
}

/* Linux readahead(2): a hint, for regular files open for reading
 * (ksys_readahead); Windows reads ahead by itself. */
int64_t lx_sys_readahead(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	struct lx_kstat st;
	long err;

	if (!f)
		return -LX_EBADF;
	if ((f->flags & LX_O_PATH) || (f->flags & LX_O_ACCMODE) == LX_O_WRONLY)
		err = -LX_EBADF;
	else if (!volume_file(f) || f->is_dir)
		err = -LX_EINVAL;
	else
		err = f->ops->stat(f, &st) ? -LX_EINVAL : LX_S_ISREG(st.mode) ? 0 : -LX_EINVAL;
	lx_file_put(f);
	return err;
}
