/* Each rung of the ladder on hand-assembled snippets (docs/architecture.md). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <lxnt/layout.h>

#include "elfgen.h"
#include "rwtest.h"

#define A ELFGEN_CODE_VADDR

static const uint8_t ud2[2] = { 0x0f, 0x0b };

Test(rungs, forced_trap_syscall)
{
	const uint8_t code[] = { 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xc3 }; /* syscall; mov %rax,%rdi; ret */
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 1, &rw);
	cr_assert_eq(rw.hdr.site_count, 1);
	cr_assert(rw.hdr.flags & LXNT_SITE_F_FORCED_TRAP);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->addr, A);
	cr_assert_eq(s->kind, LXNT_SITE_SYSCALL);
	cr_assert_eq(s->rung, LXNT_RUNG_TRAP);
	cr_assert_eq(s->tramp, 0);
	cr_assert_eq(s->resume, A + 2);
	cr_assert_eq(s->length, 2);
	cr_assert_eq(s->patch_length, 2);
	cr_assert_arr_eq(s->orig, code, 2);
	cr_assert_arr_eq(rewritten_at(&rw, A), ud2, 2);
	cr_assert_arr_eq(rewritten_at(&rw, A + 2), code + 2, sizeof(code) - 2);
	cr_assert_str_eq(rw.hdr.rewriter_version, "0.1.0");
	rewritten_free(&rw);
}

Test(rungs, jump_syscall_relocates_neighbour)
{
	const uint8_t code[] = { 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_JUMP);
	cr_assert_eq(s->patch_length, 5);
	cr_assert_eq(s->resume, A + 5);
	const uint8_t *p = rewritten_at(&rw, A);
	int32_t rel;
	memcpy(&rel, p + 1, 4);
	cr_assert_eq(p[0], 0xe9);
	cr_assert_eq(A + 5 + (int64_t)rel, s->tramp);
	cr_assert_eq(p[5], 0xc3, "bytes after the patch changed");

	ZydisDecodedInstruction in[16];
	ZydisDecodedOperand ops[16][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back;
	size_t n = decode_tramp(&rw, s, in, ops, 16, &back);
	cr_assert_eq(n, 5);
	cr_assert_eq(in[0].mnemonic, ZYDIS_MNEMONIC_LEA);
	cr_assert_eq(ops[0][1].mem.base, ZYDIS_REGISTER_RSP);
	cr_assert_eq(ops[0][1].mem.disp.value, -128);
	cr_assert_eq(in[1].mnemonic, ZYDIS_MNEMONIC_CALL);
	cr_assert_eq(ops[1][0].mem.segment, ZYDIS_REGISTER_GS);
	cr_assert_eq(ops[1][0].mem.disp.value, LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_SYSCALL_ENTRY));
	cr_assert_eq(in[2].mnemonic, ZYDIS_MNEMONIC_LEA);
	cr_assert_eq(ops[2][1].mem.disp.value, 128);
	cr_assert_eq(in[3].mnemonic, ZYDIS_MNEMONIC_MOV, "the displaced mov");
	cr_assert_eq(back, A + 5);
	cr_assert_eq(rw.rep.rung_count[LXNT_RUNG_JUMP], 1);
	rewritten_free(&rw);
}

Test(rungs, jump_declined_for_target_inside)
{
	/* syscall; nop; nop; nop; jmp .-2 (lands on the third nop, inside the patch) */
	const uint8_t code[] = { 0x0f, 0x05, 0x90, 0x90, 0x90, 0xeb, 0xfd };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_TRAP);
	cr_assert_arr_eq(rewritten_at(&rw, A), ud2, 2);
	cr_assert_arr_eq(rewritten_at(&rw, A + 2), code + 2, sizeof(code) - 2);
	rewritten_free(&rw);
}

Test(rungs, jump_declined_for_call_neighbour)
{
	/* syscall; call A+7; ret (test_tactics.c has the branches that do move;
	 * PUNNED takes this site, punned_over_call_after_syscall) */
	const uint8_t code[] = { 0x0f, 0x05, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_neq(rw.sites[0].rung, LXNT_RUNG_JUMP);
	cr_assert_arr_eq(rewritten_at(&rw, A + 2), code + 2, sizeof(code) - 2, "the call stays");
	rewritten_free(&rw);
}

Test(rungs, jump_fixes_rip_relative_neighbour)
{
	/* syscall; mov 0x100(%rip),%rax; ret */
	const uint8_t code[] = { 0x0f, 0x05, 0x48, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_JUMP);
	cr_assert_eq(s->patch_length, 9);
	const uint8_t *p = rewritten_at(&rw, A);
	for (int i = 5; i < 9; i++)
		cr_assert_eq(p[i], 0xcc, "padding is int3");
	ZydisDecodedInstruction in[16];
	ZydisDecodedOperand ops[16][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back, ip = s->tramp;
	size_t n = decode_tramp(&rw, s, in, ops, 16, &back);
	for (size_t i = 0; i < 3; i++)
		ip += in[i].length;
	ZyanU64 target;
	cr_assert_eq(ops[3][1].mem.base, ZYDIS_REGISTER_RIP);
	ZydisCalcAbsoluteAddress(&in[3], &ops[3][1], ip, &target);
	cr_assert_eq(target, A + 9 + 0x100, "relocated operand still names the same data");
	cr_assert_eq(back, A + 9);
	cr_assert_eq(n, 5);
	rewritten_free(&rw);
}

Test(rungs, gs_inplace_canary_and_self)
{
	const uint8_t code[] = {
		0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00, /* mov %fs:0x28,%rax */
		0x64, 0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x00, 0x00, /* mov %fs:0,%rbx */
		0x64, 0x48, 0x33, 0x14, 0x25, 0x30, 0x00, 0x00, 0x00, /* xor %fs:0x30,%rdx */
		0x64, 0x48, 0xa1, 0x10, 0, 0, 0, 0, 0, 0, 0,          /* movabs %fs:0x10,%rax */
		0xc3,
	};
	const uint8_t want[] = {
		0x65, 0x48, 0x8b, 0x04, 0x25, 0x68, 0x16, 0x00, 0x00,
		0x65, 0x48, 0x8b, 0x1c, 0x25, 0x60, 0x16, 0x00, 0x00,
		0x65, 0x48, 0x33, 0x14, 0x25, 0x70, 0x16, 0x00, 0x00,
		0x65, 0x48, 0xa1, 0x60, 0x16, 0, 0, 0, 0, 0, 0,
		0xc3,
	};
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.hdr.site_count, 4);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(rw.sites[i].rung, LXNT_RUNG_GS_INPLACE, "site %d", i);
		cr_assert_eq(rw.sites[i].tramp, 0);
		cr_assert_eq(rw.sites[i].kind, LXNT_SITE_FS);
		cr_assert_eq(rw.sites[i].patch_length, rw.sites[i].length);
	}
	cr_assert_arr_eq(rewritten_at(&rw, A), want, sizeof(want));
	cr_assert_eq(rw.hdr.tramp_size, 0);
	rewritten_free(&rw);
}

/* Finds the instruction of the trampoline that stores to %gs:off. */
static int stores_gs(const ZydisDecodedInstruction *in, ZydisDecodedOperand (*ops)[ZYDIS_MAX_OPERAND_COUNT],
	size_t n, int64_t off)
{
	for (size_t i = 0; i < n; i++)
		if (in[i].mnemonic == ZYDIS_MNEMONIC_MOV && ops[i][0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ops[i][0].mem.segment == ZYDIS_REGISTER_GS && ops[i][0].mem.disp.value == off)
			return 1;
	return 0;
}

Test(rungs, fs_write_to_canary_refreshes_slot)
{
	/* mov %rax,%fs:0x28; ret */
	const uint8_t code[] = { 0x64, 0x48, 0x89, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_JUMP);
	cr_assert_eq(s->patch_length, 9);
	ZydisDecodedInstruction in[32];
	ZydisDecodedOperand ops[32][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back;
	size_t n = decode_tramp(&rw, s, in, ops, 32, &back);
	cr_assert(stores_gs(in, ops, n, LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_STACK_GUARD)));
	cr_assert_eq(back, A + 9);
	for (size_t i = 0; i < n; i++) {
		cr_assert(!(in[i].attributes & ZYDIS_ATTRIB_HAS_SEGMENT_FS), "no %%fs left");
		cr_assert(in[i].mnemonic == ZYDIS_MNEMONIC_LEA || in[i].mnemonic == ZYDIS_MNEMONIC_MOV ||
			in[i].mnemonic == ZYDIS_MNEMONIC_PUSH || in[i].mnemonic == ZYDIS_MNEMONIC_POP ||
			in[i].mnemonic == ZYDIS_MNEMONIC_JMP, "only flag-preserving instructions");
	}
	rewritten_free(&rw);
}

Test(rungs, fs_general_body_shape)
{
	/* mov %fs:0x8(%rsp,%rbx,4),%eax; nop; ret: base %rsp is compensated by 144 */
	const uint8_t code[] = { 0x64, 0x8b, 0x44, 0x9c, 0x08, 0x90, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 1, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->rung, LXNT_RUNG_TRAP);
	cr_assert_neq(s->tramp, 0, "an fs trap site has a trampoline");
	ZydisDecodedInstruction in[32];
	ZydisDecodedOperand ops[32][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back;
	size_t n = decode_tramp(&rw, s, in, ops, 32, &back);
	cr_assert_eq(back, A + 5);
	cr_assert_eq(n, 11);
	cr_assert_eq(in[3].mnemonic, ZYDIS_MNEMONIC_LEA);
	cr_assert_eq(ops[3][1].mem.base, ZYDIS_REGISTER_RSP);
	cr_assert_eq(ops[3][1].mem.index, ZYDIS_REGISTER_RBX);
	cr_assert_eq(ops[3][1].mem.scale, 4);
	cr_assert_eq(ops[3][1].mem.disp.value, 8 + 144);
	ZydisRegister r = ops[3][0].reg.value;
	cr_assert_neq(r, ZYDIS_REGISTER_RAX);
	cr_assert_neq(r, ZYDIS_REGISTER_RBX);
	cr_assert_eq(in[4].mnemonic, ZYDIS_MNEMONIC_MOV);
	cr_assert_eq(ops[4][1].mem.segment, ZYDIS_REGISTER_GS);
	cr_assert_eq(ops[4][1].mem.disp.value, LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP));
	cr_assert_eq(in[7].mnemonic, ZYDIS_MNEMONIC_MOV, "the instruction itself");
	cr_assert_eq(ops[7][1].mem.base, r);
	cr_assert_eq(ops[7][1].mem.segment, ZYDIS_REGISTER_DS);
	cr_assert_eq(ops[7][0].reg.value, ZYDIS_REGISTER_EAX);
	rewritten_free(&rw);
}

/* The trampoline of the only site of `code` (forced to trap), its bytes up to the jmp back. */
static size_t fs_tramp_bytes(const uint8_t *code, size_t len, uint8_t *out, size_t max)
{
	struct rewritten rw;
	rewrite_snippet(code, len, 1, &rw);
	const struct lxnt_site *s = &rw.sites[0];
	cr_assert_eq(s->kind, LXNT_SITE_FS);
	cr_assert_neq(s->tramp, 0);
	ZydisDecodedInstruction in[32];
	ZydisDecodedOperand ops[32][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back;
	size_t n = decode_tramp(&rw, s, in, ops, 32, &back);
	cr_assert_eq(back, A + s->length);
	size_t total = 0;
	for (size_t i = 0; i + 1 < n; i++)
		total += in[i].length;
	cr_assert_leq(total, max);
	memcpy(out, rewritten_at(&rw, s->tramp), total);
	rewritten_free(&rw);
	return total;
}

#define TP_BYTES(off) (uint8_t)(off), (uint8_t)((off) >> 8), 0, 0

Test(rungs, fs_fast_load_base_only)
{
	/* mov %fs:(%rdx),%eax; nop; ret
	 * -> mov %gs:TP,%rax; mov (%rax,%rdx,1),%eax */
	const uint8_t code[] = { 0x64, 0x8b, 0x02, 0x90, 0xc3 };
	const uint8_t want[] = { 0x65, 0x48, 0x8b, 0x04, 0x25,
		TP_BYTES(LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP)), 0x8b, 0x04, 0x10 };
	uint8_t got[64];
	size_t n = fs_tramp_bytes(code, sizeof(code), got, sizeof(got));
	cr_assert_eq(n, sizeof(want), "%zu bytes, first %02x %02x %02x %02x %02x %02x", n,
		got[0], got[1], got[2], got[3], got[4], got[5]);
	cr_assert_arr_eq(got, want, sizeof(want));
}

Test(rungs, fs_fast_load_index_only)
{
	/* mov %fs:0x0(,%rax,8),%rcx (disp32 form); nop; ret
	 * -> mov %gs:TP,%rcx; mov (%rcx,%rax,8),%rcx */
	const uint8_t code[] = { 0x64, 0x48, 0x8b, 0x0c, 0xc5, 0, 0, 0, 0, 0x90, 0xc3 };
	const uint8_t want[] = { 0x65, 0x48, 0x8b, 0x0c, 0x25,
		TP_BYTES(LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP)), 0x48, 0x8b, 0x0c, 0xc1 };
	uint8_t got[64];
	size_t n = fs_tramp_bytes(code, sizeof(code), got, sizeof(got));
	cr_assert_eq(n, sizeof(want), "%zu bytes, first %02x %02x %02x %02x %02x %02x", n,
		got[0], got[1], got[2], got[3], got[4], got[5]);
	cr_assert_arr_eq(got, want, sizeof(want));
}

Test(rungs, fs_fast_load_absolute_with_disp)
{
	/* mov %fs:0x40,%rsi; nop; ret -> mov %gs:TP,%rsi; mov 0x40(%rsi),%rsi */
	const uint8_t code[] = { 0x64, 0x48, 0x8b, 0x34, 0x25, 0x40, 0, 0, 0, 0x90, 0xc3 };
	const uint8_t want[] = { 0x65, 0x48, 0x8b, 0x34, 0x25,
		TP_BYTES(LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP)), 0x48, 0x8b, 0x76, 0x40 };
	uint8_t got[64];
	size_t n = fs_tramp_bytes(code, sizeof(code), got, sizeof(got));
	cr_assert_eq(n, sizeof(want), "%zu bytes, first %02x %02x %02x %02x %02x %02x", n,
		got[0], got[1], got[2], got[3], got[4], got[5]);
	cr_assert_arr_eq(got, want, sizeof(want));
}

Test(rungs, fs_general_body_one_scratch)
{
	/* mov %fs:(%rax),%rax; nop; ret: destination is the base, one address register
	 * -> lea -0x80(%rsp),%rsp; push %rcx; mov %gs:TP,%rcx; lea (%rcx,%rax,1),%rcx;
	 *    mov (%rcx),%rax; pop %rcx; lea 0x80(%rsp),%rsp */
	const uint8_t code[] = { 0x64, 0x48, 0x8b, 0x00, 0x90, 0xc3 };
	const uint8_t want[] = { 0x48, 0x8d, 0x64, 0x24, 0x80, 0x51,
		0x65, 0x48, 0x8b, 0x0c, 0x25, TP_BYTES(LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP)),
		0x48, 0x8d, 0x0c, 0x01, 0x48, 0x8b, 0x01, 0x59,
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00 };
	uint8_t got[64];
	size_t n = fs_tramp_bytes(code, sizeof(code), got, sizeof(got));
	cr_assert_eq(n, sizeof(want), "%zu bytes, first %02x %02x %02x %02x %02x %02x", n,
		got[0], got[1], got[2], got[3], got[4], got[5]);
	cr_assert_arr_eq(got, want, sizeof(want));
}

/* Forms the fast load must leave to the general body, which opens with the red-zone lea. */
Test(rungs, fs_fast_load_declines_other_forms)
{
	const uint8_t dst_is_base[] = { 0x64, 0x48, 0x8b, 0x00, 0x90, 0xc3 };  /* mov %fs:(%rax),%rax */
	const uint8_t narrow[] = { 0x64, 0x66, 0x8b, 0x02, 0x90, 0xc3 };       /* mov %fs:(%rdx),%ax */
	const uint8_t both[] = { 0x64, 0x8b, 0x04, 0x9a, 0x90, 0xc3 };         /* mov %fs:(%rdx,%rbx,4),%eax */
	const uint8_t store[] = { 0x64, 0x89, 0x02, 0x90, 0xc3 };              /* mov %eax,%fs:(%rdx) */
	const uint8_t *codes[] = { dst_is_base, narrow, both, store };
	const size_t lens[] = { sizeof(dst_is_base), sizeof(narrow), sizeof(both), sizeof(store) };
	/* lea -0x80(%rsp),%rsp */
	const uint8_t down[] = { 0x48, 0x8d, 0x64, 0x24, 0x80 };
	for (size_t i = 0; i < 4; i++) {
		uint8_t got[128];
		size_t n = fs_tramp_bytes(codes[i], lens[i], got, sizeof(got));
		cr_assert_gt(n, sizeof(down), "form %zu", i);
		cr_assert_arr_eq(got, down, sizeof(down), "form %zu took the fast body", i);
	}
}

Test(rungs, fs_implicit_rsp_has_no_trampoline)
{
	/* push %fs:8; pop %rax; ret */
	const uint8_t code[] = { 0x64, 0xff, 0x34, 0x25, 0x08, 0, 0, 0, 0x58, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_TRAP);
	cr_assert_eq(rw.sites[0].tramp, 0);
	cr_assert_eq(rw.rep.fs_trap_without_tramp, 1);
	rewritten_free(&rw);
}

Test(rungs, i386_kinds_always_trap)
{
	const uint8_t code[] = { 0xcd, 0x80, 0x48, 0x89, 0xc7, 0x0f, 0x34, 0x48, 0x89, 0xc7, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.hdr.site_count, 2);
	cr_assert_eq(rw.sites[0].kind, LXNT_SITE_INT80);
	cr_assert_eq(rw.sites[1].kind, LXNT_SITE_SYSENTER);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_TRAP);
	cr_assert_eq(rw.sites[1].rung, LXNT_RUNG_TRAP);
	cr_assert_eq(rw.hdr.kind_count[LXNT_SITE_INT80], 1);
	cr_assert_eq(rw.hdr.kind_count[LXNT_SITE_SYSENTER], 1);
	rewritten_free(&rw);
}

Test(rungs, lea_with_fs_is_not_a_site)
{
	const uint8_t code[] = { 0x64, 0x48, 0x8d, 0x04, 0x25, 0x28, 0, 0, 0, 0xc3 };
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.hdr.site_count, 0);
	rewritten_free(&rw);
}

static int first_rung(const uint8_t *code, size_t len, const uint8_t *data, size_t dlen)
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

Test(rungs, code_pointer_in_data_blocks_jump)
{
	/* syscall; nop x3; ret.  Data holds the address of the second nop. */
	const uint8_t code[] = { 0x0f, 0x05, 0x90, 0x90, 0x90, 0xc3 };
	uint64_t ptr = A + 3;
	uint8_t data[16] = {0};
	cr_assert_eq(first_rung(code, sizeof(code), data, sizeof(data)), LXNT_RUNG_JUMP);
	memcpy(data + 8, &ptr, 8);
	cr_assert_eq(first_rung(code, sizeof(code), data, sizeof(data)), LXNT_RUNG_TRAP);
}

Test(rungs, relative_jump_table_blocks_jump)
{
	/* lea table(%rip),%rdx; syscall; nop x3; ret.  The table, at the start
	 * of the data segment, holds (A + 10) - table: the second nop. */
	uint8_t code[] = { 0x48, 0x8d, 0x15, 0, 0, 0, 0, 0x0f, 0x05, 0x90, 0x90, 0x90, 0xc3 };
	int32_t rel = (int32_t)(ELFGEN_DATA_VADDR - (A + 7));
	memcpy(code + 3, &rel, 4);
	int32_t entries[2] = { (int32_t)((A + 10) - ELFGEN_DATA_VADDR), 0x7fffffff };
	uint8_t data[8];
	memcpy(data, entries, sizeof(data));
	/* The jump over the site and its followers is blocked; one that starts
	 * at the lea and ends before the second nop is not. */
	cr_assert_eq(first_rung(code, sizeof(code), data, sizeof(data)), RWTEST_RUNG_JUMP_PRE);
	entries[0] = 0x7fffffff;
	memcpy(data, entries, sizeof(data));
	cr_assert_eq(first_rung(code, sizeof(code), data, sizeof(data)), LXNT_RUNG_JUMP);
}

/*
 * An address named as data (here an immediate) blocks a patch only if an
 * instruction starts there: inside the mov it is a constant, not a target.
 */
Test(rungs, constant_inside_an_instruction_is_not_a_target)
{
	/* syscall; mov %rax,%rdi; and $IMM,%eax; ret */
	uint8_t code[] = { 0x0f, 0x05, 0x48, 0x89, 0xc7, 0x25, 0, 0, 0, 0, 0xc3 };
	uint32_t imm = (uint32_t)(A + 3);
	memcpy(code + 6, &imm, 4);
	struct rewritten rw;
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_JUMP);
	cr_assert_eq(rw.sites[0].patch_length, 5);
	rewritten_free(&rw);
	imm = (uint32_t)(A + 2); /* the mov itself: a possible code pointer */
	memcpy(code + 6, &imm, 4);
	rewrite_snippet(code, sizeof(code), 0, &rw);
	cr_assert_eq(rw.sites[0].rung, LXNT_RUNG_TRAP);
	rewritten_free(&rw);
}
