/*
 * sendfile(2) and copy_file_range(2): data from one file to another
 * without passing through the guest.  Linux moves page-cache pages; here
 * the data goes through a buffer of the runtime's, since Windows has no
 * call copying a range between two handles that every volume knows
 * (FSCTL_DUPLICATE_EXTENTS_TO_FILE is ReFS's block cloning).  What the
 * guest sees is the same: one call, the counts and offsets of Linux.
 */
#include <stdlib.h>

#include "vfs.h"
#include "syscall_table.h"

#define LX_COPY_CHUNK (256u * 1024)

/* Copies up to count bytes from in to out.  in_at and out_at are
 * explicit offsets, advanced by what was copied, or NULL for the files'
 * own offsets.  The input gives back what the output did not take, so a
 * short write leaves both where the copy ended.  Returns the bytes
 * copied, or the error when there were none. */
static long copy_data(struct lx_file *in, int64_t *in_at, struct lx_file *out, int64_t *out_at,
                      size_t count)
{
	size_t chunk = count < LX_COPY_CHUNK ? count : LX_COPY_CHUNK;
	char *buf = malloc(chunk ? chunk : 1);
	long total = 0;

	if (!buf)
		return -LX_ENOMEM;
	while ((size_t)total < count) {
		size_t want = count - (size_t)total < chunk ? count - (size_t)total : chunk;
		long got = lx_file_read(in, buf, want, in_at), put;

		if (got <= 0) {
			if (total == 0)
				total = got;
			break;
		}
		put = lx_file_write(out, buf, (size_t)got, out_at);
		long taken = put > 0 ? put : 0;
		if (in_at)
			*in_at += taken;
		else if (taken < got && in->ops->seekable)
			lx_file_lseek(in, taken - got, LX_SEEK_CUR);
		if (out_at)
			*out_at += taken;
		if (put < 0 && total == 0)
			total = put;
		total += taken;
		if (taken < got || (size_t)got < want)
			break;
	}
	free(buf);
	return total;
}

/* An offset argument: 0 and no pointer when uoff is NULL. */
static long offset_in(uint64_t uoff, int64_t *off, int64_t **p)
{
	*p = NULL;
	if (!uoff)
		return 0;
	if (lx_copy_from_user(off, uoff, sizeof(*off)))
		return -LX_EFAULT;
	if (*off < 0)
		return -LX_EINVAL;
	*p = off;
	return 0;
}

/* sendfile's checks (do_sendfile, do_splice_direct): read and write
 * access, no O_APPEND output, a seekable input when an offset is given. */
static long sendfile_checks(struct lx_file *in, struct lx_file *out, bool offset)
{
	long err;

	if (!in || !out)
		return -LX_EBADF;
	if ((err = lx_file_readable(in)) || (err = lx_file_writable(out)))
		return err;
	if (in->is_dir || out->is_dir || (out->flags & LX_O_APPEND))
		return -LX_EINVAL;
	if (offset && !in->ops->seekable)
		return -LX_ESPIPE;
	return 0;
}

/* Linux sendfile(2): from in_fd, at *offset when offset is given (which
 * is then advanced and the file offset left alone), to out_fd. */
int64_t lx_sys_sendfile(struct lx_syscall *sc)
{
	struct lx_file *out = lx_fd_get((int)sc->arg[0]), *in = lx_fd_get((int)sc->arg[1]);
	uint64_t uoff = (uint64_t)sc->arg[2];
	size_t count = (size_t)sc->arg[3];
	int64_t off = 0, *at;
	long r = sendfile_checks(in, out, uoff != 0);

	if (!r)
		r = offset_in(uoff, &off, &at);
	if (!r) {
		r = copy_data(in, at, out, NULL, count < LX_MAX_RW_COUNT ? count : LX_MAX_RW_COUNT);
		if (at && r >= 0 && lx_copy_to_user(uoff, &off, sizeof(off)))
			r = -LX_EFAULT;
	}
	lx_file_put(in);
	lx_file_put(out);
	return r;
}

/* The type of an open file, from its stat. */
static long file_stat(struct lx_file *f, struct lx_kstat *st)
{
	return f->ops->stat ? f->ops->stat(f, st) : -LX_EINVAL;
}

/* generic_file_rw_checks and the overlap check of generic_copy_file_checks:
 * two regular files, read and write access, no O_APPEND output, and not
 * overlapping ranges of one file. */
static long copy_checks(struct lx_file *in, const int64_t *in_at, struct lx_file *out,
                        const int64_t *out_at, size_t len)
{
	struct lx_kstat si, so;
	long err;

	if (in->is_dir || out->is_dir)
		return -LX_EISDIR;
	if ((err = file_stat(in, &si)) || (err = file_stat(out, &so)))
		return err;
	if (!LX_S_ISREG(si.mode) || !LX_S_ISREG(so.mode))
		return -LX_EINVAL;
	if (lx_file_readable(in) || lx_file_writable(out) || (out->flags & LX_O_APPEND))
		return -LX_EBADF;
	if (si.dev == so.dev && si.ino == so.ino) {
		int64_t a = in_at ? *in_at : lx_file_lseek(in, 0, LX_SEEK_CUR);
		int64_t b = out_at ? *out_at : lx_file_lseek(out, 0, LX_SEEK_CUR);
		if ((int64_t)len > 0 && a < b + (int64_t)len && b < a + (int64_t)len)
			return -LX_EINVAL;
	}
	return 0;
}

/* Linux copy_file_range(2). */
int64_t lx_sys_copy_file_range(struct lx_syscall *sc)
{
	uint64_t uoff_in = (uint64_t)sc->arg[1], uoff_out = (uint64_t)sc->arg[3];
	size_t len = (size_t)sc->arg[4];
	int64_t off_in = 0, off_out = 0, *in_at = NULL, *out_at = NULL;
	struct lx_file *in, *out;
	long r;

	if (sc->arg[5] != 0)
		return -LX_EINVAL;
	in = lx_fd_get((int)sc->arg[0]);
	out = lx_fd_get((int)sc->arg[2]);
	if (len > LX_MAX_RW_COUNT)
		len = LX_MAX_RW_COUNT;
	r = !in || !out ? -LX_EBADF : offset_in(uoff_in, &off_in, &in_at);
	if (!r)
		r = offset_in(uoff_out, &off_out, &out_at);
	if (!r)
		r = copy_checks(in, in_at, out, out_at, len);
	if (!r && len)
		r = copy_data(in, in_at, out, out_at, len);
	if (r >= 0 && ((in_at && lx_copy_to_user(uoff_in, &off_in, sizeof(off_in))) ||
	               (out_at && lx_copy_to_user(uoff_out, &off_out, sizeof(off_out)))))
		r = -LX_EFAULT;
	lx_file_put(in);
	lx_file_put(out);
	return r;
}
