/*
 * File seals of a memfd (fcntl(2) "File Sealing"; memfd_add_seals and
 * memfd_get_seals of mm/memfd.c, the checks of mm/shmem.c).
 *
 * Seals belong to the file, which every process holding the memfd
 * shares, so they live in the instance's named objects (runtime/
 * instance.h), keyed by the backing file's identity (volume serial
 * number and file index), which no other file has while this one
 * exists:
 *
 *   memfd-VOL-INDEX-seals   section: the F_SEAL_* word
 *   memfd-VOL-INDEX-lock    mutex over adding seals and writable mappings
 *   memfd-VOL-INDEX-w       writer object: one handle per writable shared
 *                           view of the file, in whichever process
 *
 * memfd_create(MFD_ALLOW_SEALING) creates the section; a memfd without it
 * has none and its seals are F_SEAL_SEAL alone, as Linux starts it.  A
 * description rebuilt in another process (fork, execve, vfs/handoff.c)
 * gets a duplicate of the section handle with the file's; one opened
 * anew through /proc/self/fd/N opens the section by its key, and finds
 * none for a memfd that cannot be sealed.  Each description holds a
 * handle of the section and the mutex, so the objects live as long as
 * the file is open anywhere.
 *
 * F_SEAL_WRITE is EBUSY while the file has a writable shared mapping
 * (mapping_deny_writable: i_mmap_writable counts the shared mappings
 * that may write, VM_SHARED with VM_MAYWRITE, whatever their protection
 * now).  Here each view of the file's section that may write holds a
 * handle of the writer object (runtime/mman_shm.c), duplicated into a
 * child of fork with the view, closed when the view goes (munmap of its
 * last page, execve, exit), and closed by Windows when a process is
 * killed; the handle count of the object (NtQueryObject,
 * ObjectBasicInformation) is then the count, in every process.  A view
 * takes whole 64 KiB granules and lives while any page of it is mapped,
 * as the Linux mapping does, so the count is the number of mappings
 * that keep a view, which is non-zero exactly when Linux's is.  The
 * mutex makes the seal check of a new mapping and the count of
 * F_SEAL_WRITE one step each (its owner's death leaves it abandoned,
 * which is taken as released).
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "handoff.h"
#include "instance.h"
#include "vfs.h"
#include "nt.h"

#define LX_MEMFD_OBJ_NAME 160
#define LX_PAGE 4096

/* The seal state of a sealable memfd's description (f->priv). */
struct lx_memfd {
	HANDLE section;             /* memfd-KEY-seals */
	volatile LONG *seals;       /* its F_SEAL_* word, mapped */
	HANDLE lock;                /* memfd-KEY-lock */
	wchar_t writer[LX_MEMFD_OBJ_NAME]; /* the name of memfd-KEY-w */
};

/* The instance's name of the file's object `suffix`. */
static long object_name(HANDLE file, const wchar_t *suffix, wchar_t *out)
{
	BY_HANDLE_FILE_INFORMATION bi;
	wchar_t what[64];

	if (!GetFileInformationByHandle(file, &bi))
		return lx_errno_from_win32(GetLastError());
	swprintf(what, 64, L"memfd-%lx-%lx%lx-%ls", (unsigned long)bi.dwVolumeSerialNumber,
	         (unsigned long)bi.nFileIndexHigh, (unsigned long)bi.nFileIndexLow, suffix);
	return lx_instance_object_name(what, out, LX_MEMFD_OBJ_NAME) ? 0 : -LX_ENAMETOOLONG;
}

static void state_free(struct lx_memfd *m)
{
	if (m->seals)
		UnmapViewOfFile((void *)m->seals);
	if (m->section)
		CloseHandle(m->section);
	if (m->lock)
		CloseHandle(m->lock);
	free(m);
}

enum state_how { STATE_CREATE, STATE_OPEN, STATE_HANDED };

/*
 * The seal state of the memfd behind file: a new one (STATE_CREATE;
 * -LX_EEXIST if the key's section exists already, left by a file of the
 * same identity that is gone), the existing one found by its name
 * (STATE_OPEN), or the one whose section handle a hand-off brought
 * (STATE_HANDED, section; taken).  *out is NULL when the memfd cannot
 * be sealed: it has no section.
 */
static long state_open(HANDLE file, enum state_how how, HANDLE section, struct lx_memfd **out)
{
	struct lx_memfd *m = calloc(1, sizeof(*m));
	wchar_t name[LX_MEMFD_OBJ_NAME];
	long err;

	*out = NULL;
	if (!m) {
		if (section)
			CloseHandle(section);
		return -LX_ENOMEM;
	}
	m->section = section;
	if (how != STATE_HANDED && (err = object_name(file, L"seals", name)))
		goto fail;
	if (how == STATE_CREATE) {
		m->section = CreateFileMappingW(INVALID_HANDLE_VALUE, lx_instance_security(),
		                                PAGE_READWRITE, 0, LX_PAGE, name);
		if (m->section && GetLastError() == ERROR_ALREADY_EXISTS) {
			err = -LX_EEXIST;
			goto fail;
		}
	} else if (how == STATE_OPEN) {
		m->section = OpenFileMappingW(FILE_MAP_WRITE, FALSE, name);
		if (!m->section && GetLastError() == ERROR_FILE_NOT_FOUND) {
			free(m);
			return 0; /* not sealable */
		}
	} else if (!section) {
		free(m);
		return 0;
	}
	if (!m->section) {
		err = lx_errno_from_win32(GetLastError());
		goto fail;
	}
	m->seals = MapViewOfFile(m->section, FILE_MAP_WRITE, 0, 0, LX_PAGE);
	if (!m->seals) {
		err = lx_errno_from_win32(GetLastError());
		goto fail;
	}
	if ((err = object_name(file, L"lock", name)) || (err = object_name(file, L"w", m->writer)))
		goto fail;
	m->lock = CreateMutexW(lx_instance_security(), FALSE, name);
	if (!m->lock) {
		err = lx_errno_from_win32(GetLastError());
		goto fail;
	}
	*out = m;
	return 0;
fail:
	state_free(m);
	return err;
}

long lx_memfd_seals_new(struct lx_file *f)
{
	struct lx_memfd *m;
	long err = state_open(f->handle, STATE_CREATE, NULL, &m);

	if (!err)
		f->priv = m; /* no seals: the section starts zeroed */
	return err;
}

long lx_memfd_seals_adopt(struct lx_file *f, void *section)
{
	struct lx_memfd *m;
	long err = state_open(f->handle, section ? STATE_HANDED : STATE_OPEN, section, &m);

	if (!err)
		f->priv = m;
	return err;
}

long lx_memfd_seals_handoff(struct lx_file *f, void *proc, uint64_t *section)
{
	const struct lx_memfd *m = f->priv;

	*section = 0;
	return m ? lx_handoff_dup_into(proc, m->section, section) : 0;
}

void lx_memfd_seals_release(struct lx_file *f)
{
	if (f->priv)
		state_free(f->priv);
	f->priv = NULL;
}

static bool lock(struct lx_memfd *m)
{
	DWORD r = WaitForSingleObject(m->lock, INFINITE);

	return r == WAIT_OBJECT_0 || r == WAIT_ABANDONED;
}

/* The seals of a memfd's description: F_SEAL_SEAL alone when it cannot
 * be sealed (memfd_create without MFD_ALLOW_SEALING). */
static unsigned seals_of(const struct lx_file *f)
{
	const struct lx_memfd *m = f->priv;

	return m ? (unsigned)*m->seals : LX_F_SEAL_SEAL;
}

/* The file's writable shared mappings anywhere: the writer object's
 * handle count, less the one opened here to ask (under the lock, so no
 * other probe or new mapping is counted). */
static long writable_mappings(const struct lx_memfd *m)
{
	return lx_event_other_handles(m->writer);
}

/* memfd_add_seals, once the description is known to be open for
 * writing and the bits valid: the file must be sealable and not sealed
 * against sealing; F_SEAL_WRITE needs no writable shared mapping. */
static long add_seals(struct lx_file *f, unsigned seals)
{
	struct lx_memfd *m = f->priv;
	long err = 0;

	if (!m)
		return -LX_EPERM; /* F_SEAL_SEAL */
	if (!lock(m))
		return -LX_EIO;
	if (*m->seals & LX_F_SEAL_SEAL)
		err = -LX_EPERM;
	else if ((seals & LX_F_SEAL_WRITE) && !(*m->seals & LX_F_SEAL_WRITE) &&
	         (err = writable_mappings(m)) > 0)
		err = -LX_EBUSY;
	if (!err)
		InterlockedOr(m->seals, (LONG)seals);
	ReleaseMutex(m->lock);
	return err < 0 ? err : 0;
}

/* A regular file of a tmpfs mount (/dev/shm): a shmem inode, which Linux
 * creates with F_SEAL_SEAL. */
static bool on_tmpfs(const struct lx_file *f)
{
	const struct lx_mount *mnt = lx_file_is_host(f) && !f->is_dir ? lx_mount_by_dev(f->dev) : NULL;

	return mnt && !strcmp(mnt->fstype, "tmpfs");
}

/* memfd_fcntl: F_GET_SEALS, and F_ADD_SEALS with memfd_add_seals's
 * order of checks (open for writing, known bits, a file with seals). */
long lx_memfd_fcntl(struct lx_file *f, int cmd, unsigned arg)
{
	bool memfd = lx_file_is_memfd(f);

	if (f->flags & LX_O_PATH)
		return -LX_EBADF; /* not among the commands an O_PATH fd takes */
	if (cmd == LX_F_GET_SEALS)
		return memfd ? (long)seals_of(f) : on_tmpfs(f) ? LX_F_SEAL_SEAL : -LX_EINVAL;
	if ((f->flags & LX_O_ACCMODE) == LX_O_RDONLY)
		return -LX_EPERM;
	if (arg & ~(unsigned)LX_F_ALL_SEALS)
		return -LX_EINVAL;
	if (!memfd)
		return on_tmpfs(f) ? -LX_EPERM : -LX_EINVAL;
	return add_seals(f, arg);
}

static bool file_size(struct lx_file *f, int64_t *size)
{
	LARGE_INTEGER s;

	if (!GetFileSizeEx(f->handle, &s))
		return false;
	*size = s.QuadPart;
	return true;
}

/* shmem_write_begin: F_SEAL_WRITE and F_SEAL_FUTURE_WRITE refuse every
 * write, F_SEAL_GROW each page-sized step of it that would end past the
 * end of the file (generic_perform_write then stops short, or fails if
 * it is the first). */
long lx_memfd_write_check(struct lx_file *f, int64_t pos, size_t *n)
{
	unsigned seals = f->priv ? seals_of(f) : 0;
	int64_t end = pos, size;

	if (*n == 0 || !(seals & (LX_F_SEAL_GROW | LX_F_SEAL_WRITE | LX_F_SEAL_FUTURE_WRITE)))
		return 0;
	if (seals & (LX_F_SEAL_WRITE | LX_F_SEAL_FUTURE_WRITE))
		return -LX_EPERM;
	if (!file_size(f, &size))
		return lx_errno_from_win32(GetLastError());
	while (end < pos + (int64_t)*n) {
		int64_t step = (end | (LX_PAGE - 1)) + 1;
		if (step > pos + (int64_t)*n)
			step = pos + (int64_t)*n;
		if (step > size)
			break;
		end = step;
	}
	if (end == pos)
		return -LX_EPERM;
	*n = (size_t)(end - pos);
	return 0;
}

/* shmem_setattr: F_SEAL_SHRINK refuses a smaller size, F_SEAL_GROW a
 * larger one; shmem_fallocate's F_SEAL_GROW check is the latter
 * (grow_only: the size never goes down there). */
long lx_memfd_size_check(struct lx_file *f, int64_t new_size, bool grow_only)
{
	unsigned seals = f->priv ? seals_of(f) : 0;
	int64_t size;

	if (!(seals & (LX_F_SEAL_SHRINK | LX_F_SEAL_GROW)))
		return 0;
	if (!file_size(f, &size))
		return lx_errno_from_win32(GetLastError());
	if (!grow_only && new_size < size && (seals & LX_F_SEAL_SHRINK))
		return -LX_EPERM;
	if (new_size > size && (seals & LX_F_SEAL_GROW))
		return -LX_EPERM;
	return 0;
}

/* A shared mapping of the file (lx_vfs_fd_section): with writes sealed,
 * no view may write (seal_check_write); else a view that may write takes
 * a handle of the writer object, under the lock, so that F_SEAL_WRITE
 * sees it. */
long lx_memfd_section(struct lx_file *f, struct lx_vfs_section *out)
{
	struct lx_memfd *m = f->priv;
	long err = 0;

	if (!m)
		return 0;
	if (!lock(m))
		return -LX_EIO;
	if (*m->seals & (LX_F_SEAL_WRITE | LX_F_SEAL_FUTURE_WRITE))
		out->sealed = true;
	else if (out->writable && !(out->writer = CreateEventW(lx_instance_security(), TRUE, FALSE,
	                                                       m->writer)))
		err = lx_errno_from_win32(GetLastError());
	ReleaseMutex(m->lock);
	return err;
}
