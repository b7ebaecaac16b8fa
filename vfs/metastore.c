/*
 * The portable metadata format (docs/formats.md, "The portable format"):
 * one record per file, keyed by its file id, in a store directory at the
 * volume's root.  A record is always written whole to a temporary name and
 * renamed over the old one, so a reader sees the old record or the new one,
 * never a mixture, whenever the writer is killed.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <winternl.h>

#include "metacache.h"
#include "metastore.h"
#include "nt.h"

#ifndef STATUS_FILE_CORRUPT_ERROR
#define STATUS_FILE_CORRUPT_ERROR ((NTSTATUS)0xC0000102L)
#endif
#ifndef STATUS_DISK_FULL
#define STATUS_DISK_FULL ((NTSTATUS)0xC000007FL)
#endif
#ifndef STATUS_DELETE_PENDING
#define STATUS_DELETE_PENDING ((NTSTATUS)0xC0000056L)
#endif
#ifndef STATUS_SHARING_VIOLATION
#define STATUS_SHARING_VIOLATION ((NTSTATUS)0xC0000043L)
#endif
#ifndef STATUS_ACCESS_DENIED
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#endif

/* How many times, about a millisecond apart, an operation on a record
 * that another process holds open for an instant is tried again. */
#define LX_METASTORE_RETRIES 5000

/* A record being replaced or read by another process at this instant:
 * the classic rename cannot replace a file that is open, and a file that
 * is being replaced cannot be opened. */
static bool transient(NTSTATUS s)
{
	return s == STATUS_ACCESS_DENIED || s == STATUS_DELETE_PENDING ||
	       s == STATUS_SHARING_VIOLATION;
}

static void pause_try(int tries)
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
	put32(out + 4, 1 | (uint32_t)LX_METAREC_SIZE << 16); /* version, size */
	put64(out + 8, file_id);
	put32(out + 16, m->mode);
	put32(out + 20, m->uid);
	put32(out + 24, m->gid);
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

bool lx_metarec_decode(const unsigned char in[LX_METAREC_SIZE], uint64_t file_id,
                       struct lx_meta *m)
{
	if (get32(in) != LX_METAREC_MAGIC || get32(in + 4) != (1 | (uint32_t)LX_METAREC_SIZE << 16) ||
	    get32(in + 100) != lx_crc32(in, 100) || get64(in + 8) != file_id)
		return false;
	m->mode = get32(in + 16);
	m->uid = get32(in + 20);
	m->gid = get32(in + 24);
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

/* <store>\<low byte of the id, 2 hex>\<id, 16 hex>: 256 buckets keep
 * each directory small on volumes whose lookups are linear (FAT). */
void lx_metastore_path(const wchar_t *store, uint64_t file_id, bool tmp, wchar_t *out,
                       size_t cap)
{
	if (tmp)
		_snwprintf(out, cap, L"%ls\\%02x\\%016llx.%lx.%lx.tmp", store,
		           (unsigned)(file_id & 0xff), (unsigned long long)file_id,
		           GetCurrentProcessId(), GetCurrentThreadId());
	else
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

long lx_metastore_open(const wchar_t *path, uint32_t access, uint32_t disposition,
                       uint32_t options, void **h)
{
	UNICODE_STRING name;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;

	name.Buffer = (PWSTR)path;
	name.Length = (USHORT)(wcslen(path) * sizeof(wchar_t));
	name.MaximumLength = name.Length;
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	return NtCreateFile((HANDLE *)h, access | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL,
	                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, disposition,
	                    options | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
}

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
	wchar_t path[600];
	unsigned char rec[LX_METAREC_SIZE];
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	HANDLE h;
	NTSTATUS s;

	lx_metastore_path(store, file_id, false, path, 600);
	for (int tries = 0; tries < LX_METASTORE_RETRIES; tries++) {
		s = lx_metastore_open(path, FILE_READ_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h);
		if (!transient(s))
			break;
		pause_try(tries);
	}
	if (s == STATUS_OBJECT_PATH_NOT_FOUND)
		s = STATUS_OBJECT_NAME_NOT_FOUND; /* no bucket yet: no record */
	if (!NT_SUCCESS(s))
		return s;
	s = NtReadFile(h, NULL, NULL, NULL, &io, rec, sizeof(rec), &off, NULL);
	NtClose(h);
	if (!NT_SUCCESS(s) && s != STATUS_END_OF_FILE)
		return s;
	if (!NT_SUCCESS(s) || io.Information != sizeof(rec) || !lx_metarec_decode(rec, file_id, m))
		return STATUS_FILE_CORRUPT_ERROR;
	return 0; /* STATUS_SUCCESS */
}

/* Makes the store and the record's bucket (both may exist already: another
 * process can make them at the same moment). */
static NTSTATUS make_bucket(const wchar_t *store, uint64_t file_id)
{
	wchar_t path[600];
	HANDLE h;
	NTSTATUS s = lx_metastore_open(store, FILE_LIST_DIRECTORY, FILE_OPEN_IF, FILE_DIRECTORY_FILE, &h);

	if (!NT_SUCCESS(s))
		return s;
	NtClose(h);
	_snwprintf(path, 600, L"%ls\\%02x", store, (unsigned)(file_id & 0xff));
	path[599] = 0;
	s = lx_metastore_open(path, FILE_LIST_DIRECTORY, FILE_OPEN_IF, FILE_DIRECTORY_FILE, &h);
	if (NT_SUCCESS(s))
		NtClose(h);
	return s;
}

/* Creates or overwrites a file of the record's bucket, making the bucket
 * (and the store) when it is not there yet. */
static NTSTATUS open_in_bucket(const wchar_t *store, uint64_t file_id, const wchar_t *path,
                               ACCESS_MASK access, HANDLE *h)
{
	NTSTATUS s = lx_metastore_open(path, access, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, h);

	if (s == STATUS_OBJECT_PATH_NOT_FOUND) {
		s = make_bucket(store, file_id);
		if (NT_SUCCESS(s))
			s = lx_metastore_open(path, access, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, h);
	}
	return s;
}

/* FileRenameInformationEx with POSIX semantics replaces a record that a
 * reader holds open (NTFS); the classic class cannot, so where only it
 * exists (Wine 8) the rename is tried again until the reader is done. */
static NTSTATUS rename_over(HANDLE h, const wchar_t *target)
{
	size_t len = wcslen(target) * sizeof(wchar_t);
	unsigned char buf[sizeof(struct lx_nt_rename) + 1200];
	struct lx_nt_rename *info = (void *)buf;
	IO_STATUS_BLOCK io;
	NTSTATUS s;

	if (len > 1200)
		return STATUS_NAME_TOO_LONG;
	memset(info, 0, sizeof(*info));
	info->Flags = LX_FILE_RENAME_REPLACE_IF_EXISTS | LX_FILE_RENAME_POSIX_SEMANTICS;
	info->FileNameLength = (ULONG)len;
	memcpy(info->FileName, target, len);
	s = NtSetInformationFile(h, &io, info, (ULONG)(sizeof(*info) + len),
	                         (FILE_INFORMATION_CLASS)LX_FileRenameInformationEx);
	if (NT_SUCCESS(s) || !(s == STATUS_INVALID_INFO_CLASS || s == STATUS_NOT_IMPLEMENTED ||
	                       s == (NTSTATUS)STATUS_INVALID_PARAMETER || s == STATUS_NOT_SUPPORTED))
		return s;
	info->Flags = 0;
	info->ReplaceIfExists = TRUE;
	for (int tries = 0; tries < LX_METASTORE_RETRIES; tries++) {
		s = NtSetInformationFile(h, &io, info, (ULONG)(sizeof(*info) + len),
		                         (FILE_INFORMATION_CLASS)LX_FileRenameInformation);
		if (!transient(s))
			break;
		pause_try(tries);
	}
	return s;
}

static void delete_handle(HANDLE h)
{
	FILE_DISPOSITION_INFORMATION d = { TRUE };
	IO_STATUS_BLOCK io;

	NtSetInformationFile(h, &io, &d, sizeof(d),
	                     (FILE_INFORMATION_CLASS)LX_FileDispositionInformation);
}

/* Written whole under a temporary name of this thread, then renamed over
 * the record (FileRenameInformation, ReplaceIfExists): atomic on NTFS and
 * on every volume whose rename is. */
long lx_metastore_write(const wchar_t *store, uint64_t file_id, const struct lx_meta *m)
{
	wchar_t tmp[600], path[600];
	unsigned char rec[LX_METAREC_SIZE];
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	HANDLE h;
	NTSTATUS s;

	struct lx_metacache_tag t = lx_metacache_tag(store, file_id);

	lx_metarec_encode(m, file_id, rec);
	lx_metastore_path(store, file_id, true, tmp, 600);
	lx_metastore_path(store, file_id, false, path, 600);
	s = open_in_bucket(store, file_id, tmp, FILE_WRITE_DATA | DELETE, &h);
	if (!NT_SUCCESS(s))
		return s;
	s = NtWriteFile(h, NULL, NULL, NULL, &io, rec, sizeof(rec), &off, NULL);
	if (NT_SUCCESS(s) && io.Information != sizeof(rec))
		s = STATUS_DISK_FULL;
	if (NT_SUCCESS(s))
		s = rename_over(h, path);
	if (!NT_SUCCESS(s))
		delete_handle(h);
	NtClose(h);
	lx_metacache_wrote(&t, file_id, NT_SUCCESS(s) ? m : NULL);
	return s;
}

long lx_metastore_make_staging(const wchar_t *store)
{
	wchar_t path[600];
	HANDLE h;
	NTSTATUS s = lx_metastore_open(store, FILE_LIST_DIRECTORY, FILE_OPEN_IF, FILE_DIRECTORY_FILE, &h);

	if (!NT_SUCCESS(s))
		return s;
	NtClose(h);
	_snwprintf(path, 600, L"%ls\\%ls", store, LX_METASTORE_STAGING);
	path[599] = 0;
	s = lx_metastore_open(path, FILE_LIST_DIRECTORY, FILE_OPEN_IF, FILE_DIRECTORY_FILE, &h);
	if (NT_SUCCESS(s))
		NtClose(h);
	return s;
}

/* FILE_OVERWRITE_IF: a record of the same id may be left from a file whose
 * id Windows gave again (docs/formats.md, "Recycled ids"). */
long lx_metastore_write_new(const wchar_t *store, uint64_t file_id, const struct lx_meta *m)
{
	wchar_t path[600];
	unsigned char rec[LX_METAREC_SIZE];
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	HANDLE h;
	NTSTATUS s;
	struct lx_metacache_tag t = lx_metacache_tag(store, file_id);

	lx_metarec_encode(m, file_id, rec);
	lx_metastore_path(store, file_id, false, path, 600);
	s = open_in_bucket(store, file_id, path, FILE_WRITE_DATA, &h);
	/* Another process reads or replaces a stale record of this id at this
	 * instant: the ordinary write waits for it. */
	if (transient(s))
		return lx_metastore_write(store, file_id, m);
	if (!NT_SUCCESS(s))
		return s;
	s = NtWriteFile(h, NULL, NULL, NULL, &io, rec, sizeof(rec), &off, NULL);
	if (NT_SUCCESS(s) && io.Information != sizeof(rec))
		s = STATUS_DISK_FULL;
	NtClose(h);
	lx_metacache_wrote(&t, file_id, NT_SUCCESS(s) ? m : NULL);
	return s;
}

long lx_metastore_delete(const wchar_t *store, uint64_t file_id)
{
	wchar_t path[600];
	HANDLE h;
	NTSTATUS s;

	/* Deleted as it is closed: one request less than a disposition set
	 * on an open handle (every unlink of a file's last name pays it). */
	lx_metastore_path(store, file_id, false, path, 600);
	s = lx_metastore_open(path, DELETE, FILE_OPEN, FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE,
	                      &h);
	if (!NT_SUCCESS(s))
		return s;
	NtClose(h);
	lx_metacache_changed(store, file_id);
	return 0; /* STATUS_SUCCESS */
}

void *lx_metastore_lock(const wchar_t *store, uint64_t file_id)
{
	wchar_t path[600];
	HANDLE h;

	lx_metastore_path(store, file_id, false, path, 590);
	wcscat(path, L".lock");
	for (int tries = 0; tries < LX_METASTORE_RETRIES; tries++) {
		NTSTATUS s = lx_metastore_open(path, DELETE, FILE_CREATE,
		                       FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE, &h);
		if (NT_SUCCESS(s))
			return h;
		if (s == STATUS_OBJECT_PATH_NOT_FOUND) {
			if (!NT_SUCCESS(make_bucket(store, file_id)))
				return NULL;
			continue;
		}
		if (s != STATUS_OBJECT_NAME_COLLISION && !transient(s))
			return NULL;
		pause_try(tries);
	}
	return NULL;
}

void lx_metastore_unlock(void *lock)
{
	if (lock)
		NtClose(lock);
}
