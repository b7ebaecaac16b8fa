/*
 * What execve needs of the vfs (runtime/exec.c): the file a path names,
 * checked as do_open_execat does (a regular file, execute permission),
 * its Windows path and its first bytes; and the Windows form of the
 * working directory for starting Windows programs.
 */
#include <stdlib.h>
#include <string.h>

#include "handoff.h"
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

long lx_vfs_exec_probe(int dirfd, const char *path, int at_flags, struct lx_exec_file *out)
{
	struct lx_node node;
	struct lx_kstat st;
	long err;

	memset(out, 0, sizeof(*out));
	err = lx_resolve_at(dirfd, path, at_flags & LX_AT_EMPTY_PATH, &node, NULL);
	if (err)
		goto done;
	if (node.kind != LX_NODE_HOST) {
		err = -LX_EACCES;
		goto done;
	}
	err = lx_node_stat(&node, true, &st);
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
	HANDLE h = CreateFileW(out->win_path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE |
	                       FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		err = lx_errno_from_win32(GetLastError());
		goto done;
	}
	DWORD got = 0;
	if (!ReadFile(h, out->head, sizeof(out->head), &got, NULL))
		err = lx_errno_from_win32(GetLastError());
	out->nhead = got;
	CloseHandle(h);
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

void *lx_vfs_fd_handle(int fd)
{
	struct lx_file *f = lx_fd_get(fd);
	void *h;

	if (!f)
		return NULL;
	/* a console file reads from handle and writes to handle2 */
	h = (fd > 0 && f->handle2) ? f->handle2 : f->handle;
	lx_file_put(f);
	return h;
}
