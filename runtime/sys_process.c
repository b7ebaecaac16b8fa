/*
 * Process identity and exit.  Until the instance daemon assigns Linux pids,
 * the pid is the Windows process id (stable for the life of the process),
 * the main thread's tid equals it as on Linux, and the parent is pid 1.
 */
#include <windows.h>

#include "clone.h"
#include "identity.h"
#include "stats.h"
#include "syscall_table.h"
#include "thread.h"

long lx_getpid(void)
{
	return (long)GetCurrentProcessId();
}

/*
 * A Linux wait status becomes the Windows exit code a shell would print
 * for it: the exit code for a normal exit, 128 + signal for a death by
 * signal (as bash's $?).
 */
_Noreturn void lx_exit_process(int wait_status)
{
	int sig = wait_status & 0x7f;

	lx_threads_wait_exiting();
	lx_stats_write();
	ExitProcess(sig ? 128u + (unsigned)sig : (unsigned)((wait_status >> 8) & 0xff));
}

/* Linux getpid(2). */
int64_t lx_sys_getpid(struct lx_syscall *sc)
{
	(void)sc;
	return lx_getpid();
}

/* Linux getppid(2). */
int64_t lx_sys_getppid(struct lx_syscall *sc)
{
	(void)sc;
	return 1;
}

/* Linux gettid(2). */
int64_t lx_sys_gettid(struct lx_syscall *sc)
{
	(void)sc;
	return lx_current_thread()->tid;
}

/* Linux set_tid_address(2): remembers clear_child_tid, returns the tid. */
int64_t lx_sys_set_tid_address(struct lx_syscall *sc)
{
	struct lx_thread *t = lx_current_thread();

	t->clear_child_tid = (uint64_t)sc->arg[0];
	return t->tid;
}

/* Linux set_robust_list(2): recorded for thread exit. */
int64_t lx_sys_set_robust_list(struct lx_syscall *sc)
{
	/* sizeof(struct robust_list_head) on x86-64 */
	if ((size_t)sc->arg[1] != 24)
		return -LX_EINVAL;
	struct lx_thread *t = lx_current_thread();
	t->robust_list = (uint64_t)sc->arg[0];
	t->robust_list_len = (size_t)sc->arg[1];
	return 0;
}

/* Linux exit(2): ends the calling thread (clone_thread.c). */
int64_t lx_sys_exit(struct lx_syscall *sc)
{
	lx_thread_exit((int)(sc->arg[0] & 0xff));
}

/* Linux exit_group(2). */
int64_t lx_sys_exit_group(struct lx_syscall *sc)
{
	lx_exit_process((int)((sc->arg[0] & 0xff) << 8));
}

/*
 * Process groups and sessions: until the instance daemon tracks them, a
 * packed program is the leader of its own group and session, as a program
 * started with setsid(1) would be.
 */
static int64_t group_of(int32_t pid)
{
	if (pid != 0 && pid != (int32_t)lx_getpid())
		return -LX_ESRCH;
	return lx_getpid();
}

/* Linux getpgrp(2). */
int64_t lx_sys_getpgrp(struct lx_syscall *sc)
{
	(void)sc;
	return lx_getpid();
}

/* Linux getpgid(2). */
int64_t lx_sys_getpgid(struct lx_syscall *sc)
{
	return group_of((int32_t)sc->arg[0]);
}

/* Linux getsid(2). */
int64_t lx_sys_getsid(struct lx_syscall *sc)
{
	return group_of((int32_t)sc->arg[0]);
}
