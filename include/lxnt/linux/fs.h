/*
 * Linux x86-64 file ABI: open flags, *at() flags, stat/statx/dirent64
 * layouts, fcntl and ioctl numbers, termios and winsize.  Values come from
 * include/uapi/asm-generic/fcntl.h, arch/x86/include/uapi/asm/stat.h,
 * include/uapi/linux/stat.h, include/uapi/asm-generic/ioctls.h and
 * include/uapi/asm-generic/termbits.h.
 */
#ifndef LXNT_LINUX_FS_H
#define LXNT_LINUX_FS_H

#include <stdint.h>

#define LX_PATH_MAX 4096
#define LX_NAME_MAX 255

/* open(2) flags (octal, as in asm-generic/fcntl.h). */
#define LX_O_ACCMODE   00000003
#define LX_O_RDONLY    00000000
#define LX_O_WRONLY    00000001
#define LX_O_RDWR      00000002
#define LX_O_CREAT     00000100
#define LX_O_EXCL      00000200
#define LX_O_NOCTTY    00000400
#define LX_O_TRUNC     00001000
#define LX_O_APPEND    00002000
#define LX_O_NONBLOCK  00004000
#define LX_O_DSYNC     00010000
#define LX_O_ASYNC     00020000
#define LX_O_DIRECT    00040000
#define LX_O_LARGEFILE 00100000
#define LX_O_DIRECTORY 00200000
#define LX_O_NOFOLLOW  00400000
#define LX_O_NOATIME   01000000
#define LX_O_CLOEXEC   02000000
#define LX_O_SYNC      04010000
#define LX_O_PATH      010000000
#define LX_O_TMPFILE   020200000

/* *at() flags (include/uapi/linux/fcntl.h). */
#define LX_AT_FDCWD            (-100)
#define LX_AT_SYMLINK_NOFOLLOW 0x100
#define LX_AT_EACCESS          0x200
#define LX_AT_REMOVEDIR        0x200
#define LX_AT_SYMLINK_FOLLOW   0x400
#define LX_AT_NO_AUTOMOUNT     0x800
#define LX_AT_EMPTY_PATH       0x1000
#define LX_AT_STATX_SYNC_TYPE  0x6000

/* preadv2(2)/pwritev2(2) flags (include/uapi/linux/fs.h). */
#define LX_RWF_HIPRI  0x01
#define LX_RWF_DSYNC  0x02
#define LX_RWF_SYNC   0x04
#define LX_RWF_NOWAIT 0x08
#define LX_RWF_APPEND 0x10

/* renameat2(2) flags. */
#define LX_RENAME_NOREPLACE 1
#define LX_RENAME_EXCHANGE  2
#define LX_RENAME_WHITEOUT  4

/* access(2) modes. */
#define LX_F_OK 0
#define LX_X_OK 1
#define LX_W_OK 2
#define LX_R_OK 4

/* fcntl(2) commands. */
#define LX_F_DUPFD         0
#define LX_F_GETFD         1
#define LX_F_SETFD         2
#define LX_F_GETFL         3
#define LX_F_SETFL         4
#define LX_F_DUPFD_CLOEXEC 1030
#define LX_F_SETPIPE_SZ    1031
#define LX_F_GETPIPE_SZ    1032
#define LX_F_ADD_SEALS     1033
#define LX_F_GET_SEALS     1034
#define LX_FD_CLOEXEC      1

/* File seals (fcntl(2) "File Sealing"; include/uapi/linux/fcntl.h):
 * 5.15's set, without 6.3's F_SEAL_EXEC. */
#define LX_F_SEAL_SEAL         0x0001
#define LX_F_SEAL_SHRINK       0x0002
#define LX_F_SEAL_GROW         0x0004
#define LX_F_SEAL_WRITE        0x0008
#define LX_F_SEAL_FUTURE_WRITE 0x0010
#define LX_F_ALL_SEALS         0x001f

/* fcntl(2) record locks (include/uapi/asm-generic/fcntl.h). */
#define LX_F_GETLK         5
#define LX_F_SETLK         6
#define LX_F_SETLKW        7
#define LX_F_OFD_GETLK     36
#define LX_F_OFD_SETLK     37
#define LX_F_OFD_SETLKW    38
#define LX_F_RDLCK         0
#define LX_F_WRLCK         1
#define LX_F_UNLCK         2

/* struct flock of x86-64 (off_t and pid_t as the kernel lays them out). */
struct lx_flock {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_pid;
};

/* flock(2) operations. */
#define LX_LOCK_SH   1
#define LX_LOCK_EX   2
#define LX_LOCK_NB   4
#define LX_LOCK_UN   8
#define LX_LOCK_MAND 32

/* lseek(2) whence. */
#define LX_SEEK_SET  0
#define LX_SEEK_CUR  1
#define LX_SEEK_END  2
#define LX_SEEK_DATA 3
#define LX_SEEK_HOLE 4

/* ioctl(2) requests (asm-generic/ioctls.h). */
#define LX_TCGETS     0x5401
#define LX_TIOCGWINSZ 0x5413
#define LX_FIONREAD   0x541B

/* File types and permission bits (include/uapi/linux/stat.h). */
#define LX_S_IFMT   0170000
#define LX_S_IFSOCK 0140000
#define LX_S_IFLNK  0120000
#define LX_S_IFREG  0100000
#define LX_S_IFBLK  0060000
#define LX_S_IFDIR  0040000
#define LX_S_IFCHR  0020000
#define LX_S_IFIFO  0010000
#define LX_S_ISDIR(m) (((m) & LX_S_IFMT) == LX_S_IFDIR)
#define LX_S_ISREG(m) (((m) & LX_S_IFMT) == LX_S_IFREG)
#define LX_S_ISLNK(m) (((m) & LX_S_IFMT) == LX_S_IFLNK)
#define LX_S_ISFIFO(m) (((m) & LX_S_IFMT) == LX_S_IFIFO)
#define LX_S_ISUID  04000
#define LX_S_ISGID  02000
#define LX_S_ISVTX  01000

/* dirent d_type (include/linux/fs_types.h). */
#define LX_DT_UNKNOWN 0
#define LX_DT_FIFO    1
#define LX_DT_CHR     2
#define LX_DT_DIR     4
#define LX_DT_BLK     6
#define LX_DT_REG     8
#define LX_DT_LNK     10
#define LX_DT_SOCK    12

/* struct statfs of x86-64 (include/uapi/asm-generic/statfs.h, 64-bit words). */
struct lx_statfs {
	int64_t f_type;
	int64_t f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen;
	int64_t f_frsize;
	int64_t f_flags;
	int64_t f_spare[4];
};
#define LX_ST_RDONLY   0x0001
#define LX_ST_VALID    0x0020
#define LX_ST_RELATIME 0x0400
#define LX_TMPFS_MAGIC 0x01021994
#define LX_FALLOC_FL_KEEP_SIZE 0x01

/* struct stat of x86-64 (arch/x86/include/uapi/asm/stat.h). */
struct lx_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	uint64_t st_atime_sec;
	uint64_t st_atime_nsec;
	uint64_t st_mtime_sec;
	uint64_t st_mtime_nsec;
	uint64_t st_ctime_sec;
	uint64_t st_ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct lx_stat) == 144, "x86-64 struct stat");

/* statx(2) (include/uapi/linux/stat.h). */
#define LX_STATX_TYPE        0x0001
#define LX_STATX_MODE        0x0002
#define LX_STATX_NLINK       0x0004
#define LX_STATX_UID         0x0008
#define LX_STATX_GID         0x0010
#define LX_STATX_ATIME       0x0020
#define LX_STATX_MTIME       0x0040
#define LX_STATX_CTIME       0x0080
#define LX_STATX_INO         0x0100
#define LX_STATX_SIZE        0x0200
#define LX_STATX_BLOCKS      0x0400
#define LX_STATX_BASIC_STATS 0x07ff
#define LX_STATX_BTIME       0x0800
#define LX_STATX__RESERVED   0x80000000u

struct lx_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct lx_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct lx_statx_timestamp stx_atime;
	struct lx_statx_timestamp stx_btime;
	struct lx_statx_timestamp stx_ctime;
	struct lx_statx_timestamp stx_mtime;
	uint32_t stx_rdev_major;
	uint32_t stx_rdev_minor;
	uint32_t stx_dev_major;
	uint32_t stx_dev_minor;
	uint64_t spare2[14];
};
_Static_assert(sizeof(struct lx_statx) == 256, "struct statx");

/* getdents64(2) record: fixed header, then the NUL-terminated name,
 * padded so that d_reclen is a multiple of 8. */
struct lx_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};
#define LX_DIRENT64_NAME_OFFSET 19

/* readv(2)/writev(2). */
struct lx_iovec {
	uint64_t iov_base;
	uint64_t iov_len;
};
#define LX_UIO_MAXIOV 1024

/* struct termios as TCGETS returns it (asm-generic/termbits.h, NCCS 19). */
#define LX_NCCS 19
struct lx_termios {
	uint32_t c_iflag;
	uint32_t c_oflag;
	uint32_t c_cflag;
	uint32_t c_lflag;
	uint8_t c_line;
	uint8_t c_cc[LX_NCCS];
};
_Static_assert(sizeof(struct lx_termios) == 36, "kernel struct termios");

#define LX_ICRNL   0000400
#define LX_IXON    0002000
#define LX_IUTF8   0040000
#define LX_OPOST   0000001
#define LX_ONLCR   0000004
#define LX_B38400  0000017
#define LX_CS8     0000060
#define LX_CREAD   0000200
#define LX_HUPCL   0002000
#define LX_ISIG    0000001
#define LX_ICANON  0000002
#define LX_ECHO    0000010
#define LX_ECHOE   0000020
#define LX_ECHOK   0000040
#define LX_ECHOCTL 0001000
#define LX_ECHOKE  0004000
#define LX_IEXTEN  0100000

#define LX_VINTR  0
#define LX_VQUIT  1
#define LX_VERASE 2
#define LX_VKILL  3
#define LX_VEOF   4
#define LX_VTIME  5
#define LX_VMIN   6
#define LX_VSTART 8
#define LX_VSTOP  9
#define LX_VSUSP  10

struct lx_winsize {
	uint16_t ws_row;
	uint16_t ws_col;
	uint16_t ws_xpixel;
	uint16_t ws_ypixel;
};

/* Device numbers as the kernel encodes them for user space
 * (include/linux/kdev_t.h: new_encode_dev). */
static inline uint64_t lx_makedev(uint32_t major, uint32_t minor)
{
	return ((uint64_t)(major & 0xfffff000u) << 32) |
	       ((uint64_t)(major & 0xfffu) << 8) |
	       ((uint64_t)(minor & 0xffffff00u) << 12) | (minor & 0xffu);
}
static inline uint32_t lx_major(uint64_t dev)
{
	return (uint32_t)(((dev >> 32) & 0xfffff000u) | ((dev >> 8) & 0xfffu));
}
static inline uint32_t lx_minor(uint64_t dev)
{
	return (uint32_t)(((dev >> 12) & 0xffffff00u) | (dev & 0xffu));
}

#endif
