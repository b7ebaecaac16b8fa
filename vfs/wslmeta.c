/*
 * The WSL format's byte layouts (docs/formats.md, "The WSL format"): the
 * $LXUID, $LXGID, $LXMOD and $LXDEV extended attributes as a
 * FILE_FULL_EA_INFORMATION list (ntifs.h), and the LX reparse points as
 * REPARSE_DATA_BUFFERs (an LX symlink's data is a version ULONG, 2,
 * followed by the UTF-8 target without a NUL; a special file's has none).
 */
#include <string.h>

#include "metastore.h"
#include "lxnt/linux/fs.h"

/* FILE_FULL_EA_INFORMATION: NextEntryOffset (ULONG), Flags (UCHAR),
 * EaNameLength (UCHAR), EaValueLength (USHORT), the name and its NUL,
 * the value; each entry starts on a 4-byte boundary. */
#define EA_HEADER 8

static size_t ea_put(unsigned char *out, size_t cap, size_t at, const char *name,
                     const void *value, size_t vlen, bool last)
{
	size_t nlen = strlen(name);
	size_t len = EA_HEADER + nlen + 1 + vlen;
	size_t next = last ? 0 : (len + 3) & ~(size_t)3;

	if (at + (last ? len : next) > cap)
		return 0;
	memset(out + at, 0, last ? len : next);
	out[at + 0] = (unsigned char)next;
	out[at + 1] = (unsigned char)(next >> 8);
	out[at + 5] = (unsigned char)nlen;
	out[at + 6] = (unsigned char)vlen;
	out[at + 7] = (unsigned char)(vlen >> 8);
	memcpy(out + at + EA_HEADER, name, nlen + 1);
	memcpy(out + at + EA_HEADER + nlen + 1, value, vlen);
	return at + (last ? len : next);
}

static void le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* $LXDEV holds the major then the minor number, a ULONG each. */
size_t lx_wsl_ea_encode_fields(const struct lx_meta *m, unsigned fields, unsigned char *out,
                               size_t cap)
{
	struct { unsigned field; const char *name; uint32_t v[2]; size_t len; } ea[] = {
		{ LX_META_UID, "$LXUID", { m->uid }, 4 },
		{ LX_META_GID, "$LXGID", { m->gid }, 4 },
		{ LX_META_MODE, "$LXMOD", { m->mode }, 4 },
		{ LX_META_RDEV, "$LXDEV", { lx_major(m->rdev), lx_minor(m->rdev) }, 8 },
	};
	size_t at = 0, last = 0;
	int n = 0;

	for (size_t i = 0; i < sizeof(ea) / sizeof(ea[0]); i++)
		if (fields & ea[i].field)
			last = i, n++;
	for (size_t i = 0; i < sizeof(ea) / sizeof(ea[0]); i++) {
		unsigned char value[8];

		if (!(fields & ea[i].field))
			continue;
		le32(value, ea[i].v[0]);
		le32(value + 4, ea[i].v[1]);
		if (!(at = ea_put(out, cap, at, ea[i].name, value, ea[i].len, i == last)))
			return 0;
	}
	return n ? at : 0;
}

size_t lx_wsl_ea_encode(const struct lx_meta *m, unsigned char *out, size_t cap)
{
	return lx_wsl_ea_encode_fields(m, LX_META_UID | LX_META_GID | LX_META_MODE | LX_META_RDEV,
	                               out, cap);
}

/* FILE_GET_EA_INFORMATION: NextEntryOffset (ULONG), EaNameLength (UCHAR),
 * the name and its NUL; entries 4-byte aligned. */
size_t lx_wsl_ea_query_list(unsigned char *out, size_t cap)
{
	static const char *const names[] = { "$LXUID", "$LXGID", "$LXMOD", "$LXDEV" };
	size_t at = 0;

	for (size_t i = 0; i < 4; i++) {
		size_t len = 5 + strlen(names[i]) + 1;
		size_t next = i == 3 ? 0 : (len + 3) & ~(size_t)3;

		if (at + (next ? next : len) > cap)
			return 0;
		memset(out + at, 0, next ? next : len);
		le32(out + at, (uint32_t)next);
		out[at + 4] = (unsigned char)strlen(names[i]);
		memcpy(out + at + 5, names[i], strlen(names[i]) + 1);
		at += next ? next : len;
	}
	return at;
}

int lx_wsl_ea_decode(const unsigned char *in, size_t len, struct lx_meta *m)
{
	int found = 0;
	size_t at = 0;

	for (;;) {
		uint32_t next;
		size_t nlen, vlen;
		const unsigned char *name, *value;

		if (at + EA_HEADER > len)
			return -1;
		next = rd32(in + at);
		nlen = in[at + 5];
		vlen = (size_t)in[at + 6] | (size_t)in[at + 7] << 8;
		if (at + EA_HEADER + nlen + 1 + vlen > len || (next && next < EA_HEADER + nlen + 1 + vlen))
			return -1;
		name = in + at + EA_HEADER;
		value = name + nlen + 1;
		if (nlen == 6 && vlen == 4 && !memcmp(name, "$LXUID", 6)) {
			m->uid = rd32(value);
			found |= 1;
		} else if (nlen == 6 && vlen == 4 && !memcmp(name, "$LXGID", 6)) {
			m->gid = rd32(value);
			found |= 2;
		} else if (nlen == 6 && vlen == 4 && !memcmp(name, "$LXMOD", 6)) {
			m->mode = rd32(value);
			found |= 4;
		} else if (nlen == 6 && vlen == 8 && !memcmp(name, "$LXDEV", 6)) {
			m->rdev = lx_makedev(rd32(value), rd32(value + 4));
			found |= 8;
		}
		if (!next)
			return found;
		at += next;
	}
}

/* REPARSE_DATA_BUFFER: ReparseTag (ULONG), ReparseDataLength (USHORT),
 * Reserved (USHORT), then ReparseDataLength bytes. */
#define REPARSE_HEADER 8

static size_t reparse_header(uint32_t tag, size_t data_len, unsigned char *out, size_t cap)
{
	if (data_len > 0xffff || REPARSE_HEADER + data_len > cap)
		return 0;
	le32(out, tag);
	out[4] = (unsigned char)data_len;
	out[5] = (unsigned char)(data_len >> 8);
	out[6] = out[7] = 0;
	return REPARSE_HEADER + data_len;
}

size_t lx_wsl_symlink_encode(const char *target, size_t n, unsigned char *out, size_t cap)
{
	size_t len = reparse_header(LX_IO_REPARSE_TAG_LX_SYMLINK, 4 + n, out, cap);

	if (!len)
		return 0;
	le32(out + REPARSE_HEADER, 2);
	memcpy(out + REPARSE_HEADER + 4, target, n);
	return len;
}

long lx_wsl_symlink_decode(const unsigned char *in, size_t len, char *out, size_t cap)
{
	size_t data;

	if (len < REPARSE_HEADER + 4 || rd32(in) != LX_IO_REPARSE_TAG_LX_SYMLINK)
		return -1;
	data = (size_t)in[4] | (size_t)in[5] << 8;
	if (data < 4 || REPARSE_HEADER + data > len || rd32(in + REPARSE_HEADER) != 2 ||
	    data - 4 >= cap)
		return -1;
	memcpy(out, in + REPARSE_HEADER + 4, data - 4);
	out[data - 4] = 0;
	return (long)(data - 4);
}

uint32_t lx_wsl_special_tag(uint32_t mode)
{
	switch (mode & LX_S_IFMT) {
	case LX_S_IFIFO: return LX_IO_REPARSE_TAG_LX_FIFO;
	case LX_S_IFCHR: return LX_IO_REPARSE_TAG_LX_CHR;
	case LX_S_IFBLK: return LX_IO_REPARSE_TAG_LX_BLK;
	case LX_S_IFSOCK: return LX_IO_REPARSE_TAG_AF_UNIX;
	default: return 0;
	}
}

size_t lx_wsl_special_encode(uint32_t mode, unsigned char *out, size_t cap)
{
	uint32_t tag = lx_wsl_special_tag(mode);

	return tag ? reparse_header(tag, 0, out, cap) : 0;
}

uint32_t lx_wsl_type_of_tag(uint32_t tag)
{
	switch (tag) {
	case LX_IO_REPARSE_TAG_LX_SYMLINK: return LX_S_IFLNK;
	case LX_IO_REPARSE_TAG_LX_FIFO: return LX_S_IFIFO;
	case LX_IO_REPARSE_TAG_LX_CHR: return LX_S_IFCHR;
	case LX_IO_REPARSE_TAG_LX_BLK: return LX_S_IFBLK;
	case LX_IO_REPARSE_TAG_AF_UNIX: return LX_S_IFSOCK;
	default: return 0;
	}
}
