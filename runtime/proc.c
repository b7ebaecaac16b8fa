/*
 * Process records (runtime/proc.h): the named section each process shares
 * with its parent and with kill(2) senders.
 */
#include <windows.h>
#include <string.h>

#include "handoff.h"
#include "identity.h"
#include "proc.h"
#include "proc_info.h"

static struct lx_proc_record private_record;
struct lx_proc_record *lx_proc_self = &private_record;
static HANDLE self_section;
long lx_ppid = 1;

/* The name of pid's record: Local\\ is the session's namespace, which
 * only this user's processes of the session share (docs/runtime.md). */
static void record_name(long pid, wchar_t *out)
{
	wchar_t digits[16];
	int n = 0;

	wcscpy(out, L"Local\\lxnt-proc-");
	do {
		digits[n++] = (wchar_t)(L'0' + pid % 10);
		pid /= 10;
	} while (pid);
	size_t o = wcslen(out);
	while (n)
		out[o++] = digits[--n];
	out[o] = 0;
}

long lx_proc_record_new(long pid, void **section, struct lx_proc_record **view)
{
	wchar_t name[64];
	FILETIME now;

	record_name(pid, name);
	HANDLE s = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
	                              sizeof(struct lx_proc_record), name);
	if (!s)
		return lx_errno_from_win32(GetLastError());
	*view = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(struct lx_proc_record));
	if (!*view) {
		long err = lx_errno_from_win32(GetLastError());
		CloseHandle(s);
		return err;
	}
	/* A record left by an earlier process with this pid (held open by
	 * someone) is reused from scratch. */
	memset(*view, 0, sizeof(**view));
	(*view)->uid = lx_uid;
	(*view)->gid = lx_gid;
	(*view)->threads = 1;
	(*view)->umask = (long)lx_umask;
	GetSystemTimeAsFileTime(&now);
	(*view)->start_time = (int64_t)(((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime);
	*section = s;
	return 0;
}

struct lx_proc_record *lx_proc_record_open(long pid)
{
	wchar_t name[64];

	if (pid <= 0)
		return NULL;
	record_name(pid, name);
	HANDLE s = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, name);
	if (!s)
		return NULL;
	struct lx_proc_record *r = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(*r));
	CloseHandle(s); /* the view keeps the section */
	return r;
}

void lx_proc_record_close(struct lx_proc_record *r)
{
	if (r)
		UnmapViewOfFile(r);
}

void lx_proc_init(void)
{
	HANDLE s;
	struct lx_proc_record *r;

	if (lx_proc_record_new(lx_getpid(), &s, &r) == 0) {
		FILETIME create, exit_t, kernel, user;
		r->pgid = r->sid = lx_getpid();
		r->ppid = lx_ppid;
		/* Started by Windows: the process began with its Windows process. */
		if (GetProcessTimes(GetCurrentProcess(), &create, &exit_t, &kernel, &user))
			r->start_time = (int64_t)(((uint64_t)create.dwHighDateTime << 32) |
			                          create.dwLowDateTime);
		lx_cwd_copy(r->cwd); /* the vfs set it up before the record existed */
		UnmapViewOfFile(r);
		lx_proc_record_adopt(s);
	}
	lx_signal_listener_start();
}

void lx_proc_record_adopt(void *section)
{
	struct lx_proc_record *r = MapViewOfFile(section, FILE_MAP_ALL_ACCESS, 0, 0,
	                                         sizeof(struct lx_proc_record));
	if (!r)
		lx_fatal("lxnt: cannot map the process record (error %lu)", GetLastError());
	self_section = section;
	lx_proc_self = r;
	r->win_pid = (long)GetCurrentProcessId();
	r->threads = 1; /* a new image starts with its main thread */
	r->umask = (long)lx_umask;
}

void *lx_proc_record_section(void)
{
	return self_section;
}
