/*
 * The stat cache (vfs/statcache.h, docs/vfs.md "The stat cache").
 *
 * On the portable format a stat needs the file's id (its record's key) and
 * its link count, which Windows gives only through an open handle, and
 * under Wine every open is a wineserver request.  NtQueryFullAttributesFile,
 * which needs no handle (and Wine answers without its server), gives the
 * rest.  So each process remembers, per NT path, the id and, for a file
 * with exactly one link (or a directory), that count, and a stat is that
 * query plus the record (vfs/metacache.c).
 *
 * What a cached binding is checked against:
 * - lxnt's own changes: every rename, unlink, rmdir and link bumps the
 *   generation of the names involved (65536 counters in a section of the
 *   instance, indexed by a hash of the NT path), and a directory's
 *   rename or removal the store's directory counter; a binding noted
 *   before such a bump is never used again.
 * - Windows programs outside lxnt: the file's ChangeTime, which moves with
 *   every change of the file (and under Wine, Linux's ctime, with every
 *   rename and link of it), must be what it was when the binding was
 *   read.  A ChangeTime within
 *   RACY_WINDOW of that moment is not trusted (two changes in one clock
 *   tick can leave the same time), nor is a binding that has none.
 *
 * A file that lxnt created in this process has its binding from the
 * creation but no ChangeTime yet; when stats keep meeting such files in
 * one directory, the directory is listed once (FileIdBothDirectoryInformation)
 * to give them theirs.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "statcache.h"
#include "metaback.h"
#include "metadata.h"
#include "nt.h"
#include "instance.h"

#define NAME_SLOTS 65536u   /* name generations in the instance's section */
#define ENTRIES 16384u      /* bindings per process (a power of two) */
#define WAYS 4u             /* entries a path may take (one bucket) */
#define DIRS 16u            /* directories whose misses are counted */
/* 32 ms in 100 ns units: above the clock tick of Windows (15.6 ms) and of
 * Linux file times under Wine (1 to 10 ms). */
#define RACY_WINDOW 320000
/* Misses among created files of one directory before it is listed. */
#define LIST_AFTER 4

/* FILE_NETWORK_OPEN_INFORMATION (wdm.h). */
struct lx_nt_network_open {
	LARGE_INTEGER CreationTime, LastAccessTime, LastWriteTime, ChangeTime;
	LARGE_INTEGER AllocationSize, EndOfFile;
	ULONG FileAttributes;
};
NTSTATUS NTAPI NtQueryFullAttributesFile(POBJECT_ATTRIBUTES, struct lx_nt_network_open *);

struct entry {
	uint64_t hash;
	wchar_t *path;
	uint64_t id;
	int64_t ctime;          /* the file's ChangeTime with this binding; 0: none */
	bool is_dir;
	bool one_link;          /* known to have exactly one name */
	volatile int64_t *slot; /* the name's generation ... */
	int64_t slot_value;     /* ... when the binding was read */
	struct lx_metacache_tag dirs;
};

struct dir_misses {
	uint64_t hash;
	unsigned misses, threshold;
};

static volatile int64_t *names;
static bool names_tried;
static struct entry *entries;
static struct dir_misses dirs[DIRS];
static SRWLOCK lock = SRWLOCK_INIT;

/* FNV-1a of the path with ASCII letters folded: on the mounts the cache
 * serves (Linux trees), two different NT names never name one file but
 * for ASCII case in a directory without the case-sensitive flag. */
static uint64_t hash_path(const wchar_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		wchar_t c = p[i] >= L'a' && p[i] <= L'z' ? p[i] - 32 : p[i];
		h = (h ^ (uint16_t)c) * 0x100000001b3ull;
	}
	return h;
}

/* The instance's name generations, mapped at first use; NULL when they
 * cannot be had (then nothing is cached). */
static volatile int64_t *name_slots(void)
{
	wchar_t name[128];

	if (names || names_tried)
		return names;
	AcquireSRWLockExclusive(&lock);
	if (!names_tried && lx_instance_object_name(L"namegen", name, 128)) {
		HANDLE s = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
		                              NAME_SLOTS * sizeof(int64_t), name);
		void *v = s ? MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0,
		                            NAME_SLOTS * sizeof(int64_t)) : NULL;
		/* The handle stays open: under Wine a view alone does not keep
		 * the name (vfs/metacache.c). */
		if (!v && s)
			CloseHandle(s);
		entries = v ? calloc(ENTRIES, sizeof(*entries)) : NULL;
		names = entries ? v : NULL;
	}
	names_tried = true;
	ReleaseSRWLockExclusive(&lock);
	return names;
}

static int64_t load(volatile int64_t *p)
{
	return InterlockedCompareExchange64((volatile LONG64 *)p, 0, 0);
}

static int64_t system_time(void)
{
	FILETIME ft;

	GetSystemTimeAsFileTime(&ft);
	return (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
}

static struct lx_statcache_tag tag_of(const wchar_t *nt_path, const struct lx_meta_vol *v)
{
	struct lx_statcache_tag t = { 0 };
	volatile int64_t *slots = name_slots();

	if (!slots || !v || !v->store)
		return t;
	t.dirs = lx_metacache_dirs_tag(v->cache_key);
	t.slot = &slots[hash_path(nt_path, wcslen(nt_path)) % NAME_SLOTS];
	t.value = load(t.slot);
	t.now = system_time();
	return t;
}

struct lx_statcache_tag lx_statcache_begin(const struct lx_node *node)
{
	struct lx_statcache_tag none = { 0 };

	if (node->kind != LX_NODE_HOST || !node->nt_path)
		return none;
	return tag_of(node->nt_path, lx_meta_store(node->mount->dev));
}

void lx_statcache_name_changed(const wchar_t *nt_path)
{
	volatile int64_t *slots = name_slots();

	if (slots && nt_path)
		InterlockedIncrement64((volatile LONG64 *)&slots[hash_path(nt_path, wcslen(nt_path)) %
		                                                 NAME_SLOTS]);
}

static bool tag_current(volatile int64_t *slot, int64_t value, const struct lx_metacache_tag *d)
{
	return slot && load(slot) == value && lx_metacache_current(d);
}

/* The first entry of hash's bucket: FNV's low bits alone cluster for
 * names that differ in their last characters (f000001, f000002 ...). */
static struct entry *bucket(uint64_t hash)
{
	return &entries[((hash * 0x9e3779b97f4a7c15ull) >> 52) * WAYS]; /* ENTRIES / WAYS = 2^12 */
}

/* The entry of nt_path in its bucket, or NULL; called with the lock. */
static struct entry *find(const wchar_t *nt_path, uint64_t hash)
{
	struct entry *b = bucket(hash);

	for (unsigned i = 0; i < WAYS; i++)
		if (b[i].path && b[i].hash == hash && !wcscmp(b[i].path, nt_path))
			return &b[i];
	return NULL;
}

/* Where nt_path goes: its own entry, a free one, or one of the bucket in
 * turn; called with the lock held exclusively. */
static struct entry *place(const wchar_t *nt_path, uint64_t hash)
{
	static unsigned turn;
	struct entry *b = bucket(hash);
	struct entry *e = find(nt_path, hash);

	for (unsigned i = 0; !e && i < WAYS; i++)
		if (!b[i].path)
			e = &b[i];
	return e ? e : &b[turn++ % WAYS];
}

/* A ChangeTime that a later change could repeat is kept as "none". */
static int64_t trusted_ctime(int64_t ctime, int64_t now)
{
	return ctime && ctime <= now - RACY_WINDOW ? ctime : 0;
}

static void put(const wchar_t *nt_path, const struct lx_statcache_tag *t, uint64_t id,
                int64_t ctime, bool is_dir, bool one_link)
{
	uint64_t h = hash_path(nt_path, wcslen(nt_path));
	wchar_t *copy;

	if (!t->slot || !entries || !(copy = _wcsdup(nt_path)))
		return;
	AcquireSRWLockExclusive(&lock);
	struct entry *e = place(nt_path, h);
	free(e->path);
	e->hash = h;
	e->path = copy;
	e->id = id;
	e->ctime = trusted_ctime(ctime, t->now);
	e->is_dir = is_dir;
	e->one_link = one_link;
	e->slot = t->slot;
	e->slot_value = t->value;
	e->dirs = t->dirs;
	ReleaseSRWLockExclusive(&lock);
}

void lx_statcache_opened(const struct lx_node *node, const struct lx_statcache_tag *tag,
                         const struct lx_kstat *st, int64_t change_time)
{
	bool is_dir = LX_S_ISDIR(st->mode);

	/* A file being deleted, or one with more names (whose count a change
	 * through another name alters), keeps no binding. */
	if (st->nlink == 0 || (!is_dir && st->nlink != 1) || !st->ino)
		return;
	put(node->nt_path, tag, st->ino, change_time, is_dir, !is_dir);
}

void lx_statcache_created(const wchar_t *nt_path, const struct lx_statcache_tag *tag,
                          uint64_t id, bool is_dir)
{
	if (id)
		put(nt_path, tag, id, 0, is_dir, !is_dir);
}

/* The binding of nt_path when it is still current: 0 ctime means known
 * but without a time to check it by. */
static bool lookup(const wchar_t *nt_path, uint64_t h, struct entry *out)
{
	bool hit = false;

	AcquireSRWLockShared(&lock);
	struct entry *e = find(nt_path, h);
	if (e && tag_current(e->slot, e->slot_value, &e->dirs)) {
		*out = *e;
		out->path = NULL;
		hit = true;
	}
	ReleaseSRWLockShared(&lock);
	return hit;
}

/* Gives the created files of the listed directory (dir, n characters)
 * their ChangeTime, where the listing shows the same id under the name. */
static void merge_listed(const wchar_t *dir, size_t n, FILE_ID_BOTH_DIR_INFORMATION *e,
                         int64_t now)
{
	size_t wlen = e->FileNameLength / sizeof(wchar_t);
	wchar_t path[1024];

	if (n + 1 + wlen >= 1024)
		return;
	wmemcpy(path, dir, n);
	path[n] = L'\\';
	wmemcpy(path + n + 1, e->FileName, wlen);
	path[n + 1 + wlen] = 0;
	uint64_t h = hash_path(path, n + 1 + wlen);
	AcquireSRWLockExclusive(&lock);
	struct entry *c = find(path, h);
	if (c && !c->ctime &&
	    c->id == (uint64_t)e->FileId.QuadPart &&
	    tag_current(c->slot, c->slot_value, &c->dirs))
		c->ctime = trusted_ctime(e->ChangeTime.QuadPart, now);
	ReleaseSRWLockExclusive(&lock);
}

/* Lists the directory of nt_path once, for merge_listed. */
static void list_dir(const wchar_t *nt_path)
{
	const wchar_t *slash = wcsrchr(nt_path, L'\\');
	size_t n = slash ? (size_t)(slash - nt_path) : 0;
	size_t cap = 64 * 1024;
	wchar_t *dir = malloc((n + 1) * sizeof(wchar_t));
	unsigned char *buf = malloc(cap);
	int64_t now = system_time();
	BOOLEAN restart = TRUE;
	HANDLE h;

	if (dir && buf) {
		wmemcpy(dir, nt_path, n);
		dir[n] = 0;
	}
	if (!dir || !buf || lx_host_open(dir, FILE_LIST_DIRECTORY, FILE_OPEN, FILE_DIRECTORY_FILE,
	                                 0, (void **)&h)) {
		free(dir);
		free(buf);
		return;
	}
	for (;;) {
		IO_STATUS_BLOCK io;
		NTSTATUS s = NtQueryDirectoryFile(h, NULL, NULL, NULL, &io, buf, (ULONG)cap,
		                                  (FILE_INFORMATION_CLASS)LX_FileIdBothDirectoryInformation,
		                                  FALSE, NULL, restart);
		restart = FALSE;
		if (!NT_SUCCESS(s))
			break;
		for (unsigned char *p = buf;;) {
			FILE_ID_BOTH_DIR_INFORMATION *e = (void *)p;
			merge_listed(dir, n, e, now);
			if (!e->NextEntryOffset)
				break;
			p += e->NextEntryOffset;
		}
	}
	NtClose(h);
	free(dir);
	free(buf);
}

/* Counts a miss on a created file of nt_path's directory; true when the
 * directory should be listed now.  The count needed grows with the
 * directory, so that listing stays O(1) per miss however large it is. */
static bool count_miss(const wchar_t *nt_path)
{
	const wchar_t *slash = wcsrchr(nt_path, L'\\');
	uint64_t h = hash_path(nt_path, slash ? (size_t)(slash - nt_path) : 0);
	struct dir_misses *d = &dirs[h % DIRS];
	bool list;

	AcquireSRWLockExclusive(&lock);
	if (d->hash != h) {
		d->hash = h;
		d->misses = 0;
		d->threshold = LIST_AFTER;
	}
	list = ++d->misses >= d->threshold;
	if (list) {
		d->threshold += d->misses; /* doubles: each listing is paid for twice over */
		d->misses = 0;
	}
	ReleaseSRWLockExclusive(&lock);
	return list;
}

/* st from the query, as lx_host_stat_handle builds it from a handle. */
static void fill(const struct lx_node *node, const struct lx_nt_network_open *a,
                 const struct entry *e, struct lx_kstat *st)
{
	const char *name = strrchr(node->path, '/');
	uint32_t attributes = a->FileAttributes | (e->is_dir ? FILE_ATTRIBUTE_DIRECTORY : 0);
	const struct lx_meta_vol *v = lx_meta_store(node->mount->dev);

	memset(st, 0, sizeof(*st));
	st->dev = node->mount->dev;
	st->ino = e->id;
	st->nlink = 1;
	st->mode = lx_mode_from_attributes(attributes, name ? name + 1 : NULL);
	lx_mount_apply_masks(st->dev, &st->mode);
	lx_kstat_owner(st);
	st->size = e->is_dir ? 4096 : a->EndOfFile.QuadPart;
	st->blocks = a->AllocationSize.QuadPart / 512;
	if (e->is_dir && st->blocks == 0)
		st->blocks = 8;
	st->atime = lx_time_from_nt(a->LastAccessTime.QuadPart);
	st->mtime = lx_time_from_nt(a->LastWriteTime.QuadPart);
	st->ctime = lx_time_from_nt(a->ChangeTime.QuadPart);
	st->btime = lx_time_from_nt(a->CreationTime.QuadPart);
	lx_meta_overlay(v, NULL, attributes, a->LastAccessTime.QuadPart,
	                a->LastWriteTime.QuadPart, st);
}

static bool usable(const struct entry *e, const struct lx_nt_network_open *a)
{
	bool is_dir = (a->FileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;

	return e->ctime && e->ctime == a->ChangeTime.QuadPart && e->is_dir == is_dir &&
	       (is_dir || e->one_link);
}

long lx_statcache_stat(struct lx_node *node, struct lx_kstat *st, bool *answered)
{
	const struct lx_meta_vol *v;
	struct lx_nt_network_open a;
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	struct entry e;
	NTSTATUS s;
	size_t len;
	uint64_t h;

	*answered = false;
	if (node->kind != LX_NODE_HOST || !node->nt_path || !name_slots())
		return 0;
	v = lx_meta_store(node->mount->dev);
	len = wcslen(node->nt_path);
	/* Only the portable format reads a record without a handle. */
	if (!v || !v->store || len * sizeof(wchar_t) > 0xfffe)
		return 0;
	us.Buffer = node->nt_path;
	us.Length = us.MaximumLength = (USHORT)(len * sizeof(wchar_t));
	InitializeObjectAttributes(&oa, &us, 0, NULL, NULL);
	s = NtQueryFullAttributesFile(&oa, &a);
	if (s == STATUS_OBJECT_NAME_NOT_FOUND) {
		*answered = true; /* its directory exists, the name does not */
		return -LX_ENOENT;
	}
	if (!NT_SUCCESS(s))
		return 0; /* the open says which error, ENOENT or ENOTDIR */
	h = hash_path(node->nt_path, len);
	if (!lookup(node->nt_path, h, &e))
		return 0;
	if (!e.ctime && count_miss(node->nt_path)) {
		list_dir(node->nt_path);
		if (!lookup(node->nt_path, h, &e))
			return 0;
	}
	if (!usable(&e, &a))
		return 0;
	fill(node, &a, &e, st);
	*answered = true;
	return 0;
}
