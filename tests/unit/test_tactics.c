/*
 * The tactics added to the ladder: branches and ret moved with B1, and
 * T3 neighbour eviction (docs/architecture.md "Rewriting").  Each test
 * checks the exact patch bytes and decodes the trampolines back.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <lxnt/layout.h>

#include "elfgen.h"
#include "rwtest.h"

#define A ELFGEN_CODE_VADDR

/* Decode the one instruction at vaddr of the rewritten file. */
static void decode_one(const struct rewritten *rw, uint64_t vaddr,
	ZydisDecodedInstruction *in, ZydisDecodedOperand *ops)
{
	ZydisDecoder dec;
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	const uint8_t *p = rewritten_at(rw, vaddr);
	cr_assert_not_null(p);
	cr_assert(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, p, 15, in, ops)),
		"undecodable at %#llx", (unsigned long long)vaddr);
}

static uint64_t branch_target(const ZydisDecodedInstruction *in,
	const ZydisDecodedOperand *ops, uint64_t at)
{
	ZyanU64 t = 0;
	cr_assert(ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(in, &ops[0], at, &t)));
	return t;
}

/* The syscall replacement at the head of a trampoline (sitetab.h). */
static void assert_syscall_body(const ZydisDecodedInstruction *in,
	ZydisDecodedOperand (*ops)[ZYDIS_MAX_OPERAND_COUNT])
{
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_LEA);
	cr_assert_eq(ops[0][1].mem.disp.value, -LXNT_RED_ZONE);
	cr_assert_eq(in[1].mnemonic, ZYDIS_MNEMONIC_CALL);
	cr_assert_eq(ops[1][0].mem.segment, ZYDIS_REGISTER_GS);
	cr_assert_eq(in[2].mnemonic, ZYDIS_MNEMONIC_LEA);
	cr_assert_eq(ops[2][1].mem.disp.value, LXNT_RED_ZONE);
}

Test(tactics, jump_moves_jcc_rel8_as_rel32)
{
	/* syscall; jne A+0x14; nop; nop x 15; ret at A+0x14 */
	uint8_t code[0x15];
	memset(code, 0x90, sizeof(code));
	memcpy(code, "\x0f\x05\x75\x10", 4);
	code[0x14] = 0xc3;
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_JUMP, "rung %u tramp %#llx", s->rung, (unsigned long long)s->tramp);
	cr_assert_eq(s->patch_length, 5);
	cr_assert_eq(s->resume, A + 5);
	cr_assert_eq(rewritten_at(&rw, A)[0], 0xe9);

	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back;
	size_t n = decode_tramp(&rw, s, in, ops, 8, &back);
	cr_assert_eq(n, 6);
	assert_syscall_body(in, ops);
	uint64_t jne_at = s->tramp + in[0].length + in[1].length + in[2].length;
	cr_assert_eq(in[3].mnemonic, ZYDIS_MNEMONIC_JNZ);
	cr_assert_eq(in[3].length, 6, "jne rel8 re-encoded as 0f 85 rel32");
	cr_assert_eq(branch_target(&in[3], ops[3], jne_at), A + 0x14, "same absolute target");
	cr_assert_eq(in[4].mnemonic, ZYDIS_MNEMONIC_NOP);
	cr_assert_eq(back, A + 5);
	rewritten_free(&rw);
}

Test(tactics, jump_moves_jmp_rel8_as_rel32)
{
	/* syscall; jmp A+0x10; nop x 12; ret at A+0x10 */
	uint8_t code[0x11];
	memset(code, 0x90, sizeof(code));
	memcpy(code, "\x0f\x05\xeb\x0c", 4);
	code[0x10] = 0xc3;
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_JUMP, "rung %u tramp %#llx", s->rung, (unsigned long long)s->tramp);
	cr_assert_eq(s->resume, A + 5);

	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t first_jmp, back;
	size_t n = decode_tramp(&rw, s, in, ops, 8, &first_jmp);
	cr_assert_eq(n, 4);
	assert_syscall_body(in, ops);
	cr_assert_eq(in[3].length, 5, "jmp rel8 re-encoded as e9 rel32");
	cr_assert_eq(first_jmp, A + 0x10, "same absolute target");
	/* then the nop it displaced and the jmp back */
	uint64_t at = s->tramp + in[0].length + in[1].length + in[2].length + 5;
	decode_one(&rw, at, &in[0], ops[0]);
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_NOP);
	decode_one(&rw, at + 1, &in[0], ops[0]);
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_JMP);
	back = branch_target(&in[0], ops[0], at + 1);
	cr_assert_eq(back, A + 5);
	rewritten_free(&rw);
}

Test(tactics, jump_moves_ret)
{
	const uint8_t code[] = { 0x0f, 0x05, 0xc3, 0x90, 0x90, 0x90 }; /* syscall; ret; nops */
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_JUMP, "rung %u tramp %#llx", s->rung, (unsigned long long)s->tramp);
	cr_assert_eq(s->patch_length, 5);
	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back;
	size_t n = decode_tramp(&rw, s, in, ops, 8, &back);
	cr_assert_eq(n, 7);
	assert_syscall_body(in, ops);
	cr_assert_eq(in[3].mnemonic, ZYDIS_MNEMONIC_RET);
	cr_assert_eq(in[3].length, 1, "ret copied as it is");
	cr_assert_eq(back, A + 5);
	rewritten_free(&rw);
}

Test(tactics, evict_victim_after_branch_target)
{
	/* A: syscall; A+2 (a branch target): mov %rax,%rdi; mov %rax,%rsi;
	 * mov %rax,%rdx; nop; A+12: ret; A+13: jmp A+2 */
	const uint8_t code[] = {
		0x0f, 0x05, 0x48, 0x89, 0xc7, 0x48, 0x89, 0xc6, 0x48, 0x89, 0xc2, 0x90,
		0xc3, 0xeb, 0xf3,
	};
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_EVICT);
	cr_assert_eq(s->resume, A + 2);
	cr_assert_eq(s->patch_length, 12);
	cr_assert_arr_eq(s->orig, code, 12, "orig keeps the evicted bytes");
	const uint8_t *p = rewritten_at(&rw, A);
	cr_assert_eq(p[0], 0xeb);
	cr_assert_eq(p[1], 0x05, "jmp rel8 to A+7");
	cr_assert_arr_eq(p + 12, code + 12, 3, "bytes after the patch unchanged");

	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	decode_one(&rw, A + 7, &in[0], ops[0]);
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_JMP);
	cr_assert_eq(branch_target(&in[0], ops[0], A + 7), s->tramp);
	uint64_t back;
	size_t n = decode_tramp(&rw, s, in, ops, 8, &back);
	cr_assert_eq(n, 4);
	assert_syscall_body(in, ops);
	cr_assert_eq(back, A + 2, "the site's trampoline resumes at the victim");

	/* The victim: jmp at A+2 to a trampoline running the four moved
	 * instructions, then back to A+12. */
	decode_one(&rw, A + 2, &in[0], ops[0]);
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_JMP);
	cr_assert_eq(in[0].length, 5);
	struct lxnt_site victim = { .tramp = branch_target(&in[0], ops[0], A + 2) };
	n = decode_tramp(&rw, &victim, in, ops, 8, &back);
	cr_assert_eq(n, 5);
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_MOV);
	cr_assert_eq(ops[0][0].reg.value, ZYDIS_REGISTER_RDI);
	cr_assert_eq(ops[1][0].reg.value, ZYDIS_REGISTER_RSI);
	cr_assert_eq(ops[2][0].reg.value, ZYDIS_REGISTER_RDX);
	cr_assert_eq(in[3].mnemonic, ZYDIS_MNEMONIC_NOP);
	cr_assert_eq(back, A + 12);
	cr_assert_eq(rw.rep.rung_count[LXNT_RUNG_EVICT], 1);
	rewritten_free(&rw);
}

Test(tactics, evict_padding_after_ret)
{
	/* A: syscall; A+2: ret (a branch target); A+3: 6 x nop (padding);
	 * A+9: ret (a branch target); A+10: jmp A+2; A+12: jmp A+9 */
	const uint8_t code[] = {
		0x0f, 0x05, 0xc3, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xc3,
		0xeb, 0xf6, 0xeb, 0xfb,
	};
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_EVICT);
	cr_assert_eq(s->resume, A + 2);
	cr_assert_eq(s->patch_length, 8);
	const uint8_t *p = rewritten_at(&rw, A);
	cr_assert_eq(p[0], 0xeb);
	cr_assert_eq(p[1], 0x01, "jmp rel8 to the padding at A+3");
	cr_assert_eq(p[2], 0xc3, "the ret stays in place");
	cr_assert_arr_eq(p + 8, code + 8, sizeof(code) - 8);

	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	decode_one(&rw, A + 3, &in[0], ops[0]);
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_JMP);
	cr_assert_eq(branch_target(&in[0], ops[0], A + 3), s->tramp);
	uint64_t back;
	size_t n = decode_tramp(&rw, s, in, ops, 8, &back);
	cr_assert_eq(n, 4);
	assert_syscall_body(in, ops);
	cr_assert_eq(back, A + 2);
	rewritten_free(&rw);
}

Test(tactics, evict_declined_for_target_in_victim)
{
	/* A: jmp S+2; jmp S+5; jmp S+8; S = A+6: syscall; mov; mov; mov; nop;
	 * ret.  Every later neighbour has a target inside its 10 bytes. */
	const uint8_t code[] = {
		0xeb, 0x06, 0xeb, 0x07, 0xeb, 0x08,
		0x0f, 0x05, 0x48, 0x89, 0xc7, 0x48, 0x89, 0xc6, 0x48, 0x89, 0xc2, 0x90, 0xc3,
	};
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].addr, A + 6);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_TRAP);
	cr_assert_arr_eq(rewritten_at(&rw, A + 8), code + 8, sizeof(code) - 8);
	rewritten_free(&rw);
}

static int first_rung_with_data(const uint8_t *code, size_t len, const uint8_t *data,
	size_t dlen)
{
	size_t n;
	char err[256] = "";
	struct rewritten rw;
	uint8_t *elf = elfgen_exec_data(code, len, data, dlen, &n);
	cr_assert_eq(rewrite_buffer(elf, n, 0, &rw, err, sizeof(err)), 0, "%s", err);
	int rung = rwtest_rung(&rw.sites[0]);
	rewritten_free(&rw);
	free(elf);
	return rung;
}

Test(tactics, table_entry_inside_an_instruction_is_not_a_target)
{
	/* lea table(%rip),%rdx; syscall; mov %rax,%rdi; ret.  The "table"
	 * holds (A + 10) - table, the middle of the mov: not a jump table, so
	 * the mov may move.  Pointing at the mov itself (A + 9) blocks it. */
	uint8_t code[] = { 0x48, 0x8d, 0x15, 0, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xc3 };
	int32_t rel = (int32_t)(ELFGEN_DATA_VADDR - (A + 7));
	memcpy(code + 3, &rel, 4);
	int32_t entries[2] = { (int32_t)((A + 10) - ELFGEN_DATA_VADDR), 0x7fffffff };
	uint8_t data[8];
	memcpy(data, entries, sizeof(data));
	cr_assert_eq(first_rung_with_data(code, sizeof(code), data, sizeof(data)), LXNT_RUNG_JUMP);
	/* Pointing at the mov itself blocks the jump over it; the patch then
	 * starts at the lea and ends at the mov. */
	entries[0] = (int32_t)((A + 9) - ELFGEN_DATA_VADDR);
	memcpy(data, entries, sizeof(data));
	cr_assert_eq(first_rung_with_data(code, sizeof(code), data, sizeof(data)),
		RWTEST_RUNG_JUMP_PRE);
}

Test(tactics, jump_moves_indirect_jmp)
{
	/* mov %fs:(%rax),%r11; jmp *0x80(%r11); int3 x 4 (the TLS dispatch stub) */
	const uint8_t code[] = {
		0x64, 0x4c, 0x8b, 0x18, 0x41, 0xff, 0xa3, 0x80, 0x00, 0x00, 0x00,
		0xcc, 0xcc, 0xcc, 0xcc,
	};
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_JUMP);
	cr_assert_eq(s->patch_length, 11);
	cr_assert_eq(s->resume, A + 11);
	cr_assert_arr_eq(s->orig, code, 11);
	/* The trampoline: the %fs body, then the jmp *0x80(%r11) copied as it is. */
	ZydisDecoder dec;
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	uint64_t ip = s->tramp;
	for (int i = 0; i < 32; i++) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		decode_one(&rw, ip, &in, ops);
		for (unsigned o = 0; o < in.operand_count; o++)
			cr_assert(ops[o].type != ZYDIS_OPERAND_TYPE_MEMORY ||
				ops[o].mem.segment != ZYDIS_REGISTER_FS, "%%fs left in the trampoline");
		if (in.mnemonic == ZYDIS_MNEMONIC_JMP && ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
			cr_assert_arr_eq(rewritten_at(&rw, ip), code + 4, 7);
			rewritten_free(&rw);
			return;
		}
		ip += in.length;
	}
	cr_assert_fail("no jmp *0x80(%%r11) in the trampoline");
}

/*
 * JUMP with a patch that starts before the site (glibc's exit loop):
 * xor %edi,%edi; mov %edx,%eax; syscall; jmp A; ret.  The syscall and the
 * jmp are 4 bytes, and the ret after them is a branch target, so the jump
 * starts at the mov, which moves into the trampoline ahead of the
 * replacement; the jmp follows as a rel32 to the same target.
 */
Test(tactics, jump_before_moves_preceding_instructions)
{
	const uint8_t code[] = { 0x31, 0xff, 0x89, 0xd0, 0x0f, 0x05, 0xeb, 0xf8, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->addr, A + 4);
	cr_assert_eq(rwtest_rung(s), RWTEST_RUNG_JUMP_PRE, "rung %u", s->rung);
	cr_assert_eq(s->patch_before, 2);
	cr_assert_eq(s->patch_length, 6);
	cr_assert_eq(s->resume, A + 8);
	cr_assert_arr_eq(s->orig, code + 2, 6, "orig starts at the patch");
	const uint8_t *p = rewritten_at(&rw, A);
	cr_assert_arr_eq(p, code, 2, "the xor before the patch stays");
	cr_assert_eq(p[2], 0xe9);
	cr_assert_eq(p[7], 0xcc);
	cr_assert_eq(p[8], 0xc3, "the ret after the patch stays");

	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back;
	/* decode_tramp stops at the first jmp: here the moved one */
	size_t n = decode_tramp(&rw, s, in, ops, 8, &back);
	cr_assert_eq(n, 5);
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_MOV, "the moved mov opens the trampoline");
	assert_syscall_body(in + 1, ops + 1);
	cr_assert_eq(in[4].mnemonic, ZYDIS_MNEMONIC_JMP);
	cr_assert_eq(in[4].length, 5, "jmp rel8 re-encoded as rel32");
	cr_assert_eq(back, A, "the loop still goes to A");
	uint64_t after = s->tramp;
	for (size_t i = 0; i < n; i++)
		after += in[i].length;
	const uint8_t *j = rewritten_at(&rw, after);
	int32_t rel;
	memcpy(&rel, j + 1, 4);
	cr_assert_eq(j[0], 0xe9);
	cr_assert_eq(after + 5 + (uint64_t)(int64_t)rel, A + 8, "then back to the end of the patch");
	rewritten_free(&rw);
}

/* The moved instruction may be %rip-relative: its disp32 is fixed up. */
Test(tactics, jump_before_fixes_rip_relative_preceding)
{
	/* mov data(%rip),%rdx; mov %fs:(%rdx),%eax; call A+15; ret */
	uint8_t code[] = { 0x48, 0x8b, 0x15, 0, 0, 0, 0, 0x64, 0x8b, 0x02,
		0xe8, 0, 0, 0, 0, 0xc3 };
	int32_t rel = (int32_t)(ELFGEN_DATA_VADDR - (A + 7));
	memcpy(code + 3, &rel, 4);
	uint8_t data[8] = { 0 };
	size_t n;
	char err[256] = "";
	struct rewritten rw;
	uint8_t *elf = elfgen_exec_data(code, sizeof(code), data, sizeof(data), &n);
	cr_assert_eq(rewrite_buffer(elf, n, 0, &rw, err, sizeof(err)), 0, "%s", err);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(rwtest_rung(s), RWTEST_RUNG_JUMP_PRE, "rung %u", s->rung);
	cr_assert_eq(s->patch_before, 7);
	cr_assert_eq(s->patch_length, 10, "the call after the site stays");
	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back, abs = 0;
	decode_tramp(&rw, s, in, ops, 8, &back);
	cr_assert_eq(ops[0][1].mem.base, ZYDIS_REGISTER_RIP);
	cr_assert(ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&in[0], &ops[0][1], s->tramp, &abs)));
	cr_assert_eq(abs, ELFGEN_DATA_VADDR, "same absolute operand");
	cr_assert_eq(back, A + 10);
	rewritten_free(&rw);
	free(elf);
}

/*
 * No patch may start before a site that is itself a branch target (je A+4
 * lands on the syscall), nor take a branch along: this one has no rung but
 * the trap.
 */
Test(tactics, jump_before_declines_over_a_target)
{
	const uint8_t code[] = { 0x74, 0x02, 0x89, 0xd0, 0x0f, 0x05, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_TRAP);
	cr_assert_eq(rw.sites[0].patch_before, 0);
	rewritten_free(&rw);
}

/* Nor over an earlier site's patch: the first syscall's jump covers the
 * mov, so the second site cannot take it along. */
Test(tactics, jump_before_never_overlaps_an_earlier_patch)
{
	/* syscall; mov %rax,%rdi; syscall; jmp A; ret */
	const uint8_t code[] = { 0x0f, 0x05, 0x48, 0x89, 0xc7, 0x0f, 0x05, 0xeb, 0xf7, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_JUMP);
	cr_assert_eq(rw.sites[0].patch_length, 5);
	cr_assert_eq(rw.sites[1].patch_before, 0);
	cr_assert_eq(rw.sites[1].rung, LXNT_RUNG_TRAP);
	rewritten_free(&rw);
}

/*
 * PUNNED (rewriter/punned.c): the jmp rel32 at a short site whose rel32
 * ends in bytes that must stay, and the trampoline at the address they say.
 */

/* The trampoline performs the syscall and returns to `back`. */
static void assert_punned_syscall_tramp(const struct rewritten *rw, const struct lxnt_site *s,
	uint64_t back)
{
	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t to;
	cr_assert_geq(s->tramp, rw->hdr.tramp_vaddr);
	cr_assert_lt(s->tramp, rw->hdr.tramp_vaddr + rw->hdr.tramp_size);
	cr_assert_eq(decode_tramp(rw, s, in, ops, 8, &to), 4);
	assert_syscall_body(in, ops);
	cr_assert_eq(to, back);
}

Test(tactics, punned_over_call_after_syscall)
{
	/* syscall; call A+7; ret: the call cannot move, so JUMP declines.  The
	 * jmp's rel32 is <x> e8 00 00: its high bytes are the call's, kept. */
	const uint8_t code[] = { 0x0f, 0x05, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_PUNNED, "rung %u", s->rung);
	cr_assert_eq(s->kept, 2);
	cr_assert_eq(s->patch_length, 5);
	cr_assert_eq(s->resume, A + 2);
	const uint8_t *p = rewritten_at(&rw, A);
	cr_assert_eq(p[0], 0xe9);
	cr_assert_arr_eq(p + 2, code + 2, sizeof(code) - 2, "the call is unchanged");
	cr_assert_eq(s->tramp, A + 5 + (uint64_t)(p[1] | 0xe800u));
	cr_assert_arr_eq(s->orig, code, 5);
	assert_punned_syscall_tramp(&rw, s, A + 2);
	rewritten_free(&rw);
}

/* The address the first trampoline of a one-site snippet of `len` bytes gets. */
static uint64_t first_tramp(size_t len)
{
	uint8_t code[64];
	cr_assert_leq(len, sizeof(code));
	memset(code, 0x90, len);
	memcpy(code, "\x0f\x05", 2); /* syscall; nops: JUMP */
	code[len - 1] = 0xc3;
	struct rewritten rw;
	rewrite_snippet(code, len, 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_JUMP);
	uint64_t t = rw.sites[0].tramp;
	rewritten_free(&rw);
	return t;
}

Test(tactics, punned_with_a_prefix)
{
	/* A: syscall; A+2 (a branch target): mov $imm,%eax; ret; jmp A+2.
	 * Without a prefix the rel32 would be <x> b8 i0 00, megabytes away;
	 * one prefix makes it b8 i0 00 00, which i0 puts just past the
	 * start of the trampoline area. */
	uint8_t code[] = { 0x0f, 0x05, 0xb8, 0, 0x00, 0x00, 0x00, 0xc3, 0xeb, 0xf8 };
	uint64_t next = first_tramp(sizeof(code));
	uint64_t i0 = ((next - (A + 6)) >> 8) + 1;
	cr_assert(i0 >= 2 && i0 < 0x80 && (i0 << 16) > next - (A + 5) + 0x10000,
		"the snippet's trampolines are where this test expects");
	code[3] = (uint8_t)i0;
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_PUNNED, "rung %u", s->rung);
	cr_assert_eq(s->kept, 2);
	cr_assert_eq(s->patch_length, 6);
	const uint8_t *p = rewritten_at(&rw, A);
	cr_assert_eq(p[0], 0x48, "REX.W, which a near jmp ignores");
	cr_assert_eq(p[1], 0xe9);
	cr_assert_arr_eq(p + 2, code + 2, sizeof(code) - 2, "the mov is unchanged");
	cr_assert_eq(s->tramp, A + 6 + (0xb8 | (i0 << 8)));
	assert_punned_syscall_tramp(&rw, s, A + 2);
	rewritten_free(&rw);
}

Test(tactics, punned_keeps_the_tail_after_a_target_inside)
{
	/* movl $1,%fs:0x1c (12 bytes); ret; jmp A+10: a branch lands on the
	 * last two bytes of the immediate.  No pun is needed: jmp, int3 to
	 * +10, and those two bytes left as they were. */
	const uint8_t code[] = {
		0x64, 0xc7, 0x04, 0x25, 0x1c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0xc3, 0xeb, 0xfb,
	};
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_PUNNED, "rung %u", s->rung);
	cr_assert_eq(s->kept, 10);
	cr_assert_eq(s->patch_length, 10);
	cr_assert_eq(s->resume, A + 12);
	const uint8_t *p = rewritten_at(&rw, A);
	cr_assert_eq(p[0], 0xe9);
	for (int i = 5; i < 10; i++)
		cr_assert_eq(p[i], 0xcc, "padding is int3");
	cr_assert_arr_eq(p + 10, code + 10, sizeof(code) - 10);
	ZydisDecodedInstruction in[32];
	ZydisDecodedOperand ops[32][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back;
	decode_tramp(&rw, s, in, ops, 32, &back);
	cr_assert_eq(back, A + 12);
	rewritten_free(&rw);
}

Test(tactics, punned_declined_out_of_reach)
{
	/* syscall; A+2 (a target): mov $0x7f7f7f7f,%eax; ret; jmp A+2: every
	 * pun lands 2 GiB away, and nothing else fits: the trap. */
	const uint8_t code[] = { 0x0f, 0x05, 0xb8, 0x7f, 0x7f, 0x7f, 0x7f, 0xc3, 0xeb, 0xf8 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_TRAP, "rung %u", rw.sites[0].rung);
	cr_assert_eq(rw.sites[0].kept, 0);
	cr_assert_arr_eq(rewritten_at(&rw, A + 2), code + 2, sizeof(code) - 2);
	rewritten_free(&rw);
}

Test(tactics, punned_declined_over_another_site)
{
	/* syscall; syscall; call; ret: the first jmp's rel32 would overlap
	 * the second site, whose own patch changes those bytes. */
	const uint8_t code[] = { 0x0f, 0x05, 0x0f, 0x05, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_TRAP, "rung %u", rw.sites[0].rung);
	cr_assert_neq(rw.sites[1].rung, LXNT_RUNG_JUMP);
	rewritten_free(&rw);
}

Test(tactics, punned_declined_past_the_code)
{
	/* syscall; ret at the end of the code: the rel32 would read past it. */
	const uint8_t code[] = { 0x90, 0x0f, 0x05, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_neq(rw.sites[0].rung, LXNT_RUNG_PUNNED);
	rewritten_free(&rw);
}

Test(tactics, punned_in_a_linked_program)
{
	/* tests/unit/punned_snippet.c: syscall (a branch target); call .+5.
	 * The minirun test runs it rewritten. */
	const char *path = getenv("LXNT_TEST_PUNNED");
	cr_assert_not_null(path, "LXNT_TEST_PUNNED not set");
	uint8_t *in;
	size_t n;
	char err[256];
	cr_assert_eq(lxnt_read_file(path, &in, &n, err, sizeof(err)), 0, "%s", err);
	struct rewritten rw;
	cr_assert_eq(rewrite_buffer(in, n, 0, &rw, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rw.hdr.rung_count[LXNT_RUNG_PUNNED], 1);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_PUNNED);
	cr_assert_arr_eq(rewritten_at(&rw, s->addr + 2), s->orig + 2, 3, "the call's first bytes");
	assert_punned_syscall_tramp(&rw, s, s->addr + 2);
	rewritten_free(&rw);
	free(in);
}

Test(tactics, pie_data_pointers_come_from_relocations)
{
	/* tests/unit/reloc_snippet.c: an integer of .rodata equal to a code
	 * address does not block a jump patch; a relocated pointer does. */
	const char *path = getenv("LXNT_TEST_RELOC");
	cr_assert_not_null(path, "LXNT_TEST_RELOC not set");
	uint8_t *in;
	size_t n;
	char err[256];
	cr_assert_eq(lxnt_read_file(path, &in, &n, err, sizeof(err)), 0, "%s", err);
	struct rewritten rw;
	cr_assert_eq(rewrite_buffer(in, n, 0, &rw, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rw.hdr.site_count, 2);
	cr_assert_eq(rw.sites[0].addr, 0x2007);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_JUMP, "rung %u", rw.sites[0].rung);
	cr_assert_eq(rw.sites[1].addr, 0x2010);
	cr_assert_neq(rw.sites[1].rung, LXNT_RUNG_JUMP);
	rewritten_free(&rw);
	free(in);
}
