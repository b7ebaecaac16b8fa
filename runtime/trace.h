/* LXNT_TRACE: strace-style lines, written to the Windows stderr or a file. */
#ifndef LXNT_RUNTIME_TRACE_H
#define LXNT_RUNTIME_TRACE_H

#include "lx.h"

extern bool lx_trace_on;
extern bool lx_log_enosys; /* LXNT_LOG_ENOSYS=1 */

static inline bool lx_trace_enabled(void)
{
	return lx_trace_on;
}

/* Reads LXNT_TRACE and LXNT_LOG_ENOSYS from the Windows environment. */
void lx_trace_init(void);
void lx_trace_enter(const struct lx_syscall *sc);
void lx_trace_exit(const struct lx_syscall *sc, int64_t ret);

const char *lx_syscall_name(int64_t nr);
const char *lx_syscall_args(int64_t nr);
const char *lx_errno_name(long err);

#endif
