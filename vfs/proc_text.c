/*
 * The text of /proc and /sys files, in the formats of proc(5) and the
 * kernel's fs/proc/ files, from what Windows reports.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "proc.h"
#include "proc_maps.h"
#include "proc_info.h"
#include "proc_pids.h"
#include "text.h"
#include "lxnt/linux/utsname.h"
#include "nt.h"

#include <cpuid.h>

static unsigned ncpus(void)
{
	DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);

	return n ? (unsigned)n : 1;
}

/* CPUID flags in the order of arch/x86/include/asm/cpufeatures.h, for the
 * bits a Linux program looks for (glibc, OpenSSL and the like read cpuid
 * themselves; scripts grep this). */
static void put_cpu_flags(struct lx_text *t)
{
	static const struct { unsigned leaf, reg, bit; const char *name; } flags[] = {
		{ 1, 3, 0, "fpu" }, { 1, 3, 4, "tsc" }, { 1, 3, 8, "cx8" }, { 1, 3, 15, "cmov" },
		{ 1, 3, 19, "clflush" }, { 1, 3, 23, "mmx" }, { 1, 3, 24, "fxsr" },
		{ 1, 3, 25, "sse" }, { 1, 3, 26, "sse2" }, { 1, 3, 28, "ht" },
		{ 0x80000001, 3, 11, "syscall" }, { 0x80000001, 3, 20, "nx" },
		{ 0x80000001, 3, 27, "rdtscp" }, { 0x80000001, 3, 29, "lm" },
		{ 1, 2, 0, "pni" }, { 1, 2, 1, "pclmulqdq" }, { 1, 2, 9, "ssse3" },
		{ 1, 2, 12, "fma" }, { 1, 2, 13, "cx16" }, { 1, 2, 19, "sse4_1" },
		{ 1, 2, 20, "sse4_2" }, { 1, 2, 22, "movbe" }, { 1, 2, 23, "popcnt" },
		{ 1, 2, 25, "aes" }, { 1, 2, 26, "xsave" }, { 1, 2, 28, "avx" },
		{ 1, 2, 29, "f16c" }, { 1, 2, 30, "rdrand" },
		{ 0x80000001, 2, 0, "lahf_lm" }, { 0x80000001, 2, 5, "abm" },
		{ 7, 1, 3, "bmi1" }, { 7, 1, 5, "avx2" }, { 7, 1, 8, "bmi2" },
		{ 7, 1, 9, "erms" }, { 7, 1, 16, "avx512f" }, { 7, 1, 18, "rdseed" },
		{ 7, 1, 19, "adx" }, { 7, 1, 29, "sha_ni" },
	};
	unsigned max = __get_cpuid_max(0, NULL), maxext = __get_cpuid_max(0x80000000, NULL);

	lx_text_put(t, "flags\t\t:");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		unsigned r[4] = { 0 };
		unsigned leaf = flags[i].leaf;
		if (leaf >= 0x80000000 ? leaf > maxext : leaf > max)
			continue;
		__cpuid_count(leaf, 0, r[0], r[1], r[2], r[3]);
		if (r[flags[i].reg] & (1u << flags[i].bit))
			lx_text_put(t, " %s", flags[i].name);
	}
	lx_text_put(t, "\n");
}

/* ZwOpenKey and ZwQueryValueKey (WDK, wdm.h) with the partial form of
 * KEY_VALUE_INFORMATION_CLASS: ntdll's registry calls, as advapi32 is not
 * imported (runtime/random.c says why). */
NTSTATUS NTAPI NtOpenKey(PHANDLE key, ACCESS_MASK access, POBJECT_ATTRIBUTES attr);
NTSTATUS NTAPI NtQueryValueKey(HANDLE key, PUNICODE_STRING name, int info_class, PVOID info,
                               ULONG len, PULONG retlen);
#define LX_KeyValuePartialInformation 2
struct lx_key_value_partial {
	ULONG TitleIndex, Type, DataLength;
	UCHAR Data[16];
};

/* The clock of CPU 0 as Windows records it, or 0. */
static DWORD cpu_mhz(void)
{
	UNICODE_STRING path, name;
	OBJECT_ATTRIBUTES attr;
	struct lx_key_value_partial v;
	HANDLE key;
	ULONG len;
	DWORD mhz = 0;

	RtlInitUnicodeString(&path,
	    L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0");
	RtlInitUnicodeString(&name, L"~MHz");
	InitializeObjectAttributes(&attr, &path, OBJ_CASE_INSENSITIVE, NULL, NULL);
	if (!NT_SUCCESS(NtOpenKey(&key, KEY_QUERY_VALUE, &attr)))
		return 0;
	if (NT_SUCCESS(NtQueryValueKey(key, &name, LX_KeyValuePartialInformation, &v, sizeof(v),
	                               &len)) &&
	    v.Type == REG_DWORD && v.DataLength == sizeof(mhz))
		memcpy(&mhz, v.Data, sizeof(mhz));
	NtClose(key);
	return mhz;
}

/* /proc/cpuinfo (arch/x86/kernel/cpu/proc.c): one block per logical CPU. */
static void cpuinfo(struct lx_text *t)
{
	unsigned r[4], vendor[4] = { 0 }, brand[13] = { 0 };
	unsigned family, model, stepping, n = ncpus();
	DWORD mhz;

	__cpuid(0, r[0], vendor[0], vendor[2], vendor[1]);
	__cpuid(1, r[0], r[1], r[2], r[3]);
	family = (r[0] >> 8) & 0xF;
	model = (r[0] >> 4) & 0xF;
	stepping = r[0] & 0xF;
	if (family == 0xF)
		family += (r[0] >> 20) & 0xFF;
	if (family >= 6)
		model |= ((r[0] >> 16) & 0xF) << 4;
	if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004)
		for (unsigned i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, brand[4 * i], brand[4 * i + 1], brand[4 * i + 2],
			        brand[4 * i + 3]);
	mhz = cpu_mhz();
	for (unsigned i = 0; i < n; i++) {
		const char *name = (const char *)brand;
		while (*name == ' ')
			name++;
		lx_text_put(t, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
		       "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %llu.000\n"
		       "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n"
		       "apicid\t\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n",
		    i, (const char *)vendor, family, model, name, stepping, (unsigned long long)mhz,
		    n, i, n, i, __get_cpuid_max(0, NULL));
		put_cpu_flags(t);
		lx_text_put(t, "bogomips\t: %llu.00\nclflush size\t: 64\ncache_alignment\t: 64\n"
		       "address sizes\t: 48 bits physical, 48 bits virtual\npower management:\n\n",
		    (unsigned long long)mhz * 2);
	}
}

/* /proc/meminfo (fs/proc/meminfo.c), the fields Windows can fill, in kB. */
static void meminfo(struct lx_text *t)
{
	MEMORYSTATUSEX m = { .dwLength = sizeof(m) };
	unsigned long long swap_total, swap_free;

	if (!GlobalMemoryStatusEx(&m)) {
		t->failed = true;
		return;
	}
	/* The commit limit counts the page file on top of the memory. */
	swap_total = m.ullTotalPageFile > m.ullTotalPhys ? m.ullTotalPageFile - m.ullTotalPhys : 0;
	swap_free = m.ullAvailPageFile > m.ullAvailPhys ? m.ullAvailPageFile - m.ullAvailPhys : 0;
	if (swap_free > swap_total)
		swap_free = swap_total;
	lx_text_put(t, "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\n"
	       "Buffers:        %8llu kB\nCached:         %8llu kB\nSwapCached:     %8llu kB\n"
	       "SwapTotal:      %8llu kB\nSwapFree:       %8llu kB\n",
	    m.ullTotalPhys >> 10, m.ullAvailPhys >> 10, m.ullAvailPhys >> 10, 0ULL, 0ULL, 0ULL,
	    swap_total >> 10, swap_free >> 10);
}

static void uptime(struct lx_text *t)
{
	ULONGLONG ms = GetTickCount64();
	FILETIME idle, kernel, user;
	unsigned long long idle_cs = 0;

	if (GetSystemTimes(&idle, &kernel, &user))
		idle_cs = ((((unsigned long long)idle.dwHighDateTime << 32) | idle.dwLowDateTime)) /
		          100000;
	lx_text_put(t, "%llu.%02llu %llu.%02llu\n", (unsigned long long)ms / 1000,
	    (unsigned long long)(ms % 1000) / 10, idle_cs / 100, idle_cs % 100);
}

/* /proc/stat's cpu lines: Windows counts idle time inside kernel time. */
static void stat_text(struct lx_text *t)
{
	FILETIME idle, kernel, user;
	unsigned long long i = 0, k = 0, u = 0;
	ULONGLONG ms = GetTickCount64();
	FILETIME now;
	unsigned long long now_s;

	if (GetSystemTimes(&idle, &kernel, &user)) {
		i = (((unsigned long long)idle.dwHighDateTime << 32) | idle.dwLowDateTime) / 100000;
		k = (((unsigned long long)kernel.dwHighDateTime << 32) | kernel.dwLowDateTime) / 100000;
		u = (((unsigned long long)user.dwHighDateTime << 32) | user.dwLowDateTime) / 100000;
	}
	k = k > i ? k - i : 0;
	lx_text_put(t, "cpu  %llu 0 %llu %llu 0 0 0 0 0 0\n", u, k, i);
	for (unsigned c = 0, n = ncpus(); c < n; c++)
		lx_text_put(t, "cpu%u %llu 0 %llu %llu 0 0 0 0 0 0\n", c, u / n, k / n, i / n);
	GetSystemTimeAsFileTime(&now);
	now_s = ((((unsigned long long)now.dwHighDateTime << 32) | now.dwLowDateTime) -
	         116444736000000000ULL) / 10000000ULL;
	lx_text_put(t, "intr 0\nctxt 0\nbtime %llu\nprocesses %zu\nprocs_running 1\nprocs_blocked 0\n",
	    now_s - ms / 1000, lx_proc_pids_list(NULL, 0));
}

static void uuid(struct lx_text *t)
{
	unsigned char b[16];

	if (!lx_random_bytes(b, sizeof(b))) {
		t->failed = true;
		return;
	}
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
	lx_text_put(t, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
	    b[14], b[15]);
}

/* fs/proc/array.c task_state_array, for the states a record knows. */
static const char *state_name(char state)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	default: return "zombie";
	}
}

/* /proc/<pid>/status (fs/proc/array.c proc_pid_status), the lines a
 * record can fill; a zombie has no fs (no Umask) and no mm (no Vm lines).
 * The ids as task_state shows them: real, effective, saved and
 * file-system; the supplementary groups each followed by a space (of
 * another process the first LX_PROC_INFO_GROUPS, which its record keeps). */
static void pid_status(struct lx_text *t, const struct lx_proc_facts *f)
{
	lx_text_put(t, "Name:\t%s\n", f->comm);
	if (f->state != 'Z')
		lx_text_put(t, "Umask:\t%04llo\n", (unsigned long long)f->umask);
	lx_text_put(t, "State:\t%c (%s)\nTgid:\t%lld\nNgid:\t0\nPid:\t%lld\n"
	       "PPid:\t%lld\nTracerPid:\t0\nUid:\t%lld\t%lld\t%lld\t%lld\n"
	       "Gid:\t%lld\t%lld\t%lld\t%lld\nFDSize:\t%d\nGroups:\t",
	    f->state, state_name(f->state), (long long)f->tgid, (long long)f->pid,
	    (long long)f->ppid, (long long)f->uid, (long long)f->euid, (long long)f->suid,
	    (long long)f->fsuid, (long long)f->gid, (long long)f->egid, (long long)f->sgid,
	    (long long)f->fsgid, LX_FD_MAX);
	for (long i = 0; i < f->ngroups && i < LX_PROC_INFO_GROUPS; i++)
		lx_text_put(t, "%s%u", i ? " " : "", (unsigned)f->groups[i]);
	lx_text_put(t, " \n");
	if (f->state != 'Z')
		lx_text_put(t, "VmRSS:\t%8llu kB\n", (unsigned long long)f->rss * 4);
	lx_text_put(t, "Threads:\t%lld\n", (long long)f->threads);
	/* The main thread's pending and blocked sets, the process's pending
	 * ones, the dispositions (runtime/sys_signal.c lx_signal_publish). */
	lx_text_put(t, "SigQ:\t0/%llu\nSigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n"
	            "SigIgn:\t%016llx\nSigCgt:\t%016llx\n",
	            (unsigned long long)f->sigq_max,
	            (unsigned long long)f->sigpnd, (unsigned long long)f->shdpnd,
	            (unsigned long long)f->sigblk, (unsigned long long)f->sigign,
	            (unsigned long long)f->sigcgt);
	/* The record's sets (runtime/capability.c). */
	lx_text_put(t, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
	            "CapBnd:\t%016llx\nCapAmb:\t%016llx\n",
	            (unsigned long long)f->cap_inh, (unsigned long long)f->cap_prm,
	            (unsigned long long)f->cap_eff, (unsigned long long)f->cap_bnd,
	            (unsigned long long)f->cap_amb);
	/* PR_SET_NO_NEW_PRIVS (runtime/sys_prctl.c); no seccomp. */
	lx_text_put(t, "NoNewPrivs:\t%ld\nSeccomp:\t0\nSeccomp_filters:\t0\n", f->no_new_privs);
}

/* /proc/<pid>/stat: the 52 fields of fs/proc/array.c:do_task_stat;
 * the priority is task_prio's, -1 - rt_priority under a real-time policy
 * (SCHED_FIFO 1, SCHED_RR 2), else 20 + nice.  start_data, end_data and
 * start_brk (45-47) are 0, as Linux shows them to whom may not read the
 * map; the argument and environment strings' places are 48-51. */
static void pid_stat(struct lx_text *t, const struct lx_proc_facts *f)
{
	long long pid = f->pid;
	bool rt = f->sched_policy == 1 || f->sched_policy == 2;
	long long prio = rt ? -1 - (long long)f->rt_priority : 20 + (long long)f->nice;

	lx_text_put(t, "%lld (%s) %c %lld %lld %lld 0 -1 4194304 0 0 0 0 %llu %llu 0 0 %lld %lld %lld 0"
	       " %llu %llu %llu 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 %lld %lld 0 0 0"
	       " 0 0 0 %llu %llu %llu %llu 0\n",
	    pid, f->comm, f->state, (long long)f->ppid, (long long)f->pgid, (long long)f->sid,
	    (unsigned long long)f->utime, (unsigned long long)f->stime, prio, (long long)f->nice,
	    (long long)f->threads, (unsigned long long)f->start_ticks, (unsigned long long)f->vsize,
	    (unsigned long long)f->rss, (long long)f->rt_priority, (long long)f->sched_policy,
	    (unsigned long long)f->arg_start, (unsigned long long)f->arg_end,
	    (unsigned long long)f->env_start, (unsigned long long)f->env_end);
}

static void fdinfo(struct lx_text *t, long fd)
{
	struct lx_file *f = lx_fd_get((int)fd);
	long cloexec = lx_fd_get_cloexec((int)fd);
	struct lx_kstat st;

	if (!f) {
		t->failed = true;
		return;
	}
	if (lx_file_stat(f, &st))
		memset(&st, 0, sizeof(st));
	lx_text_put(t, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%u\nino:\t%llu\n", (long long)f->pos,
	    f->flags | (cloexec > 0 ? LX_O_CLOEXEC : 0), (unsigned)lx_minor(st.dev),
	    (unsigned long long)st.ino);
	lx_file_put(f);
}

/* fdinfo of the own fd, or what another process answered of its own. */
static long fdinfo_text(struct lx_text *t, long arg)
{
	char *text;
	long err;

	if (lx_proc_pid_is_self(LX_PROC_ARG_PID(arg))) {
		fdinfo(t, LX_PROC_ARG_FD(arg));
		return 0;
	}
	err = lx_proc_other_fd_text(arg, true, &text);
	if (err < 0)
		return err;
	lx_text_put(t, "%s", text);
	free(text);
	return 0;
}

/* The answer to another process's question (runtime/proc_info.h). */
long lx_proc_answer_text(int kind, char **text, size_t *len)
{
	struct lx_text t = { NULL, 0, 0, false };
	char *link;
	long pid;

	if (kind == LX_PROC_QUERY_MAPS) {
		lx_procfs_self_pid(&pid);
		return lx_proc_maps_text(pid, text, len);
	}
	if (kind != LX_PROC_QUERY_FDS)
		return -LX_EINVAL;
	link = malloc(LX_PATH_MAX);
	if (!link)
		return -LX_ENOMEM;
	lx_text_bytes(&t, "", 0);
	for (long fd = 0; fd < LX_FD_MAX; fd++) {
		if (lx_proc_own_fd_link(fd, link, LX_PATH_MAX) < 0)
			continue;
		lx_text_put(&t, "%ld", fd);
		lx_text_bytes(&t, "", 1);
		lx_text_put(&t, "%s", link);
		lx_text_bytes(&t, "", 1);
		fdinfo(&t, fd);
		lx_text_bytes(&t, "", 1);
	}
	free(link);
	if (t.failed) {
		free(t.buf);
		return -LX_ENOMEM;
	}
	*text = t.buf;
	*len = t.len;
	return 0;
}

static long pid_text(int e, long pid, struct lx_text *t)
{
	struct lx_proc_facts f;
	long err = lx_proc_pid_facts(pid, &f);

	if (err)
		return -LX_ESRCH;
	switch (e) {
	case P_STATUS: pid_status(t, &f); break;
	case P_PSTAT: pid_stat(t, &f); break;
	case P_CMDLINE: lx_text_bytes(t, f.cmdline, f.cmdline_len); break;
	case P_ENVIRON: lx_text_bytes(t, f.envp, f.env_len); break;
	case P_COMM: lx_text_put(t, "%s\n", f.comm); break;
	}
	lx_proc_facts_free(&f);
	return 0;
}

long lx_proc_text(int e, long arg, char **text, size_t *len)
{
	struct lx_text t = { NULL, 0, 0, false };
	long err = 0;

	lx_text_put(&t, "%s", "");
	switch (e) {
	case P_CPUINFO: cpuinfo(&t); break;
	case P_MEMINFO: meminfo(&t); break;
	case P_UPTIME: uptime(&t); break;
	/* Windows keeps no load average; WSL 1 showed zeros as well. */
	case P_LOADAVG:
		lx_procfs_self_pid(&arg);
		lx_text_put(&t, "0.00 0.00 0.00 1/%zu %lld\n", lx_proc_pids_list(NULL, 0), (long long)arg);
		break;
	case P_STAT: stat_text(&t); break;
	case P_VERSION:
		lx_text_put(&t, "Linux version %s (lxnt) %s\n", LX_UNAME_RELEASE, LX_UNAME_VERSION);
		break;
	case P_FILESYSTEMS:
		lx_text_put(&t, "nodev\tsysfs\nnodev\tproc\nnodev\tdevtmpfs\n\tlxfs\n\tdrvfs\n");
		break;
	case P_OSTYPE: lx_text_put(&t, "Linux\n"); break;
	case P_OSRELEASE: lx_text_put(&t, "%s\n", LX_UNAME_RELEASE); break;
	case P_PID_MAX: lx_text_put(&t, "4194304\n"); break; /* PID_MAX_LIMIT on 64-bit */
	case P_UUID: uuid(&t); break;
	case P_PROTECTED_HARDLINKS: lx_text_put(&t, "1\n"); break; /* vfs/link.c, may_linkat */
	case P_STATUS: case P_PSTAT: case P_CMDLINE: case P_ENVIRON: case P_COMM:
		err = pid_text(e, arg, &t);
		break;
	/* task/<tid>/: the thread's own view, as /proc/<tid> gives it. */
	case P_TSTAT: err = pid_text(P_PSTAT, arg, &t); break;
	case P_TSTATUS: err = pid_text(P_STATUS, arg, &t); break;
	case P_TCOMM: err = pid_text(P_COMM, arg, &t); break;
	case P_MAPS:
		free(t.buf);
		return lx_proc_maps_text(arg, text, len);
	case P_PMOUNTS: case P_MOUNTINFO:
		free(t.buf);
		return lx_mount_table_text(e == P_MOUNTINFO, text, len);
	case P_FDINFO_N:
		err = fdinfo_text(&t, arg);
		break;
	case S_CPU_ONLINE: case S_CPU_POSSIBLE: case S_CPU_PRESENT:
		if (ncpus() == 1)
			lx_text_put(&t, "0\n");
		else
			lx_text_put(&t, "0-%u\n", ncpus() - 1);
		break;
	default:
		err = -LX_EINVAL;
	}
	if (!err && t.failed)
		err = -LX_ENOMEM;
	if (err) {
		free(t.buf);
		return err;
	}
	*text = t.buf;
	*len = t.len;
	return 0;
}
