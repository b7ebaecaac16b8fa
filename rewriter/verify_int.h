/* Internal interfaces of the verifier (verify.h is the public one). */
#ifndef LXNT_VERIFY_INT_H
#define LXNT_VERIFY_INT_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <lxnt/sitetab.h>

#include "verify.h"

/* verify_x86.c: one instruction as LLVM decodes and prints it (AT&T). */
struct vf_insn {
	uint64_t addr;
	unsigned len;
	char mnem[24];  /* the mnemonic, after any prefix words */
	char text[128]; /* whole instruction, whitespace collapsed to single spaces */
	int fs_prefix;  /* its prefixes select %fs */
	int fs_byte;    /* a 0x64 byte is among its bytes (prefix or not) */
};

struct vf_x86;
struct vf_x86 *vf_x86_open(void);
void vf_x86_close(struct vf_x86 *x);
/* Decode one instruction at pc from avail bytes; returns its length, 0 if invalid. */
unsigned vf_decode(struct vf_x86 *x, const uint8_t *p, size_t avail, uint64_t pc,
	struct vf_insn *in);
/* enum lxnt_site_kind of the instruction, or -1 if it is not a site. */
int vf_site_kind(const struct vf_insn *in);
/* Target of a direct jmp (rel8 or rel32): 1, or 0 if the instruction is not one. */
int vf_jmp_target(const struct vf_insn *in, uint64_t *target);
/* The text with each "disp(%rip)", and a direct branch's displacement,
 * replaced by the absolute address, so that moved code compares equal. */
void vf_absolute_text(const struct vf_insn *in, char *out, size_t len);

/* A run of code bytes (an executable section). */
struct vf_region {
	uint64_t vaddr, offset, size;
};

/* The rewritten file as the verifier reads it (verify_elf.c). */
struct vf_file {
	const uint8_t *data;
	size_t size;
	const char *name;
	Elf64_Ehdr eh;
	const uint8_t *phdrs; /* e_phnum entries, unaligned */
	uint64_t seg_vaddr, seg_offset, seg_size; /* the segment holding the site table */
	struct lxnt_site_header hdr;
	struct lxnt_site *sites;
	struct vf_region *code;
	size_t ncode;
	uint8_t *rebuilt; /* the input, rebuilt from the output and the site table */
};

/* A verification run: the file, the decoder and the problems found. */
struct vf_run {
	struct vf_file f;
	struct vf_x86 *x86;
	FILE *log;
	struct lxnt_verify_report *rep;
};

void vf_problem(struct vf_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* verify_elf.c */
int vf_file_open(struct vf_file *f, const uint8_t *data, size_t n, const char *name,
	char *err, size_t errlen);
void vf_file_close(struct vf_file *f);
Elf64_Phdr vf_phdr(const struct vf_file *f, size_t i);
/* File offset of [vaddr, vaddr + n) inside one code region, or UINT64_MAX. */
uint64_t vf_code_offset(const struct vf_file *f, uint64_t vaddr, uint64_t n);
/* Bytes of the new segment at vaddr if n of them lie inside it, else NULL. */
const uint8_t *vf_segment_bytes(const struct vf_file *f, uint64_t vaddr, uint64_t n);
/* Bytes of orig[] a site record covers: max(patch_before + length, patch_length). */
unsigned vf_site_span(const struct lxnt_site *s);
/* Where the patch (and orig[]) starts: addr - patch_before. */
uint64_t vf_patch_start(const struct lxnt_site *s);
void vf_check_records(struct vf_run *r);
void vf_rebuild_input(struct vf_run *r);
/* orig may be NULL: then only the recorded SHA-256 is checked. */
void vf_check_input(struct vf_run *r, const uint8_t *orig, size_t orign);
void vf_check_headers(struct vf_run *r);

/* verify_code.c */
void vf_check_original_sites(struct vf_run *r);
void vf_check_patches(struct vf_run *r);
void vf_check_trampolines(struct vf_run *r);

#endif
