/*
 * The instance's process table (runtime/ptable.h).  Every process maps the
 * same named section; the section lives as long as one process of the
 * instance (or the daemon, or lxnt-instance.exe) holds it, and a new one
 * starts empty.
 */
#include <windows.h>

#include "instance.h"
#include "ptable.h"

static struct lx_ptable *table;
static HANDLE table_mutex, wake_event, table_section;
static INIT_ONCE table_once = INIT_ONCE_STATIC_INIT;
static DWORD table_err;

static HANDLE open_named(const wchar_t *what, bool mutex)
{
	wchar_t name[96];

	if (!lx_instance_object_name(what, name, 96))
		return NULL;
	if (mutex)
		return CreateMutexW(lx_instance_security(), FALSE, name);
	return CreateEventW(lx_instance_security(), FALSE, FALSE, name);
}

/* A new section is zero: the first process to take the lock writes the
 * header (a section of another layout would have another magic). */
static void header_init(struct lx_ptable *t)
{
	if (t->h.magic == LX_PTABLE_MAGIC)
		return;
	t->h.version = LX_PTABLE_VERSION;
	t->h.pid_max = LX_PTABLE_PID_MAX;
	t->h.last_pid = 1; /* the first id handed out is 2: 1 is init's */
	MemoryBarrier();
	t->h.magic = LX_PTABLE_MAGIC;
}

static BOOL CALLBACK table_map(INIT_ONCE *once, void *param, void **ctx)
{
	wchar_t name[96];
	HANDLE s;

	(void)once, (void)param, (void)ctx;
	table_mutex = open_named(L"table-lock", true);
	wake_event = open_named(L"wake", false);
	if (!table_mutex || !wake_event || !lx_instance_object_name(L"table", name, 96)) {
		table_err = GetLastError();
		return TRUE;
	}
	s = CreateFileMappingW(INVALID_HANDLE_VALUE, lx_instance_security(), PAGE_READWRITE, 0,
	                       sizeof(struct lx_ptable), name);
	if (!s) {
		table_err = GetLastError();
		return TRUE;
	}
	table = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(struct lx_ptable));
	/* The handle stays open for the process's life: a view keeps the
	 * memory, but under Wine only a handle keeps the name, by which the
	 * next process finds the table. */
	if (!table) {
		table_err = GetLastError();
		CloseHandle(s);
	} else {
		table_section = s;
	}
	if (table) {
		lx_ptable_lock();
		header_init(table);
		lx_ptable_unlock();
		if (table->h.version != LX_PTABLE_VERSION) {
			UnmapViewOfFile(table);
			table = NULL;
			table_err = ERROR_REVISION_MISMATCH;
		}
	}
	return TRUE;
}

struct lx_ptable *lx_ptable_get(unsigned long *err)
{
	InitOnceExecuteOnce(&table_once, table_map, NULL, NULL);
	if (!table && err)
		*err = table_err;
	return table;
}

void lx_ptable_lock(void)
{
	/* WAIT_ABANDONED: the holder died mid-update, which the order of the
	 * writes makes harmless; the mutex is ours either way. */
	WaitForSingleObject(table_mutex, INFINITE);
}

void lx_ptable_unlock(void)
{
	ReleaseMutex(table_mutex);
}

/* alloc_pidmap (kernel/pid.c before the IDR): the next free id after the
 * last one, wrapping to RESERVED_PIDS. */
static long next_free(struct lx_ptable *t)
{
	long id = t->h.last_pid;

	for (long n = 0; n < LX_PTABLE_PID_MAX; n++) {
		id = id + 1 >= LX_PTABLE_PID_MAX ? LX_PTABLE_RESERVED : id + 1;
		if (t->e[id].kind == LX_PT_FREE)
			return id;
	}
	return 0;
}

long lx_ptable_alloc(enum lx_ptable_kind kind, uint32_t flags, long tgid, long creator,
                     uint32_t win_pid, int64_t win_ctime)
{
	struct lx_ptable *t = lx_ptable_get(NULL);
	long id;

	if (!t)
		return 0;
	lx_ptable_lock();
	id = next_free(t);
	if (id) {
		struct lx_ptable_entry *e = &t->e[id];
		e->flags = flags;
		e->tgid = (int32_t)(kind == LX_PT_PROCESS ? id : tgid);
		e->win_pid = win_pid;
		e->win_ctime = win_ctime;
		e->creator = (int32_t)creator;
		MemoryBarrier();
		e->kind = kind;
		t->h.last_pid = (int32_t)id;
	}
	lx_ptable_unlock();
	return id;
}

void lx_ptable_free(long id, enum lx_ptable_kind kind, long tgid, uint32_t win_pid)
{
	struct lx_ptable *t = lx_ptable_get(NULL);

	if (!t || id <= 0 || id >= LX_PTABLE_PID_MAX)
		return;
	lx_ptable_lock();
	if (t->e[id].kind == kind && t->e[id].tgid == tgid && t->e[id].win_pid == win_pid)
		t->e[id].kind = LX_PT_FREE;
	lx_ptable_unlock();
}

void lx_ptable_free_threads(long tgid, uint32_t win_pid)
{
	struct lx_ptable *t = lx_ptable_get(NULL);

	if (!t)
		return;
	lx_ptable_lock();
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		struct lx_ptable_entry *e = &t->e[id];
		if (e->kind == LX_PT_THREAD && e->tgid == tgid && e->win_pid == win_pid)
			e->kind = LX_PT_FREE;
	}
	lx_ptable_unlock();
}

int64_t lx_process_ctime(void *process)
{
	FILETIME c, e, k, u;

	if (!GetProcessTimes(process, &c, &e, &k, &u))
		return 0;
	return (int64_t)(((uint64_t)c.dwHighDateTime << 32) | c.dwLowDateTime);
}

void *lx_ptable_open_process(const struct lx_ptable_entry *e, unsigned long access)
{
	HANDLE h = OpenProcess(access | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, e->win_pid);

	if (h && lx_process_ctime(h) != e->win_ctime) {
		CloseHandle(h); /* another process took the Windows pid */
		h = NULL;
	}
	return h;
}

void lx_ptable_wake_daemon(void)
{
	if (lx_ptable_get(NULL))
		SetEvent(wake_event);
}

void *lx_ptable_wake_event(void)
{
	return lx_ptable_get(NULL) ? wake_event : NULL;
}

void *lx_ptable_section(void)
{
	return lx_ptable_get(NULL) ? table_section : NULL;
}
