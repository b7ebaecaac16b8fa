/*
 * Which metadata backend a mount uses (docs/vfs.md, "Metadata backends"),
 * chosen once, when the mount is made: what the tree already holds first
 * (never two formats on one mount), then what the volume can do, which is
 * tested rather than believed.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "metadata.h"
#include "metaback.h"
#include "metaimport.h"
#include "nt.h"

/* FILE_FS_ATTRIBUTE_INFORMATION.FileSystemAttributes (ntifs.h), as
 * GetVolumeInformationByHandleW gives them. */
#define LX_FILE_SUPPORTS_REPARSE_POINTS      0x00000080u
#define LX_FILE_SUPPORTS_EXTENDED_ATTRIBUTES 0x00800000u

/* The mount's root directory: a drive's is \??\C:\, as \??\C: is the volume. */
static bool open_root(const struct lx_mount *m, HANDLE *h)
{
	wchar_t *root;
	long err;

	if (lx_mount_nt_path(m, "", &root))
		return false;
	err = lx_host_open(root, FILE_READ_ATTRIBUTES, FILE_OPEN, FILE_DIRECTORY_FILE, 0, (void **)h);
	free(root);
	return err == 0;
}

/* "<root>\<name>" as a fresh NT path. */
static wchar_t *root_child(const struct lx_mount *m, const wchar_t *name)
{
	size_t len = wcslen(m->nt_root);
	wchar_t *s = malloc((len + wcslen(name) + 2) * sizeof(wchar_t));

	if (!s)
		return NULL;
	wcscpy(s, m->nt_root);
	if (!len || s[len - 1] != L'\\')
		wcscat(s, L"\\");
	wcscat(s, name);
	return s;
}

static bool exists(const wchar_t *nt_path)
{
	HANDLE h;

	if (lx_host_open(nt_path, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, 0, (void **)&h))
		return false;
	NtClose(h);
	return true;
}

/* What the volume says it supports.  A volume may claim a feature it does
 * not implement, so this only rules the WSL format out. */
static bool volume_claims_wsl(HANDLE root)
{
	DWORD flags = 0;

	if (!GetVolumeInformationByHandleW(root, NULL, 0, NULL, NULL, &flags, NULL, 0))
		return false;
	return (flags & LX_FILE_SUPPORTS_EXTENDED_ATTRIBUTES) &&
	       (flags & LX_FILE_SUPPORTS_REPARSE_POINTS);
}

/* The real test: a temporary file in the root, deleted when closed, gets an
 * LX extended attribute and an LX symlink reparse point and must give both
 * back.  Its name begins with U+F000, so no guest ever sees it. */
static bool probe_root(const struct lx_mount *m)
{
	wchar_t name[64];
	wchar_t *path;
	HANDLE h;
	bool ok = false;

	lx_metastore_tmpname(name, 64);
	path = root_child(m, name);
	if (path && lx_host_open(path, DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES |
	                         FILE_WRITE_DATA | FILE_READ_EA | FILE_WRITE_EA, FILE_CREATE,
	                         FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE |
	                         FILE_OPEN_REPARSE_POINT, FILE_ATTRIBUTE_NORMAL, (void **)&h) == 0) {
		ok = lx_wsl_probe_handle(h);
		NtClose(h);
	}
	free(path);
	return ok;
}

/* Whether the volume holds the WSL format: it claims extended attributes
 * and reparse points, and the root already carries LX attributes (a tree
 * WSL or lxnt made) or the probe passes.  *probed says the probe ran. */
static bool wsl_usable(const struct lx_mount *m, bool *probed)
{
	HANDLE root;
	bool ok = false;

	*probed = false;
	if (!open_root(m, &root))
		return false;
	if (volume_claims_wsl(root)) {
		ok = lx_wsl_has_lx_ea(root);
		if (!ok)
			ok = *probed = probe_root(m);
		/* The root of a Linux tree gets $LXMOD 040755, so that the
		 * next start finds the format without probing. */
		if (ok && *probed && !(m->flags & LX_MOUNT_METADATA))
			lx_wsl_stamp_dir(root);
	}
	NtClose(root);
	return ok;
}

/* Whether the root carries LX attributes on a volume that has them. */
static bool holds_wsl(const struct lx_mount *m)
{
	HANDLE root;
	bool held;

	if (!open_root(m, &root))
		return false;
	held = volume_claims_wsl(root) && lx_wsl_has_lx_ea(root);
	NtClose(root);
	return held;
}

static void note_choice(struct lx_mount *m, const struct lx_meta_backend *ops, wchar_t *store)
{
	struct lx_meta_vol *v = calloc(1, sizeof(*v));
	size_t o = strlen(m->options);

	if (!v) {
		free(store);
		return;
	}
	v->ops = ops;
	v->dev = m->dev;
	v->store = store;
	v->cache_key = store ? store : m->nt_root;
	m->meta = v;
	if (!(m->flags & LX_MOUNT_METADATA))
		lx_snprintf(m->options + o, sizeof(m->options) - o, ",metadata=%s", ops->name);
}

/* The first problems of an import, then only their count: a copy that
 * lost a whole directory would otherwise fill the terminal at every start. */
#define IMPORT_LINES_SHOWN 10

static void import_say(void *ctx, const char *line)
{
	unsigned *shown = ctx;

	if ((*shown)++ < IMPORT_LINES_SHOWN)
		lx_log("lxnt: import: %s\n", line);
}

/* A rootfs that `lxnt convert` made, copied to Windows, still holds its
 * manifest: the first process imports it (the others wait on the import's
 * lock) before anything reads a record.  One open when there is none. */
static void import_manifest(const wchar_t *root, const wchar_t *store)
{
	struct lx_import_result r;
	unsigned shown = 0;
	long s;

	if (!lx_meta_import_pending(root))
		return;
	s = lx_meta_import(root, store, import_say, &shown, &r);
	if (s)
		lx_log("lxnt: the rootfs's metadata manifest is not imported (0x%lx, %lu problems): "
		       "run lxnt-fsck --import ROOT\n", (unsigned long)s, r.problems);
}

void lx_meta_mount_tree(struct lx_mount *m, enum lx_meta_force force)
{
	wchar_t *store = root_child(m, LX_METASTORE_NAME);
	bool probed;

	if (!store)
		return;
	/* What `lxnt convert` made is in the portable format: its manifest
	 * becomes records before anything reads one. */
	if (lx_meta_import_pending(m->nt_root)) {
		if (force == LX_META_FORCE_WSL)
			lx_log("lxnt: /etc/lxnt.conf: metadata=wsl, but the rootfs is a converted "
			       "one in the portable format; keeping the portable format\n");
		import_manifest(m->nt_root, store);
		note_choice(m, &lx_meta_portable, store);
		return;
	}
	if (exists(store)) {
		if (force == LX_META_FORCE_WSL)
			lx_log("lxnt: /etc/lxnt.conf: metadata=wsl, but the rootfs holds the portable "
			       "format's store; keeping the portable format\n");
		note_choice(m, &lx_meta_portable, store);
		return;
	}
	if (force == LX_META_FORCE_PORTABLE && holds_wsl(m))
		lx_log("lxnt: /etc/lxnt.conf: metadata=portable, but the rootfs holds WSL metadata, "
		       "which the portable format does not read\n");
	if (force != LX_META_FORCE_PORTABLE && wsl_usable(m, &probed)) {
		free(store);
		note_choice(m, &lx_meta_wsl, NULL);
		return;
	}
	if (force == LX_META_FORCE_WSL)
		lx_log("lxnt: /etc/lxnt.conf: metadata=wsl, but the rootfs's volume cannot hold the "
		       "WSL format (extended attributes and LX reparse points); using the portable "
		       "format\n");
	note_choice(m, &lx_meta_portable, store);
}

/* A drive with the metadata option keeps Linux metadata in the WSL format
 * where the volume can hold it, as WSL's DrvFs does; elsewhere it is a
 * drive without the option (its masks apply, /proc/self/mounts leaves the
 * option out). */
void lx_meta_mount_drive(struct lx_mount *m)
{
	bool probed;
	char *opt;

	if (!(m->flags & LX_MOUNT_METADATA))
		return;
	if (wsl_usable(m, &probed)) {
		note_choice(m, &lx_meta_wsl, NULL);
		return;
	}
	m->flags &= ~LX_MOUNT_METADATA;
	opt = strstr(m->options, ",metadata");
	if (opt && (opt[9] == ',' || opt[9] == 0))
		memmove(opt, opt + 9, strlen(opt + 9) + 1);
}
