/*
 * execve(2) and execveat(2) (fs/exec.c).  But for an ELF file of the
 * rootfs, the new program runs in a new Windows process; the calling
 * Windows process stays behind as a stub that holds nothing open and ends
 * with the new program's status, so that the parent's handle, the Linux
 * pid and the wait status carry over as on Linux (docs/runtime.md,
 * "Processes").
 *
 * - a packed lxnt program gets argv, envp, the fds without close-on-exec,
 *   the cwd, identity and signal state through the hand-off (bytes, not a
 *   re-parsed command line);
 * - a `#!` script runs its interpreter (binfmt_script rules);
 * - any other Windows program is started with a command line quoted from
 *   argv and fds 0-2 as its standard handles, and its exit code becomes
 *   the exit status, as WSL's interop does;
 * - a rewritten ELF file of the rootfs (static-pie, or a PIE whose ld.so
 *   the rootfs holds, rewritten too) is mapped in this process, which
 *   stays the Linux process and leaves no stub (runtime/exec_here.c); a
 *   vfork child or a process of several threads runs it in a new process
 *   of this runtime's own image, told by the hand-off to map the file
 *   instead of running its packed program (runtime/elfload.c); any other
 *   ELF file gives ENOEXEC with a message naming `lxnt convert` or
 *   `lxnt pack`.
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"
#include "elfload.h"
#include "exec.h"
#include "exec_spare.h"
#include "fork_spare.h"
#include "handoff.h"
#include "identity.h"
#include "lxnt/linux/elf.h"
#include "mman.h"
#include "proc.h"
#include "proc_info.h"
#include "process_create.h"
#include "ptable.h"
#include "signal.h"
#include "syscall_table.h"
#include "thread.h"
#include "vfork.h"

static DWORD WINAPI spare_thread(void *xf)
{
	lx_exec_spare_make((const struct lx_exec_file *)xf);
	return 0;
}

/*
 * The signals posted to a Windows program's pid reach its stub, the
 * Linux process, whose dispositions are all SIG_DFL (become_stub): one
 * whose default ends the process ends the stub with that status, and the
 * stub's kill-on-close job ends the program; the others (ignored ones,
 * stops and SIGCONT, which a Windows program cannot take) go.  Blocked
 * ones stay pending, as the program never unblocks them.
 */
static void stub_take_signals(void)
{
	struct lx_thread *self = lx_current_thread();
	struct lx_siginfo info;
	int sig;

	while ((sig = lx_signal_dequeue(self, ~self->sigmask, &info)) > 0) {
		enum lx_sig_default d = lx_signal_default(sig);
		if (d == LX_SIGDFL_TERM || d == LX_SIGDFL_CORE)
			lx_exit_process(d == LX_SIGDFL_CORE ? sig | 0x80 : sig);
	}
}

/* The stub's wait for the Windows program, taking the signals posted
 * to it meanwhile. */
static void stub_wait_program(HANDLE process)
{
	HANDLE w[2] = { process, lx_current_thread()->sig_event };

	stub_take_signals();
	while (WaitForMultipleObjects(2, w, FALSE, INFINITE) == WAIT_OBJECT_0 + 1)
		stub_take_signals();
}

/*
 * The stub: what stays of the calling Windows process.  It holds no fd
 * (pipes see their ends close; a Windows program's relays hold their
 * files), waits for the new program and ends with its exit code; a
 * Windows program's exit code becomes the status.
 */
static _Noreturn void become_stub(HANDLE process, HANDLE maker, struct lx_relays *relays,
                                  bool windows_program)
{
	DWORD code = 0;

	/* No handler of the old image may run here (a SIGCHLD of a child
	 * that went to the new image, for one): every disposition becomes
	 * SIG_DFL, under which the ones that reach a stub are ignored. */
	for (int sig = 1; sig <= LX_NSIG; sig++) {
		struct lx_sigaction dfl = { 0 };
		struct lx_syscall sc = { .nr = 13, .arg = { sig, (int64_t)(uintptr_t)&dfl, 0, 8 } };
		if (sig != LX_SIGKILL && sig != LX_SIGSTOP)
			lx_sys_rt_sigaction(&sc);
	}
	lx_fork_spare_drop();
	lx_vfs_close_all();
	lx_mm_unmap_shared();
	/* de_thread: the other threads of the old image are no more, for
	 * Linux; their tids go back to the instance. */
	lx_ptable_free_threads(lx_getpid(), GetCurrentProcessId());
	if (relays)
		lx_relays_run(relays, process, lx_current_thread()->sig_event, stub_take_signals);
	if (windows_program)
		stub_wait_program(process);
	else
		WaitForSingleObject(process, INFINITE);
	lx_proc_account_image();
	/* A status already written stays: the image's own exit, or SIGKILL
	 * from another process.  Otherwise the image was ended from outside
	 * lxnt (SIGKILL), or it is a Windows program, whose exit code is the
	 * status; either way the stub records it and makes the exit's
	 * orphaned-group checks (runtime/outside_end.c). */
	lx_proc_outside_end(lx_getpid(), lx_proc_self, process);
	GetExitCodeProcess(process, &code);
	if (lx_proc_self->state == LX_PROC_EXITED && (lx_proc_self->wait_status & 0x7f))
		code = 128u + (DWORD)(lx_proc_self->wait_status & 0x7f);
	/* Threads of the old image may still be running until then. */
	lx_signal_kicks_close();
	/* A spare being made is waited for: a creator that ends in the
	 * middle of CreateProcess leaves the new process suspended.  The
	 * parent need not wait too: the status is final, and the done event
	 * lets it reap the process now. */
	if (maker) {
		lx_proc_done_signal();
		WaitForSingleObject(maker, INFINITE);
	}
	ExitProcess(code);
}

/* A record section that the new image can share: a process Windows
 * started has only a private one until its first execve. */
static HANDLE record_section(void)
{
	HANDLE s = lx_proc_record_section();
	struct lx_proc_record *r;

	if (s)
		return s;
	if (lx_proc_record_new(lx_getpid(), &s, &r) < 0)
		return NULL;
	*r = *lx_proc_self;
	UnmapViewOfFile(r);
	lx_proc_record_adopt(s);
	return s;
}

/*
 * The new image becomes the process's current one before it runs: its
 * Windows pid goes into the record under the table's lock, so that ending
 * the instance (lxnt-instance terminate, the daemon at the end of its
 * life) either sees it or has already freed this process's entry, and
 * then the new image is ended here instead of running on unknown.
 */
static bool publish_image(HANDLE process)
{
	struct lx_ptable *t = lx_ptable_get(NULL);
	long pid = lx_getpid();
	bool ours = true;

	if (t) {
		lx_ptable_lock();
		ours = t->e[pid].kind == LX_PT_PROCESS && t->e[pid].tgid == pid;
		if (ours)
			lx_proc_self->win_pid = (long)GetProcessId(process);
		lx_ptable_unlock();
	}
	if (!ours)
		TerminateProcess(process, 128 + 9);
	return ours;
}

/* A new process of module runs the program: a packed one (module is
 * xf's file), or the ELF file xf that it maps (elf: module is this
 * process's own image). */
static long exec_packed(struct lx_syscall *sc, const char *path, const struct lx_exec_file *xf,
                        const wchar_t *module, bool elf, const struct lx_strlist *argv,
                        const struct lx_strlist *envp)
{
	PROCESS_INFORMATION pi;
	HANDLE guard = NULL;
	struct lx_handoff_buf b = { 0 };
	bool vfork_child = lx_vfork_active();
	HANDLE rec = vfork_child ? NULL : record_section();
	struct lx_proc_record *vrec = NULL;
	wchar_t *cmd = lx_command_line(module, argv);
	long r;

	if ((!vfork_child && !rec) || !cmd)
		return -LX_ENOMEM;
	/* Another packed program: a spare of it may wait, started up
	 * already (runtime/exec_spare.c), and armed by the claim. */
	HANDLE go = NULL;
	bool spare = !vfork_child && !elf && lx_exec_spare_claim(xf, &pi, &go);
	r = spare ? 0 : lx_process_create(module, cmd, 0, &pi, &guard);
	HeapFree(GetProcessHeap(), 0, cmd);
	if (r < 0)
		return r;

	/* A vfork child's process is this new one: its pid is the child's. */
	long vpid = 0;
	if (vfork_child)
		r = lx_vfork_record(pi.hProcess, &vpid, &rec, &vrec);
	/* Otherwise the new image starts up while its hand-off is built, and
	 * waits for it; should this process be killed before it is woken (an
	 * instance ended meanwhile), it ends by itself instead of staying
	 * suspended where nothing would ever see it. */
	if (!r && !vfork_child && !spare) {
		go = CreateEventW(NULL, TRUE, FALSE, NULL);
		r = go ? lx_process_arm(pi.hProcess, pi.hThread, go)
		       : lx_errno_from_win32(GetLastError());
		if (!r) {
			lx_process_guard_release(guard);
			guard = NULL;
		}
	}
	if (!r && !lx_handoff_begin(&b, LX_HANDOFF_EXEC))
		r = -LX_ENOMEM;
	if (!r)
		r = lx_handoff_common_out(&b, pi.hProcess, rec, true);
	if (!r)
		lx_cred_handoff_file(&b, xf);
	if (!r && vfork_child) {
		lx_handoff_head(&b)->pid = (int32_t)vpid;
		lx_handoff_head(&b)->ppid = (int32_t)lx_getpid();
	}
	/* A vfork child has no timer of its own (fork clears it); the
	 * caller's stays the caller's. */
	if (!r && !vfork_child)
		lx_itimer_exec_out(&lx_handoff_head(&b)->itimer_left_us,
		                   &lx_handoff_head(&b)->itimer_interval_us);
	if (!r) {
		uint32_t a = lx_handoff_put(&b, argv->p, argv->len);
		uint32_t e = lx_handoff_put(&b, envp->p ? envp->p : "", envp->len ? envp->len : 1);
		/* AT_EXECFN is the name as given (bprm->filename): the
		 * script's for a script, "/proc/self/exe" as such. */
		uint32_t f = lx_handoff_put_str(&b, path);
		lx_handoff_head(&b)->argc = argv->n;
		lx_handoff_head(&b)->argv_off = a;
		lx_handoff_head(&b)->envc = envp->n;
		lx_handoff_head(&b)->envp_off = e;
		lx_handoff_head(&b)->execfn_off = f;
		if (elf) {
			uint32_t x = lx_handoff_put_str(&b, xf->linux_path);
			lx_handoff_head(&b)->elf_off = x;
		}
		r = lx_vfs_handoff_out(&b, pi.hProcess, true);
	}
	if (!r && !vfork_child)
		r = lx_children_handoff_out(&b, pi.hProcess);
	if (!r)
		r = lx_handoff_deliver(&b, pi.hProcess);
	lx_handoff_free(&b);
	if (r < 0) {
		TerminateProcess(pi.hProcess, 127);
		if (pi.hThread)
			CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		if (go)
			CloseHandle(go);
		if (vrec) {
			UnmapViewOfFile(vrec);
			CloseHandle(rec);
			lx_proc_free_pid(vpid, pi.hProcess);
		}
		lx_process_guard_drop(guard);
		return r;
	}
	/* The new image sets its exe; its name comes from the path as given. */
	lx_proc_record_name(vfork_child ? vrec : lx_proc_self, NULL, path);
	if (vfork_child) {
		ResumeThread(pi.hThread);
		CloseHandle(pi.hThread);
		lx_process_guard_release(guard);
		return lx_vfork_exec_done(sc, vpid, pi.hProcess, rec, vrec);
	}
	/* Past the point of no return: the program is replaced, and takes
	 * the signals posted to the pid from now on. */
	lx_locks_exec_cloexec();
	lx_proc_self->execed = 1;
	lx_signal_listener_stop();
	lx_children_watcher_stop();
	lx_signal_exec_carry();
	lx_itimer_disarm(); /* the new image's now */
	/* The next execve of the same file will find a process of it started
	 * up (runtime/exec_spare.c), made on a thread of the stub while the
	 * new image runs; the stub waits for it before it ends.  Not before
	 * this point: a SIGKILL to the pid now ends the new image, not this
	 * process, and a creator killed during a CreateProcess would leave
	 * the new process suspended. */
	HANDLE maker = NULL;
	if (publish_image(pi.hProcess)) {
		SetEvent(go);
		if (!elf && lx_exec_spare_wanted())
			maker = CreateThread(NULL, 64 * 1024, spare_thread, (void *)xf,
			                     STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	}
	CloseHandle(go);
	if (pi.hThread)
		CloseHandle(pi.hThread);
	become_stub(pi.hProcess, maker, NULL, false);
}

static long exec_windows(struct lx_syscall *sc, const char *path, const struct lx_exec_file *xf,
                         const struct lx_strlist *argv)
{
	STARTUPINFOW si = { .cb = sizeof(si), .dwFlags = STARTF_USESTDHANDLES };
	PROCESS_INFORMATION pi;
	wchar_t *cmd = lx_command_line(xf->win_path, argv);
	wchar_t *cwd = lx_vfs_windows_cwd();
	BOOL ok;

	if (!cmd)
		return -LX_ENOMEM;
	/* Close-on-exec fds give no standard handle; the stub closes every
	 * fd once the program runs. */
	void *std[3] = { lx_vfs_fd_std_handle(0), lx_vfs_fd_std_handle(1), lx_vfs_fd_std_handle(2) };
	/* Files without a handle of their own go through the stub; a vfork
	 * child has no stub, and its program gets no handle for them. */
	struct lx_relays *relays = lx_vfork_active() ? NULL : lx_relays_prepare(std);
	si.hStdInput = std[0];
	si.hStdOutput = std[1];
	si.hStdError = std[2];
	/* In a kill-on-close job from its creation on: a vfork child's until
	 * it runs (runtime/process_create.c), otherwise the stub's for good,
	 * for the stub stays the Linux process: when a signal ends it, the
	 * job closes and ends the Windows program with it. */
	HANDLE job = lx_kill_on_close_job();
	BOOL in_job;
	ok = lx_create_process_in_job(xf->win_path, cmd, TRUE, CREATE_SUSPENDED, cwd, &si, job, &pi,
	                              &in_job);
	DWORD err = GetLastError();
	if (job && (!ok || !in_job)) {
		CloseHandle(job);
		job = NULL;
	}
	HeapFree(GetProcessHeap(), 0, cmd);
	free(cwd);
	if (si.hStdInput)
		CloseHandle(si.hStdInput);
	if (si.hStdOutput)
		CloseHandle(si.hStdOutput);
	if (si.hStdError)
		CloseHandle(si.hStdError);
	if (!ok) {
		lx_relays_free(relays);
		return lx_errno_from_win32(err);
	}
	lx_relays_started(relays);
	/* The nice value and policy go with the process, as across any
	 * execve (a vfork child's may differ from its parent's). */
	lx_prio_apply_process(pi.hProcess, lx_proc_self);
	if (lx_vfork_active()) {
		/* The program's process is the vfork child; its exit code
		 * becomes the status (runtime/outside_end.c). */
		HANDLE section;
		struct lx_proc_record *vrec;
		long vpid;
		if (lx_vfork_record(pi.hProcess, &vpid, &section, &vrec) < 0) {
			TerminateProcess(pi.hProcess, 127);
			CloseHandle(pi.hThread);
			CloseHandle(pi.hProcess);
			lx_process_guard_drop(job);
			return -LX_ENOMEM;
		}
		/* Before it runs: whoever sees it end takes the exit code as
		 * its status (runtime/outside_end.c). */
		vrec->windows_image = 1;
		ResumeThread(pi.hThread);
		CloseHandle(pi.hThread);
		lx_process_guard_release(job);
		lx_proc_record_name(vrec, xf->linux_path, path);
		return lx_vfork_exec_done(sc, vpid, pi.hProcess, section, vrec);
	}
	lx_locks_exec_cloexec();
	lx_proc_self->execed = 1;
	lx_proc_self->windows_image = 1;
	lx_proc_record_name(lx_proc_self, xf->linux_path, path);
	if (publish_image(pi.hProcess))
		ResumeThread(pi.hThread);
	CloseHandle(pi.hThread);
	become_stub(pi.hProcess, NULL, relays, true);
}

/* A rewritten ELF file: checked here, before the point of no return,
 * then mapped in this process (exec_here.c), or where that cannot be, by
 * a new process of this runtime's image. */
static long exec_elf(struct lx_syscall *sc, const char *path, const struct lx_exec_file *xf,
                     const struct lx_strlist *argv, const struct lx_strlist *envp)
{
	wchar_t module[MAX_PATH];
	long r = lx_elf_exec_check(xf);

	if (r < 0)
		return r;
	if (lx_exec_here_possible())
		return lx_exec_here_begin(path, xf, false, argv, envp);
	DWORD n = GetModuleFileNameW(NULL, module, MAX_PATH);
	if (n == 0 || n >= MAX_PATH)
		return -LX_ENOMEM;
	return exec_packed(sc, path, xf, module, true, argv, envp);
}

static long do_execve(struct lx_syscall *sc, int dirfd, const char *path, int flags,
                      struct lx_strlist *argv, const struct lx_strlist *envp)
{
	struct lx_exec_file *xf = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*xf));
	char *interp = HeapAlloc(GetProcessHeap(), 0, LX_BINPRM_BUF_SIZE);
	const char *name = path;
	long r = -LX_ENOMEM;

	if (!xf || !interp)
		goto out;
	for (int depth = 0;; depth++) {
		r = lx_vfs_exec_probe(dirfd, name, flags, xf);
		if (r < 0)
			goto out;
		if (xf->nhead >= 2 && xf->head[0] == '#' && xf->head[1] == '!') {
			r = depth >= LX_INTERP_DEPTH ? -LX_ELOOP : lx_script_argv(xf, name, argv, interp);
			free(xf->win_path);
			if (r < 0)
				goto out;
			name = interp;
			dirfd = LX_AT_FDCWD;
			flags = 0;
			continue;
		}
		break;
	}
	/* File capabilities that cannot be had fail the execve before its
	 * point of no return (begin_new_exec's bprm_creds_from_file). */
	r = lx_cap_exec_check(&xf->caps);
	if (r < 0) {
		free(xf->win_path);
		goto out;
	}
	if (xf->nhead >= 2 && xf->head[0] == 'M' && xf->head[1] == 'Z') {
		if (!lx_pe_is_packed(xf->head, xf->nhead))
			r = exec_windows(sc, path, xf, argv);
		else if (lx_exec_here_possible() && lx_exec_here_own_image(xf))
			r = lx_exec_here_begin(path, xf, true, argv, envp);
		else
			r = exec_packed(sc, path, xf, xf->win_path, false, argv, envp);
	} else if (xf->nhead >= 4 && !memcmp(xf->head, "\x7f" "ELF", 4)) {
		r = exec_elf(sc, path, xf, argv, envp);
	} else {
		r = -LX_ENOEXEC;
	}
	free(xf->win_path);
out:
	if (xf)
		HeapFree(GetProcessHeap(), 0, xf);
	if (interp)
		HeapFree(GetProcessHeap(), 0, interp);
	return r;
}

static int64_t execve_common(struct lx_syscall *sc, int dirfd, uint64_t upath, uint64_t uargv,
                             uint64_t uenvp, int flags)
{
	struct lx_strlist argv = { 0 }, envp = { 0 };
	size_t total = 0;
	char *path = HeapAlloc(GetProcessHeap(), 0, LX_PATH_MAX);
	long r;

	if (!path)
		return -LX_ENOMEM;
	if (flags & ~(LX_AT_EMPTY_PATH | LX_AT_SYMLINK_NOFOLLOW)) {
		r = -LX_EINVAL;
		goto out;
	}
	r = lx_strncpy_from_user(path, upath, LX_PATH_MAX);
	if (r < 0)
		goto out;
	r = lx_copy_strings(uargv, &argv, &total);
	if (!r)
		r = lx_copy_strings(uenvp, &envp, &total);
	if (r)
		goto out;
	if (argv.n == 0 && !lx_strlist_add(&argv, "", 0)) { /* Linux 5.18+ passes "" */
		r = -LX_ENOMEM;
		goto out;
	}
	r = do_execve(sc, dirfd, path, flags, &argv, &envp);
out:
	lx_strlist_free(&argv);
	lx_strlist_free(&envp);
	HeapFree(GetProcessHeap(), 0, path);
	return r;
}

/* Linux execve(2). */
int64_t lx_sys_execve(struct lx_syscall *sc)
{
	return execve_common(sc, LX_AT_FDCWD, (uint64_t)sc->arg[0], (uint64_t)sc->arg[1],
	                     (uint64_t)sc->arg[2], 0);
}

/* Linux execveat(2). */
int64_t lx_sys_execveat(struct lx_syscall *sc)
{
	return execve_common(sc, (int)sc->arg[0], (uint64_t)sc->arg[1], (uint64_t)sc->arg[2],
	                     (uint64_t)sc->arg[3], (int)sc->arg[4]);
}
