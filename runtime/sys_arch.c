/* arch_prctl(2) (arch/x86/kernel/process_64.c, do_arch_prctl_64). */
#include "syscall_table.h"
#include "thread.h"

#define LX_ARCH_SET_GS 0x1001
#define LX_ARCH_SET_FS 0x1002
#define LX_ARCH_GET_FS 0x1003
#define LX_ARCH_GET_GS 0x1004

/* Linux arch_prctl(2): FS is emulated through the TEB; GS is Windows's own. */
int64_t lx_sys_arch_prctl(struct lx_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->arg[1];
	struct lx_thread *t = lx_current_thread();

	switch (sc->arg[0]) {
	case LX_ARCH_SET_FS:
		if (addr >= 0x00007ffffffff000ULL)
			return -LX_EPERM;
		lx_set_thread_pointer(addr);
		return 0;
	case LX_ARCH_GET_FS:
		return lx_copy_to_user(addr, &t->tp, sizeof(t->tp));
	case LX_ARCH_SET_GS:
	case LX_ARCH_GET_GS:
		/* %gs holds the TEB; a guest that wants its own GS cannot have it. */
		return -LX_EINVAL;
	default:
		return -LX_EINVAL;
	}
}
