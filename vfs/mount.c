/*
 * The mount table (docs/vfs.md, "Mounts"): which Linux path prefix lives
 * on which Windows directory, and the synthetic directories "/" (when no
 * rootfs is given), "/mnt" and "/dev".
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "nt.h"

#define LX_MAX_MOUNTS 32

static struct lx_mount mounts[LX_MAX_MOUNTS];
static int nmounts;
static bool have_rootfs;

/* Synthetic files live on an anonymous device, like procfs (0:N). */
#define LX_SYNTH_MINOR 1
#define LX_ROOT_MINOR 32
#define LX_TMP_MINOR 33
#define LX_DRIVE_MINOR 64

uint64_t lx_synth_dev(void)
{
	return lx_makedev(0, LX_SYNTH_MINOR);
}

/* Turns a Win32 path into an NT path in the DOS devices directory
 * ("C:\x" -> "\??\C:\x", "\\srv\share" -> "\??\UNC\srv\share"), without
 * a trailing backslash. */
static wchar_t *nt_path_from_win32(const wchar_t *win)
{
	wchar_t full[LX_PATH_MAX];
	DWORD n = GetFullPathNameW(win, LX_PATH_MAX, full, NULL);
	wchar_t *out;
	const wchar_t *rest = full;
	const wchar_t *prefix = L"\\??\\";

	if (n == 0 || n >= LX_PATH_MAX)
		return NULL;
	while (n > 3 && full[n - 1] == L'\\')
		full[--n] = 0;
	if (n == 3 && full[1] == L':' && full[2] == L'\\')
		full[--n] = 0;
	if (wcsncmp(full, L"\\\\?\\", 4) == 0) {
		rest = full + 4;
	} else if (wcsncmp(full, L"\\\\", 2) == 0) {
		prefix = L"\\??\\UNC\\";
		rest = full + 2;
	}
	out = malloc((wcslen(prefix) + wcslen(rest) + 1) * sizeof(wchar_t));
	if (out) {
		wcscpy(out, prefix);
		wcscat(out, rest);
	}
	return out;
}

static void add_mount(const char *prefix, wchar_t *nt_root, uint64_t dev)
{
	if (!nt_root || nmounts == LX_MAX_MOUNTS)
		return;
	strcpy(mounts[nmounts].prefix, prefix);
	mounts[nmounts].nt_root = nt_root;
	mounts[nmounts].dev = dev;
	nmounts++;
}

void lx_mount_init(void)
{
	wchar_t buf[LX_PATH_MAX];
	DWORD drives = GetLogicalDrives();
	DWORD n;

	n = GetEnvironmentVariableW(L"LXNT_ROOT", buf, LX_PATH_MAX);
	if (n > 0 && n < LX_PATH_MAX) {
		wchar_t *root = nt_path_from_win32(buf);
		if (root) {
			add_mount("/", root, lx_makedev(0, LX_ROOT_MINOR));
			have_rootfs = true;
		} else {
			lx_log("lxnt: LXNT_ROOT is not a usable path; using the synthetic root\n");
		}
	}
	for (int i = 0; i < 26; i++) {
		/* "X:" alone would be the drive's current directory. */
		wchar_t drive[4] = { (wchar_t)(L'A' + i), L':', L'\\', 0 };
		char prefix[8] = "/mnt/a";

		if (!(drives & (1u << i)))
			continue;
		prefix[5] = (char)('a' + i);
		add_mount(prefix, nt_path_from_win32(drive), lx_makedev(0, LX_DRIVE_MINOR + i));
	}
	if (!have_rootfs) {
		n = GetTempPathW(LX_PATH_MAX, buf);
		if (n > 0 && n < LX_PATH_MAX)
			add_mount("/tmp", nt_path_from_win32(buf), lx_makedev(0, LX_TMP_MINOR));
	}
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

bool lx_mount_is_point(const char *path)
{
	if (!strcmp(path, "/") || !strcmp(path, "/mnt") || !strcmp(path, "/dev"))
		return true;
	for (int i = 0; i < nmounts; i++)
		if (!strcmp(mounts[i].prefix, path))
			return true;
	return false;
}

/* Builds nt_root + "\" + the encoded components of rest. */
static long build_nt_path(const struct lx_mount *m, const char *rest, wchar_t **out)
{
	size_t cap = wcslen(m->nt_root) + 2 + 2 * strlen(rest) + 2;
	wchar_t *p = malloc(cap * sizeof(wchar_t));
	size_t o;

	if (!p)
		return -LX_ENOMEM;
	wcscpy(p, m->nt_root);
	o = wcslen(p);
	if (!*rest) {
		/* A volume's root directory is "\??\C:\", never "\??\C:". */
		if (o > 0 && p[o - 1] == L':')
			p[o++] = L'\\';
		p[o] = 0;
	}
	while (*rest) {
		const char *slash = strchr(rest, '/');
		size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
		long w;

		p[o++] = L'\\';
		w = lx_name_to_nt(rest, n, p + o, cap - o - 1);
		if (w < 0) {
			free(p);
			return w;
		}
		o += (size_t)w;
		rest += n;
		if (*rest == '/')
			rest++;
	}
	p[o] = 0;
	*out = p;
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
	if (!strcmp(path, "/mnt")) {
		node->kind = LX_NODE_SYNTH_DIR;
		node->which = LX_SYNTH_MNT;
		return 0;
	}
	if (!strcmp(path, "/dev")) {
		node->kind = LX_NODE_SYNTH_DIR;
		node->which = LX_SYNTH_DEV;
		return 0;
	}
	if (!strncmp(path, "/dev/", 5)) {
		if (strchr(path + 5, '/'))
			return -LX_ENOTDIR; /* no /dev entry is a directory */
		long which = lx_dev_find(path + 5);
		if (which < 0)
			return which;
		node->kind = LX_NODE_DEV;
		node->which = (int)which;
		return 0;
	}
	if (!have_rootfs && !strcmp(path, "/")) {
		node->kind = LX_NODE_SYNTH_DIR;
		node->which = LX_SYNTH_ROOT;
		return 0;
	}
	for (int i = 0; i < nmounts; i++) {
		const char *rest;
		size_t len = strlen(mounts[i].prefix);

		if (path_under(path, mounts[i].prefix, &rest) && (!best || len > best_len)) {
			best = &mounts[i];
			best_rest = rest;
			best_len = len;
		}
	}
	/* Under /mnt only drive mounts exist, even over a rootfs. */
	if (!best || (!strncmp(path, "/mnt/", 5) && best_len <= 1))
		return -LX_ENOENT;
	node->kind = LX_NODE_HOST;
	node->mount = best;
	return build_nt_path(best, best_rest, &node->nt_path);
}

void lx_node_free(struct lx_node *node)
{
	free(node->nt_path);
	node->nt_path = NULL;
}

void lx_mount_list_synth(int which, lx_dir_emit emit, void *ctx)
{
	if (which == LX_SYNTH_ROOT) {
		if (!emit(ctx, "dev", LX_DT_DIR, 3) || !emit(ctx, "mnt", LX_DT_DIR, 4))
			return;
		for (int i = 0; i < nmounts; i++)
			if (!strcmp(mounts[i].prefix, "/tmp"))
				emit(ctx, "tmp", LX_DT_DIR, 5);
		return;
	}
	if (which == LX_SYNTH_MNT) {
		for (int i = 0; i < nmounts; i++)
			if (!strncmp(mounts[i].prefix, "/mnt/", 5) &&
			    !emit(ctx, mounts[i].prefix + 5, LX_DT_DIR, 16 + (uint64_t)i))
				return;
		return;
	}
	for (int d = 0; d < LX_DEV_COUNT; d++) {
		uint8_t type = lx_dev_link_target(d) ? LX_DT_LNK : LX_DT_CHR;
		if (!emit(ctx, lx_dev_name(d), type, 64 + (uint64_t)d))
			return;
	}
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
	synth = lx_mount_lookup(&parent) == 0 && parent.kind == LX_NODE_SYNTH_DIR;
	lx_node_free(&parent);
	return synth;
}
