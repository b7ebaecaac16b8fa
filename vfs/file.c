/*
 * read(2), write(2), readv(2), writev(2), pread(2), pwrite(2), preadv(2),
 * pwritev(2), preadv2(2), pwritev2(2), lseek(2).
 * Data moves through a bounce buffer: guest memory is only touched by the
 * copy helpers.  Transfers up to LX_BOUNCE_STACK bytes, the common case of
 * line-at-a-time programs, use one on the stack instead of the heap.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "syscall_table.h"

#define LX_BOUNCE (256u * 1024)
#define LX_BOUNCE_STACK 4096u

/* The bounce buffer of one transfer: small on the stack, else malloc'd. */
static char *bounce_get(size_t chunk, char *stack)
{
	return chunk <= LX_BOUNCE_STACK ? stack : malloc(chunk);
}

static void bounce_put(char *bounce, const char *stack)
{
	if (bounce != stack)
		free(bounce);
}

long lx_file_readable(struct lx_file *f)
{
	if ((f->flags & LX_O_PATH) || (f->flags & LX_O_ACCMODE) == LX_O_WRONLY)
		return -LX_EBADF;
	return 0;
}

long lx_file_writable(struct lx_file *f)
{
	if ((f->flags & LX_O_PATH) || (f->flags & LX_O_ACCMODE) == LX_O_RDONLY)
		return -LX_EBADF;
	return 0;
}

/* Takes the offset lock of a seekable file for the whole transfer, so that
 * concurrent reads and writes of one description don't interleave their
 * offsets (as f_pos_lock does in Linux), and returns where to start. */
static int64_t transfer_begin(struct lx_file *f, const int64_t *at)
{
	if (f->ops->seekable)
		lx_file_lock(f);
	if (f->pos_shared)
		lx_file_pos_load(f);
	return at ? *at : f->pos;
}

/* Advances the file offset (not for pread/pwrite) and drops the lock. */
static void transfer_end(struct lx_file *f, const int64_t *at, int64_t pos, long total)
{
	if (!f->ops->seekable)
		return;
	if (!at && total > 0)
		f->pos = pos;
	if (f->pos_shared)
		lx_file_pos_store(f); /* pread moved the NT position too */
	lx_file_unlock(f);
}

/* Reads into guest memory at ubuf, or into host memory when host is not
 * NULL (sendfile's and copy_file_range's buffer).  at is the explicit
 * offset of pread, or NULL to use (and advance) the file offset.  Stops at
 * the first short transfer, as a pipe or a file's end gives. */
static long do_read(struct lx_file *f, char *host, uint64_t ubuf, size_t count, const int64_t *at)
{
	size_t chunk = count < LX_BOUNCE ? count : LX_BOUNCE;
	char stack[LX_BOUNCE_STACK];
	char *bounce;
	long total = 0;
	int64_t pos;

	if (f->is_dir)
		return -LX_EISDIR;
	if (count > LX_MAX_RW_COUNT)
		count = LX_MAX_RW_COUNT;
	if (count == 0)
		return 0;
	bounce = host ? NULL : bounce_get(chunk, stack);
	if (!host && !bounce)
		return -LX_ENOMEM;
	pos = transfer_begin(f, at);
	while ((size_t)total < count) {
		size_t want = count - (size_t)total < chunk ? count - (size_t)total : chunk;
		char *to = host ? host + total : bounce;
		long got = f->ops->read(f, to, want, f->ops->seekable ? &pos : NULL);

		if (got < 0) {
			if (total == 0)
				total = got;
			break;
		}
		if (!host && got > 0 && lx_copy_to_user(ubuf + (uint64_t)total, bounce, (size_t)got)) {
			if (total == 0)
				total = -LX_EFAULT;
			break;
		}
		total += got;
		pos += got;
		if ((size_t)got < want || !f->ops->seekable)
			break;
	}
	transfer_end(f, at, pos, total);
	if (!host)
		bounce_put(bounce, stack);
	return total;
}

long lx_file_read(struct lx_file *f, void *buf, size_t count, const int64_t *at)
{
	return do_read(f, buf, 0, count, at);
}

/* Writes count bytes from guest memory at ubuf, or from host memory when
 * host is not NULL (the gathered buffer of writev). */
static long do_write(struct lx_file *f, const char *host, uint64_t ubuf, size_t count,
                     const int64_t *at)
{
	size_t chunk = count < LX_BOUNCE ? count : LX_BOUNCE;
	char stack[LX_BOUNCE_STACK];
	char *bounce;
	long total = 0;
	int64_t pos;

	if (count > LX_MAX_RW_COUNT)
		count = LX_MAX_RW_COUNT;
	if (count == 0)
		return 0;
	bounce = bounce_get(chunk, stack);
	if (!bounce)
		return -LX_ENOMEM;
	pos = transfer_begin(f, at);
	while ((size_t)total < count) {
		size_t want = count - (size_t)total < chunk ? count - (size_t)total : chunk;
		long put;

		if (host)
			memcpy(bounce, host + total, want);
		else if (lx_copy_from_user(bounce, ubuf + (uint64_t)total, want)) {
			if (total == 0)
				total = -LX_EFAULT;
			break;
		}
		put = f->ops->write(f, bounce, want, f->ops->seekable ? &pos : NULL);
		if (put < 0) {
			if (total == 0)
				total = put;
			break;
		}
		total += put;
		pos += put;
		if ((size_t)put < want)
			break;
	}
	transfer_end(f, at, pos, total);
	bounce_put(bounce, stack);
	return total;
}

long lx_file_write(struct lx_file *f, const void *buf, size_t count, const int64_t *at)
{
	return do_write(f, buf, 0, count, at);
}

static long read_fd(int fd, uint64_t ubuf, size_t count, const int64_t *at)
{
	struct lx_file *f = lx_fd_get(fd);
	long r;

	if (!f)
		return -LX_EBADF;
	r = lx_file_readable(f);
	if (!r && at && !f->ops->seekable)
		r = -LX_ESPIPE;
	if (!r && at && *at < 0)
		r = -LX_EINVAL;
	if (!r)
		r = do_read(f, NULL, ubuf, count, at);
	lx_file_put(f);
	return r;
}

static long write_fd(int fd, const char *host, uint64_t ubuf, size_t count, const int64_t *at)
{
	struct lx_file *f = lx_fd_get(fd);
	long r;

	if (!f)
		return -LX_EBADF;
	r = lx_file_writable(f);
	if (!r && at && !f->ops->seekable)
		r = -LX_ESPIPE;
	if (!r && at && *at < 0)
		r = -LX_EINVAL;
	if (!r)
		r = do_write(f, host, ubuf, count, at);
	lx_file_put(f);
	return r;
}

/* Linux read(2). */
int64_t lx_sys_read(struct lx_syscall *sc)
{
	return read_fd((int)sc->arg[0], (uint64_t)sc->arg[1], (size_t)sc->arg[2], NULL);
}

/* Linux write(2). */
int64_t lx_sys_write(struct lx_syscall *sc)
{
	return write_fd((int)sc->arg[0], NULL, (uint64_t)sc->arg[1], (size_t)sc->arg[2], NULL);
}

/* Linux pread64(2). */
int64_t lx_sys_pread64(struct lx_syscall *sc)
{
	int64_t at = sc->arg[3];
	return read_fd((int)sc->arg[0], (uint64_t)sc->arg[1], (size_t)sc->arg[2], &at);
}

/* Linux pwrite64(2). */
int64_t lx_sys_pwrite64(struct lx_syscall *sc)
{
	int64_t at = sc->arg[3];
	return write_fd((int)sc->arg[0], NULL, (uint64_t)sc->arg[1], (size_t)sc->arg[2], &at);
}

/* Copies the iovec array in: EINVAL for a negative count, more than
 * IOV_MAX vectors or a total beyond ssize_t (import_iovec). */
static int64_t import_iovec(uint64_t uiov, int64_t cnt, struct lx_iovec **out)
{
	struct lx_iovec *iov;
	uint64_t sum = 0;

	if (cnt < 0 || cnt > LX_UIO_MAXIOV)
		return -LX_EINVAL;
	iov = malloc((size_t)(cnt ? cnt : 1) * sizeof(*iov));
	if (!iov)
		return -LX_ENOMEM;
	if (lx_copy_from_user(iov, uiov, (size_t)cnt * sizeof(*iov))) {
		free(iov);
		return -LX_EFAULT;
	}
	for (int64_t i = 0; i < cnt; i++) {
		sum += iov[i].iov_len;
		if ((int64_t)iov[i].iov_len < 0 || sum > (uint64_t)INT64_MAX) {
			free(iov);
			return -LX_EINVAL;
		}
	}
	*out = iov;
	return (int64_t)sum;
}

/* A small writev is gathered and written at once, so that it reaches a
 * pipe as one write, atomic up to PIPE_BUF as pipe(7) promises. */
static int64_t gather_write(int fd, const struct lx_iovec *iov, int64_t cnt, size_t sum,
                            const int64_t *at)
{
	char *buf = malloc(sum ? sum : 1);
	size_t used = 0;
	int64_t r;

	if (!buf)
		return -LX_ENOMEM;
	for (int64_t i = 0; i < cnt; i++) {
		if (lx_copy_from_user(buf + used, iov[i].iov_base, iov[i].iov_len))
			break;
		used += iov[i].iov_len;
	}
	if (used == 0 && sum > 0) {
		struct lx_file *f = lx_fd_get(fd);
		r = f ? -LX_EFAULT : -LX_EBADF;
		lx_file_put(f);
	} else {
		r = write_fd(fd, buf, 0, used, at);
	}
	free(buf);
	return r;
}

/* readv(2)/writev(2) and their positioned forms: the vectors are done in
 * order, stopping at the first short transfer.  at is the offset of
 * preadv/pwritev, or NULL for the file offset. */
static int64_t vector_io(int fd, uint64_t uiov, int64_t cnt, const int64_t *at, bool writing)
{
	struct lx_iovec *iov = NULL;
	struct lx_file *f = lx_fd_get(fd);
	int64_t total = 0, sum, pos = at ? *at : 0;

	if (!f)
		return -LX_EBADF;
	lx_file_put(f);
	sum = import_iovec(uiov, cnt, &iov);
	if (sum < 0)
		return sum;
	if (writing && sum <= LX_BOUNCE) {
		total = gather_write(fd, iov, cnt, (size_t)sum, at);
		free(iov);
		return total;
	}
	for (int64_t i = 0; i < cnt && total < LX_MAX_RW_COUNT; i++) {
		size_t len = iov[i].iov_len;
		long r;

		if (len == 0)
			continue;
		if (len > (size_t)(LX_MAX_RW_COUNT - total))
			len = (size_t)(LX_MAX_RW_COUNT - total);
		r = writing ? write_fd(fd, NULL, iov[i].iov_base, len, at ? &pos : NULL)
		            : read_fd(fd, iov[i].iov_base, len, at ? &pos : NULL);
		if (r < 0) {
			if (total == 0)
				total = r;
			break;
		}
		total += r;
		pos += r;
		if ((size_t)r < len)
			break;
	}
	free(iov);
	return total;
}

/* Linux readv(2). */
int64_t lx_sys_readv(struct lx_syscall *sc)
{
	return vector_io((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2], NULL, false);
}

/* Linux writev(2). */
int64_t lx_sys_writev(struct lx_syscall *sc)
{
	return vector_io((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2], NULL, true);
}

/* The offset of preadv and pwritev comes in two halves (pos_from_hilo);
 * on x86-64 the low one holds all 64 bits. */
static int64_t vector_pos(const struct lx_syscall *sc)
{
	return sc->arg[3];
}

/* Linux preadv(2). */
int64_t lx_sys_preadv(struct lx_syscall *sc)
{
	int64_t at = vector_pos(sc);
	return vector_io((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2], &at, false);
}

/* Linux pwritev(2). */
int64_t lx_sys_pwritev(struct lx_syscall *sc)
{
	int64_t at = vector_pos(sc);
	return vector_io((int)sc->arg[0], (uint64_t)sc->arg[1], (int)sc->arg[2], &at, true);
}

/* preadv2(2)/pwritev2(2): an offset of -1 is the file offset.  Of the
 * RWF_ flags, RWF_HIPRI (a polling hint) changes nothing, RWF_DSYNC and
 * RWF_SYNC flush the file after a write (vfs/sync.c); RWF_NOWAIT and
 * RWF_APPEND are EOPNOTSUPP, as for files that do not support them. */
static int64_t vector_io2(struct lx_syscall *sc, bool writing)
{
	int64_t at = vector_pos(sc), r;
	uint64_t flags = (uint64_t)sc->arg[5];
	int fd = (int)sc->arg[0];

	if (flags & ~(uint64_t)(LX_RWF_HIPRI | LX_RWF_DSYNC | LX_RWF_SYNC))
		return -LX_EOPNOTSUPP;
	if (at < -1)
		return -LX_EINVAL;
	r = vector_io(fd, (uint64_t)sc->arg[1], (int)sc->arg[2], at == -1 ? NULL : &at, writing);
	if (r > 0 && writing && (flags & (LX_RWF_DSYNC | LX_RWF_SYNC)))
		lx_vfs_fsync(fd);
	return r;
}

/* Linux preadv2(2). */
int64_t lx_sys_preadv2(struct lx_syscall *sc)
{
	return vector_io2(sc, false);
}

/* Linux pwritev2(2). */
int64_t lx_sys_pwritev2(struct lx_syscall *sc)
{
	return vector_io2(sc, true);
}

/* lseek(2), including SEEK_DATA/SEEK_HOLE with the whole file as data
 * (generic_file_llseek_size); on a directory the offset is a getdents64
 * cookie. */
int64_t lx_file_lseek(struct lx_file *f, int64_t off, int whence)
{
	int64_t base = 0, size = 0, pos;
	long err = 0;

	if (!f->ops->seekable)
		return -LX_ESPIPE;
	if (whence < LX_SEEK_SET || whence > LX_SEEK_HOLE)
		return -LX_EINVAL;
	if (f->ops->lseek)
		return f->ops->lseek(f, off, whence);
	if ((whence == LX_SEEK_END || whence >= LX_SEEK_DATA) && !f->is_dir && f->ops->size) {
		err = f->ops->size(f, &size);
		if (err)
			return err;
	}
	lx_file_lock(f);
	if (f->pos_shared)
		lx_file_pos_load(f);
	switch (whence) {
	case LX_SEEK_SET: base = 0; break;
	case LX_SEEK_CUR: base = f->pos; break;
	case LX_SEEK_END: base = size; break;
	default:
		if (off < 0 || off >= size) {
			lx_file_unlock(f);
			return -LX_ENXIO;
		}
		/* The only hole is the implicit one at the end of the file. */
		base = whence == LX_SEEK_HOLE ? size - off : 0;
		break;
	}
	pos = base + off;
	if (pos < 0 || (off > 0 && pos < base)) {
		lx_file_unlock(f);
		return -LX_EINVAL;
	}
	if (f->is_dir && pos == 0)
		lx_file_drop_snapshot(f); /* rewinddir sees new entries */
	f->pos = pos;
	if (f->pos_shared)
		lx_file_pos_store(f);
	lx_file_unlock(f);
	return pos;
}

/* Linux lseek(2). */
int64_t lx_sys_lseek(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	int64_t r;

	if (!f)
		return -LX_EBADF;
	r = (f->flags & LX_O_PATH) ? -LX_EBADF : lx_file_lseek(f, sc->arg[1], (int)sc->arg[2]);
	lx_file_put(f);
	return r;
}

/* For mmap of a file (runtime/lx.h): pread(2) into runtime memory. */
long lx_vfs_pread_host(int fd, void *buf, size_t count, int64_t offset)
{
	struct lx_file *f = lx_fd_get(fd);
	long r = 0;

	if (!f)
		return -LX_EBADF;
	if ((f->flags & LX_O_PATH) || (f->flags & LX_O_ACCMODE) == LX_O_WRONLY)
		r = -LX_EACCES;
	else if (!f->ops->seekable || f->is_dir)
		r = -LX_ENODEV;
	else if (offset < 0)
		r = -LX_EINVAL;
	if (!r)
		r = f->ops->read(f, buf, count, &offset);
	lx_file_put(f);
	return r;
}
