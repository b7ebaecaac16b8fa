/*
 * The program the process runs and the site tables of its code: the
 * packed ELF as the runtime finds it in its own image
 * (include/lxnt/pack.h), or an ELF file that execve mapped
 * (runtime/elfload.c); and every rewritten object whose trap sites the
 * exception handler serves (the program, ld.so, the libraries ld.so maps).
 */
#ifndef LXNT_RUNTIME_IMAGE_H
#define LXNT_RUNTIME_IMAGE_H

#include "lx.h"
#include "lxnt/pack.h"
#include "lxnt/sitetab.h"

struct lx_image {
	const struct lxnt_pack_header *pack; /* this runtime's .lxnt section */
	bool elf_file;       /* the program is an ELF file execve mapped, not pack's */
	uint64_t bias;
	uint64_t entry;      /* biased */
	uint64_t phdr;       /* biased address of the program headers in memory */
	uint32_t phnum, phent;
	uint64_t interp_base; /* AT_BASE: ld.so's load bias, 0 without PT_INTERP */
	uint64_t start;      /* where the first instruction runs: entry, or ld.so's */
};

extern struct lx_image lx_image;

/* Finds .lxnt and registers the packed program's site table, or ends the
 * process with a diagnostic when it is damaged; false when the image has
 * no .lxnt section (lxnt.exe, runtime/start_cli.c). */
bool lx_image_load(void);
/* execve of this image's own program in place (runtime/exec_here.c): the
 * packed program and its site table become the current ones again. */
void lx_image_reload(void);

/*
 * Registers the site table of an object mapped at [lo, hi) with load bias
 * bias.  sites is a heap copy the registry takes over (owned) or memory
 * that lives as long as the process (the packed image's).  table_addr is
 * where the table lies in guest memory, so that a child of fork, whose
 * memory is a copy, can take it from there; 0 if it cannot.  An object
 * registered before over lo is replaced.
 */
bool lx_sites_add(uint64_t lo, uint64_t hi, uint64_t bias, uint64_t table_addr,
                  const struct lxnt_site *sites, uint32_t count, bool owned);
/* Forgets the objects whose first byte lies in [s, e): munmap and a
 * MAP_FIXED mapping over them (runtime/mman.c). */
void lx_sites_forget(uint64_t s, uint64_t e);
/* Forgets every object (execve of an ELF file: the packed one goes). */
void lx_sites_forget_all(void);

/* The site whose original instruction starts at addr (biased), or NULL;
 * *bias gets the load bias of its object. */
const struct lxnt_site *lx_site_lookup(uint64_t addr, uint64_t *bias);
/* lx_site_lookup without the bias. */
const struct lxnt_site *lx_site_find(uint64_t addr);

/* fork's hand-off of the registry and of lx_image (runtime/fork.c,
 * runtime/child.c). */
struct lx_handoff_buf;
struct lx_handoff;
long lx_sites_handoff_out(struct lx_handoff_buf *b);
void lx_sites_handoff_in(const struct lx_handoff *h);

#endif
