/*
 * NTSTATUS and Win32 error codes to Linux errno: exactly one table each,
 * sorted by the host code and searched by bisection (as FreeBSD's
 * linux_errtbl maps host errors at one boundary).
 *
 * Codes that no table lists are logged once and become -LX_EIO: an I/O
 * error is what Linux reports when a lower layer fails in a way the caller
 * cannot act on, and it is never mistaken for a permission problem (which a
 * silent EACCES would be).
 */
#define WIN32_NO_STATUS
#include <windows.h>
#undef WIN32_NO_STATUS
#include <winternl.h>
#include <ntstatus.h>

#include "lx.h"

struct lx_errmap {
	uint32_t host;
	uint8_t lx;
};

/* Every Linux errno we produce fits the uint8_t column. */
_Static_assert(LX_EHWPOISON < 256, "errno column width");

#define LX_ERRNO_DEFAULT LX_EIO

/* Sorted by NTSTATUS as an unsigned 32-bit number (ntstatus.h). */
static const struct lx_errmap ntstatus_map[] = {
	{ STATUS_TIMEOUT, LX_ETIMEDOUT },                   /* 0x00000102: a success code; callers usually test it first */
	{ STATUS_PENDING, LX_EAGAIN },                      /* 0x00000103: lossy: only reaches here if a caller forgot to wait */
	{ STATUS_BUFFER_OVERFLOW, LX_EOVERFLOW },           /* 0x80000005 */
	{ STATUS_NO_MORE_FILES, LX_ENOENT },                /* 0x80000006: lossy: end of a directory listing, callers stop there */
	{ STATUS_NO_MORE_ENTRIES, LX_ENOENT },              /* 0x8000001A: lossy, as above */
	{ STATUS_STOPPED_ON_SYMLINK, LX_ELOOP },            /* 0x8000002D: lossy: only seen when a walk does not expect a link */
	{ STATUS_UNSUCCESSFUL, LX_EIO },                    /* 0xC0000001: NT's own "something failed" */
	{ STATUS_NOT_IMPLEMENTED, LX_ENOSYS },              /* 0xC0000002 */
	{ STATUS_INVALID_INFO_CLASS, LX_EINVAL },           /* 0xC0000003 */
	{ STATUS_INFO_LENGTH_MISMATCH, LX_EINVAL },         /* 0xC0000004 */
	{ STATUS_ACCESS_VIOLATION, LX_EFAULT },             /* 0xC0000005 */
	{ STATUS_INVALID_HANDLE, LX_EBADF },                /* 0xC0000008 */
	{ STATUS_INVALID_PARAMETER, LX_EINVAL },            /* 0xC000000D */
	{ STATUS_NO_SUCH_DEVICE, LX_ENODEV },               /* 0xC000000E */
	{ STATUS_NO_SUCH_FILE, LX_ENOENT },                 /* 0xC000000F */
	{ STATUS_INVALID_DEVICE_REQUEST, LX_EINVAL },       /* 0xC0000010: lossy: Linux would say ENOTTY for an ioctl */
	{ STATUS_END_OF_FILE, LX_EIO },                     /* 0xC0000011: lossy: reads map EOF to 0 before this */
	{ STATUS_NO_MEDIA_IN_DEVICE, LX_ENOMEDIUM },        /* 0xC0000013 */
	{ STATUS_NONEXISTENT_SECTOR, LX_EIO },              /* 0xC0000015 */
	{ STATUS_NO_MEMORY, LX_ENOMEM },                    /* 0xC0000017 */
	{ STATUS_CONFLICTING_ADDRESSES, LX_ENOMEM },        /* 0xC0000018: lossy: Linux's mmap says ENOMEM or EEXIST by flag */
	{ STATUS_NOT_MAPPED_VIEW, LX_EINVAL },              /* 0xC0000019 */
	{ STATUS_UNABLE_TO_FREE_VM, LX_EINVAL },            /* 0xC000001A */
	{ STATUS_UNABLE_TO_DELETE_SECTION, LX_EINVAL },     /* 0xC000001B */
	{ STATUS_ILLEGAL_INSTRUCTION, LX_EINVAL },          /* 0xC000001D: only as a status of an API, not an exception */
	{ STATUS_INVALID_VIEW_SIZE, LX_EINVAL },            /* 0xC000001F */
	{ STATUS_INVALID_FILE_FOR_SECTION, LX_ENODEV },     /* 0xC0000020: mmap of a file that cannot be mapped */
	{ STATUS_ALREADY_COMMITTED, LX_EINVAL },            /* 0xC0000021 */
	{ STATUS_ACCESS_DENIED, LX_EACCES },                /* 0xC0000022 */
	{ STATUS_BUFFER_TOO_SMALL, LX_ERANGE },             /* 0xC0000023: lossy: Linux reports a short buffer as ERANGE (getcwd, getxattr) */
	{ STATUS_OBJECT_TYPE_MISMATCH, LX_EBADF },          /* 0xC0000024: a handle of the wrong type behind a fd */
	{ STATUS_NONCONTINUABLE_EXCEPTION, LX_EINVAL },     /* 0xC0000025 */
	{ STATUS_NOT_LOCKED, LX_ENOLCK },                   /* 0xC000002A */
	{ STATUS_NOT_COMMITTED, LX_ENOMEM },                /* 0xC000002D: Linux: address not mapped */
	{ STATUS_INVALID_PARAMETER_MIX, LX_EINVAL },        /* 0xC0000030 */
	{ STATUS_DISK_CORRUPT_ERROR, LX_EIO },              /* 0xC0000032 */
	{ STATUS_OBJECT_NAME_INVALID, LX_ENOENT },          /* 0xC0000033: lossy: the vfs encodes names, so this is a name Windows cannot hold */
	{ STATUS_OBJECT_NAME_NOT_FOUND, LX_ENOENT },        /* 0xC0000034 */
	{ STATUS_OBJECT_NAME_COLLISION, LX_EEXIST },        /* 0xC0000035 */
	{ STATUS_PORT_DISCONNECTED, LX_EPIPE },             /* 0xC0000037 */
	{ STATUS_OBJECT_PATH_INVALID, LX_ENOTDIR },         /* 0xC0000039: a path component is not a directory */
	{ STATUS_OBJECT_PATH_NOT_FOUND, LX_ENOENT },        /* 0xC000003A */
	{ STATUS_OBJECT_PATH_SYNTAX_BAD, LX_ENOENT },       /* 0xC000003B: lossy, see OBJECT_NAME_INVALID */
	{ STATUS_DATA_ERROR, LX_EIO },                      /* 0xC000003E */
	{ STATUS_CRC_ERROR, LX_EIO },                       /* 0xC000003F */
	{ STATUS_SECTION_TOO_BIG, LX_ENOMEM },              /* 0xC0000040 */
	{ STATUS_SHARING_VIOLATION, LX_EBUSY },             /* 0xC0000043: lossy: Linux has no share modes; EBUSY says "in use" without claiming a permission problem */
	{ STATUS_QUOTA_EXCEEDED, LX_EDQUOT },               /* 0xC0000044 */
	{ STATUS_INVALID_PAGE_PROTECTION, LX_EINVAL },      /* 0xC0000045 */
	{ STATUS_MUTANT_NOT_OWNED, LX_EPERM },              /* 0xC0000046 */
	{ STATUS_SEMAPHORE_LIMIT_EXCEEDED, LX_EOVERFLOW },  /* 0xC0000047 */
	{ STATUS_EAS_NOT_SUPPORTED, LX_EOPNOTSUPP },        /* 0xC000004F */
	{ STATUS_EA_TOO_LARGE, LX_E2BIG },                  /* 0xC0000050 */
	{ STATUS_NONEXISTENT_EA_ENTRY, LX_ENODATA },        /* 0xC0000051 */
	{ STATUS_NO_EAS_ON_FILE, LX_ENODATA },              /* 0xC0000052 */
	{ STATUS_EA_CORRUPT_ERROR, LX_EIO },                /* 0xC0000053 */
	{ STATUS_FILE_LOCK_CONFLICT, LX_EAGAIN },           /* 0xC0000054: Linux: mandatory-lock style conflict */
	{ STATUS_LOCK_NOT_GRANTED, LX_EAGAIN },             /* 0xC0000055: F_SETLK on a held lock */
	{ STATUS_DELETE_PENDING, LX_ENOENT },               /* 0xC0000056: the name is already unlinked on Linux terms */
	{ STATUS_PRIVILEGE_NOT_HELD, LX_EPERM },            /* 0xC0000061 */
	{ STATUS_INVALID_IMAGE_FORMAT, LX_ENOEXEC },        /* 0xC000007B */
	{ STATUS_DISK_FULL, LX_ENOSPC },                    /* 0xC000007F */
	{ STATUS_INSUFFICIENT_RESOURCES, LX_ENOMEM },       /* 0xC000009A: lossy: any exhausted kernel quota */
	{ STATUS_MEDIA_WRITE_PROTECTED, LX_EROFS },         /* 0xC00000A2 */
	{ STATUS_DEVICE_NOT_READY, LX_ENOMEDIUM },          /* 0xC00000A3 */
	{ STATUS_PIPE_BUSY, LX_EAGAIN },                    /* 0xC00000AE */
	{ STATUS_PIPE_DISCONNECTED, LX_EPIPE },             /* 0xC00000B0 */
	{ STATUS_PIPE_CLOSING, LX_EPIPE },                  /* 0xC00000B1 */
	{ STATUS_IO_TIMEOUT, LX_ETIMEDOUT },                /* 0xC00000B5 */
	{ STATUS_FILE_IS_A_DIRECTORY, LX_EISDIR },          /* 0xC00000BA */
	{ STATUS_NOT_SUPPORTED, LX_EOPNOTSUPP },            /* 0xC00000BB */
	{ STATUS_NETWORK_ACCESS_DENIED, LX_EACCES },        /* 0xC00000CA */
	{ STATUS_BAD_NETWORK_NAME, LX_ENOENT },             /* 0xC00000CC */
	{ STATUS_NOT_SAME_DEVICE, LX_EXDEV },               /* 0xC00000D4 */
	{ STATUS_PIPE_EMPTY, LX_EAGAIN },                   /* 0xC00000D9 */
	{ STATUS_DIRECTORY_NOT_EMPTY, LX_ENOTEMPTY },       /* 0xC0000101 */
	{ STATUS_NOT_A_DIRECTORY, LX_ENOTDIR },             /* 0xC0000103 */
	{ STATUS_NAME_TOO_LONG, LX_ENAMETOOLONG },          /* 0xC0000106 */
	{ STATUS_TOO_MANY_OPENED_FILES, LX_EMFILE },        /* 0xC000011F */
	{ STATUS_CANCELLED, LX_EINTR },                     /* 0xC0000120: lossy: an I/O cancelled by another thread */
	{ STATUS_CANNOT_DELETE, LX_EACCES },                /* 0xC0000121: lossy: read-only attribute or a mapped image */
	{ STATUS_FILE_DELETED, LX_ENOENT },                 /* 0xC0000123 */
	{ STATUS_FILE_CLOSED, LX_EBADF },                   /* 0xC0000128 */
	{ STATUS_COMMITMENT_LIMIT, LX_ENOMEM },             /* 0xC000012D */
	{ STATUS_INVALID_IMAGE_NOT_MZ, LX_ENOEXEC },        /* 0xC000012F */
	{ STATUS_INVALID_ADDRESS, LX_EFAULT },              /* 0xC0000141 */
	{ STATUS_PIPE_BROKEN, LX_EPIPE },                   /* 0xC000014B */
	{ STATUS_NOT_A_REPARSE_POINT, LX_EINVAL },          /* 0xC0000275: readlink of a non-link, as Linux says */
	{ STATUS_IO_REPARSE_TAG_NOT_HANDLED, LX_EIO },      /* 0xC0000279 */
	{ STATUS_REPARSE_POINT_NOT_RESOLVED, LX_ELOOP },    /* 0xC0000280 */
};

/* Sorted by the Win32 error code (winerror.h). */
static const struct lx_errmap win32_map[] = {
	{ ERROR_INVALID_FUNCTION, LX_EINVAL },              /* 1: lossy: an operation the object does not support */
	{ ERROR_FILE_NOT_FOUND, LX_ENOENT },                /* 2 */
	{ ERROR_PATH_NOT_FOUND, LX_ENOENT },                /* 3 */
	{ ERROR_TOO_MANY_OPEN_FILES, LX_EMFILE },           /* 4 */
	{ ERROR_ACCESS_DENIED, LX_EACCES },                 /* 5 */
	{ ERROR_INVALID_HANDLE, LX_EBADF },                 /* 6 */
	{ ERROR_ARENA_TRASHED, LX_ENOMEM },                 /* 7 */
	{ ERROR_NOT_ENOUGH_MEMORY, LX_ENOMEM },             /* 8 */
	{ ERROR_INVALID_BLOCK, LX_ENOMEM },                 /* 9 */
	{ ERROR_BAD_ENVIRONMENT, LX_E2BIG },                /* 10 */
	{ ERROR_BAD_FORMAT, LX_ENOEXEC },                   /* 11 */
	{ ERROR_INVALID_ACCESS, LX_EINVAL },                /* 12 */
	{ ERROR_INVALID_DATA, LX_EINVAL },                  /* 13 */
	{ ERROR_OUTOFMEMORY, LX_ENOMEM },                   /* 14 */
	{ ERROR_INVALID_DRIVE, LX_ENOENT },                 /* 15 */
	{ ERROR_CURRENT_DIRECTORY, LX_EBUSY },              /* 16: removing the current directory */
	{ ERROR_NOT_SAME_DEVICE, LX_EXDEV },                /* 17 */
	{ ERROR_NO_MORE_FILES, LX_ENOENT },                 /* 18: lossy: end of a listing */
	{ ERROR_WRITE_PROTECT, LX_EROFS },                  /* 19 */
	{ ERROR_BAD_UNIT, LX_ENODEV },                      /* 20 */
	{ ERROR_NOT_READY, LX_ENOMEDIUM },                  /* 21 */
	{ ERROR_BAD_COMMAND, LX_EIO },                      /* 22 */
	{ ERROR_CRC, LX_EIO },                              /* 23 */
	{ ERROR_BAD_LENGTH, LX_EINVAL },                    /* 24 */
	{ ERROR_SEEK, LX_EIO },                             /* 25 */
	{ ERROR_NOT_DOS_DISK, LX_EIO },                     /* 26 */
	{ ERROR_SECTOR_NOT_FOUND, LX_EIO },                 /* 27 */
	{ ERROR_WRITE_FAULT, LX_EIO },                      /* 29 */
	{ ERROR_READ_FAULT, LX_EIO },                       /* 30 */
	{ ERROR_GEN_FAILURE, LX_EIO },                      /* 31 */
	{ ERROR_SHARING_VIOLATION, LX_EBUSY },              /* 32: lossy: Linux has no share modes */
	{ ERROR_LOCK_VIOLATION, LX_EAGAIN },                /* 33 */
	{ ERROR_HANDLE_EOF, LX_EIO },                       /* 38: lossy: reads map EOF to 0 before this */
	{ ERROR_HANDLE_DISK_FULL, LX_ENOSPC },              /* 39 */
	{ ERROR_NOT_SUPPORTED, LX_EOPNOTSUPP },             /* 50 */
	{ ERROR_BAD_NETPATH, LX_ENOENT },                   /* 53 */
	{ ERROR_NETWORK_ACCESS_DENIED, LX_EACCES },         /* 65 */
	{ ERROR_BAD_NET_NAME, LX_ENOENT },                  /* 67 */
	{ ERROR_FILE_EXISTS, LX_EEXIST },                   /* 80 */
	{ ERROR_CANNOT_MAKE, LX_EACCES },                   /* 82: lossy: directory entry could not be created */
	{ ERROR_INVALID_PARAMETER, LX_EINVAL },             /* 87 */
	{ ERROR_BROKEN_PIPE, LX_EPIPE },                    /* 109 */
	{ ERROR_OPEN_FAILED, LX_EIO },                      /* 110 */
	{ ERROR_BUFFER_OVERFLOW, LX_ENAMETOOLONG },         /* 111: a file name too long for the buffer */
	{ ERROR_DISK_FULL, LX_ENOSPC },                     /* 112 */
	{ ERROR_CALL_NOT_IMPLEMENTED, LX_ENOSYS },          /* 120 */
	{ ERROR_SEM_TIMEOUT, LX_ETIMEDOUT },                /* 121 */
	{ ERROR_INSUFFICIENT_BUFFER, LX_ERANGE },           /* 122: lossy, see STATUS_BUFFER_TOO_SMALL */
	{ ERROR_INVALID_NAME, LX_ENOENT },                  /* 123: lossy: a name Windows cannot hold */
	{ ERROR_MOD_NOT_FOUND, LX_ENOENT },                 /* 126 */
	{ ERROR_PROC_NOT_FOUND, LX_ENOSYS },                /* 127 */
	{ ERROR_WAIT_NO_CHILDREN, LX_ECHILD },              /* 128 */
	{ ERROR_CHILD_NOT_COMPLETE, LX_ECHILD },            /* 129 */
	{ ERROR_DIRECT_ACCESS_HANDLE, LX_EBADF },           /* 130 */
	{ ERROR_NEGATIVE_SEEK, LX_EINVAL },                 /* 131 */
	{ ERROR_SEEK_ON_DEVICE, LX_ESPIPE },                /* 132 */
	{ ERROR_DIR_NOT_EMPTY, LX_ENOTEMPTY },              /* 145 */
	{ ERROR_PATH_BUSY, LX_EBUSY },                      /* 148 */
	{ ERROR_NOT_LOCKED, LX_ENOLCK },                    /* 158 */
	{ ERROR_BAD_ARGUMENTS, LX_EINVAL },                 /* 160 */
	{ ERROR_BAD_PATHNAME, LX_ENOENT },                  /* 161 */
	{ ERROR_LOCK_FAILED, LX_ENOLCK },                   /* 167 */
	{ ERROR_BUSY, LX_EBUSY },                           /* 170 */
	{ ERROR_ALREADY_EXISTS, LX_EEXIST },                /* 183 */
	{ ERROR_BAD_EXE_FORMAT, LX_ENOEXEC },               /* 193 */
	{ ERROR_FILENAME_EXCED_RANGE, LX_ENAMETOOLONG },    /* 206 */
	{ ERROR_PIPE_BUSY, LX_EAGAIN },                     /* 231 */
	{ ERROR_NO_DATA, LX_EPIPE },                        /* 232: the pipe is being closed */
	{ ERROR_PIPE_NOT_CONNECTED, LX_EPIPE },             /* 233 */
	{ ERROR_MORE_DATA, LX_EOVERFLOW },                  /* 234 */
	{ ERROR_DIRECTORY, LX_ENOTDIR },                    /* 267: "the directory name is invalid" */
	{ ERROR_NOT_OWNER, LX_EPERM },                      /* 288 */
	{ ERROR_TOO_MANY_POSTS, LX_EOVERFLOW },             /* 298 */
	{ ERROR_INVALID_ADDRESS, LX_EFAULT },               /* 487: lossy: VirtualFree/Protect on unmapped space; mman handlers check first */
	{ ERROR_OPERATION_ABORTED, LX_EINTR },              /* 995 */
	{ ERROR_IO_INCOMPLETE, LX_EAGAIN },                 /* 996 */
	{ ERROR_IO_PENDING, LX_EAGAIN },                    /* 997: lossy: only if a caller forgot to wait */
	{ ERROR_NOACCESS, LX_EFAULT },                      /* 998 */
	{ ERROR_PRIVILEGE_NOT_HELD, LX_EPERM },             /* 1314 */
	{ ERROR_COMMITMENT_LIMIT, LX_ENOMEM },              /* 1455 */
	{ ERROR_TIMEOUT, LX_ETIMEDOUT },                    /* 1460 */
	{ ERROR_INVALID_USER_BUFFER, LX_EFAULT },           /* 1784 */
	{ ERROR_NOT_ENOUGH_QUOTA, LX_ENOMEM },              /* 1816 */
	{ ERROR_CANT_RESOLVE_FILENAME, LX_ELOOP },          /* 1921 */
	{ ERROR_NOT_A_REPARSE_POINT, LX_EINVAL },           /* 4390: readlink of a non-link */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static long lookup(const struct lx_errmap *map, size_t n, uint32_t host)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map[mid].host == host)
			return -(long)map[mid].lx;
		if (map[mid].host < host)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Remembers up to a fixed number of unmapped codes so that each is logged
 * once; beyond that, further codes are still logged (rare, and a log line
 * is cheaper than losing the diagnostic).
 */
static volatile LONG unmapped_seen[32];

static void log_unmapped_once(const char *kind, uint32_t host, void *caller)
{
	for (size_t i = 0; i < COUNT(unmapped_seen); i++) {
		LONG prev = InterlockedCompareExchange(&unmapped_seen[i], (LONG)host, 0);

		if (prev == 0)
			break;
		if ((uint32_t)prev == host)
			return;
	}
	/* The caller's address names the failing call in the link map
	 * (build/runtime/lxnt-runtime.map; the image is not relocated). */
	lx_log("lxnt: unmapped %s 0x%x (from %p), reporting EIO", kind, (unsigned)host, caller);
}

long lx_errno_from_ntstatus(long status)
{
	uint32_t host = (uint32_t)status;
	long e = lookup(ntstatus_map, COUNT(ntstatus_map), host);

	if (e)
		return e;
	log_unmapped_once("NTSTATUS", host, __builtin_return_address(0));
	return -LX_ERRNO_DEFAULT;
}

long lx_errno_from_win32(unsigned long err)
{
	uint32_t host = (uint32_t)err;
	long e = lookup(win32_map, COUNT(win32_map), host);

	if (e)
		return e;
	log_unmapped_once("Win32 error", host, __builtin_return_address(0));
	return -LX_ERRNO_DEFAULT;
}

/*
 * The bisection needs strictly increasing host codes; a table edited out of
 * order is a start-up failure rather than a silent mis-translation.
 */
static bool sorted(const struct lx_errmap *map, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (map[i - 1].host >= map[i].host)
			return false;
	return true;
}

void lx_errno_check_tables(void)
{
	if (!sorted(ntstatus_map, COUNT(ntstatus_map)))
		lx_fatal("lxnt: NTSTATUS errno table is not sorted");
	if (!sorted(win32_map, COUNT(win32_map)))
		lx_fatal("lxnt: Win32 errno table is not sorted");
}
