/*
 * The content-addressed cache of `lxnt convert` (docs/architecture.md,
 * "Converting a rootfs").  DIR/rewrite/KK/KKKK... holds one entry per key,
 * where the key is SHA-256 over the rewriter version, the SHA-256 of the
 * running lxnt executable (so that any rebuild of the rewriter, version
 * bump or not, starts from a cold cache), the options and the SHA-256 of
 * the input.  Only output that the rewriter has verified is stored.  An entry is a header (magic, the key, the SHA-256
 * and size of the payload) followed by the rewritten bytes.
 *
 * Entries are written to a temporary name in their own directory and
 * renamed into place, so a reader sees a whole entry or none, whether
 * writers run concurrently or are killed; two writers of one key write the
 * same bytes.  A read checks the header and the payload's own SHA-256, so a
 * damaged entry (a crash of the machine, a full disk, a stray edit) is a
 * miss and is replaced, never used.
 */
#include "convert.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"

#define ENTRY_MAGIC "LXNTCV01"

struct entry_header {
	char magic[8];
	uint8_t key[32];
	uint8_t payload_sha256[32];
	uint64_t payload_size;
};

struct cv_cache {
	char dir[PATH_MAX - 80]; /* room for "/rewrite/KK/" and the key */
	char salt[192];          /* rewriter version, executable's hash, options */
	atomic_ulong bad;
};

int cv_cache_default_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;
	/* XDG Base Directory Specification: a relative XDG_CACHE_HOME is ignored. */
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/lxnt", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/lxnt", home);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int rc = mkdir(path, 0755);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

struct cv_cache *cv_cache_open(const char *dir, const struct lxnt_rewrite_options *opt,
	char *err, size_t errlen)
{
	struct cv_cache *c = calloc(1, sizeof(*c));
	char path[PATH_MAX];
	if (!c || strlen(dir) >= sizeof(c->dir) ||
	    snprintf(path, sizeof(path), "%s/rewrite", dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: %s", dir, c ? "cache path too long" : "out of memory");
		free(c);
		return NULL;
	}
	if (mkdir_p(path) != 0) {
		snprintf(err, errlen, "%s: cannot create cache directory: %s", path, strerror(errno));
		free(c);
		return NULL;
	}
	strcpy(c->dir, dir);
	uint8_t *exe, sha[32];
	size_t n;
	char hex[65];
	if (lxnt_read_file("/proc/self/exe", &exe, &n, err, errlen)) {
		free(c);
		return NULL;
	}
	lxnt_sha256(exe, n, sha);
	free(exe);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", sha[i]);
	snprintf(c->salt, sizeof(c->salt), "lxnt rewrite %s exe %s force_trap=%d",
		LXNT_REWRITER_VERSION, hex, opt && opt->force_trap);
	atomic_init(&c->bad, 0);
	return c;
}

void cv_cache_close(struct cv_cache *c)
{
	free(c);
}

unsigned long cv_cache_bad_entries(const struct cv_cache *c)
{
	return atomic_load(&((struct cv_cache *)c)->bad);
}

static void entry_key(const struct cv_cache *c, const uint8_t input_sha[32], uint8_t key[32])
{
	uint8_t buf[sizeof(c->salt) + 32];
	size_t n = strlen(c->salt) + 1;
	memcpy(buf, c->salt, n);
	memcpy(buf + n, input_sha, 32);
	lxnt_sha256(buf, n + 32, key);
}

/* DIR/rewrite/KK/REST; the directory part alone if dir_only. */
static void entry_path(const struct cv_cache *c, const uint8_t key[32], int dir_only,
	char *path, size_t len)
{
	char hex[65];
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", key[i]);
	if (dir_only)
		snprintf(path, len, "%s/rewrite/%.2s", c->dir, hex);
	else
		snprintf(path, len, "%s/rewrite/%.2s/%s", c->dir, hex, hex + 2);
}

int cv_cache_get(struct cv_cache *c, const uint8_t input_sha[32], uint8_t **out,
	size_t *outn)
{
	uint8_t key[32], sha[32];
	char path[PATH_MAX], err[16];
	entry_key(c, input_sha, key);
	entry_path(c, key, 0, path, sizeof(path));
	uint8_t *buf;
	size_t n;
	if (access(path, F_OK) != 0 || lxnt_read_file(path, &buf, &n, err, sizeof(err)))
		return -1;
	struct entry_header h;
	if (n < sizeof(h))
		goto bad;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, ENTRY_MAGIC, 8) != 0 || memcmp(h.key, key, 32) != 0 ||
	    h.payload_size != n - sizeof(h))
		goto bad;
	lxnt_sha256(buf + sizeof(h), n - sizeof(h), sha);
	if (memcmp(sha, h.payload_sha256, 32) != 0)
		goto bad;
	memmove(buf, buf + sizeof(h), n - sizeof(h));
	*out = buf;
	*outn = n - sizeof(h);
	return 0;
bad:
	free(buf);
	atomic_fetch_add(&c->bad, 1);
	return -1;
}

void cv_cache_put(struct cv_cache *c, const uint8_t input_sha[32], const uint8_t *data,
	size_t n)
{
	struct entry_header h;
	char dir[PATH_MAX], path[PATH_MAX], err[16];
	memcpy(h.magic, ENTRY_MAGIC, 8);
	entry_key(c, input_sha, h.key);
	lxnt_sha256(data, n, h.payload_sha256);
	h.payload_size = n;
	entry_path(c, h.key, 1, dir, sizeof(dir));
	entry_path(c, h.key, 0, path, sizeof(path));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return;
	uint8_t *buf = malloc(sizeof(h) + n);
	if (!buf)
		return;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), data, n);
	/* lxnt_write_file: temporary name in the same directory, then rename(2). */
	lxnt_write_file(path, buf, sizeof(h) + n, 0644, err, sizeof(err));
	free(buf);
}
