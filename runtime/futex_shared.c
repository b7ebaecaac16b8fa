/*
 * Futexes in shared memory (futex.h): one table of waiters for the whole
 * instance, in a named section, under a named mutex (both named through
 * lx_instance_object_name).  A waiter's slot holds its key, (section
 * identity, offset) as get_futex_key() makes (inode, offset), and the
 * name of an event that only the waiter holds open; a waker opens that
 * event by name to set it.
 *
 * Nothing is lost between a waiter's check of the word and its sleep: the
 * waiter reads the word and fills its slot with the table locked, and a
 * waker, who changed the word before, wakes with the table locked.  As in
 * futex.c, a waiter counts itself before it reads the word, so that a
 * waker that sees no waiters takes no lock.
 *
 * A process that dies while it waits leaves its slot behind, but not its
 * event: Windows destroys a named object with its last handle.  A waker
 * that cannot open a slot's event frees the slot and does not count it,
 * so the dead never take a wake-up from the living; a named mutex
 * abandoned by a dead owner passes to the next waiter of the mutex.
 */
#include <windows.h>
#include <wchar.h>

#include "lx.h"
#include "futex.h"
#include "instance.h"
#include "signal.h"

#define SHARED_SLOTS 1024

enum { SLOT_FREE, SLOT_WAITING, SLOT_WOKEN };

struct shared_slot {
	uint64_t id, off;     /* the key; requeue changes it */
	uint64_t seq;         /* with pid, names the waiter's event */
	uint32_t pid;         /* Windows pid of the waiter */
	uint32_t bitset;
	volatile LONG state;  /* SLOT_*, written last when a slot is filled */
	uint32_t pad;
};

struct shared_table {
	volatile LONG waiters; /* slots in use, or about to be */
	uint32_t pad;
	struct shared_slot slot[SHARED_SLOTS];
};

static struct shared_table *table;
static HANDLE table_mutex;
static INIT_ONCE table_once = INIT_ONCE_STATIC_INIT;
static volatile LONG64 event_seq;

/* Opens (or creates, zeroed) the instance's table and its mutex; they
 * stay open for the life of the process. */
static BOOL CALLBACK open_table(INIT_ONCE *once, void *param, void **ctx)
{
	wchar_t name[160];
	HANDLE sec;

	(void)once; (void)param; (void)ctx;
	if (!lx_instance_object_name(L"futex-table", name, 160))
		return FALSE;
	sec = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
	                         sizeof(struct shared_table), name);
	if (!sec)
		return FALSE;
	/* The handle stays open: a name lives only as long as a handle does
	 * (a view keeps the section, not its name). */
	table = MapViewOfFile(sec, FILE_MAP_WRITE, 0, 0, sizeof(struct shared_table));
	if (!table) {
		CloseHandle(sec);
		return FALSE;
	}
	if (!lx_instance_object_name(L"futex-lock", name, 160) ||
	    !(table_mutex = CreateMutexW(NULL, FALSE, name))) {
		UnmapViewOfFile(table);
		table = NULL;
		return FALSE;
	}
	return TRUE;
}

static bool table_ready(void)
{
	InitOnceExecuteOnce(&table_once, open_table, NULL, NULL);
	return table != NULL;
}

/* An owner that died holding the mutex leaves it abandoned; the table is
 * still whole, as each slot is filled before its state says so. */
static void table_lock(void)
{
	WaitForSingleObject(table_mutex, INFINITE);
}

static void table_unlock(void)
{
	ReleaseMutex(table_mutex);
}

static bool event_name(uint32_t pid, uint64_t seq, wchar_t *out, size_t cap)
{
	wchar_t what[48];

	swprintf(what, 48, L"futex-%x-%llx", pid, (unsigned long long)seq);
	return lx_instance_object_name(what, out, cap);
}

static void free_slot(struct shared_slot *s)
{
	s->state = SLOT_FREE;
	InterlockedDecrement(&table->waiters);
}

/* Opens the event of slot s's waiter; NULL if it cannot, and *gone if
 * that is because the waiter's process is gone (its event with it). */
static HANDLE open_slot_event(const struct shared_slot *s, DWORD access, bool *gone)
{
	wchar_t name[160];
	HANDLE ev = NULL;

	*gone = false;
	if (event_name(s->pid, s->seq, name, 160)) {
		ev = OpenEventW(access, FALSE, name);
		*gone = !ev && GetLastError() == ERROR_FILE_NOT_FOUND;
	}
	return ev;
}

/* Wakes the waiter of slot s; false if it cannot, the slot freed if its
 * process is gone.  Only then may a slot be freed by another than its
 * waiter, who frees it itself at the end of the wait.  Table locked. */
static bool wake_slot(struct shared_slot *s)
{
	bool gone;
	HANDLE ev = open_slot_event(s, EVENT_MODIFY_STATE, &gone);

	if (!ev) {
		if (gone)
			free_slot(s);
		return false;
	}
	s->state = SLOT_WOKEN;
	SetEvent(ev);
	CloseHandle(ev);
	return true;
}

/* Frees the slots whose waiters' processes are gone.  Table locked. */
static void reap_dead(void)
{
	for (int i = 0; i < SHARED_SLOTS; i++) {
		struct shared_slot *s = &table->slot[i];
		bool gone;
		HANDLE ev;
		if (s->state == SLOT_FREE)
			continue;
		ev = open_slot_event(s, SYNCHRONIZE, &gone);
		if (ev)
			CloseHandle(ev);
		else if (gone)
			free_slot(s);
	}
}

static struct shared_slot *find_free_slot(void)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < SHARED_SLOTS; i++)
			if (table->slot[i].state == SLOT_FREE)
				return &table->slot[i];
		reap_dead();
	}
	return NULL;
}

static bool key_is(const struct shared_slot *s, const struct lx_futex_key *k)
{
	return s->id == k->id && s->off == k->off;
}

/* Checks the word and queues a slot for the calling thread, or says why
 * not.  Returns the slot or NULL with *err set. */
static struct shared_slot *queue_self(const struct lx_futex_key *k, uint64_t uaddr, uint32_t val,
                                      uint32_t bitset, uint64_t seq, long *err)
{
	struct shared_slot *s = NULL;
	uint32_t cur;

	InterlockedIncrement(&table->waiters);
	table_lock();
	*err = lx_get_user32(&cur, uaddr);
	if (*err == 0 && cur != val)
		*err = -LX_EAGAIN;
	if (*err == 0 && !(s = find_free_slot()))
		*err = -LX_ENOMEM; /* SHARED_SLOTS waiters at once (docs/runtime.md) */
	if (s) {
		s->id = k->id;
		s->off = k->off;
		s->seq = seq;
		s->pid = GetCurrentProcessId();
		s->bitset = bitset;
		s->state = SLOT_WAITING;
	}
	table_unlock();
	if (!s)
		InterlockedDecrement(&table->waiters);
	return s;
}

long lx_futex_shared_wait(const struct lx_futex_key *k, uint64_t uaddr, uint32_t val,
                          uint32_t bitset, const struct lx_futex_deadline *d)
{
	uint64_t seq = (uint64_t)InterlockedIncrement64(&event_seq);
	wchar_t name[160];
	HANDLE ev;
	struct shared_slot *s;
	long r;

	if (!table_ready() || !event_name(GetCurrentProcessId(), seq, name, 160))
		return -LX_ENOMEM;
	ev = CreateEventW(NULL, TRUE, FALSE, name);
	if (!ev)
		return -LX_ENOMEM;
	s = queue_self(k, uaddr, val, bitset, seq, &r);
	while (s) {
		int64_t ms = lx_futex_ms_left(d);
		r = ms == 0 ? -LX_ETIMEDOUT : lx_wait_interruptible(1, &ev, ms);
		table_lock();
		if (s->state == SLOT_WOKEN) {
			free_slot(s);
			r = 0;
			break;
		}
		/* futex(2) never times out early (futex.c says why it might). */
		if (r >= 0 || (r == -LX_ETIMEDOUT && lx_futex_ms_left(d) != 0)) {
			table_unlock();
			continue;
		}
		free_slot(s);
		/* As futex.c: a timed wait is EINTR once a handler ran. */
		if (r == -LX_ERESTARTSYS && d->set)
			r = -LX_ERESTARTNOHAND;
		break;
	}
	if (s)
		table_unlock();
	CloseHandle(ev);
	return r;
}

long lx_futex_shared_wake_locked(const struct lx_futex_key *k, int n, uint32_t bitset)
{
	long woken = 0;

	for (int i = 0; i < SHARED_SLOTS; i++) {
		struct shared_slot *s = &table->slot[i];
		if (s->state != SLOT_WAITING || !key_is(s, k) || !(s->bitset & bitset))
			continue;
		/* As futex_wake() counts, n <= 0 still wakes one. */
		if (wake_slot(s) && ++woken >= n)
			break;
	}
	return woken;
}

long lx_futex_shared_wake(const struct lx_futex_key *k, int n, uint32_t bitset)
{
	long woken;

	if (!table_ready())
		return -LX_ENOMEM;
	if (!table->waiters)
		return 0;
	table_lock();
	woken = lx_futex_shared_wake_locked(k, n, bitset);
	table_unlock();
	return woken;
}

long lx_futex_shared_requeue(const struct lx_futex_key *k1, const struct lx_futex_key *k2,
                             uint64_t uaddr, int nr_wake, int nr_requeue, const uint32_t *cmpval)
{
	long woken = 0, moved = 0, r = 0;
	uint32_t cur;

	if (!table_ready())
		return -LX_ENOMEM;
	table_lock();
	if (cmpval) {
		r = lx_get_user32(&cur, uaddr);
		if (r == 0 && cur != *cmpval)
			r = -LX_EAGAIN;
	}
	for (int i = 0; r == 0 && i < SHARED_SLOTS; i++) {
		struct shared_slot *s = &table->slot[i];
		if (s->state != SLOT_WAITING || !key_is(s, k1))
			continue;
		if (woken < nr_wake) {
			woken += wake_slot(s);
			continue;
		}
		if (moved >= nr_requeue)
			break;
		s->id = k2->id;
		s->off = k2->off;
		moved++;
	}
	table_unlock();
	return r < 0 ? r : woken + moved;
}

long lx_futex_shared_locked(long (*op)(void *), void *arg)
{
	long r;

	if (!table_ready())
		return -LX_ENOMEM;
	table_lock();
	r = op(arg);
	table_unlock();
	return r;
}
