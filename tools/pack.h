/* `lxnt pack`: builds a Windows executable from an ELF file (tools/pack.c). */
#ifndef LXNT_TOOLS_PACK_H
#define LXNT_TOOLS_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* lxnt pack IN -o OUT.exe [--runtime PATH] [--no-rewrite] [--force-trap]; argv[0] is "pack". */
int lxnt_cmd_pack(int argc, char **argv);

/*
 * Everything pack does with the n-byte ELF file `data` before it needs the
 * runtime template: check, rewrite (unless no_rewrite or already rewritten),
 * lay out and build the memory image, then free it all.  Returns 0, or -1
 * with one line "<name>: <reason>" in msg.  For tests (tests/fuzz).
 */
int lxnt_pack_check_elf(const char *name, const uint8_t *data, size_t n, bool no_rewrite,
                        char *msg, size_t msglen);

#endif
