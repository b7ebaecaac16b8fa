/*
 * Pending signals and their routing inside the process (kernel/signal.c:
 * send_signal, complete_signal, dequeue_signal).  Each thread has its own
 * pending set (t->sigpending) and the process one shared set; the siginfo
 * of every pending signal waits in one FIFO, tagged with the tid it is for
 * (0: the process).  Standard signals coalesce, real-time ones (32..64)
 * queue in order.  A thread that gets a signal is woken (its sig_event)
 * and, if it is running guest code, interrupted at once (kick).
 */
#include <windows.h>

#include "identity.h"
#include "proc.h"
#include "signal.h"

/* Signals the kernel delivers first, because a fault raised them
 * (kernel/signal.c SYNCHRONOUS_MASK). */
#define SYNCHRONOUS_MASK (LX_SIGBIT(LX_SIGSEGV) | LX_SIGBIT(LX_SIGBUS) | LX_SIGBIT(LX_SIGILL) | \
                          LX_SIGBIT(LX_SIGTRAP) | LX_SIGBIT(LX_SIGFPE) | LX_SIGBIT(LX_SIGSYS))
#define STOP_MASK (LX_SIGBIT(LX_SIGSTOP) | LX_SIGBIT(LX_SIGTSTP) | LX_SIGBIT(LX_SIGTTIN) | \
                   LX_SIGBIT(LX_SIGTTOU))
#define LX_SIGRTMIN 32

/* Queued siginfos beyond which a real-time signal is EAGAIN, as the
 * RLIMIT_SIGPENDING limit makes it. */
#define QUEUE_MAX 1024

struct queued {
	struct queued *next;
	long tid;                  /* 0: for the process */
	struct lx_siginfo info;
};

static SRWLOCK queue_lock = SRWLOCK_INIT;
static struct queued pool[QUEUE_MAX];
static struct queued *free_list, *head, **tail = &head;
static bool pool_ready;
volatile uint64_t lx_shared_sigpending; /* signal.h */

/* Group stop (do_signal_stop): a manual-reset event, set while running. */
volatile int lx_group_stopped; /* signal.h */
static HANDLE continue_event;
static INIT_ONCE continue_once = INIT_ONCE_STATIC_INIT;

enum lx_sig_default lx_signal_default(int sig)
{
	switch (sig) {
	case LX_SIGCHLD: case LX_SIGURG: case LX_SIGWINCH:
		return LX_SIGDFL_IGNORE;
	case LX_SIGCONT:
		return LX_SIGDFL_CONT;
	case LX_SIGSTOP: case LX_SIGTSTP: case LX_SIGTTIN: case LX_SIGTTOU:
		return LX_SIGDFL_STOP;
	case LX_SIGQUIT: case LX_SIGILL: case LX_SIGTRAP: case LX_SIGABRT: case LX_SIGBUS:
	case LX_SIGFPE: case LX_SIGSEGV: case LX_SIGXCPU: case LX_SIGXFSZ: case LX_SIGSYS:
		return LX_SIGDFL_CORE;
	default:
		return LX_SIGDFL_TERM;
	}
}

uint64_t lx_signal_pending(const struct lx_thread *t)
{
	return t->sigpending | lx_shared_sigpending;
}

bool lx_signal_interrupts(struct lx_thread *t)
{
	return (lx_signal_pending(t) & ~t->sigmask) != 0 || lx_group_stopped;
}

static volatile uint64_t *pending_word(struct lx_thread *t)
{
	return t ? &t->sigpending : &lx_shared_sigpending;
}

/* Queue lock held. */
static struct queued *entry_alloc(void)
{
	if (!pool_ready) {
		for (int i = QUEUE_MAX - 1; i >= 0; i--) {
			pool[i].next = free_list;
			free_list = &pool[i];
		}
		pool_ready = true;
	}
	struct queued *q = free_list;
	if (q)
		free_list = q->next;
	return q;
}

/*
 * Adds sig for t (NULL: the process).  A standard signal already pending
 * there is merged into the first (legacy_queue); one that finds the queue
 * full is still pending, with a bare siginfo.  Returns -LX_EAGAIN for a
 * real-time signal that cannot be queued.
 */
static long enqueue(struct lx_thread *t, const struct lx_siginfo *info)
{
	int sig = info->si_signo;
	volatile uint64_t *word = pending_word(t);
	long ret = 0;

	AcquireSRWLockExclusive(&queue_lock);
	if (sig < LX_SIGRTMIN && (*word & LX_SIGBIT(sig)))
		goto out;
	struct queued *q = entry_alloc();
	if (q) {
		q->next = NULL;
		q->tid = t ? t->tid : 0;
		q->info = *info;
		*tail = q;
		tail = &q->next;
	} else if (sig >= LX_SIGRTMIN) {
		ret = -LX_EAGAIN;
		goto out;
	}
	__atomic_or_fetch(word, LX_SIGBIT(sig), __ATOMIC_SEQ_CST);
out:
	ReleaseSRWLockExclusive(&queue_lock);
	return ret;
}

/* Returns the queued entries of signals in mask to the free list: those
 * of thread tid, or of everyone when tid is -1.  Queue lock held. */
static void drop_queued(long tid, uint64_t mask)
{
	for (struct queued **p = &head; *p;) {
		struct queued *q = *p;
		if ((tid == -1 || q->tid == tid) && (mask & LX_SIGBIT(q->info.si_signo))) {
			*p = q->next;
			q->next = free_list;
			free_list = q;
		} else {
			p = &q->next;
		}
	}
	tail = &head;
	while (*tail)
		tail = &(*tail)->next;
}

/* Removes every pending instance of the signals in mask (prepare_signal:
 * SIGCONT discards stops and stops discard SIGCONT).  Queue lock held. */
static void flush_locked(uint64_t mask)
{
	drop_queued(-1, mask);
	__atomic_and_fetch(&lx_shared_sigpending, ~mask, __ATOMIC_SEQ_CST);
	for (struct lx_thread *t = lx_thread_first(); t; t = t->next)
		__atomic_and_fetch(&t->sigpending, ~mask, __ATOMIC_SEQ_CST);
}

void lx_signal_flush(uint64_t mask)
{
	lx_thread_registry_lock();
	AcquireSRWLockExclusive(&queue_lock);
	flush_locked(mask);
	ReleaseSRWLockExclusive(&queue_lock);
	lx_thread_registry_unlock();
}

static int next_signal(uint64_t set)
{
	uint64_t sync = set & SYNCHRONOUS_MASK;

	return __builtin_ctzll(sync ? sync : set) + 1;
}

/* Takes sig from the word of tid (0: the process).  Queue lock held. */
static void take_locked(long tid, volatile uint64_t *word, int sig, struct lx_siginfo *info)
{
	struct queued **p, *q = NULL;
	bool more = false;

	for (p = &head; *p; p = &(*p)->next) {
		if ((*p)->tid == tid && (*p)->info.si_signo == sig) {
			q = *p;
			break;
		}
	}
	if (q) {
		*info = q->info;
		*p = q->next;
		if (tail == &q->next)
			tail = p;
		q->next = free_list;
		free_list = q;
		for (struct queued *r = *p; r; r = r->next)
			if (r->tid == tid && r->info.si_signo == sig)
				more = true;
	} else {
		*info = (struct lx_siginfo){ .si_signo = sig, .si_code = LX_SI_KERNEL };
	}
	if (!more)
		__atomic_and_fetch(word, ~LX_SIGBIT(sig), __ATOMIC_SEQ_CST);
}

int lx_signal_dequeue(struct lx_thread *t, uint64_t allowed, struct lx_siginfo *info)
{
	int sig = 0;

	AcquireSRWLockExclusive(&queue_lock);
	uint64_t own = t->sigpending & allowed, shared = lx_shared_sigpending & allowed;
	if (own) {
		sig = next_signal(own);
		take_locked(t->tid, &t->sigpending, sig, info);
	} else if (shared) {
		sig = next_signal(shared);
		take_locked(0, &lx_shared_sigpending, sig, info);
	}
	ReleaseSRWLockExclusive(&queue_lock);
	return sig;
}

static BOOL CALLBACK make_continue_event(INIT_ONCE *once, void *param, void **ctx)
{
	(void)once; (void)param; (void)ctx;
	continue_event = CreateEventW(NULL, TRUE, TRUE, NULL);
	return continue_event != NULL;
}

static HANDLE get_continue_event(void)
{
	if (!InitOnceExecuteOnce(&continue_once, make_continue_event, NULL, NULL))
		lx_fatal("lxnt: cannot create the group-stop event (error %lu)", GetLastError());
	return continue_event;
}

bool lx_signal_group_stopped(void)
{
	return lx_group_stopped != 0;
}

/* Stop is complete when every Linux thread has parked; a thread that
 * never reaches its delivery point (a wait outside lx_wait_interruptible)
 * would hold the report back for ever, so after this long the parent is
 * told anyway. */
#define STOP_REPORT_GRACE_MS 500

static volatile LONG parked;   /* threads inside lx_signal_group_stop */
static volatile LONG stop_reported;
static int stop_sig;

/* The parent learns of the stop once every thread is parked
 * (do_signal_stop: the last thread to stop notifies). */
static void report_if_complete(bool force)
{
	LONG n = 0;

	lx_thread_registry_lock();
	for (struct lx_thread *t = lx_thread_first(); t; t = t->next)
		n++;
	/* Under the registry lock, which SIGCONT's group_continue holds too,
	 * so that a continue report never comes before its stop. */
	if (lx_group_stopped && (force || parked >= n) &&
	    InterlockedCompareExchange(&stop_reported, 1, 0) == 0)
		lx_proc_report(LX_WAIT_STOPPED(stop_sig));
	lx_thread_registry_unlock();
}

/* Starts the group stop: every other thread is woken from its wait or
 * interrupted in guest code, and parks at its delivery point. */
static void begin_stop(int sig, HANDLE ev)
{
	struct lx_thread *self = lx_current_thread();

	lx_thread_registry_lock();
	if (!lx_group_stopped) {
		ResetEvent(ev);
		stop_sig = sig;
		stop_reported = 0;
		lx_group_stopped = 1;
	}
	for (struct lx_thread *t = lx_thread_first(); t; t = t->next) {
		if (t == self)
			continue;
		SetEvent(t->sig_event);
		lx_signal_kick(t);
	}
	lx_thread_registry_unlock();
}

/*
 * do_signal_stop: every thread that reaches its delivery point parks on
 * the continue event until SIGCONT.  Other signals stay pending meanwhile,
 * even those whose default action kills: no thread of a stopped process
 * wants them (wants_signal); SIGKILL ends the process from the sender.
 */
void lx_signal_group_stop(int sig)
{
	HANDLE ev = get_continue_event();

	if (sig)
		begin_stop(sig, ev);
	InterlockedIncrement(&parked);
	report_if_complete(false);
	while (lx_group_stopped) {
		DWORD ms = stop_reported ? INFINITE : STOP_REPORT_GRACE_MS;
		if (WaitForSingleObject(ev, ms) == WAIT_TIMEOUT)
			report_if_complete(true);
	}
	InterlockedDecrement(&parked);
}

/* SIGCONT (registry lock held): the threads go on, and a stop the
 * parent was told of is followed by a continue report
 * (SIGNAL_CLD_CONTINUED). */
static void group_continue(void)
{
	HANDLE ev = get_continue_event();
	bool was_stopped = lx_group_stopped && stop_reported;

	lx_group_stopped = 0;
	SetEvent(ev);
	if (was_stopped) {
		stop_reported = 0;
		lx_proc_report(LX_WAIT_CONTINUED);
	}
}

void lx_signal_force(struct lx_thread *t, const struct lx_siginfo *info)
{
	struct lx_sigaction act;
	int sig = info->si_signo;

	lx_sigaction_get(sig, &act);
	bool blocked = (t->sigmask & LX_SIGBIT(sig)) != 0;
	if (blocked || act.handler == LX_SIG_IGN) {
		lx_sigaction_reset(sig);
		t->sigmask &= ~LX_SIGBIT(sig);
	}
	enqueue(t, info);
}

/* sig_ignored: dropped at once, unless blocked (the handler may change). */
static bool ignored(struct lx_thread *t, int sig)
{
	struct lx_sigaction act;

	if (t && ((t->sigmask | t->real_blocked) & LX_SIGBIT(sig)))
		return false;
	lx_sigaction_get(sig, &act);
	if (act.handler == LX_SIG_IGN)
		return true;
	/* sig_kernel_ignore counts SIGCONT too: its work is done when sent. */
	enum lx_sig_default d = lx_signal_default(sig);
	return act.handler == LX_SIG_DFL && (d == LX_SIGDFL_IGNORE || d == LX_SIGDFL_CONT);
}

static bool wants(const struct lx_thread *t, int sig)
{
	return !(t->sigmask & LX_SIGBIT(sig));
}

/* complete_signal: the main thread if it does not block sig, else any
 * thread that does not; NULL when all block it.  Registry lock held. */
static struct lx_thread *pick_thread(int sig)
{
	struct lx_thread *main = lx_thread_find(lx_getpid());

	if (main && wants(main, sig))
		return main;
	for (struct lx_thread *t = lx_thread_first(); t; t = t->next)
		if (wants(t, sig))
			return t;
	return NULL;
}

/* The default action would end the process and nothing can catch it:
 * the kernel kills the whole group right in complete_signal. */
static bool fatal_now(const struct lx_thread *t, int sig)
{
	struct lx_sigaction act;

	if ((t->sigmask | t->real_blocked) & LX_SIGBIT(sig))
		return false;
	lx_sigaction_get(sig, &act);
	if (act.handler != LX_SIG_DFL)
		return false;
	enum lx_sig_default d = lx_signal_default(sig);
	return d == LX_SIGDFL_TERM || d == LX_SIGDFL_CORE;
}

void lx_signal_retarget(uint64_t blocked)
{
	struct lx_thread *self = lx_current_thread();
	uint64_t left = lx_shared_sigpending & blocked;

	if (!left)
		return;
	lx_thread_registry_lock();
	for (struct lx_thread *t = lx_thread_first(); t && left; t = t->next) {
		uint64_t take = left & ~t->sigmask;
		if (t == self || !take)
			continue;
		left &= ~take;
		SetEvent(t->sig_event);
		lx_signal_kick(t);
	}
	lx_thread_registry_unlock();
}

void lx_signal_exec_carry(void)
{
	struct lx_thread *self = lx_current_thread();
	uint64_t pending = lx_shared_sigpending | (self ? self->sigpending : 0);

	if (pending)
		InterlockedOr64((volatile LONG64 *)&lx_proc_self->sigpending, (LONG64)pending);
}

void lx_signal_thread_exit(struct lx_thread *t)
{
	AcquireSRWLockExclusive(&queue_lock);
	drop_queued(t->tid, ~0ULL);
	t->sigpending = 0;
	ReleaseSRWLockExclusive(&queue_lock);
	t->sigmask = ~0ULL & ~LX_SIG_UNBLOCKABLE;
	lx_signal_retarget(~0ULL);
}

long lx_signal_send(long tid, int sig, const struct lx_siginfo *info)
{
	struct lx_siginfo si = { .si_signo = sig, .si_code = LX_SI_KERNEL };
	struct lx_thread *t = NULL;
	long ret = 0;
	bool resume = false;

	if (sig < 1 || sig > LX_NSIG)
		return -LX_EINVAL;
	if (info)
		si = *info;
	si.si_signo = sig;
	lx_thread_registry_lock();
	if (tid != 0 && !(t = lx_thread_find(tid))) {
		ret = -LX_ESRCH;
		goto out;
	}
	if (sig == LX_SIGKILL)
		lx_exit_process(LX_SIGKILL);
	if (sig == LX_SIGCONT || (STOP_MASK & LX_SIGBIT(sig))) {
		AcquireSRWLockExclusive(&queue_lock);
		flush_locked(sig == LX_SIGCONT ? STOP_MASK : LX_SIGBIT(LX_SIGCONT));
		ReleaseSRWLockExclusive(&queue_lock);
	}
	/* SIGCONT resumes a stopped process even when it is ignored or
	 * blocked; the threads go on at the end, with the signal queued, so
	 * that its handler runs first (the kernel holds siglock meanwhile). */
	resume = sig == LX_SIGCONT;
	if (ignored(t ? t : lx_thread_find(lx_getpid()), sig))
		goto out;
	ret = enqueue(t, &si);
	if (ret < 0)
		goto out;
	struct lx_thread *target = t ? (wants(t, sig) ? t : NULL) : pick_thread(sig);
	if (!target)
		goto out;
	/* From a runtime thread (the interval timer, a message from another
	 * process) the target dies at its own delivery point instead, so that
	 * the process ends from one of its Linux threads. */
	if (lx_current_thread() && fatal_now(target, sig))
		lx_exit_process(lx_signal_default(sig) == LX_SIGDFL_CORE ? sig | 0x80 : sig);
	SetEvent(target->sig_event);
	if (target != lx_current_thread())
		lx_signal_kick(target);
out:
	if (resume)
		group_continue();
	lx_thread_registry_unlock();
	return ret;
}
