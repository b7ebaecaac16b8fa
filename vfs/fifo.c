/*
 * FIFOs (fifo(7)): the rendezvous of the readers and writers of one FIFO
 * node through a Windows named pipe whose name comes from the node's
 * stable key, so that every process of every instance that opens the node
 * meets at the same name (docs/vfs.md, "FIFOs").  The node itself, and
 * the call of lx_fifo_open when open(2) meets one, are the metadata
 * backend's.  Once connected, the ends are ordinary pipe files (pipe.c).
 */
#include "pipe.h"
#include "signal.h"

/* How often a writer looks again for a reader that has not come yet. */
#define LX_FIFO_RETRY_MS 10

/* \\.\pipe\lxnt-fifo-DEV-INO (hexadecimal). */
static void fifo_name(wchar_t *out, uint64_t dev, uint64_t ino)
{
	static const wchar_t prefix[] = L"\\\\.\\pipe\\lxnt-fifo-";
	wchar_t *at = out;

	for (const wchar_t *p = prefix; *p; p++)
		*at++ = *p;
	lx_pipe_append_hex(&at, dev, L'-');
	lx_pipe_append_hex(&at, ino, 0);
}

/* Waits, interruptibly, until a writer connects to the server instance h. */
static long wait_for_writer(HANDLE h)
{
	OVERLAPPED ov = { 0 };
	DWORD unused;
	long r = 0;

	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!ov.hEvent)
		return lx_errno_from_win32(GetLastError());
	if (!ConnectNamedPipe(h, &ov)) {
		DWORD e = GetLastError();
		if (e == ERROR_IO_PENDING) {
			void *ev = ov.hEvent;
			r = lx_wait_interruptible(1, &ev, -1);
			if (r < 0)
				CancelIoEx(h, &ov);
			/* A writer may have connected while the cancel was on its way. */
			if (GetOverlappedResult(h, &ov, &unused, TRUE))
				r = 0;
			else if (r >= 0)
				r = lx_errno_from_win32(GetLastError());
		} else if (e != ERROR_PIPE_CONNECTED) {
			r = lx_errno_from_win32(e);
		}
	}
	CloseHandle(ov.hEvent);
	return r < 0 ? r : 0;
}

/*
 * A reader makes a server instance of the name.  Without O_NONBLOCK it
 * waits for a writer (fifo_open of fs/pipe.c: wait_for_partner); with it,
 * it returns at once and reads end of file until a writer comes.
 */
static long open_reader(const wchar_t *name, unsigned flags, struct lx_file **out)
{
	HANDLE h = CreateNamedPipeW(name, PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED,
	                            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
	                            PIPE_REJECT_REMOTE_CLIENTS,
	                            PIPE_UNLIMITED_INSTANCES, 0, LX_PIPE_CAPACITY, 0, NULL);
	long r;

	if (h == INVALID_HANDLE_VALUE)
		return lx_errno_from_win32(GetLastError());
	if (!(flags & LX_O_NONBLOCK)) {
		r = wait_for_writer(h);
		if (r < 0) {
			CloseHandle(h);
			return r;
		}
	}
	return lx_pipe_end_new(h, LX_O_RDONLY | (flags & LX_O_NONBLOCK), out);
}

/*
 * A writer connects to a reader's instance.  With no reader it waits
 * (interruptibly, looking again every LX_FIFO_RETRY_MS), or with
 * O_NONBLOCK fails with ENXIO as fifo(7) says.
 */
static long open_writer(const wchar_t *name, unsigned flags, struct lx_file **out)
{
	for (;;) {
		HANDLE h = CreateFileW(name, GENERIC_WRITE | FILE_READ_ATTRIBUTES, 0, NULL,
		                       OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
		if (h != INVALID_HANDLE_VALUE)
			return lx_pipe_end_new(h, LX_O_WRONLY | (flags & LX_O_NONBLOCK), out);
		DWORD e = GetLastError();
		/* No instance (no reader) or none free (every reader taken). */
		if (e != ERROR_FILE_NOT_FOUND && e != ERROR_PIPE_BUSY)
			return lx_errno_from_win32(e);
		if (flags & LX_O_NONBLOCK)
			return -LX_ENXIO;
		long r = lx_wait_interruptible(0, NULL, LX_FIFO_RETRY_MS);
		if (r != -LX_ETIMEDOUT)
			return r < 0 ? r : -LX_EIO;
	}
}

long lx_fifo_open(uint64_t dev, uint64_t ino, unsigned flags, struct lx_file **out)
{
	wchar_t name[64];

	fifo_name(name, dev, ino);
	switch (flags & LX_O_ACCMODE) {
	case LX_O_RDONLY:
		return open_reader(name, flags, out);
	case LX_O_WRONLY:
		return open_writer(name, flags, out);
	default:
		/* O_RDWR never blocks on Linux and makes the opener both reader
		 * and writer of the one pipe; a pipe file holds one end. */
		return -LX_EINVAL;
	}
}
