/*
 * lxnt.exe: the runtime image without a packed program, started from
 * PowerShell or cmd, runs a program of a converted root as wsl.exe runs
 * one of a distribution ("Run Linux tools from a Windows command line",
 * WSL documentation):
 *
 *   lxnt.exe [--root DIR] [--cd DIR] [--user USER] [--exec] [--] [CMD [ARGS...]]
 *
 * - no CMD: the user's login shell from the root's /etc/passwd (else
 *   /bin/sh), as a login shell (argv[0] "-bash"), like `wsl` alone;
 * - CMD: the rest of the command line, as it was typed, is a command of
 *   /bin/sh -c, like `wsl ls -la`: the Linux shell expands and quotes;
 * - --exec CMD ARGS: CMD found on the Linux PATH and run with ARGS, each
 *   argument parsed by the C runtime's rules, no shell, like `wsl --exec`.
 *
 * The program runs in this process, which the instance knows as a
 * Windows client (runtime/proc.c): an ELF file is checked and mapped by
 * execve's own loader (runtime/elfload.c), anything else (a `#!` script,
 * a Windows or packed program) goes through execve itself.  Its exit
 * status is this process's exit code.
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"
#include "elfload.h"
#include "handoff.h"
#include "identity.h"
#include "image.h"
#include "proc_info.h"
#include "start.h"
#include "syscall_table.h"
#include "thread.h"
#include "trace.h"

struct lx_cli {
	bool exec;             /* --exec: args is CMD and ARGS */
	char *user, *cd;       /* --user, --cd, or NULL */
	char *command;         /* a command for /bin/sh -c, or NULL */
	struct lx_strvec args;
};

static const char usage[] =
	"usage: lxnt.exe [--root DIR] [--cd DIR] [--user USER] [--exec] [--] [CMD [ARGS...]]\n"
	"  runs CMD (through /bin/sh -c; with --exec directly) in the root made by\n"
	"  `lxnt convert` that --root or LXNT_ROOT names; no CMD: the login shell\n";

static void *xalloc(size_t n)
{
	void *p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, n ? n : 1);

	if (!p)
		lx_fatal("lxnt: out of memory at start-up");
	return p;
}

static char *utf8_of(const wchar_t *w)
{
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
	char *s = xalloc((size_t)n + 1);

	WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
	return s;
}

static wchar_t *wide_of(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
	wchar_t *w = xalloc(((size_t)n + 1) * sizeof(wchar_t));

	MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
	return w;
}

/* Bad input before the process joins an instance: status 1. */
static _Noreturn void refuse(const char *what, const char *detail)
{
	lx_log("lxnt: %s%s", what, detail ? detail : "");
	ExitProcess(1);
}

static void print_usage(void)
{
	HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
	DWORD done;

	if (h && h != INVALID_HANDLE_VALUE)
		WriteFile(h, usage, sizeof(usage) - 1, &done, NULL);
}

/*
 * The root: --root, else LXNT_ROOT, which the vfs (vfs/mount_conf.c) and
 * the instance's name (runtime/instance.c) read, so --root becomes it:
 * the programs this one starts inherit it.
 */
static void settle_root(const char *option)
{
	wchar_t env[MAX_PATH], full[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(L"LXNT_ROOT", env, MAX_PATH);
	const wchar_t *root = env;
	wchar_t *w = NULL;

	if (option)
		root = w = wide_of(option);
	else if (n == 0)
		refuse("no root to run in: give --root DIR or set LXNT_ROOT to a root made by "
		       "`lxnt convert`", NULL);
	else if (n >= MAX_PATH)
		refuse("LXNT_ROOT is too long", NULL);
	DWORD fn = GetFullPathNameW(root, MAX_PATH, full, NULL);
	DWORD attr = fn && fn < MAX_PATH ? GetFileAttributesW(full) : INVALID_FILE_ATTRIBUTES;
	if (attr == INVALID_FILE_ATTRIBUTES || !(attr & FILE_ATTRIBUTE_DIRECTORY)) {
		char *name = utf8_of(root);
		lx_log("lxnt: the root %s (%s) is not a directory", name, option ? "--root" : "LXNT_ROOT");
		ExitProcess(1);
	}
	SetEnvironmentVariableW(L"LXNT_ROOT", full);
	if (w)
		HeapFree(GetProcessHeap(), 0, w);
}

/* The value of an option, from the argument after it. */
static const wchar_t *option_value(const wchar_t *p, const char *option, char **value)
{
	p = lx_next_arg(p, value);
	if (!p)
		refuse(option, " needs a value");
	return p;
}

static char *full_windows_path(const char *path)
{
	wchar_t *w = wide_of(path), full[MAX_PATH];
	DWORD n = GetFullPathNameW(w, MAX_PATH, full, NULL);

	if (n == 0 || n >= MAX_PATH)
		refuse("--cd: not a usable Windows path: ", path);
	HeapFree(GetProcessHeap(), 0, w);
	return utf8_of(full);
}

/* The rest of the command line as typed, without the blanks around it. */
static char *raw_rest(const wchar_t *p)
{
	while (*p == L' ' || *p == L'\t')
		p++;
	char *s = utf8_of(p);
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

struct lx_cli *lx_cli_parse(void)
{
	struct lx_cli *cli = xalloc(sizeof(*cli));
	const wchar_t *p = lx_args_begin(), *next;
	char *arg, *root = NULL;
	size_t cap = 0;

	while ((next = lx_next_arg(p, &arg)) != NULL) {
		if (!strcmp(arg, "--root")) {
			next = option_value(next, arg, &root);
		} else if (!strcmp(arg, "--cd")) {
			next = option_value(next, arg, &cli->cd);
		} else if (!strcmp(arg, "--user") || !strcmp(arg, "-u")) {
			next = option_value(next, arg, &cli->user);
		} else if (!strcmp(arg, "--exec") || !strcmp(arg, "-e")) {
			cli->exec = true;
		} else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			print_usage();
			ExitProcess(0);
		} else if (!strcmp(arg, "--")) {
			p = next;
			break;
		} else if (arg[0] == '-' && arg[1]) {
			lx_log("lxnt: unknown option %s\n%s", arg, usage);
			ExitProcess(1);
		} else {
			break; /* CMD: p is where it starts */
		}
		p = next;
	}
	settle_root(root);
	/* A Windows --cd is taken against the Windows cwd, which the vfs
	 * gives up at start-up (vfs/init.c). */
	if (cli->cd && strcmp(cli->cd, "~") && cli->cd[0] != '/')
		cli->cd = full_windows_path(cli->cd);
	if (!cli->exec) {
		cli->command = raw_rest(p);
		if (!cli->command[0])
			cli->command = NULL;
		return cli;
	}
	while ((p = lx_next_arg(p, &arg)) != NULL) {
		struct lx_strvec *v = &cli->args;
		if (v->n + 1 >= cap) {
			cap = cap ? cap * 2 : 8;
			char **nv = xalloc(cap * sizeof(*nv));
			if (v->v)
				memcpy(nv, v->v, v->n * sizeof(*nv));
			v->v = nv;
		}
		v->v[v->n++] = arg;
		v->v[v->n] = NULL;
	}
	if (!cli->args.n)
		refuse("--exec needs a command", NULL);
	return cli;
}

/* After the process joined its instance: it ends as a Linux process. */
static _Noreturn void fail(int status, const char *what, const char *detail)
{
	lx_log("lxnt: %s%s", what, detail);
	lx_exit_process(status << 8);
}

static const char *error_text(long err)
{
	switch (err) {
	case -LX_ENOENT:
		return "No such file or directory";
	case -LX_EACCES:
		return "Permission denied";
	case -LX_ENOEXEC:
		return "Exec format error";
	case -LX_ENOTDIR:
		return "Not a directory";
	case -LX_ELOOP:
		return "Too many levels of symbolic links";
	case -LX_ENAMETOOLONG:
		return "File name too long";
	default:
		return lx_errno_name(err);
	}
}

/*
 * --user: a name of the root's /etc/passwd, or a number (which needs no
 * entry; without one the group stays the default).  The process becomes
 * that user as login(1) makes it: every uid, every gid, the groups.
 */
static void become_user(const char *user, struct lx_passwd *pw)
{
	long uid = 0;
	bool numeric = lx_parse_id(user, &uid);

	lx_passwd_find(numeric ? NULL : user, uid, pw);
	if (!pw->found && !numeric)
		fail(1, "--user: no such user in the root's /etc/passwd: ", user);
	lx_uid = lx_euid = lx_suid = lx_fsuid = numeric ? uid : pw->uid;
	if (pw->found) {
		lx_gid = lx_egid = lx_sgid = lx_fsgid = pw->gid;
		lx_passwd_groups(pw);
	}
	lx_cred_publish();
	lx_cap_start(); /* a login's capabilities: all for root, none for others */
}

/* login(1)'s variables, from the entry; LXNT_HOME still names HOME. */
static void user_environment(const struct lx_passwd *pw, struct lx_strvec *envp)
{
	if (!pw->found)
		return;
	if (!GetEnvironmentVariableW(L"LXNT_HOME", NULL, 0))
		lx_env_set(envp, "HOME", pw->home);
	lx_env_set(envp, "USER", pw->name);
	lx_env_set(envp, "LOGNAME", pw->name);
	lx_env_set(envp, "SHELL", pw->shell[0] ? pw->shell : "/bin/sh");
}

static const char *env_get(const struct lx_strvec *envp, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < envp->n; i++)
		if (!strncmp(envp->v[i], name, n) && envp->v[i][n] == '=')
			return envp->v[i] + n + 1;
	return NULL;
}

/*
 * --cd, as wsl.exe takes it: `~` is the user's home, a path starting
 * with / a Linux path, anything else a Windows path, shown as the vfs
 * shows it (under the root when it lies there, else /mnt/<drive>/...).
 */
static void change_dir(const char *cd, const struct lx_strvec *envp)
{
	char *path = xalloc(LX_PATH_MAX);
	long r = 0;

	if (!strcmp(cd, "~")) {
		const char *home = env_get(envp, "HOME");
		lx_snprintf(path, LX_PATH_MAX, "%s", home ? home : "/");
	} else if (cd[0] == '/') {
		lx_snprintf(path, LX_PATH_MAX, "%s", cd);
	} else {
		r = lx_linux_path_of_win32(wide_of(cd), path, LX_PATH_MAX);
	}
	if (r == 0) {
		struct lx_syscall sc = { .nr = 80, .arg = { (int64_t)(uintptr_t)path } };
		r = lx_sys_chdir(&sc);
	}
	if (r < 0) {
		lx_log("lxnt: --cd %s: %s", cd, error_text(r));
		lx_exit_process(1 << 8);
	}
}

/* The status a shell gives a command it could not run (POSIX "Command
 * Search and Execution"): 127 when there is none, 126 otherwise. */
static _Noreturn void cannot_run(const char *path, long err)
{
	lx_log("lxnt: %s: %s", path, error_text(err));
	lx_exit_process((err == -LX_ENOENT ? 127 : 126) << 8);
}

/* execvp(3)'s search of PATH for a name without a slash; EACCES is kept
 * when no directory has an executable file of that name. */
static char *path_lookup(const char *name, const struct lx_strvec *envp,
                         struct lx_exec_file *xf)
{
	const char *path = env_get(envp, "PATH");
	long err = -LX_ENOENT;

	if (strchr(name, '/')) {
		long r = lx_vfs_exec_probe(LX_AT_FDCWD, name, 0, xf);
		if (r < 0)
			cannot_run(name, r);
		return (char *)name;
	}
	for (const char *d = path ? path : ""; path; d++) {
		const char *e = strchr(d, ':');
		size_t dn = e ? (size_t)(e - d) : strlen(d);
		char *cand = xalloc(dn + strlen(name) + 3);
		memcpy(cand, dn ? d : ".", dn ? dn : 1);
		lx_snprintf(cand + (dn ? dn : 1), strlen(name) + 2, "/%s", name);
		long r = lx_vfs_exec_probe(LX_AT_FDCWD, cand, 0, xf);
		if (r == 0)
			return cand;
		if (r == -LX_EACCES)
			err = r;
		HeapFree(GetProcessHeap(), 0, cand);
		if (!e)
			break;
		d = e;
	}
	lx_log("lxnt: %s: %s (looked up in PATH=%s)", name,
	       err == -LX_ENOENT ? "command not found" : error_text(err), path ? path : "");
	lx_exit_process((err == -LX_ENOENT ? 127 : 126) << 8);
}

/* Anything but an ELF file goes through execve itself, which runs a
 * script's interpreter or a Windows program and keeps this process as
 * the Linux one (runtime/exec.c); it returns only on failure. */
static _Noreturn void run_by_execve(const char *path, struct lx_strvec *argv,
                                    struct lx_strvec *envp)
{
	struct lx_syscall sc = { .nr = 59, .arg = { (int64_t)(uintptr_t)path,
	                                            (int64_t)(uintptr_t)argv->v,
	                                            (int64_t)(uintptr_t)envp->v } };

	cannot_run(path, (long)lx_sys_execve(&sc));
}

/*
 * An ELF file, as the new process of an execve starts one
 * (runtime/child.c): checked, with ENOEXEC and a message naming the fix
 * for one that cannot run; execve's credential rules (set-ID bits, the
 * capabilities, the file's own included, and the personality); then
 * mapped with its ld.so by execve's own loader.
 */
static _Noreturn void run_elf(const char *path, struct lx_exec_file *xf, struct lx_strvec *argv,
                              struct lx_strvec *envp, struct lx_thread *self)
{
	long r = lx_elf_exec_check(xf);

	if (r >= 0)
		r = lx_cap_exec_check(&xf->caps);
	if (r < 0)
		cannot_run(path, r);
	lx_cred_exec_file(xf->mode, xf->uid, xf->gid, &xf->caps);
	lx_proc_note_image(xf->linux_path, path);
	lx_elf_exec_load(xf->linux_path);
	free(xf->win_path);
	struct lx_regs regs = {
		.rsp = lx_build_initial_stack(argv, envp, path),
		.rip = lx_image.start,
		.rflags = 0x202,
	};
	lx_fpu_init();
	lx_enter_guest(&regs, self);
}

/* argv for the shell: "-NAME" for a login shell (login(1)), else as is. */
static void push_args(struct lx_strvec *argv, const char *a0, const char *a1, const char *a2)
{
	argv->v = xalloc(4 * sizeof(char *));
	argv->v[0] = (char *)a0;
	argv->v[1] = (char *)a1;
	argv->v[2] = (char *)a2;
	argv->n = a2 ? 3 : a1 ? 2 : 1;
}

static char *login_name(const char *shell)
{
	const char *base = strrchr(shell, '/');
	char *name;

	base = base ? base + 1 : shell;
	name = xalloc(strlen(base) + 2);
	name[0] = '-';
	strcpy(name + 1, base);
	return name;
}

_Noreturn void lx_cli_start(struct lx_cli *cli, struct lx_thread *self)
{
	struct lx_passwd *pw = xalloc(sizeof(*pw));
	struct lx_exec_file *xf = xalloc(sizeof(*xf));
	struct lx_strvec argv, envp;
	const char *path;

	if (cli->user)
		become_user(cli->user, pw);
	else
		lx_passwd_find(NULL, lx_uid, pw);
	lx_build_envp(&envp);
	user_environment(pw, &envp);
	if (cli->cd)
		change_dir(cli->cd, &envp);
	if (cli->exec) {
		argv = cli->args;
		path = path_lookup(argv.v[0], &envp, xf);
	} else {
		path = pw->found && pw->shell[0] && !cli->command ? pw->shell : "/bin/sh";
		if (cli->command)
			push_args(&argv, "sh", "-c", cli->command);
		else
			push_args(&argv, login_name(path), NULL, NULL);
		long r = lx_vfs_exec_probe(LX_AT_FDCWD, path, 0, xf);
		if (r < 0)
			cannot_run(path, r);
	}
	if (xf->nhead >= 4 && !memcmp(xf->head, "\x7f" "ELF", 4))
		run_elf(path, xf, &argv, &envp, self);
	free(xf->win_path);
	run_by_execve(path, &argv, &envp);
}
