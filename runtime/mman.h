/*
 * The runtime's own map of the Linux address space in the guest window
 * (include/lxnt/layout.h).  Windows reserves address space in 64 KiB
 * granules and protects it in 4 KiB pages; Linux maps in pages.  The map
 * keeps Linux's view (a sorted list of areas, like the kernel's VMAs) and
 * the Windows side follows it: granules are reserved on first use and never
 * released, pages are committed while mapped and decommitted by munmap.
 */
#ifndef LXNT_RUNTIME_MMAN_H
#define LXNT_RUNTIME_MMAN_H

#include "lx.h"
#include "lxnt/linux/mman.h"
#include "mman_shm.h"

void lx_mm_init(void);

/*
 * mmap worker: addr is a hint unless flags has MAP_FIXED or
 * MAP_FIXED_NOREPLACE; the mapping is private anonymous memory filled from
 * fd at off when fd >= 0, or shared anonymous memory (mman_shm.h) when
 * flags ask for a shared mapping and fd < 0.  Returns the address or
 * -LX_Exxx.
 */
int64_t lx_mm_map(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t off);
/* A shared mapping of the regular file open as fd, from off, backed by a
 * section of the file (mman_shm.h); -LX_ENODEV where it cannot be. */
int64_t lx_mm_map_file_shared(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t off);
int64_t lx_mm_unmap(uint64_t addr, uint64_t len);
int64_t lx_mm_protect(uint64_t addr, uint64_t len, int prot);
int64_t lx_mm_remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags);
int64_t lx_mm_dontneed(uint64_t addr, uint64_t len);
/* Writes the dirty pages of the file views in [addr, addr+len) to their
 * files; -LX_ENOMEM if part of the range is not mapped (msync(2)). */
int64_t lx_mm_sync(uint64_t addr, uint64_t len);

/* Unmaps every shared mapping: execve's stub holds no view of a file or
 * of another process's memory (runtime/exec.c). */
void lx_mm_unmap_shared(void);

/* execve in place (runtime/exec_here.c): the whole guest window is
 * unmapped and mmap's area starts again from its top. */
void lx_mm_exec_reset(void);

/* True if every page of [addr, addr+len) is mapped. */
bool lx_mm_mapped(uint64_t addr, uint64_t len);

/* For a mapped address of shared memory: the identity of its section in
 * the instance and the offset into it (the futex key, runtime/futex.c). */
bool lx_mm_shared_key(uint64_t addr, uint64_t *id, uint64_t *off);

/* Puts the program break at the bottom of the guest window (sys_mman.c). */
void lx_brk_init(void);

/* Top of the area mmap allocates downwards from (below the main stack). */
extern uint64_t lx_mm_mmap_top;

/* An area as /proc/<pid>/maps shows it (vfs/proc_maps.c). */
struct lx_mm_view {
	uint64_t start, end, off, dev, ino;
	int prot, flags;
	const char *path;    /* the mapped file's Linux path; NULL when anonymous */
};
/* Calls fn for each area in address order, under the map's lock (fn must
 * not map, unmap or protect). */
void lx_mm_for_each_area(void (*fn)(void *ctx, const struct lx_mm_view *v), void *ctx);

/* An area of the map, as fork hands it over (runtime/fork.c); an area
 * of shared memory has a copy of its view, whose section handle is the
 * parent's in lx_mm_areas and the child's in lx_mm_adopt; else
 * view.section is NULL. */
struct lx_mm_area {
	uint64_t start, end;
	int prot, flags;
	struct lx_shm_view view;
	/* The file the area maps, as /proc/<pid>/maps names it: its offset,
	 * device and inode, and its path at name_off in the fork's hand-off
	 * (0: anonymous; lx_mm_areas_names). */
	uint64_t off, dev, ino;
	uint32_t name_off, pad;
};
/* Copies up to cap areas into out; returns how many there are. */
size_t lx_mm_areas(struct lx_mm_area *out, size_t cap);
struct lx_handoff_buf;
/* Puts the paths of the n areas at areas_off of the hand-off b into b
 * and gives each area its name_off. */
void lx_mm_areas_names(struct lx_handoff_buf *b, uint32_t areas_off, size_t n);
/* Takes over areas whose memory the parent of a fork copied in; block is
 * the hand-off their name_off count from. */
void lx_mm_adopt(const struct lx_mm_area *a, size_t n, uint64_t mmap_top, const void *block);
/* The program break, for fork's hand-off (sys_mman.c). */
void lx_brk_get(uint64_t *base, uint64_t *cur);
void lx_brk_set(uint64_t base, uint64_t cur);

#define LX_PAGE_UP(x) (((x) + LX_PAGE_SIZE - 1) & ~(LX_PAGE_SIZE - 1))

#endif
