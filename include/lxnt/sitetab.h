/*
 * The site table: the contract between the rewriter (which writes it into
 * every rewritten ELF file) and the runtime (which reads it to serve trap
 * sites) and `lxnt inspect`/`lxnt verify` (which account for every site).
 *
 * A rewritten ELF file has a new PT_LOAD segment (R+X) placed after its
 * highest segment, holding, in this order:
 *   - a copy of the program header table, extended by one PT_LXNT_SITES
 *     entry and by the new PT_LOAD itself (e_phoff points here, so that
 *     AT_PHDR finds it in memory);
 *   - struct lxnt_site_header;
 *   - struct lxnt_site[site_count], sorted by addr;
 *   - the trampolines.
 * The PT_LXNT_SITES program header covers the site header and table.
 * All addresses are link-time virtual addresses: the runtime adds the load
 * bias of PIE objects.  docs/formats.md describes the layout in full.
 */
#ifndef LXNT_SITETAB_H
#define LXNT_SITETAB_H

#include <stdint.h>

#define PT_LXNT_SITES 0x6c786e74u /* in PT_LOOS..PT_HIOS; spells "lxnt" */

#define LXNT_SITE_MAGIC "LXNTSITE"
#define LXNT_SITE_VERSION 4

/* What the original instruction at a site was. */
enum lxnt_site_kind {
	LXNT_SITE_SYSCALL = 0, /* 0f 05: Linux x86-64 syscall ABI */
	LXNT_SITE_SYSENTER = 1, /* 0f 34: i386 fast syscall */
	LXNT_SITE_INT80 = 2,   /* cd 80: i386 syscall ABI */
	LXNT_SITE_FS = 3,      /* an instruction with an %fs memory operand */
	LXNT_SITE_KIND_COUNT
};

/*
 * Tactics of the patching ladder, in the order they are tried; names follow
 * E9Patch (Duck et al., PLDI 2020) where the tactic is theirs.
 */
enum lxnt_rung {
	LXNT_RUNG_GS_INPLACE = 0, /* same-length %fs -> %gs rewrite, no trampoline */
	LXNT_RUNG_JUMP = 1,       /* B1: jmp rel32 over the site and displaced neighbours */
	LXNT_RUNG_PUNNED = 2,     /* B2: jmp rel32 whose tail is the original bytes */
	LXNT_RUNG_EVICT = 3,      /* T1-T3: neighbour eviction */
	LXNT_RUNG_TRAP = 4,       /* ud2 over the first two bytes, served by the VEH */
	LXNT_RUNG_COUNT
};

struct lxnt_site_header {
	char magic[8];            /* LXNT_SITE_MAGIC, not NUL-terminated */
	uint32_t version;         /* LXNT_SITE_VERSION */
	uint32_t site_count;
	uint64_t sites_vaddr;     /* struct lxnt_site[site_count] */
	uint64_t tramp_vaddr;     /* first trampoline byte */
	uint64_t tramp_size;
	uint32_t rung_count[LXNT_RUNG_COUNT]; /* sites per rung */
	uint32_t kind_count[LXNT_SITE_KIND_COUNT]; /* sites per kind */
	uint8_t source_sha256[32]; /* SHA-256 of the input file */
	char rewriter_version[16]; /* NUL-padded */
	uint32_t flags;           /* LXNT_SITE_F_* */
	uint32_t reserved;
	/* What the rewrite changed besides the patches, so that `lxnt verify`
	 * can rebuild the input and check source_sha256 on its own. */
	uint64_t source_size;     /* size of the input file */
	uint64_t source_phoff;    /* the input's e_phoff (e_phnum is ours minus 2) */
};

#define LXNT_SITE_F_FORCED_TRAP 0x1 /* rewritten with every site on the trap rung */

/* Bytes of orig[]; a patch never covers more (the rewriter declines). */
#define LXNT_SITE_ORIG_MAX 24

struct lxnt_site {
	uint64_t addr;   /* vaddr of the original instruction */
	uint64_t tramp;  /* vaddr of the code that performs it, 0 if none */
	uint64_t resume; /* vaddr where execution continues after the site */
	uint8_t kind;    /* enum lxnt_site_kind */
	uint8_t rung;    /* enum lxnt_rung */
	uint8_t length;  /* length of the original instruction */
	uint8_t patch_length; /* bytes overwritten from the patch start (jump + padding, or 2 for ud2) */
	/* The patch starts this many bytes before addr: a JUMP site whose
	 * preceding instructions of the same basic block moved into the
	 * trampoline with it.  0 for every other rung. */
	uint8_t patch_before;
	uint8_t flags;       /* LXNT_SITE_REC_* */
	/* PUNNED: the bytes from addr + kept to the end of the record's
	 * range are the original ones (a known branch target lies at
	 * addr + kept), even where the jmp's rel32 overlaps them.  0 for
	 * every other rung. */
	uint8_t kept;
	uint8_t reserved;    /* zero */
	/* The original bytes from the patch start (addr - patch_before): the
	 * moved preceding instructions, the instruction (length bytes) and,
	 * for a JUMP site, the displaced neighbours after it up to
	 * patch_length (for a PUNNED site, the following bytes its jmp
	 * overlaps).  Together with the source header fields they let
	 * `lxnt verify` undo every patch.  Zero past
	 * max(patch_before + length, patch_length) <= LXNT_SITE_ORIG_MAX. */
	uint8_t orig[LXNT_SITE_ORIG_MAX];
};

_Static_assert(sizeof(struct lxnt_site) == 56, "site record layout");

/*
 * A TRAP site in a function that addresses memory below %rsp (its red
 * zone): the exception frame is written there before any handler runs
 * (docs/architecture.md, "The red zone and the trap rung"), so such a site
 * may corrupt live data.  Only on the trap rung; reported by inspect and
 * convert.
 */
#define LXNT_SITE_REC_RED_ZONE 0x1

/*
 * How the runtime serves a site that took the trap rung (the ud2 at addr
 * raises STATUS_ILLEGAL_INSTRUCTION):
 *   SYSCALL/SYSENTER/INT80: perform the call with the faulting context and
 *     continue at addr + length.
 *   FS: continue at tramp, which performs the instruction and jumps to
 *     addr + length.
 *
 * Trampolines of syscall sites call the runtime as
 *     lea -128(%rsp),%rsp ; call *%gs:SLOT(LXNT_SLOT_SYSCALL_ENTRY) ; lea 128(%rsp),%rsp
 * with the Linux syscall registers (rax = number, rdi, rsi, rdx, r10, r8, r9)
 * and receive the result in rax; the entry preserves every other register
 * and the flags, as the syscall instruction does except for rcx and r11.
 */

#endif
