/*
 * Which processes hold the ends of a FIFO (docs/vfs.md, "FIFOs").  A
 * process killed with a FIFO open sets none of its events, so a call
 * blocked on the FIFO would learn of that death only when it looks again.
 * Each process therefore notes in the ring how many of its descriptions
 * hold each role, and a call about to block also waits on the process
 * handles of the holders of the other end: a process handle is signalled
 * when the process ends, however it ends (WaitForSingleObject, "Process").
 *
 * The notes are only a hint.  Whether an end is open is still the role
 * objects' handle count (fifo.c); a killed process leaves its note behind
 * until a waiter finds its process gone, and a description handed to a
 * child is noted only once the child has taken it.  So a waiter trusts
 * its handles for long (LX_FIFO_WATCHED_MS) only when the notes of the
 * other end add up to that end's handle count, and otherwise looks again
 * every LX_FIFO_RECHECK_MS as before.
 */
#include "fifo.h"

static struct lx_fifo_holder *holder_of(struct lx_fifo_ring *r, uint32_t pid, bool make)
{
	struct lx_fifo_holder *free_slot = NULL;

	for (int i = 0; i < LX_FIFO_HOLDERS; i++) {
		if (r->holders[i].pid == pid)
			return &r->holders[i];
		if (!r->holders[i].pid && !free_slot)
			free_slot = &r->holders[i];
	}
	if (!make || !free_slot)
		return NULL;
	free_slot->pid = pid;
	free_slot->n[0] = free_slot->n[1] = 0;
	return free_slot;
}

void lx_fifo_holder_add(struct lx_fifo *fx, enum lx_fifo_role role, int delta)
{
	struct lx_fifo_holder *h = holder_of(fx->ring, GetCurrentProcessId(), delta > 0);

	if (!h)
		return; /* no room: the waiters look again at intervals */
	if (delta > 0)
		h->n[role]++;
	else if (h->n[role])
		h->n[role]--;
	if (!h->n[0] && !h->n[1])
		h->pid = 0;
}

/* A holder's process handle, or NULL with its note dropped when the
 * process has ended (its pid may even name another process by now: then
 * the handle is that one's, and only the counts' check below is fooled
 * into a shorter wait, never a longer one). */
static HANDLE open_holder(struct lx_fifo_holder *h)
{
	HANDLE p = OpenProcess(SYNCHRONIZE, FALSE, h->pid);

	if (p && WaitForSingleObject(p, 0) == WAIT_TIMEOUT)
		return p;
	if (p)
		CloseHandle(p);
	else if (GetLastError() != ERROR_INVALID_PARAMETER)
		return NULL; /* not known to be gone: keep the note */
	h->pid = 0;
	h->n[0] = h->n[1] = 0;
	return NULL;
}

unsigned lx_fifo_watch_peers(struct lx_fifo *fx, enum lx_fifo_role peer, HANDLE *out,
                             unsigned cap, unsigned *n)
{
	struct lx_fifo_ring *r = fx->ring;
	uint32_t self = GetCurrentProcessId();
	uint64_t noted = 0;
	bool all = true;

	*n = 0;
	/* Our own description of that end keeps it open whoever dies. */
	if (fx->role[peer])
		return LX_FIFO_WATCHED_MS;
	for (int i = 0; i < LX_FIFO_HOLDERS; i++) {
		struct lx_fifo_holder *h = &r->holders[i];
		if (!h->pid || !h->n[peer])
			continue;
		if (h->pid == self) {
			noted += h->n[peer];
			continue;
		}
		if (*n == cap) {
			all = false;
			break;
		}
		HANDLE p = open_holder(h);
		if (!p) {
			all = all && !h->pid; /* gone, or could not be watched */
			continue;
		}
		out[(*n)++] = p;
		noted += h->n[peer];
	}
	long count = lx_fifo_count(fx, peer);
	if (!all || count < 0 || (uint64_t)count != noted)
		return LX_FIFO_RECHECK_MS;
	return LX_FIFO_WATCHED_MS;
}
