/*
 * A 'none' row (174, create_module, gone from Linux too) and a number
 * outside the table (5000) both return -ENOSYS; exit status 38.
 */
	.globl _start
	.text
_start:
	mov $5000, %eax
	syscall
	cmp $-38, %rax
	jne bad
	mov $174, %eax
	xor %edi, %edi
	xor %esi, %esi
	xor %edx, %edx
	syscall
	cmp $-38, %rax
	jne bad
	mov $38, %edi
	jmp out
bad:	mov $1, %edi
out:	mov $231, %eax
	syscall
	.section .note.GNU-stack,"",@progbits
