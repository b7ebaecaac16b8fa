/*
 * What the pipe files share between pipe.c (creation, pipe2, fcntl),
 * pipe_io.c (reads and writes) and pipe_poll.c (readiness, FIONREAD);
 * docs/vfs.md, "Pipes".
 */
#ifndef LXNT_VFS_PIPE_H
#define LXNT_VFS_PIPE_H

#include "vfs.h"
#include "nt.h"

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

static inline bool lx_pipe_is_read_end(const struct lx_file *f)
{
	return (f->flags & LX_O_ACCMODE) == LX_O_RDONLY;
}

/* pipe_io.c */
long lx_pipe_read(struct lx_file *f, void *buf, size_t n, int64_t *pos);
long lx_pipe_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos);
/* Bytes waiting in the pipe of read end h, -1 once the writers are all
 * gone and nothing is left, -2 for a FIFO that no writer has opened yet. */
long lx_pipe_bytes_waiting(HANDLE h);

/* pipe_poll.c */
unsigned lx_pipe_poll(struct lx_file *f);
void *lx_pipe_poll_handle(struct lx_file *f);
long lx_pipe_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg);
void lx_pipe_watch_end(struct lx_pipe_watch *w, HANDLE h);

/* Appends v in hexadecimal and then sep to the name at *at (pipe.c). */
void lx_pipe_append_hex(wchar_t **at, uint64_t v, wchar_t sep);

#endif
