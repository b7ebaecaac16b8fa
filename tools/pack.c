/*
 * lxnt pack IN -o OUT.exe [--runtime PATH] [--no-rewrite] [--force-trap] [--no-verify]
 *
 * Builds one self-contained Windows executable from an ELF64 x86-64 file
 * (include/lxnt/pack.h): the runtime PE template keeps its headers and
 * sections; after them come NOACCESS filler up to the ELF's first page, the
 * ELF's PT_LOAD pages as sections at load_bias + p_vaddr, and a ".lxnt"
 * section with struct lxnt_pack_header and the rewritten ELF file.
 * The Windows loader maps an image at its preferred base, so the ELF's
 * pages land at their link addresses.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxnt/layout.h"
#include "lxnt/linux/elf.h"
#include "lxnt/pack.h"
#include "lxnt/sitetab.h"
#include "pack.h"
#include "pe.h"
#include "rewrite.h"

#define PAGE 0x1000ULL
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))



/* The ELF to pack, after rewriting, with the layout pack needs. */
struct elf_in {
	const char *path;
	uint8_t *data;
	size_t size;
	const struct lx_elf64_ehdr *eh;
	const struct lx_elf64_phdr *ph;
	uint64_t bias, lo, hi; /* biased, page-aligned [lo, hi) */
	uint64_t phdr_vaddr;   /* unbiased */
	uint32_t flags;        /* LXNT_PACK_F_* */
	bool force_trap;       /* rewrite with every site on the trap rung */
	bool no_verify;        /* skip lxnt verify of the rewritten file */
};

static int check_elf_header(const uint8_t *d, size_t n, const char *path, struct pe_error *e)
{
	const struct lx_elf64_ehdr *eh = (const void *)d;

	if (n < 4 || memcmp(d, "\177ELF", 4) != 0)
		return pe_fail(e, "%s: not an ELF file", path);
	if (n < sizeof(*eh))
		return pe_fail(e, "%s: truncated ELF header", path);
	if (d[LX_EI_CLASS] != LX_ELFCLASS64)
		return pe_fail(e, "%s: 32-bit ELF files are not supported", path);
	if (d[LX_EI_DATA] != LX_ELFDATA2LSB || eh->e_machine != LX_EM_X86_64)
		return pe_fail(e, "%s: not an x86-64 ELF file", path);
	if (eh->e_type != LX_ET_EXEC && eh->e_type != LX_ET_DYN)
		return pe_fail(e, "%s: not an executable (ELF type %u)", path, eh->e_type);
	if (eh->e_phentsize != sizeof(struct lx_elf64_phdr) ||
	    eh->e_phoff > n || (n - eh->e_phoff) / sizeof(struct lx_elf64_phdr) < eh->e_phnum)
		return pe_fail(e, "%s: truncated program headers", path);
	/* The gABI aligns every structure of the file naturally, and the
	 * program headers are read in place (misaligned e_phoff found by
	 * fuzzing). */
	if (eh->e_phoff % _Alignof(struct lx_elf64_phdr))
		return pe_fail(e, "%s: misaligned program headers (e_phoff %#llx)", path,
		            (unsigned long long)eh->e_phoff);
	return 0;
}

static bool has_sites(const uint8_t *d)
{
	const struct lx_elf64_ehdr *eh = (const void *)d;
	const struct lx_elf64_phdr *ph = (const void *)(d + eh->e_phoff);

	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LXNT_SITES)
			return true;
	return false;
}

/*
 * Takes the n-byte file raw (freed on failure) and rewrites it unless it
 * already is, or unless told not to.
 */
static int take_elf(struct elf_in *elf, uint8_t *raw, size_t n, bool no_rewrite, struct pe_error *e)
{
	char err[512];

	if (check_elf_header(raw, n, elf->path, e)) {
		free(raw);
		return -1;
	}
	if (no_rewrite) {
		elf->flags |= LXNT_PACK_F_UNPATCHED;
	} else if (!has_sites(raw)) {
		struct lxnt_rewrite_options opt = { .force_trap = elf->force_trap,
			.no_verify = elf->no_verify };
		struct lxnt_rewrite_report rep;
		uint8_t *out;
		size_t outn;
		if (lxnt_rewrite_image(raw, n, elf->path, &opt, &out, &outn, &rep, err, sizeof(err))) {
			free(raw);
			return pe_fail(e, "%s", err);
		}
		free(raw);
		raw = out;
		n = outn;
		if (check_elf_header(raw, n, elf->path, e)) {
			free(raw);
			return -1;
		}
	}
	elf->data = raw;
	elf->size = n;
	elf->eh = (const void *)raw;
	elf->ph = (const void *)(raw + elf->eh->e_phoff);
	return 0;
}

/* Reads IN and takes it as above. */
static int load_elf(struct elf_in *elf, bool no_rewrite, struct pe_error *e)
{
	char err[512];
	uint8_t *raw;
	size_t n;

	if (lxnt_read_file(elf->path, &raw, &n, err, sizeof(err)))
		return pe_fail(e, "%s", err);
	return take_elf(elf, raw, n, no_rewrite, e);
}

/* Load bias, page range and the in-memory address of the program headers. */
static int lay_out_elf(struct elf_in *elf, struct pe_error *e)
{
	const struct lx_elf64_ehdr *eh = elf->eh;
	uint64_t lo = UINT64_MAX, hi = 0;
	bool interp = false;

	elf->phdr_vaddr = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct lx_elf64_phdr *p = &elf->ph[i];
		if (p->p_type == LX_PT_INTERP)
			interp = true;
		if (p->p_type != LX_PT_LOAD || p->p_memsz == 0)
			continue;
		if (p->p_filesz > p->p_memsz || p->p_offset > elf->size || elf->size - p->p_offset < p->p_filesz)
			return pe_fail(e, "%s: PT_LOAD %u lies outside the file", elf->path, i);
		if ((p->p_vaddr - p->p_offset) % PAGE)
			return pe_fail(e, "%s: PT_LOAD %u is not page-congruent", elf->path, i);
		/* Rounded up to a page, an end in the last page wrapped to 0 and
		 * left hi below lo (found by fuzzing). */
		if (p->p_vaddr + p->p_memsz < p->p_vaddr || p->p_vaddr + p->p_memsz > UINT64_MAX - PAGE)
			return pe_fail(e, "%s: PT_LOAD %u wraps around", elf->path, i);
		if (PAGE_DOWN(p->p_vaddr) < lo)
			lo = PAGE_DOWN(p->p_vaddr);
		if (PAGE_UP(p->p_vaddr + p->p_memsz) > hi)
			hi = PAGE_UP(p->p_vaddr + p->p_memsz);
		if (eh->e_phoff >= p->p_offset && eh->e_phoff - p->p_offset < p->p_filesz)
			elf->phdr_vaddr = p->p_vaddr + (eh->e_phoff - p->p_offset);
	}
	if (hi == 0)
		return pe_fail(e, "%s: no PT_LOAD segment", elf->path);
	if (eh->e_type == LX_ET_DYN && interp)
		return pe_fail(e, "%s: a dynamically linked program cannot be packed (it needs ld.so and a rootfs)", elf->path);
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (elf->ph[i].p_type == LX_PT_PHDR)
			elf->phdr_vaddr = elf->ph[i].p_vaddr;
	if (!elf->phdr_vaddr)
		return pe_fail(e, "%s: the program headers are not in a loaded segment", elf->path);
	/* static-pie goes where a non-PIE program would be linked. */
	elf->bias = eh->e_type == LX_ET_DYN ? LXNT_IMAGE_WINDOW_LO - lo : 0;
	elf->lo = lo + elf->bias;
	elf->hi = hi + elf->bias;
	if (elf->lo < LXNT_IMAGE_WINDOW_LO || elf->lo >= elf->hi || elf->hi > LXNT_IMAGE_WINDOW_HI)
		return pe_fail(e, "%s: its address range 0x%llx-0x%llx is outside the image window 0x%llx-0x%llx",
		            elf->path, (unsigned long long)elf->lo, (unsigned long long)elf->hi,
		            (unsigned long long)LXNT_IMAGE_WINDOW_LO, (unsigned long long)LXNT_IMAGE_WINDOW_HI);
	return 0;
}

/*
 * The memory image of [lo, hi) as the Linux loader leaves it
 * (fs/binfmt_elf.c): each PT_LOAD maps whole file pages over its page
 * range, in program-header order, so a later segment's mapping replaces a
 * shared page; where memsz > filesz the rest of the last file page and the
 * pages after it are zero.  prot[] gets the union of the protections of the
 * segments that touch each page.
 */
static int build_memory(const struct elf_in *elf, uint8_t **mem_out, uint8_t **prot_out, struct pe_error *e)
{
	size_t len = elf->hi - elf->lo, pages = len / PAGE;
	uint8_t *mem = calloc(1, len), *prot = calloc(1, pages);

	if (!mem || !prot) {
		free(mem);
		free(prot);
		return pe_fail(e, "%s: out of memory", elf->path);
	}
	for (unsigned i = 0; i < elf->eh->e_phnum; i++) {
		const struct lx_elf64_phdr *p = &elf->ph[i];
		if (p->p_type != LX_PT_LOAD || p->p_memsz == 0)
			continue;
		uint64_t va = p->p_vaddr + elf->bias;
		uint64_t start = PAGE_DOWN(va), fstart = PAGE_DOWN(p->p_offset);
		uint64_t file_end_va = va + p->p_filesz;
		uint64_t map_end = p->p_memsz > p->p_filesz ? file_end_va : PAGE_UP(file_end_va);
		/* Whole runs at a time: byte by byte, a segment as large as the
		 * image window took seconds (found by fuzzing). */
		uint64_t want = map_end - start;
		uint64_t have = fstart < elf->size ? elf->size - fstart : 0;
		uint64_t copy = want < have ? want : have;
		if (copy)
			memcpy(mem + (start - elf->lo), elf->data + fstart, copy);
		memset(mem + (start - elf->lo) + copy, 0, want - copy);
		/* bss, from the end of the file bytes to the end of the segment's pages */
		memset(mem + (map_end - elf->lo), 0, PAGE_UP(va + p->p_memsz) - map_end);
		for (uint64_t a = start; a < PAGE_UP(va + p->p_memsz); a += PAGE)
			prot[(a - elf->lo) / PAGE] |= (uint8_t)(p->p_flags & (LX_PF_R | LX_PF_W | LX_PF_X)) | 0x80;
	}
	*mem_out = mem;
	*prot_out = prot;
	return 0;
}

static uint32_t section_flags(uint8_t prot)
{
	uint32_t c = 0;

	if (prot & LX_PF_X)
		c |= PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE | PE_SCN_MEM_READ;
	if (prot & LX_PF_R)
		c |= PE_SCN_MEM_READ;
	if (prot & LX_PF_W)
		c |= PE_SCN_MEM_WRITE | PE_SCN_MEM_READ;
	if (!(c & PE_SCN_CNT_CODE))
		c |= PE_SCN_CNT_INITIALIZED_DATA;
	return c;
}

/* Bytes of data worth storing: trailing zero bytes become virtual size. */
static uint64_t trimmed(const uint8_t *d, uint64_t n)
{
	while (n && d[n - 1] == 0)
		n--;
	return n;
}

/* One section per run of pages with equal protection; holes become filler. */
static int add_elf_sections(struct pe_out *pe, const struct elf_in *elf, const uint8_t *mem,
                            const uint8_t *prot, struct pe_error *e)
{
	size_t pages = (elf->hi - elf->lo) / PAGE;

	for (size_t i = 0; i < pages;) {
		size_t j = i;
		while (j < pages && prot[j] == prot[i])
			j++;
		uint64_t va = elf->lo + i * PAGE, len = (j - i) * PAGE;
		int r = prot[i] ? pe_add_section(pe, ".lxelf", va, len, mem + i * PAGE,
		                              trimmed(mem + i * PAGE, len), section_flags(prot[i]), e)
		                : pe_add_filler(pe, va, va + len, e);
		if (r)
			return r;
		i = j;
	}
	return 0;
}

int lxnt_pack_check_elf(const char *name, const uint8_t *data, size_t n, bool no_rewrite,
                        char *msg, size_t msglen)
{
	struct elf_in elf = { .path = name };
	struct pe_error e;
	uint8_t *raw = malloc(n ? n : 1), *mem = NULL, *prot = NULL;
	int r;

	if (!raw)
		r = pe_fail(&e, "%s: out of memory", name);
	else {
		memcpy(raw, data, n);
		r = take_elf(&elf, raw, n, no_rewrite, &e);
	}
	if (r == 0)
		r = lay_out_elf(&elf, &e);
	if (r == 0)
		r = build_memory(&elf, &mem, &prot, &e);
	if (r && msg && msglen)
		snprintf(msg, msglen, "%s", e.msg);
	free(elf.data);
	free(mem);
	free(prot);
	return r;
}

/* $LXNT_RUNTIME, else <dir of this program>/../runtime/lxnt-runtime.exe. */
static const char *default_runtime(char *buf, size_t n)
{
	const char *env = getenv("LXNT_RUNTIME");
	char self[PATH_MAX];
	ssize_t len;

	if (env && *env)
		return env;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return "lxnt-runtime.exe";
	self[len] = '\0';
	snprintf(buf, n, "%s/../runtime/lxnt-runtime.exe", dirname(self));
	return buf;
}

static int pack(const char *in, const char *out_path, const char *runtime, bool no_rewrite,
                bool force_trap, bool no_verify, struct pe_error *e)
{
	struct elf_in elf = { .path = in, .force_trap = force_trap, .no_verify = no_verify };
	struct pe_out pe = { 0 };
	uint8_t *mem = NULL, *prot = NULL, *lxnt = NULL;
	FILE *out = NULL;
	int r = -1;

	if (load_elf(&elf, no_rewrite, e) || lay_out_elf(&elf, e) || build_memory(&elf, &mem, &prot, e) ||
	    pe_load_template(runtime, &pe, e))
		goto done;
	if (pe_template_end(&pe) > elf.lo) {
		pe_fail(e, "%s: its first page 0x%llx overlaps the runtime image (ends at 0x%llx)", in,
		     (unsigned long long)elf.lo, (unsigned long long)pe_template_end(&pe));
		goto done;
	}

	struct lxnt_pack_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, LXNT_PACK_MAGIC, 8);
	h.version = LXNT_PACK_VERSION;
	h.flags = elf.flags;
	h.load_bias = elf.bias;
	h.entry = elf.eh->e_entry;
	h.phdr_vaddr = elf.phdr_vaddr;
	h.phnum = elf.eh->e_phnum;
	h.phentsize = elf.eh->e_phentsize;
	h.image_lo = elf.lo;
	h.image_hi = elf.hi;
	h.elf_offset = sizeof(h);
	h.elf_size = elf.size;
	char base[PATH_MAX];
	snprintf(base, sizeof(base), "%s", in);
	snprintf(h.name, sizeof(h.name), "%s", basename(base));
	uint64_t lxnt_size = sizeof(h) + elf.size;
	lxnt = malloc(lxnt_size);
	if (!lxnt) {
		pe_fail(e, "%s: out of memory", in);
		goto done;
	}
	memcpy(lxnt, &h, sizeof(h));
	memcpy(lxnt + sizeof(h), elf.data, elf.size);

	if (pe_add_filler(&pe, pe_template_end(&pe), elf.lo, e) || add_elf_sections(&pe, &elf, mem, prot, e) ||
	    pe_add_section(&pe, LXNT_PACK_SECTION, elf.hi, PAGE_UP(lxnt_size), lxnt, lxnt_size,
	                PE_SCN_CNT_INITIALIZED_DATA | PE_SCN_MEM_READ, e))
		goto done;
	if (elf.hi + PAGE_UP(lxnt_size) > LXNT_IMAGE_WINDOW_HI) {
		pe_fail(e, "%s: too large for the image window", in);
		goto done;
	}

	/* The PE is built in memory and written in one go by the rewriter's
	 * atomic writer: no partial output, ever. */
	char *image = NULL;
	size_t image_size = 0;
	out = open_memstream(&image, &image_size);
	if (!out) {
		pe_fail(e, "%s: %s", out_path, strerror(errno));
		goto done;
	}
	int emitted = pe_emit(&pe, out, out_path, e);
	if (fclose(out) != 0 && emitted == 0) {
		pe_fail(e, "%s: out of memory", out_path);
		emitted = -1;
	}
	out = NULL;
	if (emitted == 0 &&
	    lxnt_write_file(out_path, (const uint8_t *)image, image_size, 0755, e->msg, sizeof(e->msg)))
		emitted = -1;
	free(image);
	if (emitted)
		goto done;
	r = 0;
done:
	if (out)
		fclose(out);
	free(elf.data);
	free(mem);
	free(prot);
	free(lxnt);
	pe_free(&pe);
	return r;
}

int lxnt_cmd_pack(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *runtime = NULL;
	bool no_rewrite = false, force_trap = false, no_verify = false;
	char buf[PATH_MAX];
	struct pe_error e;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--runtime") == 0 && i + 1 < argc)
			runtime = argv[++i];
		else if (strcmp(argv[i], "--no-rewrite") == 0)
			no_rewrite = true;
		else if (strcmp(argv[i], "--force-trap") == 0)
			force_trap = true;
		else if (strcmp(argv[i], "--no-verify") == 0)
			no_verify = true;
		else if (argv[i][0] != '-' && !in)
			in = argv[i];
		else
			in = NULL, out = NULL, i = argc;
	}
	if (!in || !out) {
		fprintf(stderr, "usage: lxnt pack IN -o OUT.exe [--runtime PATH] [--no-rewrite] [--force-trap] [--no-verify]\n");
		return 2;
	}
	if (!runtime)
		runtime = default_runtime(buf, sizeof(buf));
	if (pack(in, out, runtime, no_rewrite, force_trap, no_verify, &e)) {
		fprintf(stderr, "lxnt pack: %s\n", e.msg);
		return 1;
	}
	return 0;
}
