/*
 * ELF files of the rootfs as programs (fs/binfmt_elf.c, load_elf_binary):
 * execve checks a file before its point of no return (runtime/exec.c),
 * and the new process maps it, and the ld.so its PT_INTERP names, through
 * the runtime's memory map at addresses the runtime picks.  Only rewritten
 * position-independent files run: an ET_EXEC file is linked at a fixed
 * address that a Windows process cannot count on (docs/architecture.md,
 * "Address space"), and `lxnt pack` makes it a PE image instead.
 *
 * Also the rule by which the site tables of the objects ld.so maps are
 * registered: a private file mapping at offset 0 of a rewritten ET_DYN
 * file is the first segment of an object (_dl_map_segments maps the whole
 * span that way first), so its table goes into the registry
 * (runtime/image.h) until that first page is unmapped.
 */
#include <windows.h>
#include <string.h>

#include "elfload.h"
#include "handoff.h"
#include "image.h"
#include "lxnt/linux/elf.h"
#include "mman.h"
#include "start.h"
#include "syscall_table.h"

/* Program headers of more than 64 KiB are refused, as by elf_read_phdrs. */
#define ELF_MAX_PHDRS (65536 / sizeof(struct lx_elf64_phdr))

/* Where a file's bytes come from: a Windows handle in execve's caller, a
 * guest fd in the new process and in mmap. */
struct elf_source {
	HANDLE handle;
	int fd;
};

struct elf_object {
	struct lx_elf64_ehdr eh;
	struct lx_elf64_phdr *ph;
	const struct lx_elf64_phdr *sites; /* PT_LXNT_SITES, or NULL */
	const struct lx_elf64_phdr *interp; /* PT_INTERP, or NULL */
	uint64_t lo, hi;                   /* page-aligned span of the PT_LOADs */
};

static long source_read(const struct elf_source *src, void *buf, size_t n, uint64_t off)
{
	if (src->handle) {
		OVERLAPPED ov = { .Offset = (DWORD)off, .OffsetHigh = (DWORD)(off >> 32) };
		DWORD got = 0;
		if (!ReadFile(src->handle, buf, (DWORD)n, &got, &ov) && GetLastError() != ERROR_HANDLE_EOF)
			return lx_errno_from_win32(GetLastError());
		return got == n ? 0 : -LX_ENOEXEC;
	}
	long got = lx_vfs_pread_host(src->fd, buf, n, (int64_t)off);
	if (got < 0)
		return got;
	return (size_t)got == n ? 0 : -LX_ENOEXEC;
}

static void object_free(struct elf_object *o)
{
	if (o->ph)
		HeapFree(GetProcessHeap(), 0, o->ph);
	o->ph = NULL;
}

/* The header of an x86-64 ELF64 file (elf_check_arch and friends). */
static bool header_ok(const struct lx_elf64_ehdr *eh)
{
	return !memcmp(eh->e_ident, "\x7f" "ELF", 4) && eh->e_ident[LX_EI_CLASS] == LX_ELFCLASS64 &&
	       eh->e_ident[LX_EI_DATA] == LX_ELFDATA2LSB && eh->e_machine == LX_EM_X86_64 &&
	       (eh->e_type == LX_ET_EXEC || eh->e_type == LX_ET_DYN) &&
	       eh->e_phentsize == sizeof(struct lx_elf64_phdr) && eh->e_phnum > 0 &&
	       eh->e_phnum <= ELF_MAX_PHDRS;
}

/* The segments: PT_LOADs in order, page-congruent, and the span they take. */
static long segments_ok(struct elf_object *o)
{
	uint64_t prev = 0;
	bool any = false;

	o->lo = UINT64_MAX;
	o->hi = 0;
	for (unsigned i = 0; i < o->eh.e_phnum; i++) {
		const struct lx_elf64_phdr *p = &o->ph[i];
		if (p->p_type == PT_LXNT_SITES)
			o->sites = p;
		if (p->p_type == LX_PT_INTERP)
			o->interp = p;
		if (p->p_type != LX_PT_LOAD || !p->p_memsz)
			continue;
		if (((p->p_vaddr - p->p_offset) & (LX_PAGE_SIZE - 1)) || p->p_filesz > p->p_memsz ||
		    p->p_vaddr + p->p_memsz < p->p_vaddr || p->p_vaddr < prev ||
		    p->p_vaddr + p->p_memsz > (1ULL << 46))
			return -LX_ENOEXEC;
		prev = p->p_vaddr + p->p_memsz;
		if (!any || (p->p_vaddr & ~(LX_PAGE_SIZE - 1)) < o->lo)
			o->lo = p->p_vaddr & ~(LX_PAGE_SIZE - 1);
		o->hi = LX_PAGE_UP(prev);
		any = true;
	}
	return any ? 0 : -LX_ENOEXEC;
}

/* Reads and checks the file header and the program headers. */
static long object_read(const struct elf_source *src, struct elf_object *o)
{
	long r;

	memset(o, 0, sizeof(*o));
	if ((r = source_read(src, &o->eh, sizeof(o->eh), 0)) < 0)
		return r;
	if (!header_ok(&o->eh))
		return -LX_ENOEXEC;
	size_t bytes = (size_t)o->eh.e_phnum * sizeof(*o->ph);
	o->ph = HeapAlloc(GetProcessHeap(), 0, bytes);
	if (!o->ph)
		return -LX_ENOMEM;
	r = source_read(src, o->ph, bytes, o->eh.e_phoff);
	if (r == 0)
		r = segments_ok(o);
	if (r < 0)
		object_free(o);
	return r;
}

/* The file offset of vaddr, through the PT_LOAD that holds it; 0 if none. */
static uint64_t offset_of_vaddr(const struct elf_object *o, uint64_t vaddr, uint64_t n)
{
	for (unsigned i = 0; i < o->eh.e_phnum; i++) {
		const struct lx_elf64_phdr *p = &o->ph[i];
		if (p->p_type == LX_PT_LOAD && vaddr >= p->p_vaddr && vaddr - p->p_vaddr + n <= p->p_filesz)
			return p->p_offset + (vaddr - p->p_vaddr);
	}
	return 0;
}

/* The site header of a rewritten file, read from the file; -LX_ENOEXEC
 * with a message naming the fix when it is missing or of another version. */
static long site_header_read(const struct elf_source *src, const struct elf_object *o,
                             const char *path, struct lxnt_site_header *h)
{
	if (!o->sites) {
		lx_log("lxnt: %s is a Linux ELF file that was not rewritten: convert the root with "
		       "`lxnt convert`, or pack the program with `lxnt pack`", path);
		return -LX_ENOEXEC;
	}
	if (o->sites->p_filesz < sizeof(*h) || source_read(src, h, sizeof(*h), o->sites->p_offset) < 0 ||
	    memcmp(h->magic, LXNT_SITE_MAGIC, 8) != 0 || h->version != LXNT_SITE_VERSION) {
		lx_log("lxnt: %s was rewritten by another version of lxnt: convert the root again with "
		       "`lxnt convert`", path);
		return -LX_ENOEXEC;
	}
	return 0;
}

/*
 * What load_elf_binary refuses before its point of no return, for one
 * object (the program or its interpreter): not ELF for x86-64, no
 * PT_LOAD; here also ET_EXEC and files that were not rewritten.
 */
static long object_check(const struct elf_source *src, struct elf_object *o, const char *path)
{
	struct lxnt_site_header h;
	long r = object_read(src, o);

	if (r < 0)
		return r;
	if (o->eh.e_type == LX_ET_EXEC) {
		lx_log("lxnt: %s is linked at a fixed address (ET_EXEC): run it packed with `lxnt pack`",
		       path);
		r = -LX_ENOEXEC;
	}
	if (r == 0)
		r = site_header_read(src, o, path, &h);
	if (r == 0 && o->interp && (o->interp->p_filesz < 2 || o->interp->p_filesz > LX_PATH_MAX))
		r = -LX_ENOEXEC;
	if (r < 0)
		object_free(o);
	return r;
}

/* PT_INTERP's path, NUL-terminated within the segment (else ENOEXEC). */
static long interp_read(const struct elf_source *src, const struct elf_object *o, char *out)
{
	long r = source_read(src, out, o->interp->p_filesz, o->interp->p_offset);

	if (r == 0 && out[o->interp->p_filesz - 1] != '\0')
		r = -LX_ENOEXEC;
	return r;
}

static long check_file(const struct lx_exec_file *xf, char *interp)
{
	struct elf_source src = { .fd = -1 };
	struct elf_object o;
	long r;

	src.handle = CreateFileW(xf->win_path, GENERIC_READ,
	                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
	                         OPEN_EXISTING, 0, NULL);
	if (src.handle == INVALID_HANDLE_VALUE)
		return lx_errno_from_win32(GetLastError());
	r = object_check(&src, &o, xf->linux_path);
	interp[0] = '\0';
	if (r == 0) {
		if (o.interp)
			r = interp_read(&src, &o, interp);
		object_free(&o);
	}
	CloseHandle(src.handle);
	return r;
}

long lx_elf_exec_check(const struct lx_exec_file *xf)
{
	char *interp = HeapAlloc(GetProcessHeap(), 0, LX_PATH_MAX);
	struct lx_exec_file *ixf = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*ixf));
	long r = interp && ixf ? check_file(xf, interp) : -LX_ENOMEM;

	/* The interpreter is opened as open_exec opens it: execute
	 * permission, a regular file; then it must be rewritten too, and be
	 * no program with an interpreter of its own (ELIBBAD on Linux is for
	 * a.out; an ELF interpreter with PT_INTERP is simply ENOEXEC here). */
	if (r == 0 && interp[0]) {
		r = lx_vfs_exec_probe(LX_AT_FDCWD, interp, 0, ixf);
		if (r == 0) {
			r = check_file(ixf, interp);
			if (r == 0 && interp[0])
				r = -LX_ENOEXEC;
			free(ixf->win_path);
		}
	}
	if (interp)
		HeapFree(GetProcessHeap(), 0, interp);
	if (ixf)
		HeapFree(GetProcessHeap(), 0, ixf);
	return r;
}

static int prot_of(uint32_t flags)
{
	return ((flags & LX_PF_R) ? LX_PROT_READ : 0) | ((flags & LX_PF_W) ? LX_PROT_WRITE : 0) |
	       ((flags & LX_PF_X) ? LX_PROT_EXEC : 0);
}

/*
 * One PT_LOAD at bias, as elf_map and padzero do: the file's pages, the
 * rest of the last file page zeroed where the segment has bss, anonymous
 * pages for the bss beyond it; written first, then given their protection.
 */
static long map_segment(int fd, const struct lx_elf64_phdr *p, uint64_t bias)
{
	uint64_t start = (bias + p->p_vaddr) & ~(LX_PAGE_SIZE - 1);
	uint64_t file_end = bias + p->p_vaddr + p->p_filesz;
	uint64_t file_map_end = LX_PAGE_UP(file_end), end = LX_PAGE_UP(bias + p->p_vaddr + p->p_memsz);
	int rw = LX_PROT_READ | LX_PROT_WRITE;
	int64_t r = 0;

	if (p->p_filesz) {
		r = lx_mm_map(start, file_map_end - start, rw, LX_MAP_PRIVATE | LX_MAP_FIXED, fd,
		              (int64_t)(p->p_offset & ~(LX_PAGE_SIZE - 1)));
		if (r >= 0 && p->p_memsz > p->p_filesz)
			memset((void *)(uintptr_t)file_end, 0, file_map_end - file_end);
	} else {
		file_map_end = start;
	}
	if (r >= 0 && end > file_map_end)
		r = lx_mm_map(file_map_end, end - file_map_end, rw,
		              LX_MAP_PRIVATE | LX_MAP_ANONYMOUS | LX_MAP_FIXED, -1, 0);
	if (r >= 0 && prot_of(p->p_flags) != rw)
		r = lx_mm_protect(start, end - start, prot_of(p->p_flags));
	return r < 0 ? (long)r : 0;
}

/* Maps object o of fd where the map has room for its span; *bias gets its
 * load bias.  Its site table registers itself (lx_elf_note_map). */
static long map_object(int fd, const struct elf_object *o, uint64_t *bias)
{
	int64_t base = lx_mm_map(0, o->hi - o->lo, LX_PROT_NONE,
	                         LX_MAP_PRIVATE | LX_MAP_ANONYMOUS, -1, 0);
	long r = 0;

	if (base < 0)
		return (long)base;
	/* The span was free; only the segments are mapped, not the holes. */
	lx_mm_unmap((uint64_t)base, o->hi - o->lo);
	*bias = (uint64_t)base - o->lo;
	for (unsigned i = 0; r == 0 && i < o->eh.e_phnum; i++)
		if (o->ph[i].p_type == LX_PT_LOAD && o->ph[i].p_memsz)
			r = map_segment(fd, &o->ph[i], *bias);
	return r;
}

static int open_file(const char *path)
{
	struct lx_syscall sc = { .nr = 257, .arg = { LX_AT_FDCWD, (int64_t)(uintptr_t)path,
	                                             LX_O_RDONLY | LX_O_CLOEXEC, 0 } };

	return (int)lx_sys_openat(&sc);
}

static void close_file(int fd)
{
	struct lx_syscall sc = { .nr = 3, .arg = { fd } };

	lx_sys_close(&sc);
}

/* Opens, reads and maps one object (ends the process if it cannot: past
 * execve's point of no return, as load_elf_binary's SIGSEGV); interp, if
 * not NULL, gets its PT_INTERP. */
static void load_object(const char *path, struct elf_object *o, uint64_t *bias, char *interp)
{
	int fd = open_file(path);
	struct elf_source src = { .fd = fd };
	long r;

	if (fd < 0)
		lx_fatal("lxnt: execve: cannot open %s (error %d)", path, -fd);
	r = object_read(&src, o);
	if (r == 0 && interp && o->interp)
		r = interp_read(&src, o, interp);
	if (r == 0)
		r = map_object(fd, o, bias);
	close_file(fd);
	if (r < 0)
		lx_fatal("lxnt: execve: cannot map %s (error %ld)", path, -r);
}

/* AT_PHDR: the program headers in memory, where the PT_LOAD holding
 * e_phoff puts them (load_elf_binary's phdr_addr). */
static uint64_t phdr_in_memory(const struct elf_object *o, uint64_t bias)
{
	uint64_t bytes = (uint64_t)o->eh.e_phnum * sizeof(struct lx_elf64_phdr);

	for (unsigned i = 0; i < o->eh.e_phnum; i++) {
		const struct lx_elf64_phdr *p = &o->ph[i];
		if (p->p_type == LX_PT_LOAD && o->eh.e_phoff >= p->p_offset &&
		    o->eh.e_phoff - p->p_offset + bytes <= p->p_filesz)
			return bias + p->p_vaddr + (o->eh.e_phoff - p->p_offset);
	}
	return 0;
}

void lx_elf_exec_load(const char *path)
{
	struct elf_object exe, ld;
	char *interp = HeapAlloc(GetProcessHeap(), 0, LX_PATH_MAX);
	uint64_t bias, ld_bias;

	if (!interp)
		lx_fatal("lxnt: out of memory at start-up");
	interp[0] = '\0';
	/* The packed program does not run: its table goes, and nothing of
	 * its image shows in /proc/self/maps (runtime/proc_info.c). */
	lx_sites_forget_all();
	lx_stack_reserve();
	load_object(path, &exe, &bias, interp);
	lx_image.elf_file = true;
	lx_image.bias = bias;
	lx_image.entry = bias + exe.eh.e_entry;
	lx_image.phdr = phdr_in_memory(&exe, bias);
	lx_image.phnum = exe.eh.e_phnum;
	lx_image.phent = exe.eh.e_phentsize;
	lx_image.interp_base = 0;
	lx_image.start = lx_image.entry;
	if (exe.interp) {
		load_object(interp, &ld, &ld_bias, NULL);
		lx_image.interp_base = ld_bias;
		lx_image.start = ld_bias + ld.eh.e_entry;
		object_free(&ld);
	}
	object_free(&exe);
	HeapFree(GetProcessHeap(), 0, interp);
}

void lx_elf_note_map(int fd, uint64_t addr)
{
	struct elf_source src = { .fd = fd };
	struct elf_object o;
	struct lxnt_site_header h;
	uint64_t bias = 0, table_off;
	bool first = false;

	if (object_read(&src, &o) < 0)
		return;
	if (o.eh.e_type != LX_ET_DYN || !o.sites || o.sites->p_filesz < sizeof(h) ||
	    source_read(&src, &h, sizeof(h), o.sites->p_offset) < 0 ||
	    memcmp(h.magic, LXNT_SITE_MAGIC, 8) != 0 || h.version != LXNT_SITE_VERSION)
		goto out;
	/* The mapping at offset 0 is the PT_LOAD whose pages start the file. */
	for (unsigned i = 0; i < o.eh.e_phnum && !first; i++) {
		if (o.ph[i].p_type == LX_PT_LOAD && o.ph[i].p_offset < LX_PAGE_SIZE) {
			bias = addr - (o.ph[i].p_vaddr & ~(LX_PAGE_SIZE - 1));
			first = true;
		}
	}
	size_t bytes = (size_t)h.site_count * sizeof(struct lxnt_site);
	table_off = offset_of_vaddr(&o, h.sites_vaddr, bytes);
	if (!first || !table_off)
		goto out;
	struct lxnt_site *copy = HeapAlloc(GetProcessHeap(), 0, bytes ? bytes : 1);
	if (copy && source_read(&src, copy, bytes, table_off) == 0)
		lx_sites_add(bias + o.lo, bias + o.hi, bias, bias + h.sites_vaddr, copy, h.site_count,
		             true);
	else if (copy)
		HeapFree(GetProcessHeap(), 0, copy);
out:
	object_free(&o);
}
