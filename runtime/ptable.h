/*
 * The instance's process table (docs/formats.md, "The process table"):
 * one named section that every process of the instance maps, holding one
 * entry per Linux id.  Pids and tids share one space, as on Linux; the
 * instance's init (the daemon, runtime/daemon.c) is pid 1.
 *
 * Only Win32 is used here, so that lxnt-instance.exe links this file
 * without the rest of the runtime.  Functions return 0 or a Win32 error.
 */
#ifndef LXNT_RUNTIME_PTABLE_H
#define LXNT_RUNTIME_PTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define LX_PTABLE_MAGIC 0x31656c6261747870ULL /* "pxtable1" */
#define LX_PTABLE_VERSION 1
#define LX_PTABLE_PID_MAX 32768  /* /proc/sys/kernel/pid_max's default */
#define LX_PTABLE_RESERVED 300   /* RESERVED_PIDS (kernel/pid.c): where a wrap restarts */

enum lx_ptable_kind { LX_PT_FREE = 0, LX_PT_PROCESS = 1, LX_PT_THREAD = 2 };

enum lx_ptable_flags {
	LX_PT_WINDOWS_CLIENT = 1, /* started by Windows, not by fork or execve */
	LX_PT_DAEMON = 2,         /* the instance's init */
};

enum lx_install_state { LX_INSTALL_NONE = 0, LX_INSTALL_INSTALLING = 1, LX_INSTALL_REMOVING = 2 };

/*
 * One Linux id.  kind is written last when an entry is taken and first
 * when it is freed, so that a writer killed half-way (the mutex comes back
 * abandoned) leaves either a free entry or a complete one.
 */
struct lx_ptable_entry {
	volatile uint32_t kind;   /* enum lx_ptable_kind */
	uint32_t flags;           /* enum lx_ptable_flags */
	int32_t tgid;             /* the process (thread group) of a thread; the pid itself for a process */
	uint32_t win_pid;         /* PROCESS: the first Windows process of the Linux process;
	                             THREAD: the Windows process running the thread */
	int64_t win_ctime;        /* that process's creation time (FILETIME), against Windows pid reuse */
	int32_t creator;          /* the pid that took the entry (1 for a Windows client): the
	                             parent until the process's record exists */
	int32_t pad;
};

struct lx_ptable_header {
	uint64_t magic;
	uint32_t version;
	volatile uint32_t install_state; /* enum lx_install_state, while the install lock is held */
	volatile int32_t last_pid;       /* the last id handed out */
	int32_t pid_max;
	volatile uint32_t daemon_win_pid;
	uint32_t pad;
	volatile int64_t daemon_ctime;
	uint64_t reserved[3];
};

struct lx_ptable {
	struct lx_ptable_header h;
	struct lx_ptable_entry e[LX_PTABLE_PID_MAX];
};

_Static_assert(sizeof(struct lx_ptable_entry) == 32, "docs/formats.md");
_Static_assert(sizeof(struct lx_ptable_header) == 64, "docs/formats.md");

/* The table of this process's instance, mapped on first use (NULL if it
 * cannot be created: *err says why). */
struct lx_ptable *lx_ptable_get(unsigned long *err);
/* The table's mutex: a holder killed mid-update is harmless (see above). */
void lx_ptable_lock(void);
void lx_ptable_unlock(void);

/* Takes the next free id after last_pid (lock held by the caller or not:
 * it takes the lock); returns the id, or 0 when the space is full. */
long lx_ptable_alloc(enum lx_ptable_kind kind, uint32_t flags, long tgid, long creator,
                     uint32_t win_pid, int64_t win_ctime);
/* Frees id if it is still the same one (kind, thread group and Windows
 * pid): a stale free of an id handed out again is ignored. */
void lx_ptable_free(long id, enum lx_ptable_kind kind, long tgid, uint32_t win_pid);
/* Frees the tids of tgid's threads that run in Windows process win_pid
 * (an execve leaves them behind: the new image has one thread). */
void lx_ptable_free_threads(long tgid, uint32_t win_pid);
/* The creation time of a Windows process (0 when it cannot be read). */
int64_t lx_process_ctime(void *process);
/* Opens the Windows process of an entry, checking its creation time
 * against pid reuse; NULL if it is gone. */
void *lx_ptable_open_process(const struct lx_ptable_entry *e, unsigned long access);

/* The table's section handle (NULL without a table). */
void *lx_ptable_section(void);
/* The auto-reset event the daemon waits on. */
void *lx_ptable_wake_event(void);
/* Wakes the daemon to look at the table (a registration, a reap). */
void lx_ptable_wake_daemon(void);

#endif
