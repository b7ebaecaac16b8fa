/*
 * The new image of an execve of another packed program, made ahead of
 * need (runtime/exec_spare.c, docs/runtime.md "Exec spares"): a process
 * of that program's file that has gone through Wine's start-up and waits
 * at the top of the runtime's main, published in a small table that the
 * instance's processes share.  Like a fork spare, it is no process of the
 * instance (no pid, no record, no table entry) until an execve claims it.
 */
#ifndef LXNT_RUNTIME_EXEC_SPARE_H
#define LXNT_RUNTIME_EXEC_SPARE_H

#include <windows.h>
#include <stdbool.h>

struct lx_exec_file;

/*
 * Claims a waiting spare of the packed program xf, checks that it still
 * runs that file's image, and arms it as execve arms a new image
 * (lx_process_arm): it then waits for go, or for this process's end.
 * pi gets the spare's process (hThread NULL) and *go the new wake-up
 * event.  False: no spare (make the process as before).
 */
bool lx_exec_spare_claim(const struct lx_exec_file *xf, PROCESS_INFORMATION *pi, HANDLE *go);

/*
 * Makes one spare of xf for the next execve of the same file, when the
 * last claim took a spare or the file was executed a short while ago,
 * and publishes it.  Best effort; the execve stub runs it on a thread of
 * its own while the new image runs, and waits for it before it ends.
 */
void lx_exec_spare_make(const struct lx_exec_file *xf);
/* True when the last claim asked for a spare (lx_exec_spare_make would
 * make one). */
bool lx_exec_spare_wanted(void);

/* Opens the instance's spare table and holds it for this process's life:
 * the daemon does, so that the table lasts as long as the instance (under
 * Wine a name lasts only as long as a handle). */
void lx_exec_spare_table_hold(void);

/* Set by a spare's creator (lx_exec_spare_wait, runtime/handoff.c): waits
 * to be claimed, or ends the process. */
void lx_exec_spare_await(void);

#endif
