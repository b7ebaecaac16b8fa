/* The Linux identity of the process (runtime/sys_identity.c). */
#ifndef LXNT_RUNTIME_IDENTITY_H
#define LXNT_RUNTIME_IDENTITY_H

#include "lx.h"

extern long lx_uid, lx_gid;

/* Reads LXNT_UID and LXNT_GID; the default is 1000, WSL's first user. */
void lx_identity_init(void);

/* Linux pid of this process (runtime/sys_process.c). */
long lx_getpid(void);

#endif
