/*
 * The portable metadata backend (docs/formats.md, "The portable format"):
 * one record per file id in the store directory of the volume's root
 * (metastore.c); a symlink is a regular file holding its target, FIFOs,
 * sockets and device nodes are empty files, and the record says which.
 */
#include <string.h>

#include "vfs.h"
#include "metaback.h"
#include "metaxattr.h"
#include "nt.h"

static long portable_read(const struct lx_meta_vol *v, void *h, uint64_t id, uint32_t attributes,
                          struct lx_meta *m)
{
	(void)h, (void)attributes;
	return lx_metastore_read(v->store, id, m) == 0 ? 0 : -LX_ENODATA;
}

/* The whole record is written: the caller holds the record's lock
 * (portable_lock) around its read, change and write, and the write goes
 * through it; without it (it could not be had) the write takes it alone. */
static long portable_write(const struct lx_meta_vol *v, void *lock, void *h, uint64_t id,
                           const struct lx_meta *m, unsigned fields)
{
	NTSTATUS s = lock ? lx_metastore_write_locked(lock, v->store, id, m) :
	                    lx_metastore_write(v->store, id, m);

	(void)h, (void)fields;
	return NT_SUCCESS(s) ? 0 : -LX_EIO;
}

static long write_content(HANDLE h, const void *content, size_t n)
{
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	NTSTATUS s;

	if (!n)
		return 0;
	s = NtWriteFile(h, NULL, NULL, NULL, &io, (void *)content, (ULONG)n, &off, NULL);
	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	return io.Information == n ? 0 : -LX_ENOSPC;
}

static long portable_create(const struct lx_meta_vol *v, void *h, uint64_t id,
                            const struct lx_meta *m, const char *target, size_t n)
{
	long err = write_content(h, target, n);

	if (!err && !NT_SUCCESS(lx_metastore_write_new(v->store, id, m)))
		err = -LX_EIO;
	return err;
}

/* The target is the file's data; its size says how long it is. */
static long portable_readlink(const struct lx_meta_vol *v, void *h, char *out, size_t cap)
{
	FILE_STANDARD_INFORMATION std;
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off = { 0 };
	NTSTATUS s;
	int64_t size;

	(void)v;
	s = NtQueryInformationFile(h, &io, &std, sizeof(std),
	                           (FILE_INFORMATION_CLASS)LX_FileStandardInformation);
	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	size = std.EndOfFile.QuadPart;
	if (size <= 0 || (uint64_t)size >= cap)
		return -LX_EIO; /* a link's target is 1 to PATH_MAX - 1 bytes */
	s = NtReadFile(h, NULL, NULL, NULL, &io, out, (ULONG)size, &off, NULL);
	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	if (io.Information != (ULONG_PTR)size)
		return -LX_EIO;
	out[size] = 0;
	return (long)size;
}

/* A link or a special file is known only from its record. */
static uint8_t portable_dtype(uint32_t attributes, uint32_t ea_size)
{
	(void)ea_size;
	return (attributes & FILE_ATTRIBUTE_DIRECTORY) ? LX_DT_DIR : LX_DT_UNKNOWN;
}

/* The attribute file goes with the record; the record (cached, as a
 * stat before the unlink left it) says whether there is one. */
static void portable_forget(const struct lx_meta_vol *v, uint64_t id)
{
	struct lx_meta m;
	bool xattrs = lx_metastore_read(v->store, id, &m) == 0 && (m.flags & LX_META_F_XATTRS);

	lx_metastore_delete(v->store, id);
	if (xattrs)
		lx_xattrs_delete(v->store, id);
}

static void *portable_lock(const struct lx_meta_vol *v, uint64_t id)
{
	return lx_metastore_lock(v->store, id);
}

const struct lx_meta_backend lx_meta_portable = {
	.name = "portable",
	.create_access = 0,
	.open_options = 0,
	.stat_access = 0,
	.read = portable_read,
	.write = portable_write,
	.create = portable_create,
	.readlink = portable_readlink,
	.dtype = portable_dtype,
	.forget = portable_forget,
	.lock = portable_lock,
	.unlock = lx_metastore_unlock,
	.by_id = true,
};
