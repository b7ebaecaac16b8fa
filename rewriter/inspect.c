/*
 * `lxnt inspect`: list every site of a file with its kind, rung and
 * instruction, and account for all of them.  A rewritten file is checked
 * against its own site table: the code is decoded again, stepping over each
 * patched site, and any syscall or %fs instruction left over is unhandled.
 */
#include "rw.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[LXNT_SITE_KIND_COUNT] = {
	"syscall", "sysenter", "int80", "fs",
};
static const char *const rung_names[LXNT_RUNG_COUNT] = {
	"gs-inplace", "jump", "punned", "evict", "trap",
};

static void format_insn(const uint8_t *bytes, size_t n, uint64_t addr, char *text, size_t len)
{
	ZydisDisassembledInstruction d;
	if (ZYAN_SUCCESS(ZydisDisassembleATT(ZYDIS_MACHINE_MODE_LONG_64, addr, bytes, n, &d)))
		snprintf(text, len, "%s", d.text);
	else
		snprintf(text, len, "(undecodable)");
}

static void print_site(FILE *out, const struct lxnt_site *r, const char *note)
{
	char text[128];
	if (!out)
		return;
	unsigned pre = r->patch_before < LXNT_SITE_ORIG_MAX ? r->patch_before : 0;
	format_insn(r->orig + pre, r->length, r->addr, text, sizeof(text));
	/* A JUMP whose patch starts before the site is listed as jump-pre. */
	fprintf(out, "%#10llx  %-8s %-10s %-40s", (unsigned long long)r->addr,
		r->kind < LXNT_SITE_KIND_COUNT ? kind_names[r->kind] : "?",
		r->rung == LXNT_RUNG_JUMP && pre ? "jump-pre" :
		r->rung < LXNT_RUNG_COUNT ? rung_names[r->rung] : "?", text);
	if (r->tramp)
		fprintf(out, " tramp %#llx", (unsigned long long)r->tramp);
	if (r->flags & LXNT_SITE_REC_RED_ZONE)
		fprintf(out, " red-zone");
	fprintf(out, "%s\n", note);
}

static void print_totals(FILE *out, const struct lxnt_rewrite_report *rep)
{
	if (!out)
		return;
	fprintf(out, "sites: %u\n", rep->site_count);
	for (int k = 0; k < LXNT_SITE_KIND_COUNT; k++)
		fprintf(out, "  kind %-10s %u\n", kind_names[k], rep->kind_count[k]);
	for (int g = 0; g < LXNT_RUNG_COUNT; g++)
		fprintf(out, "  rung %-10s %u\n", rung_names[g], rep->rung_count[g]);
	fprintf(out, "  fs traps without trampoline %u\n", rep->fs_trap_without_tramp);
	fprintf(out, "  syscall sites outside FDEs %u\n", rep->syscall_outside_fde);
	fprintf(out, "  trap sites in functions using the red zone %u\n", rep->trap_red_zone);
	fprintf(out, "  trampoline bytes %llu\n", (unsigned long long)rep->tramp_size);
	fprintf(out, "unhandled: %u\n", rep->unhandled);
}

static int inspect_original(struct rw_image *im, FILE *out, struct lxnt_rewrite_report *rep)
{
	struct rw_plan plan;
	if (rw_analyze(im, &plan, 0)) {
		rw_plan_free(&plan);
		return -1;
	}
	if (out)
		fprintf(out, "%s: original file, %zu sites (rungs a rewrite would take)\n",
			im->name, plan.nsites);
	for (size_t i = 0; i < plan.nsites; i++)
		print_site(out, &plan.sites[i].rec, "");
	rw_plan_report(im, &plan, rep);
	rw_plan_free(&plan);
	return 0;
}

/* Whether the bytes at a site are the patch its rung calls for. */
static int patch_present(const struct rw_image *im, const struct lxnt_site *r)
{
	uint64_t start = r->addr - r->patch_before;
	const uint8_t *p = rw_image_bytes(im, start, r->patch_length ? r->patch_length : 1);
	if (!p || r->patch_length < 2 || (r->patch_before && r->rung != LXNT_RUNG_JUMP))
		return 0;
	switch (r->rung) {
	case LXNT_RUNG_TRAP:
		return p[0] == 0x0f && p[1] == 0x0b;
	case LXNT_RUNG_JUMP: {
		int32_t rel;
		if (r->patch_length < 5 || p[0] != 0xe9)
			return 0;
		memcpy(&rel, p + 1, 4);
		return start + 5 + (uint64_t)(int64_t)rel == r->tramp;
	}
	case LXNT_RUNG_PUNNED: {
		/* redundant prefixes, then a jmp rel32 whose tail may be kept bytes */
		unsigned n = 0;
		int32_t rel;
		while (n < 3 && n + 5 <= r->patch_length &&
		       (p[n] == 0x26 || p[n] == 0x36 || p[n] == 0x48))
			n++;
		if (n + 5 > r->patch_length || p[n] != 0xe9)
			return 0;
		memcpy(&rel, p + n + 1, 4);
		return r->addr + n + 5 + (uint64_t)(int64_t)rel == r->tramp;
	}
	case LXNT_RUNG_EVICT: {
		/* jmp rel8 to a jmp rel32 to the trampoline, within the patch */
		uint64_t to = r->addr + 2 + (uint64_t)(int64_t)(int8_t)p[1];
		int32_t rel;
		if (p[0] != 0xeb || to < r->addr + r->length || to + 5 > r->addr + r->patch_length ||
		    p[to - r->addr] != 0xe9)
			return 0;
		memcpy(&rel, p + (to - r->addr) + 1, 4);
		return to + 5 + (uint64_t)(int64_t)rel == r->tramp;
	}
	case LXNT_RUNG_GS_INPLACE: {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&im->decoder, p, r->length, &in, ops)))
			return 0;
		return rw_site_kind(&in, ops) < 0 && in.length == r->length;
	}
	default:
		return 0;
	}
}

/* Decode the rewritten code again, stepping over patched sites. */
static uint32_t count_unhandled(const struct rw_image *im, const struct lxnt_site *sites,
	uint32_t count, FILE *out)
{
	uint32_t unhandled = 0, seen = 0, next = 0;
	for (size_t ri = 0; ri < im->ncode; ri++) {
		const struct rw_region *reg = &im->code[ri];
		uint64_t pos = 0;
		while (next < count && sites[next].addr < reg->vaddr)
			next++;
		while (pos < reg->size) {
			uint64_t addr = reg->vaddr + pos;
			while (next < count && sites[next].addr < addr)
				next++; /* a site the sweep stepped over: not accounted for */
			if (next < count && sites[next].addr == addr) {
				const struct lxnt_site *r = &sites[next++];
				seen++;
				if (!patch_present(im, r)) {
					unhandled++;
					print_site(out, r, "  NOT COVERED: patch missing");
				}
				pos += r->rung == LXNT_RUNG_JUMP || r->rung == LXNT_RUNG_EVICT ?
					r->patch_length - r->patch_before : r->length;
				continue;
			}
			ZydisDecodedInstruction in;
			ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
			ZydisDecoderContext ctx;
			const uint8_t *p = im->data + reg->offset + pos;
			if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&im->decoder, &ctx, p,
				reg->size - pos, &in))) {
				pos++;
				continue;
			}
			if (next < count && sites[next].addr < addr + in.length) {
				/* Reaches into a patched site: in the original this
				 * decoded otherwise (data in code); resynchronise. */
				pos = sites[next].addr - reg->vaddr;
				continue;
			}
			int kind = -1;
			if (rw_needs_operands(&in) &&
			    ZYAN_SUCCESS(ZydisDecoderDecodeOperands(&im->decoder, &ctx, &in, ops,
				ZYDIS_MAX_OPERAND_COUNT)))
				kind = rw_site_kind(&in, ops);
			if (kind >= 0) {
				struct lxnt_site r = { .addr = addr, .kind = (uint8_t)kind,
					.rung = 0xff, .length = in.length };
				memcpy(r.orig, p, in.length);
				print_site(out, &r, "  NOT COVERED: not in the site table");
				unhandled++;
			}
			pos += in.length;
		}
	}
	return unhandled + (count - seen);
}

/* The site header and a copy of the table of a rewritten image. */
static int load_site_table(struct rw_image *im, struct lxnt_site_header *h,
	struct lxnt_site **sites_out)
{
	const GElf_Phdr *ph = &im->phdr[im->sites_phdr];
	if (ph->p_filesz < sizeof(*h) || ph->p_offset > im->size ||
	    ph->p_filesz > im->size - ph->p_offset)
		return rw_error(im, "truncated site table");
	memcpy(h, im->data + ph->p_offset, sizeof(*h));
	if (memcmp(h->magic, LXNT_SITE_MAGIC, 8) != 0 || h->version != LXNT_SITE_VERSION)
		return rw_error(im, "bad site table header");
	uint64_t table_off = ph->p_offset + (h->sites_vaddr - ph->p_vaddr);
	if (h->sites_vaddr < ph->p_vaddr || table_off > im->size ||
	    (uint64_t)h->site_count * sizeof(struct lxnt_site) > im->size - table_off)
		return rw_error(im, "truncated site table");
	struct lxnt_site *sites = calloc(h->site_count ? h->site_count : 1, sizeof(*sites));
	if (!sites)
		return rw_error(im, "out of memory");
	memcpy(sites, im->data + table_off, h->site_count * sizeof(*sites));
	*sites_out = sites;
	return 0;
}

/*
 * The rewriter checks its own output before anyone runs it: decoded again,
 * every site must carry its patch and no unpatched site may be left.
 */
int rw_verify_output(const uint8_t *data, size_t n, const char *name,
	char *err, size_t errlen)
{
	struct rw_image im;
	struct lxnt_site_header h;
	struct lxnt_site *sites = NULL;
	int rc = rw_image_open(&im, data, n, name, err, errlen);
	if (rc == 0 && im.sites_phdr < 0)
		rc = rw_error(&im, "internal error: output has no site table");
	if (rc == 0)
		rc = load_site_table(&im, &h, &sites);
	if (rc == 0) {
		uint32_t missed = count_unhandled(&im, sites, h.site_count, NULL);
		if (missed)
			rc = rw_error(&im, "internal error: %u sites not accounted for in the output",
				missed);
	}
	free(sites);
	rw_image_close(&im);
	return rc;
}

static int inspect_rewritten(struct rw_image *im, FILE *out, struct lxnt_rewrite_report *rep)
{
	struct lxnt_site_header h;
	struct lxnt_site *sites;
	if (load_site_table(im, &h, &sites))
		return -1;

	memset(rep, 0, sizeof(*rep));
	rep->already_rewritten = 1;
	rep->site_count = h.site_count;
	rep->tramp_size = h.tramp_size;
	if (out)
		fprintf(out, "%s: rewritten by lxnt %.16s%s, %u sites\n", im->name,
			h.rewriter_version, h.flags & LXNT_SITE_F_FORCED_TRAP ? " (forced trap)" : "",
			h.site_count);
	for (uint32_t i = 0; i < h.site_count; i++) {
		const struct lxnt_site *r = &sites[i];
		print_site(out, r, "");
		if (r->kind < LXNT_SITE_KIND_COUNT)
			rep->kind_count[r->kind]++;
		if (r->rung < LXNT_RUNG_COUNT)
			rep->rung_count[r->rung]++;
		if (r->kind == LXNT_SITE_FS && r->rung == LXNT_RUNG_TRAP && !r->tramp)
			rep->fs_trap_without_tramp++;
		if (r->flags & LXNT_SITE_REC_RED_ZONE)
			rep->trap_red_zone++;
	}
	if (rw_collect_targets(im)) {
		free(sites);
		return -1;
	}
	for (uint32_t i = 0; i < h.site_count; i++)
		if (sites[i].kind != LXNT_SITE_FS && im->nfde && !rw_in_fde(im, sites[i].addr))
			rep->syscall_outside_fde++;
	rep->unhandled = count_unhandled(im, sites, h.site_count, out);
	free(sites);
	return 0;
}

int lxnt_inspect_file(const char *path, FILE *out, struct lxnt_rewrite_report *rep,
	char *err, size_t errlen)
{
	uint8_t *data;
	size_t n;
	struct lxnt_rewrite_report local;
	if (!rep)
		rep = &local;
	if (lxnt_read_file(path, &data, &n, err, errlen))
		return -1;
	struct rw_image im;
	int rc = rw_image_open(&im, data, n, path, err, errlen);
	if (rc == 0)
		rc = im.sites_phdr >= 0 ? inspect_rewritten(&im, out, rep)
					: inspect_original(&im, out, rep);
	if (rc == 0)
		print_totals(out, rep);
	rw_image_close(&im);
	free(data);
	return rc;
}
