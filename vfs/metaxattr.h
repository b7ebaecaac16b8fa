/*
 * Extended attributes in the portable format (docs/formats.md, "Extended
 * attributes"): the attributes of one file id, all of them, in one
 * attribute file beside its record, replaced whole by a rename at each
 * change.  The record's LX_META_F_XATTRS says whether the file has any, so
 * a file without attributes costs no I/O.  Only NT calls and plain C: the
 * runtime's vfs and lxnt-fsck share it.
 */
#ifndef LXNT_VFS_METAXATTR_H
#define LXNT_VFS_METAXATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* The capabilities' attribute (security/commoncap.c) and its value's
 * layout (include/uapi/linux/capability.h, vfs_ns_cap_data): a
 * little-endian magic_etc word, then permitted and inheritable words per
 * 32 capabilities, then (v3) the root id. */
#define LX_XATTR_CAPS "security.capability"
#define VFS_CAP_REVISION_MASK 0xff000000u
#define VFS_CAP_REVISION_1 0x01000000u
#define VFS_CAP_REVISION_2 0x02000000u
#define VFS_CAP_REVISION_3 0x03000000u
#define VFS_CAP_FLAGS_EFFECTIVE 0x000001u
#define XATTR_CAPS_SZ_1 12
#define XATTR_CAPS_SZ_2 20
#define XATTR_CAPS_SZ_3 24

/* The length of name's namespace prefix when it is one the portable
 * format keeps (user., trusted., security.; as ext4, ACLs aside), else
 * 0.  A name that is only the prefix has no attribute name after it. */
static inline size_t lx_xattr_kept_prefix(const char *name)
{
	static const char *const kept[] = { "user.", "trusted.", "security." };

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		size_t n = 0;
		while (kept[i][n] && name[n] == kept[i][n])
			n++;
		if (!kept[i][n])
			return n;
	}
	return 0;
}

/* The attribute file: a 24-byte header, then the entries. */
#define LX_XATTR_MAGIC 0x3158584cu /* "LXX1" */
#define LX_XATTR_VERSION 1
#define LX_XATTR_HEADER 24
/* What one file may hold: the entries' bytes (each name and value with an
 * 8-byte entry header).  More is ENOSPC, as a full ext4 attribute block. */
#define LX_XATTR_MAX_BYTES (256 * 1024)

/* A file's attributes in memory: the entries as the file holds them, in
 * the order they were first set.  Entry: name length (4 bytes, 1-255),
 * value length (4 bytes), the name (no NUL), the value. */
struct lx_xattrs {
	unsigned char *buf;
	size_t len, cap;
};

void lx_xattrs_free(struct lx_xattrs *x);
/* The value of name (n bytes) and its length, or NULL when absent. */
const unsigned char *lx_xattrs_find(const struct lx_xattrs *x, const char *name, size_t n,
                                    uint32_t *vlen);
/* Sets name to the value (replacing one of that name in place of it);
 * -1 out of memory, -2 over LX_XATTR_MAX_BYTES. */
int lx_xattrs_set(struct lx_xattrs *x, const char *name, size_t n, const void *value,
                  uint32_t vlen);
/* Removes name; false when it was not there. */
bool lx_xattrs_remove(struct lx_xattrs *x, const char *name, size_t n);
/* Calls fn for each entry in order until it returns false. */
void lx_xattrs_each(const struct lx_xattrs *x,
                    bool (*fn)(void *ctx, const char *name, size_t n, const unsigned char *value,
                               uint32_t vlen),
                    void *ctx);

/* The file's bytes for file_id (malloc'd, *n long), or NULL. */
unsigned char *lx_xattrs_encode(const struct lx_xattrs *x, uint64_t file_id, size_t *n);
/* The attributes of an attribute file's bytes; false when they are not a
 * whole, intact file of file_id with well-formed entries. */
bool lx_xattrs_decode(const unsigned char *in, size_t n, uint64_t file_id, struct lx_xattrs *x);

/* <store>\<bucket>\<id, 16 hex>.x (cap WCHARs). */
void lx_xattrs_path(const wchar_t *store, uint64_t file_id, wchar_t *out, size_t cap);
/* Reads the attribute file of file_id; a missing one is an empty set.
 * An NTSTATUS; STATUS_FILE_CORRUPT_ERROR for a damaged file. */
long lx_xattrs_load(const wchar_t *store, uint64_t file_id, struct lx_xattrs *x);
/* Replaces the attribute file of file_id by one holding x, written under a
 * temporary name and renamed over it (a kill leaves the old file or the
 * new one); an empty set deletes it.  The caller holds the record's lock
 * (lx_metastore_lock), which serialises changes.  An NTSTATUS. */
long lx_xattrs_store(const wchar_t *store, uint64_t file_id, const struct lx_xattrs *x);
/* Deletes the attribute file of file_id, if there is one. */
long lx_xattrs_delete(const wchar_t *store, uint64_t file_id);

#endif
