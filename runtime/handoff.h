/*
 * The hand-off: what a process of the instance gives the Windows process
 * that continues it, after fork (a copy of the caller) or execve (a new
 * program keeping the Linux pid).  The creator starts the new process
 * suspended, writes one flat block into it with WriteProcessMemory and
 * stores the block's address in lx_handoff_block of the new process: the
 * runtime image is linked at a fixed base without ASLR, so that variable
 * has the same address in every packed program (docs/runtime.md,
 * "Processes").  Offsets are from the start of the block.
 */
#ifndef LXNT_RUNTIME_HANDOFF_H
#define LXNT_RUNTIME_HANDOFF_H

#include <stdint.h>
#include <wchar.h>

#include "lx.h"
#include "random.h"
#include "lxnt/linux/fs.h"
#include "lxnt/linux/signal.h"

#define LX_HANDOFF_MAGIC 0x31666f646e61686cULL /* "handof1" */

enum lx_handoff_kind {
	LX_HANDOFF_FORK = 1, /* same image, same memory: resume at regs with rax = 0 */
	LX_HANDOFF_EXEC = 2, /* new program: argv, envp, fds, identity (and elf_off) */
	LX_HANDOFF_DAEMON = 3, /* the instance daemon (runtime/daemon.c): the header alone */
};

/* One open file description; fds that share it name the same index. */
struct lx_handoff_file {
	uint64_t handle, handle2;  /* HANDLE values valid in the new process */
	uint64_t dev;
	int64_t pos;
	uint32_t flags;            /* LX_O_* */
	int32_t which;
	uint32_t path_off;         /* 0: no path */
	uint8_t is_dir, pos_shared, is_pipe, is_fifo;
	uint64_t lock_id, lock_obj; /* the description as a lock owner (vfs/locks.c) */
	uint64_t handle3;          /* a FIFO's ring section (vfs/fifo.c), a
	                              memfd's seal section (vfs/memfd_seals.c) */
};

struct lx_handoff_fd {
	int32_t fd;
	uint32_t file;             /* index into the file array */
	uint32_t cloexec;
};

struct lx_handoff {
	uint64_t magic;
	uint32_t kind, size;
	int32_t pid, ppid, pgid, sid;
	int64_t uid, gid;
	uint32_t umask, pad;
	uint64_t record;           /* HANDLE of the process record section (DAEMON: of the table) */
	struct lx_regs regs;       /* FORK */
	uint64_t tp, sigmask;
	uint64_t set_child_tid, clear_child_tid; /* CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID */
	uint64_t brk_base, brk_cur, mmap_top;
	struct lx_sigaction act[LX_NSIG];
	uint32_t nvma, vma_off;    /* struct lx_mm_area (runtime/mman.h) */
	uint32_t nfile, file_off;
	uint32_t nfd, fd_off;
	uint32_t argc, argv_off;   /* EXEC: NUL-separated strings */
	uint32_t envc, envp_off;
	uint32_t execfn_off;
	uint32_t nchild, child_off; /* EXEC: the children, still to be waited for */
	char cwd[LX_PATH_MAX];
	uint32_t cred_off, pad2;   /* struct lx_handoff_cred */
	/* vfs/locks.c: the lock table's section, and (EXEC) the process's
	 * POSIX lock owner with a HANDLE of its liveness object. */
	uint64_t lock_table, lock_owner, lock_owner_obj;
	/* runtime/image.c: FORK: struct lx_image and nsites struct
	 * lx_handoff_sites; EXEC: elf_off names the ELF file (a Linux path)
	 * to map instead of running the packed program (runtime/elfload.c). */
	uint32_t image_off, nsites, sites_off, elf_off;
	/* runtime/random.c: the key of the new process's generator, drawn
	 * from the creator's (random_seeded 0: none, it asks the system). */
	uint32_t random_seeded, pad3;
	uint8_t random_seed[LX_RANDOM_SEED_SIZE];
	struct lx_fp_control fp;   /* FORK: the caller's FP control state */
	/* FORK: the caller's private memory (runtime/fork.c): nregion struct
	 * lx_fork_region to commit or unprotect, fill from the section
	 * memory_section (HANDLE) by nrun struct lx_fork_run, then protect. */
	uint64_t memory_section;
	uint32_t nregion, region_off, nrun, run_off;
	/* FORK: the event that says the child's status is final
	 * (lx_proc_done_signal), a HANDLE valid in the child. */
	uint64_t done_event;
	/* EXEC: ITIMER_REAL's time left and interval in microseconds, which
	 * execve keeps (0: disarmed). */
	uint64_t itimer_left_us, itimer_interval_us;
	/* FORK: the calling thread's signal stack (copy_process keeps it). */
	uint64_t altstack_sp, altstack_size;
	int32_t altstack_flags, pad4;
};

/* A Windows region of the caller's memory as the fork child makes it:
 * committed (commit 1: a private area of the guest window, fresh and so
 * zero) or only made writable (commit 0: pages of the image window), then
 * given protect, the caller's protection. */
struct lx_fork_region {
	uint64_t start, end;
	uint32_t protect, commit;
};

/* Bytes of the caller's memory at start, len long, at src in the
 * hand-off's memory section. */
struct lx_fork_run {
	uint64_t start, len, src;
};

/* A registered site table (runtime/image.h) across fork. */
struct lx_handoff_sites {
	uint64_t lo, hi, bias, table_addr; /* table_addr 0: the packed image's */
	uint32_t count, pad;
};

/* A file's capabilities (security.capability, get_vfs_caps_from_disk):
 * state 1 with the sets and the effective flag, 0 for none (or none that
 * counts: a v3 value whose root id is not 0), or -LX_EINVAL for a value
 * execve refuses. */
struct lx_file_caps {
	int32_t state;
	uint32_t effective;
	uint64_t permitted, inheritable;
};

/* The credentials beyond the real uid and gid (runtime/sys_identity.c),
 * followed by ngroups gids. */
struct lx_handoff_cred {
	int64_t euid, suid, fsuid, egid, sgid, fsgid;
	uint32_t ngroups;
	uint32_t file_mode;        /* EXEC: the file's mode, for its set-ID bits */
	uint32_t file_uid, file_gid;
	struct lx_file_caps file_caps; /* EXEC: the file's capabilities */
};

/* A child handed to the new image of an execve. */
struct lx_handoff_child {
	int64_t pid;
	uint64_t process, section; /* HANDLEs valid in the new process */
	uint64_t done;             /* its done event (lx_child_add), or 0 */
};


struct lx_exec_file;

/* A block under construction in the creating process. */
struct lx_handoff_buf {
	unsigned char *p;
	size_t len, cap;
	bool failed;
};

/* The children across execve (runtime/proc.c). */
long lx_children_handoff_out(struct lx_handoff_buf *b, void *proc);
/* The credentials (runtime/sys_identity.c); lx_cred_handoff_file adds
 * the executed file's mode and owners, with which the new image of an
 * EXEC hand-off applies execve's rules (set-ID files among them). */
void lx_cred_handoff_out(struct lx_handoff_buf *b);
void lx_cred_handoff_file(struct lx_handoff_buf *b, const struct lx_exec_file *xf);
void lx_cred_handoff_in(const struct lx_handoff *h);
void lx_children_handoff_in(const struct lx_handoff *h);

/* Appends n bytes, returns their offset (0 after an allocation failure). */
uint32_t lx_handoff_put(struct lx_handoff_buf *b, const void *data, size_t n);
/* Appends a NUL-terminated string. */
uint32_t lx_handoff_put_str(struct lx_handoff_buf *b, const char *s);
static inline struct lx_handoff *lx_handoff_head(struct lx_handoff_buf *b)
{
	return (struct lx_handoff *)b->p;
}
/* Starts a block with a zeroed header of the given kind. */
bool lx_handoff_begin(struct lx_handoff_buf *b, enum lx_handoff_kind kind);
/* Copies the block into process proc and points its lx_handoff_block at it. */
long lx_handoff_deliver(struct lx_handoff_buf *b, void *proc);
void lx_handoff_free(struct lx_handoff_buf *b);

/* Set by the creator in the new process; NULL in a process started by Windows. */
extern const struct lx_handoff *volatile lx_handoff_block;
/* Set by the creator of a process that starts up before its hand-off is
 * written (a fork spare, runtime/fork_spare.c): an event set once the
 * block is in place, and the creator's process.  NULL otherwise. */
extern void *volatile lx_handoff_wait[2];
/* Waits for the hand-off, or ends the process if it will get none. */
void lx_handoff_await(void);
/* Set by the creator of an exec spare (runtime/exec_spare.c): its wake-up
 * event, the instance's end, its token and the spare table's section.
 * NULL otherwise. */
extern void *volatile lx_exec_spare_wait[4];
void lx_exec_spare_await(void);

/* vfs/handoff.c: the fd table and cwd, out to a new process and back in. */
long lx_vfs_handoff_out(struct lx_handoff_buf *b, void *proc, bool exec);
void lx_vfs_handoff_in(const struct lx_handoff *h);
/* vfs/locks.c: the lock table and the POSIX lock owner, out and in. */
long lx_locks_handoff_out(struct lx_handoff *h, void *proc, bool exec);
void lx_locks_handoff_in(const struct lx_handoff *h);
/* At execve's point of no return: the close-on-exec fds' closes drop the
 * process's POSIX locks on their files (vfs/locks.c). */
void lx_locks_exec_cloexec(void);
/* The fd table and cwd, saved and given back (vfs/handoff.c): vfork's
 * child changes them in place (runtime/vfork.c). */
void *lx_vfs_save(void);
void lx_vfs_restore(void *saved);
/* Closes every fd (an execve stub keeps no file open, runtime/exec.c). */
void lx_vfs_close_all(void);
void lx_cwd_copy(char *out); /* vfs/resolve.c, LX_PATH_MAX bytes */

/* vfs/exec.c: the file execve names (regular, executable), with its
 * Windows path (malloc'd) and first bytes. */
struct lx_exec_file {
	wchar_t *win_path;
	uint32_t mode, uid, gid;   /* the file's, for set-user-ID and set-group-ID */
	struct lx_file_caps caps;  /* and its capabilities */
	char linux_path[LX_PATH_MAX];
	char head[4096];
	size_t nhead;
};
long lx_vfs_exec_probe(int dirfd, const char *path, int at_flags, struct lx_exec_file *out);
/* True if the first n bytes of a file are a packed program (vfs/exec.c). */
bool lx_pe_is_packed(const char *head, size_t n);
/* An inheritable handle for a Windows program's standard handle fd, the
 * caller's to close: a duplicate of fd's handle, the NUL device for
 * /dev/null, or NULL (none, or close-on-exec). */
void *lx_vfs_fd_std_handle(int fd);
/* The working directory as a Win32 path (malloc'd), or NULL. */
wchar_t *lx_vfs_windows_cwd(void);

/*
 * Relays for a Windows program's standard handles that fds 0 to 2 cannot
 * give it (a FIFO, a /proc file, /dev/zero ...; vfs/relay.c): for each
 * std[fd] that is NULL while the fd is open and inherited, an inheritable
 * pipe end in std[fd], the caller's to close as the other std handles;
 * NULL when there is none.  lx_relays_started after the program was
 * made; lx_relays_free if it was not.  lx_relays_run, the execve stub's
 * wait: relays until the program has ended and its output pipes have
 * reached their end, then lets the files go; woken() runs whenever the
 * handle wake is signalled (the stub's signals) and when a file's read
 * or write was interrupted.
 */
struct lx_relays;
struct lx_relays *lx_relays_prepare(void *std[3]);
void lx_relays_started(struct lx_relays *rs);
void lx_relays_free(struct lx_relays *rs);
void lx_relays_run(struct lx_relays *rs, void *process, void *wake, void (*woken)(void));

/* Identity, record and signal dispositions (runtime/child.c); exec resets
 * caught signals to SIG_DFL as execve(2) does. */
long lx_handoff_common_out(struct lx_handoff_buf *b, void *proc, void *record, bool exec);

/* The new process's start (runtime/child.c), after the start-up common to
 * every process; never returns. */
struct lx_thread;
_Noreturn void lx_child_start(struct lx_thread *self);

#endif
