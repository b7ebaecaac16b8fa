/*
 * pipe(2), pipe2(2): an anonymous pipe (CreatePipe) with the capacity of a
 * Linux pipe, its two ends stream files (stream.c).  O_NONBLOCK is kept
 * for F_GETFL but reads and writes still block.
 */
#include "vfs.h"
#include "nt.h"

/* PIPE_DEF_BUFFERS * PAGE_SIZE of fs/pipe.c. */
#define LX_PIPE_CAPACITY 65536

static int64_t do_pipe2(uint64_t ufds, unsigned flags)
{
	HANDLE r, w;
	struct lx_file *fr, *fw;
	bool cloexec = (flags & LX_O_CLOEXEC) != 0;
	int fds[2];
	long err;

	if (flags & ~(unsigned)(LX_O_CLOEXEC | LX_O_NONBLOCK | LX_O_DIRECT))
		return -LX_EINVAL;
	if (!CreatePipe(&r, &w, NULL, LX_PIPE_CAPACITY))
		return lx_errno_from_win32(GetLastError());
	flags &= LX_O_NONBLOCK | LX_O_DIRECT;
	err = lx_stream_file_new(r, LX_O_RDONLY | flags, &fr);
	if (err) {
		CloseHandle(r);
		CloseHandle(w);
		return err;
	}
	err = lx_stream_file_new(w, LX_O_WRONLY | flags, &fw);
	if (err) {
		lx_file_put(fr);
		CloseHandle(w);
		return err;
	}
	fds[0] = (int)lx_fd_install(fr, 0, cloexec);
	if (fds[0] < 0) {
		lx_file_put(fw);
		return fds[0];
	}
	fds[1] = (int)lx_fd_install(fw, 0, cloexec);
	if (fds[1] < 0) {
		lx_fd_close(fds[0]);
		return fds[1];
	}
	/* The kernel copies the fds out before it installs them, so a bad
	 * pointer leaves no fd behind (do_pipe2 of fs/pipe.c). */
	if (lx_copy_to_user(ufds, fds, sizeof(fds))) {
		lx_fd_close(fds[0]);
		lx_fd_close(fds[1]);
		return -LX_EFAULT;
	}
	return 0;
}

/* Linux pipe(2). */
int64_t lx_sys_pipe(struct lx_syscall *sc)
{
	return do_pipe2((uint64_t)sc->arg[0], 0);
}

/* Linux pipe2(2). */
int64_t lx_sys_pipe2(struct lx_syscall *sc)
{
	return do_pipe2((uint64_t)sc->arg[0], (unsigned)sc->arg[1]);
}
