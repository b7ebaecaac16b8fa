/*
 * open(2), openat(2): turn a resolved node into an open file description.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
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

/* Opens a host file: open(2) semantics of O_CREAT, O_EXCL, O_TRUNC,
 * O_DIRECTORY and write access on a directory (EISDIR). */
static long open_host(struct lx_node *node, unsigned flags, unsigned mode, struct lx_file **out)
{
	bool writes;
	uint32_t access = nt_access(flags, &writes);
	uint32_t options = 0;
	uint32_t attributes = FILE_ATTRIBUTE_NORMAL;
	bool is_dir = false;
	HANDLE h;
	long err;

	if ((flags & LX_O_CREAT) && node->trailing_slash)
		return -LX_EISDIR;
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
	if (!err && (flags & LX_O_TRUNC) && !is_dir && (flags & LX_O_ACCMODE) != LX_O_RDONLY)
		err = truncate_handle(h);
	/* force_o_largefile(): a 64-bit kernel opens every file large. */
	if (!err)
		err = lx_host_file_new(h, (flags & LX_O_KEPT) | LX_O_LARGEFILE, node, is_dir, out);
	if (err)
		NtClose(h);
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

long lx_vfs_open(int dirfd, uint64_t upath, unsigned flags, unsigned mode)
{
	struct lx_node node;
	struct lx_file *f;
	long err;

	if ((flags & LX_O_TMPFILE) == LX_O_TMPFILE)
		return -LX_EOPNOTSUPP; /* open(2): the file system lacks O_TMPFILE support */
	err = lx_resolve_user(dirfd, upath, 0, &node, NULL);
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
