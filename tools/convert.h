/*
 * `lxnt convert SRC DEST`: rootfs conversion (docs/architecture.md
 * "Converting a rootfs").  convert.c runs the command, walk.c reads a
 * directory SRC, tarball.c a tarball, tree.c builds DEST, elffile.c handles one regular file (copy.c copies
 * one), cache.c keeps rewritten files by content, manifest.c encodes names
 * and writes the metadata manifest.
 */
#ifndef LXNT_TOOLS_CONVERT_H
#define LXNT_TOOLS_CONVERT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <stdbool.h>

#include <lxnt/sitetab.h>

#include "rewrite.h"

/* The extended attributes of one entry that DEST keeps (xattrs.c). */
struct cv_xattrs {
	unsigned char *buf;
	size_t len;
};

/* One entry of SRC (walk.c, tarball.c), in preorder: a directory before
 * its contents. */
struct cv_entry {
	char *rel;          /* path relative to the root, "" for the root itself */
	char *out;          /* the same path in DEST: each name encoded (cv_encode_name) */
	char *target;       /* a symlink's target (tree.c; tarball.c sets it), else NULL */
	char *from;         /* a regular file's data when not at SRC/rel (a tarball's
	                     * staging file), else NULL */
	struct stat st;     /* lstat(2) of the entry */
	long link_primary;  /* hard link: index of the first entry of its inode, else -1 */
	struct cv_xattrs xattrs; /* those of the namespaces the vfs keeps */
};

struct cv_tree {
	struct cv_entry *v;
	size_t n, cap;
	/* "<path>: <reason>" for what the walk left out: a name too long once
	 * encoded, a directory it could not read (its contents). */
	char **left_out;
	size_t nleft;
	/* "<path>: <what>" for what an entry had that DEST cannot keep: its
	 * ACLs and the xattrs of namespaces the vfs does not keep (system.,
	 * others). */
	char **not_kept;
	size_t nnot_kept;
};

/* Extended attributes (xattrs.c): whether the vfs keeps a name's
 * namespace (user., trusted., security.); an entry's set. */
bool cv_xattr_kept(const char *name);
int cv_xattr_append(struct cv_xattrs *x, const char *name, const void *value, size_t vlen);
int cv_xattr_copy(struct cv_xattrs *to, const struct cv_xattrs *from);
void cv_xattr_free(struct cv_xattrs *x);
void cv_xattr_each(const struct cv_xattrs *x,
	void (*fn)(void *ctx, const char *name, size_t n, const unsigned char *value, size_t vlen),
	void *ctx);
/* The kept attributes of the file at path (not following a symlink) into
 * x; the names of the others, comma-separated, into dropped (dcap bytes).
 * -1 out of memory. */
int cv_read_xattrs(const char *path, struct cv_xattrs *x, char *dropped, size_t dcap);

/* Reads SRC into tree, sorted by name within each directory so that the
 * output and its report do not depend on readdir(3) order.  skip_dev and
 * skip_ino name a directory to leave out (DEST, when it lies inside SRC). */
int cv_walk(const char *src, dev_t skip_dev, ino_t skip_ino, struct cv_tree *tree,
	char *err, size_t errlen);
void cv_tree_free(struct cv_tree *tree);

/* Reads the tarball SRC into tree as cv_walk reads a directory, with
 * each regular file's data written to a file of the existing, empty
 * directory staging (cv_entry.from); -1 with "<SRC>: <reason>" in err
 * when SRC is not a tarball or is damaged.  Members it leaves out (a
 * ".." name, a hard link to nothing) are in tree->left_out. */
int cv_read_tarball(const char *src, const char *staging, struct cv_tree *tree,
	char *err, size_t errlen);

/* What happened to one regular file (elffile.c). */
enum cv_outcome {
	CV_COPIED,       /* not an x86-64 ELF executable or shared object: copied as data */
	CV_COPIED_ELF,   /* an ELF file of another class, machine or type: copied as data */
	CV_REWRITTEN,    /* an ELF64 x86-64 ET_EXEC/ET_DYN file, rewritten */
	CV_ALREADY,      /* already rewritten (has PT_LXNT_SITES): copied unchanged */
	CV_FAILED,       /* left out of DEST; reason in err */
};

/* Sites of one rewritten file, read back from its site table. */
struct cv_sites {
	uint64_t by_kind_rung[LXNT_SITE_KIND_COUNT][LXNT_RUNG_COUNT];
	uint64_t trap_red_zone; /* trap sites flagged LXNT_SITE_REC_RED_ZONE */
};

struct cv_cache;

struct cv_file_job {
	const char *src, *dest;        /* full paths */
	const char *name;              /* what messages call it: src, or a tarball member */
	const struct stat *st;
	enum cv_outcome outcome;
	int cache_hit;                 /* rewritten bytes came from the cache */
	struct cv_sites sites;
	char err[512];
};

/* Converts one regular file src -> dest (elffile.c); thread-safe. */
void cv_convert_file(struct cv_file_job *job, const struct lxnt_rewrite_options *opt,
	struct cv_cache *cache);

/* Copies the open file in to dest through a temporary name (copy.c). */
int cv_copy_file(int in, const char *dest, unsigned mode, char *err, size_t errlen);

/* Counts the sites of a rewritten image by reading its site table; -1 if
 * it has none or it is out of bounds. */
int cv_count_sites(const uint8_t *img, size_t n, struct cv_sites *out);

/* Building DEST (tree.c); each returns 0, or -1 with "<path>: <reason>" in err.
 * DEST holds plain files and directories only: a symlink is a file holding
 * its target, a FIFO, socket or device node an empty file, as the vfs's
 * portable format stores them; the manifest carries types, modes, owners,
 * devices and times. */
/* DEST's own mode (the permission bits plus owner access, no set-id bits:
 * the copy must stay readable and writable) and st's times. */
int cv_apply_meta(const char *path, const struct stat *st, char *err, size_t errlen);
int cv_make_dir(const char *path, char *err, size_t errlen);
/* Reads src's target into *target (malloc'd), unless *target is set
 * already, and writes it as dest's content. */
int cv_make_symlink(const char *src, const char *dest, const struct stat *st, char **target,
	char *err, size_t errlen);
int cv_make_special(const char *dest, const struct stat *st, char *err, size_t errlen);
int cv_make_hard_link(const char *primary, const char *dest, char *err, size_t errlen);

/* The manifest's name in DEST's root: U+F000 "lxnt-manifest" in UTF-8, a
 * name the codec never writes, so no guest path reaches it. */
#define CV_MANIFEST_NAME "\xef\x80\x80lxnt-manifest"

/* The DEST form of one Linux name (manifest.c): the name codec's Windows
 * name with case escapes, in UTF-8; -1 if it is longer than NAME_MAX. */
int cv_encode_name(const char *name, char *out, size_t cap);
/* Writes DEST's manifest of the entries of t that exist in DEST. */
int cv_write_manifest(const char *dest, const struct cv_tree *t, char *err, size_t errlen);

/*
 * Content-addressed cache of rewritten files (cache.c).  An entry is keyed
 * by SHA-256(input) together with the rewriter version and options, holds
 * the rewritten bytes and their own SHA-256, and is written to a temporary
 * name and renamed into place.
 */
struct cv_cache *cv_cache_open(const char *dir, const struct lxnt_rewrite_options *opt,
	char *err, size_t errlen);
void cv_cache_close(struct cv_cache *c);
/* 0 and a malloc'd *out on a verified hit; -1 on a miss or a bad entry. */
int cv_cache_get(struct cv_cache *c, const uint8_t input_sha[32], uint8_t **out,
	size_t *outn);
/* Best effort: a failure to store only costs a later rewrite. */
void cv_cache_put(struct cv_cache *c, const uint8_t input_sha[32], const uint8_t *data,
	size_t n);
/* Entries that failed verification and were ignored. */
unsigned long cv_cache_bad_entries(const struct cv_cache *c);

/* The default cache directory: $XDG_CACHE_HOME/lxnt or ~/.cache/lxnt. */
int cv_cache_default_dir(char *buf, size_t len);

/* lxnt convert SRC DEST [-j N] [--cache DIR | --no-cache] [-q]; argv[0] is "convert". */
int lxnt_cmd_convert(int argc, char **argv);

#endif
