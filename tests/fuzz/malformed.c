/*
 * Hand-made malformed ELF files (malformed.h): each breaks one rule of the
 * ELF-64 Object File Format that a reader might take on trust.
 */
#include "malformed.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

/* Field access through memcpy: the headers may sit at any offset. */
#define GET(d, off, type) ({ type v_; memcpy(&v_, (d) + (off), sizeof(v_)); v_; })
#define PUT(d, off, type, val) do { type v_ = (val); memcpy((d) + (off), &v_, sizeof(v_)); } while (0)

struct file {
	uint8_t *d;
	size_t n;
	Elf64_Ehdr eh;
};

static Elf64_Phdr *phdr_at(struct file *f, size_t i, Elf64_Phdr *p)
{
	uint64_t off = f->eh.e_phoff + i * sizeof(*p);
	if (i >= f->eh.e_phnum || off > f->n || f->n - off < sizeof(*p))
		return NULL;
	memcpy(p, f->d + off, sizeof(*p));
	return p;
}

static void phdr_put(struct file *f, size_t i, const Elf64_Phdr *p)
{
	memcpy(f->d + f->eh.e_phoff + i * sizeof(*p), p, sizeof(*p));
}

/* Index of the first PT_LOAD with PF_X, or -1. */
static int code_phdr(struct file *f)
{
	Elf64_Phdr p;
	for (size_t i = 0; phdr_at(f, i, &p); i++)
		if (p.p_type == PT_LOAD && (p.p_flags & PF_X))
			return (int)i;
	return -1;
}

static uint64_t shdr_off(const struct file *f, size_t i)
{
	return f->eh.e_shoff + i * sizeof(Elf64_Shdr);
}

/* Offset of the section header named `name`, or 0. */
static uint64_t find_shdr(struct file *f, const char *name)
{
	if (!f->eh.e_shoff || f->eh.e_shstrndx >= f->eh.e_shnum ||
	    shdr_off(f, f->eh.e_shnum) > f->n)
		return 0;
	Elf64_Shdr strs = GET(f->d, shdr_off(f, f->eh.e_shstrndx), Elf64_Shdr);
	for (size_t i = 0; i < f->eh.e_shnum; i++) {
		Elf64_Shdr sh = GET(f->d, shdr_off(f, i), Elf64_Shdr);
		uint64_t at = strs.sh_offset + sh.sh_name;
		if (at < f->n && strncmp((const char *)f->d + at, name, f->n - at) == 0)
			return shdr_off(f, i);
	}
	return 0;
}

static void set_ehdr(struct file *f)
{
	memcpy(f->d, &f->eh, sizeof(f->eh));
}

/* Sets a field of every section header. */
#define ALL_SHDRS(f, field, val) do { \
	for (size_t i_ = 0; i_ < (f)->eh.e_shnum && shdr_off(f, i_ + 1) <= (f)->n; i_++) \
		PUT((f)->d, shdr_off(f, i_) + offsetof(Elf64_Shdr, field), \
			__typeof__(((Elf64_Shdr *)0)->field), (val)); \
} while (0)

#define SHDR_FIELD(f, at, field, val) do { if (at) \
	PUT((f)->d, (at) + offsetof(Elf64_Shdr, field), \
		__typeof__(((Elf64_Shdr *)0)->field), (val)); } while (0)

/* A deterministic byte stream for garbage (a 64-bit LCG, Knuth's MMIX constants). */
static void garbage(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = (uint8_t)(seed >> 56);
	}
}

static const char *const names[] = {
	"e_phnum huge (0xfffe)",
	"e_phnum PN_XNUM with no section 0",
	"e_phoff past the end",
	"e_phoff near 2^64",
	"e_phoff misaligned",
	"e_shoff past the end",
	"e_shnum huge",
	"section offsets past the end",
	"section offsets near 2^64",
	"section sizes near 2^64",
	"zero-size sections",
	"SHT_NOBITS executable .text",
	"overlapping segments",
	"code segment duplicated over the headers segment",
	"p_filesz > p_memsz",
	"PT_LOAD vaddr near 2^64",
	"PT_LOAD and .text vaddr near 2^64",
	"PT_LOAD memsz near 2^64",
	"p_offset past the end",
	".symtab pointing everywhere",
	".symtab with 2^63 bytes of one-byte entries",
	"symbols all at .text",
	".eh_frame length 0xfffffff0",
	".eh_frame 64-bit length near 2^64",
	".eh_frame CIE pointer past the section start",
	".eh_frame garbage",
	".eh_frame all 0xff",
	"truncated to the headers",
	"truncated in the middle",
};

static void variant(int i, struct file *f)
{
	Elf64_Phdr p;
	int c = code_phdr(f);
	uint64_t text = find_shdr(f, ".text"), symtab = find_shdr(f, ".symtab");
	uint64_t eh = find_shdr(f, ".eh_frame");
	Elf64_Shdr ehs = eh ? GET(f->d, eh, Elf64_Shdr) : (Elf64_Shdr){ 0 };
	int eh_ok = eh && ehs.sh_offset < f->n && ehs.sh_size <= f->n - ehs.sh_offset;
	switch (i) {
	case 0: f->eh.e_phnum = 0xfffe; break;
	case 1: f->eh.e_phnum = PN_XNUM; f->eh.e_shoff = 0; break;
	case 2: f->eh.e_phoff = f->n + 64; break;
	case 3: f->eh.e_phoff = UINT64_MAX - 16; break;
	case 4:
		/* the same headers one byte further on */
		memmove(f->d + f->eh.e_phoff + 1, f->d + f->eh.e_phoff,
			(size_t)f->eh.e_phnum * sizeof(Elf64_Phdr));
		f->eh.e_phoff += 1;
		break;
	case 5: f->eh.e_shoff = f->n + 64; break;
	case 6: f->eh.e_shnum = 0xfeff; break;
	case 7: ALL_SHDRS(f, sh_offset, f->n + 0x1000); break;
	case 8: ALL_SHDRS(f, sh_offset, UINT64_MAX - 0x100); break;
	case 9: ALL_SHDRS(f, sh_size, UINT64_MAX - 0x100); break;
	case 10: ALL_SHDRS(f, sh_size, 0); break;
	case 11: SHDR_FIELD(f, text, sh_type, SHT_NOBITS); break;
	case 12:
		if (c > 0 && phdr_at(f, 0, &p)) {
			Elf64_Phdr q;
			phdr_at(f, (size_t)c, &q);
			q.p_vaddr = p.p_vaddr + 0x10;
			q.p_offset = p.p_offset + 0x10;
			phdr_put(f, (size_t)c, &q);
		}
		break;
	case 13:
		if (c > 0 && phdr_at(f, (size_t)c, &p))
			phdr_put(f, 0, &p);
		break;
	case 14:
		if (c >= 0 && phdr_at(f, (size_t)c, &p)) {
			p.p_filesz = p.p_memsz + 0x100;
			phdr_put(f, (size_t)c, &p);
		}
		break;
	case 15:
	case 16:
		if (c >= 0 && phdr_at(f, (size_t)c, &p)) {
			uint64_t delta = 0xfffffffffffff000ULL - (p.p_vaddr & ~0xfffULL);
			p.p_vaddr += delta;
			phdr_put(f, (size_t)c, &p);
			if (i == 16 && text) {
				Elf64_Shdr sh = GET(f->d, text, Elf64_Shdr);
				SHDR_FIELD(f, text, sh_addr, sh.sh_addr + delta);
			}
		}
		break;
	case 17:
		if (c >= 0 && phdr_at(f, (size_t)c, &p)) {
			p.p_memsz = UINT64_MAX - p.p_vaddr + 0x10;
			phdr_put(f, (size_t)c, &p);
		}
		break;
	case 18:
		if (c >= 0 && phdr_at(f, (size_t)c, &p)) {
			p.p_offset = f->n + 0x1000;
			phdr_put(f, (size_t)c, &p);
		}
		break;
	case 19:
		SHDR_FIELD(f, symtab, sh_offset, 0);
		SHDR_FIELD(f, symtab, sh_size, f->n / sizeof(Elf64_Sym) * sizeof(Elf64_Sym));
		break;
	case 20:
		SHDR_FIELD(f, symtab, sh_size, 1ULL << 63);
		SHDR_FIELD(f, symtab, sh_entsize, 1);
		break;
	case 21:
		if (symtab && text) {
			Elf64_Shdr sy = GET(f->d, symtab, Elf64_Shdr);
			Elf64_Shdr tx = GET(f->d, text, Elf64_Shdr);
			for (uint64_t o = sy.sh_offset; sy.sh_offset < f->n &&
			     o + sizeof(Elf64_Sym) <= f->n &&
			     o + sizeof(Elf64_Sym) <= sy.sh_offset + sy.sh_size; o += sizeof(Elf64_Sym))
				PUT(f->d, o + offsetof(Elf64_Sym, st_value), uint64_t,
					tx.sh_addr + (o - sy.sh_offset) % (tx.sh_size ? tx.sh_size : 1));
		}
		break;
	case 22:
		if (eh_ok && ehs.sh_size >= 4)
			PUT(f->d, ehs.sh_offset, uint32_t, 0xfffffff0u);
		break;
	case 23:
		if (eh_ok && ehs.sh_size >= 12) {
			PUT(f->d, ehs.sh_offset, uint32_t, 0xffffffffu);
			PUT(f->d, ehs.sh_offset + 4, uint64_t, UINT64_MAX - 4);
		}
		break;
	case 24:
		/* every word a CIE pointer reaching before the section */
		for (uint64_t o = 4; eh_ok && o + 4 <= ehs.sh_size; o += 8)
			PUT(f->d, ehs.sh_offset + o, uint32_t, 0x7fffffffu);
		break;
	case 25:
		if (eh_ok)
			garbage(f->d + ehs.sh_offset, ehs.sh_size, 25);
		break;
	case 26:
		if (eh_ok)
			memset(f->d + ehs.sh_offset, 0xff, ehs.sh_size);
		break;
	case 27: f->n = sizeof(Elf64_Ehdr) + (size_t)f->eh.e_phnum * sizeof(Elf64_Phdr); break;
	case 28: f->n /= 2; break;
	}
}

int malformed_make(int i, const uint8_t *base, size_t n, struct malformed *m)
{
	if (i < 0 || (size_t)i >= sizeof(names) / sizeof(names[0]) || n < sizeof(Elf64_Ehdr))
		return -1;
	struct file f = { .d = malloc(n + 1), .n = n };
	if (!f.d)
		return -1;
	memcpy(f.d, base, n);
	f.d[n] = 0;
	memcpy(&f.eh, base, sizeof(f.eh));
	variant(i, &f);
	set_ehdr(&f);
	m->name = names[i];
	m->data = f.d;
	m->size = f.n < n ? f.n : n;
	return 0;
}
