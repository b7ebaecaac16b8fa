/*
 * Shared anonymous memory of the guest window (runtime/mman_shm.c): one
 * pagefile-backed section per mmap call, mapped as one view of whole
 * 64 KiB granules.  Windows unmaps views only whole, so the view lives
 * as long as any page of the Linux mapping does; pages unmapped before
 * that are made inaccessible (docs/runtime.md, "Memory map").
 */
#ifndef LXNT_RUNTIME_MMAN_SHM_H
#define LXNT_RUNTIME_MMAN_SHM_H

#include "lx.h"

struct lx_shm_view {
	uint64_t start, end;  /* the granules the view takes */
	void *section;        /* HANDLE */
	uint64_t id;          /* the section's identity in the instance */
	uint64_t off, bytes;  /* what of the section is mapped at start */
	uint32_t access;      /* FILE_MAP_* of the view */
	void *writer;         /* a memfd's writable-mapping handle (vfs/memfd.c), or NULL */
	struct lx_shm_view *next;
};

/* Creates a section of end - start bytes and maps it at start, every
 * page inaccessible. */
long lx_shm_create(uint64_t start, uint64_t end, struct lx_shm_view **out);
/* Maps bytes of a file's section (mmap's, taken) from off (granule-
 * aligned) at start, every page inaccessible; end is start + the
 * granules it takes. */
long lx_shm_map_file(const struct lx_vfs_section *file, uint64_t start, uint64_t end, uint64_t off,
                     uint64_t bytes, struct lx_shm_view **out);
/* In a child of fork: maps the section handle (valid here) as the
 * parent's view v, every page inaccessible; takes the handle (and the
 * writer handle, also valid here). */
long lx_shm_adopt(const struct lx_shm_view *v, struct lx_shm_view **out);
/* Closes a file's section and writer handle that no view took. */
void lx_shm_file_drop(const struct lx_vfs_section *file);
/* Unmaps the view and closes the section (and the writer handle). */
void lx_shm_destroy(struct lx_shm_view *v);

#endif
