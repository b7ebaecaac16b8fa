/*
 * poll(2), ppoll(2), select(2), pselect6(2) (fs/select.c).  Readiness is
 * each file's poll op (struct lx_file_ops).  Between passes the call waits
 * through lx_wait_interruptible, so that a signal ends it, on the handles
 * the files offer (poll_handle); while some file offers none, it also
 * wakes at growing intervals, at most LX_POLL_SLICE_MAX ms apart, to ask
 * again (docs/runtime.md, "poll and select").
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "nt.h"
#include "thread.h"
#include "signal.h"
#include "syscall_table.h"
#include "lxnt/linux/poll.h"
#include "lxnt/linux/time.h"

#define LX_POLL_SLICE_MAX 8
#define NSEC_PER_MS 1000000LL

/* Bits that select(2) counts in each set (POLLIN_SET etc. of fs/select.c). */
#define POLLIN_SET (LX_POLLRDNORM | LX_POLLRDBAND | LX_POLLIN | LX_POLLHUP | LX_POLLERR)
#define POLLOUT_SET (LX_POLLWRBAND | LX_POLLWRNORM | LX_POLLOUT | LX_POLLERR)
#define POLLEX_SET LX_POLLPRI

#define SIGBIT(sig) (1ULL << ((sig) - 1))

static unsigned file_poll(struct lx_file *f)
{
	return f->ops->poll ? f->ops->poll(f) : LX_DEFAULT_POLLMASK;
}

/* What one pass found to wait on: handles of files that are not ready,
 * each file referenced until the wait is over; partial when some file
 * offers no handle (or there are too many), so that the wait needs
 * intervals. */
#define LX_POLL_HANDLES 60

struct wait_set {
	void *handles[LX_POLL_HANDLES];
	struct lx_file *files[LX_POLL_HANDLES];
	unsigned n;
	bool partial;
	unsigned recheck_ms;  /* the least poll_recheck_ms of the files, 0 for none */
};

/* Adds a file that is not ready (and that f's caller still holds). */
static void wait_set_add(struct wait_set *ws, struct lx_file *f)
{
	void *h = f->ops->poll_handle ? f->ops->poll_handle(f) : NULL;

	if (!h || ws->n == LX_POLL_HANDLES) {
		ws->partial = true;
		return;
	}
	lx_file_get(f);
	ws->files[ws->n] = f;
	ws->handles[ws->n++] = h;
	if (f->ops->poll_recheck_ms && (!ws->recheck_ms || f->ops->poll_recheck_ms < ws->recheck_ms))
		ws->recheck_ms = f->ops->poll_recheck_ms;
}

static void wait_set_clear(struct wait_set *ws)
{
	for (unsigned i = 0; i < ws->n; i++)
		lx_file_put(ws->files[i]);
	ws->n = 0;
	ws->partial = false;
	ws->recheck_ms = 0;
}

/* When the wait ends, in nanoseconds of the GetTickCount64 clock; -1 for
 * never. */
struct poll_deadline {
	int64_t at_ns;
};

static int64_t now_ns(void)
{
	return (int64_t)GetTickCount64() * NSEC_PER_MS;
}

/* Milliseconds to sleep before asking the files again: short at first, so
 * that a quick answer is seen quickly, never past the deadline. */
static int64_t next_slice(const struct poll_deadline *d, int64_t *slice)
{
	int64_t ms = *slice;

	if (*slice < LX_POLL_SLICE_MAX)
		*slice *= 2;
	if (d->at_ns >= 0) {
		int64_t left = d->at_ns - now_ns();
		if (left <= 0)
			return 0;
		int64_t left_ms = (left + NSEC_PER_MS - 1) / NSEC_PER_MS;
		if (left_ms < ms)
			ms = left_ms;
	}
	return ms;
}

static bool expired(const struct poll_deadline *d)
{
	return d->at_ns >= 0 && now_ns() >= d->at_ns;
}

/*
 * Waits until a handle of the set is signalled, the deadline passes or, if
 * the set is partial, one interval (or a file's recheck time).  Returns 0 to ask the files again, 1
 * when the deadline has passed, or -LX_ERESTARTNOHAND when a signal
 * arrived (fs/select.c returns that code: the call restarts only if no
 * handler runs).  Empties the set.
 */
static long wait_pass(struct wait_set *ws, const struct poll_deadline *d, int64_t *slice)
{
	int64_t ms = -1;
	long r;

	if (expired(d)) {
		wait_set_clear(ws);
		return 1;
	}
	if (ws->partial)
		ms = next_slice(d, slice);
	else if (d->at_ns >= 0)
		ms = (d->at_ns - now_ns() + NSEC_PER_MS - 1) / NSEC_PER_MS;
	if (ws->recheck_ms && (ms < 0 || ms > ws->recheck_ms))
		ms = ws->recheck_ms;
	r = lx_wait_interruptible(ws->n, ws->handles, ms < 0 ? -1 : ms);
	wait_set_clear(ws);
	if (r == -LX_ERESTARTSYS)
		return -LX_ERESTARTNOHAND;
	if (r < 0 && r != -LX_ETIMEDOUT)
		return r;
	return 0;
}

/* Applies the temporary signal mask of ppoll/pselect6 while waiting. */
struct sigmask_swap {
	bool active;
	uint64_t saved;
};

static long sigmask_apply(struct sigmask_swap *s, uint64_t umask, size_t size)
{
	uint64_t set;

	s->active = false;
	if (!umask)
		return 0;
	if (size != sizeof(uint64_t))
		return -LX_EINVAL;
	if (lx_copy_from_user(&set, umask, sizeof(set)))
		return -LX_EFAULT;
	struct lx_thread *t = lx_current_thread();
	s->saved = t->sigmask;
	s->active = true;
	t->sigmask = set & ~(SIGBIT(LX_SIGKILL) | SIGBIT(LX_SIGSTOP));
	return 0;
}

/* The mask comes back before the call returns; a signal that only the
 * temporary mask let through stays pending (docs/runtime.md). */
static void sigmask_restore(struct sigmask_swap *s)
{
	if (s->active)
		lx_current_thread()->sigmask = s->saved;
}

/* A timespec (ppoll, pselect6) as a deadline: EINVAL when invalid. */
static long deadline_from_timespec(uint64_t uts, struct poll_deadline *d, int64_t *start)
{
	struct lx_timespec ts;

	*start = now_ns();
	d->at_ns = -1;
	if (!uts)
		return 0;
	if (lx_copy_from_user(&ts, uts, sizeof(ts)))
		return -LX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000LL)
		return -LX_EINVAL;
	if (ts.tv_sec > INT64_MAX / 1000000000LL / 2)
		return 0; /* further than anyone waits: forever */
	d->at_ns = *start + ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return 0;
}

/* poll_select_finish of fs/select.c: ppoll, pselect6 and select write the
 * time left back, unless the timeout was zero. */
static void write_back_left(const struct poll_deadline *d, int64_t start, uint64_t ut,
                            bool timeval)
{
	if (!ut || d->at_ns < 0 || d->at_ns == start)
		return;
	int64_t left = d->at_ns - now_ns();
	if (left < 0)
		left = 0;
	if (timeval) {
		struct lx_timeval tv = { left / 1000000000LL, (left % 1000000000LL) / 1000 };
		lx_copy_to_user(ut, &tv, sizeof(tv));
	} else {
		struct lx_timespec ts = { left / 1000000000LL, left % 1000000000LL };
		lx_copy_to_user(ut, &ts, sizeof(ts));
	}
}

/* One pass over the pollfd array: fills revents, returns how many are set,
 * and gathers what to wait on. */
static long poll_scan(struct lx_pollfd *pfd, size_t n, struct wait_set *ws)
{
	long count = 0;

	for (size_t i = 0; i < n; i++) {
		struct lx_file *f;
		unsigned mask;

		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			continue;
		f = lx_fd_get(pfd[i].fd);
		if (!f) {
			mask = LX_POLLNVAL;
		} else {
			/* POLLERR and POLLHUP are reported whether asked or not. */
			mask = file_poll(f) & ((unsigned)(uint16_t)pfd[i].events | LX_POLLERR | LX_POLLHUP);
			if (!mask && count == 0)
				wait_set_add(ws, f);
			lx_file_put(f);
		}
		pfd[i].revents = (int16_t)mask;
		if (mask)
			count++;
	}
	return count;
}

/*
 * The wait of poll and select: scan, and while nothing is ready, wait on
 * what the scan collected; the scan's count, 0 when the deadline passes,
 * or -LX_ERESTARTNOHAND for a signal (wait_pass).
 */
static long wait_ready(long (*scan)(void *ctx, struct wait_set *ws), void *ctx,
                       const struct poll_deadline *d)
{
	struct wait_set ws = { .n = 0 };
	int64_t slice = 1;

	for (;;) {
		long r = scan(ctx, &ws);
		if (r) {
			wait_set_clear(&ws);
			return r;
		}
		long w = wait_pass(&ws, d, &slice);
		if (w)
			return w == 1 ? 0 : w;
	}
}

struct poll_scan_args {
	struct lx_pollfd *pfd;
	size_t n;
};

static long poll_scan_cb(void *ctx, struct wait_set *ws)
{
	struct poll_scan_args *a = ctx;
	return poll_scan(a->pfd, a->n, ws);
}

/* The worker of poll and ppoll (do_sys_poll). */
static long do_poll(uint64_t ufds, uint64_t nfds, struct poll_deadline *d)
{
	struct lx_pollfd *pfd;
	size_t bytes;
	long r;

	if (nfds > LX_FD_MAX)
		return -LX_EINVAL;
	bytes = (size_t)nfds * sizeof(*pfd);
	pfd = malloc(bytes ? bytes : 1);
	if (!pfd)
		return -LX_ENOMEM;
	if (lx_copy_from_user(pfd, ufds, bytes)) {
		free(pfd);
		return -LX_EFAULT;
	}
	struct poll_scan_args args = { pfd, (size_t)nfds };
	r = wait_ready(poll_scan_cb, &args, d);
	if (r >= 0 && lx_copy_to_user(ufds, pfd, bytes))
		r = -LX_EFAULT;
	free(pfd);
	return r;
}

/* Linux poll(2). */
int64_t lx_sys_poll(struct lx_syscall *sc)
{
	int timeout = (int)sc->arg[2];
	struct poll_deadline d = { -1 };

	if (timeout >= 0)
		d.at_ns = now_ns() + (int64_t)timeout * NSEC_PER_MS;
	return do_poll((uint64_t)sc->arg[0], (uint64_t)sc->arg[1], &d);
}

/* Linux ppoll(2). */
int64_t lx_sys_ppoll(struct lx_syscall *sc)
{
	uint64_t uts = (uint64_t)sc->arg[2];
	struct poll_deadline d;
	struct sigmask_swap swap;
	int64_t start;
	long r;

	r = deadline_from_timespec(uts, &d, &start);
	if (r)
		return r;
	r = sigmask_apply(&swap, (uint64_t)sc->arg[3], (size_t)sc->arg[4]);
	if (r)
		return r;
	r = do_poll((uint64_t)sc->arg[0], (uint64_t)sc->arg[1], &d);
	sigmask_restore(&swap);
	write_back_left(&d, start, uts, false);
	return r;
}

/* The three fd sets of select, as host bit arrays of nfds bits. */
struct fd_sets {
	uint64_t *in, *out, *ex;     /* what the caller asks; NULL for none */
	uint64_t *rin, *rout, *rex;  /* results */
	size_t words;
};

static long copy_set_in(uint64_t uset, uint64_t **set, size_t words)
{
	*set = NULL;
	if (!uset)
		return 0;
	*set = calloc(words ? words : 1, sizeof(uint64_t));
	if (!*set)
		return -LX_ENOMEM;
	if (lx_copy_from_user(*set, uset, words * sizeof(uint64_t)))
		return -LX_EFAULT;
	return 0;
}

static bool bit(const uint64_t *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64)) & 1;
}

static void set_bit(uint64_t *set, int fd)
{
	set[fd / 64] |= 1ULL << (fd % 64);
}

/* One pass of do_select: EBADF for a closed fd in any set. */
static long select_scan(struct fd_sets *s, int nfds, struct wait_set *ws)
{
	long count = 0;

	memset(s->rin, 0, s->words * sizeof(uint64_t));
	memset(s->rout, 0, s->words * sizeof(uint64_t));
	memset(s->rex, 0, s->words * sizeof(uint64_t));
	for (int fd = 0; fd < nfds; fd++) {
		bool want_in = bit(s->in, fd), want_out = bit(s->out, fd), want_ex = bit(s->ex, fd);
		if (!want_in && !want_out && !want_ex)
			continue;
		struct lx_file *f = lx_fd_get(fd);
		if (!f)
			return -LX_EBADF;
		unsigned mask = file_poll(f);
		bool ready = (want_in && (mask & POLLIN_SET)) || (want_out && (mask & POLLOUT_SET)) ||
		             (want_ex && (mask & POLLEX_SET));
		if (!ready && count == 0)
			wait_set_add(ws, f);
		lx_file_put(f);
		if (want_in && (mask & POLLIN_SET)) {
			set_bit(s->rin, fd);
			count++;
		}
		if (want_out && (mask & POLLOUT_SET)) {
			set_bit(s->rout, fd);
			count++;
		}
		if (want_ex && (mask & POLLEX_SET)) {
			set_bit(s->rex, fd);
			count++;
		}
	}
	return count;
}

struct select_scan_args {
	struct fd_sets *s;
	int nfds;
};

static long select_scan_cb(void *ctx, struct wait_set *ws)
{
	struct select_scan_args *a = ctx;
	return select_scan(a->s, a->nfds, ws);
}

static long copy_set_out(uint64_t uset, const uint64_t *set, size_t words)
{
	if (uset && lx_copy_to_user(uset, set, words * sizeof(uint64_t)))
		return -LX_EFAULT;
	return 0;
}

static void free_sets(struct fd_sets *s)
{
	free(s->in);
	free(s->out);
	free(s->ex);
	free(s->rin);
}

/* The worker of select and pselect6 (core_sys_select): the sets hold
 * nfds bits, rounded up to whole longs as the kernel copies them. */
static long do_select(int nfds, uint64_t uin, uint64_t uout, uint64_t uex,
                      struct poll_deadline *d)
{
	struct fd_sets s = { 0 };
	long r;

	if (nfds < 0)
		return -LX_EINVAL;
	if (nfds > LX_FD_MAX)
		nfds = LX_FD_MAX; /* the kernel clamps to the fd table's size */
	s.words = ((size_t)nfds + 63) / 64;
	r = copy_set_in(uin, &s.in, s.words);
	if (!r)
		r = copy_set_in(uout, &s.out, s.words);
	if (!r)
		r = copy_set_in(uex, &s.ex, s.words);
	if (!r) {
		s.rin = calloc(3 * (s.words ? s.words : 1), sizeof(uint64_t));
		if (!s.rin)
			r = -LX_ENOMEM;
	}
	if (r) {
		free_sets(&s);
		return r;
	}
	s.rout = s.rin + (s.words ? s.words : 1);
	s.rex = s.rout + (s.words ? s.words : 1);
	struct select_scan_args args = { &s, nfds };
	r = wait_ready(select_scan_cb, &args, d);
	if (r >= 0) {
		long e = copy_set_out(uin, s.rin, s.words);
		if (!e)
			e = copy_set_out(uout, s.rout, s.words);
		if (!e)
			e = copy_set_out(uex, s.rex, s.words);
		if (e)
			r = e;
	}
	free_sets(&s);
	return r;
}

/* Linux select(2): the timeval holds the time left afterwards. */
int64_t lx_sys_select(struct lx_syscall *sc)
{
	uint64_t utv = (uint64_t)sc->arg[4];
	struct poll_deadline d = { -1 };
	int64_t start = now_ns();
	long r;

	if (utv) {
		struct lx_timeval tv;
		if (lx_copy_from_user(&tv, utv, sizeof(tv)))
			return -LX_EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -LX_EINVAL;
		/* poll_select_set_timeout takes the microseconds as they are,
		 * beyond a second too. */
		if (tv.tv_sec + tv.tv_usec / 1000000 < INT64_MAX / 1000000000LL / 2)
			d.at_ns = start + tv.tv_sec * 1000000000LL + tv.tv_usec * 1000;
	}
	r = do_select((int)sc->arg[0], (uint64_t)sc->arg[1], (uint64_t)sc->arg[2],
	              (uint64_t)sc->arg[3], &d);
	write_back_left(&d, start, utv, true);
	return r;
}

/* Linux pselect6(2): the sixth argument points at { sigset pointer, size }. */
int64_t lx_sys_pselect6(struct lx_syscall *sc)
{
	uint64_t uts = (uint64_t)sc->arg[4], usig = (uint64_t)sc->arg[5];
	struct { uint64_t set; uint64_t size; } sig = { 0, 0 };
	struct poll_deadline d;
	struct sigmask_swap swap;
	int64_t start;
	long r;

	r = deadline_from_timespec(uts, &d, &start);
	if (r)
		return r;
	if (usig && lx_copy_from_user(&sig, usig, sizeof(sig)))
		return -LX_EFAULT;
	r = sigmask_apply(&swap, sig.set, (size_t)sig.size);
	if (r)
		return r;
	r = do_select((int)sc->arg[0], (uint64_t)sc->arg[1], (uint64_t)sc->arg[2],
	              (uint64_t)sc->arg[3], &d);
	sigmask_restore(&swap);
	write_back_left(&d, start, uts, false);
	return r;
}
