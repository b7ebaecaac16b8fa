/* Start-up pieces (runtime/start*.c). */
#ifndef LXNT_RUNTIME_START_H
#define LXNT_RUNTIME_START_H

#include "lx.h"

/* A NULL-terminated vector of UTF-8 strings on the runtime heap. */
struct lx_strvec {
	char **v;
	size_t n;
};

/* argv from GetCommandLineW (start_args.c). */
void lx_build_argv(struct lx_strvec *argv);
/* envp from the Windows environment, with Linux PATH/HOME/TERM/LANG (start_args.c). */
void lx_build_envp(struct lx_strvec *envp);
/* "C:\x\y" -> "/mnt/c/x/y"; a heap string (start_args.c). */
char *lx_linux_path_of_windows(const wchar_t *path);

/* Maps the main stack (once) and puts mmap's area below it: before
 * anything else is mapped for the program (runtime/elfload.c). */
void lx_stack_reserve(void);
/* Maps the main stack and writes argc/argv/envp/auxv on it; returns rsp. */
uint64_t lx_build_initial_stack(const struct lx_strvec *argv, const struct lx_strvec *envp,
                                const char *execfn);

void lx_fault_init(void);

#endif
