/*
 * The stat cache (vfs/statcache.c): what a name of a portable-format
 * mount is bound to (file id, and a link count of one), so that stat needs
 * no open of the file, only NtQueryFullAttributesFile (docs/vfs.md,
 * "Metadata", "The stat cache").
 */
#ifndef LXNT_VFS_STATCACHE_H
#define LXNT_VFS_STATCACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include "vfs.h"
#include "metacache.h"

/* What must be noted before a name's binding is read (from an open, a
 * listing or a creation): the name's generation, the store's directory
 * counter, and the system time (for timestamps too recent to trust). */
struct lx_statcache_tag {
	volatile int64_t *slot;
	int64_t value;
	struct lx_metacache_tag dirs;
	int64_t now;
};

/* The stat of a host node from the cache and one NtQueryFullAttributesFile:
 * 0, an error the query settles (ENOENT for a missing last name), or
 * false in *answered when the caller must open the file. */
long lx_statcache_stat(struct lx_node *node, struct lx_kstat *st, bool *answered);
/* Taken before the open whose results lx_statcache_opened keeps. */
struct lx_statcache_tag lx_statcache_begin(const struct lx_node *node);
/* After a stat through a handle of node: st as lx_host_stat_handle gave
 * it, change_time the file's ChangeTime from the same handle. */
void lx_statcache_opened(const struct lx_node *node, const struct lx_statcache_tag *tag,
                         const struct lx_kstat *st, int64_t change_time);
/* lx_meta_create made file id at nt_path (tag taken before its rename
 * into place): one link, its ChangeTime still to come. */
void lx_statcache_created(const wchar_t *nt_path, const struct lx_statcache_tag *tag,
                          uint64_t id, bool is_dir);
/* The creator's last close of the file lx_statcache_created bound at
 * nt_path (on the mount with st_dev dev), through its handle h: the
 * binding takes the file's ChangeTime (vfs/statcache.c).  Returns the
 * file id when it read it from h, 0 when it did not. */
uint64_t lx_statcache_closed(const wchar_t *nt_path, uint64_t dev, void *h);
/* lxnt renamed the file held by h to nt_path (on the mount with st_dev
 * dev), from the name from_path; tag, of nt_path, was taken before the
 * rename, and both names' generations have been moved since.  A file
 * with one link is bound to nt_path with its id and ChangeTime, read
 * through h, when nothing but this rename moved the name's generation in
 * between. */
void lx_statcache_renamed(const wchar_t *nt_path, const wchar_t *from_path, uint64_t dev,
                          const struct lx_statcache_tag *tag, void *h);
/* The id of the file at node's name when a current binding with a
 * trusted ChangeTime says it has one link: true and *id, else false.  For
 * a caller that holds the file so that nobody can move another over the
 * name (unlink's exclusive open). */
bool lx_statcache_single_id(const struct lx_node *node, uint64_t *id);
/* The name at nt_path may now name another file or none, or its file
 * gained a link: rename (both names), unlink, rmdir, link (both names).
 * Called after the change, whatever its outcome. */
void lx_statcache_name_changed(const wchar_t *nt_path);
/* A directory was made, removed or renamed at nt_path: the count of
 * subdirectories kept for its parent no longer holds. */
void lx_statcache_parent_changed(const wchar_t *nt_path);
/* The link count of the directory node, of file id id, on a Linux tree
 * (2 + its subdirectories), 0 if it cannot be had. */
uint32_t lx_statcache_dir_nlink(const struct lx_node *node, uint64_t id);
/* The same for an open directory: its description's path and st_dev,
 * its id and its handle h. */
uint32_t lx_statcache_dir_nlink_fd(const char *path, uint64_t dev, uint64_t id, void *h);

#endif
