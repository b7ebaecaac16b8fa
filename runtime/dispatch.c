/*
 * System call dispatch from the generated table (runtime/syscalls.tbl via
 * tools/gen_syscalls.py): one row per number, holes and `none` rows answer
 * -LX_ENOSYS, as Linux's sys_ni_syscall does.
 */
#include "lxnt/layout.h"
#include "signal.h"
#include "syscall_table.h"
#include "thread.h"
#include "trace.h"

struct lx_sysent {
	const char *name;
	int64_t (*handler)(struct lx_syscall *sc);
	enum lx_sys_level level;
	const char *args;
};

#define LX_SYSENT(nr, name, handler, level, args) [nr] = { #name, handler, level, args },
static const struct lx_sysent systab[LX_SYSCALL_NR_MAX + 1] = {
	LX_SYSCALL_LIST(LX_SYSENT)
};

/* One bit per number: an ENOSYS number is logged at most once. */
static volatile int64_t enosys_logged[(LX_SYSCALL_NR_MAX + 64) / 64];

static void log_enosys_once(int64_t nr, const char *why)
{
	if (!lx_trace_enabled() && !lx_log_enosys)
		return;
	if (nr >= 0 && nr <= LX_SYSCALL_NR_MAX) {
		int64_t bit = (int64_t)1 << (nr % 64);
		if (__atomic_fetch_or(&enosys_logged[nr / 64], bit, __ATOMIC_RELAXED) & bit)
			return;
		lx_log("lxnt: %s(%lld): %s, returning ENOSYS", systab[nr].name, (long long)nr, why);
		return;
	}
	lx_log("lxnt: syscall %lld: not a Linux x86-64 system call, returning ENOSYS", (long long)nr);
}

int64_t lx_sys_unlinked(struct lx_syscall *sc, const char *handler)
{
	log_enosys_once(sc->nr, handler);
	return -LX_ENOSYS;
}

const char *lx_syscall_name(int64_t nr)
{
	if (nr < 0 || nr > LX_SYSCALL_NR_MAX || !systab[nr].name)
		return NULL;
	return systab[nr].name;
}

const char *lx_syscall_args(int64_t nr)
{
	if (nr < 0 || nr > LX_SYSCALL_NR_MAX || !systab[nr].name)
		return "";
	return systab[nr].args;
}

static int64_t invoke(struct lx_syscall *sc)
{
	if (sc->nr < 0 || sc->nr > LX_SYSCALL_NR_MAX || !systab[sc->nr].name) {
		log_enosys_once(sc->nr, "unknown");
		return -LX_ENOSYS;
	}
	const struct lx_sysent *e = &systab[sc->nr];
	if (!e->handler) {
		log_enosys_once(sc->nr, "not implemented");
		return -LX_ENOSYS;
	}
	return e->handler(sc);
}

/* Runs the call of regs; returns its number.  The thread counts as inside
 * the runtime (in_runtime) until its exit path has looked at its signals. */
static int64_t run(struct lx_thread *t, struct lx_regs *regs, int rsp_bias)
{
	struct lx_syscall sc = {
		.nr = (int64_t)regs->rax,
		.arg = { (int64_t)regs->rdi, (int64_t)regs->rsi, (int64_t)regs->rdx,
		         (int64_t)regs->r10, (int64_t)regs->r8, (int64_t)regs->r9 },
		.regs = regs,
	};

	t->in_runtime = 1;
	t->sys_rsp_bias = rsp_bias;
	t->sigreturned = 0;
	if (t->kept_handle)
		lx_host_kept_syscall(t, sc.nr);
	if (lx_trace_enabled())
		lx_trace_enter(&sc);
	int64_t ret = invoke(&sc);
	if (lx_trace_enabled())
		lx_trace_exit(&sc, ret);
	regs->rax = (uint64_t)ret;
	return sc.nr;
}

/* Trampoline bytes before the return address: `call *%gs:0x1678`
 * (65 ff 14 25 imm32, include/lxnt/sitetab.h). */
#define TRAMP_CALL_LENGTH 8

/*
 * From entry.S: the trampoline moved rsp below the red zone before its call
 * (so the guest's rsp is regs->rsp + 128).  Re-executing the call restarts
 * the syscall, as the kernel's ip -= 2 re-executes `syscall`.  The common
 * exit (no signal, no restart) is decided here; the rest is
 * lx_signal_exit_slow's, with the full FP state.
 */
int lx_syscall_dispatch(struct lx_regs *regs)
{
	struct lx_thread *t = lx_current_thread();
	uint64_t restart_rip = regs->rip - TRAMP_CALL_LENGTH;
	int64_t nr = run(t, regs, LXNT_RED_ZONE);

	/* Cleared before the look, so that a sender that finds it clear
	 * (sigkick.c) knows the look may have missed its signal. */
	t->in_runtime = 0;
	if (!t->sigreturned && !t->exec_next && !lx_signal_exit_work(t, (int64_t)regs->rax))
		return 0;
	t->in_runtime = 1;
	t->exit_nr = nr;
	t->exit_restart_rip = restart_rip;
	return 1;
}

/* From fault.c's trap rung: the exit work (signals, restarts) is the
 * caller's, since it runs on the guest stack. */
int64_t lx_syscall_dispatch_trap(struct lx_regs *regs)
{
	return run(lx_current_thread(), regs, 0);
}
