/*
 * The verifier's own reading of a rewritten ELF file (the ELF-64 Object
 * File Format; layout in include/lxnt/sitetab.h): the new segment, the
 * site table, the executable sections, and the input rebuilt by undoing
 * every patch.  It shares nothing with the rewriter's analysis.
 */
#include "verify_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static int fail(char *err, size_t errlen, const char *name, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", name, why);
	return -1;
}

static int in_file(const struct vf_file *f, uint64_t off, uint64_t len)
{
	return off <= f->size && len <= f->size - off;
}

Elf64_Phdr vf_phdr(const struct vf_file *f, size_t i)
{
	Elf64_Phdr p;
	memcpy(&p, f->phdrs + i * sizeof(p), sizeof(p));
	return p;
}

/* The PT_LXNT_SITES header and the PT_LOAD that holds it. */
static int find_site_segment(struct vf_file *f, char *err, size_t errlen)
{
	Elf64_Phdr sites = { 0 };
	int found = 0;
	for (size_t i = 0; i < f->eh.e_phnum; i++) {
		Elf64_Phdr p = vf_phdr(f, i);
		if (p.p_type == PT_LXNT_SITES) {
			sites = p;
			found = 1;
		}
	}
	if (!found)
		return fail(err, errlen, f->name, "no site table (not a rewritten file)");
	for (size_t i = 0; i < f->eh.e_phnum; i++) {
		Elf64_Phdr p = vf_phdr(f, i);
		if (p.p_type == PT_LOAD && sites.p_vaddr >= p.p_vaddr &&
		    sites.p_vaddr - p.p_vaddr < p.p_filesz && in_file(f, p.p_offset, p.p_filesz)) {
			f->seg_vaddr = p.p_vaddr;
			f->seg_offset = p.p_offset;
			f->seg_size = p.p_filesz;
		}
	}
	if (!f->seg_size || sites.p_vaddr + sizeof(f->hdr) > f->seg_vaddr + f->seg_size)
		return fail(err, errlen, f->name, "site table lies outside every loaded segment");
	memcpy(&f->hdr, f->data + f->seg_offset + (sites.p_vaddr - f->seg_vaddr), sizeof(f->hdr));
	if (memcmp(f->hdr.magic, LXNT_SITE_MAGIC, 8) != 0)
		return fail(err, errlen, f->name, "bad site table magic");
	if (f->hdr.version != LXNT_SITE_VERSION)
		return fail(err, errlen, f->name, "site table version is not the one this lxnt reads");
	return 0;
}

const uint8_t *vf_segment_bytes(const struct vf_file *f, uint64_t vaddr, uint64_t n)
{
	if (vaddr < f->seg_vaddr || vaddr - f->seg_vaddr > f->seg_size ||
	    n > f->seg_size - (vaddr - f->seg_vaddr))
		return NULL;
	return f->data + f->seg_offset + (vaddr - f->seg_vaddr);
}

static int load_sites(struct vf_file *f, char *err, size_t errlen)
{
	uint64_t bytes = (uint64_t)f->hdr.site_count * sizeof(struct lxnt_site);
	const uint8_t *p = vf_segment_bytes(f, f->hdr.sites_vaddr, bytes);
	if (!p)
		return fail(err, errlen, f->name, "site records lie outside the site segment");
	f->sites = malloc(bytes ? bytes : 1);
	if (!f->sites)
		return fail(err, errlen, f->name, "out of memory");
	memcpy(f->sites, p, bytes);
	return 0;
}

/*
 * Without section headers the code is every executable PT_LOAD but the new
 * segment, which holds tables and trampolines.
 */
static void code_from_segments(struct vf_file *f)
{
	for (size_t i = 0; i < f->eh.e_phnum; i++) {
		Elf64_Phdr p = vf_phdr(f, i);
		if (p.p_type == PT_LOAD && (p.p_flags & PF_X) && p.p_filesz &&
		    p.p_vaddr != f->seg_vaddr && in_file(f, p.p_offset, p.p_filesz))
			f->code[f->ncode++] = (struct vf_region){ p.p_vaddr, p.p_offset, p.p_filesz };
	}
}

/* Executable sections (a rewrite does not change section headers). */
static int find_code(struct vf_file *f, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = &f->eh;
	size_t shnum = eh->e_shoff ? eh->e_shnum : 0;
	if (shnum && (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(f, eh->e_shoff, (uint64_t)shnum * sizeof(Elf64_Shdr))))
		return fail(err, errlen, f->name, "section headers lie past the end of the file");
	f->code = calloc(shnum + eh->e_phnum + 1, sizeof(*f->code));
	if (!f->code)
		return fail(err, errlen, f->name, "out of memory");
	for (size_t i = 0; i < shnum; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, f->data + eh->e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_PROGBITS || (sh.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) !=
		    (SHF_ALLOC | SHF_EXECINSTR) || !sh.sh_size)
			continue;
		if (!in_file(f, sh.sh_offset, sh.sh_size))
			return fail(err, errlen, f->name, "an executable section lies past the end of the file");
		f->code[f->ncode++] = (struct vf_region){ sh.sh_addr, sh.sh_offset, sh.sh_size };
	}
	if (!f->ncode)
		code_from_segments(f);
	if (!f->ncode)
		return fail(err, errlen, f->name, "no executable code");
	return 0;
}

int vf_file_open(struct vf_file *f, const uint8_t *data, size_t n, const char *name,
	char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->data = data;
	f->size = n;
	f->name = name;
	if (n < sizeof(Elf64_Ehdr) || memcmp(data, ELFMAG, SELFMAG) != 0 ||
	    data[EI_CLASS] != ELFCLASS64 || data[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, name, "not a little-endian ELF64 file");
	memcpy(&f->eh, data, sizeof(f->eh));
	if (f->eh.e_machine != EM_X86_64)
		return fail(err, errlen, name, "not an x86-64 ELF file");
	if (f->eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(f, f->eh.e_phoff, (uint64_t)f->eh.e_phnum * sizeof(Elf64_Phdr)))
		return fail(err, errlen, name, "program headers lie past the end of the file");
	f->phdrs = data + f->eh.e_phoff;
	if (find_site_segment(f, err, errlen) || load_sites(f, err, errlen) ||
	    find_code(f, err, errlen))
		return -1;
	return 0;
}

void vf_file_close(struct vf_file *f)
{
	free(f->sites);
	free(f->code);
	free(f->rebuilt);
	memset(f, 0, sizeof(*f));
}

uint64_t vf_code_offset(const struct vf_file *f, uint64_t vaddr, uint64_t n)
{
	for (size_t i = 0; i < f->ncode; i++) {
		const struct vf_region *c = &f->code[i];
		if (vaddr >= c->vaddr && vaddr - c->vaddr < c->size && n <= c->size - (vaddr - c->vaddr))
			return c->offset + (vaddr - c->vaddr);
	}
	return UINT64_MAX;
}

unsigned vf_site_span(const struct lxnt_site *s)
{
	unsigned pre = (unsigned)s->patch_before + s->length;
	return s->patch_length > pre ? s->patch_length : pre;
}

uint64_t vf_patch_start(const struct lxnt_site *s)
{
	return s->addr - s->patch_before;
}

/* Each record alone, then the order and the header's counts. */
void vf_check_records(struct vf_run *r)
{
	const struct vf_file *f = &r->f;
	uint32_t rungs[LXNT_RUNG_COUNT] = { 0 }, kinds[LXNT_SITE_KIND_COUNT] = { 0 };
	for (uint32_t i = 0; i < f->hdr.site_count; i++) {
		const struct lxnt_site *s = &f->sites[i];
		if (s->kind >= LXNT_SITE_KIND_COUNT || s->rung >= LXNT_RUNG_COUNT ||
		    !s->length || s->length > 15 || vf_site_span(s) > LXNT_SITE_ORIG_MAX ||
		    (s->patch_before && s->rung != LXNT_RUNG_JUMP) || s->patch_before > s->addr ||
		    s->reserved || (s->kept && s->rung != LXNT_RUNG_PUNNED) || (s->flags & ~LXNT_SITE_REC_RED_ZONE) ||
		    (s->flags && s->rung != LXNT_RUNG_TRAP)) {
			vf_problem(r, "%#llx: malformed site record (kind %u, rung %u, length %u, patch %u)",
				(unsigned long long)s->addr, s->kind, s->rung, s->length, s->patch_length);
			continue;
		}
		rungs[s->rung]++;
		kinds[s->kind]++;
		if (vf_code_offset(f, vf_patch_start(s), vf_site_span(s)) == UINT64_MAX)
			vf_problem(r, "%#llx: site lies outside the executable sections",
				(unsigned long long)s->addr);
		if (i && (s->addr <= f->sites[i - 1].addr ||
		    vf_patch_start(s) < vf_patch_start(&f->sites[i - 1]) + vf_site_span(&f->sites[i - 1])))
			vf_problem(r, "%#llx: site record out of order or overlapping the previous one",
				(unsigned long long)s->addr);
	}
	if (memcmp(rungs, f->hdr.rung_count, sizeof(rungs)) != 0 ||
	    memcmp(kinds, f->hdr.kind_count, sizeof(kinds)) != 0)
		vf_problem(r, "site header counts do not match the %u site records",
			f->hdr.site_count);
}

/*
 * The input is the output cut to source_size, with e_phoff and e_phnum put
 * back and orig[] copied over each patched range (sitetab.h).
 */
void vf_rebuild_input(struct vf_run *r)
{
	struct vf_file *f = &r->f;
	if (f->hdr.source_size < sizeof(Elf64_Ehdr) || f->hdr.source_size > f->seg_offset ||
	    f->eh.e_phnum < 2) {
		vf_problem(r, "site header gives an impossible input size %llu",
			(unsigned long long)f->hdr.source_size);
		return;
	}
	f->rebuilt = malloc(f->hdr.source_size);
	if (!f->rebuilt) {
		vf_problem(r, "out of memory");
		return;
	}
	memcpy(f->rebuilt, f->data, f->hdr.source_size);
	Elf64_Ehdr eh = f->eh;
	eh.e_phoff = f->hdr.source_phoff;
	eh.e_phnum = (Elf64_Half)(f->eh.e_phnum - 2);
	memcpy(f->rebuilt, &eh, sizeof(eh));
	for (uint32_t i = 0; i < f->hdr.site_count; i++) {
		const struct lxnt_site *s = &f->sites[i];
		if (s->patch_before > s->addr)
			continue; /* reported by vf_check_records */
		uint64_t off = vf_code_offset(f, vf_patch_start(s), vf_site_span(s));
		if (vf_site_span(s) <= LXNT_SITE_ORIG_MAX && off != UINT64_MAX &&
		    off + vf_site_span(s) <= f->hdr.source_size)
			memcpy(f->rebuilt + off, s->orig, vf_site_span(s));
	}
}

static void compare_with_input(struct vf_run *r, const uint8_t *orig, size_t orign)
{
	const struct vf_file *f = &r->f;
	if (orign != f->hdr.source_size) {
		vf_problem(r, "input is %zu bytes, the site header says %llu", orign,
			(unsigned long long)f->hdr.source_size);
		return;
	}
	size_t differ = 0, first = 0;
	for (size_t i = 0; i < orign; i++)
		if (orig[i] != f->rebuilt[i] && differ++ == 0)
			first = i;
	if (differ)
		vf_problem(r, "%zu bytes outside the patched ranges differ from the input, the first at offset %#zx",
			differ, first);
}

/* (b): the rebuilt input is the input, byte for byte or by its digest. */
void vf_check_input(struct vf_run *r, const uint8_t *orig, size_t orign)
{
	const struct vf_file *f = &r->f;
	if (!f->rebuilt)
		return;
	if (orig)
		compare_with_input(r, orig, orign);
	uint8_t digest[32];
	lxnt_sha256(f->rebuilt, f->hdr.source_size, digest);
	if (memcmp(digest, f->hdr.source_sha256, sizeof(digest)) != 0)
		vf_problem(r, "the rebuilt input does not match the SHA-256 in the site header: "
			"bytes outside the patched ranges or in a site record changed");
	for (uint64_t o = f->hdr.source_size; o < f->seg_offset && o < f->size; o++)
		if (f->data[o]) {
			vf_problem(r, "offset %#llx: non-zero byte between the input and the new segment",
				(unsigned long long)o);
			break;
		}
	if (f->seg_offset + f->seg_size != f->size)
		vf_problem(r, "the file does not end with the new segment");
}

/*
 * The program header table the loader reads is the input's, plus
 * PT_LXNT_SITES and the new PT_LOAD; only PT_PHDR moves with it.
 */
void vf_check_headers(struct vf_run *r)
{
	const struct vf_file *f = &r->f;
	size_t phnum = f->eh.e_phnum - 2u;
	if (!f->rebuilt || f->hdr.source_phoff > f->hdr.source_size ||
	    phnum * sizeof(Elf64_Phdr) > f->hdr.source_size - f->hdr.source_phoff)
		return;
	for (size_t i = 0; i < phnum; i++) {
		Elf64_Phdr now = vf_phdr(f, i), was;
		memcpy(&was, f->rebuilt + f->hdr.source_phoff + i * sizeof(was), sizeof(was));
		if (was.p_type == PT_PHDR) {
			was.p_offset = f->eh.e_phoff;
			was.p_vaddr = was.p_paddr = f->seg_vaddr;
			was.p_filesz = was.p_memsz = f->eh.e_phnum * sizeof(Elf64_Phdr);
		}
		if (memcmp(&now, &was, sizeof(now)) != 0)
			vf_problem(r, "program header %zu differs from the input's", i);
	}
	Elf64_Phdr load = vf_phdr(f, phnum + 1);
	if (vf_phdr(f, phnum).p_type != PT_LXNT_SITES || load.p_type != PT_LOAD ||
	    load.p_vaddr != f->seg_vaddr || load.p_flags != (PF_R | PF_X) ||
	    f->eh.e_phoff != f->seg_offset)
		vf_problem(r, "the last two program headers are not PT_LXNT_SITES and the new PT_LOAD");
	if (!vf_segment_bytes(f, f->hdr.tramp_vaddr, f->hdr.tramp_size))
		vf_problem(r, "trampolines lie outside the new segment");
}
