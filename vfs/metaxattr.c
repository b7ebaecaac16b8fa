/*
 * Extended attributes in the portable format (metaxattr.h, docs/formats.md
 * "Extended attributes").  A file's attributes are few and small, and read
 * far more often than written, so they live together in one file that a
 * change replaces whole: written under a temporary name, then renamed over
 * the old one, so that a reader, and a writer killed at any point, sees
 * the old set or the new one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <winternl.h>

#include "metastore.h"
#include "metaxattr.h"
#include "nt.h"

#define ENTRY_HEADER 8

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void lx_xattrs_free(struct lx_xattrs *x)
{
	free(x->buf);
	memset(x, 0, sizeof(*x));
}

/* The entry at offset off: its name, value and whole length. */
struct entry {
	const char *name;
	size_t n;
	const unsigned char *value;
	uint32_t vlen;
	size_t size;
};

static bool entry_at(const unsigned char *buf, size_t len, size_t off, struct entry *e)
{
	if (len - off < ENTRY_HEADER)
		return false;
	e->n = get32(buf + off);
	e->vlen = get32(buf + off + 4);
	if (e->n == 0 || e->n > 255 || e->vlen > LX_XATTR_MAX_BYTES ||
	    len - off - ENTRY_HEADER < e->n + (size_t)e->vlen)
		return false;
	e->name = (const char *)buf + off + ENTRY_HEADER;
	e->value = buf + off + ENTRY_HEADER + e->n;
	e->size = ENTRY_HEADER + e->n + e->vlen;
	return memchr(e->name, 0, e->n) == NULL;
}

/* The offset of name's entry, or -1. */
static long find(const struct lx_xattrs *x, const char *name, size_t n, struct entry *e)
{
	for (size_t off = 0; off < x->len && entry_at(x->buf, x->len, off, e); off += e->size)
		if (e->n == n && !memcmp(e->name, name, n))
			return (long)off;
	return -1;
}

const unsigned char *lx_xattrs_find(const struct lx_xattrs *x, const char *name, size_t n,
                                    uint32_t *vlen)
{
	struct entry e;

	if (find(x, name, n, &e) < 0)
		return NULL;
	*vlen = e.vlen;
	return e.value;
}

int lx_xattrs_set(struct lx_xattrs *x, const char *name, size_t n, const void *value,
                  uint32_t vlen)
{
	struct entry e;
	long at = find(x, name, n, &e);
	size_t old = at < 0 ? 0 : e.size, size = ENTRY_HEADER + n + vlen;
	size_t len = x->len - old + size;

	if (n == 0 || n > 255 || len > LX_XATTR_MAX_BYTES)
		return -2;
	if (len > x->cap) {
		size_t cap = len < 256 ? 256 : 2 * len;
		unsigned char *p = realloc(x->buf, cap);
		if (!p)
			return -1;
		x->buf = p;
		x->cap = cap;
	}
	if (at < 0) {
		at = (long)x->len;
	} else if (old != size) {
		/* The same place, so that the order of first setting stays. */
		memmove(x->buf + at + size, x->buf + at + old, x->len - at - old);
	}
	put32(x->buf + at, (uint32_t)n);
	put32(x->buf + at + 4, vlen);
	memcpy(x->buf + at + ENTRY_HEADER, name, n);
	if (vlen)
		memcpy(x->buf + at + ENTRY_HEADER + n, value, vlen);
	x->len = len;
	return 0;
}

bool lx_xattrs_remove(struct lx_xattrs *x, const char *name, size_t n)
{
	struct entry e;
	long at = find(x, name, n, &e);

	if (at < 0)
		return false;
	memmove(x->buf + at, x->buf + at + e.size, x->len - at - e.size);
	x->len -= e.size;
	return true;
}

void lx_xattrs_each(const struct lx_xattrs *x,
                    bool (*fn)(void *ctx, const char *name, size_t n, const unsigned char *value,
                               uint32_t vlen),
                    void *ctx)
{
	struct entry e;

	for (size_t off = 0; off < x->len && entry_at(x->buf, x->len, off, &e); off += e.size)
		if (!fn(ctx, e.name, e.n, e.value, e.vlen))
			return;
}

/* Header: magic, version (2 bytes), header size (2), file id (8), the
 * entries' length (4), CRC-32 of the entries (4). */
unsigned char *lx_xattrs_encode(const struct lx_xattrs *x, uint64_t file_id, size_t *n)
{
	unsigned char *out = malloc(LX_XATTR_HEADER + x->len);

	if (!out)
		return NULL;
	put32(out, LX_XATTR_MAGIC);
	put32(out + 4, LX_XATTR_VERSION | (uint32_t)LX_XATTR_HEADER << 16);
	put32(out + 8, (uint32_t)file_id);
	put32(out + 12, (uint32_t)(file_id >> 32));
	put32(out + 16, (uint32_t)x->len);
	put32(out + 20, lx_crc32(x->buf, x->len));
	if (x->len)
		memcpy(out + LX_XATTR_HEADER, x->buf, x->len);
	*n = LX_XATTR_HEADER + x->len;
	return out;
}

bool lx_xattrs_decode(const unsigned char *in, size_t n, uint64_t file_id, struct lx_xattrs *x)
{
	struct entry e;
	size_t len, off;

	memset(x, 0, sizeof(*x));
	if (n < LX_XATTR_HEADER || get32(in) != LX_XATTR_MAGIC ||
	    get32(in + 4) != (LX_XATTR_VERSION | (uint32_t)LX_XATTR_HEADER << 16) ||
	    (get32(in + 8) | (uint64_t)get32(in + 12) << 32) != file_id)
		return false;
	len = get32(in + 16);
	if (len != n - LX_XATTR_HEADER || len > LX_XATTR_MAX_BYTES ||
	    get32(in + 20) != lx_crc32(in + LX_XATTR_HEADER, len))
		return false;
	for (off = 0; off < len && entry_at(in + LX_XATTR_HEADER, len, off, &e); off += e.size)
		;
	if (off != len)
		return false;
	if (!len)
		return true;
	x->buf = malloc(len);
	if (!x->buf)
		return false;
	memcpy(x->buf, in + LX_XATTR_HEADER, len);
	x->len = x->cap = len;
	return true;
}

void lx_xattrs_path(const wchar_t *store, uint64_t file_id, wchar_t *out, size_t cap)
{
	size_t n;

	lx_metastore_path(store, file_id, out, cap);
	n = wcslen(out);
	if (n + 3 <= cap)
		wcscpy(out + n, L".x");
}


long lx_xattrs_load(const wchar_t *store, uint64_t file_id, struct lx_xattrs *x)
{
	wchar_t path[600];
	FILE_STANDARD_INFORMATION std;
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	unsigned char *buf;
	HANDLE h;
	NTSTATUS s;
	size_t n;

	memset(x, 0, sizeof(*x));
	lx_xattrs_path(store, file_id, path, 600);
	for (int tries = 0; tries < LX_METASTORE_RETRIES; tries++) {
		s = lx_metastore_open(path, FILE_READ_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE, (void **)&h);
		if (!lx_metastore_transient(s))
			break;
		lx_metastore_pause(tries);
	}
	if (s == STATUS_OBJECT_NAME_NOT_FOUND || s == STATUS_OBJECT_PATH_NOT_FOUND)
		return 0; /* STATUS_SUCCESS: no attributes */
	if (!NT_SUCCESS(s))
		return s;
	s = NtQueryInformationFile(h, &io, &std, sizeof(std),
	                           (FILE_INFORMATION_CLASS)LX_FileStandardInformation);
	if (NT_SUCCESS(s) && (std.EndOfFile.QuadPart < LX_XATTR_HEADER ||
	                      std.EndOfFile.QuadPart > LX_XATTR_HEADER + LX_XATTR_MAX_BYTES))
		s = STATUS_FILE_CORRUPT_ERROR;
	if (!NT_SUCCESS(s)) {
		NtClose(h);
		return s;
	}
	n = (size_t)std.EndOfFile.QuadPart;
	buf = malloc(n);
	if (!buf) {
		NtClose(h);
		return STATUS_NO_MEMORY;
	}
	s = NtReadFile(h, NULL, NULL, NULL, &io, buf, (ULONG)n, &off, NULL);
	NtClose(h);
	if (NT_SUCCESS(s) && !lx_xattrs_decode(buf, io.Information, file_id, x))
		s = STATUS_FILE_CORRUPT_ERROR;
	free(buf);
	return s;
}

/* Renames the temporary behind h over target: POSIX semantics where the
 * volume has them (an open reader keeps the old file), else the classic
 * rename, tried again while a reader holds the target open. */
static NTSTATUS rename_over(HANDLE h, const wchar_t *target)
{
	size_t len = wcslen(target) * sizeof(wchar_t);
	struct lx_nt_rename *info = calloc(1, sizeof(*info) + len + sizeof(wchar_t));
	IO_STATUS_BLOCK io;
	NTSTATUS s;

	if (!info)
		return STATUS_NO_MEMORY;
	info->FileNameLength = (ULONG)len;
	memcpy(info->FileName, target, len);
	info->Flags = LX_FILE_RENAME_REPLACE_IF_EXISTS | LX_FILE_RENAME_POSIX_SEMANTICS;
	s = NtSetInformationFile(h, &io, info, (ULONG)(sizeof(*info) + len),
	                         (FILE_INFORMATION_CLASS)LX_FileRenameInformationEx);
	if (s == STATUS_INVALID_INFO_CLASS || s == STATUS_NOT_IMPLEMENTED ||
	    s == (NTSTATUS)STATUS_INVALID_PARAMETER || s == STATUS_NOT_SUPPORTED) {
		info->Flags = 0;
		info->ReplaceIfExists = TRUE;
		for (int tries = 0; tries < LX_METASTORE_RETRIES; tries++) {
			s = NtSetInformationFile(h, &io, info, (ULONG)(sizeof(*info) + len),
			                         (FILE_INFORMATION_CLASS)LX_FileRenameInformation);
			if (!lx_metastore_transient(s))
				break;
			lx_metastore_pause(tries);
		}
	}
	free(info);
	return s;
}

long lx_xattrs_store(const wchar_t *store, uint64_t file_id, const struct lx_xattrs *x)
{
	static volatile LONG seq;
	wchar_t path[600], tmp[700];
	FILE_DISPOSITION_INFORMATION del = { TRUE };
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	unsigned char *bytes;
	size_t n;
	HANDLE h;
	NTSTATUS s;

	if (!x->len)
		return lx_xattrs_delete(store, file_id);
	bytes = lx_xattrs_encode(x, file_id, &n);
	if (!bytes)
		return STATUS_NO_MEMORY;
	lx_xattrs_path(store, file_id, path, 600);
	/* <id>.x.<pid>.<tid>.<n>.tmp: lxnt-fsck's garbage when a kill leaves it. */
	_snwprintf(tmp, 700, L"%ls.%lx.%lx.%lx.tmp", path, GetCurrentProcessId(),
	           GetCurrentThreadId(), (unsigned long)InterlockedIncrement(&seq));
	tmp[699] = 0;
	s = lx_metastore_open(tmp, FILE_WRITE_DATA | DELETE, FILE_CREATE, FILE_NON_DIRECTORY_FILE,
	                      (void **)&h);
	if (s == STATUS_OBJECT_PATH_NOT_FOUND && NT_SUCCESS(lx_metastore_make_bucket(store, file_id)))
		s = lx_metastore_open(tmp, FILE_WRITE_DATA | DELETE, FILE_CREATE,
		                      FILE_NON_DIRECTORY_FILE, (void **)&h);
	if (!NT_SUCCESS(s)) {
		free(bytes);
		return s;
	}
	s = NtWriteFile(h, NULL, NULL, NULL, &io, bytes, (ULONG)n, &off, NULL);
	if (NT_SUCCESS(s) && io.Information != n)
		s = STATUS_DISK_FULL;
	free(bytes);
	if (NT_SUCCESS(s))
		s = rename_over(h, path);
	if (!NT_SUCCESS(s))
		NtSetInformationFile(h, &io, &del, sizeof(del),
		                     (FILE_INFORMATION_CLASS)LX_FileDispositionInformation);
	NtClose(h);
	return s;
}

long lx_xattrs_delete(const wchar_t *store, uint64_t file_id)
{
	wchar_t path[600];
	NTSTATUS s;

	lx_xattrs_path(store, file_id, path, 600);
	s = lx_metastore_delete_file(path);
	return s == STATUS_OBJECT_NAME_NOT_FOUND || s == STATUS_OBJECT_PATH_NOT_FOUND ? 0 : s;
}
