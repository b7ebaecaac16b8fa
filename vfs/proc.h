/*
 * /proc and /sys entries (proc.c, proc_files.c).
 */
#ifndef LXNT_VFS_PROC_H
#define LXNT_VFS_PROC_H

#include "vfs.h"

enum lx_proc_ent {
	P_ROOT, P_SELF, P_MOUNTS, P_CPUINFO, P_MEMINFO, P_UPTIME, P_LOADAVG, P_STAT,
	P_VERSION, P_FILESYSTEMS, P_SYS, P_SYS_KERNEL, P_OSTYPE, P_OSRELEASE, P_PID_MAX,
	P_RANDOM, P_UUID, P_SYS_FS, P_PROTECTED_HARDLINKS,
	/* below /proc/<pid>: arg is the pid */
	P_PID, P_EXE, P_CWD, P_FD, P_FDINFO, P_STATUS, P_PSTAT, P_CMDLINE, P_ENVIRON,
	P_PMOUNTS, P_MOUNTINFO, P_COMM, P_MAPS, P_TASK,
	/* /proc/<pid>/fd/N and fdinfo/N: arg is LX_PROC_FD_ARG(pid, N) */
	P_FD_N, P_FDINFO_N,
	/* /proc/<pid>/task/<tid> and its files: arg is the tid */
	P_TASK_N, P_TSTAT, P_TSTATUS, P_TCOMM,
	/* /sys */
	S_ROOT, S_DEVICES, S_SYSTEM, S_CPU, S_CPU_ONLINE, S_CPU_POSSIBLE, S_CPU_PRESENT,
	S_FS, S_KERNEL,
	P_COUNT
};

struct lx_proc_entry {
	const char *name;   /* NULL: named by a number (pid, fd) */
	int parent;         /* -1 for /proc and /sys themselves */
	uint8_t type;       /* LX_DT_DIR, LX_DT_REG, LX_DT_LNK */
};

extern const struct lx_proc_entry lx_proc_entries[P_COUNT];

/* The arg of an fd entry: pids stay below 2^15 (LX_PTABLE_PID_MAX), fds
 * below 2^16, so both fit in a 32-bit long. */
#define LX_PROC_FD_ARG(pid, fd) (((pid) << 16) | (fd))
#define LX_PROC_ARG_PID(arg) ((arg) >> 16)
#define LX_PROC_ARG_FD(arg) ((arg) & 0xffff)

/* The link text of the caller's own fd (proc.c). */
long lx_proc_own_fd_link(long fd, char *out, size_t cap);
/* fd N of another process, from its answer (proc.c): its link or its
 * fdinfo text, written to out; -LX_ENOENT when it has no such fd. */
long lx_proc_other_fd_text(long arg, bool fdinfo, char **out);

void lx_procfs_self_pid(long *pid);
long lx_proc_link_text(int e, long arg, char *out, size_t cap);
long lx_proc_list(int e, long arg, lx_dir_emit emit, void *ctx);
long lx_proc_entry_stat(int e, long arg, struct lx_kstat *st);
/* An open file of a directory or regular entry, text made now. */
long lx_proc_file_open(struct lx_node *node, unsigned flags, struct lx_file **out);
/* The text of a regular entry (proc_text.c). */
long lx_proc_text(int e, long arg, char **text, size_t *len);

#endif
