/*
 * LXNT_STATS: the per-rung site execution counts of the process, written
 * when it ends.  Only sites that run runtime code can be counted without
 * slowing them down: syscall sites with a trampoline (jump and evict rungs,
 * together: one increment in the syscall entry, entry.S) and trap-rung
 * sites (in the exception handler, fault.c).  GS_INPLACE sites are a
 * single guest instruction and %fs sites with a trampoline never leave it,
 * so neither is counted.
 */
#include <stdbool.h>
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

/*
 * Appends n bytes to the file that h names, or writes them to stderr.
 * Every process of a run appends to one file, and Wine 8 does not append
 * atomically (a FILE_APPEND_DATA handle's write goes to the size it read
 * just before: lines of processes that write at one moment overwrite each
 * other), so an append takes a byte-range lock far past the data, which
 * Windows releases however its holder ends, and writes at the end it then
 * finds.
 */
static void append(HANDLE h, bool file, const char *buf, DWORD n)
{
	OVERLAPPED lock = { .OffsetHigh = 0x40000000 }, at = { 0 };
	LARGE_INTEGER size;
	DWORD done;

	if (!file) {
		WriteFile(h, buf, n, &done, NULL);
		return;
	}
	/* Asked for without waiting, for two seconds at most: a holder that
	 * cannot go on costs this process's line its atomicity, not its end. */
	bool locked = false;
	for (int tries = 0; tries < 2000 && !locked; tries++) {
		locked = LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0,
		                    &lock);
		if (!locked)
			Sleep(1);
	}
	if (GetFileSizeEx(h, &size)) {
		at.Offset = (DWORD)size.QuadPart;
		at.OffsetHigh = (DWORD)(size.QuadPart >> 32);
		WriteFile(h, buf, n, &done, &at);
	}
	if (locked)
		UnlockFileEx(h, 0, 1, 0, &lock);
}

static void write_line(HANDLE h, bool file, const struct counts *c)
{
	char line[256];
	int n = lx_snprintf(line, sizeof(line),
		"lxnt-stats syscall-tramp=%llu syscall-trap=%llu i386-trap=%llu fs-trap=%llu\n",
		(unsigned long long)c->tramp, (unsigned long long)c->trap,
		(unsigned long long)c->i386, (unsigned long long)c->fs);

	if (n > 0 && (size_t)n < sizeof(line))
		append(h, file, line, (DWORD)n);
}

/* Where the variable var sends its line: nothing when it is unset or "0",
 * the Windows stderr handle for "1", else the file it names, opened for
 * appending so that every process of a run can share one file. */
static HANDLE open_target(const wchar_t *var, const char *name, bool *opened)
{
	wchar_t val[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(var, val, MAX_PATH);

	*opened = false;
	if (n == 0 || n >= MAX_PATH || (n == 1 && val[0] == L'0'))
		return NULL;
	if (n == 1 && val[0] == L'1')
		return GetStdHandle(STD_ERROR_HANDLE);
	HANDLE h = CreateFileW(val, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
	                       OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		lx_log("lxnt: %s: cannot open the file (error %llu)", name,
		       (unsigned long long)GetLastError());
		return NULL;
	}
	*opened = true;
	return h;
}

/* Handle values are multiples of 4, handed out lowest free first; past
 * this many invalid values in a row, no more are open. */
#define HANDLE_PROBE_GAP 4096

/*
 * The handles the process holds, counted by asking GetHandleInformation
 * about each value: GetProcessHandleCount would be the direct way, but
 * Wine 8 answers it with 0.
 */
static unsigned long long count_handles(void)
{
	unsigned long long count = 0;
	DWORD flags;

	for (uintptr_t v = 4, gap = 0; gap < HANDLE_PROBE_GAP; v += 4) {
		if (GetHandleInformation((HANDLE)v, &flags)) {
			count++;
			gap = 0;
		} else {
			gap++;
		}
	}
	return count;
}

/* LXNT_HANDLES: the number of handles the process holds as it ends
 * (before the file is opened), so that a test can tell whether a long run
 * leaks them (tests/e2e/proc_stress.py). */
static void write_handles(void)
{
	char line[64];
	bool opened;
	wchar_t probe[2];

	if (!GetEnvironmentVariableW(L"LXNT_HANDLES", probe, 2) && GetLastError() == ERROR_ENVVAR_NOT_FOUND)
		return;
	unsigned long long count = count_handles();
	HANDLE h = open_target(L"LXNT_HANDLES", "LXNT_HANDLES", &opened);
	if (!h)
		return;
	int n = lx_snprintf(line, sizeof(line), "lxnt-handles %llu\n", count);
	if (n > 0 && (size_t)n < sizeof(line))
		append(h, opened, line, (DWORD)n);
	if (opened)
		CloseHandle(h);
}

void lx_stats_started(void)
{
	static const char line[] = "lxnt-started\n";
	bool opened;

	HANDLE h = open_target(L"LXNT_STATS", "LXNT_STATS", &opened);
	if (!h || !opened)
		return; /* not to stderr: the marker is for files only */
	append(h, true, line, sizeof(line) - 1);
	CloseHandle(h);
}

void lx_stats_write(void)
{
	bool opened;

	write_handles();
	HANDLE h = open_target(L"LXNT_STATS", "LXNT_STATS", &opened);
	if (!h)
		return;
	struct counts c = process_counts();
	write_line(h, opened, &c);
	if (opened)
		CloseHandle(h);
}
