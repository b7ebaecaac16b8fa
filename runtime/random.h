/*
 * The runtime's random bytes (runtime/random.c); lx_random_bytes itself
 * is declared in lx.h.
 */
#ifndef LXNT_RUNTIME_RANDOM_H
#define LXNT_RUNTIME_RANDOM_H

#include <stdint.h>

/* Bytes of key material in a hand-off (struct lx_handoff). */
#define LX_RANDOM_SEED_SIZE 32

/* Keys the generator with LX_RANDOM_SEED_SIZE bytes from the creator. */
void lx_random_seed(const void *seed);
/* Keys it from a hand-off, if the block carries a key, and wipes the key
 * there. */
struct lx_handoff;
void lx_random_handoff_in(const struct lx_handoff *h);
/* One ChaCha20 block (RFC 8439, 2.3), for the unit test. */
void lx_chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                       uint8_t out[64]);

#endif
