/*
 * Reads, writes and readiness of FIFO files over their shared ring
 * (fifo.h; pipe_read, pipe_write and pipe_poll of fs/pipe.c; docs/vfs.md,
 * "FIFOs").  Everything happens under the FIFO's mutex; a call that must
 * wait lets it go while it waits (lx_fifo_wait).
 */
#include <string.h>

#include "fifo.h"
#include "lxnt/linux/poll.h"

static uint64_t ring_used(const struct lx_fifo_ring *r)
{
	return r->tail - r->head;
}

/* Copies n bytes out of the ring, then moves head (fifo.h: last). */
static void ring_take(struct lx_fifo_ring *r, char *buf, size_t n)
{
	size_t at = (size_t)(r->head % LX_PIPE_CAPACITY);
	size_t first = n < LX_PIPE_CAPACITY - at ? n : LX_PIPE_CAPACITY - at;

	memcpy(buf, r->data + at, first);
	memcpy(buf + first, r->data, n - first);
	__atomic_store_n(&r->head, r->head + n, __ATOMIC_RELEASE);
}

/* Copies n bytes into the ring, then moves tail (fifo.h: last). */
static void ring_put(struct lx_fifo_ring *r, const char *buf, size_t n)
{
	size_t at = (size_t)(r->tail % LX_PIPE_CAPACITY);
	size_t first = n < LX_PIPE_CAPACITY - at ? n : LX_PIPE_CAPACITY - at;

	memcpy(r->data + at, buf, first);
	memcpy(r->data, buf + first, n - first);
	__atomic_store_n(&r->tail, r->tail + n, __ATOMIC_RELEASE);
}

/* After a read: wakes the waiting writers once there is the room the
 * neediest of them asked for. */
static void wake_writers(struct lx_fifo_ring *r, struct lx_fifo *fx)
{
	if (LX_PIPE_CAPACITY - ring_used(r) < r->room_wanted)
		return;
	r->room_wanted = 0;
	lx_fifo_wake(fx, LX_FIFO_WRITER);
}

/* Before a writer waits: the room it needs, all of a write up to PIPE_BUF
 * (atomic), else half the ring, or what is left if less. */
static void want_room(struct lx_fifo_ring *r, size_t total, size_t left)
{
	uint32_t need = total <= LX_PIPE_BUF ? (uint32_t)left :
	                left < LX_PIPE_CAPACITY / 2 ? (uint32_t)left : LX_PIPE_CAPACITY / 2;

	if (!r->room_wanted || need < r->room_wanted)
		r->room_wanted = need;
}

/* pipe_read: what is there, up to n; without data, end of file when no
 * writer has the FIFO open, EAGAIN for O_NONBLOCK, else a wait. */
long lx_fifo_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	struct lx_fifo *fx = f->priv;
	long r;

	(void)pos;
	r = lx_fifo_enter(fx);
	if (r)
		return r;
	for (;;) {
		uint64_t used = ring_used(fx->ring);
		if (used) {
			size_t take = used < n ? (size_t)used : n;
			ring_take(fx->ring, buf, take);
			wake_writers(fx->ring, fx);
			lx_fifo_changed(fx);
			r = (long)take;
			break;
		}
		r = lx_fifo_count(fx, LX_FIFO_WRITER);
		if (r <= 0)
			break; /* 0: end of file */
		if (f->flags & LX_O_NONBLOCK) {
			r = -LX_EAGAIN;
			break;
		}
		r = lx_fifo_wait(fx, LX_FIFO_READER);
		if (r < 0)
			break;
	}
	lx_fifo_leave(fx);
	return r;
}

/*
 * How much of the rest of a write goes in now: a write of at most PIPE_BUF
 * bytes goes in whole or waits (pipe(7), atomicity); a larger one takes
 * whatever room there is.
 */
static size_t write_fits(size_t total, size_t left, uint64_t room)
{
	if (total <= LX_PIPE_BUF)
		return room >= left ? left : 0;
	return room < left ? (size_t)room : left;
}

/* pipe_write: EPIPE and SIGPIPE without readers (even after a part went
 * in); a blocking write goes on until all of it is in. */
long lx_fifo_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	struct lx_fifo *fx = f->priv;
	bool sigpipe = false;
	size_t done = 0;
	long r;

	(void)pos;
	r = lx_fifo_enter(fx);
	if (r)
		return r;
	while (done < n) {
		r = lx_fifo_count(fx, LX_FIFO_READER);
		if (r <= 0) {
			sigpipe = r == 0;
			r = r < 0 ? r : -LX_EPIPE;
			break;
		}
		size_t put = write_fits(n, n - done, LX_PIPE_CAPACITY - ring_used(fx->ring));
		if (put) {
			ring_put(fx->ring, (const char *)buf + done, put);
			lx_fifo_wake(fx, LX_FIFO_READER);
			lx_fifo_changed(fx);
			done += put;
			continue;
		}
		if (f->flags & LX_O_NONBLOCK) {
			r = -LX_EAGAIN;
			break;
		}
		want_room(fx->ring, n, n - done);
		r = lx_fifo_wait(fx, LX_FIFO_WRITER);
		if (r < 0)
			break;
	}
	lx_fifo_leave(fx);
	if (sigpipe)
		lx_pipe_raise_sigpipe();
	return done ? (long)done : r;
}

/* The FIFO and its gen as this thread's latest lx_fifo_poll saw them:
 * poll asks for the wait handle right after a scan that found the file
 * not ready (vfs/poll.c), and a change in between must not be missed. */
static _Thread_local const struct lx_fifo *scanned;
static _Thread_local uint64_t scanned_gen;

/* pipe_poll: readable with data, hung up without writers (once one has
 * been seen); writable with room, in error without readers. */
unsigned lx_fifo_poll(struct lx_file *f)
{
	struct lx_fifo *fx = f->priv;
	unsigned mask = 0;
	uint64_t used;

	if (lx_fifo_enter(fx))
		return LX_POLLERR;
	scanned = fx;
	scanned_gen = fx->ring->gen;
	used = ring_used(fx->ring);
	if (lx_fifo_reads(f)) {
		if (used)
			mask |= LX_POLLIN | LX_POLLRDNORM;
		if (lx_fifo_count(fx, LX_FIFO_WRITER) == 0 &&
		    !(fx->hup_gated && fx->ring->writers_opened == fx->hup_seen))
			mask |= LX_POLLHUP;
	}
	if (lx_fifo_writes(f)) {
		if (used < LX_PIPE_CAPACITY)
			mask |= LX_POLLOUT | LX_POLLWRNORM;
		if (lx_fifo_count(fx, LX_FIFO_READER) == 0)
			mask |= LX_POLLERR;
	}
	lx_fifo_leave(fx);
	return mask;
}

/*
 * poll's wait handle: the description's poll event, set by the next change
 * (lx_fifo_changed).  A change since this thread's scan leaves the event
 * set, so that poll asks again at once; with the pollers' list full there
 * is none, and poll looks again at its intervals.
 */
void *lx_fifo_poll_handle(struct lx_file *f)
{
	struct lx_fifo *fx = f->priv;
	void *ev = NULL;

	if (lx_fifo_enter(fx))
		return NULL;
	if (!lx_fifo_poll_enlist(fx)) {
		ev = fx->poll_event;
		if (scanned != fx || scanned_gen != fx->ring->gen)
			SetEvent(ev);
	}
	lx_fifo_leave(fx);
	return ev;
}

/* FIONREAD: the bytes in the pipe, from either end (pipe_ioctl). */
long lx_fifo_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	struct lx_fifo *fx = f->priv;
	int n;

	if (cmd != LX_FIONREAD)
		return -LX_ENOTTY;
	if (lx_fifo_enter(fx))
		return -LX_EIO;
	n = (int)ring_used(fx->ring);
	lx_fifo_leave(fx);
	return lx_copy_to_user(arg, &n, sizeof(n));
}
