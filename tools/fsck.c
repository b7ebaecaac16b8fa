/*
 * lxnt-fsck: checks a rootfs in the portable metadata format (docs/formats.md,
 * "The portable format") and reports damage.  A Windows program built from
 * the vfs's own record store.
 *
 *   lxnt-fsck [--repair | --import] ROOT
 *
 * --import first imports the manifest that `lxnt convert` left in ROOT
 * (docs/formats.md, "The import manifest"; vfs/metaimport.c), as the first
 * process of the rootfs would, then checks.
 * Damage: a record without one whole slot (wrong size, magic, id or CRC;
 * a torn slot beside a whole one is what a cut write leaves, and the
 * reader takes the whole one), a record table's entry that is neither
 * zeros nor an intact record of its own id, a
 * record whose type contradicts the file (a directory against a file), a
 * symlink whose target is empty or longer than PATH_MAX - 1, a special
 * file with data.  Garbage, reported but not damage, removed by --repair:
 * records of files that no longer exist (a kill between an unlink and the
 * record's deletion), temporaries of record writes interrupted before
 * records were written in place (<id>.<pid>.<tid>.tmp, <id>.lock), of a
 * store whose making was cut short (U+F000 "lxnt.<pid>.<tid>.<n>"), and of
 * creations (in the store's staging directory, or in a guest directory
 * for trees written before it existed), attribute files (<id>.x) of files
 * that are gone or whose record does not name them, and their
 * temporaries (<id>.x.<pid>.<tid>.<n>.tmp).  An attribute file that its
 * record names and that is not whole is damage.  A manifest not imported yet is reported, not damage.  Exit
 * status 0 without damage, 1 with (or when an import did not finish), 2
 * when the tree cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <winternl.h>
#include <shellapi.h>

#include "lxnt/linux/fs.h"
#include "metaimport.h"
#include "metastore.h"
#include "metatable.h"
#include "metaxattr.h"
#include "nt.h"

struct fsck {
	bool repair;
	const wchar_t *store;
	uint64_t *ids;
	size_t nids, cap;
	unsigned long entries, records, damaged, orphans, temporaries;
};

static NTSTATUS open_dir(const wchar_t *path, ACCESS_MASK access, HANDLE *h)
{
	UNICODE_STRING name;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;

	name.Buffer = (PWSTR)path;
	name.Length = (USHORT)(wcslen(path) * sizeof(wchar_t));
	name.MaximumLength = name.Length;
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	return NtCreateFile(h, access | SYNCHRONIZE, &oa, &io, NULL, 0,
	                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN,
	                    FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
}

static void delete_path(const wchar_t *path)
{
	FILE_DISPOSITION_INFORMATION d = { TRUE };
	IO_STATUS_BLOCK io;
	HANDLE h;

	if (NT_SUCCESS(open_dir(path, DELETE, &h))) {
		NtSetInformationFile(h, &io, &d, sizeof(d),
		                     (FILE_INFORMATION_CLASS)LX_FileDispositionInformation);
		NtClose(h);
	}
}

/* One line of the report: the path in UTF-8, U+F000 names included (the
 * C runtime's %ls stops at characters of no code page). */
static void say(const char *what, const wchar_t *path, const char *why)
{
	char out[4 * MAX_PATH];
	int n = WideCharToMultiByte(CP_UTF8, 0, path, -1, out, sizeof(out), NULL, NULL);

	printf("%s: %s%s%s\n", what, n > 0 ? out : "?", why ? ": " : "", why ? why : "");
}

static void remember(struct fsck *c, uint64_t id)
{
	if (c->nids == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 4096;
		c->ids = realloc(c->ids, c->cap * sizeof(*c->ids));
		if (!c->ids) {
			fprintf(stderr, "lxnt-fsck: out of memory\n");
			exit(2);
		}
	}
	c->ids[c->nids++] = id;
}

static void damage(struct fsck *c, const wchar_t *path, const char *why)
{
	c->damaged++;
	say("damaged", path, why);
}

/* One entry of the tree: its record, if any, must be whole and agree with
 * what Windows says the file is. */
static void check_entry(struct fsck *c, const wchar_t *path, uint64_t id, bool is_dir,
                        int64_t size)
{
	struct lx_meta m;
	long s = lx_metastore_read(c->store, id, &m);

	c->entries++;
	remember(c, id);
	if (s == (long)STATUS_OBJECT_NAME_NOT_FOUND)
		return;
	if (s != 0) {
		damage(c, path, "record unreadable or not whole");
		return;
	}
	c->records++;
	if (LX_S_ISDIR(m.mode) != is_dir)
		damage(c, path, "record type contradicts the file");
	else if (LX_S_ISLNK(m.mode) && (size <= 0 || size >= LX_PATH_MAX))
		damage(c, path, "symlink target empty or too long");
	else if (!is_dir && !LX_S_ISLNK(m.mode) && !LX_S_ISREG(m.mode) && size != 0)
		damage(c, path, "special file with data");
}

/* The root has no entry in a listing, but it may have a record (a
 * convert's import gives it one; chmod of / does too). */
static void check_root(struct fsck *c, const wchar_t *root)
{
	FILE_INTERNAL_INFORMATION in;
	IO_STATUS_BLOCK io;
	HANDLE h;

	if (!NT_SUCCESS(open_dir(root, FILE_READ_ATTRIBUTES, &h)))
		return;
	if (NT_SUCCESS(NtQueryInformationFile(h, &io, &in, sizeof(in),
	                                      (FILE_INFORMATION_CLASS)LX_FileInternalInformation)))
		check_entry(c, root, (uint64_t)in.IndexNumber.QuadPart, true, 0);
	NtClose(h);
}

static int walk(struct fsck *c, const wchar_t *dir, bool is_root, int depth)
{
	size_t cap = 64 * 1024;
	unsigned char *buf = malloc(cap);
	BOOLEAN restart = TRUE;
	HANDLE h;
	NTSTATUS s = open_dir(dir, FILE_LIST_DIRECTORY, &h);

	if (!NT_SUCCESS(s) || !buf || depth > 256) {
		fprintf(stderr, "lxnt-fsck: cannot list a directory (0x%lx)\n", (unsigned long)s);
		say("unreadable", dir, NULL);
		free(buf);
		return -1;
	}
	for (;;) {
		IO_STATUS_BLOCK io;
		s = NtQueryDirectoryFile(h, NULL, NULL, NULL, &io, buf, (ULONG)cap,
		                         (FILE_INFORMATION_CLASS)LX_FileIdBothDirectoryInformation,
		                         FALSE, NULL, restart);
		restart = FALSE;
		if (!NT_SUCCESS(s))
			break;
		for (FILE_ID_BOTH_DIR_INFORMATION *e = (void *)buf;;
		     e = (void *)((unsigned char *)e + e->NextEntryOffset)) {
			size_t n = e->FileNameLength / sizeof(wchar_t);
			wchar_t *path = malloc((wcslen(dir) + n + 2) * sizeof(wchar_t));
			bool is_dir = (e->FileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
			bool dots = (n == 1 && e->FileName[0] == L'.') ||
			            (n == 2 && e->FileName[0] == L'.' && e->FileName[1] == L'.');

			if (!path)
				exit(2);
			swprintf(path, wcslen(dir) + n + 2, L"%ls\\%.*ls", dir, (int)n, e->FileName);
			if (dots || (is_root && !wcscmp(path + wcslen(dir) + 1, LX_METASTORE_NAME))) {
				/* neither is checked as an entry */
			} else if (is_root && !wcscmp(path + wcslen(dir) + 1, LX_MANIFEST_NAME)) {
				say("import pending", path, "lxnt-fsck --import imports it");
			} else if (is_root && n > wcslen(LX_METASTORE_NAME) &&
			           !wcsncmp(e->FileName, LX_METASTORE_NAME L".",
			                    wcslen(LX_METASTORE_NAME) + 1)) {
				/* A store whose making was cut short (metatable.c):
				 * its empty t directory and itself. */
				wchar_t t[700];
				c->temporaries++;
				say("temporary", path, NULL);
				swprintf(t, 700, L"%ls\\%ls", path, LX_METATABLE_DIR);
				if (c->repair) {
					delete_path(t);
					delete_path(path);
				}
			} else if (n && e->FileName[0] == LX_METATMP_PREFIX) {
				/* A creation that did not reach its rename. */
				c->temporaries++;
				say("temporary", path, NULL);
				if (c->repair) {
					lx_metastore_delete(c->store, (uint64_t)e->FileId.QuadPart);
					delete_path(path);
				} else {
					remember(c, (uint64_t)e->FileId.QuadPart);
				}
			} else {
				check_entry(c, path, (uint64_t)e->FileId.QuadPart, is_dir,
				            e->EndOfFile.QuadPart);
				if (is_dir && !(e->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
					walk(c, path, false, depth + 1);
			}
			free(path);
			if (!e->NextEntryOffset)
				break;
		}
	}
	NtClose(h);
	free(buf);
	return s == STATUS_NO_MORE_FILES ? 0 : -1;
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Files and directories of creations that did not reach their rename, in
 * the store's staging directory: garbage, with their records. */
static void scan_staging(struct fsck *c)
{
	wchar_t pattern[700], path[700];
	WIN32_FIND_DATAW fd;
	HANDLE h;

	swprintf(pattern, 700, L"\\\\?\\%ls\\%ls\\*", c->store + 4, LX_METASTORE_STAGING);
	h = FindFirstFileW(pattern, &fd);
	if (h == INVALID_HANDLE_VALUE)
		return;
	do {
		FILE_INTERNAL_INFORMATION in;
		IO_STATUS_BLOCK io;
		HANDLE f;

		if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
			continue;
		swprintf(path, 700, L"%ls\\%ls\\%ls", c->store, LX_METASTORE_STAGING, fd.cFileName);
		c->temporaries++;
		say("temporary", path, NULL);
		if (!NT_SUCCESS(open_dir(path, FILE_READ_ATTRIBUTES, &f)))
			continue;
		if (NT_SUCCESS(NtQueryInformationFile(f, &io, &in, sizeof(in),
		                                      (FILE_INFORMATION_CLASS)LX_FileInternalInformation))) {
			if (c->repair)
				lx_metastore_delete(c->store, (uint64_t)in.IndexNumber.QuadPart);
			else
				remember(c, (uint64_t)in.IndexNumber.QuadPart);
		}
		NtClose(f);
		if (c->repair)
			delete_path(path);
	} while (FindNextFileW(h, &fd));
	FindClose(h);
}

/* An attribute file (docs/formats.md, "Extended attributes"): true when
 * it is garbage (its file is gone, or its record does not name it: a
 * change killed before the record's write); damage when the record names
 * it and it is not whole. */
static bool check_xattrs(struct fsck *c, const wchar_t *path, uint64_t id)
{
	struct lx_xattrs x;
	struct lx_meta m;

	if (!bsearch(&id, c->ids, c->nids, sizeof(*c->ids), cmp_id) ||
	    lx_metastore_read(c->store, id, &m) != 0 || !(m.flags & LX_META_F_XATTRS)) {
		c->orphans++;
		say("orphan attributes", path, NULL);
		return true;
	}
	if (lx_xattrs_load(c->store, id, &x) != 0)
		damage(c, path, "attribute file not whole");
	lx_xattrs_free(&x);
	return false;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* One entry of a record table: a record of an id the walk did not meet is
 * an orphan; bytes that are no intact record, or a record in another id's
 * entry, are damage (a write is one write: a kill cannot leave either). */
static void check_table_entry(struct fsck *c, const wchar_t *table, uint64_t index, unsigned i,
                              const unsigned char *entry)
{
	bool intact = false, empty = true;
	uint64_t id = 0;

	for (unsigned k = 0; k < LX_METATABLE_ENTRY && empty; k++)
		empty = !entry[k];
	if (empty)
		return;
	for (int k = 0; k < LX_METAREC_SLOTS; k++) {
		const unsigned char *slot = entry + k * LX_METAREC_SIZE;
		struct lx_meta m;
		uint64_t rid = le64(slot + 8);
		if (!lx_metarec_decode(slot, rid, &m))
			continue;
		if (lx_metatable_index(rid) != index || (rid & (LX_METATABLE_ENTRIES - 1)) != i) {
			damage(c, table, "a record in another id's entry");
			return;
		}
		if (!intact || rid == id) {
			intact = true;
			id = rid;
		}
	}
	if (!intact) {
		damage(c, table, "an entry that holds no intact record");
		return;
	}
	if (bsearch(&id, c->ids, c->nids, sizeof(*c->ids), cmp_id))
		return;
	c->orphans++;
	printf("orphan record: id %016llx\n", (unsigned long long)id);
	if (c->repair)
		lx_metastore_delete(c->store, id);
}

/* The record tables (docs/formats.md, "Record tables"). */
static void scan_tables(struct fsck *c)
{
	const size_t bytes = (size_t)LX_METATABLE_ENTRIES * LX_METATABLE_ENTRY;
	unsigned char *buf = malloc(bytes);
	wchar_t pattern[700], path[700];
	WIN32_FIND_DATAW fd;
	HANDLE h;

	swprintf(pattern, 700, L"\\\\?\\%ls\\%ls\\*", c->store + 4, LX_METATABLE_DIR);
	h = FindFirstFileW(pattern, &fd);
	if (h == INVALID_HANDLE_VALUE || !buf) {
		free(buf);
		return;
	}
	do {
		unsigned long long index;
		IO_STATUS_BLOCK io;
		LARGE_INTEGER off = { 0 };
		wchar_t *end;
		void *f;

		if (fd.cFileName[0] == L'.')
			continue;
		swprintf(path, 700, L"%ls\\%ls\\%ls", c->store, LX_METATABLE_DIR, fd.cFileName);
		index = wcstoull(fd.cFileName, &end, 16);
		if (end == fd.cFileName || *end || (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
			damage(c, path, "not a record table");
			continue;
		}
		if (lx_metastore_open(path, FILE_READ_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE, &f)) {
			damage(c, path, "record table unreadable");
			continue;
		}
		if (NtReadFile(f, NULL, NULL, NULL, &io, buf, (ULONG)bytes, &off, NULL))
			io.Information = 0;
		NtClose(f);
		memset(buf + io.Information, 0, bytes - io.Information);
		for (unsigned i = 0; i < LX_METATABLE_ENTRIES; i++)
			check_table_entry(c, path, index, i, buf + (size_t)i * LX_METATABLE_ENTRY);
	} while (FindNextFileW(h, &fd));
	FindClose(h);
	free(buf);
}

/* Records of ids the walk did not meet, and temporaries of record writes. */
static void scan_store(struct fsck *c)
{
	scan_staging(c);
	qsort(c->ids, c->nids, sizeof(*c->ids), cmp_id);
	scan_tables(c);
	for (unsigned b = 0; b < 256; b++) {
		wchar_t pattern[700], path[700];
		WIN32_FIND_DATAW fd;
		HANDLE h;

		/* The store is read with Win32 here: \\?\ takes the NT path's tail. */
		swprintf(pattern, 700, L"\\\\?\\%ls\\%02x\\*", c->store + 4, b);
		h = FindFirstFileW(pattern, &fd);
		if (h == INVALID_HANDLE_VALUE)
			continue;
		do {
			unsigned long long id;
			wchar_t *end;

			if (fd.cFileName[0] == L'.')
				continue;
			swprintf(path, 700, L"%ls\\%02x\\%ls", c->store, b, fd.cFileName);
			id = wcstoull(fd.cFileName, &end, 16);
			if (end != fd.cFileName && !wcscmp(end, L".x")) {
				if (!check_xattrs(c, path, id))
					continue;
			} else if (*end) {
				c->temporaries++;
				say("temporary", path, NULL);
			} else if (!bsearch(&id, c->ids, c->nids, sizeof(*c->ids), cmp_id)) {
				c->orphans++;
				say("orphan record", path, NULL);
			} else {
				continue;
			}
			if (c->repair)
				delete_path(path);
		} while (FindNextFileW(h, &fd));
		FindClose(h);
	}
}

static void import_say(void *ctx, const char *line)
{
	(void)ctx;
	printf("import: %s\n", line);
}

/* Runs the import of ROOT's manifest; 0 when it finished or there was none. */
static int import(const wchar_t *root, const wchar_t *store)
{
	struct lx_import_result r;
	long s = lx_meta_import(root, store, import_say, NULL, &r);

	printf("lxnt-fsck: import: %lu entries, %lu records, %lu linked again, %lu problems%s\n",
	       r.entries, r.records, r.relinked, r.problems,
	       s ? " (not finished: the manifest stays)" : "");
	fflush(stdout);
	return s ? 1 : 0;
}

int main(void)
{
	int argc;
	wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
	struct fsck c = { 0 };
	wchar_t full[MAX_PATH], root[MAX_PATH + 8], store[MAX_PATH + 16];
	int i = 1, imported = 0;
	bool do_import = false;

	if (argc > 1 && !wcscmp(argv[1], L"--repair")) {
		c.repair = true;
		i++;
	} else if (argc > 1 && !wcscmp(argv[1], L"--import")) {
		do_import = true;
		i++;
	}
	if (i != argc - 1 || !GetFullPathNameW(argv[i], MAX_PATH, full, NULL)) {
		fprintf(stderr, "usage: lxnt-fsck [--repair | --import] ROOT\n");
		return 2;
	}
	for (size_t n = wcslen(full); n > 3 && full[n - 1] == L'\\'; n--)
		full[n - 1] = 0;
	swprintf(root, MAX_PATH + 8, L"\\??\\%ls", full);
	swprintf(store, MAX_PATH + 16, L"%ls%ls%ls", root,
	         root[wcslen(root) - 1] == L'\\' ? L"" : L"\\", LX_METASTORE_NAME);
	c.store = store;
	if (do_import)
		imported = import(root, store);
	check_root(&c, root);
	if (walk(&c, root, true, 0))
		return 2;
	scan_store(&c);
	printf("lxnt-fsck: %lu entries, %lu records, %lu damaged, %lu orphan records, "
	       "%lu temporaries%s\n", c.entries, c.records, c.damaged, c.orphans, c.temporaries,
	       c.repair ? " (garbage removed)" : "");
	return c.damaged || imported ? 1 : 0;
}
