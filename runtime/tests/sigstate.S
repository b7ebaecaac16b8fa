/*
 * Registers and FP state survive a signal handler, as Linux's rt_sigframe
 * and rt_sigreturn keep them: xmm0-15, the callee-visible general
 * registers and the MXCSR rounding mode are set, a SIGUSR1 handler that
 * clobbers all of them runs at the exit of kill(getpid(), SIGUSR1), and
 * everything is compared after the return.  The handler also checks that
 * it got sig, &siginfo and &ucontext and that the frame's fpstate pointer
 * is 64-byte aligned.  Exit status 0 when all is intact, else the number
 * of the first failed check.
 */
	.globl _start
	.text
_start:
	/* rt_sigaction(SIGUSR1, &act, NULL, 8) */
	mov $13, %eax
	mov $10, %edi
	lea act(%rip), %rsi
	xor %edx, %edx
	mov $8, %r10d
	syscall
	test %rax, %rax
	mov $10, %edi
	jnz exit
	lea pattern(%rip), %rbx
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu 16*\n(%rbx), %xmm\n
	.endr
	ldmxcsr mxcsr_up(%rip)          /* round up, all masked */
	mov $0x1234, %rbp
	mov $0x5678, %r12
	mov $0x9abc, %r13
	mov $0xdef0, %r14
	mov $0x4242, %r15
	mov $0x1111, %r8
	mov $0x2222, %r9
	/* kill(getpid(), SIGUSR1) */
	mov $39, %eax
	syscall
	mov %eax, %edi
	mov $10, %esi
	mov $62, %eax
	syscall
	mov %rax, %rcx                  /* kill's result, 0 */
	/* the handler ran */
	mov $11, %edi
	cmpl $1, handled(%rip)
	jne exit
	mov $12, %edi
	test %rcx, %rcx
	jnz exit
	mov $13, %edi
	cmp $0x1234, %rbp
	jne exit
	cmp $0x5678, %r12
	jne exit
	cmp $0x9abc, %r13
	jne exit
	cmp $0xdef0, %r14
	jne exit
	cmp $0x4242, %r15
	jne exit
	cmp $0x1111, %r8
	jne exit
	cmp $0x2222, %r9
	jne exit
	lea pattern(%rip), %rbx
	movdqu %xmm0, saved0(%rip)
	mov $20, %edi
	/* the others, with xmm0 as the scratch */
	.irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu 16*\n(%rbx), %xmm0
	pcmpeqb %xmm\n, %xmm0
	pmovmskb %xmm0, %eax
	cmp $0xffff, %eax
	jne exit
	inc %edi
	.endr
	mov $19, %edi
	movdqu saved0(%rip), %xmm1
	movdqu (%rbx), %xmm0
	pcmpeqb %xmm1, %xmm0
	pmovmskb %xmm0, %eax
	cmp $0xffff, %eax
	jne exit
	mov $40, %edi
	stmxcsr scratch(%rip)
	mov scratch(%rip), %eax
	cmp mxcsr_up(%rip), %eax
	jne exit
	xor %edi, %edi
exit:
	mov $231, %eax
	syscall

handler:
	/* rdi = 10, rsi = &siginfo (si_signo 10), rdx = &ucontext */
	cmp $10, %edi
	jne hbad
	cmpl $10, (%rsi)
	jne hbad
	mov 40+8*10(%rdx), %rax         /* uc_mcontext.rbp: gregs at uc+40, rbp is gregs[10] */
	cmp $0x1234, %rax
	jne hbad
	mov 40+8*23(%rdx), %rax         /* uc_mcontext.fpstate */
	test $63, %rax
	jnz hbad
	test %rax, %rax
	jz hbad
	/* the handler starts with the default MXCSR */
	stmxcsr scratch(%rip)
	cmpl $0x1f80, scratch(%rip)
	jne hbad
	pxor %xmm0, %xmm0
	.irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqa %xmm0, %xmm\n
	.endr
	ldmxcsr mxcsr_down(%rip)
	xor %ebp, %ebp
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	xor %r8d, %r8d
	xor %r9d, %r9d
	movl $1, handled(%rip)
	ret
hbad:
	mov $30, %edi
	mov $231, %eax
	syscall

restorer:
	mov $15, %eax
	syscall
	hlt

	.data
	.balign 16
act:	.quad handler, 0x04000004, restorer, 0   /* SA_RESTORER | SA_SIGINFO */
pattern:
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.quad 0x0101010101010101 + \n, 0x2020202020202020 + \n
	.endr
mxcsr_up:	.long 0x5f80
mxcsr_down:	.long 0x3f80
handled:	.long 0
scratch:	.long 0
	.balign 16
saved0:	.quad 0, 0
	.section .note.GNU-stack,"",@progbits
