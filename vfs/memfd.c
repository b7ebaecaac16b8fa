/*
 * memfd_create(2) (mm/memfd.c): an anonymous regular file.
 *
 * Its data lives in a file of the /dev/shm mount's directory under a
 * reserved name (".lxnt-memfd-<Windows pid>-<n>.", which ends in a dot
 * and so is never a codec name and never listed), created with
 * FILE_DELETE_ON_CLOSE: the file goes when the last handle to it closes,
 * in whichever process, also when Windows ends a process that was
 * killed.  The description is a host file (host.c), so read, write,
 * lseek, ftruncate, mmap with MAP_SHARED and the hand-off across fork and
 * execve are the host file's; what differs is its name ("/memfd:NAME
 * (deleted)", as /proc/<pid>/fd and maps show it), what fstat says
 * (lx_memfd_stat), that open(2) of /proc/self/fd/N makes a new
 * description of it (lx_memfd_reopen), and its file seals
 * (memfd_seals.c): MFD_ALLOW_SEALING gives it none, a memfd without
 * F_SEAL_SEAL, which it never loses.  MFD_HUGETLB is EINVAL (no huge
 * pages here).
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "identity.h"
#include "vfs.h"
#include "syscall_table.h"
#include "nt.h"

#define LX_MFD_CLOEXEC 0x0001u
#define LX_MFD_ALLOW_SEALING 0x0002u
#define LX_MFD_HUGETLB 0x0004u
#define LX_MFD_ALL_FLAGS (LX_MFD_CLOEXEC | LX_MFD_ALLOW_SEALING | LX_MFD_HUGETLB)
/* The huge page size a MFD_HUGETLB call may encode (MFD_HUGE_MASK << MFD_HUGE_SHIFT). */
#define LX_MFD_HUGE_BITS (0x3fu << 26)
#define LX_MFD_PREFIX "memfd:"
/* NAME_MAX less the prefix. */
#define LX_MFD_NAME_MAX (255 - (sizeof(LX_MFD_PREFIX) - 1))
#define LX_S_IFREG 0100000
/* Names tried before giving up on collisions with files of processes
 * that had the same Windows pid. */
#define LX_MFD_TRIES 64

static volatile LONG memfd_count;

static const struct lx_mount *shm_mount(void)
{
	for (int i = 0; i < lx_nmounts; i++)
		if (!strcmp(lx_mounts[i].prefix, "/dev/shm"))
			return &lx_mounts[i];
	return NULL;
}

/* Creates the backing file in m's directory; *h is open for reading,
 * writing and deletion, deleted when its last handle closes. */
static long create_backing(const struct lx_mount *m, HANDLE *h)
{
	size_t cap = wcslen(m->nt_root) + 64;
	wchar_t *path = malloc(cap * sizeof(wchar_t));
	long err = -LX_EEXIST;

	if (!path)
		return -LX_ENOMEM;
	for (int i = 0; i < LX_MFD_TRIES && err == -LX_EEXIST; i++) {
		_snwprintf(path, cap, L"%ls\\.lxnt-memfd-%lx-%lx.", m->nt_root,
		           (unsigned long)GetCurrentProcessId(),
		           (unsigned long)InterlockedIncrement(&memfd_count));
		path[cap - 1] = 0;
		err = lx_host_open(path, FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA |
		                   FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | DELETE,
		                   FILE_CREATE, FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE,
		                   FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_HIDDEN, (void **)h);
	}
	free(path);
	return err;
}

/* The flags memfd_create takes (5.15's: no MFD_NOEXEC_SEAL, MFD_EXEC). */
static bool flags_valid(unsigned flags)
{
	if (flags & LX_MFD_HUGETLB)
		return !(flags & ~(LX_MFD_ALL_FLAGS | LX_MFD_HUGE_BITS));
	return !(flags & ~LX_MFD_ALL_FLAGS);
}

/* The description of a new memfd in m's directory, with its seal state
 * when it may be sealed: a seal section that exists already was left
 * for a file of the same identity that is gone, and another file is
 * taken (memfd_seals.c). */
static long memfd_new(const struct lx_mount *m, bool sealing, struct lx_file **out)
{
	long err = -LX_EEXIST;

	for (int i = 0; i < LX_MFD_TRIES && err == -LX_EEXIST; i++) {
		struct lx_file *f;
		HANDLE h;
		if ((err = create_backing(m, &h)))
			return err;
		if ((err = lx_host_file_new(h, LX_O_RDWR | LX_O_LARGEFILE, NULL, false, &f))) {
			NtClose(h);
			return err;
		}
		f->dev = m->dev;
		f->which = LX_HOST_MEMFD;
		if (sealing && (err = lx_memfd_seals_new(f))) {
			lx_file_put(f);
			continue;
		}
		*out = f;
	}
	return err;
}

/* Linux memfd_create(2): the flags, then the name (at most 249 bytes,
 * EINVAL beyond, EFAULT for a bad pointer), then what lxnt cannot offer. */
int64_t lx_sys_memfd_create(struct lx_syscall *sc)
{
	unsigned flags = (unsigned)sc->arg[1];
	char name[LX_MFD_NAME_MAX + 1], path[sizeof(LX_MFD_PREFIX) + LX_MFD_NAME_MAX + 16];
	const struct lx_mount *m = shm_mount();
	struct lx_file *f;
	long len, err;

	if (!flags_valid(flags))
		return -LX_EINVAL;
	len = lx_strncpy_from_user(name, (uint64_t)sc->arg[0], sizeof(name));
	if (len == -LX_ENAMETOOLONG)
		return -LX_EINVAL;
	if (len < 0)
		return -LX_EFAULT;
	if (flags & LX_MFD_HUGETLB)
		return -LX_EINVAL;
	if (!m)
		return -LX_ENOSYS;
	if ((err = memfd_new(m, flags & LX_MFD_ALLOW_SEALING, &f)))
		return err;
	snprintf(path, sizeof(path), "/" LX_MFD_PREFIX "%s (deleted)", name);
	f->path = strdup(path);
	if (!f->path) {
		lx_file_put(f);
		return -LX_ENOMEM;
	}
	return lx_fd_install(f, 0, flags & LX_MFD_CLOEXEC);
}

/*
 * open(2) of /proc/self/fd/N (proc_fd_link): the memfd's file opened
 * again (ReOpenFile), a description of its own with open's access mode
 * and status flags, whose seals are the file's.  O_TRUNC truncates, as
 * for any open; the memfd's mode (0777) and owner (the caller) let
 * every access through.
 */
long lx_memfd_reopen(struct lx_file *f, unsigned flags, struct lx_file **out)
{
	unsigned acc = flags & LX_O_ACCMODE;
	DWORD access = FILE_READ_ATTRIBUTES | SYNCHRONIZE;
	struct lx_file *n;
	HANDLE h;
	long err;

	if (flags & LX_O_PATH) {
		lx_file_get(f); /* an O_PATH open only names it */
		*out = f;
		return 0;
	}
	if (flags & LX_O_DIRECTORY)
		return -LX_ENOTDIR;
	if (acc != LX_O_WRONLY)
		access |= FILE_READ_DATA;
	if (acc != LX_O_RDONLY)
		access |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES;
	h = ReOpenFile(f->handle, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0);
	if (h == INVALID_HANDLE_VALUE)
		return lx_errno_from_win32(GetLastError());
	if ((err = lx_host_file_new(h, (flags & ~(unsigned)(LX_O_CREAT | LX_O_EXCL | LX_O_NOCTTY |
	                                                   LX_O_TRUNC | LX_O_CLOEXEC)) | LX_O_LARGEFILE,
	                            NULL, false, &n))) {
		CloseHandle(h);
		return err;
	}
	n->dev = f->dev;
	n->which = LX_HOST_MEMFD;
	n->path = f->path ? strdup(f->path) : NULL;
	err = lx_memfd_seals_adopt(n, NULL);
	if (!err && (flags & LX_O_TRUNC) && acc != LX_O_RDONLY) {
		FILE_END_OF_FILE_INFO eof = { 0 };
		if (!(err = lx_memfd_size_check(n, 0, false)) &&
		    !SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof(eof)))
			err = lx_errno_from_win32(GetLastError());
	}
	if (err) {
		lx_file_put(n);
		return err;
	}
	*out = n;
	return 0;
}

/* For mmap (runtime/lx.h). */
bool lx_vfs_fd_is_memfd(int fd)
{
	struct lx_file *f = lx_fd_get(fd);
	bool memfd = f && lx_file_is_memfd(f);

	if (f)
		lx_file_put(f);
	return memfd;
}

/* What fstat says of a memfd: a regular file of mode 0777 (the mode
 * shmem_file_setup gives it) with no name, so no links, owned by whoever
 * asks (the vfs keeps no owner for it). */
void lx_memfd_stat(struct lx_kstat *st)
{
	st->mode = LX_S_IFREG | 0777;
	st->nlink = 0;
	st->uid = lx_cred_fsuid();
	st->gid = lx_cred_fsgid();
}
