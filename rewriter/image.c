/*
 * Opening and checking the input ELF file (the ELF-64 Object File Format and
 * the System V x86-64 psABI), and finding the code that the sweep decodes.
 */
#include "rw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rw_error(struct rw_image *im, const char *fmt, ...)
{
	if (im->err && im->errlen) {
		int n = snprintf(im->err, im->errlen, "%s: ", im->name);
		if (n >= 0 && (size_t)n < im->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(im->err + n, im->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

static int check_ident(struct rw_image *im)
{
	const uint8_t *d = im->data;
	if (im->size < EI_NIDENT || memcmp(d, ELFMAG, SELFMAG) != 0)
		return rw_error(im, "not an ELF file");
	if (d[EI_CLASS] == ELFCLASS32)
		return rw_error(im, "32-bit ELF is not supported (need ELF64 x86-64)");
	if (d[EI_CLASS] != ELFCLASS64 || d[EI_DATA] != ELFDATA2LSB)
		return rw_error(im, "not a little-endian ELF64 file");
	if (im->size < sizeof(Elf64_Ehdr))
		return rw_error(im, "truncated ELF header");
	return 0;
}

static int in_file(const struct rw_image *im, uint64_t off, uint64_t len)
{
	return off <= im->size && len <= im->size - off;
}

static int read_phdrs(struct rw_image *im)
{
	if (elf_getphdrnum(im->elf, &im->phnum) != 0 || im->phnum == 0)
		return rw_error(im, "no program headers (not an executable)");
	if (im->ehdr.e_phentsize != sizeof(Elf64_Phdr))
		return rw_error(im, "unexpected program header size %u",
			im->ehdr.e_phentsize);
	if (!in_file(im, im->ehdr.e_phoff, (uint64_t)im->phnum * sizeof(Elf64_Phdr)))
		return rw_error(im, "truncated: program headers lie past the end of the file");
	im->phdr = calloc(im->phnum, sizeof(*im->phdr));
	if (!im->phdr)
		return rw_error(im, "out of memory");
	im->sites_phdr = -1;
	for (size_t i = 0; i < im->phnum; i++) {
		GElf_Phdr *p = &im->phdr[i];
		if (!gelf_getphdr(im->elf, (int)i, p))
			return rw_error(im, "bad program header %zu: %s", i, elf_errmsg(-1));
		if (p->p_type == PT_LOAD && !in_file(im, p->p_offset, p->p_filesz))
			return rw_error(im, "truncated: segment %zu lies past the end of the file", i);
		if (p->p_type == PT_LXNT_SITES)
			im->sites_phdr = (int)i;
	}
	return 0;
}

static int add_region(struct rw_image *im, uint64_t vaddr, uint64_t off, uint64_t size)
{
	/* Code that ends past 2^64 would wrap code_hi below code_lo. */
	if (vaddr + size < vaddr)
		return rw_error(im, "code at %#llx wraps around the address space",
			(unsigned long long)vaddr);
	struct rw_region *r = realloc(im->code, (im->ncode + 1) * sizeof(*r));
	if (!r)
		return rw_error(im, "out of memory");
	im->code = r;
	im->code[im->ncode++] = (struct rw_region){ vaddr, off, size };
	if (im->ncode == 1 || vaddr < im->code_lo)
		im->code_lo = vaddr;
	if (vaddr + size > im->code_hi)
		im->code_hi = vaddr + size;
	return 0;
}

/* Executable sections; without section headers, executable segments. */
static int find_code(struct rw_image *im)
{
	Elf_Scn *scn = NULL;
	size_t shnum = 0;
	if (im->ehdr.e_shoff && elf_getshdrnum(im->elf, &shnum) != 0)
		return rw_error(im, "bad section headers: %s", elf_errmsg(-1));
	while (shnum && (scn = elf_nextscn(im->elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return rw_error(im, "bad section header: %s", elf_errmsg(-1));
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0)
			continue;
		if (!in_file(im, sh.sh_offset, sh.sh_size))
			return rw_error(im, "truncated: section at offset %#llx lies past the end of the file",
				(unsigned long long)sh.sh_offset);
		if (add_region(im, sh.sh_addr, sh.sh_offset, sh.sh_size))
			return -1;
	}
	if (im->ncode)
		return 0;
	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];
		if (p->p_type != PT_LOAD || !(p->p_flags & PF_X) || !p->p_filesz)
			continue;
		/* A rewritten file's own segment holds tables and trampolines. */
		if (im->sites_phdr >= 0) {
			uint64_t t = im->phdr[im->sites_phdr].p_vaddr;
			if (t >= p->p_vaddr && t - p->p_vaddr < p->p_memsz)
				continue;
		}
		if (add_region(im, p->p_vaddr, p->p_offset, p->p_filesz))
			return -1;
	}
	if (!im->ncode)
		return rw_error(im, "no executable code");
	return 0;
}

int rw_image_open(struct rw_image *im, const uint8_t *data, size_t n,
	const char *name, char *err, size_t errlen)
{
	memset(im, 0, sizeof(*im));
	im->data = data;
	im->size = n;
	im->name = name;
	im->err = err;
	im->errlen = errlen;
	im->sites_phdr = -1;
	if (check_ident(im))
		return -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return rw_error(im, "libelf: %s", elf_errmsg(-1));
	/* libelf may adjust the buffer it reads, so it gets its own copy. */
	im->elf_copy = malloc(n);
	if (!im->elf_copy)
		return rw_error(im, "out of memory");
	memcpy(im->elf_copy, data, n);
	im->elf = elf_memory((char *)im->elf_copy, n);
	if (!im->elf || elf_kind(im->elf) != ELF_K_ELF || !gelf_getehdr(im->elf, &im->ehdr))
		return rw_error(im, "unreadable ELF file: %s", elf_errmsg(-1));
	if (im->ehdr.e_machine != EM_X86_64)
		return rw_error(im, "not an x86-64 ELF file (e_machine %u)", im->ehdr.e_machine);
	if (im->ehdr.e_type != ET_EXEC && im->ehdr.e_type != ET_DYN)
		return rw_error(im, "not an executable or shared object (e_type %u)",
			im->ehdr.e_type);
	if (read_phdrs(im) || find_code(im))
		return -1;
	ZydisDecoderInit(&im->decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	return 0;
}

void rw_image_close(struct rw_image *im)
{
	if (im->elf)
		elf_end(im->elf);
	free(im->elf_copy);
	free(im->phdr);
	free(im->code);
	rw_addrset_free(&im->targets);
	free(im->fde);
	memset(im, 0, sizeof(*im));
}

/* File offset of vaddr within a code region, or UINT64_MAX. */
uint64_t rw_image_offset(const struct rw_image *im, uint64_t vaddr)
{
	for (size_t i = 0; i < im->ncode; i++) {
		const struct rw_region *r = &im->code[i];
		if (vaddr >= r->vaddr && vaddr - r->vaddr < r->size)
			return r->offset + (vaddr - r->vaddr);
	}
	return UINT64_MAX;
}

/*
 * The n bytes at vaddr if they lie in one code region, else NULL.  Callers
 * that decode ask for up to 15 bytes; near a region's end they get fewer
 * through rw_image_offset and the region bound, so this stays strict.
 */
const uint8_t *rw_image_bytes(const struct rw_image *im, uint64_t vaddr, size_t n)
{
	for (size_t i = 0; i < im->ncode; i++) {
		const struct rw_region *r = &im->code[i];
		if (vaddr >= r->vaddr && vaddr - r->vaddr < r->size &&
		    n <= r->size - (vaddr - r->vaddr))
			return im->data + r->offset + (vaddr - r->vaddr);
	}
	return NULL;
}

/* The n file bytes at vaddr if one PT_LOAD holds them all, else NULL. */
const uint8_t *rw_image_loaded(const struct rw_image *im, uint64_t vaddr, size_t n)
{
	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];
		if (p->p_type == PT_LOAD && vaddr >= p->p_vaddr && vaddr - p->p_vaddr < p->p_filesz &&
		    n <= p->p_filesz - (vaddr - p->p_vaddr))
			return im->data + p->p_offset + (vaddr - p->p_vaddr);
	}
	return NULL;
}
