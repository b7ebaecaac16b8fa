/*
 * The vector registers survive a system call, as Linux's syscall keeps
 * them: xmm0-15 are loaded with known values, getpid and clock_gettime
 * run (the latter through runtime code that may use SSE), and each
 * register is compared.  Exit status 0 when all are intact, 1 otherwise.
 */
	.globl _start
	.text
_start:
	lea pattern(%rip), %rbx
	movdqu 0(%rbx), %xmm0
	movdqu 16(%rbx), %xmm1
	movdqu 32(%rbx), %xmm2
	movdqu 48(%rbx), %xmm3
	movdqu 64(%rbx), %xmm4
	movdqu 80(%rbx), %xmm5
	movdqu 96(%rbx), %xmm6
	movdqu 112(%rbx), %xmm15
	mov $39, %eax
	syscall
	mov $228, %eax
	mov $1, %edi
	lea ts(%rip), %rsi
	syscall
	xor %edi, %edi
	.irp n, 0, 1, 2, 3, 4, 5, 6
	movdqu 16*\n(%rbx), %xmm7
	pcmpeqb %xmm\n, %xmm7
	pmovmskb %xmm7, %eax
	cmp $0xffff, %eax
	jne bad
	.endr
	movdqu 112(%rbx), %xmm7
	pcmpeqb %xmm15, %xmm7
	pmovmskb %xmm7, %eax
	cmp $0xffff, %eax
	je out
bad:	mov $1, %edi
out:	mov $231, %eax
	syscall
	.data
	.balign 16
pattern:
	.quad 0x0101010101010101, 0x1111111111111111
	.quad 0x0202020202020202, 0x2222222222222222
	.quad 0x0303030303030303, 0x3333333333333333
	.quad 0x0404040404040404, 0x4444444444444444
	.quad 0x0505050505050505, 0x5555555555555555
	.quad 0x0606060606060606, 0x6666666666666666
	.quad 0x0707070707070707, 0x7777777777777777
	.quad 0x0f0f0f0f0f0f0f0f, 0xffffffffffffffff
ts:	.quad 0, 0
	.section .note.GNU-stack,"",@progbits
