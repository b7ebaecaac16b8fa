/*
 * Processes of the instance (docs/runtime.md, "Processes"): the record a
 * process shares with its parent, and the children a process may wait for.
 */
#ifndef LXNT_RUNTIME_PROC_H
#define LXNT_RUNTIME_PROC_H

#include <stdint.h>

#include "lx.h"

enum lx_proc_state { LX_PROC_RUNNING = 0, LX_PROC_EXITED = 1 };

/*
 * One small section per process, created by the parent at fork and handed
 * on through every execve, so that the wait status survives the Windows
 * process that ran the last image: the exit code of a Windows process
 * cannot tell exit(130) from a death by SIGINT.
 */
struct lx_proc_record {
	volatile long state;       /* enum lx_proc_state */
	volatile long wait_status; /* Linux wait status, valid once EXITED */
	volatile long pgid, sid;   /* kept current by setpgid and setsid */
	volatile long win_pid;     /* the Windows process running the current image */
};

/* This process's record: mapped from the hand-off, or private for a
 * process Windows started. */
extern struct lx_proc_record *lx_proc_self;
extern long lx_ppid;

/* Creates a record section; *view is mapped in this process. */
long lx_proc_record_new(void **section, struct lx_proc_record **view);
/* Maps a record section handed over by the creator. */
void lx_proc_record_adopt(void *section);
/* The section handle of this process's record (NULL without one). */
void *lx_proc_record_section(void);

/* Sets the Linux pid (from the hand-off). */
void lx_set_pid(long pid);

/* Takes a new child (process and record handles are the child's now). */
long lx_child_add(long pid, void *process, void *section, struct lx_proc_record *rec);

/* The record of child pid, or NULL; true if a child is in group pgid. */
struct lx_proc_record *lx_child_record(long pid);
bool lx_child_in_group(long pgid);

#endif
