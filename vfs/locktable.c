/*
 * The instance's lock table (vfs/locks.h): one named section of fixed
 * size, guarded by one named mutex, shared by every process of the
 * instance; owners' liveness objects; the waiters' events.
 *
 * An owner (a process for POSIX locks, an open file description for OFD
 * and flock locks) is alive while its liveness object exists: a named
 * event that every process holding the owner keeps a handle to.  Windows
 * closes a process's handles however it ends, TerminateProcess included,
 * and a named object goes with its last handle, so a dead owner's locks
 * are recognised by whoever meets them next and dropped.
 */
#include <windows.h>
#include <stddef.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "locks.h"
#include "instance.h"

_Static_assert(sizeof(struct lx_lock_entry) == 56, "docs/formats.md, The lock table");
_Static_assert(sizeof(struct lx_lock_waiter) == 48, "docs/formats.md, The lock table");
_Static_assert(offsetof(struct lx_lock_table, entries) == 24, "docs/formats.md");
_Static_assert(offsetof(struct lx_lock_table, waiters) == 229400, "docs/formats.md");

static HANDLE table_section, table_mutex;
static struct lx_lock_table *table;
static SRWLOCK map_lock = SRWLOCK_INIT;
static HANDLE wait_events[LX_LOCK_WAITERS];

static void hex64(wchar_t *out, uint64_t v)
{
	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = L"0123456789abcdef"[v & 15];
	out[16] = 0;
}

/* Maps the section (creating it when create is set) and opens the mutex;
 * called with map_lock held. */
static bool map_table(bool create)
{
	wchar_t name[128];

	if (table)
		return true;
	if (!table_section) {
		if (!lx_instance_object_name(L"locks", name, 128))
			return false;
		table_section = create ? CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
		                                            0, sizeof(struct lx_lock_table), name)
		                       : OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, name);
		if (!table_section)
			return false;
	}
	if (!lx_instance_object_name(L"locks-mutex", name, 128))
		return false;
	table_mutex = CreateMutexW(NULL, FALSE, name);
	if (!table_mutex)
		return false;
	table = MapViewOfFile(table_section, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(*table));
	if (!table) {
		CloseHandle(table_mutex);
		table_mutex = NULL;
		return false;
	}
	return true;
}

static bool map_once(bool create)
{
	bool ok;

	AcquireSRWLockExclusive(&map_lock);
	ok = map_table(create);
	ReleaseSRWLockExclusive(&map_lock);
	return ok;
}

bool lx_locktable_exists(void)
{
	return table || map_once(false);
}

/* The handle alone keeps the section alive; it is mapped at first use. */
void lx_locktable_adopt(void *section)
{
	AcquireSRWLockExclusive(&map_lock);
	if (!table_section)
		table_section = section;
	else
		CloseHandle(section);
	ReleaseSRWLockExclusive(&map_lock);
}

void *lx_locktable_section(void)
{
	return table_section;
}

struct lx_lock_table *lx_locktable_enter(void)
{
	if (!table && !map_once(true))
		return NULL;
	/* WAIT_ABANDONED: a process died inside; every change leaves the
	 * table well-formed (an entry is taken by writing its owner last),
	 * and a dead owner's entries go at the next look. */
	DWORD r = WaitForSingleObject(table_mutex, INFINITE);
	if (r != WAIT_OBJECT_0 && r != WAIT_ABANDONED)
		return NULL;
	if (table->magic != LX_LOCK_MAGIC) { /* a new section is zeroed */
		table->size = sizeof(*table);
		table->magic = LX_LOCK_MAGIC;
	}
	return table;
}

void lx_locktable_leave(void)
{
	ReleaseMutex(table_mutex);
}

struct lx_lock_entry *lx_locktable_alloc(struct lx_lock_table *t)
{
	for (uint32_t i = 0; i < t->hiwater; i++)
		if (!t->entries[i].owner) {
			memset(&t->entries[i], 0, sizeof(t->entries[i]));
			return &t->entries[i];
		}
	if (t->hiwater >= LX_LOCK_ENTRIES)
		return NULL;
	memset(&t->entries[t->hiwater], 0, sizeof(t->entries[0]));
	return &t->entries[t->hiwater++];
}

void lx_locktable_free(struct lx_lock_table *t, struct lx_lock_entry *e)
{
	if (e->kind != LX_LOCK_POSIX && t->nshared)
		t->nshared--;
	e->owner = 0;
	while (t->hiwater && !t->entries[t->hiwater - 1].owner)
		t->hiwater--;
}

unsigned lx_locktable_room(struct lx_lock_table *t, unsigned want)
{
	unsigned n = LX_LOCK_ENTRIES - t->hiwater;

	for (uint32_t i = 0; i < t->hiwater && n < want; i++)
		if (!t->entries[i].owner)
			n++;
	return n;
}

static bool owner_name(uint64_t id, wchar_t *name, size_t cap)
{
	wchar_t what[24] = L"lock-";

	hex64(what + 5, id);
	return lx_instance_object_name(what, name, cap);
}

long lx_lock_owner_new(uint64_t *id, void **object)
{
	wchar_t name[128];

	/* Whoever holds an owner holds the table: it must not vanish while
	 * a lock it may hold is in it. */
	if (!table && !map_once(true))
		return -LX_ENOLCK;

	for (int tries = 0; tries < 8; tries++) {
		uint64_t v = 0;
		if (!lx_random_bytes(&v, sizeof(v)))
			return -LX_ENOLCK;
		if (!v || !owner_name(v, name, 128))
			continue;
		HANDLE h = CreateEventW(NULL, TRUE, FALSE, name);
		if (!h)
			return lx_errno_from_win32(GetLastError());
		if (GetLastError() == ERROR_ALREADY_EXISTS) { /* taken: draw again */
			CloseHandle(h);
			continue;
		}
		*id = v;
		*object = h;
		return 0;
	}
	return -LX_ENOLCK;
}

bool lx_lock_owner_alive(uint64_t id)
{
	wchar_t name[128];

	if (!owner_name(id, name, 128))
		return true;
	HANDLE h = OpenEventW(SYNCHRONIZE, FALSE, name);
	if (h) {
		CloseHandle(h);
		return true;
	}
	/* Only "no such object" proves death; anything else (access denied)
	 * means the object is there. */
	DWORD err = GetLastError();
	return err != ERROR_FILE_NOT_FOUND && err != ERROR_PATH_NOT_FOUND;
}

void lx_locktable_purge(struct lx_lock_table *t, uint64_t owner)
{
	for (uint32_t i = 0; i < t->hiwater; i++) {
		struct lx_lock_entry *e = &t->entries[i];
		if (e->owner != owner)
			continue;
		uint64_t volume = e->volume, file = e->file;
		lx_locktable_free(t, e);
		lx_lockwait_wake(t, volume, file);
	}
}

/* Whether the process (win_pid, created at ctime) still runs. */
static bool process_alive(uint32_t win_pid, uint64_t ctime)
{
	HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, win_pid);
	FILETIME c, e, k, u;
	bool alive;

	if (!h)
		return GetLastError() == ERROR_ACCESS_DENIED;
	alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
	if (alive && GetProcessTimes(h, &c, &e, &k, &u))
		alive = (((uint64_t)c.dwHighDateTime << 32) | c.dwLowDateTime) == ctime;
	CloseHandle(h);
	return alive;
}

static uint64_t self_ctime(void)
{
	static uint64_t ctime;
	FILETIME c, e, k, u;

	if (!ctime && GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
		ctime = ((uint64_t)c.dwHighDateTime << 32) | c.dwLowDateTime;
	return ctime;
}

/* A waiter slot whose process is gone (killed while it waited). */
static bool waiter_stale(const struct lx_lock_waiter *w)
{
	if (w->win_pid == GetCurrentProcessId())
		return false;
	return !process_alive(w->win_pid, w->win_ctime);
}

void *lx_lockwait_event(int slot)
{
	wchar_t what[32], name[128];

	if (slot < 0 || slot >= LX_LOCK_WAITERS)
		return NULL;
	if (!wait_events[slot]) {
		swprintf(what, 32, L"lockwait-%d", slot);
		if (!lx_instance_object_name(what, name, 128))
			return NULL;
		HANDLE h = CreateEventW(NULL, TRUE, FALSE, name);
		if (h && InterlockedCompareExchangePointer(&wait_events[slot], h, NULL) != NULL)
			CloseHandle(h);
	}
	return wait_events[slot];
}

long lx_lockwait_register(struct lx_lock_table *t, int *slot, uint64_t owner, uint64_t blocker,
                          uint64_t volume, uint64_t file, uint8_t kind)
{
	int s = *slot;

	/* A free slot, else one whose process died waiting. */
	for (int i = 0; s < 0 && i < LX_LOCK_WAITERS; i++)
		if (!t->waiters[i].owner)
			s = i;
	for (int i = 0; s < 0 && i < LX_LOCK_WAITERS; i++)
		if (waiter_stale(&t->waiters[i]))
			s = i;
	if (s < 0 || !lx_lockwait_event(s))
		return -LX_ENOLCK;
	ResetEvent(wait_events[s]);
	struct lx_lock_waiter *w = &t->waiters[s];
	w->blocker = blocker;
	w->volume = volume;
	w->file = file;
	w->kind = kind;
	w->win_pid = GetCurrentProcessId();
	w->win_ctime = self_ctime();
	w->owner = owner;
	*slot = s;
	return 0;
}

void lx_lockwait_unregister(struct lx_lock_table *t, int *slot)
{
	if (*slot >= 0)
		t->waiters[*slot].owner = 0;
	*slot = -1;
}

void lx_lockwait_wake(struct lx_lock_table *t, uint64_t volume, uint64_t file)
{
	for (int i = 0; i < LX_LOCK_WAITERS; i++) {
		const struct lx_lock_waiter *w = &t->waiters[i];
		if (w->owner && w->volume == volume && w->file == file && lx_lockwait_event(i))
			SetEvent(wait_events[i]);
	}
}

uint64_t lx_lockwait_blocker_of(struct lx_lock_table *t, uint64_t owner)
{
	for (int i = 0; i < LX_LOCK_WAITERS; i++) {
		const struct lx_lock_waiter *w = &t->waiters[i];
		if (w->owner == owner && w->kind == LX_LOCK_POSIX && !waiter_stale(w))
			return w->blocker;
	}
	return 0;
}
