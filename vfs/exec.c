/*
 * What execve needs of the vfs (runtime/exec.c): the file a path names,
 * checked as do_open_execat does (a regular file, execute permission),
 * its Windows path and its first bytes; and the Windows form of the
 * working directory for starting Windows programs.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../runtime/capability.h"
#include "handoff.h"
#include "lxnt/pack.h"
#include "metadata.h"
#include "metastore.h"
#include "metaxattr.h"
#include "vfs.h"
#include "nt.h"

/* "\??\C:\x" -> "\\?\C:\x": the Win32 form of an NT path under \??. */
static wchar_t *win32_of_nt(const wchar_t *nt)
{
	size_t n = wcslen(nt);
	wchar_t *w = malloc((n + 1) * sizeof(wchar_t));

	if (!w)
		return NULL;
	wcscpy(w, nt);
	if (n >= 4 && !wcsncmp(nt, L"\\??\\", 4))
		w[1] = L'\\';
	return w;
}

bool lx_pe_is_packed(const char *head, size_t n)
{
	const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)head;

	if (n < sizeof(*dos) || dos->e_magic != IMAGE_DOS_SIGNATURE || dos->e_lfanew < 0 ||
	    (size_t)dos->e_lfanew + sizeof(IMAGE_NT_HEADERS64) > n)
		return false;
	const IMAGE_NT_HEADERS64 *nt = (const IMAGE_NT_HEADERS64 *)(head + dos->e_lfanew);
	if (nt->Signature != IMAGE_NT_SIGNATURE)
		return false;
	const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
	for (unsigned i = 0; i < nt->FileHeader.NumberOfSections; i++) {
		if ((const char *)&sec[i + 1] > head + n)
			return false;
		if (!memcmp(sec[i].Name, LXNT_PACK_SECTION, sizeof(LXNT_PACK_SECTION)))
			return true;
	}
	return false;
}

/* Reads the first bytes of a Win32 path; returns the count or -LX_Exxx. */
static long read_head(const wchar_t *win_path, char *buf, size_t cap)
{
	HANDLE h = CreateFileW(win_path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE |
	                       FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
	DWORD got = 0;
	long r;

	if (h == INVALID_HANDLE_VALUE)
		return lx_errno_from_win32(GetLastError());
	r = ReadFile(h, buf, (DWORD)cap, &got, NULL) ? (long)got : lx_errno_from_win32(GetLastError());
	CloseHandle(h);
	return r;
}

static bool ends_with_exe(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && !strcasecmp(name + n - 4, ".exe");
}

/*
 * Packed programs are .exe files, and Linux programs name them without
 * the suffix (a shell searching PATH for `ls` finds `ls.exe`).  The alias
 * applies only to packed lxnt programs, so that a Windows program is still
 * run by its full name, as WSL's interop wants.
 */
long lx_node_stat_alias(struct lx_node *node, bool follow, struct lx_kstat *st)
{
	long err = lx_node_stat(node, follow, st);

	if (err != -LX_ENOENT || node->kind != LX_NODE_HOST || !node->last[0] ||
	    node->trailing_slash || ends_with_exe(node->last))
		return err;
	size_t n = wcslen(node->nt_path);
	wchar_t *alias = malloc((n + 5) * sizeof(wchar_t));
	if (!alias)
		return err;
	wcscpy(alias, node->nt_path);
	wcscat(alias, L".exe");
	wchar_t *w = win32_of_nt(alias);
	char *head = malloc(4096);
	long got = w && head ? read_head(w, head, 4096) : -LX_ENOMEM;
	bool packed = got > 0 && lx_pe_is_packed(head, (size_t)got);
	free(w);
	free(head);
	if (!packed) {
		free(alias);
		return err;
	}
	wchar_t *old = node->nt_path;
	node->nt_path = alias;
	err = lx_node_stat(node, follow, st);
	if (err) {
		node->nt_path = old;
		free(alias);
		return -LX_ENOENT;
	}
	free(old);
	/* The mode derived from the name went by "NAME", not "NAME.exe". */
	st->mode |= (st->mode & 0444) >> 2;
	return 0;
}

/* The capabilities Linux knows (CAP_VALID_MASK). */
#define CAP_VALID_MASK ((UINT64_C(1) << (LX_CAP_LAST_CAP + 1)) - 1)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* get_vfs_caps_from_disk() in the only user namespace there is: a value
 * of a known revision and its exact size, the sets masked to the known
 * capabilities; a v3 value counts only with root id 0 (another's root
 * does not own this namespace: as no value). */
static void file_caps(const struct lx_node *node, const struct lx_kstat *st, struct lx_file_caps *out)
{
	struct lx_xattrs x;
	const unsigned char *v;
	uint32_t n, magic, words;

	memset(out, 0, sizeof(*out));
	if (!(st->meta_flags & LX_META_F_XATTRS) || lx_meta_xattrs_get(node->mount->dev, st, &x))
		return;
	v = lx_xattrs_find(&x, LX_XATTR_CAPS, strlen(LX_XATTR_CAPS), &n);
	if (!v)
		goto done;
	out->state = -LX_EINVAL;
	if (n < 4)
		goto done;
	magic = le32(v);
	switch (magic & VFS_CAP_REVISION_MASK) {
	case VFS_CAP_REVISION_1:
		words = 1;
		if (n != XATTR_CAPS_SZ_1)
			goto done;
		break;
	case VFS_CAP_REVISION_2:
		words = 2;
		if (n != XATTR_CAPS_SZ_2)
			goto done;
		break;
	case VFS_CAP_REVISION_3:
		words = 2;
		if (n != XATTR_CAPS_SZ_3)
			goto done;
		if (le32(v + 20)) {
			out->state = 0;
			goto done;
		}
		break;
	default:
		goto done;
	}
	out->state = 1;
	out->effective = (magic & VFS_CAP_FLAGS_EFFECTIVE) != 0;
	for (uint32_t i = 0; i < words; i++) {
		out->permitted |= (uint64_t)le32(v + 4 + 8 * i) << (32 * i);
		out->inheritable |= (uint64_t)le32(v + 8 + 8 * i) << (32 * i);
	}
	out->permitted &= CAP_VALID_MASK;
	out->inheritable &= CAP_VALID_MASK;
done:
	lx_xattrs_free(&x);
}

static bool node_is_link(struct lx_node *node)
{
	struct lx_kstat st;

	return lx_node_stat(node, false, &st) == 0 && LX_S_ISLNK(st.mode);
}

long lx_vfs_exec_probe(int dirfd, const char *path, int at_flags, struct lx_exec_file *out)
{
	struct lx_node node;
	struct lx_kstat st;
	long err;

	memset(out, 0, sizeof(*out));
	/* A final link is followed (/proc/self/exe among them), except for
	 * execveat with AT_SYMLINK_NOFOLLOW, where a link is ELOOP. */
	err = lx_resolve_at(dirfd, path, (at_flags & LX_AT_EMPTY_PATH) |
	                    ((at_flags & LX_AT_SYMLINK_NOFOLLOW) ? 0 : LX_AT_FOLLOW), &node, NULL);
	if (!err && (at_flags & LX_AT_SYMLINK_NOFOLLOW) && node_is_link(&node))
		err = -LX_ELOOP;
	if (err)
		goto done;
	if (node.kind != LX_NODE_HOST) {
		err = -LX_EACCES;
		goto done;
	}
	err = lx_node_stat_alias(&node, true, &st);
	if (err)
		goto done;
	if (!LX_S_ISREG(st.mode)) {
		err = -LX_EACCES;
		goto done;
	}
	err = lx_permission(&st, LX_X_OK, false);
	if (err)
		goto done;
	out->win_path = win32_of_nt(node.nt_path);
	if (!out->win_path) {
		err = -LX_ENOMEM;
		goto done;
	}
	strcpy(out->linux_path, node.path);
	out->mode = st.mode;
	out->uid = st.uid;
	out->gid = st.gid;
	file_caps(&node, &st, &out->caps);
	long got = read_head(out->win_path, out->head, sizeof(out->head));
	if (got < 0)
		err = got;
	else
		out->nhead = (size_t)got;
done:
	lx_node_free(&node);
	if (err) {
		free(out->win_path);
		out->win_path = NULL;
	}
	return err;
}

wchar_t *lx_vfs_windows_cwd(void)
{
	struct lx_node node;
	wchar_t *w = NULL;

	if (lx_resolve_at(LX_AT_FDCWD, ".", 0, &node, NULL) == 0 && node.kind == LX_NODE_HOST)
		w = win32_of_nt(node.nt_path);
	lx_node_free(&node);
	return w;
}

void *lx_vfs_fd_std_handle(int fd)
{
	struct lx_file *f = lx_fd_get(fd);
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	HANDLE h = NULL;

	if (!f)
		return NULL;
	if (lx_fd_get_cloexec(fd) != 1) {
		/* a console file reads from handle and writes to handle2 */
		HANDLE own = (fd > 0 && f->handle2) ? f->handle2 : f->handle;
		if (own && !DuplicateHandle(GetCurrentProcess(), own, GetCurrentProcess(), &h, 0, TRUE,
		                            DUPLICATE_SAME_ACCESS))
			h = NULL;
		/* /dev/null has no handle of its own: the NUL device reads
		 * nothing and takes every write, as a Windows program expects of
		 * `> nul`. */
		if (!own && lx_dev_file_is(f, LX_DEV_NULL)) {
			h = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
			                &sa, OPEN_EXISTING, 0, NULL);
			if (h == INVALID_HANDLE_VALUE)
				h = NULL;
		}
	}
	lx_file_put(f);
	return h;
}

