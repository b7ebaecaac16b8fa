/* Tiny ELF64 x86-64 executables built in memory around a code snippet. */
#ifndef LXNT_TEST_ELFGEN_H
#define LXNT_TEST_ELFGEN_H

#include <stddef.h>
#include <stdint.h>

#define ELFGEN_CODE_VADDR 0x401000ULL
#define ELFGEN_CODE_OFFSET 0x1000ULL

/*
 * An ET_EXEC file with a read-only PT_LOAD for the headers at 0x400000 and
 * an R+X PT_LOAD holding `code` at ELFGEN_CODE_VADDR, entry at its start.
 * No section headers.  Returns a malloc'd buffer of *n bytes.
 */
uint8_t *elfgen_exec(const uint8_t *code, size_t code_len, size_t *n);

#define ELFGEN_DATA_VADDR 0x402000ULL

/* The same with a read-only data PT_LOAD at ELFGEN_DATA_VADDR after the code. */
uint8_t *elfgen_exec_data(const uint8_t *code, size_t code_len,
	const uint8_t *data, size_t data_len, size_t *n);

#endif
