/*
 * Signal delivery (arch/x86/kernel/signal.c, kernel/signal.c get_signal):
 * at the exit of every syscall and on the asynchronous path, each pending
 * signal the thread does not block takes its default action or gets a
 * Linux x86-64 rt_sigframe on the guest stack; rt_sigreturn undoes it.
 */
#include <string.h>

#include "exec.h"
#include "lxnt/layout.h"
#include "mman.h"
#include "proc.h"
#include "signal.h"
#include "syscall_table.h"

#define FX_SIZE 512
#define FX_MXCSR 24
#define FX_SW_RESERVED 464
#define RED_ZONE 128
#define NR_RESTART_SYSCALL 219

#define EFLAGS_TF 0x100
#define EFLAGS_DF 0x400
#define EFLAGS_RF 0x10000
/* The flags a frame may change (FIX_EFLAGS): AC OF DF TF SF ZF AF PF CF RF. */
#define FIX_EFLAGS 0x50dd5

#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4

/* struct sigcontext of arch/x86/include/uapi/asm/sigcontext.h (64-bit). */
struct lx_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct lx_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct lx_stack uc_stack;
	struct lx_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct lx_rt_sigframe {
	uint64_t pretcode;
	struct lx_ucontext uc;
	struct lx_siginfo info;
};

_Static_assert(sizeof(struct lx_sigcontext) == 256, "struct sigcontext");
_Static_assert(offsetof(struct lx_rt_sigframe, uc.uc_mcontext) == 48, "uc_mcontext");
_Static_assert(offsetof(struct lx_rt_sigframe, info) == 312, "rt_sigframe.info");

/* The altstack tests of include/linux/sched/signal.h. */
static bool within_altstack(const struct lx_thread *t, uint64_t sp)
{
	return sp > t->altstack_sp && sp - t->altstack_sp <= t->altstack_size;
}

bool lx_on_sig_stack(const struct lx_thread *t, uint64_t sp)
{
	if ((uint32_t)t->altstack_flags & LX_SS_AUTODISARM)
		return false;
	return within_altstack(t, sp);
}

int lx_sas_ss_flags(const struct lx_thread *t, uint64_t sp)
{
	if (!t->altstack_size)
		return LX_SS_DISABLE;
	return lx_on_sig_stack(t, sp) ? LX_SS_ONSTACK : 0;
}

/* The FP state a handler starts with (fpu__clear_user_states). */
static void fx_init(void *fx)
{
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	memset(fx, 0, FX_SIZE);
	memcpy(fx, &fcw, sizeof(fcw));
	memcpy((char *)fx + FX_MXCSR, &mxcsr, sizeof(mxcsr));
}

static void mcontext_from_regs(struct lx_sigcontext *m, const struct lx_regs *r)
{
	*m = (struct lx_sigcontext){
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rdi = r->rdi, .rsi = r->rsi, .rbp = r->rbp, .rbx = r->rbx,
		.rdx = r->rdx, .rax = r->rax, .rcx = r->rcx, .rsp = r->rsp,
		.rip = r->rip, .eflags = r->rflags,
		.cs = 0x33, .ss = 0x2b, /* __USER_CS, __USER_DS */
	};
}

/*
 * get_sigframe + x64_setup_rt_frame: below the red zone (or at the top of
 * the alternate stack), the fxsave image 64-byte aligned, the frame below
 * it so that the handler sees rsp + 8 16-byte aligned, as after a call.
 * Returns false when the frame cannot be written (force_sigsegv).
 */
static bool setup_frame(struct lx_thread *t, struct lx_regs *regs, void *fx, int sig,
                        const struct lx_sigaction *act, const struct lx_siginfo *info,
                        uint64_t oldmask)
{
	uint64_t sp = regs->rsp - RED_ZONE;
	bool nested = lx_on_sig_stack(t, regs->rsp), entering = false;

	if ((act->flags & LX_SA_ONSTACK) && lx_sas_ss_flags(t, sp) == 0) {
		sp = t->altstack_sp + t->altstack_size;
		entering = true;
	}
	uint64_t fpstate = (sp - FX_SIZE) & ~63ULL;
	uint64_t frame_at = ((fpstate - sizeof(struct lx_rt_sigframe)) & ~15ULL) - 8;
	if ((nested || entering) && !within_altstack(t, frame_at))
		return false;
	/* Guest memory Linux does not have (the reserve below the main stack,
	 * fault.c) cannot take a frame. */
	if (frame_at >= LXNT_GUEST_WINDOW_LO && frame_at < LXNT_GUEST_WINDOW_HI &&
	    !lx_mm_mapped(frame_at & ~(LX_PAGE_SIZE - 1),
	                  LX_PAGE_UP(fpstate + FX_SIZE) - (frame_at & ~(LX_PAGE_SIZE - 1))))
		return false;
	if (!(act->flags & LX_SA_RESTORER))
		return false; /* x86-64 requires one (x64_setup_rt_frame) */

	struct lx_rt_sigframe f = {
		.pretcode = act->restorer,
		.uc = {
			.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
			.uc_stack = { .ss_sp = t->altstack_sp, .ss_flags = t->altstack_flags,
			              .ss_size = t->altstack_size },
			.uc_sigmask = oldmask,
		},
		.info = *info,
	};
	mcontext_from_regs(&f.uc.uc_mcontext, regs);
	f.uc.uc_mcontext.oldmask = oldmask;
	f.uc.uc_mcontext.fpstate = fpstate;
	if (t->frame_sig == sig) {
		f.uc.uc_mcontext.trapno = t->fault_trapno;
		f.uc.uc_mcontext.err = t->fault_err;
		f.uc.uc_mcontext.cr2 = t->fault_cr2;
		t->frame_sig = 0;
	}
	char image[FX_SIZE];
	memcpy(image, fx, FX_SIZE);
	/* No xstate beyond the legacy area: sw_reserved without FP_XSTATE_MAGIC1. */
	memset(image + FX_SW_RESERVED, 0, FX_SIZE - FX_SW_RESERVED);
	/* The kernel writes the siginfo only for SA_SIGINFO handlers. */
	size_t frame_len = (act->flags & LX_SA_SIGINFO) ? sizeof(f) : offsetof(struct lx_rt_sigframe, info);
	if (lx_copy_to_user(fpstate, image, FX_SIZE) < 0 ||
	    lx_copy_to_user(frame_at, &f, frame_len) < 0)
		return false;
	if ((uint32_t)t->altstack_flags & LX_SS_AUTODISARM) {
		t->altstack_sp = 0;
		t->altstack_size = 0;
		t->altstack_flags = LX_SS_DISABLE;
	}
	regs->rdi = (uint64_t)sig;
	regs->rsi = frame_at + offsetof(struct lx_rt_sigframe, info);
	regs->rdx = frame_at + offsetof(struct lx_rt_sigframe, uc);
	regs->rax = 0;
	regs->rsp = frame_at;
	regs->rip = act->handler;
	regs->rflags &= ~(uint64_t)(EFLAGS_DF | EFLAGS_TF | EFLAGS_RF);
	fx_init(fx);
	return true;
}

/* force_sigsegv: a frame that cannot be built. */
static void force_sigsegv(struct lx_thread *t, int sig)
{
	struct lx_siginfo si = { .si_signo = LX_SIGSEGV, .si_code = LX_SI_KERNEL };

	if (sig == LX_SIGSEGV)
		lx_sigaction_reset(LX_SIGSEGV);
	lx_signal_force(t, &si);
}

/* handle_signal: the restart rule for a syscall that a handler interrupts,
 * the frame, then the mask of the handler. */
static void handle_signal(struct lx_thread *t, struct lx_regs *regs, void *fx, int sig,
                          const struct lx_sigaction *act, const struct lx_siginfo *info,
                          int64_t *nr, uint64_t restart_rip)
{
	if (*nr >= 0) {
		switch (-(int64_t)regs->rax) {
		case LX_ERESTART_RESTARTBLOCK:
		case LX_ERESTARTNOHAND:
			regs->rax = (uint64_t)-LX_EINTR;
			break;
		case LX_ERESTARTSYS:
			if (!(act->flags & LX_SA_RESTART)) {
				regs->rax = (uint64_t)-LX_EINTR;
				break;
			}
			/* fall through */
		case LX_ERESTARTNOINTR:
			regs->rax = (uint64_t)*nr;
			regs->rip = restart_rip;
			break;
		}
		*nr = -1;
	}
	uint64_t oldmask = t->restore_sigmask ? t->saved_sigmask : t->sigmask;
	t->restore_sigmask = 0;
	if (!setup_frame(t, regs, fx, sig, act, info, oldmask)) {
		force_sigsegv(t, sig);
		return;
	}
	uint64_t block = act->mask;
	if (!(act->flags & LX_SA_NODEFER))
		block |= LX_SIGBIT(sig);
	t->sigmask = (oldmask | block) & ~LX_SIG_UNBLOCKABLE;
}

static void default_action(int sig)
{
	switch (lx_signal_default(sig)) {
	case LX_SIGDFL_IGNORE:
	case LX_SIGDFL_CONT:
		return;
	case LX_SIGDFL_STOP:
		/* get_signal: the terminal's stops are discarded in an orphaned
		 * group, which nobody would continue; SIGSTOP never is. */
		if (sig != LX_SIGSTOP && lx_pgrp_orphaned_self())
			return;
		lx_signal_group_stop(sig);
		return;
	case LX_SIGDFL_CORE:
		lx_exit_process(sig | 0x80);
	case LX_SIGDFL_TERM:
		lx_exit_process(sig);
	}
}

/* No handler ran: the kernel restarts the call (arch_do_signal_or_restart). */
static void restart_without_handler(struct lx_regs *regs, int64_t nr, uint64_t restart_rip)
{
	switch (-(int64_t)regs->rax) {
	case LX_ERESTARTNOHAND:
	case LX_ERESTARTSYS:
	case LX_ERESTARTNOINTR:
		regs->rax = (uint64_t)nr;
		regs->rip = restart_rip;
		break;
	case LX_ERESTART_RESTARTBLOCK:
		regs->rax = NR_RESTART_SYSCALL;
		regs->rip = restart_rip;
		break;
	}
}

void lx_signal_syscall_exit(struct lx_regs *regs, void *fx, int64_t nr, uint64_t restart_rip)
{
	struct lx_thread *t = lx_current_thread();

	if (t->sigreturned)
		nr = -1;
	for (;;) {
		t->in_runtime = 0;
		if (!lx_signal_interrupts(t)) {
			if (!t->restore_sigmask)
				break;
			/* rt_sigsuspend without a handler: its mask goes, which
			 * may let pending signals through. */
			t->sigmask = t->saved_sigmask;
			t->restore_sigmask = 0;
			continue;
		}
		t->in_runtime = 1;
		if (lx_signal_group_stopped()) {
			lx_signal_group_stop(0);
			continue;
		}
		struct lx_siginfo info;
		int sig = lx_signal_dequeue(t, ~t->sigmask, &info);
		if (!sig)
			continue;
		struct lx_sigaction act;
		lx_sigaction_get(sig, &act);
		if (act.handler == LX_SIG_IGN)
			continue;
		if (act.handler == LX_SIG_DFL) {
			default_action(sig);
			continue;
		}
		if (act.flags & LX_SA_RESETHAND)
			lx_sigaction_reset(sig);
		handle_signal(t, regs, fx, sig, &act, &info, &nr, restart_rip);
	}
	if (nr >= 0)
		restart_without_handler(regs, nr, restart_rip);
}

void lx_signal_exit_slow(struct lx_regs *regs)
{
	struct lx_thread *t = lx_current_thread();
	void *fx = (char *)regs - FX_SIZE;

	if (t->exec_next)
		lx_exec_here_finish(t);
	if (t->sigreturned)
		memcpy(fx, t->sigreturn_fx, FX_SIZE);
	lx_signal_syscall_exit(regs, fx, t->exit_nr, t->exit_restart_rip);
	t->exit_nr = -1;
}

void lx_signal_async(struct lx_regs *regs)
{
	struct lx_thread *t = lx_current_thread();
	int64_t nr = t->exit_nr;

	if (t->exec_next)
		lx_exec_here_finish(t);
	t->exit_nr = -1;
	if (t->rearm_stack_guard) {
		/* the exception record that used the page is gone now */
		t->rearm_stack_guard = 0;
		lx_fault_rearm_stack_guard();
	}
	if (t->fault_sig) {
		t->frame_sig = t->fault_sig;
		t->fault_sig = 0;
		lx_signal_force(t, &t->fault_info);
	}
	lx_signal_syscall_exit(regs, (char *)regs - FX_SIZE, nr, t->exit_restart_rip);
}

/* Linux rt_sigreturn(2) (restore_sigcontext): the checks the kernel makes
 * are that the frame is readable; a bad one is SIGSEGV. */
int64_t lx_sys_rt_sigreturn(struct lx_syscall *sc)
{
	struct lx_thread *t = lx_current_thread();
	struct lx_regs *r = sc->regs;
	uint64_t frame_at = r->rsp + (uint64_t)t->sys_rsp_bias - 8;
	struct lx_rt_sigframe f;
	char image[FX_SIZE];

	t->sigreturned = 1;
	t->restart.fn = NULL; /* restore_sigcontext: no restart after a handler */
	if (lx_copy_from_user(&f, frame_at, sizeof(f)) < 0)
		goto bad;
	const struct lx_sigcontext *m = &f.uc.uc_mcontext;
	if (m->fpstate && lx_copy_from_user(image, m->fpstate, FX_SIZE) < 0)
		goto bad;
	*r = (struct lx_regs){
		.rax = m->rax, .rbx = m->rbx, .rcx = m->rcx, .rdx = m->rdx,
		.rsi = m->rsi, .rdi = m->rdi, .rbp = m->rbp, .rsp = m->rsp,
		.r8 = m->r8, .r9 = m->r9, .r10 = m->r10, .r11 = m->r11,
		.r12 = m->r12, .r13 = m->r13, .r14 = m->r14, .r15 = m->r15,
		.rip = m->rip,
		.rflags = (r->rflags & ~(uint64_t)FIX_EFLAGS) | (m->eflags & FIX_EFLAGS),
	};
	if (m->fpstate) {
		uint32_t mxcsr;
		memcpy(&mxcsr, image + FX_MXCSR, sizeof(mxcsr));
		mxcsr &= 0xffff; /* reserved bits would make fxrstor fault */
		memcpy(image + FX_MXCSR, &mxcsr, sizeof(mxcsr));
		memcpy(t->sigreturn_fx, image, FX_SIZE);
	} else {
		fx_init(t->sigreturn_fx);
	}
	t->sigmask = f.uc.uc_sigmask & ~LX_SIG_UNBLOCKABLE;
	(void)lx_do_sigaltstack(&f.uc.uc_stack, NULL, r->rsp);
	return (int64_t)r->rax;
bad:;
	struct lx_siginfo si = { .si_signo = LX_SIGSEGV, .si_code = LX_SI_KERNEL };
	lx_signal_force(t, &si);
	return (int64_t)r->rax;
}
