/*
 * User and group identity system calls (kernel/sys.c, kernel/groups.c;
 * the credentials themselves are runtime/cred.c's).  The set*id calls
 * follow Linux's rules: euid 0 holds CAP_SETUID and CAP_SETGID (the
 * capability sets are not modelled apart from that: they follow the ids
 * as cap_emulate_setxuid makes them, without SECURE_KEEP_CAPS); any other
 * process may only move among its real, effective and saved ids.
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"
#include "identity.h"
#include "proc.h"
#include "syscall_table.h"

/* (uid_t)-1: "unchanged", never a valid id.  Ids are kept in long (32
 * bits here), so that one above 2^31 reads negative; id_arg and the
 * getters convert the same way each time. */
#define NO_ID (-1L)

unsigned lx_umask = 022;

/* One of the three ids (r, e, s) of a process without the capability
 * may take (setresuid's rule). */
static bool among(long id, long r, long e, long s)
{
	return id == r || id == e || id == s;
}

/* The uid and gid calls share their workers: which selects the set, and
 * the capability that lifts the rules for it (CAP_SETUID, CAP_SETGID). */
struct idset {
	long *r, *e, *s, *fs;
	int cap;
};
static const struct idset uids = { &lx_uid, &lx_euid, &lx_suid, &lx_fsuid, LX_CAP_SETUID };
static const struct idset gids = { &lx_gid, &lx_egid, &lx_sgid, &lx_fsgid, LX_CAP_SETGID };

static bool capable_setid(const struct idset *ids)
{
	return lx_capable(ids->cap);
}

/* The end of a change of ids: the capabilities follow the uids
 * (cap_task_fix_setuid), and the record shows the new ids. */
static void ids_changed(const struct idset *ids, long old_r, long old_e, long old_s)
{
	if (ids == &uids)
		lx_cap_fix_setuid(old_r, old_e, old_s);
	lx_cred_publish();
}

/* __sys_setuid / __sys_setgid. */
static long do_setid(const struct idset *ids, long id)
{
	long old_r = *ids->r, old_e = *ids->e, old_s = *ids->s;

	if (id == NO_ID)
		return -LX_EINVAL;
	if (capable_setid(ids)) {
		*ids->r = *ids->s = id;
	} else if (id != *ids->r && id != *ids->s) {
		return -LX_EPERM;
	}
	*ids->e = *ids->fs = id;
	ids_changed(ids, old_r, old_e, old_s);
	return 0;
}

/* __sys_setreuid / __sys_setregid. */
static long do_setreid(const struct idset *ids, long r, long e)
{
	long old_r = *ids->r, old_e = *ids->e, old_s = *ids->s;
	bool cap = capable_setid(ids);

	if (r != NO_ID && !cap && r != old_r && r != old_e)
		return -LX_EPERM;
	if (e != NO_ID && !cap && !among(e, old_r, old_e, old_s))
		return -LX_EPERM;
	if (r != NO_ID)
		*ids->r = r;
	if (e != NO_ID)
		*ids->e = e;
	if (r != NO_ID || (e != NO_ID && e != old_r))
		*ids->s = *ids->e;
	*ids->fs = *ids->e;
	ids_changed(ids, old_r, old_e, old_s);
	return 0;
}

/* __sys_setresuid / __sys_setresgid. */
static long do_setresid(const struct idset *ids, long r, long e, long s)
{
	long old_r = *ids->r, old_e = *ids->e, old_s = *ids->s;

	if (!capable_setid(ids)) {
		if ((r != NO_ID && !among(r, old_r, old_e, old_s)) ||
		    (e != NO_ID && !among(e, old_r, old_e, old_s)) ||
		    (s != NO_ID && !among(s, old_r, old_e, old_s)))
			return -LX_EPERM;
	}
	if (r != NO_ID)
		*ids->r = r;
	if (e != NO_ID)
		*ids->e = e;
	if (s != NO_ID)
		*ids->s = s;
	*ids->fs = *ids->e;
	ids_changed(ids, old_r, old_e, old_s);
	return 0;
}

/* __sys_setfsuid / __sys_setfsgid: always the old value; a change the
 * caller may not make is silently not made. */
static long do_setfsid(const struct idset *ids, long id)
{
	long old = *ids->fs;

	if (id == NO_ID)
		return (uint32_t)old;
	if ((among(id, *ids->r, *ids->e, *ids->s) || capable_setid(ids)) && id != old) {
		*ids->fs = id;
		if (ids == &uids)
			lx_cap_fix_setfsuid(old);
		lx_cred_publish();
	}
	return (uint32_t)old;
}

/* getresuid / getresgid: three put_user calls. */
static long do_getresid(const struct idset *ids, const int64_t *arg)
{
	long v[3] = { *ids->r, *ids->e, *ids->s };

	for (int i = 0; i < 3; i++) {
		uint32_t id = (uint32_t)v[i];
		if (lx_copy_to_user((uint64_t)arg[i], &id, sizeof(id)) < 0)
			return -LX_EFAULT;
	}
	return 0;
}

static long id_arg(int64_t a)
{
	return (long)(int32_t)(uint32_t)a;
}

/* Linux getuid(2). */
int64_t lx_sys_getuid(struct lx_syscall *sc)
{
	(void)sc;
	return (uint32_t)lx_uid;
}

/* Linux geteuid(2). */
int64_t lx_sys_geteuid(struct lx_syscall *sc)
{
	(void)sc;
	return (uint32_t)lx_euid;
}

/* Linux getgid(2). */
int64_t lx_sys_getgid(struct lx_syscall *sc)
{
	(void)sc;
	return (uint32_t)lx_gid;
}

/* Linux getegid(2). */
int64_t lx_sys_getegid(struct lx_syscall *sc)
{
	(void)sc;
	return (uint32_t)lx_egid;
}

/* Linux setuid(2). */
int64_t lx_sys_setuid(struct lx_syscall *sc)
{
	return do_setid(&uids, id_arg(sc->arg[0]));
}

/* Linux setgid(2). */
int64_t lx_sys_setgid(struct lx_syscall *sc)
{
	return do_setid(&gids, id_arg(sc->arg[0]));
}

/* Linux setreuid(2). */
int64_t lx_sys_setreuid(struct lx_syscall *sc)
{
	return do_setreid(&uids, id_arg(sc->arg[0]), id_arg(sc->arg[1]));
}

/* Linux setregid(2). */
int64_t lx_sys_setregid(struct lx_syscall *sc)
{
	return do_setreid(&gids, id_arg(sc->arg[0]), id_arg(sc->arg[1]));
}

/* Linux setresuid(2). */
int64_t lx_sys_setresuid(struct lx_syscall *sc)
{
	return do_setresid(&uids, id_arg(sc->arg[0]), id_arg(sc->arg[1]), id_arg(sc->arg[2]));
}

/* Linux setresgid(2). */
int64_t lx_sys_setresgid(struct lx_syscall *sc)
{
	return do_setresid(&gids, id_arg(sc->arg[0]), id_arg(sc->arg[1]), id_arg(sc->arg[2]));
}

/* Linux getresuid(2). */
int64_t lx_sys_getresuid(struct lx_syscall *sc)
{
	return do_getresid(&uids, sc->arg);
}

/* Linux getresgid(2). */
int64_t lx_sys_getresgid(struct lx_syscall *sc)
{
	return do_getresid(&gids, sc->arg);
}

/* Linux setfsuid(2). */
int64_t lx_sys_setfsuid(struct lx_syscall *sc)
{
	return do_setfsid(&uids, id_arg(sc->arg[0]));
}

/* Linux setfsgid(2). */
int64_t lx_sys_setfsgid(struct lx_syscall *sc)
{
	return do_setfsid(&gids, id_arg(sc->arg[0]));
}

/* Linux getgroups(2): size 0 asks for the count. */
int64_t lx_sys_getgroups(struct lx_syscall *sc)
{
	int size = (int)sc->arg[0];

	if (size < 0)
		return -LX_EINVAL;
	if (size == 0)
		return lx_ngroups;
	if (size < lx_ngroups)
		return -LX_EINVAL;
	if (lx_copy_to_user((uint64_t)sc->arg[1], lx_groups, (size_t)lx_ngroups * sizeof(uint32_t)) < 0)
		return -LX_EFAULT;
	return lx_ngroups;
}

static int gid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Linux setgroups(2): CAP_SETGID first, then the size, then the list
 * (groups_from_user: a (gid_t)-1 in it is EINVAL), kept sorted. */
int64_t lx_sys_setgroups(struct lx_syscall *sc)
{
	int size = (int)sc->arg[0];

	if (!capable_setid(&gids))
		return -LX_EPERM;
	if ((unsigned)size > LX_NGROUPS_MAX)
		return -LX_EINVAL;
	uint32_t *list = HeapAlloc(GetProcessHeap(), 0, (size_t)size * sizeof(uint32_t) + 1);
	if (!list)
		return -LX_ENOMEM;
	long r = 0;
	if (size && lx_copy_from_user(list, (uint64_t)sc->arg[1], (size_t)size * sizeof(uint32_t)) < 0)
		r = -LX_EFAULT;
	for (int i = 0; !r && i < size; i++)
		if (list[i] == UINT32_MAX)
			r = -LX_EINVAL;
	if (!r) {
		qsort(list, (size_t)size, sizeof(uint32_t), gid_cmp);
		memcpy(lx_groups, list, (size_t)size * sizeof(uint32_t));
		lx_ngroups = size;
		lx_cred_publish();
	}
	HeapFree(GetProcessHeap(), 0, list);
	return r;
}

/* Linux umask(2): returns the previous mask. */
int64_t lx_sys_umask(struct lx_syscall *sc)
{
	/* One exchange, so that threads racing here each see a real previous mask. */
	unsigned old = __atomic_exchange_n(&lx_umask, (unsigned)sc->arg[0] & 0777, __ATOMIC_SEQ_CST);

	lx_proc_self->umask = (long)(sc->arg[0] & 0777); /* for /proc/<pid>/status */
	return old;
}
