/*
 * fork, vfork and clone without CLONE_THREAD: child processes
 * (runtime/clone.h).
 */
#include "clone.h"

int64_t lx_clone_process(struct lx_syscall *sc, const struct lx_clone_args *ca)
{
	(void)sc;
	(void)ca;
	return -LX_ENOSYS; /* child processes are not implemented yet */
}
