/* Malformed variants of a valid ELF64 file, for fuzz-replay (replay.c). */
#ifndef LXNT_FUZZ_MALFORMED_H
#define LXNT_FUZZ_MALFORMED_H

#include <stddef.h>
#include <stdint.h>

struct malformed {
	const char *name; /* what is wrong with it */
	uint8_t *data;    /* malloc'd */
	size_t size;
};

/*
 * Variant number i of the n-byte ELF64 file base (which needs section
 * headers with .text, .symtab and .eh_frame).  Returns 0 and fills *m, or
 * -1 when i is past the last variant.  A variant whose target the base
 * lacks is still made, unchanged but for its name, so numbering is stable.
 */
int malformed_make(int i, const uint8_t *base, size_t n, struct malformed *m);

#endif
