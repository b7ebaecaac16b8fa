/* The packed ELF as the runtime finds it in its own image (include/lxnt/pack.h). */
#ifndef LXNT_RUNTIME_IMAGE_H
#define LXNT_RUNTIME_IMAGE_H

#include "lx.h"
#include "lxnt/pack.h"
#include "lxnt/sitetab.h"

struct lx_image {
	const struct lxnt_pack_header *pack;
	uint64_t bias;
	uint64_t entry;      /* biased */
	uint64_t phdr;       /* biased address of the program headers in memory */
	uint32_t phnum, phent;
	const struct lxnt_site *sites; /* sorted by addr, unbiased addresses */
	uint32_t site_count;
};

extern struct lx_image lx_image;

/* Finds .lxnt and the site table, or ends the process with a diagnostic. */
void lx_image_load(void);

/* The site whose original instruction starts at addr (biased), or NULL. */
const struct lxnt_site *lx_site_find(uint64_t addr);

#endif
