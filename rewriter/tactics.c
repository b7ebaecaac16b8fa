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

int rw_emit_site_body(const struct rw_image *im, const struct rw_site *s,
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

/*
 * Move the instructions from `from` on into b (running at `at`) until the
 * range [start, end) is at least `need` bytes long; *end is where the moved
 * code rejoins the original.  Declines if one of them is a site or cannot
 * move (displace.c), if a known branch target lies strictly inside the
 * range (a jump there would land in the middle of the patch), or if a
 * moved jmp goes to `end` itself (it would read as the trampoline's jmp
 * back, and a jmp to the next instruction has no reason to exist).
 */
static int displace(const struct rw_image *im, const struct rw_plan *plan, uint64_t start,
	uint64_t from, uint64_t need, uint64_t at, struct rw_buf *b, uint64_t *end)
{
	uint64_t pos = from, jmp_to[8];
	size_t njmp = 0;
	while (pos - start < need) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (decode_at(im, pos, &in, ops) || rw_plan_find(plan, pos))
			return -1;
		int kind = rw_displaced_kind(&in, ops);
		if (kind == RW_DISPLACED_NO)
			return -1;
		if (kind == RW_DISPLACED_JMP &&
		    (njmp == 8 || !ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&in, &ops[0], pos,
			&jmp_to[njmp++]))))
			return -1;
		if (rw_relocate(b, &in, ops, im->data + rw_image_offset(im, pos), pos, at + b->len))
			return -1;
		pos += in.length;
	}
	for (size_t i = 0; i < njmp; i++)
		if (jmp_to[i] == pos)
			return -1;
	if (rw_addrset_any_inside(&im->targets, start, pos))
		return -1;
	*end = pos;
	return 0;
}

/* B1 (E9Patch): jmp rel32 over the site and the instructions after it. */
static int try_jump(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b)
{
	uint64_t end;
	uint64_t tramp = plan->tramp_vaddr + plan->tramp_len;
	if (s->rec.kind != LXNT_SITE_SYSCALL && s->rec.kind != LXNT_SITE_FS)
		return -1;
	if (rw_emit_site_body(im, s, b) ||
	    displace(im, plan, s->rec.addr, s->rec.addr + s->rec.length, 5, tramp, b, &end))
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

/* Whether an earlier site's patch reaches `at` or beyond. */
int rw_earlier_patch_reaches(const struct rw_plan *plan, const struct rw_site *s, uint64_t at)
{
	for (const struct rw_site *e = s; e-- > plan->sites && e->rec.addr + LXNT_SITE_ORIG_MAX > at; )
		if (e->rec.addr - e->rec.patch_before + rw_site_span(&e->rec) > at)
			return 1;
	return 0;
}

/*
 * Whether the instructions from `start` up to the site can move with it:
 * plain instructions that fall through (no branch, call or return, so that
 * they and the site are one basic block), none of them a site, none
 * covered by an earlier patch.  Known branch targets among them are
 * checked with the rest of the patch (displace).
 */
static int prefix_movable(const struct rw_image *im, const struct rw_plan *plan,
	const struct rw_site *s, uint64_t start)
{
	if (rw_earlier_patch_reaches(plan, s, start))
		return 0;
	for (uint64_t pos = start; pos < s->rec.addr; ) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (decode_at(im, pos, &in, ops) || rw_plan_find(plan, pos) ||
		    rw_displaced_kind(&in, ops) != RW_DISPLACED_PLAIN ||
		    in.meta.branch_type != ZYDIS_BRANCH_TYPE_NONE ||
		    in.mnemonic == ZYDIS_MNEMONIC_INT3 || in.mnemonic == ZYDIS_MNEMONIC_UD2 ||
		    in.mnemonic == ZYDIS_MNEMONIC_HLT || in.mnemonic == ZYDIS_MNEMONIC_INT)
			return 0;
		pos += in.length;
	}
	return 1;
}

/*
 * B1 with a patch that starts before the site: when the site and what
 * follows it are too short for a jmp rel32 (a call or a known branch
 * target comes within 5 bytes), the instructions before it in the same
 * basic block move into the trampoline too, as long as no known branch
 * target falls strictly inside the patch (its first byte may be one).
 * The trampoline runs the moved instructions, the site's replacement and
 * any displaced followers, then jumps back to the end of the patch.
 */
static int try_jump_before(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b)
{
	uint64_t site = s->rec.addr, tramp = plan->tramp_vaddr + plan->tramp_len, end;
	if (s->rec.kind != LXNT_SITE_SYSCALL && s->rec.kind != LXNT_SITE_FS)
		return -1;
	for (unsigned k = 0; k < s->nprev; k++) {
		uint64_t start = s->prev[k];
		if (start >= site || site - start + s->rec.length > LXNT_SITE_ORIG_MAX ||
		    !prefix_movable(im, plan, s, start))
			return -1;
		b->len = 0;
		b->failed = 0;
		for (uint64_t pos = start; pos < site; ) {
			ZydisDecodedInstruction in;
			ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
			if (decode_at(im, pos, &in, ops) ||
			    rw_relocate(b, &in, ops, im->data + rw_image_offset(im, pos), pos,
				tramp + b->len))
				return -1;
			pos += in.length;
		}
		if (rw_emit_site_body(im, s, b) ||
		    displace(im, plan, start, site + s->rec.length, 5, tramp, b, &end))
			continue;
		if (end - start > LXNT_SITE_ORIG_MAX)
			continue;
		rw_emit_jmp(b, tramp + b->len, end);
		struct rw_buf patch = { s->patch, 0, sizeof(s->patch), 0 };
		rw_emit_jmp(&patch, start, tramp);
		while (!patch.failed && patch.len < end - start)
			rw_emit_bytes(&patch, "\xcc", 1);
		if (b->failed || patch.failed)
			continue;
		s->rec.rung = LXNT_RUNG_JUMP;
		s->rec.tramp = tramp;
		s->rec.resume = end;
		s->rec.patch_before = (uint8_t)(site - start);
		s->rec.patch_length = (uint8_t)patch.len;
		return 0;
	}
	return -1;
}

static int try_gs_inplace(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b)
{
	(void)plan;
	(void)b;
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

/* jmp rel8 from the site to `to`, int3 over the rest of the site, then the
 * original bytes up to `kept_end` (instructions that stay in place). */
static void emit_evict_head(const struct rw_image *im, const struct rw_site *s,
	uint64_t to, uint64_t kept_end, struct rw_buf *patch)
{
	uint64_t site = s->rec.addr, resume = site + s->rec.length;
	uint8_t short_jmp[2] = { 0xeb, (uint8_t)(to - (site + 2)) };
	rw_emit_bytes(patch, short_jmp, 2);
	while (!patch->failed && patch->len < s->rec.length)
		rw_emit_bytes(patch, "\xcc", 1);
	rw_emit_bytes(patch, im->data + rw_image_offset(im, resume), kept_end - resume);
}

static int finish_evict(struct rw_site *s, const struct rw_buf *b, const struct rw_buf *patch,
	uint64_t tramp)
{
	if (b->failed || patch->failed)
		return -1;
	s->rec.rung = LXNT_RUNG_EVICT;
	s->rec.tramp = tramp;
	s->rec.resume = s->rec.addr + s->rec.length;
	s->rec.patch_length = (uint8_t)patch->len;
	return 0;
}

/* Evict the instructions from v on (at least 10 bytes) to a trampoline of their own. */
static int evict_victim(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	uint64_t v, struct rw_buf *b)
{
	uint64_t site = s->rec.addr, tramp = plan->tramp_vaddr + plan->tramp_len, end;
	uint64_t victim_tramp = tramp + b->len;
	if (displace(im, plan, v, v, 10, tramp, b, &end) ||
	    end - site > LXNT_SITE_ORIG_MAX)
		return -1;
	rw_emit_jmp(b, tramp + b->len, end);
	struct rw_buf patch = { s->patch, 0, sizeof(s->patch), 0 };
	emit_evict_head(im, s, v + 5, v, &patch);
	rw_emit_jmp(&patch, v, victim_tramp);
	rw_emit_jmp(&patch, v + 5, tramp);
	while (!patch.failed && patch.len < end - site)
		rw_emit_bytes(&patch, "\xcc", 1);
	return finish_evict(s, b, &patch, tramp);
}

/*
 * Padding after an unconditional jmp or ret that no known branch reaches
 * (the nops or int3 compilers put between functions) runs never: evicting
 * it needs no trampoline, the jmp to the site's trampoline goes right there.
 */
static int evict_padding(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	uint64_t v, struct rw_buf *b)
{
	uint64_t site = s->rec.addr, tramp = plan->tramp_vaddr + plan->tramp_len;
	if (v + 5 - site > LXNT_SITE_ORIG_MAX || rw_addrset_any_inside(&im->targets, v - 1, v + 5))
		return -1;
	for (uint64_t pos = v; pos < v + 5; ) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (decode_at(im, pos, &in, ops) ||
		    (in.mnemonic != ZYDIS_MNEMONIC_NOP && in.mnemonic != ZYDIS_MNEMONIC_INT3))
			return -1;
		pos += in.length;
	}
	struct rw_buf patch = { s->patch, 0, sizeof(s->patch), 0 };
	emit_evict_head(im, s, v, v, &patch);
	rw_emit_jmp(&patch, v, tramp);
	return finish_evict(s, b, &patch, tramp);
}

/*
 * T3 (E9Patch, neighbour eviction), in the form that keeps every patched
 * byte within the site's record (LXNT_SITE_ORIG_MAX bytes from the site):
 * a jmp rel8 at the site to a later neighbour V, whose instructions (at
 * least 10 bytes of them) are evicted to a trampoline of their own.  V then
 * holds
 *     jmp victim_tramp   ; what normal flow through V runs
 *     jmp site_tramp     ; reached only from the jmp rel8 at the site
 * and int3 up to the end of the evicted instructions; the instructions
 * between the site and V stay in place.  V may be a known branch target
 * (nothing lands inside a patch), which is what B1 cannot allow for the
 * instruction right after the site.  Dead padding as V needs no victim
 * trampoline (evict_padding).  The site's trampoline jumps back to the
 * instruction after the site.
 */
static int try_evict(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b)
{
	uint64_t site = s->rec.addr, resume = site + s->rec.length;
	uint64_t tramp = plan->tramp_vaddr + plan->tramp_len;
	int after_branch = 0;
	/* A branch into the site (past a lock prefix, say) would land on the
	 * jmp rel8's displacement or the int3 after it. */
	if ((s->rec.kind != LXNT_SITE_SYSCALL && s->rec.kind != LXNT_SITE_FS) ||
	    s->rec.length < 2 || rw_addrset_any_inside(&im->targets, site, resume) ||
	    rw_emit_site_body(im, s, b))
		return -1;
	rw_emit_jmp(b, tramp + b->len, resume);
	size_t body_len = b->len;
	for (uint64_t v = resume; v + 5 <= site + LXNT_SITE_ORIG_MAX; ) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (b->failed || rw_plan_find(plan, v) || decode_at(im, v, &in, ops))
			return -1;
		b->len = body_len;
		if (after_branch && evict_padding(im, plan, s, v, b) == 0)
			return 0;
		b->len = body_len;
		b->failed = 0;
		if (evict_victim(im, plan, s, v, b) == 0)
			return 0;
		b->len = body_len;
		b->failed = 0;
		after_branch = in.mnemonic == ZYDIS_MNEMONIC_JMP || in.mnemonic == ZYDIS_MNEMONIC_RET ||
			(after_branch && (in.mnemonic == ZYDIS_MNEMONIC_NOP ||
				in.mnemonic == ZYDIS_MNEMONIC_INT3));
		v += in.length;
	}
	return -1;
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
	s->rec.patch_before = 0;
	if (s->rec.kind == LXNT_SITE_FS && rw_emit_site_body(im, s, b) == 0) {
		rw_emit_jmp(b, tramp + b->len, s->rec.addr + s->rec.length);
		if (!b->failed)
			s->rec.tramp = tramp;
	}
	if (!s->rec.tramp)
		b->len = 0;
	memcpy(s->patch, ud2, sizeof(ud2));
	if (rw_function_uses_red_zone(im, plan, s->rec.addr))
		s->rec.flags |= LXNT_SITE_REC_RED_ZONE;
	s->rec.rung = LXNT_RUNG_TRAP;
	s->rec.resume = s->rec.addr + s->rec.length;
	s->rec.patch_length = sizeof(ud2);
}

/* Room for `extra` more trampoline bytes. */
static int reserve_tramp(struct rw_image *im, struct rw_plan *plan, size_t extra)
{
	if (plan->tramp_len + extra > plan->tramp_cap) {
		size_t cap = plan->tramp_cap ? 2 * plan->tramp_cap : 65536;
		while (cap < plan->tramp_len + extra)
			cap *= 2;
		uint8_t *p = realloc(plan->tramp, cap);
		if (!p)
			return rw_error(im, "out of memory");
		plan->tramp = p;
		plan->tramp_cap = cap;
	}
	return 0;
}

int rw_pad_tramp(struct rw_image *im, struct rw_plan *plan, size_t len)
{
	if (len <= plan->tramp_len)
		return 0;
	if (reserve_tramp(im, plan, len - plan->tramp_len))
		return -1;
	memset(plan->tramp + plan->tramp_len, 0xcc, len - plan->tramp_len);
	plan->tramp_len = len;
	return 0;
}

static int append_tramp(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	const struct rw_buf *b)
{
	if (reserve_tramp(im, plan, b->len))
		return -1;
	s->tramp_offset = (uint32_t)plan->tramp_len;
	s->tramp_len = (uint32_t)b->len;
	/* Found by fuzzing (any file whose first site needs no trampoline):
	 * plan->tramp is still NULL, and NULL + 0 is undefined behaviour. */
	if (!b->len)
		return 0;
	memcpy(plan->tramp + plan->tramp_len, b->p, b->len);
	plan->tramp_len += b->len;
	return 0;
}

typedef int (*rw_tactic)(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b);

/* The ladder above the trap, in enum lxnt_rung order (docs/architecture.md). */
static const rw_tactic ladder[] = {
	try_gs_inplace, try_jump, try_jump_before, rw_try_punned, try_evict,
};

int rw_plan_sites(struct rw_image *im, struct rw_plan *plan)
{
	uint8_t body[RW_TRAMP_MAX];
	for (size_t i = 0; i < plan->nsites; i++) {
		struct rw_site *s = &plan->sites[i];
		struct rw_buf b = { body, 0, sizeof(body), 0 };
		int done = 0;
		for (size_t t = 0; !plan->force_trap && !done && t < sizeof(ladder) / sizeof(ladder[0]); t++) {
			b.len = 0;
			b.failed = 0;
			done = ladder[t](im, plan, s, &b) == 0;
		}
		if (!done)
			take_trap(im, plan, s, &b);
		if (append_tramp(im, plan, s, &b))
			return -1;
	}
	return 0;
}
