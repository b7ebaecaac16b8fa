/*
 * The entry points that read untrusted ELF files, driven with one input:
 * shared by the libFuzzer harness (fuzz_elf.c) and the replay test
 * (replay.c) so that both exercise exactly the same calls.
 */
#ifndef LXNT_FUZZ_ENTRIES_H
#define LXNT_FUZZ_ENTRIES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Feed the n bytes to lxnt_rewrite_image (with and without force_trap),
 * to the inspect path, and to pack's ELF reader; a rewritten output is fed
 * to inspect and pack again.  Each call must either succeed with a
 * non-empty result or fail with a one-line error; anything else abort()s,
 * after printing what went wrong.  Returns how many calls succeeded.
 */
int fuzz_entries(const uint8_t *data, size_t n);

#endif
