/*
 * Record tables (docs/formats.md, "Record tables"): the layout of the
 * portable store in which the records of 4,096 file ids share one file,
 * <store>\t\<table>, so that a file's first record, its changes and its
 * deletion create and delete no file.  metastore.c uses it for stores that
 * hold the t directory and keeps record files for stores made before it.
 */
#ifndef LXNT_VFS_METATABLE_H
#define LXNT_VFS_METATABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "metastore.h"

/* The tables' directory inside the store: its presence is the layout's
 * mark, so a store is made whole with it (lx_metatable_make_store). */
#define LX_METATABLE_DIR L"t"
/* Entries per table: the low 12 bits of the id pick the entry. */
#define LX_METATABLE_SHIFT 12
#define LX_METATABLE_ENTRIES (1u << LX_METATABLE_SHIFT)
/* An entry: two slots, as a record file's. */
#define LX_METATABLE_ENTRY (LX_METAREC_SLOTS * LX_METAREC_SIZE)
/* Entry i's lock is the byte at LX_METATABLE_LOCKS + i, far past any data:
 * Windows' byte-range locks are mandatory, and readers of the entry must
 * not meet one. */
#define LX_METATABLE_LOCKS (1ull << 40)

/* The table an id's record is in and the entry's offset in it.  The id's
 * high 16 bits are left out: on NTFS they are the MFT record's sequence
 * number, which the record's own copy of the id checks. */
static inline uint64_t lx_metatable_index(uint64_t id)
{
	return (id & 0xffffffffffffull) >> LX_METATABLE_SHIFT;
}

static inline uint64_t lx_metatable_offset(uint64_t id)
{
	return (uint64_t)(id & (LX_METATABLE_ENTRIES - 1)) * LX_METATABLE_ENTRY;
}

/* The layout of the store at path: tables when it holds the t directory,
 * record files when it exists without one (made by an earlier lxnt), or
 * none yet.  Known layouts are remembered for the process's lifetime. */
enum lx_metastore_layout { LX_LAYOUT_NONE, LX_LAYOUT_FILES, LX_LAYOUT_TABLES };
enum lx_metastore_layout lx_metatable_layout(const wchar_t *store);

/* Makes the store with its t directory when it does not exist: made under
 * a temporary name in the volume's root and renamed into place, so that no
 * process ever sees a new store without it.  Returns the layout the store
 * has afterwards (another process may have made it first). */
enum lx_metastore_layout lx_metatable_make_store(const wchar_t *store);

/* The table layout's record operations (NTSTATUS), as metastore.h's. */
long lx_metatable_read(const wchar_t *store, uint64_t id, struct lx_meta *m);
long lx_metatable_write_new(const wchar_t *store, uint64_t id, const struct lx_meta *m);
long lx_metatable_delete(const wchar_t *store, uint64_t id);
void *lx_metatable_lock(const wchar_t *store, uint64_t id);
void lx_metatable_unlock(void *lock);
long lx_metatable_write_locked(void *lock, uint64_t id, const struct lx_meta *m);
/* The entry's bytes as they are on disk (LX_METATABLE_ENTRY of them, zeros
 * past the table's end); an NTSTATUS (not found: no table). */
long lx_metatable_read_entry(const wchar_t *store, uint64_t id,
                             unsigned char out[LX_METATABLE_ENTRY]);

/* Closes this process's open tables of every store, so that a store can
 * be removed (a test's clean-up); no other thread may be using one. */
void lx_metatable_close_all(void);

#endif
