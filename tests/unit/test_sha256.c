/* SHA-256 against the FIPS 180-4 example vectors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

/* Both compression functions (the CPU's SHA extensions where present). */
static void check(const void *msg, size_t n, const char *hex)
{
	uint8_t d[32];
	char got[65];
	lxnt_sha256(msg, n, d);
	for (int i = 0; i < 32; i++)
		sprintf(got + 2 * i, "%02x", d[i]);
	cr_assert_str_eq(got, hex);
	lxnt_sha256_portable(msg, n, d);
	for (int i = 0; i < 32; i++)
		sprintf(got + 2 * i, "%02x", d[i]);
	cr_assert_str_eq(got, hex, "portable rounds");
}

/* The two agree on every length around the block and padding boundaries. */
Test(sha256, fast_and_portable_agree)
{
	uint8_t msg[300], a[32], b[32];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(msg); n++) {
		lxnt_sha256(msg, n, a);
		lxnt_sha256_portable(msg, n, b);
		cr_assert_arr_eq(a, b, 32, "length %zu", n);
	}
}

Test(sha256, vectors)
{
	check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *m = malloc(1000000);
	memset(m, 'a', 1000000);
	check(m, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}
