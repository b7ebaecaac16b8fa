/* A null-pointer load: the process dies as Linux would kill it (status 139). */
	.globl _start
	.text
_start:
	mov 0, %rax
	mov $231, %eax
	xor %edi, %edi
	syscall
	.section .note.GNU-stack,"",@progbits
