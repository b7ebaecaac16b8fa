/*
 * The fork child's Windows process, made ahead of need
 * (runtime/fork_spare.c): a process of this image that has gone through
 * Wine's start-up and waits, at the top of the runtime's main, for its
 * hand-off.  A spare is no process of the instance: it has no pid, no
 * table entry and no record until fork takes it.
 */
#ifndef LXNT_RUNTIME_FORK_SPARE_H
#define LXNT_RUNTIME_FORK_SPARE_H

#include <windows.h>

struct lx_fork_spare {
	PROCESS_INFORMATION pi;
	HANDLE go; /* set once the hand-off is in place */
};

/* The spare, or a new process made now (suspended no longer: it runs up
 * to its wait); 0 or -LX_Exxx. */
long lx_fork_spare_take(struct lx_fork_spare *out);
/* Wakes a filled spare (its lx_handoff_block is set); closes all but
 * pi.hProcess, which the caller keeps. */
void lx_fork_spare_start(struct lx_fork_spare *s);
/* Ends a spare taken but not started (a failed fork) and closes it. */
void lx_fork_spare_abandon(struct lx_fork_spare *s);
/* After a fork: makes the next spare if this process is one that forks
 * again and again. */
void lx_fork_spare_refill(void);
/* Ends the spare, if any, and waits for it: at exit and when this process
 * becomes an execve stub. */
void lx_fork_spare_drop(void);

/* Lets a process of this runtime, made suspended, start up at once and
 * wait at the top of its main until go is set, or end if this process
 * ends first (lx_handoff_await): fork spares, and execve's new image, so
 * that a caller killed before the hand-off leaves nothing behind.  thread
 * NULL: the process runs already (an exec spare, runtime/exec_spare.c). */
long lx_process_arm(HANDLE process, HANDLE thread, HANDLE go);

#endif
