/*
 * The socket system calls, before lxnt has any socket family.
 *
 * socket(2) and socketpair(2) answer as a kernel built without every
 * family does (net/socket.c, __sys_socket and __sock_create): EINVAL for
 * flags beyond SOCK_CLOEXEC and SOCK_NONBLOCK or a type out of range,
 * else EAFNOSUPPORT.  Programs take that as "no such network": libaudit's
 * callers (useradd, userdel, passwd, su) go on without audit, where
 * ENOSYS made them abort.  Every call on a socket then finds none: EBADF
 * for a closed fd, else ENOTSOCK (sockfd_lookup).
 */
#include "vfs.h"
#include "syscall_table.h"

#define LX_SOCK_TYPE_MASK 0xf
#define LX_SOCK_MAX 11        /* SOCK_PACKET + 1 */
#define LX_SOCK_CLOEXEC 02000000
#define LX_SOCK_NONBLOCK 04000
#define LX_NPROTO 46          /* AF_MAX */

static int64_t no_family(uint64_t family, uint64_t type)
{
	if (type & ~(uint64_t)(LX_SOCK_TYPE_MASK | LX_SOCK_CLOEXEC | LX_SOCK_NONBLOCK))
		return -LX_EINVAL;
	if ((int)family < 0 || (int)family >= LX_NPROTO)
		return -LX_EAFNOSUPPORT;
	if ((type & LX_SOCK_TYPE_MASK) >= LX_SOCK_MAX)
		return -LX_EINVAL;
	return -LX_EAFNOSUPPORT;
}

/* Linux socket(2). */
int64_t lx_sys_socket(struct lx_syscall *sc)
{
	return no_family((uint64_t)sc->arg[0], (uint64_t)(uint32_t)sc->arg[1]);
}

/* Linux socketpair(2): the family is refused before sv is written. */
int64_t lx_sys_socketpair(struct lx_syscall *sc)
{
	return no_family((uint64_t)sc->arg[0], (uint64_t)(uint32_t)sc->arg[1]);
}

/* sockfd_lookup: no file is a socket. */
static int64_t not_a_socket(int64_t fd)
{
	struct lx_file *f = lx_fd_get((int)fd);

	if (!f)
		return -LX_EBADF;
	lx_file_put(f);
	return -LX_ENOTSOCK;
}

/* Linux connect, accept, sendto, recvfrom, sendmsg, recvmsg, shutdown,
 * bind, listen, getsockname, getpeername, setsockopt, getsockopt,
 * recvmmsg and sendmmsg: the fd is looked up first. */
int64_t lx_sys_socket_fd_call(struct lx_syscall *sc)
{
	return not_a_socket(sc->arg[0]);
}

/* Linux accept4(2): its flags are checked before the fd. */
int64_t lx_sys_accept4(struct lx_syscall *sc)
{
	if ((uint64_t)(uint32_t)sc->arg[3] & ~(uint64_t)(LX_SOCK_CLOEXEC | LX_SOCK_NONBLOCK))
		return -LX_EINVAL;
	return not_a_socket(sc->arg[0]);
}
