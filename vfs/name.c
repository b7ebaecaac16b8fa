/*
 * The name codec: Linux file names (bytes, usually UTF-8) to Windows names
 * (UTF-16) and back.  docs/vfs.md, "Names".
 *
 * Valid UTF-8 becomes the same characters.  Characters that Windows forbids
 * in names (< > : " \ | ? * and 1-31) become U+F000 + the character, the
 * scheme WSL uses, and bytes that are not valid UTF-8 become U+F000 + the
 * byte (0x80-0xFF), so that every Linux name has a Windows form and the
 * decoder gives back the same bytes.  Later codec versions (case collisions,
 * trailing dots and spaces, reserved device names) extend these two
 * functions only.
 */
#include "vfs.h"

#define LX_NAME_ESCAPE 0xF000u

static bool nt_forbidden(uint32_t c)
{
	return c < 32 || c == '<' || c == '>' || c == ':' || c == '"' ||
	       c == '\\' || c == '|' || c == '?' || c == '*';
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

long lx_name_to_nt(const char *name, size_t len, wchar_t *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0) {
			cp = LX_NAME_ESCAPE + s[i];
			n = 1;
		} else if (nt_forbidden(cp)) {
			cp += LX_NAME_ESCAPE;
		}
		if (cp >= 0x10000) {
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
		i += n;
	}
	return (long)o;
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

long lx_name_from_nt(const wchar_t *name, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		uint32_t cp = name[i];
		char tmp[4];
		size_t n;

		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len &&
		    name[i + 1] >= 0xDC00 && name[i + 1] <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (name[i + 1] - 0xDC00);
			i++;
		}
		if (cp >= LX_NAME_ESCAPE && cp <= LX_NAME_ESCAPE + 0xFF &&
		    (nt_forbidden(cp - LX_NAME_ESCAPE) || cp - LX_NAME_ESCAPE >= 0x80)) {
			tmp[0] = (char)(cp - LX_NAME_ESCAPE);
			n = 1;
		} else {
			/* A lone surrogate has no UTF-8 form: U+FFFD stands in. */
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
