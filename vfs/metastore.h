/*
 * Linux metadata on Windows volumes (docs/formats.md): the portable record
 * store, for volumes without extended attributes or reparse points, and the
 * byte layouts of the WSL format.  Only NT calls and plain C: the store is
 * shared by the runtime's vfs and the lxnt-fsck tool.
 */
#ifndef LXNT_VFS_METASTORE_H
#define LXNT_VFS_METASTORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <wchar.h>

/* The metadata of one file, whatever its format. */
struct lx_meta {
	uint32_t mode;            /* st_mode, file type included */
	uint32_t uid, gid;
	uint32_t flags;           /* LX_META_F_* (the portable record's; 0 elsewhere) */
	uint64_t rdev;
	int64_t atime_sec, mtime_sec, ctime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec;
	/* The Windows last-access and last-write times (100 ns units) when
	 * the record was written: a Windows time that has moved on since
	 * (a write) wins over the stored nanoseconds. */
	int64_t atime_nt, mtime_nt;
	/* A symlink's target length where the format keeps the target apart
	 * from the file's data (the WSL format's reparse point), else 0. */
	uint32_t link_len;
};

/* The file has extended attributes, in the store's attribute file of its
 * id (metaxattr.h). */
#define LX_META_F_XATTRS 1u

/* Which fields of a struct lx_meta a write stores. */
#define LX_META_MODE  1u
#define LX_META_UID   2u
#define LX_META_GID   4u
#define LX_META_RDEV  8u
#define LX_META_TIMES 16u
#define LX_META_ALL   31u

/* The portable record: LX_METAREC_SIZE bytes, little-endian.  A record
 * file holds up to LX_METAREC_SLOTS of them, each with its sequence
 * number; the current record is the intact slot with the later one. */
#define LX_METAREC_SIZE 104
#define LX_METAREC_MAGIC 0x314d584cu /* "LXM1" */
#define LX_METAREC_VERSION 2         /* 1: a file of one record, no sequence */
#define LX_METAREC_SLOTS 2

void lx_metarec_encode(const struct lx_meta *m, uint64_t file_id,
                       unsigned char out[LX_METAREC_SIZE]);
/* false when the bytes are not a whole, intact record of file_id. */
bool lx_metarec_decode(const unsigned char in[LX_METAREC_SIZE], uint64_t file_id,
                       struct lx_meta *m);
uint32_t lx_crc32(const void *data, size_t n);
/* The current record among the slots of a record file's first got bytes
 * (buf): the index of the intact slot of file_id with the later sequence
 * number (its record in *m, its number in *seq), or -1 when none is
 * intact.  *torn says whether a whole slot failed its checks: a write
 * under way, or one cut by a kill. */
int lx_metarec_pick(const unsigned char *buf, size_t got, uint64_t file_id, struct lx_meta *m,
                    uint32_t *seq, bool *torn);

/* The store's directory in a volume's root ("<root>\U+F000lxnt"): a name
 * that the name codec never produces, so no guest path reaches it. */
#define LX_METASTORE_NAME L"\xF000lxnt"
/* Names of files being created in a guest directory, before they are
 * renamed to their Linux name (same reason). */
#define LX_METATMP_PREFIX L'\xF000'

/* How many times, about a millisecond apart (lx_metastore_pause), an
 * operation on a store file that another process holds open for an
 * instant is tried again, while lx_metastore_transient says so of its
 * NTSTATUS (a sharing violation, a delete pending, the classic rename's
 * access denied over an open file). */
#define LX_METASTORE_RETRIES 5000
bool lx_metastore_transient(long status);
void lx_metastore_pause(int tries);

/* NtCreateFile of an NT path with every share mode and synchronous I/O,
 * as the store and the import open their files; an NTSTATUS. */
long lx_metastore_open(const wchar_t *path, uint32_t access, uint32_t disposition,
                       uint32_t options, void **h);
/* Record store operations; each returns an NTSTATUS.  store is the NT
 * path of the store directory.  lx_metastore_write takes the record's lock
 * for the time of the write. */
long lx_metastore_read(const wchar_t *store, uint64_t file_id, struct lx_meta *m);
long lx_metastore_write(const wchar_t *store, uint64_t file_id, const struct lx_meta *m);
long lx_metastore_delete(const wchar_t *store, uint64_t file_id);
/* Renames (FileRenameInformation) or links (FileLinkInformation) the file
 * of h to the NT path target, replacing an existing one when replace is
 * set; an NTSTATUS. */
long lx_metastore_set_name(void *h, unsigned long info_class, bool replace,
                           const wchar_t *target);
/* Deletes the store's file at path (as it closes it); an NTSTATUS. */
long lx_metastore_delete_file(const wchar_t *path);
/* The first record of a file being created, which has no Linux name yet
 * (it is still in the staging directory): nobody can look for its record,
 * so it is written in place, without a temporary and a rename.  A record
 * left torn by a kill belongs to a file that never got its name. */
long lx_metastore_write_new(const wchar_t *store, uint64_t file_id, const struct lx_meta *m);
/* Serialises read-modify-write of one record across processes: the record
 * file itself, opened to be written and sharing no writing (made empty
 * when missing), so that a holder that is killed releases it.  Returns the
 * handle to pass to lx_metastore_write_locked and lx_metastore_unlock, or
 * NULL when it could not be had within a few seconds. */
void *lx_metastore_lock(const wchar_t *store, uint64_t file_id);
void lx_metastore_unlock(void *lock);
/* Writes the record through its lock, in place: the slot that does not
 * hold the current record. */
long lx_metastore_write_locked(void *lock, const wchar_t *store, uint64_t file_id,
                               const struct lx_meta *m);
/* The record file's NT path (cap WCHARs). */
void lx_metastore_path(const wchar_t *store, uint64_t file_id, wchar_t *out, size_t cap);
/* A unique name for a temporary in a guest directory, LX_METATMP_PREFIX
 * first (cap WCHARs). */
void lx_metastore_tmpname(wchar_t *out, size_t cap);
/* The staging directory, <store>\new: files and directories being created
 * are made there and renamed to their Linux name once they have their
 * record.  A small directory of its own: a name Wine does not find costs
 * it a scan of the whole directory (its case-insensitive lookup), and the
 * guest's directory may hold thousands of entries. */
#define LX_METASTORE_STAGING L"new"
/* A unique NT path in the staging directory (cap WCHARs). */
void lx_metastore_staging_path(const wchar_t *store, wchar_t *out, size_t cap);
/* Makes the bucket directory of file_id's record (it may exist
 * already); an NTSTATUS. */
long lx_metastore_make_bucket(const wchar_t *store, uint64_t file_id);
/* Makes the staging directory (it may exist already); an NTSTATUS. */
long lx_metastore_make_staging(const wchar_t *store);

/* The WSL format: $LXUID, $LXGID, $LXMOD, $LXDEV extended attributes and
 * the LX reparse points (docs/formats.md, "The WSL format"). */
#define LX_IO_REPARSE_TAG_LX_SYMLINK 0xA000001Du
#define LX_IO_REPARSE_TAG_AF_UNIX    0x80000023u
#define LX_IO_REPARSE_TAG_LX_FIFO    0x80000024u
#define LX_IO_REPARSE_TAG_LX_CHR     0x80000025u
#define LX_IO_REPARSE_TAG_LX_BLK     0x80000026u

/* FILE_FULL_EA_INFORMATION list of the four attributes (out has room for
 * cap bytes); returns its length, or 0 when cap is too small. */
size_t lx_wsl_ea_encode(const struct lx_meta *m, unsigned char *out, size_t cap);
/* The same for the attributes of the fields named (LX_META_MODE, _UID,
 * _GID, _RDEV); 0 when none is named or cap is too small. */
size_t lx_wsl_ea_encode_fields(const struct lx_meta *m, unsigned fields, unsigned char *out,
                               size_t cap);
/* FILE_GET_EA_INFORMATION list naming the four attributes, for
 * NtQueryEaFile; returns its length, or 0 when cap is too small. */
size_t lx_wsl_ea_query_list(unsigned char *out, size_t cap);
/* Reads the attributes it knows from an EA list; returns which were found
 * (bit 0 $LXUID, 1 $LXGID, 2 $LXMOD, 3 $LXDEV), or -1 for a malformed list. */
int lx_wsl_ea_decode(const unsigned char *in, size_t len, struct lx_meta *m);
/* REPARSE_DATA_BUFFER of an LX symlink; returns its length or 0. */
size_t lx_wsl_symlink_encode(const char *target, size_t n, unsigned char *out, size_t cap);
/* The target of an LX symlink reparse buffer (NUL-terminated in out);
 * returns its length or -1. */
long lx_wsl_symlink_decode(const unsigned char *in, size_t len, char *out, size_t cap);
/* The reparse tag for a special file's type (0 for a type without one). */
uint32_t lx_wsl_special_tag(uint32_t mode);
/* REPARSE_DATA_BUFFER of a special file: the tag, no data. */
size_t lx_wsl_special_encode(uint32_t mode, unsigned char *out, size_t cap);
/* The file type (LX_S_IFxxx) a reparse tag stands for, or 0. */
uint32_t lx_wsl_type_of_tag(uint32_t tag);

#endif
