/*
 * Helpers shared by the name operations (remove.c, rename.c, link.c):
 * deleting and renaming through NT information classes, and probing a
 * node.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "nt.h"

bool lx_nt_class_unsupported(long s)
{
	return s == STATUS_INVALID_INFO_CLASS || s == STATUS_NOT_IMPLEMENTED ||
	       s == (NTSTATUS)STATUS_INVALID_PARAMETER || s == STATUS_NOT_SUPPORTED;
}

/* Whether the last component the caller wrote is "." or "..". */
int lx_last_is_dots(const char *last)
{
	size_t n = strlen(last);

	if (n == 1 && last[0] == '.')
		return 1;
	if (n == 2 && last[0] == '.' && last[1] == '.')
		return 2;
	return 0;
}

static NTSTATUS clear_readonly(HANDLE h)
{
	FILE_BASIC_INFORMATION basic;
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtQueryInformationFile(h, &io, &basic, sizeof(basic),
	                                    (FILE_INFORMATION_CLASS)LX_FileBasicInformation);

	if (!NT_SUCCESS(s))
		return s;
	basic.FileAttributes &= ~(ULONG)FILE_ATTRIBUTE_READONLY;
	if (!basic.FileAttributes)
		basic.FileAttributes = FILE_ATTRIBUTE_NORMAL;
	memset(&basic.CreationTime, 0, 4 * sizeof(LARGE_INTEGER)); /* keep the times */
	return NtSetInformationFile(h, &io, &basic, sizeof(basic),
	                            (FILE_INFORMATION_CLASS)LX_FileBasicInformation);
}

/* Deletes the file behind h with POSIX semantics (the name goes at once,
 * open handles keep working, as unlink(2) requires) where the volume
 * supports FileDispositionInformationEx, else the classic delete-on-close.
 * A read-only attribute does not stop unlink(2) on Linux. */
long lx_host_delete(void *h)
{
	struct lx_nt_disposition_ex ex = {
		LX_FILE_DISPOSITION_DELETE | LX_FILE_DISPOSITION_POSIX_SEMANTICS |
		LX_FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE };
	FILE_DISPOSITION_INFORMATION classic = { TRUE };
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtSetInformationFile(h, &io, &ex, sizeof(ex),
	                                  (FILE_INFORMATION_CLASS)LX_FileDispositionInformationEx);

	if (lx_nt_class_unsupported(s)) {
		s = NtSetInformationFile(h, &io, &classic, sizeof(classic),
		                         (FILE_INFORMATION_CLASS)LX_FileDispositionInformation);
		if (s == STATUS_CANNOT_DELETE && NT_SUCCESS(clear_readonly(h)))
			s = NtSetInformationFile(h, &io, &classic, sizeof(classic),
			                         (FILE_INFORMATION_CLASS)LX_FileDispositionInformation);
	}
	return NT_SUCCESS(s) ? 0 : lx_errno_from_ntstatus(s);
}

/* Sets a rename or link information class naming target. */
long lx_host_set_name(void *h, int cls, uint32_t first, const wchar_t *target)
{
	size_t len = wcslen(target) * sizeof(wchar_t);
	struct lx_nt_rename *info = calloc(1, sizeof(*info) + len + sizeof(wchar_t));
	IO_STATUS_BLOCK io;
	NTSTATUS s;

	if (!info)
		return STATUS_NO_MEMORY;
	if (cls == LX_FileRenameInformationEx)
		info->Flags = first;
	else
		info->ReplaceIfExists = first != 0;
	info->FileNameLength = (ULONG)len;
	memcpy(info->FileName, target, len);
	s = NtSetInformationFile(h, &io, info, (ULONG)(sizeof(*info) + len),
	                         (FILE_INFORMATION_CLASS)cls);
	free(info);
	return s;
}

/* Whether the node exists, and if so whether it is a directory. */
long lx_node_probe(struct lx_node *node, bool *exists, bool *is_dir)
{
	struct lx_kstat st;
	long err = lx_node_stat(node, false, &st);

	*exists = err == 0;
	*is_dir = *exists && LX_S_ISDIR(st.mode);
	if (err == -LX_ENOENT)
		return 0;
	return err == -LX_ENOTDIR && node->trailing_slash ? 0 : err;
}
