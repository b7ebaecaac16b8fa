/*
 * pipe(2), pipe2(2) and the pipe files they make (pipe(7)), over Windows
 * named pipes (docs/vfs.md, "Pipes").
 *
 * Each pipe is a fresh, uniquely named, single-instance inbound named pipe
 * opened for overlapped I/O: the server end is the read end, a client
 * opened with CreateFile the write end.  Anonymous pipes (CreatePipe) would
 * do for blocking I/O, but their I/O cannot be cancelled portably, so
 * neither O_NONBLOCK nor an interruptible wait could be built on them.
 *
 * "Last writer" and "last reader" are those of the Windows objects: every
 * handle of an end, in this process or duplicated into another, keeps it
 * open, and when the last one closes the other end sees end of file
 * (ERROR_BROKEN_PIPE) or EPIPE (ERROR_NO_DATA).  Reads and writes are
 * pipe_io.c's, readiness and FIONREAD pipe_poll.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "pipe.h"

static void pipe_unref(struct lx_pipe *p, bool read_end)
{
	if (read_end) {
		AcquireSRWLockExclusive(&p->lock);
		p->reader = NULL;
		ReleaseSRWLockExclusive(&p->lock);
	}
	if (InterlockedDecrement(&p->refs) == 0)
		free(p);
}

/* Both ends are one FIFO inode of pipefs, mode 0600 (get_pipe_inode). */
static long pipe_stat(struct lx_file *f, struct lx_kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = lx_synth_dev();
	st->ino = (uint64_t)(uintptr_t)f->priv;
	st->nlink = 1;
	st->mode = LX_S_IFIFO | 0600;
	st->blocks = 0;
	lx_kstat_owner(st);
	return 0;
}

static void pipe_release(struct lx_file *f)
{
	struct lx_pipe *p = f->priv;

	if (lx_pipe_is_read_end(f)) {
		AcquireSRWLockExclusive(&p->lock);
		lx_pipe_watch_end(&p->watch, f->handle);
		ReleaseSRWLockExclusive(&p->lock);
	}
	pipe_unref(p, lx_pipe_is_read_end(f));
	CloseHandle(f->handle);
}

static const struct lx_file_ops pipe_ops = {
	.read = lx_pipe_read,
	.write = lx_pipe_write,
	.stat = pipe_stat,
	.ioctl = lx_pipe_ioctl,
	.release = pipe_release,
	.poll = lx_pipe_poll,
	.poll_handle = lx_pipe_poll_handle,
};

/*
 * F_GETPIPE_SZ and F_SETPIPE_SZ (pipe_fcntl of fs/pipe.c).  The quota of a
 * Windows pipe is fixed when it is created, so F_SETPIPE_SZ accepts only
 * sizes that round (round_pipe_size) to the capacity the pipe has, and
 * refuses others with EPERM, as Linux refuses an unprivileged user a size
 * above /proc/sys/fs/pipe-max-size.
 */
long lx_pipe_fcntl(struct lx_file *f, int cmd, long arg)
{
	unsigned capacity = f->ops == &pipe_ops ? ((struct lx_pipe *)f->priv)->capacity :
	                    lx_file_is_fifo(f) ? LX_PIPE_CAPACITY : 0;
	uint64_t size = 4096;

	if (!capacity)
		return -LX_EBADF;
	if (cmd == LX_F_GETPIPE_SZ)
		return (long)capacity;
	if (arg < 0 || (uint64_t)arg > (1ULL << 31))
		return -LX_EINVAL;
	while (size < (uint64_t)arg)
		size <<= 1;
	if (size != capacity)
		return -LX_EPERM;
	return (long)size;
}

void lx_pipe_append_hex(wchar_t **at, uint64_t v, wchar_t sep)
{
	wchar_t digits[16];
	int n = 0;

	do {
		digits[n++] = L"0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n)
		*(*at)++ = digits[--n];
	*(*at)++ = sep;
}

/* Creates the named pipe under a name no other pipe has (the first
 * instance flag refuses an existing name) and opens its write end. */
static long create_pipe(HANDLE *r, HANDLE *w, unsigned capacity)
{
	static volatile long counter;
	static const wchar_t prefix[] = L"\\\\.\\pipe\\lxnt-";
	wchar_t name[sizeof(prefix) / sizeof(wchar_t) + 3 * 17];

	for (int attempt = 0; attempt < 16; attempt++) {
		wchar_t *at = name + sizeof(prefix) / sizeof(wchar_t) - 1;
		memcpy(name, prefix, sizeof(prefix));
		lx_pipe_append_hex(&at, GetCurrentProcessId(), L'-');
		lx_pipe_append_hex(&at, (uint64_t)InterlockedIncrement(&counter), L'-');
		lx_pipe_append_hex(&at, GetTickCount64(), 0);
		*r = CreateNamedPipeW(name, PIPE_ACCESS_INBOUND | FILE_FLAG_FIRST_PIPE_INSTANCE |
		                      FILE_FLAG_OVERLAPPED,
		                      PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
		                      PIPE_REJECT_REMOTE_CLIENTS,
		                      1, 0, capacity, 0, NULL);
		if (*r == INVALID_HANDLE_VALUE) {
			DWORD e = GetLastError();
			if (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY)
				continue; /* the name is taken */
			return lx_errno_from_win32(e);
		}
		/* Single instance: once this client is connected, nobody else can
		 * open the name. */
		*w = CreateFileW(name, GENERIC_WRITE | FILE_READ_ATTRIBUTES, 0, NULL, OPEN_EXISTING,
		                 FILE_FLAG_OVERLAPPED, NULL);
		if (*w == INVALID_HANDLE_VALUE) {
			long err = lx_errno_from_win32(GetLastError());
			CloseHandle(*r);
			return err;
		}
		return 0;
	}
	return -LX_ENFILE;
}

static long pipe_end_new(HANDLE h, unsigned flags, struct lx_pipe *p, struct lx_file **out)
{
	struct lx_file *f = lx_file_new(&pipe_ops, flags);

	if (!f) {
		CloseHandle(h);
		pipe_unref(p, (flags & LX_O_ACCMODE) == LX_O_RDONLY);
		return -LX_ENOMEM;
	}
	f->handle = h;
	f->priv = p;
	*out = f;
	return 0;
}

bool lx_file_is_pipe(const struct lx_file *f)
{
	return f->ops == &pipe_ops;
}

/* One end of a pipe whose other end is not ours to know (a FIFO): it takes
 * the handle, and on failure closes it. */
long lx_pipe_end_new(void *handle, unsigned flags, struct lx_file **out)
{
	struct lx_pipe *p = calloc(1, sizeof(*p));

	if (!p) {
		CloseHandle(handle);
		return -LX_ENOMEM;
	}
	InitializeSRWLock(&p->lock);
	p->refs = 1;
	p->capacity = LX_PIPE_CAPACITY;
	if ((flags & LX_O_ACCMODE) == LX_O_RDONLY)
		p->reader = handle;
	return pipe_end_new(handle, flags, p, out);
}

static long make_pipe(unsigned flags, struct lx_file **fr, struct lx_file **fw)
{
	struct lx_pipe *p = calloc(1, sizeof(*p));
	HANDLE r, w;
	long err;

	if (!p)
		return -LX_ENOMEM;
	err = create_pipe(&r, &w, LX_PIPE_CAPACITY);
	if (err) {
		free(p);
		return err;
	}
	InitializeSRWLock(&p->lock);
	p->refs = 2;
	p->reader = r;
	p->capacity = LX_PIPE_CAPACITY;
	err = pipe_end_new(r, LX_O_RDONLY | flags, p, fr);
	if (err) {
		CloseHandle(w);
		pipe_unref(p, false);
		return err;
	}
	err = pipe_end_new(w, LX_O_WRONLY | flags, p, fw);
	if (err)
		lx_file_put(*fr);
	return err;
}

static int64_t do_pipe2(uint64_t ufds, unsigned flags)
{
	struct lx_file *fr, *fw;
	bool cloexec = (flags & LX_O_CLOEXEC) != 0;
	int fds[2];
	long err;

	/* O_DIRECT (packet mode) would need message-mode pipes and the
	 * discarding of a packet's tail on a short read; refused for now. */
	if (flags & ~(unsigned)(LX_O_CLOEXEC | LX_O_NONBLOCK))
		return -LX_EINVAL;
	err = make_pipe(flags & LX_O_NONBLOCK, &fr, &fw);
	if (err)
		return err;
	fds[0] = (int)lx_fd_install(fr, 0, cloexec);
	if (fds[0] < 0) {
		lx_file_put(fw);
		return fds[0];
	}
	fds[1] = (int)lx_fd_install(fw, 0, cloexec);
	if (fds[1] < 0) {
		lx_fd_close(fds[0]);
		return fds[1];
	}
	/* The kernel copies the fds out before it installs them, so a bad
	 * pointer leaves no fd behind (do_pipe2 of fs/pipe.c). */
	if (lx_copy_to_user(ufds, fds, sizeof(fds))) {
		lx_fd_close(fds[0]);
		lx_fd_close(fds[1]);
		return -LX_EFAULT;
	}
	return 0;
}

/* Linux pipe(2). */
int64_t lx_sys_pipe(struct lx_syscall *sc)
{
	return do_pipe2((uint64_t)sc->arg[0], 0);
}

/* Linux pipe2(2). */
int64_t lx_sys_pipe2(struct lx_syscall *sc)
{
	return do_pipe2((uint64_t)sc->arg[0], (unsigned)sc->arg[1]);
}
