/* `lxnt pack`: builds a Windows executable from an ELF file (tools/pack.c). */
#ifndef LXNT_TOOLS_PACK_H
#define LXNT_TOOLS_PACK_H

/* lxnt pack IN -o OUT.exe [--runtime PATH] [--no-rewrite]; argv[0] is "pack". */
int lxnt_cmd_pack(int argc, char **argv);

#endif
