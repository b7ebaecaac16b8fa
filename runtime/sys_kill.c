/*
 * kill(2): signals to processes and process groups.  Until processes of an
 * instance know each other, only this process can be reached.
 */
#include "identity.h"
#include "signal.h"
#include "syscall_table.h"

static bool is_self(int64_t pid)
{
	return pid == lx_getpid() || pid == 0 || pid == -1;
}

/* Linux kill(2). */
int64_t lx_sys_kill(struct lx_syscall *sc)
{
	int sig = (int)sc->arg[1];
	struct lx_siginfo info = {
		.si_signo = sig, .si_code = LX_SI_USER,
		.u.kill = { .pid = (int32_t)lx_getpid(), .uid = (uint32_t)lx_uid },
	};

	if (!is_self((int32_t)sc->arg[0]))
		return -LX_ENOSYS;
	if (sig < 0 || sig > LX_NSIG)
		return -LX_EINVAL;
	if (sig == 0)
		return 0;
	return lx_signal_send(0, sig, &info);
}
