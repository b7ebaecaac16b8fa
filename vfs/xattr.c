/*
 * Extended attributes (fs/xattr.c): kept on mounts in the portable format
 * (vfs/metaxattr.c, docs/vfs.md "Extended attributes") in the user.,
 * trusted. and security. namespaces, as ext4 keeps them; elsewhere the
 * calls behave as on a Linux file system without xattr handlers.  The
 * path or fd and the arguments are checked in the kernel's order and with
 * its errors, then xattr_permission()'s rules and the capability module's
 * are applied, then the namespace.
 */
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "lxnt/linux/errno.h"
#include "lxnt/linux/fs.h"
#include "vfs.h"
#include "metadata.h"
#include "../runtime/capability.h"
#include "../runtime/identity.h"
#include "../runtime/lx.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536
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
	/* fdget(): an O_PATH descriptor is no file for these calls. */
	if (!t->file || (t->file->flags & LX_O_PATH))
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
 * and directories, and a sticky directory's only for its owner or
 * CAP_FOWNER (inode_owner_or_capable); the rest go through the ordinary
 * permission check. */
static long xattr_permission(const struct lx_kstat *st, const char *name, int mask)
{
	bool write = mask & LX_W_OK;

	if (has_prefix(name, "security.") || has_prefix(name, "system."))
		return 0;
	if (has_prefix(name, "trusted.")) {
		if (!lx_capable(LX_CAP_SYS_ADMIN))
			return write ? -LX_EPERM : -LX_ENODATA;
		return 0;
	}
	if (has_prefix(name, "user.")) {
		if (!LX_S_ISREG(st->mode) && !LX_S_ISDIR(st->mode))
			return write ? -LX_EPERM : -LX_ENODATA;
		if (LX_S_ISDIR(st->mode) && (st->mode & LX_S_ISVTX) && write &&
		    !lx_owner_or_capable(st))
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

/* The handler a name resolves to on a mount that keeps attributes
 * (xattr_resolve_name() over ext4's handlers, ACLs aside): user.,
 * trusted. and security. are kept, a bare prefix is EINVAL; system.*
 * (POSIX ACLs, which no mount keeps) and any other prefix EOPNOTSUPP. */
static long resolve_handler(const char *name)
{
	size_t n = lx_xattr_kept_prefix(name);

	return !n ? -LX_EOPNOTSUPP : name[n] ? 0 : -LX_EINVAL;
}

/* Where the file's mount keeps attributes, the handler of the name;
 * elsewhere no handler at all (EOPNOTSUPP). */
static long store_handler(const struct xattr_target *t, const char *name)
{
	return lx_meta_keeps_xattrs(t->st.dev) ? resolve_handler(name) : -LX_EOPNOTSUPP;
}

/* Whether listxattr shows the name to the caller: trusted.* only to
 * CAP_SYS_ADMIN (ext4_xattr_trusted_list). */
static bool listed(const char *name, size_t n)
{
	return n < 8 || memcmp(name, "trusted.", 8) || lx_capable(LX_CAP_SYS_ADMIN);
}

/* cap_convert_nscap() for the only user namespace there is: a v2 or v3
 * header of the right size (EINVAL), CAP_SETFCAP (EPERM); a v3 value
 * whose root id is 0 is a v2 one, as reading it back would give. */
static long convert_caps(unsigned char *value, size_t *size)
{
	uint32_t magic = 0, rev;

	for (size_t i = 0; i < 4 && i < *size; i++)
		magic |= (uint32_t)value[i] << (8 * i);
	rev = magic & VFS_CAP_REVISION_MASK;
	if (!((*size == XATTR_CAPS_SZ_2 && rev == VFS_CAP_REVISION_2) ||
	      (*size == XATTR_CAPS_SZ_3 && rev == VFS_CAP_REVISION_3)))
		return -LX_EINVAL;
	if (!lx_capable(LX_CAP_SETFCAP))
		return -LX_EPERM;
	if (rev == VFS_CAP_REVISION_3 && !value[20] && !value[21] && !value[22] && !value[23]) {
		uint32_t v2 = VFS_CAP_REVISION_2 | (magic & VFS_CAP_FLAGS_EFFECTIVE);
		for (int i = 0; i < 4; i++)
			value[i] = (unsigned char)(v2 >> (8 * i));
		*size = XATTR_CAPS_SZ_2;
	}
	return 0;
}

/* cap_inode_setxattr() and cap_inode_removexattr(): security.* but the
 * capabilities needs CAP_SYS_ADMIN; removing the capabilities CAP_SETFCAP
 * (setting them was checked by convert_caps). */
static long security_check(const char *name, bool remove)
{
	if (!has_prefix(name, "security."))
		return 0;
	if (!strcmp(name, LX_XATTR_CAPS))
		return !remove || lx_capable(LX_CAP_SETFCAP) ? 0 : -LX_EPERM;
	return lx_capable(LX_CAP_SYS_ADMIN) ? 0 : -LX_EPERM;
}

static long do_getxattr(struct xattr_target *t, uint64_t uname, uint64_t uvalue, uint64_t size)
{
	char name[XATTR_NAME_MAX + 1];
	struct lx_xattrs x;
	const unsigned char *value;
	uint32_t vlen;
	long err = copy_name(uname, name);

	if (!err)
		err = xattr_permission(&t->st, name, LX_R_OK);
	if (!err)
		err = store_handler(t, name);
	if (err)
		return err;
	err = lx_meta_xattrs_get(t->st.dev, &t->st, &x);
	if (err)
		return err;
	value = lx_xattrs_find(&x, name, strlen(name), &vlen);
	if (!value)
		err = -LX_ENODATA;
	else if (size && vlen > (size > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : size))
		err = -LX_ERANGE;
	else if (size && vlen)
		err = lx_copy_to_user(uvalue, value, vlen);
	lx_xattrs_free(&x);
	return err ? err : (long)vlen;
}

/* What a set or a remove does to the set, under the record's lock. */
struct xattr_edit {
	const char *name;
	const unsigned char *value; /* NULL: remove */
	size_t size;
	int flags;
};

static long edit(void *ctx, struct lx_xattrs *x)
{
	const struct xattr_edit *e = ctx;
	size_t n = strlen(e->name);
	uint32_t vlen;
	bool exists = lx_xattrs_find(x, e->name, n, &vlen) != NULL;

	if (!e->value)
		return lx_xattrs_remove(x, e->name, n) ? 0 : -LX_ENODATA;
	if (exists && (e->flags & XATTR_CREATE))
		return -LX_EEXIST;
	if (!exists && (e->flags & XATTR_REPLACE))
		return -LX_ENODATA;
	switch (lx_xattrs_set(x, e->name, n, e->value, (uint32_t)e->size)) {
	case 0:
		return 0;
	case -1:
		return -LX_ENOMEM;
	default:
		return -LX_ENOSPC;
	}
}

static long do_setxattr(struct xattr_target *t, uint64_t uname, uint64_t uvalue, uint64_t usize,
                        int flags)
{
	size_t size = (size_t)usize;
	char name[XATTR_NAME_MAX + 1];
	unsigned char *value = NULL;
	struct xattr_edit e;
	long err = want_write(t);

	if (!err && (flags & ~(XATTR_CREATE | XATTR_REPLACE)))
		err = -LX_EINVAL;
	if (!err)
		err = copy_name(uname, name);
	if (!err && usize > XATTR_SIZE_MAX)
		err = -LX_E2BIG;
	if (err)
		return err;
	/* An empty value is an attribute too, not a removal. */
	value = malloc(size ? size : 1);
	if (!value)
		return -LX_ENOMEM;
	if (size)
		err = lx_copy_from_user(value, uvalue, size);
	if (!err && size && !strcmp(name, LX_XATTR_CAPS))
		err = convert_caps(value, &size);
	if (!err)
		err = xattr_permission(&t->st, name, LX_W_OK);
	if (!err)
		err = security_check(name, false);
	if (!err)
		err = store_handler(t, name);
	if (!err) {
		e = (struct xattr_edit){ name, value, size, flags };
		err = lx_meta_xattrs_change(t->st.dev, &t->st, edit, &e);
	}
	/* Descriptions of the file that saw no set-ID bits and no attributes
	 * look again before their next write (file_remove_privs). */
	if (!err && !strcmp(name, LX_XATTR_CAPS))
		InterlockedIncrement(&lx_setid_chmods);
	free(value);
	return err;
}

static long do_removexattr(struct xattr_target *t, uint64_t uname)
{
	char name[XATTR_NAME_MAX + 1];
	struct xattr_edit e = { name, NULL, 0, 0 };
	long err = want_write(t);

	if (!err)
		err = copy_name(uname, name);
	if (!err)
		err = xattr_permission(&t->st, name, LX_W_OK);
	if (!err)
		err = security_check(name, true);
	if (!err)
		err = store_handler(t, name);
	return err ? err : lx_meta_xattrs_change(t->st.dev, &t->st, edit, &e);
}

/* listxattr: the names the caller may see, each with its NUL; size 0
 * asks for the length.  No permission check (vfs_listxattr); a mount
 * that keeps no attributes lists none. */
struct list_out {
	char *buf;
	size_t len, cap;
};

static bool list_one(void *ctx, const char *name, size_t n, const unsigned char *value,
                     uint32_t vlen)
{
	struct list_out *o = ctx;

	(void)value, (void)vlen;
	if (!listed(name, n))
		return true;
	if (o->buf && o->len + n + 1 <= o->cap) {
		memcpy(o->buf + o->len, name, n);
		o->buf[o->len + n] = 0;
	}
	o->len += n + 1;
	return true;
}

static long do_listxattr(struct xattr_target *t, uint64_t ulist, uint64_t size)
{
	struct lx_xattrs x;
	struct list_out o = { 0 };
	long err;

	if (!lx_meta_keeps_xattrs(t->st.dev))
		return 0;
	err = lx_meta_xattrs_get(t->st.dev, &t->st, &x);
	if (err)
		return err;
	if (size > XATTR_LIST_MAX)
		size = XATTR_LIST_MAX;
	if (size) {
		o.buf = malloc(size);
		o.cap = size;
		if (!o.buf)
			err = -LX_ENOMEM;
	}
	if (!err)
		lx_xattrs_each(&x, list_one, &o);
	if (!err && size && o.len > size)
		err = o.len > XATTR_LIST_MAX && size >= XATTR_LIST_MAX ? -LX_E2BIG : -LX_ERANGE;
	if (!err && size && o.len)
		err = lx_copy_to_user(ulist, o.buf, o.len);
	free(o.buf);
	lx_xattrs_free(&x);
	return err ? err : (long)o.len;
}

/* The entry points: resolve, act, release. */

static long path_getxattr(struct lx_syscall *sc, bool follow)
{
	struct xattr_target t;
	long err = target_path(&t, (uint64_t)sc->arg[0], follow);

	if (!err)
		err = do_getxattr(&t, (uint64_t)sc->arg[1], (uint64_t)sc->arg[2], (uint64_t)sc->arg[3]);
	target_put(&t);
	return err;
}

static long path_setxattr(struct lx_syscall *sc, bool follow)
{
	struct xattr_target t;
	long err = target_path(&t, (uint64_t)sc->arg[0], follow);

	if (!err)
		err = do_setxattr(&t, (uint64_t)sc->arg[1], (uint64_t)sc->arg[2], (uint64_t)sc->arg[3],
		                  (int)sc->arg[4]);
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

static long path_listxattr(struct lx_syscall *sc, bool follow)
{
	struct xattr_target t;
	long err = target_path(&t, (uint64_t)sc->arg[0], follow);

	if (!err)
		err = do_listxattr(&t, (uint64_t)sc->arg[1], (uint64_t)sc->arg[2]);
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
		err = do_getxattr(&t, (uint64_t)sc->arg[1], (uint64_t)sc->arg[2], (uint64_t)sc->arg[3]);
	target_put(&t);
	return err;
}

int64_t lx_sys_fsetxattr(struct lx_syscall *sc)
{
	struct xattr_target t;
	long err = target_fd(&t, (int)sc->arg[0]);

	if (!err)
		err = do_setxattr(&t, (uint64_t)sc->arg[1], (uint64_t)sc->arg[2], (uint64_t)sc->arg[3],
		                  (int)sc->arg[4]);
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

	if (!err)
		err = do_listxattr(&t, (uint64_t)sc->arg[1], (uint64_t)sc->arg[2]);
	target_put(&t);
	return err;
}
