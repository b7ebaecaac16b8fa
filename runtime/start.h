/* Start-up pieces (runtime/start*.c). */
#ifndef LXNT_RUNTIME_START_H
#define LXNT_RUNTIME_START_H

#include "lx.h"
#include "lxnt/linux/fs.h"

/* A NULL-terminated vector of UTF-8 strings on the runtime heap. */
struct lx_strvec {
	char **v;
	size_t n;
};

/* n NUL-terminated strings laid end to end from s (argv or envp as the
 * hand-off and execve carry them) into v, copied to the heap; false when
 * out of memory, with v->n the strings copied so far (start_args.c). */
bool lx_strvec_unpack(const char *s, uint32_t n, struct lx_strvec *v);

/* argv from GetCommandLineW (start_args.c). */
void lx_build_argv(struct lx_strvec *argv);
/* envp from the Windows environment, with Linux PATH/HOME/TERM/LANG (start_args.c). */
void lx_build_envp(struct lx_strvec *envp);
/* The Windows command line after the program name (start_args.c). */
const wchar_t *lx_args_begin(void);
/* One argument of the command line at p, by the C runtime's rules, into
 * *arg (UTF-8, heap); returns where the rest begins, NULL when p holds
 * no more arguments (start_args.c). */
const wchar_t *lx_next_arg(const wchar_t *p, char **arg);
/* Sets NAME=value in envp, replacing an entry of that name (start_args.c). */
void lx_env_set(struct lx_strvec *envp, const char *name, const char *value);
/* "C:\x\y" -> "/mnt/c/x/y"; a heap string (start_args.c). */
char *lx_linux_path_of_windows(const wchar_t *path);

/* Maps the main stack (once) and puts mmap's area below it: before
 * anything else is mapped for the program (runtime/elfload.c). */
void lx_stack_reserve(void);
/* execve in place: the main stack went with the old program's memory
 * (lx_mm_exec_reset); the next lx_stack_reserve maps it anew. */
void lx_stack_forget(void);
/* Maps the main stack and writes argc/argv/envp/auxv on it; returns rsp. */
uint64_t lx_build_initial_stack(const struct lx_strvec *argv, const struct lx_strvec *envp,
                                const char *execfn);

void lx_fault_init(void);

/*
 * lxnt.exe: the runtime without a packed program runs a program of a
 * converted root from a wsl.exe-like command line (start_cli.c).
 * lx_cli_parse reads the options and settles the root (LXNT_ROOT) before
 * the vfs starts, ending the process with status 1 on bad input;
 * lx_cli_start, once the process is registered with its instance, starts
 * the program in this process and never returns.
 */
struct lx_cli;
struct lx_cli *lx_cli_parse(void);

/* The root's passwd(5) entry of lxnt.exe's user (start_passwd.c). */
struct lx_passwd {
	bool found;
	char name[256];
	long uid, gid;
	char home[LX_PATH_MAX], shell[LX_PATH_MAX];
};
/* The entry of name, or with name NULL the first of uid, as getpwnam
 * and getpwuid find them; pw->found false when there is none. */
void lx_passwd_find(const char *name, long uid, struct lx_passwd *pw);
/* initgroups(3): the credentials' groups become pw's primary group and
 * every group(5) entry that lists pw's name, sorted. */
void lx_passwd_groups(const struct lx_passwd *pw);
/* A decimal id of passwd(5) (0 to 2^32 - 2); false for anything else. */
bool lx_parse_id(const char *s, long *id);
struct lx_thread;
_Noreturn void lx_cli_start(struct lx_cli *cli, struct lx_thread *self);

#endif
