/*
 * Record tables (vfs/metatable.h, docs/formats.md "Record tables").
 *
 * Each process keeps the tables it has used open (never inheritable: a
 * fork child is a new process whose runtime starts with none, and an
 * execve in place keeps them), so that reading a record is one read,
 * a new file's record one write and a deletion one write of zeros, none
 * of them a request to Wine's server.  Changes are serialised by a
 * byte-range lock per entry, which Windows releases with the handle
 * however its holder ends; inside a process, where two threads would share
 * the handle and so the lock's owner, a list of the entries held comes
 * first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <winternl.h>

#include "metatable.h"
#include "nt.h"

/* Past this many open tables a process opens a table for each use. */
#define MAX_OPEN_TABLES 1024
#define MAX_STORES 16

struct table {
	uint64_t index;
	HANDLE h; /* NULL: a free slot of the hash */
};

struct store {
	wchar_t *path;
	enum lx_metastore_layout layout;
	SRWLOCK lock; /* over the hash of open tables */
	struct table *tables;
	size_t ntables, cap; /* cap: a power of two, kept over twice ntables */
};

static struct store stores[MAX_STORES];
static size_t nstores;
static SRWLOCK stores_lock = SRWLOCK_INIT;

/* The entries this process has locked: another thread of it waits here
 * before it asks Windows. */
struct held {
	const struct store *st;
	uint64_t id;
	DWORD thread;
};
static struct held *held;
static size_t nheld, held_cap;
static SRWLOCK held_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE held_cv = CONDITION_VARIABLE_INIT;

struct table_lock {
	struct store *st;
	uint64_t id;
	HANDLE h;
	bool owned; /* h is this lock's own (the cache was full) */
};

static NTSTATUS open_path(const wchar_t *path, ACCESS_MASK access, uint32_t disposition,
                          uint32_t options, HANDLE *h)
{
	return lx_metastore_open(path, access, disposition, options, (void **)h);
}

static bool is_dir(const wchar_t *path)
{
	HANDLE h;

	if (!NT_SUCCESS(open_path(path, FILE_READ_ATTRIBUTES, FILE_OPEN, FILE_DIRECTORY_FILE, &h)))
		return false;
	NtClose(h);
	return true;
}

static enum lx_metastore_layout probe(const wchar_t *path)
{
	wchar_t t[600];

	_snwprintf(t, 600, L"%ls\\%ls", path, LX_METATABLE_DIR);
	t[599] = 0;
	if (is_dir(t))
		return LX_LAYOUT_TABLES;
	return is_dir(path) ? LX_LAYOUT_FILES : LX_LAYOUT_NONE;
}

/* The store's entry, made on first use; its layout probed until known. */
static struct store *store_of(const wchar_t *path)
{
	struct store *st = NULL;

	AcquireSRWLockShared(&stores_lock);
	for (size_t i = 0; i < nstores; i++)
		if (!wcscmp(stores[i].path, path))
			st = &stores[i];
	ReleaseSRWLockShared(&stores_lock);
	if (!st) {
		AcquireSRWLockExclusive(&stores_lock);
		for (size_t i = 0; i < nstores && !st; i++)
			if (!wcscmp(stores[i].path, path))
				st = &stores[i];
		if (!st && nstores < MAX_STORES) {
			wchar_t *copy = _wcsdup(path);
			if (copy) {
				st = &stores[nstores];
				st->path = copy;
				InitializeSRWLock(&st->lock);
				nstores++;
			}
		}
		ReleaseSRWLockExclusive(&stores_lock);
	}
	if (st && st->layout == LX_LAYOUT_NONE)
		st->layout = probe(path); /* a word: racing probes agree */
	return st;
}

enum lx_metastore_layout lx_metatable_layout(const wchar_t *store)
{
	struct store *st = store_of(store);

	return st ? st->layout : probe(store);
}

static void delete_dir(const wchar_t *path)
{
	HANDLE h;

	if (NT_SUCCESS(open_path(path, DELETE, FILE_OPEN, FILE_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE,
	                         &h)))
		NtClose(h);
}

enum lx_metastore_layout lx_metatable_make_store(const wchar_t *store)
{
	static volatile LONG seq;
	struct store *st = store_of(store);
	wchar_t tmp[600], tmp_t[620];
	const wchar_t *slash = wcsrchr(store, L'\\');
	HANDLE h;
	NTSTATUS s;

	if (st && st->layout != LX_LAYOUT_NONE)
		return st->layout;
	if (!slash)
		return LX_LAYOUT_NONE;
	/* "<root>\U+F000lxnt.<pid>.<tid>.<n>": no guest name, and lxnt-fsck
	 * knows it for a store whose making a kill cut short. */
	_snwprintf(tmp, 600, L"%ls.%lx.%lx.%lx", store, GetCurrentProcessId(), GetCurrentThreadId(),
	           (unsigned long)InterlockedIncrement(&seq));
	tmp[599] = 0;
	_snwprintf(tmp_t, 620, L"%ls\\%ls", tmp, LX_METATABLE_DIR);
	tmp_t[619] = 0;
	s = open_path(tmp, FILE_LIST_DIRECTORY | DELETE, FILE_CREATE, FILE_DIRECTORY_FILE, &h);
	if (NT_SUCCESS(s)) {
		HANDLE t;
		s = open_path(tmp_t, FILE_LIST_DIRECTORY, FILE_CREATE, FILE_DIRECTORY_FILE, &t);
		if (NT_SUCCESS(s)) {
			NtClose(t);
			s = lx_metastore_set_name(h, LX_FileRenameInformation, false, store);
		}
		NtClose(h);
		if (!NT_SUCCESS(s)) { /* made by another process first, or no room */
			delete_dir(tmp_t);
			delete_dir(tmp);
		}
	}
	enum lx_metastore_layout layout = probe(store);
	if (st)
		st->layout = layout;
	return layout;
}

/* Where index starts its search in a hash of cap slots (Fibonacci
 * hashing: tables of neighbouring ids are neighbours). */
static size_t slot_of(uint64_t index, size_t cap)
{
	return (size_t)((index * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* The open table of index, NULL when the cache does not hold it. */
static HANDLE cached(struct store *st, uint64_t index)
{
	HANDLE h = NULL;

	AcquireSRWLockShared(&st->lock);
	if (st->cap) {
		for (size_t i = slot_of(index, st->cap); st->tables[i].h; i = (i + 1) & (st->cap - 1))
			if (st->tables[i].index == index) {
				h = st->tables[i].h;
				break;
			}
	}
	ReleaseSRWLockShared(&st->lock);
	return h;
}

static void insert(struct table *t, size_t cap, uint64_t index, HANDLE h)
{
	size_t i = slot_of(index, cap);

	while (t[i].h)
		i = (i + 1) & (cap - 1);
	t[i].index = index;
	t[i].h = h;
}

/* Keeps h as the table of index; false when the cache is full (the caller
 * then owns h) or already holds one (*h becomes that one, h is closed). */
static bool keep(struct store *st, uint64_t index, HANDLE *h)
{
	bool kept = false;

	AcquireSRWLockExclusive(&st->lock);
	for (size_t i = st->cap ? slot_of(index, st->cap) : 0; st->cap && st->tables[i].h;
	     i = (i + 1) & (st->cap - 1))
		if (st->tables[i].index == index) { /* another thread opened it first */
			NtClose(*h);
			*h = st->tables[i].h;
			ReleaseSRWLockExclusive(&st->lock);
			return true;
		}
	if (st->ntables < MAX_OPEN_TABLES) {
		if (2 * (st->ntables + 1) > st->cap) {
			size_t cap = st->cap ? 2 * st->cap : 64;
			struct table *t = calloc(cap, sizeof(*t));
			if (t) {
				for (size_t i = 0; i < st->cap; i++)
					if (st->tables[i].h)
						insert(t, cap, st->tables[i].index, st->tables[i].h);
				free(st->tables);
				st->tables = t;
				st->cap = cap;
			}
		}
		if (2 * (st->ntables + 1) <= st->cap) {
			insert(st->tables, st->cap, index, *h);
			st->ntables++;
			kept = true;
		}
	}
	ReleaseSRWLockExclusive(&st->lock);
	return kept;
}

/* The table of id: from the cache, else opened (made when create is set)
 * and kept.  *owned says the caller must close it. */
static NTSTATUS table_of(struct store *st, uint64_t id, bool create, HANDLE *h, bool *owned)
{
	uint64_t index = lx_metatable_index(id);
	wchar_t path[640];
	NTSTATUS s;

	*owned = false;
	if ((*h = cached(st, index)))
		return 0; /* STATUS_SUCCESS */
	_snwprintf(path, 640, L"%ls\\%ls\\%012llx", st->path, LX_METATABLE_DIR,
	           (unsigned long long)index);
	path[639] = 0;
	s = open_path(path, FILE_READ_DATA | FILE_WRITE_DATA, create ? FILE_OPEN_IF : FILE_OPEN,
	              FILE_NON_DIRECTORY_FILE, h);
	if (s == STATUS_ACCESS_DENIED && !create) {
		/* A store this user may read but not change: read-only, for
		 * this use only, so that a write still meets the refusal. */
		*owned = true;
		return open_path(path, FILE_READ_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE, h);
	}
	if (!NT_SUCCESS(s))
		return s;
	*owned = !keep(st, index, h);
	return 0; /* STATUS_SUCCESS */
}

static NTSTATUS read_at(HANDLE h, uint64_t off, unsigned char *buf, size_t n, size_t *got)
{
	IO_STATUS_BLOCK io;
	LARGE_INTEGER o = { .QuadPart = (LONGLONG)off };
	NTSTATUS s = NtReadFile(h, NULL, NULL, NULL, &io, buf, (ULONG)n, &o, NULL);

	if (s == STATUS_END_OF_FILE) {
		io.Information = 0;
		s = 0; /* STATUS_SUCCESS */
	}
	*got = NT_SUCCESS(s) ? io.Information : 0;
	if (NT_SUCCESS(s))
		memset(buf + *got, 0, n - *got); /* past the end: an empty entry */
	return s;
}

static NTSTATUS write_at(HANDLE h, uint64_t off, const unsigned char *buf, size_t n)
{
	IO_STATUS_BLOCK io;
	LARGE_INTEGER o = { .QuadPart = (LONGLONG)off };
	NTSTATUS s = NtWriteFile(h, NULL, NULL, NULL, &io, (void *)buf, (ULONG)n, &o, NULL);

	if (NT_SUCCESS(s) && io.Information != n)
		s = STATUS_DISK_FULL;
	return s;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* As lx_metarec_pick, but a slot of zeros (never written, or deleted) and
 * an intact record of another id (a file whose id the table's entry
 * served before, on NTFS an older MFT sequence number) are empty, not
 * torn. */
static int pick_entry(const unsigned char entry[LX_METATABLE_ENTRY], uint64_t id,
                      struct lx_meta *m, uint32_t *seq, bool *torn)
{
	unsigned char buf[LX_METATABLE_ENTRY];

	memcpy(buf, entry, sizeof(buf));
	*torn = false;
	for (int i = 0; i < LX_METAREC_SLOTS; i++) {
		unsigned char *slot = buf + i * LX_METAREC_SIZE;
		if (get32(slot) == LX_METAREC_MAGIC && get32(slot + 100) == lx_crc32(slot, 100) &&
		    (get32(slot + 8) | (uint64_t)get32(slot + 12) << 32) != id)
			memset(slot, 0, LX_METAREC_SIZE);
	}
	int best = -1;
	for (int i = 0; i < LX_METAREC_SLOTS; i++) {
		const unsigned char *slot = buf + i * LX_METAREC_SIZE;
		struct lx_meta cand;
		uint32_t cand_seq;
		bool cand_torn;

		if (all_zero(slot, LX_METAREC_SIZE))
			continue;
		if (lx_metarec_pick(slot, LX_METAREC_SIZE, id, &cand, &cand_seq, &cand_torn) < 0) {
			*torn = true;
			continue;
		}
		if (best < 0 || (int32_t)(cand_seq - *seq) > 0) {
			best = i;
			*seq = cand_seq;
			*m = cand;
		}
	}
	return best;
}

/* How many times a reader reads a torn entry again (as metastore.c's). */
#define REREADS 3

/* The table of id as it is, for a read or a deletion: no table is no
 * record (STATUS_OBJECT_NAME_NOT_FOUND). */
static NTSTATUS existing_table(const wchar_t *store, uint64_t id, HANDLE *h, bool *owned)
{
	struct store *st = store_of(store);
	NTSTATUS s;

	if (!st)
		return STATUS_NO_MEMORY;
	s = table_of(st, id, false, h, owned);
	return s == STATUS_OBJECT_PATH_NOT_FOUND ? STATUS_OBJECT_NAME_NOT_FOUND : s;
}

long lx_metatable_read_entry(const wchar_t *store, uint64_t id,
                             unsigned char out[LX_METATABLE_ENTRY])
{
	bool owned;
	size_t got;
	HANDLE h;
	NTSTATUS s = existing_table(store, id, &h, &owned);

	if (!NT_SUCCESS(s))
		return s;
	s = read_at(h, lx_metatable_offset(id), out, LX_METATABLE_ENTRY, &got);
	if (owned)
		NtClose(h);
	return s;
}

long lx_metatable_read(const wchar_t *store, uint64_t id, struct lx_meta *m)
{
	unsigned char entry[LX_METATABLE_ENTRY];
	uint32_t seq = 0;
	bool torn = false;
	int slot = -1;
	NTSTATUS s = 0;

	for (int tries = 0; tries < REREADS; tries++) {
		s = lx_metatable_read_entry(store, id, entry);
		if (!NT_SUCCESS(s))
			return s;
		slot = pick_entry(entry, id, m, &seq, &torn);
		if (!torn || slot < 0)
			break;
		Sleep(0);
	}
	if (slot >= 0)
		return 0; /* STATUS_SUCCESS */
	return torn ? STATUS_FILE_CORRUPT_ERROR : STATUS_OBJECT_NAME_NOT_FOUND;
}

static void encode_slot(const struct lx_meta *m, uint64_t id, uint32_t seq, unsigned char *out)
{
	lx_metarec_encode(m, id, out);
	for (int i = 0; i < 4; i++)
		out[96 + i] = (unsigned char)(seq >> (8 * i));
	uint32_t crc = lx_crc32(out, 100);
	for (int i = 0; i < 4; i++)
		out[100 + i] = (unsigned char)(crc >> (8 * i));
}

/* The entry whole, in one write: the record in slot 0 and nothing in
 * slot 1, whatever a file that had the id before left there. */
long lx_metatable_write_new(const wchar_t *store, uint64_t id, const struct lx_meta *m)
{
	struct store *st = store_of(store);
	unsigned char entry[LX_METATABLE_ENTRY] = { 0 };
	bool owned;
	HANDLE h;
	NTSTATUS s;

	if (!st)
		return STATUS_NO_MEMORY;
	s = table_of(st, id, true, &h, &owned);
	if (!NT_SUCCESS(s))
		return s;
	encode_slot(m, id, 0, entry);
	s = write_at(h, lx_metatable_offset(id), entry, sizeof(entry));
	if (owned)
		NtClose(h);
	return s;
}

/* Zeros over the entry, when it holds anything: a table's end is never
 * pushed out by a deletion. */
long lx_metatable_delete(const wchar_t *store, uint64_t id)
{
	static const unsigned char zeros[LX_METATABLE_ENTRY];
	unsigned char entry[LX_METATABLE_ENTRY];
	bool owned;
	size_t got;
	HANDLE h;
	NTSTATUS s = existing_table(store, id, &h, &owned);

	if (!NT_SUCCESS(s))
		return s;
	s = read_at(h, lx_metatable_offset(id), entry, sizeof(entry), &got);
	if (NT_SUCCESS(s) && got && !all_zero(entry, got))
		s = write_at(h, lx_metatable_offset(id), zeros, got);
	else if (NT_SUCCESS(s))
		s = STATUS_OBJECT_NAME_NOT_FOUND;
	if (owned)
		NtClose(h);
	return s;
}

/* false when the calling thread holds the entry already: the lock is not
 * recursive, and waiting would be for ever. */
static bool hold(const struct store *st, uint64_t id)
{
	DWORD self = GetCurrentThreadId();

	AcquireSRWLockExclusive(&held_lock);
	for (;;) {
		const struct held *busy = NULL;
		for (size_t i = 0; i < nheld && !busy; i++)
			if (held[i].st == st && held[i].id == id)
				busy = &held[i];
		if (!busy)
			break;
		if (busy->thread == self) {
			ReleaseSRWLockExclusive(&held_lock);
			return false;
		}
		SleepConditionVariableSRW(&held_cv, &held_lock, INFINITE, 0);
	}
	if (nheld == held_cap) {
		size_t cap = held_cap ? 2 * held_cap : 16;
		struct held *n = realloc(held, cap * sizeof(*n));
		if (!n) { /* no room to note it: the file lock alone serves */
			ReleaseSRWLockExclusive(&held_lock);
			return true;
		}
		held = n;
		held_cap = cap;
	}
	held[nheld++] = (struct held){ st, id, self };
	ReleaseSRWLockExclusive(&held_lock);
	return true;
}

static void let_go(const struct store *st, uint64_t id)
{
	AcquireSRWLockExclusive(&held_lock);
	for (size_t i = 0; i < nheld; i++)
		if (held[i].st == st && held[i].id == id) {
			held[i] = held[--nheld];
			break;
		}
	ReleaseSRWLockExclusive(&held_lock);
	WakeAllConditionVariable(&held_cv);
}

void *lx_metatable_lock(const wchar_t *store, uint64_t id)
{
	struct store *st = store_of(store);
	struct table_lock *l;
	OVERLAPPED ov = { 0 };
	uint64_t at = LX_METATABLE_LOCKS + (id & (LX_METATABLE_ENTRIES - 1));

	if (!st || !(l = calloc(1, sizeof(*l))))
		return NULL;
	l->st = st;
	l->id = id;
	if (!NT_SUCCESS(table_of(st, id, true, &l->h, &l->owned))) {
		free(l);
		return NULL;
	}
	if (!hold(st, id)) {
		if (l->owned)
			NtClose(l->h);
		free(l);
		return NULL;
	}
	ov.Offset = (DWORD)at;
	ov.OffsetHigh = (DWORD)(at >> 32);
	/* Polled, not waited for: a holder that cannot go on (a process
	 * stopped in its critical section) must not stop this one for good. */
	for (int tries = 0; tries < LX_METASTORE_RETRIES; tries++) {
		if (LockFileEx(l->h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov))
			return l;
		if (GetLastError() != ERROR_LOCK_VIOLATION && GetLastError() != ERROR_IO_PENDING)
			break;
		lx_metastore_pause(tries);
	}
	let_go(st, id);
	if (l->owned)
		NtClose(l->h);
	free(l);
	return NULL;
}

void lx_metatable_unlock(void *lock)
{
	struct table_lock *l = lock;
	OVERLAPPED ov = { 0 };
	uint64_t at = LX_METATABLE_LOCKS + (l->id & (LX_METATABLE_ENTRIES - 1));

	ov.Offset = (DWORD)at;
	ov.OffsetHigh = (DWORD)(at >> 32);
	UnlockFileEx(l->h, 0, 1, 0, &ov);
	let_go(l->st, l->id);
	if (l->owned)
		NtClose(l->h);
	free(l);
}

/* The slot that does not hold the current record, with the next sequence
 * number: a write cut short tears only that slot. */
long lx_metatable_write_locked(void *lock, uint64_t id, const struct lx_meta *m)
{
	struct table_lock *l = lock;
	unsigned char entry[LX_METATABLE_ENTRY], slot[LX_METAREC_SIZE];
	struct lx_meta cur;
	uint32_t seq = 0;
	bool torn;
	size_t got;
	NTSTATUS s = read_at(l->h, lx_metatable_offset(id), entry, sizeof(entry), &got);
	int at;

	if (!NT_SUCCESS(s))
		return s;
	at = pick_entry(entry, id, &cur, &seq, &torn);
	if (at < 0) {
		/* No record: slot 0, and slot 1 cleared of what another id left. */
		memset(entry, 0, sizeof(entry));
		encode_slot(m, id, 0, entry);
		return write_at(l->h, lx_metatable_offset(id), entry, sizeof(entry));
	}
	encode_slot(m, id, seq + 1, slot);
	return write_at(l->h, lx_metatable_offset(id) + (uint64_t)(1 - at) * LX_METAREC_SIZE, slot,
	                sizeof(slot));
}

void lx_metatable_close_all(void)
{
	AcquireSRWLockExclusive(&stores_lock);
	for (size_t k = 0; k < nstores; k++) {
		struct store *st = &stores[k];
		AcquireSRWLockExclusive(&st->lock);
		for (size_t i = 0; i < st->cap; i++)
			if (st->tables[i].h)
				NtClose(st->tables[i].h);
		free(st->tables);
		st->tables = NULL;
		st->cap = st->ntables = 0;
		ReleaseSRWLockExclusive(&st->lock);
	}
	ReleaseSRWLockExclusive(&stores_lock);
}
