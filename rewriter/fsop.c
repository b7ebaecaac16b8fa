/*
 * Rewriting one instruction with an %fs memory operand so that it uses the
 * guest thread pointer kept in the TEB (include/lxnt/layout.h) instead of
 * the FS base, which Windows does not give user code.
 */
#include "rw.h"

#include <string.h>

#include <lxnt/layout.h>

/* The memory operand that goes through %fs, or NULL. */
static const ZydisDecodedOperand *fs_operand(const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, unsigned *index)
{
	const ZydisDecodedOperand *found = NULL;
	for (unsigned i = 0; i < in->operand_count; i++) {
		if (ops[i].type != ZYDIS_OPERAND_TYPE_MEMORY ||
		    ops[i].mem.segment != ZYDIS_REGISTER_FS ||
		    ops[i].mem.type == ZYDIS_MEMOP_TYPE_AGEN)
			continue;
		if (found)
			return NULL; /* two %fs operands (e.g. cmps): no single address */
		found = &ops[i];
		*index = i;
	}
	return found;
}

static int is_absolute(const ZydisDecodedOperand *op)
{
	return op->mem.base == ZYDIS_REGISTER_NONE && op->mem.index == ZYDIS_REGISTER_NONE;
}

/* The TEB slot that mirrors tp + off for the glibc tcbhead_t fields we copy. */
static int slot_for_tcb_offset(int64_t off)
{
	switch (off) {
	case LXNT_TCB_SELF:
	case LXNT_TCB_SELF2:
		return LXNT_SLOT_TP;
	case LXNT_TCB_STACK_GUARD:
		return LXNT_SLOT_STACK_GUARD;
	case LXNT_TCB_POINTER_GUARD:
		return LXNT_SLOT_POINTER_GUARD;
	default:
		return -1;
	}
}

/*
 * GS_INPLACE: an instruction that only reads 8 bytes or fewer at an absolute
 * %fs:0, 0x10, 0x28 or 0x30 reads the same value from the TEB slot that the
 * runtime keeps equal to it.  The 0x64 prefix becomes 0x65 and the
 * displacement (SIB disp32 or the moffs of `mov %fs:moffs,%rax`) becomes the
 * slot's offset; the length does not change.  Returns 0 and fills out[], or
 * -1 to decline.
 */
int rw_fs_gs_inplace(const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, const uint8_t *bytes, uint8_t out[15])
{
	unsigned idx = 0;
	const ZydisDecodedOperand *op = fs_operand(in, ops, &idx);
	if (!op || op->mem.type != ZYDIS_MEMOP_TYPE_MEM || !is_absolute(op) ||
	    (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) || op->size > 64 ||
	    idx >= in->operand_count_visible)
		return -1;
	int slot = slot_for_tcb_offset(op->mem.disp.value);
	if (slot < 0 || in->raw.disp.size < 32)
		return -1;
	int fs_prefix = -1;
	for (unsigned i = 0; i < in->raw.prefix_count; i++) {
		uint8_t v = in->raw.prefixes[i].value;
		if (v == 0x2e || v == 0x36 || v == 0x3e || v == 0x26 || v == 0x65)
			return -1;
		if (v == 0x64) {
			if (fs_prefix >= 0)
				return -1;
			fs_prefix = (int)i;
		}
	}
	if (fs_prefix < 0)
		return -1;
	memcpy(out, bytes, in->length);
	out[fs_prefix] = 0x65;
	uint64_t disp = LXNT_TEB_SLOT_OFFSET(slot);
	memset(out + in->raw.disp.offset, 0, in->raw.disp.size / 8);
	memcpy(out + in->raw.disp.offset, &disp, 4);
	return 0;
}

static const ZydisRegister scratch_candidates[] = {
	ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RBX,
	ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI, ZYDIS_REGISTER_R8, ZYDIS_REGISTER_R9,
	ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R11, ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13,
	ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R15, ZYDIS_REGISTER_RBP,
};

static ZydisRegister gpr64(ZydisRegister r)
{
	if (r == ZYDIS_REGISTER_NONE)
		return r;
	return ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
}

/*
 * The general-purpose registers the instruction reads or writes in any way,
 * as a bitmask over scratch_candidates, plus whether it touches %rsp or
 * %rip other than as the base of the %fs operand.
 */
static uint32_t used_registers(const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, unsigned fs_index, int *touches_sp_or_ip)
{
	uint32_t used = 0;
	*touches_sp_or_ip = 0;
	for (unsigned i = 0; i < in->operand_count; i++) {
		ZydisRegister regs[2] = { ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE };
		if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			regs[0] = gpr64(ops[i].reg.value);
		} else if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
			regs[0] = gpr64(ops[i].mem.base);
			regs[1] = gpr64(ops[i].mem.index);
			if (i == fs_index && regs[0] == ZYDIS_REGISTER_RSP)
				regs[0] = ZYDIS_REGISTER_NONE; /* compensated for below */
		}
		for (int k = 0; k < 2; k++) {
			if (regs[k] == ZYDIS_REGISTER_RSP || regs[k] == ZYDIS_REGISTER_RIP ||
			    regs[k] == ZYDIS_REGISTER_ESP || regs[k] == ZYDIS_REGISTER_EIP)
				*touches_sp_or_ip = 1;
			for (unsigned c = 0; c < sizeof(scratch_candidates) / sizeof(scratch_candidates[0]); c++)
				if (regs[k] == scratch_candidates[c])
					used |= 1u << c;
		}
	}
	return used;
}

static int pick_scratch(uint32_t *used, ZydisRegister *r)
{
	for (unsigned c = 0; c < sizeof(scratch_candidates) / sizeof(scratch_candidates[0]); c++) {
		if (!(*used & (1u << c))) {
			*used |= 1u << c;
			*r = scratch_candidates[c];
			return 0;
		}
	}
	return -1;
}

/* The instruction again, its %fs operand replaced by disp(base,index,scale), no segment. */
static int emit_with_operand(struct rw_buf *b, const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, unsigned fs_index, ZydisRegister base,
	ZydisRegister index, uint8_t scale, int64_t disp)
{
	ZydisEncoderRequest req;
	if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(in, ops,
			in->operand_count_visible, &req)))
		return -1;
	ZydisEncoderOperand *m = &req.operands[fs_index];
	if (m->type != ZYDIS_OPERAND_TYPE_MEMORY)
		return -1;
	m->mem.base = base;
	m->mem.index = index;
	m->mem.scale = index == ZYDIS_REGISTER_NONE ? 0 : scale;
	m->mem.displacement = disp;
	req.prefixes &= ~(ZydisInstructionAttributes)(ZYDIS_ATTRIB_HAS_SEGMENT |
		ZYDIS_ATTRIB_HAS_SEGMENT_FS);
	return rw_encode(b, &req);
}

/*
 * The fast body for a plain load `mov %fs:disp(base),D` or
 * `mov %fs:disp(,index,scale),D` where D is a 32- or 64-bit register (both
 * write all 64 bits: Intel SDM vol. 1, 3.4.1.1) that is neither base nor
 * index:
 *   mov %gs:SLOT(TP),D; mov disp(D,base,1),D   (or disp(D,index,scale))
 * D is about to be overwritten anyway, so it can hold tp; no stack, no red
 * zone, no flags.  Returns 1 if the instruction does not have this form.
 */
static int emit_fs_fast_load(struct rw_buf *b, const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, const ZydisDecodedOperand *op, unsigned idx)
{
	if (in->mnemonic != ZYDIS_MNEMONIC_MOV || idx != 1 || in->operand_count_visible != 2 ||
	    ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    ZydisRegisterGetClass(ops[0].reg.value) == ZYDIS_REGCLASS_INVALID ||
	    (ZydisRegisterGetClass(ops[0].reg.value) != ZYDIS_REGCLASS_GPR64 &&
	     ZydisRegisterGetClass(ops[0].reg.value) != ZYDIS_REGCLASS_GPR32))
		return 1;
	ZydisRegister d = gpr64(ops[0].reg.value);
	ZydisRegister base = gpr64(op->mem.base), index = gpr64(op->mem.index);
	if (d == ZYDIS_REGISTER_RSP || base == d || index == d ||
	    (base != ZYDIS_REGISTER_NONE && index != ZYDIS_REGISTER_NONE) ||
	    base == ZYDIS_REGISTER_RSP || base == ZYDIS_REGISTER_RIP ||
	    op->mem.disp.value != (int32_t)op->mem.disp.value)
		return 1;
	size_t start = b->len;
	rw_emit_gs_load(b, d, LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP));
	int bad = index != ZYDIS_REGISTER_NONE ?
		emit_with_operand(b, in, ops, idx, d, op->mem.index, op->mem.scale, op->mem.disp.value) :
		emit_with_operand(b, in, ops, idx, d, op->mem.base, 1, op->mem.disp.value);
	if (bad || b->failed) {
		b->len = start;
		b->failed = 0;
		return 1;
	}
	return 0;
}

/*
 * The trampoline body for a general %fs access (docs/architecture.md,
 * "Rewriting"):
 *   lea -128(%rsp),%rsp; push R
 *   with base and index:
 *     push R2; lea disp(base,index,scale),R   (disp + 144 if base is %rsp)
 *     mov %gs:SLOT(TP),R2; lea (R,R2),R; pop R2
 *   with at most one of them:
 *     mov %gs:SLOT(TP),R; lea disp(R,base,1),R or disp(R,index,scale),R
 *     (disp(%rsp,R,1) with disp + 136 if base is %rsp)
 *   <instruction with (R) as its memory operand>
 *   [push R2; mov (R),R2; mov R2,%gs:SLOT(guard); pop R2]  if it wrote tp+0x28/0x30
 *   pop R; lea 128(%rsp),%rsp
 * Only lea, mov, push and pop are added, so the flags are untouched.
 * Declines (-1) for operands it cannot move: %rip-relative, vector index,
 * implicit (string instructions), non-64-bit addressing, and instructions
 * that use %rsp or change %rip themselves.
 */
int rw_emit_fs_body(struct rw_buf *b, const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops)
{
	unsigned idx = 0;
	const ZydisDecodedOperand *op = fs_operand(in, ops, &idx);
	if (!op || idx >= in->operand_count_visible || op->mem.type != ZYDIS_MEMOP_TYPE_MEM ||
	    in->address_width != 64 || op->mem.base == ZYDIS_REGISTER_RIP ||
	    in->meta.branch_type != ZYDIS_BRANCH_TYPE_NONE)
		return -1;
	if (emit_fs_fast_load(b, in, ops, op, idx) == 0)
		return 0;
	int touches;
	uint32_t used = used_registers(in, ops, idx, &touches);
	ZydisRegister r, r2;
	if (touches || pick_scratch(&used, &r) || pick_scratch(&used, &r2))
		return -1;

	int64_t disp = op->mem.disp.value;
	ZydisRegister base = op->mem.base, index = op->mem.index;
	/* With at most one address register, tp + address is one lea: R alone suffices. */
	int one_scratch = base == ZYDIS_REGISTER_NONE || index == ZYDIS_REGISTER_NONE;
	if (base == ZYDIS_REGISTER_RSP)
		disp += LXNT_RED_ZONE + (one_scratch ? 8 : 16);
	if (disp != (int32_t)disp)
		return -1;

	size_t start = b->len;
	rw_emit_rsp_adjust(b, -LXNT_RED_ZONE);
	rw_emit_push(b, r);
	if (one_scratch) {
		rw_emit_gs_load(b, r, LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP));
		if (base == ZYDIS_REGISTER_RSP) /* %rsp can only be a base */
			rw_emit_lea(b, r, base, r, 1, disp);
		else if (base != ZYDIS_REGISTER_NONE)
			rw_emit_lea(b, r, r, base, 1, disp);
		else
			rw_emit_lea(b, r, r, index, op->mem.scale, disp);
	} else {
		rw_emit_push(b, r2);
		rw_emit_lea(b, r, base, index, op->mem.scale, disp);
		rw_emit_gs_load(b, r2, LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP));
		rw_emit_lea(b, r, r, r2, 1, 0);
		rw_emit_pop(b, r2);
	}
	if (emit_with_operand(b, in, ops, idx, r, ZYDIS_REGISTER_NONE, 0, 0)) {
		b->len = start;
		b->failed = 0;
		return -1;
	}
	int slot = is_absolute(op) ? slot_for_tcb_offset(op->mem.disp.value) : -1;
	if ((op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) &&
	    (slot == LXNT_SLOT_STACK_GUARD || slot == LXNT_SLOT_POINTER_GUARD)) {
		rw_emit_push(b, r2);
		rw_emit_load(b, r2, r);
		rw_emit_gs_store(b, r2, LXNT_TEB_SLOT_OFFSET(slot));
		rw_emit_pop(b, r2);
	}
	rw_emit_pop(b, r);
	rw_emit_rsp_adjust(b, LXNT_RED_ZONE);
	return b->failed ? -1 : 0;
}
