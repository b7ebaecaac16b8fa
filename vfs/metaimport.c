/*
 * The import of `lxnt convert`'s manifest (docs/formats.md, "The import
 * manifest"; docs/vfs.md, "Metadata").  In three passes, each of which can
 * be repeated: names of a hard-link group that the copy made into separate
 * files are linked again to the group's first name; every entry gets its
 * record, keyed by the file id that only this side can know; the manifest
 * is removed, which is what marks the import done.  A run killed anywhere
 * leaves the manifest (so the next run starts again) or a finished import.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <winternl.h>

#include "lxnt/linux/fs.h"
#include "metaimport.h"
#include "metastore.h"
#include "metaxattr.h"
#include "nt.h"

/* How long a process waits for another one's import (a minbase rootfs
 * takes seconds); past that it goes on without the records. */
#define IMPORT_WAIT_MS (10 * 60 * 1000)

struct entry {
	uint32_t mode, uid, gid;
	uint64_t rdev;
	int64_t sec[3];        /* atime, mtime, ctime */
	uint32_t nsec[3];
	long link;             /* index of the group's first name, or -1 */
	wchar_t *path;         /* full NT path */
	char *target;          /* a symlink's target, else NULL */
	struct lx_xattrs xattrs; /* its extended attributes (version 2's "x" lines) */
};

struct import {
	const wchar_t *root, *store;
	lx_import_say *say;
	void *ctx;
	struct lx_import_result *res;
	struct entry *v;
	size_t n;
};

static wchar_t *join(const wchar_t *dir, const wchar_t *name)
{
	size_t n = wcslen(dir) + wcslen(name) + 2;
	wchar_t *p = malloc(n * sizeof(wchar_t));

	if (p)
		_snwprintf(p, n, L"%ls%ls%ls", dir,
		           dir[0] && dir[wcslen(dir) - 1] == L'\\' ? L"" : L"\\", name);
	return p;
}

static void sayf(struct import *im, const char *what, const wchar_t *path, unsigned long s)
{
	char line[3 * 1024], name[2 * 1024];

	if (!im->say)
		return;
	if (path && WideCharToMultiByte(CP_UTF8, 0, path, -1, name, sizeof(name), NULL, NULL) <= 0)
		strcpy(name, "?");
	if (s)
		snprintf(line, sizeof(line), "%s%s%s (0x%lx)", what, path ? ": " : "",
		         path ? name : "", s);
	else
		snprintf(line, sizeof(line), "%s%s%s", what, path ? ": " : "", path ? name : "");
	im->say(im->ctx, line);
}

bool lx_meta_import_pending(const wchar_t *root)
{
	wchar_t *path = join(root, LX_MANIFEST_NAME);
	HANDLE h;
	bool found = path && NT_SUCCESS(lx_metastore_open(path, FILE_READ_ATTRIBUTES, FILE_OPEN,
	                                        FILE_NON_DIRECTORY_FILE, &h));

	if (found)
		NtClose(h);
	free(path);
	return found;
}

/* The store's directory (the import may be the first to need it), then
 * its import lock, waited for while another process holds it. */
static NTSTATUS take_lock(struct import *im, HANDLE *lock)
{
	wchar_t *path = join(im->store, LX_IMPORT_LOCK_NAME);
	HANDLE h;
	NTSTATUS s;

	if (!path)
		return STATUS_NO_MEMORY;
	s = lx_metastore_open(im->store, FILE_LIST_DIRECTORY, FILE_OPEN_IF, FILE_DIRECTORY_FILE, &h);
	if (NT_SUCCESS(s)) {
		NtClose(h);
		for (DWORD waited = 0;; waited += 5) {
			s = lx_metastore_open(path, DELETE, FILE_CREATE,
			            FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE, lock);
			if (NT_SUCCESS(s) || waited >= IMPORT_WAIT_MS)
				break;
			/* Taken, or being released: its delete-on-close is under
			 * way (Windows refuses to open a file that is). */
			if (s != STATUS_OBJECT_NAME_COLLISION && s != STATUS_DELETE_PENDING &&
			    s != STATUS_ACCESS_DENIED)
				break;
			Sleep(5);
		}
		if (s == STATUS_OBJECT_NAME_COLLISION)
			s = STATUS_IO_TIMEOUT;
	}
	free(path);
	return s;
}

/* The whole manifest, NUL-terminated; NULL with *s set on failure
 * (STATUS_OBJECT_NAME_NOT_FOUND: there is none). */
static char *read_manifest(const wchar_t *path, NTSTATUS *s)
{
	FILE_STANDARD_INFORMATION std;
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	HANDLE h;
	char *buf = NULL;

	*s = lx_metastore_open(path, FILE_READ_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h);
	if (!NT_SUCCESS(*s))
		return NULL;
	*s = NtQueryInformationFile(h, &io, &std, sizeof(std),
	                            (FILE_INFORMATION_CLASS)LX_FileStandardInformation);
	if (NT_SUCCESS(*s) && std.EndOfFile.QuadPart >= (1 << 30))
		*s = STATUS_FILE_CORRUPT_ERROR;
	if (NT_SUCCESS(*s) && !(buf = malloc((size_t)std.EndOfFile.QuadPart + 1)))
		*s = STATUS_NO_MEMORY;
	for (ULONG got = 0; NT_SUCCESS(*s) && got < (ULONG)std.EndOfFile.QuadPart;) {
		off.QuadPart = got;
		*s = NtReadFile(h, NULL, NULL, NULL, &io, buf + got,
		                (ULONG)std.EndOfFile.QuadPart - got, &off, NULL);
		if (NT_SUCCESS(*s) && io.Information == 0)
			*s = STATUS_FILE_CORRUPT_ERROR;
		got += (ULONG)io.Information;
	}
	NtClose(h);
	if (!NT_SUCCESS(*s)) {
		free(buf);
		return NULL;
	}
	buf[std.EndOfFile.QuadPart] = 0;
	return buf;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* %XX-unescapes a field in place; false for a bad escape or a NUL. */
static bool unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
			if (lo < 0 || (hi | lo) == 0)
				return false;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	return true;
}

/* %XX-unescapes n bytes in place, NULs allowed; their new length, or -1
 * for a bad escape. */
static long unescape_bytes(char *s, size_t n)
{
	char *o = s, *end = s + n;

	for (; s < end; s++) {
		if (*s == '%') {
			int hi = end - s > 2 ? hexval(s[1]) : -1, lo = hi < 0 ? -1 : hexval(s[2]);
			if (lo < 0)
				return -1;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	return (long)(o - (end - n));
}

/* An attribute line of version 2, "x NAME =VALUE", for the entry above:
 * a name of a namespace the vfs keeps, 1 to 255 bytes, no NUL. */
static bool parse_xattr(char *line, struct entry *e)
{
	char *name = line + 2, *value = strchr(name, ' ');
	long vlen;

	if (!value || value[1] != '=' || strchr(value + 2, ' '))
		return false;
	*value = 0;
	value += 2;
	if (!unescape(name) || strlen(name) > 255 || !lx_xattr_kept_prefix(name) ||
	    !name[lx_xattr_kept_prefix(name)])
		return false;
	vlen = unescape_bytes(value, strlen(value));
	return vlen >= 0 && vlen <= 65536 &&
	       lx_xattrs_set(&e->xattrs, name, strlen(name), value, (uint32_t)vlen) == 0;
}

/* Whether a path of Windows names joined by '/' is one the encoder could
 * have written below the root: no empty, "." or ".." component and no
 * character Windows forbids (the codec escapes them all), so that a
 * manifest, whoever wrote it, names nothing outside the rootfs and no
 * alternate data stream. */
static bool encoded_path(const wchar_t *w)
{
	for (const wchar_t *c = w;;) {
		const wchar_t *end = wcschr(c, L'/');
		size_t n = end ? (size_t)(end - c) : wcslen(c);

		if (n == 0 || (n == 1 && c[0] == L'.') || (n == 2 && c[0] == L'.' && c[1] == L'.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if (c[i] < 32 || wcschr(L"<>:\"\\|?*", c[i]))
				return false;
		if (!end)
			return true;
		c = end + 1;
	}
}

/* The entry's NT path: the root, then the manifest's path (UTF-8 of the
 * Windows names, '/' between them) as UTF-16 with '\'. */
static wchar_t *nt_path_of(const wchar_t *root, char *rel)
{
	int n;
	wchar_t *w, *full;

	if (!unescape(rel))
		return NULL;
	if (!strcmp(rel, "."))
		return _wcsdup(root);
	n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, rel, -1, NULL, 0);
	if (n <= 0 || !(w = malloc((size_t)n * sizeof(wchar_t))))
		return NULL;
	MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, rel, -1, w, n);
	if (!encoded_path(w)) {
		free(w);
		return NULL;
	}
	for (wchar_t *p = w; *p; p++)
		if (*p == L'/')
			*p = L'\\';
	full = join(root, w);
	free(w);
	return full;
}

static uint32_t type_bits(char c)
{
	switch (c) {
	case 'd': return LX_S_IFDIR;
	case 'f': return LX_S_IFREG;
	case 'l': return LX_S_IFLNK;
	case 'p': return LX_S_IFIFO;
	case 's': return LX_S_IFSOCK;
	case 'c': return LX_S_IFCHR;
	case 'b': return LX_S_IFBLK;
	default: return 0;
	}
}

/* Cuts the next field at *p, which the separator sep ends (sep becomes
 * NUL); NULL at the end of the string. */
static char *next_field(char **p, char sep)
{
	char *start = *p, *end;

	if (!start || !*start)
		return NULL;
	end = strchr(start, sep);
	if (end) {
		*end = 0;
		*p = end + 1;
	} else {
		*p = NULL;
	}
	return start;
}

/* One line: TYPE MODE UID GID MAJOR:MINOR ATIME MTIME CTIME LINK PATH [TARGET]. */
static bool parse_entry(struct import *im, char *line, size_t index, struct entry *e)
{
	char *tok[12], *p = line;
	int ntok = 0;
	unsigned major, minor;
	long long sec;
	unsigned nsec;
	char *end;

	for (char *t; ntok < 12 && (t = next_field(&p, ' '));)
		tok[ntok++] = t;
	if (ntok < 10 || ntok > 11 || strlen(tok[0]) != 1 || !type_bits(tok[0][0]))
		return false;
	e->mode = type_bits(tok[0][0]) | ((uint32_t)strtoul(tok[1], &end, 8) & 07777);
	if (*end)
		return false;
	e->uid = (uint32_t)strtoul(tok[2], &end, 10);
	if (*end)
		return false;
	e->gid = (uint32_t)strtoul(tok[3], &end, 10);
	if (*end || sscanf(tok[4], "%u:%u", &major, &minor) != 2)
		return false;
	e->rdev = lx_makedev(major, minor);
	for (int k = 0; k < 3; k++) {
		if (sscanf(tok[5 + k], "%lld.%u", &sec, &nsec) != 2 || nsec >= 1000000000u)
			return false;
		e->sec[k] = sec;
		e->nsec[k] = nsec;
	}
	e->link = -1;
	if (strcmp(tok[8], "-")) {
		e->link = strtol(tok[8], &end, 10);
		/* The group's first name comes first and names itself. */
		if (*end || e->link < 0 || (size_t)e->link > index ||
		    ((size_t)e->link < index && im->v[e->link].link != e->link))
			return false;
	}
	if ((ntok == 11) != LX_S_ISLNK(e->mode))
		return false;
	if (ntok == 11 && (!unescape(tok[10]) || !*tok[10] || !(e->target = _strdup(tok[10]))))
		return false;
	e->path = nt_path_of(im->root, tok[9]);
	return e->path != NULL;
}

/* The next line, without its "\r" if a copy made "\r\n" of its end. */
static char *next_line(char **p)
{
	char *line = next_field(p, '\n');
	size_t n = line ? strlen(line) : 0;

	if (n && line[n - 1] == '\r')
		line[n - 1] = 0;
	return line;
}

/* Checks the header and the "end N" line, then reads every entry. */
static NTSTATUS parse_manifest(struct import *im, char *text)
{
	char *p = text, *line = next_line(&p);
	size_t cap = 1024, declared;
	char *last;

	int version = line && !strcmp(line, "lxnt-manifest 1") ? 1 :
	              line && !strcmp(line, "lxnt-manifest 2") ? 2 : 0;

	if (!version)
		return STATUS_FILE_CORRUPT_ERROR;
	if (!(im->v = calloc(cap, sizeof(*im->v))))
		return STATUS_NO_MEMORY;
	while ((line = next_line(&p))) {
		if (!strncmp(line, "end ", 4)) {
			last = line + 4;
			declared = strtoul(last, &last, 10);
			if (*last || declared != im->n || next_line(&p))
				return STATUS_FILE_CORRUPT_ERROR;
			im->res->entries = im->n;
			return 0;
		}
		if (!strncmp(line, "x ", 2)) {
			if (version < 2 || !im->n || !parse_xattr(line, &im->v[im->n - 1]))
				return STATUS_FILE_CORRUPT_ERROR;
			continue;
		}
		if (im->n == cap) {
			struct entry *v = realloc(im->v, 2 * cap * sizeof(*v));
			if (!v)
				return STATUS_NO_MEMORY;
			memset(v + cap, 0, cap * sizeof(*v));
			im->v = v;
			cap *= 2;
		}
		if (!parse_entry(im, line, im->n, &im->v[im->n])) {
			free(im->v[im->n].path);
			free(im->v[im->n].target);
			return STATUS_FILE_CORRUPT_ERROR;
		}
		im->n++;
	}
	return STATUS_FILE_CORRUPT_ERROR; /* no end line: not whole */
}

static NTSTATUS file_id(const wchar_t *path, uint64_t *id, FILE_BASIC_INFORMATION *basic)
{
	FILE_INTERNAL_INFORMATION in;
	IO_STATUS_BLOCK io;
	HANDLE h;
	NTSTATUS s = lx_metastore_open(path, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, &h);

	if (!NT_SUCCESS(s))
		return s;
	s = NtQueryInformationFile(h, &io, &in, sizeof(in),
	                           (FILE_INFORMATION_CLASS)LX_FileInternalInformation);
	if (NT_SUCCESS(s) && basic)
		s = NtQueryInformationFile(h, &io, basic, sizeof(*basic),
		                           (FILE_INFORMATION_CLASS)LX_FileBasicInformation);
	NtClose(h);
	*id = (uint64_t)in.IndexNumber.QuadPart;
	return s;
}

static void delete_path(const wchar_t *path)
{
	FILE_DISPOSITION_INFORMATION d = { TRUE };
	IO_STATUS_BLOCK io;
	HANDLE h;

	if (NT_SUCCESS(lx_metastore_open(path, DELETE, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h))) {
		NtSetInformationFile(h, &io, &d, sizeof(d),
		                     (FILE_INFORMATION_CLASS)LX_FileDispositionInformation);
		NtClose(h);
	}
}

/*
 * Makes member a name of primary's file again.  A link that replaces is
 * one step; where the volume refuses to replace (or the member is gone,
 * because a run was killed after deleting it), the member is deleted and
 * linked anew: a kill between the two leaves it missing, which the next
 * run's link repairs.
 */
static NTSTATUS relink(const wchar_t *primary, const wchar_t *member)
{
	HANDLE h;
	NTSTATUS s = lx_metastore_open(primary, FILE_READ_ATTRIBUTES, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h);

	if (!NT_SUCCESS(s))
		return s;
	s = lx_metastore_set_name(h, LX_FileLinkInformation, true, member);
	if (!NT_SUCCESS(s)) {
		delete_path(member);
		s = lx_metastore_set_name(h, LX_FileLinkInformation, false, member);
	}
	NtClose(h);
	return s;
}

/* Pass 1: every later name of a group is the same file as the first. */
static void relink_groups(struct import *im)
{
	for (size_t i = 0; i < im->n; i++) {
		struct entry *e = &im->v[i];
		uint64_t a, b;
		NTSTATUS s;

		if (e->link < 0 || (size_t)e->link == i)
			continue;
		s = file_id(im->v[e->link].path, &a, NULL);
		if (!NT_SUCCESS(s))
			continue; /* the first name is missing: pass 2 reports it */
		if (NT_SUCCESS(file_id(e->path, &b, NULL)) && a == b)
			continue;
		s = relink(im->v[e->link].path, e->path);
		if (NT_SUCCESS(s)) {
			im->res->relinked++;
		} else {
			im->res->problems++;
			sayf(im, "cannot link again to its first name", e->path, (unsigned long)s);
		}
	}
}

/* Whether the file at path holds exactly target. */
static bool holds(const wchar_t *path, const char *target)
{
	char buf[LX_PATH_MAX + 1];
	size_t n = strlen(target);
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	HANDLE h;
	NTSTATUS s = lx_metastore_open(path, FILE_READ_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &h);

	if (!NT_SUCCESS(s))
		return true; /* missing: pass 2 reports it */
	s = NtReadFile(h, NULL, NULL, NULL, &io, buf, sizeof(buf), &off, NULL);
	NtClose(h);
	return NT_SUCCESS(s) && io.Information == n && !memcmp(buf, target, n);
}

static NTSTATUS rewrite_content(const wchar_t *path, const char *target)
{
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	HANDLE h;
	NTSTATUS s = lx_metastore_open(path, FILE_WRITE_DATA, FILE_OVERWRITE, FILE_NON_DIRECTORY_FILE, &h);

	if (!NT_SUCCESS(s))
		return s;
	s = NtWriteFile(h, NULL, NULL, NULL, &io, (void *)target, (ULONG)strlen(target), &off,
	                NULL);
	NtClose(h);
	return s;
}

/* Pass 1, continued: a symlink is a file holding its target (the portable
 * format); one whose content a copy changed (line ends, say) gets the
 * manifest's target back.  A kill mid-write is repaired by the next run. */
static void restore_targets(struct import *im)
{
	for (size_t i = 0; i < im->n; i++) {
		const struct entry *e = &im->v[i];
		NTSTATUS s;

		if (!e->target || holds(e->path, e->target))
			continue;
		s = rewrite_content(e->path, e->target);
		if (!NT_SUCCESS(s)) {
			im->res->problems++;
			sayf(im, "cannot write the symlink's target", e->path, (unsigned long)s);
		}
	}
}

/* Pass 2: the record of each entry, with the Windows times it was
 * written against (a later write to the file moves them, and then wins,
 * as for any record). */
static void write_records(struct import *im, int64_t *root_mtime_nt)
{
	for (size_t i = 0; i < im->n; i++) {
		const struct entry *e = &im->v[i];
		FILE_BASIC_INFORMATION basic;
		struct lx_meta m;
		uint64_t id;
		NTSTATUS s = file_id(e->path, &id, &basic);

		if (!NT_SUCCESS(s)) {
			im->res->problems++;
			sayf(im, "missing", e->path, (unsigned long)s);
			continue;
		}
		if (!(basic.FileAttributes & FILE_ATTRIBUTE_DIRECTORY) != !LX_S_ISDIR(e->mode)) {
			im->res->problems++;
			sayf(im, LX_S_ISDIR(e->mode) ? "not a directory" : "a directory", e->path, 0);
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.mode = e->mode;
		m.uid = e->uid;
		m.gid = e->gid;
		m.rdev = e->rdev;
		m.atime_sec = e->sec[0];
		m.mtime_sec = e->sec[1];
		m.ctime_sec = e->sec[2];
		m.atime_nsec = e->nsec[0];
		m.mtime_nsec = e->nsec[1];
		m.ctime_nsec = e->nsec[2];
		m.atime_nt = basic.LastAccessTime.QuadPart;
		m.mtime_nt = basic.LastWriteTime.QuadPart;
		if (i == 0)
			*root_mtime_nt = m.mtime_nt;
		/* The attribute file before the record that names it
		 * (docs/formats.md, "Extended attributes"); a hard-link
		 * group's are its first name's. */
		const struct lx_xattrs *x = e->link >= 0 ? &im->v[e->link].xattrs : &e->xattrs;
		s = 0; /* STATUS_SUCCESS */
		if (x->len && (e->link < 0 || (size_t)e->link == i))
			s = lx_xattrs_store(im->store, id, x);
		if (x->len)
			m.flags |= LX_META_F_XATTRS;
		if (!NT_SUCCESS(s)) {
			im->res->problems++;
			sayf(im, "cannot write the attributes", e->path, (unsigned long)s);
			continue;
		}
		s = lx_metastore_write(im->store, id, &m);
		if (NT_SUCCESS(s)) {
			im->res->records++;
		} else {
			im->res->problems++;
			sayf(im, "cannot write the record", e->path, (unsigned long)s);
		}
	}
}

/* Removing the manifest writes the root directory, which moves its
 * Windows last-write time past the one its record was written against;
 * setting it back keeps the root's own mtime.  (A kill between the two
 * leaves the root with the time of the import.) */
static void restore_root_mtime(const wchar_t *root, int64_t mtime_nt)
{
	FILE_BASIC_INFORMATION basic;
	IO_STATUS_BLOCK io;
	HANDLE h;

	if (!mtime_nt || !NT_SUCCESS(lx_metastore_open(root, FILE_WRITE_ATTRIBUTES, FILE_OPEN,
	                                     FILE_DIRECTORY_FILE, &h)))
		return;
	memset(&basic, 0, sizeof(basic)); /* 0: leave that time as it is */
	basic.LastWriteTime.QuadPart = mtime_nt;
	NtSetInformationFile(h, &io, &basic, sizeof(basic),
	                     (FILE_INFORMATION_CLASS)LX_FileBasicInformation);
	NtClose(h);
}

static long run_import(struct import *im)
{
	wchar_t *manifest = join(im->root, LX_MANIFEST_NAME);
	int64_t root_mtime_nt = 0;
	NTSTATUS s;
	char *text = manifest ? read_manifest(manifest, &s) : NULL;

	if (!manifest)
		s = STATUS_NO_MEMORY;
	if (!text) {
		free(manifest);
		return s == STATUS_OBJECT_NAME_NOT_FOUND ? 0 : s; /* done by another process */
	}
	s = parse_manifest(im, text);
	free(text);
	if (!NT_SUCCESS(s)) {
		sayf(im, "the manifest is damaged or not whole", manifest, (unsigned long)s);
	} else if (im->n == 0 || !LX_S_ISDIR(im->v[0].mode) || wcscmp(im->v[0].path, im->root)) {
		s = STATUS_FILE_CORRUPT_ERROR; /* the root comes first */
		sayf(im, "the manifest does not begin with the root", manifest, 0);
	} else {
		relink_groups(im);
		restore_targets(im);
		write_records(im, &root_mtime_nt);
		if (im->res->problems) {
			s = STATUS_OBJECT_NAME_NOT_FOUND;
			sayf(im, "import not finished: the manifest stays", manifest, 0);
		} else {
			delete_path(manifest);
			restore_root_mtime(im->root, root_mtime_nt);
		}
	}
	free(manifest);
	return s;
}

long lx_meta_import(const wchar_t *root, const wchar_t *store, lx_import_say *say, void *ctx,
                    struct lx_import_result *res)
{
	struct import im = { .root = root, .store = store, .say = say, .ctx = ctx, .res = res };
	HANDLE lock;
	long s;

	memset(res, 0, sizeof(*res));
	s = take_lock(&im, &lock);
	if (!NT_SUCCESS(s)) {
		sayf(&im, "cannot take the import lock", store, (unsigned long)s);
	} else {
		s = run_import(&im);
		NtClose(lock);
	}
	for (size_t i = 0; i < im.n; i++) {
		free(im.v[i].path);
		free(im.v[i].target);
		lx_xattrs_free(&im.v[i].xattrs);
	}
	free(im.v);
	return s;
}
