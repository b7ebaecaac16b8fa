/*
 * mmap 3 anonymous pages, write and read them, munmap; brk up by a page
 * and touch it; MAP_FIXED above user space is ENOMEM.  Exit status: 0 ok,
 * 1 mmap, 2 contents, 3 munmap, 4 brk, 5 the fixed mapping.
 */
	.globl _start
	.text
_start:
	mov $9, %eax
	xor %edi, %edi
	mov $0x3000, %esi
	mov $3, %edx            /* PROT_READ|PROT_WRITE */
	mov $0x22, %r10d        /* MAP_PRIVATE|MAP_ANONYMOUS */
	mov $-1, %r8
	xor %r9d, %r9d
	syscall
	cmp $-4095, %rax
	jae fail1
	mov %rax, %rbx
	movq $0x77, 0x2ff8(%rbx)
	cmpq $0, (%rbx)
	jne fail2
	cmpq $0x77, 0x2ff8(%rbx)
	jne fail2
	mov $11, %eax
	mov %rbx, %rdi
	mov $0x3000, %esi
	syscall
	test %rax, %rax
	jnz fail3
	mov $12, %eax
	xor %edi, %edi
	syscall
	mov %rax, %rbx
	lea 0x1000(%rax), %rdi
	mov $12, %eax
	syscall
	lea 0x1000(%rbx), %rcx
	cmp %rcx, %rax
	jne fail4
	movq $1, (%rbx)
	mov $9, %eax
	mov $0x800000000000, %rdi
	mov $0x1000, %esi
	mov $3, %edx
	mov $0x32, %r10d        /* MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED */
	mov $-1, %r8
	xor %r9d, %r9d
	syscall
	cmp $-12, %rax          /* ENOMEM */
	jne fail5
	xor %edi, %edi
	jmp out
fail1:	mov $1, %edi
	jmp out
fail2:	mov $2, %edi
	jmp out
fail3:	mov $3, %edi
	jmp out
fail4:	mov $4, %edi
	jmp out
fail5:	mov $5, %edi
out:	mov $231, %eax
	syscall
	.section .note.GNU-stack,"",@progbits
