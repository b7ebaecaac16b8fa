/*
 * `lxnt verify` (verify.h): rebuild the input from a rewritten file, then
 * check that nothing but the recorded patches changed it and that every
 * site is patched as its rung says, decoding with LLVM throughout.
 */
#include "verify_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite.h"

void vf_problem(struct vf_run *r, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (r->rep->problems++ == 0)
		snprintf(r->rep->first, sizeof(r->rep->first), "%s", line);
	if (r->log)
		fprintf(r->log, "%s: %s\n", r->f.name, line);
}

int lxnt_verify_image(const uint8_t *data, size_t n, const uint8_t *orig, size_t orign,
	const char *name, FILE *log, struct lxnt_verify_report *rep, char *err, size_t errlen)
{
	struct vf_run r = { .log = log, .rep = rep };
	memset(rep, 0, sizeof(*rep));
	if (vf_file_open(&r.f, data, n, name, err, errlen)) {
		vf_file_close(&r.f);
		return -1;
	}
	r.x86 = vf_x86_open();
	if (!r.x86) {
		vf_file_close(&r.f);
		if (err && errlen)
			snprintf(err, errlen, "%s: LLVM has no x86-64 disassembler", name);
		return -1;
	}
	rep->site_count = r.f.hdr.site_count;
	vf_check_records(&r);
	vf_rebuild_input(&r);
	vf_check_input(&r, orig, orign);
	vf_check_headers(&r);
	vf_check_original_sites(&r);
	vf_check_patches(&r);
	vf_check_trampolines(&r);
	vf_x86_close(r.x86);
	vf_file_close(&r.f);
	return 0;
}

int lxnt_verify_file(const char *path, const char *orig_path, FILE *log,
	struct lxnt_verify_report *rep, char *err, size_t errlen)
{
	uint8_t *data, *orig = NULL;
	size_t n, orign = 0;
	if (lxnt_read_file(path, &data, &n, err, errlen))
		return -1;
	if (orig_path && lxnt_read_file(orig_path, &orig, &orign, err, errlen)) {
		free(data);
		return -1;
	}
	int rc = lxnt_verify_image(data, n, orig, orign, path, log, rep, err, errlen);
	free(orig);
	free(data);
	return rc;
}
