/*
 * One regular file of a `lxnt convert`: decide whether it is an ELF file to
 * rewrite, rewrite it (or take it from the cache) or copy it, and write it
 * to DEST with its metadata.  Runs on the worker threads of convert.c.
 */
#include "convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lxnt/linux/elf.h>

#include "sha256.h"

/* The program header table of an ELF64 little-endian image, or NULL if it
 * does not lie inside the n bytes. */
static const struct lx_elf64_phdr *phdrs(const uint8_t *img, size_t n, size_t *count)
{
	const struct lx_elf64_ehdr *eh = (const void *)img;
	if (n < sizeof(*eh) || eh->e_phentsize != sizeof(struct lx_elf64_phdr) ||
	    eh->e_phoff > n || (n - eh->e_phoff) / sizeof(struct lx_elf64_phdr) < eh->e_phnum ||
	    eh->e_phoff % 8)
		return NULL;
	*count = eh->e_phnum;
	return (const void *)(img + eh->e_phoff);
}

static const struct lx_elf64_phdr *sites_phdr(const uint8_t *img, size_t n)
{
	size_t count;
	const struct lx_elf64_phdr *ph = phdrs(img, n, &count);
	for (size_t i = 0; ph && i < count; i++)
		if (ph[i].p_type == PT_LXNT_SITES)
			return &ph[i];
	return NULL;
}

/*
 * What the rewriter takes: ELF64, little-endian, x86-64, ET_EXEC or ET_DYN
 * (executables, PIE, shared objects, ld.so), by the identification fields
 * alone (elf(5)), so that a damaged file of that kind reaches the rewriter
 * and is reported rather than copied.  Everything else, 32-bit ELF and other
 * machines included, cannot run under lxnt and is copied as data.  Needs
 * the first IDENT_BYTES bytes (fewer if the file is shorter).
 */
#define IDENT_BYTES 20

static enum cv_outcome classify(const uint8_t *d, size_t n)
{
	if (n < 4 || memcmp(d, "\177ELF", 4) != 0)
		return CV_COPIED;
	if (n < IDENT_BYTES || d[LX_EI_CLASS] != LX_ELFCLASS64 || d[LX_EI_DATA] != LX_ELFDATA2LSB)
		return CV_COPIED_ELF;
	uint16_t type = (uint16_t)(d[16] | d[17] << 8), machine = (uint16_t)(d[18] | d[19] << 8);
	if (machine != LX_EM_X86_64 || (type != LX_ET_EXEC && type != LX_ET_DYN))
		return CV_COPIED_ELF;
	return CV_REWRITTEN;
}

int cv_count_sites(const uint8_t *img, size_t n, struct cv_sites *out)
{
	memset(out, 0, sizeof(*out));
	const struct lx_elf64_phdr *ph = sites_phdr(img, n);
	struct lxnt_site_header h;
	if (!ph || ph->p_offset > n || n - ph->p_offset < sizeof(h))
		return -1;
	memcpy(&h, img + ph->p_offset, sizeof(h));
	if (memcmp(h.magic, LXNT_SITE_MAGIC, 8) != 0 || h.sites_vaddr < ph->p_vaddr)
		return -1;
	uint64_t off = ph->p_offset + (h.sites_vaddr - ph->p_vaddr);
	if (off > n || (n - off) / sizeof(struct lxnt_site) < h.site_count)
		return -1;
	for (uint32_t i = 0; i < h.site_count; i++) {
		struct lxnt_site s;
		memcpy(&s, img + off + i * sizeof(s), sizeof(s));
		if (s.kind >= LXNT_SITE_KIND_COUNT || s.rung >= LXNT_RUNG_COUNT)
			return -1;
		out->by_kind_rung[s.kind][s.rung]++;
		if (s.flags & LXNT_SITE_REC_RED_ZONE)
			out->trap_red_zone++;
	}
	return 0;
}

/* The rewritten image of in[0..n) from the cache or the rewriter. */
static int rewrite(struct cv_file_job *job, const uint8_t *in, size_t n,
	const struct lxnt_rewrite_options *opt, struct cv_cache *cache,
	uint8_t **out, size_t *outn)
{
	uint8_t sha[32];
	if (cache) {
		lxnt_sha256(in, n, sha);
		if (cv_cache_get(cache, sha, out, outn) == 0) {
			job->cache_hit = 1;
			return 0;
		}
	}
	if (lxnt_rewrite_image(in, n, job->name, opt, out, outn, NULL, job->err, sizeof(job->err)))
		return -1;
	if (cache)
		cv_cache_put(cache, sha, *out, *outn);
	return 0;
}

/* An ELF file to rewrite: the whole of it in memory, through the rewriter
 * or the cache, written with lxnt_write_file. */
static void convert_elf(struct cv_file_job *job, const struct lxnt_rewrite_options *opt,
	struct cv_cache *cache)
{
	uint8_t *in, *out = NULL;
	size_t n, outn;
	if (lxnt_read_file(job->src, &in, &n, job->err, sizeof(job->err))) {
		job->outcome = CV_FAILED;
		return;
	}
	const uint8_t *data = in;
	size_t len = n;
	if (sites_phdr(in, n)) {
		job->outcome = CV_ALREADY;
	} else if (rewrite(job, in, n, opt, cache, &out, &outn)) {
		job->outcome = CV_FAILED;
	} else if (cv_count_sites(out, outn, &job->sites)) {
		snprintf(job->err, sizeof(job->err), "%s: rewritten image has no readable site table",
			job->name);
		job->outcome = CV_FAILED;
	} else {
		data = out;
		len = outn;
	}
	if (job->outcome != CV_FAILED &&
	    lxnt_write_file(job->dest, data, len, job->st->st_mode & 0700, job->err,
			sizeof(job->err)))
		job->outcome = CV_FAILED;
	free(in);
	free(out);
}

void cv_convert_file(struct cv_file_job *job, const struct lxnt_rewrite_options *opt,
	struct cv_cache *cache)
{
	uint8_t ident[IDENT_BYTES];
	job->cache_hit = 0;
	memset(&job->sites, 0, sizeof(job->sites));
	int fd = open(job->src, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : pread(fd, ident, sizeof(ident), 0);
	if (got < 0) {
		snprintf(job->err, sizeof(job->err), "%s: %s", job->name, strerror(errno));
		job->outcome = CV_FAILED;
		if (fd >= 0)
			close(fd);
		return;
	}
	job->outcome = classify(ident, (size_t)got);
	if (job->outcome == CV_REWRITTEN)
		convert_elf(job, opt, cache);
	else if (cv_copy_file(fd, job->dest, job->st->st_mode & 0700, job->err, sizeof(job->err)))
		job->outcome = CV_FAILED;
	close(fd);
	if (job->outcome == CV_FAILED)
		return;
	/* DEST's own mode and the times, after the write (cv_apply_meta). */
	if (cv_apply_meta(job->dest, job->st, job->err, sizeof(job->err))) {
		unlink(job->dest);
		job->outcome = CV_FAILED;
	}
}
