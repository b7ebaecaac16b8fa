/*
 * The runtime's random bytes (getrandom, /dev/urandom, AT_RANDOM, lock
 * owner ids): a ChaCha20 generator per process, keyed once and rekeyed
 * after every request ("fast key erasure", as Linux's crng in
 * drivers/char/random.c and OpenBSD's arc4random do), so that a later
 * copy of the state cannot reproduce bytes already handed out.
 *
 * The key of a process that a process of the instance creates (fork,
 * execve, the daemon) comes in its hand-off, drawn from its creator's
 * generator (runtime/handoff.c); only a process that Windows started
 * asks the system RNG, on its first request.  That RNG is RtlGenRandom
 * (SystemFunction036 of advapi32), loaded then and not imported: under
 * Wine 8, importing advapi32 loads it, sechost and ucrtbase into every
 * process, some 45 wineserver requests of every process start
 * (docs/benchmarks.md, "Process creation"); bcrypt's BCryptGenRandom
 * would load GnuTLS.
 */
#include <windows.h>
#include <string.h>

#include "handoff.h"
#include "lx.h"
#include "random.h"

static SRWLOCK lock = SRWLOCK_INIT;
static uint32_t key[8];
static bool keyed;

static inline uint32_t rotl(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

#define QUARTER(a, b, c, d) \
	do { \
		a += b; d ^= a; d = rotl(d, 16); \
		c += d; b ^= c; b = rotl(b, 12); \
		a += b; d ^= a; d = rotl(d, 8); \
		c += d; b ^= c; b = rotl(b, 7); \
	} while (0)

void lx_chacha20_block(const uint32_t k[8], uint32_t counter, const uint32_t nonce[3],
                       uint8_t out[64])
{
	/* RFC 8439, 2.3: "expand 32-byte k", key, block counter, nonce. */
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
	                    k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7],
	                    counter, nonce[0], nonce[1], nonce[2] };
	uint32_t x[16];

	memcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QUARTER(x[0], x[4], x[8], x[12]);
		QUARTER(x[1], x[5], x[9], x[13]);
		QUARTER(x[2], x[6], x[10], x[14]);
		QUARTER(x[3], x[7], x[11], x[15]);
		QUARTER(x[0], x[5], x[10], x[15]);
		QUARTER(x[1], x[6], x[11], x[12]);
		QUARTER(x[2], x[7], x[8], x[13]);
		QUARTER(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t v = x[i] + in[i];
		out[4 * i] = (uint8_t)v; /* little-endian, as the RFC serializes */
		out[4 * i + 1] = (uint8_t)(v >> 8);
		out[4 * i + 2] = (uint8_t)(v >> 16);
		out[4 * i + 3] = (uint8_t)(v >> 24);
	}
	SecureZeroMemory(x, sizeof(x));
	SecureZeroMemory(in, sizeof(in));
}

/* RtlGenRandom, looked up on first use (see the top of the file). */
static bool system_random(void *buf, ULONG n)
{
	typedef BOOLEAN(WINAPI * gen_random_fn)(PVOID, ULONG);
	static gen_random_fn gen;

	if (!gen) {
		HMODULE dll = LoadLibraryW(L"advapi32.dll");
		gen = dll ? (gen_random_fn)(void *)GetProcAddress(dll, "SystemFunction036") : NULL;
		if (!gen) {
			lx_log("lxnt: no system RNG (advapi32 SystemFunction036): error %lu\n",
			       GetLastError());
			return false;
		}
	}
	return gen(buf, n);
}

void lx_random_seed(const void *seed)
{
	AcquireSRWLockExclusive(&lock);
	memcpy(key, seed, sizeof(key));
	keyed = true;
	ReleaseSRWLockExclusive(&lock);
}

void lx_random_handoff_in(const struct lx_handoff *h)
{
	/* The block is the process's own writable memory (runtime/handoff.c). */
	struct lx_handoff *w = (struct lx_handoff *)h;

	if (!h->random_seeded)
		return;
	lx_random_seed(w->random_seed);
	SecureZeroMemory(w->random_seed, sizeof(w->random_seed));
}

/* One request under the lock, with the key k: block 0 gives the next
 * key and the first 32 bytes, blocks 1.. the rest; the key is replaced
 * before the bytes are used. */
static void generate(uint8_t *p, size_t n)
{
	static const uint32_t nonce[3];
	uint32_t k[8];
	uint8_t block[64];
	uint32_t counter = 1;

	memcpy(k, key, sizeof(k));
	lx_chacha20_block(k, 0, nonce, block);
	memcpy(key, block, sizeof(key));
	size_t first = n < 32 ? n : 32;
	memcpy(p, block + 32, first);
	p += first;
	n -= first;
	while (n) {
		size_t take = n < 64 ? n : 64;
		lx_chacha20_block(k, counter++, nonce, block);
		memcpy(p, block, take);
		p += take;
		n -= take;
	}
	SecureZeroMemory(k, sizeof(k));
	SecureZeroMemory(block, sizeof(block));
}

bool lx_random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	AcquireSRWLockExclusive(&lock);
	if (!keyed && !(keyed = system_random(key, sizeof(key)))) {
		ReleaseSRWLockExclusive(&lock);
		return false;
	}
	/* Bounded requests, so that a huge read of /dev/urandom rekeys as it
	 * goes and the 32-bit block counter never wraps. */
	while (n) {
		size_t chunk = n > 0x10000 ? 0x10000 : n;
		generate(p, chunk);
		p += chunk;
		n -= chunk;
	}
	ReleaseSRWLockExclusive(&lock);
	return true;
}
