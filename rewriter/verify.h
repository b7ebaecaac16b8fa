/*
 * `lxnt verify`: checks a rewritten ELF file without the rewriter's own
 * analysis.  It decodes with LLVM's disassembler (not Zydis, which the
 * rewriter uses), rebuilds the input from the site table, and checks that
 *   (a) every syscall, sysenter, int 0x80 and %fs instruction that a linear
 *       decode of the rebuilt input finds has a site record;
 *   (b) every byte outside the patched ranges is the input's: compared with
 *       the input file when it is given, else through the SHA-256 of the
 *       input recorded in the site header;
 *   (c) each patched range decodes to what its rung says;
 *   (d) each trampoline decodes and ends in a jmp to the site's resume
 *       address (syscall sites: the runtime call inside the red-zone pair).
 * docs/formats.md ("Verification") lists every check.
 */
#ifndef LXNT_VERIFY_H
#define LXNT_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct lxnt_verify_report {
	uint32_t site_count;     /* records in the site table */
	uint32_t original_sites; /* sites the linear decode found in the rebuilt input */
	uint32_t problems;       /* 0: the file passed */
	char first[256];         /* the first problem, one line, "" if none */
};

/*
 * Verify the n-byte rewritten image `data`.  `orig` (orign bytes) is the
 * input it was made from, or NULL to rely on the recorded SHA-256.  Each
 * problem is printed as one line on `log` (which may be NULL).  Returns 0
 * when the checks ran (rep->problems says how they went), -1 with `err`
 * set to "<name>: <reason>" when the file cannot be verified at all (not
 * an ELF64 file, no site table).
 */
int lxnt_verify_image(const uint8_t *data, size_t n, const uint8_t *orig, size_t orign,
	const char *name, FILE *log, struct lxnt_verify_report *rep, char *err, size_t errlen);

/* The same for files; orig_path may be NULL. */
int lxnt_verify_file(const char *path, const char *orig_path, FILE *log,
	struct lxnt_verify_report *rep, char *err, size_t errlen);

#endif
