/*
 * Runtime-internal interface shared by runtime/ and vfs/: the syscall frame,
 * handler conventions, guest memory access, errors and tracing.
 *
 * Conventions (docs/architecture.md):
 *   - a handler implements one Linux syscall, is declared by the generated
 *     syscall_table.h as `int64_t lx_sys_NAME(struct lx_syscall *sc)`,
 *     unpacks sc->arg[] and returns the Linux result or -LX_Exxx.  Not
 *     `long`: Windows is LLP64, long has 32 bits, and syscall arguments,
 *     results (mmap, lseek) and guest pointers have 64;
 *   - guest pointers are plain integers (uint64_t) and are only accessed via
 *     lx_copy_from_user / lx_copy_to_user / lx_strncpy_from_user;
 *   - byte counts are signed (int64_t / ssize_t), buffer sizes size_t.
 */
#ifndef LXNT_RUNTIME_LX_H
#define LXNT_RUNTIME_LX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "lxnt/linux/errno.h"

/* The x87 control word and MXCSR (runtime/thread.h). */
struct lx_fp_control {
	uint32_t mxcsr;
	uint16_t fcw, pad;
};

/* Guest register frame saved by the syscall entry and the trap handler. */
struct lx_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct lx_syscall {
	int64_t nr;
	int64_t arg[6];         /* rdi, rsi, rdx, r10, r8, r9 */
	struct lx_regs *regs;   /* full guest state; handlers that change control
	                           flow (exit, rt_sigreturn, execve) edit it */
};

/* Guest memory access: 0 on success, -LX_EFAULT if any byte is not accessible. */
long lx_copy_from_user(void *dst, uint64_t src, size_t n);
long lx_copy_to_user(uint64_t dst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most n-1 bytes plus NUL. Returns its
 * length, -LX_EFAULT, or -LX_ENAMETOOLONG when no NUL is found in n bytes. */
long lx_strncpy_from_user(char *dst, uint64_t src, size_t n);
/* Atomic 32-bit guest words (futex.c): addr must be 4-byte aligned.
 * lx_get_user32: 0 or -LX_EFAULT.  lx_cmpxchg_user32: 0 when the word held
 * *expected and now holds desired, 1 when it held another value (stored in
 * *expected), or -LX_EFAULT. */
long lx_get_user32(uint32_t *dst, uint64_t src);
long lx_cmpxchg_user32(uint64_t addr, uint32_t *expected, uint32_t desired);

/* Error translation: exactly one table each (runtime/errno.c). */
long lx_errno_from_ntstatus(long status);  /* NTSTATUS -> -LX_Exxx */
long lx_errno_from_win32(unsigned long err); /* GetLastError() -> -LX_Exxx */

/*
 * Diagnostics: printf-like (the runtime's own formatter, runtime/format.c:
 * %d %i %u %x %o %c %s %p with l/ll/z/h modifiers, width, '-', '0', '.*s'),
 * one line each, to the Windows stderr handle, never to guest fds.
 * lx_fatal ends the process with exit status 127.
 */
/* n cryptographically random bytes (runtime/random.c). */
bool lx_random_bytes(void *buf, size_t n);
void lx_log(const char *fmt, ...) __attribute__((format(gnu_printf, 1, 2)));
_Noreturn void lx_fatal(const char *fmt, ...) __attribute__((format(gnu_printf, 1, 2)));
/* Called by lx_fatal before the process ends: a process of the instance
 * records its exit status 127 there (runtime/proc.c), so that its parent
 * does not take the end for one from outside (runtime/outside_end.c). */
void lx_fatal_set_hook(void (*hook)(void));

/* vsnprintf semantics: returns the length the whole output would have. */
int lx_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(gnu_printf, 3, 0)));
int lx_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(gnu_printf, 3, 4)));

/*
 * Checks at start-up that the errno tables are sorted (runtime/errno.c);
 * an unsorted table ends the process instead of mis-translating.
 */
void lx_errno_check_tables(void);
/* The soft limit of an RLIMIT_ resource (sys_info.c). */
uint64_t lx_rlimit_cur(int resource);

/* Process-wide Linux state that the vfs needs. */
extern unsigned lx_umask;
/* Where the initial stack holds the argv and envp strings, as the kernel's
 * mm->arg_start..arg_end and env_start..env_end: written by
 * runtime/start_stack.c, read for /proc/self/cmdline and environ. */
struct lx_arg_layout {
	uint64_t arg_start, arg_end, env_start, env_end;
};
extern struct lx_arg_layout lx_arg_layout;

/* Ends the Linux process with a Linux wait status (runtime/sys_process.c). */
_Noreturn void lx_exit_process(int wait_status);

/*
 * vfs entry points: implemented in vfs/, called by the runtime.
 *
 * lx_vfs_init: sets up fds 0-2 from the standard handles, the root and the
 *   cwd; called once at start-up before the guest runs.
 * lx_vfs_pread_host: reads up to count bytes at offset from fd into a
 *   runtime buffer (not a guest pointer), without moving the file offset,
 *   as pread(2) does; returns the bytes read (0 at end of file) or -LX_Exxx:
 *   -LX_EBADF for a closed fd, -LX_EACCES if fd was not opened for reading,
 *   -LX_ENODEV if the fd is not something mmap can read (pipe, directory).
 *   Used by mmap to fill private file mappings.
 * lx_vfs_fd_is_dev_zero: true if fd is open on /dev/zero, whose shared
 *   mappings are shared anonymous memory.
 * lx_vfs_fd_is_memfd: true if fd is a memfd, whose read-only shared
 *   mappings are views of its section too (vfs/memfd.c).
 * lx_vfs_fd_section: a new section (HANDLE, the caller's to close) of the
 *   regular host file open as fd, for a shared file mapping, with the
 *   file's size then and its identity in the instance; -LX_EBADF,
 *   -LX_EACCES (not open for reading), -LX_ENODEV (not a host file, or
 *   empty).  A sealable memfd's (vfs/memfd.c) comes with a writer handle
 *   when a view of it may write, and says sealed when writes are sealed;
 *   the caller closes the writer with the view.
 * lx_vfs_map_name: the Linux path, st_dev and st_ino of what fd is, for
 *   /proc/<pid>/maps; -LX_Exxx when it has no path.
 * lx_linux_path_of_win32: the Linux path under which the vfs shows a
 *   Windows path (inside the rootfs, or under /mnt); -LX_Exxx if none.
 */
struct lx_vfs_section {
	void *section;
	uint64_t id;
	int64_t size;
	bool writable;   /* open O_RDWR: the section can be written */
	bool sealed;     /* F_SEAL_WRITE or F_SEAL_FUTURE_WRITE: no writable view */
	void *writer;    /* HANDLE counting the view as a writable mapping, or NULL */
};
void lx_vfs_init(void);
/* The mount table alone (the root's from LXNT_ROOT, its /etc/lxnt.conf,
 * its metadata store): what a fork spare sets up before it is claimed,
 * as it depends on nothing the hand-off brings; lx_vfs_init then does
 * not again. */
void lx_vfs_init_mounts(void);
long lx_vfs_pread_host(int fd, void *buf, size_t count, int64_t offset);
/* Closes every fd marked close-on-exec (execve, runtime/exec_here.c). */
void lx_vfs_close_on_exec(void);
bool lx_vfs_fd_is_dev_zero(int fd);
bool lx_vfs_fd_is_memfd(int fd);
long lx_vfs_fd_section(int fd, struct lx_vfs_section *out);
/* Drops the exiting process's POSIX locks (vfs/locks.c). */
void lx_locks_exit(void);
long lx_vfs_map_name(int fd, char *path, size_t cap, uint64_t *dev, uint64_t *ino);
long lx_linux_path_of_win32(const wchar_t *win, char *path, size_t cap);

#endif
