/*
 * The PUNNED rung (E9Patch tactic B2, Duck et al., PLDI 2020, section 3):
 * a jmp rel32 at a site that has fewer than 5 bytes the patch may change.
 *
 * JUMP declines a site when a known branch target lies inside the site or
 * right after a short one, and the instructions after it cannot move.  The
 * bytes from that point on (the "kept" bytes) must stay as they are, so
 * that a branch there still runs the same instructions.  PUNNED writes
 *     [prefixes] e9 <low bytes of rel32>
 * over the bytes before the kept point and lets the kept bytes be the high
 * bytes of the rel32: the jump lands wherever those bytes say, and the
 * site's trampoline is put at exactly that address, when it falls in the
 * free part of the trampoline area (at or after its current end, and
 * within RW_PUN_GAP_MAX of it; the bytes skipped are int3).  Prefixes that
 * a near jmp ignores move the jmp by one byte each, so that other bytes
 * become the high part of the rel32 and another address comes out.  When
 * 5 or more bytes come before the kept point no pun is needed: the jmp
 * goes to the next trampoline and int3 fills the bytes up to the kept
 * point.
 *
 * The trampoline performs the site and jumps back to the instruction after
 * it.  The overlapped bytes beyond the site belong to no other site (its
 * patch would change the rel32), and the verifier checks that the kept
 * bytes are the original ones (verify_code.c check_punned).
 */
#include "rw.h"

/*
 * How far past the current end of the trampoline area a punned trampoline
 * may go: the bytes skipped are int3 in the file, so this bounds what one
 * site can add to the output.
 */
#define RW_PUN_GAP_MAX 0x10000

/*
 * Redundant prefixes, outermost first, for 1 to 3 of them: es and ss
 * overrides, which a near jmp ignores in 64-bit mode, and REX.W (E9Patch's
 * choice) last, since a REX prefix counts only right before the opcode.
 * Not 0x66: AMD processors take it to make the jmp rel16.
 */
static const uint8_t pun_prefixes[3][3] = {
	{ 0x48 }, { 0x26, 0x48 }, { 0x26, 0x36, 0x48 },
};

/* Offset from the site of the first byte the patch must leave alone. */
static unsigned kept_offset(const struct rw_image *im, const struct rw_site *s)
{
	uint64_t site = s->rec.addr;
	for (unsigned k = 1; k < s->rec.length; k++)
		if (rw_addrset_any_inside(&im->targets, site + k - 1, site + k + 1))
			return k;
	return s->rec.length;
}

/* Whether another site starts among the bytes [from, to) the jmp overlaps. */
static int overlaps_site(const struct rw_plan *plan, uint64_t from, uint64_t to)
{
	for (uint64_t a = from; a < to; a++)
		if (rw_plan_find(plan, a))
			return 1;
	return 0;
}

struct pun {
	unsigned prefixes; /* redundant prefixes before e9 */
	uint64_t tramp;    /* where the jmp lands */
};

/*
 * With n prefixes: the address the jmp can reach at or after `lo` and at
 * most `hi`, choosing the rel32 bytes before the kept ones.
 */
static int pun_with(const struct rw_image *im, const struct rw_plan *plan,
	const struct rw_site *s, unsigned kept, unsigned n, uint64_t lo, uint64_t hi,
	struct pun *out)
{
	uint64_t site = s->rec.addr, jmp_end = site + n + 5;
	unsigned free_bytes = kept - n - 1; /* low bytes of the rel32 we choose */
	const uint8_t *high = rw_image_bytes(im, site + kept, n + 5 - kept);
	if (!high || overlaps_site(plan, site + s->rec.length, jmp_end))
		return -1;
	uint32_t fixed = 0;
	for (unsigned i = 0; i < n + 5 - kept; i++)
		fixed |= (uint32_t)high[i] << (8 * (free_bytes + i));
	int64_t base = (int32_t)fixed; /* the chosen low bytes never reach the sign bit */
	int64_t span = ((int64_t)1 << (8 * free_bytes)) - 1;
	int64_t want_lo = (int64_t)(lo - jmp_end), want_hi = (int64_t)(hi - jmp_end);
	int64_t rel = base > want_lo ? base : want_lo;
	if (rel > base + span || rel > want_hi)
		return -1;
	out->prefixes = n;
	out->tramp = jmp_end + (uint64_t)rel;
	return 0;
}

/* The lowest reachable trampoline address over every prefix count. */
static int choose_pun(const struct rw_image *im, const struct rw_plan *plan,
	const struct rw_site *s, unsigned kept, uint64_t lo, struct pun *best)
{
	int found = 0;
	for (unsigned n = 0; n < kept && n <= 3; n++) {
		struct pun p;
		if (pun_with(im, plan, s, kept, n, lo, lo + RW_PUN_GAP_MAX, &p) == 0 &&
		    (!found || p.tramp < best->tramp)) {
			*best = p;
			found = 1;
		}
	}
	return found ? 0 : -1;
}

int rw_try_punned(struct rw_image *im, struct rw_plan *plan, struct rw_site *s,
	struct rw_buf *b)
{
	uint64_t site = s->rec.addr, resume = site + s->rec.length;
	uint64_t next = plan->tramp_vaddr + plan->tramp_len;
	if ((s->rec.kind != LXNT_SITE_SYSCALL && s->rec.kind != LXNT_SITE_FS) ||
	    rw_earlier_patch_reaches(plan, s, site))
		return -1;
	unsigned kept = kept_offset(im, s);
	struct pun p = { 0, next };
	if (kept < 5 && choose_pun(im, plan, s, kept, next, &p))
		return -1;
	if (rw_emit_site_body(im, s, b))
		return -1;
	rw_emit_jmp(b, p.tramp + b->len, resume);

	struct rw_buf patch = { s->patch, 0, sizeof(s->patch), 0 };
	if (p.prefixes)
		rw_emit_bytes(&patch, pun_prefixes[p.prefixes - 1], p.prefixes);
	rw_emit_jmp(&patch, site + p.prefixes, p.tramp);
	while (!patch.failed && patch.len < kept)
		rw_emit_bytes(&patch, "\xcc", 1);
	if (b->failed || patch.failed)
		return -1;
	/* The jmp's high bytes are the kept ones, unchanged (the pun). */
	const uint8_t *orig = rw_image_bytes(im, site, patch.len);
	for (unsigned i = kept; i < patch.len; i++)
		if (!orig || s->patch[i] != orig[i])
			return -1;
	if (rw_pad_tramp(im, plan, (size_t)(p.tramp - plan->tramp_vaddr)))
		return -1;
	s->rec.rung = LXNT_RUNG_PUNNED;
	s->rec.tramp = p.tramp;
	s->rec.resume = resume;
	s->rec.kept = (uint8_t)kept;
	s->rec.patch_length = (uint8_t)patch.len;
	return 0;
}
