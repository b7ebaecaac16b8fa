/*
 * What the vfs tests need from the runtime: guest memory is the test's
 * own address space (a NULL pointer still faults), identity is a fixed
 * non-root user, and NTSTATUS/Win32 errors map through a small table of
 * the codes the vfs tests provoke.  The real versions live in runtime/.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "lx.h"

unsigned lx_umask = 022;
long test_uid = 1000;

long lx_copy_from_user(void *dst, uint64_t src, size_t n)
{
	if (n && src < 0x10000)
		return -LX_EFAULT;
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return 0;
}

long lx_copy_to_user(uint64_t dst, const void *src, size_t n)
{
	if (n && dst < 0x10000)
		return -LX_EFAULT;
	memcpy((void *)(uintptr_t)dst, src, n);
	return 0;
}

long lx_strncpy_from_user(char *dst, uint64_t src, size_t n)
{
	const char *s = (const char *)(uintptr_t)src;

	if (src < 0x10000)
		return -LX_EFAULT;
	for (size_t i = 0; i < n; i++) {
		dst[i] = s[i];
		if (!s[i])
			return (long)i;
	}
	return -LX_ENAMETOOLONG;
}

long lx_errno_from_ntstatus(long status)
{
	switch ((unsigned long)status & 0xffffffffu) {
	case 0xC0000034: case 0xC000003A: case 0xC000000F: case 0xC0000033:
	case 0xC000003B: case 0xC0000056:
		return -LX_ENOENT;
	case 0xC0000035: return -LX_EEXIST;
	case 0xC00000BA: return -LX_EISDIR;
	case 0xC0000103: return -LX_ENOTDIR;
	case 0xC0000101: return -LX_ENOTEMPTY;
	case 0xC0000022: case 0xC0000121: return -LX_EACCES;
	case 0xC0000043: return -LX_EBUSY;
	case 0xC00000D4: return -LX_EXDEV;
	case 0xC000007F: return -LX_ENOSPC;
	case 0xC0000008: return -LX_EBADF;
	case 0xC000000D: return -LX_EINVAL;
	case 0xC0000017: return -LX_ENOMEM;
	default:
		fprintf(stderr, "test support: unmapped NTSTATUS 0x%08lx\n", (unsigned long)status);
		return -LX_EIO;
	}
}

long lx_errno_from_win32(unsigned long err)
{
	switch (err) {
	case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: return -LX_ENOENT;
	case ERROR_ACCESS_DENIED: return -LX_EACCES;
	case ERROR_INVALID_HANDLE: return -LX_EBADF;
	case ERROR_BROKEN_PIPE: case ERROR_NO_DATA: return -LX_EPIPE;
	default:
		fprintf(stderr, "test support: unmapped Win32 error %lu\n", err);
		return -LX_EIO;
	}
}

void lx_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

_Noreturn void lx_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	exit(127);
}

int64_t lx_sys_getuid(struct lx_syscall *sc) { (void)sc; return test_uid; }
int64_t lx_sys_geteuid(struct lx_syscall *sc) { (void)sc; return test_uid; }
int64_t lx_sys_getgid(struct lx_syscall *sc) { (void)sc; return test_uid; }
int64_t lx_sys_getegid(struct lx_syscall *sc) { (void)sc; return test_uid; }
uint32_t lx_cred_fsuid(void) { return (uint32_t)test_uid; }
uint32_t lx_cred_fsgid(void) { return (uint32_t)test_uid; }
bool lx_cred_in_group(uint32_t gid) { return gid == (uint32_t)test_uid; }
bool lx_cred_in_group_real(uint32_t gid) { return gid == (uint32_t)test_uid; }
/* Capabilities as a login gives them: all of them for root, none for
 * anyone else. */
bool lx_capable(int cap) { (void)cap; return test_uid == 0; }
bool lx_capable_real_ids(int cap) { (void)cap; return test_uid == 0; }

/* Threads and signals: one thread, no signal ever arrives; a raised
 * signal is only recorded, so that tests can see SIGPIPE. */
#include "signal.h"
#include "identity.h"
#include "instance.h"
#include "mman.h"
#include "proc_info.h"
#include "handoff.h"

long lx_uid = 1000, lx_gid = 1000;
int test_last_signal;
static struct lx_thread test_thread = { .tid = 1 };

struct lx_thread *lx_current_thread(void) { return &test_thread; }
long lx_getpid(void) { return 1; }

long lx_signal_send(long tid, int sig, const struct lx_siginfo *info)
{
	(void)tid;
	(void)info;
	test_last_signal = sig;
	return 0;
}

/* When set, waits behave as if a signal arrived once this many
 * milliseconds of waiting have passed. */
int test_signal_after_ms = -1;

long lx_wait_interruptible(unsigned n, void *const *handles, int64_t timeout_ms)
{
	DWORD r;

	if (test_signal_after_ms >= 0) {
		DWORD ms = (DWORD)test_signal_after_ms;
		if (timeout_ms >= 0 && timeout_ms < test_signal_after_ms)
			ms = (DWORD)timeout_ms;
		r = n ? WaitForMultipleObjects(n, (const HANDLE *)handles, FALSE, ms) : WAIT_TIMEOUT;
		if (n && r < WAIT_OBJECT_0 + n)
			return (long)(r - WAIT_OBJECT_0);
		if (n == 0)
			Sleep(ms);
		test_signal_after_ms -= (int)ms;
		if (test_signal_after_ms > 0)
			return -LX_ETIMEDOUT;
		test_signal_after_ms = -1;
		return -LX_ERESTARTSYS;
	}
	if (n == 0) {
		Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
		return -LX_ETIMEDOUT;
	}
	r = WaitForMultipleObjects(n, (const HANDLE *)handles, FALSE,
	                           timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
	if (r < WAIT_OBJECT_0 + n)
		return (long)(r - WAIT_OBJECT_0);
	return -LX_ETIMEDOUT;
}

/* The instance's names (runtime/instance.c) for the lock table: one
 * instance per test process, so that parallel tests never meet. */
bool lx_instance_object_name(const wchar_t *what, wchar_t *out, size_t cap)
{
	return swprintf(out, cap, L"Local\\lxnt-test%lu-%ls", GetCurrentProcessId(), what) > 0;
}

/* The default DACL: the test's objects are its own. */
struct _SECURITY_ATTRIBUTES *lx_instance_security(void)
{
	return NULL;
}

/* No vfork child runs here (runtime/vfork.c). */
bool lx_vfork_active(void) { return false; }

int64_t lx_sys_getpid(struct lx_syscall *sc) { (void)sc; return (int64_t)GetCurrentProcessId(); }
int64_t lx_sys_getppid(struct lx_syscall *sc) { (void)sc; return 1; }

int lx_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int lx_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void lx_cwd_copy(char *out) __attribute__((weak));

/* The instance and /proc's facts (runtime/instance.c, proc_info.c): the
 * test process alone, described from what it knows. */
size_t lx_instance_pids(long *pids, size_t cap)
{
	if (cap > 0)
		pids[0] = (long)GetCurrentProcessId();
	return 1;
}

long lx_instance_tgid(long tid)
{
	return tid == (long)GetCurrentProcessId() ? tid : 0;
}

size_t lx_instance_tids(long tgid, long *tids, size_t cap)
{
	if (!lx_instance_tgid(tgid))
		return 0;
	if (cap > 0)
		tids[0] = tgid;
	return 1;
}

/* The test process is the only one: there is nobody else to ask. */
long lx_proc_query(long pid, int kind, char **text, size_t *len)
{
	(void)kind, (void)text, (void)len;
	return lx_instance_tgid(pid) ? -LX_EACCES : -LX_ESRCH;
}

long lx_proc_may_inspect(long pid)
{
	return lx_instance_tgid(pid) ? 0 : -LX_ESRCH;
}

long lx_proc_info_get(long pid, struct lx_proc_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!lx_instance_tgid(pid))
		return -LX_ESRCH;
	info->pid = info->tgid = info->pgid = info->sid = pid;
	info->ppid = 1;
	info->uid = info->gid = test_uid;
	info->threads = 1;
	info->state = 'R';
	info->self = true;
	memcpy(info->comm, "vfs-syscalls", 13);
	if (lx_cwd_copy) /* vfs-unit links no path walk */
		lx_cwd_copy(info->cwd);
	return 0;
}

long lx_proc_read_memory(const struct lx_proc_info *info, uint64_t addr, void *buf, size_t n)
{
	(void)info;
	return lx_copy_from_user(buf, addr, n);
}

void lx_proc_note_cwd(const char *path)
{
	(void)path;
}

/* The memory map (runtime/mman.c, proc_info.c): the test process has no
 * guest memory of its own. */
void lx_brk_get(uint64_t *base, uint64_t *cur)
{
	*base = *cur = 0;
}

void lx_mm_for_each_area(void (*fn)(void *ctx, const struct lx_mm_view *v), void *ctx)
{
	(void)fn; (void)ctx;
}

void lx_image_for_each_area(void (*fn)(void *ctx, const struct lx_mm_view *v), void *ctx)
{
	(void)fn; (void)ctx;
}
