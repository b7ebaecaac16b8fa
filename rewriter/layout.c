/*
 * The rewritten file: the input bytes with the patches applied, then, at
 * the next page, the new R+X PT_LOAD segment (sitetab.h): program headers,
 * site header, site table, trampolines.
 */
#include "rw.h"

#include <stdlib.h>
#include <string.h>

#include "sha256.h"

#define PAGE 4096ULL

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t sites_table_vaddr(const struct rw_plan *plan)
{
	return align_up(plan->header_vaddr + sizeof(struct lxnt_site_header), 8);
}

/* Place the new segment; needs only the number of sites. */
int rw_plan_layout(struct rw_image *im, struct rw_plan *plan)
{
	uint64_t top = 0;
	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];
		/* Found by tests/fuzz/malformed.c: a PT_LOAD ending near or past
		 * 2^64 wrapped the new segment's address round to the bottom,
		 * and the output was accepted with it over the old segments. */
		if (p->p_type == PT_LOAD && p->p_vaddr + p->p_memsz < p->p_vaddr)
			return rw_error(im, "segment %zu wraps around the address space", i);
		if (p->p_type == PT_LOAD && p->p_vaddr + p->p_memsz > top)
			top = p->p_vaddr + p->p_memsz;
	}
	if (top > UINT64_MAX - (1ULL << 32))
		return rw_error(im, "no room for the new segment above %#llx",
			(unsigned long long)top);
	plan->seg_vaddr = align_up(top, PAGE);
	plan->seg_offset = align_up(im->size, PAGE);
	plan->new_phnum = im->phnum + 2;
	if (plan->new_phnum >= PN_XNUM)
		return rw_error(im, "too many program headers");
	plan->header_vaddr = align_up(plan->seg_vaddr + plan->new_phnum * sizeof(Elf64_Phdr), 8);
	plan->tramp_vaddr = align_up(sites_table_vaddr(plan) +
		plan->nsites * sizeof(struct lxnt_site), 16);
	/* Every jmp rel32 between code and trampolines must reach. */
	if (plan->tramp_vaddr - im->code_lo > 0x7f000000ULL)
		return rw_error(im, "code and the new segment are more than 2 GiB apart");
	return 0;
}

static void put_phdr(uint8_t *dst, const GElf_Phdr *g)
{
	Elf64_Phdr p = {
		.p_type = g->p_type, .p_flags = g->p_flags, .p_offset = g->p_offset,
		.p_vaddr = g->p_vaddr, .p_paddr = g->p_paddr, .p_filesz = g->p_filesz,
		.p_memsz = g->p_memsz, .p_align = g->p_align,
	};
	memcpy(dst, &p, sizeof(p));
}

static void write_phdrs(const struct rw_image *im, const struct rw_plan *plan,
	uint8_t *seg, uint64_t seg_size)
{
	uint64_t table_size = plan->new_phnum * sizeof(Elf64_Phdr);
	for (size_t i = 0; i < im->phnum; i++) {
		GElf_Phdr p = im->phdr[i];
		if (p.p_type == PT_PHDR) {
			p.p_offset = plan->seg_offset;
			p.p_vaddr = p.p_paddr = plan->seg_vaddr;
			p.p_filesz = p.p_memsz = table_size;
		}
		put_phdr(seg + i * sizeof(Elf64_Phdr), &p);
	}
	uint64_t sites_size = sites_table_vaddr(plan) - plan->header_vaddr +
		plan->nsites * sizeof(struct lxnt_site);
	GElf_Phdr sites = {
		.p_type = PT_LXNT_SITES, .p_flags = PF_R,
		.p_offset = plan->seg_offset + (plan->header_vaddr - plan->seg_vaddr),
		.p_vaddr = plan->header_vaddr, .p_paddr = plan->header_vaddr,
		.p_filesz = sites_size, .p_memsz = sites_size, .p_align = 8,
	};
	GElf_Phdr load = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = plan->seg_offset, .p_vaddr = plan->seg_vaddr,
		.p_paddr = plan->seg_vaddr, .p_filesz = seg_size, .p_memsz = seg_size,
		.p_align = PAGE,
	};
	put_phdr(seg + im->phnum * sizeof(Elf64_Phdr), &sites);
	put_phdr(seg + (im->phnum + 1) * sizeof(Elf64_Phdr), &load);
}

static void write_site_table(const struct rw_image *im, const struct rw_plan *plan,
	uint8_t *seg)
{
	struct lxnt_site_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, LXNT_SITE_MAGIC, sizeof(h.magic));
	h.version = LXNT_SITE_VERSION;
	h.site_count = (uint32_t)plan->nsites;
	h.sites_vaddr = sites_table_vaddr(plan);
	h.tramp_vaddr = plan->tramp_vaddr;
	h.tramp_size = plan->tramp_len;
	for (size_t i = 0; i < plan->nsites; i++) {
		h.rung_count[plan->sites[i].rec.rung]++;
		h.kind_count[plan->sites[i].rec.kind]++;
	}
	lxnt_sha256(im->data, im->size, h.source_sha256);
	strncpy(h.rewriter_version, LXNT_REWRITER_VERSION, sizeof(h.rewriter_version));
	h.flags = plan->force_trap ? LXNT_SITE_F_FORCED_TRAP : 0;
	h.source_size = im->size;
	h.source_phoff = im->ehdr.e_phoff;
	memcpy(seg + (plan->header_vaddr - plan->seg_vaddr), &h, sizeof(h));

	uint8_t *table = seg + (h.sites_vaddr - plan->seg_vaddr);
	for (size_t i = 0; i < plan->nsites; i++)
		memcpy(table + i * sizeof(struct lxnt_site), &plan->sites[i].rec,
			sizeof(struct lxnt_site));
}

static void write_ehdr(uint8_t *out, const struct rw_plan *plan)
{
	Elf64_Ehdr eh;
	memcpy(&eh, out, sizeof(eh));
	eh.e_phoff = plan->seg_offset;
	eh.e_phnum = (Elf64_Half)plan->new_phnum;
	memcpy(out, &eh, sizeof(eh));
}

/*
 * orig[] keeps every byte the patch overwrites, displaced neighbours
 * included, so that the input can be rebuilt from the output alone.
 */
_Static_assert(sizeof(((struct rw_site *)0)->patch) <= LXNT_SITE_ORIG_MAX,
	"a patch fits in orig[]");

static void keep_original_bytes(const struct rw_image *im, struct rw_site *s)
{
	memset(s->rec.orig, 0, sizeof(s->rec.orig));
	memcpy(s->rec.orig, im->data + s->file_offset - s->rec.patch_before, rw_site_span(&s->rec));
}

int rw_build_output(struct rw_image *im, struct rw_plan *plan, uint8_t **out, size_t *outn)
{
	uint64_t seg_size = plan->tramp_vaddr - plan->seg_vaddr + plan->tramp_len;
	size_t n = plan->seg_offset + seg_size;
	if (plan->tramp_vaddr + plan->tramp_len - im->code_lo > 0x7fff0000ULL)
		return rw_error(im, "code and trampolines are more than 2 GiB apart");
	uint8_t *o = calloc(1, n);
	if (!o)
		return rw_error(im, "out of memory");
	memcpy(o, im->data, im->size);
	for (size_t i = 0; i < plan->nsites; i++) {
		struct rw_site *s = &plan->sites[i];
		keep_original_bytes(im, s);
		memcpy(o + s->file_offset - s->rec.patch_before, s->patch, s->rec.patch_length);
	}
	uint8_t *seg = o + plan->seg_offset;
	write_phdrs(im, plan, seg, seg_size);
	write_site_table(im, plan, seg);
	/* Found by fuzzing: with no trampolines plan->tramp is NULL, which
	 * memcpy may not be given even for 0 bytes. */
	if (plan->tramp_len)
		memcpy(seg + (plan->tramp_vaddr - plan->seg_vaddr), plan->tramp, plan->tramp_len);
	write_ehdr(o, plan);
	*out = o;
	*outn = n;
	return 0;
}

void rw_plan_report(const struct rw_image *im, const struct rw_plan *plan,
	struct lxnt_rewrite_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->site_count = (uint32_t)plan->nsites;
	rep->tramp_size = plan->tramp_len;
	for (size_t i = 0; i < plan->nsites; i++) {
		const struct lxnt_site *r = &plan->sites[i].rec;
		rep->rung_count[r->rung]++;
		rep->kind_count[r->kind]++;
		if (r->kind == LXNT_SITE_FS && r->rung == LXNT_RUNG_TRAP && !r->tramp)
			rep->fs_trap_without_tramp++;
		if (r->kind != LXNT_SITE_FS && im->nfde && !rw_in_fde(im, r->addr))
			rep->syscall_outside_fde++;
		if (r->flags & LXNT_SITE_REC_RED_ZONE)
			rep->trap_red_zone++;
	}
}

void rw_plan_free(struct rw_plan *plan)
{
	free(plan->sites);
	free(plan->tramp);
	memset(plan, 0, sizeof(*plan));
}
