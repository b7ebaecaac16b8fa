/*
 * Importing the manifest that `lxnt convert` leaves in a rootfs
 * (docs/formats.md, "The import manifest"): one record per entry in the
 * portable store, hard links that a copy broke made again, then the
 * manifest removed.  NT calls and plain C, shared by lxnt-fsck --import and
 * the vfs (the first process of a rootfs that has a manifest imports it).
 */
#ifndef LXNT_VFS_METAIMPORT_H
#define LXNT_VFS_METAIMPORT_H

#include <stdbool.h>
#include <wchar.h>

/* The manifest in the rootfs's root: a name the codec never writes. */
#define LX_MANIFEST_NAME L"\xF000lxnt-manifest"
/* The import's lock, in the store (made with FILE_CREATE and
 * FILE_DELETE_ON_CLOSE, so a killed holder releases it). */
#define LX_IMPORT_LOCK_NAME L"import.lock"

struct lx_import_result {
	unsigned long entries;   /* lines of the manifest */
	unsigned long records;   /* records written */
	unsigned long relinked;  /* names linked again to their group's first name */
	unsigned long problems;  /* entries missing or not what the manifest says */
};

/* Receives one line (UTF-8, no newline) about a problem or a step. */
typedef void lx_import_say(void *ctx, const char *line);

/* Whether root (an NT path) holds a manifest: one open, no lock. */
bool lx_meta_import_pending(const wchar_t *root);

/* Imports root's manifest into store (both NT paths) under the import
 * lock.  Returns 0 when there is nothing (left) to import or the import
 * finished and removed the manifest; otherwise an NTSTATUS, the manifest
 * stays and running the import again goes on from where it is.  Every
 * step can be repeated, so a process killed at any point leaves a state
 * that a later import completes. */
long lx_meta_import(const wchar_t *root, const wchar_t *store, lx_import_say *say, void *ctx,
                    struct lx_import_result *res);

#endif
