/*
 * A static -nostdlib program with one syscall site that only PUNNED can
 * patch: the syscall is a branch target (so no patch may start before it)
 * and a call follows it (which cannot move), and the call's rel32 of 0
 * makes the pun land just past the start of the trampoline area.  It
 * writes a line and exits 3; run under minirun, the jmp, the trampoline
 * and the return to the call all execute.
 */
__asm__(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov $1, %eax\n"             /* write(1, line, 7) */
	"	mov $1, %edi\n"
	"	lea line(%rip), %rsi\n"
	"	mov $7, %edx\n"
	"	jmp 1f\n"                   /* makes the syscall a known target */
	"1:	syscall\n"
	"	call 2f\n"                  /* e8 00 00 00 00: the call pushes 2f */
	"2:	pop %rcx\n"
	"	mov $60, %eax\n"            /* exit(3) */
	"	mov $3, %edi\n"
	"	syscall\n"
	"	hlt\n"
	".section .rodata\n"
	"line: .ascii \"punned\\n\"\n");
