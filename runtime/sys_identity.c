/*
 * User and group identity.  A packed tool runs as one Linux user: uid and
 * gid 1000 (the first user WSL creates) unless LXNT_UID / LXNT_GID say
 * otherwise; real, effective and saved ids are equal and the supplementary
 * group list is just the primary group.
 */
#include <windows.h>

#include "identity.h"
#include "proc.h"
#include "syscall_table.h"

long lx_uid = 1000, lx_gid = 1000;
unsigned lx_umask = 022;

static long env_id(const wchar_t *name, long dflt)
{
	wchar_t v[16];
	DWORD n = GetEnvironmentVariableW(name, v, 16);
	long long id = 0;

	if (n == 0 || n >= 16)
		return dflt;
	for (DWORD i = 0; i < n; i++) {
		if (v[i] < L'0' || v[i] > L'9')
			return dflt;
		id = id * 10 + (v[i] - L'0');
		if (id > 0xfffffffeLL)
			return dflt;
	}
	return (long)id;
}

void lx_identity_init(void)
{
	lx_uid = env_id(L"LXNT_UID", 1000);
	lx_gid = env_id(L"LXNT_GID", 1000);
}

/* Linux getuid(2). */
int64_t lx_sys_getuid(struct lx_syscall *sc)
{
	(void)sc;
	return lx_uid;
}

/* Linux geteuid(2). */
int64_t lx_sys_geteuid(struct lx_syscall *sc)
{
	(void)sc;
	return lx_uid;
}

/* Linux getgid(2). */
int64_t lx_sys_getgid(struct lx_syscall *sc)
{
	(void)sc;
	return lx_gid;
}

/* Linux getegid(2). */
int64_t lx_sys_getegid(struct lx_syscall *sc)
{
	(void)sc;
	return lx_gid;
}

/* Linux getgroups(2): size 0 asks for the count. */
int64_t lx_sys_getgroups(struct lx_syscall *sc)
{
	int size = (int)sc->arg[0];
	uint32_t g = (uint32_t)lx_gid;

	if (size < 0)
		return -LX_EINVAL;
	if (size == 0)
		return 1;
	long r = lx_copy_to_user((uint64_t)sc->arg[1], &g, sizeof(g));
	return r < 0 ? r : 1;
}

/* Linux umask(2): returns the previous mask. */
int64_t lx_sys_umask(struct lx_syscall *sc)
{
	/* One exchange, so that threads racing here each see a real previous mask. */
	unsigned old = __atomic_exchange_n(&lx_umask, (unsigned)sc->arg[0] & 0777, __ATOMIC_SEQ_CST);

	lx_proc_self->umask = (long)(sc->arg[0] & 0777); /* for /proc/<pid>/status */
	return old;
}
