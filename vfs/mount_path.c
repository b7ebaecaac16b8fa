/*
 * The NT path of a Linux path below a mount: the mount's root and each
 * component through the name codec (docs/vfs.md, "Names").
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "nt.h"

#define LX_FileNamesInformation 12

/* Whether the directory nt_dir holds an entry named exactly name (len
 * WCHARs).  NtQueryDirectoryFile matches its mask without regard to case,
 * so every entry it returns is compared code unit by code unit. */
static bool dir_has_exact(const wchar_t *nt_dir, const wchar_t *name, size_t len)
{
	union { FILE_NAMES_INFORMATION info; char bytes[4096]; } buf;
	UNICODE_STRING mask = { (USHORT)(len * sizeof(wchar_t)), (USHORT)(len * sizeof(wchar_t)),
	                        (PWSTR)name };
	IO_STATUS_BLOCK io;
	bool found = false;
	HANDLE h;
	NTSTATUS s;

	if (lx_host_open(nt_dir, FILE_LIST_DIRECTORY, FILE_OPEN, FILE_DIRECTORY_FILE, 0,
	                 (void **)&h))
		return false;
	s = NtQueryDirectoryFile(h, NULL, NULL, NULL, &io, &buf, sizeof(buf),
	                         (FILE_INFORMATION_CLASS)LX_FileNamesInformation, FALSE, &mask, TRUE);
	while (NT_SUCCESS(s) && !found) {
		const char *p = buf.bytes;
		for (;;) {
			const FILE_NAMES_INFORMATION *e = (const FILE_NAMES_INFORMATION *)p;
			if (e->FileNameLength == len * sizeof(wchar_t) &&
			    !memcmp(e->FileName, name, len * sizeof(wchar_t)))
				found = true;
			if (found || !e->NextEntryOffset)
				break;
			p += e->NextEntryOffset;
		}
		if (!found)
			s = NtQueryDirectoryFile(h, NULL, NULL, NULL, &io, &buf, sizeof(buf),
			                         (FILE_INFORMATION_CLASS)LX_FileNamesInformation, FALSE,
			                         &mask, FALSE);
	}
	NtClose(h);
	return found;
}

static bool nt_exists(const wchar_t *nt_path)
{
	HANDLE h;

	if (lx_host_open(nt_path, FILE_READ_ATTRIBUTES, FILE_OPEN, FILE_OPEN_REPARSE_POINT, 0,
	                 (void **)&h))
		return false;
	NtClose(h);
	return true;
}

/*
 * A tree written by a tool that does not escape case (a copy made on
 * Linux, lxnt convert, Windows programs) holds "Makefile" under that very
 * Windows name, where the codec would write U+F04D "akefile".  On such a
 * mount, a component whose two forms differ is looked for under the
 * escaped form first, then under the literal form, which is taken only if
 * an entry of exactly that case exists; otherwise the escaped form stands
 * (for creation).  p holds the directory, a backslash at p[o - 1] and the
 * escaped form at p + o (w WCHARs).
 */
static long pick_foreign_form(wchar_t *p, size_t o, long w, const char *name, size_t n)
{
	wchar_t plain[LX_NAME_MAX];
	long pw;
	bool root, found;
	size_t cut;
	wchar_t saved;

	p[o + (size_t)w] = 0;
	if (nt_exists(p))
		return w;
	pw = lx_name_encode(name, n, 0, plain, LX_NAME_MAX);
	if (pw <= 0 || pw > w)
		return w;
	/* The directory's own path: "\??\C:\" for a volume's root. */
	root = o >= 2 && p[o - 2] == L':';
	cut = root ? o : o - 1;
	saved = p[cut];
	p[cut] = 0;
	found = dir_has_exact(p, plain, (size_t)pw);
	p[cut] = saved;
	if (found) {
		memcpy(p + o, plain, (size_t)pw * sizeof(wchar_t));
		w = pw;
	}
	return w;
}

/* Builds m->nt_root + "\" + the encoded components of rest. */
long lx_mount_nt_path(const struct lx_mount *m, const char *rest, wchar_t **out)
{
	size_t cap = wcslen(m->nt_root) + 2 + 2 * strlen(rest) + 2;
	wchar_t *p = malloc(cap * sizeof(wchar_t));
	bool foreign = (m->flags & LX_MOUNT_FOREIGN) && (m->name_flags & LX_NAME_ESCAPE_CASE);
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
		w = lx_name_encode(rest, n, m->name_flags, p + o, cap - o - 1);
		if (w > 0 && foreign && lx_name_case_escaped(rest, n))
			w = pick_foreign_form(p, o, w, rest, n);
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
