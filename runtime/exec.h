/*
 * execve's argument vectors and command lines (runtime/exec_args.c), for
 * runtime/exec.c.
 */
#ifndef LXNT_RUNTIME_EXEC_H
#define LXNT_RUNTIME_EXEC_H

#include <wchar.h>

#include "handoff.h"

#define LX_ARG_MAX (2u << 20)      /* what a shell may pass: 2 MiB of strings */
#define LX_BINPRM_BUF_SIZE 256
#define LX_INTERP_DEPTH 4          /* fs/exec.c: at most 4 levels of #! */

/* A NUL-separated string list being built. */
struct lx_strlist {
	char *p;
	size_t len, cap;
	uint32_t n;
};

bool lx_strlist_add(struct lx_strlist *l, const char *s, size_t n);
void lx_strlist_free(struct lx_strlist *l);
/* The i-th string of a list. */
const char *lx_strlist_at(const struct lx_strlist *l, uint32_t i);
/* Copies a guest vector of strings (argv or envp; NULL is empty); total
 * counts the bytes of both against LX_ARG_MAX (E2BIG). */
long lx_copy_strings(uint64_t uvec, struct lx_strlist *l, size_t *total);
/* binfmt_script: argv for the interpreter of the script xf (named path);
 * interp gets the interpreter's path (LX_BINPRM_BUF_SIZE bytes). */
long lx_script_argv(const struct lx_exec_file *xf, const char *path, struct lx_strlist *argv,
                    char *interp);
/* A Windows command line for argv: the module first, then argv[1..]
 * quoted as CommandLineToArgvW undoes it; on the heap. */
wchar_t *lx_command_line(const wchar_t *module, const struct lx_strlist *argv);

/*
 * execve of an ELF file of the rootfs, or of this image's own packed
 * program, in this Windows process (runtime/exec_here.c).  lx_exec_here_possible: no vfork child and no
 * other thread.  lx_exec_here_begin, the syscall's part past its point of
 * no return, leaves the thread's exec_next set; lx_exec_here_finish, which
 * the syscall exit path calls on the Windows stack when it finds it set,
 * maps the program and starts it.
 */
struct lx_thread;
bool lx_exec_here_possible(void);
/* True when xf, a packed program, is this image: the same runtime and
 * the same program, byte for byte where the program cannot write. */
bool lx_exec_here_own_image(const struct lx_exec_file *xf);
long lx_exec_here_begin(const char *path, const struct lx_exec_file *xf, bool own_image,
                        const struct lx_strlist *argv, const struct lx_strlist *envp);
_Noreturn void lx_exec_here_finish(struct lx_thread *t);

#endif
