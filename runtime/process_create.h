/*
 * Creating the Windows process of a new Linux process or image, guarded
 * so that a creator killed in the middle leaves nothing behind
 * (runtime/process_create.c).
 */
#ifndef LXNT_RUNTIME_PROCESS_CREATE_H
#define LXNT_RUNTIME_PROCESS_CREATE_H

#include <windows.h>

/*
 * A new job that ends its processes when its last handle closes
 * (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE); NULL if none can be made.
 */
HANDLE lx_kill_on_close_job(void);

/*
 * CreateProcessW with the new process put in job as it is created
 * (PROC_THREAD_ATTRIBUTE_JOB_LIST: no moment where it runs, or waits
 * suspended, outside the job).  job NULL, or a job Windows refuses (the
 * caller's own job forbids nesting), creates it without one, and then
 * *in_job is false.
 */
BOOL lx_create_process_in_job(const wchar_t *module, wchar_t *cmdline, BOOL inherit,
                              DWORD flags, const wchar_t *cwd, STARTUPINFOW *si, HANDLE job,
                              PROCESS_INFORMATION *pi, BOOL *in_job);

/*
 * Creates the suspended process of a new Linux process running module
 * (the same image for fork, the new program for execve; flags added to
 * CREATE_SUSPENDED, for the daemon).  *guard gets a kill-on-close job
 * holding it (or NULL): if this process ends before it lets go of the
 * guard, Windows ends the new one, which a creator killed in the middle
 * would otherwise leave suspended for ever.  The caller lets go with
 * lx_process_guard_release once the new process can no longer be lost
 * (armed: it ends by itself when its creator does, or resumed), or with
 * lx_process_guard_drop after ending it.
 */
long lx_process_create(const wchar_t *module, wchar_t *cmdline, DWORD flags,
                       PROCESS_INFORMATION *pi, HANDLE *guard);

/* The new process no longer ends with the guard; the guard is closed. */
void lx_process_guard_release(HANDLE guard);
/* Closes the guard, ending the process in it if it still runs. */
void lx_process_guard_drop(HANDLE guard);

#endif
