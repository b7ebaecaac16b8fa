/*
 * Shared memory of the guest window (mman_shm.h): a MAP_SHARED anonymous
 * mapping (or a shared mapping of /dev/zero, which Linux turns into the
 * same thing, mm/mmap.c) is a pagefile-backed section of its own, mapped
 * as one view.  The section is named through lx_instance_object_name, and
 * the name is its identity in the instance: futexes in shared memory are
 * keyed by (section, offset), as get_futex_key() keys them by (inode,
 * offset).  A child of fork gets a handle of the same section and maps
 * it at the same address (lx_shm_adopt), as Cygwin's fork fixes up its
 * shared mappings in the child.
 */
#include <windows.h>
#include <wchar.h>

#include "lx.h"
#include "instance.h"
#include "mman_shm.h"
#include "mman_win.h"

/* Per process: with the creator's Windows pid, makes names unique. */
static volatile LONG shm_counter;

static struct lx_shm_view *view_new(uint64_t start, uint64_t end, HANDLE section, uint64_t id)
{
	struct lx_shm_view *v = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*v));

	if (!v)
		return NULL;
	v->start = start;
	v->end = end;
	v->section = section;
	v->id = id;
	return v;
}

/*
 * Maps the whole section at start, with every page inaccessible: the
 * caller opens the pages that are mapped in Linux's view.  The view may
 * execute, so that mprotect(PROT_EXEC) can be granted later.
 */
static long map_view(HANDLE section, uint64_t start, uint64_t end)
{
	DWORD old;
	void *p = MapViewOfFileEx(section, FILE_MAP_WRITE | FILE_MAP_EXECUTE, 0, 0, end - start,
	                          (void *)(uintptr_t)start);

	if (!p)
		return lx_errno_from_win32(GetLastError());
	if (!VirtualProtect(p, end - start, PAGE_NOACCESS, &old)) {
		long r = lx_errno_from_win32(GetLastError());
		UnmapViewOfFile(p);
		return r;
	}
	return 0;
}

/*
 * A new section with a name nobody in the instance uses: a name that
 * exists already belongs to a section of a process whose Windows pid
 * this one reuses, still alive in that process's children.
 */
static HANDLE create_section(uint64_t size, uint64_t *id)
{
	for (int tries = 0; tries < 64; tries++) {
		wchar_t what[48], name[160];
		uint32_t n = (uint32_t)InterlockedIncrement(&shm_counter);
		*id = (uint64_t)GetCurrentProcessId() << 32 | n;
		swprintf(what, 48, L"shm-%llx", (unsigned long long)*id);
		if (!lx_instance_object_name(what, name, 160))
			return NULL;
		HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_EXECUTE_READWRITE,
		                              (DWORD)(size >> 32), (DWORD)size, name);
		if (!h)
			return NULL;
		if (GetLastError() != ERROR_ALREADY_EXISTS)
			return h;
		CloseHandle(h);
	}
	SetLastError(ERROR_ALREADY_EXISTS);
	return NULL;
}

long lx_shm_create(uint64_t start, uint64_t end, struct lx_shm_view **out)
{
	uint64_t id;
	HANDLE h = create_section(end - start, &id);
	long r;

	if (!h)
		return -LX_ENOMEM; /* out of commit charge, or of names */
	r = map_view(h, start, end);
	if (r == 0) {
		*out = view_new(start, end, h, id);
		if (*out)
			return 0;
		UnmapViewOfFile((void *)(uintptr_t)start);
		r = -LX_ENOMEM;
	}
	CloseHandle(h);
	return r;
}

long lx_shm_adopt(uint64_t start, uint64_t end, uint64_t section, uint64_t id,
                  struct lx_shm_view **out)
{
	HANDLE h = (HANDLE)(uintptr_t)section;

	/* The parent kept the range reserved until now (runtime/fork.c). */
	VirtualFree((void *)(uintptr_t)start, 0, MEM_RELEASE);
	long r = map_view(h, start, end);
	if (r == 0) {
		*out = view_new(start, end, h, id);
		if (*out)
			return 0;
		UnmapViewOfFile((void *)(uintptr_t)start);
		r = -LX_ENOMEM;
	}
	CloseHandle(h);
	return r;
}

void lx_shm_destroy(struct lx_shm_view *v)
{
	UnmapViewOfFile((void *)(uintptr_t)v->start);
	CloseHandle(v->section);
	HeapFree(GetProcessHeap(), 0, v);
}
