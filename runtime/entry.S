/*
 * The syscall entry and the guest resume path.
 *
 * Trampolines reach lx_syscall_entry as `call *%gs:0x1678` with rsp already
 * moved below the red zone (include/lxnt/sitetab.h), so [rsp] holds the
 * return address into the trampoline and the guest's rsp after the call
 * returns is rsp + 8.  The entry switches to the thread's Windows stack,
 * builds a struct lx_regs there with the FP state below it, calls
 * lx_syscall_dispatch with the Win64 ABI, and resumes guest code from the
 * (possibly edited) frame: signal delivery and rt_sigreturn edit both.
 * Nothing is
 * ever written below the guest rsp: the resume address goes through the
 * TEB slot LXNT_SLOT_RESUME_RIP.
 */
/* %gs offsets of LXNT_SLOT_RESUME_RIP and LXNT_SLOT_THREAD (layout.h,
 * whose enum the assembler cannot read; thread.c asserts they agree). */
#define SLOT_RESUME 0x1640
#define SLOT_THREAD 0x1650

#define T_HOST_STACK_TOP 0
#define T_GUEST_RSP 8
#define T_SYSCALLS_BY_TRAMP 16

/* struct lx_regs offsets (runtime/lx.h). */
#define R_RAX 0
#define R_RBX 8
#define R_RCX 16
#define R_RDX 24
#define R_RSI 32
#define R_RDI 40
#define R_RBP 48
#define R_RSP 56
#define R_R8 64
#define R_R9 72
#define R_R10 80
#define R_R11 88
#define R_R12 96
#define R_R13 104
#define R_R14 112
#define R_R15 120
#define R_RIP 128
#define R_RFLAGS 136
#define R_SIZE 144
#define FX_SIZE 512
#define FX_XMM0 160                     /* xmm0 in the fxsave layout */

	.text
	.globl lx_syscall_entry, lx_enter_guest, lx_enter_guest_at, lx_signal_async_entry

lx_syscall_entry:
	/* Only mov/push/lea until pushfq: they leave the flags alone. */
	mov %rax, %gs:SLOT_RESUME
	mov %gs:SLOT_THREAD, %rax
	mov %rsp, T_GUEST_RSP(%rax)
	mov T_HOST_STACK_TOP(%rax), %rsp
	mov T_GUEST_RSP(%rax), %rax
	pushfq
	push (%rax)                     /* rip: the return address */
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	lea 8(%rax), %rax
	push %rax                       /* rsp as it will be after the return */
	push %rbp
	push %rdi
	push %rsi
	push %rdx
	push %rcx
	push %rbx
	push %gs:SLOT_RESUME            /* rax */
	cld
	/* LXNT_STATS (stats.c): only the trampolines of syscall sites (jump
	 * and evict rungs) call this entry, so one count here counts them all;
	 * telling the two rungs apart would take a site-table lookup of the
	 * return address, more than an increment.  After pushfq,
	 * so that the increment cannot change the guest's flags. */
	mov %gs:SLOT_THREAD, %rax
	incq T_SYSCALLS_BY_TRAMP(%rax)
	mov %rsp, %rbx
	/* An fxsave-format area below the frame.  The Win64 ABI lets C code
	 * clobber xmm0-5 while Linux's syscall preserves every vector
	 * register, so those six go to their slots of the area (xmm6-15 are
	 * callee-saved in Win64).  The whole state is stored (fxsave) only
	 * when signal work needs it: fxsave/fxrstor on every call would cost
	 * more than the rest of the entry.  rbx is 16-aligned
	 * (host_stack_top and 18 pushes). */
	sub $FX_SIZE, %rsp
	movdqa %xmm0, FX_XMM0(%rsp)
	movdqa %xmm1, FX_XMM0+16(%rsp)
	movdqa %xmm2, FX_XMM0+32(%rsp)
	movdqa %xmm3, FX_XMM0+48(%rsp)
	movdqa %xmm4, FX_XMM0+64(%rsp)
	movdqa %xmm5, FX_XMM0+80(%rsp)
	mov %rbx, %rcx
	sub $32, %rsp                   /* Win64 shadow space; rsp stays 16-aligned */
	call lx_syscall_dispatch
	movdqa FX_XMM0-FX_SIZE(%rbx), %xmm0
	movdqa FX_XMM0+16-FX_SIZE(%rbx), %xmm1
	movdqa FX_XMM0+32-FX_SIZE(%rbx), %xmm2
	movdqa FX_XMM0+48-FX_SIZE(%rbx), %xmm3
	movdqa FX_XMM0+64-FX_SIZE(%rbx), %xmm4
	movdqa FX_XMM0+80-FX_SIZE(%rbx), %xmm5
	test %eax, %eax
	jnz slow_exit
	mov %rbx, %rsp
	jmp resume_frame

/* Signal work at syscall exit: all guest FP state is in the registers
 * again, so one fxsave captures it for the frame (sigdeliver.c). */
slow_exit:
	fxsave64 -FX_SIZE(%rbx)
	mov %rbx, %rcx
	call lx_signal_exit_slow
	/* fall through */

/* rbx = struct lx_regs, its fxsave image FX_SIZE bytes below. */
exit_frame:
	fxrstor64 -FX_SIZE(%rbx)
	mov %rbx, %rsp
	jmp resume_frame

/*
 * Where a thread is sent to take signals outside a syscall (sigkick.c
 * redirects a suspended thread here, fault.c a faulting one): rbx = rcx =
 * the struct lx_regs of the interrupted guest state at the top of the
 * thread's Windows stack, its fxsave image below, rsp 16-aligned below that.
 */
lx_signal_async_entry:
	cld
	call lx_signal_async
	jmp exit_frame

/*
 * void lx_enter_guest_at(const struct lx_regs *regs, struct lx_thread *self,
 *                        uint64_t top): lx_enter_guest from the stack top
 * given; nothing of the current stack is read after the switch.
 */
lx_enter_guest_at:
	mov %r8, %rsp
	/* fall through */

/*
 * void lx_enter_guest(const struct lx_regs *regs, struct lx_thread *self):
 * makes the current stack the thread's syscall stack and starts guest code.
 */
lx_enter_guest:
	and $-16, %rsp
	mov %rsp, T_HOST_STACK_TOP(%rdx)
	sub $R_SIZE, %rsp
	mov %rcx, %rsi
	mov %rsp, %rdi
	mov $(R_SIZE / 8), %ecx
	cld
	rep movsq
	/* fall through */

/* rsp = struct lx_regs on the Windows stack; loads it and jumps to rip. */
resume_frame:
	mov R_RIP(%rsp), %rax
	mov %rax, %gs:SLOT_RESUME
	mov R_RAX(%rsp), %rax
	mov R_RBX(%rsp), %rbx
	mov R_RCX(%rsp), %rcx
	mov R_RDX(%rsp), %rdx
	mov R_RSI(%rsp), %rsi
	mov R_RDI(%rsp), %rdi
	mov R_RBP(%rsp), %rbp
	mov R_R8(%rsp), %r8
	mov R_R9(%rsp), %r9
	mov R_R10(%rsp), %r10
	mov R_R11(%rsp), %r11
	mov R_R12(%rsp), %r12
	mov R_R13(%rsp), %r13
	mov R_R14(%rsp), %r14
	mov R_R15(%rsp), %r15
	lea R_RFLAGS(%rsp), %rsp
	popfq
	mov (R_RSP - R_SIZE)(%rsp), %rsp
	jmp *%gs:SLOT_RESUME
