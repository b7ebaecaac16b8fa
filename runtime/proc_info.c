/*
 * /proc/<pid> of any process of the instance (runtime/proc_info.h).  The
 * facts a process keeps in its record are copied under the record's
 * sequence count, so that a reader never sees half of a new cwd; argv and
 * environ are read from the other process's memory, as the kernel's
 * proc_pid_cmdline_read reads them through access_remote_vm.
 */
#include <windows.h>
#include <psapi.h>
#include <string.h>

#include "handoff.h"
#include "identity.h"
#include "image.h"
#include "instance.h"
#include "lxnt/linux/elf.h"
#include "mman.h"
#include "proc.h"
#include "signal.h"
#include "proc_info.h"
#include "sched_policy.h"
#include "thread.h"

/* The name of a thread other than the main one (PR_SET_NAME); empty
 * means the process's. */
static _Thread_local char thread_comm[16];

/* The main thread, or a runtime thread (the answer to another process's
 * /proc question, proc_query.c), which speaks for the process. */
static bool is_main_thread(void)
{
	struct lx_thread *t = lx_current_thread();

	return !t || t->tid == lx_getpid();
}

static void text_begin(struct lx_proc_record *r)
{
	InterlockedIncrement(&r->text_seq);
}

static void text_end(struct lx_proc_record *r)
{
	InterlockedIncrement(&r->text_seq);
}

/* A bounded copy of a string another process may be rewriting. */
static void copy_text(char *out, const char *in, size_t cap)
{
	size_t i = 0;

	for (; i + 1 < cap && in[i]; i++)
		out[i] = in[i];
	out[i] = 0;
}

/* Copies the record's text under its sequence count: a few tries, then
 * what was read (a reader that keeps losing the race to chdir). */
static void read_texts_into(struct lx_proc_record *r, char *comm, char *exe, char *cwd)
{
	for (int tries = 0; tries < 16; tries++) {
		long seq = r->text_seq;
		if (seq & 1) {
			SwitchToThread();
			continue;
		}
		MemoryBarrier();
		copy_text(comm, r->comm, sizeof(r->comm));
		copy_text(exe, r->exe, sizeof(r->exe));
		copy_text(cwd, r->cwd, sizeof(r->cwd));
		MemoryBarrier();
		if (r->text_seq == seq)
			return;
	}
}

void lx_proc_note_cwd(const char *path)
{
	struct lx_proc_record *r = lx_proc_self;

	text_begin(r);
	copy_text(r->cwd, path, sizeof(r->cwd));
	text_end(r);
}

/* execve names the process after the base name of the path it was given
 * (fs/exec.c, begin_new_exec: __set_task_comm(kbasename(filename))), cut
 * to 15 bytes: "exe" for execve("/proc/self/exe"). */
void lx_proc_record_name(struct lx_proc_record *r, const char *exe, const char *name)
{
	const char *base = name;

	for (const char *p = name ? name : ""; *p; p++)
		if (*p == '/')
			base = p + 1;
	text_begin(r);
	if (exe)
		copy_text(r->exe, exe, sizeof(r->exe));
	if (base)
		copy_text(r->comm, base, sizeof(r->comm));
	text_end(r);
}

void lx_proc_note_image(const char *exe, const char *name)
{
	lx_proc_record_name(lx_proc_self, exe ? exe : "", name);
	thread_comm[0] = 0;
}

/* The module's path as the vfs shows it: inside the rootfs when it lies
 * there (/proc/self/exe of a program of the rootfs is its Linux path). */
void lx_proc_note_module(const char *name)
{
	wchar_t module[MAX_PATH];
	char exe[LX_PATH_MAX];
	DWORD n = GetModuleFileNameW(NULL, module, MAX_PATH);

	if (n == 0 || n >= MAX_PATH || lx_linux_path_of_win32(module, exe, sizeof(exe)) < 0)
		exe[0] = 0;
	lx_proc_note_image(exe, name);
}

void lx_proc_record_inherit(struct lx_proc_record *child)
{
	struct lx_proc_record *r = lx_proc_self;

	read_texts_into(r, child->comm, child->exe, child->cwd);
	child->arg_start = r->arg_start;
	child->arg_end = r->arg_end;
	child->env_start = r->env_start;
	child->env_end = r->env_end;
	child->umask = (long)lx_umask;
	child->nice = r->nice;
	memcpy(child->rlimits, r->rlimits, sizeof(child->rlimits));
	child->rlimits_set = r->rlimits_set;
	child->personality = r->personality;
	child->cap_effective = r->cap_effective;
	child->cap_permitted = r->cap_permitted;
	child->cap_inheritable = r->cap_inheritable;
	child->securebits = r->securebits;
	child->cap_bset = r->cap_bset;
	child->cap_ambient = r->cap_ambient;
	/* copy_process: the parent-death signal is not inherited. */
	child->no_new_privs = r->no_new_privs;
	child->not_dumpable = r->not_dumpable;
	child->timerslack = r->timerslack;
	child->sigblk = r->sigblk;
	child->sigign = r->sigign;
	child->sigcgt = r->sigcgt;
	lx_sched_policy_inherit(child, r);
}

void lx_proc_note_args(void)
{
	lx_proc_self->arg_start = lx_arg_layout.arg_start;
	lx_proc_self->arg_end = lx_arg_layout.arg_end;
	lx_proc_self->env_start = lx_arg_layout.env_start;
	lx_proc_self->env_end = lx_arg_layout.env_end;
}

/* The registry changed (its lock is held): the names of threads that
 * have left it go, so that a tid handed out again starts unnamed. */
void lx_proc_note_threads(long n)
{
	struct lx_proc_record *r = lx_proc_self;

	r->threads = n;
	for (int i = 0; i < LX_THREAD_NAMES; i++) {
		long tid = r->thread_name[i].tid;
		if (tid && !lx_thread_find(tid))
			InterlockedCompareExchange(&r->thread_name[i].tid, 0, tid);
	}
}

/* Publishes the calling thread's own name in the record, in its slot or
 * a free one; with none free the name stays this process's to see. */
static void publish_thread_name(long tid, const char *name)
{
	struct lx_proc_record *r = lx_proc_self;
	struct lx_thread_name *slot = NULL;

	for (int i = 0; i < LX_THREAD_NAMES && !slot; i++)
		if (r->thread_name[i].tid == tid)
			slot = &r->thread_name[i];
	for (int i = 0; i < LX_THREAD_NAMES && !slot; i++)
		if (InterlockedCompareExchange(&r->thread_name[i].tid, tid, 0) == 0)
			slot = &r->thread_name[i];
	if (!slot)
		return;
	text_begin(r);
	copy_text(slot->comm, name, sizeof(slot->comm));
	text_end(r);
}

/* The name thread tid of record r gave itself, copied under the record's
 * sequence count; false when it has none. */
static bool thread_name_of(struct lx_proc_record *r, long tid, char *out)
{
	for (int tries = 0; tries < 16; tries++) {
		long seq = r->text_seq;
		bool found = false;
		if (seq & 1) {
			SwitchToThread();
			continue;
		}
		MemoryBarrier();
		char name[16];
		for (int i = 0; i < LX_THREAD_NAMES && !found; i++) {
			if (r->thread_name[i].tid != tid)
				continue;
			copy_text(name, r->thread_name[i].comm, sizeof(name));
			found = name[0] != 0;
		}
		MemoryBarrier();
		if (r->text_seq != seq)
			continue;
		if (found)
			copy_text(out, name, 16);
		return found;
	}
	return false;
}

void lx_proc_set_comm(const char *name)
{
	if (!is_main_thread()) {
		copy_text(thread_comm, name, sizeof(thread_comm));
		publish_thread_name(lx_current_thread()->tid, name);
		return;
	}
	text_begin(lx_proc_self);
	copy_text(lx_proc_self->comm, name, sizeof(lx_proc_self->comm));
	text_end(lx_proc_self);
}

void lx_proc_get_comm(char out[16])
{
	if (!is_main_thread() && thread_comm[0])
		copy_text(out, thread_comm, 16);
	else
		copy_text(out, lx_proc_self->comm, 16);
}


static uint64_t ticks_of(FILETIME ft)
{
	return (((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime) / 100000;
}

/* Start time after boot in clock ticks (do_task_stat's start_time). */
static uint64_t start_ticks(int64_t start)
{
	FILETIME now;
	uint64_t boot;

	GetSystemTimeAsFileTime(&now);
	boot = ticks_of(now) - GetTickCount64() / 10;
	return (uint64_t)start / 100000 > boot ? (uint64_t)start / 100000 - boot : 0;
}

/* CPU times and memory of the Windows process of the current image. */
static void windows_counters(HANDLE h, struct lx_proc_info *info)
{
	FILETIME create, exit_t, kernel, user;
	PROCESS_MEMORY_COUNTERS mem;

	if (GetProcessTimes(h, &create, &exit_t, &kernel, &user)) {
		info->utime = ticks_of(user);
		info->stime = ticks_of(kernel);
	}
	if (K32GetProcessMemoryInfo(h, &mem, sizeof(mem))) {
		info->rss = mem.WorkingSetSize / 4096;
		info->vsize = mem.PagefileUsage;
	}
}

static long count_own_threads(void)
{
	long n = 0;

	lx_thread_registry_lock();
	for (struct lx_thread *t = lx_thread_first(); t; t = t->next)
		n++;
	lx_thread_registry_unlock();
	return n ? n : 1;
}

static void from_record(struct lx_proc_record *r, struct lx_proc_info *info)
{
	info->ppid = r->ppid;
	info->pgid = r->pgid ? r->pgid : info->tgid;
	info->sid = r->sid ? r->sid : info->tgid;
	info->uid = r->uid;
	info->gid = r->gid;
	info->euid = r->euid;
	info->suid = r->suid;
	info->fsuid = r->fsuid;
	info->egid = r->egid;
	info->sgid = r->sgid;
	info->fsgid = r->fsgid;
	info->ngroups = r->ngroups;
	for (long i = 0; i < r->ngroups && i < LX_RECORD_GROUPS && i < LX_PROC_INFO_GROUPS; i++)
		info->groups[i] = r->groups[i];
	info->threads = r->threads ? r->threads : 1;
	info->umask = r->umask;
	info->nice = r->nice;
	info->sched_policy = r->sched_policy;
	info->rt_priority = r->sched_priority;
	info->cap_inh = r->cap_inheritable;
	info->cap_prm = r->cap_permitted;
	info->cap_eff = r->cap_effective;
	info->cap_bnd = r->cap_bset;
	info->cap_amb = r->cap_ambient;
	info->no_new_privs = r->no_new_privs != 0;
	info->sigblk = r->sigblk;
	info->sigign = r->sigign;
	info->sigcgt = r->sigcgt;
	info->shdpnd = r->sigpending;
	info->sigq_max = lx_rlimit_cur(11 /* RLIMIT_SIGPENDING */);
	info->win_pid = (unsigned long)r->win_pid;
	info->arg_start = r->arg_start;
	info->arg_end = r->arg_end;
	info->env_start = r->env_start;
	info->env_end = r->env_end;
	info->state = r->state == LX_PROC_EXITED ? 'Z' : r->run_state == 'S' ? 'S' : 'R';
	info->start_ticks = start_ticks(r->start_time);
	read_texts_into(r, info->comm, info->exe, info->cwd);
}

static long info_of_other(long tgid, struct lx_proc_info *info)
{
	struct lx_proc_record *r = lx_proc_record_open(tgid);
	HANDLE h;

	if (!r)
		return -LX_ESRCH;
	from_record(r, info);
	if (info->pid != tgid)
		thread_name_of(r, info->pid, info->comm);
	lx_proc_record_close(r);
	if (info->state == 'Z') {
		/* A zombie has no memory and no names left (proc_pid_cmdline_read
		 * finds no mm; get_task_exe_file none). */
		info->exe[0] = info->cwd[0] = 0;
		info->arg_start = info->arg_end = info->env_start = info->env_end = 0;
		return 0;
	}
	h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ, FALSE,
	                (DWORD)info->win_pid);
	if (h) {
		windows_counters(h, info);
		CloseHandle(h);
	}
	return 0;
}

long lx_proc_info_get(long pid, struct lx_proc_info *info)
{
	long tgid = pid > 0 ? lx_instance_tgid(pid) : 0;

	memset(info, 0, sizeof(*info));
	if (!tgid)
		return -LX_ESRCH;
	info->pid = pid;
	info->tgid = tgid;
	if (tgid != lx_getpid())
		return info_of_other(tgid, info);
	info->self = true;
	from_record(lx_proc_self, info);
	info->shdpnd |= lx_shared_sigpending;
	/* The query server's thread (runtime/proc_query.c) is no guest
	 * thread and has no pending set. */
	struct lx_thread *self = lx_current_thread();
	info->sigpnd = self ? self->sigpending : 0;
	info->state = 'R'; /* it is reading */
	info->ppid = lx_ppid;
	info->uid = lx_uid;
	info->gid = lx_gid;
	info->euid = lx_euid;
	info->suid = lx_suid;
	info->fsuid = lx_fsuid;
	info->egid = lx_egid;
	info->sgid = lx_sgid;
	info->fsgid = lx_fsgid;
	info->threads = count_own_threads();
	info->umask = (long)lx_umask;
	info->arg_start = lx_arg_layout.arg_start;
	info->arg_end = lx_arg_layout.arg_end;
	info->env_start = lx_arg_layout.env_start;
	info->env_end = lx_arg_layout.env_end;
	lx_cwd_copy(info->cwd); /* the vfs's own copy is never torn */
	if (pid != tgid)
		thread_name_of(lx_proc_self, pid, info->comm);
	windows_counters(GetCurrentProcess(), info);
	return 0;
}

long lx_proc_read_memory(const struct lx_proc_info *info, uint64_t addr, void *buf, size_t n)
{
	SIZE_T got = 0;
	HANDLE h;
	BOOL ok;

	if (n == 0)
		return 0;
	if (info->self)
		return lx_copy_from_user(buf, addr, n) ? -LX_EFAULT : 0;
	h = OpenProcess(PROCESS_VM_READ | PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
	                (DWORD)info->win_pid);
	if (!h)
		return -LX_EACCES;
	ok = ReadProcessMemory(h, (const void *)(uintptr_t)addr, buf, n, &got);
	CloseHandle(h);
	return ok && got == n ? 0 : -LX_EFAULT;
}

/* LX_PROT_* of a Windows page protection. */
static int prot_of_windows(DWORD p)
{
	switch (p & 0xff) {
	case PAGE_READONLY: return LX_PROT_READ;
	case PAGE_READWRITE: case PAGE_WRITECOPY: return LX_PROT_READ | LX_PROT_WRITE;
	case PAGE_EXECUTE: return LX_PROT_EXEC;
	case PAGE_EXECUTE_READ: return LX_PROT_READ | LX_PROT_EXEC;
	case PAGE_EXECUTE_READWRITE: case PAGE_EXECUTE_WRITECOPY:
		return LX_PROT_READ | LX_PROT_WRITE | LX_PROT_EXEC;
	default: return LX_PROT_NONE;
	}
}

/* One PT_LOAD segment, split where Windows's protection changes (an
 * mprotect of RELRO splits it, as it splits the kernel's VMA). */
static void image_segment(const struct lx_elf64_phdr *ph,
                          void (*fn)(void *ctx, const struct lx_mm_view *v), void *ctx)
{
	uint64_t start = (ph->p_vaddr + lx_image.bias) & ~(uint64_t)(LX_PAGE_SIZE - 1);
	uint64_t end = LX_PAGE_UP(ph->p_vaddr + lx_image.bias + ph->p_memsz);
	uint64_t off = ph->p_offset & ~(uint64_t)(LX_PAGE_SIZE - 1);

	for (uint64_t at = start; at < end;) {
		MEMORY_BASIC_INFORMATION mbi;
		if (!VirtualQuery((void *)(uintptr_t)at, &mbi, sizeof(mbi)) || mbi.State != MEM_COMMIT)
			return;
		uint64_t stop = (uint64_t)(uintptr_t)mbi.BaseAddress + mbi.RegionSize;
		if (stop > end)
			stop = end;
		struct lx_mm_view v = {
			.start = at, .end = stop, .off = off + (at - start),
			.prot = prot_of_windows(mbi.Protect), .flags = LX_MAP_PRIVATE,
		};
		fn(ctx, &v);
		at = stop;
	}
}

void lx_image_for_each_area(void (*fn)(void *ctx, const struct lx_mm_view *v), void *ctx)
{
	const struct lx_elf64_phdr *ph = (const struct lx_elf64_phdr *)(uintptr_t)lx_image.phdr;

	if (!ph || !lx_image.pack || lx_image.elf_file)
		return;
	for (uint32_t i = 0; i < lx_image.phnum; i++)
		if (ph[i].p_type == LX_PT_LOAD && ph[i].p_memsz)
			image_segment(&ph[i], fn, ctx);
}
