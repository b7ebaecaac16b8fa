/*
 * The processes /proc shows (proc_pids.h): the instance's list of
 * processes (runtime/instance.h) and, for one of them, what its record and
 * its memory say (runtime/proc_info.h).
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "instance.h"
#include "proc_info.h"
#include "proc_pids.h"
#include "syscall_table.h"

struct lx_arg_layout lx_arg_layout;

size_t lx_proc_pids_list(long *pids, size_t cap)
{
	return lx_instance_pids(pids, cap);
}

size_t lx_proc_tids_list(long pid, long *tids, size_t cap)
{
	long tgid = pid > 0 ? lx_instance_tgid(pid) : 0;

	return tgid ? lx_instance_tids(tgid, tids, cap) : 0;
}

int lx_proc_tid_in(long pid, long tid)
{
	long tgid = pid > 0 ? lx_instance_tgid(pid) : 0;

	return tgid && tid > 0 && lx_instance_tgid(tid) == tgid;
}

int lx_proc_pid_exists(long pid)
{
	return pid > 0 && lx_instance_tgid(pid) != 0;
}

int lx_proc_pid_is_self(long pid)
{
	struct lx_syscall sc = { 0 };

	return pid > 0 && lx_instance_tgid(pid) == (long)lx_sys_getpid(&sc);
}

/* Copies [start, end) of the process's memory (argv or envp strings) to
 * the heap: the kernel reads them from the process's memory too
 * (proc_pid_cmdline_read), so a program that rewrites its argv changes
 * its cmdline. */
static char *memory_strings(const struct lx_proc_info *info, uint64_t start, uint64_t end,
                            size_t *len)
{
	size_t n = end > start ? (size_t)(end - start) : 0;
	char *s = malloc(n + 1);

	*len = 0;
	if (!s)
		return NULL;
	if (lx_proc_read_memory(info, start, s, n) < 0) {
		free(s);
		return NULL;
	}
	s[n] = 0;
	*len = n;
	return s;
}

static char *heap_path(const char *path)
{
	return path[0] ? strdup(path) : NULL;
}

long lx_proc_pid_facts(long pid, struct lx_proc_facts *f)
{
	struct lx_proc_info *info = malloc(sizeof(*info));
	long err;

	memset(f, 0, sizeof(*f));
	if (!info)
		return -LX_ENOMEM;
	err = lx_proc_info_get(pid, info);
	if (err) {
		free(info);
		return err;
	}
	f->pid = info->pid;
	f->tgid = info->tgid;
	f->ppid = info->ppid;
	f->pgid = info->pgid;
	f->sid = info->sid;
	memcpy(f->comm, info->comm, sizeof(f->comm));
	f->state = info->state;
	f->uid = info->uid;
	f->gid = info->gid;
	f->euid = info->euid;
	f->suid = info->suid;
	f->fsuid = info->fsuid;
	f->egid = info->egid;
	f->sgid = info->sgid;
	f->fsgid = info->fsgid;
	f->ngroups = info->ngroups;
	memcpy(f->groups, info->groups, sizeof(f->groups));
	f->umask = info->umask;
	f->nice = info->nice;
	f->sched_policy = info->sched_policy;
	f->rt_priority = info->rt_priority;
	f->cap_inh = info->cap_inh;
	f->cap_prm = info->cap_prm;
	f->cap_eff = info->cap_eff;
	f->cap_bnd = info->cap_bnd;
	f->cap_amb = info->cap_amb;
	f->no_new_privs = info->no_new_privs;
	f->sigblk = info->sigblk;
	f->sigign = info->sigign;
	f->sigcgt = info->sigcgt;
	f->shdpnd = info->shdpnd;
	f->sigpnd = info->sigpnd;
	f->sigq_max = info->sigq_max;
	f->threads = info->threads;
	f->utime = info->utime;
	f->stime = info->stime;
	f->start_ticks = info->start_ticks;
	f->vsize = info->vsize;
	f->rss = info->rss;
	f->arg_start = info->arg_start;
	f->arg_end = info->arg_end;
	f->env_start = info->env_start;
	f->env_end = info->env_end;
	f->exe = heap_path(info->exe);
	f->cwd = heap_path(info->cwd);
	f->cmdline = memory_strings(info, info->arg_start, info->arg_end, &f->cmdline_len);
	f->envp = memory_strings(info, info->env_start, info->env_end, &f->env_len);
	free(info);
	return 0;
}

void lx_proc_facts_free(struct lx_proc_facts *f)
{
	free(f->exe);
	free(f->cwd);
	free(f->cmdline);
	free(f->envp);
	memset(f, 0, sizeof(*f));
}
