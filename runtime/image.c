/*
 * Locates the packed ELF in the runtime's own PE image: the `.lxnt` section
 * that `lxnt pack` appended (include/lxnt/pack.h), and the site table the
 * rewriter left behind PT_LXNT_SITES (include/lxnt/sitetab.h).  Keeps the
 * registry of site tables: one per rewritten object in memory.
 */
#include <windows.h>
#include <string.h>

#include "handoff.h"
#include "image.h"
#include "lxnt/linux/elf.h"

struct lx_image lx_image;

/* One rewritten object; objects do not overlap. */
struct site_table {
	uint64_t lo, hi, bias, table_addr;
	const struct lxnt_site *sites; /* sorted by addr, unbiased addresses */
	uint32_t count;
	bool owned;                    /* a heap copy */
};

/* Lookups come from the exception handler and from clone: shared. */
static SRWLOCK sites_lock = SRWLOCK_INIT;
static struct site_table *tables;
static size_t ntables, cap_tables;

static void table_free(struct site_table *t)
{
	if (t->owned)
		HeapFree(GetProcessHeap(), 0, (void *)t->sites);
}

/* Removes the entries whose lo lies in [s, e) (lock held). */
static void forget_locked(uint64_t s, uint64_t e)
{
	size_t j = 0;

	for (size_t i = 0; i < ntables; i++) {
		if (tables[i].lo >= s && tables[i].lo < e)
			table_free(&tables[i]);
		else
			tables[j++] = tables[i];
	}
	ntables = j;
}

bool lx_sites_add(uint64_t lo, uint64_t hi, uint64_t bias, uint64_t table_addr,
                  const struct lxnt_site *sites, uint32_t count, bool owned)
{
	bool ok = true;

	AcquireSRWLockExclusive(&sites_lock);
	forget_locked(lo, lo + 1);
	if (ntables == cap_tables) {
		size_t ncap = cap_tables ? cap_tables * 2 : 16;
		struct site_table *n = tables ? HeapReAlloc(GetProcessHeap(), 0, tables, ncap * sizeof(*n))
		                              : HeapAlloc(GetProcessHeap(), 0, ncap * sizeof(*n));
		if (n) {
			tables = n;
			cap_tables = ncap;
		} else {
			ok = false;
		}
	}
	if (ok)
		tables[ntables++] = (struct site_table){ lo, hi, bias, table_addr, sites, count, owned };
	ReleaseSRWLockExclusive(&sites_lock);
	if (!ok && owned)
		HeapFree(GetProcessHeap(), 0, (void *)sites);
	return ok;
}

void lx_sites_forget(uint64_t s, uint64_t e)
{
	if (!ntables)
		return;
	AcquireSRWLockExclusive(&sites_lock);
	forget_locked(s, e);
	ReleaseSRWLockExclusive(&sites_lock);
}

void lx_sites_forget_all(void)
{
	lx_sites_forget(0, UINT64_MAX);
}

static const struct lxnt_site *table_find(const struct site_table *t, uint64_t addr)
{
	uint64_t key = addr - t->bias;
	size_t lo = 0, hi = t->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->sites[mid].addr == key)
			return &t->sites[mid];
		if (t->sites[mid].addr < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct lxnt_site *lx_site_lookup(uint64_t addr, uint64_t *bias)
{
	const struct lxnt_site *s = NULL;

	AcquireSRWLockShared(&sites_lock);
	for (size_t i = 0; i < ntables && !s; i++) {
		if (addr >= tables[i].lo && addr < tables[i].hi) {
			s = table_find(&tables[i], addr);
			*bias = tables[i].bias;
		}
	}
	ReleaseSRWLockShared(&sites_lock);
	return s;
}

const struct lxnt_site *lx_site_find(uint64_t addr)
{
	uint64_t bias;

	return lx_site_lookup(addr, &bias);
}

static const struct lxnt_pack_header *find_pack_section(void)
{
	const uint8_t *base = (const uint8_t *)GetModuleHandleW(NULL);
	const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
	const IMAGE_NT_HEADERS64 *nt = (const IMAGE_NT_HEADERS64 *)(base + dos->e_lfanew);
	const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);

	for (unsigned i = 0; i < nt->FileHeader.NumberOfSections; i++) {
		if (memcmp(sec[i].Name, LXNT_PACK_SECTION, sizeof(LXNT_PACK_SECTION)) == 0)
			return (const struct lxnt_pack_header *)(base + sec[i].VirtualAddress);
	}
	return NULL;
}

/* The packed program's site table, in its image. */
static void find_sites(void)
{
	const struct lx_elf64_phdr *ph = (const struct lx_elf64_phdr *)(uintptr_t)lx_image.phdr;

	for (uint32_t i = 0; i < lx_image.phnum; i++) {
		if (ph[i].p_type != PT_LXNT_SITES)
			continue;
		const struct lxnt_site_header *h =
			(const struct lxnt_site_header *)(uintptr_t)(ph[i].p_vaddr + lx_image.bias);
		if (memcmp(h->magic, LXNT_SITE_MAGIC, 8) != 0 || h->version != LXNT_SITE_VERSION)
			lx_fatal("lxnt: the site table of this program is damaged or of another version");
		if (!lx_sites_add(lx_image.pack->image_lo, lx_image.pack->image_hi, lx_image.bias, 0,
		                  (const struct lxnt_site *)(uintptr_t)(h->sites_vaddr + lx_image.bias),
		                  h->site_count, false))
			lx_fatal("lxnt: out of memory at start-up");
		return;
	}
	if (!(lx_image.pack->flags & LXNT_PACK_F_UNPATCHED))
		lx_fatal("lxnt: the packed program has no site table (PT_LXNT_SITES): it was not rewritten");
}

void lx_image_reload(void)
{
	lx_sites_forget_all();
	lx_image_load();
}

bool lx_image_load(void)
{
	const struct lxnt_pack_header *p = find_pack_section();

	/* The bare runtime: lxnt.exe, or a process of it that execve or fork
	 * made, which maps an ELF file or copies one (runtime/start_cli.c). */
	if (!p)
		return false;
	if (memcmp(p->magic, LXNT_PACK_MAGIC, 8) != 0 || p->version != LXNT_PACK_VERSION)
		lx_fatal("lxnt: the %s section is damaged or of another version", LXNT_PACK_SECTION);
	if (p->phentsize != sizeof(struct lx_elf64_phdr))
		lx_fatal("lxnt: unexpected program header size %u", p->phentsize);
	lx_image.pack = p;
	lx_image.elf_file = false;
	lx_image.interp_base = 0;
	lx_image.bias = p->load_bias;
	lx_image.entry = p->entry + p->load_bias;
	lx_image.start = lx_image.entry;
	lx_image.phdr = p->phdr_vaddr + p->load_bias;
	lx_image.phnum = p->phnum;
	lx_image.phent = p->phentsize;
	find_sites();
	return true;
}

long lx_sites_handoff_out(struct lx_handoff_buf *b)
{
	uint32_t at = lx_handoff_put(b, &lx_image, sizeof(lx_image));
	uint32_t first = 0, n = 0;

	AcquireSRWLockShared(&sites_lock);
	for (size_t i = 0; i < ntables; i++) {
		struct lx_handoff_sites s = {
			.lo = tables[i].lo, .hi = tables[i].hi, .bias = tables[i].bias,
			.table_addr = tables[i].owned ? tables[i].table_addr : 0, .count = tables[i].count,
		};
		/* A copy whose origin is unknown cannot follow. */
		if (tables[i].owned && !s.table_addr)
			continue;
		uint32_t o = lx_handoff_put(b, &s, sizeof(s));
		if (!n++)
			first = o;
	}
	ReleaseSRWLockShared(&sites_lock);
	if (b->failed)
		return -LX_ENOMEM;
	lx_handoff_head(b)->image_off = at;
	lx_handoff_head(b)->nsites = n;
	lx_handoff_head(b)->sites_off = first;
	return 0;
}

/* The child of a fork: its memory is the parent's copy, so the tables of
 * mapped objects are read from where they lie; the packed image's is the
 * one lx_image_load found. */
void lx_sites_handoff_in(const struct lx_handoff *h)
{
	const struct lx_handoff_sites *s = (const void *)((const char *)h + h->sites_off);
	bool keep_pack = false;

	if (!h->image_off)
		return;
	for (uint32_t i = 0; i < h->nsites; i++)
		keep_pack |= !s[i].table_addr;
	if (!keep_pack)
		lx_sites_forget_all(); /* the parent ran an ELF file, not the packed one */
	memcpy(&lx_image, (const char *)h + h->image_off, sizeof(lx_image));
	for (uint32_t i = 0; i < h->nsites; i++) {
		if (!s[i].table_addr)
			continue;
		size_t bytes = (size_t)s[i].count * sizeof(struct lxnt_site);
		struct lxnt_site *copy = HeapAlloc(GetProcessHeap(), 0, bytes ? bytes : 1);
		if (!copy || lx_copy_from_user(copy, s[i].table_addr, bytes) < 0)
			lx_fatal("lxnt: fork: the site table at %#llx cannot be read",
			         (unsigned long long)s[i].table_addr);
		lx_sites_add(s[i].lo, s[i].hi, s[i].bias, s[i].table_addr, copy, s[i].count, true);
	}
}
