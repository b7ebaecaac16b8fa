/*
 * arch_prctl(ARCH_SET_FS) to a buffer, then reads it back through %fs:
 * exit status 0 when %fs:8 reads the value stored there, 1 otherwise.
 */
	.globl _start
	.text
_start:
	mov $158, %eax
	mov $0x1002, %edi
	lea tcb(%rip), %rsi
	syscall
	test %rax, %rax
	jnz bad
	mov %fs:8, %rax
	cmp $0x1234567, %rax
	jne bad
	/* ARCH_GET_FS must give the same pointer back */
	mov $158, %eax
	mov $0x1003, %edi
	lea out(%rip), %rsi
	syscall
	lea tcb(%rip), %rcx
	cmp out(%rip), %rcx
	jne bad
	xor %edi, %edi
	jmp done
bad:	mov $1, %edi
done:	mov $231, %eax
	syscall
	.data
	.balign 16
tcb:	.quad 0, 0x1234567, 0, 0, 0, 0xabcdef, 0x55aa
out:	.quad 0
	.section .note.GNU-stack,"",@progbits
