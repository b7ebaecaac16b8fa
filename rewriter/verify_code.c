/*
 * The verifier's code checks, all by decoding with LLVM (verify_x86.c):
 * the sites of the rebuilt input, the patched ranges, the trampolines.
 * What each rung must look like is docs/architecture.md, "Rewriting".
 */
#include "verify_int.h"

#include <stdlib.h>
#include <string.h>

#include <lxnt/layout.h>

#define MAX_TRAMP_INSNS 64

static const char *const kind_names[LXNT_SITE_KIND_COUNT] = {
	"syscall", "sysenter", "int80", "fs",
};
static const char *const rung_names[LXNT_RUNG_COUNT] = {
	"gs-inplace", "jump", "punned", "evict", "trap",
};

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

static int record_ok(const struct vf_file *f, const struct lxnt_site *s)
{
	return s->kind < LXNT_SITE_KIND_COUNT && s->rung < LXNT_RUNG_COUNT && s->length &&
		s->length <= 15 && vf_site_span(s) <= LXNT_SITE_ORIG_MAX &&
		(!s->patch_before || s->rung == LXNT_RUNG_JUMP) && s->patch_before <= s->addr &&
		vf_code_offset(f, vf_patch_start(s), vf_site_span(s)) != UINT64_MAX;
}

/* First record at or after addr. */
static uint32_t first_site_from(const struct vf_file *f, uint64_t addr)
{
	uint32_t lo = 0, hi = f->hdr.site_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (f->sites[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void sweep_region(struct vf_run *r, const struct vf_region *c)
{
	const struct vf_file *f = &r->f;
	const uint8_t *base = f->rebuilt + c->offset;
	uint32_t next = first_site_from(f, c->vaddr);
	uint64_t pos = 0;
	while (pos < c->size) {
		uint64_t addr = c->vaddr + pos;
		for (; next < f->hdr.site_count && f->sites[next].addr < addr; next++)
			vf_problem(r, "%#llx: site record is not at an instruction of the original code",
				ull(f->sites[next].addr));
		struct vf_insn in;
		if (!vf_decode(r->x86, base + pos, c->size - pos, addr, &in)) {
			if (next < f->hdr.site_count && f->sites[next].addr == addr) {
				vf_problem(r, "%#llx: site record (%s) but LLVM finds no instruction there",
					ull(addr), f->sites[next].kind < LXNT_SITE_KIND_COUNT ?
					kind_names[f->sites[next].kind] : "?");
				pos += f->sites[next++].length;
				continue;
			}
			pos++; /* not an instruction: data or padding */
			continue;
		}
		const struct lxnt_site *s = NULL;
		if (next < f->hdr.site_count && f->sites[next].addr == addr) {
			s = &f->sites[next++];
		} else if (next < f->hdr.site_count && f->sites[next].addr < addr + in.len) {
			/* LLVM's instruction runs over a recorded site: the two
			 * decoders split these bytes (data in code) differently,
			 * and whatever LLVM saw here includes the patched bytes.
			 * Start again where the rewriter's decode did. */
			pos = f->sites[next].addr - c->vaddr;
			continue;
		}
		int kind = vf_site_kind(&in);
		if (kind >= 0)
			r->rep->original_sites++;
		if (kind >= 0 && !s)
			vf_problem(r, "%#llx: %s site `%s` has no site record", ull(addr),
				kind_names[kind], in.text);
		else if (s && (kind < 0 || s->kind != kind || s->length != in.len))
			vf_problem(r, "%#llx: site record (%s, %u bytes) but the original instruction is `%s`",
				ull(addr), s->kind < LXNT_SITE_KIND_COUNT ? kind_names[s->kind] : "?",
				s->length, in.text);
		pos += in.len;
	}
}

/* (a): a linear decode of the rebuilt input finds exactly the recorded sites. */
void vf_check_original_sites(struct vf_run *r)
{
	const struct vf_file *f = &r->f;
	if (!f->rebuilt)
		return;
	for (size_t i = 0; i < f->ncode; i++) {
		const struct vf_region *c = &f->code[i];
		if (c->offset > f->hdr.source_size || c->size > f->hdr.source_size - c->offset) {
			vf_problem(r, "%#llx: executable section lies outside the input", ull(c->vaddr));
			continue;
		}
		sweep_region(r, c);
	}
}

/* The TEB slot offset that GS_INPLACE gives %fs:disp (fsop.c, layout.h). */
static long long gs_slot_for(unsigned long long disp)
{
	switch (disp) {
	case LXNT_TCB_SELF:
	case LXNT_TCB_SELF2:
		return LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP);
	case LXNT_TCB_STACK_GUARD:
		return LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_STACK_GUARD);
	case LXNT_TCB_POINTER_GUARD:
		return LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_POINTER_GUARD);
	default:
		return -1;
	}
}

/*
 * Where the %fs marker and the displacement are in LLVM's text: "%fs:DISP",
 * or, when it prints the prefix as a word of its own, "fs ... DISP".
 */
static int find_fs_operand(const char *text, const char **marker, const char **num)
{
	*marker = strstr(text, "%fs:");
	if (*marker) {
		*num = *marker + 4;
		return 1;
	}
	*marker = strncmp(text, "fs ", 3) == 0 ? text : strstr(text, " fs ");
	if (!*marker)
		return 0;
	if (**marker == ' ')
		(*marker)++;
	*num = strstr(*marker, " 0x");
	if (!*num)
		return 0;
	(*num)++;
	return 1;
}

/* GS_INPLACE: the original text with %fs made %gs and DISP the slot's offset. */
static void check_gs_inplace(struct vf_run *r, const struct lxnt_site *s, const uint8_t *p)
{
	struct vf_insn was, now;
	char want[160], gs[sizeof(was.text)];
	if (s->kind != LXNT_SITE_FS || s->patch_length != s->length ||
	    vf_decode(r->x86, s->orig, s->length, s->addr, &was) != s->length) {
		vf_problem(r, "%#llx: gs-inplace record does not describe an %%fs instruction", ull(s->addr));
		return;
	}
	const char *marker, *num;
	char *end = NULL;
	int found = find_fs_operand(was.text, &marker, &num);
	unsigned long long disp = found ? strtoull(num, &end, 16) : 0;
	long long slot = found && end != num && *end != '(' ? gs_slot_for(disp) : -1;
	if (slot < 0) {
		vf_problem(r, "%#llx: gs-inplace on `%s`, which reads no mirrored TCB field",
			ull(s->addr), was.text);
		return;
	}
	snprintf(gs, sizeof(gs), "%s", was.text);
	gs[marker - was.text + (*marker == '%')] = 'g';
	snprintf(want, sizeof(want), "%.*s%#llx%s", (int)(num - was.text), gs, slot, end);
	if (vf_decode(r->x86, p, s->length, s->addr, &now) != s->length || strcmp(now.text, want) != 0)
		vf_problem(r, "%#llx: patch is `%s`, expected `%s`", ull(s->addr), now.text, want);
}

/*
 * JUMP: jmp rel32 to the trampoline at the patch start (the site, or
 * patch_before bytes earlier), then int3 up to patch_length.
 */
static void check_jump(struct vf_run *r, const struct lxnt_site *s, const uint8_t *p)
{
	struct vf_insn in;
	uint64_t target = 0, start = vf_patch_start(s);
	if (s->kind != LXNT_SITE_SYSCALL && s->kind != LXNT_SITE_FS)
		vf_problem(r, "%#llx: jump rung on a %s site", ull(s->addr), kind_names[s->kind]);
	if (s->patch_length < 5 || s->patch_length < s->patch_before + s->length ||
	    s->resume != start + s->patch_length) {
		vf_problem(r, "%#llx: jump record has patch length %u and resume %#llx",
			ull(s->addr), s->patch_length, ull(s->resume));
		return;
	}
	if (!vf_decode(r->x86, p, s->patch_length, start, &in) || !vf_jmp_target(&in, &target) ||
	    p[0] != 0xe9 || target != s->tramp || !s->tramp) {
		vf_problem(r, "%#llx: patch is `%s`, expected a jmp rel32 to its trampoline %#llx",
			ull(s->addr), in.text, ull(s->tramp));
		return;
	}
	for (unsigned i = 5; i < s->patch_length; i++)
		if (vf_decode(r->x86, p + i, 1, start + i, &in) != 1 || strcmp(in.text, "int3") != 0) {
			vf_problem(r, "%#llx: byte %u of the patch is not int3 padding", ull(s->addr), i);
			return;
		}
}

/* Whether p[from, to) is all int3 padding. */
static int int3_run(struct vf_run *r, const struct lxnt_site *s, const uint8_t *p,
	unsigned from, unsigned to)
{
	struct vf_insn in;
	for (unsigned i = from; i < to; i++)
		if (vf_decode(r->x86, p + i, 1, s->addr + i, &in) != 1 || strcmp(in.text, "int3") != 0) {
			vf_problem(r, "%#llx: byte %u of the patch is not int3 padding", ull(s->addr), i);
			return 0;
		}
	return 1;
}

static void check_victims(struct vf_run *r, const struct lxnt_site *s, uint64_t v,
	const uint8_t *at_v);

/*
 * EVICT (tactics.c try_evict): jmp rel8 to offset k, int3 to the end of the
 * instruction, original bytes kept up to the evicted neighbour, and at k a
 * jmp rel32 to the site's trampoline.  Either the 5 bytes before k were
 * evicted too and hold a jmp rel32 to the victim trampoline (int3 after the
 * jmp at k up to patch_length), or k is the end of the patch and the
 * original bytes at k were padding (nop/int3) that nothing runs.
 */
static void check_evict(struct vf_run *r, const struct lxnt_site *s, const uint8_t *p)
{
	struct vf_insn in;
	uint64_t target = 0;
	unsigned k = 2u + (unsigned)(int)(int8_t)p[1];
	if ((s->kind != LXNT_SITE_SYSCALL && s->kind != LXNT_SITE_FS) || s->length < 2 ||
	    s->resume != s->addr + s->length || p[0] != 0xeb || !s->tramp ||
	    (int8_t)p[1] < 0 || k < s->length || k + 5 > s->patch_length) {
		vf_problem(r, "%#llx: evict record (patch %u, resume %#llx) or its jmp rel8 is malformed",
			ull(s->addr), s->patch_length, ull(s->resume));
		return;
	}
	if (!int3_run(r, s, p, 2, s->length))
		return;
	if (vf_decode(r->x86, p + k, 5, s->addr + k, &in) != 5 || !vf_jmp_target(&in, &target) ||
	    target != s->tramp) {
		vf_problem(r, "%#llx: evict jmp rel8 lands on `%s`, expected a jmp rel32 to %#llx",
			ull(s->addr), in.text, ull(s->tramp));
		return;
	}
	/* Without room for a jmp rel32 between the site and k, or with the
	 * original bytes still there, the form is padding. */
	if (k < s->length + 5u || memcmp(p + k - 5, s->orig + k - 5, 5) == 0) {
		if (k + 5 != s->patch_length) {
			vf_problem(r, "%#llx: evicted padding does not end the patch", ull(s->addr));
			return;
		}
		/* padding form: the bytes replaced at k decode as nop/int3 */
		/* decoded from the rebuilt input: a long nop may end past the patch */
		uint64_t off = vf_code_offset(&r->f, s->addr + k, 5);
		const uint8_t *q = r->f.rebuilt && off + 5 <= r->f.hdr.source_size ?
			r->f.rebuilt + off : NULL;
		size_t avail = q && r->f.hdr.source_size - off < 15 ? r->f.hdr.source_size - off : 15;
		for (unsigned at = 0; at < 5; at += in.len)
			if (!q || !vf_decode(r->x86, q + at, avail - at, s->addr + k + at, &in) ||
			    (strncmp(in.mnem, "nop", 3) != 0 && strcmp(in.mnem, "int3") != 0)) {
				vf_problem(r, "%#llx: evicted padding at +%u was `%s`", ull(s->addr), k + at,
					q ? in.text : "");
				return;
			}
		if (memcmp(p + s->length, s->orig + s->length, k - s->length) != 0)
			vf_problem(r, "%#llx: bytes before the evicted padding changed", ull(s->addr));
		return;
	}
	if (memcmp(p + s->length, s->orig + s->length, k - 5 - s->length) != 0 ||
	    vf_decode(r->x86, p + k - 5, 5, s->addr + k - 5, &in) != 5 || !vf_jmp_target(&in, &target)) {
		vf_problem(r, "%#llx: evicted neighbour at +%u does not start with a jmp rel32",
			ull(s->addr), k - 5);
		return;
	}
	if (int3_run(r, s, p, k + 5, s->patch_length))
		check_victims(r, s, s->addr + k - 5, p + k - 5);
}

/* The redundant prefixes a PUNNED jmp may carry (punned.c). */
static int pun_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x36 || b == 0x48;
}

/*
 * PUNNED (punned.c): at the site, up to three redundant prefixes and a jmp
 * rel32 to the trampoline; int3 from the jmp's end up to `kept`; from kept
 * to the end of the record's range the original bytes, whether the jmp's
 * rel32 overlaps them (the pun) or not.  The instruction at addr + kept (a
 * known branch target) then decodes as it did in the input.
 */
static void check_punned(struct vf_run *r, const struct lxnt_site *s, const uint8_t *p)
{
	struct vf_insn in, was;
	uint64_t target = 0;
	unsigned n = 0, span = vf_site_span(s);
	while (n < 3 && n < span && pun_prefix(p[n]))
		n++;
	unsigned jmp_end = n + 5;
	if ((s->kind != LXNT_SITE_SYSCALL && s->kind != LXNT_SITE_FS) || !s->kept ||
	    s->kept > s->length || s->resume != s->addr + s->length || !s->tramp ||
	    s->patch_length != (jmp_end > s->kept ? jmp_end : s->kept)) {
		vf_problem(r, "%#llx: punned record (kept %u, patch %u, resume %#llx) is malformed",
			ull(s->addr), s->kept, s->patch_length, ull(s->resume));
		return;
	}
	if (p[n] != 0xe9 || vf_decode(r->x86, p, jmp_end, s->addr, &in) != jmp_end ||
	    !vf_jmp_target(&in, &target) || target != s->tramp) {
		vf_problem(r, "%#llx: patch is `%s`, expected a jmp rel32 to its trampoline %#llx",
			ull(s->addr), in.text, ull(s->tramp));
		return;
	}
	if (jmp_end < s->kept && !int3_run(r, s, p, jmp_end, s->kept))
		return;
	if (memcmp(p + s->kept, s->orig + s->kept, span - s->kept) != 0) {
		vf_problem(r, "%#llx: bytes kept from +%u differ from the original", ull(s->addr),
			s->kept);
		return;
	}
	uint64_t at = s->addr + s->kept, off = vf_code_offset(&r->f, at, 1);
	if (!r->f.rebuilt || off == UINT64_MAX || off >= r->f.hdr.source_size)
		return;
	size_t avail = r->f.hdr.source_size - off < 15 ? r->f.hdr.source_size - off : 15;
	size_t now = vf_decode(r->x86, r->f.data + off, avail, at, &in);
	size_t then = vf_decode(r->x86, r->f.rebuilt + off, avail, at, &was);
	if (now != then || (now && strcmp(in.text, was.text) != 0))
		vf_problem(r, "%#llx: the instruction at the kept offset +%u is `%s`, was `%s`",
			ull(s->addr), s->kept, now ? in.text : "?", then ? was.text : "?");
}

/* TRAP: ud2 over the first two bytes, the rest of the instruction kept. */
static void check_trap(struct vf_run *r, const struct lxnt_site *s, const uint8_t *p)
{
	struct vf_insn in;
	if (s->patch_length != 2 || s->length < 2 || s->resume != s->addr + s->length ||
	    (s->kind != LXNT_SITE_FS && s->tramp)) {
		vf_problem(r, "%#llx: trap record has patch length %u, resume %#llx, trampoline %#llx",
			ull(s->addr), s->patch_length, ull(s->resume), ull(s->tramp));
		return;
	}
	if (vf_decode(r->x86, p, 2, s->addr, &in) != 2 || strcmp(in.text, "ud2") != 0)
		vf_problem(r, "%#llx: patch is `%s`, expected ud2", ull(s->addr), in.text);
	else if (memcmp(p + 2, s->orig + 2, s->length - 2u) != 0)
		vf_problem(r, "%#llx: bytes after the ud2 differ from the original instruction",
			ull(s->addr));
}

/* (c): each patched range of the output is what its rung says. */
void vf_check_patches(struct vf_run *r)
{
	const struct vf_file *f = &r->f;
	for (uint32_t i = 0; i < f->hdr.site_count; i++) {
		const struct lxnt_site *s = &f->sites[i];
		if (!record_ok(f, s))
			continue; /* reported by vf_check_records */
		const uint8_t *p = f->data + vf_code_offset(f, vf_patch_start(s), vf_site_span(s));
		switch (s->rung) {
		case LXNT_RUNG_GS_INPLACE:
			check_gs_inplace(r, s, p);
			break;
		case LXNT_RUNG_JUMP:
			check_jump(r, s, p);
			break;
		case LXNT_RUNG_PUNNED:
			check_punned(r, s, p);
			break;
		case LXNT_RUNG_EVICT:
			check_evict(r, s, p);
			break;
		case LXNT_RUNG_TRAP:
			check_trap(r, s, p);
			break;
		default:
			vf_problem(r, "%#llx: rung %s is not one this lxnt produces or can check",
				ull(s->addr), rung_names[s->rung]);
			break;
		}
	}
}

/*
 * Decode the trampoline at `at` up to the jmp to `want`; returns the count
 * of instructions, 0 after reporting a problem.
 */
static size_t decode_tramp(struct vf_run *r, uint64_t site, uint64_t at, uint64_t want,
	struct vf_insn *insns)
{
	const struct vf_file *f = &r->f;
	uint64_t end = f->hdr.tramp_vaddr + f->hdr.tramp_size, a = at, back;
	if (a < f->hdr.tramp_vaddr || a >= end || !vf_segment_bytes(f, a, end - a)) {
		vf_problem(r, "%#llx: trampoline %#llx lies outside the trampoline area",
			ull(site), ull(a));
		return 0;
	}
	for (size_t n = 0; n < MAX_TRAMP_INSNS && a < end; n++) {
		size_t avail = end - a < 15 ? (size_t)(end - a) : 15;
		struct vf_insn *in = &insns[n];
		if (!vf_decode(r->x86, vf_segment_bytes(f, a, avail), avail, a, in)) {
			vf_problem(r, "%#llx: trampoline does not decode at %#llx", ull(site), ull(a));
			return 0;
		}
		if (vf_site_kind(in) >= 0) {
			vf_problem(r, "%#llx: trampoline still holds `%s`", ull(site), in->text);
			return 0;
		}
		/* A displaced jmp moved into the trampoline is not the jmp back. */
		if (vf_jmp_target(in, &back) && in->len == 5 && back == want)
			return n + 1;
		a += in->len;
	}
	vf_problem(r, "%#llx: trampoline has no jmp rel32 back to %#llx", ull(site), ull(want));
	return 0;
}

static int has_text_run(const struct vf_insn *insns, size_t n, const char *const *want, size_t k)
{
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && strcmp(insns[i + j].text, want[j]) == 0)
			j++;
		if (j == k)
			return 1;
	}
	return 0;
}

/*
 * The `len` original bytes at `from` (moved out of the way of a patch) run
 * in the trampoline just before its jmp back: the same instructions, equal
 * once %rip-relative operands and branches name absolute addresses.
 */
static void check_moved(struct vf_run *r, uint64_t site, uint64_t from, const uint8_t *bytes,
	unsigned len, const struct vf_insn *insns, size_t n)
{
	struct vf_insn moved[LXNT_SITE_ORIG_MAX];
	size_t k = 0;
	for (unsigned at = 0; at < len; k++) {
		if (!vf_decode(r->x86, bytes + at, len - at, from + at, &moved[k])) {
			vf_problem(r, "%#llx: displaced bytes at %#llx do not decode", ull(site),
				ull(from + at));
			return;
		}
		at += moved[k].len;
	}
	if (k + 1 > n) {
		vf_problem(r, "%#llx: trampoline lacks the displaced instructions", ull(site));
		return;
	}
	for (size_t i = 0; i < k; i++) {
		char want[160], got[160];
		vf_absolute_text(&moved[i], want, sizeof(want));
		vf_absolute_text(&insns[n - 1 - k + i], got, sizeof(got));
		if (strcmp(want, got) != 0) {
			vf_problem(r, "%#llx: displaced `%s` became `%s` in the trampoline",
				ull(site), want, got);
			return;
		}
	}
}

/*
 * The fast %fs load body (fsop.c emit_fs_fast_load) opens by loading tp into
 * its destination: `movq %gs:TP, %reg`, a 64-bit register, then the load.
 */
static int opens_with_tp_load(const struct vf_insn *first)
{
	char want[48];
	int n = snprintf(want, sizeof(want), "movq %%gs:%#x, %%r", LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP));
	return strncmp(first->text, want, (size_t)n) == 0 && !strchr(first->text + n, ',');
}

/* Whether LLVM's text names a branch, call or return (it ends a basic block). */
static int transfers_control(const struct vf_insn *in)
{
	return in->mnem[0] == 'j' || strncmp(in->mnem, "call", 4) == 0 ||
		strncmp(in->mnem, "ret", 3) == 0 || strncmp(in->mnem, "loop", 4) == 0 ||
		strcmp(in->mnem, "int3") == 0 || strcmp(in->mnem, "ud2") == 0 ||
		strcmp(in->mnem, "hlt") == 0 || strncmp(in->mnem, "int", 3) == 0 ||
		strncmp(in->mnem, "sys", 3) == 0;
}

/*
 * A JUMP patch that starts before its site moved the instructions of
 * orig[0, patch_before): they must decode to exactly that many bytes, fall
 * through to the site (no branch among them), and open the trampoline as
 * the same instructions.  Returns how many there are, -1 after a problem.
 */
static int check_moved_before(struct vf_run *r, const struct lxnt_site *s,
	const struct vf_insn *insns, size_t n)
{
	uint64_t start = vf_patch_start(s);
	size_t k = 0;
	for (unsigned at = 0; at < s->patch_before; k++) {
		struct vf_insn was;
		char want[160], got[160];
		if (!vf_decode(r->x86, s->orig + at, s->patch_before - at, start + at, &was) ||
		    transfers_control(&was) || vf_site_kind(&was) >= 0) {
			vf_problem(r, "%#llx: the %u bytes before the site are not plain instructions that fall through to it",
				ull(s->addr), s->patch_before);
			return -1;
		}
		if (k >= n) {
			vf_problem(r, "%#llx: trampoline lacks the instructions moved from before the site",
				ull(s->addr));
			return -1;
		}
		vf_absolute_text(&was, want, sizeof(want));
		vf_absolute_text(&insns[k], got, sizeof(got));
		if (strcmp(want, got) != 0) {
			vf_problem(r, "%#llx: `%s` moved from before the site became `%s`",
				ull(s->addr), want, got);
			return -1;
		}
		at += was.len;
	}
	return (int)k;
}

static void check_one_tramp(struct vf_run *r, const struct lxnt_site *s)
{
	struct vf_insn insns[MAX_TRAMP_INSNS];
	size_t n = decode_tramp(r, s->addr, s->tramp, s->resume, insns);
	if (!n)
		return;
	int before = s->patch_before ? check_moved_before(r, s, insns, n) : 0;
	if (before < 0)
		return;
	if ((size_t)before + 1 >= n) {
		vf_problem(r, "%#llx: trampoline holds nothing after the moved instructions",
			ull(s->addr));
		return;
	}
	char down[48], call[48], up[48];
	snprintf(down, sizeof(down), "leaq -%#x(%%rsp), %%rsp", LXNT_RED_ZONE);
	snprintf(call, sizeof(call), "callq *%%gs:%#x", LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_SYSCALL_ENTRY));
	snprintf(up, sizeof(up), "leaq %#x(%%rsp), %%rsp", LXNT_RED_ZONE);
	const char *const syscall_body[] = { down, call, up };
	if (s->kind == LXNT_SITE_SYSCALL && !has_text_run(insns, n, syscall_body, 3))
		vf_problem(r, "%#llx: trampoline lacks `%s; %s; %s`", ull(s->addr), down, call, up);
	if (s->kind == LXNT_SITE_FS && strcmp(insns[before].text, down) != 0 &&
	    !opens_with_tp_load(&insns[before]))
		vf_problem(r, "%#llx: trampoline opens with neither `%s` nor `movq %%gs:%#x, REG`",
			ull(s->addr), down, LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_TP));
	unsigned head = s->patch_before + s->length;
	if (s->rung == LXNT_RUNG_JUMP)
		check_moved(r, s->addr, s->addr + s->length, s->orig + head,
			s->patch_length - head, insns + before, n - (size_t)before);
}

/* (d): every trampoline decodes and returns where its site resumes. */
void vf_check_trampolines(struct vf_run *r)
{
	const struct vf_file *f = &r->f;
	for (uint32_t i = 0; i < f->hdr.site_count; i++) {
		const struct lxnt_site *s = &f->sites[i];
		if (!record_ok(f, s))
			continue;
		if ((s->rung == LXNT_RUNG_JUMP || s->rung == LXNT_RUNG_PUNNED ||
		     s->rung == LXNT_RUNG_EVICT) && s->tramp)
			check_one_tramp(r, s);
		else if (s->rung == LXNT_RUNG_TRAP && s->kind == LXNT_SITE_FS && s->tramp)
			check_one_tramp(r, s);
		else if (s->rung == LXNT_RUNG_GS_INPLACE && s->tramp)
			vf_problem(r, "%#llx: gs-inplace site names a trampoline", ull(s->addr));
	}
}

/* The victims' own trampoline: the evicted instructions, then a jmp to end. */
static void check_victims(struct vf_run *r, const struct lxnt_site *s, uint64_t v,
	const uint8_t *at_v)
{
	struct vf_insn jmp, insns[MAX_TRAMP_INSNS];
	uint64_t vt, end = s->addr + s->patch_length;
	if (vf_decode(r->x86, at_v, 5, v, &jmp) != 5 || !vf_jmp_target(&jmp, &vt)) {
		vf_problem(r, "%#llx: evicted neighbours at %#llx replaced by `%s`, not a jmp rel32",
			ull(s->addr), ull(v), jmp.text);
		return;
	}
	size_t n = decode_tramp(r, s->addr, vt, end, insns);
	if (n)
		check_moved(r, s->addr, v, s->orig + (v - s->addr), (unsigned)(end - v), insns, n);
}
