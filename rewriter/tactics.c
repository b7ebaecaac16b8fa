/*
 * The patching ladder (enum lxnt_rung, tried in order; the first that
 * applies wins).  Each tactic either fills in the site's patch, record and
 * trampoline, or declines and leaves the site untouched.
 */
#include "rw.h"

#include <stdlib.h>
#include <string.h>

#include <lxnt/layout.h>

static const uint8_t ud2[2] = { 0x0f, 0x0b };

/* Decode the instruction at vaddr from the input, within its code region. */
static int decode_at(const struct rw_image *im, uint64_t vaddr,
	ZydisDecodedInstruction *in, ZydisDecodedOperand *ops)
{
	uint64_t off = rw_image_offset(im, vaddr);
	if (off == UINT64_MAX)
		return -1;
	size_t avail = ZYDIS_MAX_INSTRUCTION_LENGTH;
	while (avail && !rw_image_bytes(im, vaddr, avail))
		avail--;
	if (!avail || !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&im->decoder, im->data + off,
			avail, in, ops)))
		return -1;
	return 0;
}

/* Replacement for a syscall instruction (sitetab.h): call the runtime entry. */
static void emit_syscall_body(struct rw_buf *b)
{
	rw_emit_rsp_adjust(b, -LXNT_RED_ZONE);
	rw_emit_call_gs(b, LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_SYSCALL_ENTRY));
	rw_emit_rsp_adjust(b, LXNT_RED_ZONE);
}

static int emit_site_body(const struct rw_image *im, const struct rw_site *s,
	struct rw_buf *b)
{
	if (s->rec.kind == LXNT_SITE_SYSCALL) {
		emit_syscall_body(b);
		return b->failed ? -1 : 0;
	}
	if (s->rec.kind != LXNT_SITE_FS)
		return -1;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (decode_at(im, s->rec.addr, &in, ops))
		return -1;
	return rw_emit_fs_body(b, &in, ops);
}

/* An instruction that may run at another address: no control transfer. */
static int relocatable(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops)
{
	if (in->meta.branch_type != ZYDIS_BRANCH_TYPE_NONE)
		return 0;
	switch (in->meta.category) {
	case ZYDIS_CATEGORY_CALL:
	case ZYDIS_CATEGORY_RET:
	case ZYDIS_CATEGORY_COND_BR:
	case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_INTERRUPT:
	case ZYDIS_CATEGORY_SYSCALL:
	case ZYDIS_CATEGORY_SYSRET:
	case ZYDIS_CATEGORY_SYSTEM:
		return 0;
	default:
		break;
	}
	for (unsigned i = 0; i < in->operand_count; i++) {
		if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && ops[i].imm.is_relative)
			return 0;
		if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    (ops[i].reg.value == ZYDIS_REGISTER_RIP || ops[i].reg.value == ZYDIS_REGISTER_EIP))
			return 0;
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ops[i].mem.base == ZYDIS_REGISTER_RIP && in->raw.disp.size != 32)
			return 0;
	}
	return 1;
}

/* Copy a displaced instruction to new_addr, fixing a %rip-relative displacement. */
static int relocate(struct rw_buf *b, const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, const uint8_t *bytes, uint64_t old_addr, uint64_t new_addr)
{
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

/* B1 (E9Patch): jmp rel32 over the site and the instructions after it. */
static int try_jump(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b)
{
	uint64_t end = s->rec.addr + s->rec.length;
	uint64_t tramp = plan->tramp_vaddr + plan->tramp_len;
	if (s->rec.kind != LXNT_SITE_SYSCALL && s->rec.kind != LXNT_SITE_FS)
		return -1;
	if (emit_site_body(im, s, b))
		return -1;
	while (end - s->rec.addr < 5) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (decode_at(im, end, &in, ops) || rw_plan_find(plan, end) || !relocatable(&in, ops))
			return -1;
		if (relocate(b, &in, ops, im->data + rw_image_offset(im, end), end, tramp + b->len))
			return -1;
		end += in.length;
	}
	if (rw_addrset_any_inside(&im->targets, s->rec.addr, end))
		return -1;
	rw_emit_jmp(b, tramp + b->len, end);

	struct rw_buf patch = { s->patch, 0, sizeof(s->patch), 0 };
	rw_emit_jmp(&patch, s->rec.addr, tramp);
	while (!patch.failed && patch.len < end - s->rec.addr)
		rw_emit_bytes(&patch, "\xcc", 1);
	if (b->failed || patch.failed)
		return -1;
	s->rec.rung = LXNT_RUNG_JUMP;
	s->rec.tramp = tramp;
	s->rec.resume = end;
	s->rec.patch_length = (uint8_t)patch.len;
	return 0;
}

static int try_gs_inplace(struct rw_image *im, struct rw_site *s)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (s->rec.kind != LXNT_SITE_FS || decode_at(im, s->rec.addr, &in, ops) ||
	    rw_fs_gs_inplace(&in, ops, s->rec.orig, s->patch))
		return -1;
	s->rec.rung = LXNT_RUNG_GS_INPLACE;
	s->rec.tramp = 0;
	s->rec.resume = s->rec.addr + s->rec.length;
	s->rec.patch_length = s->rec.length;
	return 0;
}

/*
 * The last rung always applies: ud2 over the first two bytes.  An %fs site
 * still gets a trampoline that performs the instruction, so that the
 * exception handler only has to move rip there (sitetab.h).
 */
static void take_trap(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b)
{
	uint64_t tramp = plan->tramp_vaddr + plan->tramp_len;
	b->len = 0;
	b->failed = 0;
	s->rec.tramp = 0;
	if (s->rec.kind == LXNT_SITE_FS && emit_site_body(im, s, b) == 0) {
		rw_emit_jmp(b, tramp + b->len, s->rec.addr + s->rec.length);
		if (!b->failed)
			s->rec.tramp = tramp;
	}
	if (!s->rec.tramp)
		b->len = 0;
	memcpy(s->patch, ud2, sizeof(ud2));
	s->rec.rung = LXNT_RUNG_TRAP;
	s->rec.resume = s->rec.addr + s->rec.length;
	s->rec.patch_length = sizeof(ud2);
}

static int append_tramp(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	const struct rw_buf *b)
{
	if (plan->tramp_len + b->len > plan->tramp_cap) {
		size_t cap = plan->tramp_cap ? 2 * plan->tramp_cap : 65536;
		while (cap < plan->tramp_len + b->len)
			cap *= 2;
		uint8_t *p = realloc(plan->tramp, cap);
		if (!p)
			return rw_error(im, "out of memory");
		plan->tramp = p;
		plan->tramp_cap = cap;
	}
	s->tramp_offset = (uint32_t)plan->tramp_len;
	s->tramp_len = (uint32_t)b->len;
	memcpy(plan->tramp + plan->tramp_len, b->p, b->len);
	plan->tramp_len += b->len;
	return 0;
}

int rw_plan_sites(struct rw_image *im, struct rw_plan *plan)
{
	uint8_t body[RW_TRAMP_MAX];
	for (size_t i = 0; i < plan->nsites; i++) {
		struct rw_site *s = &plan->sites[i];
		struct rw_buf b = { body, 0, sizeof(body), 0 };
		int done = 0;
		if (!plan->force_trap) {
			done = try_gs_inplace(im, s) == 0;
			if (!done) {
				b.len = 0;
				b.failed = 0;
				done = try_jump(im, plan, s, &b) == 0;
			}
		}
		if (!done)
			take_trap(im, plan, s, &b);
		if (append_tramp(im, plan, s, &b))
			return -1;
	}
	return 0;
}
