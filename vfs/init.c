/*
 * Start-up of the vfs: mounts, the standard fds and the working directory
 * (docs/vfs.md, "Start-up").
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "handoff.h"
#include "vfs.h"
#include "nt.h"

/* A standard handle becomes a host file (a redirect to a file), a console
 * or a stream (pipe, character device).  A missing handle leaves the fd
 * closed. */
static void install_std(int fd, DWORD which, unsigned flags)
{
	HANDLE std = GetStdHandle(which);
	HANDLE h;
	struct lx_file *f = NULL;
	DWORD mode;
	long err;

	/* Each fd owns its own handle: stdout and stderr are often one handle,
	 * and close(1) must not take fd 2 with it. */
	if (std == NULL || std == INVALID_HANDLE_VALUE ||
	    !DuplicateHandle(GetCurrentProcess(), std, GetCurrentProcess(), &h, 0, FALSE,
	                     DUPLICATE_SAME_ACCESS))
		return;
	switch (GetFileType(h)) {
	case FILE_TYPE_DISK:
		err = lx_host_file_new(h, flags | LX_O_LARGEFILE, NULL, false, &f);
		/* The offset is the handle's file object's, from the start (where
		 * a ">>" redirect left it) and at every use: other processes share
		 * it (the Windows program that redirected, another client started
		 * with the same handle), and so may this process's other standard
		 * fds, which are other handles of one object after cmd's "2>&1"
		 * (or, under Wine, of one Unix open file description).  Each of
		 * them kept its own offset, and the first fork stored each one's
		 * into the shared position in turn: stdout's writes were
		 * overwritten from offset 0 by the child's after "> f 2>&1". */
		if (!err) {
			f->pos_shared = true;
			lx_file_pos_load(f);
		}
		break;
	case FILE_TYPE_CHAR:
		if (GetConsoleMode(h, &mode))
			err = lx_console_file_new(h, NULL, flags, &f);
		else
			err = lx_stream_file_new(h, flags, &f);
		break;
	default:
		err = lx_stream_file_new(h, flags, &f);
		break;
	}
	if (!err)
		lx_fd_install_at(fd, f, false);
}

/* The Linux path of a Windows path: under the rootfs when it lies inside
 * it, otherwise its path below the automount root ("C:\foo" is
 * "/mnt/c/foo"); each component through the name codec.  A UNC path has
 * no Linux name (-LX_ENOENT). */
long lx_linux_path_of_win32(const wchar_t *win, char *path, size_t cap)
{
	wchar_t root[LX_PATH_MAX];
	const wchar_t *rest = NULL;
	size_t o;

	if (cap < LX_AUTOMOUNT_ROOT_MAX + 4)
		return -LX_ENAMETOOLONG;
	DWORD rn = GetEnvironmentVariableW(L"LXNT_ROOT", root, LX_PATH_MAX);
	if (lx_have_rootfs && rn > 0 && rn < LX_PATH_MAX) {
		wchar_t full[LX_PATH_MAX];
		DWORD fn = GetFullPathNameW(root, LX_PATH_MAX, full, NULL);
		while (fn > 0 && full[fn - 1] == L'\\')
			full[--fn] = 0;
		if (fn > 0 && fn < LX_PATH_MAX && !_wcsnicmp(win, full, fn) &&
		    (win[fn] == 0 || win[fn] == L'\\')) {
			strcpy(path, "/");
			rest = win + fn;
		}
	}
	if (!rest) {
		if (wcslen(win) < 2 || win[1] != L':')
			return -LX_ENOENT;
		lx_snprintf(path, cap, "%s/%c", lx_automount_root, (char)towlower(win[0]));
		rest = win + 2;
	}
	o = strlen(path);
	while (*rest) {
		const wchar_t *c;
		long k;

		while (*rest == L'\\')
			rest++;
		if (!*rest)
			break;
		c = rest;
		while (*rest && *rest != L'\\')
			rest++;
		if (o > 1) {
			if (o + 1 >= cap)
				return -LX_ENAMETOOLONG;
			path[o++] = '/';
		}
		k = lx_name_from_nt(c, (size_t)(rest - c), path + o, cap - o);
		if (k < 0)
			return k;
		o += (size_t)k;
	}
	path[o] = 0;
	return 0;
}

/* Translates the Windows working directory into a Linux path; a UNC
 * working directory has no Linux name and the process starts in "/". */
static void init_cwd(void)
{
	wchar_t win[LX_PATH_MAX];
	char path[LX_PATH_MAX];
	DWORD n = GetCurrentDirectoryW(LX_PATH_MAX, win);

	if (n == 0 || n >= LX_PATH_MAX)
		return;
	if (lx_linux_path_of_win32(win, path, sizeof(path)) == 0)
		lx_set_cwd(path);
}

/* The Windows working directory is an open handle without delete sharing:
 * it would stop rmdir and rename of that directory, which Linux allows.
 * Paths are resolved by the vfs, so the process moves to the system
 * directory, which nobody removes. */
static void release_win32_cwd(void)
{
	wchar_t sys[MAX_PATH], cur[MAX_PATH];
	UINT n = GetSystemDirectoryW(sys, MAX_PATH);
	DWORD c = GetCurrentDirectoryW(MAX_PATH, cur);

	if (n == 0 || n >= MAX_PATH)
		return;
	/* A process of the instance inherits it there from its creator: a
	 * change to the same directory would still open it again. */
	if (c >= n && c <= n + 1 && !_wcsnicmp(cur, sys, n) && (c == n || cur[n] == L'\\'))
		return;
	SetCurrentDirectoryW(sys);
}

static bool mounts_ready;

void lx_vfs_init_mounts(void)
{
	lx_mount_init();
	mounts_ready = true;
}

void lx_vfs_init(void)
{
	if (!mounts_ready)
		lx_mount_init();
	/* A process with a hand-off gets its fds and cwd from it
	 * (lx_vfs_handoff_in), not from Windows. */
	if (!lx_handoff_block) {
		install_std(0, STD_INPUT_HANDLE, LX_O_RDONLY);
		install_std(1, STD_OUTPUT_HANDLE, LX_O_WRONLY);
		install_std(2, STD_ERROR_HANDLE, LX_O_WRONLY);
		init_cwd();
	}
	release_win32_cwd();
}
