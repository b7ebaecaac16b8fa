/*
 * The processes /proc shows (proc_pids.h).  Until the instance daemon keeps
 * the process tree, the only process this one can describe is itself; the
 * rest of /proc asks through these functions only, so that other pids
 * appear when the daemon answers here.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "proc_pids.h"
#include "syscall_table.h"
#include "nt.h"

#include <psapi.h>
#include <tlhelp32.h>

struct lx_arg_layout lx_arg_layout;

size_t lx_proc_pids_list(long *pids, size_t cap)
{
	struct lx_syscall sc = { 0 };

	if (cap > 0)
		pids[0] = (long)lx_sys_getpid(&sc);
	return 1;
}

int lx_proc_pid_exists(long pid)
{
	struct lx_syscall sc = { 0 };

	return pid == (long)lx_sys_getpid(&sc);
}

static uint64_t ticks_of(FILETIME ft)
{
	uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
	return t / 100000; /* 100 ns units to USER_HZ (100 per second) */
}

static long count_threads(void)
{
	HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	THREADENTRY32 te = { .dwSize = sizeof(te) };
	DWORD self = GetCurrentProcessId();
	long n = 0;

	if (snap == INVALID_HANDLE_VALUE)
		return 1;
	for (BOOL ok = Thread32First(snap, &te); ok; ok = Thread32Next(snap, &te))
		if (te.th32OwnerProcessID == self)
			n++;
	CloseHandle(snap);
	return n ? n : 1;
}

/* Copies the guest's [start, end) (argv or envp strings) to the heap: the
 * kernel reads them from the process's memory too, so a program that
 * rewrites its argv changes its cmdline. */
static char *guest_strings(uint64_t start, uint64_t end, size_t *len)
{
	size_t n = end > start ? (size_t)(end - start) : 0;
	char *s = malloc(n + 1);

	*len = 0;
	if (!s)
		return NULL;
	if (n && lx_copy_from_user(s, start, n)) {
		free(s);
		return NULL;
	}
	s[n] = 0;
	*len = n;
	return s;
}

static char *exe_path(void)
{
	wchar_t module[LX_PATH_MAX];
	char *path = malloc(LX_PATH_MAX);
	DWORD n = GetModuleFileNameW(NULL, module, LX_PATH_MAX);

	if (!path)
		return NULL;
	if (n == 0 || n >= LX_PATH_MAX || lx_linux_path_of_win32(module, path, LX_PATH_MAX)) {
		free(path);
		return NULL;
	}
	return path;
}

/* The command name: the base name of argv[0], as execve sets comm from
 * the file name (at most 15 bytes). */
static void comm_of(const char *cmdline, size_t len, char *comm)
{
	const char *base = cmdline;

	comm[0] = 0;
	if (!cmdline || !len)
		return;
	for (const char *p = cmdline; *p; p++)
		if (*p == '/')
			base = p + 1;
	lx_snprintf(comm, 16, "%s", base);
}

long lx_proc_pid_facts(long pid, struct lx_proc_facts *f)
{
	FILETIME create, exit_t, kernel, user;
	PROCESS_MEMORY_COUNTERS mem;
	ULONGLONG now_ms = GetTickCount64();
	FILETIME now;
	struct lx_syscall sc = { 0 };

	memset(f, 0, sizeof(*f));
	if (!lx_proc_pid_exists(pid))
		return -LX_ESRCH;
	f->pid = pid;
	f->ppid = (long)lx_sys_getppid(&sc);
	f->state = 'R';
	f->uid = (long)lx_sys_getuid(&sc);
	f->gid = (long)lx_sys_getgid(&sc);
	f->threads = count_threads();
	if (GetProcessTimes(GetCurrentProcess(), &create, &exit_t, &kernel, &user)) {
		uint64_t created = ticks_of(create);
		f->utime = ticks_of(user);
		f->stime = ticks_of(kernel);
		GetSystemTimeAsFileTime(&now);
		/* boot = now - uptime; start = created - boot */
		uint64_t boot = ticks_of(now) - now_ms / 10;
		f->start_ticks = created > boot ? created - boot : 0;
	}
	if (K32GetProcessMemoryInfo(GetCurrentProcess(), &mem, sizeof(mem))) {
		f->rss = mem.WorkingSetSize / 4096;
		f->vsize = mem.PagefileUsage;
	}
	f->exe = exe_path();
	f->cwd = malloc(LX_PATH_MAX);
	if (f->cwd)
		lx_cwd_copy(f->cwd);
	f->cmdline = guest_strings(lx_arg_layout.arg_start, lx_arg_layout.arg_end, &f->cmdline_len);
	f->envp = guest_strings(lx_arg_layout.env_start, lx_arg_layout.env_end, &f->env_len);
	comm_of(f->cmdline, f->cmdline_len, f->comm);
	return 0;
}

void lx_proc_facts_free(struct lx_proc_facts *f)
{
	free(f->exe);
	free(f->cwd);
	free(f->cmdline);
	free(f->envp);
	memset(f, 0, sizeof(*f));
}
