/* poll(2) and select(2) (include/uapi/asm-generic/poll.h, linux/posix_types.h);
 * select's timeval is in time.h. */
#ifndef LXNT_LINUX_POLL_H
#define LXNT_LINUX_POLL_H

#include <stdint.h>

#define LX_POLLIN     0x0001
#define LX_POLLPRI    0x0002
#define LX_POLLOUT    0x0004
#define LX_POLLERR    0x0008
#define LX_POLLHUP    0x0010
#define LX_POLLNVAL   0x0020
#define LX_POLLRDNORM 0x0040
#define LX_POLLRDBAND 0x0080
#define LX_POLLWRNORM 0x0100
#define LX_POLLWRBAND 0x0200

/* What a file without its own poll reports (DEFAULT_POLLMASK of poll.h). */
#define LX_DEFAULT_POLLMASK (LX_POLLIN | LX_POLLOUT | LX_POLLRDNORM | LX_POLLWRNORM)

struct lx_pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

/* FD_SETSIZE of glibc; select(2) itself takes any nfds up to the fd limit. */
#define LX_FD_SETSIZE 1024

#endif
