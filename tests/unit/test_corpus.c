/*
 * Real executables: a gcc-built snippet with known sites, and the Debian
 * static busybox and bash when present.  Every trampoline is decoded again
 * and must end in a jump to where the site resumes, with no %fs access or
 * system call left inside.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rwtest.h"

static void check_trampolines(const struct rewritten *rw)
{
	ZydisDecodedInstruction in[64];
	ZydisDecodedOperand ops[64][ZYDIS_MAX_OPERAND_COUNT];
	for (uint32_t i = 0; i < rw->hdr.site_count; i++) {
		const struct lxnt_site *s = &rw->sites[i];
		if (!s->tramp)
			continue;
		uint64_t back = 0;
		uint64_t want = s->rung == LXNT_RUNG_JUMP ? s->resume : s->addr + s->length;
		/* A jmp moved into the trampoline comes before the jmp back. */
		struct lxnt_site part = *s;
		size_t n = 0;
		for (int hop = 0; hop < 8 && back != want && n < 64; hop++) {
			size_t got = decode_tramp(rw, &part, in + n, ops + n, 64 - n, &back);
			for (size_t k = n; k < n + got; k++)
				part.tramp += in[k].length;
			n += got;
		}
		cr_assert_eq(back, want, "site %#llx jumps back to %#llx",
			(unsigned long long)s->addr, (unsigned long long)back);
		for (size_t k = 0; k < n; k++) {
			cr_assert_neq(in[k].mnemonic, ZYDIS_MNEMONIC_SYSCALL);
			for (unsigned o = 0; o < in[k].operand_count; o++)
				cr_assert(!(ops[k][o].type == ZYDIS_OPERAND_TYPE_MEMORY &&
					ops[k][o].mem.segment == ZYDIS_REGISTER_FS),
					"site %#llx: %%fs left in its trampoline",
					(unsigned long long)s->addr);
		}
	}
}

static void rewrite_path(const char *path, int force, struct rewritten *rw)
{
	uint8_t *data;
	size_t n;
	char err[256];
	cr_assert_eq(lxnt_read_file(path, &data, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rewrite_buffer(data, n, force, rw, err, sizeof(err)), 0, "%s", err);
	free(data);
}

Test(corpus, snippet)
{
	const char *path = getenv("LXNT_TEST_SNIPPET");
	cr_assert_not_null(path, "LXNT_TEST_SNIPPET not set");
	struct rewritten rw;
	rewrite_path(path, 0, &rw);
	cr_assert_eq(rw.hdr.site_count, 5);
	cr_assert_eq(rw.hdr.kind_count[LXNT_SITE_FS], 4);
	cr_assert_eq(rw.hdr.kind_count[LXNT_SITE_SYSCALL], 1);
	cr_assert_eq(rw.hdr.rung_count[LXNT_RUNG_GS_INPLACE], 2);
	check_trampolines(&rw);
	rewritten_free(&rw);
	rewrite_path(path, 1, &rw);
	cr_assert_eq(rw.hdr.rung_count[LXNT_RUNG_TRAP], 5);
	check_trampolines(&rw);
	rewritten_free(&rw);
}

static void corpus_file(const char *path)
{
	/* The corpus comes with the test dependencies (scripts/deps.sh): its
	 * absence is a broken set-up, not a reason to pass. */
	cr_assert(access(path, R_OK) == 0, "%s is missing: run scripts/deps.sh", path);
	struct rewritten rw, again;
	rewrite_path(path, 0, &rw);
	rewrite_path(path, 0, &again);
	cr_assert_eq(rw.size, again.size);
	cr_assert_eq(memcmp(rw.data, again.data, rw.size), 0, "rewriting is deterministic");
	rewritten_free(&rw);
	rewritten_free(&again);
	for (int force = 0; force <= 1; force++) {
		rewrite_path(path, force, &rw);
		cr_assert_gt(rw.hdr.site_count, 100);
		cr_assert_eq(rw.rep.fs_trap_without_tramp, 0);
		check_trampolines(&rw);
		rewritten_free(&rw);
	}
	struct lxnt_rewrite_report rep;
	char err[256];
	cr_assert_eq(lxnt_inspect_file(path, NULL, &rep, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rep.unhandled, 0);
}

Test(corpus, busybox, .timeout = 120)
{
	corpus_file("/bin/busybox");
}

Test(corpus, bash_static, .timeout = 120)
{
	corpus_file("/bin/bash-static");
}

/*
 * A trap site in a function that keeps data in the red zone is flagged
 * (LXNT_SITE_REC_RED_ZONE) and counted; the other trap sites are not, and
 * nothing but a trap site carries the flag.
 */
Test(corpus, red_zone_trap_sites_are_reported)
{
	const char *path = getenv("LXNT_TEST_REDZONE");
	cr_assert_not_null(path, "LXNT_TEST_REDZONE not set");
	uint8_t *in;
	size_t n;
	char err[256];
	cr_assert_eq(lxnt_read_file(path, &in, &n, err, sizeof(err)), 0, "%s", err);
	struct rewritten rw;
	cr_assert_eq(rewrite_buffer(in, n, 1, &rw, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rw.hdr.kind_count[LXNT_SITE_SYSCALL], 3);
	unsigned flagged = 0;
	const struct lxnt_site *s = NULL;
	for (uint32_t i = 0; i < rw.hdr.site_count; i++)
		if (rw.sites[i].flags & LXNT_SITE_REC_RED_ZONE) {
			flagged++;
			s = &rw.sites[i];
		}
	cr_assert_eq(flagged, 1);
	cr_assert_eq(rw.rep.trap_red_zone, 1);
	/* the flagged one is the syscall right after `mov %REG,-8(%rsp)` */
	cr_assert_eq(s->kind, LXNT_SITE_SYSCALL);
	const uint8_t *before = rewritten_at(&rw, s->addr - 5);
	cr_assert_eq(before[0] & 0xf8, 0x48, "a REX.W mov precedes it");
	cr_assert_eq(before[1], 0x89);
	cr_assert_eq(before[4], 0xf8, "to -8(%%rsp)");
	rewritten_free(&rw);
	/* A normal rewrite puts the site on another rung: no flag at all. */
	cr_assert_eq(rewrite_buffer(in, n, 0, &rw, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rw.rep.trap_red_zone, 0);
	rewritten_free(&rw);
	free(in);
}
