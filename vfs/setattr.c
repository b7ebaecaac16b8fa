/*
 * Changing what stat reports: truncate(2), ftruncate(2), utimensat(2),
 * utimes(2), futimesat(2),
 * chmod(2), fchmod(2), fchmodat(2).  Sizes and times are real Windows
 * metadata (FileEndOfFileInformation, FileBasicInformation); of the mode,
 * only the write bits have a Windows form, the read-only attribute, as
 * on WSL's DrvFs without metadata (docs/vfs.md, "Metadata").
 */
#include <string.h>

#include "lxnt/linux/time.h"
#include "capability.h"
#include "vfs.h"
#include "metadata.h"
#include "syscall_table.h"
#include "nt.h"

#define LX_UTIME_NOW  ((1L << 30) - 1)
#define LX_UTIME_OMIT ((1L << 30) - 2)

/* 100 ns intervals from 1601-01-01 to 1970-01-01. */
#define LX_NT_EPOCH_DELTA 116444736000000000LL

struct lx_utimespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* The host file a change goes to: a handle the change opened (closed
 * after it), the handle of an open description (held until the change
 * is done), or the thread's kept handle of a file it has just closed
 * (lx_host_kept, left open). */
struct target {
	HANDLE h;
	struct lx_file *f; /* h is f's handle */
	bool kept;         /* h is the kept handle */
};

static void target_done(struct target *t)
{
	if (t->f)
		lx_file_put(t->f);
	else if (t->h && !t->kept)
		NtClose(t->h);
	t->h = NULL;
	t->f = NULL;
}

/* The host file a description stands for, for a change (the call's
 * reference to f goes with it).  On a mount whose Linux metadata a change
 * of owner or mode writes without the file's handle (meta_only), the
 * description's own handle, for the stat; otherwise the file opened again
 * with the access needed (ReOpenFile): a file open read-only may still
 * have its times set.  Never the description's handle for times: a time
 * set through a handle stops Windows from updating it at that handle's
 * later writes (FAT's and NTFS's cleanup), where Linux's next write sets
 * mtime again. */
static long reopen_file(struct lx_file *f, uint32_t access, bool meta_only, struct target *t,
                        uint64_t *dev)
{
	long err = 0;

	/* Not GetFileType: Wine's reads the head of the file (a read, for
	 * relatime's atime). */
	if (!f->handle || !lx_file_is_host(f)) {
		err = -LX_EROFS; /* the synthetic files and devices cannot change */
	} else if (meta_only && lx_meta_store(f->dev)) {
		*dev = f->dev;
		t->h = f->handle;
		t->f = f;
		return 0;
	} else {
		*dev = f->dev;
		t->h = ReOpenFile(f->handle, access | FILE_READ_ATTRIBUTES,
		                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0);
		if (t->h == INVALID_HANDLE_VALUE) {
			t->h = NULL;
			err = lx_errno_from_win32(GetLastError());
		}
	}
	lx_file_put(f);
	return err;
}

/* Whether the file behind h, which the walk did not look at, is a link
 * the call must follow (only mounts with Linux metadata have links). */
static bool is_link_to_follow(HANDLE h, uint64_t dev, int flags)
{
	struct lx_kstat st;

	return (flags & LX_AT_FOLLOW) && lx_meta_store(dev) &&
	       lx_host_stat_handle(h, NULL, dev, &st) == 0 && LX_S_ISLNK(st.mode);
}

/* Opens what (dirfd, path) names, for open_for_change.  no_last: the walk
 * stops at the parent (LX_AT_NO_LAST) and the open is the one look at the
 * name; when that finds a link to follow, or a node the vfs serves itself
 * (a /proc link), the whole walk is done again.  With seen, for a change
 * of metadata alone: on a mount whose metadata a change reaches by file
 * id (lx_meta_by_id), a file the walk has just looked at is not opened
 * (*h is NULL) and *seen is what the walk saw; the change then reaches
 * the file the lookup found, as the kernel changes the inode its lookup
 * found. */
static long open_path_for_change(int dirfd, uint64_t upath, int flags, uint32_t access,
                                 HANDLE *h, uint64_t *dev, struct lx_kstat *seen,
                                 bool no_last, struct lx_file **f)
{
	struct lx_node node;
	long err = lx_resolve_user(dirfd, upath, (flags & (LX_AT_EMPTY_PATH | LX_AT_FOLLOW)) |
	                           (no_last ? LX_AT_NO_LAST : 0), &node, f);

	if (!err && *f) {
		lx_node_free(&node);
		return 0;
	}
	if (!err && node.kind != LX_NODE_HOST) {
		lx_node_free(&node);
		return no_last ? open_path_for_change(dirfd, upath, flags, access, h, dev, seen, false, f) :
		                 -LX_EROFS;
	}
	if (!err)
		*dev = node.mount->dev;
	if (!err && seen && node.have_seen && lx_meta_by_id(*dev)) {
		*seen = node.seen;
		*h = NULL;
		err = node.trailing_slash && !LX_S_ISDIR(seen->mode) ? -LX_ENOTDIR : 0;
		lx_node_free(&node);
		return err;
	}
	if (!err)
		err = lx_host_open(node.nt_path, access | FILE_READ_ATTRIBUTES, FILE_OPEN,
		                   FILE_OPEN_REPARSE_POINT, 0, (void **)h);
	if (!err && no_last && is_link_to_follow(*h, *dev, flags)) {
		NtClose(*h);
		lx_node_free(&node);
		return open_path_for_change(dirfd, upath, flags, access, h, dev, seen, false, f);
	}
	if (!err && node.trailing_slash) {
		bool dir = false;
		err = lx_host_is_dir(*h, &dir);
		if (!err && !dir)
			err = -LX_ENOTDIR;
		if (err)
			NtClose(*h);
	}
	lx_node_free(&node);
	return err;
}

/* Opens what (dirfd, path) names, or the fd dirfd itself when path is
 * NULL, with the given access, for the calls that change a host file;
 * seen as for open_path_for_change.  A call that opens the file anyway
 * (seen NULL) has the walk stop at the parent. */
static long open_for_change(int dirfd, const uint64_t *upath, int flags, uint32_t access,
                            struct target *t, bool *is_dir, uint64_t *dev, struct lx_kstat *seen)
{
	struct lx_file *f = NULL;
	long err;

	memset(t, 0, sizeof(*t));
	if (!upath) {
		/* An O_PATH descriptor is EBADF to the f-calls (fdget). */
		f = lx_fd_get(dirfd);
		if (f && (f->flags & LX_O_PATH)) {
			lx_file_put(f);
			f = NULL;
		}
		err = f ? reopen_file(f, access, seen != NULL, t, dev) : -LX_EBADF;
	} else {
		err = open_path_for_change(dirfd, *upath, flags, access, &t->h, dev, seen, !seen, &f);
		if (!err && f)
			err = reopen_file(f, access, false, t, dev);
		else if (!err && !t->h) {
			*is_dir = LX_S_ISDIR(seen->mode);
			return 0;
		}
	}
	if (!err) {
		err = lx_host_is_dir(t->h, is_dir);
		if (err)
			target_done(t);
	}
	return err;
}

/* open_for_change for a change of times.  By name, while the thread
 * keeps the handle of a file it has just closed (lx_host_kept), the walk
 * looks at the name first (through the stat cache, usually without a
 * request to Wine's server), and the kept handle serves when the walk
 * finds its file; *seen is then what the walk saw (true returned in
 * *have_seen), as chmod takes it. */
static long open_for_times(int dirfd, const uint64_t *upath, int flags, struct target *t,
                           bool *is_dir, uint64_t *dev, struct lx_kstat *seen, bool *have_seen)
{
	long err;

	*have_seen = false;
	if (upath && lx_host_kept_any()) {
		err = open_for_change(dirfd, upath, flags, FILE_WRITE_ATTRIBUTES, t, is_dir, dev, seen);
		if (err || t->h)
			return err;
		if ((t->h = lx_host_kept(*dev, seen->ino))) {
			t->kept = true;
			*have_seen = true;
			return 0;
		}
	}
	return open_for_change(dirfd, upath, flags, FILE_WRITE_ATTRIBUTES, t, is_dir, dev, NULL);
}

static long set_info(HANDLE h, void *info, ULONG len, int cls)
{
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtSetInformationFile(h, &io, info, len, (FILE_INFORMATION_CLASS)cls);

	return NT_SUCCESS(s) ? 0 : lx_errno_from_ntstatus(s);
}

static long set_size(HANDLE h, int64_t length)
{
	FILE_END_OF_FILE_INFORMATION eof;

	eof.EndOfFile.QuadPart = length;
	return set_info(h, &eof, sizeof(eof), LX_FileEndOfFileInformation);
}

/* Linux truncate(2): EISDIR for a directory, EINVAL for a negative length. */
int64_t lx_sys_truncate(struct lx_syscall *sc)
{
	int64_t length = sc->arg[1];
	struct target t;
	bool is_dir;
	long err;
	uint64_t upath = (uint64_t)sc->arg[0];

	if (length < 0)
		return -LX_EINVAL;
	uint64_t dev;
	struct lx_kstat st;

	err = open_for_change(LX_AT_FDCWD, &upath, LX_AT_FOLLOW, FILE_WRITE_DATA, &t, &is_dir, &dev,
	                      NULL);
	if (err)
		return err;
	err = is_dir ? -LX_EISDIR : 0;
	/* do_sys_truncate: write permission (path_permission). */
	if (!err && lx_meta_store(dev) && !(err = lx_host_stat_handle(t.h, NULL, dev, &st)))
		err = lx_permission(&st, LX_W_OK, false);
	if (!err)
		err = set_size(t.h, length);
	/* do_truncate: ATTR_KILL_SUID and SGID unless CAP_FSETID. */
	if (!err && lx_meta_store(dev))
		err = lx_meta_remove_privs(t.h, dev, &st);
	target_done(&t);
	return err;
}

/* Linux ftruncate(2): EINVAL unless fd is a regular file open for
 * writing (do_sys_ftruncate). */
int64_t lx_sys_ftruncate(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	int64_t length = sc->arg[1];
	long err;

	if (length < 0) {
		lx_file_put(f);
		return -LX_EINVAL;
	}
	if (!f)
		return -LX_EBADF;
	if (f->is_dir || !f->ops->size || (f->flags & LX_O_PATH) ||
	    (f->flags & LX_O_ACCMODE) == LX_O_RDONLY)
		err = (f->flags & LX_O_PATH) ? -LX_EBADF : -LX_EINVAL;
	else if (!lx_file_is_memfd(f) || !(err = lx_memfd_size_check(f, length, false)))
		err = set_size(f->handle, length);
	/* do_truncate, as for truncate(2), through the description's note of
	 * a file without set-ID bits or attributes, as a write does. */
	if (!err)
		err = lx_host_remove_privs(f);
	lx_file_put(f);
	return err;
}

/* A Linux time for FileBasicInformation: 0 leaves the time alone. */
static long nt_time(const struct lx_utimespec *t, int64_t now, int64_t *out)
{
	if (t->tv_nsec == LX_UTIME_OMIT) {
		*out = 0;
		return 0;
	}
	if (t->tv_nsec == LX_UTIME_NOW) {
		*out = now;
		return 0;
	}
	if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000)
		return -LX_EINVAL;
	*out = t->tv_sec * 10000000 + t->tv_nsec / 100 + LX_NT_EPOCH_DELTA;
	/* Times before 1601 have no FILETIME; the earliest one stands in. */
	if (*out <= 0)
		*out = 1;
	return 0;
}

/* The owner (or CAP_FOWNER) may set any time; anyone with write
 * permission may set both to now (setattr_prepare's ATTR_TIMES_SET,
 * inode_owner_or_capable). */
static long may_set_times(const struct lx_kstat *st, bool explicit_times)
{
	if (lx_owner_or_capable(st))
		return 0;
	if (explicit_times)
		return -LX_EPERM;
	return lx_permission(st, LX_W_OK, false);
}

/* do_utimes: sets the times t (both LX_UTIME_NOW for a NULL times
 * argument) of upath, or of dirfd itself when upath is 0 (futimens).  On
 * a volume with Linux metadata the nanoseconds go to the record. */
static long set_times(int dirfd, uint64_t upath, const struct lx_utimespec t[2], int flags)
{
	struct lx_meta_change c;
	FILE_BASIC_INFORMATION basic;
	FILETIME ft;
	int64_t now;
	uint64_t dev;
	struct target tg;
	struct lx_kstat st;
	bool is_dir, have_st;
	long err;

	GetSystemTimeAsFileTime(&ft);
	now = (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
	memset(&basic, 0, sizeof(basic));
	err = nt_time(&t[0], now, &basic.LastAccessTime.QuadPart);
	if (!err)
		err = nt_time(&t[1], now, &basic.LastWriteTime.QuadPart);
	if (err)
		return err;
	/* A NULL path is futimens(3): the fd itself (do_utimes). */
	if (!upath && dirfd == LX_AT_FDCWD)
		return -LX_EFAULT;
	err = open_for_times(dirfd, upath ? &upath : NULL,
	                     (flags & LX_AT_EMPTY_PATH) |
	                     ((flags & LX_AT_SYMLINK_NOFOLLOW) ? 0 : LX_AT_FOLLOW), &tg, &is_dir, &dev,
	                     &st, &have_st);
	if (err)
		return err;
	/* Both omitted: the name is checked, nothing changes (vfs_utimes). */
	if (!basic.LastAccessTime.QuadPart && !basic.LastWriteTime.QuadPart) {
		target_done(&tg);
		return 0;
	}
	/* One stat serves the check and the record's change (the walk's,
	 * where the kept handle serves): what the change takes from it (the
	 * id, the type, the owners) the times do not alter. */
	if (lx_meta_store(dev) && (have_st || !(err = lx_host_stat_handle(tg.h, NULL, dev, &st))))
		err = may_set_times(&st, (t[0].tv_nsec != LX_UTIME_NOW && t[0].tv_nsec != LX_UTIME_OMIT) ||
		                         (t[1].tv_nsec != LX_UTIME_NOW && t[1].tv_nsec != LX_UTIME_OMIT));
	if (!err) {
		basic.ChangeTime.QuadPart = now;
		err = set_info(tg.h, &basic, sizeof(basic), LX_FileBasicInformation);
	}
	if (!err && lx_meta_store(dev)) {
		memset(&c, 0, sizeof(c));
		c.set_atime = basic.LastAccessTime.QuadPart != 0;
		c.set_mtime = basic.LastWriteTime.QuadPart != 0;
		c.atime_nt = basic.LastAccessTime.QuadPart;
		c.mtime_nt = basic.LastWriteTime.QuadPart;
		c.atime = t[0].tv_nsec == LX_UTIME_NOW ? lx_time_from_nt(now) :
		          (struct lx_timespec64){ t[0].tv_sec, (uint32_t)t[0].tv_nsec };
		c.mtime = t[1].tv_nsec == LX_UTIME_NOW ? lx_time_from_nt(now) :
		          (struct lx_timespec64){ t[1].tv_sec, (uint32_t)t[1].tv_nsec };
		err = lx_meta_change_stat(tg.h, dev, &st, &c);
	}
	target_done(&tg);
	return err;
}

/* Linux utimensat(2), also futimens(3) (a NULL path names dirfd). */
int64_t lx_sys_utimensat(struct lx_syscall *sc)
{
	uint64_t utimes = (uint64_t)sc->arg[2];
	int flags = (int)sc->arg[3];
	struct lx_utimespec t[2] = { { 0, LX_UTIME_NOW }, { 0, LX_UTIME_NOW } };

	if (flags & ~(LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH))
		return -LX_EINVAL;
	if (utimes && lx_copy_from_user(t, utimes, sizeof(t)))
		return -LX_EFAULT;
	return set_times((int)sc->arg[0], (uint64_t)sc->arg[1], t, flags);
}

/* futimesat(2) and utimes(2): times in microseconds, links followed
 * (do_futimesat). */
static long set_times_usec(int dirfd, uint64_t upath, uint64_t utimes)
{
	struct lx_utimespec t[2] = { { 0, LX_UTIME_NOW }, { 0, LX_UTIME_NOW } };
	struct lx_timeval tv[2];

	if (utimes) {
		if (lx_copy_from_user(tv, utimes, sizeof(tv)))
			return -LX_EFAULT;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -LX_EINVAL;
			t[i] = (struct lx_utimespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
		}
	}
	return set_times(dirfd, upath, t, 0);
}

/* Linux futimesat(2). */
int64_t lx_sys_futimesat(struct lx_syscall *sc)
{
	return set_times_usec((int)sc->arg[0], (uint64_t)sc->arg[1], (uint64_t)sc->arg[2]);
}

/* Linux utimes(2). */
int64_t lx_sys_utimes(struct lx_syscall *sc)
{
	return set_times_usec(LX_AT_FDCWD, (uint64_t)sc->arg[0], (uint64_t)sc->arg[1]);
}

/* chmod on a volume with Linux metadata (chmod_common, setattr_prepare):
 * only the owner or CAP_FOWNER; the set-group-ID bit goes unless the
 * caller is in the file's group or has CAP_FSETID.  The file is h, or
 * without a handle the one seen describes. */
static long chmod_meta(HANDLE h, const struct lx_kstat *seen, uint64_t dev, unsigned mode)
{
	struct lx_meta_change c;
	struct lx_kstat st;
	long err = h ? lx_host_stat_handle(h, NULL, dev, &st) : 0;

	if (!h)
		st = *seen;

	if (err)
		return err;
	if (!lx_owner_or_capable(&st))
		return -LX_EPERM;
	memset(&c, 0, sizeof(c));
	c.set_mode = true;
	c.mode = mode & 07777;
	if (!lx_cred_in_group(st.gid) && !lx_capable(LX_CAP_FSETID))
		c.mode &= ~(uint32_t)LX_S_ISGID;
	err = lx_meta_change_stat(h, dev, &st, &c);
	/* This process's descriptions of the file look again at their next
	 * write (other processes' see the record's change). */
	if (!err && (c.mode & (LX_S_ISUID | LX_S_ISGID)))
		InterlockedIncrement(&lx_setid_chmods);
	return err;
}

/* chmod(2): on a volume with Linux metadata the whole mode is kept;
 * elsewhere the write bits become the read-only attribute of a file and
 * the rest is dropped, as DrvFs without metadata does.  A directory keeps
 * its attributes there. */
static long chmod_at(int dirfd, const uint64_t *upath, unsigned mode)
{
	FILE_BASIC_INFORMATION basic;
	IO_STATUS_BLOCK io;
	NTSTATUS s;
	struct target t;
	bool is_dir;
	uint64_t dev;
	struct lx_kstat seen;
	long err = open_for_change(dirfd, upath, LX_AT_FOLLOW, FILE_WRITE_ATTRIBUTES, &t, &is_dir,
	                           &dev, &seen);

	if (!err && lx_meta_store(dev)) {
		err = chmod_meta(t.h, &seen, dev, mode);
		target_done(&t);
		return err;
	}
	if (err || is_dir) {
		if (!err)
			target_done(&t);
		return err;
	}
	s = NtQueryInformationFile(t.h, &io, &basic, sizeof(basic),
	                           (FILE_INFORMATION_CLASS)LX_FileBasicInformation);
	if (NT_SUCCESS(s)) {
		ULONG attrs = basic.FileAttributes & ~(ULONG)FILE_ATTRIBUTE_READONLY;
		if (!(mode & 0222))
			attrs |= FILE_ATTRIBUTE_READONLY;
		memset(&basic, 0, sizeof(basic));
		basic.FileAttributes = attrs ? attrs : FILE_ATTRIBUTE_NORMAL;
		err = set_info(t.h, &basic, sizeof(basic), LX_FileBasicInformation);
	} else {
		err = lx_errno_from_ntstatus(s);
	}
	target_done(&t);
	return err;
}

/* Linux chmod(2). */
int64_t lx_sys_chmod(struct lx_syscall *sc)
{
	uint64_t upath = (uint64_t)sc->arg[0];
	return chmod_at(LX_AT_FDCWD, &upath, (unsigned)sc->arg[1]);
}

/* Linux fchmod(2). */
int64_t lx_sys_fchmod(struct lx_syscall *sc)
{
	return chmod_at((int)sc->arg[0], NULL, (unsigned)sc->arg[1]);
}

/* Linux fchmodat(2): the raw syscall has no flags argument. */
int64_t lx_sys_fchmodat(struct lx_syscall *sc)
{
	uint64_t upath = (uint64_t)sc->arg[1];
	return chmod_at((int)sc->arg[0], &upath, (unsigned)sc->arg[2]);
}

/* chown_ok and chgrp_ok of fs/attr.c: CAP_CHOWN may change either id;
 * the owner may only "change" the owner to itself and the group to one
 * of its own groups. */
static long may_chown(const struct lx_kstat *st, const struct lx_meta_change *c)
{
	uint32_t me = lx_cred_fsuid();

	if (lx_capable(LX_CAP_CHOWN))
		return 0;
	if (c->set_uid && !(me == st->uid && c->uid == st->uid))
		return -LX_EPERM;
	if (c->set_gid && !(me == st->uid && (lx_cred_in_group(c->gid) || c->gid == st->gid)))
		return -LX_EPERM;
	return 0;
}

/* chown_common and notify_change: see may_chown.  A change clears
 * set-user-ID, and set-group-ID when group-executable, of a non-directory
 * (should_remove_suid). -1 leaves an id alone. */
static long chown_at(int dirfd, const uint64_t *upath, uint32_t uid, uint32_t gid, int flags)
{
	struct lx_meta_change c;
	struct lx_kstat st;
	uint64_t dev;
	struct target t;
	bool is_dir;
	long err;

	if (flags & ~(LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH))
		return -LX_EINVAL;
	err = open_for_change(dirfd, upath, (flags & LX_AT_EMPTY_PATH) |
	                      ((flags & LX_AT_SYMLINK_NOFOLLOW) ? 0 : LX_AT_FOLLOW),
	                      FILE_READ_ATTRIBUTES, &t, &is_dir, &dev, &st);
	if (err)
		return err;
	if (t.h)
		err = lx_host_stat_handle(t.h, NULL, dev, &st);
	memset(&c, 0, sizeof(c));
	c.set_uid = uid != (uint32_t)-1;
	c.set_gid = gid != (uint32_t)-1;
	c.uid = uid;
	c.gid = gid;
	if (!err)
		err = may_chown(&st, &c);
	/* The set-ID bits it takes are a change of mode, which notify_change
	 * leaves to setattr_prepare: the owner or CAP_FOWNER. */
	if (!err && lx_meta_store(dev) && lx_meta_setid_to_kill(st.mode, st.gid) &&
	    !lx_owner_or_capable(&st))
		err = -LX_EPERM;
	if (!err && !lx_meta_store(dev))
		err = (c.set_uid && uid != st.uid) || (c.set_gid && gid != st.gid) ? -LX_EPERM : 0;
	else if (!err) {
		c.kill_suid = true;
		/* chown_common: ATTR_KILL_PRIV for a non-directory, even when
		 * nothing changes. */
		c.kill_priv = !LX_S_ISDIR(st.mode) && (st.meta_flags & LX_META_F_XATTRS);
		err = lx_meta_change_stat(t.h, dev, &st, &c);
	}
	target_done(&t);
	return err;
}

/* Linux chown(2). */
int64_t lx_sys_chown(struct lx_syscall *sc)
{
	uint64_t upath = (uint64_t)sc->arg[0];
	return chown_at(LX_AT_FDCWD, &upath, (uint32_t)sc->arg[1], (uint32_t)sc->arg[2], 0);
}

/* Linux lchown(2). */
int64_t lx_sys_lchown(struct lx_syscall *sc)
{
	uint64_t upath = (uint64_t)sc->arg[0];
	return chown_at(LX_AT_FDCWD, &upath, (uint32_t)sc->arg[1], (uint32_t)sc->arg[2],
	                LX_AT_SYMLINK_NOFOLLOW);
}

/* Linux fchown(2). */
int64_t lx_sys_fchown(struct lx_syscall *sc)
{
	return chown_at((int)sc->arg[0], NULL, (uint32_t)sc->arg[1], (uint32_t)sc->arg[2], 0);
}

/* Linux fchownat(2). */
int64_t lx_sys_fchownat(struct lx_syscall *sc)
{
	uint64_t upath = (uint64_t)sc->arg[1];
	return chown_at((int)sc->arg[0], &upath, (uint32_t)sc->arg[2], (uint32_t)sc->arg[3],
	                (int)sc->arg[4]);
}
