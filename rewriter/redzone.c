/*
 * Which trap sites may lose live data to the exception frame: those in a
 * function that keeps data below %rsp, in the 128-byte red zone the x86-64
 * psABI (3.2.2) gives leaf code.  The frame Windows and Wine build for the
 * ud2 starts right below %rsp (docs/architecture.md, "The red zone and the
 * trap rung"), so a trap there is reported, never silent.
 *
 * The test is per function, as its .eh_frame FDE bounds it, and errs on
 * the side of reporting: a memory operand (or a lea) at a negative offset
 * from %rsp anywhere in the function, or, in a function that copies %rsp
 * into %rbp and never lowers %rsp itself afterwards (gcc -O0 leaf code),
 * one at a negative offset from %rbp.  Without an FDE the function's
 * extent is unknown and nothing is reported.
 */
#include "rw.h"

struct frame_use {
	int below_rsp;      /* -N(%rsp) */
	int below_rbp;      /* -N(%rbp) */
	int rbp_from_rsp;   /* mov %rsp,%rbp */
	int lowers_rsp;     /* sub/add/lea/and writing %rsp after that */
};

static int writes_reg(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
	ZydisRegister r)
{
	return in->operand_count_visible >= 1 && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		ops[0].reg.value == r;
}

static void note_operands(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
	struct frame_use *u)
{
	/* lea -N(%rsp),%rsp moves the stack; it keeps nothing below it. */
	int moves_rsp = in->mnemonic == ZYDIS_MNEMONIC_LEA && writes_reg(in, ops, ZYDIS_REGISTER_RSP);
	for (unsigned i = 0; i < in->operand_count_visible && !moves_rsp; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || op->mem.disp.value >= 0)
			continue;
		if (op->mem.base == ZYDIS_REGISTER_RSP)
			u->below_rsp = 1;
		else if (op->mem.base == ZYDIS_REGISTER_RBP)
			u->below_rbp = 1;
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_MOV && in->operand_count_visible == 2 &&
	    ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[0].reg.value == ZYDIS_REGISTER_RBP &&
	    ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[1].reg.value == ZYDIS_REGISTER_RSP) {
		u->rbp_from_rsp = 1;
		return;
	}
	if (u->rbp_from_rsp && writes_reg(in, ops, ZYDIS_REGISTER_RSP) &&
	    (in->mnemonic == ZYDIS_MNEMONIC_SUB || in->mnemonic == ZYDIS_MNEMONIC_ADD ||
	     in->mnemonic == ZYDIS_MNEMONIC_LEA || in->mnemonic == ZYDIS_MNEMONIC_AND))
		u->lowers_rsp = 1;
}

static int scan_function(const struct rw_image *im, const struct rw_range *f)
{
	struct frame_use u = { 0 };
	for (uint64_t pos = f->lo; pos < f->hi; ) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		uint64_t off = rw_image_offset(im, pos);
		size_t avail = f->hi - pos < ZYDIS_MAX_INSTRUCTION_LENGTH ?
			(size_t)(f->hi - pos) : ZYDIS_MAX_INSTRUCTION_LENGTH;
		if (off == UINT64_MAX || !rw_image_bytes(im, pos, avail)) {
			pos++;
			continue;
		}
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&im->decoder, im->data + off, avail, &in, ops))) {
			pos++;
			continue;
		}
		note_operands(&in, ops, &u);
		pos += in.length;
	}
	return u.below_rsp || (u.rbp_from_rsp && u.below_rbp && !u.lowers_rsp);
}

/* Sites come in address order: one scan serves a function's every site. */
int rw_function_uses_red_zone(const struct rw_image *im, struct rw_plan *plan, uint64_t addr)
{
	const struct rw_range *f = rw_fde_of(im, addr);
	if (!f)
		return 0;
	if (plan->red_zone_fde != f) {
		plan->red_zone_fde = f;
		plan->red_zone_uses = scan_function(im, f);
	}
	return plan->red_zone_uses;
}
