/*
 * The portable metadata format (docs/formats.md, "The portable format"):
 * one record per file, keyed by its file id, in a store directory at the
 * volume's root.  A record has two slots; a change writes the slot that
 * does not hold the current record, so a reader sees the old record or the
 * new one, never a mixture, whenever the writer is killed.  The records
 * are in record tables (metatable.c) in stores that hold its directory,
 * which every store made now does, and one record file per id in stores
 * that earlier lxnt builds made (this file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <winternl.h>

#include "metacache.h"
#include "metastore.h"
#include "metatable.h"
#include "nt.h"

/* A record being replaced or read by another process at this instant:
 * the classic rename cannot replace a file that is open, and a file that
 * is being replaced cannot be opened. */
bool lx_metastore_transient(long s)
{
	return s == STATUS_ACCESS_DENIED || s == STATUS_DELETE_PENDING ||
	       s == STATUS_SHARING_VIOLATION;
}

void lx_metastore_pause(int tries)
{
	Sleep(tries < 10 ? 0 : 1);
}

/* CRC-32 (IEEE 802.3, reflected), bit by bit: a record is 100 bytes. */
uint32_t lx_crc32(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu;

	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* The layout is the table of docs/formats.md; offsets are fixed. */
void lx_metarec_encode(const struct lx_meta *m, uint64_t file_id,
                       unsigned char out[LX_METAREC_SIZE])
{
	memset(out, 0, LX_METAREC_SIZE);
	put32(out + 0, LX_METAREC_MAGIC);
	put32(out + 4, LX_METAREC_VERSION | (uint32_t)LX_METAREC_SIZE << 16);
	put64(out + 8, file_id);
	put32(out + 16, m->mode);
	put32(out + 20, m->uid);
	put32(out + 24, m->gid);
	put32(out + 28, m->flags);
	put64(out + 32, m->rdev);
	put64(out + 40, (uint64_t)m->atime_sec);
	put64(out + 48, (uint64_t)m->mtime_sec);
	put64(out + 56, (uint64_t)m->ctime_sec);
	put32(out + 64, m->atime_nsec);
	put32(out + 68, m->mtime_nsec);
	put32(out + 72, m->ctime_nsec);
	put64(out + 80, (uint64_t)m->atime_nt);
	put64(out + 88, (uint64_t)m->mtime_nt);
	put32(out + 100, lx_crc32(out, 100));
}

/* A slot of a record file: the record with its sequence number. */
static void encode_slot(const struct lx_meta *m, uint64_t file_id, uint32_t seq,
                        unsigned char out[LX_METAREC_SIZE])
{
	lx_metarec_encode(m, file_id, out);
	put32(out + 96, seq);
	put32(out + 100, lx_crc32(out, 100));
}

bool lx_metarec_decode(const unsigned char in[LX_METAREC_SIZE], uint64_t file_id,
                       struct lx_meta *m)
{
	uint32_t version = get32(in + 4) & 0xffff;

	if (get32(in) != LX_METAREC_MAGIC || get32(in + 4) >> 16 != LX_METAREC_SIZE ||
	    (version != 1 && version != LX_METAREC_VERSION) ||
	    get32(in + 100) != lx_crc32(in, 100) || get64(in + 8) != file_id)
		return false;
	m->mode = get32(in + 16);
	m->uid = get32(in + 20);
	m->gid = get32(in + 24);
	m->flags = get32(in + 28);
	m->rdev = get64(in + 32);
	m->atime_sec = (int64_t)get64(in + 40);
	m->mtime_sec = (int64_t)get64(in + 48);
	m->ctime_sec = (int64_t)get64(in + 56);
	m->atime_nsec = get32(in + 64);
	m->mtime_nsec = get32(in + 68);
	m->ctime_nsec = get32(in + 72);
	m->atime_nt = (int64_t)get64(in + 80);
	m->mtime_nt = (int64_t)get64(in + 88);
	return m->atime_nsec < 1000000000u && m->mtime_nsec < 1000000000u &&
	       m->ctime_nsec < 1000000000u;
}

/* The later of two sequence numbers, which wrap (serial number arithmetic,
 * RFC 1982): a record changed 2^31 times between two reads is not a case. */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

int lx_metarec_pick(const unsigned char *buf, size_t got, uint64_t file_id, struct lx_meta *m,
                    uint32_t *seq, bool *torn)
{
	int best = -1;

	*torn = false;
	for (int i = 0; i < LX_METAREC_SLOTS && got >= (size_t)(i + 1) * LX_METAREC_SIZE; i++) {
		const unsigned char *slot = buf + i * LX_METAREC_SIZE;
		struct lx_meta cand = { 0 };
		uint32_t cand_seq = get32(slot + 96);

		if (!lx_metarec_decode(slot, file_id, &cand)) {
			*torn = true;
			continue;
		}
		if (best < 0 || seq_after(cand_seq, *seq)) {
			best = i;
			*seq = cand_seq;
			*m = cand;
		}
	}
	return best;
}

/* <store>\<low byte of the id, 2 hex>\<id, 16 hex>: 256 buckets keep
 * each directory small on volumes whose lookups are linear (FAT). */
void lx_metastore_path(const wchar_t *store, uint64_t file_id, wchar_t *out, size_t cap)
{
	_snwprintf(out, cap, L"%ls\\%02x\\%016llx", store, (unsigned)(file_id & 0xff),
	           (unsigned long long)file_id);
	out[cap - 1] = 0;
}

void lx_metastore_tmpname(wchar_t *out, size_t cap)
{
	static volatile LONG seq;

	_snwprintf(out, cap, L"%lclxnew.%lx.%lx.%lx", LX_METATMP_PREFIX, GetCurrentProcessId(),
	           GetCurrentThreadId(), (unsigned long)InterlockedIncrement(&seq));
	out[cap - 1] = 0;
}

void lx_metastore_staging_path(const wchar_t *store, wchar_t *out, size_t cap)
{
	size_t n;

	_snwprintf(out, cap, L"%ls\\%ls\\", store, LX_METASTORE_STAGING);
	out[cap - 1] = 0;
	n = wcslen(out);
	lx_metastore_tmpname(out + n, cap - n);
}

static NTSTATUS open_shared(const wchar_t *path, uint32_t access, uint32_t disposition,
                            uint32_t options, uint32_t share, HANDLE *h)
{
	UNICODE_STRING name;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;

	name.Buffer = (PWSTR)path;
	name.Length = (USHORT)(wcslen(path) * sizeof(wchar_t));
	name.MaximumLength = name.Length;
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	return NtCreateFile(h, access | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL, share,
	                    disposition, options | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
}

long lx_metastore_open(const wchar_t *path, uint32_t access, uint32_t disposition,
                       uint32_t options, void **h)
{
	return open_shared(path, access, disposition, options,
	                   FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, (HANDLE *)h);
}

/* Makes the store and its directory sub (a bucket, the staging directory);
 * both may exist already: another process can make them at the same
 * moment. */
static NTSTATUS make_store_dir(const wchar_t *store, const wchar_t *sub)
{
	wchar_t path[600];
	HANDLE h;
	NTSTATUS s;

	if (lx_metatable_make_store(store) == LX_LAYOUT_NONE)
		return STATUS_OBJECT_PATH_NOT_FOUND;
	_snwprintf(path, 600, L"%ls\\%ls", store, sub);
	path[599] = 0;
	s = lx_metastore_open(path, FILE_LIST_DIRECTORY, FILE_OPEN_IF, FILE_DIRECTORY_FILE, &h);
	if (NT_SUCCESS(s))
		NtClose(h);
	return s;
}

static NTSTATUS make_bucket(const wchar_t *store, uint64_t file_id)
{
	wchar_t bucket[4];

	_snwprintf(bucket, 4, L"%02x", (unsigned)(file_id & 0xff));
	bucket[3] = 0;
	return make_store_dir(store, bucket);
}

long lx_metastore_make_bucket(const wchar_t *store, uint64_t file_id)
{
	return make_bucket(store, file_id);
}

long lx_metastore_make_staging(const wchar_t *store)
{
	return make_store_dir(store, LX_METASTORE_STAGING);
}

/* Opens a file of the record's bucket, making the bucket (and the store)
 * when it is not there yet. */
static NTSTATUS open_in_bucket(const wchar_t *store, uint64_t file_id, const wchar_t *path,
                               ACCESS_MASK access, uint32_t disposition, uint32_t share,
                               HANDLE *h)
{
	NTSTATUS s = open_shared(path, access, disposition, FILE_NON_DIRECTORY_FILE, share, h);

	if (s == STATUS_OBJECT_PATH_NOT_FOUND) {
		s = make_bucket(store, file_id);
		if (NT_SUCCESS(s))
			s = open_shared(path, access, disposition, FILE_NON_DIRECTORY_FILE, share, h);
	}
	return s;
}

/* What a record file holds: its current record (slot, -1 for none) and
 * whether a slot is torn.  The bytes of both slots are read in one read. */
struct rec_view {
	int slot;
	uint32_t seq;
	bool torn;
	size_t got;             /* the bytes the file holds, up to two slots */
	struct lx_meta m;
};

static NTSTATUS read_slots(HANDLE h, uint64_t file_id, struct rec_view *v)
{
	unsigned char buf[LX_METAREC_SLOTS * LX_METAREC_SIZE];
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	NTSTATUS s = NtReadFile(h, NULL, NULL, NULL, &io, buf, sizeof(buf), &off, NULL);

	if (s == STATUS_END_OF_FILE) {
		s = 0; /* STATUS_SUCCESS: an empty file holds no record */
		io.Information = 0;
	}
	if (!NT_SUCCESS(s))
		return s;
	v->got = io.Information;
	v->slot = lx_metarec_pick(buf, io.Information, file_id, &v->m, &v->seq, &v->torn);
	return 0; /* STATUS_SUCCESS */
}

/* How many times a reader reads again a record file with a torn slot: a
 * write is under way (or was cut by a kill, which the next write mends),
 * and the other slot may be older than what was current when the read
 * began (docs/formats.md). */
#define LX_METASTORE_REREADS 3

static long read_record(const wchar_t *store, uint64_t file_id, struct lx_meta *m);

/* Through the cache: records are read far more often than written. */
long lx_metastore_read(const wchar_t *store, uint64_t file_id, struct lx_meta *m)
{
	struct lx_metacache_tag t = lx_metacache_tag(store, file_id);
	long s;

	if (lx_metacache_get(&t, file_id, m, &s))
		return s;
	s = read_record(store, file_id, m);
	lx_metacache_put(&t, file_id, m, s);
	return s;
}

static long read_record(const wchar_t *store, uint64_t file_id, struct lx_meta *m)
{
	switch (lx_metatable_layout(store)) {
	case LX_LAYOUT_TABLES:
		return lx_metatable_read(store, file_id, m);
	case LX_LAYOUT_NONE:
		return STATUS_OBJECT_NAME_NOT_FOUND; /* no store yet: no record */
	case LX_LAYOUT_FILES:
		break;
	}
	wchar_t path[600];
	struct rec_view v;
	HANDLE h;
	NTSTATUS s;

	lx_metastore_path(store, file_id, path, 600);
	for (int tries = 0; tries < LX_METASTORE_RETRIES; tries++) {
		s = lx_metastore_open(path, FILE_READ_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h);
		if (!lx_metastore_transient(s))
			break;
		lx_metastore_pause(tries);
	}
	if (s == STATUS_OBJECT_PATH_NOT_FOUND)
		s = STATUS_OBJECT_NAME_NOT_FOUND; /* no bucket yet: no record */
	if (!NT_SUCCESS(s))
		return s;
	for (int tries = 0; tries < LX_METASTORE_REREADS; tries++) {
		s = read_slots(h, file_id, &v);
		if (!NT_SUCCESS(s) || !v.torn || v.slot < 0)
			break;
		Sleep(0);
	}
	NtClose(h);
	if (!NT_SUCCESS(s))
		return s;
	/* Shorter than a slot: the file a change of a file without a record
	 * opened (empty) and a kill stopped before its first write ended. */
	if (v.slot < 0 && v.got < LX_METAREC_SIZE)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (v.slot < 0)
		return STATUS_FILE_CORRUPT_ERROR;
	*m = v.m;
	return 0; /* STATUS_SUCCESS */
}

/* One slot, whole, in one write. */
static NTSTATUS put_slot(HANDLE h, const struct lx_meta *m, uint64_t file_id, uint32_t seq,
                         int slot)
{
	unsigned char rec[LX_METAREC_SIZE];
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off;
	NTSTATUS s;

	encode_slot(m, file_id, seq, rec);
	off.QuadPart = (LONGLONG)slot * LX_METAREC_SIZE;
	s = NtWriteFile(h, NULL, NULL, NULL, &io, rec, sizeof(rec), &off, NULL);
	if (NT_SUCCESS(s) && io.Information != sizeof(rec))
		s = STATUS_DISK_FULL;
	return s;
}

/* The record file opened to change it: for reading and writing, sharing
 * only reading and deletion, so that a second writer's open fails with a
 * sharing violation until this one closes it (the record's lock; a holder
 * that is killed releases it with its handles), while readers and the
 * deletion of the record are not held up.  Made empty when missing (a
 * file made outside lxnt gets its first record). */
static NTSTATUS open_for_update(const wchar_t *store, uint64_t file_id, HANDLE *h)
{
	wchar_t path[600];
	NTSTATUS s;

	lx_metastore_path(store, file_id, path, 600);
	for (int tries = 0; tries < LX_METASTORE_RETRIES; tries++) {
		s = open_in_bucket(store, file_id, path, FILE_READ_DATA | FILE_WRITE_DATA,
		                   FILE_OPEN_IF, FILE_SHARE_READ | FILE_SHARE_DELETE, h);
		if (!lx_metastore_transient(s))
			break;
		lx_metastore_pause(tries);
	}
	return s;
}

/* A record's lock: the record file opened to change it, or the table
 * layout's entry lock. */
struct rec_lock {
	bool table;
	void *held;
};

/* The store's layout, the store made first when there is none yet. */
static enum lx_metastore_layout layout_made(const wchar_t *store)
{
	enum lx_metastore_layout l = lx_metatable_layout(store);

	return l == LX_LAYOUT_NONE ? lx_metatable_make_store(store) : l;
}

void *lx_metastore_lock(const wchar_t *store, uint64_t file_id)
{
	struct rec_lock *l = malloc(sizeof(*l));
	HANDLE h;

	if (!l)
		return NULL;
	l->table = layout_made(store) == LX_LAYOUT_TABLES;
	if (l->table)
		l->held = lx_metatable_lock(store, file_id);
	else
		l->held = NT_SUCCESS(open_for_update(store, file_id, &h)) ? h : NULL;
	if (!l->held) {
		free(l);
		return NULL;
	}
	return l;
}

void lx_metastore_unlock(void *lock)
{
	struct rec_lock *l = lock;

	if (!l)
		return;
	if (l->table)
		lx_metatable_unlock(l->held);
	else
		NtClose(l->held);
	free(l);
}

/* Writes the slot that does not hold the current record, with the next
 * sequence number: a kill in the middle of the write tears only that
 * slot, and readers keep taking the other one.  The counter of the cache
 * moves after the write and before the lock is let go. */
long lx_metastore_write_locked(void *lock, const wchar_t *store, uint64_t file_id,
                               const struct lx_meta *m)
{
	const struct rec_lock *l = lock;
	struct lx_metacache_tag t = lx_metacache_tag(store, file_id);
	struct rec_view cur;
	NTSTATUS s;

	if (l->table) {
		s = lx_metatable_write_locked(l->held, file_id, m);
	} else {
		s = read_slots(l->held, file_id, &cur);
		if (NT_SUCCESS(s))
			s = cur.slot < 0 ? put_slot(l->held, m, file_id, 0, 0) :
			                   put_slot(l->held, m, file_id, cur.seq + 1, 1 - cur.slot);
	}
	lx_metacache_wrote(&t, file_id, NT_SUCCESS(s) ? m : NULL);
	return s;
}

long lx_metastore_write(const wchar_t *store, uint64_t file_id, const struct lx_meta *m)
{
	void *lock = lx_metastore_lock(store, file_id);
	NTSTATUS s;

	if (!lock)
		return STATUS_SHARING_VIOLATION; /* held past every retry, or no store */
	s = lx_metastore_write_locked(lock, store, file_id, m);
	lx_metastore_unlock(lock);
	return s;
}

/* A new file's first record: a record file of its own, made with
 * FILE_CREATE.  Only when one is there already (a record of a file whose
 * id Windows gave again, docs/formats.md "Recycled ids") is it opened with
 * FILE_OVERWRITE_IF, which drops its slots.  Not that disposition every
 * time: Wine truncates what it opens so (ftruncate, a new file too), and
 * ext4 then allocates and writes out the file's blocks when it is closed
 * (auto_da_alloc, its guard for files replaced by truncation), so every
 * record had a block on disk at once, and every unlink a block to free,
 * which on a volume mounted with discard waits for the device. */
static NTSTATUS open_new_record(const wchar_t *store, uint64_t file_id, const wchar_t *path,
                                HANDLE *h)
{
	uint32_t share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
	NTSTATUS s = open_in_bucket(store, file_id, path, FILE_WRITE_DATA, FILE_CREATE, share, h);

	if (s == STATUS_OBJECT_NAME_COLLISION)
		s = open_in_bucket(store, file_id, path, FILE_WRITE_DATA, FILE_OVERWRITE_IF, share, h);
	return s;
}

long lx_metastore_write_new(const wchar_t *store, uint64_t file_id, const struct lx_meta *m)
{
	wchar_t path[600];
	HANDLE h;
	NTSTATUS s;
	struct lx_metacache_tag t = lx_metacache_tag(store, file_id);

	if (layout_made(store) == LX_LAYOUT_TABLES) {
		s = lx_metatable_write_new(store, file_id, m);
		lx_metacache_wrote(&t, file_id, NT_SUCCESS(s) ? m : NULL);
		return s;
	}
	lx_metastore_path(store, file_id, path, 600);
	s = open_new_record(store, file_id, path, &h);
	/* Another process reads or changes a stale record of this id at this
	 * instant: the ordinary write waits for it. */
	if (lx_metastore_transient(s))
		return lx_metastore_write(store, file_id, m);
	if (!NT_SUCCESS(s))
		return s;
	s = put_slot(h, m, file_id, 0, 0);
	NtClose(h);
	lx_metacache_wrote(&t, file_id, NT_SUCCESS(s) ? m : NULL);
	return s;
}

long lx_metastore_set_name(void *h, unsigned long info_class, bool replace,
                           const wchar_t *target)
{
	size_t len = wcslen(target) * sizeof(wchar_t);
	struct lx_nt_rename *info = calloc(1, sizeof(*info) + len);
	IO_STATUS_BLOCK io;
	NTSTATUS s;

	if (!info)
		return STATUS_NO_MEMORY;
	info->ReplaceIfExists = replace;
	info->FileNameLength = (ULONG)len;
	memcpy(info->FileName, target, len);
	s = NtSetInformationFile(h, &io, info, (ULONG)(sizeof(*info) + len),
	                         (FILE_INFORMATION_CLASS)info_class);
	free(info);
	return s;
}

/* Deleted as it is closed: one request less than a disposition set on an
 * open handle (every unlink of a file's last name pays it). */
long lx_metastore_delete_file(const wchar_t *path)
{
	HANDLE h;
	NTSTATUS s = lx_metastore_open(path, DELETE, FILE_OPEN,
	                               FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE, &h);

	if (NT_SUCCESS(s))
		NtClose(h);
	return s;
}

long lx_metastore_delete(const wchar_t *store, uint64_t file_id)
{
	wchar_t path[600];
	NTSTATUS s;

	if (lx_metatable_layout(store) == LX_LAYOUT_TABLES) {
		s = lx_metatable_delete(store, file_id);
	} else {
		lx_metastore_path(store, file_id, path, 600);
		s = lx_metastore_delete_file(path);
	}
	if (!NT_SUCCESS(s))
		return s;
	lx_metacache_changed(store, file_id);
	return 0; /* STATUS_SUCCESS */
}
