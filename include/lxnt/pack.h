/*
 * The contract between `lxnt pack` and the runtime: a packed executable is
 * the runtime PE (linked at LXNT_RUNTIME_IMAGE_BASE) with extra sections
 * appended after its own:
 *   - ".lxnt": struct lxnt_pack_header followed by the rewritten ELF file;
 *   - one section per run of ELF pages, at load_bias + p_vaddr, with the
 *     protections of the PT_LOAD segments that cover them;
 *   - NOACCESS filler sections where the address range has holes, so that
 *     the sections stay contiguous as the Windows loader requires.
 * docs/formats.md describes it in full.
 */
#ifndef LXNT_PACK_H
#define LXNT_PACK_H

#include <stdint.h>

#define LXNT_PACK_SECTION ".lxnt"
#define LXNT_PACK_MAGIC "LXNTPACK"
#define LXNT_PACK_VERSION 1

#define LXNT_PACK_F_UNPATCHED 0x1 /* packed without rewriting (guard tests only) */

struct lxnt_pack_header {
	char magic[8];       /* LXNT_PACK_MAGIC, not NUL-terminated */
	uint32_t version;    /* LXNT_PACK_VERSION */
	uint32_t flags;      /* LXNT_PACK_F_* */
	uint64_t load_bias;  /* added to every ELF vaddr (0 for ET_EXEC) */
	uint64_t entry;      /* e_entry, unbiased */
	uint64_t phdr_vaddr; /* program header table in memory, unbiased */
	uint32_t phnum;
	uint32_t phentsize;
	uint64_t image_lo;   /* biased, page-aligned range of the mapped ELF */
	uint64_t image_hi;
	uint64_t elf_offset; /* offset of the ELF file from the start of this header */
	uint64_t elf_size;
	char name[64];       /* base name of the original ELF file, NUL-terminated */
};

#endif
