/*
 * Appending sections to the runtime PE template for `lxnt pack` (pe.h).
 * Follows Microsoft's "PE Format": sections contiguous in SectionAlignment
 * steps, raw data at FileAlignment, headers within the first page.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxnt/layout.h"
#include "pe.h"
#include "rewrite.h"

#define PAGE 0x1000ULL
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
#define ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))

int pe_fail(struct pe_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int pe_load_template(const char *path, struct pe_out *pe, struct pe_error *e)
{
	char err[512];

	if (lxnt_read_file(path, &pe->file, &pe->size, err, sizeof(err)))
		return pe_fail(e, "runtime template %s", err);
	uint8_t *f = pe->file;
	if (pe->size < 0x40 || f[0] != 'M' || f[1] != 'Z')
		return pe_fail(e, "%s: not a PE file", path);
	uint32_t lfanew;
	memcpy(&lfanew, f + 0x3c, 4);
	if ((size_t)lfanew + 4 + sizeof(struct pe_file_header) + sizeof(struct pe_optional_header64) > pe->size)
		return pe_fail(e, "%s: truncated PE header", path);
	uint32_t sig;
	memcpy(&sig, f + lfanew, 4);
	pe->fh = (void *)(f + lfanew + 4);
	pe->oh = (void *)(f + lfanew + 4 + sizeof(struct pe_file_header));
	if (sig != PE_SIGNATURE || pe->fh->machine != PE_MACHINE_AMD64 || pe->oh->magic != PE_OPT_MAGIC_PE32PLUS)
		return pe_fail(e, "%s: not a PE32+ x86-64 file", path);
	if (pe->oh->image_base != LXNT_RUNTIME_IMAGE_BASE)
		return pe_fail(e, "%s: image base 0x%llx, expected 0x%llx (not an lxnt runtime?)", path,
		            (unsigned long long)pe->oh->image_base, (unsigned long long)LXNT_RUNTIME_IMAGE_BASE);
	if (pe->oh->section_alignment != PAGE)
		return pe_fail(e, "%s: section alignment 0x%x, expected 0x1000", path, pe->oh->section_alignment);
	pe->sec_table_off = lfanew + 4 + sizeof(struct pe_file_header) + pe->fh->size_of_optional_header;
	if (pe->sec_table_off + pe->fh->number_of_sections * sizeof(struct pe_section_header) > pe->size)
		return pe_fail(e, "%s: truncated section table", path);
	pe->sec = (void *)(f + pe->sec_table_off);
	return 0;
}

int pe_add_section(struct pe_out *pe, const char *name, uint64_t va, uint64_t vsize,
                       const uint8_t *data, uint64_t datalen, uint32_t chars, struct pe_error *e)
{
	if (pe->nadd == pe->cap_add) {
		pe->cap_add = pe->cap_add ? pe->cap_add * 2 : 16;
		pe->add = realloc(pe->add, pe->cap_add * sizeof(*pe->add));
		pe->add_data = realloc(pe->add_data, pe->cap_add * sizeof(*pe->add_data));
		pe->add_len = realloc(pe->add_len, pe->cap_add * sizeof(*pe->add_len));
		if (!pe->add || !pe->add_data || !pe->add_len)
			return pe_fail(e, "out of memory");
	}
	struct pe_section_header *s = &pe->add[pe->nadd];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, strnlen(name, sizeof(s->name)));
	s->virtual_address = (uint32_t)(va - LXNT_RUNTIME_IMAGE_BASE);
	s->virtual_size = (uint32_t)vsize;
	s->size_of_raw_data = (uint32_t)datalen; /* rounded when the file is laid out */
	s->characteristics = chars;
	pe->add_data[pe->nadd] = data;
	pe->add_len[pe->nadd] = datalen;
	pe->nadd++;
	return 0;
}

/* NOACCESS filler: uninitialized, neither readable nor writable. */
int pe_add_filler(struct pe_out *pe, uint64_t from, uint64_t to, struct pe_error *e)
{
	if (from >= to)
		return 0;
	return pe_add_section(pe, ".lxgap", from, to - from, NULL, 0, PE_SCN_CNT_UNINITIALIZED_DATA, e);
}

uint64_t pe_template_end(const struct pe_out *pe)
{
	return LXNT_RUNTIME_IMAGE_BASE + PAGE_UP(pe->oh->size_of_image);
}

/*
 * Writes the final PE: headers (grown if the new section headers do not
 * fit, with every raw-data pointer moved by the growth), the template's
 * bytes, then each new section's raw data at FileAlignment.
 */
int pe_emit(struct pe_out *pe, FILE *out, const char *out_path, struct pe_error *e)
{
	uint32_t falign = pe->oh->file_alignment;
	unsigned nsec = pe->fh->number_of_sections;
	size_t table_end = pe->sec_table_off + (nsec + pe->nadd) * sizeof(struct pe_section_header);
	uint32_t first_va = UINT32_MAX;

	for (unsigned i = 0; i < nsec; i++)
		if (pe->sec[i].virtual_address < first_va)
			first_va = pe->sec[i].virtual_address;
	size_t new_headers = ALIGN_UP(table_end, falign);
	if (new_headers > first_va)
		return pe_fail(e, "%s: too many sections for the template's header page (%zu)", out_path, pe->nadd);
	size_t delta = new_headers > pe->oh->size_of_headers ? new_headers - pe->oh->size_of_headers : 0;
	if (delta) {
		for (unsigned i = 0; i < nsec; i++)
			if (pe->sec[i].pointer_to_raw_data)
				pe->sec[i].pointer_to_raw_data += (uint32_t)delta;
		if (pe->fh->pointer_to_symbol_table)
			pe->fh->pointer_to_symbol_table += (uint32_t)delta;
		pe->oh->size_of_headers = (uint32_t)new_headers;
	}
	uint64_t file_end = ALIGN_UP(pe->size + delta, falign);
	uint64_t last_end = 0;
	for (size_t i = 0; i < pe->nadd; i++) {
		struct pe_section_header *s = &pe->add[i];
		uint64_t raw = ALIGN_UP((uint64_t)s->size_of_raw_data, falign);
		s->size_of_raw_data = (uint32_t)raw;
		s->pointer_to_raw_data = raw ? (uint32_t)file_end : 0;
		file_end += raw;
		if (file_end > UINT32_MAX)
			return pe_fail(e, "%s: the executable would exceed 4 GiB", out_path);
		if (s->characteristics & PE_SCN_CNT_CODE)
			pe->oh->size_of_code += (uint32_t)raw;
		else if (s->characteristics & PE_SCN_CNT_INITIALIZED_DATA)
			pe->oh->size_of_initialized_data += (uint32_t)raw;
		else
			pe->oh->size_of_uninitialized_data += s->virtual_size;
		last_end = s->virtual_address + PAGE_UP(s->virtual_size);
	}
	pe->oh->size_of_image = (uint32_t)last_end;
	pe->oh->checksum = 0;
	/* The ELF's pages cannot move: refuse to load anywhere but the base. */
	pe->fh->characteristics |= PE_FILE_RELOCS_STRIPPED;
	uint16_t nsec_total = (uint16_t)(nsec + pe->nadd);
	pe->fh->number_of_sections = nsec_total;

	size_t old_headers = pe->oh->size_of_headers - delta;
	static const uint8_t zeros[4096];
	size_t table_old_end = pe->sec_table_off + nsec * sizeof(struct pe_section_header);
	bool ok = fwrite(pe->file, 1, table_old_end, out) == table_old_end &&
	          fwrite(pe->add, sizeof(*pe->add), pe->nadd, out) == pe->nadd;
	/* the rest of the header area: zero, then the template's body shifted */
	size_t pos = table_end;
	while (ok && pos < old_headers + delta) {
		size_t n = old_headers + delta - pos < sizeof(zeros) ? old_headers + delta - pos : sizeof(zeros);
		ok = fwrite(zeros, 1, n, out) == n;
		pos += n;
	}
	if (ok && table_end > old_headers + delta)
		return pe_fail(e, "%s: internal error laying out headers", out_path);
	ok = ok && fwrite(pe->file + old_headers, 1, pe->size - old_headers, out) == pe->size - old_headers;
	pos = pe->size + delta;
	for (size_t i = 0; ok && i < pe->nadd; i++) {
		struct pe_section_header *s = &pe->add[i];
		if (!s->size_of_raw_data)
			continue;
		while (ok && pos < s->pointer_to_raw_data) {
			size_t n = s->pointer_to_raw_data - pos < sizeof(zeros) ? s->pointer_to_raw_data - pos : sizeof(zeros);
			ok = fwrite(zeros, 1, n, out) == n;
			pos += n;
		}
		/* the stored bytes, then zeros up to the FileAlignment boundary */
		uint64_t len = pe->add_len[i];
		ok = fwrite(pe->add_data[i], 1, len, out) == len;
		for (uint64_t k = len; ok && k < s->size_of_raw_data;) {
			uint64_t n = s->size_of_raw_data - k < sizeof(zeros) ? s->size_of_raw_data - k : sizeof(zeros);
			ok = fwrite(zeros, 1, n, out) == n;
			k += n;
		}
		pos += s->size_of_raw_data;
	}
	if (!ok)
		return pe_fail(e, "%s: write failed: %s", out_path, strerror(errno));
	return 0;
}

void pe_free(struct pe_out *pe)
{
	free(pe->file);
	free(pe->add);
	free(pe->add_data);
	free(pe->add_len);
}
