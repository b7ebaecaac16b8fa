/*
 * The path walk (path_resolution(7)): a path relative to a dirfd or the
 * working directory becomes a canonical Linux path, then a node of the
 * mount that holds it.  The working directory is kept as a canonical path,
 * as getcwd(2) reports it.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "metaback.h"
#include "metacache.h"
#include "metadata.h"
#include "nt.h"
#include "proc_info.h"

static char cwd[LX_PATH_MAX] = "/";
static SRWLOCK cwd_lock = SRWLOCK_INIT;

void lx_cwd_copy(char *out)
{
	AcquireSRWLockShared(&cwd_lock);
	strcpy(out, cwd);
	ReleaseSRWLockShared(&cwd_lock);
}

long lx_set_cwd(const char *path)
{
	if (strlen(path) >= LX_PATH_MAX)
		return -LX_ENAMETOOLONG;
	AcquireSRWLockExclusive(&cwd_lock);
	strcpy(cwd, path);
	lx_proc_note_cwd(path); /* for /proc/<pid>/cwd read by others */
	ReleaseSRWLockExclusive(&cwd_lock);
	return 0;
}

/* The base directory of a *at() call: the cwd or the dirfd's path, which
 * must name a directory (openat(2): ENOTDIR, EBADF). */
static long base_of(int dirfd, char *base)
{
	struct lx_file *f;
	long err = 0;

	if (dirfd == LX_AT_FDCWD) {
		lx_cwd_copy(base);
		return 0;
	}
	f = lx_fd_get(dirfd);
	if (!f)
		return -LX_EBADF;
	if (!f->is_dir || !f->path)
		err = -LX_ENOTDIR;
	else
		strcpy(base, f->path);
	lx_file_put(f);
	return err;
}

/* The kernel walks into each component before it meets "..", so
 * "missing/.." is ENOENT and "file/.." ENOTDIR even though the lexical
 * result exists (path_resolution(7)).  Each prefix before a ".." must
 * therefore be an existing directory. */
static long check_dotdot(const char *base, const char *path)
{
	char *prefix = NULL;
	long err = 0;

	for (const char *p = path; *p && !err;) {
		const char *c;
		size_t n;

		while (*p == '/')
			p++;
		c = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - c);
		if (n != 2 || c[0] != '.' || c[1] != '.' || c == path)
			continue;
		if (!prefix && !(prefix = malloc(LX_PATH_MAX)))
			return -LX_ENOMEM;
		struct lx_node *dir = malloc(sizeof(*dir));
		struct lx_kstat st;
		bool slash;
		if (!dir) {
			err = -LX_ENOMEM;
			break;
		}
		memset(dir, 0, sizeof(*dir));
		memcpy(prefix, path, (size_t)(c - path));
		prefix[c - path] = 0;
		err = lx_path_join(base, prefix, dir->path, sizeof(dir->path), &slash, NULL);
		if (!err)
			err = lx_mount_lookup(dir);
		if (!err)
			err = lx_node_stat(dir, true, &st);
		if (!err && !LX_S_ISDIR(st.mode))
			err = -LX_ENOTDIR;
		lx_node_free(dir);
		free(dir);
	}
	free(prefix);
	return err;
}

/* What the walk knows of one canonical path: its mount (st_dev), and, on
 * a volume with Linux metadata, its lstat (links exist only there). */
struct place {
	uint64_t dev;
	bool meta;
	bool fresh;             /* st read now, not taken from the cache */
	struct lx_kstat st;
};

/*
 * Whether the walk may treat a /proc node like a rootfs node: any but a
 * link whose text is no path (`pipe:[N]`, `anon_inode:...` of fd/N, which
 * open(2) serves itself by sharing the descriptor's file), or the own
 * memfd's, whose path names nothing.  /dev's links (/dev/stdin) are
 * served the same way and are never followed here.
 */
static bool proc_followable(struct lx_node *n)
{
	char text[64];
	long len = lx_readlink_node(n, text, sizeof(text));

	if (len > 0 && text[0] == '/' && lx_proc_is_own_memfd(n))
		return false;

	if (len == -LX_EINVAL)
		return true; /* not a link */
	if (len == -LX_ENAMETOOLONG)
		return true; /* a long path */
	if (len <= 0)
		return false;
	if (text[0] == '/')
		return true;
	for (long i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return true; /* "self" -> "PID" */
}

/* The node of a canonical path, looked up in the mount table; put it
 * with node_put. */
static long node_at(const char *path, struct lx_node **out)
{
	struct lx_node *n = calloc(1, sizeof(*n));

	*out = n;
	if (!n)
		return -LX_ENOMEM;
	strcpy(n->path, path);
	return lx_mount_lookup(n);
}

static void node_put(struct lx_node *n)
{
	if (n)
		lx_node_free(n);
	free(n);
}

/*
 * The directories the walk passed through, by canonical path: every step
 * of every path names its directories again (cwd, /usr, /usr/lib...), and
 * each look costs an open and a query.  Only directories of volumes with
 * Linux metadata are kept, with the store's directory counter
 * (vfs/metacache.h) as it was before their look; any removal, rename or
 * metadata change of a directory of that store, in any process, makes them
 * all stale.  What a look of a directory gives the walk (type, mode,
 * owner, device) changes only so.
 */
#define DCACHE_SETS 64
#define DCACHE_WAYS 4

/* An entry; a set's least recently used one makes room.  Four ways keep
 * a directory whose hash meets the cwd's from pushing it out at every
 * step, as a direct-mapped table did. */
struct dentry {
	uint64_t hash;
	char *path;
	struct lx_metacache_tag tag;
	struct place pl;
	volatile LONG used;    /* the clock at its last hit or fill */
};

static struct dentry dcache[DCACHE_SETS][DCACHE_WAYS];
static volatile LONG dcache_clock;
static SRWLOCK dcache_lock = SRWLOCK_INIT;

static uint64_t path_hash(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 0x100000001b3ull;
	return h;
}

static struct dentry *dcache_set(uint64_t hash)
{
	return dcache[hash % DCACHE_SETS];
}

static bool dcache_get(const char *path, uint64_t hash, struct place *pl)
{
	struct dentry *set = dcache_set(hash);
	bool hit = false;

	AcquireSRWLockShared(&dcache_lock);
	for (int w = 0; w < DCACHE_WAYS && !hit; w++) {
		struct dentry *d = &set[w];
		if (d->path && d->hash == hash && !strcmp(d->path, path) &&
		    lx_metacache_current(&d->tag)) {
			*pl = d->pl;
			/* Under the shared lock: a racing hit may store an older
			 * stamp, which only makes this entry less likely to stay. */
			d->used = InterlockedIncrement(&dcache_clock);
			hit = true;
		}
	}
	ReleaseSRWLockShared(&dcache_lock);
	return hit;
}

/* The way of a set that path takes: its own, else an empty one, else the
 * least recently used. */
static struct dentry *dcache_victim(struct dentry *set, const char *path, uint64_t hash)
{
	struct dentry *v = &set[0];

	for (int w = 0; w < DCACHE_WAYS; w++) {
		struct dentry *d = &set[w];
		if (d->path && d->hash == hash && !strcmp(d->path, path))
			return d;
		if (!d->path)
			return d;
		if ((LONG)(d->used - v->used) < 0)
			v = d;
	}
	return v;
}

static void dcache_put(const char *path, uint64_t hash, const struct lx_metacache_tag *tag,
                       const struct place *pl)
{
	char *copy = strdup(path);
	struct dentry *d;

	if (!copy)
		return;
	AcquireSRWLockExclusive(&dcache_lock);
	d = dcache_victim(dcache_set(hash), path, hash);
	free(d->path);
	d->path = copy;
	d->hash = hash;
	d->tag = *tag;
	d->pl = *pl;
	d->used = InterlockedIncrement(&dcache_clock);
	ReleaseSRWLockExclusive(&dcache_lock);
}

static long look(const char *path, struct place *pl)
{
	struct lx_node *n;
	struct lx_metacache_tag tag = { 0 };
	uint64_t hash = path_hash(path);
	long err;

	if (dcache_get(path, hash, pl)) {
		pl->fresh = false;
		return 0;
	}
	err = node_at(path, &n);
	pl->meta = false;
	pl->fresh = n && n->kind == LX_NODE_HOST;
	pl->dev = 0;
	if (!err) {
		const struct lx_meta_vol *store =
			n->kind == LX_NODE_HOST ? lx_meta_store(n->mount->dev) : NULL;
		pl->dev = n->kind == LX_NODE_HOST ? n->mount->dev : lx_synth_dev();
		/* Places with Linux metadata: a rootfs that keeps it, and /proc,
		 * whose links that name a path the walk follows like any other. */
		if (store || (n->kind == LX_NODE_PROC && proc_followable(n))) {
			pl->meta = true;
			if (store)
				tag = lx_metacache_dirs_tag(store->cache_key);
			err = lx_node_stat(n, false, &pl->st);
			if (!err && tag.gen && LX_S_ISDIR(pl->st.mode))
				dcache_put(path, hash, &tag, pl);
		}
	}
	node_put(n);
	return err;
}

long lx_resolve_dir_stat(const char *path, struct lx_kstat *st, bool *meta)
{
	struct place pl;
	long err = look(path, &pl);

	*meta = !err && pl.meta && pl.dev != lx_synth_dev();
	if (*meta)
		*st = pl.st;
	return err;
}

/* Stats a canonical path without following a final link; synthetic
 * directories count as directories. */
static long lstat_path(const char *path, struct lx_kstat *st)
{
	struct lx_node *n;
	long err = node_at(path, &n);

	if (!err)
		err = lx_node_stat(n, false, st);
	node_put(n);
	return err;
}

static long read_link_of(const char *path, char *out, size_t cap)
{
	struct lx_node *n;
	long err = node_at(path, &n);

	if (!err)
		err = lx_readlink_node(n, out, cap);
	node_put(n);
	return err;
}

static void to_parent(char *cur)
{
	char *slash = strrchr(cur, '/');

	if (slash == cur)
		cur[1] = 0;
	else if (slash)
		*slash = 0;
}

/* The walk of path_resolution(7): one component at a time from the start
 * directory, each directory searched needing its x permission
 * (may_lookup), each link before the end (or at the end with follow, or
 * a trailing slash) replaced by its target, an absolute target restarting
 * at the root, and ELOOP after LX_MAXSYMLINKS links.  cur never holds a
 * link, so ".." is its lexical parent, and ".." at the root stays there.
 * The root is the instance's "/", or the start directory with
 * RESOLVE_IN_ROOT; RESOLVE_BENEATH makes every way out of the start
 * directory EXDEV, RESOLVE_NO_XDEV every mount crossing, and
 * RESOLVE_NO_SYMLINKS every link to follow ELOOP (openat2(2)). */
struct walk {
	char cur[LX_PATH_MAX];
	char rest[2 * LX_PATH_MAX];
	char next[LX_PATH_MAX];
	char target[LX_PATH_MAX];
	const char *root;       /* where "/" and ".." stop */
	const char *start;      /* the directory RESOLVE_BENEATH keeps to */
	unsigned resolve;
	uint64_t start_dev;
	struct place last;      /* what the walk last saw of cur */
	bool no_last;           /* LX_AT_NO_LAST */
	bool no_last_slash;     /* LX_AT_NO_LAST_SLASH */
	bool real_ids;          /* LX_AT_REAL_IDS */
	bool absent;            /* the last component was looked for and is not there */
};

static long step_into(struct walk *w, const char *c, size_t n)
{
	size_t len = strlen(w->cur);

	if (len + 1 + n >= LX_PATH_MAX)
		return -LX_ENAMETOOLONG;
	memcpy(w->next, w->cur, len);
	if (len > 1)
		w->next[len++] = '/';
	memcpy(w->next + len, c, n);
	w->next[len + n] = 0;
	return 0;
}

static bool is_last(const char *p)
{
	while (*p == '/')
		p++;
	return *p == 0;
}

static bool next_is_dotdot(const char *p)
{
	while (*p == '/')
		p++;
	return p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]);
}

/* Jumps to the root for an absolute path or link target. */
static long restart_at_root(struct walk *w)
{
	if (w->resolve & LX_RESOLVE_BENEATH)
		return -LX_EXDEV;
	strcpy(w->cur, w->root);
	return 0;
}

static long mount_check(struct walk *w, const struct place *pl)
{
	return (w->resolve & LX_RESOLVE_NO_XDEV) && pl->dev != w->start_dev ? -LX_EXDEV : 0;
}

/* Replaces the link w->next by its target in front of what is left (p). */
static long follow_link(struct walk *w, char **p, int *links)
{
	size_t left = strlen(*p);
	long len;

	if (w->resolve & LX_RESOLVE_NO_SYMLINKS)
		return -LX_ELOOP;
	if (++*links > LX_MAXSYMLINKS)
		return -LX_ELOOP;
	len = read_link_of(w->next, w->target, sizeof(w->target));
	if (len < 0)
		return len;
	if ((size_t)len + 1 + left >= sizeof(w->rest))
		return -LX_ENAMETOOLONG;
	memmove(w->rest + len + 1, *p, left + 1);
	memcpy(w->rest, w->target, (size_t)len);
	w->rest[len] = '/';
	*p = w->rest;
	return w->target[0] == '/' ? restart_at_root(w) : 0;
}

static long walk_steps(struct walk *w, bool follow, bool trailing)
{
	struct place pl;
	int links = 0;
	long err = look(w->cur, &pl);

	w->start_dev = pl.dev;
	if (!err && pl.meta && !LX_S_ISDIR(pl.st.mode))
		err = -LX_ENOTDIR;
	for (char *p = w->rest; !err;) {
		char *c;
		size_t n;
		bool last;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - c);
		last = is_last(p);
		if (n > LX_NAME_MAX)
			return -LX_ENAMETOOLONG;
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (!strcmp(w->cur, w->root))
				continue;
			if ((w->resolve & LX_RESOLVE_BENEATH) && !strcmp(w->cur, w->start))
				return -LX_EXDEV;
			to_parent(w->cur);
			if (!(err = look(w->cur, &pl)))
				err = mount_check(w, &pl);
			continue;
		}
		/* may_lookup: search permission on the directory. */
		if (pl.meta && (err = lx_permission(&pl.st, LX_X_OK, w->real_ids)))
			break;
		if ((err = step_into(w, c, n)))
			break;
		if (last && w->no_last && (!trailing || w->no_last_slash)) {
			strcpy(w->cur, w->next);
			w->last.meta = false;
			return 0;
		}
		err = look(w->next, &pl);
		if (err == -LX_ENOENT && last) {
			strcpy(w->cur, w->next);
			w->last.meta = false; /* pl is the parent's */
			w->absent = true;
			return 0;
		}
		if (!err)
			err = mount_check(w, &pl);
		/* Without links, only a ".." after it needs it to exist. */
		if (!err && !pl.meta && next_is_dotdot(p)) {
			err = lstat_path(w->next, &pl.st);
			if (!err && !LX_S_ISDIR(pl.st.mode))
				err = -LX_ENOTDIR;
		}
		if (err)
			break;
		if (pl.meta && LX_S_ISLNK(pl.st.mode) && (!last || follow || trailing)) {
			if (!(err = follow_link(w, &p, &links)))
				err = look(w->cur, &pl);
			continue;
		}
		if (pl.meta && !last && !LX_S_ISDIR(pl.st.mode))
			return -LX_ENOTDIR;
		strcpy(w->cur, w->next);
	}
	w->last = pl;
	return err;
}

/* The walk from base along path into out; *seen gets the stat of the
 * last component when the walk looked at it just now on a volume with
 * Linux metadata (the operation that follows need not look again). */
static long walk(const char *base, const char *path, int at_flags, bool trailing,
                 unsigned resolve, char *out, struct lx_kstat *seen, bool *have_seen,
                 bool *absent)
{
	bool follow = (at_flags & LX_AT_FOLLOW) != 0;
	struct walk *w = malloc(sizeof(*w));
	long err = 0;

	if (!w)
		return -LX_ENOMEM;
	w->resolve = resolve;
	w->start = base;
	w->root = (resolve & LX_RESOLVE_IN_ROOT) ? base : "/";
	strcpy(w->cur, base);
	strcpy(w->rest, path);
	if (path[0] == '/')
		err = restart_at_root(w);
	w->last.meta = false;
	w->no_last = (at_flags & LX_AT_NO_LAST) != 0;
	w->no_last_slash = (at_flags & LX_AT_NO_LAST_SLASH) != 0;
	w->real_ids = (at_flags & LX_AT_REAL_IDS) != 0;
	w->absent = false;
	if (!err)
		err = walk_steps(w, follow, trailing);
	if (!err)
		strcpy(out, w->cur);
	*have_seen = !err && w->last.meta && w->last.fresh;
	*absent = !err && w->absent;
	if (*have_seen)
		*seen = w->last.st;
	free(w);
	return err;
}

/*
 * Without a walk (no rootfs keeping links), the only links are those of
 * /proc and /dev: a final /proc link that names a path (/proc/self/exe)
 * is followed here, up to LX_MAXSYMLINKS of them.
 */
static long follow_synthetic(struct lx_node *node)
{
	char *target = malloc(LX_PATH_MAX), *next = malloc(LX_PATH_MAX);
	long err = target && next ? 0 : -LX_ENOMEM;

	for (int links = 0; !err; links++) {
		long n = node->kind == LX_NODE_PROC && proc_followable(node) ?
		         lx_readlink_node(node, target, LX_PATH_MAX) : -LX_EINVAL;
		if (n == -LX_EINVAL)
			break; /* not a link, or one that open(2) serves */
		if (n < 0 || links == LX_MAXSYMLINKS) {
			err = n < 0 ? n : -LX_ELOOP;
			break;
		}
		/* A relative target ("123" of /proc/self) is relative to the
		 * link's directory. */
		if (target[0] == '/') {
			strcpy(next, target);
		} else {
			strcpy(next, node->path);
			*strrchr(next, '/') = 0;
			if (strlen(next) + 1 + strlen(target) >= LX_PATH_MAX) {
				err = -LX_ENAMETOOLONG;
				break;
			}
			strcat(strcat(next, "/"), target);
		}
		lx_node_free(node);
		memset(node, 0, sizeof(*node));
		err = lx_path_join("/", next, node->path, sizeof(node->path), &node->trailing_slash,
		                   node->last);
		if (!err)
			err = lx_mount_lookup(node);
	}
	free(target);
	free(next);
	return err;
}

long lx_resolve_at(int dirfd, const char *path, int at_flags, struct lx_node *node,
                   struct lx_file **empty_file)
{
	return lx_resolve_at2(dirfd, path, at_flags, 0, node, empty_file);
}

long lx_resolve_at2(int dirfd, const char *path, int at_flags, unsigned resolve,
                    struct lx_node *node, struct lx_file **empty_file)
{
	char base[LX_PATH_MAX];
	long err;

	memset(node, 0, sizeof(*node));
	if (empty_file)
		*empty_file = NULL;
	if (!*path) {
		if (!(at_flags & LX_AT_EMPTY_PATH) || !empty_file)
			return -LX_ENOENT;
		if (dirfd == LX_AT_FDCWD) {
			path = ".";
		} else {
			*empty_file = lx_fd_get(dirfd);
			return *empty_file ? 0 : -LX_EBADF;
		}
	}
	if (path[0] != '/' || (resolve & (LX_RESOLVE_IN_ROOT | LX_RESOLVE_BENEATH))) {
		err = base_of(dirfd, base);
		if (err)
			return err;
	} else {
		strcpy(base, "/");
	}
	err = lx_path_join(path[0] == '/' && !(resolve & LX_RESOLVE_IN_ROOT) ? "/" : base, path,
	                   node->path, sizeof(node->path), &node->trailing_slash, node->last);
	bool walked = !err && (lx_meta_rootfs() || resolve);
	bool seen = false, absent = false;
	if (walked)
		err = walk(base, path, at_flags, node->trailing_slash, resolve, node->path, &node->seen,
		           &seen, &absent);
	else if (!err && strstr(path, ".."))
		err = check_dotdot(base, path);
	if (!err)
		err = lx_mount_lookup(node);
	node->have_seen = !err && seen && node->kind == LX_NODE_HOST;
	node->seen_absent = !err && absent && node->kind == LX_NODE_HOST;
	if (!err && !walked && (at_flags & LX_AT_FOLLOW))
		err = follow_synthetic(node);
	return err;
}

long lx_resolve_user(int dirfd, uint64_t upath, int at_flags, struct lx_node *node,
                     struct lx_file **empty_file)
{
	char *path = malloc(LX_PATH_MAX);
	long err;

	memset(node, 0, sizeof(*node));
	if (empty_file)
		*empty_file = NULL;
	if (!path)
		return -LX_ENOMEM;
	err = lx_strncpy_from_user(path, upath, LX_PATH_MAX);
	if (err >= 0)
		err = lx_resolve_at(dirfd, path, at_flags, node, empty_file);
	free(path);
	return err;
}
