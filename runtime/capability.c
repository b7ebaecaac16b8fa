/*
 * Capabilities: capget(2), capset(2) (kernel/capability.c) and the rules
 * by which the sets follow the uids (security/commoncap.c).  The sets
 * live in the process's record: fork copies them, execve computes new
 * ones from them, and capget of another process reads them there.  Linux
 * keeps them per thread; here, as the ids, they belong to the process.
 * execve applies file capabilities; there are no user namespaces; the bounding
 * set starts as every capability of Linux 5.15.
 */
#include "capability.h"
#include "handoff.h"
#include "identity.h"
#include "instance.h"
#include "proc.h"
#include "syscall_table.h"
#include "thread.h"

#define LX_CAPABILITY_VERSION_1 0x19980330u
#define LX_CAPABILITY_VERSION_2 0x20071026u
#define LX_CAPABILITY_VERSION_3 0x20080522u
#define CAP_FULL ((UINT64_C(1) << (LX_CAP_LAST_CAP + 1)) - 1)
/* CAP_FS_SET: CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID,
 * LINUX_IMMUTABLE, MKNOD and MAC_OVERRIDE, what fsuid 0 once meant. */
#define CAP_FS_SET (UINT64_C(0x1f) | UINT64_C(1) << 9 | UINT64_C(1) << 27 | UINT64_C(1) << 32)
#define SECURE_KEEP_CAPS_BIT 0x10

struct cap_header {
	uint32_t version;
	int32_t pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

struct cap_sets {
	uint64_t effective, permitted, inheritable;
};

bool lx_capable(int cap)
{
	return (lx_proc_self->cap_effective >> cap) & 1;
}

bool lx_capable_real_ids(int cap)
{
	return lx_uid == 0 && ((lx_proc_self->cap_permitted >> cap) & 1);
}

void lx_cap_start(void)
{
	struct lx_proc_record *r = lx_proc_self;

	r->cap_bset = CAP_FULL;
	r->cap_ambient = 0;
	r->cap_inheritable = 0;
	r->cap_permitted = lx_uid == 0 || lx_euid == 0 ? CAP_FULL : 0;
	r->cap_effective = lx_euid == 0 ? r->cap_permitted : 0;
}

/* cap_emulate_setxuid. */
void lx_cap_fix_setuid(long old_uid, long old_euid, long old_suid)
{
	struct lx_proc_record *r = lx_proc_self;
	bool was_root = old_uid == 0 || old_euid == 0 || old_suid == 0;

	if (was_root && lx_uid != 0 && lx_euid != 0 && lx_suid != 0) {
		if (!(r->securebits & SECURE_KEEP_CAPS_BIT)) {
			r->cap_permitted = 0;
			r->cap_effective = 0;
		}
		/* Programs from before ambient capabilities expect this to
		 * drop everything at the next execve. */
		r->cap_ambient = 0;
	}
	if (old_euid == 0 && lx_euid != 0)
		r->cap_effective = 0;
	if (old_euid != 0 && lx_euid == 0)
		r->cap_effective = r->cap_permitted;
}

/* cap_task_fix_setuid, LSM_SETID_FS. */
void lx_cap_fix_setfsuid(long old_fsuid)
{
	struct lx_proc_record *r = lx_proc_self;

	if (old_fsuid == 0 && lx_fsuid != 0)
		r->cap_effective &= ~CAP_FS_SET;
	if (old_fsuid != 0 && lx_fsuid == 0)
		r->cap_effective |= r->cap_permitted & CAP_FS_SET;
}

bool lx_cap_exec_secure;

/* bprm_caps_from_vfs_caps: pP' = (X & fP) | (pI & fI), where X is the
 * bounding set; neither changes at execve, so execve can ask first. */
static uint64_t file_permitted(const struct lx_proc_record *r, const struct lx_file_caps *f)
{
	return (r->cap_bset & f->permitted) | (r->cap_inheritable & f->inheritable);
}

long lx_cap_exec_check(const struct lx_file_caps *f)
{
	if (f->state < 0)
		return f->state;
	/* A file with the effective flag whose permitted capabilities the
	 * process could not all get: it would run without them. */
	if (f->state > 0 && f->effective && (f->permitted & ~file_permitted(lx_proc_self, f)))
		return -LX_EPERM;
	return 0;
}

/*
 * cap_bprm_creds_from_file, once execve has set the new ids: the file's
 * capabilities give pP' = (X & fP) | (pI & fI) (get_file_caps, without
 * them nothing); then root (real or effective) gets the bounding set and
 * its inheritable set permitted (handle_privileged_root), but not from a
 * set-user-ID-root file with capabilities run by someone else, and an
 * effective root has them effective; file capabilities or a set-ID
 * execve (the effective ids not the real ones) empty the ambient set,
 * which is then permitted too; the effective set is the permitted one
 * when the file's effective flag (or root) says so, else the ambient
 * set; SECURE_KEEP_CAPS goes.  lx_cap_exec_secure is the secureexec that
 * makes AT_SECURE: a set-ID execve, or one that raised a process that
 * is not a real root above its ambient set.
 */
bool lx_cap_exec(const struct lx_file_caps *f)
{
	struct lx_proc_record *r = lx_proc_self;
	uint64_t old = r->cap_permitted;
	bool has_fcap = f && f->state > 0;
	bool effective = has_fcap && f->effective;
	bool is_setid = lx_euid != lx_uid || lx_egid != lx_gid;
	uint64_t permitted = has_fcap ? file_permitted(r, f) : 0;

	if (!(has_fcap && lx_euid == 0 && lx_uid != 0)) {
		if (lx_uid == 0 || lx_euid == 0)
			permitted = r->cap_bset | r->cap_inheritable;
		if (lx_euid == 0)
			effective = true;
	}
	bool gained = (permitted & ~old) != 0;

	if (has_fcap || is_setid)
		r->cap_ambient = 0;
	permitted |= r->cap_ambient;
	r->cap_permitted = permitted;
	r->cap_effective = effective ? permitted : r->cap_ambient;
	r->securebits &= ~SECURE_KEEP_CAPS_BIT;
	lx_cap_exec_secure = is_setid ||
	                     (lx_uid != 0 && (effective || (permitted & ~r->cap_ambient)));
	return gained;
}

/* cap_validate_magic: the number of 32-bit words of each set the
 * version carries; an unknown version gets the kernel's written back
 * and EINVAL. */
static long validate_magic(uint64_t header, unsigned *words)
{
	uint32_t version;

	if (lx_copy_from_user(&version, header, sizeof(version)) < 0)
		return -LX_EFAULT;
	switch (version) {
	case LX_CAPABILITY_VERSION_1:
		*words = 1;
		return 0;
	case LX_CAPABILITY_VERSION_2:
	case LX_CAPABILITY_VERSION_3:
		*words = 2;
		return 0;
	default:
		version = LX_CAPABILITY_VERSION_3;
		if (lx_copy_to_user(header, &version, sizeof(version)) < 0)
			return -LX_EFAULT;
		return -LX_EINVAL;
	}
}

static long header_pid(uint64_t header, int32_t *pid)
{
	return lx_copy_from_user(pid, header + 4, sizeof(*pid)) < 0 ? -LX_EFAULT : 0;
}

/* Whether pid (a tid, as the kernel's find_task_by_vpid takes) names the
 * caller's own process. */
static bool is_own(int32_t pid)
{
	return pid == 0 || pid == lx_current_thread()->tid || lx_instance_tgid(pid) == lx_getpid();
}

/* cap_get_target_pid: the sets of pid's process. */
static long target_sets(int32_t pid, struct cap_sets *out)
{
	const struct lx_proc_record *r = lx_proc_self;
	struct lx_proc_record *other = NULL;

	if (!is_own(pid)) {
		long tgid = lx_instance_tgid(pid);
		other = tgid ? lx_proc_record_open(tgid) : NULL;
		if (!other)
			return -LX_ESRCH;
		r = other;
	}
	out->effective = r->cap_effective;
	out->permitted = r->cap_permitted;
	out->inheritable = r->cap_inheritable;
	if (other)
		lx_proc_record_close(other);
	return 0;
}

/* Linux capget(2): a NULL data pointer only asks for the version (0
 * even for an unknown one, whose header gets the kernel's); a version 1
 * header gets the low 32 bits of each set only. */
int64_t lx_sys_capget(struct lx_syscall *sc)
{
	uint64_t header = (uint64_t)sc->arg[0], data = (uint64_t)sc->arg[1];
	struct cap_data out[2];
	struct cap_sets sets;
	unsigned words = 0;
	int32_t pid;
	long r = validate_magic(header, &words);

	if (!data || r)
		return !data && r == -LX_EINVAL ? 0 : r;
	if ((r = header_pid(header, &pid)))
		return r;
	if (pid < 0)
		return -LX_EINVAL;
	if ((r = target_sets(pid, &sets)))
		return r;
	for (unsigned i = 0; i < 2; i++) {
		out[i].effective = (uint32_t)(sets.effective >> (32 * i));
		out[i].permitted = (uint32_t)(sets.permitted >> (32 * i));
		out[i].inheritable = (uint32_t)(sets.inheritable >> (32 * i));
	}
	return lx_copy_to_user(data, out, words * sizeof(out[0])) < 0 ? -LX_EFAULT : 0;
}

/* cap_capset: inheritable may grow only within the old permitted set
 * unless CAP_SETPCAP is effective (cap_inh_is_capped), and never beyond
 * the bounding set; permitted may only shrink; effective stays within
 * the new permitted set. */
static long capset_check(const struct lx_proc_record *r, const struct cap_sets *s)
{
	if (!lx_capable(LX_CAP_SETPCAP) && (s->inheritable & ~(r->cap_inheritable | r->cap_permitted)))
		return -LX_EPERM;
	if (s->inheritable & ~(r->cap_inheritable | r->cap_bset))
		return -LX_EPERM;
	if (s->permitted & ~r->cap_permitted)
		return -LX_EPERM;
	if (s->effective & ~s->permitted)
		return -LX_EPERM;
	return 0;
}

/* Linux capset(2): only the caller's own sets (pid 0 or its tid, EPERM
 * for any other), bits past the last capability dropped. */
int64_t lx_sys_capset(struct lx_syscall *sc)
{
	uint64_t header = (uint64_t)sc->arg[0];
	struct cap_data in[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	struct cap_sets s = { 0, 0, 0 };
	unsigned words = 0;
	int32_t pid;
	long r = validate_magic(header, &words);

	if (r)
		return r;
	if ((r = header_pid(header, &pid)))
		return r;
	if (pid != 0 && pid != lx_current_thread()->tid)
		return -LX_EPERM;
	if (lx_copy_from_user(in, (uint64_t)sc->arg[1], words * sizeof(in[0])) < 0)
		return -LX_EFAULT;
	for (unsigned i = 0; i < words; i++) {
		s.effective |= (uint64_t)in[i].effective << (32 * i);
		s.permitted |= (uint64_t)in[i].permitted << (32 * i);
		s.inheritable |= (uint64_t)in[i].inheritable << (32 * i);
	}
	s.effective &= CAP_FULL;
	s.permitted &= CAP_FULL;
	s.inheritable &= CAP_FULL;
	if ((r = capset_check(lx_proc_self, &s)))
		return r;
	lx_proc_self->cap_effective = s.effective;
	lx_proc_self->cap_permitted = s.permitted;
	lx_proc_self->cap_inheritable = s.inheritable;
	/* Ambient capabilities stay only while permitted and inheritable. */
	lx_proc_self->cap_ambient &= s.permitted & s.inheritable;
	return 0;
}

long lx_cap_bset_read(uint64_t cap)
{
	if (cap > LX_CAP_LAST_CAP)
		return -LX_EINVAL;
	return (lx_proc_self->cap_bset >> cap) & 1;
}

/* cap_prctl_drop: CAP_SETPCAP first, then the capability's number. */
long lx_cap_bset_drop(uint64_t cap)
{
	if (!lx_capable(LX_CAP_SETPCAP))
		return -LX_EPERM;
	if (cap > LX_CAP_LAST_CAP)
		return -LX_EINVAL;
	lx_proc_self->cap_bset &= ~(UINT64_C(1) << cap);
	return 0;
}

#define LX_PR_CAP_AMBIENT_IS_SET 1
#define LX_PR_CAP_AMBIENT_RAISE 2
#define LX_PR_CAP_AMBIENT_LOWER 3
#define LX_PR_CAP_AMBIENT_CLEAR_ALL 4

/* PR_CAP_AMBIENT (cap_task_prctl): CLEAR_ALL takes no other argument;
 * the others a valid capability and nothing after it; RAISE only of a
 * capability both permitted and inheritable. */
long lx_cap_ambient(uint64_t op, uint64_t cap, uint64_t a4, uint64_t a5)
{
	struct lx_proc_record *r = lx_proc_self;

	if (op == LX_PR_CAP_AMBIENT_CLEAR_ALL) {
		if (cap | a4 | a5)
			return -LX_EINVAL;
		r->cap_ambient = 0;
		return 0;
	}
	if (cap > LX_CAP_LAST_CAP || a4 || a5)
		return -LX_EINVAL;
	uint64_t bit = UINT64_C(1) << cap;
	switch (op) {
	case LX_PR_CAP_AMBIENT_IS_SET:
		return (r->cap_ambient & bit) != 0;
	case LX_PR_CAP_AMBIENT_RAISE:
		if (!(r->cap_permitted & bit) || !(r->cap_inheritable & bit))
			return -LX_EPERM;
		r->cap_ambient |= bit;
		return 0;
	case LX_PR_CAP_AMBIENT_LOWER:
		r->cap_ambient &= ~bit;
		return 0;
	default:
		return -LX_EINVAL;
	}
}

long lx_cap_get_keepcaps(void)
{
	return (lx_proc_self->securebits & SECURE_KEEP_CAPS_BIT) != 0;
}

long lx_cap_set_keepcaps(uint64_t on)
{
	if (on > 1)
		return -LX_EINVAL;
	if (on)
		lx_proc_self->securebits |= SECURE_KEEP_CAPS_BIT;
	else
		lx_proc_self->securebits &= ~SECURE_KEEP_CAPS_BIT;
	return 0;
}
