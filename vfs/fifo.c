/*
 * FIFOs (fifo(7)): one pipe buffer shared by every open of a FIFO node in
 * every process of the instance, as fifo_open of fs/pipe.c shares one
 * pipe_inode_info (docs/vfs.md, "FIFOs").  The node's stable key (st_dev,
 * st_ino) names the instance's objects for it (runtime/instance.h):
 *
 *   fifo-DEV-INO-ring   section: struct lx_fifo_ring, the 64 KiB buffer
 *   fifo-DEV-INO-lock   mutex over the ring
 *   fifo-DEV-INO-data   event for the readers, -room for the writers
 *   fifo-DEV-INO-r, -w  role objects: one handle per reading (writing)
 *                       description, wherever it lives
 *   fifo-DEV-INO-qID    event of a description that waits in poll
 *
 * Readers and writers are counted as the handle counts of the role objects
 * (NtQueryObject, ObjectBasicInformation), so that a killed process, whose
 * handles Windows closes, cannot leave a count wrong, and a description
 * handed to a child by fork, whose handle is duplicated, keeps its end open
 * until the last process holding it closes it, as Linux counts open file
 * descriptions.  Reads and writes are fifo_io.c's.  The node itself, and
 * the call of lx_fifo_open when open(2) meets one, are the metadata
 * backend's.
 */
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "handoff.h"
#include "instance.h"
#include "signal.h"

#define LX_FIFO_NAME 160

static const wchar_t *const role_suffix[2] = { L"r", L"w" };

/* The instance's name of the FIFO's object `suffix`. */
static bool object_name(const struct lx_fifo *fx, const wchar_t *suffix, wchar_t *out)
{
	wchar_t what[64];
	size_t n = wcslen(fx->what);

	if (n + wcslen(suffix) + 1 > sizeof(what) / sizeof(what[0]))
		return false;
	memcpy(what, fx->what, n * sizeof(wchar_t));
	wcscpy(what + n, suffix);
	return lx_instance_object_name(what, out, LX_FIFO_NAME);
}

long lx_fifo_enter(struct lx_fifo *fx)
{
	/* WAIT_ABANDONED: its owner died inside; the ring is whole (fifo.h). */
	DWORD r = WaitForSingleObject(fx->mutex, INFINITE);

	return r == WAIT_OBJECT_0 || r == WAIT_ABANDONED ? 0 : -LX_EIO;
}

static void poll_wake_one(struct lx_fifo *fx, uint32_t id);

/*
 * Wake-ups are given after ReleaseMutex: a process woken while the mutex
 * is still held would run, find it held and wait again, one more round
 * through the kernel (under Wine, its server) for each side, which on two
 * busy cores made a FIFO's round trip several times slower.
 */
void lx_fifo_leave(struct lx_fifo *fx)
{
	uint32_t ids[LX_FIFO_POLLERS];
	unsigned n = fx->wake_n, events = fx->wake_events;

	memcpy(ids, fx->wake_ids, n * sizeof(ids[0]));
	fx->wake_n = 0;
	fx->wake_events = 0;
	ReleaseMutex(fx->mutex);
	for (int who = 0; who < 2; who++)
		if (events & (1u << who))
			SetEvent(fx->wake[who]);
	if (!n)
		return;
	AcquireSRWLockExclusive(&fx->woken_lock);
	for (unsigned i = 0; i < n; i++)
		poll_wake_one(fx, ids[i]);
	ReleaseSRWLockExclusive(&fx->woken_lock);
}

/*
 * The handle count of the role object, less the handle opened here to ask.
 * Every change of a count that is not a death (open, close, this probe)
 * happens under the mutex, so no other probe is counted; a fork's
 * duplicate adds to a count that is already above 0.
 */
long lx_fifo_count(struct lx_fifo *fx, enum lx_fifo_role role)
{
	wchar_t name[LX_FIFO_NAME];

	if (fx->role[role])
		return 1; /* ours, at least */
	if (!object_name(fx, role_suffix[role], name))
		return -LX_ENAMETOOLONG;
	/* No handle of it anywhere: nobody has that end open. */
	return lx_event_other_handles(name);
}

/* Besides its wake event, the wait watches the processes holding the
 * other end, whose death would change its answer (fifo_peers.c). */
long lx_fifo_wait(struct lx_fifo *fx, enum lx_fifo_role who)
{
	void *h[1 + LX_FIFO_WATCHED];
	unsigned watched, ms;
	long r;

	h[0] = fx->wake[who];
	ResetEvent(h[0]);
	ms = lx_fifo_watch_peers(fx, !who, h + 1, LX_FIFO_WATCHED, &watched);
	fx->ring->waiting[who]++;
	lx_fifo_leave(fx);
	r = lx_wait_interruptible(1 + watched, h, ms);
	for (unsigned i = 1; i <= watched; i++)
		CloseHandle(h[i]);
	if (lx_fifo_enter(fx))
		return -LX_EIO;
	if (fx->ring->waiting[who])
		fx->ring->waiting[who]--;
	return r == -LX_ERESTARTSYS ? r : 0;
}

void lx_fifo_wake(struct lx_fifo *fx, enum lx_fifo_role who)
{
	if (fx->ring->waiting[who])
		fx->wake_events |= 1u << who;
}

static void fifo_free(struct lx_fifo *fx)
{
	if (fx->ring)
		UnmapViewOfFile(fx->ring);
	if (fx->poll_event)
		CloseHandle(fx->poll_event);
	for (int i = 0; i < LX_FIFO_WOKEN; i++)
		if (fx->woken[i].event)
			CloseHandle(fx->woken[i].event);
	for (int i = 0; i < 2; i++) {
		if (fx->wake[i])
			CloseHandle(fx->wake[i]);
		if (fx->role[i])
			CloseHandle(fx->role[i]);
	}
	if (fx->mutex)
		CloseHandle(fx->mutex);
	if (fx->section)
		CloseHandle(fx->section);
	free(fx);
}

/* A named event of the FIFO (a wake event or a role object), made or
 * opened. */
static HANDLE named_event(const struct lx_fifo *fx, const wchar_t *suffix)
{
	wchar_t name[LX_FIFO_NAME];

	if (!object_name(fx, suffix, name))
		return NULL;
	return CreateEventW(lx_instance_security(), TRUE, FALSE, name);
}

/*
 * Makes or opens the FIFO's objects and maps its ring.  section, when not
 * NULL, is the ring's handle (handed over by fork or execve) and is taken.
 */
static long fifo_attach(uint64_t dev, uint64_t ino, HANDLE section, struct lx_fifo **out)
{
	struct lx_fifo *fx = calloc(1, sizeof(*fx));
	wchar_t name[LX_FIFO_NAME];
	wchar_t *at;

	if (!fx) {
		if (section)
			CloseHandle(section);
		return -LX_ENOMEM;
	}
	InitializeSRWLock(&fx->woken_lock);
	wcscpy(fx->what, L"fifo-");
	at = fx->what + 5;
	lx_pipe_append_hex(&at, dev, L'-');
	lx_pipe_append_hex(&at, ino, L'-');
	*at = 0;
	fx->section = section;
	if (!fx->section && object_name(fx, L"ring", name))
		fx->section = CreateFileMappingW(INVALID_HANDLE_VALUE, lx_instance_security(),
		                                 PAGE_READWRITE, 0, sizeof(struct lx_fifo_ring), name);
	if (fx->section && object_name(fx, L"lock", name))
		fx->mutex = CreateMutexW(lx_instance_security(), FALSE, name);
	if (fx->mutex) {
		fx->wake[LX_FIFO_READER] = named_event(fx, L"data");
		fx->wake[LX_FIFO_WRITER] = named_event(fx, L"room");
	}
	if (fx->wake[LX_FIFO_READER] && fx->wake[LX_FIFO_WRITER])
		fx->ring = MapViewOfFile(fx->section, FILE_MAP_ALL_ACCESS, 0, 0,
		                         sizeof(struct lx_fifo_ring));
	if (!fx->ring) {
		long err = lx_errno_from_win32(GetLastError());
		fifo_free(fx);
		return err ? err : -LX_ENOMEM;
	}
	/* A new section is zeroed: an empty ring that nobody has opened. */
	*out = fx;
	return 0;
}

/* The suffix of a description's poll event: "q" and its poll id. */
static void poll_suffix(uint32_t id, wchar_t out[16])
{
	wchar_t *at = out;

	*at++ = L'q';
	lx_pipe_append_hex(&at, id, 0);
}

/*
 * Sets the poll event of the description with poll id `id`, in this
 * process or another one; a description that has gone is skipped.  The
 * handle stays in fx->woken: a FIFO's pollers are usually the same few
 * descriptions again and again.  Ids are not reused while the ring lives,
 * so a kept handle never sets a later description's event.  Under
 * woken_lock, after the mutex (lx_fifo_leave).
 */
static void poll_wake_one(struct lx_fifo *fx, uint32_t id)
{
	wchar_t suffix[16], name[LX_FIFO_NAME];
	unsigned slot;
	HANDLE h;

	if (id == fx->poll_id) {
		SetEvent(fx->poll_event);
		return;
	}
	for (int i = 0; i < LX_FIFO_WOKEN; i++)
		if (fx->woken[i].id == id) {
			SetEvent(fx->woken[i].event);
			return;
		}
	poll_suffix(id, suffix);
	if (!object_name(fx, suffix, name))
		return;
	h = OpenEventW(EVENT_MODIFY_STATE, FALSE, name);
	if (!h)
		return;
	SetEvent(h);
	slot = fx->woken_next++ % LX_FIFO_WOKEN;
	if (fx->woken[slot].event)
		CloseHandle(fx->woken[slot].event);
	fx->woken[slot].id = id;
	fx->woken[slot].event = h;
}

void lx_fifo_changed(struct lx_fifo *fx)
{
	struct lx_fifo_ring *r = fx->ring;

	r->gen++;
	for (int i = 0; i < LX_FIFO_POLLERS; i++) {
		uint32_t id = r->pollers[i];
		if (!id)
			continue;
		r->pollers[i] = 0;
		/* Taken off the list once, so it fits in wake_ids. */
		fx->wake_ids[fx->wake_n++] = id;
	}
}

/*
 * Each description polls through an event of its own, which a change sets
 * (lx_fifo_changed): an auto-reset event shared by every poller would wake
 * only one of them, and a shared manual-reset one would need someone to
 * reset it while others may not have seen it yet.  The event is reset here,
 * under the mutex, right after the caller saw nothing ready, so that only
 * a later change sets it.
 */
long lx_fifo_poll_enlist(struct lx_fifo *fx)
{
	struct lx_fifo_ring *r = fx->ring;
	int free_slot = -1;

	if (!fx->poll_event) {
		wchar_t suffix[16];
		uint32_t id = ++r->poll_ids;
		if (!id)
			id = ++r->poll_ids; /* 0 marks a free slot */
		poll_suffix(id, suffix);
		fx->poll_event = named_event(fx, suffix);
		if (!fx->poll_event)
			return lx_errno_from_win32(GetLastError());
		fx->poll_id = id;
	}
	for (int i = 0; i < LX_FIFO_POLLERS; i++) {
		if (r->pollers[i] == fx->poll_id)
			free_slot = i;
		else if (!r->pollers[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -LX_EAGAIN;
	ResetEvent(fx->poll_event);
	r->pollers[free_slot] = fx->poll_id;
	return 0;
}

/* Takes a handle of the role object (under the mutex). */
static long take_role(struct lx_fifo *fx, enum lx_fifo_role role)
{
	fx->role[role] = named_event(fx, role_suffix[role]);
	if (!fx->role[role])
		return lx_errno_from_win32(GetLastError());
	lx_fifo_holder_add(fx, role, 1);
	lx_fifo_changed(fx);
	return 0;
}

/* Gives the description's roles back and wakes the other side, which may
 * now see end of file, EPIPE or POLLHUP/POLLERR (pipe_release). */
static void drop_roles(struct lx_fifo *fx)
{
	for (int role = 0; role < 2; role++) {
		if (!fx->role[role])
			continue;
		CloseHandle(fx->role[role]);
		fx->role[role] = NULL;
		lx_fifo_holder_add(fx, role, -1);
		SetEvent(fx->wake[!role]);
		lx_fifo_changed(fx);
	}
}

/*
 * wait_for_partner of fs/pipe.c: until the other role has a description
 * open, or has had one opened since (a writer that came and went at once
 * still ends a reader's open).
 */
static long wait_for_partner(struct lx_fifo *fx, enum lx_fifo_role me)
{
	enum lx_fifo_role partner = !me;
	volatile uint64_t *opened = partner == LX_FIFO_WRITER ? &fx->ring->writers_opened :
	                                                       &fx->ring->readers_opened;
	uint64_t seen = *opened;

	for (;;) {
		long n = lx_fifo_count(fx, partner);
		if (n != 0)
			return n < 0 ? n : 0;
		if (*opened != seen)
			return 0;
		long r = lx_fifo_wait(fx, me);
		if (r < 0)
			return r;
	}
}

/* fifo_open of fs/pipe.c, under the mutex. */
static long open_roles(struct lx_fifo *fx, unsigned flags)
{
	bool nonblock = (flags & LX_O_NONBLOCK) != 0;
	long r;

	switch (flags & LX_O_ACCMODE) {
	case LX_O_RDONLY:
		/* O_NONBLOCK never waits for a writer. */
		r = take_role(fx, LX_FIFO_READER);
		if (r)
			return r;
		fx->ring->readers_opened++;
		SetEvent(fx->wake[LX_FIFO_WRITER]);
		r = lx_fifo_count(fx, LX_FIFO_WRITER);
		if (r != 0)
			return r < 0 ? r : 0;
		if (nonblock) {
			fx->hup_gated = true;
			fx->hup_seen = fx->ring->writers_opened;
			return 0;
		}
		return wait_for_partner(fx, LX_FIFO_READER);
	case LX_O_WRONLY:
		/* O_NONBLOCK without a reader: ENXIO (fifo(7)). */
		r = lx_fifo_count(fx, LX_FIFO_READER);
		if (r < 0)
			return r;
		if (r == 0 && nonblock)
			return -LX_ENXIO;
		r = take_role(fx, LX_FIFO_WRITER);
		if (r)
			return r;
		fx->ring->writers_opened++;
		SetEvent(fx->wake[LX_FIFO_READER]);
		return wait_for_partner(fx, LX_FIFO_WRITER);
	case LX_O_RDWR:
		/* Both ends at once: it never blocks (fifo(7), "O_RDWR"). */
		r = take_role(fx, LX_FIFO_READER);
		if (!r)
			r = take_role(fx, LX_FIFO_WRITER);
		if (r)
			return r;
		fx->ring->readers_opened++;
		fx->ring->writers_opened++;
		SetEvent(fx->wake[LX_FIFO_READER]);
		SetEvent(fx->wake[LX_FIFO_WRITER]);
		return 0;
	default:
		return -LX_EINVAL;
	}
}

static void fifo_release(struct lx_file *f)
{
	struct lx_fifo *fx = f->priv;

	if (!lx_fifo_enter(fx)) {
		drop_roles(fx);
		lx_fifo_leave(fx);
	}
	fifo_free(fx);
}

/* The node as the latest open of the FIFO found it (fifo.h). */
static long fifo_stat(struct lx_file *f, struct lx_kstat *st)
{
	struct lx_fifo *fx = f->priv;
	long r = lx_fifo_enter(fx);

	if (r)
		return r;
	*st = fx->ring->node;
	lx_fifo_leave(fx);
	return 0;
}

static const struct lx_file_ops fifo_ops = {
	.read = lx_fifo_read,
	.write = lx_fifo_write,
	.stat = fifo_stat,
	.ioctl = lx_fifo_ioctl,
	.release = fifo_release,
	.poll = lx_fifo_poll,
	.poll_handle = lx_fifo_poll_handle,
	/* A process killed with the FIFO open sets nothing (fifo.h). */
	.poll_recheck_ms = LX_FIFO_RECHECK_MS,
};

bool lx_file_is_fifo(const struct lx_file *f)
{
	return f->ops == &fifo_ops;
}

static long fifo_file_new(struct lx_fifo *fx, unsigned flags, struct lx_file **out)
{
	struct lx_file *f = lx_file_new(&fifo_ops, flags);

	if (!f)
		return -LX_ENOMEM;
	f->priv = fx;
	*out = f;
	return 0;
}

long lx_fifo_open(const struct lx_kstat *node, unsigned flags, struct lx_file **out)
{
	struct lx_fifo *fx;
	long r;

	if ((flags & LX_O_ACCMODE) == LX_O_ACCMODE)
		return -LX_EINVAL;
	r = fifo_attach(node->dev, node->ino, NULL, &fx);
	if (r)
		return r;
	r = lx_fifo_enter(fx);
	if (r) {
		fifo_free(fx);
		return r;
	}
	fx->ring->node = *node;
	r = open_roles(fx, flags);
	if (r)
		drop_roles(fx);
	lx_fifo_leave(fx);
	if (!r)
		r = fifo_file_new(fx, flags & (LX_O_ACCMODE | LX_O_NONBLOCK), out);
	if (r) {
		if (fx->role[0] || fx->role[1]) { /* the file could not be made */
			if (!lx_fifo_enter(fx)) {
				drop_roles(fx);
				lx_fifo_leave(fx);
			}
		}
		fifo_free(fx);
	}
	return r;
}

/* The role handles go over as handle (reader) and handle2 (writer), the
 * ring's section as handle3: the new process's copies keep the ends open
 * and the buffer alive even if this process closes them first. */
long lx_fifo_handoff_out(struct lx_file *f, void *proc, struct lx_handoff_file *hf)
{
	struct lx_fifo *fx = f->priv;
	long r;

	hf->is_fifo = 1;
	/* A FIFO has no offset: pos carries the POLLHUP gate instead. */
	hf->pos = fx->hup_gated ? (int64_t)(fx->hup_seen + 1) : 0;
	r = lx_handoff_dup_into(proc, fx->role[LX_FIFO_READER], &hf->handle);
	if (!r)
		r = lx_handoff_dup_into(proc, fx->role[LX_FIFO_WRITER], &hf->handle2);
	if (!r)
		r = lx_handoff_dup_into(proc, fx->section, &hf->handle3);
	return r;
}

/* A description taken over from the process that handed it here: this
 * process now holds its roles too (fifo_peers.c), and a blocked call of
 * the other end may now watch it. */
static void note_handed_roles(struct lx_fifo *fx)
{
	if (lx_fifo_enter(fx))
		return;
	for (int role = 0; role < 2; role++) {
		if (!fx->role[role])
			continue;
		lx_fifo_holder_add(fx, role, 1);
		SetEvent(fx->wake[!role]);
	}
	lx_fifo_leave(fx);
}

long lx_fifo_handoff_in(const struct lx_handoff_file *hf, struct lx_file **out)
{
	HANDLE role[2] = { (HANDLE)(uintptr_t)hf->handle, (HANDLE)(uintptr_t)hf->handle2 };
	HANDLE section = (HANDLE)(uintptr_t)hf->handle3;
	struct lx_fifo_ring *ring = section ? MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0) : NULL;
	struct lx_fifo *fx;
	long r = ring ? 0 : -LX_EBADF;

	if (ring) {
		r = fifo_attach(ring->node.dev, ring->node.ino, section, &fx);
		UnmapViewOfFile(ring);
	} else if (section) {
		CloseHandle(section);
	}
	if (!r) {
		fx->role[0] = role[0];
		fx->role[1] = role[1];
		fx->hup_gated = hf->pos != 0;
		fx->hup_seen = (uint64_t)hf->pos - 1;
		note_handed_roles(fx);
		r = fifo_file_new(fx, hf->flags, out);
		if (r) {
			if (!lx_fifo_enter(fx)) {
				drop_roles(fx);
				lx_fifo_leave(fx);
			}
			fifo_free(fx);
		}
		return r;
	}
	for (int i = 0; i < 2; i++)
		if (role[i])
			CloseHandle(role[i]);
	return r;
}
