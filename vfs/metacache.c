/*
 * The metadata cache (vfs/metacache.h).
 *
 * A path walk reads the record of every component, and one operation
 * walks its parent several times (lookup, may_create, may_delete), so
 * without a cache the same record is opened and read many times per
 * system call.  Records change in other processes too, so each store has
 * 4096 generation counters in a named section that every process using the
 * store maps: a writer bumps the counter of the record's slot after the
 * record is on disk (lx_metacache_changed), and a cached copy is used only
 * while its slot's counter is what it was before that copy was read from
 * disk.  A reader that races a writer either reads the counter after the
 * bump (and the new record), or keeps a copy whose tag the bump has
 * already made stale.  Read-modify-write under the record lock stays
 * exact: the previous holder bumped the counter before it unlocked.
 * Creating files only touches their own slots, so a tree being unpacked
 * does not empty the cache of its directories.  One more counter per
 * store serves the walk's cache of directories (lx_metacache_dirs_tag).
 */
#include <windows.h>
#include <string.h>

#include "metacache.h"

#define SLOTS 65536     /* generation counters per store (512 KiB), and the directories' */
#define ENTRIES 16384   /* cached records per process */
#define WAYS 4          /* entries a record may take (one bucket) */
#define STORES 8

#ifndef STATUS_OBJECT_NAME_NOT_FOUND
#define STATUS_OBJECT_NAME_NOT_FOUND ((long)0xC0000034L)
#endif

struct store {
	wchar_t path[520];
	volatile int64_t *gen; /* SLOTS counters; NULL: not shared, no cache */
};

struct entry {
	uint64_t file_id;
	int64_t gen;
	unsigned store; /* index + 1; 0: empty */
	long status;
	struct lx_meta m;
};

static struct store stores[STORES];
static unsigned nstores;
static struct entry *entries;
static SRWLOCK lock = SRWLOCK_INIT;

/* The section's name: the store path hashed (FNV-1a, upper-cased so that
 * two spellings of one path share it). */
static void section_name(const wchar_t *path, wchar_t *out, size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const wchar_t *p = path; *p; p++) {
		h ^= (uint16_t)towupper(*p);
		h *= 0x100000001b3ull;
	}
	_snwprintf(out, cap, L"Local\\lxnt-metagen-%016llx", (unsigned long long)h);
	out[cap - 1] = 0;
}

static volatile int64_t *map_counters(const wchar_t *path)
{
	wchar_t name[64];
	HANDLE s;
	void *v;

	section_name(path, name, 64);
	s = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
	                       (SLOTS + 1) * sizeof(int64_t), name);
	if (!s)
		return NULL;
	v = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, (SLOTS + 1) * sizeof(int64_t));
	/* The handle stays open for the life of the process: a view alone
	 * keeps the memory but, under Wine, not the name, and the next process
	 * would make counters of its own. */
	if (!v)
		CloseHandle(s);
	return v;
}

/* The index of store (registering it on first use), or -1 when the table
 * is full or the path too long. */
static int store_index(const wchar_t *path)
{
	int found = -1;

	AcquireSRWLockShared(&lock);
	for (unsigned i = 0; i < nstores && found < 0; i++)
		if (!wcscmp(stores[i].path, path))
			found = (int)i;
	ReleaseSRWLockShared(&lock);
	if (found >= 0 || wcslen(path) >= 520)
		return found;
	AcquireSRWLockExclusive(&lock);
	for (unsigned i = 0; i < nstores && found < 0; i++)
		if (!wcscmp(stores[i].path, path))
			found = (int)i;
	if (found < 0 && nstores < STORES) {
		if (!entries)
			entries = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY,
			                    ENTRIES * sizeof(*entries));
		wcscpy(stores[nstores].path, path);
		stores[nstores].gen = entries ? map_counters(path) : NULL;
		found = (int)nstores++;
	}
	ReleaseSRWLockExclusive(&lock);
	return found;
}

/* The first entry of the record's bucket: a set of WAYS, so that the
 * records of a directory of thousands of files do not push each other
 * out, as one entry per hash did. */
static struct entry *bucket_of(unsigned store, uint64_t file_id)
{
	uint64_t h = (file_id ^ ((uint64_t)store << 56)) * 0x9e3779b97f4a7c15ull;
	return &entries[(h >> (64 - 12)) * WAYS]; /* ENTRIES / WAYS = 2^12 */
}

static struct entry *find(unsigned store, uint64_t file_id)
{
	struct entry *b = bucket_of(store, file_id);

	for (unsigned i = 0; i < WAYS; i++)
		if (b[i].store == store && b[i].file_id == file_id)
			return &b[i];
	return NULL;
}

/* The record's entry, a free one, or one of its bucket in turn; called
 * with the lock held exclusively. */
static struct entry *place(unsigned store, uint64_t file_id)
{
	static unsigned turn;
	struct entry *b = bucket_of(store, file_id);
	struct entry *e = find(store, file_id);

	for (unsigned i = 0; !e && i < WAYS; i++)
		if (!b[i].store)
			e = &b[i];
	return e ? e : &b[turn++ % WAYS];
}

static struct lx_metacache_tag tag_of(const wchar_t *store, unsigned slot)
{
	struct lx_metacache_tag t = { 0 };
	int i = store_index(store);

	if (i >= 0 && stores[i].gen) {
		t.gen = &stores[i].gen[slot];
		t.value = InterlockedCompareExchange64((volatile LONG64 *)t.gen, 0, 0);
		t.store = (unsigned)i + 1;
	}
	return t;
}

struct lx_metacache_tag lx_metacache_tag(const wchar_t *store, uint64_t file_id)
{
	return tag_of(store, (unsigned)(file_id % SLOTS));
}

struct lx_metacache_tag lx_metacache_dirs_tag(const wchar_t *store)
{
	return tag_of(store, SLOTS);
}

bool lx_metacache_current(const struct lx_metacache_tag *t)
{
	return t->gen && InterlockedCompareExchange64((volatile LONG64 *)t->gen, 0, 0) == t->value;
}

bool lx_metacache_get(const struct lx_metacache_tag *t, uint64_t file_id, struct lx_meta *m,
                      long *status)
{
	bool hit = false;

	if (!t->gen)
		return false;
	AcquireSRWLockShared(&lock);
	struct entry *e = find(t->store, file_id);
	if (e && e->gen == t->value) {
		*status = e->status;
		if (e->status == 0)
			*m = e->m;
		hit = true;
	}
	ReleaseSRWLockShared(&lock);
	return hit;
}

void lx_metacache_put(const struct lx_metacache_tag *t, uint64_t file_id,
                      const struct lx_meta *m, long status)
{
	if (!t->gen || (status != 0 && status != STATUS_OBJECT_NAME_NOT_FOUND))
		return;
	AcquireSRWLockExclusive(&lock);
	struct entry *e = place(t->store, file_id);
	e->store = t->store;
	e->file_id = file_id;
	e->gen = t->value;
	e->status = status;
	if (status == 0)
		e->m = *m;
	ReleaseSRWLockExclusive(&lock);
}

static void bump(const wchar_t *store, unsigned slot)
{
	int i = store_index(store);

	if (i >= 0 && stores[i].gen)
		InterlockedIncrement64((volatile LONG64 *)&stores[i].gen[slot]);
}

void lx_metacache_changed(const wchar_t *store, uint64_t file_id)
{
	bump(store, (unsigned)(file_id % SLOTS));
}

/* The writer keeps what it wrote only if no other write of the slot ended
 * between its tag and its bump (the counter moved by exactly its own one):
 * a writer that ends later bumps again and makes the copy stale. */
void lx_metacache_wrote(const struct lx_metacache_tag *before, uint64_t file_id,
                        const struct lx_meta *m)
{
	int64_t after;

	if (!before->gen)
		return;
	after = InterlockedIncrement64((volatile LONG64 *)before->gen);
	if (m && after == before->value + 1) {
		struct lx_metacache_tag t = *before;
		struct lx_meta copy = *m;
		t.value = after;
		copy.link_len = 0; /* as a record read from disk has it */
		lx_metacache_put(&t, file_id, &copy, 0);
	}
}

void lx_metacache_dirs_changed(const wchar_t *store)
{
	bump(store, SLOTS);
}
