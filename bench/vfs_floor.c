/*
 * The floor of the vfs rows of bench/run under Wine: what bench/vfs_ops.c
 * does, with the Win32 calls a native Windows program would make.
 *
 *   vfs_floor ops DIR N     create, stat, readdir, rename, unlink
 *   vfs_floor tree DIR D F  D directories of F files each, 64 bytes apiece:
 *                           the file-system work of untarring such a tree
 *
 * DIR must not exist.  Prints "PHASE US us/op" per phase (per file for
 * tree).
 */
#include <windows.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

static LARGE_INTEGER freq;

static double now_us(void)
{
	LARGE_INTEGER t;
	QueryPerformanceCounter(&t);
	return (double)t.QuadPart * 1e6 / (double)freq.QuadPart;
}

static void report(const char *phase, double t0, long n)
{
	printf("%s %.1f us/op\n", phase, (now_us() - t0) / (double)n);
}

static int fail(const char *what, const wchar_t *path)
{
	fprintf(stderr, "vfs_floor: %s %ls: error %lu\n", what, path, GetLastError());
	return 1;
}

static const char payload[64] = "lxnt vfs benchmark payload, sixty-four bytes of it ........\n";

static bool create_file(const wchar_t *path)
{
	DWORD done;
	HANDLE h = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
	                       NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return false;
	bool ok = WriteFile(h, payload, sizeof(payload), &done, NULL) && done == sizeof(payload);
	return CloseHandle(h) && ok;
}

static int ops(const wchar_t *dir, long n)
{
	wchar_t a[MAX_PATH], b[MAX_PATH];
	WIN32_FILE_ATTRIBUTE_DATA st;
	WIN32_FIND_DATAW fd;
	long seen = 0;
	double t0;

	if (!CreateDirectoryW(dir, NULL))
		return fail("CreateDirectory", dir);
	t0 = now_us();
	for (long i = 0; i < n; i++) {
		swprintf(a, MAX_PATH, L"%ls\\f%06ld", dir, i);
		if (!create_file(a))
			return fail("create", a);
	}
	report("create", t0, n);
	t0 = now_us();
	for (long i = 0; i < n; i++) {
		swprintf(a, MAX_PATH, L"%ls\\f%06ld", dir, i);
		if (!GetFileAttributesExW(a, GetFileExInfoStandard, &st) || st.nFileSizeLow != sizeof(payload))
			return fail("stat", a);
	}
	report("stat", t0, n);
	t0 = now_us();
	swprintf(a, MAX_PATH, L"%ls\\*", dir);
	HANDLE h = FindFirstFileW(a, &fd);
	if (h == INVALID_HANDLE_VALUE)
		return fail("FindFirstFile", a);
	do
		seen += fd.cFileName[0] == L'f';
	while (FindNextFileW(h, &fd));
	FindClose(h);
	if (seen != n) {
		fprintf(stderr, "vfs_floor: listing saw %ld of %ld files\n", seen, n);
		return 1;
	}
	report("readdir", t0, n);
	t0 = now_us();
	for (long i = 0; i < n; i++) {
		swprintf(a, MAX_PATH, L"%ls\\f%06ld", dir, i);
		swprintf(b, MAX_PATH, L"%ls\\g%06ld", dir, i);
		if (!MoveFileExW(a, b, MOVEFILE_REPLACE_EXISTING))
			return fail("rename", a);
	}
	report("rename", t0, n);
	t0 = now_us();
	for (long i = 0; i < n; i++) {
		swprintf(b, MAX_PATH, L"%ls\\g%06ld", dir, i);
		if (!DeleteFileW(b))
			return fail("unlink", b);
	}
	report("unlink", t0, n);
	if (!RemoveDirectoryW(dir))
		return fail("RemoveDirectory", dir);
	return 0;
}

static int tree(const wchar_t *dir, long dirs, long files)
{
	wchar_t a[MAX_PATH];
	double t0 = now_us();

	if (!CreateDirectoryW(dir, NULL))
		return fail("CreateDirectory", dir);
	for (long d = 0; d < dirs; d++) {
		swprintf(a, MAX_PATH, L"%ls\\d%04ld", dir, d);
		if (!CreateDirectoryW(a, NULL))
			return fail("CreateDirectory", a);
		for (long f = 0; f < files; f++) {
			swprintf(a, MAX_PATH, L"%ls\\d%04ld\\f%06ld", dir, d, f);
			if (!create_file(a))
				return fail("create", a);
		}
	}
	report("tree", t0, dirs * files);
	return 0;
}

int wmain(int argc, wchar_t **argv)
{
	QueryPerformanceFrequency(&freq);
	if (argc == 4 && !wcscmp(argv[1], L"ops"))
		return ops(argv[2], wcstol(argv[3], NULL, 10));
	if (argc == 5 && !wcscmp(argv[1], L"tree"))
		return tree(argv[2], wcstol(argv[3], NULL, 10), wcstol(argv[4], NULL, 10));
	fprintf(stderr, "usage: vfs_floor ops DIR N | vfs_floor tree DIR DIRS FILES\n");
	return 2;
}
