/*
 * Scheduling and resource usage: sched_yield(2), sched_getaffinity(2),
 * sched_setaffinity(2), sched_get_priority_max(2),
 * sched_get_priority_min(2), getcpu(2), membarrier(2), getrusage(2),
 * times(2).  The policies are runtime/sys_sched_policy.c's.
 */
#include <windows.h>
#include <psapi.h>
#include <string.h>

#include "lxnt/linux/time.h"
#include "instance.h"
#include "proc.h"
#include "sched_policy.h"
#include "syscall_table.h"
#include "thread.h"

/* Linux sched_yield(2). */
int64_t lx_sys_sched_yield(struct lx_syscall *sc)
{
	(void)sc;
	SwitchToThread();
	return 0;
}

/*
 * The CPUs this process may use: the affinity mask of the processor group
 * we run in (up to 64 CPUs).
 */
static int64_t process_cpus(uint64_t *mask)
{
	DWORD_PTR proc_mask, sys_mask;

	if (!GetProcessAffinityMask(GetCurrentProcess(), &proc_mask, &sys_mask))
		return lx_errno_from_win32(GetLastError());
	*mask = proc_mask;
	return 0;
}

/* The thread a sched_*affinity pid names: 0 the caller, else a tid of this
 * process (registry lock held on success). */
static struct lx_thread *affinity_target(int32_t pid)
{
	lx_thread_registry_lock();
	struct lx_thread *t = pid == 0 ? lx_current_thread() : lx_thread_find(pid);
	if (!t)
		lx_thread_registry_unlock();
	return t;
}

/*
 * Linux sched_getaffinity(2): the thread's mask, as far as the process may
 * use it; returns the size of the kernel's mask, 8 bytes for up to 64 CPUs,
 * as kernel/sched/core.c does.
 */
int64_t lx_sys_sched_getaffinity(struct lx_syscall *sc)
{
	int32_t pid = (int32_t)sc->arg[0];
	size_t len = (size_t)sc->arg[1];
	uint64_t cpus = 0, mask;
	int64_t r;

	if (pid < 0)
		return -LX_ESRCH;
	if (len < sizeof(uint64_t) || (len & (sizeof(uint64_t) - 1)))
		return -LX_EINVAL;
	if ((r = process_cpus(&cpus)) < 0)
		return r;
	struct lx_thread *t = affinity_target(pid);
	if (!t)
		return -LX_ESRCH;
	mask = t->affinity ? t->affinity & cpus : cpus;
	lx_thread_registry_unlock();
	if (lx_copy_to_user((uint64_t)sc->arg[2], &mask, sizeof(mask)) < 0)
		return -LX_EFAULT;
	return sizeof(mask);
}

/*
 * Linux sched_setaffinity(2): a mask shorter than the kernel's is padded
 * with zeros, a longer one is cut; CPUs the process may not use are
 * dropped, and a mask left empty is EINVAL (__sched_setaffinity).
 */
int64_t lx_sys_sched_setaffinity(struct lx_syscall *sc)
{
	int32_t pid = (int32_t)sc->arg[0];
	size_t len = (size_t)sc->arg[1];
	uint64_t cpus = 0, mask = 0;
	int64_t r;

	if (pid < 0)
		return -LX_ESRCH;
	if (lx_copy_from_user(&mask, (uint64_t)sc->arg[2], len < sizeof(mask) ? len : sizeof(mask)) < 0)
		return -LX_EFAULT;
	if ((r = process_cpus(&cpus)) < 0)
		return r;
	struct lx_thread *t = affinity_target(pid);
	if (!t)
		return -LX_ESRCH;
	if (!(mask & cpus)) {
		r = -LX_EINVAL;
	} else if (!SetThreadAffinityMask(t->handle, (DWORD_PTR)(mask & cpus))) {
		r = lx_errno_from_win32(GetLastError());
	} else {
		t->affinity = mask & cpus;
		r = 0;
	}
	lx_thread_registry_unlock();
	return r;
}

struct lx_rusage {
	struct lx_timeval ru_utime;
	struct lx_timeval ru_stime;
	int64_t rest[14]; /* maxrss ... nivcsw */
};

#define LX_RUSAGE_SELF 0
#define LX_RUSAGE_CHILDREN (-1)
#define LX_RUSAGE_THREAD 1

/* Linux sched_get_priority_max(2) and _min(2): 1..99 for the real-time
 * policies, 0 for the others. */
static long priority_bound(int policy, long rt)
{
	switch (policy) {
	case LX_SCHED_FIFO:
	case LX_SCHED_RR:
		return rt;
	case LX_SCHED_OTHER:
	case LX_SCHED_BATCH:
	case LX_SCHED_IDLE:
	case LX_SCHED_DEADLINE:
		return 0;
	default:
		return -LX_EINVAL;
	}
}

int64_t lx_sys_sched_get_priority_max(struct lx_syscall *sc)
{
	return priority_bound((int)sc->arg[0], 99);
}

int64_t lx_sys_sched_get_priority_min(struct lx_syscall *sc)
{
	return priority_bound((int)sc->arg[0], 1);
}

/* Linux getcpu(2): the processor the thread runs on (numbered across
 * processor groups of 64) and its NUMA node; the third argument is
 * unused since Linux 2.6.24. */
int64_t lx_sys_getcpu(struct lx_syscall *sc)
{
	PROCESSOR_NUMBER pn;
	USHORT node = 0;
	uint32_t cpu, numa;

	GetCurrentProcessorNumberEx(&pn);
	cpu = (uint32_t)pn.Group * 64 + pn.Number;
	if (!GetNumaProcessorNodeEx(&pn, &node) || node == 0xffff)
		node = 0;
	numa = node;
	if (sc->arg[0] && lx_copy_to_user((uint64_t)sc->arg[0], &cpu, sizeof(cpu)))
		return -LX_EFAULT;
	if (sc->arg[1] && lx_copy_to_user((uint64_t)sc->arg[1], &numa, sizeof(numa)))
		return -LX_EFAULT;
	return 0;
}

#define LX_MEMBARRIER_CMD_QUERY 0
#define LX_MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define LX_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)

static volatile LONG membarrier_registered;

/* Linux membarrier(2): the private expedited barrier, which is what
 * FlushProcessWriteBuffers does (every processor running a thread of the
 * process passes a full barrier).  The global commands would need every
 * process of the system and are not offered. */
int64_t lx_sys_membarrier(struct lx_syscall *sc)
{
	int cmd = (int)sc->arg[0];

	if (sc->arg[1] != 0)
		return -LX_EINVAL;
	switch (cmd) {
	case LX_MEMBARRIER_CMD_QUERY:
		return LX_MEMBARRIER_CMD_PRIVATE_EXPEDITED | LX_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
	case LX_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
		InterlockedExchange(&membarrier_registered, 1);
		return 0;
	case LX_MEMBARRIER_CMD_PRIVATE_EXPEDITED:
		if (!membarrier_registered)
			return -LX_EPERM;
		FlushProcessWriteBuffers();
		return 0;
	default:
		return -LX_EINVAL;
	}
}

static struct lx_timeval tv_of_100ns(int64_t t)
{
	return (struct lx_timeval){ t / 10000000, t % 10000000 / 10 };
}

long lx_rusage_copy_out(uint64_t uaddr, const struct lx_cpu_usage *u)
{
	struct lx_rusage ru;

	memset(&ru, 0, sizeof(ru));
	ru.ru_utime = tv_of_100ns(u->utime);
	ru.ru_stime = tv_of_100ns(u->stime);
	ru.rest[0] = u->maxrss; /* ru_maxrss, kB */
	return lx_copy_to_user(uaddr, &ru, sizeof(ru)) < 0 ? -LX_EFAULT : 0;
}

/* The peak resident set of the current image, kB (the mm's hiwater_rss;
 * RUSAGE_THREAD gives it too). */
static int64_t own_maxrss(void)
{
	PROCESS_MEMORY_COUNTERS mem;

	if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &mem, sizeof(mem)))
		return 0;
	return (int64_t)(mem.PeakWorkingSetSize / 1024);
}

/* Linux getrusage(2): CPU times and ru_maxrss; RUSAGE_CHILDREN those of
 * the waited-for children (children.c); the other fields stay zero. */
int64_t lx_sys_getrusage(struct lx_syscall *sc)
{
	int who = (int)sc->arg[0];
	struct lx_cpu_usage usage;
	FILETIME c, e, k, u;

	switch (who) {
	case LX_RUSAGE_SELF:
		if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
			return lx_errno_from_win32(GetLastError());
		break;
	case LX_RUSAGE_THREAD:
		if (!GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u))
			return lx_errno_from_win32(GetLastError());
		break;
	case LX_RUSAGE_CHILDREN:
		lx_children_times(&usage);
		return lx_rusage_copy_out((uint64_t)sc->arg[1], &usage);
	default:
		return -LX_EINVAL;
	}
	usage.utime = (int64_t)(((uint64_t)u.dwHighDateTime << 32) | u.dwLowDateTime);
	usage.stime = (int64_t)(((uint64_t)k.dwHighDateTime << 32) | k.dwLowDateTime);
	usage.maxrss = own_maxrss();
	return lx_rusage_copy_out((uint64_t)sc->arg[1], &usage);
}

/* Linux times(2): clock ticks of 1/100 s (AT_CLKTCK); returns ticks since boot. */
int64_t lx_sys_times(struct lx_syscall *sc)
{
	FILETIME c, e, k, u;
	int64_t tms[4] = { 0, 0, 0, 0 };

	if (sc->arg[0]) {
		if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
			return lx_errno_from_win32(GetLastError());
		tms[0] = (int64_t)((((uint64_t)u.dwHighDateTime << 32) | u.dwLowDateTime) / 100000);
		tms[1] = (int64_t)((((uint64_t)k.dwHighDateTime << 32) | k.dwLowDateTime) / 100000);
		struct lx_cpu_usage children;
		lx_children_times(&children);
		tms[2] = children.utime / 100000;
		tms[3] = children.stime / 100000;
		if (lx_copy_to_user((uint64_t)sc->arg[0], tms, sizeof(tms)) < 0)
			return -LX_EFAULT;
	}
	return (int64_t)(GetTickCount64() / 10);
}
