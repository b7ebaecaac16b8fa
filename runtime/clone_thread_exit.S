/*
 * _Noreturn void lx_call_on_host_stack(void (*fn)(void *), void *arg,
 *                                      uint64_t top):
 * calls fn(arg) with rsp at top, the thread's own Windows stack (Win64
 * ABI: 16-byte aligned, 32 bytes of shadow space).  A thread that exits
 * leaves the guest stack this way before it clears its clear_child_tid
 * word: from that moment the joiner may free or reuse the stack, and a
 * system call served by the exception handler (trap rung) still runs on it.
 */
	.text
	.globl lx_call_on_host_stack

lx_call_on_host_stack:
	mov %r8, %rsp
	and $-16, %rsp
	sub $32, %rsp
	mov %rcx, %rax
	mov %rdx, %rcx
	call *%rax
	ud2
