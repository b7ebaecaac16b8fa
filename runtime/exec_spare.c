/*
 * Exec spares (docs/runtime.md, "Exec spares"): the new image of an
 * execve of another packed program, made ahead of need.
 *
 * A fork child's execve of a packed program other than its own starts a
 * new Windows process of that file (runtime/exec.c), and under Wine most
 * of a process creation is the new process's start-up (the loader, the
 * DLLs) after CreateProcess returns.  A fork spare (runtime/fork_spare.c)
 * takes that off fork's critical path; an exec spare does the same for
 * the execve: once an execve of file X has woken its new image, a thread
 * of the stub (which waits for the thread before it ends) makes one more
 * process of X that goes through Wine's start-up and waits at the top
 * of the runtime's main,
 * and publishes it in the instance's spare table (a named section,
 * `xspare`, which the daemon and every spare hold).
 * The next execve of X in the instance claims it there and hands it its
 * hand-off as it would to a process it had just made.
 *
 * A spare is no process of the instance until claimed: no pid, no record,
 * no table entry, nothing of the instance opened but the spare table.
 * It waits on handles its creator gave it (lx_exec_spare_wait): its
 * wake-up event,
 * the daemon's process (the instance's end) and a token, a semaphore of
 * count one that whoever takes it owns the spare: a claimer, or the spare
 * itself after IDLE_MS without a claim, when it ends.  A claimed spare is
 * armed as execve arms a new image (lx_process_arm: a second wake-up
 * event and the claimer's process) before it is woken from its first
 * wait, so that from then on it waits for its hand-off or for its
 * claimer's end, exactly as a new image does.  A claimer killed between
 * the two leaves a spare that ends CLAIM_GRACE_MS later.
 *
 * The table keys a spare by the file's full Windows path, size and last
 * write time, and by the creator's Windows environment (the runtime
 * reads LXNT_TRACE, LXNT_STATS and the like from it, and the new image
 * would otherwise have its creator's, not its claimer's); the claimer
 * then compares the spare's image headers with the file's first bytes,
 * what fork's same_image compares.  A slot's state word, with a sequence
 * number, is changed only by compare-exchange: one claim per spare.
 */
#include <windows.h>
#include <string.h>

#include "exec_spare.h"
#include "fork_spare.h"
#include "handoff.h"
#include "instance.h"
#include "lx.h"
#include "process_create.h"
#include "ptable.h"

#define XSPARE_MAGIC 0x3165726170737863ULL /* "cxspare1" */
#define XSPARE_SLOTS 8      /* spares of the instance at most */
#define XSPARE_SEEN 16      /* files executed lately */
#define IDLE_MS 3000        /* a spare nobody claimed ends */
#define CLAIM_GRACE_MS 5000 /* a claimed spare not woken ends */
#define SEEN_MS 10000       /* a file executed again within this gets a spare */
#define STUCK_MS 30000      /* a slot left half-written by a killed process */

enum slot_state { SLOT_FREE = 0, SLOT_FILLING = 1, SLOT_READY = 2, SLOT_CLAIMING = 3 };

struct xspare_key {
	uint64_t path_hash, env_hash, size, mtime;
};

struct xspare_slot {
	volatile LONG64 state;   /* sequence << 4 | enum slot_state */
	volatile LONG64 since;   /* GetTickCount64 of the last change */
	struct xspare_key key;
	uint32_t win_pid, pad;
	int64_t win_ctime;
	uint64_t go, token;      /* HANDLE values in the spare */
	wchar_t path[MAX_PATH];
};

struct xspare_seen {
	volatile LONG64 tick;    /* a hint: a torn entry only misguides one choice */
	uint64_t path_hash, env_hash;
};

struct xspare_table {
	uint64_t magic;
	uint64_t reserved[7];
	struct xspare_slot slot[XSPARE_SLOTS];
	struct xspare_seen seen[XSPARE_SEEN];
};

/* Set in a spare by its creator: wake-up, the instance's end, the token,
 * the table's section. */
void *volatile lx_exec_spare_wait[4];

static INIT_ONCE table_once = INIT_ONCE_STATIC_INIT;
static struct xspare_table *table;
static HANDLE table_section;
static bool wanted; /* this execve's file deserves a spare (claim to make) */

static BOOL CALLBACK table_open(INIT_ONCE *once, void *param, void **ctx)
{
	wchar_t name[128];
	HANDLE s;

	(void)once, (void)param, (void)ctx;
	if (!lx_instance_object_name(L"xspare", name, 128))
		return TRUE;
	/* Held for this process's life: under Wine the name lasts as long
	 * as a handle.  Fresh sections are zero: every slot free. */
	s = CreateFileMappingW(INVALID_HANDLE_VALUE, lx_instance_security(), PAGE_READWRITE, 0,
	                       sizeof(struct xspare_table), name);
	if (!s)
		return TRUE;
	struct xspare_table *t = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(*t));
	if (!t) {
		CloseHandle(s);
		return TRUE;
	}
	InterlockedCompareExchange64((volatile LONG64 *)&t->magic, (LONG64)XSPARE_MAGIC, 0);
	if (t->magic == XSPARE_MAGIC) {
		table = t;
		table_section = s;
	}
	return TRUE;
}

static struct xspare_table *table_get(void)
{
	InitOnceExecuteOnce(&table_once, table_open, NULL, NULL);
	return table;
}

void lx_exec_spare_table_hold(void)
{
	table_get();
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/* The Windows environment this process would give a process it makes. */
static uint64_t env_hash(void)
{
	wchar_t *env = GetEnvironmentStringsW(), *p = env;
	uint64_t h = 0xcbf29ce484222325ULL;

	if (!env)
		return 0;
	while (*p)
		p += wcslen(p) + 1;
	h = fnv(h, env, (size_t)(p - env) * sizeof(wchar_t));
	FreeEnvironmentStringsW(env);
	return h;
}

static bool key_of(const wchar_t *path, struct xspare_key *k)
{
	WIN32_FILE_ATTRIBUTE_DATA a;
	size_t n = wcslen(path);

	if (n >= MAX_PATH || !GetFileAttributesExW(path, GetFileExInfoStandard, &a))
		return false;
	k->path_hash = fnv(0xcbf29ce484222325ULL, path, n * sizeof(wchar_t));
	k->env_hash = env_hash();
	k->size = ((uint64_t)a.nFileSizeHigh << 32) | a.nFileSizeLow;
	k->mtime = ((uint64_t)a.ftLastWriteTime.dwHighDateTime << 32) |
	           a.ftLastWriteTime.dwLowDateTime;
	return true;
}

static LONG64 st(LONG64 s)
{
	return s & 15;
}

static LONG64 next(LONG64 s, enum slot_state to)
{
	return ((s >> 4) + 1) << 4 | to;
}

static bool cas(struct xspare_slot *s, LONG64 from, LONG64 to)
{
	if (InterlockedCompareExchange64(&s->state, to, from) != from)
		return false;
	s->since = (LONG64)GetTickCount64();
	return true;
}

/* Files executed lately: true if k's was, within SEEN_MS; notes it. */
static bool seen_lately(struct xspare_table *t, const struct xspare_key *k)
{
	LONG64 now = (LONG64)GetTickCount64(), oldest = now;
	struct xspare_seen *free = &t->seen[0];

	for (int i = 0; i < XSPARE_SEEN; i++) {
		struct xspare_seen *e = &t->seen[i];
		if (e->path_hash == k->path_hash && e->env_hash == k->env_hash) {
			bool lately = now - e->tick < SEEN_MS;
			e->tick = now;
			return lately;
		}
		if (e->tick < oldest) {
			oldest = e->tick;
			free = e;
		}
	}
	free->path_hash = k->path_hash;
	free->env_hash = k->env_hash;
	free->tick = now;
	return false;
}

static const IMAGE_NT_HEADERS64 *nt_headers(const void *base, size_t n)
{
	const IMAGE_DOS_HEADER *dos = base;

	if (n < sizeof(*dos) || dos->e_lfanew < 0 ||
	    (size_t)dos->e_lfanew + sizeof(IMAGE_NT_HEADERS64) > n)
		return NULL;
	return (const void *)((const char *)base + dos->e_lfanew);
}

/* The spare's image headers are the file's first bytes (xf->head): the
 * file was not replaced since the spare was made. */
static bool same_file_image(HANDLE proc, const struct lx_exec_file *xf)
{
	const IMAGE_NT_HEADERS64 *nt = nt_headers(xf->head, xf->nhead);
	unsigned char buf[4096];

	if (!nt)
		return false;
	size_t n = nt->OptionalHeader.SizeOfHeaders;
	if (n > xf->nhead)
		n = xf->nhead;
	if (n > sizeof(buf))
		n = sizeof(buf);
	return ReadProcessMemory(proc, (void *)(uintptr_t)nt->OptionalHeader.ImageBase, buf, n,
	                         NULL) &&
	       !memcmp(buf, xf->head, n);
}

/*
 * A spare is given its handles at fixed addresses of the runtime's .data
 * (lx_exec_spare_wait), so the file must carry this runtime: the same
 * entry point and the same section headers up to the first of the packed
 * program's (`.lxgap`, `.lxelf`, `.lxnt`).
 */
static bool same_runtime(const struct lx_exec_file *xf)
{
	const IMAGE_NT_HEADERS64 *ours = nt_headers(GetModuleHandleW(NULL), 4096);
	const IMAGE_NT_HEADERS64 *theirs = nt_headers(xf->head, xf->nhead);

	if (!ours || !theirs ||
	    ours->OptionalHeader.AddressOfEntryPoint != theirs->OptionalHeader.AddressOfEntryPoint ||
	    ours->OptionalHeader.ImageBase != theirs->OptionalHeader.ImageBase)
		return false;
	const IMAGE_SECTION_HEADER *a = IMAGE_FIRST_SECTION(ours), *b = IMAGE_FIRST_SECTION(theirs);
	for (unsigned i = 0; i < ours->FileHeader.NumberOfSections; i++) {
		if ((const char *)(b + i + 1) > xf->head + xf->nhead)
			return false;
		if (!memcmp(a[i].Name, ".lx", 3))
			return i > 0; /* .lxgap, .lxelf, .lxnt: the program's */
		if (memcmp(&a[i], &b[i], sizeof(a[i])))
			return false;
	}
	return false;
}

static HANDLE dup_from(HANDLE proc, uint64_t remote)
{
	HANDLE h;

	if (!DuplicateHandle(proc, (HANDLE)(uintptr_t)remote, GetCurrentProcess(), &h, 0, FALSE,
	                     DUPLICATE_SAME_ACCESS))
		return NULL;
	return h;
}

/* Takes slot s's spare (its state was READY at seq); false if it is not
 * there any more.  On success the spare belongs to the caller. */
static bool take(struct xspare_slot *s, LONG64 seen, const struct xspare_key *k,
                 const struct lx_exec_file *xf, HANDLE *proc, HANDLE *go1)
{
	LONG64 claiming = (seen & ~(LONG64)15) | SLOT_CLAIMING;

	if (!cas(s, seen, claiming))
		return false;
	struct xspare_slot copy = *s;
	/* The slot is free again as soon as its contents are copied. */
	cas(s, claiming, next(claiming, SLOT_FREE));
	if (memcmp(&copy.key, k, sizeof(*k)) || wcscmp(copy.path, xf->win_path))
		return false; /* the key changed before the exchange: not ours */
	struct lx_ptable_entry e = { .win_pid = copy.win_pid, .win_ctime = copy.win_ctime };
	HANDLE p = lx_ptable_open_process(&e, PROCESS_ALL_ACCESS);
	if (!p)
		return false; /* it ended (its idle time ran out) */
	HANDLE token = dup_from(p, copy.token);
	bool mine = token && WaitForSingleObject(token, 0) == WAIT_OBJECT_0;
	if (token)
		CloseHandle(token);
	if (!mine) {
		CloseHandle(p);
		return false; /* retired just now */
	}
	*go1 = dup_from(p, copy.go);
	if (!*go1 || !same_file_image(p, xf)) {
		if (*go1)
			CloseHandle(*go1);
		TerminateProcess(p, 127);
		CloseHandle(p);
		return false;
	}
	*proc = p;
	return true;
}

bool lx_exec_spare_claim(const struct lx_exec_file *xf, PROCESS_INFORMATION *pi, HANDLE *go)
{
	struct xspare_table *t = table_get();
	struct xspare_key k;
	HANDLE proc = NULL, go1 = NULL;

	wanted = false;
	if (!t || !key_of(xf->win_path, &k))
		return false;
	wanted = seen_lately(t, &k);
	for (int i = 0; i < XSPARE_SLOTS && !proc; i++) {
		struct xspare_slot *s = &t->slot[i];
		LONG64 v = s->state;
		MemoryBarrier();
		if (st(v) == SLOT_READY && !memcmp(&s->key, &k, sizeof(k)))
			take(s, v, &k, xf, &proc, &go1);
	}
	if (!proc)
		return false;
	wanted = true;
	/* Armed as a new image is (exec.c) before it leaves its first wait. */
	HANDLE go2 = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!go2 || lx_process_arm(proc, NULL, go2) < 0 || !SetEvent(go1)) {
		if (go2)
			CloseHandle(go2);
		CloseHandle(go1);
		TerminateProcess(proc, 127);
		CloseHandle(proc);
		return false;
	}
	CloseHandle(go1);
	memset(pi, 0, sizeof(*pi));
	pi->hProcess = proc;
	pi->dwProcessId = GetProcessId(proc);
	*go = go2;
	return true;
}

/* The daemon's process, whose end is the instance's. */
static HANDLE instance_end(void)
{
	struct lx_ptable *pt = lx_ptable_get(NULL);

	if (!pt)
		return NULL;
	struct lx_ptable_entry e = { .win_pid = pt->h.daemon_win_pid, .win_ctime = pt->h.daemon_ctime };
	return e.win_pid ? lx_ptable_open_process(&e, SYNCHRONIZE) : NULL;
}

struct spare {
	PROCESS_INFORMATION pi;
	int64_t ctime;
	uint64_t go, token; /* HANDLE values in the spare */
};

/* A new process of xf, made suspended and given its wake-up event, the
 * instance's end, its token and the table before it runs up to its wait
 * at the top of main. */
static bool spare_create(const struct lx_exec_file *xf, struct spare *sp)
{
	HANDLE local[4] = { NULL }, remote[4] = { NULL };
	HANDLE self = GetCurrentProcess();
	wchar_t cmd[MAX_PATH + 3];
	bool made = false, ok = false;
	HANDLE guard = NULL;

	/* The command line only names the module: the new image takes its
	 * argv from the hand-off (docs/runtime.md, "execve"). */
	cmd[0] = L'"';
	wcscpy(cmd + 1, xf->win_path);
	wcscat(cmd, L"\"");
	local[0] = CreateEventW(NULL, FALSE, FALSE, NULL);
	local[1] = instance_end();
	local[2] = CreateSemaphoreW(NULL, 1, 1, NULL);
	/* The spare holds the table too, so that the table outlives every
	 * process that used it (and a killed daemon) while a spare waits. */
	if (!DuplicateHandle(self, table_section, self, &local[3], 0, FALSE, DUPLICATE_SAME_ACCESS))
		local[3] = NULL;
	if (!local[0] || !local[1] || !local[2] || !local[3])
		goto out;
	made = lx_process_create(xf->win_path, cmd, 0, &sp->pi, &guard) == 0;
	if (!made)
		goto out;
	for (int i = 0; i < 4; i++)
		if (!DuplicateHandle(self, local[i], sp->pi.hProcess, &remote[i], 0, FALSE,
		                     DUPLICATE_SAME_ACCESS))
			goto out;
	if (!same_file_image(sp->pi.hProcess, xf) ||
	    !WriteProcessMemory(sp->pi.hProcess, (void *)lx_exec_spare_wait, remote, sizeof(remote),
	                        NULL) ||
	    ResumeThread(sp->pi.hThread) == (DWORD)-1)
		goto out;
	sp->ctime = lx_process_ctime(sp->pi.hProcess);
	sp->go = (uint64_t)(uintptr_t)remote[0];
	sp->token = (uint64_t)(uintptr_t)remote[2];
	ok = sp->ctime != 0;
out:
	if (made && !ok) {
		TerminateProcess(sp->pi.hProcess, 127);
		CloseHandle(sp->pi.hThread);
		CloseHandle(sp->pi.hProcess);
		lx_process_guard_drop(guard);
	} else if (made) {
		/* Running: it ends by itself (idle, the instance's end, its
		 * claimer's), whatever becomes of this process. */
		lx_process_guard_release(guard);
	}
	for (int i = 0; i < 4; i++)
		if (local[i])
			CloseHandle(local[i]);
	return ok;
}

/* A slot for a new spare, held FILLING; NULL if the file has one or the
 * table is full.  *held gets the slot's state. */
static struct xspare_slot *slot_take(struct xspare_table *t, LONG64 *held)
{
	LONG64 now = (LONG64)GetTickCount64();

	for (int i = 0; i < XSPARE_SLOTS; i++) {
		struct xspare_slot *s = &t->slot[i];
		LONG64 v = s->state;
		MemoryBarrier();
		bool idle = now - s->since > IDLE_MS + 1000; /* its spare has ended */
		bool stuck = now - s->since > STUCK_MS;      /* its writer was killed */
		if (st(v) == SLOT_FREE || (st(v) == SLOT_READY && idle) ||
		    (st(v) != SLOT_READY && stuck)) {
			if (cas(s, v, next(v, SLOT_FILLING))) {
				*held = next(v, SLOT_FILLING);
				return s;
			}
		}
	}
	return NULL;
}

static bool has_spare(struct xspare_table *t, const struct xspare_key *k)
{
	LONG64 now = (LONG64)GetTickCount64();

	for (int i = 0; i < XSPARE_SLOTS; i++) {
		struct xspare_slot *s = &t->slot[i];
		LONG64 v = s->state;
		MemoryBarrier();
		if (st(v) == SLOT_READY && now - s->since <= IDLE_MS + 1000 &&
		    !memcmp(&s->key, k, sizeof(*k)))
			return true;
	}
	return false;
}

void lx_exec_spare_make(const struct lx_exec_file *xf)
{
	struct xspare_table *t = table_get();
	struct xspare_key k;
	struct spare sp;
	LONG64 held;

	if (!wanted || !t || !key_of(xf->win_path, &k))
		return;
	wanted = false;
	if (has_spare(t, &k) || !same_runtime(xf) || !spare_create(xf, &sp))
		return; /* one spare per file */
	/* Published in a few stores: a process killed among them leaves the
	 * slot FILLING until STUCK_MS, and the spare ends by itself. */
	struct xspare_slot *s = slot_take(t, &held);
	if (s) {
		s->key = k;
		wcscpy(s->path, xf->win_path);
		s->win_pid = sp.pi.dwProcessId;
		s->win_ctime = sp.ctime;
		s->go = sp.go;
		s->token = sp.token;
		MemoryBarrier();
		cas(s, held, next(held, SLOT_READY));
	} else {
		TerminateProcess(sp.pi.hProcess, 127);
	}
	CloseHandle(sp.pi.hThread);
	CloseHandle(sp.pi.hProcess);
}

bool lx_exec_spare_wanted(void)
{
	return wanted;
}

void lx_exec_spare_await(void)
{
	HANDLE h[2] = { lx_exec_spare_wait[0], lx_exec_spare_wait[1] };
	HANDLE token = lx_exec_spare_wait[2];
	DWORD w = WaitForMultipleObjects(2, h, FALSE, IDLE_MS);

	if (w != WAIT_OBJECT_0) {
		/* Nobody came, or the instance ended: end, unless a claimer took
		 * the token first, which then wakes this process at once.  Ending
		 * without the token at the instance's end would leave a claimer
		 * that has it with a spare gone under its execve.  The daemon's
		 * end stays signalled, so the last wait is on the wake-up alone. */
		if (WaitForSingleObject(token, 0) == WAIT_OBJECT_0)
			ExitProcess(0);
		w = WaitForSingleObject(h[0], CLAIM_GRACE_MS);
	}
	/* Woken (index 0 wins when the instance ended too): the claimer has
	 * armed this process; from here on it waits as a new image does. */
	if (w != WAIT_OBJECT_0 || !lx_handoff_wait[0])
		ExitProcess(0);
	CloseHandle(h[0]);
	CloseHandle(h[1]);
	CloseHandle(token);
	CloseHandle(lx_exec_spare_wait[3]);
}
