/* One input through every ELF-reading entry point (entries.h). */
#include "entries.h"

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pack.h"
#include "rewrite.h"

/* A failing call must leave a one-line error naming the input. */
static void check_error(const char *what, const char *err, const char *name)
{
	if (!err[0] || strchr(err, '\n') || strncmp(err, name, strlen(name)) != 0) {
		fprintf(stderr, "fuzz: %s failed without a proper one-line error: \"%s\"\n",
			what, err);
		abort();
	}
}

/*
 * lxnt_inspect_file reads a path: the input goes into a memfd, reached
 * through /proc/self/fd, so that no file is left behind.
 */
static int inspect_bytes(const uint8_t *data, size_t n)
{
	static int fd = -1;
	static char path[64];
	static FILE *sink;
	if (fd < 0) {
		fd = memfd_create("lxnt-fuzz", MFD_CLOEXEC);
		sink = fopen("/dev/null", "w");
		if (fd < 0 || !sink) {
			perror("fuzz: memfd_create or /dev/null");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, n, 0) != (ssize_t)n) {
		perror("fuzz: writing the memfd");
		abort();
	}
	char err[512] = "";
	struct lxnt_rewrite_report rep;
	if (lxnt_inspect_file(path, sink, &rep, err, sizeof(err)) == 0)
		return 1;
	check_error("inspect", err, path);
	return 0;
}

static int pack_bytes(const uint8_t *data, size_t n, bool no_rewrite)
{
	char err[512] = "";
	if (lxnt_pack_check_elf("input", data, n, no_rewrite, err, sizeof(err)) == 0)
		return 1;
	check_error("pack", err, "input");
	return 0;
}

/*
 * What a valid output must be beyond what the rewriter checks itself
 * (docs/formats.md): the program headers in the file, the new PT_LOAD last,
 * and no PT_LOAD wrapping past 2^64 or overlapping the new one.
 */
static void check_output(const uint8_t *out, size_t n)
{
	Elf64_Ehdr eh;
	Elf64_Phdr p, seg;
	const char *why = NULL;
	memcpy(&eh, out, sizeof(eh));
	if (eh.e_phnum == 0 || eh.e_phoff > n ||
	    (n - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum)
		why = "program headers outside the file";
	else {
		memcpy(&seg, out + eh.e_phoff + (eh.e_phnum - 1) * sizeof(seg), sizeof(seg));
		if (seg.p_type != PT_LOAD)
			why = "the last program header is not the new PT_LOAD";
		for (size_t i = 0; !why && i < eh.e_phnum; i++) {
			memcpy(&p, out + eh.e_phoff + i * sizeof(p), sizeof(p));
			if (p.p_type != PT_LOAD)
				continue;
			if (p.p_vaddr + p.p_memsz < p.p_vaddr)
				why = "a PT_LOAD wraps around the address space";
			else if (i + 1 < eh.e_phnum && p.p_vaddr < seg.p_vaddr + seg.p_memsz &&
				 seg.p_vaddr < p.p_vaddr + p.p_memsz)
				why = "the new PT_LOAD overlaps an old one";
		}
	}
	if (why) {
		fprintf(stderr, "fuzz: rewrite gave an invalid output: %s\n", why);
		abort();
	}
}

static int rewrite_bytes(const uint8_t *data, size_t n, int force_trap, int depth)
{
	struct lxnt_rewrite_options opt = { .force_trap = force_trap };
	struct lxnt_rewrite_report rep;
	uint8_t *out = NULL;
	size_t outn = 0;
	char err[512] = "";
	if (lxnt_rewrite_image(data, n, "input", &opt, &out, &outn, &rep, err, sizeof(err)) != 0) {
		check_error(force_trap ? "rewrite --force-trap" : "rewrite", err, "input");
		if (out || outn) {
			fprintf(stderr, "fuzz: failed rewrite left an output behind\n");
			abort();
		}
		return 0;
	}
	if (!out || !outn) {
		fprintf(stderr, "fuzz: rewrite succeeded with an empty output\n");
		abort();
	}
	check_output(out, outn);
	/* The output is input to inspect and pack in real use, too. */
	int ok = 1;
	if (depth == 0) {
		ok += inspect_bytes(out, outn);
		ok += pack_bytes(out, outn, false);
		/* Rewriting it again must refuse cleanly (already rewritten). */
		ok += rewrite_bytes(out, outn, 0, 1);
	}
	free(out);
	return ok;
}

int fuzz_entries(const uint8_t *data, size_t n)
{
	int ok = 0;
	ok += rewrite_bytes(data, n, 0, 0);
	ok += rewrite_bytes(data, n, 1, 0);
	ok += inspect_bytes(data, n);
	ok += pack_bytes(data, n, true);
	return ok;
}
