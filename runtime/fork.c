/*
 * fork, vfork and clone without CLONE_THREAD: child processes
 * (runtime/clone.h), by Cygwin's method (design.md): a new Windows process
 * of the same image that runs none of the runtime's code yet (created
 * suspended, or made ahead and waiting: runtime/fork_spare.c); the Linux
 * address space (the runtime's map of the guest window, and the image
 * window's data) and the calling thread's registers copied in; the
 * runtime state rebuilt in the child from the hand-off (runtime/handoff.h,
 * runtime/child.c), where fork returns 0.
 */
#include <windows.h>
#include <string.h>

#include "clone.h"
#include "fork_spare.h"
#include "handoff.h"
#include "identity.h"
#include "image.h"
#include "lxnt/layout.h"
#include "mman.h"
#include "proc.h"
#include "proc_info.h"
#include "thread.h"
#include "vfork.h"

static bool page_is_zero(const uint64_t *p)
{
	for (size_t i = 0; i < LX_PAGE_SIZE / 8; i++)
		if (p[i])
			return false;
	return true;
}

static bool readable(DWORD protect)
{
	return !(protect & (PAGE_NOACCESS | PAGE_GUARD));
}

/*
 * What the child's memory needs, gathered before anything is written:
 * under Wine every VirtualAllocEx, VirtualProtectEx and WriteProcessMemory
 * on another process is a wineserver request that the target process
 * serves (an APC for the first two), 100 to 300 us each, and a dynamic
 * program's fork made about 130 of them for 4.5 MB (bash: 28 ms).  So
 * the bytes go into one section, written here with memcpy, and the child
 * commits, fills and protects its own memory (fork_memory_in in
 * runtime/child.c) with local calls.
 */
struct copy_plan {
	struct lx_fork_region *regions;
	struct lx_fork_run *runs;
	size_t nregion, nrun, cap_region, cap_run;
	uint64_t bytes;
	bool failed;
};

/* Room for one more of n elements of size elem in *array (capacity
 * *cap); false, with the plan failed, when there is none. */
static bool room(struct copy_plan *p, void **array, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return true;
	size_t more = *cap ? 2 * *cap : 64;
	void *a = *array ? HeapReAlloc(GetProcessHeap(), 0, *array, more * elem)
	                 : HeapAlloc(GetProcessHeap(), 0, more * elem);
	if (!a) {
		p->failed = true;
		return false;
	}
	*array = a;
	*cap = more;
	return true;
}

static void plan_region(struct copy_plan *p, uint64_t s, uint64_t e, DWORD protect, bool commit)
{
	if (room(p, (void **)&p->regions, p->nregion, &p->cap_region, sizeof(*p->regions)))
		p->regions[p->nregion++] = (struct lx_fork_region){ s, e, protect, commit };
}

static void plan_run(struct copy_plan *p, uint64_t s, uint64_t e)
{
	if (p->nrun && p->runs[p->nrun - 1].start + p->runs[p->nrun - 1].len == s) {
		p->runs[p->nrun - 1].len += e - s; /* adjacent regions: one copy */
		p->bytes += e - s;
		return;
	}
	if (!room(p, (void **)&p->runs, p->nrun, &p->cap_run, sizeof(*p->runs)))
		return;
	p->runs[p->nrun++] = (struct lx_fork_run){ s, e - s, p->bytes };
	p->bytes += e - s;
}

/* The non-zero pages of [s, e): fresh commits are zero, and most of a
 * committed stack or heap still is. */
static void plan_pages(struct copy_plan *p, uint64_t s, uint64_t e)
{
	while (s < e) {
		while (s < e && page_is_zero((const uint64_t *)(uintptr_t)s))
			s += LX_PAGE_SIZE;
		uint64_t run = s;
		while (run < e && !page_is_zero((const uint64_t *)(uintptr_t)run))
			run += LX_PAGE_SIZE;
		if (run > s)
			plan_run(p, s, run);
		s = run;
	}
}

/* One Windows region of a private guest area: committed pages are
 * committed in the child, filled where not zero, and given the parent's
 * protection. */
static void plan_guest_region(struct copy_plan *p, uint64_t s, uint64_t e,
                              const MEMORY_BASIC_INFORMATION *m)
{
	if (m->State != MEM_COMMIT)
		return;
	plan_region(p, s, e, m->Protect & ~PAGE_GUARD, true);
	if (readable(m->Protect))
		plan_pages(p, s, e);
}

/* Writes the plan's bytes into a new section whose handle goes to the
 * child; the regions and runs go into the hand-off. */
static long deliver_plan(HANDLE proc, struct lx_handoff_buf *b, const struct copy_plan *p)
{
	uint64_t size = p->bytes ? p->bytes : LX_PAGE_SIZE;
	HANDLE section, theirs = NULL;
	unsigned char *view;
	uint32_t off;

	section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
	                             (DWORD)(size >> 32), (DWORD)size, NULL);
	if (!section)
		return lx_errno_from_win32(GetLastError());
	view = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, (SIZE_T)size);
	if (!view) {
		long r = lx_errno_from_win32(GetLastError());
		CloseHandle(section);
		return r;
	}
	for (size_t i = 0; i < p->nrun; i++)
		memcpy(view + p->runs[i].src, (const void *)(uintptr_t)p->runs[i].start, p->runs[i].len);
	UnmapViewOfFile(view);
	if (!DuplicateHandle(GetCurrentProcess(), section, proc, &theirs, FILE_MAP_READ, FALSE,
	                     DUPLICATE_CLOSE_SOURCE))
		return lx_errno_from_win32(GetLastError());
	lx_handoff_head(b)->memory_section = (uint64_t)(uintptr_t)theirs;
	off = lx_handoff_put(b, p->regions, p->nregion * sizeof(*p->regions));
	lx_handoff_head(b)->nregion = (uint32_t)p->nregion;
	lx_handoff_head(b)->region_off = off;
	off = lx_handoff_put(b, p->runs, p->nrun * sizeof(*p->runs));
	lx_handoff_head(b)->nrun = (uint32_t)p->nrun;
	lx_handoff_head(b)->run_off = off;
	return b->failed ? -LX_ENOMEM : 0;
}

/*
 * Shared memory is not copied: the child gets a handle of each view's
 * section, and its range stays reserved until the child maps the
 * section there (lx_mm_adopt), so that nothing else takes it meanwhile;
 * a memfd's writer handle goes with it, so the child's mapping counts
 * as one more writable mapping (runtime/mman_shm.c).  The areas of one
 * view are consecutive.
 */
static long share_views(HANDLE proc, struct lx_mm_area *a, size_t n)
{
	uint64_t last = 0;
	HANDLE handle = NULL, writer = NULL;

	for (size_t i = 0; i < n; i++) {
		struct lx_shm_view *v = &a[i].view;
		if (!v->section)
			continue;
		if (v->start != last) {
			HANDLE dup;
			if (!VirtualAllocEx(proc, (void *)(uintptr_t)v->start, v->end - v->start, MEM_RESERVE,
			                    PAGE_NOACCESS) ||
			    !DuplicateHandle(GetCurrentProcess(), v->section, proc, &dup, 0, FALSE,
			                     DUPLICATE_SAME_ACCESS))
				return lx_errno_from_win32(GetLastError());
			last = v->start;
			handle = dup;
			writer = NULL;
			if (v->writer && !DuplicateHandle(GetCurrentProcess(), v->writer, proc, &writer, 0,
			                                  FALSE, DUPLICATE_SAME_ACCESS))
				return lx_errno_from_win32(GetLastError());
		}
		v->section = handle;
		v->writer = writer;
	}
	return 0;
}

/* Reserves in the child the 64 KiB granules that cover the private
 * areas, as mman_win.c reserves them here, and plans the copy of each
 * area. */
static long copy_guest_window(HANDLE proc, struct lx_handoff_buf *b, struct copy_plan *plan)
{
	size_t n = lx_mm_areas(NULL, 0), got;
	struct lx_mm_area *a;
	uint32_t off;
	uint64_t reserved_to = 0;

	for (;;) {
		off = lx_handoff_put(b, NULL, (n + 1) * sizeof(*a));
		if (b->failed)
			return -LX_ENOMEM;
		a = (struct lx_mm_area *)(b->p + off);
		got = lx_mm_areas(a, n + 1);
		if (got <= n + 1)
			break;
		n = got; /* another thread mapped meanwhile: the space is wasted, not wrong */
	}
	lx_handoff_head(b)->nvma = (uint32_t)got;
	lx_handoff_head(b)->vma_off = off;
	lx_mm_areas_names(b, off, got);
	if (b->failed)
		return -LX_ENOMEM;
	a = (struct lx_mm_area *)(b->p + off); /* the names may have moved the block */
	long r = share_views(proc, a, got);
	if (r < 0)
		return r;
	for (size_t i = 0; i < got; i++) {
		if (a[i].view.section)
			continue;
		uint64_t gs = a[i].start & ~0xffffULL, ge = (a[i].end + 0xffff) & ~0xffffULL;
		/* Areas that touch take one reservation: the parent may hold
		 * them in one allocation (an ELF object mapped in a span it
		 * reserved first, runtime/elfload.c), and one of its regions
		 * can then cross a granule boundary that separate
		 * reservations would split, which neither a commit nor a
		 * protection change may cross. */
		while (i + 1 < got && !a[i + 1].view.section && (a[i + 1].start & ~0xffffULL) <= ge) {
			uint64_t next = (a[i + 1].end + 0xffff) & ~0xffffULL;
			ge = next > ge ? next : ge;
			i++;
		}
		if (gs < reserved_to)
			gs = reserved_to;
		if (gs < ge) {
			if (!VirtualAllocEx(proc, (void *)(uintptr_t)gs, ge - gs, MEM_RESERVE, PAGE_NOACCESS))
				return lx_errno_from_win32(GetLastError());
			reserved_to = ge;
		}
	}
	for (size_t i = 0; i < got; i++) {
		uint64_t s = a[i].start;
		if (a[i].view.section)
			continue;
		while (s < a[i].end) {
			MEMORY_BASIC_INFORMATION m;
			if (!VirtualQuery((void *)(uintptr_t)s, &m, sizeof(m)))
				return -LX_ENOMEM;
			uint64_t e = (uint64_t)(uintptr_t)m.BaseAddress + m.RegionSize;
			if (e > a[i].end)
				e = a[i].end;
			plan_guest_region(plan, s, e, &m);
			s = e;
		}
	}
	return 0;
}

/*
 * The ELF's pages in the image window are sections of the packed PE: the
 * child's are as the loader left them.  Every non-executable region is
 * copied (writable data, and read-only pages the program wrote before an
 * mprotect, such as RELRO), except the .lxnt section, which nobody writes,
 * and takes the parent's protection (RELRO stays read-only, as on Linux).
 */
static void plan_image_window(struct copy_plan *p)
{
	uint64_t s = LXNT_IMAGE_WINDOW_LO, pack = (uint64_t)(uintptr_t)lx_image.pack;

	while (s < LXNT_IMAGE_WINDOW_HI) {
		MEMORY_BASIC_INFORMATION m;
		if (!VirtualQuery((void *)(uintptr_t)s, &m, sizeof(m)))
			break;
		uint64_t e = (uint64_t)(uintptr_t)m.BaseAddress + m.RegionSize;
		bool exec = m.Protect & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE |
		                         PAGE_EXECUTE_WRITECOPY);
		/* Whole regions: the child's pages hold the file's bytes, not
		 * zeros, so a zero page is copied too. */
		if (m.State == MEM_COMMIT && m.Type == MEM_IMAGE && !exec && readable(m.Protect) &&
		    !(pack >= s && pack < e)) {
			plan_region(p, s, e, m.Protect, false);
			plan_run(p, s, e);
		}
		if (e <= s)
			break;
		s = e;
	}
}

/*
 * Makes the guest's rsp after the system call returns sp.  A trampoline
 * (jump and evict rungs) resumes inside itself and then moves rsp up past
 * the red zone it stepped over (docs/architecture.md), so its frame holds
 * sp - 128; a trap-rung site resumes after the ud2 with the frame's rsp.
 */
void lx_regs_set_syscall_rsp(struct lx_regs *r, uint64_t sp)
{
	const struct lxnt_site *s = lx_site_find(r->rip - 2);

	if (s && s->rung == LXNT_RUNG_TRAP && s->kind == LXNT_SITE_SYSCALL)
		r->rsp = sp;
	else
		r->rsp = sp - LXNT_RED_ZONE;
}

/* The registers the child starts with: the caller's, fork returning 0,
 * on the new stack clone asked for. */
static void child_registers(struct lx_handoff *h, const struct lx_syscall *sc,
                            const struct lx_clone_args *ca)
{
	h->regs = *sc->regs;
	h->regs.rax = 0;
	if (ca->stack)
		lx_regs_set_syscall_rsp(&h->regs, ca->stack + ca->stack_size);
	h->tp = (ca->flags & LX_CLONE_SETTLS) ? ca->tls : lx_current_thread()->tp;
	h->sigmask = lx_current_thread()->sigmask;
	h->altstack_sp = lx_current_thread()->altstack_sp;
	h->altstack_size = lx_current_thread()->altstack_size;
	h->altstack_flags = lx_current_thread()->altstack_flags;
	lx_fp_control_save(&h->fp);
	if (ca->flags & LX_CLONE_CHILD_SETTID)
		h->set_child_tid = ca->child_tid;
	if (ca->flags & LX_CLONE_CHILD_CLEARTID)
		h->clear_child_tid = ca->child_tid;
}

static long build_fork_handoff(struct lx_handoff_buf *b, HANDLE proc, HANDLE record,
                               const struct lx_syscall *sc, const struct lx_clone_args *ca)
{
	long r;

	if (!lx_handoff_begin(b, LX_HANDOFF_FORK))
		return -LX_ENOMEM;
	r = lx_handoff_common_out(b, proc, record, false);
	if (r < 0)
		return r;
	child_registers(lx_handoff_head(b), sc, ca);
	lx_brk_get(&lx_handoff_head(b)->brk_base, &lx_handoff_head(b)->brk_cur);
	lx_handoff_head(b)->mmap_top = lx_mm_mmap_top;
	r = lx_vfs_handoff_out(b, proc, false);
	if (r == 0)
		r = lx_sites_handoff_out(b);
	if (r < 0)
		return r;
	struct copy_plan plan = { 0 };
	r = copy_guest_window(proc, b, &plan);
	if (r == 0) {
		plan_image_window(&plan);
		r = plan.failed ? -LX_ENOMEM : deliver_plan(proc, b, &plan);
	}
	HeapFree(GetProcessHeap(), 0, plan.regions);
	HeapFree(GetProcessHeap(), 0, plan.runs);
	return r;
}

static int64_t fork_process(struct lx_syscall *sc, const struct lx_clone_args *ca)
{
	struct lx_fork_spare sp;
	struct lx_handoff_buf b = { 0 };
	HANDLE section, done = NULL, their_done = NULL;
	struct lx_proc_record *rec;
	long r, pid;

	r = lx_fork_spare_take(&sp);
	if (r < 0)
		return r;
	/* The pid, the table entry and the record are the child's from here:
	 * a spare has none while it waits (runtime/fork_spare.c). */
	pid = lx_proc_alloc_child(sp.pi.hProcess);
	r = pid ? lx_proc_record_new(pid, &section, &rec) : -LX_EAGAIN;
	if (r < 0) {
		if (pid)
			lx_proc_free_pid(pid, sp.pi.hProcess);
		lx_fork_spare_abandon(&sp);
		return r;
	}
	rec->pgid = lx_proc_self->pgid ? lx_proc_self->pgid : lx_getpid();
	rec->sid = lx_proc_self->sid ? lx_proc_self->sid : lx_getpid();
	rec->ppid = lx_getpid();
	rec->win_pid = (long)sp.pi.dwProcessId;
	lx_proc_record_inherit(rec);
	r = build_fork_handoff(&b, sp.pi.hProcess, section, sc, ca);
	/* The child's done event (lx_proc_done_signal): its status can be
	 * final before its Windows process ends. */
	if (r == 0 && (!(done = CreateEventW(NULL, TRUE, FALSE, NULL)) ||
	               !DuplicateHandle(GetCurrentProcess(), done, sp.pi.hProcess, &their_done,
	                                SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, 0)))
		r = lx_errno_from_win32(GetLastError());
	if (r == 0) {
		lx_handoff_head(&b)->pid = (int32_t)pid;
		lx_handoff_head(&b)->done_event = (uint64_t)(uintptr_t)their_done;
		r = lx_handoff_deliver(&b, sp.pi.hProcess);
	}
	lx_handoff_free(&b);
	if (r < 0)
		goto fail_process;
	if ((ca->flags & LX_CLONE_PARENT_SETTID) &&
	    lx_copy_to_user(ca->parent_tid, &(int32_t){ (int32_t)pid }, 4) < 0) {
		r = -LX_EFAULT;
		goto fail_process;
	}
	r = lx_child_add(pid, sp.pi.hProcess, section, rec, done);
	if (r < 0)
		goto fail_process;
	lx_fork_spare_start(&sp);
	lx_fork_spare_refill();
	return pid;

fail_process:
	if (done)
		CloseHandle(done);
	lx_proc_free_pid(pid, sp.pi.hProcess);
	lx_fork_spare_abandon(&sp);
	UnmapViewOfFile(rec);
	CloseHandle(section);
	return r;
}

int64_t lx_clone_process(struct lx_syscall *sc, const struct lx_clone_args *ca)
{
	/* Sharing memory, files or the fs context with another process is
	 * beyond separate Windows processes.  vfork takes the fast path
	 * (runtime/vfork.c) when it can, else a copy: the parent then does
	 * not see the child's writes, and needs no suspension. */
	if ((ca->flags & LX_CLONE_VM) && !(ca->flags & LX_CLONE_VFORK))
		return -LX_ENOSYS;
	if (ca->flags & (LX_CLONE_FILES | LX_CLONE_FS | LX_CLONE_SIGHAND | LX_CLONE_PIDFD |
	                 LX_CLONE_PARENT | LX_CLONE_PTRACE))
		return -LX_ENOSYS;
	if ((ca->flags & LX_CLONE_VFORK) && (ca->flags & LX_CLONE_VM)) {
		int64_t r = lx_vfork_begin(sc, ca);
		if (r == 0)
			return 0;
	}
	return fork_process(sc, ca);
}
