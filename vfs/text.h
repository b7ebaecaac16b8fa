/*
 * A growing text buffer for the generated files (/proc, vfs/text.c): a
 * failed allocation or format is remembered once and the rest is ignored,
 * so a generator writes without checking and looks at `failed` at the end.
 */
#ifndef LXNT_VFS_TEXT_H
#define LXNT_VFS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct lx_text {
	char *buf;   /* NUL-terminated once anything was added; the caller frees it */
	size_t len, cap;
	bool failed;
};

/* Appends the formatted text. */
void lx_text_put(struct lx_text *t, const char *fmt, ...) __attribute__((format(gnu_printf, 2, 3)));
/* Appends n bytes (NULs included); with n = 0 it only makes buf exist. */
void lx_text_bytes(struct lx_text *t, const void *p, size_t n);

#endif
