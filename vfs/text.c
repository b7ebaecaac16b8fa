/* The text buffer of the generated files (vfs/text.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "text.h"

/* Room for n more bytes and a NUL. */
static bool reserve(struct lx_text *t, size_t n)
{
	if (t->failed)
		return false;
	if (t->buf && t->len + n < t->cap)
		return true;
	size_t cap = 2 * (t->cap + n + 256);
	char *b = realloc(t->buf, cap);
	if (!b) {
		t->failed = true;
		return false;
	}
	t->buf = b;
	t->cap = cap;
	return true;
}

void lx_text_put(struct lx_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = lx_vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = true;
		return;
	}
	if (!reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	lx_vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void lx_text_bytes(struct lx_text *t, const void *p, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->buf + t->len, p, n);
	t->len += n;
	t->buf[t->len] = 0;
}
