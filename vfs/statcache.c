/*
 * The stat cache (vfs/statcache.h, docs/vfs.md "The stat cache").
 *
 * On the portable format a stat needs the file's id (its record's key) and
 * its link count, which Windows gives only through an open handle, and
 * under Wine every open is a wineserver request.  NtQueryFullAttributesFile,
 * which needs no handle (and Wine answers without its server), gives the
 * rest.  So the instance remembers, per NT path, the id and, for a file
 * with exactly one link (or a directory), that count, in a section that
 * all its processes share (vfs/sharedcache.c), and a stat is that query
 * plus the record (vfs/metacache.c, shared the same way): a process
 * finds there what the others created or met.
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
 *   Directories are the exception: their ChangeTime moves with every
 *   entry made or removed in them, so that a directory being filled
 *   (tar xf, a build) would be opened at each stat; a directory's binding
 *   is checked against lxnt's counters alone, as the walk's cache of
 *   directories is (vfs/resolve.c).
 *
 * A file that lxnt created has its binding from the creation but no
 * ChangeTime yet; its creator's last close gives it one
 * (lx_statcache_closed).  When stats keep meeting such files still
 * without it in one directory, the directory is listed once
 * (FileIdBothDirectoryInformation) to give them theirs.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "statcache.h"
#include "metaback.h"
#include "metadata.h"
#include "nt.h"
#include "instance.h"
#include "sharedcache.h"

#define NAME_SLOTS 65536u   /* name generations in the instance's section */
#define ENTRIES 32768u      /* bindings in the instance (a power of two) */
#define WAYS 4u             /* entries a path may take (one bucket) */
#define DIRS 16u            /* directories whose misses are counted */
/* 32 ms in 100 ns units: above the clock tick of Windows (15.6 ms) and of
 * Linux file times under Wine (1 to 10 ms). */
#define RACY_WINDOW 320000
/* Misses among created files of one directory before it is listed. */
#define LIST_AFTER 4
/* Listed entries that cost about what one miss does (below, listed()). */
#define LIST_PER_MISS 32

/* FILE_NETWORK_OPEN_INFORMATION (wdm.h). */
struct lx_nt_network_open {
	LARGE_INTEGER CreationTime, LastAccessTime, LastWriteTime, ChangeTime;
	LARGE_INTEGER AllocationSize, EndOfFile;
	ULONG FileAttributes;
};
NTSTATUS NTAPI NtQueryFullAttributesFile(POBJECT_ATTRIBUTES, struct lx_nt_network_open *);

/* A binding as the instance's shared entry holds it (vfs/sharedcache.c). */
struct binding {
	uint64_t hash;        /* hash_path: the bucket and the name's generation; 0: empty */
	uint64_t key;         /* exact_hash: which name of the bucket it is */
	uint64_t id;
	int64_t ctime;        /* the file's ChangeTime with this binding; 0: none */
	int64_t slot_value;   /* the name's generation when the binding was read */
	int64_t dirs_value;   /* the store's directory counter then */
	uint64_t flags;       /* BOUND_* */
};

#define BOUND_DIR 1u
#define BOUND_ONE_LINK 2u  /* known to have exactly one name */
#define BOUND_COUNTED 4u   /* a directory: its subdirectories in the top 32 bits */
#define BINDING_WORDS (sizeof(struct binding) / sizeof(uint64_t))
#define ENTRY_BYTES (sizeof(struct lx_shared_entry) + sizeof(struct binding))

struct dir_misses {
	uint64_t hash;
	unsigned misses, threshold;
};

static volatile int64_t *names;
static unsigned char *entries; /* ENTRIES of ENTRY_BYTES, shared by the instance */
static bool names_tried;
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

/* A second, independent hash of the exact path: with hash_path, 128 bits
 * name an entry, since the shared entries cannot hold paths of any
 * length.  Two names with both hashes equal are not expected among the
 * 2^15 entries of an instance (odds about 2^-98 per pair). */
static uint64_t exact_hash(const wchar_t *p, size_t n)
{
	uint64_t h = 0x6a09e667f3bcc909ull ^ n;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ (uint16_t)p[i]) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return h;
}

/* The instance's name generations and bindings, mapped at the first stat
 * (a few requests once per process).  Without the generations nothing is
 * cached and nothing bumped; without the bindings the generations are
 * still bumped, for the other processes' sake. */
static volatile int64_t *name_slots(void)
{
	wchar_t name[128];

	if (names || names_tried)
		return names;
	AcquireSRWLockExclusive(&lock);
	if (!names_tried && lx_instance_object_name(L"namegen", name, 128)) {
		HANDLE s = CreateFileMappingW(INVALID_HANDLE_VALUE, lx_instance_security(),
		                              PAGE_READWRITE, 0, NAME_SLOTS * sizeof(int64_t), name);
		void *v = s ? MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0,
		                            NAME_SLOTS * sizeof(int64_t)) : NULL;
		/* The handle stays open: under Wine a view alone does not keep
		 * the name (vfs/metacache.c). */
		if (!v && s)
			CloseHandle(s);
		if (v)
			entries = lx_shared_map(L"statcache", (size_t)ENTRIES * ENTRY_BYTES);
		names = v;
	}
	names_tried = true;
	ReleaseSRWLockExclusive(&lock);
	return names;
}

/* A plain load (atomic for an aligned 64-bit word on x86-64), as
 * vfs/metacache.c reads its counters. */
static int64_t load(volatile int64_t *p)
{
	return *p;
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

/* Moves the generation of the name that the first n characters of
 * nt_path make. */
static void bump(const wchar_t *nt_path, size_t n)
{
	volatile int64_t *slots = name_slots();

	if (slots)
		InterlockedIncrement64((volatile LONG64 *)&slots[hash_path(nt_path, n) % NAME_SLOTS]);
}

void lx_statcache_name_changed(const wchar_t *nt_path)
{
	if (nt_path)
		bump(nt_path, wcslen(nt_path));
}

/* The bindings' bucket: FNV's low bits alone cluster for names that
 * differ in their last characters (f000001, f000002 ...). */
static size_t bucket(uint64_t hash)
{
	return (size_t)((hash * 0x9e3779b97f4a7c15ull) >> 51) * WAYS; /* ENTRIES / WAYS = 2^13 */
}

static struct lx_shared_entry *entry_at(size_t i)
{
	return (struct lx_shared_entry *)(entries + i * ENTRY_BYTES);
}

/* The entry of the name (hash, key), copied into *b; -1 if there is none. */
static int find(uint64_t hash, uint64_t key, struct binding *b)
{
	size_t first = bucket(hash);

	/* The hash, the payload's first word, is looked at before a copy. */
	for (unsigned i = 0; i < WAYS; i++)
		if (entry_at(first + i)->words[0] == hash &&
		    lx_shared_read(entry_at(first + i), b, BINDING_WORDS) && b->hash == hash &&
		    b->key == key)
			return (int)i;
	return -1;
}

/* Where the name goes: its own entry, one never written, or one of the
 * bucket in turn. */
static struct lx_shared_entry *place(uint64_t hash, uint64_t key)
{
	struct binding b;

	return lx_shared_way(entry_at(bucket(hash)), ENTRY_BYTES, WAYS, find(hash, key, &b));
}

/* A ChangeTime that a later change could repeat is kept as "none". */
static int64_t trusted_ctime(int64_t ctime, int64_t now)
{
	return ctime && ctime <= now - RACY_WINDOW ? ctime : 0;
}

static void put(const wchar_t *nt_path, const struct lx_statcache_tag *t, uint64_t id,
                int64_t ctime, bool is_dir, bool one_link, bool made)
{
	size_t n = wcslen(nt_path);
	struct binding b;

	if (!t->slot || !t->dirs.gen || !entries)
		return;
	memset(&b, 0, sizeof(b));
	b.hash = hash_path(nt_path, n);
	b.key = exact_hash(nt_path, n);
	b.id = id;
	b.ctime = trusted_ctime(ctime, t->now);
	b.slot_value = t->value;
	b.dirs_value = t->dirs.value;
	b.flags = (is_dir ? BOUND_DIR : 0) | (one_link ? BOUND_ONE_LINK : 0);
	if (is_dir && made)
		b.flags |= BOUND_COUNTED; /* made now (mkdir): no subdirectory yet */
	lx_shared_write(place(b.hash, b.key), &b, BINDING_WORDS);
}

void lx_statcache_opened(const struct lx_node *node, const struct lx_statcache_tag *tag,
                         const struct lx_kstat *st, int64_t change_time)
{
	bool is_dir = LX_S_ISDIR(st->mode);

	/* A file being deleted, or one with more names (whose count a change
	 * through another name alters), keeps no binding. */
	if (st->nlink == 0 || (!is_dir && st->nlink != 1) || !st->ino)
		return;
	put(node->nt_path, tag, st->ino, change_time, is_dir, !is_dir, false);
}

void lx_statcache_created(const wchar_t *nt_path, const struct lx_statcache_tag *tag,
                          uint64_t id, bool is_dir)
{
	if (id)
		put(nt_path, tag, id, 0, is_dir, !is_dir, true);
}

void lx_statcache_parent_changed(const wchar_t *nt_path)
{
	const wchar_t *slash = nt_path ? wcsrchr(nt_path, L'\\') : NULL;

	if (slash)
		bump(nt_path, (size_t)(slash - nt_path));
}

/* Whether a binding read from the shared entries still holds as far as
 * lxnt's own changes go: its name's generation and its store's directory
 * counter (dirs, the store's tag as the caller took it) have not moved
 * since it was read. */
static bool current(const struct binding *b, const struct lx_metacache_tag *dirs)
{
	struct lx_metacache_tag d = *dirs;

	d.value = b->dirs_value;
	return load(&names[b->hash % NAME_SLOTS]) == b->slot_value && lx_metacache_current(&d);
}

/* The binding of the name (hash, key) when it is still current, and its
 * entry's index in its bucket (-1 for none); 0 ctime means known but
 * without a time to check it by. */
static int lookup(uint64_t hash, uint64_t key, const struct lx_metacache_tag *dirs,
                  struct binding *b)
{
	int i = find(hash, key, b);

	return i >= 0 && current(b, dirs) ? i : -1;
}

/*
 * The creator closes a file it made: its binding (lx_statcache_created)
 * takes the ChangeTime that the handle now shows, as a stat that opened
 * the file would, so that stats of new files need neither an open nor a
 * listing of their directory.  That time is trusted although it is
 * recent, unlike a stat's (trusted_ctime): what it guards against is a
 * program outside lxnt that replaces the name, or links the file, within
 * the same clock tick and leaves the same ChangeTime, since lxnt's own
 * renames, unlinks and links move the name's generation; the window so
 * left is the tick after the close, where the listing this replaces left
 * a link made outside lxnt unseen from the creation to the listing.  The
 * binding must still be current and name the handle's file with one
 * link.  The queries go through the handle, whose fd Wine has cached
 * since the creation read the file's id: no request.
 */
uint64_t lx_statcache_closed(const wchar_t *nt_path, uint64_t dev, void *h)
{
	FILE_BASIC_INFORMATION basic;
	FILE_STANDARD_INFORMATION std;
	FILE_INTERNAL_INFORMATION in;
	IO_STATUS_BLOCK io;
	struct lx_metacache_tag dirs;
	const struct lx_meta_vol *v;
	struct binding b;
	size_t len = wcslen(nt_path);
	uint64_t hash = hash_path(nt_path, len);
	int i;

	if (!name_slots() || !entries)
		return 0;
	v = lx_meta_store(dev);
	if (!v || !v->store)
		return 0;
	dirs = lx_metacache_dirs_tag(v->cache_key);
	i = lookup(hash, exact_hash(nt_path, len), &dirs, &b);
	if (i < 0 || b.ctime || !(b.flags & BOUND_ONE_LINK))
		return 0;
	if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &in, sizeof(in),
	                                       (FILE_INFORMATION_CLASS)LX_FileInternalInformation)))
		return 0;
	if ((uint64_t)in.IndexNumber.QuadPart != b.id ||
	    !NT_SUCCESS(NtQueryInformationFile(h, &io, &std, sizeof(std),
	                                       (FILE_INFORMATION_CLASS)LX_FileStandardInformation)) ||
	    std.NumberOfLinks != 1 || std.DeletePending ||
	    !NT_SUCCESS(NtQueryInformationFile(h, &io, &basic, sizeof(basic),
	                                       (FILE_INFORMATION_CLASS)LX_FileBasicInformation)))
		return (uint64_t)in.IndexNumber.QuadPart;
	b.ctime = basic.ChangeTime.QuadPart;
	lx_shared_write(entry_at(bucket(hash) + (size_t)i), &b, BINDING_WORDS);
	return (uint64_t)in.IndexNumber.QuadPart;
}

/*
 * A rename by lxnt moves the file's binding to its new name, so that a
 * stat of the new name (dpkg's and editors' files renamed into place) or
 * its unlink needs no open of the file.  The id and ChangeTime (which the
 * rename itself moved, under Wine) come through the rename's own handle of
 * the file, not by name: another file may be at the new name by now.
 * The binding counts as read before the rename, with this rename's bumps
 * of the two names added; any other bump in between (a rename, unlink or
 * link of the name by another process) leaves the name unbound.  The
 * time is trusted although it is recent, as the creator's close trusts
 * its own (above).
 */
void lx_statcache_renamed(const wchar_t *nt_path, const wchar_t *from_path, uint64_t dev,
                          const struct lx_statcache_tag *tag, void *h)
{
	FILE_BASIC_INFORMATION basic;
	FILE_STANDARD_INFORMATION std;
	FILE_INTERNAL_INFORMATION in;
	IO_STATUS_BLOCK io;
	const struct lx_meta_vol *v = lx_meta_store(dev);
	size_t len = wcslen(nt_path);
	uint64_t hash = hash_path(nt_path, len);
	int64_t expected;
	struct binding b;

	if (!tag->slot || !tag->dirs.gen || !entries || !v || !v->store)
		return;
	expected = tag->value + 1;
	if (from_path && hash_path(from_path, wcslen(from_path)) % NAME_SLOTS == hash % NAME_SLOTS)
		expected++;
	if (load(tag->slot) != expected || !lx_metacache_current(&tag->dirs))
		return;
	if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &std, sizeof(std),
	                                       (FILE_INFORMATION_CLASS)LX_FileStandardInformation)) ||
	    std.Directory || std.NumberOfLinks != 1 || std.DeletePending ||
	    !NT_SUCCESS(NtQueryInformationFile(h, &io, &in, sizeof(in),
	                                       (FILE_INFORMATION_CLASS)LX_FileInternalInformation)) ||
	    !in.IndexNumber.QuadPart ||
	    !NT_SUCCESS(NtQueryInformationFile(h, &io, &basic, sizeof(basic),
	                                       (FILE_INFORMATION_CLASS)LX_FileBasicInformation)) ||
	    !basic.ChangeTime.QuadPart)
		return;
	memset(&b, 0, sizeof(b));
	b.hash = hash;
	b.key = exact_hash(nt_path, len);
	b.id = (uint64_t)in.IndexNumber.QuadPart;
	b.ctime = basic.ChangeTime.QuadPart;
	b.slot_value = expected;
	b.dirs_value = tag->dirs.value;
	b.flags = BOUND_ONE_LINK;
	lx_shared_write(place(b.hash, b.key), &b, BINDING_WORDS);
}

/* Gives the created files of the listed directory (dir, n characters)
 * their ChangeTime, where the listing shows the same id under the name. */
static void merge_listed(const wchar_t *dir, size_t n, FILE_ID_BOTH_DIR_INFORMATION *e,
                         int64_t now, const struct lx_metacache_tag *dirs)
{
	size_t wlen = e->FileNameLength / sizeof(wchar_t);
	wchar_t path[1024];
	struct binding b;
	int i;

	if (n + 1 + wlen >= 1024)
		return;
	wmemcpy(path, dir, n);
	path[n] = L'\\';
	wmemcpy(path + n + 1, e->FileName, wlen);
	path[n + 1 + wlen] = 0;
	uint64_t h = hash_path(path, n + 1 + wlen);
	i = lookup(h, exact_hash(path, n + 1 + wlen), dirs, &b);
	if (i >= 0 && !b.ctime && b.id == (uint64_t)e->FileId.QuadPart) {
		b.ctime = trusted_ctime(e->ChangeTime.QuadPart, now);
		lx_shared_write(entry_at(bucket(h) + (size_t)i), &b, BINDING_WORDS);
	}
}

/* Lists the directory of nt_path once, for merge_listed; returns how
 * many entries it saw. */
static size_t list_dir(const wchar_t *nt_path, const struct lx_metacache_tag *dirs)
{
	size_t seen = 0;
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
		return 0;
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
			merge_listed(dir, n, e, now, dirs);
			seen++;
			if (!e->NextEntryOffset)
				break;
			p += e->NextEntryOffset;
		}
	}
	NtClose(h);
	free(dir);
	free(buf);
	return seen;
}

/* The directory dirs[] entry of nt_path's directory; called with the lock
 * held exclusively. */
static struct dir_misses *dir_of(const wchar_t *nt_path)
{
	const wchar_t *slash = wcsrchr(nt_path, L'\\');
	uint64_t h = hash_path(nt_path, slash ? (size_t)(slash - nt_path) : 0);
	struct dir_misses *d = &dirs[h % DIRS];

	if (d->hash != h) {
		d->hash = h;
		d->misses = 0;
		d->threshold = LIST_AFTER;
	}
	return d;
}

/* Counts a miss on a created file of nt_path's directory; true when the
 * directory should be listed now.  The count needed grows with the
 * directory, so that listing stays O(1) per miss however large it is. */
static bool count_miss(const wchar_t *nt_path)
{
	struct dir_misses *d;
	bool list;

	AcquireSRWLockExclusive(&lock);
	d = dir_of(nt_path);
	list = ++d->misses >= d->threshold;
	if (list) {
		d->threshold += d->misses; /* doubles: each listing is paid for twice over */
		d->misses = 0;
	}
	ReleaseSRWLockExclusive(&lock);
	return list;
}

/* After a listing of entries entries: the next one waits for a number of
 * misses in proportion, as a listed entry costs Wine about what a stat
 * does, and a miss (an open of the file and of its record) about what
 * LIST_PER_MISS of them do.  The files created in the last moments
 * before a listing (their ChangeTime too recent to trust) are then
 * opened one by one rather than making a large directory listed again. */
static void listed(const wchar_t *nt_path, size_t entries)
{
	struct dir_misses *d;

	AcquireSRWLockExclusive(&lock);
	d = dir_of(nt_path);
	if (d->threshold < entries / LIST_PER_MISS)
		d->threshold = (unsigned)(entries / LIST_PER_MISS);
	ReleaseSRWLockExclusive(&lock);
}

/*
 * A directory's link count on a Linux tree: 2 + its subdirectories.
 * Windows counts a directory's names only (1), so the vfs counts its
 * subdirectories (a listing) and keeps the count in the directory's
 * binding, where it holds as long as the binding does: every mkdir,
 * rmdir and rename by lxnt moves the generation of the parent
 * directories' names (lx_statcache_parent_changed).  A binding counts
 * only for the directory it names (id, its file id).  A directory
 * without a binding (the WSL format, a full cache) is counted at each
 * stat, through h when the caller has a handle of it.
 */
static uint32_t dir_nlink(const wchar_t *nt_path, uint64_t dev, uint64_t id, void *h)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);
	size_t len = wcslen(nt_path);
	uint64_t hash = hash_path(nt_path, len), key = exact_hash(nt_path, len);
	struct lx_statcache_tag t = tag_of(nt_path, v);
	struct binding b;
	uint32_t n;

	if (t.slot && entries && lookup(hash, key, &t.dirs, &b) >= 0 && b.id == id &&
	    (b.flags & BOUND_COUNTED))
		return 2 + (uint32_t)(b.flags >> 32);
	if ((h ? lx_host_subdirs_handle(h, &n) : lx_host_subdirs(nt_path, &n)) < 0)
		return 0;
	/* Kept only in a binding that was current before the count began. */
	if (t.slot && entries && lookup(hash, key, &t.dirs, &b) >= 0 && b.slot_value == t.value &&
	    b.id == id && (b.flags & BOUND_DIR)) {
		b.flags = (b.flags & 0xffffffffu) | BOUND_COUNTED | ((uint64_t)n << 32);
		lx_shared_write(place(hash, key), &b, BINDING_WORDS);
	}
	return 2 + n;
}

uint32_t lx_statcache_dir_nlink(const struct lx_node *node, uint64_t id)
{
	return dir_nlink(node->nt_path, node->mount->dev, id, NULL);
}

uint32_t lx_statcache_dir_nlink_fd(const char *path, uint64_t dev, uint64_t id, void *h)
{
	struct lx_node node;
	uint32_t n = 0;

	/* The description's path names the binding to look at (the id
	 * checks it is still this directory's); the count goes through h. */
	if (!path || strlen(path) >= sizeof(node.path))
		return 0;
	memset(&node, 0, sizeof(node));
	strcpy(node.path, path);
	if (lx_mount_lookup(&node) == 0 && node.kind == LX_NODE_HOST && node.nt_path &&
	    node.mount->dev == dev)
		n = dir_nlink(node.nt_path, dev, id, h);
	lx_node_free(&node);
	return n;
}

/* st from the query, as lx_host_stat_handle builds it from a handle. */
static void fill(const struct lx_node *node, const struct lx_meta_vol *v,
                 const struct lx_nt_network_open *a, const struct binding *b, struct lx_kstat *st)
{
	const char *name = strrchr(node->path, '/');
	bool is_dir = (b->flags & BOUND_DIR) != 0;
	uint32_t attributes = a->FileAttributes | (is_dir ? FILE_ATTRIBUTE_DIRECTORY : 0);

	memset(st, 0, sizeof(*st));
	st->dev = node->mount->dev;
	st->ino = b->id;
	st->nlink = 1;
	st->mode = lx_mode_from_attributes(attributes, name ? name + 1 : NULL);
	lx_mount_apply_masks(st->dev, &st->mode);
	lx_kstat_owner(st);
	st->size = is_dir ? 4096 : a->EndOfFile.QuadPart;
	st->blocks = a->AllocationSize.QuadPart / 512;
	if (is_dir && st->blocks == 0)
		st->blocks = 8;
	st->atime = lx_time_from_nt(a->LastAccessTime.QuadPart);
	st->mtime = lx_time_from_nt(a->LastWriteTime.QuadPart);
	st->ctime = lx_time_from_nt(a->ChangeTime.QuadPart);
	st->btime = lx_time_from_nt(a->CreationTime.QuadPart);
	lx_meta_overlay(v, NULL, attributes, a->LastAccessTime.QuadPart,
	                a->LastWriteTime.QuadPart, st);
}

static bool usable(const struct binding *b, const struct lx_nt_network_open *a)
{
	bool is_dir = (a->FileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;

	if (!!(b->flags & BOUND_DIR) != is_dir)
		return false;
	if (is_dir)
		return true;
	return b->ctime && b->ctime == a->ChangeTime.QuadPart && (b->flags & BOUND_ONE_LINK);
}

/* The store of node's mount, when the cache serves it (the portable
 * format, which reads a record without a handle), and the length of its
 * NT path; NULL otherwise. */
static const struct lx_meta_vol *served(const struct lx_node *node, size_t *len)
{
	const struct lx_meta_vol *v;

	if (node->kind != LX_NODE_HOST || !node->nt_path || !name_slots() || !entries)
		return NULL;
	v = lx_meta_store(node->mount->dev);
	*len = wcslen(node->nt_path);
	return v && v->store && *len * sizeof(wchar_t) <= 0xfffe ? v : NULL;
}

/* NtQueryFullAttributesFile of the name, without a handle. */
static NTSTATUS query_name(const struct lx_node *node, size_t len, struct lx_nt_network_open *a)
{
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;

	us.Buffer = node->nt_path;
	us.Length = us.MaximumLength = (USHORT)(len * sizeof(wchar_t));
	InitializeObjectAttributes(&oa, &us, 0, NULL, NULL);
	return NtQueryFullAttributesFile(&oa, a);
}

long lx_statcache_stat(struct lx_node *node, struct lx_kstat *st, bool *answered)
{
	const struct lx_meta_vol *v;
	struct lx_nt_network_open a;
	struct lx_metacache_tag dirs;
	struct binding b;
	NTSTATUS s;
	size_t len;
	uint64_t h, key;

	*answered = false;
	if (!(v = served(node, &len)))
		return 0;
	s = query_name(node, len, &a);
	if (s == STATUS_OBJECT_NAME_NOT_FOUND) {
		*answered = true; /* its directory exists, the name does not */
		return -LX_ENOENT;
	}
	if (!NT_SUCCESS(s))
		return 0; /* the open says which error, ENOENT or ENOTDIR */
	h = hash_path(node->nt_path, len);
	key = exact_hash(node->nt_path, len);
	dirs = lx_metacache_dirs_tag(v->cache_key);
	if (lookup(h, key, &dirs, &b) < 0)
		return 0;
	if (!b.ctime && !(b.flags & BOUND_DIR) && count_miss(node->nt_path)) {
		listed(node->nt_path, list_dir(node->nt_path, &dirs));
		if (lookup(h, key, &dirs, &b) < 0)
			return 0;
	}
	if (!usable(&b, &a))
		return 0;
	fill(node, v, &a, &b, st);
	*answered = true;
	return 0;
}

/*
 * unlink holds the file with an open that shares nothing, so the name
 * names that file until the handle closes (the open's delete on close),
 * and the query by name below is of that file: a binding that is current
 * and whose ChangeTime is the file's gives its id and one link, where a
 * query of the handle would cost Wine its request for the handle's fd.
 */
bool lx_statcache_single_id(const struct lx_node *node, uint64_t *id)
{
	const struct lx_meta_vol *v;
	struct lx_nt_network_open a;
	struct lx_metacache_tag dirs;
	struct binding b;
	size_t len;

	if (!(v = served(node, &len)))
		return false;
	dirs = lx_metacache_dirs_tag(v->cache_key);
	if (lookup(hash_path(node->nt_path, len), exact_hash(node->nt_path, len), &dirs, &b) < 0 ||
	    (b.flags & BOUND_DIR) || !b.ctime)
		return false;
	if (!NT_SUCCESS(query_name(node, len, &a)) || !usable(&b, &a))
		return false;
	*id = b.id;
	return true;
}
