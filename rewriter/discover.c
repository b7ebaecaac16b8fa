/*
 * The sweep: decode every code region linearly with Zydis, record each
 * site (syscall, sysenter, int 0x80, %fs memory operand) and the branch
 * targets that the code itself names.
 */
#include "rw.h"

#include <stdlib.h>
#include <string.h>

int rw_site_kind(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops)
{
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_SYSCALL:
		return LXNT_SITE_SYSCALL;
	case ZYDIS_MNEMONIC_SYSENTER:
		return LXNT_SITE_SYSENTER;
	case ZYDIS_MNEMONIC_INT:
		if (in->operand_count_visible == 1 &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && ops[0].imm.value.u == 0x80)
			return LXNT_SITE_INT80;
		return -1;
	default:
		break;
	}
	/* lea (AGEN) computes an offset and never reads through the segment. */
	for (unsigned i = 0; i < in->operand_count; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ops[i].mem.segment == ZYDIS_REGISTER_FS &&
		    ops[i].mem.type != ZYDIS_MEMOP_TYPE_AGEN)
			return LXNT_SITE_FS;
	return -1;
}

static int add_target(struct rw_image *im, uint64_t a)
{
	if (a < im->code_lo || a >= im->code_hi)
		return 0;
	return rw_addrset_add(&im->targets, a) ? rw_error(im, "out of memory") : 0;
}

static int ends_flow(const ZydisDecodedInstruction *in)
{
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_JMP:
	case ZYDIS_MNEMONIC_RET:
	case ZYDIS_MNEMONIC_UD2:
	case ZYDIS_MNEMONIC_HLT:
		return 1;
	default:
		return 0;
	}
}

/*
 * Instruction starts of the linear sweep, one bit per code byte, to tell a
 * jump table from other data; NULL (every address counts as a start) when
 * the code range is too large to map.
 */
struct rw_starts {
	uint8_t *bits;
	uint64_t lo, hi;
};

#define RW_STARTS_MAX_RANGE (256ULL << 20)

static void mark_start(struct rw_starts *st, uint64_t a)
{
	if (st->bits && a >= st->lo && a < st->hi)
		st->bits[(a - st->lo) >> 3] |= (uint8_t)(1u << ((a - st->lo) & 7));
}

static int is_start(const struct rw_starts *st, uint64_t a)
{
	if (!st->bits)
		return 1;
	return a >= st->lo && a < st->hi &&
		(st->bits[(a - st->lo) >> 3] >> ((a - st->lo) & 7)) & 1;
}

/*
 * Position-independent jump tables (gcc's `lea table(%rip),%rdx; movslq
 * (%rdx,%rax,4),%rax; add %rdx,%rax; jmp *%rax`) hold 32-bit offsets from
 * the table: every leading entry that lands on an instruction start is
 * taken as a target.  Read after the sweep, so that a run of small numbers
 * in other data that a `lea` names (a gcc table never points into the
 * middle of an instruction) ends at its first entry that does not.
 * Reading a non-table this way only costs a few jump patches.
 */
static int add_relative_table(struct rw_image *im, const struct rw_starts *st, uint64_t table)
{
	if (table >= im->code_lo && table < im->code_hi)
		return 0;
	for (unsigned i = 0; i < 4096; i++) {
		const uint8_t *p = rw_image_loaded(im, table + 4 * i, 4);
		int32_t rel;
		if (!p)
			break;
		memcpy(&rel, p, 4);
		uint64_t a = table + (uint64_t)(int64_t)rel;
		if (a < im->code_lo || a >= im->code_hi || !is_start(st, a))
			break;
		if (add_target(im, a))
			return -1;
	}
	return 0;
}

/* Where the sweep collects what instructions name. */
struct rw_named {
	struct rw_addrset tables; /* lea'd addresses: maybe PC-relative jump tables */
	struct rw_addrset data_refs; /* code addresses named as data, kept if instruction starts */
};

/*
 * Addresses the instruction names: direct branch targets, and code
 * addresses in immediates and displacements (function pointers loaded with
 * `mov $f` or `lea f(%rip)`), which may later be branched to indirectly.
 * A branch target counts at once; an address named as data counts only if
 * the sweep finds an instruction starting there (rw_discover), as a jump
 * table's entries do: a constant such as `and $0x3f000` or a table in
 * the text that happens to fall inside the code range would otherwise
 * block patches around an instruction that nothing can branch into.
 */
static int add_named_targets(struct rw_image *im, struct rw_named *named,
	const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops, uint64_t addr)
{
	for (unsigned i = 0; i < in->operand_count_visible; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		ZyanU64 abs;
		uint64_t ref;
		if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && op->imm.is_relative) {
			if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(in, op, addr, &abs)) &&
			    add_target(im, abs))
				return -1;
			continue;
		}
		if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			ref = op->imm.value.u;
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && op->mem.disp.has_displacement) {
			if (op->mem.base != ZYDIS_REGISTER_RIP) {
				ref = (uint64_t)op->mem.disp.value;
			} else if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(in, op, addr, &abs))) {
				ref = abs;
				if (in->mnemonic == ZYDIS_MNEMONIC_LEA && rw_addrset_add(&named->tables, abs))
					return rw_error(im, "out of memory");
			} else {
				continue;
			}
		} else {
			continue;
		}
		if (ref >= im->code_lo && ref < im->code_hi && rw_addrset_add(&named->data_refs, ref))
			return rw_error(im, "out of memory");
	}
	return 0;
}

/* The last RW_PREV_MAX instruction starts of an unbroken linear decode. */
struct rw_prev {
	uint64_t a[RW_PREV_MAX];
	unsigned n, head;
};

static void prev_push(struct rw_prev *pv, uint64_t addr)
{
	pv->head = (pv->head + 1) % RW_PREV_MAX;
	pv->a[pv->head] = addr;
	if (pv->n < RW_PREV_MAX)
		pv->n++;
}

static int add_site(struct rw_image *im, struct rw_plan *plan, int kind,
	const ZydisDecodedInstruction *in, uint64_t addr, uint64_t off, const struct rw_prev *pv)
{
	if (plan->nsites == plan->cap) {
		size_t cap = plan->cap ? 2 * plan->cap : 256;
		struct rw_site *s = realloc(plan->sites, cap * sizeof(*s));
		if (!s)
			return rw_error(im, "out of memory");
		plan->sites = s;
		plan->cap = cap;
	}
	struct rw_site *s = &plan->sites[plan->nsites++];
	memset(s, 0, sizeof(*s));
	s->rec.addr = addr;
	s->rec.kind = (uint8_t)kind;
	s->rec.length = in->length;
	memcpy(s->rec.orig, im->data + off, in->length);
	s->file_offset = off;
	for (unsigned i = 0; i < pv->n; i++)
		s->prev[i] = pv->a[(pv->head + RW_PREV_MAX - i) % RW_PREV_MAX];
	s->nprev = (uint8_t)pv->n;
	return 0;
}

/*
 * Alignment padding: nop of any length, int3, and the `add %al,(%rax)` of
 * zero fill.  Compilers put it between a function's last jmp or ret and
 * the next aligned label; it is never branched to, only over.
 */
static int is_padding(const ZydisDecodedInstruction *in, const uint8_t *p)
{
	return in->mnemonic == ZYDIS_MNEMONIC_NOP || in->mnemonic == ZYDIS_MNEMONIC_INT3 ||
		(in->length == 2 && p[0] == 0 && p[1] == 0);
}

/*
 * Whether the operands of an instruction can matter to the sweep: a site
 * candidate (an %fs segment, or syscall, sysenter and int), or an
 * immediate or displacement that may name a code address.  The others
 * (most register-to-register code) skip Zydis's operand decoding, a third
 * of the sweep's time.
 */
int rw_needs_operands(const ZydisDecodedInstruction *in)
{
	return in->raw.imm[0].size || in->raw.disp.size ||
		(in->attributes & ZYDIS_ATTRIB_HAS_SEGMENT_FS) ||
		in->mnemonic == ZYDIS_MNEMONIC_SYSCALL || in->mnemonic == ZYDIS_MNEMONIC_SYSENTER ||
		in->mnemonic == ZYDIS_MNEMONIC_INT;
}

static int sweep_region(struct rw_image *im, struct rw_plan *plan, const struct rw_region *r,
	struct rw_starts *st, struct rw_named *named)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecoderContext ctx;
	uint64_t pos = 0;
	int flow_ended = 0;
	struct rw_prev pv = { { 0 }, 0, 0 };
	while (pos < r->size) {
		const uint8_t *p = im->data + r->offset + pos;
		uint64_t addr = r->vaddr + pos;
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&im->decoder, &ctx, p, r->size - pos,
			&in))) {
			pos++; /* not an instruction: data or padding, left alone */
			pv.n = 0;
			continue;
		}
		/* What follows an unconditional transfer, padding aside, is
		 * reached by a jump. */
		if (flow_ended && !is_padding(&in, p)) {
			if (add_target(im, addr))
				return -1;
			flow_ended = 0;
		}
		mark_start(st, addr);
		if (rw_needs_operands(&in)) {
			if (!ZYAN_SUCCESS(ZydisDecoderDecodeOperands(&im->decoder, &ctx, &in, ops,
				ZYDIS_MAX_OPERAND_COUNT)))
				return rw_error(im, "%#llx: Zydis decodes the instruction but not its operands",
					(unsigned long long)addr);
			int kind = rw_site_kind(&in, ops);
			if (kind >= 0 && add_site(im, plan, kind, &in, addr, r->offset + pos, &pv))
				return -1;
			if (add_named_targets(im, named, &in, ops, addr))
				return -1;
		}
		prev_push(&pv, addr);
		if (ends_flow(&in))
			flow_ended = 1;
		pos += in.length;
	}
	return 0;
}

static int cmp_site(const void *a, const void *b)
{
	uint64_t x = ((const struct rw_site *)a)->rec.addr;
	uint64_t y = ((const struct rw_site *)b)->rec.addr;
	return x < y ? -1 : x > y;
}

int rw_discover(struct rw_image *im, struct rw_plan *plan)
{
	struct rw_starts st = { NULL, im->code_lo, im->code_hi };
	struct rw_named named = { { 0 }, { 0 } };
	int rc = 0;
	if (im->code_hi > im->code_lo && im->code_hi - im->code_lo <= RW_STARTS_MAX_RANGE)
		st.bits = calloc((size_t)((im->code_hi - im->code_lo + 7) >> 3), 1);
	for (size_t i = 0; rc == 0 && i < im->ncode; i++)
		rc = sweep_region(im, plan, &im->code[i], &st, &named);
	rw_addrset_finish(&named.tables);
	for (size_t i = 0; rc == 0 && i < named.tables.n; i++)
		rc = add_relative_table(im, &st, named.tables.v[i]);
	rw_addrset_finish(&named.data_refs);
	for (size_t i = 0; rc == 0 && i < named.data_refs.n; i++)
		if (is_start(&st, named.data_refs.v[i]))
			rc = add_target(im, named.data_refs.v[i]);
	free(st.bits);
	rw_addrset_free(&named.tables);
	rw_addrset_free(&named.data_refs);
	if (rc)
		return -1;
	if (plan->nsites)
		qsort(plan->sites, plan->nsites, sizeof(*plan->sites), cmp_site);
	return 0;
}

struct rw_site *rw_plan_find(const struct rw_plan *plan, uint64_t addr)
{
	size_t l = 0, h = plan->nsites;
	while (l < h) {
		size_t m = l + (h - l) / 2;
		if (plan->sites[m].rec.addr < addr)
			l = m + 1;
		else if (plan->sites[m].rec.addr > addr)
			h = m;
		else
			return &plan->sites[m];
	}
	return NULL;
}
