/*
 * Lexical path normalisation for the vfs's own path walk
 * (path_resolution(7)).  The first vfs has no symlinks on host volumes, so
 * resolving "." and ".." lexically gives the kernel's answer; once a
 * backend stores symlinks, the walk in resolve.c splits at each link.
 */
#include <string.h>

#include "vfs.h"

static bool pop_component(char *out, size_t *len)
{
	if (*len <= 1)
		return false; /* ".." at "/" stays at "/" */
	while (*len > 1 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 1)
		(*len)--;
	out[*len] = 0;
	return true;
}

static long push_component(char *out, size_t *len, size_t cap, const char *c, size_t n)
{
	size_t need = *len + (*len > 1 ? 1 : 0) + n;

	if (n > LX_NAME_MAX)
		return -LX_ENAMETOOLONG;
	if (need + 1 > cap || need + 1 > LX_PATH_MAX)
		return -LX_ENAMETOOLONG;
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	out[*len] = 0;
	return 0;
}

long lx_path_join(const char *base, const char *path, char *out, size_t cap,
                  bool *trailing_slash, char *last)
{
	size_t len;
	const char *p = path;
	const char *lastc = path + strlen(path);
	size_t lastn = 0;

	if (!*path)
		return -LX_ENOENT;
	if (strlen(path) >= LX_PATH_MAX)
		return -LX_ENAMETOOLONG;
	if (*path == '/') {
		strcpy(out, "/");
		len = 1;
	} else {
		len = strlen(base);
		if (len + 1 > cap)
			return -LX_ENAMETOOLONG;
		memcpy(out, base, len + 1);
	}
	*trailing_slash = false;
	while (*p) {
		const char *c;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p) {
			*trailing_slash = true;
			break;
		}
		c = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - c);
		lastc = c;
		lastn = n;
		if (n == 1 && c[0] == '.') {
			if (!*p)
				*trailing_slash = true; /* "x/." must name a directory */
			continue;
		}
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			pop_component(out, &len);
			if (!*p)
				*trailing_slash = true;
			continue;
		}
		long err = push_component(out, &len, cap, c, n);
		if (err)
			return err;
	}
	if (last) {
		if (lastn > LX_NAME_MAX)
			return -LX_ENAMETOOLONG;
		memcpy(last, lastc, lastn);
		last[lastn] = 0;
	}
	return 0;
}
