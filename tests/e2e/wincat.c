/*
 * A Windows program for the standard-handle tests (interop_test.py): what
 * it reads and writes goes through its standard handles alone.
 *
 *   wincat copy      standard input to standard output
 *   wincat big N     N bytes of a repeating pattern to standard output
 *   wincat both      a line to standard output, then one to standard error
 *   wincat zeros N   reads N bytes, says how many were zero, and ends
 *                    without reading more
 *   wincat exit N    ends with exit code N
 *
 * A write that fails ends the program with exit code 3, a read that fails
 * (but for the end of a pipe) with 4.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static HANDLE in, out, err;

static void put(HANDLE h, const char *buf, DWORD n)
{
	DWORD done;

	for (DWORD at = 0; at < n; at += done)
		if (!WriteFile(h, buf + at, n - at, &done, NULL) || !done)
			ExitProcess(3);
}

/* Bytes read, 0 at the end of the input. */
static DWORD get(char *buf, DWORD n)
{
	DWORD got = 0;

	if (!ReadFile(in, buf, n, &got, NULL)) {
		DWORD e = GetLastError();
		if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF)
			return 0;
		ExitProcess(4);
	}
	return got;
}

int main(int argc, char **argv)
{
	static char buf[65536];

	in = GetStdHandle(STD_INPUT_HANDLE);
	out = GetStdHandle(STD_OUTPUT_HANDLE);
	err = GetStdHandle(STD_ERROR_HANDLE);
	if (argc == 2 && !strcmp(argv[1], "copy")) {
		for (DWORD n; (n = get(buf, sizeof(buf))) > 0;)
			put(out, buf, n);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "big")) {
		long left = atol(argv[2]);
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (char)('a' + i % 26);
		for (; left > 0; left -= (long)sizeof(buf))
			put(out, buf, left < (long)sizeof(buf) ? (DWORD)left : sizeof(buf));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "both")) {
		put(out, "to standard output\n", 19);
		put(err, "to standard error\n", 18);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "zeros")) {
		long want = atol(argv[2]), seen = 0, zero = 0;
		while (seen < want) {
			DWORD n = get(buf, want - seen < (long)sizeof(buf) ? (DWORD)(want - seen) : sizeof(buf));
			if (!n)
				break;
			for (DWORD i = 0; i < n; i++)
				zero += buf[i] == 0;
			seen += (long)n;
		}
		int len = snprintf(buf, sizeof(buf), "%ld bytes read, %ld zero\n", seen, zero);
		put(out, buf, (DWORD)len);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	fprintf(stderr, "usage: wincat copy | big N | both | zeros N | exit N\n");
	return 2;
}
