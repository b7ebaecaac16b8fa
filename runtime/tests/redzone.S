/*
 * Values kept in the 128-byte red zone below rsp survive a system call, as
 * the x86-64 psABI promises leaf code.  Exit status 0 when they do.
 * Through a trap-rung site they do not: Windows (and Wine) push the
 * exception frame right below the faulting rsp, because the Win64 ABI has
 * no red zone, before any handler of ours runs.
 */
	.globl _start
	.text
_start:
	movq $0x1111, -8(%rsp)
	movq $0x2222, -64(%rsp)
	movq $0x3333, -128(%rsp)
	mov $39, %eax
	syscall
	cmpq $0x1111, -8(%rsp)
	jne bad
	cmpq $0x2222, -64(%rsp)
	jne bad
	cmpq $0x3333, -128(%rsp)
	jne bad
	xor %edi, %edi
	jmp out
bad:	mov $1, %edi
out:	mov $231, %eax
	syscall
	.section .note.GNU-stack,"",@progbits
