/*
 * The instance daemon (runtime/daemon.c, docs/architecture.md "Processes
 * and the instance"): pid 1 of the instance, started on demand as a
 * process of the caller's own image, so that a packed tool stays one
 * self-contained .exe.
 */
#ifndef LXNT_RUNTIME_DAEMON_H
#define LXNT_RUNTIME_DAEMON_H

/* Starts the daemon unless one runs (under the table's mutex, so that two
 * first processes start one); cheap when it runs. */
void lx_daemon_ensure(void);
/* The daemon's loop, in a process whose hand-off says LX_HANDOFF_DAEMON. */
_Noreturn void lx_daemon_main(void);
/* A process Windows starts refuses to run while the instance is being
 * installed or removed (lxnt-instance lock): message and exit status 1. */
void lx_instance_install_check(void);

#endif
