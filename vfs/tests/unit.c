/*
 * Unit tests of the pure parts of the vfs: path normalisation, the name
 * codec, mode and time conversion.
 */
#include <stdio.h>
#include <string.h>

#include <windows.h>

#include "vfs.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	failures++; } } while (0)

static void check_join(const char *base, const char *path, long want_err,
                       const char *want, bool want_slash, const char *want_last)
{
	char out[LX_PATH_MAX];
	char last[LX_NAME_MAX + 1];
	bool slash = false;
	long err = lx_path_join(base, path, out, sizeof(out), &slash, last);

	if (err != want_err || (!err && (strcmp(out, want) || slash != want_slash ||
	                                 strcmp(last, want_last)))) {
		fprintf(stderr, "join(%s, %s) = %ld %s %d '%s', want %ld %s %d '%s'\n", base, path,
		        err, err ? "" : out, slash, err ? "" : last, want_err, want, want_slash,
		        want_last);
		failures++;
	}
}

static void test_path_join(void)
{
	char longname[300];
	static char longpath[LX_PATH_MAX + 10];

	check_join("/", "/", 0, "/", true, "");
	check_join("/a/b", "c", 0, "/a/b/c", false, "c");
	check_join("/a/b", "../c", 0, "/a/c", false, "c");
	check_join("/a/b", "../../../../c", 0, "/c", false, "c");
	check_join("/", "..", 0, "/", true, "..");
	check_join("/a", "./b/./c/", 0, "/a/b/c", true, "c");
	check_join("/a", "b//c///", 0, "/a/b/c", true, "c");
	check_join("/a", "b/.", 0, "/a/b", true, ".");
	check_join("/a", "/x/../y", 0, "/y", false, "y");
	check_join("/a", "", -LX_ENOENT, "", false, "");
	memset(longname, 'n', 256);
	longname[256] = 0;
	check_join("/", longname, -LX_ENAMETOOLONG, "", false, "");
	longname[255] = 0;
	{
		char want[300] = "/";
		strcat(want, longname);
		check_join("/", longname, 0, want, false, longname);
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	for (size_t i = 1; i < sizeof(longpath) - 1; i += 100)
		longpath[i] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	check_join("/", longpath, -LX_ENAMETOOLONG, "", false, "");
}

static void test_name_codec(void)
{
	static const char *const names[] = {
		"plain", "a:b", "q?*<>|\"\\", "\x01tab\x1f", "caf\xc3\xa9", "\xf0\x9f\x98\x80",
		"bad\xff\xfe", "\xc0\xaf", "x.", " ",
	};
	wchar_t w[600];
	char back[1100];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long n = lx_name_to_nt(names[i], strlen(names[i]), w, 600);
		CHECK(n > 0);
		for (long k = 0; k < n; k++)
			CHECK(w[k] >= 32 && !wcschr(L"<>:\"\\|?*", w[k]));
		long m = lx_name_from_nt(w, (size_t)n, back, sizeof(back));
		CHECK(m == (long)strlen(names[i]) && !strcmp(back, names[i]));
	}
	CHECK(lx_name_to_nt(":", 1, w, 600) == 1 && w[0] == 0xF03A);
	CHECK(lx_name_to_nt("\xc3\xa9", 2, w, 600) == 1 && w[0] == 0xE9);
	CHECK(lx_name_to_nt("\xf0\x9f\x98\x80", 4, w, 600) == 2 && w[0] == 0xD83D);
	CHECK(lx_name_to_nt("abc", 3, w, 2) == -LX_ENAMETOOLONG);
}

static void test_meta(void)
{
	struct lx_timespec64 t = lx_time_from_nt(116444736000000000LL);
	CHECK(t.sec == 0 && t.nsec == 0);
	t = lx_time_from_nt(116444736000000000LL + 12345678901LL);
	CHECK(t.sec == 1234 && t.nsec == 567890100);
	t = lx_time_from_nt(116444736000000000LL - 1);
	CHECK(t.sec == -1 && t.nsec == 999999900);

	CHECK(lx_mode_from_attributes(FILE_ATTRIBUTE_DIRECTORY, "d") == (LX_S_IFDIR | 0755));
	CHECK(lx_mode_from_attributes(FILE_ATTRIBUTE_NORMAL, "f") == (LX_S_IFREG | 0644));
	CHECK(lx_mode_from_attributes(FILE_ATTRIBUTE_READONLY, "f") == (LX_S_IFREG | 0444));
	CHECK(lx_mode_from_attributes(FILE_ATTRIBUTE_ARCHIVE, "x.EXE") == (LX_S_IFREG | 0755));
	CHECK(lx_mode_from_attributes(FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_READONLY, "d") ==
	      (LX_S_IFDIR | 0555));
	CHECK(lx_dtype_from_attributes(FILE_ATTRIBUTE_DIRECTORY) == LX_DT_DIR);
	CHECK(lx_dtype_from_attributes(0) == LX_DT_REG);

	CHECK(lx_makedev(1, 3) == 0x103);
	CHECK(lx_makedev(5, 0) == 0x500);
	CHECK(lx_major(lx_makedev(4097, 300)) == 4097 && lx_minor(lx_makedev(4097, 300)) == 300);

	struct lx_kstat st = { .mode = LX_S_IFREG | 0644, .uid = 1000, .gid = 1000 };
	CHECK(lx_permission(&st, LX_R_OK | LX_W_OK, false) == 0);
	CHECK(lx_permission(&st, LX_X_OK, false) == -LX_EACCES);
	st.mode = LX_S_IFREG | 0444;
	CHECK(lx_permission(&st, LX_W_OK, false) == -LX_EACCES);
}

int main(void)
{
	test_path_join();
	test_name_codec();
	test_meta();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("vfs-unit: all passed\n");
	return failures != 0;
}
