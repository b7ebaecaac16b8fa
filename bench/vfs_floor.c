/*
 * The floor of the vfs rows of bench/run under Wine: what bench/vfs_ops.c
 * does, with the Win32 calls a native Windows program would make.
 *
 *   vfs_floor ops DIR N     create, stat, readdir, rename, unlink
 *   vfs_floor tree DIR D F  D directories of F files each, 64 bytes apiece:
 *                           the creations alone of untarring such a tree
 *   vfs_floor untar TAR DIR extracts the ustar archive TAR into DIR with
 *                           the Win32 equivalent of each call busybox
 *                           `tar xf` makes per member (below, untar)
 *
 * DIR must not exist.  Prints "PHASE US us/op" per phase (per file for
 * tree, per member for untar).
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

/* utimensat(2) by name: a Windows program sets times through a handle. */
static bool set_times(const wchar_t *path, long long mtime)
{
	/* Seconds since 1970 to 100 ns units since 1601. */
	long long t = mtime * 10000000LL + 116444736000000000LL;
	FILETIME ft = { (DWORD)t, (DWORD)(t >> 32) };
	HANDLE h = CreateFileW(path, FILE_WRITE_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
	                       NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return false;
	bool ok = SetFileTime(h, NULL, &ft, &ft);
	return CloseHandle(h) && ok;
}

/* busybox's mkdir -p of a member's parents: mkdir of each leading
 * component, and a stat of each that exists. */
static bool make_parents(wchar_t *path, size_t root)
{
	for (wchar_t *p = path + root + 1; (p = wcschr(p, L'\\')) != NULL; p++) {
		*p = 0;
		bool ok = CreateDirectoryW(path, NULL) ||
		          (GetLastError() == ERROR_ALREADY_EXISTS &&
		           (GetFileAttributesW(path) & FILE_ATTRIBUTE_DIRECTORY));
		*p = L'\\';
		if (!ok)
			return false;
	}
	return true;
}

static long long octal(const char *field, size_t n)
{
	long long v = 0;

	for (size_t i = 0; i < n && field[i] >= '0' && field[i] <= '7'; i++)
		v = v * 8 + (field[i] - '0');
	return v;
}

/*
 * The calls busybox `tar xf` makes per member (bench/vfs.py runs it under
 * lxnt), as Win32 calls: the header read; for a directory its mkdir, and
 * for a file the mkdir and stat of each parent, the unlink of the name
 * (which does not exist), the exclusive create, the data copied from the
 * archive (sendfile), the close; the times set by name (utimensat); the
 * seek past the padding.  The chown busybox tries (EPERM for a non-root
 * user) and its umask calls have no Windows counterpart.  Members are
 * plain files and directories of an ustar archive.
 */
static int untar(const wchar_t *tar, const wchar_t *dir)
{
	static char data[1 << 16];
	unsigned char hdr[512];
	wchar_t path[MAX_PATH];
	size_t root = wcslen(dir);
	long members = 0;
	DWORD done;
	double t0 = now_us();
	HANDLE in = CreateFileW(tar, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);

	if (in == INVALID_HANDLE_VALUE)
		return fail("open", tar);
	if (!CreateDirectoryW(dir, NULL))
		return fail("CreateDirectory", dir);
	while (ReadFile(in, hdr, sizeof(hdr), &done, NULL) && done == sizeof(hdr) && hdr[0]) {
		char name[256];
		long long size = octal((char *)hdr + 124, 12), mtime = octal((char *)hdr + 136, 12);
		int n = hdr[345] ? snprintf(name, sizeof(name), "%.155s/%.100s", hdr + 345, hdr)
		                 : snprintf(name, sizeof(name), "%.100s", hdr);

		while (n > 0 && name[n - 1] == '/')
			name[--n] = 0;
		swprintf(path, MAX_PATH, L"%ls\\%hs", dir, name);
		for (wchar_t *p = path + root; *p; p++)
			if (*p == L'/')
				*p = L'\\';
		if (hdr[156] == '5') {
			if (!make_parents(path, root) || !CreateDirectoryW(path, NULL))
				return fail("mkdir", path);
		} else {
			if (!make_parents(path, root))
				return fail("mkdir -p", path);
			if (DeleteFileW(path) || GetLastError() != ERROR_FILE_NOT_FOUND)
				return fail("unlink", path);
			HANDLE h = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
			                       NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
			if (h == INVALID_HANDLE_VALUE)
				return fail("create", path);
			for (long long left = size; left > 0; left -= done) {
				DWORD want = left < (long long)sizeof(data) ? (DWORD)left : sizeof(data), put;
				if (!ReadFile(in, data, want, &done, NULL) || !done ||
				    !WriteFile(h, data, done, &put, NULL) || put != done)
					return fail("copy", path);
			}
			if (!CloseHandle(h))
				return fail("close", path);
			LARGE_INTEGER pad = { .QuadPart = (512 - size % 512) % 512 };
			if (!SetFilePointerEx(in, pad, NULL, FILE_CURRENT))
				return fail("seek", tar);
		}
		if (!set_times(path, mtime))
			return fail("utime", path);
		members++;
	}
	CloseHandle(in);
	report("untar", t0, members);
	return 0;
}

int wmain(int argc, wchar_t **argv)
{
	QueryPerformanceFrequency(&freq);
	if (argc == 4 && !wcscmp(argv[1], L"ops"))
		return ops(argv[2], wcstol(argv[3], NULL, 10));
	if (argc == 5 && !wcscmp(argv[1], L"tree"))
		return tree(argv[2], wcstol(argv[3], NULL, 10), wcstol(argv[4], NULL, 10));
	if (argc == 4 && !wcscmp(argv[1], L"untar"))
		return untar(argv[2], argv[3]);
	fprintf(stderr, "usage: vfs_floor ops DIR N | vfs_floor tree DIR DIRS FILES | vfs_floor untar TAR DIR\n");
	return 2;
}
