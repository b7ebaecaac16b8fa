/* The Linux identity of the process (runtime/cred.c, sys_identity.c). */
#ifndef LXNT_RUNTIME_IDENTITY_H
#define LXNT_RUNTIME_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "lx.h"

/*
 * The credentials of include/linux/cred.h: real (lx_uid, lx_gid, also
 * what siginfo's si_uid carries), effective, saved and file-system ids,
 * and the supplementary groups, kept sorted as groups_sort keeps them.
 * The capability sets follow them (runtime/capability.h): root, euid 0,
 * holds every capability unless capset dropped some, and the vfs still
 * takes fsuid 0 for the file capabilities (docs/runtime.md, "Identity").
 */
extern long lx_uid, lx_gid;
extern long lx_euid, lx_suid, lx_fsuid;
extern long lx_egid, lx_sgid, lx_fsgid;
#define LX_NGROUPS_MAX 65536
extern uint32_t lx_groups[LX_NGROUPS_MAX];
extern int lx_ngroups;

/* Reads LXNT_UID and LXNT_GID; the default is 1000, WSL's first user:
 * every uid is that one, every gid that one, the groups just it. */
void lx_identity_init(void);
/* Copies the credentials into the process record, where kill(2) senders
 * check the real and saved uid and /proc/<pid>/status shows them all;
 * after every change. */
void lx_cred_publish(void);
/* The same into the record r (a new one: runtime/proc.c). */
struct lx_proc_record;
void lx_cred_to_record(struct lx_proc_record *r);

/* For the vfs's permission checks (fs/namei.c, kernel/groups.c
 * in_group_p): the fsuid, the fsgid, and whether gid is the fsgid or a
 * supplementary group. */
uint32_t lx_cred_fsuid(void);
uint32_t lx_cred_fsgid(void);
bool lx_cred_in_group(uint32_t gid);
/* The same against the real ids, for access(2) (access_override_creds). */
bool lx_cred_in_group_real(uint32_t gid);

/* execve of a set-user-ID or set-group-ID file (fs/exec.c
 * bprm_fill_uid and commit_creds): effective and saved ids follow the
 * file's owner. */
void lx_cred_exec_setid(bool set_uid, uint32_t uid, bool set_gid, uint32_t gid);
struct lx_file_caps;

/* Every execve, of a file of that mode and owner and with those
 * capabilities (handoff.h): its set-ID bits (the set-group-ID bit counts
 * only with group execute), then the capabilities and the personality
 * as execve recomputes them. */
void lx_cred_exec_file(uint32_t mode, uint32_t uid, uint32_t gid, const struct lx_file_caps *caps);

/* A copy of the credentials and its return, for vfork's child
 * (runtime/vfork.c); lx_cred_restore frees the copy. */
void *lx_cred_save(void);
void lx_cred_restore(void *saved);

/* Linux pid of this process (runtime/sys_process.c). */
long lx_getpid(void);

#endif
