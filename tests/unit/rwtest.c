#include "rwtest.h"

#include <criterion/criterion.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "elfgen.h"

int rewrite_buffer(const uint8_t *in, size_t n, int force_trap, struct rewritten *rw,
	char *err, size_t errlen)
{
	struct lxnt_rewrite_options opt = { .force_trap = force_trap };
	memset(rw, 0, sizeof(*rw));
	if (lxnt_rewrite_image(in, n, "snippet", &opt, &rw->data, &rw->size, &rw->rep,
			err, errlen))
		return -1;
	Elf64_Ehdr eh;
	memcpy(&eh, rw->data, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, rw->data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LXNT_SITES)
			continue;
		memcpy(&rw->hdr, rw->data + ph.p_offset, sizeof(rw->hdr));
		rw->sites = (const struct lxnt_site *)rewritten_at(rw, rw->hdr.sites_vaddr);
	}
	return 0;
}

void rewrite_snippet(const uint8_t *code, size_t len, int force_trap, struct rewritten *rw)
{
	size_t n;
	char err[256] = "";
	uint8_t *elf = elfgen_exec(code, len, &n);
	int rc = rewrite_buffer(elf, n, force_trap, rw, err, sizeof(err));
	free(elf);
	cr_assert_eq(rc, 0, "rewrite failed: %s", err);
	cr_assert_not_null(rw->sites, "no PT_LXNT_SITES in the output");
}

void rewritten_free(struct rewritten *rw)
{
	free(rw->data);
	memset(rw, 0, sizeof(*rw));
}

const uint8_t *rewritten_at(const struct rewritten *rw, uint64_t vaddr)
{
	Elf64_Ehdr eh;
	memcpy(&eh, rw->data, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, rw->data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
			return rw->data + ph.p_offset + (vaddr - ph.p_vaddr);
	}
	return NULL;
}

size_t decode_tramp(const struct rewritten *rw, const struct lxnt_site *s,
	ZydisDecodedInstruction *insns, ZydisDecodedOperand (*ops)[ZYDIS_MAX_OPERAND_COUNT],
	size_t max, uint64_t *jmp_target)
{
	ZydisDecoder dec;
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	uint64_t ip = s->tramp;
	const uint8_t *end = rw->data + rw->size;
	for (size_t i = 0; i < max; i++) {
		const uint8_t *p = rewritten_at(rw, ip);
		cr_assert_not_null(p, "trampoline at %#llx outside the file", (unsigned long long)ip);
		cr_assert(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, p, (size_t)(end - p),
			&insns[i], ops[i])), "undecodable trampoline byte at %#llx",
			(unsigned long long)ip);
		if (insns[i].mnemonic == ZYDIS_MNEMONIC_JMP) {
			ZyanU64 t = 0;
			ZydisCalcAbsoluteAddress(&insns[i], &ops[i][0], ip, &t);
			*jmp_target = t;
			return i + 1;
		}
		ip += insns[i].length;
	}
	cr_assert_fail("trampoline at %#llx has no jmp back", (unsigned long long)s->tramp);
	return 0;
}
