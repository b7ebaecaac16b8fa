/*
 * The path walk (path_resolution(7)): a path relative to a dirfd or the
 * working directory becomes a canonical Linux path, then a node of the
 * mount that holds it.  The working directory is kept as a canonical path,
 * as getcwd(2) reports it.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
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
	if (!err && strstr(path, ".."))
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
