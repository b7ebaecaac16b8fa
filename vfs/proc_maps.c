/*
 * /proc/self/maps (fs/proc/task_mmu.c, show_map_vma): the packed
 * executable's segments, then the runtime's map of the guest window
 * (runtime/mman.c), one line per area with its file, offset, device and
 * inode, and [heap] and [stack] where the kernel would name them.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "mman.h"
#include "proc_info.h"
#include "proc_maps.h"
#include "text.h"

struct maps_text {
	struct lx_text out;
	const char *exe;            /* the image's areas' name */
	uint64_t exe_dev, exe_ino;
	uint64_t brk_base, brk_end; /* [heap]: the areas over the program break */
	uint64_t stack_at;          /* [stack]: the area holding the argument strings */
	/* The area not yet written: the next one may continue it. */
	bool pending;
	struct lx_mm_view held;
	char held_path[LX_PATH_MAX];
};

static const char *area_name(const struct maps_text *t, const struct lx_mm_view *v)
{
	if (v->path)
		return v->path;
	if (t->brk_end > t->brk_base && v->start < t->brk_end && v->end > t->brk_base)
		return "[heap]";
	if (v->start <= t->stack_at && v->end > t->stack_at)
		return "[stack]";
	return NULL;
}

/* "start-end perms offset major:minor inode", padded to the column the
 * kernel pads to (25 + 6 * sizeof(void *) - 1) and one space before a
 * name. */
static void put_area(struct maps_text *t, const struct lx_mm_view *v, const char *name,
                     uint64_t dev, uint64_t ino)
{
	char line[160];
	int n = lx_snprintf(line, sizeof(line), "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu",
	                    (unsigned long long)v->start, (unsigned long long)v->end,
	                    (v->prot & LX_PROT_READ) ? 'r' : '-', (v->prot & LX_PROT_WRITE) ? 'w' : '-',
	                    (v->prot & LX_PROT_EXEC) ? 'x' : '-',
	                    (v->flags & LX_MAP_TYPE) == LX_MAP_PRIVATE ? 'p' : 's',
	                    (unsigned long long)v->off, lx_major(dev), lx_minor(dev),
	                    (unsigned long long)ino);

	if (n < 0 || (size_t)n >= sizeof(line)) {
		t->out.failed = true;
		return;
	}
	lx_text_bytes(&t->out, line, (size_t)n);
	if (name) {
		while (n++ < 72)
			lx_text_bytes(&t->out, " ", 1);
		lx_text_bytes(&t->out, " ", 1);
		lx_text_bytes(&t->out, name, strlen(name));
	}
	lx_text_bytes(&t->out, "\n", 1);
}

static void image_area(void *ctx, const struct lx_mm_view *v)
{
	struct maps_text *t = ctx;

	put_area(t, v, t->exe, t->exe_dev, t->exe_ino);
}

static void flush(struct maps_text *t)
{
	if (t->pending)
		put_area(t, &t->held, area_name(t, &t->held), t->held.dev, t->held.ino);
	t->pending = false;
}

/* Whether v continues the held area as one VMA: the kernel merges
 * neighbours of one protection and kind (vma_merge), the file's offsets
 * running on; the runtime keeps each mmap as an area of its own. */
static bool continues(const struct maps_text *t, const struct lx_mm_view *v)
{
	const struct lx_mm_view *h = &t->held;

	if (!t->pending || h->end != v->start || h->prot != v->prot ||
	    (h->flags & LX_MAP_TYPE) != (v->flags & LX_MAP_TYPE) || !h->path != !v->path)
		return false;
	return !v->path || (!strcmp(t->held_path, v->path) && h->dev == v->dev &&
	                    h->ino == v->ino && h->off + (h->end - h->start) == v->off);
}

static void guest_area(void *ctx, const struct lx_mm_view *v)
{
	struct maps_text *t = ctx;

	if (continues(t, v)) {
		t->held.end = v->end;
		return;
	}
	flush(t);
	t->held = *v;
	if (v->path) {
		lx_snprintf(t->held_path, sizeof(t->held_path), "%s", v->path);
		t->held.path = t->held_path;
	}
	t->pending = true;
}

/* The exe's device and inode, as stat(2) of its path gives them. */
static void exe_identity(struct maps_text *t)
{
	struct lx_node node;
	struct lx_kstat st;

	if (!t->exe || lx_resolve_at(LX_AT_FDCWD, t->exe, 0, &node, NULL))
		return;
	if (lx_node_stat(&node, true, &st) == 0) {
		t->exe_dev = st.dev;
		t->exe_ino = st.ino;
	}
	lx_node_free(&node);
}

long lx_proc_maps_text(long pid, char **text, size_t *len)
{
	struct lx_proc_info *info = malloc(sizeof(*info));
	struct maps_text *t = calloc(1, sizeof(*t));
	uint64_t brk_cur;
	long err;

	if (!info || !t) {
		free(info);
		free(t);
		return -LX_ENOMEM;
	}
	err = lx_proc_info_get(pid, info);
	if (err || !info->self) {
		/* Another process's map lives in its own memory: it answers. */
		if (!err)
			err = lx_proc_query(pid, LX_PROC_QUERY_MAPS, text, len);
		free(info);
		free(t);
		return err;
	}
	t->exe = info->exe[0] ? info->exe : NULL;
	t->stack_at = info->arg_start;
	lx_brk_get(&t->brk_base, &brk_cur);
	t->brk_end = LX_PAGE_UP(brk_cur);
	exe_identity(t);
	lx_text_bytes(&t->out, "", 0); /* an empty map is an empty text, not NULL */
	lx_image_for_each_area(image_area, t);
	lx_mm_for_each_area(guest_area, t);
	flush(t);
	free(info);
	err = t->out.failed ? -LX_ENOMEM : 0;
	if (err) {
		free(t->out.buf);
	} else {
		*text = t->out.buf;
		*len = t->out.len;
	}
	free(t);
	return err;
}

long lx_vfs_map_name(int fd, char *path, size_t cap, uint64_t *dev, uint64_t *ino)
{
	struct lx_file *f = lx_fd_get(fd);
	struct lx_kstat st;
	long err = 0;

	if (!f)
		return -LX_EBADF;
	if (!f->path || strlen(f->path) >= cap || lx_file_stat(f, &st) < 0) {
		err = -LX_ENODEV;
	} else {
		strcpy(path, f->path);
		*dev = st.dev;
		*ino = st.ino;
	}
	lx_file_put(f);
	return err;
}
