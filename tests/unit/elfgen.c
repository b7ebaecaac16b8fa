#include "elfgen.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

uint8_t *elfgen_exec(const uint8_t *code, size_t code_len, size_t *n)
{
	return elfgen_exec_data(code, code_len, NULL, 0, n);
}

uint8_t *elfgen_exec_data(const uint8_t *code, size_t code_len,
	const uint8_t *data, size_t data_len, size_t *n)
{
	size_t data_off = ELFGEN_CODE_OFFSET + 0x1000;
	size_t size = data_len ? data_off + data_len : ELFGEN_CODE_OFFSET + code_len;
	uint8_t *f = calloc(1, size);
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_entry = ELFGEN_CODE_VADDR, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = data_len ? 3 : 2,
	};
	Elf64_Phdr ph[3] = {
		{ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0, .p_vaddr = 0x400000,
		  .p_paddr = 0x400000, .p_filesz = 0x200, .p_memsz = 0x200, .p_align = 0x1000 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = ELFGEN_CODE_OFFSET,
		  .p_vaddr = ELFGEN_CODE_VADDR, .p_paddr = ELFGEN_CODE_VADDR,
		  .p_filesz = code_len, .p_memsz = code_len, .p_align = 0x1000 },
		{ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = data_off,
		  .p_vaddr = ELFGEN_DATA_VADDR, .p_paddr = ELFGEN_DATA_VADDR,
		  .p_filesz = data_len, .p_memsz = data_len, .p_align = 0x1000 },
	};
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ph, eh.e_phnum * sizeof(ph[0]));
	memcpy(f + ELFGEN_CODE_OFFSET, code, code_len);
	if (data_len)
		memcpy(f + data_off, data, data_len);
	*n = size;
	return f;
}
