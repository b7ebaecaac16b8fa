/*
 * Open /proc and /sys entries: directories list through proc.c, regular
 * entries hold the text made at open, as a seq_file holds what its first
 * read produced.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "proc.h"

/* f->which is the entry, f->pos the offset; the text lives in
 * f->pending (npending bytes) and the pid or fd in pending_off. */

static long proc_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	size_t off;

	if (f->is_dir)
		return -LX_EISDIR;
	if (!pos || *pos < 0)
		return -LX_EINVAL;
	off = (size_t)*pos;
	if (off >= f->npending)
		return 0;
	if (n > f->npending - off)
		n = f->npending - off;
	memcpy(buf, f->pending + off, n);
	return (long)n; /* the caller moves *pos (file.c, do_read) */
}

static long proc_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	(void)buf; (void)n; (void)pos;
	return f->is_dir ? -LX_EISDIR : -LX_EIO;
}

static long proc_stat(struct lx_file *f, struct lx_kstat *st)
{
	return lx_proc_entry_stat(f->which, (long)f->pending_off, st);
}

static long proc_list(struct lx_file *f, lx_dir_emit emit, void *ctx)
{
	return lx_proc_list(f->which, (long)f->pending_off, emit, ctx);
}

static long proc_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	(void)f; (void)cmd; (void)arg;
	return -LX_ENOTTY;
}

/* Regular proc files report size 0 (proc(5)); SEEK_END is from there. */
static long proc_size(struct lx_file *f, int64_t *size)
{
	(void)f;
	*size = 0;
	return 0;
}

static void proc_release(struct lx_file *f)
{
	free(f->pending);
	f->pending = NULL;
}

static const struct lx_file_ops proc_ops = {
	.read = proc_read,
	.write = proc_write,
	.stat = proc_stat,
	.list = proc_list,
	.ioctl = proc_ioctl,
	.size = proc_size,
	.release = proc_release,
	.seekable = true,
};

long lx_proc_file_open(struct lx_node *node, unsigned flags, struct lx_file **out)
{
	struct lx_file *f = lx_file_new(&proc_ops, (flags & (LX_O_ACCMODE | LX_O_NONBLOCK | LX_O_PATH)) | LX_O_LARGEFILE);
	uint8_t type = lx_proc_entries[node->which].type;
	long err = 0;

	if (!f)
		return -LX_ENOMEM;
	f->which = node->which;
	f->pending_off = (size_t)node->arg;
	f->is_dir = type == LX_DT_DIR;
	f->path = strdup(node->path);
	if (type == LX_DT_REG && !(flags & LX_O_PATH))
		err = lx_proc_text(node->which, node->arg, &f->pending, &f->npending);
	if (err) {
		lx_file_put(f);
		return err;
	}
	*out = f;
	return 0;
}
