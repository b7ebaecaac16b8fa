/*
 * The clone family (runtime/sys_clone.c): clone, clone3, fork and vfork
 * are decoded into one struct and handed to threads (CLONE_THREAD,
 * runtime/clone_thread.c) or to processes (everything else,
 * runtime/fork.c), as kernel/fork.c's kernel_clone does.
 */
#ifndef LXNT_RUNTIME_CLONE_H
#define LXNT_RUNTIME_CLONE_H

#include <stdint.h>

#include "lx.h"

/* CLONE_* flags (include/uapi/linux/sched.h). */
#define LX_CSIGNAL              0x000000ffULL
#define LX_CLONE_VM             0x00000100ULL
#define LX_CLONE_FS             0x00000200ULL
#define LX_CLONE_FILES          0x00000400ULL
#define LX_CLONE_SIGHAND        0x00000800ULL
#define LX_CLONE_PIDFD          0x00001000ULL
#define LX_CLONE_PTRACE         0x00002000ULL
#define LX_CLONE_VFORK          0x00004000ULL
#define LX_CLONE_PARENT         0x00008000ULL
#define LX_CLONE_THREAD         0x00010000ULL
#define LX_CLONE_NEWNS          0x00020000ULL
#define LX_CLONE_SYSVSEM        0x00040000ULL
#define LX_CLONE_SETTLS         0x00080000ULL
#define LX_CLONE_PARENT_SETTID  0x00100000ULL
#define LX_CLONE_CHILD_CLEARTID 0x00200000ULL
#define LX_CLONE_DETACHED       0x00400000ULL
#define LX_CLONE_UNTRACED       0x00800000ULL
#define LX_CLONE_CHILD_SETTID   0x01000000ULL
#define LX_CLONE_NEWCGROUP      0x02000000ULL
#define LX_CLONE_NEWUTS         0x04000000ULL
#define LX_CLONE_NEWIPC         0x08000000ULL
#define LX_CLONE_NEWUSER        0x10000000ULL
#define LX_CLONE_NEWPID         0x20000000ULL
#define LX_CLONE_NEWNET         0x40000000ULL
#define LX_CLONE_IO             0x80000000ULL
#define LX_CLONE_CLEAR_SIGHAND  0x100000000ULL
#define LX_CLONE_INTO_CGROUP    0x200000000ULL

/* struct clone_args of clone3(2), and what clone/fork/vfork amount to. */
struct lx_clone_args {
	uint64_t flags;        /* without the exit signal */
	uint64_t pidfd;
	uint64_t child_tid;    /* guest pointer */
	uint64_t parent_tid;   /* guest pointer */
	uint64_t exit_signal;
	uint64_t stack;        /* lowest address of the child's stack, or 0 */
	uint64_t stack_size;   /* 0 with clone(2): stack is then the stack pointer */
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

/* Creates a thread of this process (CLONE_THREAD); returns its tid in the
 * caller, and starts the thread with rax = 0 at the caller's rip. */
int64_t lx_clone_thread(struct lx_syscall *sc, const struct lx_clone_args *ca);
/* The Linux tid for a new Windows thread (clone_thread.c). */
long lx_new_tid(unsigned long win_tid);
/* exit(2) of the calling thread: the process ends with the last one. */
_Noreturn void lx_thread_exit(int code);
/* At the end of the process: waits (at most a second) for threads that
 * have exited but not yet terminated. */
void lx_threads_wait_exiting(void);

/* Creates a child process (fork, vfork, clone without CLONE_THREAD);
 * returns its pid in the caller, 0 in the child. */
int64_t lx_clone_process(struct lx_syscall *sc, const struct lx_clone_args *ca);

#endif
