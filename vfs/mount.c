/*
 * The mount table (docs/vfs.md, "Mounts"): which Linux path prefix lives
 * on which Windows directory, and the synthetic directories "/" (when no
 * rootfs is given), the automount root ("/mnt"), "/dev", "/proc" and
 * "/sys".  mount_conf.c fills the table at start-up and mounts the drives
 * when they are first needed.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "nt.h"

struct lx_mount lx_mounts[LX_MAX_MOUNTS];
int lx_nmounts;
bool lx_have_rootfs;
char lx_automount_root[LX_AUTOMOUNT_ROOT_MAX] = "/mnt";

uint64_t lx_synth_dev(void)
{
	return lx_makedev(0, LX_SYNTH_MINOR);
}

static bool path_under(const char *path, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/') {
		*rest = path + 1;
		return true;
	}
	if (strncmp(path, prefix, n) != 0 || (path[n] != 0 && path[n] != '/'))
		return false;
	*rest = path[n] ? path + n + 1 : path + n;
	return true;
}

static bool is_automount_root(const char *path)
{
	return !strcmp(path, lx_automount_root);
}

/* Whether path lies strictly below the automount root. */
static bool below_automount_root(const char *path)
{
	size_t n = strlen(lx_automount_root);

	return !strncmp(path, lx_automount_root, n) && path[n] == '/';
}

/* Whether path is prefix or lies below it. */
bool lx_mount_below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && (path[n] == 0 || path[n] == '/');
}

bool lx_mount_is_point(const char *path)
{
	lx_mount_drive_for_path(path);
	if (!strcmp(path, "/") || is_automount_root(path) || !strcmp(path, "/dev") ||
	    !strcmp(path, "/proc") || !strcmp(path, "/sys"))
		return true;
	for (int i = 0; i < lx_nmounts; i++)
		if (!strcmp(lx_mounts[i].prefix, path))
			return true;
	return false;
}

static long lookup_dev(struct lx_node *node)
{
	const char *path = node->path;
	long which;

	if (!strcmp(path, "/dev")) {
		node->kind = LX_NODE_SYNTH_DIR;
		node->which = LX_SYNTH_DEV;
		return 0;
	}
	/* Below /dev/fd, the walk goes on in /proc/self/fd. */
	if (!strncmp(path, "/dev/fd/", 8) || (!strcmp(path, "/dev/fd") && node->trailing_slash)) {
		char *rest = strdup(path + 7);
		if (!rest)
			return -LX_ENOMEM;
		lx_snprintf(node->path, sizeof(node->path), "/proc/self/fd%s", rest);
		free(rest);
		return lx_proc_lookup(node);
	}
	if (strchr(path + 5, '/'))
		return -LX_ENOTDIR; /* no /dev entry is a directory */
	which = lx_dev_find(path + 5);
	if (which < 0)
		return which;
	node->kind = LX_NODE_DEV;
	node->which = (int)which;
	return 0;
}

long lx_mount_lookup(struct lx_node *node)
{
	const char *path = node->path;
	const struct lx_mount *best = NULL;
	const char *best_rest = NULL;
	size_t best_len = 0;

	node->nt_path = NULL;
	node->mount = NULL;
	if (is_automount_root(path)) {
		node->kind = LX_NODE_SYNTH_DIR;
		node->which = LX_SYNTH_MNT;
		return 0;
	}
	if ((!strcmp(path, "/dev") || !strncmp(path, "/dev/", 5)) && !lx_mount_below(path, "/dev/shm"))
		return lookup_dev(node);
	if (!strcmp(path, "/proc") || !strncmp(path, "/proc/", 6) ||
	    !strcmp(path, "/sys") || !strncmp(path, "/sys/", 5))
		return lx_proc_lookup(node);
	if (!lx_have_rootfs && !strcmp(path, "/")) {
		node->kind = LX_NODE_SYNTH_DIR;
		node->which = LX_SYNTH_ROOT;
		return 0;
	}
	lx_mount_drive_for_path(path);
	for (int i = 0; i < lx_nmounts; i++) {
		const char *rest;
		size_t len = strlen(lx_mounts[i].prefix);

		if (path_under(path, lx_mounts[i].prefix, &rest) && (!best || len > best_len)) {
			best = &lx_mounts[i];
			best_rest = rest;
			best_len = len;
		}
	}
	/* Below the automount root only drive mounts exist, even over a rootfs. */
	if (!best || (below_automount_root(path) && best_len <= strlen(lx_automount_root)))
		return -LX_ENOENT;
	node->kind = LX_NODE_HOST;
	node->mount = best;
	return lx_mount_nt_path(best, best_rest, &node->nt_path);
}

void lx_node_free(struct lx_node *node)
{
	free(node->nt_path);
	node->nt_path = NULL;
}

static const struct lx_mount *find_dev(uint64_t dev)
{
	for (int i = 0; i < lx_nmounts; i++)
		if (lx_mounts[i].dev == dev)
			return &lx_mounts[i];
	return NULL;
}

const struct lx_mount *lx_mount_by_dev(uint64_t dev)
{
	const struct lx_mount *m = find_dev(dev);

	if (m)
		return m;
	/* A drive's file this process has not reached by a path (an fd from
	 * its creator). */
	lx_mount_drive_for_dev(dev);
	return find_dev(dev);
}

/* DrvFs without metadata: the mount's fmask and dmask take permission
 * bits away from what the attributes give (docs/vfs.md, "Mounts"). */
void lx_mount_apply_masks(uint64_t dev, uint32_t *mode)
{
	const struct lx_mount *m = lx_mount_by_dev(dev);

	if (m && !(m->flags & LX_MOUNT_METADATA))
		*mode &= ~(LX_S_ISDIR(*mode) ? m->dmask : m->fmask);
}

static void list_root(lx_dir_emit emit, void *ctx)
{
	static const char *const dirs[] = { "dev", "proc", "sys" };

	for (size_t i = 0; i < 3; i++)
		if (!emit(ctx, dirs[i], LX_DT_DIR, 3 + i))
			return;
	/* The automount root, when it sits directly below "/". */
	if (!strchr(lx_automount_root + 1, '/') &&
	    !emit(ctx, lx_automount_root + 1, LX_DT_DIR, 6))
		return;
	for (int i = 0; i < lx_nmounts; i++)
		if (!strcmp(lx_mounts[i].prefix, "/tmp"))
			emit(ctx, "tmp", LX_DT_DIR, 7);
}

void lx_mount_list_synth(int which, lx_dir_emit emit, void *ctx)
{
	size_t n = strlen(lx_automount_root);

	if (which == LX_SYNTH_ROOT) {
		list_root(emit, ctx);
		return;
	}
	if (which == LX_SYNTH_MNT) {
		lx_mount_drives_all();
		for (int i = 0; i < lx_nmounts; i++)
			if (!strncmp(lx_mounts[i].prefix, lx_automount_root, n) &&
			    lx_mounts[i].prefix[n] == '/' &&
			    !emit(ctx, lx_mounts[i].prefix + n + 1, LX_DT_DIR, 16 + (uint64_t)i))
				return;
		return;
	}
	for (int d = 0; d < LX_DEV_COUNT; d++) {
		uint8_t type = lx_dev_link_target(d) ? LX_DT_LNK : LX_DT_CHR;
		if (!emit(ctx, lx_dev_name(d), type, 64 + (uint64_t)d))
			return;
	}
	for (int i = 0; i < lx_nmounts; i++)
		if (!strcmp(lx_mounts[i].prefix, "/dev/shm"))
			emit(ctx, "shm", LX_DT_DIR, 63);
}

/* Whether the directory holding path is one of the synthetic, read-only
 * directories, where a new name gets EROFS. */
bool lx_mount_parent_synthetic(const char *path)
{
	struct lx_node parent;
	char *slash;
	bool synth;

	memset(&parent, 0, sizeof(parent));
	strcpy(parent.path, path);
	slash = strrchr(parent.path, '/');
	if (!slash)
		return false;
	if (slash == parent.path)
		slash[1] = 0;
	else
		*slash = 0;
	synth = lx_mount_lookup(&parent) == 0 &&
	        (parent.kind == LX_NODE_SYNTH_DIR || parent.kind == LX_NODE_PROC);
	lx_node_free(&parent);
	return synth;
}
