/*
 * System information and limits: uname(2), sysinfo(2), getrandom(2),
 * getrlimit(2), setrlimit(2), prlimit64(2).
 */
#include <windows.h>
#include <string.h>

#include "capability.h"
#include "identity.h"
#include "lxnt/linux/resource.h"
#include "lxnt/linux/utsname.h"
#include "proc.h"
#include "syscall_table.h"

#define LX_PER_MASK 0xffu
#define LX_PER_LINUX32 0x0008u
#define LX_UNAME26 0x0020000u
/* UNAME26's release for 5.15: 2.6.(patchlevel + 60), then what follows
 * the version's digits (override_release). */
#define LX_UNAME26_RELEASE "2.6.75-lxnt"

/* kernel/sys.c override_architecture and override_release: what the
 * personality makes uname say. */
static void personality_names(struct lx_new_utsname *u)
{
	unsigned p = lx_personality();

	if ((p & LX_PER_MASK) == LX_PER_LINUX32)
		strcpy(u->machine, "i686");
	if (p & LX_UNAME26)
		strcpy(u->release, LX_UNAME26_RELEASE);
}

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
	personality_names(&u);
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
 * reserves it.  Setting is accepted within the hard limits and
 * remembered, not enforced.  They live in the process's record, so that
 * fork and execve keep them (copy_signal, as Linux's signal_struct) and
 * prlimit64 reaches other processes.
 */
static const struct lx_rlimit default_limits[LX_RLIM_NLIMITS] = {
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

/* The limit of resource in record r (lock held). */
static struct lx_rlimit limit_of(const struct lx_proc_record *r, int resource)
{
	return r->rlimits_set ? r->rlimits[resource] : default_limits[resource];
}

static void limit_set(struct lx_proc_record *r, int resource, const struct lx_rlimit *l)
{
	if (!r->rlimits_set) {
		memcpy(r->rlimits, default_limits, sizeof(r->rlimits));
		r->rlimits_set = 1;
	}
	r->rlimits[resource] = *l;
}

uint64_t lx_rlimit_cur_of(const struct lx_proc_record *r, int resource)
{
	uint64_t cur;

	AcquireSRWLockShared(&limits_lock);
	cur = limit_of(r, resource).rlim_cur;
	ReleaseSRWLockShared(&limits_lock);
	return cur;
}

uint64_t lx_rlimit_cur(int resource)
{
	return lx_rlimit_cur_of(lx_proc_self, resource);
}

/* do_prlimit on record r: only CAP_SYS_RESOURCE raises a hard limit
 * (kernel/sys.c).
 * The lock orders this process's own changes; two processes changing a
 * third's limits at once is left to chance, as a torn pair would still
 * be one of the two values written for each field. */
static long do_prlimit(struct lx_proc_record *r, int resource, uint64_t new_p, uint64_t old_p)
{
	struct lx_rlimit nl, old;
	long err = 0;

	if (resource < 0 || resource >= LX_RLIM_NLIMITS)
		return -LX_EINVAL;
	if (new_p) {
		if (lx_copy_from_user(&nl, new_p, sizeof(nl)) < 0)
			return -LX_EFAULT;
		if (nl.rlim_cur > nl.rlim_max)
			return -LX_EINVAL;
	}
	AcquireSRWLockExclusive(&limits_lock);
	old = limit_of(r, resource);
	if (new_p) {
		if (nl.rlim_max > old.rlim_max && !lx_capable(LX_CAP_SYS_RESOURCE))
			err = -LX_EPERM;
		else
			limit_set(r, resource, &nl);
	}
	ReleaseSRWLockExclusive(&limits_lock);
	if (err == 0 && old_p && lx_copy_to_user(old_p, &old, sizeof(old)) < 0)
		err = -LX_EFAULT;
	return err;
}

/* Linux getrlimit(2). */
int64_t lx_sys_getrlimit(struct lx_syscall *sc)
{
	if (!sc->arg[1])
		return -LX_EFAULT;
	return do_prlimit(lx_proc_self, (int)sc->arg[0], 0, (uint64_t)sc->arg[1]);
}

/* Linux setrlimit(2). */
int64_t lx_sys_setrlimit(struct lx_syscall *sc)
{
	if (!sc->arg[1])
		return -LX_EFAULT;
	return do_prlimit(lx_proc_self, (int)sc->arg[0], (uint64_t)sc->arg[1], 0);
}

/* check_prlimit_permission: the caller's real uid is each of the target's
 * uids and its real gid the target's, or the caller holds
 * CAP_SYS_RESOURCE. */
static bool may_prlimit(const struct lx_proc_record *r)
{
	return lx_capable(LX_CAP_SYS_RESOURCE) ||
	       (r->uid == lx_uid && r->euid == lx_uid && r->suid == lx_uid && r->gid == lx_gid);
}

/* Linux prlimit64(2): of this process or another of the instance. */
int64_t lx_sys_prlimit64(struct lx_syscall *sc)
{
	long pid = sc->arg[0];
	struct lx_proc_record *r;
	long err;

	if (pid < 0)
		return -LX_EINVAL;
	if (pid == 0 || pid == lx_getpid())
		return do_prlimit(lx_proc_self, (int)sc->arg[1], (uint64_t)sc->arg[2],
		                  (uint64_t)sc->arg[3]);
	r = lx_proc_record_open(pid);
	if (!r || r->state == LX_PROC_EXITED)
		err = -LX_ESRCH;
	else if (!may_prlimit(r))
		err = -LX_EPERM;
	else
		err = do_prlimit(r, (int)sc->arg[1], (uint64_t)sc->arg[2], (uint64_t)sc->arg[3]);
	if (r)
		lx_proc_record_close(r);
	return err;
}
