/*
 * The fd table across fork and execve (runtime/handoff.h, docs/vfs.md
 * "Processes").  Each open file description goes over once, its handles
 * duplicated into the new process; fds that share it share it there too.
 * A host file's offset moves to the NT file object, whose position every
 * duplicated handle shares, so that a child's read or write moves the
 * parent's offset as Linux's shared struct file does.
 */
#include <stdlib.h>
#include <string.h>

#include "handoff.h"
#include "vfs.h"
#include "nt.h"

void lx_file_pos_load(struct lx_file *f)
{
	LARGE_INTEGER zero = { 0 }, cur;

	if (SetFilePointerEx(f->handle, zero, &cur, FILE_CURRENT))
		f->pos = cur.QuadPart;
}

void lx_file_pos_store(struct lx_file *f)
{
	LARGE_INTEGER p;

	p.QuadPart = f->pos;
	SetFilePointerEx(f->handle, p, NULL, FILE_BEGIN);
}

/* A seekable host file (not a directory, whose offset is a getdents
 * cookie of this process's snapshot).  Known from the description, not
 * GetFileType: under Wine that reads the head of a file, and a read
 * moves a Linux atime under relatime (a fork did). */
static bool shares_position(struct lx_file *f)
{
	return f->handle && !f->is_dir && f->ops->seekable && lx_file_is_host(f);
}

long lx_handoff_dup_into(void *proc, void *h, uint64_t *out)
{
	HANDLE d = NULL;

	*out = 0;
	if (!h)
		return 0;
	if (!DuplicateHandle(GetCurrentProcess(), h, proc, &d, 0, FALSE, DUPLICATE_SAME_ACCESS))
		return lx_errno_from_win32(GetLastError());
	*out = (uint64_t)(uintptr_t)d;
	return 0;
}

long lx_vfs_handoff_out(struct lx_handoff_buf *b, void *proc, bool exec)
{
	struct lx_file *seen[LX_FD_MAX];
	struct lx_handoff_fd fds[LX_FD_MAX];
	uint32_t nseen = 0, nfd = 0;
	long r = 0;

	/* Files first (their paths interleave, so collect, then write in
	 * one run each). */
	for (int fd = 0; fd < LX_FD_MAX; fd++) {
		long ce = lx_fd_get_cloexec(fd);
		if (ce < 0 || (exec && ce == 1))
			continue;
		struct lx_file *f = lx_fd_get(fd);
		if (!f)
			continue;
		uint32_t k;
		for (k = 0; k < nseen && seen[k] != f; k++)
			;
		if (k == nseen)
			seen[nseen++] = f;
		else
			lx_file_put(f);
		fds[nfd++] = (struct lx_handoff_fd){ .fd = fd, .file = k, .cloexec = (uint32_t)ce };
	}
	struct lx_handoff_file *tmp = calloc(nseen ? nseen : 1, sizeof(*tmp));
	if (!tmp)
		r = -LX_ENOMEM;
	for (uint32_t k = 0; k < nseen && !r; k++) {
		struct lx_file *f = seen[k];
		lx_file_lock(f);
		if (shares_position(f)) {
			if (!f->pos_shared)
				lx_file_pos_store(f);
			f->pos_shared = true;
			tmp[k].pos_shared = 1;
		}
		tmp[k].pos = f->pos;
		lx_file_unlock(f);
		tmp[k].flags = f->flags;
		tmp[k].which = f->which;
		tmp[k].is_dir = f->is_dir;
		tmp[k].is_pipe = lx_file_is_pipe(f);
		tmp[k].dev = f->dev;
		/* Without an id (no object could be made) the child's locks on
		 * this description are its own: no reason to fail the fork. */
		lx_locks_desc_handoff(f, proc, &tmp[k].lock_id, &tmp[k].lock_obj);
		if (lx_file_is_fifo(f)) {
			r = lx_fifo_handoff_out(f, proc, &tmp[k]);
		} else {
			r = lx_handoff_dup_into(proc, f->handle, &tmp[k].handle);
			if (!r)
				r = lx_handoff_dup_into(proc, f->handle2, &tmp[k].handle2);
			if (!r && lx_file_is_memfd(f))
				r = lx_memfd_seals_handoff(f, proc, &tmp[k].handle3);
		}
		if (!r && f->path)
			tmp[k].path_off = lx_handoff_put_str(b, f->path);
	}
	if (!r)
		r = lx_locks_handoff_out(lx_handoff_head(b), proc, exec);
	if (!r) {
		uint32_t off = lx_handoff_put(b, tmp, nseen * sizeof(*tmp));
		lx_handoff_head(b)->file_off = off;
		lx_handoff_head(b)->nfile = nseen;
		off = lx_handoff_put(b, fds, nfd * sizeof(*fds));
		lx_handoff_head(b)->fd_off = off;
		lx_handoff_head(b)->nfd = nfd;
		if (b->failed)
			r = -LX_ENOMEM;
	}
	free(tmp);
	for (uint32_t k = 0; k < nseen; k++)
		lx_file_put(seen[k]);
	return r;
}

/* Rebuilds one description from its handles, by what they are. */
static long file_in(const struct lx_handoff *h, const struct lx_handoff_file *hf, struct lx_file **out)
{
	HANDLE handle = (HANDLE)(uintptr_t)hf->handle, handle2 = (HANDLE)(uintptr_t)hf->handle2;
	const char *path = hf->path_off ? (const char *)h + hf->path_off : NULL;
	DWORD mode;
	long r;

	if (!hf->is_fifo && !handle && hf->is_dir)
		return lx_synth_dir_open(hf->which, path ? path : "/", hf->flags, out);
	if (!hf->is_fifo && !handle)
		return lx_dev_open(hf->which, hf->flags, out);
	if (hf->is_fifo)
		r = lx_fifo_handoff_in(hf, out);
	else if (hf->is_pipe) /* its other end is in whichever processes hold it */
		r = lx_pipe_end_new(handle, hf->flags, out);
	else if (hf->dev && !handle2) /* a file of a mount, known without GetFileType */
		r = lx_host_file_new(handle, hf->flags, NULL, hf->is_dir, out);
	else if (handle2 || (GetFileType(handle) == FILE_TYPE_CHAR && GetConsoleMode(handle, &mode)))
		r = lx_console_file_new(handle, handle2, hf->flags, out);
	else if (GetFileType(handle) == FILE_TYPE_DISK)
		r = lx_host_file_new(handle, hf->flags, NULL, hf->is_dir, out);
	else
		r = lx_stream_file_new(handle, hf->flags, out);
	if (r)
		return r;
	(*out)->which = hf->which;
	(*out)->dev = hf->dev;
	(*out)->pos = hf->pos;
	(*out)->pos_shared = hf->pos_shared;
	(*out)->lock_id = hf->lock_id;
	(*out)->lock_obj = (HANDLE)(uintptr_t)hf->lock_obj;
	if (path)
		(*out)->path = strdup(path);
	/* A memfd's seals are the file's: its seal section came along. */
	if (lx_file_is_memfd(*out) &&
	    (r = lx_memfd_seals_adopt(*out, (HANDLE)(uintptr_t)hf->handle3))) {
		lx_file_put(*out);
		return r;
	}
	return 0;
}

void lx_vfs_close_all(void)
{
	lx_locks_forget_posix();
	for (int fd = 0; fd < LX_FD_MAX; fd++)
		lx_fd_close(fd);
}

void lx_vfs_handoff_in(const struct lx_handoff *h)
{
	const struct lx_handoff_file *files = (const void *)((const char *)h + h->file_off);
	const struct lx_handoff_fd *fds = (const void *)((const char *)h + h->fd_off);
	struct lx_file **made = calloc(h->nfile ? h->nfile : 1, sizeof(*made));

	if (!made)
		lx_fatal("lxnt: out of memory for the fd table");
	lx_vfs_close_all(); /* the standard handles lx_vfs_init found */
	lx_locks_handoff_in(h);
	for (uint32_t k = 0; k < h->nfile; k++) {
		long r = file_in(h, &files[k], &made[k]);
		if (r) {
			made[k] = NULL; /* the fds stay closed */
			if (files[k].lock_obj) /* nor does it hold the description */
				CloseHandle((HANDLE)(uintptr_t)files[k].lock_obj);
		}
	}
	for (uint32_t i = 0; i < h->nfd; i++) {
		struct lx_file *f = made[fds[i].file];
		if (!f)
			continue;
		lx_file_get(f);
		lx_fd_install_at(fds[i].fd, f, fds[i].cloexec != 0);
	}
	for (uint32_t k = 0; k < h->nfile; k++)
		lx_file_put(made[k]);
	free(made);
	lx_set_cwd(h->cwd);
}

/* vfork's fast path (runtime/vfork.c): the child works on the caller's fd
 * table and cwd in place, and the caller gets its own back. */
struct lx_vfs_saved {
	struct lx_file *file[LX_FD_MAX];
	bool cloexec[LX_FD_MAX];
	char cwd[LX_PATH_MAX];
};

void *lx_vfs_save(void)
{
	struct lx_vfs_saved *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	for (int fd = 0; fd < LX_FD_MAX; fd++) {
		long ce = lx_fd_get_cloexec(fd);
		if (ce < 0)
			continue;
		s->file[fd] = lx_fd_get(fd);
		s->cloexec[fd] = ce == 1;
	}
	lx_cwd_copy(s->cwd);
	return s;
}

void lx_vfs_restore(void *saved)
{
	struct lx_vfs_saved *s = saved;

	lx_locks_quiet_closes(true);
	for (int fd = 0; fd < LX_FD_MAX; fd++) {
		if (s->file[fd])
			lx_fd_install_at(fd, s->file[fd], s->cloexec[fd]); /* takes the ref */
		else
			lx_fd_close(fd);
	}
	lx_locks_quiet_closes(false);
	lx_set_cwd(s->cwd);
	free(s);
}
