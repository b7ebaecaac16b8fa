/*
 * LXNT_STATS: how many times sites of each rung ran in this process
 * (docs/testing.md, "Site execution counts").  The counters live in
 * struct lx_thread (thread.h) so that counting is one plain increment with
 * no lock: entry.S counts syscall sites with a trampoline, fault.c
 * trap-rung sites.
 */
#ifndef LXNT_RUNTIME_STATS_H
#define LXNT_RUNTIME_STATS_H

struct lx_thread;

/* Adds the counts of a thread that is about to exit to the process's. */
void lx_stats_retire(const struct lx_thread *t);

/*
 * Writes the counts of the process (every live thread and every thread that
 * has exited) as one line, if LXNT_STATS asks
 * for it: LXNT_STATS=1 to the Windows stderr handle, LXNT_STATS=PATH (a
 * Windows path) appended to that file.  LXNT_HANDLES, with the same
 * values, asks for a line "lxnt-handles N" with the number of handles the
 * process holds.  Called once, as the process ends.
 */
void lx_stats_write(void);

/*
 * With LXNT_STATS naming a file, appends "lxnt-started" to it as the
 * runtime's first act, so that a test can tell a process that never reached
 * lxnt's code (one Wine failed to start) from one that died in it.
 */
void lx_stats_started(void);

#endif
