/*
 * The processes /proc shows (proc_pids.c): which pids exist and the facts
 * of one pid.  Today only the calling process is known; the instance
 * daemon (docs/architecture.md) will answer for the others through the
 * same two calls.
 */
#ifndef LXNT_VFS_PROC_PIDS_H
#define LXNT_VFS_PROC_PIDS_H

#include <stddef.h>
#include <stdint.h>

struct lx_proc_facts {
	long pid, ppid;
	char comm[16];          /* the name, at most 15 bytes (TASK_COMM_LEN) */
	char state;             /* 'R', 'S' ... */
	long uid, gid;
	long threads;
	uint64_t utime, stime;  /* clock ticks (USER_HZ, 100) */
	uint64_t start_ticks;   /* start time after boot, clock ticks */
	uint64_t vsize, rss;    /* bytes, pages */
	char *exe, *cwd;        /* Linux paths, heap; NULL when unknown */
	char *cmdline, *envp; /* NUL-separated, heap */
	size_t cmdline_len, env_len;
};

/* Writes up to cap pids in ascending order; returns how many exist. */
size_t lx_proc_pids_list(long *pids, size_t cap);
/* Fills facts for pid; -LX_ESRCH when there is no such process. */
long lx_proc_pid_facts(long pid, struct lx_proc_facts *facts);
void lx_proc_facts_free(struct lx_proc_facts *facts);
/* Whether pid is a process /proc shows. */
int lx_proc_pid_exists(long pid);

#endif
