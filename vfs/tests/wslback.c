/*
 * Unit tests of the WSL metadata backend (vfs/metaback_wsl.c) against an
 * in-memory volume that stands in for NTFS behind the backend's NT calls
 * (lx_wsl_nt).  The fake checks what NTFS checks (ntifs.h, "NtSetEaFile",
 * "FILE_FULL_EA_INFORMATION", "FILE_GET_EA_INFORMATION",
 * "FSCTL_SET_REPARSE_POINT"): entries 4-byte aligned with exact offsets,
 * a NUL after each name, EA names stored upper-cased, FILE_READ_EA and
 * FILE_WRITE_EA access, the reparse data length against the buffer and the
 * 16 KiB limit, a tag that cannot change without removing the point.
 * Then stat, chmod, chown, symlink and mknod round trips go through the
 * backend's ops, and the probe runs once against the fake and once against
 * the real calls on the volume the tests run on (Wine's, which must fail).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "vfs.h"
#include "metaback.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	failures++; } } while (0)

#define ST_ACCESS_DENIED ((long)0xC0000022L)
#define ST_NO_EAS ((long)0xC0000052L)
#define ST_EA_LIST_INCONSISTENT ((long)0x80000014L)
#define ST_BUFFER_OVERFLOW ((long)0x80000005L)
#define ST_BUFFER_TOO_SMALL ((long)0xC0000023L)
#define ST_NOT_REPARSE ((long)0xC0000275L)
#define ST_REPARSE_TAG_MISMATCH ((long)0xC0000277L)
#define ST_REPARSE_TAG_INVALID ((long)0xC0000276L)
#define ST_REPARSE_DATA_INVALID ((long)0xC0000278L)
#define ST_INVALID_PARAMETER ((long)0xC000000DL)

#define READ_EA 0x0008u
#define WRITE_EA 0x0010u
#define WRITE_DATA 0x0002u
#define WRITE_ATTRIBUTES 0x0100u

struct fake_ea {
	char name[256];
	unsigned char value[64];
	size_t vlen;
};

struct fake_file {
	struct fake_ea ea[16];
	int nea;
	unsigned char reparse[16384];
	size_t reparse_len;
	bool lying;        /* a volume that claims EAs and drops them */
	bool damaged;      /* gives back a cut EA list */
};

struct fake_handle {
	struct fake_file *f;
	uint32_t access;
};

static int set_ea_calls, reopen_calls, bad_buffers;

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static struct fake_ea *find_ea(struct fake_file *f, const char *name)
{
	for (int i = 0; i < f->nea; i++)
		if (!_stricmp(f->ea[i].name, name))
			return &f->ea[i];
	return NULL;
}

/* IoCheckEaBufferValidity: each entry whole inside the buffer, a NUL after
 * the name, NextEntryOffset the entry's size rounded up to 4 bytes (0 on
 * the last), the last entry ending exactly where the buffer does. */
static long fake_set_ea(void *h, const void *buf, size_t len)
{
	struct fake_handle *fh = h;
	const unsigned char *b = buf;
	size_t at = 0;

	set_ea_calls++;
	if (!(fh->access & WRITE_EA))
		return ST_ACCESS_DENIED;
	for (;;) {
		uint32_t next;
		size_t nlen, vlen, size;
		char name[256];
		struct fake_ea *e;

		if (at + 8 > len) {
			bad_buffers++;
			return ST_EA_LIST_INCONSISTENT;
		}
		next = rd32(b + at);
		nlen = b[at + 5];
		vlen = (size_t)b[at + 6] | (size_t)b[at + 7] << 8;
		size = 8 + nlen + 1 + vlen;
		if ((b[at + 4] & ~0x80u) || nlen == 0 || at + size > len || b[at + 8 + nlen] != 0 ||
		    (next && next != align4(size)) || (!next && at + size != len)) {
			bad_buffers++;
			return ST_EA_LIST_INCONSISTENT;
		}
		for (size_t i = 0; i < nlen; i++)
			name[i] = (char)toupper(b[at + 8 + i]);
		name[nlen] = 0;
		if (fh->f->lying) {
			/* accepted, and forgotten */
		} else if (vlen == 0) {
			e = find_ea(fh->f, name);
			if (e)
				*e = fh->f->ea[--fh->f->nea];
		} else {
			e = find_ea(fh->f, name);
			if (!e)
				e = &fh->f->ea[fh->f->nea++];
			strcpy(e->name, name);
			memcpy(e->value, b + at + 9 + nlen, vlen);
			e->vlen = vlen;
		}
		if (!next)
			return 0;
		at += next;
	}
}

/* A FILE_GET_EA_INFORMATION list names the attributes wanted; NTFS gives
 * each back, one it does not have with an empty value, and answers a file
 * with no EAs at all with STATUS_NO_EAS_ON_FILE. */
static long fake_query_ea(void *h, void *out, size_t cap, const void *list, size_t list_len,
                          size_t *got)
{
	struct fake_handle *fh = h;
	const unsigned char *l = list;
	unsigned char *o = out;
	size_t at = 0, put = 0, last = 0;

	*got = 0;
	if (!(fh->access & READ_EA))
		return ST_ACCESS_DENIED;
	if (fh->f->nea == 0)
		return ST_NO_EAS;
	for (;;) {
		uint32_t next;
		size_t nlen, size;
		char name[256];
		struct fake_ea *e;

		if (at + 6 > list_len) {
			bad_buffers++;
			return ST_EA_LIST_INCONSISTENT;
		}
		next = rd32(l + at);
		nlen = l[at + 4];
		if (nlen == 0 || at + 5 + nlen + 1 > list_len || l[at + 5 + nlen] != 0 ||
		    (next && next != align4(5 + nlen + 1)) || (!next && at + 5 + nlen + 1 != list_len)) {
			bad_buffers++;
			return ST_EA_LIST_INCONSISTENT;
		}
		memcpy(name, l + at + 5, nlen + 1);
		e = find_ea(fh->f, name);
		size = 8 + (e ? strlen(e->name) : nlen) + 1 + (e ? e->vlen : 0);
		if (put + size > cap) {
			*got = put;
			return put ? ST_BUFFER_OVERFLOW : ST_BUFFER_TOO_SMALL;
		}
		if (put) {
			unsigned char *prev = o + last;
			uint32_t off = (uint32_t)(put - last);
			memcpy(prev, &off, 4);
		}
		memset(o + put, 0, size);
		o[put + 5] = (unsigned char)(e ? strlen(e->name) : nlen);
		o[put + 6] = (unsigned char)(e ? e->vlen : 0);
		if (e) {
			memcpy(o + put + 8, e->name, strlen(e->name) + 1);
			memcpy(o + put + 9 + strlen(e->name), e->value, e->vlen);
		} else {
			for (size_t i = 0; i < nlen; i++)
				o[put + 8 + i] = (unsigned char)toupper(name[i]);
		}
		last = put;
		put = align4(put + size);
		if (!next)
			break;
		at += next;
	}
	*got = fh->f->damaged ? put - 3 : put; /* the last entry cut */
	return 0;
}

/* FSCTL_SET_REPARSE_POINT: ReparseDataLength must be the buffer's length
 * less the 8-byte header, the whole at most 16 KiB; Microsoft tags (bit
 * 31) carry no GUID; a file's tag cannot change in place. */
static long fake_set_reparse(void *h, const void *buf, size_t len)
{
	struct fake_handle *fh = h;
	const unsigned char *b = buf;
	uint32_t tag;

	if (!(fh->access & (WRITE_DATA | WRITE_ATTRIBUTES)))
		return ST_ACCESS_DENIED;
	if (len < 8 || len > 16384) {
		bad_buffers++;
		return ST_INVALID_PARAMETER;
	}
	tag = rd32(b);
	if (!(tag & 0x80000000u) || tag == 0x80000000u) {
		bad_buffers++;
		return ST_REPARSE_TAG_INVALID;
	}
	if (((size_t)b[4] | (size_t)b[5] << 8) != len - 8 || b[6] || b[7]) {
		bad_buffers++;
		return ST_REPARSE_DATA_INVALID;
	}
	if (fh->f->reparse_len && rd32(fh->f->reparse) != tag)
		return ST_REPARSE_TAG_MISMATCH;
	if (fh->f->lying)
		return 0;
	memcpy(fh->f->reparse, buf, len);
	fh->f->reparse_len = len;
	return 0;
}

static long fake_get_reparse(void *h, void *out, size_t cap, size_t *got)
{
	struct fake_handle *fh = h;
	size_t n = fh->f->reparse_len;

	*got = 0;
	if (!n)
		return ST_NOT_REPARSE;
	if (cap < 8)
		return ST_BUFFER_TOO_SMALL;
	memcpy(out, fh->f->reparse, n < cap ? n : cap);
	*got = n < cap ? n : cap;
	return n <= cap ? 0 : ST_BUFFER_OVERFLOW;
}

static void *fake_reopen(void *h, uint32_t access)
{
	struct fake_handle *fh = h, *r = malloc(sizeof(*r));

	reopen_calls++;
	r->f = fh->f;
	r->access = fh->access | access;
	return r;
}

static void fake_close(void *h)
{
	free(h);
}

static const struct lx_wsl_nt fake_calls = {
	fake_query_ea, fake_set_ea, fake_get_reparse, fake_set_reparse, fake_reopen, fake_close,
};

static const struct lx_meta_vol vol = { &lx_meta_wsl, 0x20, NULL, L"fake-volume" };

/* A handle as the vfs has one: a new file opened with the backend's
 * create_access, or one with FILE_READ_ATTRIBUTES only (an fd opened
 * write-only, a directory's handle), which the backend must reopen. */
static struct fake_handle created(struct fake_file *f)
{
	struct fake_handle h = { f, 0x0080 | lx_meta_wsl.create_access };
	return h;
}

static struct fake_handle bare_handle(struct fake_file *f)
{
	struct fake_handle h = { f, 0x0080 };
	return h;
}

/* What lstat would give: the attributes the vfs reads first, then the ops. */
static long stat_of(struct fake_file *f, struct lx_meta *m)
{
	struct fake_handle h = bare_handle(f);
	uint32_t attributes = f->reparse_len ? FILE_ATTRIBUTE_REPARSE_POINT : FILE_ATTRIBUTE_NORMAL;

	memset(m, 0, sizeof(*m));
	m->mode = LX_S_IFREG | 0644; /* the Windows-derived defaults */
	m->uid = m->gid = 1000;
	return lx_meta_wsl.read(&vol, &h, 1, attributes, m);
}

/* An attribute's value as a ULONG; ~0 when the file lacks it. */
static uint32_t ea_u32(struct fake_file *f, const char *name)
{
	struct fake_ea *e = find_ea(f, name);

	return e && e->vlen >= 4 ? rd32(e->value) : 0xffffffffu;
}

static void test_regular(void)
{
	struct fake_file *f = calloc(1, sizeof(*f));
	struct fake_handle h = created(f);
	struct lx_meta m = { .mode = LX_S_IFREG | 0640, .uid = 1000, .gid = 100 }, st;

	CHECK(lx_meta_wsl.create(&vol, &h, 1, &m, NULL, 0) == 0);
	CHECK(f->nea == 3 && !f->reparse_len); /* no $LXDEV on a regular file */
	CHECK(find_ea(f, "$LXUID") && find_ea(f, "$LXGID") && find_ea(f, "$LXMOD"));
	CHECK(ea_u32(f, "$LXMOD") == (LX_S_IFREG | 0640));
	reopen_calls = 0;
	CHECK(stat_of(f, &st) == 0);
	CHECK(reopen_calls == 1); /* the handle lacks FILE_READ_EA */
	CHECK(st.mode == (LX_S_IFREG | 0640) && st.uid == 1000 && st.gid == 100 && !st.link_len);

	/* chmod writes $LXMOD alone: a chown at the same moment keeps its
	 * $LXUID. */
	struct fake_handle sh = bare_handle(f);
	m.mode = LX_S_IFREG | 04755;
	m.uid = 12345;
	set_ea_calls = 0;
	CHECK(lx_meta_wsl.write(&vol, NULL, &sh, 1, &m, LX_META_MODE | LX_META_TIMES) == 0);
	CHECK(set_ea_calls == 2); /* denied without FILE_WRITE_EA, then reopened */
	CHECK(stat_of(f, &st) == 0 && st.mode == (LX_S_IFREG | 04755) && st.uid == 1000);
	m.uid = 0;
	m.gid = 5;
	CHECK(lx_meta_wsl.write(&vol, NULL, &h, 1, &m, LX_META_UID | LX_META_GID) == 0);
	CHECK(stat_of(f, &st) == 0 && st.uid == 0 && st.gid == 5 && st.mode == (LX_S_IFREG | 04755));
	/* times only: no EA is touched (they are the NTFS times) */
	set_ea_calls = 0;
	CHECK(lx_meta_wsl.write(&vol, NULL, &h, 1, &m, LX_META_TIMES) == 0 && set_ea_calls == 0);
	free(f);
}

static void test_symlink(void)
{
	struct fake_file *f = calloc(1, sizeof(*f));
	struct fake_handle h = created(f);
	struct lx_meta m = { .mode = LX_S_IFLNK | 0777, .uid = 1000, .gid = 1000 }, st;
	char out[LX_PATH_MAX];
	static char longt[LX_PATH_MAX];

	CHECK(lx_meta_wsl.create(&vol, &h, 1, &m, "../lib/x", 8) == 0);
	CHECK(f->reparse_len == 8 + 4 + 8);
	CHECK(!memcmp(f->reparse, "\x1d\0\0\xa0\x0c\0\0\0\x02\0\0\0../lib/x", 20));
	CHECK(stat_of(f, &st) == 0 && st.mode == (LX_S_IFLNK | 0777) && st.link_len == 8);
	CHECK(lx_meta_wsl.readlink(&vol, &h, out, sizeof(out)) == 8 && !strcmp(out, "../lib/x"));
	CHECK(lx_meta_wsl.readlink(&vol, &h, out, 8) == -LX_EIO); /* no room for the NUL */
	free(f);

	/* A PATH_MAX - 1 target fits a reparse point. */
	f = calloc(1, sizeof(*f));
	h = created(f);
	memset(longt, 'a', sizeof(longt) - 1);
	CHECK(lx_meta_wsl.create(&vol, &h, 1, &m, longt, sizeof(longt) - 1) == 0);
	CHECK(f->reparse_len == 8 + 4 + LX_PATH_MAX - 1);
	CHECK(lx_meta_wsl.readlink(&vol, &h, out, sizeof(out)) == LX_PATH_MAX - 1);
	free(f);

	/* One that would pass the 16 KiB limit is refused before the call. */
	static char huge[16384];
	f = calloc(1, sizeof(*f));
	h = created(f);
	memset(huge, 'b', sizeof(huge));
	bad_buffers = 0;
	CHECK(lx_meta_wsl.create(&vol, &h, 1, &m, huge, 16384 - 8 - 4 + 1) == -LX_ENAMETOOLONG);
	CHECK(bad_buffers == 0 && !f->reparse_len);
	CHECK(lx_meta_wsl.create(&vol, &h, 1, &m, huge, 16384 - 8 - 4) == 0 &&
	      f->reparse_len == 16384);
	/* not a link: readlink fails */
	free(f);
	f = calloc(1, sizeof(*f));
	h = created(f);
	CHECK(lx_meta_wsl.readlink(&vol, &h, out, sizeof(out)) == -LX_EIO);
	free(f);
}

static void check_special(uint32_t type, uint32_t tag, uint64_t rdev, int want_eas)
{
	struct fake_file *f = calloc(1, sizeof(*f));
	struct fake_handle h = created(f);
	struct lx_meta m = { .mode = type | 0620, .uid = 0, .gid = 5, .rdev = rdev }, st;

	CHECK(lx_meta_wsl.create(&vol, &h, 1, &m, NULL, 0) == 0);
	CHECK(f->nea == want_eas);
	CHECK(f->reparse_len == 8 && rd32(f->reparse) == tag); /* the tag, no data */
	CHECK(stat_of(f, &st) == 0 && st.mode == (type | 0620) && st.uid == 0 && st.gid == 5);
	CHECK(st.rdev == rdev);
	if (want_eas == 4) {
		struct fake_ea *dev = find_ea(f, "$LXDEV");
		CHECK(dev && dev->vlen == 8 && rd32(dev->value) == lx_major(rdev) &&
		      rd32(dev->value + 4) == lx_minor(rdev));
	}
	free(f);
}

/* A listing's entry: the tag stands in EaSize for a reparse point. */
static void test_dtype(void)
{
	CHECK(lx_meta_wsl.dtype(FILE_ATTRIBUTE_DIRECTORY, 0) == LX_DT_DIR);
	CHECK(lx_meta_wsl.dtype(FILE_ATTRIBUTE_ARCHIVE, 24) == LX_DT_REG);
	CHECK(lx_meta_wsl.dtype(FILE_ATTRIBUTE_REPARSE_POINT, 0xA000001Du) == LX_DT_LNK);
	CHECK(lx_meta_wsl.dtype(FILE_ATTRIBUTE_REPARSE_POINT, 0x80000024u) == LX_DT_FIFO);
	CHECK(lx_meta_wsl.dtype(FILE_ATTRIBUTE_REPARSE_POINT, 0x80000023u) == LX_DT_SOCK);
	CHECK(lx_meta_wsl.dtype(FILE_ATTRIBUTE_REPARSE_POINT, 0x80000025u) == LX_DT_CHR);
	CHECK(lx_meta_wsl.dtype(FILE_ATTRIBUTE_REPARSE_POINT, 0x80000026u) == LX_DT_BLK);
	/* a Windows symlink (IO_REPARSE_TAG_SYMLINK) is none of ours */
	CHECK(lx_meta_wsl.dtype(FILE_ATTRIBUTE_REPARSE_POINT, 0xA000000Cu) == LX_DT_UNKNOWN);
}

static void test_special(void)
{
	check_special(LX_S_IFIFO, 0x80000024u, 0, 3);
	check_special(LX_S_IFSOCK, 0x80000023u, 0, 3);
	check_special(LX_S_IFCHR, 0x80000025u, lx_makedev(1, 3), 4);
	check_special(LX_S_IFBLK, 0x80000026u, lx_makedev(8, 1), 4);
}

/* Files made by others: by Windows (no metadata), by a tool that wrote an
 * EA name in lower case (NTFS upper-cases it), an LX FIFO without EAs. */
static void test_foreign(void)
{
	struct fake_file *f = calloc(1, sizeof(*f));
	struct fake_handle h = { f, WRITE_EA | READ_EA | WRITE_DATA };
	struct lx_meta st;
	static const unsigned char lower_uid[] = "\0\0\0\0\0\x06\x04\0$lxuid\0\x2a\0\0\0";

	CHECK(stat_of(f, &st) == -LX_ENODATA);
	CHECK(fake_set_ea(&h, lower_uid, sizeof(lower_uid) - 1) == 0);
	CHECK(!strcmp(f->ea[0].name, "$LXUID"));
	CHECK(stat_of(f, &st) == 0 && st.uid == 42 && st.mode == (LX_S_IFREG | 0644));
	free(f);

	f = calloc(1, sizeof(*f));
	h.f = f;
	CHECK(fake_set_reparse(&h, "\x24\0\0\x80\0\0\0\0", 8) == 0);
	CHECK(stat_of(f, &st) == 0 && st.mode == (LX_S_IFIFO | 0644));
	/* a point's tag cannot change in place */
	CHECK(fake_set_reparse(&h, "\x23\0\0\x80\0\0\0\0", 8) == ST_REPARSE_TAG_MISMATCH);
	/* a cut EA list is no metadata: the tag's type, the rest Windows' */
	CHECK(fake_set_ea(&h, lower_uid, sizeof(lower_uid) - 1) == 0);
	f->damaged = true;
	CHECK(stat_of(f, &st) == 0 && st.mode == (LX_S_IFIFO | 0644) && st.uid == 1000);
	free(f);
}

/* The fake itself refuses what NTFS refuses, so the checks above mean
 * something. */
static void test_fake_strictness(void)
{
	struct fake_file *f = calloc(1, sizeof(*f));
	struct fake_handle h = { f, WRITE_EA | READ_EA | WRITE_DATA };
	static const unsigned char unaligned[] =
		"\x0f\0\0\0\0\x06\x04\0$LXUID\0\x2a\0\0\0" "\0\0\0\0\0\x06\x04\0$LXGID\0\x2a\0\0\0";
	static const unsigned char no_nul[] = "\0\0\0\0\0\x06\x04\0$LXUIDx\x2a\0\0\0";

	bad_buffers = 0;
	CHECK(fake_set_ea(&h, unaligned, sizeof(unaligned) - 1) != 0);
	CHECK(fake_set_ea(&h, no_nul, sizeof(no_nul) - 1) != 0);
	CHECK(fake_set_reparse(&h, "\x1d\0\0\xa0\x06\0\0\0\x02\0\0\0x", 13) != 0); /* says 6, has 5 */
	CHECK(fake_set_reparse(&h, "\x1d\0\0\x20\x05\0\0\0\x02\0\0\0x", 13) != 0); /* no GUID */
	CHECK(bad_buffers == 4);
	CHECK(fake_set_reparse(&h, "\x1d\0\0\xa0\x05\0\0\0\x02\0\0\0x", 13) == 0);
	h.access = WRITE_DATA;
	CHECK(fake_set_ea(&h, no_nul, sizeof(no_nul) - 1) == ST_ACCESS_DENIED);
	free(f);
}

static void test_probe(void)
{
	struct fake_file *f = calloc(1, sizeof(*f));
	struct fake_handle h = created(f);

	bad_buffers = 0;
	CHECK(lx_wsl_probe_handle(&h));
	CHECK(bad_buffers == 0);
	free(f);
	/* A volume that accepts the calls and keeps nothing fails. */
	f = calloc(1, sizeof(*f));
	f->lying = true;
	h = created(f);
	CHECK(!lx_wsl_probe_handle(&h));
	free(f);

	/* The root of a tree made outside lxnt gets $LXMOD alone, once. */
	f = calloc(1, sizeof(*f));
	h = created(f);
	CHECK(!lx_wsl_has_lx_ea(&h));
	lx_wsl_stamp_dir(&h);
	CHECK(lx_wsl_has_lx_ea(&h) && ea_u32(f, "$LXMOD") == (LX_S_IFDIR | 0755) && f->nea == 1);
	{
		struct lx_meta m = { .mode = LX_S_IFDIR | 0700 };
		CHECK(lx_meta_wsl.write(&vol, NULL, &h, 1, &m, LX_META_MODE) == 0);
		lx_wsl_stamp_dir(&h); /* a root with attributes is left alone */
		CHECK(ea_u32(f, "$LXMOD") == (LX_S_IFDIR | 0700));
	}
	free(f);
}

/* The real calls on the volume these tests run on: under Wine 8, which
 * implements neither NtSetEaFile nor reparse points, the probe fails. */
static void test_probe_real(void)
{
	wchar_t dir[MAX_PATH], path[MAX_PATH];
	HANDLE h;

	GetTempPathW(MAX_PATH, dir);
	swprintf(path, MAX_PATH, L"%lsvfs-wslback-%lu", dir, (unsigned long)GetCurrentProcessId());
	h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE | DELETE | 0x18, 0, NULL, CREATE_NEW,
	                FILE_FLAG_DELETE_ON_CLOSE | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	CHECK(h != INVALID_HANDLE_VALUE);
	if (h == INVALID_HANDLE_VALUE)
		return;
	lx_wsl_nt = &lx_wsl_nt_calls;
	if (getenv("LXNT_TEST_NTFS"))
		CHECK(lx_wsl_probe_handle(h)); /* on Windows with NTFS */
	else
		CHECK(!lx_wsl_probe_handle(h));
	lx_wsl_nt = &fake_calls;
	CloseHandle(h);
}

int main(void)
{
	lx_wsl_nt = &fake_calls;
	test_fake_strictness();
	test_regular();
	test_symlink();
	test_special();
	test_dtype();
	test_foreign();
	test_probe();
	test_probe_real();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("vfs-wslback: all passed\n");
	return failures != 0;
}
