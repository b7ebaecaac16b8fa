/* The ELF64 structures the runtime and the packer read (include/uapi/linux/elf.h). */
#ifndef LXNT_LINUX_ELF_H
#define LXNT_LINUX_ELF_H

#include <stdint.h>

struct lx_elf64_ehdr {
	unsigned char e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct lx_elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct lx_elf64_ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(struct lx_elf64_phdr) == 56, "Elf64_Phdr");

#define LX_EI_CLASS 4
#define LX_EI_DATA 5
#define LX_ELFCLASS64 2
#define LX_ELFDATA2LSB 1
#define LX_ET_EXEC 2
#define LX_ET_DYN 3
#define LX_EM_X86_64 62

#define LX_PT_NULL 0
#define LX_PT_LOAD 1
#define LX_PT_DYNAMIC 2
#define LX_PT_INTERP 3
#define LX_PT_PHDR 6
#define LX_PT_TLS 7
#define LX_PT_GNU_STACK 0x6474e551
#define LX_PT_GNU_RELRO 0x6474e552

#define LX_PF_X 1
#define LX_PF_W 2
#define LX_PF_R 4

#endif
