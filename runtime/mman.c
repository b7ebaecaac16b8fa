/*
 * Guest address-space bookkeeping (see mman.h).  One lock covers the map;
 * the areas are kept in a sorted array because a process has few of them
 * and lookups are rare next to the work each one does.
 */
#include <windows.h>
#include <string.h>

#include "elfload.h"
#include "handoff.h"
#include "image.h"
#include "lxnt/layout.h"
#include "lxnt/linux/fs.h"
#include "mman.h"
#include "mman_shm.h"
#include "mman_win.h"

/* The file a mapping came from, shared by the pieces mprotect and munmap
 * leave of it (/proc/<pid>/maps). */
struct lx_map_name {
	long refs;
	uint64_t dev, ino;
	char path[];
};

struct lx_vma {
	uint64_t start, end; /* page-aligned, end exclusive */
	int prot;            /* LX_PROT_* */
	int flags;           /* LX_MAP_* as requested */
	struct lx_shm_view *view; /* shared memory (mman_shm.h), or NULL */
	uint64_t off;        /* file offset of start; 0 when anonymous */
	struct lx_map_name *name; /* NULL when anonymous */
};

static SRWLOCK mm_lock = SRWLOCK_INIT;
static struct lx_vma *vmas;
static size_t nvma, cap_vma;
uint64_t lx_mm_mmap_top;
/* The views of shared sections; each lives while an area refers to it. */
static struct lx_shm_view *views;
static volatile LONG nviews;

void lx_mm_init(void)
{
	lx_mm_win_init();
	lx_mm_mmap_top = LXNT_GUEST_WINDOW_HI;
}

static bool in_guest_window(uint64_t addr, uint64_t len)
{
	return addr >= LXNT_GUEST_WINDOW_LO && addr <= LXNT_GUEST_WINDOW_HI &&
	       len <= LXNT_GUEST_WINDOW_HI - addr;
}

static bool vma_grow(void)
{
	if (nvma < cap_vma)
		return true;
	size_t ncap = cap_vma ? cap_vma * 2 : 64;
	struct lx_vma *n = vmas ? HeapReAlloc(GetProcessHeap(), 0, vmas, ncap * sizeof(*n))
	                        : HeapAlloc(GetProcessHeap(), 0, ncap * sizeof(*n));
	if (!n)
		return false;
	vmas = n;
	cap_vma = ncap;
	return true;
}

/* Index of the first area whose end is above addr. */
static size_t vma_first_above(uint64_t addr)
{
	size_t lo = 0, hi = nvma;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool range_free(uint64_t s, uint64_t e)
{
	size_t i = vma_first_above(s);

	return i == nvma || vmas[i].start >= e;
}

bool lx_mm_mapped(uint64_t addr, uint64_t len)
{
	uint64_t s = addr, e = addr + len;
	bool ok = true;

	AcquireSRWLockShared(&mm_lock);
	for (size_t i = vma_first_above(s); s < e; i++) {
		if (i == nvma || vmas[i].start > s) {
			ok = false;
			break;
		}
		s = vmas[i].end;
	}
	ReleaseSRWLockShared(&mm_lock);
	return ok;
}

static struct lx_map_name *name_get(struct lx_map_name *n)
{
	if (n)
		n->refs++;
	return n;
}

static void name_put(struct lx_map_name *n)
{
	if (n && --n->refs == 0)
		HeapFree(GetProcessHeap(), 0, n);
}

/* The name of a mapping of fd, or NULL (no path: the area shows as
 * anonymous, which is all a name is for). */
static struct lx_map_name *name_of_fd(int fd)
{
	char path[LX_PATH_MAX];
	uint64_t dev, ino;
	struct lx_map_name *n;

	if (lx_vfs_map_name(fd, path, sizeof(path), &dev, &ino) < 0)
		return NULL;
	n = HeapAlloc(GetProcessHeap(), 0, sizeof(*n) + strlen(path) + 1);
	if (!n)
		return NULL;
	n->refs = 1;
	n->dev = dev;
	n->ino = ino;
	strcpy(n->path, path);
	return n;
}

/* Moves the start of area v to s, keeping its file offset in step. */
static void vma_trim_front(struct lx_vma *v, uint64_t s)
{
	if (v->name)
		v->off += s - v->start;
	v->start = s;
}

/* Removes [s, e) from the list, splitting areas that straddle it. */
static bool vma_cut(uint64_t s, uint64_t e)
{
	size_t i = vma_first_above(s);

	if (i < nvma && vmas[i].start < s && vmas[i].end > e) {
		if (!vma_grow())
			return false;
		memmove(&vmas[i + 1], &vmas[i], (nvma - i) * sizeof(*vmas));
		nvma++;
		name_get(vmas[i].name);
		vmas[i].end = s;
		vma_trim_front(&vmas[i + 1], e);
		return true;
	}
	if (i < nvma && vmas[i].start < s) {
		vmas[i].end = s;
		i++;
	}
	size_t j = i;
	while (j < nvma && vmas[j].end <= e)
		name_put(vmas[j++].name);
	if (j < nvma && vmas[j].start < e)
		vma_trim_front(&vmas[j], e);
	memmove(&vmas[i], &vmas[j], (nvma - j) * sizeof(*vmas));
	nvma -= j - i;
	return true;
}

/* Inserts an area; it takes over the caller's reference to name. */
static bool vma_insert_named(uint64_t s, uint64_t e, int prot, int flags,
                             struct lx_shm_view *view, uint64_t off, struct lx_map_name *name)
{
	if (!vma_grow())
		return false;
	size_t i = vma_first_above(s);
	memmove(&vmas[i + 1], &vmas[i], (nvma - i) * sizeof(*vmas));
	vmas[i] = (struct lx_vma){ .start = s, .end = e, .prot = prot, .flags = flags,
	                           .view = view, .off = name ? off : 0, .name = name };
	nvma++;
	return true;
}

/* An area without a file name. */
static bool vma_insert(uint64_t s, uint64_t e, int prot, int flags, struct lx_shm_view *view)
{
	return vma_insert_named(s, e, prot, flags, view, 0, NULL);
}

/* The lowest start of a view that overlaps [s, e), or 0. */
static uint64_t view_overlap(uint64_t s, uint64_t e)
{
	uint64_t low = 0;

	for (struct lx_shm_view *v = views; v; v = v->next)
		if (v->start < e && v->end > s && (!low || v->start < low))
			low = v->start;
	return low;
}

/* Destroys the views that no area refers to any more. */
static void reap_views(void)
{
	for (struct lx_shm_view **pv = &views, *v; (v = *pv);) {
		bool used = false;
		for (size_t i = vma_first_above(v->start); i < nvma && vmas[i].start < v->end; i++)
			used |= vmas[i].view == v;
		if (used) {
			pv = &v->next;
			continue;
		}
		*pv = v->next;
		InterlockedDecrement(&nviews);
		lx_shm_destroy(v);
	}
}

/*
 * Unmaps [s, e): private pages are decommitted; pages of a shared view
 * become inaccessible, and a view goes when none of its pages is mapped
 * (Windows unmaps views only whole).
 */
static long unmap_locked(uint64_t s, uint64_t e)
{
	bool shared = false;

	lx_sites_forget(s, e); /* an object whose first page goes is gone (elfload.c) */
	lx_mm_release(s, e);
	for (size_t i = vma_first_above(s); i < nvma && vmas[i].start < e; i++) {
		if (!vmas[i].view)
			continue;
		uint64_t ps = vmas[i].start > s ? vmas[i].start : s, pe = vmas[i].end < e ? vmas[i].end : e;
		lx_mm_set_protection(ps, pe, LX_PROT_NONE);
		shared = true;
	}
	if (!vma_cut(s, e))
		return -LX_ENOMEM;
	if (shared)
		reap_views();
	return 0;
}

void lx_mm_unmap_shared(void)
{
	AcquireSRWLockExclusive(&mm_lock);
	while (views && unmap_locked(views->start, views->end) == 0)
		;
	ReleaseSRWLockExclusive(&mm_lock);
}

void lx_mm_exec_reset(void)
{
	AcquireSRWLockExclusive(&mm_lock);
	unmap_locked(LXNT_GUEST_WINDOW_LO, LXNT_GUEST_WINDOW_HI);
	ReleaseSRWLockExclusive(&mm_lock);
	lx_mm_mmap_top = LXNT_GUEST_WINDOW_HI;
}

/* Highest free range of len bytes below top (Linux's top-down layout). */
static uint64_t find_free_below(uint64_t top, uint64_t len)
{
	size_t i = vma_first_above(top);

	/* an area that straddles the top lowers it; all below end under it */
	if (i < nvma && vmas[i].start < top)
		top = vmas[i].start;
	for (;;) {
		uint64_t floor = i ? vmas[i - 1].end : LXNT_GUEST_WINDOW_LO;
		if (top >= floor && top - floor >= len)
			return top - len;
		if (i == 0)
			return 0;
		i--;
		top = vmas[i].start;
	}
}

/* A free range for private memory: below lx_mm_mmap_top, and outside the
 * views, whose unmapped pages no area lists. */
static uint64_t find_free(uint64_t len)
{
	uint64_t top = lx_mm_mmap_top;

	for (;;) {
		uint64_t a = find_free_below(top, len), v;
		if (!a || !(v = view_overlap(a, a + len)))
			return a;
		top = v;
	}
}

/* What keeps [s, e) from holding a new view: the lowest address of an
 * area, a view or a private reservation in it, or 0 if nothing does. */
static uint64_t shared_conflict(uint64_t s, uint64_t e)
{
	uint64_t low = 0, c;
	size_t i = vma_first_above(s);

	if (i < nvma && vmas[i].start < e)
		low = vmas[i].start;
	if ((c = view_overlap(s, e)) && (!low || c < low))
		low = c;
	if ((c = lx_mm_first_reserved(s, e)) && (!low || c < low))
		low = c;
	return low;
}

/* A free range of whole granules for a view, top-down as find_free. */
static uint64_t find_free_shared(uint64_t len)
{
	uint64_t top = lx_mm_mmap_top;

	for (;;) {
		uint64_t a = find_free_below(top, len) & ~(LX_GRANULE - 1), c;
		if (a < LXNT_GUEST_WINDOW_LO)
			return 0;
		if (!(c = shared_conflict(a, a + len)))
			return a;
		top = c;
	}
}

static long fill_from_file(uint64_t addr, uint64_t len, int fd, int64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		/* at most 1 GiB per call: the count must fit the long it returns */
		size_t chunk = len - done < (1ULL << 30) ? (size_t)(len - done) : (size_t)1 << 30;
		int64_t n = lx_vfs_pread_host(fd, (void *)(uintptr_t)(addr + done), chunk, off + (int64_t)done);
		if (n < 0)
			return n;
		if (n == 0)
			break; /* beyond end of file: the rest stays zero */
		done += (uint64_t)n;
	}
	return 0;
}

/* The fixed range [addr, addr+len) emptied for a new mapping, as
 * MAP_FIXED replaces what was there and MAP_FIXED_NOREPLACE refuses to. */
static long clear_fixed(uint64_t s, uint64_t e, int flags)
{
	if (range_free(s, e))
		return 0;
	if (flags & LX_MAP_FIXED_NOREPLACE)
		return -LX_EEXIST;
	return unmap_locked(s, e);
}

static int64_t map_private_locked(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t off)
{
	int64_t r;

	if (flags & (LX_MAP_FIXED | LX_MAP_FIXED_NOREPLACE)) {
		if (!in_guest_window(addr, len))
			return -LX_ENOMEM;
		if ((r = clear_fixed(addr, addr + len, flags)) < 0)
			return r;
		/* Unmapped pages of a view that still lives cannot take private
		 * memory (docs/runtime.md, "Memory map"). */
		if (view_overlap(addr, addr + len))
			return -LX_ENOMEM;
	} else if (addr && in_guest_window(addr, len) && range_free(addr, addr + len) &&
	           !view_overlap(addr, addr + len)) {
		/* a usable hint */
	} else {
		addr = find_free(len);
		if (!addr)
			return -LX_ENOMEM;
	}
	r = lx_mm_back(addr, addr + len);
	if (r == 0 && fd >= 0)
		r = fill_from_file(addr, len, fd, off);
	if (r == 0 && prot != (LX_PROT_READ | LX_PROT_WRITE))
		r = lx_mm_set_protection(addr, addr + len, prot);
	if (r == 0) {
		struct lx_map_name *name = fd >= 0 ? name_of_fd(fd) : NULL;
		if (!vma_insert_named(addr, addr + len, prot, flags, NULL, (uint64_t)off, name)) {
			name_put(name);
			r = -LX_ENOMEM;
		}
	}
	if (r < 0)
		lx_mm_release(addr, addr + len);
	return r < 0 ? r : (int64_t)addr;
}

/* Where shared memory comes from: a file's section from off, or (file
 * NULL) a new anonymous section. */
struct shm_source {
	const struct lx_vfs_section *file;
	uint64_t off;
};

/*
 * Shared memory: a view at a granule boundary (MapViewOfFileEx cannot
 * place one elsewhere), taking whole granules.  A file's view starts at
 * the granule of the file below off, so the mapping starts off's
 * distance from that granule into it; the view's pages outside the
 * mapping stay inaccessible, as outside a Linux mapping.
 */
static int64_t place_view(uint64_t addr, uint64_t len, int flags, uint64_t delta, uint64_t vlen,
                          uint64_t *vstart)
{
	long r;

	if (flags & (LX_MAP_FIXED | LX_MAP_FIXED_NOREPLACE)) {
		*vstart = addr - delta;
		if (addr < delta || !in_guest_window(*vstart, vlen))
			return -LX_ENOMEM;
		if (*vstart & (LX_GRANULE - 1))
			return -LX_EINVAL; /* a view cannot start there */
		if ((r = clear_fixed(addr, addr + len, flags)) < 0)
			return r;
		return shared_conflict(*vstart, *vstart + vlen) ? -LX_ENOMEM : 0;
	}
	*vstart = addr - delta;
	if (addr >= delta && !(*vstart & (LX_GRANULE - 1)) && in_guest_window(*vstart, vlen) &&
	    !shared_conflict(*vstart, *vstart + vlen))
		return 0; /* a usable hint */
	*vstart = find_free_shared(vlen);
	return *vstart ? 0 : -LX_ENOMEM;
}

/* Takes the file's section handle, whatever happens. */
static int64_t map_shared_locked(uint64_t addr, uint64_t len, int prot, int flags,
                                 const struct shm_source *src)
{
	const struct lx_vfs_section *file = src->file;
	uint64_t delta = file ? src->off & (LX_GRANULE - 1) : 0;
	uint64_t vlen = LX_GRANULE_UP(delta + len), vstart;
	struct lx_shm_view *v;
	int64_t r = place_view(addr, len, flags, delta, vlen, &vstart);

	if (r < 0) {
		if (file)
			lx_shm_file_drop(file);
		return r;
	}
	addr = vstart + delta;
	if (file) {
		/* the view ends with the file, in the mapping's last page */
		uint64_t avail = (uint64_t)file->size - src->off;
		r = lx_shm_map_file(file, vstart, vstart + vlen, src->off - delta,
		                    delta + (len < avail ? len : avail), &v);
	} else {
		r = lx_shm_create(vstart, vstart + vlen, &v);
	}
	if (r < 0)
		return r;
	r = lx_mm_set_protection(addr, addr + len, prot);
	if (r == 0 && !vma_insert(addr, addr + len, prot, flags, v))
		r = -LX_ENOMEM;
	if (r < 0) {
		lx_shm_destroy(v);
		return r;
	}
	v->next = views;
	views = v;
	InterlockedIncrement(&nviews);
	return (int64_t)addr;
}

int64_t lx_mm_map(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t off)
{
	bool shared = (flags & LX_MAP_TYPE) != LX_MAP_PRIVATE && fd < 0;
	int64_t r;

	len = LX_PAGE_UP(len);
	AcquireSRWLockExclusive(&mm_lock);
	if (shared)
		r = map_shared_locked(addr, len, prot, flags, &(struct shm_source){ NULL, 0 });
	else
		r = map_private_locked(addr, len, prot, flags, fd, off);
	ReleaseSRWLockExclusive(&mm_lock);
	/* The first page of a rewritten object ld.so or execve maps brings
	 * its site table (runtime/elfload.c). */
	if (r >= 0 && fd >= 0 && off == 0)
		lx_elf_note_map(fd, (uint64_t)r);
	return r;
}

/*
 * The file's section must cover the mapping: a view cannot reach past the
 * end of the file (Linux maps it, and gives SIGBUS there), and the vfs
 * opens no file for execution.  Writable mappings need O_RDWR (EACCES,
 * as mmap(2)); a read-only file's section stays read-only, so a later
 * mprotect(PROT_WRITE) fails as on Linux.  A memfd whose writes are
 * sealed gives EPERM for a writable mapping and a read-only view
 * otherwise (seal_check_write of include/linux/mm.h clears VM_MAYWRITE).
 */
int64_t lx_mm_map_file_shared(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t off)
{
	struct lx_vfs_section file;
	int64_t r = lx_vfs_fd_section(fd, &file);

	if (r < 0)
		return r;
	len = LX_PAGE_UP(len);
	if ((prot & LX_PROT_WRITE) && !file.writable)
		r = -LX_EACCES;
	else if ((prot & LX_PROT_WRITE) && file.sealed)
		r = -LX_EPERM;
	else if ((prot & LX_PROT_EXEC) || (uint64_t)off + len > LX_PAGE_UP((uint64_t)file.size))
		r = -LX_ENODEV;
	if (r < 0) {
		lx_shm_file_drop(&file);
		return r;
	}
	AcquireSRWLockExclusive(&mm_lock);
	r = map_shared_locked(addr, len, prot, flags, &(struct shm_source){ &file, (uint64_t)off });
	ReleaseSRWLockExclusive(&mm_lock);
	return r;
}

int64_t lx_mm_unmap(uint64_t addr, uint64_t len)
{
	long r = 0;

	len = LX_PAGE_UP(len);
	if (!in_guest_window(addr, len))
		return 0; /* Linux: unmapping nothing is not an error */
	AcquireSRWLockExclusive(&mm_lock);
	r = unmap_locked(addr, addr + len);
	ReleaseSRWLockExclusive(&mm_lock);
	return r;
}

/* Sets prot on every area piece inside [s, e), splitting areas as needed. */
static long vma_set_prot(uint64_t s, uint64_t e, int prot)
{
	for (size_t i = vma_first_above(s); i < nvma && vmas[i].start < e; i++) {
		struct lx_vma v = vmas[i];
		uint64_t ps = v.start > s ? v.start : s, pe = v.end < e ? v.end : e;
		if (v.prot == prot)
			continue;
		/* The piece keeps its file, offset and view; hold the name while
		 * the cut may drop the last reference to it. */
		name_get(v.name);
		if (!vma_cut(ps, pe) ||
		    !vma_insert_named(ps, pe, prot, v.flags, v.view, v.off + (ps - v.start), v.name)) {
			name_put(v.name);
			return -LX_ENOMEM;
		}
		i = vma_first_above(ps);
	}
	return 0;
}

/* A shared view that may not write (a file open read-only, a memfd
 * sealed against writes) in [s, e): PROT_WRITE there is EACCES, as
 * mprotect_fixup refuses it without VM_MAYWRITE. */
static bool write_denied(uint64_t s, uint64_t e)
{
	for (size_t i = vma_first_above(s); i < nvma && vmas[i].start < e; i++)
		if (vmas[i].view && !(vmas[i].view->access & FILE_MAP_WRITE))
			return true;
	return false;
}

int64_t lx_mm_protect(uint64_t addr, uint64_t len, int prot)
{
	long r;

	len = LX_PAGE_UP(len);
	if (!in_guest_window(addr, len)) {
		/* The packed image's own pages (RELRO): the loader made them, Windows protects them. */
		DWORD old;
		if (addr >= LXNT_IMAGE_WINDOW_LO && addr + len <= LXNT_IMAGE_WINDOW_HI &&
		    VirtualProtect((void *)(uintptr_t)addr, len, lx_mm_win_protect(prot), &old))
			return 0;
		return -LX_ENOMEM;
	}
	if (!lx_mm_mapped(addr, len))
		return -LX_ENOMEM;
	AcquireSRWLockExclusive(&mm_lock);
	if ((prot & LX_PROT_WRITE) && write_denied(addr, addr + len))
		r = -LX_EACCES;
	else if (prot == LX_PROT_NONE)
		r = lx_mm_set_protection(addr, addr + len, prot);
	else {
		/* Pages of a PROT_NONE area may not be committed yet. */
		r = lx_mm_for_each_region(addr, addr + len, lx_mm_commit_op, NULL);
		if (r == 0)
			r = lx_mm_set_protection(addr, addr + len, prot);
	}
	if (r == 0)
		r = vma_set_prot(addr, addr + len, prot);
	ReleaseSRWLockExclusive(&mm_lock);
	return r;
}

int64_t lx_mm_dontneed(uint64_t addr, uint64_t len)
{
	len = LX_PAGE_UP(len);
	if (!in_guest_window(addr, len) || !lx_mm_mapped(addr, len))
		return -LX_EINVAL;
	AcquireSRWLockExclusive(&mm_lock);
	long r = 0;
	for (size_t i = vma_first_above(addr); r == 0 && i < nvma && vmas[i].start < addr + len; i++) {
		uint64_t s = vmas[i].start > addr ? vmas[i].start : addr;
		uint64_t e = vmas[i].end < addr + len ? vmas[i].end : addr + len;
		/* Private anonymous pages read back as zero (madvise(2)); shared
		 * ones keep their data, which release and commit leave alone. */
		lx_mm_release(s, e);
		r = lx_mm_for_each_region(s, e, lx_mm_commit_op, NULL);
		if (r == 0 && vmas[i].prot != (LX_PROT_READ | LX_PROT_WRITE))
			r = lx_mm_set_protection(s, e, vmas[i].prot);
	}
	ReleaseSRWLockExclusive(&mm_lock);
	return r;
}

int64_t lx_mm_sync(uint64_t addr, uint64_t len)
{
	long r = 0;

	len = LX_PAGE_UP(len);
	if (!in_guest_window(addr, len))
		return -LX_ENOMEM;
	AcquireSRWLockShared(&mm_lock);
	for (size_t i = vma_first_above(addr); r == 0 && i < nvma && vmas[i].start < addr + len; i++) {
		uint64_t s = vmas[i].start > addr ? vmas[i].start : addr;
		uint64_t e = vmas[i].end < addr + len ? vmas[i].end : addr + len;
		/* Anonymous views have no file; private memory has none either. */
		if (vmas[i].view && vmas[i].view->id >> 63 &&
		    !FlushViewOfFile((void *)(uintptr_t)s, e - s))
			r = lx_errno_from_win32(GetLastError());
	}
	ReleaseSRWLockShared(&mm_lock);
	if (r == 0 && !lx_mm_mapped(addr, len))
		r = -LX_ENOMEM;
	return r;
}

static int prot_at(uint64_t addr)
{
	size_t i = vma_first_above(addr);

	return i < nvma && vmas[i].start <= addr ? vmas[i].prot : LX_PROT_NONE;
}

/* Merges the area holding addr with the next one if they are alike, so
 * that a later mremap sees one area. */
static void merge_at(uint64_t addr)
{
	size_t i = vma_first_above(addr);

	if (i + 1 < nvma && vmas[i].end == vmas[i + 1].start && vmas[i].prot == vmas[i + 1].prot &&
	    vmas[i].view == vmas[i + 1].view) {
		vmas[i].end = vmas[i + 1].end;
		memmove(&vmas[i + 1], &vmas[i + 2], (nvma - i - 2) * sizeof(*vmas));
		nvma--;
	}
}

/*
 * Growing shared memory: in place, within its view (the section cannot
 * grow, nor move with the pages other processes map).
 */
static int64_t remap_shared_locked(uint64_t old_addr, uint64_t old_len, uint64_t new_len)
{
	size_t i = vma_first_above(old_addr);
	struct lx_vma v = vmas[i];

	if (old_addr + new_len > v.view->start + LX_PAGE_UP(v.view->bytes) ||
	    !range_free(old_addr + old_len, old_addr + new_len))
		return -LX_ENOMEM;
	long r = lx_mm_set_protection(old_addr + old_len, old_addr + new_len, v.prot);
	if (r == 0 && !vma_insert(old_addr + old_len, old_addr + new_len, v.prot, v.flags, v.view))
		r = -LX_ENOMEM;
	if (r < 0)
		return r;
	merge_at(old_addr);
	return (int64_t)old_addr;
}

int64_t lx_mm_remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags)
{
	old_len = LX_PAGE_UP(old_len);
	new_len = LX_PAGE_UP(new_len);
	if (!lx_mm_mapped(old_addr, old_len) || !in_guest_window(old_addr, old_len))
		return -LX_EFAULT;
	if (new_len <= old_len) {
		if (new_len < old_len)
			lx_mm_unmap(old_addr + new_len, old_len - new_len);
		return (int64_t)old_addr;
	}
	AcquireSRWLockExclusive(&mm_lock);
	size_t at = vma_first_above(old_addr);
	if (at < nvma && vmas[at].view) {
		int64_t r = remap_shared_locked(old_addr, old_len, new_len);
		ReleaseSRWLockExclusive(&mm_lock);
		return r;
	}
	int prot = prot_at(old_addr);
	/* growing in place must not eat the gap kept below the main stack */
	bool grow_here = in_guest_window(old_addr, new_len) &&
	                 (old_addr >= lx_mm_mmap_top || old_addr + new_len <= lx_mm_mmap_top) &&
	                 range_free(old_addr + old_len, old_addr + new_len);
	ReleaseSRWLockExclusive(&mm_lock);
	if (grow_here) {
		int64_t r = lx_mm_map(old_addr + old_len, new_len - old_len, prot,
		                   LX_MAP_PRIVATE | LX_MAP_ANONYMOUS | LX_MAP_FIXED_NOREPLACE, -1, 0);
		if (r >= 0) {
			AcquireSRWLockExclusive(&mm_lock);
			merge_at(old_addr);
			ReleaseSRWLockExclusive(&mm_lock);
			return (int64_t)old_addr;
		}
	}
	if (!(flags & LX_MREMAP_MAYMOVE))
		return -LX_ENOMEM;
	int64_t n = lx_mm_map(0, new_len, LX_PROT_READ | LX_PROT_WRITE, LX_MAP_PRIVATE | LX_MAP_ANONYMOUS, -1, 0);
	if (n < 0)
		return n;
	if (!(prot & LX_PROT_READ))
		lx_mm_protect(old_addr, old_len, prot | LX_PROT_READ);
	memcpy((void *)(uintptr_t)n, (const void *)(uintptr_t)old_addr, old_len);
	if (prot != (LX_PROT_READ | LX_PROT_WRITE))
		lx_mm_protect((uint64_t)n, new_len, prot);
	lx_mm_unmap(old_addr, old_len);
	return n;
}

/*
 * Until the vfs provides lx_vfs_pread_host (declared in lx.h), file
 * mappings fail as for a file that cannot be mapped; the vfs's definition
 * replaces this one at link time.
 */
__attribute__((weak)) long lx_vfs_pread_host(int fd, void *buf, size_t count, int64_t offset)
{
	(void)fd; (void)buf; (void)count; (void)offset;
	return -LX_ENODEV;
}

/* As lx_vfs_pread_host: no vfs, no shared file mappings. */
__attribute__((weak)) long lx_vfs_fd_section(int fd, struct lx_vfs_section *out)
{
	(void)fd; (void)out;
	return -LX_ENODEV;
}

/* As lx_vfs_pread_host: no vfs, no /dev/zero. */
__attribute__((weak)) bool lx_vfs_fd_is_dev_zero(int fd)
{
	(void)fd;
	return false;
}

__attribute__((weak)) bool lx_vfs_fd_is_memfd(int fd)
{
	(void)fd;
	return false;
}

__attribute__((weak)) long lx_vfs_map_name(int fd, char *path, size_t cap, uint64_t *dev,
                                           uint64_t *ino)
{
	(void)fd; (void)path; (void)cap; (void)dev; (void)ino;
	return -LX_ENODEV;
}

void lx_mm_for_each_area(void (*fn)(void *ctx, const struct lx_mm_view *v), void *ctx)
{
	AcquireSRWLockShared(&mm_lock);
	for (size_t i = 0; i < nvma; i++) {
		struct lx_mm_view v = {
			.start = vmas[i].start, .end = vmas[i].end, .prot = vmas[i].prot,
			.flags = vmas[i].flags, .off = vmas[i].off,
			.dev = vmas[i].name ? vmas[i].name->dev : 0,
			.ino = vmas[i].name ? vmas[i].name->ino : 0,
			.path = vmas[i].name ? vmas[i].name->path : NULL,
		};
		fn(ctx, &v);
	}
	ReleaseSRWLockShared(&mm_lock);
}

/* fork (runtime/fork.c): the areas, for the hand-off. */
size_t lx_mm_areas(struct lx_mm_area *out, size_t cap)
{
	size_t n;

	AcquireSRWLockShared(&mm_lock);
	n = nvma;
	for (size_t i = 0; i < nvma && i < cap; i++) {
		const struct lx_shm_view *v = vmas[i].view;
		out[i] = (struct lx_mm_area){ .start = vmas[i].start, .end = vmas[i].end,
		                             .prot = vmas[i].prot, .flags = vmas[i].flags };
		if (v)
			out[i].view = *v;
		if (vmas[i].name) {
			out[i].off = vmas[i].off;
			out[i].dev = vmas[i].name->dev;
			out[i].ino = vmas[i].name->ino;
		}
	}
	ReleaseSRWLockShared(&mm_lock);
	return n;
}

void lx_mm_areas_names(struct lx_handoff_buf *b, uint32_t areas_off, size_t n)
{
	const struct lx_map_name *last = NULL;
	uint32_t last_off = 0;

	AcquireSRWLockShared(&mm_lock);
	for (size_t i = 0; i < n && !b->failed; i++) {
		/* The area as lx_mm_areas saw it; another thread may have
		 * mapped meanwhile, and then the area has no name here. */
		struct lx_mm_area *a = (struct lx_mm_area *)(b->p + areas_off) + i;
		size_t j = vma_first_above(a->start);
		if (j >= nvma || vmas[j].start != a->start || vmas[j].end != a->end || !vmas[j].name)
			continue;
		/* Consecutive areas of one file share the string. */
		uint32_t off = vmas[j].name == last ? last_off : lx_handoff_put_str(b, vmas[j].name->path);
		if (b->failed)
			break;
		last = vmas[j].name;
		last_off = off;
		((struct lx_mm_area *)(b->p + areas_off) + i)->name_off = off;
	}
	ReleaseSRWLockShared(&mm_lock);
}

/* The view a child of fork maps for area a: the one adopted last, or a
 * new one (the areas of one view are consecutive, views taking whole
 * granules of their own). */
static struct lx_shm_view *adopt_view(const struct lx_mm_area *a)
{
	struct lx_shm_view *v = views;

	if (v && v->start == a->view.start)
		return v;
	if (lx_shm_adopt(&a->view, &v) < 0)
		lx_fatal("lxnt: cannot map shared memory inherited through fork");
	v->next = views;
	views = v;
	InterlockedIncrement(&nviews);
	return v;
}

bool lx_mm_shared_key(uint64_t addr, uint64_t *id, uint64_t *off)
{
	bool found = false;

	if (!nviews)
		return false;
	AcquireSRWLockShared(&mm_lock);
	size_t i = vma_first_above(addr);
	if (i < nvma && vmas[i].start <= addr && vmas[i].view) {
		*id = vmas[i].view->id;
		*off = addr - vmas[i].view->start + vmas[i].view->off;
		found = true;
	}
	ReleaseSRWLockShared(&mm_lock);
	return found;
}

/* The name of an area the parent of a fork handed over. */
static struct lx_map_name *name_of_area(const struct lx_mm_area *a, const void *block,
                                        struct lx_map_name *last, uint32_t last_off)
{
	const char *path = (const char *)block + a->name_off;
	struct lx_map_name *n;

	if (!a->name_off)
		return NULL;
	if (last && a->name_off == last_off)
		return name_get(last);
	n = HeapAlloc(GetProcessHeap(), 0, sizeof(*n) + strlen(path) + 1);
	if (!n)
		return NULL; /* shown as anonymous */
	n->refs = 1;
	n->dev = a->dev;
	n->ino = a->ino;
	strcpy(n->path, path);
	return n;
}

/* The child of a fork takes over the areas its parent copied into it. */
void lx_mm_adopt(const struct lx_mm_area *a, size_t n, uint64_t mmap_top, const void *block)
{
	struct lx_map_name *last = NULL;
	uint32_t last_off = 0;

	AcquireSRWLockExclusive(&mm_lock);
	for (size_t i = 0; i < n; i++) {
		struct lx_shm_view *v = a[i].view.section ? adopt_view(&a[i]) : NULL;
		struct lx_map_name *name = name_of_area(&a[i], block, last, last_off);
		if (name) {
			last = name;
			last_off = a[i].name_off;
		}
		if (!vma_insert_named(a[i].start, a[i].end, a[i].prot, a[i].flags, v, a[i].off, name))
			lx_fatal("lxnt: out of memory adopting the address space");
		if (v)
			lx_mm_set_protection(a[i].start, a[i].end, a[i].prot);
		else
			lx_mm_win_adopt(a[i].start, a[i].end);
	}
	lx_mm_mmap_top = mmap_top;
	ReleaseSRWLockExclusive(&mm_lock);
}
