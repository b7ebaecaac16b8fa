/*
 * The mount table as /proc/self/mounts and mountinfo show it (proc(5)).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vfs.h"

/* The synthetic mounts, as /proc/self/mounts lists them. */
static const struct { const char *source, *point, *fstype, *options; uint64_t minor; } synth[] = {
	{ "none", "/dev", "devtmpfs", "ro,nosuid,noexec,noatime", LX_SYNTH_MINOR },
	{ "proc", "/proc", "proc", "rw,nosuid,nodev,noexec,noatime", LX_PROC_MINOR },
	{ "sysfs", "/sys", "sysfs", "ro,nosuid,nodev,noexec,noatime", LX_SYS_MINOR },
};

static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(gnu_printf, 4, 5)));

static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!*buf)
		return;
	va_start(ap, fmt);
	n = lx_vsnprintf(*buf + *len, *cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (*len + (size_t)n >= *cap) {
		size_t ncap = 2 * (*len + (size_t)n + 1);
		char *nb = realloc(*buf, ncap);
		if (!nb) {
			free(*buf);
			*buf = NULL;
			return;
		}
		*buf = nb;
		*cap = ncap;
		va_start(ap, fmt);
		lx_vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
	}
	*len += (size_t)n;
}

/* One line of mounts or mountinfo (proc(5)); ids start at 20 for "/". */
static void put_mount(char **b, size_t *len, size_t *cap, bool info, int id, uint64_t dev,
                      const char *source, const char *point, const char *fstype,
                      const char *options)
{
	if (info)
		put(b, len, cap, "%d %d %u:%u / %s %s - %s %s %s\n", id, id == 20 ? 1 : 20,
		    (unsigned)lx_major(dev), (unsigned)lx_minor(dev), point, options, fstype, source,
		    strncmp(options, "ro", 2) ? "rw" : "ro");
	else
		put(b, len, cap, "%s %s %s %s 0 0\n", source, point, fstype, options);
}

long lx_mount_table_text(bool info, char **out, size_t *outlen)
{
	size_t len = 0, cap = 1024;
	char *b = malloc(cap);
	int id = 20;

	if (!b)
		return -LX_ENOMEM;
	lx_mount_drives_all();
	if (!lx_have_rootfs)
		put_mount(&b, &len, &cap, info, id++, lx_synth_dev(), "none", "/", "lxnt-root", "ro");
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < lx_nmounts; i++) {
			const struct lx_mount *m = &lx_mounts[i];
			bool is_root = !strcmp(m->prefix, "/");
			if (is_root != (pass == 0))
				continue;
			put_mount(&b, &len, &cap, info, id++, m->dev, m->source, m->prefix, m->fstype,
			          m->options);
		}
		if (pass == 0)
			for (size_t k = 0; k < sizeof(synth) / sizeof(synth[0]); k++)
				put_mount(&b, &len, &cap, info, id++, lx_makedev(0, synth[k].minor),
				          synth[k].source, synth[k].point, synth[k].fstype,
				          synth[k].options);
	}
	if (!b)
		return -LX_ENOMEM;
	*out = b;
	*outlen = len;
	return 0;
}
