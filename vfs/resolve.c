/*
 * The path walk (path_resolution(7)): a path relative to a dirfd or the
 * working directory becomes a canonical Linux path, then a node of the
 * mount that holds it.  The working directory is kept as a canonical path,
 * as getcwd(2) reports it.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "metadata.h"
#include "nt.h"

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

/* Whether path (canonical) lies on a volume with Linux metadata, where
 * links exist and directories have search permission. */
static bool on_meta_volume(const char *path, struct lx_kstat *st, long *err)
{
	struct lx_node *n = calloc(1, sizeof(*n));
	bool meta = false;

	*err = 0;
	if (!n) {
		*err = -LX_ENOMEM;
		return false;
	}
	strcpy(n->path, path);
	*err = lx_mount_lookup(n);
	if (!*err && n->kind == LX_NODE_HOST && lx_meta_store(n->mount->dev)) {
		meta = true;
		*err = lx_node_stat(n, false, st);
	}
	lx_node_free(n);
	free(n);
	return meta;
}

/* Stats a canonical path without following a final link; synthetic
 * directories count as directories. */
static long lstat_path(const char *path, struct lx_kstat *st)
{
	struct lx_node *n = calloc(1, sizeof(*n));
	long err;

	if (!n)
		return -LX_ENOMEM;
	strcpy(n->path, path);
	err = lx_mount_lookup(n);
	if (!err)
		err = lx_node_stat(n, false, st);
	lx_node_free(n);
	free(n);
	return err;
}

static long read_link_of(const char *path, char *out, size_t cap)
{
	struct lx_node *n = calloc(1, sizeof(*n));
	long err;

	if (!n)
		return -LX_ENOMEM;
	strcpy(n->path, path);
	err = lx_mount_lookup(n);
	if (!err)
		err = lx_readlink_node(n, out, cap);
	lx_node_free(n);
	free(n);
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

/* The walk of path_resolution(7) over a volume with links: one component
 * at a time from base, each directory searched needing its x permission
 * (may_lookup), each link before the end (or at the end with follow)
 * replaced by its target, an absolute target restarting at the instance's
 * "/", and ELOOP after LX_MAXSYMLINKS links.  cur never holds a link, so
 * ".." is its lexical parent, and ".." at "/" stays at "/". */
struct walk {
	char cur[LX_PATH_MAX];
	char rest[2 * LX_PATH_MAX];
	char next[LX_PATH_MAX];
	char target[LX_PATH_MAX];
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

static long walk(const char *base, const char *path, bool follow, bool trailing, char *out)
{
	struct walk *w = malloc(sizeof(*w));
	struct lx_kstat st;
	int links = 0;
	long err = 0;
	bool meta;

	if (!w)
		return -LX_ENOMEM;
	strcpy(w->cur, path[0] == '/' ? "/" : base);
	strcpy(w->rest, path);
	meta = on_meta_volume(w->cur, &st, &err);
	if (!err && meta && !LX_S_ISDIR(st.mode))
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
		{
			const char *q = p;
			while (*q == '/')
				q++;
			last = *q == 0;
		}
		if (n > LX_NAME_MAX) {
			err = -LX_ENAMETOOLONG;
			break;
		}
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			to_parent(w->cur);
			meta = on_meta_volume(w->cur, &st, &err);
			continue;
		}
		/* may_lookup: search permission on the directory. */
		if (meta && (err = lx_permission(&st, LX_X_OK, false)))
			break;
		if ((err = step_into(w, c, n)))
			break;
		meta = on_meta_volume(w->next, &st, &err);
		if (err == -LX_ENOENT && last) {
			err = 0;
			strcpy(w->cur, w->next);
			break;
		}
		if (!meta && !err) {
			/* No links here: only a ".." after it needs it to exist. */
			const char *q = p;
			while (*q == '/')
				q++;
			if (q[0] == '.' && q[1] == '.' && (q[2] == '/' || !q[2])) {
				err = lstat_path(w->next, &st);
				if (!err && !LX_S_ISDIR(st.mode))
					err = -LX_ENOTDIR;
			}
		}
		if (err)
			break;
		if (meta && LX_S_ISLNK(st.mode) && (!last || follow || trailing)) {
			long len;
			if (++links > LX_MAXSYMLINKS) {
				err = -LX_ELOOP;
				break;
			}
			len = read_link_of(w->next, w->target, sizeof(w->target));
			if (len < 0) {
				err = len;
				break;
			}
			if (len + 1 + strlen(p) >= sizeof(w->rest)) {
				err = -LX_ENAMETOOLONG;
				break;
			}
			/* rest becomes target + what was left after the link. */
			memmove(w->rest + len + 1, p, strlen(p) + 1);
			memcpy(w->rest, w->target, (size_t)len);
			w->rest[len] = '/';
			p = w->rest;
			if (w->target[0] == '/')
				strcpy(w->cur, "/");
			meta = on_meta_volume(w->cur, &st, &err);
			continue;
		}
		if (meta && !last && !LX_S_ISDIR(st.mode)) {
			err = -LX_ENOTDIR;
			break;
		}
		strcpy(w->cur, w->next);
	}
	if (!err)
		strcpy(out, w->cur);
	free(w);
	return err;
}

long lx_resolve_at(int dirfd, const char *path, int at_flags, struct lx_node *node,
                   struct lx_file **empty_file)
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
	if (path[0] != '/') {
		err = base_of(dirfd, base);
		if (err)
			return err;
	} else {
		strcpy(base, "/");
	}
	err = lx_path_join(base, path, node->path, sizeof(node->path),
	                   &node->trailing_slash, node->last);
	if (!err && lx_meta_rootfs())
		err = walk(base, path, (at_flags & LX_AT_FOLLOW) != 0, node->trailing_slash,
		           node->path);
	else if (!err && strstr(path, ".."))
		err = check_dotdot(base, path);
	if (err)
		return err;
	return lx_mount_lookup(node);
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
