/*
 * A static -nostdlib program for the red-zone report: one leaf function
 * keeps a value at -8(%rsp) across a syscall (as the psABI allows), one
 * does not, and _start makes the exit call.  Rewritten with every site on
 * the trap rung, only the first site must be flagged.
 */
long probe;

__attribute__((noinline)) static long keeps_red_zone(long v)
{
	long r;
	__asm__ volatile("movq %1, -8(%%rsp)\n\t"
			 "syscall\n\t"
			 "movq -8(%%rsp), %0"
			 : "=r"(r) : "r"(v), "a"(39L) : "rcx", "r11", "memory");
	return r;
}

__attribute__((noinline)) static long no_red_zone(void)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");
	return r;
}

void _start(void)
{
	probe = keeps_red_zone(1) + no_red_zone();
	__asm__ volatile("syscall" : : "a"(60L), "D"(0L) : "rcx", "r11", "memory");
	for (;;)
		;
}
