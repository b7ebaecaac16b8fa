/*
 * futex(2) (kernel/futex/): a hash table of waiters keyed by the guest
 * address of the futex word.  Each waiter sleeps on its thread's own
 * auto-reset event through lx_wait_interruptible, so that a signal
 * interrupts the wait.
 *
 * Private futexes, and shared ones outside shared memory, are keyed by the
 * address, as get_futex_key() keys both by (mm, address).  A shared
 * futex in shared memory (MAP_SHARED anonymous, runtime/mman_shm.c) is
 * keyed by (section, offset) and its waiters are in the instance's table
 * of futex_shared.c, where any process can wake them; the private path
 * does not look there.
 *
 * Ordering (kernel/futex/waitwake.c): a waiter counts itself in its
 * bucket before it takes the bucket lock and reads the word; a waker
 * changes the word (a locked instruction in guest code) before it reads the
 * count.  So a waker that sees no waiters cannot miss one that would sleep
 * on the old value, and an uncontended FUTEX_WAKE takes no lock.
 */
#include <windows.h>

#include "clock.h"
#include "futex.h"
#include "lxnt/linux/time.h"
#include "mman.h"
#include "signal.h"
#include "syscall_table.h"

#define LX_FUTEX_WAIT            0
#define LX_FUTEX_WAKE            1
#define LX_FUTEX_REQUEUE         3
#define LX_FUTEX_CMP_REQUEUE     4
#define LX_FUTEX_WAKE_OP         5
#define LX_FUTEX_WAIT_BITSET     9
#define LX_FUTEX_WAKE_BITSET     10
#define LX_FUTEX_PRIVATE_FLAG    128
#define LX_FUTEX_CLOCK_REALTIME  256
#define LX_FUTEX_BITSET_MATCH_ANY 0xffffffffu

struct futex_waiter {
	struct futex_waiter *next, **pprev;
	uint64_t key;           /* guest address; changes under both bucket locks (requeue) */
	uint32_t bitset;
	bool woken;             /* set by the waker, under the bucket lock, as it unlinks */
	HANDLE event;
};

struct futex_bucket {
	SRWLOCK lock;
	volatile LONG waiters;  /* queued, or about to queue (see above) */
	struct futex_waiter *head;
};

#define FUTEX_BUCKETS 256 /* a power of two */

/* Zero is SRWLOCK_INIT, an empty list and no waiters. */
static struct futex_bucket buckets[FUTEX_BUCKETS];

static struct futex_bucket *bucket_of(uint64_t key)
{
	return &buckets[((key >> 2) * 0x9e3779b97f4a7c15ULL) >> 56 & (FUTEX_BUCKETS - 1)];
}

static void enqueue(struct futex_bucket *b, struct futex_waiter *w)
{
	w->next = b->head;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = &b->head;
	b->head = w;
}

static void unlink_waiter(struct futex_waiter *w)
{
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
}

/* Unlinks w and wakes its thread; bucket lock held. */
static void wake_waiter(struct futex_bucket *b, struct futex_waiter *w)
{
	unlink_waiter(w);
	InterlockedDecrement(&b->waiters);
	w->woken = true;
	SetEvent(w->event);
}

/* Up to n waiters of key whose bitset meets bitset; bucket lock held.  As
 * futex_wake() counts, n <= 0 still wakes one. */
static long wake_locked(struct futex_bucket *b, uint64_t key, int n, uint32_t bitset)
{
	long woken = 0;

	for (struct futex_waiter *w = b->head, *next; w; w = next) {
		next = w->next;
		if (w->key != key || !(w->bitset & bitset))
			continue;
		wake_waiter(b, w);
		if (++woken >= n)
			break;
	}
	return woken;
}

static long wake(uint64_t key, int n, uint32_t bitset)
{
	struct futex_bucket *b = bucket_of(key);

	if (!b->waiters)
		return 0;
	AcquireSRWLockExclusive(&b->lock);
	long woken = wake_locked(b, key, n, bitset);
	ReleaseSRWLockExclusive(&b->lock);
	return woken;
}

/* The key of a shared futex in shared memory; false for any other. */
static bool shared_key(uint64_t uaddr, struct lx_futex_key *k)
{
	return lx_mm_shared_key(uaddr, &k->id, &k->off);
}

/* Thread exit wakes as the kernel does, with a shared key. */
long lx_futex_wake(uint64_t uaddr, int n)
{
	struct lx_futex_key k;

	if (shared_key(uaddr, &k))
		return lx_futex_shared_wake(&k, n, LX_FUTEX_BITSET_MATCH_ANY);
	return wake(uaddr, n, LX_FUTEX_BITSET_MATCH_ANY);
}

/* Locks the bucket w is queued in now; requeue may move it meanwhile. */
static struct futex_bucket *lock_waiter_bucket(struct futex_waiter *w)
{
	for (;;) {
		uint64_t key = __atomic_load_n(&w->key, __ATOMIC_ACQUIRE);
		struct futex_bucket *b = bucket_of(key);
		AcquireSRWLockExclusive(&b->lock);
		if (w->key == key)
			return b;
		ReleaseSRWLockExclusive(&b->lock);
	}
}

static int64_t now_ns(int clock)
{
	return clock == LX_CLOCK_REALTIME ? lx_clock_realtime_ns() : lx_clock_monotonic_ns();
}

/* A day: longer waits are made of several, so that the millisecond count
 * stays far from the 32 bits of a Windows timeout. */
#define MAX_WAIT_MS (24 * 3600 * 1000LL)

/* Milliseconds to wait for: -1 for ever, 0 once the deadline has passed,
 * else rounded up so that the wait never ends early. */
int64_t lx_futex_ms_left(const struct lx_futex_deadline *d)
{
	if (!d->set)
		return -1;
	int64_t left = d->ns - now_ns(d->clock);
	if (left <= 0)
		return 0;
	int64_t ms = left / 1000000 + (left % 1000000 != 0);
	return ms < MAX_WAIT_MS ? ms : MAX_WAIT_MS;
}

/* FUTEX_WAIT and FUTEX_WAIT_BITSET (futex_wait()). */
static long futex_wait(uint64_t uaddr, uint32_t val, uint32_t bitset, const struct lx_futex_deadline *d)
{
	struct lx_thread *self = lx_current_thread();
	struct futex_waiter w = { .key = uaddr, .bitset = bitset, .event = self->futex_event };
	struct futex_bucket *b = bucket_of(uaddr);
	uint32_t cur;
	long r;

	InterlockedIncrement(&b->waiters);
	AcquireSRWLockExclusive(&b->lock);
	r = lx_get_user32(&cur, uaddr);
	if (r == 0 && cur != val)
		r = -LX_EAGAIN;
	if (r < 0) {
		ReleaseSRWLockExclusive(&b->lock);
		InterlockedDecrement(&b->waiters);
		return r;
	}
	/* A wake that raced with the end of this thread's previous wait may
	 * have left the event set. */
	ResetEvent(w.event);
	enqueue(b, &w);
	ReleaseSRWLockExclusive(&b->lock);

	for (;;) {
		int64_t ms = lx_futex_ms_left(d);
		r = ms == 0 ? -LX_ETIMEDOUT : lx_wait_interruptible(1, &w.event, ms);
		b = lock_waiter_bucket(&w);
		if (w.woken) {
			ReleaseSRWLockExclusive(&b->lock);
			return 0;
		}
		/* The millisecond wait can end a little before the clock of the
		 * deadline says so; futex(2) never times out early. */
		if (r >= 0 || (r == -LX_ETIMEDOUT && lx_futex_ms_left(d) != 0)) {
			ReleaseSRWLockExclusive(&b->lock);
			continue;
		}
		unlink_waiter(&w);
		InterlockedDecrement(&b->waiters);
		ReleaseSRWLockExclusive(&b->lock);
		/* Interrupted (futex_wait()): an untimed wait restarts after a
		 * handler with SA_RESTART; a timed one is EINTR once a handler
		 * ran and restarts otherwise, where Linux goes through a restart
		 * block that keeps the deadline: here a relative timeout starts
		 * anew. */
		if (r == -LX_ERESTARTSYS && d->set)
			r = -LX_ERESTARTNOHAND;
		return r;
	}
}

static void lock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (a == b) {
		AcquireSRWLockExclusive(&a->lock);
	} else if (a < b) {
		AcquireSRWLockExclusive(&a->lock);
		AcquireSRWLockExclusive(&b->lock);
	} else {
		AcquireSRWLockExclusive(&b->lock);
		AcquireSRWLockExclusive(&a->lock);
	}
}

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	ReleaseSRWLockExclusive(&a->lock);
	if (a != b)
		ReleaseSRWLockExclusive(&b->lock);
}

/*
 * FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (futex_requeue()): wakes up to
 * nr_wake waiters of uaddr and moves up to nr_requeue others to uaddr2;
 * returns how many it woke plus, for CMP_REQUEUE, how many it moved.
 */
static long futex_requeue(uint64_t uaddr, uint64_t uaddr2, int nr_wake, int nr_requeue,
                          const uint32_t *cmpval)
{
	struct futex_bucket *b1 = bucket_of(uaddr), *b2 = bucket_of(uaddr2);
	long woken = 0, moved = 0;
	uint32_t cur;

	if (nr_wake < 0 || nr_requeue < 0)
		return -LX_EINVAL;
	lock_two(b1, b2);
	if (cmpval) {
		long r = lx_get_user32(&cur, uaddr);
		if (r == 0 && cur != *cmpval)
			r = -LX_EAGAIN;
		if (r < 0) {
			unlock_two(b1, b2);
			return r;
		}
	}
	for (struct futex_waiter *w = b1->head, *next; w; w = next) {
		next = w->next;
		if (w->key != uaddr)
			continue;
		if (woken < nr_wake) {
			wake_waiter(b1, w);
			woken++;
			continue;
		}
		if (moved >= nr_requeue)
			break;
		moved++;
		if (b1 == b2) {
			__atomic_store_n(&w->key, uaddr2, __ATOMIC_RELEASE);
			continue;
		}
		unlink_waiter(w);
		InterlockedDecrement(&b1->waiters);
		__atomic_store_n(&w->key, uaddr2, __ATOMIC_RELEASE);
		InterlockedIncrement(&b2->waiters);
		enqueue(b2, w);
	}
	unlock_two(b1, b2);
	return woken + moved;
}

/* The operation of FUTEX_WAKE_OP (futex_atomic_op_inuser()). */
static long wake_op_apply(uint32_t encoded, uint64_t uaddr2, uint32_t *oldval)
{
	unsigned op = (encoded >> 28) & 7;
	uint32_t oparg = (uint32_t)((int32_t)(encoded << 8) >> 20); /* 12 bits, sign-extended */
	uint32_t next;

	/* FUTEX_OP_OPARG_SHIFT: the kernel keeps the low five bits of a
	 * shift out of range. */
	if (encoded & (8u << 28))
		oparg = 1u << (oparg & 31);
	if (op > 4)
		return -LX_ENOSYS;
	long r = lx_get_user32(oldval, uaddr2);
	while (r == 0) {
		switch (op) {
		case 0: next = oparg; break;              /* SET */
		case 1: next = *oldval + oparg; break;    /* ADD */
		case 2: next = *oldval | oparg; break;    /* OR */
		case 3: next = *oldval & ~oparg; break;   /* ANDN */
		default: next = *oldval ^ oparg; break;   /* XOR */
		}
		r = lx_cmpxchg_user32(uaddr2, oldval, next);
		if (r == 1)
			r = 0; /* changed under us: *oldval holds the new value, again */
		else
			break;
	}
	return r;
}

static long wake_op_compare(uint32_t encoded, uint32_t oldval, bool *match)
{
	unsigned cmp = (encoded >> 24) & 15;
	int32_t cmparg = (int32_t)(encoded << 20) >> 20;
	int32_t v = (int32_t)oldval;

	switch (cmp) {
	case 0: *match = v == cmparg; return 0;
	case 1: *match = v != cmparg; return 0;
	case 2: *match = v < cmparg; return 0;
	case 3: *match = v <= cmparg; return 0;
	case 4: *match = v > cmparg; return 0;
	case 5: *match = v >= cmparg; return 0;
	default: return -LX_ENOSYS;
	}
}

/* FUTEX_WAKE_OP (futex_wake_op()). */
static long futex_wake_op(uint64_t uaddr, uint64_t uaddr2, int nr_wake, int nr_wake2,
                          uint32_t encoded)
{
	struct futex_bucket *b1 = bucket_of(uaddr), *b2 = bucket_of(uaddr2);
	uint32_t oldval;
	bool match = false;
	long r, woken;

	lock_two(b1, b2);
	r = wake_op_apply(encoded, uaddr2, &oldval);
	if (r == 0)
		r = wake_op_compare(encoded, oldval, &match);
	if (r < 0) {
		unlock_two(b1, b2);
		return r;
	}
	woken = wake_locked(b1, uaddr, nr_wake, LX_FUTEX_BITSET_MATCH_ANY);
	if (match)
		woken += wake_locked(b2, uaddr2, nr_wake2, LX_FUTEX_BITSET_MATCH_ANY);
	unlock_two(b1, b2);
	return woken;
}

/* FUTEX_WAKE_OP where either word is in shared memory: the change of the
 * word and the wakes happen with the instance's table locked. */
struct shared_wake_op {
	uint64_t uaddr, uaddr2;
	const struct lx_futex_key *k1, *k2; /* NULL: a process-local key */
	int nr_wake, nr_wake2;
	uint32_t encoded;
};

static long wake_one_key(const struct lx_futex_key *k, uint64_t uaddr, int n)
{
	if (k)
		return lx_futex_shared_wake_locked(k, n, LX_FUTEX_BITSET_MATCH_ANY);
	return wake(uaddr, n, LX_FUTEX_BITSET_MATCH_ANY);
}

static long shared_wake_op(void *arg)
{
	const struct shared_wake_op *o = arg;
	uint32_t oldval;
	bool match = false;
	long r = wake_op_apply(o->encoded, o->uaddr2, &oldval);

	if (r == 0)
		r = wake_op_compare(o->encoded, oldval, &match);
	if (r < 0)
		return r;
	long woken = wake_one_key(o->k1, o->uaddr, o->nr_wake);
	if (match)
		woken += wake_one_key(o->k2, o->uaddr2, o->nr_wake2);
	return woken;
}

/* Says that no word of a wake operation is in shared memory. */
#define NOT_SHARED LONG_MIN

static long shared_op_do(int cmd, const struct lx_syscall *sc, uint64_t uaddr, uint64_t uaddr2,
                         int val2, uint32_t val3)
{
	struct lx_futex_key k1, k2;
	bool s1 = shared_key(uaddr, &k1), s2 = false;
	int val = (int)sc->arg[2];

	switch (cmd) {
	case LX_FUTEX_WAKE:
	case LX_FUTEX_WAKE_BITSET:
		return s1 ? lx_futex_shared_wake(&k1, val, val3) : NOT_SHARED;
	case LX_FUTEX_REQUEUE:
	case LX_FUTEX_CMP_REQUEUE:
		s2 = shared_key(uaddr2, &k2);
		if (!s1 && !s2)
			return NOT_SHARED;
		if (s1 != s2)
			return -LX_EINVAL; /* between the tables: docs/runtime.md */
		if (val < 0 || val2 < 0)
			return -LX_EINVAL;
		return lx_futex_shared_requeue(&k1, &k2, uaddr, val, val2,
		                               cmd == LX_FUTEX_CMP_REQUEUE ? &val3 : NULL);
	case LX_FUTEX_WAKE_OP: {
		s2 = shared_key(uaddr2, &k2);
		if (!s1 && !s2)
			return NOT_SHARED;
		struct shared_wake_op o = { uaddr, uaddr2, s1 ? &k1 : NULL, s2 ? &k2 : NULL,
		                            val, val2, val3 };
		return lx_futex_shared_locked(shared_wake_op, &o);
	}
	default:
		return NOT_SHARED;
	}
}

/* The wake operations of a shared futex whose word (or either word) is
 * in shared memory; false, with nothing done, if none is. */
static bool shared_op(int cmd, const struct lx_syscall *sc, uint64_t uaddr, uint64_t uaddr2,
                      int val2, uint32_t val3, long *r)
{
	*r = shared_op_do(cmd, sc, uaddr, uaddr2, val2, val3);
	return *r != NOT_SHARED;
}

/* The timeout argument (futex_init_timeout()): relative on CLOCK_MONOTONIC
 * for FUTEX_WAIT, absolute on the chosen clock for FUTEX_WAIT_BITSET. */
static long read_deadline(uint64_t p, int cmd, int clock, struct lx_futex_deadline *d)
{
	struct lx_timespec ts;

	*d = (struct lx_futex_deadline){ .set = false };
	if (!p)
		return 0;
	if (lx_copy_from_user(&ts, p, sizeof(ts)) < 0)
		return -LX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000LL)
		return -LX_EINVAL;
	int64_t ns = ts.tv_sec > INT64_MAX / 1000000000LL - 1 ? INT64_MAX
	                                                       : ts.tv_sec * 1000000000LL + ts.tv_nsec;
	d->set = true;
	d->clock = clock;
	if (cmd == LX_FUTEX_WAIT) {
		int64_t now = now_ns(clock);
		ns = ns > INT64_MAX - now ? INT64_MAX : ns + now;
	}
	d->ns = ns;
	return 0;
}

/* A futex address: 4-byte aligned (EINVAL); a shared futex must also be
 * mapped (get_futex_key() pins its page: EFAULT). */
static long check_key(uint64_t uaddr, bool shared)
{
	uint32_t v;

	if (uaddr & 3)
		return -LX_EINVAL;
	if (shared && lx_get_user32(&v, uaddr) < 0)
		return -LX_EFAULT;
	return 0;
}

/* Linux futex(2): uaddr, op, val, timeout or val2, uaddr2, val3. */
int64_t lx_sys_futex(struct lx_syscall *sc)
{
	uint64_t uaddr = (uint64_t)sc->arg[0], uaddr2 = (uint64_t)sc->arg[4];
	int op = (int)sc->arg[1], cmd = op & ~(LX_FUTEX_PRIVATE_FLAG | LX_FUTEX_CLOCK_REALTIME);
	uint32_t val = (uint32_t)sc->arg[2], val3 = (uint32_t)sc->arg[5];
	int val2 = (int)sc->arg[3]; /* the timeout argument, as a count */
	bool shared = !(op & LX_FUTEX_PRIVATE_FLAG);
	int clock = op & LX_FUTEX_CLOCK_REALTIME ? LX_CLOCK_REALTIME : LX_CLOCK_MONOTONIC;
	struct lx_futex_deadline d;
	long r;

	/* do_futex(): only the bitset wait takes a realtime clock. */
	if ((op & LX_FUTEX_CLOCK_REALTIME) && cmd != LX_FUTEX_WAIT_BITSET)
		return -LX_ENOSYS;
	switch (cmd) {
	case LX_FUTEX_WAIT:
		val3 = LX_FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case LX_FUTEX_WAIT_BITSET:
		if ((r = read_deadline((uint64_t)sc->arg[3], cmd, clock, &d)) < 0)
			return r;
		if (!val3)
			return -LX_EINVAL;
		if (uaddr & 3)
			return -LX_EINVAL;
		if (shared) {
			struct lx_futex_key k;
			if (shared_key(uaddr, &k))
				return lx_futex_shared_wait(&k, uaddr, val, val3, &d);
		}
		return futex_wait(uaddr, val, val3, &d);
	case LX_FUTEX_WAKE:
		val3 = LX_FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case LX_FUTEX_WAKE_BITSET:
		if (!val3)
			return -LX_EINVAL;
		if ((r = check_key(uaddr, shared)) < 0)
			return r;
		if (shared && shared_op(cmd, sc, uaddr, uaddr2, val2, val3, &r))
			return r;
		return wake(uaddr, (int)val, val3);
	case LX_FUTEX_REQUEUE:
	case LX_FUTEX_CMP_REQUEUE:
		if ((r = check_key(uaddr, shared)) < 0 || (r = check_key(uaddr2, shared)) < 0)
			return r;
		if (shared && shared_op(cmd, sc, uaddr, uaddr2, val2, val3, &r))
			return r;
		return futex_requeue(uaddr, uaddr2, (int)val, val2,
		                     cmd == LX_FUTEX_CMP_REQUEUE ? &val3 : NULL);
	case LX_FUTEX_WAKE_OP:
		if ((r = check_key(uaddr, shared)) < 0 || (r = check_key(uaddr2, shared)) < 0)
			return r;
		if (shared && shared_op(cmd, sc, uaddr, uaddr2, val2, val3, &r))
			return r;
		return futex_wake_op(uaddr, uaddr2, (int)val, val2, val3);
	default:
		/* FUTEX_FD (gone since 2.6.26), the PI operations. */
		return -LX_ENOSYS;
	}
}
