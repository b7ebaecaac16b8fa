/* Capabilities (runtime/capability.c): the effective, permitted and
 * inheritable sets of include/linux/cred.h, which follow the uids as
 * security/commoncap.c makes them follow. */
#ifndef LXNT_RUNTIME_CAPABILITY_H
#define LXNT_RUNTIME_CAPABILITY_H

#include <stdbool.h>
#include <stdint.h>

/* include/uapi/linux/capability.h, those the runtime and the vfs ask for. */
#define LX_CAP_CHOWN 0
#define LX_CAP_DAC_OVERRIDE 1
#define LX_CAP_DAC_READ_SEARCH 2
#define LX_CAP_FOWNER 3
#define LX_CAP_FSETID 4
#define LX_CAP_KILL 5
#define LX_CAP_SETGID 6
#define LX_CAP_SETUID 7
#define LX_CAP_SETPCAP 8
#define LX_CAP_SYS_PTRACE 19
#define LX_CAP_SYS_ADMIN 21
#define LX_CAP_SYS_NICE 23
#define LX_CAP_SYS_RESOURCE 24
#define LX_CAP_MKNOD 27
#define LX_CAP_SETFCAP 31
/* Linux 5.15's last, CAP_CHECKPOINT_RESTORE. */
#define LX_CAP_LAST_CAP 40

/* Whether the effective set holds cap (ns_capable in the only user
 * namespace there is). */
bool lx_capable(int cap);
/* The same for access(2) and faccessat(2) without AT_EACCESS, which check
 * as the real ids (access_override_creds): a real root has its permitted
 * set effective, anyone else no capability. */
bool lx_capable_real_ids(int cap);

/* A process Windows started: what a login's process has, the full
 * permitted and effective sets for root, none for anyone else. */
void lx_cap_start(void);
/* cap_task_fix_setuid: after setuid, setreuid or setresuid changed the
 * uids from these old ones (LSM_SETID_ID, _RE, _RES). */
void lx_cap_fix_setuid(long old_uid, long old_euid, long old_suid);
/* The same after setfsuid (LSM_SETID_FS). */
void lx_cap_fix_setfsuid(long old_fsuid);
struct lx_file_caps;

/* Whether execve may run a file with these capabilities (handoff.h):
 * EINVAL for a value the kernel refuses, EPERM where the file's effective
 * flag asks for permitted capabilities the bounding and inheritable sets
 * cannot give.  Asked before execve's point of no return. */
long lx_cap_exec_check(const struct lx_file_caps *f);
/* cap_bprm_creds_from_file for a file with these capabilities (NULL or
 * state 0: none), once execve has set the new ids; true when the
 * permitted set grew, which clears the personality's PER_CLEAR_ON_SETID. */
bool lx_cap_exec(const struct lx_file_caps *f);
/* The last execve's secureexec (AT_SECURE). */
extern bool lx_cap_exec_secure;

/* prctl(2)'s capability options (cap_task_prctl): PR_CAPBSET_READ,
 * PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_GET_KEEPCAPS, PR_SET_KEEPCAPS. */
long lx_cap_bset_read(uint64_t cap);
long lx_cap_bset_drop(uint64_t cap);
long lx_cap_ambient(uint64_t op, uint64_t cap, uint64_t a4, uint64_t a5);
long lx_cap_get_keepcaps(void);
long lx_cap_set_keepcaps(uint64_t on);

#endif
