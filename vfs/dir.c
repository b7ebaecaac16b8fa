/*
 * getdents64(2), mkdir(2), mkdirat(2), rmdir(2), getcwd(2), chdir(2),
 * fchdir(2).
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "metadata.h"
#include "syscall_table.h"
#include "nt.h"

struct snapshot_builder {
	struct lx_file *f;
	size_t cap;
	bool failed;
};

static bool snapshot_add(void *ctx, const char *name, uint8_t type, uint64_t ino)
{
	struct snapshot_builder *b = ctx;
	struct lx_file *f = b->f;

	if (f->nents == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct lx_dirent_rec *e = realloc(f->ents, cap * sizeof(*e));
		if (!e) {
			b->failed = true;
			return false;
		}
		f->ents = e;
		b->cap = cap;
	}
	f->ents[f->nents].name = strdup(name);
	if (!f->ents[f->nents].name) {
		b->failed = true;
		return false;
	}
	f->ents[f->nents].type = type;
	f->ents[f->nents].ino = ino ? ino : 1;
	f->nents++;
	return true;
}

static uint64_t parent_ino(const char *path)
{
	char parent[LX_PATH_MAX];
	struct lx_node node;
	struct lx_kstat st;
	uint64_t ino = 1;
	char *slash;

	strcpy(parent, path);
	slash = strrchr(parent, '/');
	if (slash == parent)
		parent[1] = 0;
	else if (slash)
		*slash = 0;
	if (lx_resolve_at(LX_AT_FDCWD, parent, 0, &node, NULL) == 0 &&
	    lx_node_stat(&node, true, &st) == 0)
		ino = st.ino;
	lx_node_free(&node);
	return ino;
}

/* The directory is listed once, at the first getdents64 after open or a
 * rewind; d_off of entry i is i + 1, so telldir/seekdir cookies stay valid
 * for the life of the snapshot.  "." and ".." come first. */
static long take_snapshot(struct lx_file *f)
{
	struct snapshot_builder b = { f, 0, false };
	struct lx_kstat st;
	long err;

	lx_file_drop_snapshot(f);
	err = lx_file_stat(f, &st);
	if (err)
		return err;
	snapshot_add(&b, ".", LX_DT_DIR, st.ino);
	snapshot_add(&b, "..", LX_DT_DIR, f->path ? parent_ino(f->path) : st.ino);
	err = f->ops->list(f, snapshot_add, &b);
	if (!err && b.failed)
		err = -LX_ENOMEM;
	if (err) {
		lx_file_drop_snapshot(f);
		return err;
	}
	f->ents_valid = true;
	return 0;
}

static size_t dirent_reclen(size_t namelen)
{
	return (LX_DIRENT64_NAME_OFFSET + namelen + 1 + 7) & ~(size_t)7;
}

/* Linux getdents64(2): EINVAL when even one record does not fit. */
int64_t lx_sys_getdents64(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	uint64_t ubuf = (uint64_t)sc->arg[1];
	size_t count = (size_t)(unsigned)sc->arg[2];
	char *out;
	size_t used = 0;
	long err = 0;

	if (!f)
		return -LX_EBADF;
	if (!f->is_dir || !f->ops->list || (f->flags & LX_O_PATH)) {
		lx_file_put(f);
		return f->is_dir ? -LX_EBADF : -LX_ENOTDIR;
	}
	out = malloc(count ? count : 1);
	if (!out) {
		lx_file_put(f);
		return -LX_ENOMEM;
	}
	lx_file_lock(f);
	if (!f->ents_valid)
		err = take_snapshot(f);
	while (!err && f->pos >= 0 && (size_t)f->pos < f->nents) {
		const struct lx_dirent_rec *e = &f->ents[f->pos];
		size_t len = strlen(e->name);
		size_t rec = dirent_reclen(len);
		struct lx_dirent64 *d = (struct lx_dirent64 *)(out + used);

		if (used + rec > count) {
			if (used == 0)
				err = -LX_EINVAL;
			break;
		}
		memset(d, 0, rec);
		d->d_ino = e->ino;
		d->d_off = f->pos + 1;
		d->d_reclen = (uint16_t)rec;
		d->d_type = e->type;
		memcpy(d->d_name, e->name, len);
		used += rec;
		f->pos++;
	}
	lx_file_unlock(f);
	if (!err && used && lx_copy_to_user(ubuf, out, used))
		err = -LX_EFAULT;
	free(out);
	lx_file_put(f);
	return err ? err : (long)used;
}

/* mkdir(2): EEXIST for anything that exists, EROFS for a new name in a
 * synthetic directory.  The mode is kept where the volume keeps Linux
 * metadata (lx_meta_mkdir, docs/vfs.md). */
static long mkdir_at(int dirfd, uint64_t upath, unsigned mode)
{
	struct lx_node node;
	HANDLE h;
	long err = lx_resolve_user(dirfd, upath, 0, &node, NULL);

	if (err == -LX_ENOENT && node.path[0] && lx_mount_parent_synthetic(node.path) &&
	    !lx_mount_below(node.path, "/proc") && !lx_mount_below(node.path, "/sys"))
		err = -LX_EROFS; /* /proc and /sys say ENOENT, as on Linux */
	else if (!err && (node.kind != LX_NODE_HOST || lx_mount_is_point(node.path)))
		err = -LX_EEXIST;
	else if (!err) {
		err = lx_meta_mkdir(&node, mode, (void **)&h);
		if (!err)
			NtClose(h);
	}
	lx_node_free(&node);
	return err;
}

/* Linux mkdir(2). */
int64_t lx_sys_mkdir(struct lx_syscall *sc)
{
	return mkdir_at(LX_AT_FDCWD, (uint64_t)sc->arg[0], (unsigned)sc->arg[1]);
}

/* Linux mkdirat(2). */
int64_t lx_sys_mkdirat(struct lx_syscall *sc)
{
	return mkdir_at((int)sc->arg[0], (uint64_t)sc->arg[1], (unsigned)sc->arg[2]);
}

/* Linux getcwd(2): the length including the NUL, ERANGE when it does not
 * fit. */
int64_t lx_sys_getcwd(struct lx_syscall *sc)
{
	char buf[LX_PATH_MAX];
	size_t size = (size_t)sc->arg[1];
	size_t len;
	long err;

	lx_cwd_copy(buf);
	len = strlen(buf) + 1;
	if (size < len)
		return -LX_ERANGE;
	err = lx_copy_to_user((uint64_t)sc->arg[0], buf, len);
	return err ? err : (long)len;
}

/* chdir into a /proc link (/proc/self/cwd, /proc/self/fd/N) moves to the
 * directory it names, as the kernel's walk follows the link. */
static long chdir_proc_link(struct lx_node *node)
{
	char *target = malloc(LX_PATH_MAX);
	long err;

	if (!target)
		return -LX_ENOMEM;
	memcpy(target, "/proc/", 6);
	err = lx_proc_readlink(node, target + 6, LX_PATH_MAX - 6);
	if (err == -LX_EINVAL)
		err = lx_set_cwd(node->path); /* a directory of /proc itself */
	else if (!err)
		/* "self" is relative to /proc; the others are absolute */
		err = lx_set_cwd(target[6] == '/' ? target + 6 : target);
	free(target);
	return err;
}

static long chdir_node(struct lx_node *node)
{
	struct lx_kstat st;
	long err = lx_node_stat(node, true, &st);

	if (!err && !LX_S_ISDIR(st.mode))
		err = -LX_ENOTDIR;
	if (!err)
		err = lx_permission(&st, LX_X_OK, false);
	if (!err && node->kind == LX_NODE_PROC)
		err = chdir_proc_link(node);
	else if (!err)
		err = lx_set_cwd(node->path);
	return err;
}

/* Linux chdir(2). */
int64_t lx_sys_chdir(struct lx_syscall *sc)
{
	struct lx_node node;
	long err = lx_resolve_user(LX_AT_FDCWD, (uint64_t)sc->arg[0], LX_AT_FOLLOW, &node, NULL);

	if (!err)
		err = chdir_node(&node);
	lx_node_free(&node);
	return err;
}

/* Linux fchdir(2). */
int64_t lx_sys_fchdir(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	long err;

	if (!f)
		return -LX_EBADF;
	err = (!f->is_dir || !f->path) ? -LX_ENOTDIR : lx_set_cwd(f->path);
	lx_file_put(f);
	return err;
}
