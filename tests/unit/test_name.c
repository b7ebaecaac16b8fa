/*
 * The vfs name codec (vfs/name.c, docs/vfs.md "Names") on the build host:
 * the codec is portable C, so its rules are checked here as well as under
 * Wine (vfs-unit).  wchar_t holds one UTF-16 code unit per element.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lxnt/linux/errno.h"
#include "lxnt/linux/fs.h"
#include "name.h"

static void expect(const char *name, unsigned flags, const uint16_t *want, size_t nwant)
{
	wchar_t w[LX_NAME_MAX + 1];
	long n = lx_name_encode(name, strlen(name), flags, w, LX_NAME_MAX);

	cr_assert_eq(n, (long)nwant, "encode(%s, %u): %ld units, want %zu", name, flags, n, nwant);
	for (size_t i = 0; i < nwant; i++)
		cr_assert_eq((uint32_t)w[i], want[i], "encode(%s)[%zu] = U+%04X, want U+%04X", name, i,
		             (unsigned)w[i], want[i]);
}

#define EXPECT(name, flags, ...) do { \
	static const uint16_t want_[] = { __VA_ARGS__ }; \
	expect(name, flags, want_, sizeof(want_) / sizeof(want_[0])); } while (0)

Test(name_codec, rules)
{
	EXPECT("plain", 0, 'p', 'l', 'a', 'i', 'n');
	EXPECT("a:b", 0, 'a', 0xF03A, 'b');                        /* rule 2, WSL's form */
	EXPECT("\x01", 0, 0xF001);
	EXPECT("\xff", 0, 0xF0FF);                                 /* rule 1 */
	EXPECT("\xef\x80\xba", 0, 0xF0EF, 0xF080, 0xF0BA);         /* rule 3: a literal U+F03A */
	EXPECT("\xef\x80\x80", 0, 0xF0EF, 0xF080, 0xF080);         /* rule 3: U+F000 itself, which the metadata store uses */
	EXPECT("Ab", LX_NAME_ESCAPE_CASE, 0xF041, 'b');            /* rule 4 */
	EXPECT("Ab", 0, 'A', 'b');
	EXPECT("\xc3\xa9", LX_NAME_ESCAPE_CASE, 0xF0C3, 0xF0A9);
	EXPECT("\xc3\xa9", 0, 0xE9);
	EXPECT("\xf0\x9f\x98\x80", LX_NAME_ESCAPE_CASE, 0xD83D, 0xDE00);
	EXPECT("x~1", LX_NAME_ESCAPE_CASE, 'x', 0xF07E, '1');      /* rule 5 */
	EXPECT("x~", LX_NAME_ESCAPE_CASE, 'x', '~');
	EXPECT("x~1", 0, 'x', '~', '1');
	EXPECT("CON", 0, 'C', 'O', 0xF04E);                        /* rule 6 */
	EXPECT("con .c", 0, 'c', 'o', 0xF06E, ' ', '.', 'c');
	EXPECT("COM\xc2\xb9", 0, 'C', 'O', 'M', 0xF0C2, 0xF0B9);
	EXPECT("com10", 0, 'c', 'o', 'm', '1', '0');
	EXPECT("console", 0, 'c', 'o', 'n', 's', 'o', 'l', 'e');
	EXPECT("a.", 0, 'a', 0xF02E);                              /* rule 7 */
	EXPECT("a ", 0, 'a', 0xF020);
	EXPECT("...", 0, '.', '.', 0xF02E);
}

Test(name_codec, limits)
{
	char name[LX_NAME_MAX + 2];
	wchar_t w[LX_NAME_MAX + 1];

	memset(name, 'A', LX_NAME_MAX);
	cr_assert_eq(lx_name_encode(name, LX_NAME_MAX, LX_NAME_ESCAPE_CASE, w, LX_NAME_MAX),
	             LX_NAME_MAX);
	cr_assert_eq(lx_name_encode(name, LX_NAME_MAX + 1, 0, w, LX_NAME_MAX), -LX_ENAMETOOLONG);
	cr_assert_eq(lx_name_encode("abc", 3, 0, w, 2), -LX_ENAMETOOLONG);
}

Test(name_codec, reserved_names_are_not_listed)
{
	static const wchar_t hidden[] = { '.', 'x', '.' };
	static const wchar_t dot[] = { '.' };
	char out[16];

	cr_assert(lx_name_reserved(hidden, 3));
	cr_assert_eq(lx_name_from_nt(hidden, 3, out, sizeof(out)), -LX_ENOENT);
	cr_assert(!lx_name_reserved(dot, 1));
}

/* decode(encode(x)) == x for random names, both flag sets. */
Test(name_codec, round_trip)
{
	unsigned seed = 1;
	char name[LX_NAME_MAX + 1], back[4 * LX_NAME_MAX + 1];
	wchar_t w[LX_NAME_MAX + 1];

	for (int round = 0; round < 100000; round++) {
		size_t len = 1 + (size_t)(round % LX_NAME_MAX);
		unsigned flags = round & 1 ? LX_NAME_ESCAPE_CASE : 0;
		long n, m;

		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			name[k] = (char)(1 + (seed >> 16) % 255);
			if (name[k] == '/')
				name[k] = 'Q';
		}
		name[len] = 0;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		n = lx_name_encode(name, len, flags, w, LX_NAME_MAX);
		cr_assert(n > 0 && (size_t)n <= len, "encode gave %ld for %zu bytes", n, len);
		cr_assert(w[n - 1] != '.' && w[n - 1] != ' ');
		m = lx_name_from_nt(w, (size_t)n, back, sizeof(back));
		cr_assert_eq(m, (long)len);
		cr_assert(!memcmp(back, name, len), "round %d differs", round);
	}
}

/* Case variants never share an encoding that differs only in ASCII case:
 * with the escapes no encoded unit has a case mapping of its own. */
Test(name_codec, case_pairs_differ)
{
	static const char *const pairs[][2] = {
		{ "Makefile", "makefile" }, { "README", "readme" },
		{ "\xc3\x89", "\xc3\xa9" }, { "\xcf\x82", "\xcf\x83" },
		{ "\xe2\x84\xaa", "k" }, { "\xc4\xb1", "i" },
	};
	wchar_t a[32], b[32];

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		long na = lx_name_encode(pairs[i][0], strlen(pairs[i][0]), LX_NAME_ESCAPE_CASE, a, 32);
		long nb = lx_name_encode(pairs[i][1], strlen(pairs[i][1]), LX_NAME_ESCAPE_CASE, b, 32);
		bool same = na == nb;
		for (long k = 0; same && k < na; k++) {
			wchar_t x = a[k], y = b[k];
			if (x >= 'a' && x <= 'z')
				x -= 32;
			if (y >= 'a' && y <= 'z')
				y -= 32;
			same = x == y;
		}
		cr_assert(!same, "pair %zu folds to one name", i);
		for (long k = 0; k < na; k++)
			cr_assert(!(a[k] >= 'A' && a[k] <= 'Z'), "upper-case letter left in pair %zu", i);
	}
}
