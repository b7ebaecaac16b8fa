/* Internal interfaces of the rewriter; rewrite.h is the public one. */
#ifndef LXNT_RW_H
#define LXNT_RW_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <gelf.h>
#include <Zydis/Zydis.h>

#include <lxnt/sitetab.h>

#include "rewrite.h"

/* A run of code bytes that is decoded linearly. */
struct rw_region {
	uint64_t vaddr;
	uint64_t offset; /* file offset */
	uint64_t size;
};

/* A growable sorted set of addresses (known branch targets). */
struct rw_addrset {
	uint64_t *v;
	size_t n, cap;
	int sorted;
};

/* The input file as the analysis sees it. */
struct rw_image {
	const uint8_t *data;
	size_t size;
	const char *name;
	uint8_t *elf_copy; /* the buffer libelf reads */
	Elf *elf;
	GElf_Ehdr ehdr;
	GElf_Phdr *phdr;
	size_t phnum;
	struct rw_region *code;
	size_t ncode;
	uint64_t code_lo, code_hi; /* range of all code regions */
	int sites_phdr;            /* index of PT_LXNT_SITES, or -1 */
	struct rw_addrset targets;
	/* [lo, hi) of every .eh_frame FDE, sorted by lo: code the unwinder knows */
	struct rw_range { uint64_t lo, hi; } *fde;
	size_t nfde, fde_cap;
	ZydisDecoder decoder;
	char *err;
	size_t errlen;
};

/* Instruction starts the sweep remembers before each site (JUMP with a
 * patch that starts before the site, tactics.c). */
#define RW_PREV_MAX 4

/* A site found by the sweep, with the plan the ladder made for it. */
struct rw_site {
	struct lxnt_site rec;      /* what goes into the table */
	uint64_t file_offset;      /* of addr */
	uint64_t prev[RW_PREV_MAX]; /* the instructions the sweep decoded just before, nearest first */
	uint8_t nprev;
	uint8_t patch[LXNT_SITE_ORIG_MAX]; /* bytes written at addr - patch_before (patch_length of them) */
	uint32_t tramp_offset;     /* into the trampoline area, if rec.tramp */
	uint32_t tramp_len;
};

struct rw_plan {
	struct rw_site *sites;
	size_t nsites, cap;
	uint64_t seg_vaddr;        /* the new PT_LOAD */
	uint64_t seg_offset;
	size_t new_phnum;
	uint64_t header_vaddr;     /* struct lxnt_site_header */
	uint64_t tramp_vaddr;
	uint8_t *tramp;            /* trampoline bytes */
	size_t tramp_len, tramp_cap;
	int force_trap;
	const struct rw_range *red_zone_fde; /* the function redzone.c scanned last */
	int red_zone_uses;
};

/* Longest trampoline any single site needs, with room to spare. */
#define RW_TRAMP_MAX 256

/* image.c */
int rw_error(struct rw_image *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int rw_image_open(struct rw_image *im, const uint8_t *data, size_t n,
	const char *name, char *err, size_t errlen);
void rw_image_close(struct rw_image *im);
const uint8_t *rw_image_bytes(const struct rw_image *im, uint64_t vaddr, size_t n);
uint64_t rw_image_offset(const struct rw_image *im, uint64_t vaddr);
const uint8_t *rw_image_loaded(const struct rw_image *im, uint64_t vaddr, size_t n);

/* addrset.c */
int rw_addrset_add(struct rw_addrset *s, uint64_t a);
void rw_addrset_finish(struct rw_addrset *s);
int rw_addrset_any_inside(const struct rw_addrset *s, uint64_t lo, uint64_t hi);
void rw_addrset_free(struct rw_addrset *s);

/* targets.c */
int rw_collect_targets(struct rw_image *im);
int rw_in_fde(const struct rw_image *im, uint64_t addr);
const struct rw_range *rw_fde_of(const struct rw_image *im, uint64_t addr);

/* redzone.c */
struct rw_plan;
int rw_function_uses_red_zone(const struct rw_image *im, struct rw_plan *plan, uint64_t addr);

/* discover.c */
int rw_site_kind(const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops);
int rw_discover(struct rw_image *im, struct rw_plan *plan);
int rw_needs_operands(const ZydisDecodedInstruction *in);
struct rw_site *rw_plan_find(const struct rw_plan *plan, uint64_t addr);

/* x86emit.c: encoders for the trampoline's fixed instructions */
struct rw_buf {
	uint8_t *p;
	size_t len, cap;
	int failed;
};
void rw_emit_bytes(struct rw_buf *b, const void *bytes, size_t n);
void rw_emit_rsp_adjust(struct rw_buf *b, int32_t delta);
void rw_emit_push(struct rw_buf *b, ZydisRegister r);
void rw_emit_pop(struct rw_buf *b, ZydisRegister r);
void rw_emit_gs_load(struct rw_buf *b, ZydisRegister r, uint32_t gs_offset);
void rw_emit_gs_store(struct rw_buf *b, ZydisRegister r, uint32_t gs_offset);
void rw_emit_call_gs(struct rw_buf *b, uint32_t gs_offset);
void rw_emit_lea(struct rw_buf *b, ZydisRegister dst, ZydisRegister base,
	ZydisRegister index, uint8_t scale, int64_t disp);
void rw_emit_load(struct rw_buf *b, ZydisRegister dst, ZydisRegister base);
void rw_emit_jmp(struct rw_buf *b, uint64_t from, uint64_t to);
int rw_encode(struct rw_buf *b, const ZydisEncoderRequest *req);

/* displace.c: neighbours a patch overwrites, moved into the trampoline */
enum rw_displaced {
	RW_DISPLACED_NO = 0, /* cannot move: calls, loop/jrcxz, anything else reading rip */
	RW_DISPLACED_PLAIN,  /* copied (indirect jmp too), a %rip-relative disp32 fixed up */
	RW_DISPLACED_JCC,    /* jcc rel8/rel32, re-encoded as jcc rel32 */
	RW_DISPLACED_JMP,    /* jmp rel8/rel32, re-encoded as jmp rel32 */
	RW_DISPLACED_RET,    /* ret, copied */
};
int rw_displaced_kind(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops);
int rw_relocate(struct rw_buf *b, const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, const uint8_t *bytes, uint64_t old_addr, uint64_t new_addr);

/* The bytes of orig[] a record covers, from addr - patch_before. */
static inline unsigned rw_site_span(const struct lxnt_site *r)
{
	unsigned pre = (unsigned)r->patch_before + r->length;
	return r->patch_length > pre ? r->patch_length : pre;
}

/* tactics.c */
int rw_plan_sites(struct rw_image *im, struct rw_plan *plan);
/* The code that performs the site's instruction, for a trampoline. */
int rw_emit_site_body(const struct rw_image *im, const struct rw_site *s, struct rw_buf *b);
/* Whether a patch of a site before s reaches `at` or beyond. */
int rw_earlier_patch_reaches(const struct rw_plan *plan, const struct rw_site *s, uint64_t at);
/* Fill the trampoline area with int3 up to len bytes (nothing if it is longer). */
int rw_pad_tramp(struct rw_image *im, struct rw_plan *plan, size_t len);

/* punned.c: the PUNNED rung (a tactic of the ladder, tactics.c) */
int rw_try_punned(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b);

/* fsop.c: the general %fs trampoline body */
int rw_emit_fs_body(struct rw_buf *b, const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops);
int rw_fs_gs_inplace(const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, const uint8_t *bytes, uint8_t out[15]);

/* rewrite.c: sweep, targets, layout and ladder for an opened image */
int rw_analyze(struct rw_image *im, struct rw_plan *plan, int force_trap);

/* inspect.c */
int rw_verify_output(const uint8_t *data, size_t n, const char *name,
	char *err, size_t errlen);

/* layout.c */
int rw_plan_layout(struct rw_image *im, struct rw_plan *plan);
int rw_build_output(struct rw_image *im, struct rw_plan *plan,
	uint8_t **out, size_t *outn);
void rw_plan_free(struct rw_plan *plan);
void rw_plan_report(const struct rw_image *im, const struct rw_plan *plan,
	struct lxnt_rewrite_report *rep);

#endif
