/*
 * Runtime-internal interface shared by runtime/ and vfs/: the syscall frame,
 * handler conventions, guest memory access, errors and tracing.
 *
 * Conventions (docs/architecture.md):
 *   - a handler implements one Linux syscall, is declared by the generated
 *     syscall_table.h as `long lx_sys_NAME(struct lx_syscall *sc)`, unpacks
 *     sc->arg[] and returns the Linux result or -LX_Exxx;
 *   - guest pointers are plain integers (uint64_t) and are only accessed via
 *     lx_copy_from_user / lx_copy_to_user / lx_strncpy_from_user;
 *   - byte counts are signed (long / ssize_t), buffer sizes size_t.
 */
#ifndef LXNT_RUNTIME_LX_H
#define LXNT_RUNTIME_LX_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "lxnt/linux/errno.h"

/* Guest register frame saved by the syscall entry and the trap handler. */
struct lx_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct lx_syscall {
	long nr;
	long arg[6];            /* rdi, rsi, rdx, r10, r8, r9 */
	struct lx_regs *regs;   /* full guest state; handlers that change control
	                           flow (exit, rt_sigreturn, execve) edit it */
};

/* Guest memory access: 0 on success, -LX_EFAULT if any byte is not accessible. */
long lx_copy_from_user(void *dst, uint64_t src, size_t n);
long lx_copy_to_user(uint64_t dst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most n-1 bytes plus NUL. Returns its
 * length, -LX_EFAULT, or -LX_ENAMETOOLONG when no NUL is found in n bytes. */
long lx_strncpy_from_user(char *dst, uint64_t src, size_t n);

/* Error translation: exactly one table each (runtime/errno.c). */
long lx_errno_from_ntstatus(long status);  /* NTSTATUS -> -LX_Exxx */
long lx_errno_from_win32(unsigned long err); /* GetLastError() -> -LX_Exxx */

/* Diagnostics: printf-like, to the Windows stderr handle, never to guest fds. */
void lx_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void lx_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Process-wide Linux state that the vfs needs. */
extern unsigned lx_umask;

/* Ends the Linux process with a Linux wait status (runtime/sys_process.c). */
_Noreturn void lx_exit_process(int wait_status);

#endif
