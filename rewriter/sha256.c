/*
 * SHA-256 as specified in FIPS 180-4, sections 4.1.2, 5.1.1 and 6.2, with
 * the compression function also done by the x86 SHA extensions where the
 * CPU has them (Intel SDM vol. 2, SHA256RNDS2, SHA256MSG1, SHA256MSG2):
 * `lxnt convert` hashes every input and output, and the portable rounds
 * were a tenth of its time.
 */
#include "sha256.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t round_constants[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void compress(uint32_t h[8], const uint8_t *block, size_t nblocks);

static void compress_portable(uint32_t h[8], const uint8_t block[64])
{
	uint32_t w[64];
	for (int t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
			((e & f) ^ (~e & g)) + round_constants[t] + w[t];
		uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
			((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

#if defined(__x86_64__)
/*
 * The SHA extensions keep the state as two registers, ABEF and CDGH (a in
 * the highest lane); SHA256RNDS2 does two rounds from one and returns the
 * other's successor, so the two swap roles every two rounds.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void compress_sha_ni(uint32_t h[8], const uint8_t *block, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i abcd = _mm_loadu_si128((const __m128i *)h);
	__m128i efgh = _mm_loadu_si128((const __m128i *)(h + 4));
	abcd = _mm_shuffle_epi32(abcd, 0xb1);             /* B A D C */
	efgh = _mm_shuffle_epi32(efgh, 0x1b);             /* H G F E */
	__m128i abef = _mm_alignr_epi8(abcd, efgh, 8);    /* F E B A */
	__m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xf0); /* H G D C */
	for (; nblocks; nblocks--, block += 64) {
		__m128i save_abef = abef, save_cdgh = cdgh, m[4];
		for (int i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * i)), bswap);
		for (int i = 0; i < 16; i++) {
			/* m[i % 4] holds W[4i-16..4i-13] and becomes W[4i..4i+3]. */
			if (i >= 4) {
				__m128i w = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);
				w = _mm_add_epi32(w, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
				m[i & 3] = _mm_sha256msg2_epu32(w, m[(i + 3) & 3]);
			}
			__m128i wk = _mm_add_epi32(m[i & 3],
				_mm_loadu_si128((const __m128i *)(round_constants + 4 * i)));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
		}
		abef = _mm_add_epi32(abef, save_abef);
		cdgh = _mm_add_epi32(cdgh, save_cdgh);
	}
	__m128i feba = _mm_shuffle_epi32(abef, 0x1b);     /* A B E F from the low lane */
	__m128i ghcd = _mm_shuffle_epi32(cdgh, 0xb1);     /* G H C D */
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, ghcd, 0xf0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(ghcd, feba, 8));
}

static int cpu_has_sha_ni(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

static int use_sha_ni = -1; /* unknown until the first call; a benign race */

static void compress(uint32_t h[8], const uint8_t *block, size_t nblocks)
{
#if defined(__x86_64__)
	if (use_sha_ni < 0)
		use_sha_ni = cpu_has_sha_ni();
	if (use_sha_ni) {
		compress_sha_ni(h, block, nblocks);
		return;
	}
#endif
	for (; nblocks; nblocks--, block += 64)
		compress_portable(h, block);
}

void lxnt_sha256_portable(const uint8_t *data, size_t n, uint8_t digest[32])
{
	int was = use_sha_ni;
	use_sha_ni = 0;
	lxnt_sha256(data, n, digest);
	use_sha_ni = was;
}

void lxnt_sha256(const uint8_t *data, size_t n, uint8_t digest[32])
{
	uint32_t h[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	size_t done = n / 64 * 64;
	compress(h, data, n / 64);

	/* Padding: 0x80, zeros, then the message length in bits, big-endian. */
	uint8_t tail[128] = {0};
	size_t rest = n - done;
	memcpy(tail, data + done, rest);
	tail[rest] = 0x80;
	size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)n * 8;
	for (int i = 0; i < 8; i++)
		tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
	compress(h, tail, tail_len / 64);

	for (int i = 0; i < 8; i++) {
		digest[4 * i] = (uint8_t)(h[i] >> 24);
		digest[4 * i + 1] = (uint8_t)(h[i] >> 16);
		digest[4 * i + 2] = (uint8_t)(h[i] >> 8);
		digest[4 * i + 3] = (uint8_t)h[i];
	}
}
