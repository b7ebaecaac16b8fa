/*
 * The Windows processes of new Linux processes and images
 * (runtime/process_create.h, docs/runtime.md "Creating processes").
 *
 * Every new process is created suspended and is filled, armed or
 * resumed afterwards.  Under Wine a CreateProcess takes milliseconds, and
 * a creator killed inside it (SIGKILL is TerminateProcess) used to leave
 * the new process suspended for good, holding whatever handles it had
 * inherited: a pipe's write end kept the reader of a killed shell's
 * output waiting for ever.  So the new process is created inside a job
 * of its own that ends it when the job's last handle closes, and only
 * the creator holds that handle: killed, its handles close and Windows
 * ends the new process.  Once the new process cannot be lost any more,
 * the creator clears the limit and closes the job.
 *
 * A process already in a job (every process made here is) joins the new
 * job as a nested one (Windows 8 and later), so each generation of
 * processes adds one job to the chain of its ancestors'; a cleared job
 * costs nothing but its object, alive as long as a process below it.
 */
#include <windows.h>

#include "lx.h"
#include "process_create.h"

/* The caller's job refused nesting once: no guard is tried again. */
static volatile LONG jobs_refused;

HANDLE lx_kill_on_close_job(void)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim = { 0 };
	HANDLE job = CreateJobObjectW(NULL, NULL);

	lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	if (job && !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim, sizeof(lim))) {
		CloseHandle(job);
		job = NULL;
	}
	return job;
}

BOOL lx_create_process_in_job(const wchar_t *module, wchar_t *cmdline, BOOL inherit,
                              DWORD flags, const wchar_t *cwd, STARTUPINFOW *si, HANDLE job,
                              PROCESS_INFORMATION *pi, BOOL *in_job)
{
	STARTUPINFOEXW ex = { .StartupInfo = *si };
	union {
		char bytes[256];
		void *align;
	} attrs;
	SIZE_T size = sizeof(attrs);

	*in_job = FALSE;
	ex.StartupInfo.cb = sizeof(ex);
	if (job && !jobs_refused && InitializeProcThreadAttributeList((void *)attrs.bytes, 1, 0, &size)) {
		ex.lpAttributeList = (void *)attrs.bytes;
		if (UpdateProcThreadAttribute(ex.lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_JOB_LIST,
		                              &job, sizeof(job), NULL, NULL)) {
			BOOL ok = CreateProcessW(module, cmdline, NULL, NULL, inherit,
			                         flags | EXTENDED_STARTUPINFO_PRESENT, NULL, cwd,
			                         &ex.StartupInfo, pi);
			DWORD err = GetLastError();
			DeleteProcThreadAttributeList(ex.lpAttributeList);
			if (ok) {
				*in_job = TRUE;
				return TRUE;
			}
			/* Refused for the job (a job of the caller's that forbids
			 * nesting): tried again without; other errors are the
			 * creation's own. */
			if (err != ERROR_ACCESS_DENIED && err != ERROR_NOT_SUPPORTED &&
			    err != ERROR_INVALID_PARAMETER) {
				SetLastError(err);
				return FALSE;
			}
			if (!CreateProcessW(module, cmdline, NULL, NULL, inherit, flags, NULL, cwd, si, pi))
				return FALSE;
			InterlockedExchange(&jobs_refused, 1);
			lx_log("lxnt: new processes cannot be put in a job (error %lu); a creator "
			       "killed while it creates one may leave it suspended", err);
			return TRUE;
		}
		DeleteProcThreadAttributeList(ex.lpAttributeList);
	}
	return CreateProcessW(module, cmdline, NULL, NULL, inherit, flags, NULL, cwd, si, pi);
}

long lx_process_create(const wchar_t *module, wchar_t *cmdline, DWORD flags,
                       PROCESS_INFORMATION *pi, HANDLE *guard)
{
	STARTUPINFOW si = { .cb = sizeof(si) };
	HANDLE job = jobs_refused ? NULL : lx_kill_on_close_job();
	BOOL in_job;

	*guard = NULL;
	/*
	 * Wine 8's NtCreateUserProcess answers STATUS_INTERNAL_ERROR
	 * (ERROR_INTERNAL_ERROR) when the new Unix process ends before its
	 * start-up reports success, without an exit status: it was killed or
	 * crashed in Wine's loader, before any code of this image ran.  Seen
	 * rarely, under load; nothing was created, so the creation is tried
	 * again, a bounded number of times.
	 */
	for (int attempt = 0;; attempt++) {
		if (lx_create_process_in_job(module, cmdline, FALSE, CREATE_SUSPENDED | flags, NULL, &si,
		                             job, pi, &in_job)) {
			if (in_job)
				*guard = job;
			else if (job)
				CloseHandle(job);
			return 0;
		}
		DWORD err = GetLastError();
		if (err != ERROR_INTERNAL_ERROR || attempt == 2) {
			if (job)
				CloseHandle(job);
			return lx_errno_from_win32(err);
		}
	}
}

void lx_process_guard_release(HANDLE guard)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim = { 0 };

	if (!guard)
		return;
	/* Should the limit stay, closing would end the process: the handle
	 * is kept instead (the process then ends with this one). */
	if (!SetInformationJobObject(guard, JobObjectExtendedLimitInformation, &lim, sizeof(lim))) {
		lx_log("lxnt: cannot clear a new process's job limit (error %lu)", GetLastError());
		return;
	}
	CloseHandle(guard);
}

void lx_process_guard_drop(HANDLE guard)
{
	if (guard)
		CloseHandle(guard);
}
