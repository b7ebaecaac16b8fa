/*
 * Stream files: pipes and character devices handed over as standard
 * handles.  ReadFile/WriteFile move the bytes; end of file when the writer
 * is gone, EPIPE and SIGPIPE when the reader is (pipe(7)).  These handles
 * were opened by someone else, without overlapped I/O, so a transfer
 * cannot be abandoned once started: a read of a pipe first waits, at
 * intervals and interruptibly, until PeekNamedPipe sees data (or EAGAIN
 * with O_NONBLOCK), and then takes no more than is there; a write blocks
 * until it is done (docs/vfs.md, "Pipes").  Consoles are console.c's; pipes
 * made by pipe(2) are pipe.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "nt.h"
#include "lxnt/linux/poll.h"
#include "signal.h"

#define LX_STREAM_CHUNK (1u << 20)
/* The longest pause between two looks at an empty pipe. */
#define LX_STREAM_SLICE_MAX 8

/*
 * Waits until the pipe h has bytes to read, and returns how many (at most
 * n), 0 at end of file, -LX_EAGAIN for O_NONBLOCK, -LX_ERESTARTSYS when a
 * signal comes, or n when PeekNamedPipe cannot tell (then ReadFile decides).
 */
static long stream_wait_data(HANDLE h, size_t n, bool nonblock)
{
	int64_t slice = 1;

	for (;;) {
		DWORD avail = 0;
		if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
			return GetLastError() == ERROR_BROKEN_PIPE ? 0 : (long)n;
		if (avail > 0)
			return avail < n ? (long)avail : (long)n;
		if (nonblock)
			return -LX_EAGAIN;
		long r = lx_wait_interruptible(0, NULL, slice);
		if (r != -LX_ETIMEDOUT)
			return r < 0 ? r : -LX_EIO;
		if (slice < LX_STREAM_SLICE_MAX)
			slice *= 2;
	}
}

static long stream_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	DWORD got = 0;

	(void)pos;
	if (n > LX_STREAM_CHUNK)
		n = LX_STREAM_CHUNK;
	if (f->which == FILE_TYPE_PIPE) {
		long r = stream_wait_data(f->handle, n, (f->flags & LX_O_NONBLOCK) != 0);
		if (r <= 0)
			return r;
		n = (size_t)r;
	}
	if (!ReadFile(f->handle, buf, (DWORD)n, &got, NULL)) {
		DWORD e = GetLastError();
		if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF)
			return 0;
		return lx_errno_from_win32(e);
	}
	return (long)got;
}

static long stream_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	DWORD put = 0;

	(void)pos;
	if (n > LX_STREAM_CHUNK)
		n = LX_STREAM_CHUNK;
	if (!WriteFile(f->handle, buf, (DWORD)n, &put, NULL)) {
		DWORD e = GetLastError();
		/* The reader is gone: Windows says ERROR_NO_DATA or
		 * ERROR_BROKEN_PIPE; Wine, for a Unix pipe behind the handle,
		 * ERROR_PIPE_NOT_CONNECTED (its EPIPE). */
		if (e == ERROR_BROKEN_PIPE || e == ERROR_NO_DATA || e == ERROR_PIPE_NOT_CONNECTED) {
			lx_pipe_raise_sigpipe();
			return -LX_EPIPE;
		}
		return lx_errno_from_win32(e);
	}
	return (long)put;
}

/* A pipe is a FIFO on pipefs: mode 0600, st_ino from nothing stable. */
static long stream_stat(struct lx_file *f, struct lx_kstat *st)
{
	DWORD type = GetFileType(f->handle);

	memset(st, 0, sizeof(*st));
	st->dev = lx_synth_dev();
	st->ino = (uint64_t)(uintptr_t)f->handle;
	st->nlink = 1;
	if (type == FILE_TYPE_PIPE) {
		st->mode = LX_S_IFIFO | 0600;
	} else {
		st->mode = LX_S_IFCHR | 0666;
		st->rdev = lx_makedev(1, 3); /* a non-console character device: NUL */
	}
	lx_kstat_owner(st);
	return 0;
}

static long stream_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	if (cmd == LX_FIONREAD && GetFileType(f->handle) == FILE_TYPE_PIPE) {
		DWORD avail = 0;
		int n;
		if (!PeekNamedPipe(f->handle, NULL, 0, NULL, &avail, NULL))
			avail = 0; /* a pipe whose writer is gone holds nothing */
		n = avail > 0x7fffffff ? 0x7fffffff : (int)avail;
		return lx_copy_to_user(arg, &n, sizeof(n));
	}
	return -LX_ENOTTY;
}

/*
 * Readiness of a handed-over pipe: its read side by PeekNamedPipe (data,
 * or POLLHUP once the writers are gone); its write side cannot be asked
 * without writing, so it counts as writable.  Other character devices are
 * always ready, as /dev/null is.
 */
unsigned lx_stream_poll(struct lx_file *f)
{
	DWORD avail = 0;
	unsigned mask = 0;

	if (f->which != FILE_TYPE_PIPE)
		return LX_DEFAULT_POLLMASK;
	if ((f->flags & LX_O_ACCMODE) != LX_O_WRONLY) {
		if (!PeekNamedPipe(f->handle, NULL, 0, NULL, &avail, NULL))
			mask |= LX_POLLHUP;
		else if (avail > 0)
			mask |= LX_POLLIN | LX_POLLRDNORM;
	}
	if ((f->flags & LX_O_ACCMODE) != LX_O_RDONLY)
		mask |= LX_POLLOUT | LX_POLLWRNORM;
	return mask;
}

void lx_stream_release(struct lx_file *f)
{
	if (f->handle)
		CloseHandle(f->handle);
	if (f->handle2)
		CloseHandle(f->handle2);
}

static const struct lx_file_ops stream_ops = {
	.read = stream_read,
	.write = stream_write,
	.stat = stream_stat,
	.ioctl = stream_ioctl,
	.release = lx_stream_release,
	.poll = lx_stream_poll,
};

long lx_stream_file_new(void *handle, unsigned flags, struct lx_file **out)
{
	struct lx_file *f = lx_file_new(&stream_ops, flags);

	if (!f)
		return -LX_ENOMEM;
	f->handle = handle;
	f->which = (int)GetFileType(handle);
	*out = f;
	return 0;
}
