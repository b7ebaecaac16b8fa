/*
 * Unit tests of the pure parts of the vfs: path normalisation, the name
 * codec, mode and time conversion, the record cache and the entries of the
 * caches that an instance's processes share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "vfs.h"
#include "metastore.h"
#include "metaxattr.h"
#include "metacache.h"
#include "sharedcache.h"

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

static bool encodes_to(const char *name, unsigned flags, const wchar_t *want)
{
	wchar_t w[LX_NAME_MAX + 1];
	long n = lx_name_encode(name, strlen(name), flags, w, LX_NAME_MAX);

	if (n < 0 || (size_t)n != wcslen(want) || wmemcmp(w, want, (size_t)n)) {
		fprintf(stderr, "encode(%s, %u) gave %ld WCHARs\n", name, flags, n);
		return false;
	}
	return true;
}

static bool win_forbidden(wchar_t c)
{
	return c < 32 || wcschr(L"<>:\"\\|?*", c);
}

static const wchar_t *const devices[] = {
	L"CON", L"PRN", L"AUX", L"NUL", L"COM1", L"COM9", L"LPT1", L"LPT0", L"COM\x00B9",
	L"CONIN$", L"CONOUT$",
};

/* What Windows would do with the encoded name: refuse it, strip it or
 * take it for a device. */
static bool safe_on_windows(const wchar_t *w, long n)
{
	wchar_t stem[16];
	long k = 0;

	for (long i = 0; i < n; i++)
		if (win_forbidden(w[i]))
			return false;
	if (w[n - 1] == L'.' || w[n - 1] == L' ')
		return false;
	while (k < n && k < 15 && w[k] != L'.')
		k++;
	wmemcpy(stem, w, (size_t)k);
	stem[k] = 0;
	while (k > 0 && stem[k - 1] == L' ')
		stem[--k] = 0;
	for (size_t d = 0; d < sizeof(devices) / sizeof(devices[0]); d++)
		if (CompareStringOrdinal(stem, -1, devices[d], -1, TRUE) == CSTR_EQUAL)
			return false;
	return true;
}

static void check_round_trip(const char *name, size_t len, unsigned flags)
{
	wchar_t w[LX_NAME_MAX + 1];
	char back[4 * LX_NAME_MAX + 1];
	long n = lx_name_encode(name, len, flags, w, LX_NAME_MAX);
	long m;

	CHECK(n > 0 && (size_t)n <= len);
	if (n <= 0)
		return;
	CHECK(safe_on_windows(w, n));
	m = lx_name_from_nt(w, (size_t)n, back, sizeof(back));
	CHECK(m == (long)len && !memcmp(back, name, len));
}

/* Two names that differ only in case must not compare equal on a
 * case-insensitive volume once encoded. */
static void check_case_distinct(const char *a, const char *b)
{
	wchar_t wa[LX_NAME_MAX + 1], wb[LX_NAME_MAX + 1];
	long na = lx_name_encode(a, strlen(a), LX_NAME_ESCAPE_CASE, wa, LX_NAME_MAX);
	long nb = lx_name_encode(b, strlen(b), LX_NAME_ESCAPE_CASE, wb, LX_NAME_MAX);

	CHECK(na > 0 && nb > 0);
	CHECK(CompareStringOrdinal(wa, (int)na, wb, (int)nb, TRUE) != CSTR_EQUAL);
}

static void test_name_codec(void)
{
	static const char *const names[] = {
		"plain", "a:b", "q?*<>|\"\\", "\x01tab\x1f", "caf\xc3\xa9", "\xf0\x9f\x98\x80",
		"bad\xff\xfe", "\xc0\xaf", "x.", " ", "...", "a. ", "CON", "con.txt", "Nul .tar.gz",
		"lpt9", "COM\xc2\xb9", "conin$", "Makefile", "makefile", "MAKEFILE", "\xc3\x89t\xc3\xa9",
		"\xef\x80\xba", "\xef\x80\x80", "x~1", "PROGRA~1", "~", "\xed\xa0\x80", "\xcf\x82\xcf\x83",
	};
	static unsigned seed = 12345;
	wchar_t w[600];
	char name[LX_NAME_MAX + 1];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		check_round_trip(names[i], strlen(names[i]), LX_NAME_ESCAPE_CASE);
		check_round_trip(names[i], strlen(names[i]), 0);
	}
	/* Random bytes: every byte but NUL and '/', every length up to 255. */
	for (int round = 0; round < 20000; round++) {
		size_t len = 1 + (size_t)(round % LX_NAME_MAX);
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			name[k] = (char)(1 + (seed >> 16) % 255);
			if (name[k] == '/')
				name[k] = 'A';
			/* mostly ASCII, so that case and device rules are met */
			if ((seed >> 8) % 4 && (unsigned char)name[k] >= 0x80)
				name[k] = (char)('A' + (seed >> 20) % 58);
		}
		name[len] = 0;
		if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
			continue;
		check_round_trip(name, len, round & 1 ? LX_NAME_ESCAPE_CASE : 0);
	}
	check_case_distinct("Makefile", "makefile");
	check_case_distinct("MAKEFILE", "makefile");
	check_case_distinct("\xc3\x89", "\xc3\xa9");         /* É é */
	check_case_distinct("\xcf\x82", "\xcf\x83");         /* final and medial sigma */
	check_case_distinct("\xe2\x84\xaa", "k");            /* Kelvin sign */
	check_case_distinct("\xc4\xb1", "i");                /* dotless i */

	CHECK(encodes_to(":", 0, L"\xF03A"));
	CHECK(encodes_to("\xc3\xa9", 0, L"\x00E9"));
	CHECK(encodes_to("\xc3\xa9", LX_NAME_ESCAPE_CASE, L"\xF0C3\xF0A9"));
	CHECK(encodes_to("\xf0\x9f\x98\x80", LX_NAME_ESCAPE_CASE, L"\xD83D\xDE00"));
	CHECK(encodes_to("Make", LX_NAME_ESCAPE_CASE, L"\xF04D" L"ake"));
	CHECK(encodes_to("Make", 0, L"Make"));
	CHECK(encodes_to("CON", 0, L"CO\xF04E"));
	CHECK(encodes_to("con .txt", 0, L"co\xF06E .txt"));
	CHECK(encodes_to("a.", 0, L"a\xF02E"));
	CHECK(encodes_to("a ", 0, L"a\xF020"));
	CHECK(encodes_to("x~1", LX_NAME_ESCAPE_CASE, L"x\xF07E" L"1"));
	CHECK(encodes_to("x~", LX_NAME_ESCAPE_CASE, L"x~"));
	CHECK(encodes_to("\xef\x80\xba", 0, L"\xF0EF\xF080\xF0BA"));  /* a literal U+F03A */
	CHECK(encodes_to("\xff", 0, L"\xF0FF"));
	CHECK(lx_name_to_nt("abc", 3, w, 2) == -LX_ENAMETOOLONG);
	memset(name, 'A', LX_NAME_MAX);
	CHECK(lx_name_to_nt(name, LX_NAME_MAX, w, LX_NAME_MAX) == LX_NAME_MAX);
	CHECK(lx_name_case_escaped("Makefile", 8) && !lx_name_case_escaped("makefile", 8));
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

/* A record file's slots: the intact one with the later sequence number is
 * current, numbers wrap, a torn slot is reported and skipped. */
static void record_slot(unsigned char *slot, uint32_t mode, uint32_t seq)
{
	struct lx_meta m = { .mode = mode };

	lx_metarec_encode(&m, 7, slot);
	slot[96] = (unsigned char)seq, slot[97] = (unsigned char)(seq >> 8);
	slot[98] = (unsigned char)(seq >> 16), slot[99] = (unsigned char)(seq >> 24);
	uint32_t crc = lx_crc32(slot, 100);
	for (int i = 0; i < 4; i++)
		slot[100 + i] = (unsigned char)(crc >> (8 * i));
}

static void test_record_slots(void)
{
	unsigned char file[2 * LX_METAREC_SIZE];
	struct lx_meta m;
	uint32_t seq;
	bool torn;

	record_slot(file, 0100644, 0);
	CHECK(lx_metarec_pick(file, LX_METAREC_SIZE, 7, &m, &seq, &torn) == 0 && !torn &&
	      m.mode == 0100644 && seq == 0);
	CHECK(lx_metarec_pick(file, LX_METAREC_SIZE, 8, &m, &seq, &torn) == -1 && torn);
	CHECK(lx_metarec_pick(file, 50, 7, &m, &seq, &torn) == -1 && !torn); /* cut short */
	record_slot(file + LX_METAREC_SIZE, 0100600, 1);
	CHECK(lx_metarec_pick(file, sizeof(file), 7, &m, &seq, &torn) == 1 && !torn &&
	      m.mode == 0100600 && seq == 1);
	record_slot(file, 0100700, 2);
	CHECK(lx_metarec_pick(file, sizeof(file), 7, &m, &seq, &torn) == 0 && m.mode == 0100700);
	file[LX_METAREC_SIZE + 40] ^= 1; /* the other slot torn by a write cut short */
	CHECK(lx_metarec_pick(file, sizeof(file), 7, &m, &seq, &torn) == 0 && torn &&
	      m.mode == 0100700);
	record_slot(file, 0100700, 0xffffffffu);
	record_slot(file + LX_METAREC_SIZE, 0100640, 0); /* 0 follows 2^32 - 1 */
	CHECK(lx_metarec_pick(file, sizeof(file), 7, &m, &seq, &torn) == 1 && m.mode == 0100640);
	file[10] ^= 1;
	file[LX_METAREC_SIZE + 10] ^= 1;
	CHECK(lx_metarec_pick(file, sizeof(file), 7, &m, &seq, &torn) == -1 && torn);
}

/* The portable record and the WSL layouts, byte for byte against the
 * tables of docs/formats.md. */
static void test_formats(void)
{
	struct lx_meta m = { .mode = LX_S_IFLNK | 0777, .uid = 1000, .gid = 100,
	                     .rdev = lx_makedev(8, 1), .mtime_sec = 1500000000,
	                     .mtime_nsec = 987654321, .mtime_nt = 42 }, back;
	unsigned char rec[LX_METAREC_SIZE], buf[256];
	char target[64];

	CHECK(lx_crc32("123456789", 9) == 0xCBF43926u);
	lx_metarec_encode(&m, 0x1122334455667788ull, rec);
	CHECK(!memcmp(rec, "LXM1\x02\x00\x68\x00\x88\x77\x66\x55\x44\x33\x22\x11", 16));
	CHECK(rec[16] == 0xff && rec[17] == 0xa1 && rec[20] == 0xe8 && rec[21] == 0x03 && rec[24] == 100);
	CHECK(rec[32] == 0x01 && rec[33] == 0x08 && rec[68] == 0xb1 && rec[88] == 42);
	CHECK(lx_metarec_decode(rec, 0x1122334455667788ull, &back));
	CHECK(back.mode == m.mode && back.uid == 1000 && back.gid == 100 && back.rdev == m.rdev &&
	      back.mtime_sec == 1500000000 && back.mtime_nsec == 987654321 && back.mtime_nt == 42);
	CHECK(!lx_metarec_decode(rec, 0x1122334455667789ull, &back)); /* another file's */
	rec[50] ^= 1;
	CHECK(!lx_metarec_decode(rec, 0x1122334455667788ull, &back)); /* torn or damaged */
	test_record_slots();

	m.mode = LX_S_IFCHR | 0620;
	m.rdev = lx_makedev(4, 1);
	size_t n = lx_wsl_ea_encode(&m, buf, sizeof(buf));
	/* $LXUID: NextEntryOffset 20, Flags 0, EaNameLength 6, EaValueLength 4. */
	CHECK(n == 20 + 20 + 20 + 23);
	CHECK(!memcmp(buf, "\x14\0\0\0\0\x06\x04\0$LXUID\0\xe8\x03\0\0", 19));
	CHECK(!memcmp(buf + 60, "\0\0\0\0\0\x06\x08\0$LXDEV\0\x04\0\0\0\x01\0\0\0", 23));
	memset(&back, 0, sizeof(back));
	CHECK(lx_wsl_ea_decode(buf, n, &back) == 15);
	CHECK(back.uid == 1000 && back.gid == 100 && back.mode == m.mode && back.rdev == m.rdev);
	CHECK(lx_wsl_ea_decode(buf, 10, &back) == -1);
	CHECK(lx_wsl_ea_encode(&m, buf, 40) == 0);

	n = lx_wsl_symlink_encode("../t", 4, buf, sizeof(buf));
	CHECK(n == 16 && !memcmp(buf, "\x1d\0\0\xa0\x08\0\0\0\x02\0\0\0../t", 16));
	CHECK(lx_wsl_symlink_decode(buf, n, target, sizeof(target)) == 4 && !strcmp(target, "../t"));
	CHECK(lx_wsl_symlink_decode(buf, n, target, 4) == -1);
	CHECK(lx_wsl_special_encode(LX_S_IFIFO | 0644, buf, sizeof(buf)) == 8 &&
	      !memcmp(buf, "\x24\0\0\x80\0\0\0\0", 8));
	CHECK(lx_wsl_special_tag(LX_S_IFSOCK) == 0x80000023u);
	CHECK(lx_wsl_special_tag(LX_S_IFCHR) == 0x80000025u && lx_wsl_special_tag(LX_S_IFBLK) == 0x80000026u);
	CHECK(lx_wsl_special_tag(LX_S_IFREG) == 0);
	CHECK(lx_wsl_type_of_tag(0xA000001Du) == LX_S_IFLNK && lx_wsl_type_of_tag(0x80000024u) == LX_S_IFIFO);
}

/* Two views of one named section stand for two processes. */
static void test_shared_entries(void)
{
	struct lx_shared_entry *a = lx_shared_map(L"unit-shared", 4096);
	struct lx_shared_entry *b = lx_shared_map(L"unit-shared", 4096);
	uint64_t in[3] = { 1, 2, 3 }, other[3] = { 7, 8, 9 }, out[3];

	CHECK(a && b && a != b);
	if (!a || !b)
		return;
	CHECK(!lx_shared_read(b, out, 3)); /* never written */
	lx_shared_write(a, in, 3);
	CHECK(lx_shared_read(b, out, 3) && !memcmp(out, in, sizeof(in)));
	a->seq++; /* a writer at it, or killed in the middle */
	CHECK(!lx_shared_read(b, out, 3));
	lx_shared_write(b, other, 3); /* the next writer takes it over */
	CHECK(!(a->seq & 1) && lx_shared_read(a, out, 3) && !memcmp(out, other, sizeof(other)));
	a->words[1] = 2; /* a payload mixed from two writers */
	CHECK(!lx_shared_read(b, out, 3));
}

/* Writers racing at one entry (taking it over from each other in the
 * middle, as from a killed writer) and a reader: every read the entry
 * gives is one writer's whole payload, never a mixture. */
#define RACE_WORDS 12
#define RACE_ROUNDS 200000

static struct lx_shared_entry *race_entry;
static volatile LONG race_done;

static DWORD WINAPI race_writer(void *arg)
{
	uint64_t w[RACE_WORDS], base = (uint64_t)(uintptr_t)arg;

	for (unsigned i = 0; i < RACE_ROUNDS && !race_done; i++) {
		for (unsigned k = 0; k < RACE_WORDS; k++)
			w[k] = base + i; /* a payload whose words all agree */
		lx_shared_write(race_entry, w, RACE_WORDS);
		/* Now and then a gap for the reader, which two writers on a
		 * busy machine can otherwise overlap at every read. */
		if (i % 64 == 0)
			SwitchToThread();
	}
	return 0;
}

static void test_shared_race(void)
{
	HANDLE t[2];
	uint64_t out[RACE_WORDS];
	unsigned reads = 0, torn = 0;

	race_entry = lx_shared_map(L"unit-race", 4096);
	CHECK(race_entry != NULL);
	if (!race_entry)
		return;
	t[0] = CreateThread(NULL, 0, race_writer, (void *)(uintptr_t)1, 0, NULL);
	t[1] = CreateThread(NULL, 0, race_writer, (void *)(uintptr_t)0x100000000ull, 0, NULL);
	for (unsigned i = 0; i < 4 * RACE_ROUNDS; i++) {
		if (!lx_shared_read(race_entry, out, RACE_WORDS))
			continue;
		reads++;
		for (unsigned k = 1; k < RACE_WORDS; k++)
			torn += out[k] != out[0];
	}
	race_done = 1;
	WaitForMultipleObjects(2, t, TRUE, INFINITE);
	CloseHandle(t[0]);
	CloseHandle(t[1]);
	/* On a busy machine the writers may overlap every read of the race
	 * (none whole, none torn), and the race may leave the entry a miss;
	 * the next writer takes it over, and a read then gets its payload. */
	uint64_t last[RACE_WORDS];
	for (unsigned k = 0; k < RACE_WORDS; k++)
		last[k] = 7;
	lx_shared_write(race_entry, last, RACE_WORDS);
	bool settled = lx_shared_read(race_entry, out, RACE_WORDS) && !memcmp(out, last, sizeof(last));
	CHECK(torn == 0 && settled);
	printf("vfs-unit: shared entry race: %u whole reads, %u torn\n", reads, torn);
}

/* A cached record holds until its slot's counter moves, in any process. */
static void test_record_cache(void)
{
	const wchar_t *store = L"\\??\\Z:\\lxnt-unit-no-such-store";
	struct lx_meta m = { .mode = LX_S_IFREG | 0640, .uid = 5 }, got;
	struct lx_metacache_tag t = lx_metacache_tag(store, 77), now;
	long status = -1;

	CHECK(t.gen != NULL);
	if (!t.gen)
		return;
	CHECK(!lx_metacache_get(&t, 77, &got, &status));
	lx_metacache_put(&t, 77, &m, 0);
	now = lx_metacache_tag(store, 77);
	CHECK(lx_metacache_get(&now, 77, &got, &status) && status == 0 && got.uid == 5 &&
	      got.mode == m.mode);
	CHECK(!lx_metacache_get(&now, 78, &got, &status));
	lx_metacache_changed(store, 77); /* another writer */
	now = lx_metacache_tag(store, 77);
	CHECK(!lx_metacache_get(&now, 77, &got, &status));
	m.uid = 6; /* a writer keeps the copy it wrote */
	lx_metacache_wrote(&now, 77, &m);
	now = lx_metacache_tag(store, 77);
	CHECK(lx_metacache_get(&now, 77, &got, &status) && got.uid == 6);
	lx_metacache_put(&now, 79, NULL, 0xC0000034L); /* no record */
	CHECK(lx_metacache_get(&now, 79, &got, &status) && status == (long)0xC0000034L);
}

/* The attribute set and its file (docs/formats.md, "Extended attributes"). */
static void test_xattrs(void)
{
	struct lx_xattrs x = { 0 }, back;
	struct lx_meta m = { .mode = LX_S_IFREG | 0644, .flags = LX_META_F_XATTRS }, got;
	unsigned char rec[LX_METAREC_SIZE], *bytes;
	uint32_t vlen;
	size_t n;

	lx_metarec_encode(&m, 9, rec);
	CHECK(rec[28] == 1 && lx_metarec_decode(rec, 9, &got) && got.flags == LX_META_F_XATTRS);
	CHECK(lx_xattrs_set(&x, "user.a", 6, "one", 3) == 0);
	CHECK(lx_xattrs_set(&x, "user.b", 6, "", 0) == 0);
	CHECK(lx_xattrs_set(&x, "user.a", 6, "longer", 6) == 0); /* in place: a stays first */
	CHECK(x.len == 2 * 8 + 12 + 6);
	CHECK(!memcmp(x.buf, "\x06\0\0\0\x06\0\0\0user.alonger", 20));
	CHECK(lx_xattrs_find(&x, "user.b", 6, &vlen) && vlen == 0);
	CHECK(!lx_xattrs_find(&x, "user.c", 6, &vlen) && !lx_xattrs_find(&x, "user.", 5, &vlen));
	CHECK(lx_xattrs_set(&x, "", 0, "v", 1) == -2 && x.len == 34);
	bytes = lx_xattrs_encode(&x, 0x0102030405060708ull, &n);
	CHECK(bytes && n == LX_XATTR_HEADER + 34);
	CHECK(!memcmp(bytes, "LXX1\x01\0\x18\0\x08\x07\x06\x05\x04\x03\x02\x01\x22\0\0\0", 20));
	CHECK(lx_xattrs_decode(bytes, n, 0x0102030405060708ull, &back));
	CHECK(back.len == 34 && !memcmp(back.buf, x.buf, 34));
	lx_xattrs_free(&back);
	CHECK(!lx_xattrs_decode(bytes, n, 0x0102030405060709ull, &back)); /* another file's */
	CHECK(!lx_xattrs_decode(bytes, n - 1, 0x0102030405060708ull, &back)); /* cut short */
	bytes[n - 1] ^= 1;
	CHECK(!lx_xattrs_decode(bytes, n, 0x0102030405060708ull, &back)); /* damaged */
	free(bytes);
	CHECK(lx_xattrs_remove(&x, "user.a", 6) && !lx_xattrs_remove(&x, "user.a", 6));
	CHECK(x.len == 14 && lx_xattrs_find(&x, "user.b", 6, &vlen));
	CHECK(lx_xattrs_remove(&x, "user.b", 6) && x.len == 0);
	bytes = lx_xattrs_encode(&x, 5, &n);
	CHECK(bytes && n == LX_XATTR_HEADER && lx_xattrs_decode(bytes, n, 5, &back) && !back.len);
	free(bytes);
	CHECK(lx_xattrs_set(&x, "user.big", 8, NULL, LX_XATTR_MAX_BYTES) == -2);
	lx_xattrs_free(&x);
}

int main(void)
{
	test_path_join();
	test_name_codec();
	test_meta();
	test_formats();
	test_xattrs();
	test_shared_entries();
	test_shared_race();
	test_record_cache();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("vfs-unit: all passed\n");
	return failures != 0;
}
