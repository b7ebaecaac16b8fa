/*
 * A cache of portable metadata records (vfs/metacache.c), one for all the
 * processes of an instance, kept coherent by generation counters that
 * every process writing a store shares.
 */
#ifndef LXNT_VFS_METACACHE_H
#define LXNT_VFS_METACACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include "metastore.h"

/* What a reader must remember before it reads a record from disk: the
 * generation of the record's slot (0 and no cache when the store's
 * counters cannot be had). */
struct lx_metacache_tag {
	volatile int64_t *gen;
	int64_t value;
	unsigned store;
};

/* The tag of store's record file_id, read before the disk is. */
struct lx_metacache_tag lx_metacache_tag(const wchar_t *store, uint64_t file_id);
/* A cached result (0 with *m, or STATUS_OBJECT_NAME_NOT_FOUND for "no
 * record") still current for tag; false if there is none. */
bool lx_metacache_get(const struct lx_metacache_tag *t, uint64_t file_id, struct lx_meta *m,
                      long *status);
/* Remembers what the disk said under tag. */
void lx_metacache_put(const struct lx_metacache_tag *t, uint64_t file_id,
                      const struct lx_meta *m, long status);
/* After a record was written or deleted, whatever the outcome: every
 * process's cached copy of it becomes stale. */
void lx_metacache_changed(const wchar_t *store, uint64_t file_id);
/* The same for a writer that took tag before it wrote m (NULL when the
 * write failed): its own copy stays current unless another write raced. */
void lx_metacache_wrote(const struct lx_metacache_tag *before, uint64_t file_id,
                        const struct lx_meta *m);

/* The directories of a store as the path walk caches them (vfs/resolve.c):
 * one more counter, bumped after a directory is removed or renamed or its
 * metadata changes, which is all that can make a cached directory step
 * wrong (the walk caches no other kind of entry and no absence). */
struct lx_metacache_tag lx_metacache_dirs_tag(const wchar_t *store);
void lx_metacache_dirs_changed(const wchar_t *store);
/* Whether nothing bumped the counter since t was taken. */
bool lx_metacache_current(const struct lx_metacache_tag *t);

#endif
