/* prctl(2) (kernel/sys.c): the process name, which /proc shows, the
 * capability options of security/commoncap.c that lxnt keeps, and the
 * per-process flags kept in the record (runtime/proc.h). */
#include "capability.h"
#include "proc.h"
#include "proc_info.h"
#include "syscall_table.h"

#define LX_PR_SET_PDEATHSIG 1
#define LX_PR_GET_PDEATHSIG 2
#define LX_PR_GET_DUMPABLE 3
#define LX_PR_SET_DUMPABLE 4
#define LX_PR_GET_SECCOMP 21
#define LX_PR_SET_TIMERSLACK 29
#define LX_PR_GET_TIMERSLACK 30
#define LX_PR_SET_NO_NEW_PRIVS 38
#define LX_PR_GET_NO_NEW_PRIVS 39
#define LX_PR_GET_KEEPCAPS 7
#define LX_PR_SET_KEEPCAPS 8
#define LX_PR_SET_NAME 15
#define LX_PR_GET_NAME 16
#define LX_PR_CAPBSET_READ 23
#define LX_PR_CAPBSET_DROP 24
#define LX_PR_CAP_AMBIENT 47

/* Linux prctl(2). */
int64_t lx_sys_prctl(struct lx_syscall *sc)
{
	char name[16] = { 0 };
	long r;

	switch ((int)sc->arg[0]) {
	case LX_PR_SET_PDEATHSIG:
		if ((uint64_t)sc->arg[1] > LX_NSIG)
			return -LX_EINVAL; /* valid_signal */
		lx_proc_self->pdeathsig = (long)sc->arg[1];
		return 0;
	case LX_PR_GET_PDEATHSIG: {
		int32_t sig = (int32_t)lx_proc_self->pdeathsig;
		return lx_copy_to_user((uint64_t)sc->arg[1], &sig, sizeof(sig)) < 0 ? -LX_EFAULT : 0;
	}
	case LX_PR_GET_DUMPABLE:
		return lx_proc_self->not_dumpable ? 0 : 1;
	case LX_PR_SET_DUMPABLE:
		/* SUID_DUMP_USER or SUID_DUMP_DISABLE; SUID_DUMP_ROOT is not
		 * the caller's to ask for. */
		if ((uint64_t)sc->arg[1] > 1)
			return -LX_EINVAL;
		lx_proc_self->not_dumpable = sc->arg[1] == 0;
		return 0;
	case LX_PR_GET_SECCOMP:
		return 0; /* no filter: lxnt has no seccomp, and setting one is EINVAL */
	case LX_PR_SET_TIMERSLACK:
		/* Kept and reported; the runtime's sleeps do not slack. */
		lx_proc_self->timerslack = (long)sc->arg[1] > 0 ? (long)sc->arg[1] : 0;
		return 0;
	case LX_PR_GET_TIMERSLACK:
		return lx_proc_self->timerslack ? lx_proc_self->timerslack : 50000;
	case LX_PR_SET_NO_NEW_PRIVS:
		if (sc->arg[1] != 1 || sc->arg[2] || sc->arg[3] || sc->arg[4])
			return -LX_EINVAL;
		lx_proc_self->no_new_privs = 1;
		return 0;
	case LX_PR_GET_NO_NEW_PRIVS:
		if (sc->arg[1] || sc->arg[2] || sc->arg[3] || sc->arg[4])
			return -LX_EINVAL;
		return lx_proc_self->no_new_privs != 0;
	case LX_PR_SET_NAME:
		/* At most TASK_COMM_LEN - 1 bytes, the rest cut off: a name
		 * without a NUL in 16 bytes keeps its first 15. */
		r = lx_strncpy_from_user(name, (uint64_t)sc->arg[1], sizeof(name));
		if (r < 0 && r != -LX_ENAMETOOLONG)
			return -LX_EFAULT;
		name[sizeof(name) - 1] = 0;
		lx_proc_set_comm(name);
		return 0;
	case LX_PR_GET_NAME:
		lx_proc_get_comm(name);
		return lx_copy_to_user((uint64_t)sc->arg[1], name, sizeof(name)) < 0 ? -LX_EFAULT : 0;
	case LX_PR_GET_KEEPCAPS:
		return lx_cap_get_keepcaps();
	case LX_PR_SET_KEEPCAPS:
		return lx_cap_set_keepcaps((uint64_t)sc->arg[1]);
	case LX_PR_CAPBSET_READ:
		return lx_cap_bset_read((uint64_t)sc->arg[1]);
	case LX_PR_CAPBSET_DROP:
		return lx_cap_bset_drop((uint64_t)sc->arg[1]);
	case LX_PR_CAP_AMBIENT:
		return lx_cap_ambient((uint64_t)sc->arg[1], (uint64_t)sc->arg[2], (uint64_t)sc->arg[3],
		                      (uint64_t)sc->arg[4]);
	default:
		/* What an older kernel answers for an option it lacks. */
		return -LX_EINVAL;
	}
}
