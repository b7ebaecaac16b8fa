/*
 * Changing what stat reports: truncate(2), ftruncate(2), utimensat(2),
 * chmod(2), fchmod(2), fchmodat(2).  Sizes and times are real Windows
 * metadata (FileEndOfFileInformation, FileBasicInformation); of the mode,
 * only the write bits have a Windows form, the read-only attribute, as
 * on WSL's DrvFs without metadata (docs/vfs.md, "Metadata").
 */
#include <string.h>

#include "vfs.h"
#include "nt.h"

#define LX_UTIME_NOW  ((1L << 30) - 1)
#define LX_UTIME_OMIT ((1L << 30) - 2)

/* 100 ns intervals from 1601-01-01 to 1970-01-01. */
#define LX_NT_EPOCH_DELTA 116444736000000000LL

struct lx_utimespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* Opens the host file an fd stands for, again, with the access needed
 * (ReOpenFile): a file open read-only may still have its times set. */
static long reopen_fd(int fd, uint32_t access, HANDLE *h)
{
	struct lx_file *f = lx_fd_get(fd);
	long err = 0;

	if (!f)
		return -LX_EBADF;
	if (!f->handle || GetFileType(f->handle) != FILE_TYPE_DISK) {
		err = -LX_EROFS; /* the synthetic files and devices cannot change */
	} else {
		*h = ReOpenFile(f->handle, access | FILE_READ_ATTRIBUTES,
		                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0);
		if (*h == INVALID_HANDLE_VALUE)
			err = lx_errno_from_win32(GetLastError());
	}
	lx_file_put(f);
	return err;
}

/* Opens what (dirfd, path) names, or the fd dirfd itself when path is
 * NULL, with the given access, for the calls that change a host file. */
static long open_for_change(int dirfd, const uint64_t *upath, int flags, uint32_t access,
                            HANDLE *h, bool *is_dir)
{
	struct lx_node node;
	struct lx_file *f = NULL;
	long err;

	if (!upath) {
		err = reopen_fd(dirfd, access, h);
	} else {
		err = lx_resolve_user(dirfd, *upath, flags & LX_AT_EMPTY_PATH, &node, &f);
		if (!err && f) {
			int fd = dirfd;
			lx_file_put(f);
			lx_node_free(&node);
			return open_for_change(fd, NULL, 0, access, h, is_dir);
		}
		if (!err && node.kind != LX_NODE_HOST)
			err = -LX_EROFS;
		if (!err)
			err = lx_host_open(node.nt_path, access | FILE_READ_ATTRIBUTES, FILE_OPEN,
			                   FILE_OPEN_REPARSE_POINT, 0, (void **)h);
		if (!err && node.trailing_slash) {
			bool dir = false;
			err = lx_host_is_dir(*h, &dir);
			if (!err && !dir)
				err = -LX_ENOTDIR;
			if (err)
				NtClose(*h);
		}
		lx_node_free(&node);
	}
	if (!err) {
		err = lx_host_is_dir(*h, is_dir);
		if (err)
			NtClose(*h);
	}
	return err;
}

static long set_info(HANDLE h, void *info, ULONG len, int cls)
{
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtSetInformationFile(h, &io, info, len, (FILE_INFORMATION_CLASS)cls);

	return NT_SUCCESS(s) ? 0 : lx_errno_from_ntstatus(s);
}

static long set_size(HANDLE h, int64_t length)
{
	FILE_END_OF_FILE_INFORMATION eof;

	eof.EndOfFile.QuadPart = length;
	return set_info(h, &eof, sizeof(eof), LX_FileEndOfFileInformation);
}

/* Linux truncate(2): EISDIR for a directory, EINVAL for a negative length. */
int64_t lx_sys_truncate(struct lx_syscall *sc)
{
	int64_t length = sc->arg[1];
	HANDLE h;
	bool is_dir;
	long err;
	uint64_t upath = (uint64_t)sc->arg[0];

	if (length < 0)
		return -LX_EINVAL;
	err = open_for_change(LX_AT_FDCWD, &upath, 0, FILE_WRITE_DATA, &h, &is_dir);
	if (err)
		return err;
	err = is_dir ? -LX_EISDIR : set_size(h, length);
	NtClose(h);
	return err;
}

/* Linux ftruncate(2): EINVAL unless fd is a regular file open for
 * writing (do_sys_ftruncate). */
int64_t lx_sys_ftruncate(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	int64_t length = sc->arg[1];
	long err;

	if (length < 0) {
		lx_file_put(f);
		return -LX_EINVAL;
	}
	if (!f)
		return -LX_EBADF;
	if (f->is_dir || !f->ops->size || (f->flags & LX_O_PATH) ||
	    (f->flags & LX_O_ACCMODE) == LX_O_RDONLY)
		err = (f->flags & LX_O_PATH) ? -LX_EBADF : -LX_EINVAL;
	else
		err = set_size(f->handle, length);
	lx_file_put(f);
	return err;
}

/* A Linux time for FileBasicInformation: 0 leaves the time alone. */
static long nt_time(const struct lx_utimespec *t, int64_t now, int64_t *out)
{
	if (t->tv_nsec == LX_UTIME_OMIT) {
		*out = 0;
		return 0;
	}
	if (t->tv_nsec == LX_UTIME_NOW) {
		*out = now;
		return 0;
	}
	if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000)
		return -LX_EINVAL;
	*out = t->tv_sec * 10000000 + t->tv_nsec / 100 + LX_NT_EPOCH_DELTA;
	/* Times before 1601 have no FILETIME; the earliest one stands in. */
	if (*out <= 0)
		*out = 1;
	return 0;
}

/* Linux utimensat(2), also futimens(3) (a NULL path names dirfd). */
int64_t lx_sys_utimensat(struct lx_syscall *sc)
{
	int dirfd = (int)sc->arg[0];
	uint64_t upath = (uint64_t)sc->arg[1];
	uint64_t utimes = (uint64_t)sc->arg[2];
	int flags = (int)sc->arg[3];
	struct lx_utimespec t[2] = { { 0, LX_UTIME_NOW }, { 0, LX_UTIME_NOW } };
	FILE_BASIC_INFORMATION basic;
	FILETIME ft;
	int64_t now;
	HANDLE h;
	bool is_dir;
	long err;

	if (flags & ~(LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH))
		return -LX_EINVAL;
	if (utimes && lx_copy_from_user(t, utimes, sizeof(t)))
		return -LX_EFAULT;
	GetSystemTimeAsFileTime(&ft);
	now = (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
	memset(&basic, 0, sizeof(basic));
	err = nt_time(&t[0], now, &basic.LastAccessTime.QuadPart);
	if (!err)
		err = nt_time(&t[1], now, &basic.LastWriteTime.QuadPart);
	if (err)
		return err;
	/* A NULL path is futimens(3): the fd itself (do_utimes). */
	if (!upath && dirfd == LX_AT_FDCWD)
		return -LX_EFAULT;
	err = open_for_change(dirfd, upath ? &upath : NULL, flags, FILE_WRITE_ATTRIBUTES,
	                      &h, &is_dir);
	if (err)
		return err;
	/* Both omitted: the name is checked, nothing changes (vfs_utimes). */
	if (basic.LastAccessTime.QuadPart || basic.LastWriteTime.QuadPart) {
		basic.ChangeTime.QuadPart = now;
		err = set_info(h, &basic, sizeof(basic), LX_FileBasicInformation);
	}
	NtClose(h);
	return err;
}

/* chmod(2): the write bits become the read-only attribute of a file;
 * everything else of the mode has no Windows form yet and is dropped, as
 * DrvFs without metadata does.  A directory keeps its attributes. */
static long chmod_at(int dirfd, const uint64_t *upath, unsigned mode)
{
	FILE_BASIC_INFORMATION basic;
	IO_STATUS_BLOCK io;
	NTSTATUS s;
	HANDLE h;
	bool is_dir;
	long err = open_for_change(dirfd, upath, 0, FILE_WRITE_ATTRIBUTES, &h, &is_dir);

	if (err || is_dir) {
		if (!err)
			NtClose(h);
		return err;
	}
	s = NtQueryInformationFile(h, &io, &basic, sizeof(basic),
	                           (FILE_INFORMATION_CLASS)LX_FileBasicInformation);
	if (NT_SUCCESS(s)) {
		ULONG attrs = basic.FileAttributes & ~(ULONG)FILE_ATTRIBUTE_READONLY;
		if (!(mode & 0222))
			attrs |= FILE_ATTRIBUTE_READONLY;
		memset(&basic, 0, sizeof(basic));
		basic.FileAttributes = attrs ? attrs : FILE_ATTRIBUTE_NORMAL;
		err = set_info(h, &basic, sizeof(basic), LX_FileBasicInformation);
	} else {
		err = lx_errno_from_ntstatus(s);
	}
	NtClose(h);
	return err;
}

/* Linux chmod(2). */
int64_t lx_sys_chmod(struct lx_syscall *sc)
{
	uint64_t upath = (uint64_t)sc->arg[0];
	return chmod_at(LX_AT_FDCWD, &upath, (unsigned)sc->arg[1]);
}

/* Linux fchmod(2). */
int64_t lx_sys_fchmod(struct lx_syscall *sc)
{
	return chmod_at((int)sc->arg[0], NULL, (unsigned)sc->arg[1]);
}

/* Linux fchmodat(2): the raw syscall has no flags argument. */
int64_t lx_sys_fchmodat(struct lx_syscall *sc)
{
	uint64_t upath = (uint64_t)sc->arg[1];
	return chmod_at((int)sc->arg[0], &upath, (unsigned)sc->arg[2]);
}
