/*
 * wait4(2) and waitid(2) (kernel/exit.c): argument checks and results;
 * the search through the children is runtime/children.c's.
 */
#include "identity.h"
#include "proc.h"
#include "syscall_table.h"

/* Linux wait4(2). */
int64_t lx_sys_wait4(struct lx_syscall *sc)
{
	long sel = (int32_t)sc->arg[0];
	uint64_t ustatus = (uint64_t)sc->arg[1], urusage = (uint64_t)sc->arg[3];
	int options = (int)sc->arg[2];
	struct lx_wait_result w;

	if (options & ~(LX_WNOHANG | LX_WUNTRACED | LX_WCONTINUED | LX_WNOTHREAD | LX_WALL | LX_WCLONE))
		return -LX_EINVAL;
	if (sel == INT32_MIN)
		return -LX_ESRCH; /* -INT_MIN overflows: kernel_wait4 */
	long r = lx_children_wait(sel, options | LX_WEXITED, &w);
	if (r <= 0)
		return r;
	if (ustatus && lx_copy_to_user(ustatus, &w.status, sizeof(w.status)) < 0)
		return -LX_EFAULT;
	if (urusage && lx_rusage_copy_out(urusage, &w.usage) < 0)
		return -LX_EFAULT;
	return r;
}

#define LX_P_ALL 0
#define LX_P_PID 1
#define LX_P_PGID 2
/* Linux waitid(2). */
int64_t lx_sys_waitid(struct lx_syscall *sc)
{
	int which = (int)sc->arg[0], options = (int)sc->arg[3];
	long id = (int32_t)sc->arg[1], sel;
	uint64_t uinfo = (uint64_t)sc->arg[2];
	struct lx_wait_result w;

	if (options & ~(LX_WNOHANG | LX_WNOWAIT | LX_WEXITED | LX_WUNTRACED | LX_WCONTINUED |
	                LX_WNOTHREAD | LX_WALL | LX_WCLONE))
		return -LX_EINVAL;
	if (!(options & (LX_WEXITED | LX_WUNTRACED | LX_WCONTINUED)))
		return -LX_EINVAL;
	switch (which) {
	case LX_P_ALL: sel = -1; break;
	case LX_P_PID: if (id <= 0) return -LX_EINVAL; sel = id; break;
	case LX_P_PGID: if (id < 0) return -LX_EINVAL; sel = id ? -id : 0; break;
	default: return -LX_EINVAL;
	}
	long r = lx_children_wait(sel, options, &w);
	if (r < 0)
		return r;
	struct lx_siginfo info = { 0 };
	if (r > 0)
		lx_chld_info_uid(&info, w.pid, w.status, w.uid);
	/* The rusage argument (kernel_waitid's fifth), only for a child found. */
	if (r > 0 && sc->arg[4] && lx_rusage_copy_out((uint64_t)sc->arg[4], &w.usage) < 0)
		return -LX_EFAULT;
	/* WNOHANG with nothing to report zeroes si_pid (and all of it here). */
	if (uinfo && lx_copy_to_user(uinfo, &info, sizeof(info)) < 0)
		return -LX_EFAULT;
	return 0;
}
