/*
 * Reads and writes of pipe files (docs/vfs.md, "Pipes"): one overlapped
 * ReadFile or WriteFile each, waited for through lx_wait_interruptible,
 * cancelled for O_NONBLOCK or a signal.
 */
#include "pipe.h"
#include "identity.h"
#include "signal.h"
#include "thread.h"

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
	/* The reader is gone (ERROR_PIPE_NOT_CONNECTED: a server end that
	 * disconnected, as vfs/stream.c also meets it). */
	if (writing && (e == ERROR_NO_DATA || e == ERROR_BROKEN_PIPE ||
	                e == ERROR_PIPE_NOT_CONNECTED)) {
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

long lx_pipe_bytes_waiting(HANDLE h)
{
	DWORD avail = 0;

	if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
		return GetLastError() == ERROR_PIPE_LISTENING ? -2 : -1;
	return (long)avail;
}

long lx_pipe_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	(void)pos;
	if (n > LX_PIPE_CHUNK)
		n = LX_PIPE_CHUNK;
	if (f->flags & LX_O_NONBLOCK) {
		/* An empty pipe with a writer is EAGAIN; without one, end of file. */
		long avail = lx_pipe_bytes_waiting(f->handle);
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

long lx_pipe_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	(void)pos;
	if (n > LX_PIPE_CHUNK)
		n = LX_PIPE_CHUNK;
	if (f->flags & LX_O_NONBLOCK)
		return pipe_write_nonblock(f->handle, buf, n);
	return pipe_transfer(f->handle, true, (void *)buf, (DWORD)n, false);
}

