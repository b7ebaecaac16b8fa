/*
 * What the FIFO files share between fifo.c (the shared objects, open,
 * release and the hand-off) and fifo_io.c (reads, writes, readiness);
 * docs/vfs.md, "FIFOs".
 */
#ifndef LXNT_VFS_FIFO_H
#define LXNT_VFS_FIFO_H

#include "pipe.h"

/* How many descriptions may wait in poll on one FIFO with a wake-up; more
 * look again at poll's intervals. */
#define LX_FIFO_POLLERS 16

/* How many processes holding a FIFO the ring keeps (struct lx_fifo_ring,
 * holders), and how many of them a blocked call watches. */
#define LX_FIFO_HOLDERS 32
#define LX_FIFO_WATCHED 8

/* One process that holds ends of the FIFO: how many of its descriptions
 * hold each role (pid 0: a free slot). */
struct lx_fifo_holder {
	uint32_t pid;
	uint32_t n[2];
};

/* How many other descriptions' poll events a description keeps open. */
#define LX_FIFO_WOKEN 4

/*
 * The pipe buffer that every opener of one FIFO shares (struct
 * pipe_inode_info of fs/pipe.c), in a named section.  head and tail count
 * the bytes ever read and written.  A writer copies its bytes in and then
 * moves tail; a reader copies them out and then moves head: a process
 * killed in between leaves the ring as it was (its mutex is then
 * abandoned, and the next owner goes on with a whole ring).
 */
struct lx_fifo_ring {
	/* The node as its latest opener found it: its key names the objects
	 * again after a hand-off, and fstat answers with it. */
	struct lx_kstat node;
	volatile uint64_t head, tail;
	/* How many opens each role has had (r_counter and w_counter of
	 * pipe_inode_info): a blocked open waits for the other's to move. */
	volatile uint64_t readers_opened, writers_opened;
	/* Calls waiting on each wake event (lx_fifo_wait), so that a transfer
	 * sets it only when someone waits; one that a killed process left
	 * too high costs a needless SetEvent, never a lost wake-up. */
	volatile uint32_t waiting[2];
	/* The least room a waiting writer needs (0: none said), so that a
	 * reader does not wake a writer for every few bytes it takes. */
	volatile uint32_t room_wanted;
	/* Moves with every change that poll may see (bytes in or out, an
	 * open or a close): a poll that scanned at one value and finds
	 * another when it is about to wait asks again (lx_fifo_poll_handle). */
	volatile uint64_t gen;
	/* The descriptions whose poll waits (by poll id, 0 for a free slot):
	 * the next change sets each one's poll event and empties the list. */
	volatile uint32_t poll_ids;          /* the last id given */
	volatile uint32_t pollers[LX_FIFO_POLLERS];
	/* The processes that hold ends, so that a blocked call can wait on
	 * their process handles and learn of a death at once (fifo_peers.c).
	 * Only a hint: the counts that decide are the role objects'. */
	struct lx_fifo_holder holders[LX_FIFO_HOLDERS];
	unsigned char data[LX_PIPE_CAPACITY];
};

enum lx_fifo_role { LX_FIFO_READER, LX_FIFO_WRITER };

/* One open file description of a FIFO in this process (the file's priv). */
struct lx_fifo {
	wchar_t what[48];                  /* "fifo-DEV-INO-", the names' stem */
	HANDLE section, mutex;
	/* wake[LX_FIFO_READER] is set for the readers (data came, a writer
	 * came or went), wake[LX_FIFO_WRITER] for the writers (room, a reader
	 * came or went): manual-reset events that waiters reset under the
	 * mutex after finding nothing to do. */
	HANDLE wake[2];
	/* The description's handle of each role object it holds: the count
	 * of a role is the handle count of its object (fifo.c). */
	HANDLE role[2];
	struct lx_fifo_ring *ring;
	/* A reader that opened O_NONBLOCK before any writer sees no POLLHUP
	 * until a writer has come (f_version in fifo_open and pipe_poll). */
	bool hup_gated;
	uint64_t hup_seen;
	/* poll's wake-up: a named manual-reset event, fifo-DEV-INO-qID, that
	 * a change sets while poll_id is in the ring's pollers (made at the
	 * first poll of the description). */
	HANDLE poll_event;
	uint32_t poll_id;
	/* Other descriptions' poll events this one has set, kept open so
	 * that waking a poller again costs one call (lx_fifo_changed). */
	struct { uint32_t id; HANDLE event; } woken[LX_FIFO_WOKEN];
	unsigned woken_next;
	SRWLOCK woken_lock;      /* over woken: it is used after the mutex */
	/* Wake-ups decided under the mutex and given once it is let go
	 * (lx_fifo_leave), so that a woken process does not at once find the
	 * mutex still held: pollers' ids, and the wake events by role bit. */
	uint32_t wake_ids[LX_FIFO_POLLERS];
	unsigned wake_n, wake_events;
};

/* How long a blocked FIFO call waits before it looks again: a process
 * killed as a reader or writer signals nothing when its handles close.
 * A call that watches every process holding the other end (fifo_peers.c)
 * waits up to LX_FIFO_WATCHED_MS instead. */
#define LX_FIFO_RECHECK_MS 50
#define LX_FIFO_WATCHED_MS 1000

static inline bool lx_fifo_reads(const struct lx_file *f)
{
	return (f->flags & LX_O_ACCMODE) != LX_O_WRONLY;
}

static inline bool lx_fifo_writes(const struct lx_file *f)
{
	return (f->flags & LX_O_ACCMODE) != LX_O_RDONLY;
}

/* fifo.c.  The mutex is taken with enter (0, or -LX_EIO when its handle
 * is unusable) and given back with leave, which then gives the wake-ups
 * decided meanwhile (lx_fifo_wake, lx_fifo_changed). */
long lx_fifo_enter(struct lx_fifo *fx);
void lx_fifo_leave(struct lx_fifo *fx);
/* Under the mutex: whether a description anywhere has the role, as a
 * count that only means something as 0 or not 0 (a description handed to
 * a child holds two handles; our own role answers 1), or -errno. */
long lx_fifo_count(struct lx_fifo *fx, enum lx_fifo_role role);
/* Under the mutex: resets wake[who], lets the mutex go, waits on wake[who]
 * (at most LX_FIFO_RECHECK_MS, through lx_wait_interruptible) and takes
 * the mutex again.  0, or -LX_ERESTARTSYS for a signal (mutex held too). */
long lx_fifo_wait(struct lx_fifo *fx, enum lx_fifo_role who);

/* Sets wake[who] if a call waits on it, once the mutex is let go; under
 * the mutex. */
void lx_fifo_wake(struct lx_fifo *fx, enum lx_fifo_role who);

/* Under the mutex, after every change that poll may see: moves gen and
 * wakes the descriptions that wait in poll (once the mutex is let go). */
void lx_fifo_changed(struct lx_fifo *fx);
/* Under the mutex: puts the description on the pollers' list and resets
 * its poll event; 0, -LX_EAGAIN when the list is full, or -errno. */
long lx_fifo_poll_enlist(struct lx_fifo *fx);

/* fifo_peers.c, under the mutex.  holder_add counts this process's
 * descriptions of a role up (delta 1) or down (-1).  watch_peers opens
 * the process handles of the other holders of `peer` (at most cap) into
 * out, sets *n, and returns how long the wait may trust them and its wake
 * event alone. */
void lx_fifo_holder_add(struct lx_fifo *fx, enum lx_fifo_role role, int delta);
unsigned lx_fifo_watch_peers(struct lx_fifo *fx, enum lx_fifo_role peer, HANDLE *out,
                             unsigned cap, unsigned *n);

/* fifo_io.c */
long lx_fifo_read(struct lx_file *f, void *buf, size_t n, int64_t *pos);
long lx_fifo_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos);
unsigned lx_fifo_poll(struct lx_file *f);
void *lx_fifo_poll_handle(struct lx_file *f);
long lx_fifo_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg);

#endif
