/*
 * System information and limits: uname(2), sysinfo(2), getrandom(2),
 * getrlimit(2), prlimit64(2).
 */
#include <windows.h>
#include <string.h>

#include "identity.h"
#include "lxnt/linux/resource.h"
#include "lxnt/linux/utsname.h"
#include "syscall_table.h"

/* Linux uname(2). */
int64_t lx_sys_uname(struct lx_syscall *sc)
{
	struct lx_new_utsname u;
	wchar_t wname[MAX_COMPUTERNAME_LENGTH + 1];
	DWORD n = MAX_COMPUTERNAME_LENGTH + 1;

	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	strcpy(u.release, LX_UNAME_RELEASE);
	strcpy(u.version, LX_UNAME_VERSION);
	strcpy(u.machine, "x86_64");
	strcpy(u.domainname, "(none)");
	/* Linux host names are conventionally lower case; NetBIOS names are upper. */
	if (GetComputerNameExW(ComputerNameDnsHostname, wname, &n) && n > 0) {
		int len = WideCharToMultiByte(CP_UTF8, 0, wname, (int)n, u.nodename, LX_NEW_UTS_LEN, NULL, NULL);
		for (int i = 0; i < len; i++)
			if (u.nodename[i] >= 'A' && u.nodename[i] <= 'Z')
				u.nodename[i] += 'a' - 'A';
	} else {
		strcpy(u.nodename, "localhost");
	}
	return lx_copy_to_user((uint64_t)sc->arg[0], &u, sizeof(u));
}

/* Linux sysinfo(2): memory from GlobalMemoryStatusEx, uptime from GetTickCount64. */
int64_t lx_sys_sysinfo(struct lx_syscall *sc)
{
	struct lx_sysinfo si;
	MEMORYSTATUSEX ms = { .dwLength = sizeof(ms) };

	memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(GetTickCount64() / 1000);
	if (GlobalMemoryStatusEx(&ms)) {
		si.totalram = ms.ullTotalPhys;
		si.freeram = ms.ullAvailPhys;
		si.totalswap = ms.ullTotalPageFile > ms.ullTotalPhys ? ms.ullTotalPageFile - ms.ullTotalPhys : 0;
		si.freeswap = ms.ullAvailPageFile > ms.ullAvailPhys ? ms.ullAvailPageFile - ms.ullAvailPhys : 0;
	}
	si.procs = 1;
	si.mem_unit = 1;
	return lx_copy_to_user((uint64_t)sc->arg[0], &si, sizeof(si));
}

#define LX_GRND_NONBLOCK 0x1
#define LX_GRND_RANDOM 0x2
#define LX_GRND_INSECURE 0x4

/* Linux getrandom(2): the system RNG never blocks once Windows has booted. */
int64_t lx_sys_getrandom(struct lx_syscall *sc)
{
	uint64_t buf = (uint64_t)sc->arg[0];
	size_t len = (size_t)sc->arg[1];
	unsigned flags = (unsigned)sc->arg[2];
	uint8_t chunk[256];
	size_t done = 0;

	if (flags & ~(unsigned)(LX_GRND_NONBLOCK | LX_GRND_RANDOM | LX_GRND_INSECURE))
		return -LX_EINVAL;
	if ((flags & LX_GRND_RANDOM) && (flags & LX_GRND_INSECURE))
		return -LX_EINVAL;
	if (len > 0x1ffffff) /* Linux caps one call at 32 MiB - 1 */
		len = 0x1ffffff;
	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (!lx_random_bytes(chunk, n))
			return done ? (long)done : -LX_EIO;
		if (lx_copy_to_user(buf + done, chunk, n) < 0)
			return done ? (long)done : -LX_EFAULT;
		done += n;
	}
	SecureZeroMemory(chunk, sizeof(chunk));
	return (long)done;
}

/*
 * Resource limits: what a default Linux login gets (ulimit -a on Debian),
 * RLIMIT_NOFILE 1024/1048576 and RLIMIT_STACK 8 MiB as the runtime
 * reserves it.  Setting is accepted within the hard limits and remembered.
 */
static struct lx_rlimit limits[LX_RLIM_NLIMITS] = {
	[LX_RLIMIT_CPU] = { LX_RLIM_INFINITY, LX_RLIM_INFINITY },
	[LX_RLIMIT_FSIZE] = { LX_RLIM_INFINITY, LX_RLIM_INFINITY },
	[LX_RLIMIT_DATA] = { LX_RLIM_INFINITY, LX_RLIM_INFINITY },
	[LX_RLIMIT_STACK] = { 8ULL << 20, LX_RLIM_INFINITY },
	[LX_RLIMIT_CORE] = { 0, LX_RLIM_INFINITY },
	[LX_RLIMIT_RSS] = { LX_RLIM_INFINITY, LX_RLIM_INFINITY },
	[LX_RLIMIT_NPROC] = { 63432, 63432 },
	[LX_RLIMIT_NOFILE] = { 1024, 1048576 },
	[LX_RLIMIT_MEMLOCK] = { 8ULL << 20, 8ULL << 20 },
	[LX_RLIMIT_AS] = { LX_RLIM_INFINITY, LX_RLIM_INFINITY },
	[LX_RLIMIT_LOCKS] = { LX_RLIM_INFINITY, LX_RLIM_INFINITY },
	[LX_RLIMIT_SIGPENDING] = { 63432, 63432 },
	[LX_RLIMIT_MSGQUEUE] = { 819200, 819200 },
	[LX_RLIMIT_NICE] = { 0, 0 },
	[LX_RLIMIT_RTPRIO] = { 0, 0 },
	[LX_RLIMIT_RTTIME] = { LX_RLIM_INFINITY, LX_RLIM_INFINITY },
};
static SRWLOCK limits_lock = SRWLOCK_INIT;

static long do_prlimit(int resource, uint64_t new_p, uint64_t old_p)
{
	struct lx_rlimit nl, old;

	if (resource < 0 || resource >= LX_RLIM_NLIMITS)
		return -LX_EINVAL;
	if (new_p) {
		if (lx_copy_from_user(&nl, new_p, sizeof(nl)) < 0)
			return -LX_EFAULT;
		if (nl.rlim_cur > nl.rlim_max)
			return -LX_EINVAL;
	}
	AcquireSRWLockExclusive(&limits_lock);
	old = limits[resource];
	long r = 0;
	if (new_p) {
		/* Only privileged processes may raise a hard limit (kernel/sys.c). */
		if (nl.rlim_max > old.rlim_max)
			r = -LX_EPERM;
		else
			limits[resource] = nl;
	}
	ReleaseSRWLockExclusive(&limits_lock);
	if (r == 0 && old_p && lx_copy_to_user(old_p, &old, sizeof(old)) < 0)
		r = -LX_EFAULT;
	return r;
}

uint64_t lx_rlimit_cur(int resource)
{
	uint64_t cur;

	AcquireSRWLockShared(&limits_lock);
	cur = limits[resource].rlim_cur;
	ReleaseSRWLockShared(&limits_lock);
	return cur;
}

/* Linux getrlimit(2). */
int64_t lx_sys_getrlimit(struct lx_syscall *sc)
{
	if (!sc->arg[1])
		return -LX_EFAULT;
	return do_prlimit((int)sc->arg[0], 0, (uint64_t)sc->arg[1]);
}

/* Linux prlimit64(2): only this process (pid 0 or our own pid). */
int64_t lx_sys_prlimit64(struct lx_syscall *sc)
{
	long pid = sc->arg[0];

	if (pid != 0 && pid != lx_getpid())
		return -LX_ESRCH;
	return do_prlimit((int)sc->arg[1], (uint64_t)sc->arg[2], (uint64_t)sc->arg[3]);
}
