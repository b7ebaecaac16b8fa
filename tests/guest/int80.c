/*
 * The guard must kill any i386 system call (seccomp_data.arch is
 * AUDIT_ARCH_I386 for `int $0x80`, see syscall_get_arch()), wherever it is
 * made from.  Built as an ordinary PIE, outside the guest windows.
 */
int main(void)
{
	long ret;

	/* 20 is getpid in the i386 table (arch/x86/entry/syscalls/syscall_32.tbl). */
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret > 0 ? 0 : 1;
}
