/*
 * Standard handles of a Windows program for files that have no Windows
 * handle (docs/vfs.md, "Windows programs' standard handles").
 *
 * execve of a Windows program hands it fds 0 to 2 as its standard
 * handles; a FIFO, a /proc file, /dev/zero, /dev/full or /dev/urandom is
 * lxnt's own and has none.  Such an fd gets an anonymous pipe instead, and
 * the execve's stub, which waits for the program anyway, relays between
 * the pipe and the file: what it reads from the file into the pipe of
 * standard input, what the program writes into the file.  Each pipe has a
 * thread of its own for the Windows side (ReadFile or WriteFile, which
 * block); the file side stays with the stub's thread, a Linux thread, as
 * FIFO reads and writes wait interruptibly.  The two meet through two
 * events per pipe:
 *
 *   input:  the stub reads the file into buf when the file is ready and
 *           the thread idle, then sets go; the thread writes buf into the
 *           pipe and sets idle.  A read of 0 (end of file) closes the pipe.
 *   output: the thread reads the pipe into buf and sets full; the stub
 *           writes buf to the file and sets go.  End of file, the
 *           program's last handle of the pipe closed, ends it.
 *
 * The stub ends once the program has ended and every output pipe has
 * reached its end, so that all the program wrote is in the files first.
 */
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "handoff.h"
#include "vfs.h"
#include "lxnt/linux/poll.h"

#define RELAY_BUF 65536
#define RELAY_POLL_MS 8

struct relay {
	struct lx_file *f;
	bool input;
	HANDLE pipe;           /* ours: the write end of input, the read end of output */
	HANDLE theirs;         /* the program's end, until it runs */
	HANDLE thread;
	HANDLE go;             /* auto-reset: the stub's turn is over */
	HANDLE ready;          /* manual-reset: input idle, output full */
	volatile LONG len;     /* bytes in buf: input's to write, output's read */
	volatile LONG ended;   /* the pipe is done (end of file, broken pipe) */
	bool finished;         /* the stub is done with this relay */
	char buf[RELAY_BUF];
};

struct lx_relays {
	struct relay *r[3];
	unsigned n;
};

/* Input: writes each buffer the stub fills into the pipe.  A length of 0
 * closes it, which is the program's end of file. */
static DWORD WINAPI input_thread(void *arg)
{
	struct relay *r = arg;

	for (;;) {
		WaitForSingleObject(r->go, INFINITE);
		LONG n = r->len;
		DWORD done = 0;
		for (LONG at = 0; n > 0 && at < n; at += (LONG)done)
			if (!WriteFile(r->pipe, r->buf + at, (DWORD)(n - at), &done, NULL) || !done) {
				n = 0;
				break;
			}
		if (n == 0) {
			CloseHandle(r->pipe);
			r->pipe = NULL;
			InterlockedExchange(&r->ended, 1);
			SetEvent(r->ready);
			return 0;
		}
		InterlockedExchange(&r->len, 0);
		SetEvent(r->ready);
	}
}

/* Output: reads the pipe until the program's last handle of it closes. */
static DWORD WINAPI output_thread(void *arg)
{
	struct relay *r = arg;

	for (;;) {
		DWORD got = 0;
		if (!ReadFile(r->pipe, r->buf, RELAY_BUF, &got, NULL) || !got) {
			InterlockedExchange(&r->ended, 1);
			SetEvent(r->ready);
			return 0;
		}
		InterlockedExchange(&r->len, (LONG)got);
		SetEvent(r->ready);
		WaitForSingleObject(r->go, INFINITE);
	}
}

/* A relay whose thread never started. */
static void relay_free(struct relay *r)
{
	if (r->pipe)
		CloseHandle(r->pipe);
	if (r->theirs)
		CloseHandle(r->theirs);
	if (r->go)
		CloseHandle(r->go);
	if (r->ready)
		CloseHandle(r->ready);
	free(r);
}

/* The file of fd when the program needs a relay for it: open, inherited
 * (not close-on-exec), without a Windows handle, not a directory and not
 * /dev/null (which the NUL device serves), and open for the direction. */
static struct lx_file *relay_file(int fd)
{
	struct lx_file *f = lx_fd_get(fd);

	if (!f)
		return NULL;
	if (lx_fd_get_cloexec(fd) != 0 || f->handle || f->is_dir || lx_dev_file_is(f, LX_DEV_NULL) ||
	    (fd == 0 ? lx_file_readable(f) : lx_file_writable(f)) != 0) {
		lx_file_put(f);
		return NULL;
	}
	return f;
}

static struct relay *relay_new(struct lx_file *f, bool input)
{
	struct relay *r = calloc(1, sizeof(*r));
	HANDLE rd = NULL, wr = NULL;

	if (!r)
		return NULL;
	r->f = f;
	r->input = input;
	/* Neither end inheritable: the program inherits only the copy of
	 * its end that std[fd] gets (give_end). */
	if (!CreatePipe(&rd, &wr, NULL, RELAY_BUF)) {
		free(r);
		return NULL;
	}
	r->pipe = input ? wr : rd;
	r->theirs = input ? rd : wr;
	r->go = CreateEventW(NULL, FALSE, FALSE, NULL);
	r->ready = CreateEventW(NULL, TRUE, input, NULL);
	if (!r->go || !r->ready) {
		relay_free(r);
		return NULL;
	}
	return r;
}

/* An inheritable copy of the program's end of r for std[fd]. */
static void give_end(const struct relay *r, void *std[3], int fd)
{
	HANDLE dup;

	if (DuplicateHandle(GetCurrentProcess(), r->theirs, GetCurrentProcess(), &dup, 0, TRUE,
	                    DUPLICATE_SAME_ACCESS))
		std[fd] = dup;
}

struct lx_relays *lx_relays_prepare(void *std[3])
{
	struct lx_relays *rs = NULL;

	for (int fd = 0; fd < 3; fd++) {
		if (std[fd])
			continue;
		struct lx_file *f = relay_file(fd);
		if (!f)
			continue;
		/* 2>&1 onto one file: one pipe for both. */
		if (fd == 2 && rs && rs->n && rs->r[rs->n - 1]->f == f && !rs->r[rs->n - 1]->input) {
			give_end(rs->r[rs->n - 1], std, fd);
			lx_file_put(f);
			continue;
		}
		if (!rs && !(rs = calloc(1, sizeof(*rs)))) {
			lx_file_put(f);
			break;
		}
		struct relay *r = relay_new(f, fd == 0);
		if (!r) {
			lx_file_put(f);
			continue;
		}
		give_end(r, std, fd);
		rs->r[rs->n++] = r;
	}
	return rs;
}

void lx_relays_started(struct lx_relays *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->n; i++) {
		struct relay *r = rs->r[i];
		/* The program's end is the program's alone now: its last
		 * handle's close is the output's end of file. */
		CloseHandle(r->theirs);
		r->theirs = NULL;
		r->thread = CreateThread(NULL, 64 * 1024, r->input ? input_thread : output_thread, r,
		                         STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
		if (!r->thread) {
			CloseHandle(r->pipe);
			r->pipe = NULL;
			r->ended = 1;
			SetEvent(r->ready);
		}
	}
}

void lx_relays_free(struct lx_relays *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->n; i++) {
		lx_file_put(rs->r[i]->f);
		relay_free(rs->r[i]);
	}
	free(rs);
}

/* Writes all of an output's buffer to its file; false when the file
 * takes no more (EPIPE, ENOSPC ...): the pipe then closes, and the
 * program's next write fails as a write to a pipe without a reader. */
static bool put_all(struct relay *r, void (*woken)(void))
{
	for (LONG at = 0; at < r->len;) {
		long put = lx_file_write(r->f, r->buf + at, (size_t)(r->len - at), NULL);
		if (put == -LX_ERESTARTSYS || put == -LX_EINTR || put == -LX_EAGAIN) {
			/* A signal for the stub (a FIFO's SIGPIPE among them)
			 * is taken first: it may end the stub. */
			woken();
			Sleep(1);
			continue;
		}
		if (put <= 0)
			return false;
		at += (LONG)put;
	}
	return true;
}

/* One input relay's turn, when its thread is idle: a read of the file if
 * it is ready; otherwise what to wait on (*wait, NULL for a look again
 * after an interval). */
static void input_turn(struct relay *r, HANDLE *wait, bool *interval, void (*woken)(void))
{
	unsigned ev = r->f->ops->poll ? r->f->ops->poll(r->f) : LX_DEFAULT_POLLMASK;

	if (!(ev & (LX_POLLIN | LX_POLLHUP | LX_POLLERR))) {
		*wait = r->f->ops->poll_handle ? r->f->ops->poll_handle(r->f) : NULL;
		if (!*wait || r->f->ops->poll_recheck_ms)
			*interval = true;
		return;
	}
	long got = lx_file_read(r->f, r->buf, RELAY_BUF, NULL);
	if (got == -LX_EAGAIN || got == -LX_ERESTARTSYS || got == -LX_EINTR) {
		woken();
		*interval = true;
		return;
	}
	ResetEvent(r->ready);
	InterlockedExchange(&r->len, got > 0 ? (LONG)got : 0);
	SetEvent(r->go);
	if (got <= 0)
		r->finished = true; /* the thread closes the pipe */
	else
		*wait = r->ready;
}

void lx_relays_run(struct lx_relays *rs, void *process, void *wake, void (*woken)(void))
{
	bool ended = false;

	for (;;) {
		HANDLE waits[MAXIMUM_WAIT_OBJECTS];
		DWORD n = 0;
		bool interval = false, outputs_left = false;

		if (!ended)
			ended = WaitForSingleObject(process, 0) == WAIT_OBJECT_0;
		for (unsigned i = 0; i < rs->n; i++) {
			struct relay *r = rs->r[i];
			if (r->finished)
				continue;
			if (r->input) {
				/* A program that has ended reads nothing more. */
				if (ended || r->ended) {
					r->finished = true;
					continue;
				}
				HANDLE w = NULL;
				if (WaitForSingleObject(r->ready, 0) == WAIT_OBJECT_0)
					input_turn(r, &w, &interval, woken);
				else
					w = r->ready;
				if (w)
					waits[n++] = w;
				continue;
			}
			outputs_left = true;
			if (WaitForSingleObject(r->ready, 0) != WAIT_OBJECT_0) {
				waits[n++] = r->ready;
				continue;
			}
			if (r->ended) {
				r->finished = true;
				continue;
			}
			ResetEvent(r->ready);
			if (!put_all(r, woken)) {
				/* The thread waits for go: its next read fails,
				 * and it ends. */
				CloseHandle(r->pipe);
				r->pipe = NULL;
				r->finished = true;
			} else {
				waits[n++] = r->ready;
			}
			InterlockedExchange(&r->len, 0);
			SetEvent(r->go);
		}
		if (ended && !outputs_left)
			break;
		if (!ended)
			waits[n++] = process;
		if (n == 0 && !interval)
			break;
		waits[n++] = wake;
		if (WaitForMultipleObjects(n, waits, FALSE, interval ? RELAY_POLL_MS : INFINITE) ==
		    WAIT_OBJECT_0 + n - 1)
			woken();
	}
	/* The files go now; the threads and their buffers with the stub. */
	for (unsigned i = 0; i < rs->n; i++)
		lx_file_put(rs->r[i]->f);
}
