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

struct counts {
	uint64_t tramp, trap, i386, fs;
};

/* Counts of threads that have exited (lx_stats_retire). */
static struct counts retired;
static SRWLOCK retired_lock = SRWLOCK_INIT;

static void add(struct counts *c, const struct lx_thread *t)
{
	c->tramp += t->syscalls_by_tramp;
	c->trap += t->syscalls_by_trap;
	c->i386 += t->i386_by_trap;
	c->fs += t->fs_by_trap;
}

void lx_stats_retire(const struct lx_thread *t)
{
	AcquireSRWLockExclusive(&retired_lock);
	add(&retired, t);
	ReleaseSRWLockExclusive(&retired_lock);
}

/* Other threads may still be counting: their figures are read as they
 * stand, which is what "as the process ends" means for them. */
static struct counts process_counts(void)
{
	struct counts c;

	AcquireSRWLockExclusive(&retired_lock);
	c = retired;
	ReleaseSRWLockExclusive(&retired_lock);
	/* The process may end while this thread holds the registry (a fatal
	 * signal sent under it); then a short wait, and the calling thread's
	 * counts alone if the lock stays taken. */
	for (int tries = 0; tries < 100; tries++) {
		if (lx_thread_registry_trylock()) {
			for (const struct lx_thread *t = lx_thread_first(); t; t = t->next)
				add(&c, t);
			lx_thread_registry_unlock();
			return c;
		}
		Sleep(1);
	}
	if (lx_current_thread())
		add(&c, lx_current_thread());
	return c;
}

static void write_line(HANDLE h, const struct counts *c)
{
	char line[256];
	DWORD done;
	int n = lx_snprintf(line, sizeof(line),
		"lxnt-stats syscall-tramp=%llu syscall-trap=%llu i386-trap=%llu fs-trap=%llu\n",
		(unsigned long long)c->tramp, (unsigned long long)c->trap,
		(unsigned long long)c->i386, (unsigned long long)c->fs);

	if (n > 0 && (size_t)n < sizeof(line))
		WriteFile(h, line, (DWORD)n, &done, NULL);
}

void lx_stats_write(void)
{
	wchar_t val[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(L"LXNT_STATS", val, MAX_PATH);

	if (n == 0 || n >= MAX_PATH || (n == 1 && val[0] == L'0'))
		return;
	struct counts c = process_counts();
	if (n == 1 && val[0] == L'1') {
		write_line(GetStdHandle(STD_ERROR_HANDLE), &c);
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
	write_line(h, &c);
	CloseHandle(h);
}
