/*
 * Windows-derived metadata for volumes without a metadata backend, as
 * WSL's DrvFs gives it (docs/vfs.md, "Metadata").
 */
#include <string.h>
#include <strings.h>

#include "capability.h"
#include "identity.h"
#include "vfs.h"
#include "syscall_table.h"
#include "nt.h"

/* 100 ns intervals from 1601-01-01 to 1970-01-01. */
#define LX_NT_EPOCH_DELTA 116444736000000000LL

struct lx_timespec64 lx_time_from_nt(int64_t filetime)
{
	int64_t t = filetime - LX_NT_EPOCH_DELTA;
	int64_t sec = t / 10000000;
	int64_t rem = t % 10000000;
	struct lx_timespec64 ts;

	/* Floor division: a time before 1970 keeps a positive tv_nsec. */
	if (rem < 0) {
		rem += 10000000;
		sec--;
	}
	ts.sec = sec;
	ts.nsec = (uint32_t)(rem * 100);
	return ts;
}

static bool has_exec_suffix(const char *name)
{
	static const char *const suffixes[] = { ".exe", ".com", ".bat", ".cmd" };
	size_t n = name ? strlen(name) : 0;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);
		if (n > k && strcasecmp(name + n - k, suffixes[i]) == 0)
			return true;
	}
	return false;
}

/* Directories 0755; files 0644, plus x for Windows executables; the
 * read-only attribute takes away every w bit. */
uint32_t lx_mode_from_attributes(uint32_t attributes, const char *name)
{
	uint32_t mode;

	if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
		mode = LX_S_IFDIR | 0755;
	} else {
		mode = LX_S_IFREG | 0644;
		if (has_exec_suffix(name))
			mode |= 0111;
	}
	if (attributes & FILE_ATTRIBUTE_READONLY)
		mode &= ~0222u;
	return mode;
}

uint8_t lx_dtype_from_attributes(uint32_t attributes)
{
	return (attributes & FILE_ATTRIBUTE_DIRECTORY) ? LX_DT_DIR : LX_DT_REG;
}

/* Files without stored owners belong to the process, as in DrvFs; they
 * have no record, so none of its flags. */
void lx_kstat_owner(struct lx_kstat *st)
{
	struct lx_syscall sc = { 0 };

	st->meta_flags = 0;
	st->uid = (uint32_t)lx_sys_getuid(&sc);
	st->gid = (uint32_t)lx_sys_getgid(&sc);
}

bool lx_owner_or_capable(const struct lx_kstat *st)
{
	return lx_cred_fsuid() == st->uid || lx_capable(LX_CAP_FOWNER);
}

/* The capability half of generic_permission() (fs/namei.c), once the
 * mode bits have said no: CAP_DAC_READ_SEARCH reads any file and reads
 * and searches any directory; CAP_DAC_OVERRIDE reads and writes anything,
 * searches any directory and executes a file with at least one x bit. */
static bool capable_overrides(const struct lx_kstat *st, int mask, bool real_ids)
{
	bool (*capable)(int) = real_ids ? lx_capable_real_ids : lx_capable;

	if (LX_S_ISDIR(st->mode)) {
		if (!(mask & LX_W_OK) && capable(LX_CAP_DAC_READ_SEARCH))
			return true;
		return capable(LX_CAP_DAC_OVERRIDE);
	}
	if ((!(mask & LX_X_OK) || (st->mode & 0111)) && capable(LX_CAP_DAC_OVERRIDE))
		return true;
	return mask == LX_R_OK && capable(LX_CAP_DAC_READ_SEARCH);
}

/* generic_permission() of fs/namei.c, as the fsuid, fsgid and groups
 * (or, for access(2), the real ids: access_override_creds): the owner's
 * bits for the owner, the group's for a member of the file's group,
 * otherwise the other bits; where they refuse, the capabilities that
 * override them (capable_overrides). */
long lx_permission(const struct lx_kstat *st, int mask, bool real_ids)
{
	struct lx_syscall sc = { 0 };
	uint32_t uid = real_ids ? (uint32_t)lx_sys_getuid(&sc) : lx_cred_fsuid();
	bool member = real_ids ? lx_cred_in_group_real(st->gid) : lx_cred_in_group(st->gid);
	uint32_t bits;

	mask &= LX_R_OK | LX_W_OK | LX_X_OK;
	if (uid == st->uid)
		bits = (st->mode >> 6) & 7;
	else if (member)
		bits = (st->mode >> 3) & 7;
	else
		bits = st->mode & 7;
	if ((bits & (uint32_t)mask) == (uint32_t)mask)
		return 0;
	return capable_overrides(st, mask, real_ids) ? 0 : -LX_EACCES;
}
