/*
 * Known branch targets: addresses where control may arrive from somewhere
 * other than the previous instruction.  A jump patch must not cover one
 * (except at its first byte).  Direct branch targets are added by the sweep
 * (discover.c); this file adds the entry point, symbols, .eh_frame FDE
 * starts and code pointers stored in data (jump tables, function pointer
 * tables, IRELATIVE and RELATIVE relocation addends).
 */
#include "rw.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int add_code_target(struct rw_image *im, uint64_t a)
{
	if (a < im->code_lo || a >= im->code_hi)
		return 0;
	if (rw_addrset_add(&im->targets, a))
		return rw_error(im, "out of memory");
	return 0;
}

static int add_symbols(struct rw_image *im, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d || sh->sh_entsize == 0)
		return 0;
	size_t n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (gelf_getsym(d, (int)i, &sym) && sym.st_shndx != SHN_UNDEF &&
		    add_code_target(im, sym.st_value))
			return -1;
	}
	return 0;
}

static int add_fde_range(struct rw_image *im, uint64_t start, uint64_t range)
{
	if (range == 0)
		return 0;
	if (im->nfde == im->fde_cap) {
		size_t cap = im->fde_cap ? 2 * im->fde_cap : 256;
		struct rw_range *r = realloc(im->fde, cap * sizeof(*r));
		if (!r)
			return rw_error(im, "out of memory");
		im->fde = r;
		im->fde_cap = cap;
	}
	im->fde[im->nfde++] = (struct rw_range){ start, start + range };
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct rw_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The FDE range addr lies in (ranges do not overlap), or NULL. */
const struct rw_range *rw_fde_of(const struct rw_image *im, uint64_t addr)
{
	size_t l = 0, h = im->nfde;
	while (l < h) { /* first range starting after addr */
		size_t m = l + (h - l) / 2;
		if (im->fde[m].lo <= addr)
			l = m + 1;
		else
			h = m;
	}
	return l > 0 && addr < im->fde[l - 1].hi ? &im->fde[l - 1] : NULL;
}

/* Whether addr lies in the range of some FDE. */
int rw_in_fde(const struct rw_image *im, uint64_t addr)
{
	return rw_fde_of(im, addr) != NULL;
}

/* DWARF pointer encodings (LSB 4.1 "DWARF Exception Header Encoding"). */
static int read_encoded(const uint8_t *p, const uint8_t *end, uint8_t enc,
	uint64_t field_vaddr, uint64_t *value, size_t *len)
{
	uint64_t v;
	size_t n;
	switch (enc & 0x0f) {
	case 0x00: n = 8; break; /* DW_EH_PE_absptr */
	case 0x02: case 0x0a: n = 2; break; /* udata2, sdata2 */
	case 0x03: case 0x0b: n = 4; break; /* udata4, sdata4 */
	case 0x04: case 0x0c: n = 8; break; /* udata8, sdata8 */
	default: return -1;
	}
	if ((size_t)(end - p) < n)
		return -1;
	v = 0;
	memcpy(&v, p, n);
	if (n == 2 && (enc & 0x08))
		v = (uint64_t)(int64_t)(int16_t)v;
	if (n == 4 && (enc & 0x08))
		v = (uint64_t)(int64_t)(int32_t)v;
	if ((enc & 0x70) == 0x10) /* DW_EH_PE_pcrel */
		v += field_vaddr;
	else if ((enc & 0x70) != 0)
		return -1; /* datarel etc. do not occur in .eh_frame FDE starts */
	*value = v;
	*len = n;
	return 0;
}

static const uint8_t *skip_uleb(const uint8_t *p, const uint8_t *end)
{
	while (p < end && (*p++ & 0x80))
		;
	return p;
}

static uint64_t read_uleb(const uint8_t **pp, const uint8_t *end)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const uint8_t *p = *pp;
	while (p < end) {
		uint8_t b = *p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*pp = p;
	return v;
}

/* The FDE pointer encoding of a CIE ('R' in a "z" augmentation), or absptr. */
static uint8_t cie_fde_encoding(const uint8_t *cie, const uint8_t *end)
{
	const uint8_t *p = cie;
	uint8_t version = *p++;
	const char *aug = (const char *)p;
	size_t auglen = strnlen(aug, (size_t)(end - p));
	p += auglen + 1;
	if (p >= end || aug[0] != 'z')
		return 0;
	p = skip_uleb(p, end);               /* code alignment */
	p = skip_uleb(p, end);               /* data alignment (sleb has the same shape) */
	p = version == 1 ? p + 1 : skip_uleb(p, end); /* return address register */
	read_uleb(&p, end);                  /* augmentation data length */
	for (size_t i = 1; i < auglen && p < end; i++) {
		switch (aug[i]) {
		case 'R':
			return *p;
		case 'L':
			p++;
			break;
		case 'P': {
			uint8_t enc = *p++;
			uint64_t v;
			size_t n;
			if (read_encoded(p, end, enc & 0x7f, 0, &v, &n))
				return 0;
			p += n;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

/* Walk .eh_frame (LSB 4.1 "The .eh_frame section") and add every FDE start. */
static int add_eh_frame(struct rw_image *im, const GElf_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS || sh->sh_offset > im->size ||
	    sh->sh_size > im->size - sh->sh_offset)
		return 0;
	const uint8_t *base = im->data + sh->sh_offset, *end = base + sh->sh_size;
	const uint8_t *p = base;
	while ((size_t)(end - p) >= 8) {
		uint64_t len;
		uint32_t len32;
		memcpy(&len32, p, 4);
		const uint8_t *rec = p + 4;
		if (len32 == 0)
			break; /* terminator */
		len = len32;
		if (len32 == 0xffffffff) {
			if ((size_t)(end - p) < 12)
				break;
			memcpy(&len, p + 4, 8);
			rec = p + 12;
		}
		if (len > (uint64_t)(end - rec) || len < 4)
			break;
		const uint8_t *next = rec + len;
		uint32_t cie_ptr;
		memcpy(&cie_ptr, rec, 4);
		if (cie_ptr != 0 && cie_ptr <= (uint64_t)(rec - base)) {
			const uint8_t *cie = rec - cie_ptr;
			uint32_t cie_len;
			memcpy(&cie_len, cie, 4);
			if (cie_len != 0xffffffff && cie + 8 < end) {
				uint8_t enc = cie_fde_encoding(cie + 8, end);
				uint64_t start, range;
				size_t n, m;
				const uint8_t *field = rec + 4;
				uint64_t field_vaddr = sh->sh_addr + (uint64_t)(field - base);
				if (read_encoded(field, next, enc & 0x7f, field_vaddr, &start, &n) == 0 &&
				    (add_code_target(im, start) || add_fde_range(im, start,
					read_encoded(field + n, next, enc & 0x0f, 0, &range, &m) ? 0 : range)))
					return -1;
			}
		}
		p = next;
	}
	return 0;
}

static int add_from_sections(struct rw_image *im)
{
	size_t shstrndx;
	if (!im->ehdr.e_shoff || elf_getshdrstrndx(im->elf, &shstrndx) != 0)
		return 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(im->elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if ((sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM) &&
		    add_symbols(im, scn, &sh))
			return -1;
		const char *name = elf_strptr(im->elf, shstrndx, sh.sh_name);
		if (name && strcmp(name, ".eh_frame") == 0 && add_eh_frame(im, &sh))
			return -1;
	}
	return 0;
}

/* Aligned 64-bit words in non-executable segments that point into code:
 * what a file without dynamic relocations (ET_EXEC) holds as code
 * pointers. */
static int add_data_words(struct rw_image *im)
{
	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];
		if (p->p_type != PT_LOAD || (p->p_flags & PF_X))
			continue;
		uint64_t first = (p->p_offset + 7) & ~7ULL;
		for (uint64_t o = first; o + 8 <= p->p_offset + p->p_filesz; o += 8) {
			uint64_t v;
			memcpy(&v, im->data + o, 8);
			if (add_code_target(im, v))
				return -1;
		}
	}
	return 0;
}

#ifndef SHT_RELR
#define SHT_RELR 19
#endif

/* The 64-bit word of the file at vaddr, if a PT_LOAD holds it in the file. */
static bool word_at(const struct rw_image *im, uint64_t vaddr, uint64_t *v)
{
	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];
		if (p->p_type == PT_LOAD && vaddr >= p->p_vaddr && p->p_filesz >= 8 &&
		    vaddr - p->p_vaddr <= p->p_filesz - 8) {
			memcpy(v, im->data + p->p_offset + (vaddr - p->p_vaddr), 8);
			return true;
		}
	}
	return false;
}

/* RELA entries: a RELATIVE or IRELATIVE addend is the address itself; a
 * word relocation against a defined symbol is the symbol plus addend
 * (the symbol alone is already a target, through the symbol table). */
static int add_rela(struct rw_image *im, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL), *symd = NULL;
	Elf_Scn *symscn = sh->sh_link ? elf_getscn(im->elf, sh->sh_link) : NULL;

	if (!d || sh->sh_entsize == 0)
		return 0;
	if (symscn)
		symd = elf_getdata(symscn, NULL);
	for (size_t i = 0; i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		if (!gelf_getrela(d, (int)i, &r))
			continue;
		switch (GELF_R_TYPE(r.r_info)) {
		case R_X86_64_RELATIVE:
		case R_X86_64_IRELATIVE:
			if (add_code_target(im, (uint64_t)r.r_addend))
				return -1;
			break;
		case R_X86_64_64:
		case R_X86_64_GLOB_DAT:
		case R_X86_64_JUMP_SLOT:
			if (symd && gelf_getsym(symd, (int)GELF_R_SYM(r.r_info), &sym) &&
			    sym.st_shndx != SHN_UNDEF &&
			    add_code_target(im, sym.st_value + (uint64_t)r.r_addend))
				return -1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* RELR (packed relative relocations): the link-time address is the word
 * in place; an even entry is an address, an odd one a bitmap of the 63
 * words after the last. */
static int add_relr(struct rw_image *im, const GElf_Shdr *sh)
{
	uint64_t where = 0, v;

	if (sh->sh_offset > im->size || sh->sh_size > im->size - sh->sh_offset)
		return 0;
	for (uint64_t o = 0; o + 8 <= sh->sh_size; o += 8) {
		uint64_t e;
		memcpy(&e, im->data + sh->sh_offset + o, 8);
		if ((e & 1) == 0) {
			if (word_at(im, e, &v) && add_code_target(im, v))
				return -1;
			where = e + 8;
			continue;
		}
		for (int bit = 1; bit < 64; bit++)
			if (((e >> bit) & 1) && word_at(im, where + 8 * (uint64_t)(bit - 1), &v) &&
			    add_code_target(im, v))
				return -1;
		where += 63 * 8;
	}
	return 0;
}

/*
 * Code pointers stored in data.  In a position-independent file every
 * such pointer has a dynamic relocation, so its relocations name them all
 * and nothing else; scanning every aligned word instead takes each integer
 * of .rodata that happens to fall into the (low) code range for a branch
 * target, which needlessly blocks jump patches.  A file whose relocations
 * cannot be read completely (REL entries, no section headers) is scanned.
 */
static int add_data_pointers(struct rw_image *im)
{
	size_t nrel = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (im->ehdr.e_type != ET_DYN || !im->ehdr.e_shoff)
		return add_data_words(im);
	while ((scn = elf_nextscn(im->elf, scn)) != NULL)
		if (gelf_getshdr(scn, &sh)) {
			if (sh.sh_type == SHT_REL)
				return add_data_words(im);
			if (sh.sh_type == SHT_RELA || sh.sh_type == SHT_RELR)
				nrel++;
		}
	if (nrel == 0)
		return add_data_words(im);
	while ((scn = elf_nextscn(im->elf, scn)) != NULL) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if ((sh.sh_type == SHT_RELA && add_rela(im, scn, &sh)) ||
		    (sh.sh_type == SHT_RELR && add_relr(im, &sh)))
			return -1;
	}
	return 0;
}

int rw_collect_targets(struct rw_image *im)
{
	if (add_code_target(im, im->ehdr.e_entry))
		return -1;
	for (size_t i = 0; i < im->ncode; i++)
		if (add_code_target(im, im->code[i].vaddr))
			return -1;
	if (add_from_sections(im) || add_data_pointers(im))
		return -1;
	if (im->nfde)
		qsort(im->fde, im->nfde, sizeof(*im->fde), cmp_range);
	return 0;
}
