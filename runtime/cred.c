/*
 * The credentials of the process (include/linux/cred.h) as the rest of
 * the runtime and the vfs use them: their start from LXNT_UID and
 * LXNT_GID, the permission checks' view (fsuid, fsgid, groups), their
 * passage through fork, execve and vfork, and execve's rules for them.
 * The system calls that read and change them are runtime/sys_identity.c's.
 */
#include <windows.h>
#include <string.h>

#include "capability.h"
#include "handoff.h"
#include "identity.h"
#include "lxnt/linux/fs.h"
#include "proc.h"

#define S_IXGRP_BIT 0010

long lx_uid = 1000, lx_gid = 1000;
long lx_euid = 1000, lx_suid = 1000, lx_fsuid = 1000;
long lx_egid = 1000, lx_sgid = 1000, lx_fsgid = 1000;
uint32_t lx_groups[LX_NGROUPS_MAX];
int lx_ngroups;

static long env_id(const wchar_t *name, long dflt)
{
	wchar_t v[16];
	DWORD n = GetEnvironmentVariableW(name, v, 16);
	long long id = 0;

	if (n == 0 || n >= 16)
		return dflt;
	for (DWORD i = 0; i < n; i++) {
		if (v[i] < L'0' || v[i] > L'9')
			return dflt;
		id = id * 10 + (v[i] - L'0');
		if (id > 0xfffffffeLL)
			return dflt;
	}
	return (long)id;
}

void lx_cred_to_record(struct lx_proc_record *r)
{
	int n = lx_ngroups < LX_RECORD_GROUPS ? lx_ngroups : LX_RECORD_GROUPS;

	r->uid = lx_uid;
	r->suid = lx_suid;
	r->euid = lx_euid;
	r->fsuid = lx_fsuid;
	r->gid = lx_gid;
	r->egid = lx_egid;
	r->sgid = lx_sgid;
	r->fsgid = lx_fsgid;
	for (int i = 0; i < n; i++)
		r->groups[i] = lx_groups[i];
	r->ngroups = lx_ngroups;
}

void lx_cred_publish(void)
{
	lx_cred_to_record(lx_proc_self);
}

void lx_identity_init(void)
{
	lx_uid = lx_euid = lx_suid = lx_fsuid = env_id(L"LXNT_UID", 1000);
	lx_gid = lx_egid = lx_sgid = lx_fsgid = env_id(L"LXNT_GID", 1000);
	lx_groups[0] = (uint32_t)lx_gid;
	lx_ngroups = 1;
}

uint32_t lx_cred_fsuid(void)
{
	return (uint32_t)lx_fsuid;
}

uint32_t lx_cred_fsgid(void)
{
	return (uint32_t)lx_fsgid;
}

/* groups_search: the list is sorted. */
static bool in_groups(uint32_t gid)
{
	int lo = 0, hi = lx_ngroups;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (lx_groups[mid] == gid)
			return true;
		if (lx_groups[mid] < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool lx_cred_in_group(uint32_t gid)
{
	return gid == (uint32_t)lx_fsgid || in_groups(gid);
}

bool lx_cred_in_group_real(uint32_t gid)
{
	return gid == (uint32_t)lx_gid || in_groups(gid);
}

void lx_cred_exec_setid(bool set_uid, uint32_t uid, bool set_gid, uint32_t gid)
{
	if (set_uid)
		lx_euid = uid;
	if (set_gid)
		lx_egid = gid;
	/* cap_bprm_creds_from_file: every execve makes the saved and
	 * file-system ids the effective ones. */
	lx_suid = lx_fsuid = lx_euid;
	lx_sgid = lx_fsgid = lx_egid;
	lx_cred_publish();
}

void lx_cred_exec_file(uint32_t mode, uint32_t uid, uint32_t gid, const struct lx_file_caps *caps)
{
	/* bprm_fill_uid: set-group-ID counts only with group execute;
	 * either bit, or a permitted set that grew, clears the
	 * personality's PER_CLEAR_ON_SETID (cap_bprm_creds_from_file). */
	bool set_uid = mode & LX_S_ISUID;
	bool set_gid = (mode & (LX_S_ISGID | S_IXGRP_BIT)) == (LX_S_ISGID | S_IXGRP_BIT);
	static const struct lx_file_caps no_caps;

	/* PR_SET_NO_NEW_PRIVS: execve grants nothing the caller lacks, as
	 * LSM_UNSAFE_NO_NEW_PRIVS makes bprm_fill_uid and
	 * cap_bprm_creds_from_file leave it. */
	if (lx_proc_self->no_new_privs) {
		set_uid = set_gid = false;
		caps = &no_caps;
	}
	long euid = lx_euid, egid = lx_egid;
	lx_cred_exec_setid(set_uid, uid, set_gid, gid);
	bool caps_gained = lx_cap_exec(caps);
	bool gained = (set_uid && lx_euid != euid) || (set_gid && lx_egid != egid) || caps_gained;
	lx_personality_exec(set_uid || set_gid || caps_gained);
	/* begin_new_exec: the parent-death signal goes with new privileges;
	 * setup_new_exec: dumpable again, unless the ids now differ
	 * (suid_dumpable 0). */
	if (gained)
		lx_proc_self->pdeathsig = 0;
	lx_proc_self->not_dumpable = lx_euid != lx_uid || lx_egid != lx_gid;
}

void lx_cred_handoff_out(struct lx_handoff_buf *b)
{
	struct lx_handoff_cred c = {
		.euid = lx_euid, .suid = lx_suid, .fsuid = lx_fsuid,
		.egid = lx_egid, .sgid = lx_sgid, .fsgid = lx_fsgid,
		.ngroups = (uint32_t)lx_ngroups,
	};

	uint32_t at = lx_handoff_put(b, &c, sizeof(c));
	lx_handoff_put(b, lx_groups, (size_t)lx_ngroups * sizeof(uint32_t));
	lx_handoff_head(b)->uid = lx_uid;
	lx_handoff_head(b)->gid = lx_gid;
	lx_handoff_head(b)->cred_off = at;
}

void lx_cred_handoff_file(struct lx_handoff_buf *b, const struct lx_exec_file *xf)
{
	uint32_t at = lx_handoff_head(b)->cred_off;

	if (!at || b->failed)
		return;
	struct lx_handoff_cred *c = (struct lx_handoff_cred *)(b->p + at);
	c->file_mode = xf->mode;
	c->file_uid = xf->uid;
	c->file_gid = xf->gid;
	c->file_caps = xf->caps;
}

/* What a vfork child may change and its parent must get back. */
struct saved_cred {
	long id[8];
	int ngroups;
	uint32_t groups[];
};

void *lx_cred_save(void)
{
	struct saved_cred *s = HeapAlloc(GetProcessHeap(), 0,
	                                 sizeof(*s) + (size_t)lx_ngroups * sizeof(uint32_t));

	if (!s)
		return NULL;
	long id[8] = { lx_uid, lx_euid, lx_suid, lx_fsuid, lx_gid, lx_egid, lx_sgid, lx_fsgid };
	memcpy(s->id, id, sizeof(id));
	s->ngroups = lx_ngroups;
	memcpy(s->groups, lx_groups, (size_t)lx_ngroups * sizeof(uint32_t));
	return s;
}

void lx_cred_restore(void *saved)
{
	struct saved_cred *s = saved;

	lx_uid = s->id[0]; lx_euid = s->id[1]; lx_suid = s->id[2]; lx_fsuid = s->id[3];
	lx_gid = s->id[4]; lx_egid = s->id[5]; lx_sgid = s->id[6]; lx_fsgid = s->id[7];
	lx_ngroups = s->ngroups;
	memcpy(lx_groups, s->groups, (size_t)s->ngroups * sizeof(uint32_t));
	HeapFree(GetProcessHeap(), 0, s);
	lx_cred_publish();
}

void lx_cred_handoff_in(const struct lx_handoff *h)
{
	const struct lx_handoff_cred *c = (const void *)((const char *)h + h->cred_off);

	lx_uid = (long)h->uid;
	lx_gid = (long)h->gid;
	lx_euid = (long)c->euid;
	lx_suid = (long)c->suid;
	lx_fsuid = (long)c->fsuid;
	lx_egid = (long)c->egid;
	lx_sgid = (long)c->sgid;
	lx_fsgid = (long)c->fsgid;
	lx_ngroups = c->ngroups > LX_NGROUPS_MAX ? LX_NGROUPS_MAX : (int)c->ngroups;
	memcpy(lx_groups, c + 1, (size_t)lx_ngroups * sizeof(uint32_t));
	if (h->kind == LX_HANDOFF_EXEC)
		lx_cred_exec_file(c->file_mode, c->file_uid, c->file_gid, &c->file_caps);
	lx_cred_publish();
}

