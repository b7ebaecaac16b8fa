/*
 * Unit tests of runtime pieces that need no guest: the errno tables, the
 * formatter and the random generator.  A Windows program, run by `meson
 * test` through Wine.
 */
#define WIN32_NO_STATUS
#include <windows.h>
#undef WIN32_NO_STATUS
#include <winternl.h>
#include <ntstatus.h>
#include <stdio.h>
#include <string.h>

#include "lx.h"
#include "random.h"
#include "check.h"

unsigned lx_umask = 022;

_Noreturn void lx_exit_process(int wait_status)
{
	ExitProcess((unsigned)wait_status);
}

/* lx_fatal's: no signal is ever delivered here. */
void lx_signal_kicks_close(void)
{
}

static void test_ntstatus(void)
{
	CHECK(lx_errno_from_ntstatus(STATUS_OBJECT_NAME_NOT_FOUND) == -LX_ENOENT);
	CHECK(lx_errno_from_ntstatus(STATUS_OBJECT_PATH_NOT_FOUND) == -LX_ENOENT);
	CHECK(lx_errno_from_ntstatus(STATUS_ACCESS_DENIED) == -LX_EACCES);
	CHECK(lx_errno_from_ntstatus(STATUS_OBJECT_NAME_COLLISION) == -LX_EEXIST);
	CHECK(lx_errno_from_ntstatus(STATUS_NOT_A_DIRECTORY) == -LX_ENOTDIR);
	CHECK(lx_errno_from_ntstatus(STATUS_FILE_IS_A_DIRECTORY) == -LX_EISDIR);
	CHECK(lx_errno_from_ntstatus(STATUS_DIRECTORY_NOT_EMPTY) == -LX_ENOTEMPTY);
	CHECK(lx_errno_from_ntstatus(STATUS_TIMEOUT) == -LX_ETIMEDOUT);
	/* the documented default, twice: logged once, EIO both times */
	CHECK(lx_errno_from_ntstatus(0xC0DE0001) == -LX_EIO);
	CHECK(lx_errno_from_ntstatus(0xC0DE0001) == -LX_EIO);
}

static void test_win32(void)
{
	CHECK(lx_errno_from_win32(ERROR_FILE_NOT_FOUND) == -LX_ENOENT);
	CHECK(lx_errno_from_win32(ERROR_ACCESS_DENIED) == -LX_EACCES);
	CHECK(lx_errno_from_win32(ERROR_ALREADY_EXISTS) == -LX_EEXIST);
	CHECK(lx_errno_from_win32(ERROR_DIR_NOT_EMPTY) == -LX_ENOTEMPTY);
	CHECK(lx_errno_from_win32(ERROR_BROKEN_PIPE) == -LX_EPIPE);
	CHECK(lx_errno_from_win32(ERROR_CANT_RESOLVE_FILENAME) == -LX_ELOOP);
	CHECK(lx_errno_from_win32(99999) == -LX_EIO);
}

static void test_format(void)
{
	char b[64];

	CHECK(lx_snprintf(b, sizeof(b), "%d|%5d|%-4d|%05d", -12, 34, 5, 42) == 20);
	CHECK(strcmp(b, "-12|   34|5   |00042") == 0);
	lx_snprintf(b, sizeof(b), "%llx %llu %zu %lld", 0xdeadbeefcafeULL, 18446744073709551615ULL,
	            (size_t)7, (long long)-9223372036854775807LL - 1);
	CHECK(strcmp(b, "deadbeefcafe 18446744073709551615 7 -9223372036854775808") == 0);
	lx_snprintf(b, sizeof(b), "%s|%.3s|%c|%o|%%|%p", "abc", "abcdef", 'x', 8, (void *)0x10);
	CHECK(strcmp(b, "abc|abc|x|10|%|0x10") == 0);
	/* long is 32 bits here: a negative one, and ones passed on the stack
	 * (past the fourth argument), whose slot's upper half is not the
	 * value's. */
	volatile long neg = -5, nine = 9;
	volatile unsigned long big = 4000000000UL;
	lx_snprintf(b, sizeof(b), "%ld %d %d %d %ld %lu %ld", neg, 1, 2, 3, nine, big, neg);
	CHECK(strcmp(b, "-5 1 2 3 9 4000000000 -5") == 0);
	/* truncation keeps the would-be length and a terminated buffer */
	CHECK(lx_snprintf(b, 4, "%s", "abcdef") == 6);
	CHECK(strcmp(b, "abc") == 0);
}

/* RFC 8439, 2.3.2: the block function's test vector. */
static void test_chacha20(void)
{
	static const uint8_t want[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20,
		0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a,
		0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2,
		0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9,
		0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	uint8_t key_bytes[32], out[64];
	uint32_t key[8];
	const uint32_t nonce[3] = { 0x09000000, 0x4a000000, 0 };

	for (int i = 0; i < 32; i++)
		key_bytes[i] = (uint8_t)i;
	memcpy(key, key_bytes, sizeof(key));
	lx_chacha20_block(key, 1, nonce, out);
	CHECK(memcmp(out, want, sizeof(want)) == 0);
}

/* The generator: the same key gives the same bytes, and each request
 * rekeys (two requests differ). */
static void test_random(void)
{
	uint8_t seed[LX_RANDOM_SEED_SIZE] = { 1, 2, 3 };
	uint8_t a[100], b[100], c[100];

	lx_random_seed(seed);
	CHECK(lx_random_bytes(a, sizeof(a)));
	CHECK(lx_random_bytes(b, sizeof(b)));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	lx_random_seed(seed);
	CHECK(lx_random_bytes(c, sizeof(c)));
	CHECK(memcmp(a, c, sizeof(a)) == 0);
	/* and the same sequence of keys after it, whatever the lengths */
	CHECK(lx_random_bytes(c, 7) && memcmp(b, c, 7) == 0);
	CHECK(lx_random_bytes(c, 7) && memcmp(b, c, 7) != 0);
}

int main(void)
{
	lx_errno_check_tables();
	test_ntstatus();
	test_win32();
	test_format();
	test_chacha20();
	test_random();
	return check_result();
}
