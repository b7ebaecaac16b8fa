/*
 * `lxnt verify` (rewriter/verify.h): it passes on what the rewriter makes,
 * and each kind of damage to a rewritten file makes it fail with the
 * problem that names the damage.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lxnt/layout.h>

#include "elfgen.h"
#include "rwtest.h"
#include "sha256.h"
#include "verify.h"

/* A rewritten file and the input it came from. */
struct case_file {
	uint8_t *in;
	size_t n;
	struct rewritten rw;
};

static void load_case(const char *path, int force_trap, struct case_file *c)
{
	char err[256];
	cr_assert_eq(lxnt_read_file(path, &c->in, &c->n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rewrite_buffer(c->in, c->n, force_trap, &c->rw, err, sizeof(err)), 0, "%s", err);
}

static void load_snippet(struct case_file *c)
{
	const char *path = getenv("LXNT_TEST_SNIPPET");
	cr_assert_not_null(path, "LXNT_TEST_SNIPPET not set");
	load_case(path, 0, c);
}

static void free_case(struct case_file *c)
{
	rewritten_free(&c->rw);
	free(c->in);
}

static struct lxnt_verify_report verify(const struct case_file *c, int with_input)
{
	struct lxnt_verify_report rep;
	char err[256] = "";
	cr_assert_eq(lxnt_verify_image(c->rw.data, c->rw.size, with_input ? c->in : NULL,
		with_input ? c->n : 0, "case", NULL, &rep, err, sizeof(err)), 0, "%s", err);
	return rep;
}

static void expect_pass(const struct case_file *c)
{
	for (int with_input = 0; with_input <= 1; with_input++) {
		struct lxnt_verify_report rep = verify(c, with_input);
		cr_assert_eq(rep.problems, 0, "first problem: %s", rep.first);
		cr_assert_eq(rep.site_count, c->rw.hdr.site_count);
		cr_assert_eq(rep.original_sites, rep.site_count);
	}
}

/* Verification fails, and its first problem mentions `why`. */
static void expect_fail(const struct case_file *c, int with_input, const char *why)
{
	struct lxnt_verify_report rep = verify(c, with_input);
	cr_assert_gt(rep.problems, 0, "damage not noticed (%s)", why);
	cr_assert_not_null(strstr(rep.first, why), "first problem '%s' lacks '%s'", rep.first, why);
}

static uint8_t *at(struct case_file *c, uint64_t vaddr)
{
	uint8_t *p = (uint8_t *)rewritten_at(&c->rw, vaddr);
	cr_assert_not_null(p);
	return p;
}

static const struct lxnt_site *site_with(const struct case_file *c, int rung, int kind)
{
	for (uint32_t i = 0; i < c->rw.hdr.site_count; i++)
		if (c->rw.sites[i].rung == rung && (kind < 0 || c->rw.sites[i].kind == kind))
			return &c->rw.sites[i];
	cr_assert_fail("no site on rung %d", rung);
	return NULL;
}

/* Take record i out of the table, keeping the header's counts consistent. */
static void remove_record(struct case_file *c, uint32_t i)
{
	uint8_t *h = memmem(c->rw.data, c->rw.size, LXNT_SITE_MAGIC, 8);
	cr_assert_not_null(h);
	struct lxnt_site_header hdr;
	memcpy(&hdr, h, sizeof(hdr));
	struct lxnt_site *table = (struct lxnt_site *)at(c, hdr.sites_vaddr);
	hdr.rung_count[table[i].rung]--;
	hdr.kind_count[table[i].kind]--;
	memmove(&table[i], &table[i + 1], (hdr.site_count - i - 1) * sizeof(*table));
	hdr.site_count--;
	memcpy(h, &hdr, sizeof(hdr));
	c->rw.hdr = hdr;
}

static uint32_t index_of(const struct case_file *c, const struct lxnt_site *s)
{
	return (uint32_t)(s - c->rw.sites);
}

static const uint8_t sample_code[] = {
	0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00, /* mov %fs:0x28,%rax */
	0x0f, 0x05, 0x48, 0x89, 0xc7,                         /* syscall; mov %rax,%rdi */
	0x64, 0x8b, 0x00, 0x90, 0x90, 0x90,                   /* mov %fs:(%rax),%eax */
	0xeb, 0x00,                 /* jmp .+0: the syscall is a branch target */
	0x0f, 0x05, 0xc3,                                     /* syscall; ret: trap */
};

Test(verify, passes_on_unit_samples)
{
	struct case_file c;
	for (int force = 0; force <= 1; force++) {
		c.in = elfgen_exec(sample_code, sizeof(sample_code), &c.n);
		char err[256];
		cr_assert_eq(rewrite_buffer(c.in, c.n, force, &c.rw, err, sizeof(err)), 0, "%s", err);
		expect_pass(&c);
		free_case(&c);
		load_case(getenv("LXNT_TEST_SNIPPET"), force, &c);
		cr_assert_eq(c.rw.hdr.site_count, 5);
		expect_pass(&c);
		free_case(&c);
	}
}

static void corpus_file(const char *path)
{
	/* The corpus comes with the test dependencies (scripts/deps.sh): its
	 * absence is a broken set-up, not a reason to pass. */
	cr_assert(access(path, R_OK) == 0, "%s is missing: run scripts/deps.sh", path);
	struct case_file c;
	for (int force = 0; force <= 1; force++) {
		load_case(path, force, &c);
		cr_assert_gt(c.rw.hdr.site_count, 100);
		expect_pass(&c);
		free_case(&c);
	}
}

Test(verify, passes_on_busybox, .timeout = 120)
{
	corpus_file("/bin/busybox");
}

Test(verify, passes_on_bash_static, .timeout = 120)
{
	corpus_file("/bin/bash-static");
}

Test(verify, refuses_a_file_without_site_table)
{
	size_t n;
	uint8_t *elf = elfgen_exec(sample_code, sizeof(sample_code), &n);
	struct lxnt_verify_report rep;
	char err[256] = "";
	cr_assert_eq(lxnt_verify_image(elf, n, NULL, 0, "plain", NULL, &rep, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "plain: no site table"), "%s", err);
	free(elf);
}

Test(verify, fails_on_byte_changed_outside_patches)
{
	struct case_file c;
	load_snippet(&c);
	/* The instruction after the first site is not patched. */
	const struct lxnt_site *s = &c.rw.sites[0];
	uint64_t addr = s->addr + (s->patch_length > s->length ? s->patch_length : s->length);
	cr_assert_lt(addr, c.rw.sites[1].addr);
	at(&c, addr)[0] ^= 0x01;
	expect_fail(&c, 0, "SHA-256");
	expect_fail(&c, 1, "differ from the input");
	free_case(&c);
}

Test(verify, fails_on_retargeted_jump)
{
	struct case_file c;
	load_snippet(&c);
	const struct lxnt_site *s = site_with(&c, LXNT_RUNG_JUMP, -1);
	at(&c, s->addr)[1] += 1;
	expect_fail(&c, 0, "expected a jmp rel32 to its trampoline");
	free_case(&c);
}

Test(verify, fails_on_removed_site_record)
{
	struct case_file c;
	load_snippet(&c);
	remove_record(&c, index_of(&c, site_with(&c, LXNT_RUNG_JUMP, -1)));
	/* The jump stays in the code, so the rebuilt input is not the input. */
	expect_fail(&c, 1, "differ from the input");
	expect_fail(&c, 0, "SHA-256");
	free_case(&c);
}

Test(verify, fails_on_changed_jmp_back)
{
	struct case_file c;
	load_snippet(&c);
	const struct lxnt_site *s = site_with(&c, LXNT_RUNG_JUMP, -1);
	ZydisDecodedInstruction in[64];
	ZydisDecodedOperand ops[64][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back, a = s->tramp;
	size_t n = decode_tramp(&c.rw, s, in, ops, 64, &back);
	for (size_t i = 0; i + 1 < n; i++)
		a += in[i].length;
	uint8_t *jmp = at(&c, a);
	cr_assert_eq(jmp[0], 0xe9);
	jmp[1] += 3;
	expect_fail(&c, 0, "back to");
	free_case(&c);
}

Test(verify, fails_on_site_left_unpatched)
{
	struct case_file c;
	char err[256];
	c.in = elfgen_exec(sample_code, sizeof(sample_code), &c.n);
	cr_assert_eq(rewrite_buffer(c.in, c.n, 0, &c.rw, err, sizeof(err)), 0, "%s", err);
	const struct lxnt_site *s = site_with(&c, LXNT_RUNG_TRAP, LXNT_SITE_SYSCALL);
	uint64_t addr = s->addr;
	memcpy(at(&c, addr), s->orig, s->length);
	/* With its record the missing patch shows ... */
	expect_fail(&c, 0, "expected ud2");
	/* ... and without it the original decode finds the syscall. */
	remove_record(&c, index_of(&c, s));
	expect_fail(&c, 0, "has no site record");
	expect_fail(&c, 1, "has no site record");
	free_case(&c);
}

Test(verify, fails_on_gs_inplace_with_wrong_slot)
{
	struct case_file c;
	load_snippet(&c);
	const struct lxnt_site *s = site_with(&c, LXNT_RUNG_GS_INPLACE, -1);
	uint8_t *p = at(&c, s->addr);
	/* mov %gs:0x1668 -> %gs:0x1670: the pointer guard, not the canary */
	uint8_t *disp = memmem(p, s->length, "\x68\x16\x00\x00", 4);
	if (!disp)
		disp = memmem(p, s->length, "\x60\x16\x00\x00", 4);
	cr_assert_not_null(disp);
	disp[0] = 0x70;
	expect_fail(&c, 0, "expected");
	free_case(&c);
}

Test(verify, fails_on_changed_displaced_instruction)
{
	struct case_file c;
	char err[256];
	c.in = elfgen_exec(sample_code, sizeof(sample_code), &c.n);
	cr_assert_eq(rewrite_buffer(c.in, c.n, 0, &c.rw, err, sizeof(err)), 0, "%s", err);
	/* syscall; mov %rax,%rdi: the jump displaces the mov */
	const struct lxnt_site *s = site_with(&c, LXNT_RUNG_JUMP, LXNT_SITE_SYSCALL);
	ZydisDecodedInstruction in[64];
	ZydisDecodedOperand ops[64][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back, a = s->tramp;
	size_t n = decode_tramp(&c.rw, s, in, ops, 64, &back);
	cr_assert_gt(s->patch_length, s->length, "the jump displaced nothing");
	for (size_t i = 0; i + 2 < n; i++)
		a += in[i].length;
	/* The instruction before the jmp back is the last one displaced: make
	 * its first byte int3 and see that the trampoline no longer matches. */
	at(&c, a)[0] = 0xcc;
	expect_fail(&c, 0, "trampoline");
	free_case(&c);
}

Test(verify, fails_on_changed_evicted_neighbour, .timeout = 120)
{
	cr_assert(access("/bin/busybox", R_OK) == 0,
		"/bin/busybox is missing: run scripts/deps.sh");
	struct case_file c;
	load_case("/bin/busybox", 0, &c);
	/* An EVICT site whose neighbour went to a trampoline of its own. */
	for (uint32_t i = 0; i < c.rw.hdr.site_count; i++) {
		const struct lxnt_site *s = &c.rw.sites[i];
		if (s->rung != LXNT_RUNG_EVICT)
			continue;
		const uint8_t *p = at(&c, s->addr);
		unsigned k = 2u + (unsigned)(int8_t)p[1];
		if (k < s->length + 5u || memcmp(p + k - 5, s->orig + k - 5, 5) == 0)
			continue;
		int32_t rel;
		memcpy(&rel, p + k - 4, 4);
		uint64_t victims = s->addr + k + (uint64_t)(int64_t)rel;
		expect_pass(&c);
		at(&c, victims)[0] = 0xcc; /* the first evicted instruction no longer runs */
		expect_fail(&c, 0, "displaced");
		free_case(&c);
		return;
	}
	free_case(&c);
	cr_assert_fail("busybox has no EVICT site whose neighbour moved: this test "
		"needs a new subject");
}

/*
 * Prefix forms on which LLVM prints no %fs operand although %fs applies:
 * the verifier must still count them as sites, as the rewriter does.
 */
Test(verify, fs_prefix_forms_agree)
{
	static const uint8_t code[] = {
		0x47, 0x64, 0x2a, 0x11,             /* rex; fs sub (%rcx),%dl */
		0x64, 0x65, 0x2e, 0x0a, 0x00,       /* fs gs cs or (%rax),%al: gs, no site */
		0x64, 0xd7,                         /* fs xlat */
		0x64, 0xa2, 1, 2, 3, 4, 5, 6, 7, 0, /* fs movabs %al,moffs */
		0x64, 0x2e, 0x8b, 0x00,             /* fs cs mov (%rax),%eax */
		0xc3,
	};
	struct case_file c;
	char err[256];
	c.in = elfgen_exec(code, sizeof(code), &c.n);
	cr_assert_eq(rewrite_buffer(c.in, c.n, 1, &c.rw, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.rw.hdr.site_count, 4);
	expect_pass(&c);
	free_case(&c);
}

/*
 * The fast %fs load body opens with `movq %gs:TP, %reg`: it passes, and the
 * same load from another slot (the canary's) does not.
 */
Test(verify, fails_on_fast_fs_load_from_wrong_slot)
{
	static const uint8_t code[] = {
		0x64, 0x8b, 0x02, 0x90, 0x90, 0x90, /* mov %fs:(%rdx),%eax */
		0xc3,
	};
	struct case_file c;
	char err[256];
	c.in = elfgen_exec(code, sizeof(code), &c.n);
	cr_assert_eq(rewrite_buffer(c.in, c.n, 0, &c.rw, err, sizeof(err)), 0, "%s", err);
	expect_pass(&c);
	const struct lxnt_site *s = site_with(&c, LXNT_RUNG_JUMP, LXNT_SITE_FS);
	uint8_t *t = at(&c, s->tramp);
	uint32_t tp = LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP);
	uint32_t canary = LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_STACK_GUARD);
	cr_assert_eq(memcmp(t + 5, &tp, 4), 0, "the trampoline opens with the tp load");
	memcpy(t + 5, &canary, 4);
	expect_fail(&c, 0, "opens with neither");
	free_case(&c);
}

/* xor %edi,%edi; mov %edx,%eax; syscall; jmp A; ret: a JUMP whose patch
 * starts at the mov, two bytes before the site (tactics.c). */
static const uint8_t jump_before_code[] = { 0x31, 0xff, 0x89, 0xd0, 0x0f, 0x05, 0xeb, 0xf8, 0xc3 };

static void load_jump_before(struct case_file *c)
{
	char err[256];
	c->in = elfgen_exec(jump_before_code, sizeof(jump_before_code), &c->n);
	cr_assert_eq(rewrite_buffer(c->in, c->n, 0, &c->rw, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->rw.sites[0].patch_before, 2);
	expect_pass(c);
}

/* The record as it is stored in the rewritten file. */
static struct lxnt_site *stored_record(struct case_file *c, uint32_t i)
{
	return (struct lxnt_site *)at(c, c->rw.hdr.sites_vaddr + i * sizeof(struct lxnt_site));
}

Test(verify, fails_on_changed_instruction_moved_from_before)
{
	struct case_file c;
	load_jump_before(&c);
	/* mov %edx,%eax -> mov %edx,%ecx at the head of the trampoline */
	uint8_t *t = at(&c, c.rw.sites[0].tramp);
	cr_assert_eq(t[1], 0xd0);
	t[1] = 0xd1;
	expect_fail(&c, 0, "moved from before the site");
	free_case(&c);
}

Test(verify, fails_on_jump_before_not_at_an_instruction)
{
	struct case_file c;
	load_jump_before(&c);
	/* One byte further back: orig[] no longer lines up with the input. */
	stored_record(&c, 0)->patch_before = 3;
	expect_fail(&c, 1, "differ from the input");
	free_case(&c);
}

Test(verify, fails_on_patch_before_on_another_rung)
{
	struct case_file c;
	load_snippet(&c);
	const struct lxnt_site *s = site_with(&c, LXNT_RUNG_GS_INPLACE, -1);
	stored_record(&c, index_of(&c, s))->patch_before = 1;
	expect_fail(&c, 0, "malformed site record");
	free_case(&c);
}

Test(verify, fails_on_moved_branch_before_the_site)
{
	struct case_file c;
	load_jump_before(&c);
	/* Claim the patch starts at the xor and that the bytes before the site
	 * were `jmp .+2` instead: a branch that cannot fall through into the
	 * site, whatever the trampoline holds. */
	struct lxnt_site *r = stored_record(&c, 0);
	r->orig[0] = 0xeb;
	r->orig[1] = 0x00;
	/* Make the source hash that of the input this record now describes,
	 * so that only the shape check can catch it. */
	uint8_t *code = memmem(c.in, c.n, jump_before_code, sizeof(jump_before_code));
	cr_assert_not_null(code);
	code[2] = 0xeb;
	code[3] = 0x00;
	uint8_t *h = memmem(c.rw.data, c.rw.size, LXNT_SITE_MAGIC, 8);
	cr_assert_not_null(h);
	lxnt_sha256(c.in, c.n, h + offsetof(struct lxnt_site_header, source_sha256));
	expect_fail(&c, 0, "plain instructions that fall through");
	free_case(&c);
}

Test(verify, fails_on_jump_before_retargeted)
{
	struct case_file c;
	load_jump_before(&c);
	at(&c, ELFGEN_CODE_VADDR + 2)[1] += 1;
	expect_fail(&c, 0, "expected a jmp rel32 to its trampoline");
	free_case(&c);
}

Test(verify, fails_on_red_zone_flag_off_the_trap_rung)
{
	struct case_file c;
	load_jump_before(&c);
	stored_record(&c, 0)->flags = LXNT_SITE_REC_RED_ZONE;
	expect_fail(&c, 0, "malformed site record");
	free_case(&c);
}

/* A rewritten snippet whose first site is on the PUNNED rung. */
static const struct lxnt_site *punned_case(struct case_file *c, const uint8_t *code, size_t len)
{
	char err[256];
	c->in = elfgen_exec(code, len, &c->n);
	cr_assert_eq(rewrite_buffer(c->in, c->n, 0, &c->rw, err, sizeof(err)), 0, "%s", err);
	expect_pass(c);
	return site_with(c, LXNT_RUNG_PUNNED, -1);
}

/* The record as it sits in the output's table, to damage it. */
static struct lxnt_site *record_in_output(struct case_file *c, const struct lxnt_site *s)
{
	struct lxnt_site *table = (struct lxnt_site *)at(c, c->rw.hdr.sites_vaddr);
	return &table[index_of(c, s)];
}

/* syscall; call; ret: the jmp's rel32 ends in the call's first bytes. */
static const uint8_t pun_code[] = { 0x0f, 0x05, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3 };

/* movl $1,%fs:0x1c; ret; jmp to its last two bytes: a jmp, int3, two kept bytes. */
static const uint8_t kept_tail_code[] = {
	0x64, 0xc7, 0x04, 0x25, 0x1c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xc3, 0xeb, 0xfb,
};

Test(verify, fails_on_punned_overlap_changed)
{
	/* The call's opcode, the rel32's second byte, changed: the jmp no
	 * longer reaches the trampoline (and a branch to the call would run
	 * something else). */
	struct case_file c;
	const struct lxnt_site *s = punned_case(&c, pun_code, sizeof(pun_code));
	at(&c, s->addr + 2)[0] = 0xe9;
	expect_fail(&c, 0, "expected a jmp rel32 to its trampoline");
	free_case(&c);
}

Test(verify, fails_on_punned_kept_byte_changed)
{
	/* A kept byte past the jmp changed: the rebuilt input hides it (orig
	 * is copied over the record's range), the punned check does not. */
	struct case_file c;
	const struct lxnt_site *s = punned_case(&c, kept_tail_code, sizeof(kept_tail_code));
	cr_assert_eq(s->kept, 10);
	at(&c, s->addr + 11)[0] ^= 0x40;
	expect_fail(&c, 0, "bytes kept from +10 differ");
	free_case(&c);
}

Test(verify, fails_on_punned_padding_changed)
{
	struct case_file c;
	const struct lxnt_site *s = punned_case(&c, kept_tail_code, sizeof(kept_tail_code));
	at(&c, s->addr + 6)[0] = 0x90;
	expect_fail(&c, 0, "not int3 padding");
	free_case(&c);
}

Test(verify, fails_on_punned_record_without_kept)
{
	struct case_file c;
	const struct lxnt_site *s = punned_case(&c, pun_code, sizeof(pun_code));
	record_in_output(&c, s)->kept = 0;
	expect_fail(&c, 0, "punned record");
	free_case(&c);
}

Test(verify, fails_on_punned_kept_too_far)
{
	/* kept moved to the end of the jmp: the record no longer says which
	 * bytes are the original ones, nor matches its patch length. */
	struct case_file c;
	const struct lxnt_site *s = punned_case(&c, pun_code, sizeof(pun_code));
	record_in_output(&c, s)->kept = 5;
	expect_fail(&c, 0, "punned record");
	free_case(&c);
}

Test(verify, fails_on_kept_off_the_punned_rung)
{
	struct case_file c;
	load_snippet(&c);
	const struct lxnt_site *s = site_with(&c, LXNT_RUNG_JUMP, -1);
	record_in_output(&c, s)->kept = 1;
	expect_fail(&c, 0, "malformed site record");
	free_case(&c);
}

Test(verify, fails_on_punned_trampoline_not_returning)
{
	struct case_file c;
	const struct lxnt_site *s = punned_case(&c, pun_code, sizeof(pun_code));
	ZydisDecodedInstruction in[8];
	ZydisDecodedOperand ops[8][ZYDIS_MAX_OPERAND_COUNT];
	uint64_t back, a = s->tramp;
	size_t n = decode_tramp(&c.rw, s, in, ops, 8, &back);
	for (size_t i = 0; i + 1 < n; i++)
		a += in[i].length;
	uint8_t *jmp = at(&c, a);
	cr_assert_eq(jmp[0], 0xe9);
	jmp[1] += 2;
	expect_fail(&c, 0, "back to");
	free_case(&c);
}

Test(verify, fails_on_punned_prefix_changed)
{
	/* A prefix the punned form does not use (0x66 would make the jmp
	 * rel16 on AMD) in place of the first byte. */
	struct case_file c;
	const struct lxnt_site *s = punned_case(&c, kept_tail_code, sizeof(kept_tail_code));
	uint8_t *p = at(&c, s->addr);
	memmove(p + 1, p, 5);
	p[0] = 0x66;
	expect_fail(&c, 0, "expected a jmp rel32 to its trampoline");
	free_case(&c);
}
