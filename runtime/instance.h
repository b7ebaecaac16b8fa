/*
 * The instance (docs/architecture.md, "Processes and the instance"): the
 * Linux processes that share one root file system and one user.  Its
 * named objects carry a key derived from both, so that two instances (two
 * rootfs directories, or two users in one session) never see each other's
 * pids, records, locks or futexes.
 */
#ifndef LXNT_RUNTIME_INSTANCE_H
#define LXNT_RUNTIME_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* The layout of what the processes of an instance share: the process
 * table and every other named section (the stat, record, lock and spare
 * tables, FIFOs, futex words), the daemon's messages.  A build that
 * changes any of them makes this number one higher, so that processes of
 * builds with different layouts (an lxnt updated while its processes
 * run) make two instances rather than misread each other's sections;
 * the install lock alone is shared by all layouts. */
#define LX_INSTANCE_LAYOUT 4

/* Writes the name of the instance's object `what` ("proc-42", "locks"...)
 * into out: `Local\lxnt-KEY-what`, KEY being 16 hex digits of a hash of
 * the user's SID, the rootfs's full Windows path (or of the synthetic
 * root) and LX_INSTANCE_LAYOUT; for `install`, the lock that keeps Linux
 * processes from starting (tools/instance.c), a KEY of the first two
 * alone.  Returns false if it does not fit in cap characters. */
bool lx_instance_object_name(const wchar_t *what, wchar_t *out, size_t cap);

/* The key alone (16 hex digits and a NUL), for names outside Local\
 * (named pipes). */
const wchar_t *lx_instance_key(void);

/* The security attributes of every named object of the instance: a DACL
 * with one ACE, granting the user who owns the instance all access (NULL,
 * the default DACL, if the token cannot be read). */
struct _SECURITY_ATTRIBUTES;
struct _SECURITY_ATTRIBUTES *lx_instance_security(void);

/* The live Linux processes of the instance (thread-group leaders, zombies
 * included), ascending, up to cap of them in pids; returns how many there
 * are, which may exceed cap. */
size_t lx_instance_pids(long *pids, size_t cap);

/* The thread group (process) of a Linux tid of the instance, or 0 if no
 * such thread exists. */
long lx_instance_tgid(long tid);

/* The tids of process tgid (tgid itself first, then ascending), up to
 * cap of them in tids; returns how many there are (0: no such process). */
size_t lx_instance_tids(long tgid, long *tids, size_t cap);

#endif
