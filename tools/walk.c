/*
 * Reading a rootfs directory for `lxnt convert`: every entry with its
 * lstat(2) and its encoded path in DEST, in preorder and name order, and
 * which entries are hard links of an earlier one.
 */
#include "convert.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int walk_fail(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why);
	return -1;
}

/* Appends "<path>: <what>" to a list of the tree's report. */
static int note(char ***list, size_t *n, const char *path, const char *what)
{
	char **v = realloc(*list, (*n + 1) * sizeof(*v));
	size_t len = strlen(path) + strlen(what) + 3;
	if (!v)
		return -1;
	*list = v;
	if (!(v[*n] = malloc(len)))
		return -1;
	snprintf(v[(*n)++], len, "%s: %s", path, what);
	return 0;
}

/* Notes something left out of the tree; the walk goes on. */
static int leave_out(struct cv_tree *t, const char *path, const char *why)
{
	return note(&t->left_out, &t->nleft, path, why);
}

/* Notes the xattrs of an entry that DEST does not keep; the walk goes on. */
static int not_kept(struct cv_tree *t, const char *rel, const char *names)
{
	char what[300];
	snprintf(what, sizeof(what), "xattrs %s", names);
	return note(&t->not_kept, &t->nnot_kept, *rel ? rel : ".", what);
}

/* Adds the entry at full (SRC's path) with its kept extended attributes. */
static int tree_add(struct cv_tree *t, const char *full, const char *rel, const char *out,
	const struct stat *st)
{
	char dropped[256];
	struct cv_xattrs x;
	if (cv_read_xattrs(full, &x, dropped, sizeof(dropped)) ||
	    (*dropped && not_kept(t, rel, dropped))) {
		cv_xattr_free(&x);
		return -1;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct cv_entry *v = realloc(t->v, cap * sizeof(*v));
		if (!v) {
			cv_xattr_free(&x);
			return -1;
		}
		t->v = v;
		t->cap = cap;
	}
	char *copy = strdup(rel), *out_copy = strdup(out);
	if (!copy || !out_copy) {
		free(copy);
		free(out_copy);
		cv_xattr_free(&x);
		return -1;
	}
	t->v[t->n++] = (struct cv_entry){ .rel = copy, .out = out_copy, .st = *st,
		.link_primary = -1, .xattrs = x };
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory path except . and .., sorted; NULL on error. */
static char **read_names(const char *path, size_t *count, char *err, size_t errlen)
{
	DIR *d = opendir(path);
	if (!d) {
		walk_fail(err, errlen, path, strerror(errno));
		return NULL;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = realloc(names, cap * sizeof(*nv));
			if (!nv)
				goto oom;
			names = nv;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto oom;
		n++;
	}
	if (errno) {
		walk_fail(err, errlen, path, strerror(errno));
		goto fail;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	*count = n;
	return names ? names : calloc(1, sizeof(char *));
oom:
	walk_fail(err, errlen, path, "out of memory");
fail:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return NULL;
}

/* rel is the directory's path in SRC, out the same path in DEST. */
static int walk_dir(const char *root, const char *rel, const char *out, dev_t skip_dev,
	ino_t skip_ino, struct cv_tree *t, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel) >= (int)sizeof(path))
		return walk_fail(err, errlen, rel, "path too long");
	size_t count;
	char **names = read_names(path, &count, err, errlen);
	if (!names && *rel) {
		/* An unreadable directory (a non-root convert meeting root's
		 * 0700 directory): DEST gets it empty, and the report says so. */
		int rc = leave_out(t, err, "contents not read");
		*err = 0;
		return rc ? walk_fail(err, errlen, path, "out of memory") : 0;
	}
	if (!names)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < count && rc == 0; i++) {
		char child[PATH_MAX], full[PATH_MAX], name[4 * NAME_MAX + 1], out_child[PATH_MAX];
		struct stat st;
		if (snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", names[i]) >= (int)sizeof(child) ||
		    snprintf(full, sizeof(full), "%s/%s", root, child) >= (int)sizeof(full)) {
			rc = walk_fail(err, errlen, names[i], "path too long");
			break;
		}
		if (cv_encode_name(names[i], name, sizeof(name))) {
			/* Each escaped byte is three in UTF-8 (docs/vfs.md, "Names"). */
			if (leave_out(t, full, "name longer than NAME_MAX once encoded for Windows")) {
				rc = walk_fail(err, errlen, full, "out of memory");
				break;
			}
			continue;
		}
		if (snprintf(out_child, sizeof(out_child), "%s%s%s", out, *out ? "/" : "", name) >=
		    (int)sizeof(out_child)) {
			rc = walk_fail(err, errlen, full, "path too long once encoded");
			break;
		}
		if (lstat(full, &st) != 0) {
			rc = walk_fail(err, errlen, full, strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode) && st.st_dev == skip_dev && st.st_ino == skip_ino)
			continue;
		if (tree_add(t, full, child, out_child, &st)) {
			rc = walk_fail(err, errlen, full, "out of memory");
			break;
		}
		if (S_ISDIR(st.st_mode))
			rc = walk_dir(root, child, out_child, skip_dev, skip_ino, t, err, errlen);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int by_inode(const void *a, const void *b, void *arg)
{
	const struct cv_tree *t = arg;
	const struct cv_entry *x = &t->v[*(const size_t *)a];
	const struct cv_entry *y = &t->v[*(const size_t *)b];
	if (x->st.st_dev != y->st.st_dev)
		return x->st.st_dev < y->st.st_dev ? -1 : 1;
	if (x->st.st_ino != y->st.st_ino)
		return x->st.st_ino < y->st.st_ino ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Entries that share (st_dev, st_ino) with an earlier one become its links. */
static int find_hard_links(struct cv_tree *t)
{
	size_t *idx = malloc((t->n ? t->n : 1) * sizeof(*idx));
	if (!idx)
		return -1;
	size_t m = 0;
	for (size_t i = 0; i < t->n; i++)
		if (!S_ISDIR(t->v[i].st.st_mode) && t->v[i].st.st_nlink > 1)
			idx[m++] = i;
	if (m)
		qsort_r(idx, m, sizeof(*idx), by_inode, t);
	for (size_t k = 1; k < m; k++) {
		struct cv_entry *prev = &t->v[idx[k - 1]], *cur = &t->v[idx[k]];
		if (cur->st.st_dev == prev->st.st_dev && cur->st.st_ino == prev->st.st_ino)
			cur->link_primary = prev->link_primary >= 0 ? prev->link_primary : (long)idx[k - 1];
	}
	free(idx);
	return 0;
}

int cv_walk(const char *src, dev_t skip_dev, ino_t skip_ino, struct cv_tree *tree,
	char *err, size_t errlen)
{
	struct stat st;
	memset(tree, 0, sizeof(*tree));
	if (errlen)
		*err = 0;
	if (stat(src, &st) != 0)
		return walk_fail(err, errlen, src, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return walk_fail(err, errlen, src, "not a directory");
	if (tree_add(tree, src, "", "", &st) ||
	    walk_dir(src, "", "", skip_dev, skip_ino, tree, err, errlen) ||
	    find_hard_links(tree)) {
		if (!*err)
			walk_fail(err, errlen, src, "out of memory");
		cv_tree_free(tree);
		return -1;
	}
	return 0;
}

void cv_tree_free(struct cv_tree *tree)
{
	for (size_t i = 0; i < tree->nleft; i++)
		free(tree->left_out[i]);
	free(tree->left_out);
	for (size_t i = 0; i < tree->nnot_kept; i++)
		free(tree->not_kept[i]);
	free(tree->not_kept);
	for (size_t i = 0; i < tree->n; i++) {
		free(tree->v[i].rel);
		free(tree->v[i].out);
		free(tree->v[i].target);
		free(tree->v[i].from);
		cv_xattr_free(&tree->v[i].xattrs);
	}
	free(tree->v);
	memset(tree, 0, sizeof(*tree));
}
