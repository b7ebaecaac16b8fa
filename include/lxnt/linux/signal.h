/* Linux x86-64 signal ABI (arch/x86/include/uapi/asm/signal.h, asm-generic/signal-defs.h). */
#ifndef LXNT_LINUX_SIGNAL_H
#define LXNT_LINUX_SIGNAL_H

#include <stdint.h>

#define LX_SIGHUP    1
#define LX_SIGINT    2
#define LX_SIGQUIT   3
#define LX_SIGILL    4
#define LX_SIGTRAP   5
#define LX_SIGABRT   6
#define LX_SIGBUS    7
#define LX_SIGFPE    8
#define LX_SIGKILL   9
#define LX_SIGUSR1   10
#define LX_SIGSEGV   11
#define LX_SIGUSR2   12
#define LX_SIGPIPE   13
#define LX_SIGALRM   14
#define LX_SIGTERM   15
#define LX_SIGSTKFLT 16
#define LX_SIGCHLD   17
#define LX_SIGCONT   18
#define LX_SIGSTOP   19
#define LX_SIGTSTP   20
#define LX_SIGTTIN   21
#define LX_SIGTTOU   22
#define LX_SIGURG    23
#define LX_SIGXCPU   24
#define LX_SIGXFSZ   25
#define LX_SIGVTALRM 26
#define LX_SIGPROF   27
#define LX_SIGWINCH  28
#define LX_SIGIO     29
#define LX_SIGPWR    30
#define LX_SIGSYS    31
#define LX_NSIG      64

#define LX_SIG_BLOCK   0
#define LX_SIG_UNBLOCK 1
#define LX_SIG_SETMASK 2

#define LX_SIG_DFL 0
#define LX_SIG_IGN 1

#define LX_SA_NOCLDSTOP 0x00000001
#define LX_SA_NOCLDWAIT 0x00000002
#define LX_SA_SIGINFO   0x00000004
#define LX_SA_RESTORER  0x04000000
#define LX_SA_ONSTACK   0x08000000
#define LX_SA_RESTART   0x10000000
#define LX_SA_NODEFER   0x40000000
#define LX_SA_RESETHAND 0x80000000

#define LX_SS_ONSTACK 1
#define LX_SS_DISABLE 2
#define LX_SS_AUTODISARM (1U << 31)
#define LX_MINSIGSTKSZ 2048

/* stack_t of sigaltstack(2). */
struct lx_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

/* The kernel's struct sigaction for rt_sigaction(2) on x86-64. */
struct lx_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* siginfo_t (include/uapi/asm-generic/siginfo.h): 128 bytes; the union
 * is kept as raw words, filled per si_code by whoever raises the signal. */
struct lx_siginfo {
	int32_t si_signo;
	int32_t si_errno;
	int32_t si_code;
	int32_t pad0;
	union {
		struct { int32_t pid; uint32_t uid; } kill;           /* SI_USER, SI_TKILL */
		struct { int32_t pid; uint32_t uid; int32_t status; int32_t pad;
		         int64_t utime, stime; } chld;                 /* SIGCHLD */
		struct { uint64_t addr; } fault;                       /* SIGSEGV, SIGBUS, ... */
		struct { int32_t pid; uint32_t uid; uint64_t value; } rt; /* SI_QUEUE */
		uint64_t raw[14];
	} u;
};
_Static_assert(sizeof(struct lx_siginfo) == 128, "siginfo_t is 128 bytes");

#define LX_SI_USER    0
#define LX_SI_KERNEL  0x80
#define LX_SI_QUEUE   (-1)
#define LX_SI_TKILL   (-6)

#endif
