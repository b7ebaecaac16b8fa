/* SHA-256 (FIPS 180-4), used to record which input a rewritten file came from. */
#ifndef LXNT_RW_SHA256_H
#define LXNT_RW_SHA256_H

#include <stddef.h>
#include <stdint.h>

void lxnt_sha256(const uint8_t *data, size_t n, uint8_t digest[32]);
/* The same without the CPU's SHA extensions, for the tests; not thread-safe. */
void lxnt_sha256_portable(const uint8_t *data, size_t n, uint8_t digest[32]);

#endif
