/*
 * The vfs's internal interface: path resolution, mounts, open file
 * descriptions, the fd table and the metadata rules (docs/vfs.md).
 * The runtime uses only lx_vfs_init, lx_vfs_pread_host and
 * lx_vfs_close_on_exec (declared in lx.h).
 */
#ifndef LXNT_VFS_H
#define LXNT_VFS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <wchar.h>

#include "lxnt/linux/errno.h"
#include "lxnt/linux/fs.h"
#include "lx.h"

/* Metadata (meta.c). */

struct lx_timespec64 {
	int64_t sec;
	uint32_t nsec;
};

/* What stat and statx report, filled by each kind of file. */
struct lx_kstat {
	uint64_t dev, ino, nlink, rdev;
	uint32_t mode, uid, gid;
	uint32_t meta_flags;      /* the record's LX_META_F_* (metastore.h), 0 without */
	int64_t size, blocks;
	struct lx_timespec64 atime, mtime, ctime, btime;
};

struct lx_timespec64 lx_time_from_nt(int64_t filetime);
uint32_t lx_mode_from_attributes(uint32_t attributes, const char *name);
uint8_t lx_dtype_from_attributes(uint32_t attributes);
void lx_kstat_owner(struct lx_kstat *st);

/* Names (name.c, name.h). */
#include "name.h"

/* Path normalisation (pathname.c). */

/* Joins base (absolute, canonical) and path and resolves "." and ".."
 * lexically; ".." at "/" stays at "/".  out gets a canonical absolute path
 * (no trailing slash except "/").  *trailing_slash tells whether path ended
 * in "/" (or "/." / "/.."); last (LX_NAME_MAX + 1 bytes, or NULL) gets the
 * last component as written (empty for "/").  Returns 0, -LX_ENAMETOOLONG
 * or -LX_ENOENT (empty path). */
long lx_path_join(const char *base, const char *path, char *out, size_t cap,
                  bool *trailing_slash, char *last);

/* Mounts and nodes (mount.c). */

enum lx_node_kind {
	LX_NODE_HOST,       /* a file or directory of a Windows volume */
	LX_NODE_SYNTH_DIR,  /* "/", "/mnt", "/dev" when they are ours */
	LX_NODE_DEV,        /* a /dev entry */
	LX_NODE_PROC,       /* a /proc or /sys entry (proc.c) */
};

enum lx_synth_dir { LX_SYNTH_ROOT, LX_SYNTH_MNT, LX_SYNTH_DEV };

enum lx_dev {
	LX_DEV_NULL, LX_DEV_ZERO, LX_DEV_FULL, LX_DEV_RANDOM, LX_DEV_URANDOM,
	LX_DEV_TTY, LX_DEV_STDIN, LX_DEV_STDOUT, LX_DEV_STDERR, LX_DEV_FD, LX_DEV_PTMX,
	LX_DEV_COUNT
};

/* lx_mount.flags */
#define LX_MOUNT_METADATA 1u   /* /mnt: store Linux metadata (option "metadata") */
#define LX_MOUNT_CASE_DIR 2u   /* directories carry the case-sensitive flag */
#define LX_MOUNT_FOREIGN 4u    /* may hold names written without case escapes */

struct lx_mount {
	char prefix[LX_PATH_MAX];   /* Linux path of the mount point */
	wchar_t *nt_root;             /* "\??\C:" style, no trailing backslash */
	uint64_t dev;                 /* st_dev of everything below */
	unsigned name_flags;          /* LX_NAME_ESCAPE_CASE or 0 (name.h) */
	unsigned flags;               /* LX_MOUNT_* */
	uint32_t fmask, dmask;        /* permission bits taken away (/mnt) */
	char fstype[16];              /* for /proc/self/mounts */
	char source[64];
	char options[160];            /* as /proc/self/mounts shows them */
	struct lx_meta_vol *meta;     /* its metadata backend; NULL: none (metavol.c) */
};

struct lx_node {
	enum lx_node_kind kind;
	char path[LX_PATH_MAX];   /* canonical Linux path */
	bool trailing_slash;
	char last[LX_NAME_MAX + 1]; /* last component as the caller wrote it */
	const struct lx_mount *mount; /* HOST */
	wchar_t *nt_path;         /* HOST: malloc'd NT path, lx_node_free */
	int which;                /* SYNTH_DIR: enum lx_synth_dir; DEV: enum lx_dev;
	                             PROC: the entry (proc.c) */
	long arg;                 /* PROC: the pid or fd the entry is about */
	/* HOST: the walk that made the node looked at it during this call
	 * (lx_node_stat answers from it instead of opening it again). */
	bool have_seen;
	struct lx_kstat seen;
	/* HOST: the walk looked for the last component during this call and
	 * it was not there (lx_node_stat says ENOENT without asking again);
	 * whoever creates it through this node clears the flag. */
	bool seen_absent;
};

#define LX_MAX_MOUNTS 32
#define LX_AUTOMOUNT_ROOT_MAX 64

/* Anonymous devices (0:N) of the synthetic trees and the mounts. */
#define LX_SYNTH_MINOR 1
#define LX_PROC_MINOR 2
#define LX_SYS_MINOR 3
#define LX_ROOT_MINOR 32
#define LX_TMP_MINOR 33
#define LX_SHM_MINOR 34
#define LX_DRIVE_MINOR 64

extern struct lx_mount lx_mounts[LX_MAX_MOUNTS];
extern int lx_nmounts;
extern bool lx_have_rootfs;
extern char lx_automount_root[LX_AUTOMOUNT_ROOT_MAX]; /* "/mnt", no trailing slash */

long lx_mount_lookup(struct lx_node *node);
/* The NT path of rest (a Linux path relative to m's root) (mount_path.c). */
long lx_mount_nt_path(const struct lx_mount *m, const char *rest, wchar_t **out);
bool lx_mount_is_point(const char *path);
bool lx_mount_below(const char *path, const char *prefix);
bool lx_mount_parent_synthetic(const char *path);
/* Lists a synthetic directory: calls emit for each entry. */
typedef bool (*lx_dir_emit)(void *ctx, const char *name, uint8_t type, uint64_t ino);
void lx_mount_list_synth(int which, lx_dir_emit emit, void *ctx);
void lx_mount_init(void);
const struct lx_mount *lx_mount_by_dev(uint64_t dev);
/* Drives below the automount root are mounted when first needed
 * (mount_conf.c): the one a path or a device number names, or all. */
void lx_mount_drive_for_path(const char *path);
void lx_mount_drive_for_dev(uint64_t dev);
void lx_mount_drives_all(void);
/* Called with a directory just made on m (mount_conf.c). */
void lx_mount_dir_created(const struct lx_mount *m, void *dir);
void lx_mount_apply_masks(uint64_t dev, uint32_t *mode);
/* The text of /proc/self/mounts (info false) or mountinfo (mount_table.c). */
long lx_mount_table_text(bool info, char **out, size_t *len);
struct lx_file;
/* Resolves a path below /proc or /sys into node (proc.c). */
long lx_proc_lookup(struct lx_node *node);
long lx_proc_stat(struct lx_node *node, bool follow, struct lx_kstat *st);
long lx_proc_open(struct lx_node *node, unsigned flags, unsigned mode, struct lx_file **out);
long lx_proc_readlink(struct lx_node *node, char *out, size_t cap);
/* Whether node is /proc/self/fd/N of a memfd, whose text names nothing:
 * the walk does not follow it, open(2) and stat(2) serve it (proc.c). */
bool lx_proc_is_own_memfd(const struct lx_node *node);
void lx_node_free(struct lx_node *node);
uint64_t lx_synth_dev(void);

/* Open file descriptions (fdtable.c). */

struct lx_file;

struct lx_dirent_rec {
	char *name;
	uint64_t ino;
	uint8_t type;
};

struct lx_file_ops {
	/* pos is NULL for stream files; otherwise the offset to use. */
	long (*read)(struct lx_file *f, void *buf, size_t n, int64_t *pos);
	long (*write)(struct lx_file *f, const void *buf, size_t n, int64_t *pos);
	long (*stat)(struct lx_file *f, struct lx_kstat *st);
	long (*list)(struct lx_file *f, lx_dir_emit emit, void *ctx); /* directories */
	long (*ioctl)(struct lx_file *f, unsigned cmd, uint64_t arg);
	long (*size)(struct lx_file *f, int64_t *size);   /* seekable files */
	int64_t (*lseek)(struct lx_file *f, int64_t off, int whence); /* NULL: by size */
	void (*release)(struct lx_file *f);
	/* Readiness for poll(2)/select(2): the LX_POLL* bits that hold now,
	 * without consuming data (lxnt/linux/poll.h).  NULL: always ready for
	 * reading and writing, LX_DEFAULT_POLLMASK, as for regular files. */
	unsigned (*poll)(struct lx_file *f);
	/* A waitable HANDLE that becomes signalled when poll's answer may have
	 * changed, valid while the caller holds a reference; NULL when there is
	 * none (then poll and select ask again at intervals). */
	void *(*poll_handle)(struct lx_file *f);
	/* With poll_handle: how long a wait may trust the handle alone, in
	 * ms, for files whose answer can also change unsignalled (a FIFO
	 * peer's death); 0 for as long as the caller waits. */
	unsigned poll_recheck_ms;
	bool seekable;
};

struct lx_file {
	volatile long refs;
	const struct lx_file_ops *ops;
	unsigned flags;          /* LX_O_ access mode and status flags */
	void *handle;            /* HANDLE, or NULL */
	void *handle2;           /* a second HANDLE (/dev/tty output) */
	int which;               /* node detail: enum lx_dev, enum lx_synth_dir;
	                            stream files: their GetFileType */
	bool is_dir;
	char *path;              /* canonical Linux path, or NULL */
	uint64_t dev;            /* st_dev of host files */
	void *lock;              /* SRWLOCK storage, see lx_file_lock */
	int64_t pos;
	/* The offset lives in the NT file object (shared with another
	 * process since a fork, vfs/handoff.c): pos is loaded before and
	 * stored after each use, under the lock. */
	bool pos_shared;
	/* getdents64 snapshot: taken at the first read or a rewind. */
	struct lx_dirent_rec *ents;
	size_t nents;
	bool ents_valid;
	/* console text carried between calls */
	unsigned char carry[8];
	size_t ncarry;
	char *pending;
	size_t npending, pending_off;
	void *priv;              /* per-kind state (pipe.c), freed by release */
	/* Advisory locks (lock_syscalls.c): the file's identity, looked up once, and
	 * the description's owner id with its liveness object, made at its
	 * first OFD or flock lock or when it goes to another process. */
	bool lock_keyed;
	uint64_t lock_volume, lock_file;
	uint64_t lock_id;
	void *lock_obj;
	/* A host file on a mount with Linux metadata: whether it had set-ID
	 * bits when last looked at, so that a write (file_remove_privs) stats
	 * it only then, or when not known (after a fork), or when a chmod may
	 * have given it some since: one of this process's (lx_setid_chmods)
	 * or a change of its record by any process (the metadata cache's
	 * generation of the record's slot, vfs/metacache.h; NULL: none). */
	enum lx_setid_seen { LX_SETID_UNKNOWN, LX_SETID_NONE, LX_SETID_SOME } setid_seen;
	long setid_chmods;
	const volatile int64_t *setid_gen;
	int64_t setid_gen_value;
	uint64_t setid_ino;       /* the file id, once a stat gave it; 0 before */
};

/* chmod calls of this process that gave a file set-ID bits, and setxattr
 * calls that gave one capabilities. */
extern volatile long lx_setid_chmods;
/* Notes what st, a stat of f's file just now, says of its set-ID bits and
 * attributes (which may hold capabilities); st->ino is the file id (0:
 * unknown, and then a change by another process is not seen).  A change
 * that ends between the stat and this call is missed;
 * lx_host_remove_privs, knowing the id, reads the tag first. */
void lx_file_setid_stat(struct lx_file *f, const struct lx_kstat *st);

struct lx_file *lx_file_new(const struct lx_file_ops *ops, unsigned flags);
/* Whether f is the memory device which (/dev/null ...: vfs/dev.c). */
bool lx_dev_file_is(const struct lx_file *f, enum lx_dev which);
void lx_file_get(struct lx_file *f);
void lx_file_put(struct lx_file *f);
void lx_file_lock(struct lx_file *f);
void lx_file_unlock(struct lx_file *f);
void lx_file_drop_snapshot(struct lx_file *f);
void lx_file_pos_load(struct lx_file *f);  /* pos_shared files (handoff.c) */
void lx_file_pos_store(struct lx_file *f);

/* Fd table (fdtable.c). */

#define LX_FD_MAX 1024 /* the RLIMIT_NOFILE soft limit reported by the runtime */

struct lx_file *lx_fd_get(int fd);           /* referenced, or NULL */
long lx_fd_install(struct lx_file *f, int minfd, bool cloexec); /* takes the ref */
long lx_fd_install_at(int fd, struct lx_file *f, bool cloexec);  /* takes the ref */
long lx_fd_close(int fd);
long lx_fd_get_cloexec(int fd);
long lx_fd_set_cloexec(int fd, bool on);

/* The largest single transfer, MAX_RW_COUNT of include/linux/fs.h. */
#define LX_MAX_RW_COUNT 0x7ffff000L

/* Transfers with file.c's rules (offset lock, MAX_RW_COUNT, stop at the
 * first short transfer) through host memory: at is an explicit offset or
 * NULL for the file offset.  The checks are read(2)'s and write(2)'s
 * EBADF; lseek is lseek(2)'s. */
long lx_file_readable(struct lx_file *f);
long lx_file_writable(struct lx_file *f);
long lx_file_read(struct lx_file *f, void *buf, size_t count, const int64_t *at);
long lx_file_write(struct lx_file *f, const void *buf, size_t count, const int64_t *at);
int64_t lx_file_lseek(struct lx_file *f, int64_t off, int whence);

/* fsync(2) of fd (sync.c), also for pwritev2's RWF_SYNC. */
long lx_vfs_fsync(int fd);

/* Advisory locks (lock_syscalls.c, docs/vfs.md "File locks"). */

/* fcntl(2)'s F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms. */
long lx_vfs_fcntl_lock(int fd, int cmd, uint64_t uarg);
/* An fd of f was closed: the process's POSIX locks on its file go. */
void lx_locks_fd_closed(struct lx_file *f);
/* f's last reference here goes: its OFD and flock locks go with the
 * description's last one anywhere. */
void lx_locks_file_release(struct lx_file *f);
/* The fds close without dropping POSIX locks: an execve's stub hands them
 * to the new image. */
void lx_locks_forget_posix(void);
/* While on, closes drop no POSIX locks (vfork's child's fd table going
 * back to its caller, which is not a close of the caller's). */
void lx_locks_quiet_closes(bool on);
/* f's owner id and a duplicate of its liveness object in process proc,
 * both 0 for a file that cannot be locked. */
long lx_locks_desc_handoff(struct lx_file *f, void *proc, uint64_t *id, uint64_t *obj);

/* Path resolution (resolve.c). */

/* A vfs-internal at_flags bit for lx_resolve_at: follow a symlink in the
 * last component too (stat, open without O_NOFOLLOW, chdir ...).  Links
 * before the last component are always followed. */
#define LX_AT_FOLLOW 0x40000000
/* Another vfs-internal bit: the walk does not look at the last component
 * (unless a trailing slash needs it), as Linux's LOOKUP_PARENT.  For
 * callers that learn whether it exists from the operation itself (a
 * creation that fails on a collision): under Wine a look for a name that
 * does not exist scans the whole directory. */
#define LX_AT_NO_LAST 0x20000000
/* With LX_AT_NO_LAST: not even a trailing slash makes the walk look at the
 * last component (unlink and rmdir: the kernel never follows their last
 * component, and a trailing slash only asks for a directory). */
#define LX_AT_NO_LAST_SLASH 0x10000000
/* The walk's search permission as the real ids (access(2) without
 * AT_EACCESS: access_override_creds holds for the whole lookup). */
#define LX_AT_REAL_IDS 0x08000000
/* The most links one walk follows (MAXSYMLINKS, fs/namei.c). */
#define LX_MAXSYMLINKS 40

/* Reads the target of the symlink node names (NUL-terminated, cap bytes);
 * returns its length, -LX_EINVAL when node is not a link. */
long lx_readlink_node(struct lx_node *node, char *out, size_t cap);

/* Resolves (dirfd, path) into node.  With LX_AT_EMPTY_PATH in at_flags an
 * empty path names dirfd itself: *empty_file then receives its file
 * (referenced) and node is left empty.  Symlinks are resolved by the
 * walk (the last component's only with LX_AT_FOLLOW); node->path is then
 * the path without links. */
long lx_resolve_at(int dirfd, const char *path, int at_flags, struct lx_node *node,
                   struct lx_file **empty_file);
/* openat2(2)'s RESOLVE_ flags (include/uapi/linux/openat2.h). */
#define LX_RESOLVE_NO_XDEV       0x01
#define LX_RESOLVE_NO_MAGICLINKS 0x02
#define LX_RESOLVE_NO_SYMLINKS   0x04
#define LX_RESOLVE_BENEATH       0x08
#define LX_RESOLVE_IN_ROOT       0x10
#define LX_RESOLVE_CACHED        0x20
/* lx_resolve_at with RESOLVE_NO_XDEV, NO_SYMLINKS, BENEATH and IN_ROOT. */
long lx_resolve_at2(int dirfd, const char *path, int at_flags, unsigned resolve,
                    struct lx_node *node, struct lx_file **empty_file);
/* Type, mode, owner and device of the directory at a canonical path, as
 * the walk sees it (its cache of directories, vfs/resolve.c); *meta when
 * it lies on a volume with Linux metadata (st is only filled then). */
long lx_resolve_dir_stat(const char *path, struct lx_kstat *st, bool *meta);
/* Copies a guest path in (PATH_MAX, ENAMETOOLONG) and resolves it. */
long lx_resolve_user(int dirfd, uint64_t upath, int at_flags, struct lx_node *node,
                     struct lx_file **empty_file);
void lx_cwd_copy(char *out); /* LX_PATH_MAX bytes */
/* "C:\\x" -> "/mnt/c/x", or a rootfs path (init.c). */
long lx_linux_path_of_win32(const wchar_t *win, char *out, size_t cap);
long lx_set_cwd(const char *path);

/* Workers shared by handlers. */

/* Duplicates handle h into process proc for a hand-off (handoff.c): 0
 * and *out 0 for no handle. */
long lx_handoff_dup_into(void *proc, void *h, uint64_t *out);

long lx_vfs_open(int dirfd, uint64_t upath, unsigned flags, unsigned mode);
long lx_open_node(struct lx_node *node, unsigned flags, unsigned mode, struct lx_file **out);
long lx_node_stat(struct lx_node *node, bool follow, struct lx_kstat *st);
/* lx_node_stat, and when the name does not exist but NAME.exe is a packed
 * lxnt program, that program instead: node's nt_path then names it
 * (stat, access and execve; docs/vfs.md "Packed programs on PATH"). */
long lx_node_stat_alias(struct lx_node *node, bool follow, struct lx_kstat *st);
/* True if the first n bytes of a file are a PE with a .lxnt section. */
bool lx_pe_is_packed(const char *head, size_t n);
long lx_file_stat(struct lx_file *f, struct lx_kstat *st);
long lx_host_is_dir(void *handle, bool *is_dir);
/* The subdirectories of the directory at nt_path, as the vfs lists them
 * (2 + this is a Linux directory's link count). */
long lx_host_subdirs(const wchar_t *nt_path, uint32_t *count);
/* The same through h, a handle of the directory with FILE_LIST_DIRECTORY. */
long lx_host_subdirs_handle(void *h, uint32_t *count);
/* Whether directories of the mount with st_dev dev show that count. */
bool lx_host_counts_subdirs(uint64_t dev);
long lx_host_stat_handle(void *handle, const char *path, uint64_t dev, struct lx_kstat *st);
/* The calling thread's kept handle of a file it created and has closed
 * (host.c), when it is the file id of volume dev; NULL otherwise.  Not to
 * be closed by the caller. */
void *lx_host_kept(uint64_t dev, uint64_t id);
bool lx_host_kept_any(void);
/* file_remove_privs of the host file f before a write or an allocation. */
long lx_host_remove_privs(struct lx_file *f);
/* The same, and the file's NT ChangeTime (the stat cache's check). */
long lx_host_stat_handle_ctime(void *handle, const char *path, uint64_t dev, struct lx_kstat *st,
                               int64_t *change_time);
long lx_host_open(const wchar_t *nt_path, uint32_t access, uint32_t disposition,
                  uint32_t options, uint32_t attributes, void **handle);
long lx_host_file_new(void *handle, unsigned flags, struct lx_node *node, bool is_dir,
                      struct lx_file **out);
/* A host file's which when it is a memfd (memfd.c), whose fstat
 * lx_memfd_stat corrects. */
#define LX_HOST_MEMFD 1
void lx_memfd_stat(struct lx_kstat *st);
bool lx_file_is_host(const struct lx_file *f);
bool lx_file_is_memfd(const struct lx_file *f);
/* open(2) of /proc/self/fd/N when N is a memfd: a new description of
 * the same file with flags (proc.c). */
long lx_memfd_reopen(struct lx_file *f, unsigned flags, struct lx_file **out);
/* File seals (memfd_seals.c): the state of a memfd's description
 * (f->priv), made by memfd_create(MFD_ALLOW_SEALING), found again for a
 * description rebuilt elsewhere (none: the memfd cannot be sealed), and
 * dropped by its release. */
long lx_memfd_seals_new(struct lx_file *f);
/* section: the seal section's handle a hand-off brought (taken), or NULL
 * to look for it by the file's identity. */
long lx_memfd_seals_adopt(struct lx_file *f, void *section);
/* The seal section duplicated into process proc for a hand-off (*section
 * 0 when the memfd cannot be sealed). */
long lx_memfd_seals_handoff(struct lx_file *f, void *proc, uint64_t *section);
void lx_memfd_seals_release(struct lx_file *f);
/* fcntl(2)'s F_ADD_SEALS and F_GET_SEALS of any file. */
long lx_memfd_fcntl(struct lx_file *f, int cmd, unsigned arg);
/* A memfd's write of *n bytes at pos: -LX_EPERM, or *n cut to what
 * F_SEAL_GROW lets through. */
long lx_memfd_write_check(struct lx_file *f, int64_t pos, size_t *n);
/* A memfd's size becoming new_size (ftruncate; fallocate, grow_only). */
long lx_memfd_size_check(struct lx_file *f, int64_t new_size, bool grow_only);
/* A shared mapping's section of a memfd: sealed, or the writer handle. */
struct lx_vfs_section;
long lx_memfd_section(struct lx_file *f, struct lx_vfs_section *out);
long lx_dev_open(int which, unsigned flags, struct lx_file **out);
long lx_dev_stat(int which, struct lx_kstat *st);
long lx_dev_find(const char *name);
const char *lx_dev_name(int which);
const char *lx_dev_link_target(int which);
long lx_synth_dir_open(int which, const char *path, unsigned flags, struct lx_file **out);
long lx_stream_file_new(void *handle, unsigned flags, struct lx_file **out);
void lx_stream_release(struct lx_file *f); /* closes handle and handle2 */
long lx_console_file_new(void *in, void *out, unsigned flags, struct lx_file **out_file);
unsigned lx_stream_poll(struct lx_file *f);
/* Pipes (pipe.c): F_GETPIPE_SZ and F_SETPIPE_SZ of fcntl(2), EBADF for a
 * file that is not a pipe; and the SIGPIPE that a write to a pipe without
 * readers raises on the writing thread before it returns EPIPE. */
long lx_pipe_fcntl(struct lx_file *f, int cmd, long arg);
void lx_pipe_raise_sigpipe(void);
/* A pipe file for one end of a Windows named pipe opened for overlapped
 * I/O (an end handed over by fork or execve); takes the handle, closing it
 * on failure. */
long lx_pipe_end_new(void *handle, unsigned flags, struct lx_file **out);
/* Whether f is an end of a pipe (vfs/pipe.c). */
bool lx_file_is_pipe(const struct lx_file *f);
/* Opens the FIFO node whose stat is node (its stable key is dev and ino)
 * with open(2)'s flags (fifo.c, fifo(7)): O_RDONLY and O_WRONLY block
 * until the other side comes unless O_NONBLOCK, which a reader ignores and
 * a writer answers with ENXIO; O_RDWR never blocks. */
long lx_fifo_open(const struct lx_kstat *node, unsigned flags, struct lx_file **out);
/* Whether f is an open FIFO (fifo.c), and its description across fork and
 * execve: the role handles and the ring go over, duplicated into proc. */
bool lx_file_is_fifo(const struct lx_file *f);
struct lx_handoff_file;
long lx_fifo_handoff_out(struct lx_file *f, void *proc, struct lx_handoff_file *hf);
long lx_fifo_handoff_in(const struct lx_handoff_file *hf, struct lx_file **out);
long lx_permission(const struct lx_kstat *st, int mask, bool real_ids);
/* inode_owner_or_capable() of fs/inode.c (meta.c): the fsuid owns the
 * file, or CAP_FOWNER stands in for owning it. */
bool lx_owner_or_capable(const struct lx_kstat *st);

/* Name operations (namei.c). */

bool lx_nt_class_unsupported(long status);
/* The handles open to the named event name, in every process, less the
 * one opened here to ask (NtQueryObject's ObjectBasicInformation): 0 when
 * none is left, a negative errno when the count cannot be had.  A handle
 * count, unlike a counter in memory, drops when Windows closes a killed
 * process's handles. */
long lx_event_other_handles(const wchar_t *name);
int lx_last_is_dots(const char *last);       /* 1 for ".", 2 for "..", else 0 */
long lx_host_delete(void *handle);
/* unlink of the file behind handle (opened with DELETE, closed here) at
 * nt_path on the mount with st_dev dev: its name goes at once even where
 * the volume lacks POSIX delete (remove.c).  exclusive: handle was opened
 * sharing nothing, so no other handle of the file exists anywhere and a
 * classic delete removes the name when it is closed. */
long lx_unlink_file(void *handle, const wchar_t *nt_path, uint64_t dev, bool exclusive);
/* Opens nt_path for removal (DELETE and attribute access, the node itself,
 * not a link's target) sharing nothing where nobody else has the file
 * open, else sharing everything; *exclusive says which (remove.c). */
long lx_open_for_removal(const wchar_t *nt_path, uint32_t options, void **handle,
                         bool *exclusive);
/* Renames the file or directory behind handle (at nt_path) to a reserved
 * name in its directory; *hidden gets that NT path (malloc'd), *ino the
 * file id (remove.c). */
long lx_hide_file(void *handle, const wchar_t *nt_path, wchar_t **hidden, uint64_t *ino);
/* Whether this process unlinked the file (dev, ino) while it was open. */
bool lx_host_unlinked(uint64_t dev, uint64_t ino);
/* Sets FileRename/FileLink information (Ex or not) naming target; returns
 * the NTSTATUS, so that callers can fall back from an unsupported class. */
long lx_host_set_name(void *handle, int info_class, uint32_t first, const wchar_t *target);
long lx_node_probe(struct lx_node *node, bool *exists, bool *is_dir);

/* Handlers of syscalls whose rows in runtime/syscalls.tbl do not name
 * them yet (pipe.c, setattr.c). */
int64_t lx_sys_pipe(struct lx_syscall *sc);
int64_t lx_sys_pipe2(struct lx_syscall *sc);
int64_t lx_sys_truncate(struct lx_syscall *sc);
int64_t lx_sys_ftruncate(struct lx_syscall *sc);
int64_t lx_sys_utimensat(struct lx_syscall *sc);
int64_t lx_sys_chmod(struct lx_syscall *sc);
int64_t lx_sys_fchmod(struct lx_syscall *sc);
int64_t lx_sys_fchmodat(struct lx_syscall *sc);

#endif
