/*
 * The metadata cache (vfs/metacache.h).
 *
 * A path walk reads the record of every component, and one operation
 * walks its parent several times (lookup, may_create, may_delete), so
 * without a cache the same record is opened and read many times per
 * system call.  The cache is one for the whole instance, in a named
 * section every process maps (vfs/sharedcache.c), so that a process
 * starting an `ls -l` of files that others made or met finds their
 * records there.  Records change in other processes too, so each store
 * has 65,536 generation counters in a named section that every process
 * using the store maps: a writer bumps the counter of the record's slot
 * after the record is on disk (lx_metacache_changed), and a cached copy
 * is used only while its slot's counter is what it was before that copy
 * was read from disk, whichever process read it.  A reader that races a
 * writer either reads the counter after the bump (and the new record), or
 * keeps a copy whose tag the bump has already made stale.
 * Read-modify-write under the record lock stays exact: the previous
 * holder bumped the counter before it unlocked.  Creating files only
 * touches their own slots, so a tree being unpacked does not empty the
 * cache of its directories.  One more counter per store serves the
 * walk's cache of directories (lx_metacache_dirs_tag).
 */
#include <windows.h>
#include <string.h>

#include "metacache.h"
#include "sharedcache.h"

#define SLOTS 65536     /* generation counters per store (512 KiB), and the directories' */
#define ENTRIES 32768   /* cached records in the instance (a power of two) */
#define WAYS 4          /* entries a record may take (one bucket) */
#define STORES 8

#ifndef STATUS_OBJECT_NAME_NOT_FOUND
#define STATUS_OBJECT_NAME_NOT_FOUND ((long)0xC0000034L)
#endif

struct store {
	wchar_t path[520];
	uint64_t key;          /* the hash of path, as the section's name has it */
	volatile int64_t *gen; /* SLOTS + 1 counters; NULL: not shared, no cache */
};

/* A cached record as the shared entry holds it: the store by its key,
 * since a store's index differs between processes. */
struct record {
	uint64_t store;  /* 0: empty */
	uint64_t file_id;
	int64_t gen;
	int64_t status;
	struct lx_meta m;
};

#define RECORD_WORDS (sizeof(struct record) / sizeof(uint64_t))
#define ENTRY_BYTES (sizeof(struct lx_shared_entry) + sizeof(struct record))
_Static_assert(sizeof(struct record) % sizeof(uint64_t) == 0, "a record is whole words");

static struct store stores[STORES];
static unsigned nstores;
static unsigned char *entries; /* ENTRIES of ENTRY_BYTES, shared; NULL: no cache */
static bool entries_tried;
static SRWLOCK lock = SRWLOCK_INIT;

/* FNV-1a of the store path, upper-cased so that two spellings of one
 * path share it. */
static uint64_t store_key(const wchar_t *path)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const wchar_t *p = path; *p; p++) {
		h ^= (uint16_t)towupper(*p);
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The counters' section is named by the store alone (not the instance):
 * every process that writes the store, lxnt-fsck included, bumps them. */
static volatile int64_t *map_counters(uint64_t key)
{
	wchar_t name[64];
	HANDLE s;
	void *v;

	_snwprintf(name, 64, L"Local\\lxnt-metagen-%016llx", (unsigned long long)key);
	name[63] = 0;
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
 * is full or the path too long.  The instance's records are mapped with
 * the first store. */
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
		if (!entries_tried)
			entries = lx_shared_map(L"metacache", (size_t)ENTRIES * ENTRY_BYTES);
		entries_tried = true;
		wcscpy(stores[nstores].path, path);
		stores[nstores].key = store_key(path);
		stores[nstores].gen = map_counters(stores[nstores].key);
		found = (int)nstores++;
	}
	ReleaseSRWLockExclusive(&lock);
	return found;
}

static struct lx_shared_entry *entry_at(size_t i)
{
	return (struct lx_shared_entry *)(entries + i * ENTRY_BYTES);
}

/* The first entry of the record's bucket: a set of WAYS, so that the
 * records of a directory of thousands of files do not push each other
 * out, as one entry per hash did. */
static size_t bucket_of(uint64_t store, uint64_t file_id)
{
	uint64_t h = (file_id ^ store) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> (64 - 13)) * WAYS; /* ENTRIES / WAYS = 2^13 */
}

/* The whole entry of the record in its bucket, copied into *r; -1 if
 * there is none. */
static int find(uint64_t store, uint64_t file_id, struct record *r)
{
	size_t b = bucket_of(store, file_id);

	/* The id, the payload's second word, is looked at before a copy. */
	for (unsigned i = 0; i < WAYS; i++)
		if (entry_at(b + i)->words[1] == file_id &&
		    lx_shared_read(entry_at(b + i), r, RECORD_WORDS) && r->store == store &&
		    r->file_id == file_id)
			return (int)i;
	return -1;
}

/* Where the record goes: its own entry, one never written, or one of its
 * bucket in turn. */
static struct lx_shared_entry *place(uint64_t store, uint64_t file_id)
{
	size_t b = bucket_of(store, file_id);
	struct record r;

	return lx_shared_way(entry_at(b), ENTRY_BYTES, WAYS, find(store, file_id, &r));
}

/* A counter is read with a plain load (an aligned 64-bit load is atomic
 * on x86-64): a locked instruction would take the cache line from every
 * other core for a mere read, on every stat. */
static struct lx_metacache_tag tag_of(const wchar_t *store, unsigned slot)
{
	struct lx_metacache_tag t = { 0 };
	int i = store_index(store);

	if (i >= 0 && stores[i].gen) {
		t.gen = &stores[i].gen[slot];
		t.value = *t.gen;
		t.store = (unsigned)i + 1;
	}
	return t;
}

/*
 * The counter of a file id: Fibonacci hashing (the id times 2^64 / phi,
 * its top 16 bits).  Ids that Windows gives out close together, as a
 * directory being filled gets them, land on counters far apart and
 * nearly never on one another's, also when they come in runs spread over
 * many blocks of 65,536 (ext4 reusing freed inodes under Wine), where the
 * id modulo 65,536 put one in nine of 5,000 new files on another's
 * counter: the later creation's bump made the earlier record stale, and
 * the first stat of it read the record from disk again.
 */
static unsigned slot_of(uint64_t file_id)
{
	return (unsigned)((file_id * 0x9e3779b97f4a7c15ull) >> 48);
}

struct lx_metacache_tag lx_metacache_tag(const wchar_t *store, uint64_t file_id)
{
	return tag_of(store, slot_of(file_id));
}

struct lx_metacache_tag lx_metacache_dirs_tag(const wchar_t *store)
{
	return tag_of(store, SLOTS);
}

bool lx_metacache_current(const struct lx_metacache_tag *t)
{
	return t->gen && *t->gen == t->value;
}

bool lx_metacache_get(const struct lx_metacache_tag *t, uint64_t file_id, struct lx_meta *m,
                      long *status)
{
	struct record r;

	if (!t->gen || !entries || find(stores[t->store - 1].key, file_id, &r) < 0 ||
	    r.gen != t->value)
		return false;
	*status = (long)r.status;
	if (r.status == 0)
		*m = r.m;
	return true;
}

void lx_metacache_put(const struct lx_metacache_tag *t, uint64_t file_id,
                      const struct lx_meta *m, long status)
{
	struct record r;

	if (!t->gen || !entries || (status != 0 && status != STATUS_OBJECT_NAME_NOT_FOUND))
		return;
	memset(&r, 0, sizeof(r));
	r.store = stores[t->store - 1].key;
	r.file_id = file_id;
	r.gen = t->value;
	r.status = status;
	if (status == 0)
		memcpy(&r.m, m, sizeof(r.m));
	lx_shared_write(place(r.store, file_id), &r, RECORD_WORDS);
}

static void bump(const wchar_t *store, unsigned slot)
{
	int i = store_index(store);

	if (i >= 0 && stores[i].gen)
		InterlockedIncrement64((volatile LONG64 *)&stores[i].gen[slot]);
}

void lx_metacache_changed(const wchar_t *store, uint64_t file_id)
{
	bump(store, slot_of(file_id));
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
