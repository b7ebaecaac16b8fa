/*
 * The parts of the PE32+ format that `lxnt pack` reads and writes
 * (Microsoft, "PE Format", sections "MS-DOS Stub", "COFF File Header",
 * "Optional Header", "Section Table").  Host-side: no <windows.h> here.
 */
#ifndef LXNT_TOOLS_PE_H
#define LXNT_TOOLS_PE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PE_DOS_MAGIC 0x5a4d           /* "MZ" */
#define PE_SIGNATURE 0x00004550       /* "PE\0\0" */
#define PE_OPT_MAGIC_PE32PLUS 0x20b
#define PE_MACHINE_AMD64 0x8664

#define PE_FILE_RELOCS_STRIPPED 0x0001

#define PE_SCN_CNT_CODE 0x00000020
#define PE_SCN_CNT_INITIALIZED_DATA 0x00000040
#define PE_SCN_CNT_UNINITIALIZED_DATA 0x00000080
#define PE_SCN_MEM_EXECUTE 0x20000000
#define PE_SCN_MEM_READ 0x40000000
#define PE_SCN_MEM_WRITE 0x80000000

struct pe_file_header {
	uint16_t machine;
	uint16_t number_of_sections;
	uint32_t time_date_stamp;
	uint32_t pointer_to_symbol_table;
	uint32_t number_of_symbols;
	uint16_t size_of_optional_header;
	uint16_t characteristics;
};

/* The fixed part of the PE32+ optional header, before the data directories. */
struct pe_optional_header64 {
	uint16_t magic;
	uint8_t major_linker_version, minor_linker_version;
	uint32_t size_of_code;
	uint32_t size_of_initialized_data;
	uint32_t size_of_uninitialized_data;
	uint32_t address_of_entry_point;
	uint32_t base_of_code;
	uint64_t image_base;
	uint32_t section_alignment;
	uint32_t file_alignment;
	uint16_t major_os_version, minor_os_version;
	uint16_t major_image_version, minor_image_version;
	uint16_t major_subsystem_version, minor_subsystem_version;
	uint32_t win32_version_value;
	uint32_t size_of_image;
	uint32_t size_of_headers;
	uint32_t checksum;
	uint16_t subsystem;
	uint16_t dll_characteristics;
	uint64_t size_of_stack_reserve, size_of_stack_commit;
	uint64_t size_of_heap_reserve, size_of_heap_commit;
	uint32_t loader_flags;
	uint32_t number_of_rva_and_sizes;
};

struct pe_section_header {
	char name[8];
	uint32_t virtual_size;
	uint32_t virtual_address;
	uint32_t size_of_raw_data;
	uint32_t pointer_to_raw_data;
	uint32_t pointer_to_relocations;
	uint32_t pointer_to_linenumbers;
	uint16_t number_of_relocations;
	uint16_t number_of_linenumbers;
	uint32_t characteristics;
};

_Static_assert(sizeof(struct pe_file_header) == 20, "COFF file header");
_Static_assert(sizeof(struct pe_optional_header64) == 112, "PE32+ optional header");
_Static_assert(sizeof(struct pe_section_header) == 40, "section header");

/* A PE template being extended: the file as read, plus the new sections. */
struct pe_out {
	uint8_t *file;
	size_t size;
	struct pe_file_header *fh;
	struct pe_optional_header64 *oh;
	struct pe_section_header *sec; /* existing ones */
	size_t sec_table_off;
	struct pe_section_header *add;  /* new ones */
	const uint8_t **add_data;       /* raw bytes of each new section */
	uint64_t *add_len;              /* how many of them */
	size_t nadd, cap_add;
};

struct pe_error {
	char msg[512];
};

/* Formats the one-line error into e and returns -1. */
int pe_fail(struct pe_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads the runtime template and checks it is one (base, alignment). */
int pe_load_template(const char *path, struct pe_out *pe, struct pe_error *e);
/* Queues a section at absolute address va; data (datalen bytes) must live
 * until pe_emit; bytes beyond datalen up to vsize read as zero. */
int pe_add_section(struct pe_out *pe, const char *name, uint64_t va, uint64_t vsize,
                   const uint8_t *data, uint64_t datalen, uint32_t chars, struct pe_error *e);
/* Queues a NOACCESS filler section over [from, to). */
int pe_add_filler(struct pe_out *pe, uint64_t from, uint64_t to, struct pe_error *e);
/* First address after the template's own image. */
uint64_t pe_template_end(const struct pe_out *pe);
/* Writes the whole executable to out. */
int pe_emit(struct pe_out *pe, FILE *out, const char *out_path, struct pe_error *e);
void pe_free(struct pe_out *pe);

#endif
