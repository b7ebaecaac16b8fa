/*
 * Processes of the instance (docs/runtime.md, "Processes"): the record a
 * process shares with its parent, and the children a process may wait for.
 */
#ifndef LXNT_RUNTIME_PROC_H
#define LXNT_RUNTIME_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "lx.h"
#include "lxnt/linux/resource.h"
#include "lxnt/linux/signal.h"

enum lx_proc_state { LX_PROC_RUNNING = 0, LX_PROC_EXITED = 1 };

/* Thread-directed signals from other processes that may wait at once. */
#define LX_THREAD_POSTS 16
/* Threads whose own names others can read in /proc. */
#define LX_THREAD_NAMES 32

/*
 * One small section per process, created by the parent at fork and handed
 * on through every execve, so that the wait status survives the Windows
 * process that ran the last image: the exit code of a Windows process
 * cannot tell exit(130) from a death by SIGINT.
 */
#define LX_RECORD_GROUPS 32

struct lx_proc_record {
	volatile long state;       /* enum lx_proc_state */
	volatile long wait_status; /* Linux wait status, valid once EXITED */
	volatile long pgid, sid;   /* kept current by setpgid and setsid */
	volatile long win_pid;     /* the Windows process running the current image */
	volatile long ppid, uid;   /* for kill's permission check and SIGCHLD */
	volatile int64_t sigpending; /* signals from other processes, bit n-1 */
	volatile long sender[64];  /* si_pid of the last of each */
	volatile long suid;        /* saved uid: kill's permission check with uid */
	/* Job control (runtime/jobctl.c): the last stop or continue, as
	 * report_seq << 16 | wait status (0x7f | sig << 8, or 0xffff), and
	 * the sequence the parent has consumed, so each is reported once. */
	volatile int64_t report;
	volatile int64_t report_taken;
	volatile long sender_uid[64]; /* si_uid (the sender's real uid) of the last of each */
	/* What /proc/<pid> shows of the process to others (vfs/proc_pids.c,
	 * runtime/proc_info.c), kept current by the process itself. */
	volatile long gid;
	volatile long threads;     /* Linux threads (thread.c's registry) */
	volatile long run_state;   /* 'R' or 'S': the main thread in lx_wait_interruptible */
	volatile long execed;      /* an execve ran since fork: setpgid's EACCES */
	volatile int64_t start_time; /* FILETIME of the fork, or of Windows's start */
	volatile uint64_t arg_start, arg_end, env_start, env_end; /* lx_arg_layout */
	volatile long umask;       /* kept by umask(2) */
	volatile long text_seq;    /* odd while comm, exe or cwd change */
	char comm[16];             /* TASK_COMM_LEN: execve's base name, PR_SET_NAME */
	char exe[4096];            /* Linux path of the current image */
	char cwd[4096];            /* kept by chdir and fchdir (vfs/resolve.c) */
	/* Signals another process sends with tgkill, tkill, rt_sigqueueinfo
	 * or rt_tgsigqueueinfo (sys_kill.c): a slot holds tid << 8 | sig once
	 * its sender has filled it (tid 0: to the process), -1 meanwhile, 0
	 * when free; the listener raises it and frees the slot.  A queued
	 * signal carries its sender's si_code and the first 24 bytes of its
	 * union (pid, uid and the sigval of SI_QUEUE). */
	struct lx_thread_post {
		volatile int64_t word;
		volatile long sender, sender_uid;
		volatile long queued, code;
		volatile uint64_t data[3];
	} thread_post[LX_THREAD_POSTS];
	/* CPU time in 100 ns units and the peak resident set in kB
	 * (children.c, "Child times"): of the process's Windows processes
	 * that have ended (each adds its own), and of its waited-for
	 * children, theirs included, as the kernel's signal_struct cutime,
	 * cstime, maxrss and cmaxrss. */
	volatile int64_t image_utime, image_stime, image_maxrss;
	volatile int64_t child_utime, child_stime, child_maxrss;
	/* /proc/<pid>/fd, fdinfo and maps asked by another process
	 * (runtime/proc_query.c): the pid of the reader holding the query
	 * (0: free), what it asks (enum lx_proc_query_kind), and the count
	 * of questions asked and answered. */
	volatile long query_owner;
	volatile long query_kind;
	volatile int64_t query_asked, query_answered;
	/* The names that threads other than the main one gave themselves
	 * (PR_SET_NAME), for /proc/<pid>/task/<tid>/comm (proc_info.c): tid 0
	 * is a free slot; a thread that leaves the registry frees its own. */
	struct lx_thread_name {
		volatile long tid;
		char comm[16];
	} thread_name[LX_THREAD_NAMES];
	/* The nice value (setpriority, runtime/sys_prio.c), kept across fork
	 * and execve, and the effective uid its permission check compares
	 * with the caller's (set_one_prio). */
	volatile long nice, euid;
	/* The resource limits (runtime/sys_info.c), kept across fork and
	 * execve and read by prlimit64 of other processes; a record whose
	 * rlimits_set is 0 has the defaults. */
	struct lx_rlimit rlimits[LX_RLIM_NLIMITS];
	volatile long rlimits_set;
	/* The execution domain and its flags (personality(2),
	 * runtime/sys_personality.c), kept across fork and execve. */
	volatile long personality;
	/* The capability sets, bit n capability n, and the securebits
	 * (runtime/capability.c); capget of other processes reads them. */
	volatile uint64_t cap_effective, cap_permitted, cap_inheritable;
	volatile long securebits;
	/* The scheduling policy (enum of include/uapi/linux/sched.h), its
	 * static priority (1..99 for SCHED_FIFO and SCHED_RR, else 0) and
	 * SCHED_RESET_ON_FORK (runtime/sys_sched_policy.c). */
	volatile long sched_policy, sched_priority, sched_reset_on_fork;
	/* The capability bounding and ambient sets (runtime/capability.c). */
	volatile uint64_t cap_bset, cap_ambient;
	/* A process ended from outside lxnt (runtime/outside_end.c): set
	 * by whoever notices it first (the parent's watcher or wait, the
	 * daemon, an execve's stub), so that its status, its times and the
	 * orphaned-group checks are done once; and whether the current
	 * image is a Windows program, whose exit code is the status. */
	volatile long outside_end_noted;
	volatile long windows_image;
	/* The rest of the credentials, for /proc/<pid>/status (uid, euid,
	 * suid and gid are above): the first LX_RECORD_GROUPS supplementary
	 * groups of ngroups (runtime/cred.c's lx_cred_publish). */
	volatile long fsuid, egid, sgid, fsgid, ngroups;
	volatile uint32_t groups[LX_RECORD_GROUPS];
	/* prctl (runtime/sys_prctl.c): PR_SET_NO_NEW_PRIVS (kept across
	 * fork and execve), PR_SET_DUMPABLE 0 (kept across fork, reset by
	 * execve), the parent-death signal (not kept by fork; sent when the
	 * parent ends, runtime/orphan.c) and the timer slack in ns (0: the
	 * default, 50 us). */
	volatile long no_new_privs, not_dumpable, pdeathsig, timerslack;
	/* For /proc/<pid>/status (runtime/sys_signal.c, lx_signal_publish):
	 * the main thread's blocked set and the ignored and caught signals,
	 * bit n - 1 signal n. */
	volatile uint64_t sigblk, sigign, sigcgt;
};

/* This process's record: mapped from the hand-off, or private for a
 * process Windows started. */
extern struct lx_proc_record *lx_proc_self;
extern long lx_ppid;

/* Creates the record section of pid, named so that kill(2) from any
 * process of the instance finds it; *view is mapped in this process. */
long lx_proc_record_new(long pid, void **section, struct lx_proc_record **view);
/* Opens the record of pid (NULL if no such process); lx_proc_record_close
 * unmaps it. */
struct lx_proc_record *lx_proc_record_open(long pid);
void lx_proc_record_close(struct lx_proc_record *r);
/* A process Windows started: its own named record, and the listener. */
void lx_proc_init(void);
/* Starts the thread that takes signals other processes post (sys_kill.c). */
void lx_signal_listener_start(void);
/* Posts sig to another process of the instance as kill(2) does, with its
 * permission check (sys_kill.c). */
long lx_signal_process(long pid, int sig);
/* rt_sigqueueinfo and rt_tgsigqueueinfo to process tgid (tid 0) or its
 * thread tid, another process of the instance, with the caller's
 * siginfo (sys_kill.c). */
long lx_signal_queue_other(long tgid, long tid, int sig, const struct lx_siginfo *info);
/* The same for thread tid of process tgid (tgkill; tgid 0: tkill, any
 * process), with si_code SI_TKILL: -LX_ESRCH when tid is no thread of
 * tgid, -LX_EAGAIN when the target has LX_THREAD_POSTS signals from
 * others still to take. */
long lx_signal_thread(long tgid, long tid, int sig);
/* __kill_pgrp_info with SEND_SIG_PRIV: sig to every other process of
 * group pgid, without a permission check (sys_kill.c). */
void lx_signal_group_kernel(long pgid, int sig);
/* The parent-death signal sig of process pid, whose parent (real uid
 * parent_uid) ends: pid goes to init first, as forget_original_parent
 * reparents before it signals, then gets sig (SI_USER from the parent). */
void lx_signal_parent_death(long pid, int sig, long parent, long parent_uid);
/* The parent-death signal a live process asked for (PR_SET_PDEATHSIG), or 0. */
static inline int lx_proc_pdeathsig(const struct lx_proc_record *r)
{
	long sig = r->pdeathsig;

	return r->state != LX_PROC_EXITED && sig > 0 && sig <= LX_NSIG ? (int)sig : 0;
}
/* The parent-death signals of this process's live children, at its end
 * (runtime/children.c). */
void lx_children_parent_death(void);
/* Orphaned process groups (orphan.c): whether the caller's group is one
 * (get_signal's discarding of SIGTSTP, SIGTTIN and SIGTTOU), and the
 * SIGHUP and SIGCONT that an exit sends to a group it orphans with a
 * stopped member (kill_orphaned_pgrp). */
bool lx_pgrp_orphaned_self(void);
void lx_pgrp_orphans_at_exit(void);
/* The same checks for pid, which the caller has just ended with SIGKILL:
 * a process ended from outside runs no exit of its own. */
void lx_pgrp_orphans_after_kill(long pid);
/* The same with r, the caller's view of pid's record, standing in for
 * it should its name be gone (a process's own handle kept it). */
void lx_pgrp_orphans_after_end(long pid, const struct lx_proc_record *r);
/* A process whose Windows process `process` has ended (process may be
 * NULL when it could not be opened): if its record r says it did not
 * end by itself, it was ended from outside lxnt (TerminateProcess, Task
 * Manager, taskkill /F), which counts as SIGKILL (a Windows program's
 * exit code is its status instead).  The first to call this for such an
 * end writes the status, adds the CPU time Windows still reports and
 * runs the orphaned-group checks; a written status is never touched
 * (runtime/outside_end.c). */
void lx_proc_outside_end(long pid, struct lx_proc_record *r, void *process);
/* Sets pid's listener event, so that it looks at its record (sys_kill.c). */
void lx_signal_listener_wake(long pid);
/* The listener found a question from a reader of /proc in record r:
 * starts the thread that answers it (proc_query.c). */
void lx_proc_query_serve(struct lx_proc_record *r);
/* Waits until the children's watcher runs (proc.c). */
void lx_children_quiesce(void);
/* Waits until it runs, so that the process may end (sys_kill.c). */
void lx_signal_listener_quiesce(void);
/* Stops it before an execve hands the process to a new image. */
void lx_signal_listener_stop(void);
/* The same for the children's watcher (children.c). */
void lx_children_watcher_stop(void);
/* Maps a record section handed over by the creator. */
void lx_proc_record_adopt(void *section);
/* Gives this process the Windows priority class of the nice value its
 * record carries from its parent or its previous image (sys_prio.c). */
void lx_prio_apply_self(void);
/* The same for the Windows program an execve starts (exec.c), which
 * does not read a record. */
void lx_prio_apply_process(void *process, const struct lx_proc_record *r);
/* The nice value of the Windows priority class a process Windows started
 * was given (start /low, Task Manager). */
long lx_prio_of_windows_class(void);
/* The section handle of this process's record (NULL without one). */
void *lx_proc_record_section(void);

/*
 * Job control (runtime/jobctl.c).  The stopping or continued process
 * records its report and sets its parent's child-report event, whose name
 * lx_child_report_event_name gives; the parent's watcher raises SIGCHLD
 * (unless SA_NOCLDSTOP) and wakes its waits.
 */
#define LX_WAIT_STOPPED(sig) (0x7f | ((sig) << 8))
#define LX_WAIT_CONTINUED 0xffff
void lx_proc_report(int status);
bool lx_child_report_event_name(long pid, wchar_t *out, size_t cap);
/* The unconsumed report of record r that options (LX_WUNTRACED,
 * LX_WCONTINUED) ask for, or 0; consumed unless LX_WNOWAIT. */
int lx_proc_report_take(struct lx_proc_record *r, int options);
/* A pid of the instance's table for a new process whose first Windows
 * process is process (suspended); 0 when none is free.  lx_proc_free_pid
 * gives it back (a failed creation, or the reaping of the process) unless
 * it went to another process meanwhile. */
long lx_proc_alloc_child(void *process);
void lx_proc_free_pid(long pid, void *process);

/* What struct rusage says of a process here: user and system time in
 * 100 ns units, the peak resident set in kB. */
struct lx_cpu_usage {
	int64_t utime, stime, maxrss;
};
/* Child times (children.c): adds the CPU time and peak resident set of
 * this Windows process, an image of the Linux process that is ending, to
 * the record (the end of the process, and the end of an execve's stub). */
void lx_proc_account_image(void);
/* RUSAGE_CHILDREN's. */
void lx_children_times(struct lx_cpu_usage *u);
/* Writes a struct rusage with u and nothing else to guest address uaddr
 * (sys_sched.c); -LX_EFAULT or 0. */
long lx_rusage_copy_out(uint64_t uaddr, const struct lx_cpu_usage *u);

/* personality(2) at execve (fs/exec.c, begin_new_exec, and x86-64's
 * set_personality_64bit): READ_IMPLIES_EXEC goes, and the flags of
 * PER_CLEAR_ON_SETID too when per_clear (a set-ID file or capabilities
 * gained). */
void lx_personality_exec(bool per_clear);
/* The current personality, for uname(2) (PER_LINUX32, UNAME26). */
unsigned lx_personality(void);

/* The soft limit of resource in record r, another process's too
 * (task_rlimit; runtime/sys_info.c). */
uint64_t lx_rlimit_cur_of(const struct lx_proc_record *r, int resource);

/* Sets the Linux pid (from the hand-off). */
void lx_set_pid(long pid);

/* Takes a new child (process and record handles are the child's now).
 * done, if not NULL, is an event the child sets once its status is final
 * while its Windows process may still run (an execve stub finishing its
 * exec spare, lx_proc_done_signal): the child counts as ended then. */
long lx_child_add(long pid, void *process, void *section, struct lx_proc_record *rec,
                  void *done);
/* The event of a fork child's own parent (from the hand-off), or NULL. */
extern void *lx_proc_done;
/* The status in the record is final and this process writes no more to
 * it: the parent may reap it now (and the pid be given again) although
 * this Windows process still has something to finish. */
void lx_proc_done_signal(void);

/* wait4 and waitid options (include/uapi/linux/wait.h). */
#define LX_WNOHANG    0x00000001
#define LX_WUNTRACED  0x00000002
#define LX_WEXITED    0x00000004
#define LX_WCONTINUED 0x00000008
#define LX_WNOWAIT    0x01000000
#define LX_WNOTHREAD  0x20000000
#define LX_WALL       0x40000000
#define LX_WCLONE     0x80000000

struct lx_wait_result {
	long pid;
	int status;
	long uid;                  /* the child's real uid, for siginfo's si_uid */
	struct lx_cpu_usage usage; /* a reaped child's, its children's included */
};

/* do_wait (children.c): an ended child matching sel (wait4's pid
 * argument), reaped unless LX_WNOWAIT; returns its pid, 0 with LX_WNOHANG
 * when none has ended, -LX_ECHILD, or -LX_ERESTARTSYS. */
long lx_children_wait(long sel, int options, struct lx_wait_result *out);

/* SIGCHLD's siginfo for a child's wait status (children.c). */
#define LX_CLD_EXITED 1
#define LX_CLD_KILLED 2
#define LX_CLD_DUMPED 3
#define LX_CLD_STOPPED 5
#define LX_CLD_CONTINUED 6
void lx_chld_info(struct lx_siginfo *info, long pid, int status);
/* The same with si_uid the child's real uid (from its record), as
 * do_notify_parent and wait_task_* give it. */
void lx_chld_info_uid(struct lx_siginfo *info, long pid, int status, long uid);

/* The record of child pid, or NULL; true if a child is in group pgid. */
struct lx_proc_record *lx_child_record(long pid);
bool lx_child_in_group(long pgid);
/* Up to cap pids of children in group pgid (-1: all); returns the count. */
size_t lx_children_in_group(long pgid, long *pids, size_t cap);

#endif
