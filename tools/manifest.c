/*
 * The names and the metadata manifest of `lxnt convert`'s output
 * (docs/formats.md, "The import manifest").  DEST holds every name in the
 * form the vfs stores it (the name codec of vfs/name.c, with case escapes,
 * written as UTF-8), and one file, U+F000 "lxnt-manifest" in its root,
 * that names the Linux metadata of every entry for lxnt-fsck --import.
 */
#include "convert.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lxnt/linux/fs.h"
#include "name.h"

/* Appends the UTF-8 form of one UTF-16 code unit, or of a surrogate pair
 * (the encoder writes only whole pairs), to out; returns the bytes. */
static size_t utf8_of_units(const wchar_t *w, size_t n, size_t *used, char *out)
{
	uint32_t c = (uint32_t)w[0] & 0xFFFF;

	*used = 1;
	if (c >= 0xD800 && c <= 0xDBFF && n > 1) {
		c = 0x10000 + ((c - 0xD800) << 10) + (((uint32_t)w[1] & 0xFFFF) - 0xDC00);
		*used = 2;
	}
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* One Linux name in the Windows form the vfs gives it on a Linux tree
 * (lx_name_to_nt: case escapes on), as UTF-8 so that Linux can hold it.
 * An escaped byte costs three bytes here, so a long name with many
 * escapes can exceed the 255 bytes of a Linux file system: -1. */
int cv_encode_name(const char *name, char *out, size_t cap)
{
	wchar_t w[LX_NAME_MAX];
	long n = lx_name_to_nt(name, strlen(name), w, LX_NAME_MAX);
	size_t o = 0;

	if (n <= 0)
		return -1;
	for (size_t i = 0; i < (size_t)n;) {
		char tmp[4];
		size_t used, k = utf8_of_units(w + i, (size_t)n - i, &used, tmp);
		if (o + k >= cap)
			return -1;
		memcpy(out + o, tmp, k);
		o += k;
		i += used;
	}
	out[o] = 0;
	return o > NAME_MAX ? -1 : 0;
}

/* Bytes that the manifest writes as %XX: everything but printable ASCII
 * other than space and '%', so that a line is ASCII and its fields are
 * separated by single spaces. */
static void put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%')
			fprintf(f, "%%%02X", *p);
		else
			fputc(*p, f);
	}
}

/* The same for n bytes that may hold any byte, NUL included. */
static void put_escaped_bytes(FILE *f, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '%')
			fprintf(f, "%%%02X", p[i]);
		else
			fputc(p[i], f);
	}
}

/* One attribute of the entry above: "x NAME =VALUE" (the value may be
 * empty; '=' keeps the field there). */
static void put_xattr(void *ctx, const char *name, size_t n, const unsigned char *value,
	size_t vlen)
{
	FILE *f = ctx;
	fputs("x ", f);
	put_escaped_bytes(f, (const unsigned char *)name, n);
	fputs(" =", f);
	put_escaped_bytes(f, value, vlen);
	fputc('\n', f);
}

static char type_letter(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	default: return 'f';
	}
}

static void put_time(FILE *f, struct timespec t)
{
	fprintf(f, " %lld.%09ld", (long long)t.tv_sec, (long)t.tv_nsec);
}

/* One line: TYPE MODE UID GID MAJOR:MINOR ATIME MTIME CTIME LINK PATH [TARGET]. */
static void put_entry(FILE *f, const struct cv_entry *e, long index, const char *target)
{
	const struct stat *st = &e->st;
	int dev = S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode);

	fprintf(f, "%c %04o %u %u %u:%u", type_letter(st->st_mode),
		(unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, (unsigned)st->st_gid,
		dev ? major(st->st_rdev) : 0, dev ? minor(st->st_rdev) : 0);
	put_time(f, st->st_atim);
	put_time(f, st->st_mtim);
	put_time(f, st->st_ctim);
	if (e->link_primary >= 0)
		fprintf(f, " %ld ", e->link_primary);
	else if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
		fprintf(f, " %ld ", index); /* the first name of its group */
	else
		fputs(" - ", f);
	put_escaped(f, *e->out ? e->out : ".");
	if (target) {
		fputc(' ', f);
		put_escaped(f, target);
	}
	fputc('\n', f);
}

/*
 * Writes DEST's manifest: every entry of the tree that exists in DEST (a
 * file left out is left out here too), in tree order, so a directory comes
 * before its contents and a group's first name before its others.  Written
 * to a temporary name and renamed, so that DEST holds a whole manifest or
 * none.
 */
int cv_write_manifest(const char *dest, const struct cv_tree *t, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t written = 0;
	long *index = malloc((t->n ? t->n : 1) * sizeof(*index));
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dest, CV_MANIFEST_NAME);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dest, CV_MANIFEST_NAME);
	if (!index || !(f = fopen(tmp, "w"))) {
		snprintf(err, errlen, "%s: cannot write the manifest: %s", tmp, strerror(errno));
		free(index);
		return -1;
	}
	/* Version 2 when attributes follow some entries, so that an importer
	 * that knows only version 1 refuses the manifest rather than drop
	 * them. */
	bool xattrs = false;
	for (size_t i = 0; i < t->n && !xattrs; i++)
		xattrs = t->v[i].xattrs.len != 0;
	fprintf(f, "lxnt-manifest %d\n", xattrs ? 2 : 1);
	for (size_t i = 0; i < t->n; i++) {
		const struct cv_entry *e = &t->v[i];
		char full[PATH_MAX];
		struct stat st;

		index[i] = -1;
		snprintf(full, sizeof(full), "%s%s%s", dest, *e->out ? "/" : "", e->out);
		if (lstat(full, &st) != 0)
			continue;
		if (e->link_primary >= 0 && index[e->link_primary] < 0)
			continue; /* the group's first name was left out, so was this one */
		index[i] = (long)written;
		struct cv_entry copy = *e;
		if (e->link_primary >= 0)
			copy.link_primary = index[e->link_primary];
		put_entry(f, &copy, (long)written, S_ISLNK(e->st.st_mode) ? e->target : NULL);
		/* A hard-link group's attributes are its first name's. */
		if (e->link_primary < 0)
			cv_xattr_each(&e->xattrs, put_xattr, f);
		written++;
	}
	fprintf(f, "end %zu\n", written);
	free(index);
	/* | rather than ||: the file is closed whatever ferror says. */
	if (ferror(f) | (fclose(f) != 0) || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot write the manifest: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
