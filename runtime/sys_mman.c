/*
 * Memory-management system calls (mm/mmap.c, mm/mprotect.c, mm/mremap.c,
 * mm/madvise.c): argument checks as Linux makes them, then the workers of
 * mman.c.
 */
#include <windows.h>

#include "image.h"
#include "lxnt/layout.h"
#include "mman.h"
#include "syscall_table.h"

/* The brk area starts at the bottom of the guest window and grows up;
 * threads move it one at a time (Linux holds mmap_lock). */
static uint64_t brk_base, brk_cur;
static SRWLOCK brk_lock = SRWLOCK_INIT;

void lx_brk_init(void)
{
	brk_base = brk_cur = LXNT_GUEST_WINDOW_LO;
}

void lx_brk_get(uint64_t *base, uint64_t *cur)
{
	*base = brk_base;
	*cur = brk_cur;
}

void lx_brk_set(uint64_t base, uint64_t cur)
{
	brk_base = base;
	brk_cur = cur;
}

/* Linux brk(2): returns the new break, or the old one when it cannot move. */
static uint64_t brk_locked(uint64_t want)
{
	if (want < brk_base)
		return brk_cur;
	uint64_t old_end = LX_PAGE_UP(brk_cur), new_end = LX_PAGE_UP(want);
	if (new_end > old_end) {
		int64_t r = lx_mm_map(old_end, new_end - old_end, LX_PROT_READ | LX_PROT_WRITE,
		                   LX_MAP_PRIVATE | LX_MAP_ANONYMOUS | LX_MAP_FIXED_NOREPLACE, -1, 0);
		if (r < 0)
			return brk_cur;
	} else if (new_end < old_end) {
		lx_mm_unmap(new_end, old_end - new_end);
	}
	brk_cur = want;
	return brk_cur;
}

int64_t lx_sys_brk(struct lx_syscall *sc)
{
	AcquireSRWLockExclusive(&brk_lock);
	uint64_t r = brk_locked((uint64_t)sc->arg[0]);
	ReleaseSRWLockExclusive(&brk_lock);
	return (int64_t)r;
}

/* Linux mmap(2). */
int64_t lx_sys_mmap(struct lx_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->arg[0], len = (uint64_t)sc->arg[1];
	int prot = (int)sc->arg[2], flags = (int)sc->arg[3], fd = (int)sc->arg[4];
	int64_t off = sc->arg[5];
	int type = flags & LX_MAP_TYPE;

	if (len == 0 || (off & (LX_PAGE_SIZE - 1)) || off < 0)
		return -LX_EINVAL;
	if (type != LX_MAP_SHARED && type != LX_MAP_PRIVATE && type != LX_MAP_SHARED_VALIDATE)
		return -LX_EINVAL;
	if ((flags & (LX_MAP_FIXED | LX_MAP_FIXED_NOREPLACE)) && (addr & (LX_PAGE_SIZE - 1)))
		return -LX_EINVAL;
	if (LX_PAGE_UP(len) < len)
		return -LX_ENOMEM;
	/* A shared mapping of /dev/zero is shared anonymous memory
	 * (shmem_zero_setup() in mm/mmap.c). */
	if ((flags & LX_MAP_ANONYMOUS) || (type != LX_MAP_PRIVATE && lx_vfs_fd_is_dev_zero(fd)))
		return lx_mm_map(addr, len, prot, flags, -1, 0);
	if (fd < 0)
		return -LX_EBADF;
	/* A writable shared file mapping is a view of the file's section; a
	 * read-only one is a private copy, which differs only if the file
	 * is written meanwhile (docs/runtime.md, "Memory map").  A memfd's
	 * is a view where one can be made: it sees later writes, and its
	 * seals and their count of writable mappings apply to it
	 * (vfs/memfd_seals.c). */
	if (type != LX_MAP_PRIVATE && (prot & LX_PROT_WRITE))
		return lx_mm_map_file_shared(addr, len, prot, flags, fd, off);
	if (type != LX_MAP_PRIVATE && lx_vfs_fd_is_memfd(fd)) {
		int64_t r = lx_mm_map_file_shared(addr, len, prot, flags, fd, off);
		if (r != -LX_ENODEV)
			return r;
	}
	return lx_mm_map(addr, len, prot, flags, fd, off);
}

/* Linux munmap(2). */
int64_t lx_sys_munmap(struct lx_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->arg[0], len = (uint64_t)sc->arg[1];

	if ((addr & (LX_PAGE_SIZE - 1)) || len == 0)
		return -LX_EINVAL;
	return lx_mm_unmap(addr, len);
}

/* Linux mprotect(2). */
int64_t lx_sys_mprotect(struct lx_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->arg[0], len = (uint64_t)sc->arg[1];
	int prot = (int)sc->arg[2];

	if (addr & (LX_PAGE_SIZE - 1))
		return -LX_EINVAL;
	if (prot & ~(LX_PROT_READ | LX_PROT_WRITE | LX_PROT_EXEC | LX_PROT_GROWSDOWN | LX_PROT_GROWSUP))
		return -LX_EINVAL;
	if (len == 0)
		return 0;
	return lx_mm_protect(addr, len, prot & (LX_PROT_READ | LX_PROT_WRITE | LX_PROT_EXEC));
}

/* Linux mremap(2); MREMAP_FIXED and MREMAP_DONTUNMAP are not offered. */
int64_t lx_sys_mremap(struct lx_syscall *sc)
{
	uint64_t old_addr = (uint64_t)sc->arg[0], old_len = (uint64_t)sc->arg[1];
	uint64_t new_len = (uint64_t)sc->arg[2];
	int flags = (int)sc->arg[3];

	if (flags & ~(LX_MREMAP_MAYMOVE | LX_MREMAP_FIXED | LX_MREMAP_DONTUNMAP))
		return -LX_EINVAL;
	if ((flags & LX_MREMAP_FIXED) && !(flags & LX_MREMAP_MAYMOVE))
		return -LX_EINVAL;
	if (old_addr & (LX_PAGE_SIZE - 1))
		return -LX_EINVAL;
	if (new_len == 0)
		return -LX_EINVAL;
	if (flags & (LX_MREMAP_FIXED | LX_MREMAP_DONTUNMAP))
		return -LX_EINVAL;
	return lx_mm_remap(old_addr, old_len, new_len, flags);
}

/* Linux msync(2): MS_SYNC and MS_ASYNC both write the pages now;
 * neither waits for the disk (FlushViewOfFile does not). */
int64_t lx_sys_msync(struct lx_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->arg[0], len = (uint64_t)sc->arg[1];
	int flags = (int)sc->arg[2];

	if (addr & (LX_PAGE_SIZE - 1))
		return -LX_EINVAL;
	if (flags & ~(LX_MS_ASYNC | LX_MS_INVALIDATE | LX_MS_SYNC))
		return -LX_EINVAL;
	if ((flags & LX_MS_ASYNC) && (flags & LX_MS_SYNC))
		return -LX_EINVAL;
	if (LX_PAGE_UP(len) < len)
		return -LX_ENOMEM;
	if (len == 0)
		return 0;
	return lx_mm_sync(addr, len);
}

/* The packed program's own pages, which the image maps outside the
 * runtime's map. */
static bool in_packed_image(uint64_t addr, uint64_t len)
{
	const struct lxnt_pack_header *p = lx_image.pack;

	return p && !lx_image.elf_file && addr >= p->image_lo && addr <= p->image_hi &&
	       len <= p->image_hi - addr;
}

/* Linux mincore(2) (mm/mincore.c): every mapped page is resident, since
 * nothing of the map is paged out in a way the program could tell;
 * ENOMEM for a range with a hole, as do_mincore finds it. */
int64_t lx_sys_mincore(struct lx_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->arg[0], len = (uint64_t)sc->arg[1];
	uint64_t vec = (uint64_t)sc->arg[2];
	static const unsigned char resident[256] = { [0 ... 255] = 1 };

	if (addr & (LX_PAGE_SIZE - 1))
		return -LX_EINVAL;
	if (LX_PAGE_UP(len) < len)
		return -LX_ENOMEM;
	len = LX_PAGE_UP(len);
	uint64_t pages = len / LX_PAGE_SIZE;
	if (pages && !lx_mm_mapped(addr, len) && !in_packed_image(addr, len))
		return -LX_ENOMEM;
	for (uint64_t done = 0; done < pages;) {
		uint64_t n = pages - done < sizeof(resident) ? pages - done : sizeof(resident);
		if (lx_copy_to_user(vec + done, resident, n) < 0)
			return -LX_EFAULT;
		done += n;
	}
	return 0;
}

/* Linux madvise(2): advice is accepted; MADV_DONTNEED zeroes the pages. */
int64_t lx_sys_madvise(struct lx_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->arg[0], len = (uint64_t)sc->arg[1];
	int advice = (int)sc->arg[2];

	if (addr & (LX_PAGE_SIZE - 1))
		return -LX_EINVAL;
	if (len == 0)
		return 0;
	switch (advice) {
	case LX_MADV_DONTNEED:
		return lx_mm_dontneed(addr, len);
	case LX_MADV_NORMAL: case LX_MADV_RANDOM: case LX_MADV_SEQUENTIAL:
	case LX_MADV_WILLNEED: case LX_MADV_FREE: case LX_MADV_DONTFORK:
	case LX_MADV_DOFORK: case LX_MADV_MERGEABLE: case LX_MADV_UNMERGEABLE:
	case LX_MADV_HUGEPAGE: case LX_MADV_NOHUGEPAGE: case LX_MADV_DONTDUMP:
	case LX_MADV_DODUMP: case LX_MADV_WIPEONFORK: case LX_MADV_KEEPONFORK:
	case LX_MADV_COLD: case LX_MADV_PAGEOUT:
		/* Hints: Linux may ignore them too (MADV_FREE may keep the data). */
		return lx_mm_mapped(addr, LX_PAGE_UP(len)) ? 0 : -LX_ENOMEM;
	default:
		return -LX_EINVAL;
	}
}
