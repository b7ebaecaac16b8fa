/*
 * The TEB slots of include/lxnt/layout.h and the per-thread runtime state.
 */
#include <windows.h>

#include "lxnt/layout.h"
#include "lxnt/linux/signal.h"
#include "proc_info.h"
#include "thread.h"

_Static_assert(LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_RESUME_RIP) == 0x1640, "entry.S SLOT_RESUME");
_Static_assert(LXNT_TEB_SLOT_OFFSET(LXNT_SLOT_THREAD) == 0x1650, "entry.S SLOT_THREAD");

struct lx_thread *lx_current_thread(void)
{
	return TlsGetValue(LXNT_SLOT_THREAD);
}

/*
 * TlsAlloc hands out the lowest free index; allocating until we hold all of
 * LXNT_SLOT_FIRST..LXNT_SLOT_LAST and giving back the others is the only
 * documented way to own particular indexes.
 */
void lx_claim_teb_slots(void)
{
	DWORD taken[TLS_MINIMUM_AVAILABLE];
	int ntaken = 0;
	unsigned held = 0;
	const unsigned all = (1u << (LXNT_SLOT_LAST - LXNT_SLOT_FIRST + 1)) - 1;

	while (held != all && ntaken < TLS_MINIMUM_AVAILABLE) {
		DWORD i = TlsAlloc();
		if (i == TLS_OUT_OF_INDEXES)
			break;
		if (i >= LXNT_SLOT_FIRST && i <= LXNT_SLOT_LAST)
			held |= 1u << (i - LXNT_SLOT_FIRST);
		else
			taken[ntaken++] = i;
	}
	for (int k = 0; k < ntaken; k++)
		TlsFree(taken[k]);
	if (held != all)
		lx_fatal("lxnt: cannot claim TLS indexes %d..%d (held mask 0x%x): "
		         "another module in this process owns one of them",
		         LXNT_SLOT_FIRST, LXNT_SLOT_LAST, held);
}

static SRWLOCK registry_lock = SRWLOCK_INIT;
static struct lx_thread *registry;
static long registered; /* the registry's length, for /proc/<pid> (proc_info.c) */

void lx_thread_registry_lock(void)
{
	AcquireSRWLockExclusive(&registry_lock);
}

void lx_thread_registry_unlock(void)
{
	ReleaseSRWLockExclusive(&registry_lock);
}

bool lx_thread_registry_trylock(void)
{
	return TryAcquireSRWLockExclusive(&registry_lock);
}

struct lx_thread *lx_thread_first(void)
{
	return registry;
}

struct lx_thread *lx_thread_find(long tid)
{
	for (struct lx_thread *t = registry; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

bool lx_thread_unregister_last(struct lx_thread *t)
{
	bool last;

	lx_thread_registry_lock();
	for (struct lx_thread **p = &registry; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			lx_proc_note_threads(--registered);
			break;
		}
	}
	last = registry == NULL;
	lx_thread_registry_unlock();
	return last;
}

void lx_thread_unregister(struct lx_thread *t)
{
	lx_thread_unregister_last(t);
}

struct lx_thread *lx_thread_alloc(long tid)
{
	struct lx_thread *t = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*t));

	if (!t)
		return NULL;
	t->tid = tid;
	t->altstack_flags = LX_SS_DISABLE;
	t->sig_event = CreateEventW(NULL, FALSE, FALSE, NULL);
	t->futex_event = CreateEventW(NULL, FALSE, FALSE, NULL);
	if (!t->sig_event || !t->futex_event) {
		lx_thread_free(t);
		return NULL;
	}
	return t;
}

void lx_thread_free(struct lx_thread *t)
{
	if (t->sig_event)
		CloseHandle(t->sig_event);
	if (t->futex_event)
		CloseHandle(t->futex_event);
	if (t->handle)
		CloseHandle(t->handle);
	HeapFree(GetProcessHeap(), 0, t);
}

void lx_thread_register(struct lx_thread *t)
{
	lx_thread_registry_lock();
	t->next = registry;
	registry = t;
	lx_proc_note_threads(++registered);
	lx_thread_registry_unlock();
}

/* Points the calling thread's TEB slots at t and the syscall entry. */
void lx_thread_bind(struct lx_thread *t)
{
	TlsSetValue(LXNT_SLOT_THREAD, t);
	TlsSetValue(LXNT_SLOT_SYSCALL_ENTRY, (void *)lx_syscall_entry);
	TlsSetValue(LXNT_SLOT_TP, NULL);
	TlsSetValue(LXNT_SLOT_STACK_GUARD, NULL);
	TlsSetValue(LXNT_SLOT_POINTER_GUARD, NULL);
}

/*
 * Binds a fresh struct lx_thread to the calling thread and points the TEB
 * at the syscall entry; returns it.
 */
struct lx_thread *lx_thread_attach(long tid)
{
	struct lx_thread *t = lx_thread_alloc(tid);

	if (!t)
		lx_fatal("lxnt: cannot create thread state (error %lu)", GetLastError());
	t->win_tid = GetCurrentThreadId();
	if (!DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(),
	                     &t->handle, 0, FALSE, DUPLICATE_SAME_ACCESS))
		lx_fatal("lxnt: cannot create thread state (error %lu)", GetLastError());
	lx_thread_bind(t);
	lx_thread_register(t);
	return t;
}

void lx_refresh_tp_guards(void)
{
	struct lx_thread *t = lx_current_thread();
	uint64_t guard = 0, pguard = 0;

	/* A tp that does not (yet) point at readable memory keeps zero copies;
	 * glibc writes the canary only after it has set FS. */
	if (t->tp) {
		if (lx_copy_from_user(&guard, t->tp + LXNT_TCB_STACK_GUARD, sizeof(guard)) < 0)
			guard = 0;
		if (lx_copy_from_user(&pguard, t->tp + LXNT_TCB_POINTER_GUARD, sizeof(pguard)) < 0)
			pguard = 0;
	}
	TlsSetValue(LXNT_SLOT_STACK_GUARD, (void *)(uintptr_t)guard);
	TlsSetValue(LXNT_SLOT_POINTER_GUARD, (void *)(uintptr_t)pguard);
}

void lx_fpu_init(void)
{
	unsigned int mxcsr = 0x1f80;

	__asm__ volatile("fninit\n\tldmxcsr %0" : : "m"(mxcsr));
}

void lx_fp_control_save(struct lx_fp_control *c)
{
	__asm__ volatile("fnstcw %0\n\tstmxcsr %1" : "=m"(c->fcw), "=m"(c->mxcsr));
}

void lx_fp_control_load(const struct lx_fp_control *c)
{
	__asm__ volatile("fldcw %0\n\tldmxcsr %1" : : "m"(c->fcw), "m"(c->mxcsr));
}

void lx_set_thread_pointer(uint64_t tp)
{
	struct lx_thread *t = lx_current_thread();

	t->tp = tp;
	TlsSetValue(LXNT_SLOT_TP, (void *)(uintptr_t)tp);
	lx_refresh_tp_guards();
}

/*
 * The runtime's own threads (the interval timer, the /proc query server):
 * a thread still starting when its process ends loses its first exchange
 * with the Windows side, and under Wine that prints "wine client error" on
 * the process's standard error.  So each counts itself once it runs, and
 * the exit waits for the count to catch up (a second at most).
 */
struct helper_start {
	LPTHREAD_START_ROUTINE fn;
	void *arg;
};

static volatile LONG helpers_created, helpers_running;

static DWORD WINAPI helper_main(void *p)
{
	struct helper_start s = *(struct helper_start *)p;

	HeapFree(GetProcessHeap(), 0, p);
	InterlockedIncrement(&helpers_running);
	return s.fn(s.arg);
}

HANDLE lx_helper_thread(LPTHREAD_START_ROUTINE fn, void *arg, SIZE_T stack)
{
	struct helper_start *s = HeapAlloc(GetProcessHeap(), 0, sizeof(*s));

	if (!s) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	*s = (struct helper_start){ fn, arg };
	InterlockedIncrement(&helpers_created);
	HANDLE h = CreateThread(NULL, stack, helper_main, s, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	if (!h) {
		DWORD err = GetLastError();
		InterlockedDecrement(&helpers_created);
		HeapFree(GetProcessHeap(), 0, s);
		SetLastError(err);
	}
	return h;
}

void lx_helper_threads_quiesce(void)
{
	for (int ms = 0; ms < 1000 && helpers_running != helpers_created; ms++)
		Sleep(1);
}
