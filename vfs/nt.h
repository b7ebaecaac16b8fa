/*
 * NT file API declarations that mingw-w64's <winternl.h> lacks.  All are
 * documented in the WDK (ntifs.h / wdm.h): NtReadFile, NtWriteFile,
 * NtQueryDirectoryFile, FILE_DISPOSITION_INFORMATION_EX,
 * FILE_RENAME_INFORMATION (the Ex form with Flags), FILE_LINK_INFORMATION,
 * FILE_PIPE_LOCAL_INFORMATION.
 */
#ifndef LXNT_VFS_NT_H
#define LXNT_VFS_NT_H

#include <windows.h>
#include <winternl.h>

#ifndef STATUS_END_OF_FILE
#define STATUS_END_OF_FILE ((NTSTATUS)0xC0000011L)
#endif
#ifndef STATUS_NO_MORE_FILES
#define STATUS_NO_MORE_FILES ((NTSTATUS)0x80000006L)
#endif
#ifndef STATUS_BUFFER_OVERFLOW
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005L)
#endif
#ifndef STATUS_INVALID_INFO_CLASS
#define STATUS_INVALID_INFO_CLASS ((NTSTATUS)0xC0000003L)
#endif
#ifndef STATUS_NOT_IMPLEMENTED
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#endif
#ifndef STATUS_INVALID_PARAMETER
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#endif
#ifndef STATUS_NOT_SUPPORTED
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BBL)
#endif
#ifndef STATUS_CANNOT_DELETE
#define STATUS_CANNOT_DELETE ((NTSTATUS)0xC0000121L)
#endif
#ifndef STATUS_PENDING
#define STATUS_PENDING ((NTSTATUS)0x00000103L)
#endif
#ifndef STATUS_OBJECT_NAME_COLLISION
#define STATUS_OBJECT_NAME_COLLISION ((NTSTATUS)0xC0000035L)
#endif
#ifndef STATUS_NAME_TOO_LONG
#define STATUS_NAME_TOO_LONG ((NTSTATUS)0xC0000106L)
#endif
#ifndef STATUS_OBJECT_PATH_NOT_FOUND
#define STATUS_OBJECT_PATH_NOT_FOUND ((NTSTATUS)0xC000003AL)
#endif
#ifndef STATUS_NOT_A_DIRECTORY
#define STATUS_NOT_A_DIRECTORY ((NTSTATUS)0xC0000103L)
#endif
#ifndef STATUS_OBJECT_NAME_NOT_FOUND
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034L)
#endif
#ifndef STATUS_ACCESS_DENIED
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#endif
#ifndef STATUS_DELETE_PENDING
#define STATUS_DELETE_PENDING ((NTSTATUS)0xC0000056L)
#endif
#ifndef STATUS_DISK_FULL
#define STATUS_DISK_FULL ((NTSTATUS)0xC000007FL)
#endif
#ifndef STATUS_FILE_CORRUPT_ERROR
#define STATUS_FILE_CORRUPT_ERROR ((NTSTATUS)0xC0000102L)
#endif
#ifndef STATUS_IO_TIMEOUT
#define STATUS_IO_TIMEOUT ((NTSTATUS)0xC00000B5L)
#endif
#ifndef STATUS_NO_MEMORY
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L)
#endif
#ifndef STATUS_SHARING_VIOLATION
#define STATUS_SHARING_VIOLATION ((NTSTATUS)0xC0000043L)
#endif

#define LX_FileDirectoryInformation 1
#define LX_FileBasicInformation 4
#define LX_FileStandardInformation 5
#define LX_FileInternalInformation 6
#define LX_FileRenameInformation 10
#define LX_FileLinkInformation 11
#define LX_FileDispositionInformation 13
#define LX_FileEndOfFileInformation 20
#define LX_FilePipeLocalInformation 24
#define LX_FileIdBothDirectoryInformation 37
#define LX_FileDispositionInformationEx 64
#define LX_FileRenameInformationEx 65

/* FILE_DISPOSITION_INFORMATION_EX.Flags */
#define LX_FILE_DISPOSITION_DELETE 0x1
#define LX_FILE_DISPOSITION_POSIX_SEMANTICS 0x2
#define LX_FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE 0x10

/* FILE_RENAME_INFORMATION (Ex).Flags */
#define LX_FILE_RENAME_REPLACE_IF_EXISTS 0x1
#define LX_FILE_RENAME_POSIX_SEMANTICS 0x2

struct lx_nt_disposition_ex {
	ULONG Flags;
};

/* FILE_RENAME_INFORMATION and FILE_LINK_INFORMATION share this layout;
 * the first member is ReplaceIfExists (BOOLEAN) for the plain classes and
 * Flags (ULONG) for the Ex classes. */
struct lx_nt_rename {
	union {
		BOOLEAN ReplaceIfExists;
		ULONG Flags;
	};
	HANDLE RootDirectory;
	ULONG FileNameLength;
	WCHAR FileName[];
};

/* FILE_PIPE_LOCAL_INFORMATION (ntifs.h). */
struct lx_nt_pipe_local {
	ULONG NamedPipeType, NamedPipeConfiguration, MaximumInstances, CurrentInstances;
	ULONG InboundQuota, ReadDataAvailable, OutboundQuota, WriteQuotaAvailable;
	ULONG NamedPipeState, NamedPipeEnd;
};
#define LX_FILE_PIPE_CLOSING_STATE 4

NTSTATUS NTAPI NtReadFile(HANDLE, HANDLE, PIO_APC_ROUTINE, PVOID, PIO_STATUS_BLOCK,
                          PVOID, ULONG, PLARGE_INTEGER, PULONG);
NTSTATUS NTAPI NtWriteFile(HANDLE, HANDLE, PIO_APC_ROUTINE, PVOID, PIO_STATUS_BLOCK,
                           const VOID *, ULONG, PLARGE_INTEGER, PULONG);
NTSTATUS NTAPI NtQueryDirectoryFile(HANDLE, HANDLE, PIO_APC_ROUTINE, PVOID,
                                    PIO_STATUS_BLOCK, PVOID, ULONG,
                                    FILE_INFORMATION_CLASS, BOOLEAN,
                                    PUNICODE_STRING, BOOLEAN);

#endif
