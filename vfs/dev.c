/*
 * /dev: the memory devices of drivers/char/mem.c and random.c, the
 * controlling terminal, stdin/stdout/stderr as links to /proc/self/fd/N
 * and fd as a link to /proc/self/fd (docs/vfs.md, "/dev").
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "nt.h"

struct lx_dev_info {
	const char *name;
	uint32_t major, minor;
	const char *link;
};

static const struct lx_dev_info devs[LX_DEV_COUNT] = {
	[LX_DEV_NULL] = { "null", 1, 3, NULL },
	[LX_DEV_ZERO] = { "zero", 1, 5, NULL },
	[LX_DEV_FULL] = { "full", 1, 7, NULL },
	[LX_DEV_RANDOM] = { "random", 1, 8, NULL },
	[LX_DEV_URANDOM] = { "urandom", 1, 9, NULL },
	[LX_DEV_TTY] = { "tty", 5, 0, NULL },
	[LX_DEV_STDIN] = { "stdin", 0, 0, "/proc/self/fd/0" },
	[LX_DEV_STDOUT] = { "stdout", 0, 0, "/proc/self/fd/1" },
	[LX_DEV_STDERR] = { "stderr", 0, 0, "/proc/self/fd/2" },
	[LX_DEV_FD] = { "fd", 0, 0, "/proc/self/fd" },
	[LX_DEV_PTMX] = { "ptmx", 5, 2, NULL },
};

long lx_dev_find(const char *name)
{
	for (int i = 0; i < LX_DEV_COUNT; i++)
		if (!strcmp(devs[i].name, name))
			return i;
	return -LX_ENOENT;
}

const char *lx_dev_name(int which)
{
	return devs[which].name;
}

const char *lx_dev_link_target(int which)
{
	return devs[which].link;
}

static struct lx_timespec64 boot_time(void)
{
	FILETIME ft;

	GetSystemTimeAsFileTime(&ft);
	return lx_time_from_nt((int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime));
}

/* stat of a /dev node itself (lstat for the links). */
long lx_dev_stat(int which, struct lx_kstat *st)
{
	const struct lx_dev_info *d = &devs[which];

	memset(st, 0, sizeof(*st));
	st->dev = lx_synth_dev();
	st->ino = 64 + (uint64_t)which;
	st->nlink = 1;
	if (d->link) {
		st->mode = LX_S_IFLNK | 0777;
		st->size = (int64_t)strlen(d->link);
	} else {
		st->mode = LX_S_IFCHR | 0666;
		st->rdev = lx_makedev(d->major, d->minor);
	}
	st->uid = 0;
	st->gid = which == LX_DEV_TTY || which == LX_DEV_PTMX ? 5 : 0; /* group tty, as udev sets it */
	st->atime = st->mtime = st->ctime = st->btime = boot_time();
	return 0;
}

static long mem_stat(struct lx_file *f, struct lx_kstat *st)
{
	return lx_dev_stat(f->which, st);
}

/* read_null/read_iter_zero/urandom_read_iter of drivers/char. */
static long mem_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	(void)pos;
	if (n > (1u << 20))
		n = 1u << 20;
	switch (f->which) {
	case LX_DEV_NULL:
		return 0;
	case LX_DEV_RANDOM:
	case LX_DEV_URANDOM:
		if (!lx_random_bytes(buf, n))
			return -LX_EIO;
		return (long)n;
	default:
		memset(buf, 0, n);
		return (long)n;
	}
}

/* write_full returns ENOSPC; the others swallow everything. */
static long mem_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	(void)buf;
	(void)pos;
	if (f->which == LX_DEV_FULL)
		return -LX_ENOSPC;
	return n > 0x7ffff000 ? 0x7ffff000 : (long)n;
}

static long mem_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	(void)f;
	(void)arg;
	(void)cmd;
	return -LX_ENOTTY;
}

/* null_lseek of drivers/char/mem.c: the offset stays 0 whatever is asked. */
static int64_t mem_lseek(struct lx_file *f, int64_t off, int whence)
{
	(void)off;
	(void)whence;
	lx_file_lock(f);
	f->pos = 0;
	lx_file_unlock(f);
	return 0;
}

static const struct lx_file_ops mem_ops = {
	.lseek = mem_lseek,
	.read = mem_read,
	.write = mem_write,
	.stat = mem_stat,
	.ioctl = mem_ioctl,
	.seekable = true, /* memory_lseek: any offset is accepted */
};

bool lx_dev_file_is(const struct lx_file *f, enum lx_dev which)
{
	return f->ops == &mem_ops && f->which == (int)which;
}

/* /dev/tty is the process's console (CONIN$/CONOUT$); without one there
 * is no controlling terminal, and open(2) gives ENXIO. */
static long tty_open(unsigned flags, struct lx_file **out)
{
	HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
	                        FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
	HANDLE o = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE,
	                       FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
	DWORD mode;
	long err;

	if (in == INVALID_HANDLE_VALUE || o == INVALID_HANDLE_VALUE || !GetConsoleMode(o, &mode)) {
		if (in != INVALID_HANDLE_VALUE)
			CloseHandle(in);
		if (o != INVALID_HANDLE_VALUE)
			CloseHandle(o);
		return -LX_ENXIO;
	}
	err = lx_console_file_new(in, o, flags, out);
	if (err == 0) {
		(*out)->which = LX_DEV_TTY;
		(*out)->path = strdup("/dev/tty");
	}
	return err;
}

/* Opening /dev/stdin and friends: the kernel follows the link to
 * /proc/self/fd/N and reopens that file; the first vfs shares the open
 * file description instead (docs/vfs.md). */
static long std_open(int fd, struct lx_file **out)
{
	struct lx_file *f = lx_fd_get(fd);

	if (!f)
		return -LX_ENOENT;
	*out = f;
	return 0;
}

/* /dev/fd is a link to /proc/self/fd, a directory. */
static long fd_dir_open(unsigned flags, struct lx_file **out)
{
	struct lx_node node;
	long err = lx_resolve_at(LX_AT_FDCWD, "/proc/self/fd", 0, &node, NULL);

	if (!err)
		err = lx_open_node(&node, flags, 0, out);
	lx_node_free(&node);
	return err;
}

long lx_dev_open(int which, unsigned flags, struct lx_file **out)
{
	struct lx_file *f;

	switch (which) {
	case LX_DEV_TTY:
		return tty_open(flags, out);
	case LX_DEV_STDIN:
	case LX_DEV_STDOUT:
	case LX_DEV_STDERR:
		return std_open(which - LX_DEV_STDIN, out);
	case LX_DEV_FD:
		return fd_dir_open(flags, out);
	case LX_DEV_PTMX:
		return -LX_ENODEV; /* no pseudo-terminals yet (docs/vfs.md, "/dev") */
	default:
		break;
	}
	f = lx_file_new(&mem_ops, flags);
	if (!f)
		return -LX_ENOMEM;
	f->which = which;
	f->path = malloc(strlen(devs[which].name) + 6);
	if (f->path)
		strcat(strcpy(f->path, "/dev/"), devs[which].name);
	*out = f;
	return 0;
}

/* For mmap (runtime/lx.h): a shared mapping of /dev/zero is shared
 * anonymous memory. */
bool lx_vfs_fd_is_dev_zero(int fd)
{
	struct lx_file *f = lx_fd_get(fd);
	bool zero = f && f->ops == &mem_ops && f->which == LX_DEV_ZERO;

	if (f)
		lx_file_put(f);
	return zero;
}
