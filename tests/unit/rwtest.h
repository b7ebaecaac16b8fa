/* Helpers shared by the rewriter tests: rewrite a snippet, read the result. */
#ifndef LXNT_TEST_RWTEST_H
#define LXNT_TEST_RWTEST_H

#include <stddef.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#include <lxnt/sitetab.h>

#include "rewrite.h"

struct rewritten {
	uint8_t *data;
	size_t size;
	struct lxnt_rewrite_report rep;
	struct lxnt_site_header hdr;
	const struct lxnt_site *sites;
};

/* Rewrite a snippet wrapped by elfgen_exec; the test fails if it does not. */
void rewrite_snippet(const uint8_t *code, size_t len, int force_trap, struct rewritten *rw);
/* Rewrite any image; returns the lxnt_rewrite_image result. */
int rewrite_buffer(const uint8_t *in, size_t n, int force_trap, struct rewritten *rw,
	char *err, size_t errlen);
void rewritten_free(struct rewritten *rw);

/* The record's rung, with a JUMP whose patch starts before the site told apart. */
#define RWTEST_RUNG_JUMP_PRE 100
static inline int rwtest_rung(const struct lxnt_site *s)
{
	return s->rung == LXNT_RUNG_JUMP && s->patch_before ? RWTEST_RUNG_JUMP_PRE : s->rung;
}

/* File bytes at vaddr of a rewritten file (through its PT_LOAD headers). */
const uint8_t *rewritten_at(const struct rewritten *rw, uint64_t vaddr);

/* Decode a trampoline up to and including its jmp back; returns the count. */
size_t decode_tramp(const struct rewritten *rw, const struct lxnt_site *s,
	ZydisDecodedInstruction *insns, ZydisDecodedOperand (*ops)[ZYDIS_MAX_OPERAND_COUNT],
	size_t max, uint64_t *jmp_target);

#endif
