/*
 * /proc/<pid>/fd, fdinfo and maps of another process of the instance
 * (runtime/proc_info.h, docs/vfs.md "/proc and /sys").  What they show
 * lives in the other process's own memory (its fd table, its map), so the
 * reader asks and the process answers: the reader takes the query of the
 * target's record, makes a named answer section and event, writes what it
 * wants and wakes the target's signal listener (sys_kill.c), which starts
 * a short-lived thread that writes the text into the section.  A process
 * nobody inspects pays nothing; the listener itself never waits for the
 * answer, so a process whose fd table is busy cannot lose its signals.
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"
#include "identity.h"
#include "instance.h"
#include "proc.h"
#include "proc_info.h"
#include "thread.h"

/* The answer: a header, then up to ANSWER_CAP bytes of text. */
#define ANSWER_SIZE (1u << 20)
#define ANSWER_CAP (ANSWER_SIZE - sizeof(struct answer))
/* How long a reader waits for the query to be free, and for the answer. */
#define TAKE_TRIES 400
#define TAKE_SLEEP_MS 5
#define ANSWER_TIMEOUT_MS 3000

struct answer {
	volatile int64_t seq;     /* the query_asked value it answers; written last */
	volatile int64_t len;     /* bytes of text */
	volatile int32_t status;  /* 0 or -errno */
	int32_t truncated;
};

/* Local\lxnt-KEY-procq-PID and procq-PID-done: one query at a time per
 * target, so the names need only the target's pid. */
static bool query_name(long pid, const wchar_t *suffix, wchar_t *out)
{
	wchar_t what[48];

	_snwprintf(what, 48, L"procq-%ld%ls", pid, suffix);
	what[47] = 0;
	return lx_instance_object_name(what, out, 96);
}

/* ptrace_may_access in PTRACE_MODE_READ_FSCREDS: CAP_SYS_PTRACE, or the
 * reader's fsuid is the target's real and saved uid. */
static bool may_inspect(const struct lx_proc_record *r)
{
	return lx_capable(LX_CAP_SYS_PTRACE) || (r->uid == lx_fsuid && r->suid == lx_fsuid);
}

/* The query of r: free, or held by a process that is gone (a reader
 * killed half-way), is taken; false when another reader keeps it. */
static bool query_take(struct lx_proc_record *r)
{
	long self = lx_getpid();

	for (int i = 0; i < TAKE_TRIES; i++) {
		long owner = InterlockedCompareExchange(&r->query_owner, self, 0);
		if (owner == 0)
			return true;
		if (lx_instance_tgid(owner) != owner &&
		    InterlockedCompareExchange(&r->query_owner, self, owner) == owner)
			return true;
		Sleep(TAKE_SLEEP_MS);
	}
	return false;
}

/* Copies the answer out once it is the one for seq. */
static long answer_copy(const struct answer *a, int64_t seq, char **text, size_t *len)
{
	if (a->seq != seq)
		return -LX_EACCES; /* no answer in time: the process does not respond */
	MemoryBarrier();
	if (a->status < 0)
		return a->status;
	size_t n = (size_t)a->len;
	if (n > ANSWER_CAP)
		return -LX_EIO;
	char *buf = malloc(n + 1);
	if (!buf)
		return -LX_ENOMEM;
	memcpy(buf, (const char *)(a + 1), n);
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

/* One question to the target, query held. */
static long ask(long pid, struct lx_proc_record *r, int kind, char **text, size_t *len)
{
	wchar_t sname[96], ename[96];
	HANDLE s = NULL, done = NULL;
	struct answer *a = NULL;
	long err = -LX_ENOMEM;

	if (!query_name(pid, L"", sname) || !query_name(pid, L"-done", ename))
		return -LX_ENAMETOOLONG;
	s = CreateFileMappingW(INVALID_HANDLE_VALUE, lx_instance_security(), PAGE_READWRITE, 0,
	                       ANSWER_SIZE, sname);
	done = CreateEventW(lx_instance_security(), FALSE, FALSE, ename);
	if (s)
		a = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, ANSWER_SIZE);
	if (a && done) {
		a->seq = 0;
		r->query_kind = kind;
		MemoryBarrier();
		int64_t seq = InterlockedIncrement64(&r->query_asked);
		lx_signal_listener_wake(pid);
		WaitForSingleObject(done, ANSWER_TIMEOUT_MS);
		err = answer_copy(a, seq, text, len);
	}
	if (a)
		UnmapViewOfFile(a);
	if (s)
		CloseHandle(s);
	if (done)
		CloseHandle(done);
	return err;
}

long lx_proc_query(long pid, int kind, char **text, size_t *len)
{
	long tgid = lx_instance_tgid(pid);
	struct lx_proc_record *r;
	long err;

	if (!tgid)
		return -LX_ESRCH;
	r = lx_proc_record_open(tgid);
	if (!r)
		return -LX_ESRCH;
	if (!may_inspect(r)) {
		err = -LX_EACCES;
	} else if (r->state == LX_PROC_EXITED) {
		/* A zombie has no files and no memory left (exit_files, exit_mm). */
		*text = calloc(1, 1);
		*len = 0;
		err = *text ? 0 : -LX_ENOMEM;
	} else if (!query_take(r)) {
		err = -LX_EACCES; /* another reader's question has not been answered */
	} else {
		err = ask(tgid, r, kind, text, len);
		InterlockedExchange(&r->query_owner, 0);
	}
	lx_proc_record_close(r);
	return err;
}

long lx_proc_may_inspect(long pid)
{
	long tgid = lx_instance_tgid(pid);
	struct lx_proc_record *r = tgid ? lx_proc_record_open(tgid) : NULL;
	long err;

	if (!r)
		return -LX_ESRCH;
	err = may_inspect(r) ? 0 : -LX_EACCES;
	lx_proc_record_close(r);
	return err;
}

/* ---- the inspected process ---- */

static volatile LONG serving;
static struct lx_proc_record *serve_record;

static void answer_write(struct answer *a, int64_t seq, long status, const char *text, size_t n)
{
	a->truncated = n > ANSWER_CAP;
	if (n > ANSWER_CAP)
		n = ANSWER_CAP;
	if (text)
		memcpy((char *)(a + 1), text, n);
	a->len = (int64_t)n;
	a->status = (int32_t)status;
	MemoryBarrier();
	a->seq = seq;
}

static DWORD WINAPI serve(void *arg)
{
	struct lx_proc_record *r = serve_record;
	wchar_t sname[96], ename[96];
	long pid = lx_getpid();

	(void)arg;
	while (r->query_answered != r->query_asked) {
		int64_t seq = r->query_asked;
		int kind = (int)r->query_kind;
		char *text = NULL;
		size_t n = 0;
		long status = lx_proc_answer_text(kind, &text, &n);
		if (query_name(pid, L"", sname) && query_name(pid, L"-done", ename)) {
			HANDLE s = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, sname);
			struct answer *a = s ? MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, ANSWER_SIZE) : NULL;
			if (a) {
				answer_write(a, seq, status, text, n);
				UnmapViewOfFile(a);
			}
			if (s)
				CloseHandle(s);
			HANDLE done = OpenEventW(EVENT_MODIFY_STATE, FALSE, ename);
			if (done) {
				SetEvent(done);
				CloseHandle(done);
			}
		}
		free(text);
		r->query_answered = seq;
	}
	InterlockedExchange(&serving, 0);
	/* A question asked after the loop's last look starts a new thread. */
	if (r->query_answered != r->query_asked)
		lx_proc_query_serve(r);
	return 0;
}

void lx_proc_query_serve(struct lx_proc_record *r)
{
	if (r->query_answered == r->query_asked || InterlockedCompareExchange(&serving, 1, 0))
		return;
	serve_record = r;
	HANDLE t = lx_helper_thread(serve, NULL, 256 * 1024);
	if (t)
		CloseHandle(t);
	else
		InterlockedExchange(&serving, 0);
}
