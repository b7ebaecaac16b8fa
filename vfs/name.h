/*
 * The name codec (docs/vfs.md, "Names"): Linux file names (bytes) to
 * Windows names (UTF-16) and back.  Portable C with no Windows headers, so
 * that it can be tested on the build host and shared with host tools.
 */
#ifndef LXNT_VFS_NAME_H
#define LXNT_VFS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* Escape every character that a case-insensitive volume would confuse with
 * another (upper-case and other cased letters) and a '~' that could make a
 * name look like an 8.3 short name.  Set for volumes whose directories are
 * not case-sensitive and that hold Linux trees (the rootfs, /tmp); clear
 * for /mnt drives, which keep Windows semantics. */
#define LX_NAME_ESCAPE_CASE 1u

/* The Windows characters that carry escaped bytes: U+F000 + byte. */
#define LX_NAME_ESCAPE 0xF000u

/* Writes the Windows form of the Linux name [name, name+len) to out, which
 * has room for cap WCHARs (UTF-16 code units, whatever wchar_t's width);
 * returns the WCHARs written (never more than len) or -LX_ENAMETOOLONG. */
long lx_name_encode(const char *name, size_t len, unsigned flags, wchar_t *out, size_t cap);

/* lx_name_encode with LX_NAME_ESCAPE_CASE: the form for Linux trees. */
long lx_name_to_nt(const char *name, size_t len, wchar_t *out, size_t cap);

/* Whether a Windows name is one the encoder never writes because it ends
 * in a literal '.' or ' ' (which Win32 strips): the vfs names its own
 * files so (remove.c), and listings leave them out. */
bool lx_name_reserved(const wchar_t *name, size_t len);

/* Writes the Linux form of a Windows name (len WCHARs) into out (cap bytes,
 * NUL-terminated); returns the bytes before the NUL, -LX_ENAMETOOLONG, or
 * -LX_ENOENT for a reserved name. */
long lx_name_from_nt(const wchar_t *name, size_t len, char *out, size_t cap);

/* Whether the name's encoding with flags differs from its encoding without
 * LX_NAME_ESCAPE_CASE, i.e. whether a tree written by a tool that does not
 * escape case could hold it under another Windows name. */
bool lx_name_case_escaped(const char *name, size_t len);

#endif
