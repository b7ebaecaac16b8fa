/*
 * statfs(2), fstatfs(2), fallocate(2).
 */
#include <string.h>

#include "vfs.h"
#include "syscall_table.h"
#include "nt.h"

/* f_type of host volumes: no Linux file system is underneath, so lxnt
 * reports its own magic ("lxnt"); the synthetic directories are tmpfs, as
 * /dev is on Linux. */
#define LX_LXNT_MAGIC 0x6c786e74
#define LX_FileFsFullSizeInformation 7
#define LX_FileAllocationInformation 19

struct lx_fs_full_size {
	LARGE_INTEGER TotalAllocationUnits;
	LARGE_INTEGER CallerAvailableAllocationUnits;
	LARGE_INTEGER ActualAvailableAllocationUnits;
	ULONG SectorsPerAllocationUnit;
	ULONG BytesPerSector;
};

static void statfs_synth(struct lx_statfs *s)
{
	memset(s, 0, sizeof(*s));
	s->f_type = LX_TMPFS_MAGIC;
	s->f_bsize = s->f_frsize = 4096;
	s->f_namelen = LX_NAME_MAX;
	s->f_flags = LX_ST_VALID | LX_ST_RDONLY;
	s->f_fsid[0] = (int32_t)lx_synth_dev();
}

/* The volume's sizes (FileFsFullSizeInformation) in allocation units. */
static long statfs_handle(HANDLE h, uint64_t dev, struct lx_statfs *s)
{
	struct lx_fs_full_size full;
	IO_STATUS_BLOCK io;
	NTSTATUS st = NtQueryVolumeInformationFile(h, &io, &full, sizeof(full),
	                                           (FS_INFORMATION_CLASS)LX_FileFsFullSizeInformation);

	if (!NT_SUCCESS(st))
		return lx_errno_from_ntstatus(st);
	memset(s, 0, sizeof(*s));
	s->f_type = LX_LXNT_MAGIC;
	s->f_bsize = s->f_frsize = (int64_t)full.SectorsPerAllocationUnit * full.BytesPerSector;
	s->f_blocks = (uint64_t)full.TotalAllocationUnits.QuadPart;
	s->f_bfree = (uint64_t)full.ActualAvailableAllocationUnits.QuadPart;
	s->f_bavail = (uint64_t)full.CallerAvailableAllocationUnits.QuadPart;
	s->f_namelen = LX_NAME_MAX;
	s->f_flags = LX_ST_VALID | LX_ST_RELATIME;
	s->f_fsid[0] = (int32_t)dev;
	return 0;
}

/* Linux statfs(2): follows links, as stat does. */
int64_t lx_sys_statfs(struct lx_syscall *sc)
{
	struct lx_node node;
	struct lx_statfs s;
	HANDLE h;
	long err = lx_resolve_user(LX_AT_FDCWD, (uint64_t)sc->arg[0], LX_AT_FOLLOW, &node, NULL);

	if (!err && node.kind != LX_NODE_HOST) {
		statfs_synth(&s);
	} else if (!err) {
		err = lx_host_open(node.nt_path, FILE_READ_ATTRIBUTES, FILE_OPEN, 0, 0, (void **)&h);
		if (!err) {
			err = statfs_handle(h, node.mount->dev, &s);
			NtClose(h);
		}
	}
	lx_node_free(&node);
	return err ? err : lx_copy_to_user((uint64_t)sc->arg[1], &s, sizeof(s));
}

/* Linux fstatfs(2). */
int64_t lx_sys_fstatfs(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	struct lx_statfs s;
	long err = 0;

	if (!f)
		return -LX_EBADF;
	if (f->handle && f->dev && lx_file_is_host(f))
		err = statfs_handle(f->handle, f->dev, &s);
	else
		statfs_synth(&s);
	lx_file_put(f);
	return err ? err : lx_copy_to_user((uint64_t)sc->arg[1], &s, sizeof(s));
}

/* Linux fallocate(2): mode 0 and FALLOC_FL_KEEP_SIZE reserve the space
 * (FileAllocationInformation), mode 0 also extends the file, which Windows
 * fills with zeros; punching or zeroing ranges is EOPNOTSUPP, as on a file
 * system without them (vfs_fallocate's checks first).  Where the volume
 * has no FileAllocationInformation, KEEP_SIZE is EOPNOTSUPP. */
int64_t lx_sys_fallocate(struct lx_syscall *sc)
{
	struct lx_file *f = lx_fd_get((int)sc->arg[0]);
	int mode = (int)sc->arg[1];
	int64_t off = sc->arg[2], len = sc->arg[3];
	FILE_STANDARD_INFORMATION std;
	IO_STATUS_BLOCK io;
	NTSTATUS s;
	long err = 0;

	if (!f)
		return -LX_EBADF;
	if (off < 0 || len <= 0)
		err = -LX_EINVAL;
	else if ((f->flags & LX_O_PATH) || (f->flags & LX_O_ACCMODE) == LX_O_RDONLY)
		err = -LX_EBADF;
	else if (mode & ~LX_FALLOC_FL_KEEP_SIZE)
		err = -LX_EOPNOTSUPP;
	else if (f->is_dir)
		err = -LX_EISDIR;
	else if (!f->ops->seekable || !f->handle)
		err = -LX_ESPIPE;
	else if (off > INT64_MAX - len)
		err = -LX_EFBIG;
	else if (lx_file_is_memfd(f))
		err = lx_memfd_size_check(f, off + len, true);
	/* file_modified in the file systems' fallocate: set-ID bits go. */
	if (!err)
		err = lx_host_remove_privs(f);
	if (!err) {
		s = NtQueryInformationFile(f->handle, &io, &std, sizeof(std),
		                           (FILE_INFORMATION_CLASS)LX_FileStandardInformation);
		if (NT_SUCCESS(s) && off + len > std.AllocationSize.QuadPart) {
			LARGE_INTEGER a = { .QuadPart = off + len };
			s = NtSetInformationFile(f->handle, &io, &a, sizeof(a),
			                         (FILE_INFORMATION_CLASS)LX_FileAllocationInformation);
			/* Without the class (Wine 8), extending the end of file still
			 * allocates on NTFS; a reservation beyond it cannot be made. */
			if (lx_nt_class_unsupported(s))
				s = (mode & LX_FALLOC_FL_KEEP_SIZE) ? STATUS_NOT_SUPPORTED : 0;
		}
		if (NT_SUCCESS(s) && !(mode & LX_FALLOC_FL_KEEP_SIZE) &&
		    off + len > std.EndOfFile.QuadPart) {
			FILE_END_OF_FILE_INFORMATION eof = { .EndOfFile.QuadPart = off + len };
			s = NtSetInformationFile(f->handle, &io, &eof, sizeof(eof),
			                         (FILE_INFORMATION_CLASS)LX_FileEndOfFileInformation);
		}
		if (!NT_SUCCESS(s))
			err = lx_errno_from_ntstatus(s);
	}
	lx_file_put(f);
	return err;
}
