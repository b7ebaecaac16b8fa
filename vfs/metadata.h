/*
 * Linux metadata of host files (metadata.c): which volumes keep it, and
 * reading, changing and creating files with it (docs/vfs.md, "Metadata");
 * the backend of each mount (metaback.h) is chosen by metavol.c.
 */
#ifndef LXNT_VFS_METADATA_H
#define LXNT_VFS_METADATA_H

#include "identity.h"
#include "vfs.h"
#include "metastore.h"
#include "metaback.h"
#include "metaxattr.h"

/* The metadata backend of the mount whose st_dev is dev, or NULL when that
 * mount keeps no Linux metadata. */
const struct lx_meta_vol *lx_meta_store(uint64_t dev);

/* /etc/lxnt.conf's [filesystem] metadata = portable | wsl. */
enum lx_meta_force { LX_META_AUTO, LX_META_FORCE_PORTABLE, LX_META_FORCE_WSL };
/* Picks the backend of a Linux tree (the rootfs) at mount time: the
 * portable format when its store exists, else the WSL format when the
 * volume passes the probe, else the portable format; force overrides where
 * the tree and the volume allow, and says in the log when they do not. */
void lx_meta_mount_tree(struct lx_mount *m, enum lx_meta_force force);
/* The same for a drive mounted with the metadata option: the WSL format
 * where the probe passes, else no metadata (the option is dropped). */
void lx_meta_mount_drive(struct lx_mount *m);

/* The access a handle opened to stat a file of the mount dev needs beyond
 * FILE_READ_ATTRIBUTES for its backend to read metadata (0 for none). */
uint32_t lx_meta_stat_access(uint64_t dev);

/* Whether the rootfs keeps Linux metadata (and so may hold links). */
bool lx_meta_rootfs(void);

/* Overlays the metadata of the file behind h (st->ino), if it has some, on
 * a kstat built from Windows information (lx_host_stat_handle);
 * attributes, nt_atime and nt_mtime are the Windows ones it was built
 * from. */
void lx_meta_overlay(const struct lx_meta_vol *v, void *h, uint32_t attributes,
                     int64_t nt_atime, int64_t nt_mtime, struct lx_kstat *st);

/* The target of the symlink node (cap bytes, NUL-terminated); its length. */
long lx_meta_readlink(const struct lx_node *node, char *out, size_t cap);

/* What a change of metadata sets (chmod, chown, utimensat). */
struct lx_meta_change {
	bool set_mode, set_uid, set_gid, set_atime, set_mtime;
	/* chown, truncation: clear set-user-ID, and set-group-ID when
	 * group-executable or when the caller is neither in the file's group
	 * nor has CAP_FSETID, of a non-directory (setattr_should_drop_suidgid),
	 * from the mode as it is. */
	bool kill_suid;
	/* chown, truncation, a write: remove security.capability (Linux's
	 * ATTR_KILL_PRIV, security_inode_killpriv), whoever the caller is. */
	bool kill_priv;
	uint32_t mode, uid, gid;
	struct lx_timespec64 atime, mtime;
	int64_t atime_nt, mtime_nt; /* the Windows times set with them */
};

/* Applies a change to the record of the file st describes as it is now
 * (on the volume of st_dev dev; its handle h, which may be NULL where the
 * backend works by id alone, lx_meta_by_id), after the caller's
 * permission checks. */
long lx_meta_change_stat(void *h, uint64_t dev, const struct lx_kstat *st,
                         const struct lx_meta_change *c);
/* The mode bits a kill_suid change takes from a file of that mode and
 * group (setattr_should_drop_suidgid), for the caller as it is. */
uint32_t lx_meta_setid_to_kill(uint32_t mode, uint32_t gid);
/* file_remove_privs for a truncation or a write: a caller without
 * CAP_FSETID takes the set-ID bits from the regular file st describes (h
 * as for lx_meta_change_stat), and any caller its security.capability;
 * nothing is written when there is neither. */
long lx_meta_remove_privs(void *h, uint64_t dev, const struct lx_kstat *st);
/* Whether the mount dev keeps metadata that a change reaches by the file
 * id alone, without a handle of the file (the portable format). */
bool lx_meta_by_id(uint64_t dev);

/* Creates the file node names with its metadata, after may_create: made
 * under a temporary
 * name, its record written, then renamed to its name without replacing,
 * so that no one sees it without its record.  mode holds the type and the
 * permission bits (umask already applied); content (n bytes) is written
 * first (a symlink's target).  -LX_EEXIST when the name exists. */
long lx_meta_create(struct lx_node *node, uint32_t mode, uint64_t rdev, uint32_t access,
                    uint32_t options, const void *content, size_t n, void **handle);

/* The file behind h loses a name; when it was its last, its record goes. */
void lx_meta_unlinked(void *h, uint64_t dev, uint32_t nlink_before);

/* Extended attributes (vfs/xattr.c) of the file st describes, where its
 * mount keeps them (the portable format; false elsewhere). */
bool lx_meta_keeps_xattrs(uint64_t dev);
/* Its attributes (an empty set for a file without); -LX_EIO for a
 * damaged attribute file. */
long lx_meta_xattrs_get(uint64_t dev, const struct lx_kstat *st, struct lx_xattrs *x);
/* Changes its attributes under its record's lock: fn changes the set (the
 * current one), or returns an error to leave it alone; the new set is
 * stored, then the record says whether there are any and gets a new
 * ctime. */
long lx_meta_xattrs_change(uint64_t dev, const struct lx_kstat *st,
                           long (*fn)(void *ctx, struct lx_xattrs *x), void *ctx);

/* may_create of fs/namei.c: write and search permission on the directory
 * that will hold node (volumes with Linux metadata; elsewhere Windows
 * decides). */
long lx_may_create(const struct lx_node *node);
/* may_delete: the same, plus the sticky bit's rule for node itself. */
long lx_may_delete(const struct lx_node *node);

/* Removes the name node of the file behind h (unlink, rmdir, rename over a
 * file), after lx_may_delete: a directory by lx_host_delete, a file by
 * lx_unlink_file, so that descriptors open on it keep working.  A file's
 * record goes with its last name.  Closes h.  exclusive: h shares nothing
 * (lx_open_for_removal). */
long lx_meta_remove(const struct lx_node *node, void *h, bool is_dir, bool exclusive);
/* The same for a file that h, its only handle, opened with
 * FILE_DELETE_ON_CLOSE (unlink's usual case, remove.c): closing h removes
 * the name; the record goes with the last one.  Closes h. */
long lx_meta_remove_on_close(const struct lx_node *node, void *h);
/* may_delete on the source, and on the target when it exists, else
 * may_create (rename(2)). */
long lx_may_rename(const struct lx_node *from, const struct lx_node *to);
/* mkdir(2) of node: mode & ~umask kept where the volume keeps metadata. */
long lx_meta_mkdir(struct lx_node *node, unsigned mode, void **h);

/* The caller's credentials for permission checks are runtime/identity.h's
 * lx_cred_fsuid, lx_cred_fsgid and lx_cred_in_group. */

#endif
