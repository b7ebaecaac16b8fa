/*
 * The name codec: Linux file names (bytes, usually UTF-8) to Windows names
 * (UTF-16) and back.  docs/vfs.md, "Names", is the specification; this file
 * implements it and nothing else.
 *
 * A name is cut into units: each valid UTF-8 sequence (RFC 3629) is a
 * character, each other byte a raw byte.  The encoder decides which units
 * to escape; an escaped unit is written as U+F000 + each of its bytes, any
 * other unit as its UTF-16 form.  The decoder turns U+F001-U+F0FF back into
 * bytes and everything else into UTF-8, so decode(encode(x)) == x for every
 * name, whatever the encoder chose to escape.  Escaping a byte costs one
 * WCHAR, so the Windows name is never longer (in WCHARs) than the Linux
 * name is in bytes, and a 255-byte name fits NTFS's 255-WCHAR limit.
 */
#include <stdint.h>
#include <string.h>

#include "lxnt/linux/errno.h"
#include "lxnt/linux/fs.h"
#include "name.h"

struct unit {
	uint32_t cp;       /* the character, or the byte of a raw unit */
	uint8_t off, len;  /* where its bytes are in the name */
	bool raw;          /* not valid UTF-8 */
	bool escape;
};

/* Characters Windows forbids in names (Naming Files, Paths, and
 * Namespaces): 1-31 and < > : " \ | ? *.  WSL writes them as U+F000 + c. */
static bool nt_forbidden(uint32_t c)
{
	return c < 32 || c == '<' || c == '>' || c == ':' || c == '"' ||
	       c == '\\' || c == '|' || c == '?' || c == '*';
}

/*
 * Blocks of the Basic Multilingual Plane in which Windows' upcase tables
 * map some character to another: every character in them is escaped on a
 * case-insensitive volume.  This over-approximates the cased letters on
 * purpose: it needs no case table (which differs between Windows versions
 * and volumes) and two names that differ in any of these characters can
 * never compare equal.  Windows compares only UTF-16 code units, so
 * characters outside the BMP are never folded.
 */
static const struct { uint16_t lo, hi; } cased_ranges[] = {
	{ 0x00B5, 0x00B5 }, /* micro sign, upcases to Greek MU */
	{ 0x00C0, 0x024F }, /* Latin-1 letters, Latin Extended-A and -B */
	{ 0x0250, 0x02AF }, /* IPA extensions (several have upper forms) */
	{ 0x0345, 0x0345 }, /* combining ypogegrammeni, upcases to IOTA */
	{ 0x0370, 0x052F }, /* Greek, Cyrillic and its supplement */
	{ 0x0530, 0x058F }, /* Armenian */
	{ 0x10A0, 0x10FF }, /* Georgian */
	{ 0x13A0, 0x13FF }, /* Cherokee */
	{ 0x1C80, 0x1CBF }, /* Cyrillic Extended-C, Georgian Extended */
	{ 0x1D00, 0x1DBF }, /* phonetic extensions */
	{ 0x1E00, 0x1FFF }, /* Latin Extended Additional, Greek Extended */
	{ 0x2100, 0x214F }, /* letterlike symbols (Kelvin, Angstrom) */
	{ 0x2160, 0x2188 }, /* Roman numerals */
	{ 0x24B6, 0x24E9 }, /* circled letters */
	{ 0x2C00, 0x2D2F }, /* Glagolitic, Latin Extended-C, Coptic, Georgian */
	{ 0xA640, 0xA69F }, /* Cyrillic Extended-B */
	{ 0xA720, 0xA7FF }, /* Latin Extended-D */
	{ 0xAB30, 0xABBF }, /* Latin Extended-E, Cherokee supplement */
	{ 0xFF21, 0xFF3A }, /* fullwidth A-Z */
	{ 0xFF41, 0xFF5A }, /* fullwidth a-z */
};

static bool cased(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return true;
	if (c < 0x80)
		return false; /* ASCII a-z are the one form kept literally */
	for (size_t i = 0; i < sizeof(cased_ranges) / sizeof(cased_ranges[0]); i++)
		if (c >= cased_ranges[i].lo && c <= cased_ranges[i].hi)
			return true;
	return false;
}

/* Decodes one UTF-8 sequence (RFC 3629: no overlongs, no surrogates);
 * returns its length, or 0 if the bytes at s are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t n;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) { n = 2; c &= 0x1F; min = 0x80; }
	else if ((c & 0xF0) == 0xE0) { n = 3; c &= 0x0F; min = 0x800; }
	else if ((c & 0xF8) == 0xF0) { n = 4; c &= 0x07; min = 0x10000; }
	else return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static size_t split_units(const unsigned char *s, size_t len, struct unit *u)
{
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_decode(s + i, len - i, &cp);

		u[n].raw = k == 0;
		u[n].cp = k ? cp : s[i];
		u[n].off = (uint8_t)i;
		u[n].len = (uint8_t)(k ? k : 1);
		u[n].escape = false;
		i += u[n].len;
		n++;
	}
	return n;
}

/*
 * The names Win32 reserves for devices: a path whose last component is one
 * of them, with any extension and trailing spaces, names the device and
 * not a file.  COM0 and LPT0 are reserved by recent Windows versions, the
 * superscript digits (UTF-8 C2 B9, C2 B2, C2 B3) by all.
 */
static bool reserved_device(const unsigned char *s, size_t len)
{
	static const char *const three[] = { "con", "prn", "aux", "nul" };
	char low[8];

	if (len > 7)
		return false;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	low[len] = 0;
	if (len == 3) {
		for (size_t i = 0; i < 4; i++)
			if (!memcmp(low, three[i], 3))
				return true;
		return false;
	}
	if (!strcmp(low, "conin$") || !strcmp(low, "conout$"))
		return true;
	if (len < 4 || (memcmp(low, "com", 3) && memcmp(low, "lpt", 3)))
		return false;
	if (len == 4)
		return low[3] >= '0' && low[3] <= '9';
	return len == 5 && (unsigned char)low[3] == 0xC2 &&
	       ((unsigned char)low[4] == 0xB9 || (unsigned char)low[4] == 0xB2 ||
	        (unsigned char)low[4] == 0xB3);
}

/* Marks the units to escape (docs/vfs.md, "Names", rules 1-6). */
static void choose_escapes(const unsigned char *s, struct unit *u, size_t n, unsigned flags)
{
	size_t stem = n, stem_end;

	for (size_t i = 0; i < n; i++) {
		uint32_t c = u[i].cp;

		if (u[i].raw || nt_forbidden(c) ||
		    (c >= LX_NAME_ESCAPE && c <= LX_NAME_ESCAPE + 0xFF))
			u[i].escape = true;
		else if ((flags & LX_NAME_ESCAPE_CASE) && (cased(c) || (c == '~' && i + 1 < n)))
			u[i].escape = true;
		if (c == '.' && !u[i].raw && stem == n)
			stem = i;
	}
	/* The device stem: the units before the first '.', trailing spaces
	 * left out. */
	stem_end = stem;
	while (stem_end > 0 && u[stem_end - 1].cp == ' ' && !u[stem_end - 1].raw)
		stem_end--;
	if (stem_end > 0) {
		size_t bytes = (size_t)(u[stem_end - 1].off + u[stem_end - 1].len);
		if (reserved_device(s, bytes))
			u[stem_end - 1].escape = true;
	}
	/* Windows strips trailing dots and spaces from names. */
	if (!u[n - 1].raw && (u[n - 1].cp == '.' || u[n - 1].cp == ' '))
		u[n - 1].escape = true;
}

long lx_name_encode(const char *name, size_t len, unsigned flags, wchar_t *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)name;
	struct unit u[LX_NAME_MAX];
	size_t n, o = 0;

	if (len > LX_NAME_MAX)
		return -LX_ENAMETOOLONG;
	if (len == 0)
		return 0;
	n = split_units(s, len, u);
	choose_escapes(s, u, n, flags);
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = u[i].cp;

		if (u[i].escape) {
			if (o + u[i].len > cap)
				return -LX_ENAMETOOLONG;
			for (size_t k = 0; k < u[i].len; k++)
				out[o++] = (wchar_t)(LX_NAME_ESCAPE + s[u[i].off + k]);
		} else if (cp >= 0x10000) {
			if (o + 2 > cap)
				return -LX_ENAMETOOLONG;
			cp -= 0x10000;
			out[o++] = (wchar_t)(0xD800 + (cp >> 10));
			out[o++] = (wchar_t)(0xDC00 + (cp & 0x3FF));
		} else {
			if (o + 1 > cap)
				return -LX_ENAMETOOLONG;
			out[o++] = (wchar_t)cp;
		}
	}
	return (long)o;
}

long lx_name_to_nt(const char *name, size_t len, wchar_t *out, size_t cap)
{
	return lx_name_encode(name, len, LX_NAME_ESCAPE_CASE, out, cap);
}

bool lx_name_case_escaped(const char *name, size_t len)
{
	wchar_t a[LX_NAME_MAX], b[LX_NAME_MAX];
	long na = lx_name_encode(name, len, LX_NAME_ESCAPE_CASE, a, LX_NAME_MAX);
	long nb = lx_name_encode(name, len, 0, b, LX_NAME_MAX);

	return na != nb || (na > 0 && memcmp(a, b, (size_t)na * sizeof(wchar_t)) != 0);
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

bool lx_name_reserved(const wchar_t *name, size_t len)
{
	return len > 0 && (name[len - 1] == L'.' || name[len - 1] == L' ') &&
	       !(len == 1 || (len == 2 && name[0] == L'.'));
}

long lx_name_from_nt(const wchar_t *name, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return -LX_ENAMETOOLONG;
	if (lx_name_reserved(name, len))
		return -LX_ENOENT;
	for (size_t i = 0; i < len; i++) {
		uint32_t cp = (uint32_t)name[i] & 0xFFFF;
		char tmp[4];
		size_t n;

		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len &&
		    ((uint32_t)name[i + 1] & 0xFFFF) >= 0xDC00 &&
		    ((uint32_t)name[i + 1] & 0xFFFF) <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (((uint32_t)name[i + 1] & 0xFFFF) - 0xDC00);
			i++;
		}
		if (cp > LX_NAME_ESCAPE && cp <= LX_NAME_ESCAPE + 0xFF) {
			tmp[0] = (char)(cp - LX_NAME_ESCAPE);
			n = 1;
		} else {
			/* A lone surrogate has no UTF-8 form: U+FFFD stands in.
			 * The encoder never writes one. */
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			n = utf8_encode(cp, tmp);
		}
		if (o + n + 1 > cap)
			return -LX_ENAMETOOLONG;
		for (size_t k = 0; k < n; k++)
			out[o++] = tmp[k];
	}
	out[o] = 0;
	return (long)o;
}
