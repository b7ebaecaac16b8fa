/*
 * Bad guest pointers must come back as -EFAULT, never crash the runtime:
 * uname(0x10) and clock_gettime(CLOCK_MONOTONIC, 0x10).  Exit status 14
 * when both say EFAULT, 1 or 2 naming the call that did not.
 */
	.globl _start
	.text
_start:
	mov $63, %eax
	mov $0x10, %edi
	syscall
	cmp $-14, %rax
	jne bad1
	mov $228, %eax
	mov $1, %edi
	mov $0x10, %esi
	syscall
	cmp $-14, %rax
	jne bad2
	mov $14, %edi
	jmp out
bad1:	mov $1, %edi
	jmp out
bad2:	mov $2, %edi
out:	mov $231, %eax
	syscall
	.section .note.GNU-stack,"",@progbits
