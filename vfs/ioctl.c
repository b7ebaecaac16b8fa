/*
 * ioctl(2): each kind of file answers the requests it knows (TCGETS,
 * TIOCGWINSZ, FIONREAD); everything else is ENOTTY, which is also what
 * TCGETS gives on a non-terminal so that isatty(3) is right.
 */
#include "vfs.h"
#include "syscall_table.h"

/* Linux ioctl(2). */
int64_t lx_sys_ioctl(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	long r;

	if (!f)
		return -LX_EBADF;
	if (f->flags & LX_O_PATH)
		r = -LX_EBADF;
	else if (f->ops->ioctl)
		r = f->ops->ioctl(f, (unsigned)sc->arg[1], (uint64_t)sc->arg[2]);
	else
		r = -LX_ENOTTY;
	lx_file_put(f);
	return r;
}
