/*
 * The rewriter as a library: `lxnt rewrite`, `lxnt inspect` and `lxnt pack`
 * call these.  Input is an ELF64 x86-64 file (ET_EXEC or ET_DYN); output is
 * the same file with every site patched and a new PT_LOAD segment holding
 * the program headers, the site table and the trampolines
 * (include/lxnt/sitetab.h, docs/architecture.md "Rewriting").
 *
 * Every function returns 0 on success and -1 on failure; on failure `err`
 * (if not NULL) holds one line "<file>: <reason>" without a newline, and no
 * output file or buffer is left behind.
 */
#ifndef LXNT_REWRITE_H
#define LXNT_REWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <lxnt/sitetab.h>

#define LXNT_REWRITER_VERSION "0.1.0"

struct lxnt_rewrite_options {
	int force_trap; /* put every site on the trap rung (LXNT_SITE_F_FORCED_TRAP) */
	int no_verify;  /* skip the independent check of the output (verify.h) */
};

/* What a rewrite did, or for inspect of an original file what it would do. */
struct lxnt_rewrite_report {
	uint32_t site_count;
	uint32_t rung_count[LXNT_RUNG_COUNT];
	uint32_t kind_count[LXNT_SITE_KIND_COUNT];
	/* %fs sites on the trap rung with no trampoline (rip-relative, implicit
	 * %rsp, vector index, ...): the runtime has to emulate them. */
	uint32_t fs_trap_without_tramp;
	/* Syscall-kind sites outside every .eh_frame FDE, in a file that has
	 * FDEs: patched like the others, but linear decoding may have found them
	 * in data kept in code, so they are worth a look. */
	uint32_t syscall_outside_fde;
	/* Trap sites in a function that keeps data below %rsp (the red zone,
	 * LXNT_SITE_REC_RED_ZONE): the exception frame may overwrite it. */
	uint32_t trap_red_zone;
	/* Sites found by re-decoding a rewritten file that the table does not
	 * cover (inspect only); must be zero. */
	uint32_t unhandled;
	uint64_t tramp_size;
	int already_rewritten; /* inspect: the file carries a site table */
};

/*
 * Rewrite the n-byte ELF image `in`.  On success *out is a malloc'd buffer
 * of *outn bytes that the caller frees.  `name` is used in error messages.
 * The output depends only on the input bytes and the options, and has been
 * decoded again and checked to account for every site before it is returned;
 * unless opt->no_verify, it has also passed lxnt_verify_image (verify.h).
 * Refuses input that already has a PT_LXNT_SITES program header.
 */
int lxnt_rewrite_image(const uint8_t *in, size_t n, const char *name,
	const struct lxnt_rewrite_options *opt, uint8_t **out, size_t *outn,
	struct lxnt_rewrite_report *rep, char *err, size_t errlen);

/*
 * Rewrite the file in_path into out_path.  The output is written to a
 * temporary file in out_path's directory and renamed over out_path, so a
 * failure never leaves a partial file.  The output keeps the input's mode.
 */
int lxnt_rewrite_file(const char *in_path, const char *out_path,
	const struct lxnt_rewrite_options *opt, struct lxnt_rewrite_report *rep,
	char *err, size_t errlen);

/*
 * List every site of `path` on `out` (address, kind, rung, instruction) and
 * the totals.  For a rewritten file the rungs come from its site table and
 * the code is re-decoded to find sites the table misses (rep->unhandled);
 * for an original file the rungs are those a rewrite would choose.
 * `out` may be NULL to fill only the report.
 */
int lxnt_inspect_file(const char *path, FILE *out,
	struct lxnt_rewrite_report *rep, char *err, size_t errlen);

/* Read a whole file into a malloc'd buffer (shared by the CLI commands). */
int lxnt_read_file(const char *path, uint8_t **data, size_t *n,
	char *err, size_t errlen);

/*
 * Write data to out_path with permission bits mode: to a temporary name in
 * the destination directory, then rename(2) over out_path, so that readers
 * never see a partial file and a failure leaves nothing behind.  Refuses an
 * out_path that exists and is not a regular file.
 */
int lxnt_write_file(const char *out_path, const uint8_t *data, size_t n,
	unsigned mode, char *err, size_t errlen);

#endif
