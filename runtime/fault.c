/*
 * The vectored exception handler: serves trap-rung sites (ud2 over a
 * syscall or an %fs access, include/lxnt/sitetab.h), turns faults inside
 * the user-copy routines into -EFAULT (uaccess.S), and raises the signal
 * Linux would raise for any other fault in guest code.  Faults of runtime
 * code stay runtime faults: a message and status 139.
 */
#include <string.h>
#include <windows.h>

#include "image.h"
#include "lxnt/layout.h"
#include "lxnt/linux/signal.h"
#include "mman.h"
#include "signal.h"
#include "thread.h"
#include "trace.h"

extern const char lx_uaccess_begin[], lx_uaccess_end[], lx_uaccess_fixup[];

bool lx_guest_address(uint64_t a)
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

static void finish_trap_syscall(struct lx_thread *t, CONTEXT *c, int64_t nr, uint64_t site);

static bool serve_trap_site(CONTEXT *c)
{
	uint64_t bias = 0;
	const struct lxnt_site *s = lx_site_lookup(c->Rip, &bias);

	if (!s || s->rung != LXNT_RUNG_TRAP)
		return false;
	switch (s->kind) {
	case LXNT_SITE_SYSCALL: {
		struct lx_thread *t = lx_current_thread();
		uint64_t site = c->Rip;
		t->syscalls_by_trap++;
		struct lx_regs r;
		regs_from_context(&r, c);
		r.rip = c->Rip + s->length;
		int64_t nr = lx_syscall_dispatch_trap(&r);
		regs_to_context(c, &r);
		finish_trap_syscall(t, c, nr, site);
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
		c->Rip = s->tramp + bias;
		return true;
	}
	return false;
}

#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define TRAP_TRACE 2

/* x86 exception vectors and page-fault error bits (arch/x86/include/asm/trapnr.h, trap_pf.h). */
#define TRAP_DE 0
#define TRAP_DB 1
#define TRAP_BP 3
#define TRAP_UD 6
#define TRAP_GP 13
#define TRAP_PF 14
#define TRAP_MF 16
#define TRAP_AC 17
#define TRAP_XF 19
#define PF_PROT 1
#define PF_WRITE 2
#define PF_USER 4
#define PF_INSTR 16

/*
 * Stack overflow of the main thread's guest stack.  Windows raises an
 * exception by pushing its record below the faulting rsp, which an
 * overflow has just run off the stack, so a plain unmapped page below the
 * stack would kill the process before any handler ran.  Below the stack
 * the runtime keeps a reserve, outside the Linux map (mmap leaves the gap
 * below the stack alone), whose top page is a guard page: running into it
 * raises STATUS_GUARD_PAGE_VIOLATION with room below for the exception
 * record, and it becomes the SIGSEGV (SEGV_MAPERR) Linux raises for the
 * same overflow.  The handler needs the alternate stack, as on Linux (the
 * frame must land in mapped memory, sigdeliver.c).
 */
#define STACK_RESERVE (64 * 1024)

static uint64_t reserve_lo, reserve_hi;

void lx_fault_stack_reserve(uint64_t stack_lo)
{
	uint64_t lo = stack_lo - STACK_RESERVE;

	if (!VirtualAlloc((void *)(uintptr_t)lo, STACK_RESERVE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
		return; /* an overflow then ends the process, as before */
	reserve_lo = lo;
	reserve_hi = stack_lo;
	lx_fault_rearm_stack_guard();
}

void lx_fault_rearm_stack_guard(void)
{
	DWORD old;

	if (reserve_hi)
		VirtualProtect((void *)(uintptr_t)(reserve_hi - LX_PAGE_SIZE), LX_PAGE_SIZE,
		               PAGE_READWRITE | PAGE_GUARD, &old);
}

static bool stack_overflow(const EXCEPTION_RECORD *er, uint64_t *addr)
{
	if (er->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION || er->NumberParameters < 2)
		return false;
	*addr = er->ExceptionInformation[1];
	return *addr >= reserve_lo && *addr < reserve_hi;
}

/* A page the guest has (mapped, whatever its protection): ACCERR, not MAPERR. */
static bool page_present(uint64_t a)
{
	MEMORY_BASIC_INFORMATION mbi;

	if (a >= LXNT_GUEST_WINDOW_LO && a < LXNT_GUEST_WINDOW_HI)
		return lx_mm_mapped(a & ~(uint64_t)(LX_PAGE_SIZE - 1), LX_PAGE_SIZE);
	if (a >= LXNT_IMAGE_WINDOW_LO && a < LXNT_IMAGE_WINDOW_HI)
		return VirtualQuery((void *)(uintptr_t)a, &mbi, sizeof(mbi)) && mbi.State == MEM_COMMIT;
	return false;
}

static void set_fault(struct lx_thread *t, int sig, int code, uint64_t addr, uint64_t trapno,
                      uint64_t err, uint64_t cr2)
{
	t->fault_info = (struct lx_siginfo){ .si_signo = sig, .si_code = code, .u.fault.addr = addr };
	t->fault_trapno = trapno;
	t->fault_err = err;
	t->fault_cr2 = cr2;
	t->fault_sig = sig;
}

/* The signal Linux would send for this exception (arch/x86/kernel/traps.c,
 * arch/x86/mm/fault.c), with its siginfo and the frame's trapno/err/cr2. */
static void translate_fault(struct lx_thread *t, const EXCEPTION_RECORD *er, CONTEXT *c)
{
	uint64_t rip = c->Rip;

	uint64_t below;
	if (stack_overflow(er, &below)) {
		set_fault(t, LX_SIGSEGV, SEGV_MAPERR, below, TRAP_PF, PF_USER | PF_WRITE, below);
		t->rearm_stack_guard = 1;
		return;
	}
	switch (er->ExceptionCode) {
	case EXCEPTION_ACCESS_VIOLATION: {
		uint64_t kind = er->NumberParameters >= 2 ? er->ExceptionInformation[0] : 0;
		uint64_t addr = er->NumberParameters >= 2 ? er->ExceptionInformation[1] : 0;
		bool present = page_present(addr);
		uint64_t err = PF_USER | (present ? PF_PROT : 0) | (kind == 1 ? PF_WRITE : 0) |
		               (kind == 8 ? PF_INSTR : 0);
		set_fault(t, LX_SIGSEGV, present ? SEGV_ACCERR : SEGV_MAPERR, addr, TRAP_PF, err, addr);
		return;
	}
	case EXCEPTION_IN_PAGE_ERROR: {
		uint64_t addr = er->NumberParameters >= 2 ? er->ExceptionInformation[1] : 0;
		set_fault(t, LX_SIGBUS, BUS_ADRERR, addr, TRAP_PF, PF_USER | PF_PROT, addr);
		return;
	}
	case EXCEPTION_DATATYPE_MISALIGNMENT:
		set_fault(t, LX_SIGBUS, BUS_ADRALN, 0, TRAP_AC, 0, 0);
		return;
	case EXCEPTION_ILLEGAL_INSTRUCTION:
		set_fault(t, LX_SIGILL, ILL_ILLOPN, rip, TRAP_UD, 0, 0);
		return;
	case EXCEPTION_INT_DIVIDE_BY_ZERO:
	case EXCEPTION_INT_OVERFLOW:
		/* Both are #DE, which Linux reports as FPE_INTDIV (do_error_trap). */
		set_fault(t, LX_SIGFPE, FPE_INTDIV, rip, TRAP_DE, 0, 0);
		return;
	case EXCEPTION_FLT_DIVIDE_BY_ZERO:
		set_fault(t, LX_SIGFPE, FPE_FLTDIV, rip, TRAP_XF, 0, 0);
		return;
	case EXCEPTION_FLT_OVERFLOW:
		set_fault(t, LX_SIGFPE, FPE_FLTOVF, rip, TRAP_XF, 0, 0);
		return;
	case EXCEPTION_FLT_UNDERFLOW:
	case EXCEPTION_FLT_DENORMAL_OPERAND:
		set_fault(t, LX_SIGFPE, FPE_FLTUND, rip, TRAP_XF, 0, 0);
		return;
	case EXCEPTION_FLT_INEXACT_RESULT:
		set_fault(t, LX_SIGFPE, FPE_FLTRES, rip, TRAP_XF, 0, 0);
		return;
	case EXCEPTION_FLT_INVALID_OPERATION:
	case EXCEPTION_FLT_STACK_CHECK:
		set_fault(t, LX_SIGFPE, FPE_FLTINV, rip, TRAP_MF, 0, 0);
		return;
	case EXCEPTION_BREAKPOINT: {
		/* Windows reports the int3 itself, Linux the instruction after it. */
		uint8_t op = 0;
		if (lx_copy_from_user(&op, rip, 1) == 0 && op == 0xcc)
			c->Rip = rip + 1;
		set_fault(t, LX_SIGTRAP, LX_SI_KERNEL, 0, TRAP_BP, 0, 0);
		return;
	}
	case EXCEPTION_SINGLE_STEP:
		set_fault(t, LX_SIGTRAP, TRAP_TRACE, rip, TRAP_DB, 0, 0);
		return;
	default:
		/* hlt, cli, in/out, other #GP: SIGSEGV with SI_KERNEL. */
		set_fault(t, LX_SIGSEGV, LX_SI_KERNEL, 0, TRAP_GP, 0, 0);
		return;
	}
}

/* A trap-rung syscall's exit work runs on the Windows stack, since this
 * handler runs on the guest stack where the signal frame would go. */
static void finish_trap_syscall(struct lx_thread *t, CONTEXT *c, int64_t nr, uint64_t site)
{
	if (t->sigreturned)
		memcpy(&c->FltSave, t->sigreturn_fx, sizeof(t->sigreturn_fx));
	t->in_runtime = 0;
	if (!t->sigreturned && !t->exec_next && !lx_signal_exit_work(t, (int64_t)c->Rax))
		return;
	lx_signal_redirect(t, c, t->sigreturned ? -1 : nr, site);
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
	if (!lx_guest_address(c->Rip))
		return EXCEPTION_CONTINUE_SEARCH;
	if (code == EXCEPTION_ILLEGAL_INSTRUCTION && serve_trap_site(c))
		return EXCEPTION_CONTINUE_EXECUTION;

	/* A fault of guest code: the signal is taken on the Windows stack
	 * (sigdeliver.c), where the handler's frame can be built on the guest
	 * stack below this one. */
	struct lx_thread *t = lx_current_thread();
	translate_fault(t, ep->ExceptionRecord, c);
	if (lx_trace_enabled())
		lx_log("lxnt: exception 0x%08x at guest rip 0x%llx: signal %d code %d addr 0x%llx",
		       (unsigned)code, (unsigned long long)c->Rip, t->fault_sig,
		       t->fault_info.si_code, (unsigned long long)t->fault_info.u.fault.addr);
	lx_signal_redirect(t, c, -1, 0);
	return EXCEPTION_CONTINUE_EXECUTION;
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
