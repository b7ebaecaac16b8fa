/*
 * Displaced neighbours: instructions a patch overwrites besides the site,
 * copied into the site's trampoline so that they still run, at another
 * address.  An instruction whose meaning depends on its own address is
 * fixed up: a %rip-relative operand gets a new displacement, a direct jmp or
 * jcc becomes its rel32 form aimed at the same absolute target, as E9Patch
 * relocates instructions (Duck et al., PLDI 2020).  A ret moves as it is,
 * and so does an indirect jmp.  Calls do not move: the return address they
 * push would point into the trampoline, which the .eh_frame unwinder does
 * not know.
 */
#include "rw.h"

#include <string.h>

/* The direct branches that have a rel32 form: jmp rel8/rel32, jcc rel8/rel32. */
static int direct_branch(const ZydisDecodedInstruction *in, int *cond)
{
	if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT) {
		if (in->opcode == 0xeb || in->opcode == 0xe9) {
			*cond = -1;
			return 1;
		}
		if (in->opcode >= 0x70 && in->opcode <= 0x7f) {
			*cond = in->opcode & 0xf;
			return 1;
		}
	}
	if (in->opcode_map == ZYDIS_OPCODE_MAP_0F && in->opcode >= 0x80 && in->opcode <= 0x8f) {
		*cond = in->opcode & 0xf;
		return 1;
	}
	return 0;
}

/* ret and ret imm16 (optionally with rep/bnd): nothing about them depends on rip. */
static int plain_ret(const ZydisDecodedInstruction *in)
{
	return in->mnemonic == ZYDIS_MNEMONIC_RET && in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
		(in->opcode == 0xc3 || in->opcode == 0xc2);
}

/*
 * jmp *%reg or jmp *mem: where it goes does not depend on where it is,
 * except through a %rip-relative disp32, which rw_relocate fixes up.  (The
 * PLT's `jmp *got(%rip)` and the TLS dispatch stubs' `jmp *off(%r11)`.)
 */
static int indirect_jmp(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops)
{
	if (in->mnemonic != ZYDIS_MNEMONIC_JMP || in->operand_count_visible != 1 ||
	    in->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT || in->opcode != 0xff)
		return 0;
	if (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER)
		return ops[0].reg.value != ZYDIS_REGISTER_RIP;
	return ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		ops[0].mem.index != ZYDIS_REGISTER_RIP &&
		(ops[0].mem.base != ZYDIS_REGISTER_RIP || in->raw.disp.size == 32);
}

int rw_displaced_kind(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops)
{
	int cond;
	if (in->attributes & ZYDIS_ATTRIB_HAS_SEGMENT)
		return RW_DISPLACED_NO; /* a branch hint or a stray prefix: leave it be */
	if (plain_ret(in))
		return RW_DISPLACED_RET;
	if (direct_branch(in, &cond) && in->raw.prefix_count == 0)
		return cond < 0 ? RW_DISPLACED_JMP : RW_DISPLACED_JCC;
	if (indirect_jmp(in, ops))
		return RW_DISPLACED_PLAIN;
	if (in->meta.branch_type != ZYDIS_BRANCH_TYPE_NONE)
		return RW_DISPLACED_NO;
	switch (in->meta.category) {
	case ZYDIS_CATEGORY_CALL:
	case ZYDIS_CATEGORY_RET:
	case ZYDIS_CATEGORY_COND_BR:
	case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_INTERRUPT:
	case ZYDIS_CATEGORY_SYSCALL:
	case ZYDIS_CATEGORY_SYSRET:
	case ZYDIS_CATEGORY_SYSTEM:
		return RW_DISPLACED_NO;
	default:
		break;
	}
	for (unsigned i = 0; i < in->operand_count; i++) {
		if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && ops[i].imm.is_relative)
			return RW_DISPLACED_NO;
		if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    (ops[i].reg.value == ZYDIS_REGISTER_RIP || ops[i].reg.value == ZYDIS_REGISTER_EIP))
			return RW_DISPLACED_NO;
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ops[i].mem.base == ZYDIS_REGISTER_RIP && in->raw.disp.size != 32)
			return RW_DISPLACED_NO;
	}
	return RW_DISPLACED_PLAIN;
}

/* jmp/jcc rel32 at `from` to the absolute `to` (Intel SDM vol. 2, JMP and Jcc). */
static void emit_branch32(struct rw_buf *b, int cond, uint64_t from, uint64_t to)
{
	if (cond < 0) {
		rw_emit_jmp(b, from, to);
		return;
	}
	int64_t rel = (int64_t)(to - (from + 6));
	if (rel != (int32_t)rel) {
		b->failed = 1;
		return;
	}
	uint8_t j[6] = { 0x0f, (uint8_t)(0x80 | cond) };
	int32_t r32 = (int32_t)rel;
	memcpy(j + 2, &r32, 4);
	rw_emit_bytes(b, j, sizeof(j));
}

int rw_relocate(struct rw_buf *b, const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, const uint8_t *bytes, uint64_t old_addr, uint64_t new_addr)
{
	int cond;
	if (direct_branch(in, &cond)) {
		uint64_t target;
		if (!ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(in, &ops[0], old_addr, &target)))
			return -1;
		emit_branch32(b, cond, new_addr, target);
		return b->failed ? -1 : 0;
	}
	uint8_t copy[ZYDIS_MAX_INSTRUCTION_LENGTH];
	memcpy(copy, bytes, in->length);
	for (unsigned i = 0; i < in->operand_count; i++) {
		if (ops[i].type != ZYDIS_OPERAND_TYPE_MEMORY || ops[i].mem.base != ZYDIS_REGISTER_RIP)
			continue;
		int64_t disp = ops[i].mem.disp.value + (int64_t)(old_addr - new_addr);
		if (disp != (int32_t)disp)
			return -1;
		int32_t d32 = (int32_t)disp;
		memcpy(copy + in->raw.disp.offset, &d32, 4);
	}
	rw_emit_bytes(b, copy, in->length);
	return b->failed ? -1 : 0;
}
