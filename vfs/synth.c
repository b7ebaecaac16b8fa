/*
 * The synthetic directories "/", "/mnt" and "/dev": read-only, listed from
 * the mount table and the device list.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "nt.h"

static long synth_stat(struct lx_file *f, struct lx_kstat *st)
{
	FILETIME ft;

	memset(st, 0, sizeof(*st));
	st->dev = lx_synth_dev();
	st->ino = 2 + (uint64_t)f->which;
	st->nlink = 2;
	st->mode = LX_S_IFDIR | 0755;
	st->size = 0;
	GetSystemTimeAsFileTime(&ft);
	st->atime = st->mtime = st->ctime = st->btime =
		lx_time_from_nt((int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime));
	return 0;
}

static long synth_list(struct lx_file *f, lx_dir_emit emit, void *ctx)
{
	lx_mount_list_synth(f->which, emit, ctx);
	return 0;
}

static long synth_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	(void)f; (void)buf; (void)n; (void)pos;
	return -LX_EISDIR;
}

static long synth_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	(void)f; (void)buf; (void)n; (void)pos;
	return -LX_EISDIR;
}

static long synth_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	(void)f; (void)cmd; (void)arg;
	return -LX_ENOTTY;
}

static const struct lx_file_ops synth_ops = {
	.read = synth_read,
	.write = synth_write,
	.stat = synth_stat,
	.list = synth_list,
	.ioctl = synth_ioctl,
	.seekable = true,
};

long lx_synth_dir_open(int which, const char *path, unsigned flags, struct lx_file **out)
{
	struct lx_file *f = lx_file_new(&synth_ops, flags);

	if (!f)
		return -LX_ENOMEM;
	f->which = which;
	f->is_dir = true;
	f->path = strdup(path);
	*out = f;
	return 0;
}
