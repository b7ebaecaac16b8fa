/*
 * Guest memory copies that may fault.  The vectored exception handler
 * (runtime/fault.c) resumes an access violation whose rip lies between
 * lx_uaccess_begin and lx_uaccess_end at lx_uaccess_fixup, which returns
 * -LX_EFAULT to the C caller: the exception-table idea of Linux's
 * copy_from_user (arch/x86/lib/copy_user_64.S), with one shared fixup.
 *
 * Both routines push rdi and rsi (callee-saved in the Win64 ABI) first and
 * touch nothing else on the stack, so the fixup knows the frame.
 */
	.text
	.globl lx_uaccess_begin, lx_uaccess_end, lx_uaccess_fixup
	.globl lx_uaccess_copy, lx_uaccess_strncpy, lx_uaccess_get32, lx_uaccess_cmpxchg32

lx_uaccess_begin:

/* long lx_uaccess_copy(void *dst, const void *src, size_t n): 0 or -EFAULT. */
lx_uaccess_copy:
	push %rdi
	push %rsi
	mov %rcx, %rdi
	mov %rdx, %rsi
	mov %r8, %rcx
	rep movsb
	xor %eax, %eax
	pop %rsi
	pop %rdi
	ret

/*
 * long lx_uaccess_strncpy(char *dst, const char *src, size_t n): copies up
 * to n bytes, stopping after a NUL; returns the length before the NUL, n if
 * there was none, or -EFAULT.
 */
lx_uaccess_strncpy:
	push %rdi
	push %rsi
	xor %eax, %eax
1:	cmp %r8, %rax
	jae 2f
	movzbl (%rdx,%rax), %r9d
	mov %r9b, (%rcx,%rax)
	test %r9b, %r9b
	jz 2f
	inc %rax
	jmp 1b
2:	pop %rsi
	pop %rdi
	ret

/*
 * long lx_uaccess_get32(uint32_t *dst, const uint32_t *src): one aligned
 * 32-bit load, which x86 makes atomic (futex(2) compares the word so).
 */
lx_uaccess_get32:
	push %rdi
	push %rsi
	mov (%rdx), %eax
	mov %eax, (%rcx)
	xor %eax, %eax
	pop %rsi
	pop %rdi
	ret

/*
 * long lx_uaccess_cmpxchg32(uint32_t *p, uint32_t *expected, uint32_t desired):
 * lock cmpxchg; 0 when *p held *expected and now holds desired, else 1
 * with the value found stored in *expected; -EFAULT on a fault (a
 * read-only page included).  Linux's futex_atomic_cmpxchg_inatomic.
 */
lx_uaccess_cmpxchg32:
	push %rdi
	push %rsi
	mov (%rdx), %eax
	lock cmpxchg %r8d, (%rcx)
	mov %eax, (%rdx)
	setne %al
	movzbl %al, %eax
	pop %rsi
	pop %rdi
	ret

lx_uaccess_end:

lx_uaccess_fixup:
	mov $-14, %rax
	pop %rsi
	pop %rdi
	ret
