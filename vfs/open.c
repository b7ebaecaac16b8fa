/*
 * open(2), openat(2): turn a resolved node into an open file description.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "metadata.h"
#include "syscall_table.h"
#include "nt.h"

/* Status flags that open(2) keeps for F_GETFL; O_CREAT, O_EXCL, O_NOCTTY,
 * O_TRUNC and O_CLOEXEC act once and are dropped (do_dentry_open). */
#define LX_O_KEPT (LX_O_ACCMODE | LX_O_APPEND | LX_O_NONBLOCK | LX_O_DSYNC | \
                   LX_O_ASYNC | LX_O_DIRECT | LX_O_LARGEFILE | LX_O_DIRECTORY | \
                   LX_O_NOFOLLOW | LX_O_NOATIME | LX_O_SYNC | LX_O_PATH)

static uint32_t nt_access(unsigned flags, bool *writes)
{
	uint32_t access = FILE_READ_ATTRIBUTES;

	*writes = false;
	if (flags & LX_O_PATH)
		return access;
	switch (flags & LX_O_ACCMODE) {
	case LX_O_RDONLY:
		access |= FILE_READ_DATA;
		break;
	case LX_O_WRONLY:
		access |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES;
		*writes = true;
		break;
	default:
		access |= FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA |
		          FILE_WRITE_ATTRIBUTES;
		*writes = true;
		break;
	}
	if (flags & LX_O_TRUNC)
		*writes = true;
	return access;
}

/* O_CREAT | O_EXCL of a plain file: the walk need not look at the last
 * component (vfs_open passes LX_AT_NO_LAST). */
static bool exclusive_create(unsigned flags)
{
	return (flags & LX_O_CREAT) && (flags & LX_O_EXCL) && !(flags & LX_O_DIRECTORY) &&
	       (flags & LX_O_TMPFILE) != LX_O_TMPFILE;
}

static uint32_t nt_disposition(unsigned flags)
{
	if ((flags & LX_O_CREAT) && (flags & LX_O_EXCL))
		return FILE_CREATE;
	if (flags & LX_O_CREAT)
		return FILE_OPEN_IF;
	return FILE_OPEN;
}

static long truncate_handle(HANDLE h)
{
	FILE_END_OF_FILE_INFORMATION eof = { 0 };
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtSetInformationFile(h, &io, &eof, sizeof(eof),
	                                  (FILE_INFORMATION_CLASS)LX_FileEndOfFileInformation);

	return NT_SUCCESS(s) ? 0 : lx_errno_from_ntstatus(s);
}

/* may_open's answer for a FIFO that the caller may open: the shared buffer
 * of vfs/fifo.c, not the file, is what is opened. */
#define MAY_OPEN_FIFO 1

/* may_open of fs/namei.c on a volume with Linux metadata: what the node
 * is decides before Windows is asked.  *exists tells whether it exists;
 * st receives its metadata. */
static long may_open(struct lx_node *node, unsigned flags, bool *exists, struct lx_kstat *st_out)
{
	struct lx_kstat st;
	int mask = 0;
	long err = lx_node_stat(node, false, &st);

	*exists = err == 0;
	if (err == -LX_ENOENT)
		return (flags & LX_O_CREAT) ? 0 : err;
	if (err)
		return err;
	if ((flags & LX_O_CREAT) && (flags & LX_O_EXCL))
		return -LX_EEXIST;
	/* The walk followed a link unless O_NOFOLLOW was given. */
	if (LX_S_ISLNK(st.mode))
		return (flags & LX_O_PATH) ? 0 : -LX_ELOOP;
	if ((flags & LX_O_DIRECTORY) && !LX_S_ISDIR(st.mode))
		return -LX_ENOTDIR;
	if (flags & LX_O_PATH)
		return 0;
	/* Sockets and device nodes are metadata only (docs/vfs.md). */
	if (!LX_S_ISDIR(st.mode) && !LX_S_ISREG(st.mode) && !LX_S_ISFIFO(st.mode))
		return -LX_ENXIO;
	if ((flags & LX_O_ACCMODE) != LX_O_WRONLY)
		mask |= LX_R_OK;
	if ((flags & LX_O_ACCMODE) != LX_O_RDONLY || (flags & LX_O_TRUNC))
		mask |= LX_W_OK;
	*st_out = st;
	err = lx_permission(&st, mask, false);
	/* O_NOATIME only for the owner or CAP_FOWNER. */
	if (!err && (flags & LX_O_NOATIME) && !lx_owner_or_capable(&st))
		err = -LX_EPERM;
	return !err && LX_S_ISFIFO(st.mode) ? MAY_OPEN_FIFO : err;
}

/* O_CREAT of a new file on a volume with Linux metadata: the file and its
 * record appear together (lx_meta_create). */
static long create_with_meta(struct lx_node *node, unsigned flags, unsigned mode, HANDLE *h)
{
	bool writes;
	uint32_t access = nt_access(flags, &writes);

	if (node->trailing_slash)
		return -LX_EISDIR;
	return lx_meta_create(node, LX_S_IFREG | (mode & 07777 & ~lx_umask), 0, access,
	                      FILE_NON_DIRECTORY_FILE, NULL, 0, (void **)h);
}

/* O_CREAT | O_EXCL on a volume with Linux metadata, where the walk did not
 * look at the last component (LX_AT_NO_LAST): the creation itself says
 * whether the name exists, as its final rename never replaces.  Only an
 * existing name wins over a refused permission (lookup_open, fs/namei.c),
 * so a refusal looks. */
static long create_exclusive(struct lx_node *node, unsigned flags, unsigned mode, HANDLE *h)
{
	struct lx_kstat st;
	long err = create_with_meta(node, flags, mode, h);

	if ((err == -LX_EACCES || err == -LX_EPERM) && lx_node_stat(node, false, &st) == 0)
		err = -LX_EEXIST;
	return err;
}

/* A FIFO node opens its shared buffer (fifo.c); the file keeps the
 * node's path for /proc/PID/fd. */
static long open_fifo(struct lx_node *node, const struct lx_kstat *st, unsigned flags,
                      struct lx_file **out)
{
	long err = lx_fifo_open(st, flags & (LX_O_ACCMODE | LX_O_NONBLOCK), out);

	if (!err)
		(*out)->path = strdup(node->path);
	return err;
}

/* The description of a file just created with its metadata: it keeps the
 * file's NT path so that its last close gives the stat cache's binding
 * the file's ChangeTime (host.c, vfs/statcache.c). */
static long created_file_new(HANDLE h, unsigned flags, unsigned mode, struct lx_node *node,
                             struct lx_file **out)
{
	long err = lx_host_file_new(h, (flags & LX_O_KEPT) | LX_O_LARGEFILE, node, false, out);

	if (err) {
		NtClose(h);
		return err;
	}
	(*out)->priv = node->nt_path ? wcsdup(node->nt_path) : NULL;
	/* No file id at hand: a later chmod by another process is not seen
	 * (one of this process's is). */
	lx_file_setid_stat(*out, &(struct lx_kstat){ .mode = mode });
	return 0;
}

/* Opens a host file: open(2) semantics of O_CREAT, O_EXCL, O_TRUNC,
 * O_DIRECTORY and write access on a directory (EISDIR). */
static long open_host(struct lx_node *node, unsigned flags, unsigned mode, struct lx_file **out)
{
	bool writes;
	uint32_t access = nt_access(flags, &writes);
	uint32_t options = 0;
	uint32_t attributes = FILE_ATTRIBUTE_NORMAL;
	bool is_dir = false, meta = false;
	struct lx_kstat st = { 0 };
	HANDLE h;
	long err;

	if ((flags & LX_O_CREAT) && node->trailing_slash)
		return -LX_EISDIR;
	if (lx_meta_store(node->mount->dev) && exclusive_create(flags)) {
		err = create_exclusive(node, flags, mode, &h);
		if (err)
			return err;
		return created_file_new(h, flags, mode, node, out);
	}
	if (lx_meta_store(node->mount->dev)) {
		bool exists;
		meta = true;
		for (int tries = 0;; tries++) {
			err = may_open(node, flags, &exists, &st);
			if (err == MAY_OPEN_FIFO)
				return open_fifo(node, &st, flags, out);
			if (err || exists)
				break;
			err = create_with_meta(node, flags, mode, &h);
			/* Created by another process meanwhile: open that one. */
			if (err != -LX_EEXIST || (flags & LX_O_EXCL) || tries)
				break;
			node->seen_absent = false;
		}
		if (err)
			return err;
		if (!exists)
			return created_file_new(h, flags, mode, node, out);
		flags &= ~(unsigned)LX_O_CREAT;
	}
	if (flags & LX_O_DIRECTORY)
		options |= FILE_DIRECTORY_FILE;
	else if (writes)
		options |= FILE_NON_DIRECTORY_FILE;
	if ((flags & LX_O_CREAT) && !((mode & ~lx_umask) & 0222))
		attributes |= FILE_ATTRIBUTE_READONLY;
	err = lx_host_open(node->nt_path, access, nt_disposition(flags), options, attributes, &h);
	if (err)
		return err;
	err = lx_host_is_dir(h, &is_dir);
	if (!err && node->trailing_slash && !is_dir)
		err = -LX_ENOTDIR;
	if (!err && is_dir && writes)
		err = -LX_EISDIR;
	if (!err && (flags & LX_O_TRUNC) && !is_dir && (flags & LX_O_ACCMODE) != LX_O_RDONLY) {
		err = truncate_handle(h);
		/* handle_truncate: do_truncate's ATTR_KILL_SUID and SGID. */
		if (!err && meta)
			err = lx_meta_remove_privs(h, node->mount->dev, &st);
	}
	/* force_o_largefile(): a 64-bit kernel opens every file large. */
	if (!err)
		err = lx_host_file_new(h, (flags & LX_O_KEPT) | LX_O_LARGEFILE, node, is_dir, out);
	if (err)
		NtClose(h);
	else if (meta)
		lx_file_setid_stat(*out, &st);
	return err;
}

long lx_open_node(struct lx_node *node, unsigned flags, unsigned mode, struct lx_file **out)
{
	bool writes = (flags & LX_O_ACCMODE) != LX_O_RDONLY && !(flags & LX_O_PATH);

	switch (node->kind) {
	case LX_NODE_SYNTH_DIR:
		if ((flags & LX_O_CREAT) && (flags & LX_O_EXCL))
			return -LX_EEXIST;
		if (writes || (flags & LX_O_CREAT))
			return -LX_EISDIR;
		return lx_synth_dir_open(node->which, node->path,
		                         (flags & LX_O_KEPT) | LX_O_LARGEFILE, out);
	case LX_NODE_DEV:
		if ((flags & LX_O_CREAT) && (flags & LX_O_EXCL))
			return -LX_EEXIST;
		if (flags & LX_O_DIRECTORY)
			return -LX_ENOTDIR;
		if (node->trailing_slash)
			return -LX_ENOTDIR;
		if (lx_dev_link_target(node->which) && (flags & LX_O_NOFOLLOW))
			return -LX_ELOOP;
		return lx_dev_open(node->which, (flags & LX_O_KEPT) | LX_O_LARGEFILE, out);
	case LX_NODE_PROC:
		return lx_proc_open(node, flags, mode, out);
	default:
		return open_host(node, flags, mode, out);
	}
}

static long vfs_open(int dirfd, uint64_t upath, unsigned flags, unsigned mode, unsigned resolve)
{
	struct lx_node node;
	struct lx_file *f;
	char *path;
	long err;

	if ((flags & LX_O_TMPFILE) == LX_O_TMPFILE)
		return -LX_EOPNOTSUPP; /* open(2): the file system lacks O_TMPFILE support */
	path = malloc(LX_PATH_MAX);
	if (!path)
		return -LX_ENOMEM;
	err = lx_strncpy_from_user(path, upath, LX_PATH_MAX);
	/* O_CREAT | O_EXCL does not follow a final link (open(2)). */
	if (err >= 0)
		err = lx_resolve_at2(dirfd, path,
		                     exclusive_create(flags) ? LX_AT_NO_LAST :
		                     (flags & LX_O_NOFOLLOW) ||
		                     ((flags & LX_O_CREAT) && (flags & LX_O_EXCL)) ? 0 : LX_AT_FOLLOW,
		                     resolve, &node, NULL);
	else
		memset(&node, 0, sizeof(node));
	free(path);
	/* The /dev/std* links are magic links to /proc/self/fd/N. */
	if (!err && (resolve & (LX_RESOLVE_NO_MAGICLINKS | LX_RESOLVE_NO_SYMLINKS)) &&
	    node.kind == LX_NODE_DEV && lx_dev_link_target(node.which))
		err = -LX_ELOOP;
	if (err) {
		lx_node_free(&node);
		return err;
	}
	err = lx_open_node(&node, flags, mode, &f);
	lx_node_free(&node);
	if (err)
		return err;
	return lx_fd_install(f, 0, (flags & LX_O_CLOEXEC) != 0);
}

long lx_vfs_open(int dirfd, uint64_t upath, unsigned flags, unsigned mode)
{
	return vfs_open(dirfd, upath, flags, mode, 0);
}

/* struct open_how (include/uapi/linux/openat2.h). */
struct lx_open_how {
	uint64_t flags, mode, resolve;
};

#define LX_OPEN_HOW_SIZE_VER0 24
#define LX_O_VALID (LX_O_ACCMODE | LX_O_CREAT | LX_O_EXCL | LX_O_NOCTTY | LX_O_TRUNC | \
                    LX_O_APPEND | LX_O_NONBLOCK | LX_O_DSYNC | LX_O_ASYNC | LX_O_DIRECT | \
                    LX_O_LARGEFILE | LX_O_DIRECTORY | LX_O_NOFOLLOW | LX_O_NOATIME | \
                    LX_O_CLOEXEC | LX_O_SYNC | LX_O_PATH | LX_O_TMPFILE)

/* Linux openat2(2): the checks of build_open_how and copy_struct_from_user
 * (a larger struct must be zero beyond what is known: E2BIG). */
int64_t lx_sys_openat2(struct lx_syscall *sc)
{
	size_t size = (size_t)sc->arg[3];
	struct lx_open_how how;
	unsigned char extra[64];

	if (size < LX_OPEN_HOW_SIZE_VER0)
		return -LX_EINVAL;
	if (size > 4096)
		return -LX_E2BIG;
	if (lx_copy_from_user(&how, (uint64_t)sc->arg[2], sizeof(how)))
		return -LX_EFAULT;
	for (size_t off = sizeof(how); off < size; off += sizeof(extra)) {
		size_t n = size - off < sizeof(extra) ? size - off : sizeof(extra);
		if (lx_copy_from_user(extra, (uint64_t)sc->arg[2] + off, n))
			return -LX_EFAULT;
		for (size_t i = 0; i < n; i++)
			if (extra[i])
				return -LX_E2BIG;
	}
	if ((how.flags & ~(uint64_t)LX_O_VALID) || (how.mode & ~(uint64_t)07777) ||
	    (how.resolve & ~(uint64_t)0x3f))
		return -LX_EINVAL;
	if (how.mode && !(how.flags & (LX_O_CREAT | LX_O_TMPFILE)))
		return -LX_EINVAL;
	if ((how.resolve & LX_RESOLVE_BENEATH) && (how.resolve & LX_RESOLVE_IN_ROOT))
		return -LX_EINVAL;
	/* Nothing is cached: a caller asking for a cached lookup only must
	 * retry without (openat2(2), EAGAIN). */
	if (how.resolve & LX_RESOLVE_CACHED)
		return -LX_EAGAIN;
	return vfs_open((int)sc->arg[0], (uint64_t)sc->arg[1], (unsigned)how.flags,
	                (unsigned)how.mode, (unsigned)how.resolve);
}

/* Linux open(2). */
int64_t lx_sys_open(struct lx_syscall *sc)
{
	return lx_vfs_open(LX_AT_FDCWD, (uint64_t)sc->arg[0], (unsigned)sc->arg[1],
	                   (unsigned)sc->arg[2]);
}

/* Linux openat(2). */
int64_t lx_sys_openat(struct lx_syscall *sc)
{
	return lx_vfs_open((int)sc->arg[0], (uint64_t)sc->arg[1], (unsigned)sc->arg[2],
	                   (unsigned)sc->arg[3]);
}

/* Linux creat(2): open(path, O_CREAT | O_WRONLY | O_TRUNC, mode). */
int64_t lx_sys_creat(struct lx_syscall *sc)
{
	return lx_vfs_open(LX_AT_FDCWD, (uint64_t)sc->arg[0],
	                   LX_O_CREAT | LX_O_WRONLY | LX_O_TRUNC, (unsigned)sc->arg[1]);
}
