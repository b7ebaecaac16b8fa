/*
 * What /proc/<pid> shows of a process of the instance (runtime/proc_info.c):
 * read from the process's record and, for argv and environ, from its
 * memory, so that the process runs no code for the reader.  The process
 * keeps its record current through the lx_proc_note_* calls.
 */
#ifndef LXNT_RUNTIME_PROC_INFO_H
#define LXNT_RUNTIME_PROC_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lxnt/linux/fs.h"

/* The supplementary groups /proc/<pid>/status shows of another process:
 * the first ones, as many as its record keeps (LX_RECORD_GROUPS). */
#define LX_PROC_INFO_GROUPS 32

struct lx_proc_info {
	long pid;               /* as asked: a tid shows as itself */
	long tgid, ppid, pgid, sid, uid, gid, threads, umask;
	long euid, suid, fsuid, egid, sgid, fsgid;
	long ngroups;           /* all of them; groups holds the first few */
	uint32_t groups[LX_PROC_INFO_GROUPS];
	long nice;              /* -20 to 19 */
	char state;             /* 'R', 'S' or 'Z' (fs/proc/array.c task_state_array) */
	bool self;              /* the calling process */
	char comm[16];
	uint64_t start_ticks;   /* since boot, USER_HZ (100 per second) */
	uint64_t utime, stime;  /* USER_HZ */
	uint64_t vsize, rss;    /* bytes, pages */
	uint64_t arg_start, arg_end, env_start, env_end;
	unsigned long win_pid;  /* the Windows process of the current image */
	char exe[LX_PATH_MAX];  /* "" when unknown */
	char cwd[LX_PATH_MAX];
	long sched_policy, rt_priority;      /* sys_sched_policy.c */
	uint64_t cap_inh, cap_prm, cap_eff;  /* capability.c */
	uint64_t cap_bnd, cap_amb;
	long no_new_privs;
	uint64_t sigblk, sigign, sigcgt, shdpnd, sigpnd; /* status's Sig* lines */
	uint64_t sigq_max;      /* RLIMIT_SIGPENDING (the caller's, for another process) */
};

/* Fills info for pid, a process or thread of the instance; -LX_ESRCH
 * when there is none. */
long lx_proc_info_get(long pid, struct lx_proc_info *info);

/* Reads n bytes at addr of the process info describes: lx_copy_from_user
 * for the caller, ReadProcessMemory of its current image for another.
 * Returns 0, -LX_EFAULT or -LX_EACCES. */
long lx_proc_read_memory(const struct lx_proc_info *info, uint64_t addr, void *buf, size_t n);

/*
 * /proc/<pid>/fd, fdinfo and maps of another process (proc_query.c): the
 * text the process itself makes of them (lx_proc_answer_text, in the
 * vfs), asked for through its record.  FDS is, for each open fd in
 * ascending order, "N", its link text and its fdinfo text, each ended by
 * a NUL; MAPS is the text of /proc/self/maps.
 */
enum lx_proc_query_kind { LX_PROC_QUERY_FDS = 1, LX_PROC_QUERY_MAPS = 2 };
/* The answer of process pid (heap text, *len bytes); -LX_ESRCH without
 * such a process, -LX_EACCES when the caller may not look (ptrace's read
 * access: root, or its fsuid is the target's real and saved uid) or no
 * answer came. */
long lx_proc_query(long pid, int kind, char **text, size_t *len);
/* The permission check alone: 0, -LX_EACCES or -LX_ESRCH. */
long lx_proc_may_inspect(long pid);
/* This process's own answer, made on a thread that is not a Linux thread. */
long lx_proc_answer_text(int kind, char **text, size_t *len);

/* Keeps this process's record current. */
void lx_proc_note_cwd(const char *path);          /* chdir, fchdir */
/* start and execve: exe is the Linux path of the running image; the
 * process is named after name's base name (name NULL: kept). */
void lx_proc_note_image(const char *exe, const char *name);
/* The same with this process's own module as exe. */
void lx_proc_note_module(const char *name);
/* The same in record r, by the caller of execve: the path it was given
 * names the process (exe NULL: kept). */
struct lx_proc_record;
void lx_proc_record_name(struct lx_proc_record *r, const char *exe, const char *name);
/* fork: the child starts with the caller's names, cwd and argument area. */
void lx_proc_record_inherit(struct lx_proc_record *child);
void lx_proc_note_args(void);                     /* lx_arg_layout is set */
void lx_proc_note_threads(long n);                /* thread registry changed */

/* The packed executable's loadable segments, as the image maps them
 * (outside the runtime's map): each piece of one protection in address
 * order, for /proc/self/maps; the path is left NULL (the caller knows
 * the exe), off is the file offset. */
struct lx_mm_view;
void lx_image_for_each_area(void (*fn)(void *ctx, const struct lx_mm_view *v), void *ctx);

/* prctl(PR_SET_NAME) and PR_GET_NAME of the calling thread. */
void lx_proc_set_comm(const char *name);
void lx_proc_get_comm(char out[16]);

#endif
