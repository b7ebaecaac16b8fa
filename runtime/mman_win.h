/* The Windows side of the guest address space (runtime/mman_win.c). */
#ifndef LXNT_RUNTIME_MMAN_WIN_H
#define LXNT_RUNTIME_MMAN_WIN_H

#include <windows.h>

#include "lx.h"

void lx_mm_win_init(void);

/* PAGE_* protection for Linux PROT_* bits. */
DWORD lx_mm_win_protect(int prot);

/* Reserves what is missing and commits [s, e) read-write, zero-filled where new. */
long lx_mm_back(uint64_t s, uint64_t e);
/* Decommits [s, e): the pages fault until mapped again. */
void lx_mm_release(uint64_t s, uint64_t e);
/* Sets the protection of the committed pages of [s, e). */
long lx_mm_set_protection(uint64_t s, uint64_t e, int prot);

typedef long lx_mm_region_op(uint64_t s, uint64_t e, const MEMORY_BASIC_INFORMATION *mbi, void *arg);
/* Calls op on each piece of [start, end) within one Windows allocation. */
long lx_mm_for_each_region(uint64_t start, uint64_t end, lx_mm_region_op *op, void *arg);
/* lx_mm_region_op that commits read-write (already committed pages keep their data). */
long lx_mm_commit_op(uint64_t s, uint64_t e, const MEMORY_BASIC_INFORMATION *mbi, void *arg);

/* Marks the granules of [s, e) reserved (a fork child's inherited areas). */
void lx_mm_win_adopt(uint64_t s, uint64_t e);
/* The lowest granule of [s, e) that a private reservation holds, or 0. */
uint64_t lx_mm_first_reserved(uint64_t s, uint64_t e);

#define LX_GRANULE 0x10000ULL
#define LX_GRANULE_UP(x) (((x) + LX_GRANULE - 1) & ~(LX_GRANULE - 1))

#endif
