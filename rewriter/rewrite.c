/* Entry points of the rewriter library (rewrite.h). */
#include "rw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verify.h"

int rw_analyze(struct rw_image *im, struct rw_plan *plan, int force_trap)
{
	memset(plan, 0, sizeof(*plan));
	plan->force_trap = force_trap;
	if (rw_collect_targets(im) || rw_discover(im, plan))
		return -1;
	rw_addrset_finish(&im->targets);
	if (rw_plan_layout(im, plan) || rw_plan_sites(im, plan))
		return -1;
	return 0;
}

/* The output must also pass the LLVM-based verifier (verify.h). */
static int verify_independently(const uint8_t *in, size_t n, const uint8_t *out,
	size_t outn, const char *name, char *err, size_t errlen)
{
	struct lxnt_verify_report rep;
	if (lxnt_verify_image(out, outn, in, n, name, NULL, &rep, err, errlen))
		return -1;
	if (rep.problems && err && errlen)
		snprintf(err, errlen, "%s: internal error: the output fails verification "
			"(%u problems; first: %s)", name, rep.problems, rep.first);
	return rep.problems ? -1 : 0;
}

int lxnt_rewrite_image(const uint8_t *in, size_t n, const char *name,
	const struct lxnt_rewrite_options *opt, uint8_t **out, size_t *outn,
	struct lxnt_rewrite_report *rep, char *err, size_t errlen)
{
	struct rw_image im;
	struct rw_plan plan;
	memset(&plan, 0, sizeof(plan));
	*out = NULL;
	*outn = 0;
	int rc = rw_image_open(&im, in, n, name, err, errlen);
	if (rc == 0 && im.sites_phdr >= 0)
		rc = rw_error(&im, "already rewritten (it has a PT_LXNT_SITES program header)");
	if (rc == 0)
		rc = rw_analyze(&im, &plan, opt && opt->force_trap);
	if (rc == 0)
		rc = rw_build_output(&im, &plan, out, outn);
	if (rc == 0)
		rc = rw_verify_output(*out, *outn, name, err, errlen);
	if (rc == 0 && !(opt && opt->no_verify))
		rc = verify_independently(in, n, *out, *outn, name, err, errlen);
	if (rc == 0 && rep)
		rw_plan_report(&im, &plan, rep);
	if (rc != 0) {
		free(*out);
		*out = NULL;
		*outn = 0;
	}
	rw_plan_free(&plan);
	rw_image_close(&im);
	return rc;
}

static int fail(char *err, size_t errlen, const char *path, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, why);
	return -1;
}

int lxnt_read_file(const char *path, uint8_t **data, size_t *n, char *err, size_t errlen)
{
	struct stat st;
	*data = NULL;
	*n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail(err, errlen, path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, path, S_ISDIR(st.st_mode) ? "is a directory" :
			"not a regular file");
	}
	uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return fail(err, errlen, path, "out of memory");
	}
	size_t done = 0;
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + done, (size_t)st.st_size - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return fail(err, errlen, path, strerror(e));
		}
		done += (size_t)r;
	}
	close(fd);
	*data = buf;
	*n = done;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int lxnt_write_file(const char *out_path, const uint8_t *data, size_t n,
	unsigned mode, char *err, size_t errlen)
{
	struct stat st;
	/* rename(2) would replace a device node or a FIFO (say /dev/null) by
	 * the output: only a regular file, or nothing, may stand at out_path. */
	if (lstat(out_path, &st) == 0 && !S_ISREG(st.st_mode))
		return fail(err, errlen, out_path, "output exists and is not a regular file");
	const char *slash = strrchr(out_path, '/');
	size_t dirlen = slash ? (size_t)(slash - out_path + 1) : 0;
	const char *base = slash ? slash + 1 : out_path;
	if (!*base)
		return fail(err, errlen, out_path, "output path names a directory");
	char *tmp = malloc(dirlen + strlen(base) + 16);
	if (!tmp)
		return fail(err, errlen, out_path, "out of memory");
	sprintf(tmp, "%.*s.%s.XXXXXX", (int)dirlen, out_path, base);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		char why[256];
		snprintf(why, sizeof(why), "cannot create output: %s", strerror(e));
		return fail(err, errlen, out_path, why);
	}
	int rc = write_all(fd, data, n);
	int e = errno;
	if (rc == 0 && fchmod(fd, mode) != 0) {
		rc = -1;
		e = errno;
	}
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && rename(tmp, out_path) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		char why[256];
		snprintf(why, sizeof(why), "cannot write output: %s", strerror(e));
		fail(err, errlen, out_path, why);
	}
	free(tmp);
	return rc;
}

int lxnt_rewrite_file(const char *in_path, const char *out_path,
	const struct lxnt_rewrite_options *opt, struct lxnt_rewrite_report *rep,
	char *err, size_t errlen)
{
	uint8_t *in, *out;
	size_t n, outn;
	struct stat st;
	if (lxnt_read_file(in_path, &in, &n, err, errlen))
		return -1;
	mode_t mode = stat(in_path, &st) == 0 ? (st.st_mode & 0777) : 0755;
	int rc = lxnt_rewrite_image(in, n, in_path, opt, &out, &outn, rep, err, errlen);
	free(in);
	if (rc)
		return -1;
	rc = lxnt_write_file(out_path, out, outn, mode, err, errlen);
	free(out);
	return rc;
}
