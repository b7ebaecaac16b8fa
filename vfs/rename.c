/*
 * rename(2), renameat(2), renameat2(2).
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "metaback.h"
#include "metacache.h"
#include "metadata.h"
#include "statcache.h"
#include "syscall_table.h"
#include "nt.h"

#ifndef STATUS_ACCESS_DENIED
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#endif

/* Checks of do_renameat2 (fs/namei.c) that Windows would answer
 * differently, in the kernel's order. */
static long rename_checks(struct lx_node *from, struct lx_node *to, unsigned flags,
                          bool *to_exists, bool *to_dir, bool *from_dir)
{
	bool from_exists;
	long err;
	size_t n = strlen(from->path);

	if (lx_last_is_dots(from->last) || lx_last_is_dots(to->last) || lx_mount_is_point(from->path) ||
	    lx_mount_is_point(to->path))
		return -LX_EBUSY;
	if (from->kind != LX_NODE_HOST)
		return -LX_EROFS;
	if (to->kind != LX_NODE_HOST)
		return -LX_EXDEV;
	if (from->mount != to->mount)
		return -LX_EXDEV;
	err = lx_node_probe(from, &from_exists, from_dir);
	if (err)
		return err;
	if (!from_exists)
		return -LX_ENOENT;
	if (!*from_dir && (from->trailing_slash || to->trailing_slash))
		return -LX_ENOTDIR;
	err = lx_node_probe(to, to_exists, to_dir);
	if (err)
		return err;
	if (*to_exists && (flags & LX_RENAME_NOREPLACE))
		return -LX_EEXIST;
	if (!strncmp(to->path, from->path, n) && to->path[n] == '/')
		return -LX_EINVAL; /* a directory into its own subtree */
	if (*to_exists && *from_dir && !*to_dir)
		return -LX_ENOTDIR;
	if (*to_exists && !*from_dir && *to_dir)
		return -LX_EISDIR;
	return 0;
}

static long replace_by_unlink(struct lx_node *to)
{
	HANDLE t;
	bool exclusive;
	long err = lx_open_for_removal(to->nt_path, FILE_NON_DIRECTORY_FILE, (void **)&t, &exclusive);

	if (err)
		return err;
	return lx_meta_remove(to, t, false, exclusive); /* the replaced file's record goes too */
}

static bool dir_is_empty(HANDLE h)
{
	union { FILE_NAMES_INFORMATION info; char bytes[1024]; } buf;
	IO_STATUS_BLOCK io;
	BOOLEAN restart = TRUE;

	for (;;) {
		NTSTATUS s = NtQueryDirectoryFile(h, NULL, NULL, NULL, &io, &buf, sizeof(buf),
		                                  (FILE_INFORMATION_CLASS)12 /* FileNamesInformation */,
		                                  FALSE, NULL, restart);
		restart = FALSE;
		if (!NT_SUCCESS(s))
			return true; /* STATUS_NO_MORE_FILES */
		for (const char *p = buf.bytes;;) {
			const FILE_NAMES_INFORMATION *e = (const void *)p;
			size_t n = e->FileNameLength / sizeof(wchar_t);
			if (!(n == 1 && e->FileName[0] == L'.') &&
			    !(n == 2 && e->FileName[0] == L'.' && e->FileName[1] == L'.'))
				return false;
			if (!e->NextEntryOffset)
				break;
			p += e->NextEntryOffset;
		}
	}
}

/* Renames over an empty directory, which Windows never replaces: the
 * target moves to a reserved name, the source takes its place, and the
 * old directory is deleted; if the source cannot move, the target comes
 * back.  Not atomic: for a moment the name does not exist. */
static long rename_over_dir(struct lx_node *from, struct lx_node *to)
{
	wchar_t *hidden = NULL;
	uint64_t ino;
	HANDLE t, h;
	NTSTATUS s;
	long err = lx_host_open(to->nt_path, DELETE | FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES,
	                        FILE_OPEN, FILE_DIRECTORY_FILE, 0, (void **)&t);

	if (err)
		return err;
	if (!dir_is_empty(t))
		err = -LX_ENOTEMPTY;
	if (!err)
		err = lx_host_open(from->nt_path, DELETE | FILE_READ_ATTRIBUTES, FILE_OPEN,
		                   FILE_OPEN_REPARSE_POINT, 0, (void **)&h);
	if (err) {
		NtClose(t);
		return err;
	}
	err = lx_hide_file(t, to->nt_path, &hidden, &ino);
	if (!err) {
		s = lx_host_set_name(h, LX_FileRenameInformationEx, LX_FILE_RENAME_POSIX_SEMANTICS,
		                     to->nt_path);
		if (lx_nt_class_unsupported(s))
			s = lx_host_set_name(h, LX_FileRenameInformation, FALSE, to->nt_path);
		if (NT_SUCCESS(s)) {
			lx_host_delete(t);
		} else {
			err = lx_errno_from_ntstatus(s);
			lx_host_set_name(t, LX_FileRenameInformation, FALSE, to->nt_path);
		}
	}
	free(hidden);
	NtClose(h);
	NtClose(t);
	return err;
}

/* The rename itself, once the checks passed: the Windows rename of the
 * entry with POSIX semantics where the volume has them.  *moved gets the
 * handle of the file renamed, still open, when the plain rename did it
 * (NULL otherwise): the caller binds the new name (lx_statcache_renamed)
 * and closes it. */
static long rename_entry(struct lx_node *from, struct lx_node *to, unsigned flags,
                         bool to_exists, bool to_dir, void **moved)
{
	HANDLE h;
	NTSTATUS s;
	ULONG ex_flags;
	long err;

	*moved = NULL;
	if (to_exists && to_dir)
		return rename_over_dir(from, to);
	err = lx_host_open(from->nt_path, DELETE | FILE_READ_ATTRIBUTES, FILE_OPEN,
	                   FILE_OPEN_REPARSE_POINT, 0, (void **)&h);
	if (err)
		return err;
	ex_flags = LX_FILE_RENAME_POSIX_SEMANTICS |
	           ((flags & LX_RENAME_NOREPLACE) ? 0 : LX_FILE_RENAME_REPLACE_IF_EXISTS);
	s = lx_host_set_name(h, LX_FileRenameInformationEx, ex_flags, to->nt_path);
	if (lx_nt_class_unsupported(s)) {
		s = lx_host_set_name(h, LX_FileRenameInformation,
		                  !(flags & LX_RENAME_NOREPLACE), to->nt_path);
		/* Without POSIX semantics Windows will not replace a file that
		 * is open: it is unlinked first (not atomic, docs/vfs.md). */
		if (s == STATUS_ACCESS_DENIED && to_exists && !to_dir && !(flags & LX_RENAME_NOREPLACE) &&
		    replace_by_unlink(to) == 0)
			s = lx_host_set_name(h, LX_FileRenameInformation, FALSE, to->nt_path);
	}
	if (!NT_SUCCESS(s)) {
		NtClose(h);
		return lx_errno_from_ntstatus(s);
	}
	*moved = h;
	return 0;
}

/* rename(2): replaces the target atomically with POSIX semantics where the
 * volume has FileRenameInformationEx; an empty target directory moves
 * away first (rename_over_dir), as Windows never replaces a directory. */
static long do_rename(struct lx_node *from, struct lx_node *to, unsigned flags)
{
	bool to_exists, to_dir, from_dir;
	const struct lx_meta_vol *store;
	struct lx_statcache_tag tag;
	void *moved;
	long err = rename_checks(from, to, flags, &to_exists, &to_dir, &from_dir);

	if (err)
		return err;
	if (!strcmp(from->path, to->path))
		return 0;
	tag = lx_statcache_begin(to);
	err = rename_entry(from, to, flags, to_exists, to_dir, &moved);
	lx_statcache_name_changed(from->nt_path);
	lx_statcache_name_changed(to->nt_path);
	if (moved) {
		if (!from_dir)
			lx_statcache_renamed(to->nt_path, from->nt_path, to->mount->dev, &tag, moved);
		NtClose(moved);
	}
	if (from_dir || to_dir) {
		/* The subdirectories the parents hold (their link counts). */
		lx_statcache_parent_changed(from->nt_path);
		lx_statcache_parent_changed(to->nt_path);
	}
	/* A directory moved: every path under it changed, and the walk
	 * caches directories by path (vfs/resolve.c). */
	store = lx_meta_store(from->mount->dev);
	if (!err && from_dir && store)
		lx_metacache_dirs_changed(store->cache_key);
	return err;
}

/*
 * The walk did not look at the target (LX_AT_NO_LAST): a look for a name
 * that does not exist costs Wine a scan of the whole directory, and so
 * does the rename to it.  The rename is first tried as if the target did
 * not exist, never replacing; a collision says it does, and the whole
 * rename is done again knowing it (its checks, may_delete, replacing).
 */
static long rename_maybe_new(struct lx_node *from, struct lx_node *to, unsigned flags)
{
	long err;

	if (to->kind != LX_NODE_HOST || to->have_seen || to->seen_absent)
		return lx_may_rename(from, to) ?: do_rename(from, to, flags);
	to->seen_absent = true;
	err = lx_may_rename(from, to) ?: do_rename(from, to, flags | LX_RENAME_NOREPLACE);
	to->seen_absent = false;
	if (err != -LX_EEXIST || (flags & LX_RENAME_NOREPLACE))
		return err;
	return lx_may_rename(from, to) ?: do_rename(from, to, flags);
}

static long rename_at(int olddir, uint64_t oldpath, int newdir, uint64_t newpath,
                      unsigned flags)
{
	struct lx_node from, to;
	long err;

	if (flags & ~(unsigned)(LX_RENAME_NOREPLACE | LX_RENAME_EXCHANGE | LX_RENAME_WHITEOUT))
		return -LX_EINVAL;
	if (flags & (LX_RENAME_EXCHANGE | LX_RENAME_WHITEOUT))
		return -LX_EINVAL; /* not available on this file system, as on vfat */
	err = lx_resolve_user(olddir, oldpath, 0, &from, NULL);
	if (err) {
		lx_node_free(&from);
		return err;
	}
	err = lx_resolve_user(newdir, newpath, LX_AT_NO_LAST, &to, NULL);
	if (err == -LX_ENOENT && to.path[0] && lx_mount_parent_synthetic(to.path))
		err = from.kind == LX_NODE_HOST ? -LX_EXDEV : -LX_EROFS;
	if (!err)
		err = rename_maybe_new(&from, &to, flags);
	lx_node_free(&from);
	lx_node_free(&to);
	return err;
}

/* Linux rename(2). */
int64_t lx_sys_rename(struct lx_syscall *sc)
{
	return rename_at(LX_AT_FDCWD, (uint64_t)sc->arg[0], LX_AT_FDCWD, (uint64_t)sc->arg[1], 0);
}

/* Linux renameat(2). */
int64_t lx_sys_renameat(struct lx_syscall *sc)
{
	return rename_at((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2],
	                 (uint64_t)sc->arg[3], 0);
}

/* Linux renameat2(2). */
int64_t lx_sys_renameat2(struct lx_syscall *sc)
{
	return rename_at((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2],
	                 (uint64_t)sc->arg[3], (unsigned)sc->arg[4]);
}
