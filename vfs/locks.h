/*
 * Advisory file locks shared by every process of the instance (docs/vfs.md
 * "File locks", layout in docs/formats.md "The lock table"): the table
 * (locktable.c), the Linux rules on top of it (locks.c) and the calls
 * that use them (lock_syscalls.c).
 */
#ifndef LXNT_VFS_LOCKS_H
#define LXNT_VFS_LOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "lxnt/linux/fs.h"

/* Which of Linux's lock families a lock belongs to.  POSIX and OFD locks
 * share one space and conflict with each other; flock locks have their
 * own (fs/locks.c keeps flc_posix and flc_flock apart). */
enum lx_lock_kind { LX_LOCK_POSIX = 1, LX_LOCK_OFD = 2, LX_LOCK_FLOCK = 3 };

#define LX_LOCK_EOF INT64_MAX /* end of a lock that runs to the end of file
                                 (OFFSET_MAX) */
#define LX_LOCK_ENTRIES 4096
#define LX_LOCK_WAITERS 256
#define LX_LOCK_MAGIC 0x31736b636f6c786cull /* "lxlocks1" */

/* One lock: a byte range of a file held by an owner.  owner 0 marks a
 * free slot. */
struct lx_lock_entry {
	uint64_t volume, file;   /* the file: volume serial number and file id */
	int64_t start, end;      /* bytes, both inclusive */
	uint64_t owner;          /* a process (POSIX) or an open file description */
	int32_t pid;             /* l_pid for F_GETLK: the Linux pid, -1 (OFD) */
	uint32_t win_pid;        /* the Windows process that set it */
	uint8_t kind, type;      /* enum lx_lock_kind; LX_F_RDLCK or LX_F_WRLCK */
	uint8_t pad[6];
};

/* One thread sleeping in F_SETLKW, F_OFD_SETLKW or flock: woken through the
 * instance event lockwait-INDEX whenever a lock of its file goes. */
struct lx_lock_waiter {
	uint64_t owner;          /* the waiter's owner; 0 marks a free slot */
	uint64_t blocker;        /* the owner of the lock it waits for */
	uint64_t volume, file;
	uint64_t win_ctime;      /* creation time of the waiting process */
	uint32_t win_pid;        /* the waiting process */
	uint8_t kind, pad[3];
};

struct lx_lock_table {
	uint64_t magic;
	uint32_t size;           /* sizeof(struct lx_lock_table) */
	uint32_t hiwater;        /* entries at and above it are all free */
	uint32_t nshared;        /* entries of OFD and flock locks */
	uint32_t pad;
	struct lx_lock_entry entries[LX_LOCK_ENTRIES];
	struct lx_lock_waiter waiters[LX_LOCK_WAITERS];
};

/* The table, mapped and locked (its named mutex held), or NULL when it
 * cannot be had; lx_locktable_leave unlocks it. */
struct lx_lock_table *lx_locktable_enter(void);
void lx_locktable_leave(void);
/* The table's section handle, or NULL when this process has not mapped
 * it (for the hand-off). */
void *lx_locktable_section(void);
/* Adopts a section handle handed over by the creating process. */
void lx_locktable_adopt(void *section);
/* Maps the table if some process of the instance has one; false when none
 * exists (then no process holds a lock). */
bool lx_locktable_exists(void);

/* A free entry (zeroed, not yet owned), or NULL when the table is full. */
struct lx_lock_entry *lx_locktable_alloc(struct lx_lock_table *t);
void lx_locktable_free(struct lx_lock_table *t, struct lx_lock_entry *e);
/* Free entries, up to want of them (to check before a change that splits). */
unsigned lx_locktable_room(struct lx_lock_table *t, unsigned want);

/* A new owner id with its liveness object, the instance event lock-ID that
 * exists as long as some process holds a handle to it. */
long lx_lock_owner_new(uint64_t *id, void **object);
/* Whether the owner's liveness object still exists. */
bool lx_lock_owner_alive(uint64_t id);
/* Drops every entry of a dead owner and wakes the waiters of its files. */
void lx_locktable_purge(struct lx_lock_table *t, uint64_t owner);

/* Takes (or keeps) waiter slot *slot for the calling thread, waiting for
 * blocker on (volume, file), with its event reset: a wake-up from now on is
 * not lost.  -LX_ENOLCK when every slot is taken. */
long lx_lockwait_register(struct lx_lock_table *t, int *slot, uint64_t owner, uint64_t blocker,
                          uint64_t volume, uint64_t file, uint8_t kind);
void lx_lockwait_unregister(struct lx_lock_table *t, int *slot);
/* The event of slot (valid in this process until it exits). */
void *lx_lockwait_event(int slot);
/* Wakes every waiter of (volume, file). */
void lx_lockwait_wake(struct lx_lock_table *t, uint64_t volume, uint64_t file);
/* The POSIX owner that owner waits for, 0 when it does not wait. */
uint64_t lx_lockwait_blocker_of(struct lx_lock_table *t, uint64_t owner);

/* The rules (locks.c). */

/* A lock asked for: owner wants [start, end] of the file as type
 * (LX_F_RDLCK, LX_F_WRLCK or LX_F_UNLCK) of kind. */
struct lx_lock_req {
	uint64_t volume, file, owner;
	int64_t start, end;
	int32_t pid;             /* l_pid its locks report */
	uint8_t kind, type;
};

/* Takes r (or unlocks), waiting for conflicting locks to go when wait is
 * set: 0, -LX_EAGAIN, -LX_EDEADLK, -LX_ENOLCK or -LX_ERESTARTSYS. */
long lx_lock_acquire(const struct lx_lock_req *r, bool wait);
/* F_GETLK: fills fl with the lock that would block r, or F_UNLCK. */
long lx_lock_test(const struct lx_lock_req *r, struct lx_flock *fl);
/* Drops every lock of owner on the file, waking its waiters. */
void lx_lock_drop_owner_file(uint64_t owner, uint64_t volume, uint64_t file);

#endif
