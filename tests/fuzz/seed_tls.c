/*
 * A seed for the fuzzer (tests/fuzz/build.sh): a static -nostdlib program
 * with every kind of site the sweep looks for, a branch target next to a
 * site, and a jump table, so that the seeds reach the ladder's rungs.
 */
long out[4];

static long pick(long i)
{
	switch (i) {
	case 0: return 11;
	case 1: return 22;
	case 2: return 33;
	case 3: return 44;
	case 4: return 55;
	default: return 66;
	}
}

void _start(void)
{
	long v, w = 0;
	__asm__ volatile("mov %%fs:0x28, %0" : "=r"(v));
	out[0] = v + pick(v & 7);
	__asm__ volatile("mov %%fs:0x10, %0" : "=r"(v));
	out[1] = v;
	__asm__ volatile("add %%fs:(%1,%2,8), %0" : "+r"(w) : "r"(v), "r"(out[0]));
	out[2] = w;
	__asm__ volatile("1: syscall; jmp 1b + 2" : : "a"(39L) : "rcx", "r11", "memory");
	__asm__ volatile("sysenter; int $0x80" : : "a"(20L) : "rcx", "r11", "memory");
	__asm__ volatile("syscall" : : "a"(60L), "D"(0L) : "rcx", "r11", "memory");
	for (;;)
		;
}
