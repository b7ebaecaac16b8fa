/*
 * LXNT_STATS: the per-rung site execution counts of the process, written
 * when it ends.  Only sites that run runtime code can be counted without
 * slowing them down: syscall sites with a trampoline (jump and evict rungs,
 * together: one increment in the syscall entry, entry.S) and trap-rung
 * sites (in the exception handler, fault.c).  GS_INPLACE sites are a
 * single guest instruction and %fs sites with a trampoline never leave it,
 * so neither is counted.
 */
#include <windows.h>

#include "stats.h"
#include "thread.h"

/* The counting rules above become false if a thread's counts are lost;
 * until clone exists the process has exactly one thread. */
static void write_line(HANDLE h, const struct lx_thread *t)
{
	char line[256];
	DWORD done;
	int n = lx_snprintf(line, sizeof(line),
		"lxnt-stats syscall-tramp=%llu syscall-trap=%llu i386-trap=%llu fs-trap=%llu\n",
		(unsigned long long)t->syscalls_by_tramp, (unsigned long long)t->syscalls_by_trap,
		(unsigned long long)t->i386_by_trap, (unsigned long long)t->fs_by_trap);

	if (n > 0 && (size_t)n < sizeof(line))
		WriteFile(h, line, (DWORD)n, &done, NULL);
}

void lx_stats_write(void)
{
	wchar_t val[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(L"LXNT_STATS", val, MAX_PATH);
	const struct lx_thread *t = lx_current_thread();

	if (n == 0 || n >= MAX_PATH || (n == 1 && val[0] == L'0') || !t)
		return;
	if (n == 1 && val[0] == L'1') {
		write_line(GetStdHandle(STD_ERROR_HANDLE), t);
		return;
	}
	/* Appended, so that every process of a run can share one file. */
	HANDLE h = CreateFileW(val, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
	                       OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		lx_log("lxnt: LXNT_STATS: cannot open the stats file (error %lu)",
		       (unsigned long)GetLastError());
		return;
	}
	write_line(h, t);
	CloseHandle(h);
}
