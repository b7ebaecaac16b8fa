/* vfork's fast path (runtime/vfork.c). */
#ifndef LXNT_RUNTIME_VFORK_H
#define LXNT_RUNTIME_VFORK_H

#include "clone.h"
#include "proc.h"

/* What the child asked of its group and session before its pid exists. */
struct lx_vfork_pending {
	bool own_group;    /* setpgid(0, 0) or setpgid(0, its pid) */
	bool own_session;  /* setsid() */
};
extern struct lx_vfork_pending lx_vfork_pending;

/* True while a vfork child runs in the caller's thread. */
bool lx_vfork_active(void);
/* Starts the child: returns 0 (the child's vfork result), or 1 when the
 * call must take the copying path. */
int64_t lx_vfork_begin(struct lx_syscall *sc, const struct lx_clone_args *ca);
/* The pid (*pid, from the instance's table) and record of the child,
 * whose Windows process is process, with the group and session the child
 * chose; ppid is the caller. */
long lx_vfork_record(void *process, long *pid, void **section, struct lx_proc_record **rec);
/* The child's process runs: the caller resumes with pid as vfork's result
 * (sc's registers become the caller's); returns pid for the dispatcher. */
int64_t lx_vfork_exec_done(struct lx_syscall *sc, long pid, void *process, void *section,
                           struct lx_proc_record *rec);
/* The child called _exit (or exit_group) before any execve. */
int64_t lx_vfork_exit(struct lx_syscall *sc, int wait_status);

/* Sets the rsp that guest code has once the current system call returns
 * (runtime/fork.c): the frame's differs by rung.  For clone's new stack. */
void lx_regs_set_syscall_rsp(struct lx_regs *r, uint64_t sp);

#endif
