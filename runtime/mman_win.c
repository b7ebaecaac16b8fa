/*
 * The Windows side of the guest address space (mman_win.h): granules of
 * 64 KiB reserved on first use and never released, pages committed while
 * mapped and decommitted when unmapped, protections per page.
 */
#include <windows.h>

#include "lxnt/layout.h"
#include "mman.h"
#include "mman_win.h"

#define GRANULE 0x10000ULL

static uint8_t *reserved_bitmap; /* one bit per granule of the guest window */

void lx_mm_win_init(void)
{
	size_t bits = (LXNT_GUEST_WINDOW_HI - LXNT_GUEST_WINDOW_LO) / GRANULE;

	/* 2 MiB of bits, committed lazily by the system as they are touched. */
	reserved_bitmap = VirtualAlloc(NULL, bits / 8, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	if (!reserved_bitmap)
		lx_fatal("lxnt: cannot allocate the address-space map");
}

DWORD lx_mm_win_protect(int prot)
{
	bool r = prot & LX_PROT_READ, w = prot & LX_PROT_WRITE, x = prot & LX_PROT_EXEC;

	/* x86 cannot express write-only or exec-only; Linux grants read too. */
	if (x)
		return w ? PAGE_EXECUTE_READWRITE : PAGE_EXECUTE_READ;
	if (w)
		return PAGE_READWRITE;
	if (r)
		return PAGE_READONLY;
	return PAGE_NOACCESS;
}

/* Reserves every granule of [start, end) that is not yet reserved. */
static long reserve_granules(uint64_t start, uint64_t end)
{
	uint64_t g = (start - LXNT_GUEST_WINDOW_LO) / GRANULE;
	uint64_t gend = (end - LXNT_GUEST_WINDOW_LO + GRANULE - 1) / GRANULE;

	while (g < gend) {
		if (reserved_bitmap[g / 8] & (1u << (g % 8))) {
			g++;
			continue;
		}
		uint64_t run = g;
		while (run < gend && !(reserved_bitmap[run / 8] & (1u << (run % 8))))
			run++;
		void *base = (void *)(uintptr_t)(LXNT_GUEST_WINDOW_LO + g * GRANULE);
		if (!VirtualAlloc(base, (run - g) * GRANULE, MEM_RESERVE, PAGE_NOACCESS))
			return -LX_ENOMEM;
		for (; g < run; g++)
			reserved_bitmap[g / 8] |= (uint8_t)(1u << (g % 8));
	}
	return 0;
}

/*
 * Calls op on each piece of [start, end) that lies within one Windows
 * allocation: VirtualAlloc(MEM_COMMIT) and VirtualFree(MEM_DECOMMIT) refuse
 * ranges that span allocations.
 */

long lx_mm_for_each_region(uint64_t start, uint64_t end, lx_mm_region_op *op, void *arg)
{
	while (start < end) {
		MEMORY_BASIC_INFORMATION mbi;
		if (!VirtualQuery((void *)(uintptr_t)start, &mbi, sizeof(mbi)))
			return -LX_ENOMEM;
		uint64_t rend = (uint64_t)(uintptr_t)mbi.BaseAddress + mbi.RegionSize;
		if (rend > end)
			rend = end;
		long r = op(start, rend, &mbi, arg);
		if (r < 0)
			return r;
		start = rend;
	}
	return 0;
}

/* Views of shared sections (mman_shm.c) are committed for as long as
 * they exist: commit and decommit leave them alone. */
static bool is_view(const MEMORY_BASIC_INFORMATION *mbi)
{
	return mbi->State == MEM_COMMIT && mbi->Type == MEM_MAPPED;
}

long lx_mm_commit_op(uint64_t s, uint64_t e, const MEMORY_BASIC_INFORMATION *mbi, void *arg)
{
	(void)arg;
	if (is_view(mbi))
		return 0;
	return VirtualAlloc((void *)(uintptr_t)s, e - s, MEM_COMMIT, PAGE_READWRITE) ? 0 : -LX_ENOMEM;
}

static long decommit_op(uint64_t s, uint64_t e, const MEMORY_BASIC_INFORMATION *mbi, void *arg)
{
	(void)arg;
	if (mbi->State != MEM_COMMIT || is_view(mbi))
		return 0;
	return VirtualFree((void *)(uintptr_t)s, e - s, MEM_DECOMMIT) ? 0 : lx_errno_from_win32(GetLastError());
}

static long protect_op(uint64_t s, uint64_t e, const MEMORY_BASIC_INFORMATION *mbi, void *arg)
{
	DWORD old;

	if (mbi->State != MEM_COMMIT)
		return 0;
	return VirtualProtect((void *)(uintptr_t)s, e - s, *(const DWORD *)arg, &old) ? 0 : lx_errno_from_win32(GetLastError());
}

/* Decommits [s, e): the pages read as unmapped until mapped again. */
void lx_mm_release(uint64_t s, uint64_t e)
{
	lx_mm_for_each_region(s, e, decommit_op, NULL);
}

/*
 * Commits [s, e) read-write (zero-filled where not yet committed), or only
 * keeps it reserved for PROT_NONE: Linux lets PROT_NONE areas be large and
 * costless, as malloc's arenas expect.
 */
long lx_mm_back(uint64_t s, uint64_t e)
{
	long r = reserve_granules(s, e);

	if (r < 0)
		return r;
	return lx_mm_for_each_region(s, e, lx_mm_commit_op, NULL);
}

long lx_mm_set_protection(uint64_t s, uint64_t e, int prot)
{
	DWORD target = lx_mm_win_protect(prot);

	return lx_mm_for_each_region(s, e, protect_op, &target);
}


/* Marks the granules of [s, e) as reserved: the parent of a fork reserved
 * them in this process (runtime/fork.c). */
void lx_mm_win_adopt(uint64_t s, uint64_t e)
{
	uint64_t g = (s - LXNT_GUEST_WINDOW_LO) / GRANULE;
	uint64_t gend = (e - LXNT_GUEST_WINDOW_LO + GRANULE - 1) / GRANULE;

	for (; g < gend; g++)
		reserved_bitmap[g / 8] |= (uint8_t)(1u << (g % 8));
}

/* The address of the lowest granule of [s, e) that a private reservation
 * holds, or 0 if none does: shared views take only granules that no
 * private mapping ever used, as reservations are never released. */
uint64_t lx_mm_first_reserved(uint64_t s, uint64_t e)
{
	uint64_t g = (s - LXNT_GUEST_WINDOW_LO) / GRANULE;
	uint64_t gend = (e - LXNT_GUEST_WINDOW_LO + GRANULE - 1) / GRANULE;

	for (; g < gend; g++)
		if (reserved_bitmap[g / 8] & (1u << (g % 8)))
			return LXNT_GUEST_WINDOW_LO + g * GRANULE;
	return 0;
}
