/*
 * Shared memory of the guest window (mman_shm.h): a MAP_SHARED anonymous
 * mapping (or a shared mapping of /dev/zero, which Linux turns into the
 * same thing, mm/mmap.c) is a pagefile-backed section of its own, mapped
 * as one view.  The section is named through lx_instance_object_name, and
 * the name is its identity in the instance: futexes in shared memory are
 * keyed by (section, offset), as get_futex_key() keys them by (inode,
 * offset).  A child of fork gets a handle of the same section and maps
 * it at the same address (lx_shm_adopt), as Cygwin's fork fixes up its
 * shared mappings in the child.  A view of a sealable memfd that may
 * write holds a handle of the memfd's writer object (vfs/memfd.c), so
 * that the handle count of that object counts the file's writable
 * shared mappings in every process, as i_mmap_writable does.
 */
#include <windows.h>
#include <wchar.h>

#include "lx.h"
#include "instance.h"
#include "mman_shm.h"
#include "mman_win.h"

/* Per process: with the creator's Windows pid, makes names unique. */
static volatile LONG shm_counter;

/*
 * Maps v's part of v's section at v->start, with every page
 * inaccessible: the caller opens the pages that are mapped in Linux's
 * view.  An anonymous view may execute, so that mprotect(PROT_EXEC) can
 * be granted later; a file's may not (the vfs opens no file to execute).
 */
static long map_view(const struct lx_shm_view *v)
{
	DWORD old;
	void *p = MapViewOfFileEx(v->section, v->access, (DWORD)(v->off >> 32), (DWORD)v->off, v->bytes,
	                          (void *)(uintptr_t)v->start);

	if (!p)
		return lx_errno_from_win32(GetLastError());
	if (!VirtualProtect(p, v->bytes, PAGE_NOACCESS, &old)) {
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

/* Maps the view described by *tmpl into a record of its own; the
 * section handle is the record's, or closed on failure. */
static long view_install(const struct lx_shm_view *tmpl, struct lx_shm_view **out)
{
	struct lx_shm_view *v = HeapAlloc(GetProcessHeap(), 0, sizeof(*v));
	long r = v ? map_view(tmpl) : -LX_ENOMEM;

	if (r == 0) {
		*v = *tmpl;
		v->next = NULL;
		*out = v;
		return 0;
	}
	if (v)
		HeapFree(GetProcessHeap(), 0, v);
	CloseHandle(tmpl->section);
	if (tmpl->writer)
		CloseHandle(tmpl->writer);
	return r;
}

long lx_shm_create(uint64_t start, uint64_t end, struct lx_shm_view **out)
{
	struct lx_shm_view v = { .start = start, .end = end, .off = 0, .bytes = end - start,
	                         .access = FILE_MAP_WRITE | FILE_MAP_EXECUTE };

	v.section = create_section(end - start, &v.id);
	if (!v.section)
		return -LX_ENOMEM; /* out of commit charge, or of names */
	return view_install(&v, out);
}

long lx_shm_map_file(const struct lx_vfs_section *file, uint64_t start, uint64_t end, uint64_t off,
                     uint64_t bytes, struct lx_shm_view **out)
{
	struct lx_shm_view v = { .start = start, .end = end, .section = file->section, .id = file->id,
	                         .off = off, .bytes = bytes, .writer = file->writer,
	                         .access = file->writable && !file->sealed ? FILE_MAP_WRITE :
	                                                                     FILE_MAP_READ };

	return view_install(&v, out);
}

long lx_shm_adopt(const struct lx_shm_view *parent, struct lx_shm_view **out)
{
	/* The parent kept the range reserved until now (runtime/fork.c). */
	VirtualFree((void *)(uintptr_t)parent->start, 0, MEM_RELEASE);
	return view_install(parent, out);
}

void lx_shm_file_drop(const struct lx_vfs_section *file)
{
	CloseHandle(file->section);
	if (file->writer)
		CloseHandle(file->writer);
}

void lx_shm_destroy(struct lx_shm_view *v)
{
	UnmapViewOfFile((void *)(uintptr_t)v->start);
	CloseHandle(v->section);
	if (v->writer)
		CloseHandle(v->writer);
	HeapFree(GetProcessHeap(), 0, v);
}
