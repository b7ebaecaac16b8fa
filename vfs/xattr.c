/*
 * Extended attributes (fs/xattr.c): the vfs keeps none, so the calls
 * behave as on a Linux file system without xattr handlers (vfat, say):
 * the path or fd and the arguments are checked in the kernel's order and
 * with its errors, xattr_permission()'s rules are applied, and then
 * getxattr, setxattr and removexattr give EOPNOTSUPP while listxattr
 * lists nothing.  Programs that probe for ACLs or capabilities (ls -l,
 * cp -a, tar) take that as "no attributes here".
 */
#include <string.h>

#include "lxnt/linux/errno.h"
#include "lxnt/linux/fs.h"
#include "vfs.h"
#include "../runtime/identity.h"
#include "../runtime/lx.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_CREATE   0x1
#define XATTR_REPLACE  0x2

/* What an attribute call acts on: a resolved path or an open file. */
struct xattr_target {
	struct lx_node node;
	struct lx_file *file;
	bool have_node;
	struct lx_kstat st;
};

static void target_put(struct xattr_target *t)
{
	lx_file_put(t->file);
	if (t->have_node)
		lx_node_free(&t->node);
}

static long target_path(struct xattr_target *t, uint64_t upath, bool follow)
{
	long err;

	memset(t, 0, sizeof(*t));
	err = lx_resolve_user(LX_AT_FDCWD, upath, follow ? LX_AT_FOLLOW : 0, &t->node, &t->file);
	t->have_node = true; /* freed by target_put, whatever the walk answered */
	if (err)
		return err;
	if (t->file)
		return lx_file_stat(t->file, &t->st);
	return lx_node_stat_alias(&t->node, follow, &t->st);
}

static long target_fd(struct xattr_target *t, int fd)
{
	memset(t, 0, sizeof(*t));
	t->file = lx_fd_get(fd);
	if (!t->file)
		return -LX_EBADF;
	return lx_file_stat(t->file, &t->st);
}

/* The attribute name, as getxattr() and setxattr() copy it: an empty name
 * or one of XATTR_NAME_MAX bytes or more is ERANGE. */
static long copy_name(uint64_t uname, char name[XATTR_NAME_MAX + 1])
{
	long n = lx_strncpy_from_user(name, uname, XATTR_NAME_MAX + 1);

	if (n == -LX_ENAMETOOLONG || n == 0)
		return -LX_ERANGE;
	return n < 0 ? n : 0;
}

static bool has_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* xattr_permission(): security.* and system.* are the file system's to
 * judge; trusted.* needs CAP_SYS_ADMIN; user.* exists only on regular files
 * and directories, and a sticky directory's only for its owner; the rest
 * go through the ordinary permission check. */
static long xattr_permission(const struct lx_kstat *st, const char *name, int mask)
{
	bool write = mask & LX_W_OK;

	if (has_prefix(name, "security.") || has_prefix(name, "system."))
		return 0;
	if (has_prefix(name, "trusted.")) {
		if (lx_cred_fsuid() != 0)
			return write ? -LX_EPERM : -LX_ENODATA;
		return 0;
	}
	if (has_prefix(name, "user.")) {
		if (!LX_S_ISREG(st->mode) && !LX_S_ISDIR(st->mode))
			return write ? -LX_EPERM : -LX_ENODATA;
		if (LX_S_ISDIR(st->mode) && (st->mode & LX_S_ISVTX) && write &&
		    lx_cred_fsuid() != st->uid && lx_cred_fsuid() != 0)
			return -LX_EPERM;
	}
	return lx_permission(st, mask, false);
}

/* mnt_want_write(): the synthetic directories are read-only. */
static long want_write(const struct xattr_target *t)
{
	if (!t->file && t->have_node && t->node.kind == LX_NODE_SYNTH_DIR)
		return -LX_EROFS;
	return 0;
}

static long do_getxattr(struct xattr_target *t, uint64_t uname)
{
	char name[XATTR_NAME_MAX + 1];
	long err = copy_name(uname, name);

	if (!err)
		err = xattr_permission(&t->st, name, LX_R_OK);
	return err ? err : -LX_EOPNOTSUPP;
}

static long do_setxattr(struct xattr_target *t, uint64_t uname, uint64_t size, int flags)
{
	char name[XATTR_NAME_MAX + 1];
	long err = want_write(t);

	if (!err && (flags & ~(XATTR_CREATE | XATTR_REPLACE)))
		err = -LX_EINVAL;
	if (!err)
		err = copy_name(uname, name);
	if (!err && size > XATTR_SIZE_MAX)
		err = -LX_E2BIG;
	if (!err)
		err = xattr_permission(&t->st, name, LX_W_OK);
	return err ? err : -LX_EOPNOTSUPP;
}

static long do_removexattr(struct xattr_target *t, uint64_t uname)
{
	char name[XATTR_NAME_MAX + 1];
	long err = want_write(t);

	if (!err)
		err = copy_name(uname, name);
	if (!err)
		err = xattr_permission(&t->st, name, LX_W_OK);
	return err ? err : -LX_EOPNOTSUPP;
}

/* The entry points: resolve, act, release. */

static long path_getxattr(struct lx_syscall *sc, bool follow)
{
	struct xattr_target t;
	long err = target_path(&t, (uint64_t)sc->arg[0], follow);

	if (!err)
		err = do_getxattr(&t, (uint64_t)sc->arg[1]);
	target_put(&t);
	return err;
}

static long path_setxattr(struct lx_syscall *sc, bool follow)
{
	struct xattr_target t;
	long err = target_path(&t, (uint64_t)sc->arg[0], follow);

	if (!err)
		err = do_setxattr(&t, (uint64_t)sc->arg[1], (uint64_t)sc->arg[3], (int)sc->arg[4]);
	target_put(&t);
	return err;
}

static long path_removexattr(struct lx_syscall *sc, bool follow)
{
	struct xattr_target t;
	long err = target_path(&t, (uint64_t)sc->arg[0], follow);

	if (!err)
		err = do_removexattr(&t, (uint64_t)sc->arg[1]);
	target_put(&t);
	return err;
}

/* An empty list: no attribute to name, so neither the buffer nor its size
 * matters (vfs_listxattr without a handler and without a security module). */
static long path_listxattr(struct lx_syscall *sc, bool follow)
{
	struct xattr_target t;
	long err = target_path(&t, (uint64_t)sc->arg[0], follow);

	target_put(&t);
	return err;
}

int64_t lx_sys_getxattr(struct lx_syscall *sc) { return path_getxattr(sc, true); }
int64_t lx_sys_lgetxattr(struct lx_syscall *sc) { return path_getxattr(sc, false); }
int64_t lx_sys_setxattr(struct lx_syscall *sc) { return path_setxattr(sc, true); }
int64_t lx_sys_lsetxattr(struct lx_syscall *sc) { return path_setxattr(sc, false); }
int64_t lx_sys_removexattr(struct lx_syscall *sc) { return path_removexattr(sc, true); }
int64_t lx_sys_lremovexattr(struct lx_syscall *sc) { return path_removexattr(sc, false); }
int64_t lx_sys_listxattr(struct lx_syscall *sc) { return path_listxattr(sc, true); }
int64_t lx_sys_llistxattr(struct lx_syscall *sc) { return path_listxattr(sc, false); }

int64_t lx_sys_fgetxattr(struct lx_syscall *sc)
{
	struct xattr_target t;
	long err = target_fd(&t, (int)sc->arg[0]);

	if (!err)
		err = do_getxattr(&t, (uint64_t)sc->arg[1]);
	target_put(&t);
	return err;
}

int64_t lx_sys_fsetxattr(struct lx_syscall *sc)
{
	struct xattr_target t;
	long err = target_fd(&t, (int)sc->arg[0]);

	if (!err)
		err = do_setxattr(&t, (uint64_t)sc->arg[1], (uint64_t)sc->arg[3], (int)sc->arg[4]);
	target_put(&t);
	return err;
}

int64_t lx_sys_fremovexattr(struct lx_syscall *sc)
{
	struct xattr_target t;
	long err = target_fd(&t, (int)sc->arg[0]);

	if (!err)
		err = do_removexattr(&t, (uint64_t)sc->arg[1]);
	target_put(&t);
	return err;
}

int64_t lx_sys_flistxattr(struct lx_syscall *sc)
{
	struct xattr_target t;
	long err = target_fd(&t, (int)sc->arg[0]);

	target_put(&t);
	return err;
}
