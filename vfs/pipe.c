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
 * (ERROR_BROKEN_PIPE) or EPIPE (ERROR_NO_DATA).
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "nt.h"
#include "identity.h"
#include "signal.h"
#include "thread.h"
#include "lxnt/linux/poll.h"

/* PIPE_DEF_BUFFERS * PAGE_SIZE of fs/pipe.c. */
#define LX_PIPE_CAPACITY 65536
/* PIPE_BUF: writes up to this size are atomic (pipe(7)). */
#define LX_PIPE_BUF 4096
/* The largest transfer handed to one ReadFile/WriteFile. */
#define LX_PIPE_CHUNK (1u << 20)

/* A zero-byte overlapped read that the read end keeps outstanding while
 * someone polls it: it completes, without taking any data, when data
 * comes or the writers go, and its event is what poll waits on.  pid tells
 * a copy inherited through fork (whose read belongs to the parent) from
 * our own. */
struct lx_pipe_watch {
	OVERLAPPED ov;
	HANDLE event;
	DWORD pid;
	bool pending;
};

/* What the two ends of one pipe share inside this process.  reader is the
 * read end's handle, borrowed while the read end lives here, so that the
 * write end can tell how full the pipe is (poll). */
struct lx_pipe {
	volatile long refs;
	SRWLOCK lock;
	HANDLE reader;
	unsigned capacity;
	struct lx_pipe_watch watch;   /* the read end's, under lock */
};

/* Ends the read end's zero-byte read before its handle closes. */
static void watch_end(struct lx_pipe_watch *w, HANDLE h)
{
	DWORD unused;

	if (w->pid != GetCurrentProcessId())
		return;
	if (w->pending) {
		CancelIoEx(h, &w->ov);
		GetOverlappedResult(h, &w->ov, &unused, TRUE);
		w->pending = false;
	}
	if (w->event)
		CloseHandle(w->event);
	w->event = NULL;
}

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

static bool is_read_end(const struct lx_file *f)
{
	return (f->flags & LX_O_ACCMODE) == LX_O_RDONLY;
}

/* One manual-reset event per thread for overlapped pipe I/O, kept in a TLS
 * slot: made once per thread instead of once per call. */
static DWORD io_event_slot = TLS_OUT_OF_INDEXES;
static INIT_ONCE io_event_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK alloc_slot(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
	(void)once;
	(void)param;
	(void)ctx;
	io_event_slot = TlsAlloc();
	return io_event_slot != TLS_OUT_OF_INDEXES;
}

static HANDLE io_event(void)
{
	HANDLE ev;

	if (!InitOnceExecuteOnce(&io_event_once, alloc_slot, NULL, NULL))
		return NULL;
	ev = TlsGetValue(io_event_slot);
	if (!ev) {
		ev = CreateEventW(NULL, TRUE, FALSE, NULL);
		if (ev)
			TlsSetValue(io_event_slot, ev);
	}
	return ev;
}

void lx_pipe_raise_sigpipe(void)
{
	/* pipe_write of fs/pipe.c: send_sig(SIGPIPE, current, 0), which the
	 * kernel fills as SI_USER from the writer itself. */
	struct lx_siginfo info = {
		.si_signo = LX_SIGPIPE, .si_code = LX_SI_USER,
		.u.kill = { .pid = (int32_t)lx_getpid(), .uid = (uint32_t)lx_uid },
	};

	lx_signal_send(lx_current_thread()->tid, LX_SIGPIPE, &info);
}

/* Turns a failed pipe transfer into its Linux result. */
static long pipe_error(DWORD e, bool writing)
{
	if (writing && (e == ERROR_NO_DATA || e == ERROR_BROKEN_PIPE)) {
		lx_pipe_raise_sigpipe();
		return -LX_EPIPE;
	}
	/* The last writer is gone, or (a FIFO) none has come yet: end of file,
	 * as pipe_read gives without writers. */
	if (!writing && (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF ||
	                 e == ERROR_PIPE_LISTENING))
		return 0;
	return lx_errno_from_win32(e);
}

/* Cancels a pending transfer and collects what it moved before the cancel
 * took hold; 0 when it moved nothing. */
static long cancel_transfer(HANDLE h, OVERLAPPED *ov, bool writing)
{
	DWORD done = 0;

	CancelIoEx(h, ov);
	if (GetOverlappedResult(h, ov, &done, TRUE))
		return (long)done;
	DWORD e = GetLastError();
	if (e == ERROR_OPERATION_ABORTED)
		return (long)done;
	return done ? (long)done : pipe_error(e, writing);
}

/*
 * One overlapped ReadFile or WriteFile of n bytes.  A transfer that cannot
 * complete at once is either cancelled (nonblock: -LX_EAGAIN if nothing
 * moved) or waited for through lx_wait_interruptible; a signal cancels it,
 * and the call returns what moved or -LX_ERESTARTSYS.
 */
static long pipe_transfer(HANDLE h, bool writing, void *buf, DWORD n, bool nonblock)
{
	OVERLAPPED ov = { 0 };
	DWORD done = 0;
	BOOL ok;
	long r;

	ov.hEvent = io_event();
	if (!ov.hEvent)
		return -LX_ENOMEM;
	ok = writing ? WriteFile(h, buf, n, NULL, &ov) : ReadFile(h, buf, n, NULL, &ov);
	if (!ok && GetLastError() != ERROR_IO_PENDING)
		return pipe_error(GetLastError(), writing);
	if (!ok && nonblock) {
		r = cancel_transfer(h, &ov, writing);
		return r == 0 ? -LX_EAGAIN : r;
	}
	if (!ok) {
		void *ev = ov.hEvent;
		r = lx_wait_interruptible(1, &ev, -1);
		if (r < 0) {
			long moved = cancel_transfer(h, &ov, writing);
			return moved != 0 ? moved : r;
		}
	}
	if (!GetOverlappedResult(h, &ov, &done, TRUE))
		return pipe_error(GetLastError(), writing);
	return (long)done;
}

/* Bytes waiting in the pipe of read end h, -1 once the writers are all
 * gone and nothing is left, -2 for a FIFO that no writer has opened yet. */
static long bytes_waiting(HANDLE h)
{
	DWORD avail = 0;

	if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
		return GetLastError() == ERROR_PIPE_LISTENING ? -2 : -1;
	return (long)avail;
}

static long pipe_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	(void)pos;
	if (n > LX_PIPE_CHUNK)
		n = LX_PIPE_CHUNK;
	if (f->flags & LX_O_NONBLOCK) {
		/* An empty pipe with a writer is EAGAIN; without one, end of file. */
		long avail = bytes_waiting(f->handle);
		if (avail < 0)
			return 0;
		if (avail == 0)
			return -LX_EAGAIN;
		if ((size_t)avail < n)
			n = (size_t)avail;
		return pipe_transfer(f->handle, false, buf, (DWORD)n, true);
	}
	return pipe_transfer(f->handle, false, buf, (DWORD)n, false);
}

/*
 * A non-blocking write goes in PIPE_BUF pieces, each written or refused
 * whole, so that a write up to PIPE_BUF is all or EAGAIN and a larger one
 * fills the pipe and reports how much fitted (pipe(7), O_NONBLOCK).
 */
static long pipe_write_nonblock(HANDLE h, const char *buf, size_t n)
{
	size_t total = 0;

	while (total < n) {
		size_t piece = n - total < LX_PIPE_BUF ? n - total : LX_PIPE_BUF;
		long r = pipe_transfer(h, true, (void *)(buf + total), (DWORD)piece, true);
		if (r < 0)
			return total ? (long)total : r;
		total += (size_t)r;
		if ((size_t)r < piece)
			break;
	}
	return (long)total;
}

static long pipe_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	(void)pos;
	if (n > LX_PIPE_CHUNK)
		n = LX_PIPE_CHUNK;
	if (f->flags & LX_O_NONBLOCK)
		return pipe_write_nonblock(f->handle, buf, n);
	return pipe_transfer(f->handle, true, (void *)buf, (DWORD)n, false);
}

static bool query_local(HANDLE h, struct lx_nt_pipe_local *info)
{
	IO_STATUS_BLOCK io;

	memset(info, 0, sizeof(*info));
	return NT_SUCCESS(NtQueryInformationFile(h, &io, info, sizeof(*info),
	                                         (FILE_INFORMATION_CLASS)LX_FilePipeLocalInformation));
}

/*
 * Space left in the pipe, seen from its write end: exact when the read end
 * lives in this process (its queued bytes against the capacity); otherwise
 * what NT reports as the write quota, when it reports one (Wine 8 does
 * not: then the pipe counts as having room, docs/vfs.md).
 */
static bool write_end_has_room(struct lx_file *f, const struct lx_nt_pipe_local *mine)
{
	struct lx_pipe *p = f->priv;
	struct lx_nt_pipe_local theirs;
	bool known = false, room = true;

	AcquireSRWLockShared(&p->lock);
	if (p->reader && query_local(p->reader, &theirs)) {
		known = true;
		room = theirs.ReadDataAvailable < p->capacity;
	}
	ReleaseSRWLockShared(&p->lock);
	if (!known && mine->OutboundQuota != 0)
		room = mine->WriteQuotaAvailable != 0;
	return room;
}

/* pipe_poll of fs/pipe.c: the read end is readable with data and hung up
 * without writers; the write end is writable with room and in error
 * without readers. */
static unsigned pipe_poll(struct lx_file *f)
{
	struct lx_nt_pipe_local info;
	bool closing = query_local(f->handle, &info) &&
	               info.NamedPipeState == LX_FILE_PIPE_CLOSING_STATE;
	unsigned mask = 0;

	if (is_read_end(f)) {
		long avail = bytes_waiting(f->handle);
		if (avail > 0)
			mask |= LX_POLLIN | LX_POLLRDNORM;
		/* A FIFO that never had a writer is not hung up (pipe_poll
		 * compares the writer counter with the one seen at open). */
		if (avail == -1 || closing)
			mask |= LX_POLLHUP;
		return mask;
	}
	if (write_end_has_room(f, &info))
		mask |= LX_POLLOUT | LX_POLLWRNORM;
	if (closing)
		mask |= LX_POLLERR;
	return mask;
}

/*
 * The handle poll waits on for a read end: the event of its zero-byte read,
 * started here when none is outstanding.  A read that completes at once
 * (data is there, or the writers are gone) leaves the event set, so the
 * wait returns at once and poll asks again.  Write ends have none: Windows
 * signals nothing when a pipe gets room.
 */
static void *pipe_poll_handle(struct lx_file *f)
{
	static char none;
	struct lx_pipe *p = f->priv;
	struct lx_pipe_watch *w = &p->watch;
	DWORD unused;
	void *ev = NULL;

	if (!is_read_end(f))
		return NULL;
	AcquireSRWLockExclusive(&p->lock);
	if (w->pid != GetCurrentProcessId()) {
		memset(w, 0, sizeof(*w));  /* inherited: the parent's read, not ours */
		w->pid = GetCurrentProcessId();
	}
	if (!w->event)
		w->event = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (w->pending && HasOverlappedIoCompleted(&w->ov)) {
		GetOverlappedResult(f->handle, &w->ov, &unused, FALSE);
		w->pending = false;
	}
	if (w->event && !w->pending) {
		memset(&w->ov, 0, sizeof(w->ov));
		w->ov.hEvent = w->event;
		if (ReadFile(f->handle, &none, 0, NULL, &w->ov)) {
			ev = w->event;  /* completed: the event is set */
		} else if (GetLastError() == ERROR_IO_PENDING) {
			w->pending = true;
			ev = w->event;
		}
		/* Any other failure (no writer ever came to a FIFO): no handle,
		 * poll looks again at intervals. */
	} else if (w->event) {
		ev = w->event;
	}
	ReleaseSRWLockExclusive(&p->lock);
	return ev;
}

static long pipe_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	int n = 0;

	if (cmd != LX_FIONREAD)
		return -LX_ENOTTY;
	/* FIONREAD of the write end counts the pipe's bytes too (pipe_ioctl),
	 * which only the read end's handle can see. */
	if (is_read_end(f)) {
		long avail = bytes_waiting(f->handle);
		n = avail > 0 ? (int)avail : 0;
	} else {
		struct lx_pipe *p = f->priv;
		struct lx_nt_pipe_local info;
		AcquireSRWLockShared(&p->lock);
		if (p->reader && query_local(p->reader, &info))
			n = (int)info.ReadDataAvailable;
		ReleaseSRWLockShared(&p->lock);
	}
	return lx_copy_to_user(arg, &n, sizeof(n));
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

	if (is_read_end(f)) {
		AcquireSRWLockExclusive(&p->lock);
		watch_end(&p->watch, f->handle);
		ReleaseSRWLockExclusive(&p->lock);
	}
	pipe_unref(p, is_read_end(f));
	CloseHandle(f->handle);
}

static const struct lx_file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.stat = pipe_stat,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
	.poll = pipe_poll,
	.poll_handle = pipe_poll_handle,
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
	struct lx_pipe *p = f->ops == &pipe_ops ? f->priv : NULL;
	uint64_t size = 4096;

	if (!p)
		return -LX_EBADF;
	if (cmd == LX_F_GETPIPE_SZ)
		return (long)p->capacity;
	if (arg < 0 || (uint64_t)arg > (1ULL << 31))
		return -LX_EINVAL;
	while (size < (uint64_t)arg)
		size <<= 1;
	if (size != p->capacity)
		return -LX_EPERM;
	return (long)size;
}

/* Appends v in hexadecimal and a separator to the name at *at. */
static void append_hex(wchar_t **at, uint64_t v, wchar_t sep)
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
		append_hex(&at, GetCurrentProcessId(), L'-');
		append_hex(&at, (uint64_t)InterlockedIncrement(&counter), L'-');
		append_hex(&at, GetTickCount64(), 0);
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
