/*
 * The extended attributes `lxnt convert` carries over from SRC to the
 * manifest (docs/formats.md, "The import manifest"): those of the
 * namespaces the vfs keeps (user., trusted., security.; docs/vfs.md
 * "Extended attributes").  An entry's set is a byte string of entries: the
 * name's length and the value's (4 bytes each, host order), the name, the
 * value.
 */
#include "convert.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "metaxattr.h"

bool cv_xattr_kept(const char *name)
{
	size_t n = lx_xattr_kept_prefix(name);

	return n && name[n];
}

int cv_xattr_append(struct cv_xattrs *x, const char *name, const void *value, size_t vlen)
{
	size_t n = strlen(name), add = 8 + n + vlen;
	uint32_t lens[2] = { (uint32_t)n, (uint32_t)vlen };
	unsigned char *p = realloc(x->buf, x->len + add);

	if (!p)
		return -1;
	x->buf = p;
	memcpy(p + x->len, lens, 8);
	memcpy(p + x->len + 8, name, n);
	if (vlen)
		memcpy(p + x->len + 8 + n, value, vlen);
	x->len += add;
	return 0;
}

int cv_xattr_copy(struct cv_xattrs *to, const struct cv_xattrs *from)
{
	to->buf = NULL;
	to->len = 0;
	if (!from->len)
		return 0;
	if (!(to->buf = malloc(from->len)))
		return -1;
	memcpy(to->buf, from->buf, from->len);
	to->len = from->len;
	return 0;
}

void cv_xattr_free(struct cv_xattrs *x)
{
	free(x->buf);
	x->buf = NULL;
	x->len = 0;
}

void cv_xattr_each(const struct cv_xattrs *x,
	void (*fn)(void *ctx, const char *name, size_t n, const unsigned char *value, size_t vlen),
	void *ctx)
{
	for (size_t off = 0; off + 8 <= x->len;) {
		uint32_t lens[2];
		memcpy(lens, x->buf + off, 8);
		fn(ctx, (const char *)x->buf + off + 8, lens[0], x->buf + off + 8 + lens[0], lens[1]);
		off += 8 + lens[0] + lens[1];
	}
}

/* Appends ", name" (or "name") to the names not kept, as far as they fit. */
static void note_dropped(char *dropped, size_t cap, const char *name)
{
	size_t used = strlen(dropped);

	if (used + 2 < cap)
		snprintf(dropped + used, cap - used, "%s%s", used ? ", " : "", name);
}

int cv_read_xattrs(const char *path, struct cv_xattrs *x, char *dropped, size_t dcap)
{
	char *names = NULL, *value = NULL;
	ssize_t n;
	int rc = 0;

	x->buf = NULL;
	x->len = 0;
	dropped[0] = 0;
	/* The list may grow between the two calls: tried again then. */
	for (int tries = 0; tries < 4; tries++) {
		n = llistxattr(path, NULL, 0);
		if (n <= 0)
			return 0; /* none, or a file system without them */
		free(names);
		if (!(names = malloc((size_t)n)))
			return -1;
		n = llistxattr(path, names, (size_t)n);
		if (n >= 0 || errno != ERANGE)
			break;
	}
	for (ssize_t off = 0; n > 0 && off < n && rc == 0; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;
		ssize_t v;

		if (!cv_xattr_kept(name)) {
			note_dropped(dropped, dcap, name);
			continue;
		}
		v = lgetxattr(path, name, NULL, 0);
		if (v < 0)
			continue; /* removed meanwhile */
		free(value);
		if (!(value = malloc(v ? (size_t)v : 1))) {
			rc = -1;
			break;
		}
		v = lgetxattr(path, name, value, (size_t)v);
		if (v >= 0)
			rc = cv_xattr_append(x, name, value, (size_t)v);
	}
	free(names);
	free(value);
	if (rc)
		cv_xattr_free(x);
	return rc;
}
