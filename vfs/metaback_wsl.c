/*
 * The WSL metadata backend (docs/formats.md, "The WSL format"): Linux
 * metadata as WSL 1 keeps it on NTFS, so that a tree is interchangeable with
 * WSL's.  Owner, group and mode (and a device's number) are the $LXUID,
 * $LXGID, $LXMOD and $LXDEV extended attributes; times are the file's own
 * NTFS times; a symlink is an IO_REPARSE_TAG_LX_SYMLINK reparse point holding
 * its target; FIFOs, sockets and device nodes are empty files with the LX
 * special-file reparse tags.  Byte layouts are in wslmeta.c; every NT call
 * goes through lx_wsl_nt, so that vfs/tests/wslback.c can run this file
 * against an in-memory volume.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "metaback.h"
#include "nt.h"

/* ntifs.h; mingw-w64's <winternl.h> declares neither. */
NTSTATUS NTAPI NtQueryEaFile(HANDLE h, PIO_STATUS_BLOCK io, PVOID buffer, ULONG length,
                             BOOLEAN single, PVOID list, ULONG list_len, PULONG index,
                             BOOLEAN restart);
NTSTATUS NTAPI NtSetEaFile(HANDLE h, PIO_STATUS_BLOCK io, PVOID buffer, ULONG length);

#ifndef STATUS_ACCESS_DENIED
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#endif
#define LX_STATUS_NO_EAS_ON_FILE ((NTSTATUS)0xC0000052L)
#define LX_STATUS_NOT_A_REPARSE_POINT ((NTSTATUS)0xC0000275L)
#define LX_FSCTL_SET_REPARSE_POINT 0x000900A4u
#define LX_FSCTL_GET_REPARSE_POINT 0x000900A8u
#define LX_MAX_REPARSE 16384u /* MAXIMUM_REPARSE_DATA_BUFFER_SIZE */

static long nt_query_ea(void *h, void *out, size_t cap, const void *list, size_t list_len,
                        size_t *got)
{
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtQueryEaFile(h, &io, out, (ULONG)cap, FALSE, (void *)list, (ULONG)list_len,
	                           NULL, TRUE);

	*got = NT_SUCCESS(s) ? io.Information : 0;
	return s;
}

static long nt_set_ea(void *h, const void *ea, size_t len)
{
	IO_STATUS_BLOCK io;

	return NtSetEaFile(h, &io, (void *)ea, (ULONG)len);
}

static long nt_get_reparse(void *h, void *out, size_t cap, size_t *got)
{
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtFsControlFile(h, NULL, NULL, NULL, &io, LX_FSCTL_GET_REPARSE_POINT, NULL, 0,
	                             out, (ULONG)cap);

	*got = NT_SUCCESS(s) ? io.Information : 0;
	return s;
}

static long nt_set_reparse(void *h, const void *buf, size_t len)
{
	IO_STATUS_BLOCK io;

	return NtFsControlFile(h, NULL, NULL, NULL, &io, LX_FSCTL_SET_REPARSE_POINT, (void *)buf,
	                       (ULONG)len, NULL, 0);
}

/* ReOpenFile keeps the file the handle names, whatever its names do
 * meanwhile; FILE_FLAG_OPEN_REPARSE_POINT because an LX reparse point is
 * one Windows cannot follow. */
static void *nt_reopen(void *h, uint32_t access)
{
	HANDLE r = ReOpenFile(h, access | FILE_READ_ATTRIBUTES,
	                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
	                      FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT);

	return r == INVALID_HANDLE_VALUE ? NULL : r;
}

static void nt_close(void *h)
{
	NtClose(h);
}

const struct lx_wsl_nt lx_wsl_nt_calls = {
	nt_query_ea, nt_set_ea, nt_get_reparse, nt_set_reparse, nt_reopen, nt_close,
};
const struct lx_wsl_nt *lx_wsl_nt = &lx_wsl_nt_calls;

/* Reads the four attributes; STATUS_ACCESS_DENIED (a handle without
 * FILE_READ_EA, such as a write-only fd's) is retried on a second handle.  NTFS answers a
 * file without EAs with STATUS_NO_EAS_ON_FILE and gives a name it does not
 * have back with an empty value. */
static int query_lx(void *h, struct lx_meta *m)
{
	unsigned char list[64], buf[256];
	size_t list_len = lx_wsl_ea_query_list(list, sizeof(list)), got = 0;
	long s = lx_wsl_nt->query_ea(h, buf, sizeof(buf), list, list_len, &got);

	if (s == STATUS_ACCESS_DENIED) {
		void *r = lx_wsl_nt->reopen(h, FILE_READ_EA);
		if (r) {
			s = lx_wsl_nt->query_ea(r, buf, sizeof(buf), list, list_len, &got);
			lx_wsl_nt->close(r);
		}
	}
	if (!NT_SUCCESS(s) || !got)
		return 0;
	return lx_wsl_ea_decode(buf, got, m);
}

/* The file's reparse data (out has LX_MAX_REPARSE bytes); 0 bytes when it
 * has none. */
static size_t get_reparse(void *h, unsigned char *out)
{
	size_t got = 0;
	long s = lx_wsl_nt->get_reparse(h, out, LX_MAX_REPARSE, &got);

	return NT_SUCCESS(s) && got >= 8 ? got : 0;
}

static uint32_t tag_of(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* m holds what Windows says on entry; the file's attributes replace it.
 * The type is the reparse tag's when the file has an LX tag (the data
 * cannot be read without it), else $LXMOD's. */
static long wsl_read(const struct lx_meta_vol *v, void *h, uint64_t id, uint32_t attributes,
                     struct lx_meta *m)
{
	struct lx_meta got = *m;
	int found = query_lx(h, &got);
	uint32_t type = 0;

	(void)v, (void)id;
	if (found < 0) {
		found = 0; /* a damaged list is no metadata */
		got = *m;
	}
	if (attributes & FILE_ATTRIBUTE_REPARSE_POINT) {
		unsigned char *buf = malloc(LX_MAX_REPARSE);
		size_t len = buf ? get_reparse(h, buf) : 0;

		if (len)
			type = lx_wsl_type_of_tag(tag_of(buf));
		if (type == LX_S_IFLNK) {
			char *target = malloc(LX_MAX_REPARSE);
			long n = target ? lx_wsl_symlink_decode(buf, len, target, LX_MAX_REPARSE) : -1;
			got.link_len = n > 0 ? (uint32_t)n : 0;
			free(target);
		}
		free(buf);
	}
	if (!found && !type)
		return -LX_ENODATA;
	if (type)
		got.mode = type | (found & 4 ? got.mode & 07777 : type == LX_S_IFLNK ? 0777 : 0644);
	*m = got;
	return 0;
}

/* One NtSetEaFile sets the attributes it names and leaves the others:
 * a chmod never undoes a chown running at the same moment. */
static long set_lx(void *h, const struct lx_meta *m, unsigned fields)
{
	unsigned char buf[128];
	size_t len = lx_wsl_ea_encode_fields(m, fields, buf, sizeof(buf));
	long s;

	if (!len)
		return 0;
	s = lx_wsl_nt->set_ea(h, buf, len);
	if (s == STATUS_ACCESS_DENIED) {
		void *r = lx_wsl_nt->reopen(h, FILE_WRITE_EA);
		if (r) {
			s = lx_wsl_nt->set_ea(r, buf, len);
			lx_wsl_nt->close(r);
		}
	}
	return NT_SUCCESS(s) ? 0 : lx_errno_from_ntstatus((NTSTATUS)s);
}

/* Times are the NTFS times, set by the caller (utimensat) as WSL does:
 * they keep 100 ns, not the nanoseconds. */
static long wsl_write(const struct lx_meta_vol *v, void *lock, void *h, uint64_t id,
                      const struct lx_meta *m, unsigned fields)
{
	(void)v, (void)lock, (void)id;
	return set_lx(h, m, fields & (LX_META_MODE | LX_META_UID | LX_META_GID | LX_META_RDEV));
}

static bool is_device(uint32_t mode)
{
	return (mode & LX_S_IFMT) == LX_S_IFCHR || (mode & LX_S_IFMT) == LX_S_IFBLK;
}

/* $LXDEV only on device nodes, as WSL writes it; the reparse point last,
 * as the file cannot take data once it is a special file. */
static long wsl_create(const struct lx_meta_vol *v, void *h, uint64_t id, const struct lx_meta *m,
                       const char *target, size_t n)
{
	unsigned char *buf;
	size_t len = 0;
	long err, s;

	(void)v, (void)id;
	err = set_lx(h, m, LX_META_MODE | LX_META_UID | LX_META_GID |
	                   (is_device(m->mode) ? LX_META_RDEV : 0));
	if (err || (m->mode & LX_S_IFMT) == LX_S_IFREG || (m->mode & LX_S_IFMT) == LX_S_IFDIR)
		return err;
	buf = malloc(LX_MAX_REPARSE);
	if (!buf)
		return -LX_ENOMEM;
	if ((m->mode & LX_S_IFMT) == LX_S_IFLNK)
		len = lx_wsl_symlink_encode(target, n, buf, LX_MAX_REPARSE);
	else
		len = lx_wsl_special_encode(m->mode, buf, LX_MAX_REPARSE);
	/* A target longer than a reparse point holds (16 KiB with its
	 * header) cannot be stored; PATH_MAX targets always fit. */
	s = len ? lx_wsl_nt->set_reparse(h, buf, len) : 0;
	free(buf);
	if (!len)
		return -LX_ENAMETOOLONG;
	return NT_SUCCESS(s) ? 0 : lx_errno_from_ntstatus((NTSTATUS)s);
}

static long wsl_readlink(const struct lx_meta_vol *v, void *h, char *out, size_t cap)
{
	unsigned char *buf = malloc(LX_MAX_REPARSE);
	size_t len;
	long n;

	(void)v;
	if (!buf)
		return -LX_ENOMEM;
	len = get_reparse(h, buf);
	n = len ? lx_wsl_symlink_decode(buf, len, out, cap) : -1;
	free(buf);
	return n > 0 ? n : -LX_EIO;
}

/* Every file that is neither a regular file nor a directory is an LX
 * reparse point ("File Permissions for WSL"), and a listing gives a reparse
 * point's tag in place of the EA size ([MS-FSCC] 2.4.17, EaSize): the type
 * needs no query. */
static uint8_t wsl_dtype(uint32_t attributes, uint32_t ea_size)
{
	if (attributes & FILE_ATTRIBUTE_DIRECTORY)
		return LX_DT_DIR;
	if (!(attributes & FILE_ATTRIBUTE_REPARSE_POINT))
		return LX_DT_REG;
	switch (lx_wsl_type_of_tag(ea_size)) {
	case LX_S_IFLNK: return LX_DT_LNK;
	case LX_S_IFIFO: return LX_DT_FIFO;
	case LX_S_IFSOCK: return LX_DT_SOCK;
	case LX_S_IFCHR: return LX_DT_CHR;
	case LX_S_IFBLK: return LX_DT_BLK;
	default: return LX_DT_UNKNOWN;
	}
}

/* The metadata lives on the file: it goes with the file. */
static void wsl_forget(const struct lx_meta_vol *v, uint64_t id)
{
	(void)v, (void)id;
}

const struct lx_meta_backend lx_meta_wsl = {
	.name = "wsl",
	.create_access = FILE_READ_EA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_DATA,
	.open_options = FILE_OPEN_REPARSE_POINT,
	.stat_access = FILE_READ_EA,
	.read = wsl_read,
	.write = wsl_write,
	.create = wsl_create,
	.readlink = wsl_readlink,
	.dtype = wsl_dtype,
	.forget = wsl_forget,
	.lock = NULL,
	.unlock = NULL,
};

bool lx_wsl_has_lx_ea(void *h)
{
	struct lx_meta m = { 0 };

	return (query_lx(h, &m) & (1 | 4)) != 0;
}

/* The probe: an EA and an LX symlink set on the file behind h and read
 * back.  A volume that claims both features but implements neither (or
 * loses a byte) fails here. */
bool lx_wsl_probe_handle(void *h)
{
	static const char target[] = "lxnt-probe";
	struct lx_meta m = { .mode = LX_S_IFREG | 0640, .uid = 0x4c58, .gid = 0x6e74 };
	struct lx_meta back = { 0 };
	unsigned char *buf = malloc(LX_MAX_REPARSE);
	char out[sizeof(target)];
	size_t len;
	bool ok;

	if (!buf)
		return false;
	ok = set_lx(h, &m, LX_META_MODE | LX_META_UID | LX_META_GID) == 0 &&
	     query_lx(h, &back) == 7 && back.mode == m.mode && back.uid == m.uid &&
	     back.gid == m.gid;
	if (ok) {
		len = lx_wsl_symlink_encode(target, sizeof(target) - 1, buf, LX_MAX_REPARSE);
		ok = NT_SUCCESS(lx_wsl_nt->set_reparse(h, buf, len)) &&
		     (len = get_reparse(h, buf)) != 0 &&
		     lx_wsl_symlink_decode(buf, len, out, sizeof(out)) == (long)sizeof(target) - 1 &&
		     !memcmp(out, target, sizeof(target));
	}
	free(buf);
	return ok;
}

/* $LXMOD alone: the owner stays what a directory without metadata has
 * (the process's), as under the portable format. */
void lx_wsl_stamp_dir(void *h)
{
	struct lx_meta m = { .mode = LX_S_IFDIR | 0755 };

	if (!lx_wsl_has_lx_ea(h))
		set_lx(h, &m, LX_META_MODE);
}
