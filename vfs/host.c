/*
 * Files and directories of Windows volumes, through the NT file API
 * (NtCreateFile, NtReadFile, NtWriteFile, NtQueryInformationFile,
 * NtQueryDirectoryFile; WDK documentation of each).
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "capability.h"
#include "vfs.h"
#include "statcache.h"
#include "metadata.h"
#include "metaback.h"
#include "nt.h"
#include "thread.h"

/* The most bytes one NT read or write moves: Linux itself caps a transfer
 * at MAX_RW_COUNT and returns a short count beyond it (read(2)). */
#define LX_HOST_CHUNK (16u << 20)

#define LX_STATUS_IO_REPARSE_TAG_NOT_HANDLED ((NTSTATUS)0xC0000279L)

static NTSTATUS nt_open_once(const wchar_t *nt_path, uint32_t access, uint32_t disposition,
                             uint32_t options, uint32_t attributes, HANDLE *h);

/* An unlink in another process holds the file alone for an instant (it
 * opens it sharing nothing, remove.c): an open that meets that is tried
 * again, about a millisecond apart, for a while; a Windows program that
 * keeps a file to itself still makes it EBUSY. */
#define LX_SHARING_RETRIES 200

static NTSTATUS nt_open(const wchar_t *nt_path, uint32_t access, uint32_t disposition,
                        uint32_t options, uint32_t attributes, HANDLE *h)
{
	NTSTATUS s = nt_open_once(nt_path, access, disposition, options, attributes, h);

	for (int tries = 0; s == (NTSTATUS)0xC0000043L /* STATUS_SHARING_VIOLATION */ &&
	                    tries < LX_SHARING_RETRIES; tries++) {
		Sleep(tries < 10 ? 0 : 1);
		s = nt_open_once(nt_path, access, disposition, options, attributes, h);
	}
	return s;
}

static NTSTATUS nt_open_once(const wchar_t *nt_path, uint32_t access, uint32_t disposition,
                             uint32_t options, uint32_t attributes, HANDLE *h)
{
	UNICODE_STRING name;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	size_t len = wcslen(nt_path) * sizeof(wchar_t);
	NTSTATUS s;

	if (len > 0xfffe)
		return STATUS_NAME_TOO_LONG;
	name.Buffer = (PWSTR)nt_path;
	name.Length = (USHORT)len;
	name.MaximumLength = (USHORT)len;
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	s = NtCreateFile(h, access | SYNCHRONIZE, &oa, &io, NULL, attributes,
	                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
	                 disposition, options | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
	/* An LX symlink or special file (the WSL metadata format) is a
	 * reparse point no Windows filter handles: the vfs resolves links
	 * itself, so the node is opened as it is. */
	if (s == LX_STATUS_IO_REPARSE_TAG_NOT_HANDLED && !(options & FILE_OPEN_REPARSE_POINT))
		s = NtCreateFile(h, access | SYNCHRONIZE, &oa, &io, NULL, attributes,
		                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, disposition,
		                 options | FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT,
		                 NULL, 0);
	return s;
}

/* A missing name below something that is not a directory is ENOTDIR on
 * Linux (path_resolution(7)); NT says "path not found" for both.  The
 * nearest existing ancestor decides. */
static long enoent_or_enotdir(const wchar_t *nt_path)
{
	size_t len = wcslen(nt_path);
	wchar_t *parent = malloc((len + 1) * sizeof(wchar_t));
	long err = -LX_ENOENT;

	if (!parent)
		return err;
	wcscpy(parent, nt_path);
	for (int depth = 0; depth < 256; depth++) {
		wchar_t *slash = wcsrchr(parent, L'\\');
		HANDLE h;
		FILE_STANDARD_INFORMATION std;
		IO_STATUS_BLOCK io;

		/* Stop above the volume's root: "\??\C:\" is its last stop,
		 * as "\??\C:" would open the volume itself, not a directory. */
		if (!slash || slash - parent <= 3 || slash[1] == 0)
			break;
		if (slash[-1] == L':')
			slash[1] = 0;
		else
			*slash = 0;
		if (NT_SUCCESS(nt_open(parent, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, 0, &h))) {
			if (NT_SUCCESS(NtQueryInformationFile(h, &io, &std, sizeof(std),
			               (FILE_INFORMATION_CLASS)LX_FileStandardInformation)) &&
			    !std.Directory)
				err = -LX_ENOTDIR;
			NtClose(h);
			break;
		}
	}
	free(parent);
	return err;
}

long lx_host_open(const wchar_t *nt_path, uint32_t access, uint32_t disposition,
                  uint32_t options, uint32_t attributes, void **handle)
{
	HANDLE h;
	NTSTATUS st = nt_open(nt_path, access, disposition, options, attributes, &h);

	if (st == STATUS_NOT_A_DIRECTORY)
		return -LX_ENOTDIR;
	if (st == STATUS_OBJECT_PATH_NOT_FOUND)
		return enoent_or_enotdir(nt_path);
	if (!NT_SUCCESS(st))
		return lx_errno_from_ntstatus(st);
	*handle = h;
	return 0;
}

long lx_host_stat_handle(void *handle, const char *path, uint64_t dev, struct lx_kstat *st)
{
	int64_t change_time;

	return lx_host_stat_handle_ctime(handle, path, dev, st, &change_time);
}

long lx_host_stat_handle_ctime(void *handle, const char *path, uint64_t dev, struct lx_kstat *st,
                               int64_t *change_time)
{
	FILE_BASIC_INFORMATION basic;
	FILE_STANDARD_INFORMATION std;
	FILE_INTERNAL_INFORMATION internal;
	IO_STATUS_BLOCK io;
	NTSTATUS s;
	const char *name = path ? strrchr(path, '/') : NULL;

	s = NtQueryInformationFile(handle, &io, &basic, sizeof(basic),
	                           (FILE_INFORMATION_CLASS)LX_FileBasicInformation);
	if (NT_SUCCESS(s))
		s = NtQueryInformationFile(handle, &io, &std, sizeof(std),
		                           (FILE_INFORMATION_CLASS)LX_FileStandardInformation);
	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	if (!NT_SUCCESS(NtQueryInformationFile(handle, &io, &internal, sizeof(internal),
	                                       (FILE_INFORMATION_CLASS)LX_FileInternalInformation)))
		internal.IndexNumber.QuadPart = 0;
	memset(st, 0, sizeof(*st));
	st->dev = dev;
	st->ino = (uint64_t)internal.IndexNumber.QuadPart;
	st->nlink = std.NumberOfLinks ? std.NumberOfLinks : 1;
	if (std.DeletePending)
		st->nlink = 0; /* unlinked while open, as fstat(2) shows it on Linux */
	if (std.Directory)
		basic.FileAttributes |= FILE_ATTRIBUTE_DIRECTORY;
	st->mode = lx_mode_from_attributes(basic.FileAttributes, name ? name + 1 : NULL);
	lx_mount_apply_masks(dev, &st->mode);
	lx_kstat_owner(st);
	st->size = std.Directory ? 0 : std.EndOfFile.QuadPart;
	if (std.Directory)
		st->size = 4096; /* what ext4 and DrvFs report for a small directory */
	st->blocks = std.AllocationSize.QuadPart / 512;
	if (std.Directory && st->blocks == 0)
		st->blocks = 8; /* the one block its st_size of 4096 says */
	st->atime = lx_time_from_nt(basic.LastAccessTime.QuadPart);
	st->mtime = lx_time_from_nt(basic.LastWriteTime.QuadPart);
	st->ctime = lx_time_from_nt(basic.ChangeTime.QuadPart);
	st->btime = lx_time_from_nt(basic.CreationTime.QuadPart);
	*change_time = basic.ChangeTime.QuadPart;
	if (lx_meta_store(dev))
		lx_meta_overlay(lx_meta_store(dev), handle, basic.FileAttributes,
		                basic.LastAccessTime.QuadPart, basic.LastWriteTime.QuadPart, st);
	return 0;
}

static long host_stat(struct lx_file *f, struct lx_kstat *st)
{
	long err = lx_host_stat_handle(f->handle, f->path, f->dev, st);

	if (!err && f->which == LX_HOST_MEMFD)
		lx_memfd_stat(st);
	else if (!err && st->nlink == 1 && !f->is_dir && lx_host_unlinked(st->dev, st->ino))
		st->nlink = 0;
	/* A directory's count, from its binding or through its own handle
	 * (vfs/statcache.c; getdents64 lists from the top each time, dir.c). */
	if (!err && f->is_dir && st->nlink == 1 && f->handle && !(f->flags & LX_O_PATH) &&
	    lx_host_counts_subdirs(f->dev)) {
		uint32_t n = lx_statcache_dir_nlink_fd(f->path, f->dev, st->ino, f->handle);
		if (n)
			st->nlink = n;
	}
	return err;
}

long lx_host_is_dir(void *h, bool *is_dir)
{
	FILE_STANDARD_INFORMATION std;
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtQueryInformationFile(h, &io, &std, sizeof(std),
	                                    (FILE_INFORMATION_CLASS)LX_FileStandardInformation);

	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	*is_dir = std.Directory;
	return 0;
}

static long host_size(struct lx_file *f, int64_t *size)
{
	FILE_STANDARD_INFORMATION std;
	IO_STATUS_BLOCK io;
	NTSTATUS s = NtQueryInformationFile(f->handle, &io, &std, sizeof(std),
	                                    (FILE_INFORMATION_CLASS)LX_FileStandardInformation);

	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	*size = std.EndOfFile.QuadPart;
	return 0;
}

/* Handles the vfs opens are synchronous; an inherited standard handle may
 * have been opened for overlapped I/O, and then the call only starts the
 * transfer (NtReadFile: STATUS_PENDING, the handle is signalled at the end). */
static NTSTATUS wait_io(HANDLE h, NTSTATUS s, IO_STATUS_BLOCK *io)
{
	if (s != STATUS_PENDING)
		return s;
	WaitForSingleObject(h, INFINITE);
	return io->Status;
}

static long host_read(struct lx_file *f, void *buf, size_t n, int64_t *pos)
{
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off;
	NTSTATUS s;

	if (f->is_dir)
		return -LX_EISDIR;
	if (n > LX_HOST_CHUNK)
		n = LX_HOST_CHUNK;
	off.QuadPart = *pos;
	s = NtReadFile(f->handle, NULL, NULL, NULL, &io, buf, (ULONG)n, &off, NULL);
	s = wait_io(f->handle, s, &io);
	if (s == STATUS_END_OF_FILE)
		return 0;
	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	return (long)io.Information;
}

volatile long lx_setid_chmods;

static void setid_seen(struct lx_file *f, uint32_t mode, uint32_t meta_flags, uint64_t ino,
                       const volatile int64_t *tag_gen, int64_t tag_value)
{
	f->setid_seen = (mode & (LX_S_ISUID | LX_S_ISGID)) || (meta_flags & LX_META_F_XATTRS) ?
	                LX_SETID_SOME : LX_SETID_NONE;
	f->setid_chmods = lx_setid_chmods;
	f->setid_gen = tag_gen;
	f->setid_gen_value = tag_value;
	f->setid_ino = ino;
}

/* The metadata cache's tag of file ino's record on the mount dev. */
static struct lx_metacache_tag setid_tag(uint64_t dev, uint64_t ino)
{
	const struct lx_meta_vol *v = lx_meta_store(dev);

	if (!v || !v->cache_key || !ino)
		return (struct lx_metacache_tag){ 0 };
	return lx_metacache_tag(v->cache_key, ino);
}

void lx_file_setid_stat(struct lx_file *f, const struct lx_kstat *st)
{
	struct lx_metacache_tag t = setid_tag(f->dev, st->ino);

	setid_seen(f, st->mode, st->meta_flags, st->ino, t.gen, t.value);
}

/* Whether f's file is still known to have no set-ID bits. */
static bool setid_none(const struct lx_file *f)
{
	return f->setid_seen == LX_SETID_NONE && f->setid_chmods == lx_setid_chmods &&
	       (!f->setid_gen || *f->setid_gen == f->setid_gen_value);
}

/* file_remove_privs before a write or an allocation: a caller without
 * CAP_FSETID takes the set-ID bits from the file, and any caller its
 * security.capability (lx_meta_remove_privs).  A description whose file
 * has neither set-ID bits nor attributes (setid_seen) skips all of it. */
long lx_host_remove_privs(struct lx_file *f)
{
	struct lx_kstat st;
	long err;

	if (setid_none(f) || !f->handle || !lx_meta_store(f->dev))
		return 0;
	/* The tag before the stat, so that a change after the stat bumps it. */
	struct lx_metacache_tag t = setid_tag(f->dev, f->setid_ino);
	err = lx_host_stat_handle(f->handle, NULL, f->dev, &st);
	if (!err)
		err = lx_meta_remove_privs(f->handle, f->dev, &st);
	if (!err) {
		/* The first stat of the description: a tag read after it. */
		if (!t.gen)
			t = setid_tag(f->dev, st.ino);
		/* What is left: the set-ID bits a CAP_FSETID caller keeps. */
		setid_seen(f, lx_capable(LX_CAP_FSETID) ? st.mode : 0, 0, st.ino, t.gen, t.value);
	}
	return err;
}

/* O_APPEND: every write goes to the end of the file (open(2)); pos is
 * set to the new end as the kernel does. */
static long host_write(struct lx_file *f, const void *buf, size_t n, int64_t *pos)
{
	IO_STATUS_BLOCK io;
	LARGE_INTEGER off;
	NTSTATUS s;
	long err;

	if (f->is_dir)
		return -LX_EISDIR;
	if ((err = lx_host_remove_privs(f)))
		return err;
	if (n > LX_HOST_CHUNK)
		n = LX_HOST_CHUNK;
	if (f->flags & LX_O_APPEND) {
		int64_t size = 0;
		err = host_size(f, &size);
		if (err)
			return err;
		*pos = size;
	}
	if (f->which == LX_HOST_MEMFD && (err = lx_memfd_write_check(f, *pos, &n)))
		return err;
	off.QuadPart = *pos;
	s = NtWriteFile(f->handle, NULL, NULL, NULL, &io, buf, (ULONG)n, &off, NULL);
	s = wait_io(f->handle, s, &io);
	if (!NT_SUCCESS(s))
		return lx_errno_from_ntstatus(s);
	return (long)io.Information;
}

/*
 * Lists the directory behind h from the top (FileIdBothDirectoryInformation)
 * and calls each(ctx, entry) for every entry the vfs shows: not "." or
 * ".." (which the callers make themselves), not a name that begins with
 * LX_METATMP_PREFIX (the metadata store and files being created,
 * metastore.h).  each returns false to stop.
 */
static long list_entries(HANDLE h, bool (*each)(void *ctx, const FILE_ID_BOTH_DIR_INFORMATION *e),
                         void *ctx)
{
	size_t cap = 64 * 1024;
	unsigned char *buf = malloc(cap);
	BOOLEAN restart = TRUE;
	long err = 0;

	if (!buf)
		return -LX_ENOMEM;
	for (;;) {
		IO_STATUS_BLOCK io;
		NTSTATUS s = NtQueryDirectoryFile(h, NULL, NULL, NULL, &io, buf, (ULONG)cap,
		                                  (FILE_INFORMATION_CLASS)LX_FileIdBothDirectoryInformation,
		                                  FALSE, NULL, restart);
		restart = FALSE;
		if (s == STATUS_NO_MORE_FILES)
			break;
		if (!NT_SUCCESS(s)) {
			err = lx_errno_from_ntstatus(s);
			break;
		}
		for (FILE_ID_BOTH_DIR_INFORMATION *e = (void *)buf;;
		     e = (void *)((unsigned char *)e + e->NextEntryOffset)) {
			size_t wlen = e->FileNameLength / sizeof(wchar_t);

			if (!((wlen == 1 && e->FileName[0] == L'.') ||
			      (wlen == 2 && e->FileName[0] == L'.' && e->FileName[1] == L'.') ||
			      (wlen && e->FileName[0] == LX_METATMP_PREFIX)) &&
			    !each(ctx, e)) {
				free(buf);
				return 0;
			}
			if (!e->NextEntryOffset)
				break;
		}
	}
	free(buf);
	return err;
}

struct list_ctx {
	struct lx_file *f;
	lx_dir_emit emit;
	void *ctx;
};

static bool list_one(void *ctx, const FILE_ID_BOTH_DIR_INFORMATION *e)
{
	struct list_ctx *c = ctx;
	char name[4 * LX_NAME_MAX + 1];

	if (lx_name_from_nt(e->FileName, e->FileNameLength / sizeof(wchar_t), name, sizeof(name)) < 0)
		return true;
	/* On a volume with Linux metadata a file may be a link or a special
	 * file: its backend says what the listing tells (DT_UNKNOWN sends the
	 * reader to lstat, as getdents(2) allows). */
	const struct lx_meta_vol *v = lx_meta_store(c->f->dev);
	uint8_t type = v ? v->ops->dtype(e->FileAttributes, e->EaSize) :
	               lx_dtype_from_attributes(e->FileAttributes);
	return c->emit(c->ctx, name, type, (uint64_t)e->FileId.QuadPart);
}

static long host_list(struct lx_file *f, lx_dir_emit emit, void *ctx)
{
	struct list_ctx c = { f, emit, ctx };

	return list_entries(f->handle, list_one, &c);
}

/* A subdirectory as the listing shows one: the directory attribute and
 * no reparse point (a link). */
static bool count_one(void *ctx, const FILE_ID_BOTH_DIR_INFORMATION *e)
{
	if ((e->FileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
	    !(e->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
		(*(uint32_t *)ctx)++;
	return true;
}

long lx_host_subdirs_handle(void *h, uint32_t *count)
{
	*count = 0;
	return list_entries(h, count_one, count);
}

long lx_host_subdirs(const wchar_t *nt_path, uint32_t *count)
{
	HANDLE h;
	long err = lx_host_open(nt_path, FILE_LIST_DIRECTORY, FILE_OPEN, FILE_DIRECTORY_FILE, 0,
	                        (void **)&h);

	*count = 0;
	if (err)
		return err;
	err = lx_host_subdirs_handle(h, count);
	NtClose(h);
	return err;
}

/* Whether directories on the mount of dev count their subdirectories in
 * st_nlink, as Linux file systems do: a Linux tree (the rootfs's
 * metadata), not a Windows drive. */
bool lx_host_counts_subdirs(uint64_t dev)
{
	const struct lx_mount *m = lx_mount_by_dev(dev);

	return m && m->meta && !(m->flags & LX_MOUNT_METADATA);
}

static long host_ioctl(struct lx_file *f, unsigned cmd, uint64_t arg)
{
	if (cmd == LX_FIONREAD && !f->is_dir) {
		int64_t size = 0;
		long err = host_size(f, &size);
		int avail;

		if (err)
			return err;
		lx_file_lock(f);
		avail = size > f->pos ? (int)((size - f->pos) > 0x7fffffff ? 0x7fffffff : size - f->pos) : 0;
		lx_file_unlock(f);
		return lx_copy_to_user(arg, &avail, sizeof(avail));
	}
	return -LX_ENOTTY;
}

/*
 * The kept handle.  An archiver closes each file it has made and then
 * sets its times by name (busybox tar: close, then utimensat), and an
 * open of the name costs Wine two requests to its server and Windows a
 * walk of the path.  So the last close, by close(2), of a description
 * that created a file on a mount whose records go by file id keeps the
 * handle in the closing thread's slot (struct lx_thread's kept_handle),
 * with the file's id; not the closes of an exit or an execve, after which
 * the thread makes no calls.  A change of times by name whose walk finds
 * that id goes through it (lx_host_kept); the thread's next system call
 * of any other kind closes it (lx_host_kept_syscall), as does the next
 * handle kept.  While kept, the file is as open as it was before the
 * close, only for longer by a few calls of the thread.
 */
static bool host_keep(struct lx_file *f, uint64_t id)
{
	struct lx_thread *t = lx_current_thread();
	FILE_INTERNAL_INFORMATION in;
	IO_STATUS_BLOCK io;

	if (!t || !t->in_close || (f->flags & LX_O_ACCMODE) == LX_O_RDONLY ||
	    (f->flags & LX_O_PATH) || f->is_dir || !lx_meta_by_id(f->dev))
		return false;
	if (!id) {
		if (!NT_SUCCESS(NtQueryInformationFile(f->handle, &io, &in, sizeof(in),
		                                       (FILE_INFORMATION_CLASS)LX_FileInternalInformation)))
			return false;
		id = (uint64_t)in.IndexNumber.QuadPart;
	}
	lx_host_kept_close(t);
	t->kept_handle = f->handle;
	t->kept_dev = f->dev;
	t->kept_id = id;
	return true;
}

void lx_host_kept_close(struct lx_thread *t)
{
	if (t && t->kept_handle) {
		NtClose(t->kept_handle);
		t->kept_handle = NULL;
	}
}

void *lx_host_kept(uint64_t dev, uint64_t id)
{
	struct lx_thread *t = lx_current_thread();

	return t && t->kept_handle && t->kept_dev == dev && t->kept_id == id ? t->kept_handle :
	                                                                      NULL;
}

bool lx_host_kept_any(void)
{
	struct lx_thread *t = lx_current_thread();

	return t && t->kept_handle;
}

/* The calls that leave the kept handle open: stats, and changes of
 * owner, mode and times by name (x86-64 numbers), and the clock reads a
 * program makes between them. */
void lx_host_kept_syscall(struct lx_thread *t, int64_t nr)
{
	switch (nr) {
	case 4:   /* stat */
	case 6:   /* lstat */
	case 90:  /* chmod */
	case 92:  /* chown */
	case 94:  /* lchown */
	case 96:  /* gettimeofday */
	case 201: /* time */
	case 228: /* clock_gettime */
	case 235: /* utimes */
	case 260: /* fchownat */
	case 261: /* futimesat */
	case 262: /* newfstatat */
	case 268: /* fchmodat */
	case 280: /* utimensat */
	case 332: /* statx */
		return;
	default:
		lx_host_kept_close(t);
	}
}

/* priv: the NT path of a file this description created (open.c), whose
 * binding in the stat cache takes its ChangeTime at the last close, and
 * whose handle may be kept (host_keep); a memfd's seal state. */
static void host_release(struct lx_file *f)
{
	bool kept = false;

	if (f->which == LX_HOST_MEMFD)
		lx_memfd_seals_release(f); /* priv: its seals (memfd_seals.c) */
	else if (f->priv && f->handle)
		kept = host_keep(f, lx_statcache_closed(f->priv, f->dev, f->handle));
	if (f->handle && !kept)
		NtClose(f->handle);
	free(f->priv);
}

static const struct lx_file_ops host_ops = {
	.read = host_read,
	.write = host_write,
	.stat = host_stat,
	.list = host_list,
	.ioctl = host_ioctl,
	.size = host_size,
	.release = host_release,
	.seekable = true,
};

bool lx_file_is_host(const struct lx_file *f)
{
	return f->ops == &host_ops;
}

bool lx_file_is_memfd(const struct lx_file *f)
{
	return f->ops == &host_ops && f->which == LX_HOST_MEMFD;
}

long lx_host_file_new(void *handle, unsigned flags, struct lx_node *node, bool is_dir,
                      struct lx_file **out)
{
	struct lx_file *f = lx_file_new(&host_ops, flags);

	if (!f)
		return -LX_ENOMEM;
	f->handle = handle;
	f->is_dir = is_dir;
	if (node) {
		f->path = strdup(node->path);
		f->dev = node->mount ? node->mount->dev : 0;
	}
	*out = f;
	return 0;
}

/* A section of a host file for a shared mapping: writable if the file is
 * open for reading and writing (mmap(2): MAP_SHARED with PROT_WRITE
 * needs O_RDWR).  Its identity is the file's (volume, file index), as
 * get_futex_key() keys a file mapping by its inode; the top bit keeps
 * it apart from the identities of anonymous sections (runtime/mman_shm.c). */
static long host_section(struct lx_file *f, struct lx_vfs_section *out)
{
	BY_HANDLE_FILE_INFORMATION bi;
	long err = host_size(f, &out->size);

	out->sealed = false;
	out->writer = NULL;
	if (err)
		return err;
	if (!GetFileInformationByHandle(f->handle, &bi))
		return lx_errno_from_win32(GetLastError());
	out->writable = (f->flags & LX_O_ACCMODE) == LX_O_RDWR;
	if (out->size == 0)
		return -LX_ENODEV; /* a section needs a size; the caller says why */
	out->section = CreateFileMappingW(f->handle, NULL, out->writable ? PAGE_READWRITE : PAGE_READONLY,
	                                  0, 0, NULL);
	if (!out->section)
		return lx_errno_from_win32(GetLastError());
	uint64_t index = (uint64_t)bi.nFileIndexHigh << 32 | bi.nFileIndexLow;
	out->id = ((index * 0x9e3779b97f4a7c15ULL) ^ bi.dwVolumeSerialNumber) | 1ULL << 63;
	if (f->which == LX_HOST_MEMFD && (err = lx_memfd_section(f, out))) {
		CloseHandle(out->section);
		return err;
	}
	return 0;
}

/* For mmap (runtime/lx.h). */
long lx_vfs_fd_section(int fd, struct lx_vfs_section *out)
{
	struct lx_file *f = lx_fd_get(fd);
	long err;

	if (!f)
		return -LX_EBADF;
	if (f->ops != &host_ops || f->is_dir)
		err = -LX_ENODEV;
	else if ((f->flags & LX_O_PATH) || (f->flags & LX_O_ACCMODE) == LX_O_WRONLY)
		err = -LX_EACCES;
	else
		err = host_section(f, out);
	lx_file_put(f);
	return err;
}

long lx_event_other_handles(const wchar_t *name)
{
	PUBLIC_OBJECT_BASIC_INFORMATION info;
	HANDLE h = OpenEventW(SYNCHRONIZE, FALSE, name);
	NTSTATUS st;

	if (!h) {
		DWORD e = GetLastError();
		/* No handle of it anywhere: the object is gone. */
		return e == ERROR_FILE_NOT_FOUND ? 0 : lx_errno_from_win32(e);
	}
	st = NtQueryObject(h, ObjectBasicInformation, &info, sizeof(info), NULL);
	CloseHandle(h);
	if (!NT_SUCCESS(st))
		return lx_errno_from_ntstatus(st);
	return info.HandleCount > 0 ? (long)info.HandleCount - 1 : 0;
}
