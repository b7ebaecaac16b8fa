/*
 * personality(2) (kernel/exec_domain.c).  Linux has kept no execution
 * domains since 4.1: the call stores any value and returns the previous
 * one, 0xffffffff only asking.  What the value changes here is what it
 * changes on x86-64: uname(2)'s machine under PER_LINUX32 and its release
 * under UNAME26.  The value lives in the process's record, so that fork
 * copies it and execve keeps it (lx_personality_exec).
 */
#include "proc.h"
#include "syscall_table.h"

#define LX_PERSONALITY_QUERY 0xffffffffu
#define LX_ADDR_NO_RANDOMIZE 0x0040000u
#define LX_MMAP_PAGE_ZERO 0x0100000u
#define LX_ADDR_COMPAT_LAYOUT 0x0200000u
#define LX_READ_IMPLIES_EXEC 0x0400000u
/* include/uapi/linux/personality.h */
#define LX_PER_CLEAR_ON_SETID \
	(LX_READ_IMPLIES_EXEC | LX_ADDR_NO_RANDOMIZE | LX_ADDR_COMPAT_LAYOUT | LX_MMAP_PAGE_ZERO)

unsigned lx_personality(void)
{
	return (unsigned)lx_proc_self->personality;
}

/* Linux personality(2): the argument is an unsigned int, so only its low
 * 32 bits count; the old value comes back as an unsigned int, never an
 * error. */
int64_t lx_sys_personality(struct lx_syscall *sc)
{
	unsigned want = (unsigned)sc->arg[0], old = lx_personality();

	if (want != LX_PERSONALITY_QUERY)
		lx_proc_self->personality = (long)want;
	return old;
}

void lx_personality_exec(bool per_clear)
{
	unsigned p = lx_personality();

	/* set_personality_64bit: a 64-bit image never reads as executable. */
	p &= ~LX_READ_IMPLIES_EXEC;
	if (per_clear)
		p &= ~LX_PER_CLEAR_ON_SETID;
	lx_proc_self->personality = (long)p;
}
