/*
 * Encoders for the few instructions trampolines are made of.  All but the
 * fixed-form jmp rel32 and %gs load go through the Zydis encoder, so that registers above
 * 7 and %rbp/%rsp/%r12/%r13 bases get their REX, SIB and disp8 forms right.
 */
#include "rw.h"

#include <stdlib.h>
#include <string.h>

void rw_emit_bytes(struct rw_buf *b, const void *bytes, size_t n)
{
	if (b->failed || b->len + n > b->cap) {
		b->failed = 1;
		return;
	}
	memcpy(b->p + b->len, bytes, n);
	b->len += n;
}

int rw_encode(struct rw_buf *b, const ZydisEncoderRequest *req)
{
	uint8_t tmp[ZYDIS_MAX_INSTRUCTION_LENGTH];
	ZyanUSize n = sizeof(tmp);
	if (b->failed || !ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(req, tmp, &n))) {
		b->failed = 1;
		return -1;
	}
	rw_emit_bytes(b, tmp, n);
	return b->failed ? -1 : 0;
}

static void request(ZydisEncoderRequest *req, ZydisMnemonic m, unsigned nops)
{
	memset(req, 0, sizeof(*req));
	req->machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
	req->mnemonic = m;
	req->operand_count = (ZyanU8)nops;
}

static void op_reg(ZydisEncoderOperand *op, ZydisRegister r)
{
	op->type = ZYDIS_OPERAND_TYPE_REGISTER;
	op->reg.value = r;
}

static void op_mem(ZydisEncoderOperand *op, ZydisRegister base, ZydisRegister index,
	uint8_t scale, int64_t disp)
{
	op->type = ZYDIS_OPERAND_TYPE_MEMORY;
	op->mem.base = base;
	op->mem.index = index;
	op->mem.scale = index == ZYDIS_REGISTER_NONE ? 0 : scale;
	op->mem.displacement = disp;
	op->mem.size = 8;
}

/* lea delta(%rsp),%rsp: moves %rsp without touching the flags. */
void rw_emit_rsp_adjust(struct rw_buf *b, int32_t delta)
{
	rw_emit_lea(b, ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_NONE, 0, delta);
}

void rw_emit_push(struct rw_buf *b, ZydisRegister r)
{
	ZydisEncoderRequest req;
	request(&req, ZYDIS_MNEMONIC_PUSH, 1);
	op_reg(&req.operands[0], r);
	rw_encode(b, &req);
}

void rw_emit_pop(struct rw_buf *b, ZydisRegister r)
{
	ZydisEncoderRequest req;
	request(&req, ZYDIS_MNEMONIC_POP, 1);
	op_reg(&req.operands[0], r);
	rw_encode(b, &req);
}

/*
 * mov %gs:off,%r (an absolute address: no base, no index), always as
 * 65 REX.W 8B /r with SIB 0x25 and disp32.  For %rax an encoder would pick
 * the shorter `67 A1 moffs32`, whose address-size prefix changes the
 * instruction's length and stalls the predecoder (Intel optimization manual,
 * "Length-Changing Prefixes").
 */
void rw_emit_gs_load(struct rw_buf *b, ZydisRegister r, uint32_t gs_offset)
{
	if (ZydisRegisterGetClass(r) != ZYDIS_REGCLASS_GPR64) {
		b->failed = 1;
		return;
	}
	unsigned id = (unsigned)ZydisRegisterGetId(r);
	uint8_t bytes[9] = { 0x65, (uint8_t)(0x48 | (id >= 8 ? 4 : 0)), 0x8b,
		(uint8_t)(((id & 7) << 3) | 4), 0x25 };
	memcpy(bytes + 5, &gs_offset, 4);
	rw_emit_bytes(b, bytes, sizeof(bytes));
}

void rw_emit_gs_store(struct rw_buf *b, ZydisRegister r, uint32_t gs_offset)
{
	ZydisEncoderRequest req;
	request(&req, ZYDIS_MNEMONIC_MOV, 2);
	req.prefixes = ZYDIS_ATTRIB_HAS_SEGMENT_GS;
	op_mem(&req.operands[0], ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, gs_offset);
	op_reg(&req.operands[1], r);
	rw_encode(b, &req);
}

/* call *%gs:off */
void rw_emit_call_gs(struct rw_buf *b, uint32_t gs_offset)
{
	ZydisEncoderRequest req;
	request(&req, ZYDIS_MNEMONIC_CALL, 1);
	req.prefixes = ZYDIS_ATTRIB_HAS_SEGMENT_GS;
	op_mem(&req.operands[0], ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, gs_offset);
	rw_encode(b, &req);
}

void rw_emit_lea(struct rw_buf *b, ZydisRegister dst, ZydisRegister base,
	ZydisRegister index, uint8_t scale, int64_t disp)
{
	ZydisEncoderRequest req;
	request(&req, ZYDIS_MNEMONIC_LEA, 2);
	op_reg(&req.operands[0], dst);
	op_mem(&req.operands[1], base, index, scale, disp);
	rw_encode(b, &req);
}

/* mov (base),%dst */
void rw_emit_load(struct rw_buf *b, ZydisRegister dst, ZydisRegister base)
{
	ZydisEncoderRequest req;
	request(&req, ZYDIS_MNEMONIC_MOV, 2);
	op_reg(&req.operands[0], dst);
	op_mem(&req.operands[1], base, ZYDIS_REGISTER_NONE, 0, 0);
	rw_encode(b, &req);
}

/* jmp rel32 from the current end of the buffer, which sits at `from`. */
void rw_emit_jmp(struct rw_buf *b, uint64_t from, uint64_t to)
{
	int64_t rel = (int64_t)(to - (from + 5));
	if (rel != (int32_t)rel) {
		b->failed = 1;
		return;
	}
	uint8_t j[5] = { 0xe9 };
	int32_t r32 = (int32_t)rel;
	memcpy(j + 1, &r32, 4);
	rw_emit_bytes(b, j, 5);
}
