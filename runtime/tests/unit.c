/*
 * Unit tests of runtime pieces that need no guest: the errno tables and
 * the formatter.  A Windows program, run by `meson test` through Wine.
 */
#define WIN32_NO_STATUS
#include <windows.h>
#undef WIN32_NO_STATUS
#include <winternl.h>
#include <ntstatus.h>
#include <stdio.h>
#include <string.h>

#include "lx.h"

unsigned lx_umask = 022;

_Noreturn void lx_exit_process(int wait_status)
{
	ExitProcess((unsigned)wait_status);
}

static int failures;

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++; \
		} \
	} while (0)

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

int main(void)
{
	lx_errno_check_tables();
	test_ntstatus();
	test_win32();
	test_format();
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}
