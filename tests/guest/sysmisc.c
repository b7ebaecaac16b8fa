/*
 * A differential guest for system calls programs meet now and then:
 * personality(2) (the value kept and returned, across fork, vfork and
 * execve; uname under PER_LINUX32 and UNAME26); capget(2) and capset(2)
 * (versions, pids, the sets as the uids move them, across fork and
 * execve; the checks that consult them).  Capability sets are printed
 * relative to the bounding set, which differs between machines;
 * sched_setscheduler(2), sched_setparam(2), sched_setattr(2) and
 * sched_getattr(2) (policies, priorities, their checks for root and
 * others, RLIMIT_RTPRIO, SCHED_RESET_ON_FORK, across fork and execve, of
 * another process) and sched_rr_get_interval(2); memfd_create(2) (the file, its name in /proc, I/O,
 * ftruncate, MAP_SHARED across fork, the fd across execve; in "memfd-seals"
 * its file seals, in other processes too).  Modes: "personality", "caps", "sched", "memfd",
 * "memfd-seals", "setid" (in a rootfs: execve of a set-user-ID file),
 * "filecaps" (in a rootfs: execve of files with capabilities), "prctl"
 * (in a rootfs: PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE, PR_SET_PDEATHSIG and
 * its delivery when the parent exits or is killed, PR_SET_TIMERSLACK,
 * across fork and execve, and a set-user-ID file run with no_new_privs);
 * "show-personality", "show-caps", "show-fcaps", "show-sched", "show-prctl",
 * "show-memfd FD" and "show-seals FD" print the caller's (run through
 * execve).
 */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "guest.h"

static void report(const char *what, long ret)
{
	if (ret == -1 && errno)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

/* The raw call, so that the whole 64-bit argument reaches the kernel and
 * the unsigned int it returns is not folded into an int. */
static long persona(unsigned long v)
{
	errno = 0;
	return syscall(SYS_personality, v);
}

static void show_persona(const char *what)
{
	printf("%s: %#lx\n", what, persona(0xffffffff));
}

static void wait_child(const char *what, pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		printf("%s: no child\n", what);
	else
		printf("%s: exit %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Runs self in mode through fork (or vfork) and execve. */
static void exec_show(const char *self, const char *mode, int use_vfork)
{
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid == 0) {
		execl(self, self, mode, (char *)NULL);
		_exit(127);
	}
	wait_child(use_vfork ? "vfork child" : "fork child", pid);
}

static void uname_under(const char *what, unsigned long p)
{
	struct utsname u;

	persona(p);
	uname(&u);
	printf("%s: machine %s, release 2.6.x %s\n", what, u.machine,
	       yes(strncmp(u.release, "2.6.", 4) == 0) );
}

static void personality_calls(const char *self)
{
	show_persona("initial");
	report("set ADDR_NO_RANDOMIZE", persona(ADDR_NO_RANDOMIZE));
	show_persona("after");
	pid_t pid = fork();
	if (pid == 0) {
		show_persona("fork child");
		_exit(0);
	}
	wait_child("fork child", pid);
	exec_show(self, "show-personality", 0);
	exec_show(self, "show-personality", 1);
	/* execve of a 64-bit ELF file drops READ_IMPLIES_EXEC. */
	report("set READ_IMPLIES_EXEC too", persona(ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC));
	show_persona("before execve");
	exec_show(self, "show-personality", 0);
	/* Any value is kept: Linux has no execution domains to refuse. */
	report("set PER_BSD", persona(PER_BSD));
	show_persona("PER_BSD");
	report("set 0x7fffff00", persona(0x7fffff00));
	report("set 0x80000000", persona(0x80000000));
	show_persona("0x80000000");
	/* The argument is an unsigned int: the upper half is ignored, so
	 * this sets 0 rather than asking. */
	report("set 0x100000000", persona(0x100000000UL));
	show_persona("after 0x100000000");
	report("query 0x1ffffffff", persona(0x1ffffffffUL));
	uname_under("PER_LINUX32", PER_LINUX32);
	uname_under("UNAME26", UNAME26);
	uname_under("PER_LINUX", PER_LINUX);
	show_persona("last");
}

/* The bounding set, as PR_CAPBSET_READ reads it one capability at a time. */
static unsigned long long bset(void)
{
	unsigned long long set = 0;

	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_READ, cap) == 1)
			set |= 1ULL << cap;
	return set;
}

/* A set relative to the bounding set: "bset", "0", or bset ^ the bits
 * that differ. */
static const char *rel(unsigned long long set, char *buf, size_t cap)
{
	unsigned long long b = bset();

	if (set == b)
		return "bset";
	if (set == 0)
		return "0";
	/* A set of a few capabilities is shown as it is. */
	if (__builtin_popcountll(set) <= 8)
		snprintf(buf, cap, "%#llx", set);
	else
		snprintf(buf, cap, "bset^%#llx", set ^ b);
	return buf;
}

struct sets {
	unsigned long long eff, prm, inh;
};

static long cap_get(int pid, struct sets *s)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, pid };
	struct __user_cap_data_struct d[2];

	errno = 0;
	long r = syscall(SYS_capget, &h, d);
	if (r == 0) {
		s->eff = d[0].effective | (unsigned long long)d[1].effective << 32;
		s->prm = d[0].permitted | (unsigned long long)d[1].permitted << 32;
		s->inh = d[0].inheritable | (unsigned long long)d[1].inheritable << 32;
	}
	return r;
}

static long cap_set(const struct sets *s)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (unsigned)s->eff, (unsigned)s->prm, (unsigned)s->inh },
		{ (unsigned)(s->eff >> 32), (unsigned)(s->prm >> 32), (unsigned)(s->inh >> 32) },
	};

	errno = 0;
	return syscall(SYS_capset, &h, d);
}

/* The Cap lines of /proc/<pid>/status, relative to the bounding set. */
static void status_caps(const char *what, pid_t pid)
{
	char path[64], text[4096], b1[48], b2[48];
	unsigned long long inh = 1, prm = 1, eff = 1, bnd = 1, amb = 1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (slurp(path, text, sizeof(text)) <= 0)
		return;
	char *p = strstr(text, "CapInh:");
	if (!p || sscanf(p, "CapInh: %llx CapPrm: %llx CapEff: %llx CapBnd: %llx CapAmb: %llx", &inh,
	                 &prm, &eff, &bnd, &amb) != 5) {
		printf("%s: no Cap lines\n", what);
		return;
	}
	printf("%s: inh %#llx, prm %s, eff %s, bnd is bset %s, amb %#llx\n", what, inh,
	       rel(prm, b1, sizeof(b1)), rel(eff, b2, sizeof(b2)), yes(bnd == bset()), amb);
}

static void show_caps(const char *what, int pid)
{
	struct sets s;
	char b1[48], b2[48];

	if (cap_get(pid, &s))
		report(what, -1);
	else
		printf("%s: eff %s, prm %s, inh %#llx\n", what, rel(s.eff, b1, sizeof(b1)),
		       rel(s.prm, b2, sizeof(b2)), s.inh);
}

static void set_caps(const char *what, unsigned long long eff, unsigned long long prm,
                     unsigned long long inh)
{
	struct sets s = { eff, prm, inh };

	report(what, cap_set(&s));
	show_caps(what, 0);
}

#define BIT(cap) (1ULL << (cap))

/* capget and capset's headers: versions and pids. */
static void cap_headers(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_1, 0 };
	struct __user_cap_data_struct d[2];
	char b[48];

	errno = 0;
	report("capget v1", syscall(SYS_capget, &h, d));
	printf("capget v1: eff low %s\n", yes(d[0].effective == (unsigned)bset()));
	h.version = _LINUX_CAPABILITY_VERSION_2;
	report("capget v2", syscall(SYS_capget, &h, d));
	printf("capget v2: eff %s\n",
	       rel(d[0].effective | (unsigned long long)d[1].effective << 32, b, sizeof(b)));
	h.version = 0x12345678;
	report("capget bad version", syscall(SYS_capget, &h, d));
	printf("version written back: %#x\n", h.version);
	h.version = 0x12345678;
	errno = 0;
	report("capget bad version, no data", syscall(SYS_capget, &h, NULL));
	printf("version written back: %#x\n", h.version);
	errno = 0;
	report("capget v3, no data", syscall(SYS_capget, &h, NULL));
	h.pid = -1;
	report("capget pid -1", syscall(SYS_capget, &h, d));
	h.pid = 999999;
	errno = 0;
	report("capget no such pid", syscall(SYS_capget, &h, d));
	show_caps("capget own pid", getpid());
	errno = 0;
	report("capget bad header", syscall(SYS_capget, (void *)8, d));
	h.pid = 0;
	errno = 0;
	report("capget bad data", syscall(SYS_capget, &h, (void *)8));
	h.pid = getppid();
	errno = 0;
	report("capset of the parent", syscall(SYS_capset, &h, d));
	h.version = 0x12345678;
	h.pid = 0;
	errno = 0;
	report("capset bad version", syscall(SYS_capset, &h, d));
	printf("version written back: %#x\n", h.version);
	errno = 0;
	report("PR_CAPBSET_READ CAP_CHOWN", prctl(PR_CAPBSET_READ, CAP_CHOWN));
	errno = 0;
	report("PR_CAPBSET_READ 64", prctl(PR_CAPBSET_READ, 64));
	errno = 0;
	report("PR_CAPBSET_READ -1", prctl(PR_CAPBSET_READ, -1L));
}

/* capset's rules, in a child that then shows its sets to the parent
 * (capget of another pid) and through fork and execve. */
static void cap_sets_child(const char *self)
{
	unsigned long long b = bset();
	int go[2], ready[2];
	char c;

	set_caps("drop CHOWN from eff", b & ~BIT(CAP_CHOWN), b, 0);
	set_caps("raise it again", b, b, 0);
	set_caps("drop KILL from prm", b & ~BIT(CAP_KILL), b & ~BIT(CAP_KILL), 0);
	set_caps("raise KILL again", b, b, 0);
	set_caps("eff beyond prm", b, b & ~BIT(CAP_KILL), 0);
	set_caps("inh NET_RAW", b & ~BIT(CAP_KILL), b & ~BIT(CAP_KILL), BIT(CAP_NET_RAW));
	/* Without CAP_SETPCAP the inheritable set grows only within the
	 * permitted one. */
	set_caps("drop SETPCAP", b & ~BIT(CAP_KILL) & ~BIT(CAP_SETPCAP), b & ~BIT(CAP_KILL),
	         BIT(CAP_NET_RAW));
	set_caps("inh KILL without SETPCAP", b & ~BIT(CAP_KILL) & ~BIT(CAP_SETPCAP),
	         b & ~BIT(CAP_KILL), BIT(CAP_NET_RAW) | BIT(CAP_KILL));
	set_caps("SETPCAP again", b & ~BIT(CAP_KILL), b & ~BIT(CAP_KILL), BIT(CAP_NET_RAW));
	set_caps("inh KILL with SETPCAP", b & ~BIT(CAP_KILL), b & ~BIT(CAP_KILL),
	         BIT(CAP_NET_RAW) | BIT(CAP_KILL));
	if (pipe(go) || pipe(ready))
		_exit(2);
	pid_t pid = fork();
	if (pid == 0) {
		show_caps("grandchild", 0);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		_exit(2);
	show_caps("grandchild's, from its parent", pid);
	status_caps("grandchild's status", pid);
	if (write(go[1], "g", 1) != 1)
		_exit(2);
	wait_child("grandchild", pid);
	/* Root's execve: the bounding and inheritable sets permitted, the
	 * permitted set grew, so ADDR_NO_RANDOMIZE goes. */
	persona(ADDR_NO_RANDOMIZE);
	exec_show(self, "show-caps", 0);
	/* CAP_SETUID is what lets root set any uid. */
	set_caps("drop SETUID", b & ~BIT(CAP_KILL) & ~BIT(CAP_SETUID), b & ~BIT(CAP_KILL), 0);
	errno = 0;
	report("setuid 1000 without CAP_SETUID", setuid(1000));
	errno = 0;
	report("setgid 1000 still", setgid(1000));
	_exit(0);
}

/* The sets as the uids move them (cap_emulate_setxuid, setfsuid). */
static void cap_uids_child(const char *self)
{
	errno = 0;
	report("seteuid 1000", seteuid(1000));
	show_caps("euid 1000", 0);
	report("seteuid 0", seteuid(0));
	show_caps("euid 0", 0);
	report("setfsuid 1000", setfsuid(1000));
	show_caps("fsuid 1000", 0);
	report("setfsuid 0", setfsuid(0));
	show_caps("fsuid 0", 0);
	report("PR_SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2));
	report("PR_SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1));
	report("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS));
	report("setresuid 1000", setresuid(1000, 1000, 1000));
	show_caps("kept caps, uid 1000", 0);
	unsigned long long b = bset();
	set_caps("eff again", b, b, 0);
	errno = 0;
	report("setuid 2000 with CAP_SETUID", setuid(2000));
	show_caps("uid 2000", 0);
	exec_show(self, "show-caps", 0);
	report("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS));
	report("PR_SET_KEEPCAPS 0", prctl(PR_SET_KEEPCAPS, 0));
	report("setuid 3000", setuid(3000));
	show_caps("uid 3000 without keepcaps", 0);
	errno = 0;
	report("setuid 0", setuid(0));
	set_caps("raise as nobody", b, b, 0);
	_exit(0);
}

/* Root that becomes another user for good loses every capability. */
static void cap_drop_child(void)
{
	errno = 0;
	report("setresuid 1000 without keepcaps", setresuid(1000, 1000, 1000));
	show_caps("uid 1000", 0);
	errno = 0;
	report("setuid 0", setuid(0));
	report("kill the parent", kill(getppid(), 0));
	_exit(0);
}

/* The bounding set: PR_CAPBSET_DROP takes a capability out of it, so
 * that no capset adds it to the inheritable set and no execve permits it
 * again; only with CAP_SETPCAP. */
static void cap_bset_child(const char *self)
{
	errno = 0;
	report("PR_CAPBSET_DROP NET_RAW", prctl(PR_CAPBSET_DROP, CAP_NET_RAW));
	report("PR_CAPBSET_READ NET_RAW", prctl(PR_CAPBSET_READ, CAP_NET_RAW));
	show_caps("after the drop", 0);
	status_caps("after the drop, status", getpid());
	errno = 0;
	report("PR_CAPBSET_DROP 64", prctl(PR_CAPBSET_DROP, 64));
	struct sets s;
	if (cap_get(0, &s))
		_exit(2);
	s.inh = BIT(CAP_NET_RAW);
	report("inh NET_RAW outside the bounding set", cap_set(&s));
	exec_show(self, "show-caps", 0);
	if (setresuid(1000, 1000, 1000))
		_exit(2);
	errno = 0;
	report("uid 1000: PR_CAPBSET_DROP KILL", prctl(PR_CAPBSET_DROP, CAP_KILL));
	_exit(0);
}

/* Ambient capabilities (PR_CAP_AMBIENT): raised only when permitted and
 * inheritable, gone when root becomes another user for good, and what a
 * user other than root keeps across execve. */
static void cap_ambient_child(const char *self)
{
	struct sets s;

	errno = 0;
	report("ambient NET_RAW set", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0));
	report("raise NET_RAW, not inheritable",
	       prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0));
	if (cap_get(0, &s))
		_exit(2);
	s.inh = BIT(CAP_NET_RAW) | BIT(CAP_NET_BIND_SERVICE);
	report("inh NET_RAW, NET_BIND_SERVICE", cap_set(&s));
	errno = 0;
	report("raise NET_RAW", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0));
	report("raise NET_BIND_SERVICE",
	       prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
	report("ambient NET_RAW set", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0));
	status_caps("ambient", getpid());
	errno = 0;
	report("raise 64", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 64, 0, 0));
	errno = 0;
	report("raise with a fourth argument",
	       prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 1, 0));
	errno = 0;
	report("operation 9", prctl(PR_CAP_AMBIENT, 9, CAP_NET_RAW, 0, 0));
	errno = 0;
	report("clear all with a capability", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0));
	errno = 0;
	report("lower NET_BIND_SERVICE",
	       prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_NET_BIND_SERVICE, 0, 0));
	status_caps("lowered", getpid());
	/* Root's execve keeps the ambient set. */
	exec_show(self, "show-caps", 0);
	report("PR_SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1));
	report("setresuid 1000", setresuid(1000, 1000, 1000));
	status_caps("uid 1000, kept caps", getpid());
	errno = 0;
	report("raise NET_RAW again", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0));
	exec_show(self, "show-caps", 0);
	s.inh = BIT(CAP_NET_BIND_SERVICE);
	if (cap_get(0, &s) == 0) {
		s.inh = BIT(CAP_NET_BIND_SERVICE);
		report("inh without NET_RAW", cap_set(&s));
	}
	status_caps("ambient follows", getpid());
	report("clear all", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
	_exit(0);
}

static void cap_calls(const char *self)
{
	show_caps("own", 0);
	status_caps("own status", getpid());
	cap_headers();
	pid_t pid = fork();
	if (pid == 0)
		cap_sets_child(self);
	wait_child("sets child", pid);
	pid = fork();
	if (pid == 0)
		cap_uids_child(self);
	wait_child("uids child", pid);
	pid = fork();
	if (pid == 0)
		cap_drop_child();
	wait_child("drop child", pid);
	pid = fork();
	if (pid == 0)
		cap_bset_child(self);
	wait_child("bounding set child", pid);
	pid = fork();
	if (pid == 0)
		cap_ambient_child(self);
	wait_child("ambient child", pid);
	show_caps("own, at the end", 0);
}

/* Linux's struct sched_attr, VER1 (56 bytes), with room for a larger
 * caller's. */
struct attr {
	unsigned size, policy;
	unsigned long long flags;
	int nice;
	unsigned priority;
	unsigned long long runtime, deadline, period;
	unsigned util_min, util_max;
	unsigned char more[16];
};

static long set_sched(int pid, int policy, int prio)
{
	struct sched_param p = { prio };

	errno = 0;
	return syscall(SYS_sched_setscheduler, pid, policy, &p);
}

static long set_param(int pid, int prio)
{
	struct sched_param p = { prio };

	errno = 0;
	return syscall(SYS_sched_setparam, pid, &p);
}

static void show_sched(const char *what, int pid)
{
	struct sched_param p = { -1 };
	long pol, r;

	errno = 0;
	pol = syscall(SYS_sched_getscheduler, pid);
	r = syscall(SYS_sched_getparam, pid, &p);
	if (pol < 0 || r < 0)
		report(what, -1);
	else
		printf("%s: policy %#lx, priority %d\n", what, pol, p.sched_priority);
}

/* sched_rr_get_interval(2): SCHED_RR's time slice, 0 for the others. */
static void show_rr(const char *what, int pid)
{
	struct timespec t = { -1, -1 };

	errno = 0;
	long r = syscall(SYS_sched_rr_get_interval, pid, &t);
	if (r)
		report(what, r);
	else
		printf("%s: interval %lld.%09ld\n", what, (long long)t.tv_sec, t.tv_nsec);
}

static long set_attr(int pid, struct attr *a, unsigned flags)
{
	errno = 0;
	return syscall(SYS_sched_setattr, pid, a, flags);
}

static void show_attr(const char *what, int pid, unsigned size)
{
	struct attr a;

	memset(&a, 0xee, sizeof(a));
	errno = 0;
	long r = syscall(SYS_sched_getattr, pid, &a, size, 0);
	if (r < 0)
		report(what, -1);
	else
		printf("%s: size %u, policy %u, flags %#llx, nice %d, priority %u, util %u %u\n",
		       what, a.size, a.policy, a.flags, a.nice, a.priority,
		       size >= 56 ? a.util_min : 0, size >= 56 ? a.util_max : 0);
}

/* Fields 18 (priority), 19 (nice), 40 (rt_priority) and 41 (policy) of
 * /proc/<pid>/stat. */
static void stat_sched(const char *what, pid_t pid)
{
	char path[64], text[1024];
	long prio = 0, nice = 0, rt = -1, policy = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *p = slurp(path, text, sizeof(text)) > 0 ? strrchr(text, ')') : NULL;
	if (p)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %ld %ld"
		       " %*d %*d %*u %*u %*d %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*d %*d"
		       " %ld %ld", &prio, &nice, &rt, &policy);
	/* The nice value differs between the runs (a nice(1) around the
	 * native suite), so only its relation to the priority is shown. */
	if (policy == SCHED_FIFO || policy == SCHED_RR)
		printf("%s: priority %ld, rt_priority %ld, policy %ld\n", what, prio, rt, policy);
	else
		printf("%s: priority is 20 + nice %s, rt_priority %ld, policy %ld\n", what,
		       yes(prio == 20 + nice), rt, policy);
}

static void sched_args(void)
{
	report("setscheduler policy -1", set_sched(0, -1, 0));
	report("setscheduler policy 4", set_sched(0, 4, 0));
	report("setscheduler policy 7", set_sched(0, 7, 0));
	report("setscheduler DEADLINE", set_sched(0, SCHED_DEADLINE, 0));
	report("setscheduler BATCH priority 1", set_sched(0, SCHED_BATCH, 1));
	report("setscheduler FIFO priority 0", set_sched(0, SCHED_FIFO, 0));
	report("setscheduler RR priority 100", set_sched(0, SCHED_RR, 100));
	errno = 0;
	report("setscheduler NULL param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL));
	report("setscheduler pid -1", set_sched(-1, SCHED_OTHER, 0));
	errno = 0;
	report("setscheduler bad param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (void *)8));
	report("setscheduler no such pid", set_sched(999999, SCHED_OTHER, 0));
	report("setscheduler no such pid, bad policy", set_sched(999999, 9, 0));
	errno = 0;
	report("setparam NULL", syscall(SYS_sched_setparam, 0, NULL));
	report("setparam no such pid", set_param(999999, 0));
	errno = 0;
	report("getscheduler pid -1", syscall(SYS_sched_getscheduler, -1));
	report("getscheduler no such pid", syscall(SYS_sched_getscheduler, 999999));
	errno = 0;
	report("getparam NULL", syscall(SYS_sched_getparam, 0, NULL));
	errno = 0;
	report("getparam bad pointer", syscall(SYS_sched_getparam, 0, (void *)8));
	show_rr("rr_get_interval pid -1", -1);
	show_rr("rr_get_interval no such pid", 999999);
	errno = 0;
	report("rr_get_interval bad pointer", syscall(SYS_sched_rr_get_interval, 0, (void *)8));
	errno = 0;
	report("rr_get_interval no such pid, bad pointer",
	       syscall(SYS_sched_rr_get_interval, 999999, (void *)8));
}

static void sched_attrs(void)
{
	struct attr a;

	memset(&a, 0, sizeof(a));
	a.size = 0;
	a.policy = SCHED_OTHER;
	a.nice = 3;
	report("setattr size 0 (VER0), nice 3", set_attr(0, &a, 0));
	show_attr("getattr 48", 0, 48);
	show_attr("getattr 56", 0, 56);
	show_attr("getattr 64", 0, 64);
	show_attr("getattr 47", 0, 47);
	show_attr("getattr 4097", 0, 4097);
	errno = 0;
	report("getattr flags 1", syscall(SYS_sched_getattr, 0, &a, 56, 1));
	errno = 0;
	report("getattr NULL", syscall(SYS_sched_getattr, 0, NULL, 56, 0));
	errno = 0;
	report("getattr bad pointer", syscall(SYS_sched_getattr, 0, (void *)8, 56, 0));
	report("getattr no such pid", syscall(SYS_sched_getattr, 999999, &a, 56, 0));
	memset(&a, 0, sizeof(a));
	a.size = 47;
	report("setattr size 47", set_attr(0, &a, 0));
	printf("size written back: %u\n", a.size);
	a.size = 4097;
	report("setattr size 4097", set_attr(0, &a, 0));
	a.size = 64;
	a.more[3] = 1;
	report("setattr size 64, a byte set past 56", set_attr(0, &a, 0));
	printf("size written back: %u\n", a.size);
	memset(&a, 0, sizeof(a));
	a.size = 64;
	a.nice = 30;
	report("setattr size 64, nice 30", set_attr(0, &a, 0));
	show_attr("clamped to 19", 0, 48);
	errno = 0;
	printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
	a.size = 56;
	a.nice = -40;
	report("setattr nice -40", set_attr(0, &a, 0));
	show_attr("clamped to -20", 0, 48);
	report("setattr flags 1", set_attr(0, &a, 1));
	report("setattr NULL", set_attr(0, NULL, 0));
	report("setattr pid -1", set_attr(-1, &a, 0));
	report("setattr no such pid", set_attr(999999, &a, 0));
	a.flags = 0x80;
	report("setattr unknown flag", set_attr(0, &a, 0));
	a.flags = 0;
	a.policy = (unsigned)-2;
	report("setattr policy -2", set_attr(0, &a, 0));
	a.policy = SCHED_BATCH;
	a.nice = 0;
	report("setattr BATCH nice 0", set_attr(0, &a, 0));
	show_attr("BATCH", 0, 48);
	a.policy = SCHED_FIFO;
	a.priority = 7;
	a.flags = 0x08; /* SCHED_FLAG_KEEP_POLICY */
	report("setattr KEEP_POLICY, priority 7", set_attr(0, &a, 0));
	a.priority = 0;
	a.nice = 5;
	report("setattr KEEP_POLICY, nice 5", set_attr(0, &a, 0));
	show_attr("still BATCH", 0, 48);
	a.flags = 0x18; /* KEEP_ALL */
	a.policy = SCHED_IDLE;
	report("setattr KEEP_ALL", set_attr(0, &a, 0));
	show_attr("KEEP_ALL", 0, 48);
	memset(&a, 0, sizeof(a));
	a.size = 56;
	a.policy = SCHED_RR;
	a.priority = 9;
	report("setattr RR 9", set_attr(0, &a, 0));
	show_attr("RR", 0, 48);
	show_sched("RR", 0);
	memset(&a, 0, sizeof(a));
	a.size = 56;
	report("setattr OTHER nice 0", set_attr(0, &a, 0));
	errno = 0;
	printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
}

/* Root's changes, what a child inherits and execve keeps, and what
 * SCHED_RESET_ON_FORK takes from a child. */
static void sched_root(const char *self)
{
	int go[2], ready[2];
	char c;

	show_sched("initial", 0);
	show_rr("initial", 0);
	report("BATCH", set_sched(0, SCHED_BATCH, 0));
	show_sched("BATCH", 0);
	report("IDLE", set_sched(0, SCHED_IDLE, 0));
	show_sched("IDLE", 0);
	report("FIFO 10", set_sched(0, SCHED_FIFO, 10));
	show_sched("FIFO 10", 0);
	show_rr("FIFO 10", 0);
	stat_sched("FIFO 10 stat", getpid());
	report("setparam 20", set_param(0, 20));
	show_sched("setparam 20", 0);
	report("setparam 0", set_param(0, 0));
	report("RR 99", set_sched(0, SCHED_RR, 99));
	show_sched("RR 99", 0);
	show_rr("RR 99", 0);
	pid_t pid = fork();
	if (pid == 0) {
		show_sched("fork child", 0);
		_exit(0);
	}
	wait_child("fork child", pid);
	exec_show(self, "show-sched", 0);
	report("FIFO 5, RESET_ON_FORK", set_sched(0, SCHED_FIFO | SCHED_RESET_ON_FORK, 5));
	show_sched("FIFO 5, RESET_ON_FORK", 0);
	if (pipe(go) || pipe(ready))
		return;
	pid = fork();
	if (pid == 0) {
		show_sched("reset child", 0);
		report("reset child: BATCH", set_sched(0, SCHED_BATCH, 0));
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		return;
	show_sched("reset child, from the parent", pid);
	report("parent: child to IDLE", set_sched(pid, SCHED_IDLE, 0));
	show_sched("parent: the child's", pid);
	show_rr("parent: the child's", pid);
	stat_sched("parent: the child's stat", pid);
	if (write(go[1], "g", 1) != 1)
		return;
	wait_child("reset child", pid);
	exec_show(self, "show-sched", 0);
	report("OTHER, RESET_ON_FORK", set_sched(0, SCHED_OTHER | SCHED_RESET_ON_FORK, 0));
	report("nice -3", setpriority(PRIO_PROCESS, 0, -3));
	pid = fork();
	if (pid == 0) {
		show_sched("reset child of OTHER", 0);
		errno = 0;
		printf("reset child of OTHER: nice %d\n", getpriority(PRIO_PROCESS, 0));
		_exit(0);
	}
	wait_child("reset child of OTHER", pid);
	report("nice 0", setpriority(PRIO_PROCESS, 0, 0));
	report("OTHER", set_sched(0, SCHED_OTHER, 0));
	show_sched("OTHER", 0);
	stat_sched("OTHER stat", getpid());
}

/* What a process without CAP_SYS_NICE may do: RLIMIT_RTPRIO (0) bounds
 * the real-time priorities, RLIMIT_NICE (0) the way back from
 * SCHED_IDLE.  (A higher RLIMIT_RTPRIO would need CAP_SYS_RESOURCE to
 * set, which root in a container may lack.) */
static void sched_unprivileged(void)
{
	report("RESET_ON_FORK", set_sched(0, SCHED_OTHER | SCHED_RESET_ON_FORK, 0));
	if (setresuid(65534, 65534, 65534))
		_exit(2);
	report("unprivileged: clear RESET_ON_FORK", set_sched(0, SCHED_OTHER, 0));
	report("unprivileged: keep RESET_ON_FORK",
	       set_sched(0, SCHED_BATCH | SCHED_RESET_ON_FORK, 0));
	show_sched("unprivileged: BATCH", 0);
	report("unprivileged: FIFO 5", set_sched(0, SCHED_FIFO | SCHED_RESET_ON_FORK, 5));
	report("unprivileged: FIFO 6", set_sched(0, SCHED_FIFO | SCHED_RESET_ON_FORK, 6));
	report("unprivileged: RR 3", set_sched(0, SCHED_RR | SCHED_RESET_ON_FORK, 3));
	report("unprivileged: setparam 4", set_param(0, 4));
	show_sched("unprivileged: RR", 0);
	report("unprivileged: IDLE", set_sched(0, SCHED_IDLE | SCHED_RESET_ON_FORK, 0));
	report("unprivileged: back to OTHER", set_sched(0, SCHED_OTHER | SCHED_RESET_ON_FORK, 0));
	report("unprivileged: the parent's", set_sched(getppid(), SCHED_BATCH, 0));
	show_sched("unprivileged: the parent's", getppid());
	_exit(0);
}

static void sched_calls(const char *self)
{
	sched_args();
	sched_root(self);
	sched_attrs();
	pid_t pid = fork();
	if (pid == 0)
		sched_unprivileged();
	wait_child("unprivileged child", pid);
	show_sched("at the end", 0);
}

static void show_link(const char *what, int fd)
{
	char path[64], link[512];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("%s: link %s\n", what, n > 0 ? link : "none");
}

static void show_memfd(const char *what, int fd)
{
	struct stat st;

	if (fstat(fd, &st)) {
		report(what, -1);
		return;
	}
	printf("%s: mode %o, nlink %lu, size %lld, owner is fsuid %s, getfl %#o, getfd %d\n", what,
	       st.st_mode, (unsigned long)st.st_nlink, (long long)st.st_size,
	       yes(st.st_uid == (uid_t)setfsuid(-1)), fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
	show_link(what, fd);
}

static void memfd_errors(void)
{
	char name[300];

	errno = 0;
	report("unknown flag", memfd_create("x", 0x100));
	errno = 0;
	report("NULL name", syscall(SYS_memfd_create, NULL, 0));
	memset(name, 'a', 250);
	name[250] = 0;
	errno = 0;
	report("250-byte name", memfd_create(name, 0));
	name[249] = 0;
	int fd = memfd_create(name, 0);
	printf("249-byte name: %s\n", yes(fd >= 0));
	close(fd);
	fd = memfd_create("", 0);
	show_link("empty name", fd);
	close(fd);
	fd = memfd_create("a/b c", 0);
	show_link("name with a slash", fd);
	close(fd);
}

/* The contents of the memfd at fd: its first bytes, its size. */
static void show_contents(const char *what, int fd)
{
	char buf[16] = { 0 };
	struct stat st;

	fstat(fd, &st);
	ssize_t n = pread(fd, buf, 8, 0);
	printf("%s: pread %zd \"%s\", size %lld\n", what, n, buf, (long long)st.st_size);
}

static void memfd_calls(const char *self)
{
	char buf[10000], back[10000];
	int fd = memfd_create("hello", 0), cfd = memfd_create("closed", MFD_CLOEXEC), st;

	show_memfd("memfd", fd);
	show_memfd("MFD_CLOEXEC", cfd);
	close(cfd);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	report("write", write(fd, buf, sizeof(buf)));
	report("lseek 0", lseek(fd, 0, SEEK_SET));
	report("read", read(fd, back, sizeof(back)));
	printf("same bytes: %s\n", yes(memcmp(buf, back, sizeof(buf)) == 0));
	report("lseek end", lseek(fd, 0, SEEK_END));
	report("ftruncate 12288", ftruncate(fd, 12288));
	show_memfd("grown", fd);
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("mmap shared: %s\n", yes(p != MAP_FAILED));
	if (p == MAP_FAILED)
		return;
	memcpy(p, "MAPPED!", 7);
	show_contents("after a store", fd);
	report("pwrite", pwrite(fd, "written", 7, 4096));
	printf("the mapping sees it: %s\n", yes(memcmp(p + 4096, "written", 7) == 0));
	pid_t pid = fork();
	if (pid == 0) {
		memcpy(p, "CHILD!!", 7);
		report("child: write at the shared offset", write(fd, "x", 1));
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("child's store seen: %s\n", yes(memcmp(p, "CHILD!!", 7) == 0));
	report("offset after the child's write", lseek(fd, 0, SEEK_CUR));
	munmap(p, 8192);
	char arg[16];
	snprintf(arg, sizeof(arg), "%d", fd);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "show-memfd", arg, (char *)NULL);
		_exit(127);
	}
	wait_child("exec child", pid);
	report("ftruncate 3", ftruncate(fd, 3));
	show_contents("shrunk", fd);
	report("ftruncate -1", ftruncate(fd, -1));
	close(fd);
	memfd_errors();
}

/* The seals of fd, and whether a write and a writable shared mapping
 * are refused, as a process that got fd sees them. */
static void show_seals(const char *what, int fd)
{
	char line[80];

	snprintf(line, sizeof(line), "%s: seals", what);
	report(line, fcntl(fd, F_GET_SEALS));
	snprintf(line, sizeof(line), "%s: pwrite", what);
	errno = 0;
	report(line, pwrite(fd, "x", 1, 0));
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	snprintf(line, sizeof(line), "%s: writable shared mmap", what);
	report(line, p == MAP_FAILED ? -1 : 0);
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

/* A child that maps fd writable and shared, says so on the pipe and
 * waits to be killed. */
static pid_t mapping_child(int fd)
{
	int p[2];
	char c;

	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (write(p[1], m == MAP_FAILED ? "n" : "y", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || c != 'y')
		printf("mapping child: no mapping\n");
	close(p[0]);
	return pid;
}

/* The errors of F_ADD_SEALS and F_GET_SEALS on what is not a sealable
 * memfd (memfd_fcntl of mm/memfd.c). */
static void seal_errors(int fd)
{
	int plain = memfd_create("plain", 0), p[2];

	if (pipe(p))
		return;
	errno = 0;
	report("seals of a plain memfd", fcntl(plain, F_GET_SEALS));
	report("add to a plain memfd", fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE));
	report("seals of a pipe", fcntl(p[0], F_GET_SEALS));
	report("add to a pipe's read end", fcntl(p[0], F_ADD_SEALS, F_SEAL_WRITE));
	report("add to a pipe's write end", fcntl(p[1], F_ADD_SEALS, F_SEAL_WRITE));
	report("add an unknown seal", fcntl(fd, F_ADD_SEALS, 0x100));
	close(plain);
	close(p[0]);
	close(p[1]);
}

/* F_SEAL_SHRINK and F_SEAL_GROW: the size may not go down (up). */
static void seal_size(int fd)
{
	errno = 0;
	report("add F_SEAL_SHRINK", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	report("ftruncate 4", ftruncate(fd, 4));
	report("ftruncate 8192", ftruncate(fd, 8192));
	report("ftruncate 8192 again", ftruncate(fd, 8192));
	report("add F_SEAL_GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	report("ftruncate 8193", ftruncate(fd, 8193));
	report("pwrite inside", pwrite(fd, "inside", 6, 100));
	report("pwrite across the end", pwrite(fd, "abcd", 4, 8190));
	report("pwrite past the end", pwrite(fd, "abcd", 4, 9000));
	report("fallocate inside", fallocate(fd, 0, 0, 4096));
	report("fallocate past the end", fallocate(fd, 0, 4096, 8192));
	report("seals", fcntl(fd, F_GET_SEALS));
}

/* F_SEAL_WRITE: EBUSY while a writable shared mapping exists in any
 * process, a killed one's until it is gone; then no writes. */
static void seal_write(const char *self, int fd)
{
	char arg[16];
	int st;

	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("writable shared mmap: %s\n", yes(p != MAP_FAILED));
	errno = 0;
	report("add F_SEAL_WRITE while mapped", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	pid_t pid = fork();
	if (pid == 0) {
		show_seals("child", fd);
		report("child: add F_SEAL_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
		_exit(0);
	}
	wait_child("fork child", pid);
	munmap(p, 4096);
	/* A shared mapping of a file open for writing may become writable
	 * (VM_MAYWRITE): it counts too. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	printf("read-only shared mmap: %s\n", yes(p != MAP_FAILED));
	report("add F_SEAL_WRITE while mapped read-only", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	munmap(p, 4096);
	pid = mapping_child(fd);
	report("add F_SEAL_WRITE while a child maps it", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("child killed: %s\n", yes(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
	report("add F_SEAL_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	report("add F_SEAL_WRITE again", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	report("write", write(fd, "abc", 3));
	report("pwrite", pwrite(fd, "abc", 3, 0));
	struct iovec iov = { "abc", 3 };
	report("pwritev", pwritev(fd, &iov, 1, 0));
	report("ftruncate to the same size", ftruncate(fd, 8192));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	report("writable shared mmap", p == MAP_FAILED ? -1 : 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("writable private mmap: %s\n", yes(p != MAP_FAILED));
	if (p != MAP_FAILED)
		munmap(p, 4096);
	show_contents("sealed", fd);
	snprintf(arg, sizeof(arg), "%d", fd);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "show-seals", arg, (char *)NULL);
		_exit(127);
	}
	wait_child("exec child", pid);
}

/* F_SEAL_FUTURE_WRITE: the writable shared mapping made before it keeps
 * working, new ones and writes are refused, and a read-only one cannot
 * become writable. */
static void seal_future_write(void)
{
	int fd = memfd_create("future", MFD_ALLOW_SEALING);

	errno = 0;
	report("ftruncate 4096", ftruncate(fd, 4096));
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("writable shared mmap: %s\n", yes(p != MAP_FAILED));
	report("add F_SEAL_FUTURE_WRITE while mapped", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	if (p != MAP_FAILED)
		memcpy(p, "stored", 6);
	show_contents("after a store", fd);
	report("write", write(fd, "abc", 3));
	void *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	report("writable shared mmap", q == MAP_FAILED ? -1 : 0);
	q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	printf("read-only shared mmap: %s\n", yes(q != MAP_FAILED));
	if (q != MAP_FAILED) {
		report("mprotect PROT_WRITE", mprotect(q, 4096, PROT_READ | PROT_WRITE));
		munmap(q, 4096);
	}
	report("add F_SEAL_WRITE while mapped", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	munmap(p, 4096);
	report("add F_SEAL_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	report("seals", fcntl(fd, F_GET_SEALS));
	close(fd);
}

/* File seals (fcntl(2) F_ADD_SEALS, F_GET_SEALS; memfd_create(2)). */
static void memfd_seals(const char *self)
{
	char path[64];
	int fd = memfd_create("sealed", MFD_ALLOW_SEALING);

	printf("MFD_ALLOW_SEALING: %s\n", yes(fd >= 0));
	if (fd < 0)
		return;
	seal_errors(fd);
	errno = 0;
	report("seals", fcntl(fd, F_GET_SEALS));
	report("add none", fcntl(fd, F_ADD_SEALS, 0));
	report("write", write(fd, "abcdefgh", 8));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int ro = open(path, O_RDONLY);
	report("add through a read-only open", fcntl(ro, F_ADD_SEALS, F_SEAL_SHRINK));
	seal_size(fd);
	report("seals through the read-only open", fcntl(ro, F_GET_SEALS));
	seal_write(self, fd);
	report("add F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	report("add after F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	report("seals", fcntl(fd, F_GET_SEALS));
	close(ro);
	close(fd);
	seal_future_write();
}

/* execve of a set-user-ID root file (a rootfs of root's): the
 * personality loses PER_CLEAR_ON_SETID's flags, and a user other than
 * root gains root's capabilities. */
static void setid_exec(const char *self)
{
	printf("copy: %s\n", yes(copy_self(self, "suid-prog") == 0));
	report("chmod 04755", chmod("suid-prog", 04755));
	persona(ADDR_NO_RANDOMIZE);
	exec_show("./suid-prog", "show-personality", 0);
	exec_show(self, "show-personality", 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000))
			_exit(2);
		show_caps("uid 1000", 0);
		execl("./suid-prog", "suid-prog", "show-caps", (char *)NULL);
		_exit(127);
	}
	wait_child("set-user-ID child", pid);
	unlink("suid-prog");
}

static void show_prctl(const char *what)
{
	int sig = -1;

	prctl(PR_GET_PDEATHSIG, &sig);
	printf("%s: dumpable %d no_new_privs %d pdeathsig %d timerslack %d euid %d\n", what,
	       prctl(PR_GET_DUMPABLE), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), sig,
	       prctl(PR_GET_TIMERSLACK), (int)geteuid());
}

static volatile sig_atomic_t death_sig, death_from_parent, death_user;
static pid_t death_parent;

static void on_parent_death(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	death_sig = sig;
	death_from_parent = si->si_pid == death_parent;
	death_user = si->si_code == SI_USER;
}

/* A grandchild with a parent-death signal, whose parent then exits
 * (or, with kill, is killed by SIGKILL): the grandchild reports on out. */
static void parent_death(int kill_parent)
{
	int ready[2], out[2], go[2];
	char c;

	if (pipe(ready) || pipe(out) || pipe(go))
		return;
	pid_t p = fork();
	if (p == 0) {
		close(ready[0]);
		close(out[0]);
		close(go[1]);
		death_parent = getpid();
		pid_t g = fork();
		if (g == 0) {
			struct sigaction sa = { .sa_sigaction = on_parent_death, .sa_flags = SA_SIGINFO };
			sigset_t block, old;
			sigemptyset(&block);
			sigaddset(&block, SIGUSR1);
			sigprocmask(SIG_BLOCK, &block, &old);
			sigaction(SIGUSR1, &sa, NULL);
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			if (getppid() != death_parent)
				_exit(3);
			if (write(ready[1], "r", 1) != 1)
				_exit(4);
			alarm(10);
			while (!death_sig)
				sigsuspend(&old);
			char line[128];
			int n = snprintf(line, sizeof(line),
			                 "parent-death signal %d, from the parent %d, SI_USER %d, reparented %d\n",
			                 (int)death_sig, (int)death_from_parent, (int)death_user,
			                 getppid() != death_parent);
			if (write(out[1], line, (size_t)n) != n)
				_exit(5);
			_exit(0);
		}
		/* Waits until told to go, then exits (or is killed meanwhile). */
		if (read(go[0], &c, 1) < 0)
			_exit(6);
		_exit(0);
	}
	close(ready[1]);
	close(out[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1) {
		printf("the grandchild did not start\n");
		return;
	}
	if (kill_parent)
		kill(p, SIGKILL);
	else if (write(go[1], "g", 1) != 1)
		return;
	int st;
	waitpid(p, &st, 0);
	char buf[256];
	ssize_t n = read(out[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("%s: %s", kill_parent ? "parent killed" : "parent exited", n > 0 ? buf : "nothing\n");
	close(ready[0]);
	close(out[0]);
	close(go[1]);
}

static void prctl_calls(const char *self)
{
	show_prctl("start");
	errno = 0;
	report("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2));
	report("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0));
	report("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65));
	report("PR_SET_PDEATHSIG SIGUSR2", prctl(PR_SET_PDEATHSIG, SIGUSR2));
	report("PR_SET_NO_NEW_PRIVS 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
	report("PR_GET_NO_NEW_PRIVS 1", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
	report("PR_SET_TIMERSLACK 100000", prctl(PR_SET_TIMERSLACK, 100000));
	report("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP));
	show_prctl("set");
	pid_t pid = fork();
	if (pid == 0) {
		show_prctl("fork child");
		_exit(0);
	}
	wait_child("fork child", pid);
	exec_show(self, "show-prctl", 0);
	report("PR_SET_TIMERSLACK 0", prctl(PR_SET_TIMERSLACK, 0));
	report("PR_SET_PDEATHSIG 0", prctl(PR_SET_PDEATHSIG, 0));
	parent_death(0);
	parent_death(1);
	/* no_new_privs: a set-user-ID root file runs as the caller. */
	printf("copy: %s\n", yes(copy_self(self, "suid-prog") == 0));
	report("chmod 04755", chmod("suid-prog", 04755));
	for (int nnp = 0; nnp <= 1; nnp++) {
		pid = fork();
		if (pid == 0) {
			if (setresuid(1000, 1000, 1000))
				_exit(2);
			if (nnp)
				report("PR_SET_NO_NEW_PRIVS 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
			execl("./suid-prog", "suid-prog", "show-prctl", (char *)NULL);
			_exit(127);
		}
		wait_child(nnp ? "set-user-ID file with no_new_privs" : "set-user-ID file", pid);
	}
	unlink("suid-prog");
	report("PR_SET_NO_NEW_PRIVS 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	report("PR_SET_NO_NEW_PRIVS 1 again", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	exec_show(self, "show-prctl", 1);
}

/* A security.capability value (include/uapi/linux/capability.h's
 * vfs_ns_cap_data: v2 is its first 20 bytes). */
static int set_file_caps(const char *path, unsigned rev, int effective, unsigned long long prm,
                         unsigned long long inh, unsigned rootid)
{
	struct vfs_ns_cap_data v = {
		.magic_etc = rev | (effective ? VFS_CAP_FLAGS_EFFECTIVE : 0),
		.data = { { (unsigned)prm, (unsigned)inh }, { (unsigned)(prm >> 32), (unsigned)(inh >> 32) } },
		.rootid = rootid,
	};

	errno = 0;
	return setxattr(path, "security.capability", &v,
	                rev == VFS_CAP_REVISION_3 ? XATTR_CAPS_SZ_3 : XATTR_CAPS_SZ_2, 0);
}

/* A child that becomes uid 1000 (keeping the inheritable set inh, which
 * root sets first) with bounding capability drop dropped (-1: none), then
 * runs path show-fcaps, from a vfork child of its own with use_vfork;
 * uid 0 stays root. */
static void exec_fcaps_how(const char *what, const char *path, uid_t uid, unsigned long long inh,
                           int drop, int use_vfork)
{
	pid_t pid;

	printf("-- %s\n", what);
	pid = fork();
	if (pid == 0) {
		struct sets s;
		if (cap_get(0, &s))
			_exit(3);
		s.inh = inh;
		if (cap_set(&s) || (drop >= 0 && prctl(PR_CAPBSET_DROP, drop, 0, 0, 0)))
			_exit(4);
		if (uid && setresuid(uid, uid, uid))
			_exit(2);
		if (use_vfork) {
			volatile int err = 0;
			int st;
			pid_t v = vfork();
			if (v == 0) {
				execl(path, path, "show-fcaps", (char *)NULL);
				err = errno;
				_exit(127);
			}
			if (err)
				printf("execve: -1 %s\n", strerrorname_np(err));
			_exit(v > 0 && waitpid(v, &st, 0) == v && WIFEXITED(st) ? WEXITSTATUS(st) : 126);
		}
		execl(path, path, "show-fcaps", (char *)NULL);
		printf("execve: -1 %s\n", strerrorname_np(errno));
		_exit(127);
	}
	wait_child(what, pid);
}

static void exec_fcaps(const char *what, const char *path, uid_t uid, unsigned long long inh, int drop)
{
	exec_fcaps_how(what, path, uid, inh, drop, 0);
}

/* execve of files with capabilities (get_file_caps,
 * cap_bprm_creds_from_file): a user other than root gets (X & fP) |
 * (pI & fI), effective only with the file's effective flag; root gets
 * the bounding set whatever the file says; a set-user-ID-root file with
 * capabilities gives another user only the file's; an effective flag
 * whose permitted capabilities cannot all be had is EPERM; a v3 value
 * for another root id counts as none; AT_SECURE for each. */
static void file_caps_exec(const char *self)
{
	const unsigned long long fp = BIT(CAP_DAC_OVERRIDE) | BIT(CAP_NET_BIND_SERVICE);

	printf("copy: %s\n", yes(copy_self(self, "caps-prog") == 0));
	report("chmod 0755", chmod("caps-prog", 0755));
	report("set v2, effective", set_file_caps("caps-prog", VFS_CAP_REVISION_2, 1, fp, BIT(CAP_KILL), 0));
	exec_fcaps("uid 1000, effective", "./caps-prog", 1000, 0, -1);
	exec_fcaps("uid 1000, effective, pI has CAP_KILL", "./caps-prog", 1000, BIT(CAP_KILL) | BIT(CAP_CHOWN), -1);
	exec_fcaps("uid 1000, effective, CAP_NET_BIND_SERVICE not bounding", "./caps-prog", 1000, 0,
	           CAP_NET_BIND_SERVICE);
	exec_fcaps_how("uid 1000, effective, pI has CAP_KILL, vfork", "./caps-prog", 1000,
	               BIT(CAP_KILL), -1, 1);
	exec_fcaps_how("uid 1000, effective, CAP_NET_BIND_SERVICE not bounding, vfork", "./caps-prog",
	               1000, 0, CAP_NET_BIND_SERVICE, 1);
	exec_fcaps("uid 0, effective", "./caps-prog", 0, 0, -1);
	report("set v2", set_file_caps("caps-prog", VFS_CAP_REVISION_2, 0, fp, 0, 0));
	exec_fcaps("uid 1000, not effective", "./caps-prog", 1000, 0, -1);
	exec_fcaps("uid 1000, not effective, CAP_NET_BIND_SERVICE not bounding", "./caps-prog", 1000, 0,
	           CAP_NET_BIND_SERVICE);
	report("set v3, root id 0", set_file_caps("caps-prog", VFS_CAP_REVISION_3, 1, fp, 0, 0));
	exec_fcaps("uid 1000, v3 root id 0", "./caps-prog", 1000, 0, -1);
	report("set v3, root id 1000", set_file_caps("caps-prog", VFS_CAP_REVISION_3, 1, fp, 0, 1000));
	exec_fcaps("uid 1000, v3 root id 1000", "./caps-prog", 1000, 0, -1);
	report("set v2, effective", set_file_caps("caps-prog", VFS_CAP_REVISION_2, 1, fp, 0, 0));
	report("chmod 04755", chmod("caps-prog", 04755));
	exec_fcaps("uid 1000, set-user-ID root", "./caps-prog", 1000, 0, -1);
	report("removexattr", removexattr("caps-prog", "security.capability"));
	exec_fcaps("uid 1000, set-user-ID root, no capabilities", "./caps-prog", 1000, 0, -1);
	unlink("caps-prog");
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return 2;
	self[n] = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "show-personality") == 0) {
		show_persona("after execve");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "show-caps") == 0) {
		show_caps("after execve", 0);
		status_caps("after execve, status", getpid());
		show_persona("after execve");
		printf("after execve: keepcaps %d\n", prctl(PR_GET_KEEPCAPS));
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "show-fcaps") == 0) {
		show_caps("after execve", 0);
		status_caps("after execve, status", getpid());
		printf("after execve: uid %d euid %d, AT_SECURE %lu\n", (int)getuid(), (int)geteuid(),
		       getauxval(AT_SECURE));
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "show-prctl") == 0) {
		show_prctl("after execve");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "prctl") == 0) {
		prctl_calls(self);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "show-sched") == 0) {
		show_sched("after execve", 0);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "sched") == 0) {
		sched_calls(self);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "show-memfd") == 0) {
		int fd = atoi(argv[2]);
		show_memfd("after execve", fd);
		show_contents("after execve", fd);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "memfd") == 0) {
		memfd_calls(self);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "filecaps") == 0) {
		file_caps_exec(self);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "setid") == 0) {
		setid_exec(self);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "show-seals") == 0) {
		show_seals("after execve", atoi(argv[2]));
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "memfd-seals") == 0) {
		memfd_seals(self);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "personality") == 0) {
		personality_calls(self);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "caps") == 0) {
		cap_calls(self);
		return 0;
	}
	fprintf(stderr, "usage: sysmisc personality|caps|setid|filecaps|prctl|sched|memfd|memfd-seals\n");
	return 2;
}
