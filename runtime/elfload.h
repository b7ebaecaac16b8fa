/* ELF files of the rootfs as programs, and the site tables of the objects
 * ld.so maps (runtime/elfload.c). */
#ifndef LXNT_RUNTIME_ELFLOAD_H
#define LXNT_RUNTIME_ELFLOAD_H

#include "lx.h"

struct lx_exec_file;

/* execve, before its point of no return: 0 if xf (and the ld.so its
 * PT_INTERP names) is a rewritten ET_DYN x86-64 file the new process can
 * map; -LX_ENOEXEC, with a message naming the fix, for an ET_EXEC file or
 * one `lxnt convert` did not rewrite; the interpreter's lookup errors. */
long lx_elf_exec_check(const struct lx_exec_file *xf);

/* The new process of an execve: maps the ELF file at the Linux path and
 * its interpreter, and sets lx_image (runtime/image.h) for the initial
 * stack; ends the process if it cannot. */
void lx_elf_exec_load(const char *path);

/* mmap: a private mapping of fd at offset 0 placed at addr; registers the
 * site table if fd is a rewritten ET_DYN file (runtime/mman.c). */
void lx_elf_note_map(int fd, uint64_t addr);

#endif
