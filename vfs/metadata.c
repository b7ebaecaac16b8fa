/*
 * Linux metadata of host files: a mount that keeps it (the rootfs, a drive
 * with the metadata option where the volume allows) does so through its
 * backend (metaback.h: the portable record store or the WSL format); every
 * other mount has only what Windows knows (meta.c), as WSL's DrvFs without
 * its metadata option.  docs/vfs.md, "Metadata", and docs/formats.md.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "capability.h"
#include "metacache.h"
#include "metadata.h"
#include "metaimport.h"
#include "statcache.h"
#include "syscall_table.h"
#include "nt.h"

const struct lx_meta_vol *lx_meta_store(uint64_t dev)
{
	const struct lx_mount *m = lx_mount_by_dev(dev);

	return m ? m->meta : NULL;
}

uint32_t lx_meta_stat_access(uint64_t dev)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);

	return v ? v->ops->stat_access : 0;
}

bool lx_meta_rootfs(void)
{
	for (int i = 0; lx_have_rootfs && i < lx_nmounts; i++)
		if (!strcmp(lx_mounts[i].prefix, "/"))
			return lx_mounts[i].meta != NULL;
	return false;
}

static struct lx_timespec64 ts_of(int64_t sec, uint32_t nsec)
{
	struct lx_timespec64 t = { sec, nsec };
	return t;
}

static bool ts_after(struct lx_timespec64 a, struct lx_timespec64 b)
{
	return a.sec > b.sec || (a.sec == b.sec && a.nsec > b.nsec);
}

/* A fresh record from what stat says now (a file without one yet). */
static void meta_from_kstat(const struct lx_kstat *st, struct lx_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->mode = st->mode;
	m->uid = st->uid;
	m->gid = st->gid;
	m->rdev = st->rdev;
}

/* Metadata whose type contradicts Windows (a directory against a file) is
 * not this file's; it is ignored and lxnt-fsck reports it. */
void lx_meta_overlay(const struct lx_meta_vol *v, void *h, uint32_t attributes,
                     int64_t nt_atime, int64_t nt_mtime, struct lx_kstat *st)
{
	struct lx_meta m;

	meta_from_kstat(st, &m);
	if (v->ops->read(v, h, st->ino, attributes, &m) != 0)
		return;
	if (LX_S_ISDIR(m.mode) != LX_S_ISDIR(st->mode))
		return;
	st->mode = m.mode;
	st->uid = m.uid;
	st->gid = m.gid;
	st->rdev = m.rdev;
	st->meta_flags = m.flags;
	if (m.atime_nt && m.atime_nt == nt_atime)
		st->atime = ts_of(m.atime_sec, m.atime_nsec);
	if (m.mtime_nt && m.mtime_nt == nt_mtime)
		st->mtime = ts_of(m.mtime_sec, m.mtime_nsec);
	if (ts_after(ts_of(m.ctime_sec, m.ctime_nsec), st->ctime))
		st->ctime = ts_of(m.ctime_sec, m.ctime_nsec);
	if (LX_S_ISLNK(m.mode) && m.link_len)
		st->size = m.link_len; /* the target lives in the reparse point */
	if ((m.mode & LX_S_IFMT) != LX_S_IFREG && (m.mode & LX_S_IFMT) != LX_S_IFDIR &&
	    (m.mode & LX_S_IFMT) != LX_S_IFLNK) {
		st->size = 0;
		st->blocks = 0;
	}
}

static struct lx_timespec64 now_ts(int64_t *nt)
{
	FILETIME ft;

	GetSystemTimeAsFileTime(&ft);
	*nt = (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
	return lx_time_from_nt(*nt);
}

/* The Windows attributes a backend's read needs to see: a special file or
 * link of the WSL format is a reparse point. */
static uint32_t attributes_of(uint32_t mode)
{
	uint32_t type = mode & LX_S_IFMT;

	if (type == LX_S_IFDIR)
		return FILE_ATTRIBUTE_DIRECTORY;
	return type == LX_S_IFREG ? 0 : FILE_ATTRIBUTE_REPARSE_POINT;
}

/* Which fields of the metadata a change sets. */
static unsigned fields_of(const struct lx_meta_change *c)
{
	return (c->set_mode || c->kill_suid ? LX_META_MODE : 0) | (c->set_uid ? LX_META_UID : 0) |
	       (c->set_gid ? LX_META_GID : 0) |
	       (c->set_atime || c->set_mtime ? LX_META_TIMES : 0);
}

bool lx_meta_by_id(uint64_t dev)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);

	return v && v->ops->by_id;
}

/* Whether a time set by utimensat needs the record: the Windows time
 * alone gives it back where Windows keeps it exactly (100 ns units after
 * 1601), unless the record holds that same Windows time with other
 * nanoseconds (lx_meta_overlay would prefer them). */
static bool time_needs_record(bool set, struct lx_timespec64 t, int64_t nt, int64_t rec_nt,
                              int64_t rec_sec, uint32_t rec_nsec)
{
	struct lx_timespec64 kept = lx_time_from_nt(nt);

	if (!set)
		return false;
	if (kept.sec != t.sec || kept.nsec != t.nsec)
		return true;
	return rec_nt == nt && (rec_sec != t.sec || rec_nsec != t.nsec);
}

/* security_inode_killpriv: drops security.capability from the attributes
 * of id, the record's lock held; m's flag follows. */
static void kill_caps(const struct lx_meta_vol *v, uint64_t id, struct lx_meta *m)
{
	struct lx_xattrs x;

	if (!NT_SUCCESS(lx_xattrs_load(v->store, id, &x)))
		return;
	if (lx_xattrs_remove(&x, LX_XATTR_CAPS, strlen(LX_XATTR_CAPS)) &&
	    NT_SUCCESS(lx_xattrs_store(v->store, id, &x)) && !x.len)
		m->flags &= ~LX_META_F_XATTRS;
	lx_xattrs_free(&x);
}

/* A change of times alone on a backend that keeps them beside the Windows
 * ones (the portable record): the caller has set the Windows times, and
 * ctime is the later of the record's and Windows' (lx_meta_overlay), so
 * where both times are exact in Windows the record is left alone, which
 * saves the record's lock, read and write (busybox tar sets whole
 * seconds on every file). */
static bool times_in_windows_only(const struct lx_meta_vol *v, void *h,
                                  const struct lx_kstat *st, const struct lx_meta_change *c)
{
	struct lx_meta m;

	if (!v->ops->by_id || c->set_mode || c->set_uid || c->set_gid || c->kill_suid ||
	    c->kill_priv)
		return false;
	memset(&m, 0, sizeof(m));
	if (v->ops->read(v, h, st->ino, attributes_of(st->mode), &m) != 0)
		memset(&m, 0, sizeof(m)); /* no record: Windows has it all */
	return !time_needs_record(c->set_atime, c->atime, c->atime_nt, m.atime_nt, m.atime_sec,
	                          m.atime_nsec) &&
	       !time_needs_record(c->set_mtime, c->mtime, c->mtime_nt, m.mtime_nt, m.mtime_sec,
	                          m.mtime_nsec);
}

long lx_meta_change_stat(void *h, uint64_t dev, const struct lx_kstat *st,
                         const struct lx_meta_change *c)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);
	struct lx_meta m;
	struct lx_timespec64 now;
	int64_t now_nt;
	void *lock;
	long err;

	if (!v)
		return -LX_EPERM;
	if (times_in_windows_only(v, h, st, c))
		return 0;
	/* Another process may change the same file: read, change and write
	 * under the backend's lock (the portable record's), so that no change
	 * is lost; the WSL format writes only the attributes that change. */
	lock = v->ops->lock ? v->ops->lock(v, st->ino) : NULL;
	meta_from_kstat(st, &m);
	if (v->ops->read(v, h, st->ino, attributes_of(st->mode), &m) != 0 ||
	    LX_S_ISDIR(m.mode) != LX_S_ISDIR(st->mode))
		meta_from_kstat(st, &m);
	if (c->kill_suid)
		m.mode &= ~lx_meta_setid_to_kill(m.mode, m.gid);
	if (c->set_mode)
		m.mode = (m.mode & LX_S_IFMT) | (c->mode & 07777);
	if (c->set_uid)
		m.uid = c->uid;
	if (c->set_gid)
		m.gid = c->gid;
	/* The attribute file first, as lx_meta_xattrs_change writes it. */
	if (c->kill_priv && (m.flags & LX_META_F_XATTRS) && v->ops == &lx_meta_portable)
		kill_caps(v, st->ino, &m);
	if (c->set_atime) {
		m.atime_sec = c->atime.sec;
		m.atime_nsec = c->atime.nsec;
		m.atime_nt = c->atime_nt;
	}
	if (c->set_mtime) {
		m.mtime_sec = c->mtime.sec;
		m.mtime_nsec = c->mtime.nsec;
		m.mtime_nt = c->mtime_nt;
	}
	now = now_ts(&now_nt);
	m.ctime_sec = now.sec;
	m.ctime_nsec = now.nsec;
	err = v->ops->write(v, lock, h, st->ino, &m, fields_of(c));
	if (v->ops->unlock)
		v->ops->unlock(lock);
	if (LX_S_ISDIR(m.mode))
		lx_metacache_dirs_changed(v->cache_key); /* its mode or owner: the walk's cache */
	return err;
}

bool lx_meta_keeps_xattrs(uint64_t dev)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);

	return v && v->ops == &lx_meta_portable;
}

/* The record of the file st describes: its own, or a fresh one from st
 * (a file without one, or one whose type contradicts Windows). */
static void record_of(const struct lx_meta_vol *v, const struct lx_kstat *st, struct lx_meta *m)
{
	meta_from_kstat(st, m);
	if (v->ops->read(v, NULL, st->ino, attributes_of(st->mode), m) != 0 ||
	    LX_S_ISDIR(m->mode) != LX_S_ISDIR(st->mode))
		meta_from_kstat(st, m);
}

long lx_meta_xattrs_get(uint64_t dev, const struct lx_kstat *st, struct lx_xattrs *x)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);
	struct lx_meta m;

	memset(x, 0, sizeof(*x));
	if (!v || v->ops != &lx_meta_portable)
		return -LX_EOPNOTSUPP;
	record_of(v, st, &m);
	if (!(m.flags & LX_META_F_XATTRS))
		return 0;
	return NT_SUCCESS(lx_xattrs_load(v->store, st->ino, x)) ? 0 : -LX_EIO;
}

/* The attribute file first, then the record's flag: a kill in between
 * leaves a set that the record does not name yet (the change did not
 * happen), or, when the last attribute went, a flag whose file is gone
 * (no attributes, as the change said). */
long lx_meta_xattrs_change(uint64_t dev, const struct lx_kstat *st,
                           long (*fn)(void *ctx, struct lx_xattrs *x), void *ctx)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);
	struct lx_xattrs x = { 0 };
	struct lx_meta m;
	struct lx_timespec64 now;
	int64_t now_nt;
	void *lock;
	long err = 0;

	if (!v || v->ops != &lx_meta_portable)
		return -LX_EOPNOTSUPP;
	lock = v->ops->lock(v, st->ino);
	if (!lock)
		return -LX_EIO;
	record_of(v, st, &m);
	if ((m.flags & LX_META_F_XATTRS) && !NT_SUCCESS(lx_xattrs_load(v->store, st->ino, &x)))
		err = -LX_EIO;
	if (!err)
		err = fn(ctx, &x);
	if (!err && !NT_SUCCESS(lx_xattrs_store(v->store, st->ino, &x)))
		err = -LX_EIO;
	if (!err) {
		m.flags = x.len ? m.flags | LX_META_F_XATTRS : m.flags & ~LX_META_F_XATTRS;
		now = now_ts(&now_nt);
		m.ctime_sec = now.sec;
		m.ctime_nsec = now.nsec;
		err = v->ops->write(v, lock, NULL, st->ino, &m, LX_META_ALL);
	}
	v->ops->unlock(lock);
	lx_xattrs_free(&x);
	return err;
}

/* Set-user-ID always; set-group-ID when group-executable, otherwise
 * only for a caller neither in the group nor with CAP_FSETID
 * (setattr_should_drop_sgid); nothing of a directory. */
uint32_t lx_meta_setid_to_kill(uint32_t mode, uint32_t gid)
{
	uint32_t kill = mode & LX_S_ISUID;

	if (LX_S_ISDIR(mode))
		return 0;
	if ((mode & LX_S_ISGID) &&
	    ((mode & 010) || (!lx_cred_in_group(gid) && !lx_capable(LX_CAP_FSETID))))
		kill |= LX_S_ISGID;
	return kill;
}

/* Whether the file st describes has a security.capability attribute. */
static bool has_caps(uint64_t dev, const struct lx_kstat *st)
{
	struct lx_xattrs x;
	uint32_t vlen;
	bool caps;

	if (!(st->meta_flags & LX_META_F_XATTRS) || lx_meta_xattrs_get(dev, st, &x))
		return false;
	caps = lx_xattrs_find(&x, LX_XATTR_CAPS, strlen(LX_XATTR_CAPS), &vlen) != NULL;
	lx_xattrs_free(&x);
	return caps;
}

long lx_meta_remove_privs(void *h, uint64_t dev, const struct lx_kstat *st)
{
	struct lx_meta_change c;

	if (!LX_S_ISREG(st->mode))
		return 0;
	memset(&c, 0, sizeof(c));
	c.kill_suid = !lx_capable(LX_CAP_FSETID) && lx_meta_setid_to_kill(st->mode, st->gid);
	c.kill_priv = has_caps(dev, st);
	if (!c.kill_suid && !c.kill_priv)
		return 0;
	return lx_meta_change_stat(h, dev, st, &c);
}

static long parent_stat(const struct lx_node *node, struct lx_kstat *st, bool *meta);

/* may_create (write and search permission on the directory), and the
 * owner of a new file: the caller's fsuid, and its fsgid or the
 * directory's group when that is set-group-ID, which a new directory
 * inherits (inode_init_owner); a new group-executable file there keeps
 * its own set-group-ID bit only for a member of that group or with
 * CAP_FSETID (mode_strip_sgid).  One stat of the directory serves all. */
static long new_owner(const struct lx_node *node, struct lx_meta *m)
{
	struct lx_kstat st;
	bool meta;
	long err = parent_stat(node, &st, &meta);

	m->uid = lx_cred_fsuid();
	m->gid = lx_cred_fsgid();
	if (err || !meta)
		return err;
	err = lx_permission(&st, LX_W_OK | LX_X_OK, false);
	if (!err && (st.mode & LX_S_ISGID)) {
		m->gid = st.gid;
		if (LX_S_ISDIR(m->mode))
			m->mode |= LX_S_ISGID;
		else if ((m->mode & (LX_S_ISGID | 010)) == (LX_S_ISGID | 010) &&
		         !lx_cred_in_group(st.gid) && !lx_capable(LX_CAP_FSETID))
			m->mode &= ~(uint32_t)LX_S_ISGID;
	}
	return err;
}

static long file_id(HANDLE h, uint64_t *id)
{
	FILE_INTERNAL_INFORMATION in;
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtQueryInformationFile(h, &io, &in, sizeof(in),
	                                    (FILE_INFORMATION_CLASS)LX_FileInternalInformation);

	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	*id = (uint64_t)in.IndexNumber.QuadPart;
	return 0;
}

/* The temporary's NT path: in the store's staging directory where the
 * mount has a store (metastore.h: the guest's directory may be large, and
 * Wine scans it for each name it does not find), else in node's own
 * directory under a name of our own. */
static wchar_t *tmp_path_of(const struct lx_meta_vol *v, const wchar_t *nt_path)
{
	const wchar_t *slash = wcsrchr(nt_path, L'\\');
	size_t dir = slash ? (size_t)(slash - nt_path) : 0;
	size_t cap = (v && v->store ? wcslen(v->store) : dir) + 80;
	wchar_t *p = malloc(cap * sizeof(wchar_t));

	if (!p)
		return NULL;
	if (v && v->store) {
		lx_metastore_staging_path(v->store, p, cap);
		return p;
	}
	wmemcpy(p, nt_path, dir);
	p[dir] = L'\\';
	lx_metastore_tmpname(p + dir + 1, 62);
	return p;
}

/* Creates the temporary; the staging directory is made the first time. */
static long create_tmp(const struct lx_meta_vol *v, const wchar_t *tmp, uint32_t access,
                       uint32_t options, HANDLE *h)
{
	uint32_t all = access | DELETE | FILE_READ_ATTRIBUTES | (v ? v->ops->create_access : 0);
	long err;

	options |= v ? v->ops->open_options : 0;
	err = lx_host_open(tmp, all, FILE_CREATE, options, FILE_ATTRIBUTE_NORMAL, (void **)h);
	if (err == -LX_ENOENT && v && v->store && NT_SUCCESS(lx_metastore_make_staging(v->store)))
		err = lx_host_open(tmp, all, FILE_CREATE, options, FILE_ATTRIBUTE_NORMAL, (void **)h);
	return err;
}

long lx_meta_create(struct lx_node *node, uint32_t mode, uint64_t rdev, uint32_t access,
                    uint32_t options, const void *content, size_t n, void **handle)
{
	const struct lx_meta_vol *v = lx_meta_store(node->mount->dev);
	wchar_t *tmp = tmp_path_of(v, node->nt_path);
	struct lx_meta m;
	uint64_t id = 0;
	HANDLE h;
	NTSTATUS s;
	long err;

	if (!tmp)
		return -LX_ENOMEM;
	memset(&m, 0, sizeof(m));
	m.mode = mode;
	m.rdev = rdev;
	err = new_owner(node, &m);
	if (err) {
		free(tmp);
		return err;
	}
	err = create_tmp(v, tmp, access, options, &h);
	free(tmp);
	if (err)
		return err;
	err = file_id(h, &id);
	if (!err && v)
		err = v->ops->create(v, h, id, &m, content, n);
	if (!err) {
		struct lx_statcache_tag tag = lx_statcache_begin(node);
		s = lx_host_set_name(h, LX_FileRenameInformation, FALSE, node->nt_path);
		if (!NT_SUCCESS(s))
			err = s == STATUS_OBJECT_NAME_COLLISION ? -LX_EEXIST : lx_errno_from_ntstatus(s);
		else
			lx_statcache_created(node->nt_path, &tag, id, (options & FILE_DIRECTORY_FILE) != 0);
		if (NT_SUCCESS(s) && (options & FILE_DIRECTORY_FILE))
			lx_statcache_parent_changed(node->nt_path);
	}
	if (err) {
		if (v && id)
			v->ops->forget(v, id);
		lx_host_delete(h);
		NtClose(h);
		return err;
	}
	node->seen_absent = false;
	*handle = h;
	return 0;
}

void lx_meta_unlinked(void *h, uint64_t dev, uint32_t nlink_before)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);
	uint64_t id = 0;

	if (v && nlink_before == 1 && file_id(h, &id) == 0)
		v->ops->forget(v, id);
}

/* readlink of a host symlink: its backend knows where the target is. */
long lx_meta_readlink(const struct lx_node *node, char *out, size_t cap)
{
	const struct lx_meta_vol *v = lx_meta_store(node->mount->dev);
	HANDLE h;
	long err;

	if (!v)
		return -LX_EINVAL;
	err = lx_host_open(node->nt_path, FILE_READ_DATA | FILE_READ_ATTRIBUTES, FILE_OPEN,
	                   FILE_NON_DIRECTORY_FILE | v->ops->open_options, 0, (void **)&h);
	if (err)
		return err;
	err = v->ops->readlink(v, h, out, cap);
	NtClose(h);
	return err;
}

/* The directory holding node, through the walk's cache of directories:
 * an operation asks for it more than once (may_create, may_delete, the
 * new file's group). */
static long parent_stat(const struct lx_node *node, struct lx_kstat *st, bool *meta)
{
	char *parent = malloc(LX_PATH_MAX), *slash;
	long err;

	*meta = false;
	if (!parent)
		return -LX_ENOMEM;
	strcpy(parent, node->path);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	err = lx_resolve_dir_stat(parent, st, meta);
	free(parent);
	return err;
}

long lx_may_create(const struct lx_node *node)
{
	struct lx_kstat st;
	bool meta;
	long err = parent_stat(node, &st, &meta);

	if (err || !meta)
		return err;
	return lx_permission(&st, LX_W_OK | LX_X_OK, false);
}

long lx_may_delete(const struct lx_node *node)
{
	struct lx_kstat dir, st;
	bool meta;
	uint32_t uid = lx_cred_fsuid();
	long err = parent_stat(node, &dir, &meta);

	if (err || !meta)
		return err;
	err = lx_permission(&dir, LX_W_OK | LX_X_OK, false);
	/* check_sticky: in a sticky directory only the file's owner, the
	 * directory's, or CAP_FOWNER (inode_owner_or_capable). */
	if (!err && (dir.mode & LX_S_ISVTX) && uid != dir.uid && !lx_capable(LX_CAP_FOWNER) &&
	    lx_node_stat((struct lx_node *)node, false, &st) == 0 && st.uid != uid)
		err = -LX_EPERM;
	return err;
}

long lx_meta_remove(const struct lx_node *node, void *h, bool is_dir, bool exclusive)
{
	const struct lx_meta_vol *store = lx_meta_store(node->mount->dev);
	FILE_STANDARD_INFORMATION std;
	IO_STATUS_BLOCK io;
	uint64_t id = 0;
	bool last = false;
	long err = lx_may_delete(node);

	if (!err && store && !is_dir &&
	    NT_SUCCESS(NtQueryInformationFile(h, &io, &std, sizeof(std),
	                                      (FILE_INFORMATION_CLASS)LX_FileStandardInformation)))
		last = std.NumberOfLinks <= 1 && file_id(h, &id) == 0;
	if (!err && store && is_dir)
		last = file_id(h, &id) == 0;
	if (err || is_dir) {
		if (!err)
			err = lx_host_delete(h);
		NtClose(h);
	} else {
		err = lx_unlink_file(h, node->nt_path, node->mount->dev, exclusive);
	}
	lx_statcache_name_changed(node->nt_path);
	if (is_dir)
		lx_statcache_parent_changed(node->nt_path);
	if (!err && last)
		store->ops->forget(store, id);
	if (!err && is_dir && store)
		lx_metacache_dirs_changed(store->cache_key);
	return err;
}

long lx_meta_remove_on_close(const struct lx_node *node, void *h)
{
	const struct lx_meta_vol *store = lx_meta_store(node->mount->dev);
	FILE_STANDARD_INFORMATION std;
	IO_STATUS_BLOCK io;
	uint64_t id = 0;
	bool last = false;

	/* The file's id and link count while h still holds it: from the stat
	 * cache, whose binding the query by name checks (h shares nothing, so
	 * the name is the file's), or from h, whose first query costs Wine
	 * its one request for the handle's fd, the second using that fd. */
	if (store && lx_statcache_single_id(node, &id))
		last = true;
	else if (store &&
	         NT_SUCCESS(NtQueryInformationFile(h, &io, &std, sizeof(std),
	                                           (FILE_INFORMATION_CLASS)LX_FileStandardInformation)))
		last = std.NumberOfLinks <= 1 && file_id(h, &id) == 0;
	NtClose(h);
	lx_statcache_name_changed(node->nt_path);
	if (last)
		store->ops->forget(store, id);
	return 0;
}

/* Whether a and b name entries of the same directory. */
static bool same_parent(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa - a == sb - b && !strncmp(a, b, (size_t)(sa - a));
}

long lx_may_rename(const struct lx_node *from, const struct lx_node *to)
{
	struct lx_kstat st;
	long err;

	if (from->kind != LX_NODE_HOST || to->kind != LX_NODE_HOST)
		return 0;
	err = lx_may_delete(from);
	if (!err)
		err = lx_node_stat((struct lx_node *)to, false, &st) == 0 ? lx_may_delete(to) :
		      lx_may_create(to);
	/* A directory moved to another parent has its ".." rewritten: it needs
	 * write permission itself (vfs_rename). */
	if (!err && lx_meta_store(from->mount->dev) && !same_parent(from->path, to->path) &&
	    lx_node_stat((struct lx_node *)from, false, &st) == 0 && LX_S_ISDIR(st.mode))
		err = lx_permission(&st, LX_W_OK, false);
	return err;
}

long lx_meta_mkdir(struct lx_node *node, unsigned mode, void **h)
{
	struct lx_kstat st;
	bool meta;
	long err;

	/* An existing name is EEXIST before anything is created: `mkdir -p`
	 * and tar ask for every parent again, and the walk has them cached,
	 * while a creation that collides costs a temporary directory and a
	 * record made and removed again. */
	if (lx_meta_store(node->mount->dev) && !node->seen_absent &&
	    lx_resolve_dir_stat(node->path, &st, &meta) == 0 && meta)
		return -LX_EEXIST;
	if (!lx_meta_store(node->mount->dev))
		err = lx_host_open(node->nt_path, FILE_LIST_DIRECTORY | FILE_WRITE_ATTRIBUTES,
		                   FILE_CREATE, FILE_DIRECTORY_FILE, FILE_ATTRIBUTE_NORMAL, h);
	else
		err = lx_meta_create(node, LX_S_IFDIR | (mode & 01777 & ~lx_umask), 0,
		                     FILE_LIST_DIRECTORY | FILE_WRITE_ATTRIBUTES, FILE_DIRECTORY_FILE,
		                     NULL, 0, h);
	if (!err)
		lx_mount_dir_created(node->mount, *h); /* case-sensitive where the volume can */
	return err;
}
