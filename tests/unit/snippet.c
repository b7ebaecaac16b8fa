/*
 * A static -nostdlib program whose sites the corpus test knows: two reads
 * of the canary and the thread pointer, one general %fs read, one write of
 * the canary, and the exit system call.
 */
long probe[4];

void _start(void)
{
	long v;
	__asm__ volatile("mov %%fs:0x28, %0" : "=r"(v));
	probe[0] = v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	probe[1] = v;
	__asm__ volatile("mov %%fs:8(%1), %0" : "=r"(v) : "r"(probe[1]));
	probe[2] = v;
	__asm__ volatile("mov %0, %%fs:0x28" : : "r"(probe[0] + 1) : "memory");
	__asm__ volatile("syscall" : : "a"(60L), "D"(0L) : "rcx", "r11", "memory");
	for (;;)
		;
}
