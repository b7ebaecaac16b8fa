/*
 * lxnt-guard: run a command under a seccomp filter that kills the whole
 * process on any system call made from guest memory.
 *
 *   lxnt-guard [--window LO-HI]... [--] COMMAND ARGS...
 *
 * Under Wine a Linux `syscall` left unpatched in a converted program would
 * reach the host kernel and quietly work, hiding the bug.  The runtime keeps
 * all guest code inside the windows of include/lxnt/layout.h, so a system
 * call whose instruction pointer lies there can only come from guest code
 * that the rewriter missed.  The filter is inherited across fork and execve
 * (seccomp(2)), so it covers wine, wineserver and every child.
 *
 * Each --window replaces the default windows (the image and guest windows of
 * layout.h); LO and HI are numbers as strtoull base 0 reads them, and the
 * window is the half-open range [LO, HI).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "lxnt/layout.h"

#define GUARD_MAX_WINDOWS 8
/* The arch check, 10 instructions per window, and the two returns. */
#define GUARD_MAX_INSNS (4 + 10 * GUARD_MAX_WINDOWS)

struct window {
	uint64_t lo, hi;
};

/*
 * Jump targets of the filter under construction.  Classic BPF jumps are
 * forward offsets counted in instructions, so the program is first built
 * with symbolic targets and then resolved.
 */
enum target {
	T_NEXT,        /* the following instruction */
	T_INSIDE,      /* this window's upper-bound check */
	T_NEXT_WINDOW, /* the first instruction of the next window's check */
	T_KILL,
	T_ALLOW,
};

struct insn {
	uint16_t code;
	uint32_t k;
	enum target jt, jf;
	int window;    /* which window block the instruction belongs to */
	int is_inside; /* first instruction of the upper-bound check */
};

struct program {
	struct insn insn[GUARD_MAX_INSNS];
	int count;
};

/* seccomp_data is little-endian on x86-64: the low word comes first. */
#define IP_LO_OFF (offsetof(struct seccomp_data, instruction_pointer))
#define IP_HI_OFF (offsetof(struct seccomp_data, instruction_pointer) + 4)

static void emit(struct program *p, int window, uint16_t code, uint32_t k,
		 enum target jt, enum target jf)
{
	p->insn[p->count++] = (struct insn){
		.code = code, .k = k, .jt = jt, .jf = jf, .window = window,
	};
}

static void emit_load(struct program *p, int window, uint32_t off)
{
	emit(p, window, BPF_LD | BPF_W | BPF_ABS, off, T_NEXT, T_NEXT);
}

/*
 * Appends the test "ip in [lo, hi)" as 32-bit halves: classic BPF compares
 * only 32-bit words (Documentation/networking/filter.rst).
 */
static void emit_window(struct program *p, int w, struct window win)
{
	uint32_t lo_hi = (uint32_t)(win.lo >> 32), lo_lo = (uint32_t)win.lo;
	uint32_t hi_hi = (uint32_t)(win.hi >> 32), hi_lo = (uint32_t)win.hi;

	/* ip >= lo, else try the next window. */
	emit_load(p, w, IP_HI_OFF);
	emit(p, w, BPF_JMP | BPF_JGT | BPF_K, lo_hi, T_INSIDE, T_NEXT);
	emit(p, w, BPF_JMP | BPF_JEQ | BPF_K, lo_hi, T_NEXT, T_NEXT_WINDOW);
	emit_load(p, w, IP_LO_OFF);
	emit(p, w, BPF_JMP | BPF_JGE | BPF_K, lo_lo, T_INSIDE, T_NEXT_WINDOW);

	/* ip < hi: kill, else try the next window. */
	emit_load(p, w, IP_HI_OFF);
	p->insn[p->count - 1].is_inside = 1;
	emit(p, w, BPF_JMP | BPF_JGT | BPF_K, hi_hi, T_NEXT_WINDOW, T_NEXT);
	emit(p, w, BPF_JMP | BPF_JEQ | BPF_K, hi_hi, T_NEXT, T_KILL);
	emit_load(p, w, IP_LO_OFF);
	emit(p, w, BPF_JMP | BPF_JGE | BPF_K, hi_lo, T_NEXT_WINDOW, T_KILL);
}

static int find_target(const struct program *p, int from, enum target t)
{
	for (int i = from + 1; i < p->count; i++) {
		const struct insn *in = &p->insn[i];
		if (t == T_NEXT)
			return i;
		if (t == T_INSIDE && in->window == p->insn[from].window && in->is_inside)
			return i;
		if (t == T_NEXT_WINDOW && in->window > p->insn[from].window)
			return i;
		if (t == T_KILL && in->code == (BPF_RET | BPF_K) &&
		    in->k == SECCOMP_RET_KILL_PROCESS)
			return i;
		if (t == T_ALLOW && in->code == (BPF_RET | BPF_K) &&
		    in->k == SECCOMP_RET_ALLOW)
			return i;
	}
	return -1;
}

static int resolve(const struct program *p, struct sock_filter *out)
{
	for (int i = 0; i < p->count; i++) {
		const struct insn *in = &p->insn[i];
		int jt = 0, jf = 0;
		if (BPF_CLASS(in->code) == BPF_JMP) {
			jt = find_target(p, i, in->jt) - i - 1;
			jf = find_target(p, i, in->jf) - i - 1;
			if (jt < 0 || jf < 0 || jt > 255 || jf > 255)
				return -1;
		}
		out[i] = (struct sock_filter)BPF_JUMP(in->code, in->k, (uint8_t)jt,
						      (uint8_t)jf);
	}
	return 0;
}

/*
 * Builds: kill unless arch is x86-64 (an `int 0x80` from a 64-bit process
 * arrives as AUDIT_ARCH_I386, and nothing we run needs it), then kill if the
 * instruction pointer lies in any window, else allow.
 */
static int build_filter(const struct window *win, int nwin,
			struct sock_filter *out, int *count)
{
	struct program p = { .count = 0 };
	int after = nwin; /* window index of the final returns */

	emit_load(&p, -1, offsetof(struct seccomp_data, arch));
	emit(&p, -1, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, T_NEXT_WINDOW, T_KILL);
	for (int w = 0; w < nwin; w++)
		emit_window(&p, w, win[w]);
	emit(&p, after, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, T_NEXT, T_NEXT);
	emit(&p, after, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, T_NEXT, T_NEXT);
	if (resolve(&p, out) < 0)
		return -1;
	*count = p.count;
	return 0;
}

static int install_filter(const struct window *win, int nwin)
{
	struct sock_filter insns[GUARD_MAX_INSNS];
	int count;

	if (build_filter(win, nwin, insns, &count) < 0) {
		fprintf(stderr, "lxnt-guard: filter too large\n");
		return -1;
	}
	struct sock_fprog prog = { .len = (unsigned short)count, .filter = insns };

	/* Required to install a filter without CAP_SYS_ADMIN (seccomp(2)). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		perror("lxnt-guard: prctl(PR_SET_NO_NEW_PRIVS)");
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		perror("lxnt-guard: seccomp(SECCOMP_SET_MODE_FILTER)");
		return -1;
	}
	return 0;
}

static int parse_window(const char *arg, struct window *out)
{
	char *end;
	errno = 0;
	out->lo = strtoull(arg, &end, 0);
	if (errno || end == arg || *end != '-')
		return -1;
	const char *hi = end + 1;
	out->hi = strtoull(hi, &end, 0);
	if (errno || end == hi || *end != '\0' || out->hi <= out->lo)
		return -1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: lxnt-guard [--window LO-HI]... [--] COMMAND ARGS...\n");
}

int main(int argc, char **argv)
{
	struct window win[GUARD_MAX_WINDOWS];
	int nwin = 0, i = 1;

	for (; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--window") != 0)
			break;
		if (i + 1 >= argc || nwin == GUARD_MAX_WINDOWS ||
		    parse_window(argv[i + 1], &win[nwin]) < 0) {
			fprintf(stderr, "lxnt-guard: bad or too many --window values\n");
			usage();
			return 2;
		}
		nwin++;
		i++;
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	if (nwin == 0) {
		win[nwin++] = (struct window){ LXNT_IMAGE_WINDOW_LO, LXNT_IMAGE_WINDOW_HI };
		win[nwin++] = (struct window){ LXNT_GUEST_WINDOW_LO, LXNT_GUEST_WINDOW_HI };
	}
	if (install_filter(win, nwin) < 0)
		return 126;
	execvp(argv[i], &argv[i]);
	fprintf(stderr, "lxnt-guard: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
