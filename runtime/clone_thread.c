/*
 * CLONE_THREAD: new threads of this process (runtime/clone.h).
 */
#include "clone.h"

int64_t lx_clone_thread(struct lx_syscall *sc, const struct lx_clone_args *ca)
{
	(void)sc;
	(void)ca;
	return -LX_ENOSYS; /* threads are not implemented yet */
}
