/*
 * Readiness of pipe files for poll(2) and select(2), and FIONREAD
 * (docs/vfs.md, "Pipes"; docs/runtime.md, "poll and select").
 */
#include <string.h>

#include "pipe.h"
#include "lxnt/linux/poll.h"

/* Ends the read end's zero-byte read before its handle closes. */
void lx_pipe_watch_end(struct lx_pipe_watch *w, HANDLE h)
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
unsigned lx_pipe_poll(struct lx_file *f)
{
	struct lx_nt_pipe_local info;
	bool closing = query_local(f->handle, &info) &&
	               info.NamedPipeState == LX_FILE_PIPE_CLOSING_STATE;
	unsigned mask = 0;

	if (lx_pipe_is_read_end(f)) {
		long avail = lx_pipe_bytes_waiting(f->handle);
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
void *lx_pipe_poll_handle(struct lx_file *f)
{
	static char none;
	struct lx_pipe *p = f->priv;
	struct lx_pipe_watch *w = &p->watch;
	DWORD unused;
	void *ev = NULL;

	if (!lx_pipe_is_read_end(f))
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

long lx_pipe_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	int n = 0;

	if (cmd != LX_FIONREAD)
		return -LX_ENOTTY;
	/* FIONREAD of the write end counts the pipe's bytes too (pipe_ioctl),
	 * which only the read end's handle can see. */
	if (lx_pipe_is_read_end(f)) {
		long avail = lx_pipe_bytes_waiting(f->handle);
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

