/*
 * clone, clone3, fork and vfork: one decoder (kernel/fork.c), two workers
 * (runtime/clone.h).
 */
#include <string.h>

#include "clone.h"
#include "lxnt/linux/signal.h"
#include "syscall_table.h"

/* The flag checks of copy_process() that do not depend on the worker. */
static int64_t clone_common(struct lx_syscall *sc, struct lx_clone_args *ca)
{
	uint64_t f = ca->flags;

	if (ca->exit_signal > LX_NSIG)
		return -LX_EINVAL;
	if ((f & (LX_CLONE_NEWNS | LX_CLONE_FS)) == (LX_CLONE_NEWNS | LX_CLONE_FS))
		return -LX_EINVAL;
	if ((f & LX_CLONE_THREAD) && !(f & LX_CLONE_SIGHAND))
		return -LX_EINVAL;
	if ((f & LX_CLONE_SIGHAND) && !(f & LX_CLONE_VM))
		return -LX_EINVAL;
	if (f & (LX_CLONE_NEWNS | LX_CLONE_NEWCGROUP | LX_CLONE_NEWUTS | LX_CLONE_NEWIPC |
	         LX_CLONE_NEWUSER | LX_CLONE_NEWPID | LX_CLONE_NEWNET | LX_CLONE_INTO_CGROUP))
		return -LX_EINVAL; /* namespaces are not supported */
	if (f & LX_CLONE_THREAD)
		return lx_clone_thread(sc, ca);
	return lx_clone_process(sc, ca);
}

/* Linux clone(2), x86-64 argument order: flags, stack, parent_tid,
 * child_tid, tls. */
int64_t lx_sys_clone(struct lx_syscall *sc)
{
	uint64_t flags = (uint64_t)sc->arg[0];
	struct lx_clone_args ca = {
		.flags = flags & ~LX_CSIGNAL & 0xffffffffULL,
		.exit_signal = flags & LX_CSIGNAL,
		.stack = (uint64_t)sc->arg[1],
		.parent_tid = (uint64_t)sc->arg[2],
		.child_tid = (uint64_t)sc->arg[3],
		.tls = (uint64_t)sc->arg[4],
	};

	if ((ca.flags & LX_CLONE_PIDFD) && (ca.flags & LX_CLONE_PARENT_SETTID))
		return -LX_EINVAL; /* both use parent_tid */
	if (ca.flags & LX_CLONE_PIDFD)
		ca.pidfd = ca.parent_tid;
	return clone_common(sc, &ca);
}

#define CLONE_ARGS_SIZE_VER0 64

/* Linux clone3(2). */
int64_t lx_sys_clone3(struct lx_syscall *sc)
{
	uint64_t uargs = (uint64_t)sc->arg[0];
	size_t size = (size_t)sc->arg[1];
	struct lx_clone_args ca;

	if (size < CLONE_ARGS_SIZE_VER0)
		return -LX_EINVAL;
	if (size > 4096)
		return -LX_E2BIG;
	memset(&ca, 0, sizeof(ca));
	if (lx_copy_from_user(&ca, uargs, size < sizeof(ca) ? size : sizeof(ca)) < 0)
		return -LX_EFAULT;
	/* A larger struct from a newer libc is fine while its tail is zero. */
	for (size_t off = sizeof(ca); off < size; off++) {
		unsigned char b;
		if (lx_copy_from_user(&b, uargs + off, 1) < 0)
			return -LX_EFAULT;
		if (b)
			return -LX_E2BIG;
	}
	if (ca.flags & LX_CSIGNAL)
		return -LX_EINVAL;
	if ((ca.stack == 0) != (ca.stack_size == 0))
		return -LX_EINVAL;
	if (ca.set_tid || ca.set_tid_size)
		return -LX_EPERM; /* choosing pids needs CAP_SYS_ADMIN in the pid namespace */
	return clone_common(sc, &ca);
}

/* Linux fork(2). */
int64_t lx_sys_fork(struct lx_syscall *sc)
{
	struct lx_clone_args ca = { .exit_signal = LX_SIGCHLD };

	return clone_common(sc, &ca);
}

/* Linux vfork(2). */
int64_t lx_sys_vfork(struct lx_syscall *sc)
{
	struct lx_clone_args ca = { .flags = LX_CLONE_VFORK | LX_CLONE_VM, .exit_signal = LX_SIGCHLD };

	return clone_common(sc, &ca);
}
