/*
 * kill(2) across the processes of the instance (kernel/signal.c,
 * kill_something_info), and the listener that takes signals other
 * processes post.  A sender finds the target's record by pid (a named
 * section, runtime/proc.c), checks permission, sets the signal's bit and
 * sets the target's named event; the target's listener thread raises each
 * posted signal with lx_signal_send.  SIGKILL needs no cooperation: the
 * sender records the death and ends the target's Windows process.
 */
#include <windows.h>
#include <string.h>

#include "capability.h"
#include "identity.h"
#include "instance.h"
#include "proc.h"
#include "signal.h"
#include "syscall_table.h"

#define SIGBIT(sig) (1ULL << ((sig) - 1))

/* The name of pid's signal event, one per instance (runtime/instance.h). */
static void event_name(long pid, wchar_t *out)
{
	wchar_t what[32];

	_snwprintf(what, 32, L"sig-%ld", pid);
	what[31] = 0;
	if (!lx_instance_object_name(what, out, 96))
		out[0] = 0;
}

static HANDLE listener_event, listener_thread, listener_running;
/* The record the listener reads: this process's, even while a vfork
 * child borrows lx_proc_self (runtime/vfork.c). */
static struct lx_proc_record *listener_record;
static volatile LONG listener_stopping;

/* Raises the thread-directed signals other processes posted
 * (lx_signal_thread); one whose thread has ended meanwhile is dropped,
 * as the kernel's signals die with their thread. */
static void take_thread_posts(struct lx_proc_record *r)
{
	for (int i = 0; i < LX_THREAD_POSTS; i++) {
		struct lx_thread_post *p = &r->thread_post[i];
		int64_t word = p->word;
		if (word <= 0)
			continue;
		MemoryBarrier();
		struct lx_siginfo info = {
			.si_signo = (int)(word & 0xff), .si_code = LX_SI_TKILL,
			.u.kill = { .pid = (int32_t)p->sender, .uid = (uint32_t)p->sender_uid },
		};
		if (p->queued) {
			info.si_code = (int32_t)p->code;
			memcpy(info.u.raw, (const void *)p->data, sizeof(p->data));
		}
		InterlockedExchange64(&p->word, 0);
		lx_signal_send((long)(word >> 8), info.si_signo, &info);
	}
}

/* Raises the signals posted to the record since the last look. */
static void raise_posted(struct lx_proc_record *r)
{
	uint64_t bits = (uint64_t)InterlockedExchange64((volatile LONG64 *)&r->sigpending, 0);

	for (int sig = 1; sig <= LX_NSIG && bits; sig++) {
		if (!(bits & SIGBIT(sig)))
			continue;
		bits &= ~SIGBIT(sig);
		struct lx_siginfo info = {
			.si_signo = sig, .si_code = LX_SI_USER,
			.u.kill = { .pid = (int32_t)r->sender[sig - 1],
			            .uid = (uint32_t)r->sender_uid[sig - 1] },
		};
		lx_signal_send(0, sig, &info);
	}
}

static DWORD WINAPI listener(void *arg)
{
	(void)arg;
	SetEvent(listener_running);
	for (;;) {
		WaitForSingleObject(listener_event, INFINITE);
		if (listener_stopping)
			return 0;
		take_thread_posts(listener_record);
		lx_proc_query_serve(listener_record);
		raise_posted(listener_record);
	}
}

void lx_signal_listener_start(void)
{
	wchar_t name[96];

	event_name(lx_getpid(), name);
	listener_record = lx_proc_self;
	/* What the image before an execve left pending (lx_signal_exec_carry)
	 * is pending before the first instruction, as Linux keeps it. */
	raise_posted(listener_record);
	listener_event = CreateEventW(lx_instance_security(), FALSE, FALSE, name);
	if (!listener_event)
		return;
	listener_running = CreateEventW(NULL, TRUE, FALSE, NULL);
	listener_thread = CreateThread(NULL, 64 * 1024, listener, NULL, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	/* Signals posted before the event existed wait in the record. */
	bool posted = listener_record->sigpending != 0 ||
	              listener_record->query_asked != listener_record->query_answered;
	for (int i = 0; i < LX_THREAD_POSTS; i++)
		posted |= listener_record->thread_post[i].word != 0;
	if (posted)
		SetEvent(listener_event);
}

/*
 * Called before the process ends: a thread that is still starting while
 * the process exits can lose its first exchange with the Windows side
 * (under Wine it prints "wine client error"), so the exit waits until the
 * listener runs; it has then nothing left to say.
 */
void lx_signal_listener_quiesce(void)
{
	if (listener_thread && listener_running)
		WaitForSingleObject(listener_running, 1000);
}

void lx_signal_listener_stop(void)
{
	if (!listener_thread)
		return;
	InterlockedExchange(&listener_stopping, 1);
	SetEvent(listener_event);
	WaitForSingleObject(listener_thread, INFINITE);
	CloseHandle(listener_thread);
	listener_thread = NULL;
}

/* check_kill_permission and kill_ok_by_cred: CAP_KILL, or the
 * sender's real or effective uid is the target's real or saved uid; and
 * SIGCONT to any process of the same session. */
static bool may_signal(const struct lx_proc_record *r, int sig)
{
	if (lx_capable(LX_CAP_KILL) || lx_euid == r->uid || lx_euid == r->suid || lx_uid == r->uid ||
	    lx_uid == r->suid)
		return true;
	if (sig == LX_SIGCONT) {
		long sid = lx_proc_self->sid ? lx_proc_self->sid : lx_getpid();
		return !r->sid || r->sid == sid;
	}
	return false;
}

/* prepare_signal: SIGCONT discards the stops posted and not yet taken,
 * a stop discards a posted SIGCONT (the target's own queue does the
 * same when its listener raises them). */
static void post_bits(struct lx_proc_record *r, int sig)
{
	uint64_t stops = SIGBIT(LX_SIGSTOP) | SIGBIT(LX_SIGTSTP) | SIGBIT(LX_SIGTTIN) | SIGBIT(LX_SIGTTOU);

	if (sig == LX_SIGCONT)
		InterlockedAnd64((volatile LONG64 *)&r->sigpending, ~(LONG64)stops);
	else if (stops & SIGBIT(sig))
		InterlockedAnd64((volatile LONG64 *)&r->sigpending, ~(LONG64)SIGBIT(LX_SIGCONT));
	InterlockedOr64((volatile LONG64 *)&r->sigpending, (LONG64)SIGBIT(sig));
}

static long kill_hard(struct lx_proc_record *r)
{
	HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)r->win_pid);

	if (!h)
		return lx_errno_from_win32(GetLastError());
	r->wait_status = LX_SIGKILL;
	r->state = LX_PROC_EXITED;
	TerminateProcess(h, 128 + LX_SIGKILL);
	CloseHandle(h);
	return 0;
}

void lx_signal_listener_wake(long pid)
{
	wchar_t name[96];

	event_name(pid, name);
	HANDLE ev = OpenEventW(EVENT_MODIFY_STATE, FALSE, name);
	if (ev) {
		SetEvent(ev);
		CloseHandle(ev);
	}
}

/* Posts sig to another process of the instance: from the caller, or
 * from the kernel (SEND_SIG_PRIV: no permission check, si_pid 0). */
static long post_signal_from(long pid, int sig, bool kernel)
{
	struct lx_proc_record *r = lx_proc_record_open(pid);
	long err = 0;

	if (!r)
		return -LX_ESRCH;
	/* Reaped already (its table entry is gone), though its parent's
	 * watcher still holds the record (group_of in sys_process.c). */
	if (r->state == LX_PROC_EXITED && !lx_instance_tgid(pid)) {
		err = -LX_ESRCH;
	} else if (!kernel && !may_signal(r, sig)) {
		err = -LX_EPERM;
	} else if (r->state == LX_PROC_EXITED || sig == 0) {
		err = 0; /* a zombie can be signalled, to no effect */
	} else if (sig == LX_SIGKILL) {
		if ((err = kill_hard(r)) == 0)
			lx_pgrp_orphans_after_end(pid, r);
	} else {
		r->sender[sig - 1] = kernel ? 0 : lx_getpid();
		r->sender_uid[sig - 1] = kernel ? 0 : lx_uid;
		post_bits(r, sig);
		lx_signal_listener_wake(pid);
	}
	lx_proc_record_close(r);
	return err;
}

static long post_signal(long pid, int sig)
{
	return post_signal_from(pid, sig, false);
}

/* How long a sender waits for the target's listener to free a slot
 * before tgkill gives up with EAGAIN: the slots only carry signals to the
 * target's own queue, which takes them at once. */
#define THREAD_POST_TRIES 200

/*
 * Claims a free slot of r's thread posts for tid << 8 | sig, with the
 * sender's siginfo when info is given (rt_sigqueueinfo).  A standard
 * signal already waiting there for the same thread is merged into it, as
 * legacy_queue merges it in the target's pending set.  With every slot
 * taken it wakes the target's listener and tries again, a millisecond
 * apart.
 */
static long post_thread_bits(struct lx_proc_record *r, long owner, long tid, int sig,
                             const struct lx_siginfo *info)
{
	int64_t word = ((int64_t)tid << 8) | sig;

	for (int tries = 0; tries < THREAD_POST_TRIES; tries++) {
		if (sig < 32)
			for (int i = 0; i < LX_THREAD_POSTS; i++)
				if (r->thread_post[i].word == word)
					return 0;
		for (int i = 0; i < LX_THREAD_POSTS; i++) {
			struct lx_thread_post *p = &r->thread_post[i];
			if (InterlockedCompareExchange64(&p->word, -1, 0) != 0)
				continue;
			p->sender = lx_getpid();
			p->sender_uid = lx_uid;
			p->queued = info != NULL;
			if (info) {
				p->code = info->si_code;
				memcpy((void *)p->data, info->u.raw, sizeof(p->data));
			}
			MemoryBarrier();
			InterlockedExchange64(&p->word, word);
			return 0;
		}
		if (r->state == LX_PROC_EXITED)
			return 0;
		lx_signal_listener_wake(owner);
		Sleep(1);
	}
	return -LX_EAGAIN;
}

/* A signal for thread tid (0: the process) of process owner, with the
 * sender's siginfo or none: kill(2)'s permission check against its
 * record, then a slot of it, and its listener woken. */
static long post_to_record(long owner, long tid, int sig, const struct lx_siginfo *info)
{
	struct lx_proc_record *r = lx_proc_record_open(owner);
	long err;

	if (!r)
		return -LX_ESRCH;
	if (!may_signal(r, sig))
		err = -LX_EPERM;
	else if (r->state == LX_PROC_EXITED || sig == 0)
		err = 0;
	else if ((err = post_thread_bits(r, owner, tid, sig, info)) == 0)
		lx_signal_listener_wake(owner);
	lx_proc_record_close(r);
	return err;
}

/* do_send_specific for a thread of another process: the permission check
 * of kill(2) against the process's record; SIGKILL ends the whole
 * process (it always does), the others wait in the record until the
 * target's listener raises them in the thread. */
long lx_signal_thread(long tgid, long tid, int sig)
{
	long owner = lx_instance_tgid(tid);

	if (sig < 0 || sig > LX_NSIG)
		return -LX_EINVAL;
	/* A process the table does not list may still have a record (see
	 * lx_sys_kill); its only thread is its main one. */
	if (!owner && (tgid == 0 || tgid == tid))
		return post_signal(tid, sig);
	/* The caller's own threads are its registry's (sys_signal.c): one
	 * that is not there has ended. */
	if (!owner || (tgid > 0 && owner != tgid) || owner == lx_getpid())
		return -LX_ESRCH;
	if (sig == LX_SIGKILL || (owner == tid && sig == 0))
		return post_signal(owner, sig);
	return post_to_record(owner, tid, sig, NULL);
}

/* do_rt_sigqueueinfo and do_rt_tgsigqueueinfo towards another process
 * (tid 0: the process itself): kill(2)'s permission check, then the
 * caller's siginfo goes through a slot of the target's record. */
long lx_signal_queue_other(long tgid, long tid, int sig, const struct lx_siginfo *info)
{
	long owner = tid ? lx_instance_tgid(tid) : lx_instance_tgid(tgid);

	if (!owner || owner != tgid)
		return -LX_ESRCH;
	if (sig == LX_SIGKILL)
		return post_signal(owner, sig);
	return post_to_record(owner, tid, sig, info);
}

long lx_signal_process(long pid, int sig)
{
	if (sig < 0 || sig > LX_NSIG)
		return -LX_EINVAL;
	return post_signal(pid, sig);
}

static long signal_self(int sig)
{
	struct lx_siginfo info = {
		.si_signo = sig, .si_code = LX_SI_USER,
		.u.kill = { .pid = (int32_t)lx_getpid(), .uid = (uint32_t)lx_uid },
	};

	if (sig == 0)
		return 0;
	return lx_signal_send(0, sig, &info);
}

static long own_pgid(void)
{
	return lx_proc_self->pgid ? lx_proc_self->pgid : lx_getpid();
}

/* The group of another process of the instance, or 0 if it is gone. */
static long pgid_of(long pid)
{
	struct lx_proc_record *r = lx_proc_record_open(pid);
	long pgid = r ? (r->pgid ? r->pgid : pid) : 0;

	lx_proc_record_close(r);
	return pgid;
}

/*
 * __kill_pgrp_info: every member of the group, the caller included;
 * success if one signal went out, else the last error (ESRCH for an empty
 * group).  The members are the instance's processes (runtime/instance.h).
 */
static long signal_group(long pgid, int sig)
{
	long pids[512];
	size_t n = lx_instance_pids(pids, 512);
	long retval = -LX_ESRCH, err;
	bool success = false;

	for (size_t i = 0; i < n && i < 512; i++) {
		bool self = pids[i] == lx_getpid();
		if ((self ? own_pgid() : pgid_of(pids[i])) != pgid)
			continue;
		err = self ? signal_self(sig) : post_signal(pids[i], sig);
		success |= err == 0;
		retval = err;
	}
	return success ? 0 : retval;
}

void lx_signal_parent_death(long pid, int sig, long parent, long parent_uid)
{
	struct lx_proc_record *r = lx_proc_record_open(pid);

	if (!r)
		return;
	/* The daemon would do the same once it sees the parent gone
	 * (runtime/daemon.c, reparent_and_reap). */
	InterlockedCompareExchange((volatile LONG *)&r->ppid, 1, (LONG)parent);
	if (r->state != LX_PROC_EXITED && sig == LX_SIGKILL) {
		if (kill_hard(r) == 0)
			lx_pgrp_orphans_after_end(pid, r);
	} else if (r->state != LX_PROC_EXITED) {
		r->sender[sig - 1] = parent;
		r->sender_uid[sig - 1] = parent_uid;
		post_bits(r, sig);
		lx_signal_listener_wake(pid);
	}
	lx_proc_record_close(r);
}

void lx_signal_group_kernel(long pgid, int sig)
{
	long pids[512];
	size_t n = lx_instance_pids(pids, 512);

	for (size_t i = 0; i < n && i < 512; i++)
		if (pids[i] != lx_getpid() && pgid_of(pids[i]) == pgid)
			post_signal_from(pids[i], sig, true);
}

/*
 * kill(-1, sig) (kill_something_info): every process of the instance but
 * init and the caller; EPERM from some is no error, ESRCH when there was
 * nobody to try.
 */
static long signal_all(int sig)
{
	long pids[512];
	size_t n = lx_instance_pids(pids, 512);
	long retval = 0, err;
	int count = 0;

	for (size_t i = 0; i < n && i < 512; i++) {
		if (pids[i] <= 1 || pids[i] == lx_getpid())
			continue;
		err = post_signal(pids[i], sig);
		count++;
		if (err != -LX_EPERM)
			retval = err;
	}
	return count ? retval : -LX_ESRCH;
}

/* Linux kill(2). */
int64_t lx_sys_kill(struct lx_syscall *sc)
{
	long pid = (int32_t)sc->arg[0];
	int sig = (int)sc->arg[1];

	if (sig < 0 || sig > LX_NSIG)
		return -LX_EINVAL;
	if (pid > 0) {
		/* A tid names its process (kill_pid_info finds the task, then
		 * its thread group); a pid the instance's list does not know
		 * may still have a record. */
		long tgid = lx_instance_tgid(pid);
		if (tgid == lx_getpid())
			return signal_self(sig);
		return post_signal(tgid ? tgid : pid, sig);
	}
	if (pid == -1)
		return signal_all(sig);
	if (pid == 0)
		return signal_group(own_pgid(), sig);
	if (pid == INT32_MIN)
		return -LX_ESRCH;
	return signal_group(-pid, sig);
}
