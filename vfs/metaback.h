/*
 * Metadata backends (docs/vfs.md, "Metadata backends"): how one mount keeps
 * Linux metadata.  Two exist: the portable record store (metaback_portable.c)
 * and the WSL format (metaback_wsl.c).  Each mount that keeps metadata picks
 * one when it is mounted (metavol.c) and keeps it: the two are never mixed on
 * one mount.
 */
#ifndef LXNT_VFS_METABACK_H
#define LXNT_VFS_METABACK_H

#include "metastore.h"

struct lx_meta_vol;

/* The operations of one backend.  h is a handle of the file (opened with
 * FILE_OPEN_REPARSE_POINT where the file may be an LX reparse point), id its
 * file id (FileInternalInformation).  Each returns 0 or -LX_Exxx. */
struct lx_meta_backend {
	const char *name;          /* "portable" or "wsl", as /proc/self/mounts shows it */
	uint32_t create_access;    /* added to the access of a file being created */
	uint32_t open_options;     /* added to the options of opens that act on a node
	                              itself (FILE_OPEN_REPARSE_POINT for LX points) */
	uint32_t stat_access;      /* added to the access of a handle opened for stat,
	                              so that read needs no second handle */
	/* The metadata of the file; attributes are its Windows attributes
	 * (FILE_ATTRIBUTE_REPARSE_POINT says whether to ask for a tag).
	 * -LX_ENODATA when the file has none (made outside lxnt and WSL). */
	long (*read)(const struct lx_meta_vol *v, void *h, uint64_t id, uint32_t attributes,
	             struct lx_meta *m);
	/* Stores the fields of m named by fields (LX_META_*); lock is what
	 * lock gave for id (NULL when the backend has none or it failed). */
	long (*write)(const struct lx_meta_vol *v, void *lock, void *h, uint64_t id,
	              const struct lx_meta *m, unsigned fields);
	/* Gives a new file, before it has its Linux name, what m says:
	 * metadata, and for a symlink its target (n bytes, no NUL); a FIFO,
	 * socket or device node is marked as one. */
	long (*create)(const struct lx_meta_vol *v, void *h, uint64_t id, const struct lx_meta *m,
	               const char *target, size_t n);
	/* A symlink's target into out (cap bytes, NUL-terminated); its length,
	 * -LX_EIO when it is not 1 to cap - 1 bytes. */
	long (*readlink)(const struct lx_meta_vol *v, void *h, char *out, size_t cap);
	/* A directory entry's d_type from what the listing gives
	 * (FILE_ID_BOTH_DIR_INFORMATION: the attributes, and in EaSize the
	 * reparse tag of a reparse point); LX_DT_UNKNOWN sends the reader to
	 * lstat (getdents(2)). */
	uint8_t (*dtype)(uint32_t attributes, uint32_t ea_size);
	/* The file id lost its last name (or its creation failed). */
	void (*forget)(const struct lx_meta_vol *v, uint64_t id);
	/* Serialises a read-change-write of one file's metadata across
	 * processes; NULL when the backend needs no lock. */
	void *(*lock)(const struct lx_meta_vol *v, uint64_t id);
	void (*unlock)(void *lock);
	/* read, write and lock need only the id, no handle of the file (h
	 * may be NULL): a change of metadata alone need not open the file. */
	bool by_id;
};

/* The metadata of one mount. */
struct lx_meta_vol {
	const struct lx_meta_backend *ops;
	uint64_t dev;       /* the mount's st_dev */
	wchar_t *store;     /* portable: the NT path of the store directory */
	/* Names the mount's cache counters (vfs/metacache.c): the store, or
	 * for the WSL format the mount's root. */
	const wchar_t *cache_key;
};

extern const struct lx_meta_backend lx_meta_portable;
extern const struct lx_meta_backend lx_meta_wsl;

/*
 * The WSL backend's I/O goes through these calls, so that a unit test can
 * put an in-memory volume behind them (vfs/tests/wslback.c).  Each returns
 * an NTSTATUS; the real ones (lx_wsl_nt_calls) are NtQueryEaFile,
 * NtSetEaFile, NtFsControlFile with FSCTL_GET_REPARSE_POINT and
 * FSCTL_SET_REPARSE_POINT, and ReOpenFile.
 */
struct lx_wsl_nt {
	/* NtQueryEaFile with an EA list (FILE_GET_EA_INFORMATION chain of
	 * list_len bytes) and ReturnSingleEntry FALSE; *got the bytes written. */
	long (*query_ea)(void *h, void *out, size_t cap, const void *list, size_t list_len,
	                 size_t *got);
	/* NtSetEaFile of a FILE_FULL_EA_INFORMATION chain of len bytes. */
	long (*set_ea)(void *h, const void *ea, size_t len);
	/* FSCTL_GET_REPARSE_POINT into out; *got the bytes written. */
	long (*get_reparse)(void *h, void *out, size_t cap, size_t *got);
	/* FSCTL_SET_REPARSE_POINT of a REPARSE_DATA_BUFFER of len bytes. */
	long (*set_reparse)(void *h, const void *buf, size_t len);
	/* A second handle of the same file with the access given (an fd
	 * opened write-only lacks FILE_READ_EA); NULL on failure. */
	void *(*reopen)(void *h, uint32_t access);
	void (*close)(void *h);
};

extern const struct lx_wsl_nt lx_wsl_nt_calls;
/* The calls the WSL backend uses (lx_wsl_nt_calls unless a test swapped
 * them). */
extern const struct lx_wsl_nt *lx_wsl_nt;

/* The names of the LX extended attributes, as NTFS stores them (EA names
 * are upper-cased by the file system). */
#define LX_EA_UID "$LXUID"
#define LX_EA_GID "$LXGID"
#define LX_EA_MOD "$LXMOD"
#define LX_EA_DEV "$LXDEV"

/* Whether the file behind h (a fresh, empty file the caller deletes)
 * stores and gives back an LX extended attribute and an LX symlink. */
bool lx_wsl_probe_handle(void *h);
/* Whether the file behind h carries $LXUID or $LXMOD. */
bool lx_wsl_has_lx_ea(void *h);
/* Marks a directory made outside lxnt (a rootfs's root) as holding the
 * WSL format: $LXMOD 040755, unless it has LX attributes already. */
void lx_wsl_stamp_dir(void *h);

#endif
