/*
 * The process side of the hand-off (runtime/handoff.h): what every new
 * process of the instance takes over from its creator, and its start.
 */
#include <windows.h>
#include <string.h>

#include "elfload.h"
#include "handoff.h"
#include "signal.h"
#include "identity.h"
#include "image.h"
#include "mman.h"
#include "proc.h"
#include "ptable.h"
#include "proc_info.h"
#include "start.h"
#include "syscall_table.h"
#include "thread.h"

/*
 * Dispositions are read and set through rt_sigaction itself, so that this
 * file depends only on the system call's contract.  execve resets caught
 * signals to SIG_DFL and keeps ignored ones (execve(2)).
 */
static void signals_out(struct lx_sigaction *act, bool exec)
{
	for (int sig = 1; sig <= LX_NSIG; sig++) {
		struct lx_syscall sc = { .nr = 13, .arg = { sig, 0, (int64_t)(uintptr_t)&act[sig - 1], 8 } };
		memset(&act[sig - 1], 0, sizeof(act[sig - 1]));
		lx_sys_rt_sigaction(&sc);
		if (exec && act[sig - 1].handler > 1) /* SIG_DFL 0, SIG_IGN 1 */
			memset(&act[sig - 1], 0, sizeof(act[sig - 1]));
	}
}

static void signals_in(const struct lx_sigaction *act)
{
	for (int sig = 1; sig <= LX_NSIG; sig++) {
		if (sig == LX_SIGKILL || sig == LX_SIGSTOP)
			continue;
		struct lx_syscall sc = { .nr = 13, .arg = { sig, (int64_t)(uintptr_t)&act[sig - 1], 0, 8 } };
		lx_sys_rt_sigaction(&sc);
	}
}

long lx_handoff_common_out(struct lx_handoff_buf *b, void *proc, void *record, bool exec)
{
	struct lx_handoff *h = lx_handoff_head(b);
	HANDLE rec;

	if (!DuplicateHandle(GetCurrentProcess(), record, proc, &rec, 0, FALSE, DUPLICATE_SAME_ACCESS))
		return lx_errno_from_win32(GetLastError());
	h->record = (uint64_t)(uintptr_t)rec;
	h->pid = (int32_t)lx_getpid();
	h->ppid = exec ? (int32_t)lx_ppid : (int32_t)lx_getpid();
	lx_cred_handoff_out(b);
	h = lx_handoff_head(b); /* the block may have moved */
	h->umask = lx_umask;
	h->sigmask = lx_current_thread()->sigmask;
	lx_cwd_copy(h->cwd);
	signals_out(h->act, exec);
	return 0;
}

static void common_in(const struct lx_handoff *h, struct lx_thread *self)
{
	/* Every process of the instance holds the table, so that it lasts as
	 * long as one of them runs (runtime/ptable.h). */
	unsigned long err = 0;
	if (!lx_ptable_get(&err))
		lx_fatal("lxnt: cannot open the instance's process table (error %lu)", err);
	lx_set_pid(h->pid);
	self->tid = h->pid;
	lx_ppid = h->ppid;
	lx_umask = h->umask;
	lx_proc_record_adopt((HANDLE)(uintptr_t)h->record);
	lx_cred_handoff_in(h);
	signals_in(h->act);
	self->sigmask = h->sigmask;
	lx_signal_publish();
	lx_vfs_handoff_in(h);
	lx_signal_listener_start();
}

/* The parent's private memory (runtime/fork.c, deliver_plan): the
 * regions committed or made writable, the bytes copied from the section,
 * then the parent's protections; local calls, which Wine serves in the
 * process. */
static void fork_memory_in(const struct lx_handoff *h)
{
	const struct lx_fork_region *g = (const void *)((const char *)h + h->region_off);
	const struct lx_fork_run *run = (const void *)((const char *)h + h->run_off);
	HANDLE section = (HANDLE)(uintptr_t)h->memory_section;
	const unsigned char *view;
	DWORD old;

	if (!section)
		return;
	view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
	if (!view)
		lx_fatal("lxnt: fork: cannot map the parent's memory (error %lu)", GetLastError());
	for (uint32_t i = 0; i < h->nregion; i++) {
		void *s = (void *)(uintptr_t)g[i].start;
		SIZE_T n = g[i].end - g[i].start;
		if (g[i].commit ? !VirtualAlloc(s, n, MEM_COMMIT, PAGE_READWRITE)
		                : !VirtualProtect(s, n, PAGE_READWRITE, &old))
			lx_fatal("lxnt: fork: cannot make the memory at %p (error %lu)", s,
			         GetLastError());
	}
	for (uint32_t i = 0; i < h->nrun; i++)
		memcpy((void *)(uintptr_t)run[i].start, view + run[i].src, run[i].len);
	for (uint32_t i = 0; i < h->nregion; i++)
		if (g[i].protect != PAGE_READWRITE &&
		    !VirtualProtect((void *)(uintptr_t)g[i].start, g[i].end - g[i].start, g[i].protect,
		                    &old))
			lx_fatal("lxnt: fork: cannot protect the memory at %p (error %lu)",
			         (void *)(uintptr_t)g[i].start, GetLastError());
	UnmapViewOfFile(view);
	CloseHandle(section);
}

static _Noreturn void fork_child(const struct lx_handoff *h, struct lx_thread *self)
{
	struct lx_regs regs = h->regs;
	struct lx_fp_control fp = h->fp;

	fork_memory_in(h);
	lx_proc_done = (HANDLE)(uintptr_t)h->done_event;
	/* The argument strings are where they were: the stack is the copy
	 * (/proc/self/cmdline, environ, and [stack] in maps). */
	lx_arg_layout = (struct lx_arg_layout){ lx_proc_self->arg_start, lx_proc_self->arg_end,
	                                        lx_proc_self->env_start, lx_proc_self->env_end };
	lx_mm_adopt((const struct lx_mm_area *)((const char *)h + h->vma_off), h->nvma, h->mmap_top,
	            h);
	lx_sites_handoff_in(h);
	lx_brk_set(h->brk_base, h->brk_cur);
	self->clear_child_tid = h->clear_child_tid;
	self->altstack_sp = h->altstack_sp;
	self->altstack_size = h->altstack_size;
	self->altstack_flags = h->altstack_flags;
	if (h->set_child_tid)
		lx_copy_to_user(h->set_child_tid, &(int32_t){ h->pid }, 4);
	lx_set_thread_pointer(h->tp);
	VirtualFree((void *)h, 0, MEM_RELEASE);
	lx_fp_control_load(&fp);
	lx_enter_guest(&regs, self);
}

/* Unpacks n NUL-terminated strings from the block into a heap vector. */
static void strings_in(const struct lx_handoff *h, uint32_t off, uint32_t n, struct lx_strvec *v)
{
	if (!lx_strvec_unpack((const char *)h + off, n, v))
		lx_fatal("lxnt: out of memory for argv");
}

static _Noreturn void exec_child(const struct lx_handoff *h, struct lx_thread *self)
{
	struct lx_strvec argv, envp;
	size_t fnlen = strlen((const char *)h + h->execfn_off) + 1;
	char *execfn = HeapAlloc(GetProcessHeap(), 0, fnlen);

	if (!execfn)
		lx_fatal("lxnt: out of memory for execfn");
	memcpy(execfn, (const char *)h + h->execfn_off, fnlen);
	strings_in(h, h->argv_off, h->argc, &argv);
	strings_in(h, h->envp_off, h->envc, &envp);
	lx_children_handoff_in(h);
	lx_itimer_exec_in(h->itimer_left_us, h->itimer_interval_us);
	lx_proc_note_module(NULL); /* the caller of execve named it (exec.c) */
	if (h->elf_off) {
		/* /proc/self/exe is the file, not the image that maps it. */
		lx_proc_note_image((const char *)h + h->elf_off, NULL);
		lx_elf_exec_load((const char *)h + h->elf_off);
	}
	VirtualFree((void *)h, 0, MEM_RELEASE);
	struct lx_regs regs = {
		.rsp = lx_build_initial_stack(&argv, &envp, execfn),
		.rip = lx_image.start,
		.rflags = 0x202,
	};
	lx_fpu_init();
	lx_enter_guest(&regs, self);
}

_Noreturn void lx_child_start(struct lx_thread *self)
{
	const struct lx_handoff *h = lx_handoff_block;

	if (h->magic != LX_HANDOFF_MAGIC)
		lx_fatal("lxnt: the hand-off from the parent process is damaged");
	common_in(h, self);
	if (h->kind == LX_HANDOFF_FORK)
		fork_child(h, self);
	exec_child(h, self);
}
