/*
 * lxnt-instance: looks at and controls an instance (docs/architecture.md,
 * "Processes and the instance"), as wsl.exe --list/--terminate do for a
 * distribution.  A Windows program built from the runtime's table code.
 *
 *   lxnt-instance status ROOT      the daemon, the process count, the lock
 *   lxnt-instance list ROOT        pid, ppid, state, Windows pid per process
 *   lxnt-instance terminate ROOT   ends every process of the instance
 *   lxnt-instance lock ROOT install|remove [--terminate] -- CMD ARGS...
 *                                  runs CMD holding the install lock
 *
 * ROOT is the rootfs as LXNT_ROOT names it, or `-` for the synthetic root
 * of packed programs run without LXNT_ROOT.  Exit status 0, 1 when the
 * command could not do its work, 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <shellapi.h>

#include "instance.h"
#include "proc.h"
#include "ptable.h"

/* The key of the instance comes from LXNT_ROOT (runtime/instance.c). */
static void select_instance(const wchar_t *root)
{
	SetEnvironmentVariableW(L"LXNT_ROOT", wcscmp(root, L"-") ? root : NULL);
}

/* The table, or NULL (with a message) when it cannot be opened. */
static struct lx_ptable *table(void)
{
	unsigned long err = 0;
	struct lx_ptable *t = lx_ptable_get(&err);

	if (!t)
		fprintf(stderr, "lxnt-instance: cannot open the process table (error %lu)\n", err);
	return t;
}

/* A process's record, by the name runtime/proc.c gives it. */
static struct lx_proc_record *record_open(long pid)
{
	wchar_t what[32], name[96];
	HANDLE s;
	struct lx_proc_record *r = NULL;

	_snwprintf(what, 32, L"proc-%ld", pid);
	what[31] = 0;
	if (!lx_instance_object_name(what, name, 96))
		return NULL;
	s = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, name);
	if (s) {
		r = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(*r));
		CloseHandle(s);
	}
	return r;
}

static void record_close(struct lx_proc_record *r)
{
	if (r)
		UnmapViewOfFile(r);
}

static bool entry_alive(const struct lx_ptable_entry *e)
{
	HANDLE h = lx_ptable_open_process(e, SYNCHRONIZE);
	bool alive = h && WaitForSingleObject(h, 0) == WAIT_TIMEOUT;

	if (h)
		CloseHandle(h);
	return alive;
}

static long count_processes(struct lx_ptable *t)
{
	long n = 0;

	for (long id = 2; id < LX_PTABLE_PID_MAX; id++)
		n += t->e[id].kind == LX_PT_PROCESS && entry_alive(&t->e[id]);
	return n;
}

static bool daemon_alive(struct lx_ptable *t)
{
	struct lx_ptable_entry d = { .win_pid = t->h.daemon_win_pid, .win_ctime = t->h.daemon_ctime };

	return d.win_pid && entry_alive(&d);
}

static const char *install_word(uint32_t state)
{
	return state == LX_INSTALL_INSTALLING ? "installing" : state == LX_INSTALL_REMOVING ? "removing" : "none";
}

static int cmd_status(void)
{
	struct lx_ptable *t = table();

	if (!t)
		return 1;
	printf("key %ls\n", lx_instance_key());
	if (daemon_alive(t))
		printf("daemon running (Windows pid %u)\n", (unsigned)t->h.daemon_win_pid);
	else
		printf("daemon not running\n");
	printf("processes %ld\n", count_processes(t));
	long procs = 0, threads = 0, ended = 0;
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		const struct lx_ptable_entry *e = &t->e[id];
		procs += e->kind == LX_PT_PROCESS;
		threads += e->kind == LX_PT_THREAD;
		ended += e->kind == LX_PT_PROCESS && !entry_alive(e);
	}
	printf("entries %ld processes, %ld threads, %ld ended\n", procs, threads, ended);
	printf("install lock %s\n", install_word(t->h.install_state));
	return 0;
}

static int cmd_list(void)
{
	struct lx_ptable *t = table();

	if (!t)
		return 1;
	printf("%6s %6s %-8s %10s %s\n", "PID", "PPID", "STATE", "WINPID", "FLAGS");
	for (long id = 1; id < LX_PTABLE_PID_MAX; id++) {
		const struct lx_ptable_entry *e = &t->e[id];
		if (e->kind != LX_PT_PROCESS)
			continue;
		struct lx_proc_record *r = id > 1 ? record_open(id) : NULL;
		bool alive = entry_alive(e);
		const char *state = !alive ? "gone" : r && r->state == LX_PROC_EXITED ? "zombie" : "running";
		long ppid = r && r->ppid > 0 ? r->ppid : id > 1 ? e->creator : 0;
		unsigned win = r ? (unsigned)r->win_pid : e->win_pid;
		printf("%6ld %6ld %-8s %10u %s%s\n", id, ppid, state, win,
		       e->flags & LX_PT_DAEMON ? "init" : "",
		       e->flags & LX_PT_WINDOWS_CLIENT ? "windows-client" : "");
		record_close(r);
	}
	return 0;
}

static void terminate_win_pid(uint32_t win_pid)
{
	HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, win_pid);

	if (h) {
		TerminateProcess(h, 128 + 9);
		CloseHandle(h);
	}
}

/* wsl --terminate: every process (the program it runs now and its first
 * Windows process), then the daemon; the table is left empty. */
static void terminate_all(struct lx_ptable *t)
{
	lx_ptable_lock();
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		struct lx_ptable_entry *e = &t->e[id];
		if (e->kind == LX_PT_PROCESS) {
			struct lx_proc_record *r = record_open(id);
			HANDLE h = lx_ptable_open_process(e, PROCESS_TERMINATE);
			if (r && (uint32_t)r->win_pid != e->win_pid) {
				r->wait_status = 9; /* SIGKILL */
				r->state = LX_PROC_EXITED;
				terminate_win_pid((uint32_t)r->win_pid);
			}
			if (h) {
				TerminateProcess(h, 128 + 9);
				CloseHandle(h);
			}
			record_close(r);
		} else if (e->kind == LX_PT_THREAD) {
			HANDLE h = lx_ptable_open_process(e, PROCESS_TERMINATE);
			if (h) {
				TerminateProcess(h, 128 + 9);
				CloseHandle(h);
			}
		}
		e->kind = LX_PT_FREE;
	}
	struct lx_ptable_entry d = { .win_pid = t->h.daemon_win_pid, .win_ctime = t->h.daemon_ctime };
	HANDLE h = d.win_pid ? lx_ptable_open_process(&d, PROCESS_TERMINATE) : NULL;
	if (h) {
		TerminateProcess(h, 0);
		CloseHandle(h);
	}
	t->e[1].kind = LX_PT_FREE;
	t->h.daemon_win_pid = 0;
	t->h.daemon_ctime = 0;
	lx_ptable_unlock();
}

static int cmd_terminate(void)
{
	struct lx_ptable *t = table();

	if (!t)
		return 1;
	terminate_all(t);
	return 0;
}

/* A command line from argv, quoted as CommandLineToArgvW reads it. */
static wchar_t *join_args(wchar_t **argv, int argc)
{
	size_t cap = 1;
	for (int i = 0; i < argc; i++)
		cap += 3 + 2 * wcslen(argv[i]);
	wchar_t *out = calloc(cap, sizeof(wchar_t)), *o = out;

	if (!out)
		return NULL;
	for (int i = 0; i < argc; i++) {
		const wchar_t *a = argv[i];
		if (i)
			*o++ = L' ';
		*o++ = L'"';
		for (size_t slashes = 0; *a; a++) {
			if (*a == L'\\') {
				slashes++;
			} else {
				if (*a == L'"')
					for (size_t k = 0; k <= slashes; k++)
						*o++ = L'\\';
				slashes = 0;
			}
			*o++ = *a;
			if (!a[1])
				for (size_t k = 0; k < slashes; k++)
					*o++ = L'\\';
		}
		*o++ = L'"';
	}
	*o = 0;
	return out;
}

/*
 * The install lock: a named mutex held by this process while CMD runs, so
 * that an installer killed at any moment releases it (the mutex comes
 * back abandoned).  Linux processes starting meanwhile are refused
 * (runtime/daemon.c, lx_instance_install_check).
 */
static int cmd_lock(uint32_t state, bool terminate, wchar_t **cmdv, int cmdc)
{
	wchar_t name[96];
	struct lx_ptable *t = table();
	STARTUPINFOW si = { .cb = sizeof(si) };
	PROCESS_INFORMATION pi;
	DWORD code = 1;

	if (!t || !lx_instance_object_name(L"install", name, 96))
		return 1;
	HANDLE m = CreateMutexW(lx_instance_security(), FALSE, name);
	DWORD r = m ? WaitForSingleObject(m, 0) : WAIT_FAILED;
	if (r != WAIT_OBJECT_0 && r != WAIT_ABANDONED) {
		fprintf(stderr, "lxnt-instance: the instance is already locked\n");
		return 1;
	}
	if (count_processes(t)) {
		if (!terminate) {
			fprintf(stderr, "lxnt-instance: processes of the instance run "
			                "(use --terminate to end them)\n");
			ReleaseMutex(m);
			return 1;
		}
		terminate_all(t);
	}
	t->h.install_state = state;
	wchar_t *cmd = join_args(cmdv, cmdc);
	BOOL started = FALSE;
	/* Wine 8's rare ERROR_INTERNAL_ERROR: the new process died in the
	 * loader before it ran (runtime/process_create.c); tried again. */
	for (int attempt = 0; cmd && !started && attempt < 3; attempt++) {
		started = CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
		if (!started && GetLastError() != ERROR_INTERNAL_ERROR)
			break;
	}
	if (started) {
		CloseHandle(pi.hThread);
		WaitForSingleObject(pi.hProcess, INFINITE);
		GetExitCodeProcess(pi.hProcess, &code);
		CloseHandle(pi.hProcess);
	} else {
		fprintf(stderr, "lxnt-instance: cannot run %ls (error %lu)\n", cmdv[0], GetLastError());
	}
	free(cmd);
	t->h.install_state = LX_INSTALL_NONE;
	ReleaseMutex(m);
	return (int)code;
}

static int usage(void)
{
	fprintf(stderr, "usage: lxnt-instance status|list|terminate ROOT\n"
	                "       lxnt-instance lock ROOT install|remove [--terminate] -- CMD ARGS...\n");
	return 2;
}

int main(void)
{
	int argc;
	wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);

	if (!argv || argc < 3)
		return usage();
	select_instance(argv[2]);
	if (argc == 3 && !wcscmp(argv[1], L"status"))
		return cmd_status();
	if (argc == 3 && !wcscmp(argv[1], L"list"))
		return cmd_list();
	if (argc == 3 && !wcscmp(argv[1], L"terminate"))
		return cmd_terminate();
	if (!wcscmp(argv[1], L"lock") && argc >= 6) {
		uint32_t state = !wcscmp(argv[3], L"install") ? LX_INSTALL_INSTALLING
		               : !wcscmp(argv[3], L"remove") ? LX_INSTALL_REMOVING : 0;
		int i = 4;
		bool terminate = i < argc && !wcscmp(argv[i], L"--terminate");
		if (terminate)
			i++;
		if (!state || i >= argc || wcscmp(argv[i], L"--") || i + 1 >= argc)
			return usage();
		return cmd_lock(state, terminate, argv + i + 1, argc - i - 1);
	}
	return usage();
}
