/*
 * A static-pie -nostdlib file (never run) whose data pointers the
 * rewriter must take from its relocations: .rodata holds the plain
 * integer 0x2009, the address of the instruction after the first syscall,
 * which is no pointer (nothing relocates it), so a jump patch may cover
 * it; .data.rel.ro holds a relocated pointer to the nops after the second
 * syscall, which is one, so no jump patch may cover them.  The first
 * syscall is a branch target, so no patch may start before it.  .text
 * is placed at 0x2000 by the link (tests/unit/meson.build).
 */
__asm__(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov $39, %eax\n"
	"	jmp 1f\n"
	"1:	syscall\n"                  /* 0x2007 */
	"	mov $60, %eax\n"            /* 0x2009 */
	"	xor %edi, %edi\n"
	"	syscall\n"                  /* 0x2010 */
	"3:	nop\n"                      /* 0x2012 */
	"	nop\n"
	"	nop\n"
	"	hlt\n"
	".section .rodata\n"
	"	.quad 0x2009\n"
	".section .data.rel.ro, \"aw\"\n"
	"	.quad 3b\n");
