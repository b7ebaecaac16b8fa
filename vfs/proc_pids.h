/*
 * The processes /proc shows (proc_pids.c): which pids exist and the facts
 * of one pid, for every process of the instance (runtime/instance.h) and
 * every thread of one (a tid resolves, as on Linux, but is not listed).
 */
#ifndef LXNT_VFS_PROC_PIDS_H
#define LXNT_VFS_PROC_PIDS_H

#include <stddef.h>
#include <stdint.h>

#include "proc_info.h"

struct lx_proc_facts {
	long pid, tgid, ppid, pgid, sid;
	char comm[16];          /* the name, at most 15 bytes (TASK_COMM_LEN) */
	char state;             /* 'R', 'S', 'Z' */
	long uid, gid, umask;
	long euid, suid, fsuid, egid, sgid, fsgid;
	long ngroups;           /* groups holds the first LX_PROC_INFO_GROUPS */
	uint32_t groups[LX_PROC_INFO_GROUPS];
	long nice;              /* -20 to 19 */
	long threads;
	uint64_t utime, stime;  /* clock ticks (USER_HZ, 100) */
	uint64_t start_ticks;   /* start time after boot, clock ticks */
	uint64_t vsize, rss;    /* bytes, pages */
	uint64_t arg_start, arg_end, env_start, env_end;
	char *exe, *cwd;        /* Linux paths, heap; NULL when unknown */
	char *cmdline, *envp;   /* NUL-separated, heap */
	size_t cmdline_len, env_len;
	long sched_policy, rt_priority;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	long no_new_privs;
	uint64_t sigblk, sigign, sigcgt, shdpnd, sigpnd, sigq_max;
};

/* Writes up to cap pids in ascending order; returns how many exist. */
size_t lx_proc_pids_list(long *pids, size_t cap);
/* Fills facts for pid; -LX_ESRCH when there is no such process. */
long lx_proc_pid_facts(long pid, struct lx_proc_facts *facts);
void lx_proc_facts_free(struct lx_proc_facts *facts);
/* The tids of pid's thread group (pid itself first, then ascending),
 * up to cap of them; returns how many there are. */
size_t lx_proc_tids_list(long pid, long *tids, size_t cap);
/* Whether tid is a thread of the thread group pid belongs to. */
int lx_proc_tid_in(long pid, long tid);
/* Whether pid is a process or thread /proc resolves. */
int lx_proc_pid_exists(long pid);
/* Whether pid belongs to the calling process (its fd table is ours). */
int lx_proc_pid_is_self(long pid);

#endif
