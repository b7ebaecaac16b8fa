/*
 * The vectored exception handler: serves trap-rung sites (ud2 over a
 * syscall or an %fs access, include/lxnt/sitetab.h), turns faults inside
 * the user-copy routines into -EFAULT (uaccess.S), and ends the process as
 * Linux would kill it for any other fault in guest code.  Real signal
 * delivery replaces the last part later.
 */
#include <windows.h>

#include "image.h"
#include "lxnt/layout.h"
#include "lxnt/linux/signal.h"
#include "thread.h"

extern const char lx_uaccess_begin[], lx_uaccess_end[], lx_uaccess_fixup[];

static bool guest_address(uint64_t a)
{
	return (a >= LXNT_IMAGE_WINDOW_LO && a < LXNT_IMAGE_WINDOW_HI) ||
	       (a >= LXNT_GUEST_WINDOW_LO && a < LXNT_GUEST_WINDOW_HI);
}

static void regs_from_context(struct lx_regs *r, const CONTEXT *c)
{
	*r = (struct lx_regs){
		.rax = c->Rax, .rbx = c->Rbx, .rcx = c->Rcx, .rdx = c->Rdx,
		.rsi = c->Rsi, .rdi = c->Rdi, .rbp = c->Rbp, .rsp = c->Rsp,
		.r8 = c->R8, .r9 = c->R9, .r10 = c->R10, .r11 = c->R11,
		.r12 = c->R12, .r13 = c->R13, .r14 = c->R14, .r15 = c->R15,
		.rip = c->Rip, .rflags = c->EFlags,
	};
}

static void regs_to_context(CONTEXT *c, const struct lx_regs *r)
{
	c->Rax = r->rax; c->Rbx = r->rbx; c->Rcx = r->rcx; c->Rdx = r->rdx;
	c->Rsi = r->rsi; c->Rdi = r->rdi; c->Rbp = r->rbp; c->Rsp = r->rsp;
	c->R8 = r->r8; c->R9 = r->r9; c->R10 = r->r10; c->R11 = r->r11;
	c->R12 = r->r12; c->R13 = r->r13; c->R14 = r->r14; c->R15 = r->r15;
	c->Rip = r->rip; c->EFlags = (DWORD)r->rflags;
}

static bool serve_trap_site(CONTEXT *c)
{
	const struct lxnt_site *s = lx_site_find(c->Rip);

	if (!s || s->rung != LXNT_RUNG_TRAP)
		return false;
	switch (s->kind) {
	case LXNT_SITE_SYSCALL: {
		lx_current_thread()->syscalls_by_trap++;
		struct lx_regs r;
		regs_from_context(&r, c);
		r.rip = c->Rip + s->length;
		lx_syscall_dispatch(&r);
		regs_to_context(c, &r);
		return true;
	}
	case LXNT_SITE_SYSENTER:
	case LXNT_SITE_INT80:
		/* The i386 ABI is not offered: as on a kernel without IA32 emulation. */
		lx_current_thread()->i386_by_trap++;
		c->Rax = (DWORD64)-LX_ENOSYS;
		c->Rip += s->length;
		return true;
	case LXNT_SITE_FS:
		if (!s->tramp)
			return false;
		lx_current_thread()->fs_by_trap++;
		c->Rip = s->tramp + lx_image.bias;
		return true;
	}
	return false;
}

/* The signal Linux would send for this exception (arch/x86/kernel/traps.c). */
static int signal_for(DWORD code)
{
	switch (code) {
	case EXCEPTION_ILLEGAL_INSTRUCTION:
		return LX_SIGILL;
	case EXCEPTION_PRIV_INSTRUCTION:
		return LX_SIGSEGV; /* hlt, cli ...: a general-protection fault on Linux */
	case EXCEPTION_INT_DIVIDE_BY_ZERO:
	case EXCEPTION_INT_OVERFLOW:
	case EXCEPTION_FLT_DIVIDE_BY_ZERO:
	case EXCEPTION_FLT_INVALID_OPERATION:
	case EXCEPTION_FLT_OVERFLOW:
	case EXCEPTION_FLT_UNDERFLOW:
	case EXCEPTION_FLT_INEXACT_RESULT:
	case EXCEPTION_FLT_DENORMAL_OPERAND:
	case EXCEPTION_FLT_STACK_CHECK:
		return LX_SIGFPE;
	case EXCEPTION_BREAKPOINT:
	case EXCEPTION_SINGLE_STEP:
		return LX_SIGTRAP;
	case EXCEPTION_DATATYPE_MISALIGNMENT:
	case EXCEPTION_IN_PAGE_ERROR:
		return LX_SIGBUS;
	default:
		return LX_SIGSEGV;
	}
}

static LONG CALLBACK vectored_handler(EXCEPTION_POINTERS *ep)
{
	DWORD code = ep->ExceptionRecord->ExceptionCode;
	CONTEXT *c = ep->ContextRecord;

	if (code == EXCEPTION_ACCESS_VIOLATION &&
	    c->Rip >= (DWORD64)(uintptr_t)lx_uaccess_begin && c->Rip < (DWORD64)(uintptr_t)lx_uaccess_end) {
		c->Rip = (DWORD64)(uintptr_t)lx_uaccess_fixup;
		return EXCEPTION_CONTINUE_EXECUTION;
	}
	if (!guest_address(c->Rip))
		return EXCEPTION_CONTINUE_SEARCH;
	if (code == EXCEPTION_ILLEGAL_INSTRUCTION && serve_trap_site(c))
		return EXCEPTION_CONTINUE_EXECUTION;

	int sig = signal_for(code);
	if (code == EXCEPTION_ACCESS_VIOLATION && ep->ExceptionRecord->NumberParameters >= 2)
		lx_log("lxnt: exception 0x%08x at guest rip 0x%llx (%s 0x%llx): killed by signal %d",
		       (unsigned)code, (unsigned long long)c->Rip,
		       ep->ExceptionRecord->ExceptionInformation[0] == 8 ? "execute" :
		       ep->ExceptionRecord->ExceptionInformation[0] ? "write" : "read",
		       (unsigned long long)ep->ExceptionRecord->ExceptionInformation[1], sig);
	else
		lx_log("lxnt: exception 0x%08x at guest rip 0x%llx: killed by signal %d",
		       (unsigned)code, (unsigned long long)c->Rip, sig);
	lx_exit_process(sig);
}

/* Faults in runtime code: say so on stderr instead of a silent crash. */
static LONG WINAPI unhandled_filter(EXCEPTION_POINTERS *ep)
{
	lx_log("lxnt: runtime fault 0x%08x at 0x%llx",
	       (unsigned)ep->ExceptionRecord->ExceptionCode,
	       (unsigned long long)ep->ContextRecord->Rip);
	lx_exit_process(LX_SIGSEGV);
}

void lx_fault_init(void)
{
	if (!AddVectoredExceptionHandler(1, vectored_handler))
		lx_fatal("lxnt: cannot install the exception handler");
	SetUnhandledExceptionFilter(unhandled_filter);
}
