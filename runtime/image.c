/*
 * Locates the packed ELF in the runtime's own PE image: the `.lxnt` section
 * that `lxnt pack` appended (include/lxnt/pack.h), and the site table the
 * rewriter left behind PT_LXNT_SITES (include/lxnt/sitetab.h).
 */
#include <windows.h>
#include <string.h>

#include "image.h"
#include "lxnt/linux/elf.h"

struct lx_image lx_image;

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
		lx_image.sites = (const struct lxnt_site *)(uintptr_t)(h->sites_vaddr + lx_image.bias);
		lx_image.site_count = h->site_count;
		return;
	}
	if (!(lx_image.pack->flags & LXNT_PACK_F_UNPATCHED))
		lx_fatal("lxnt: the packed program has no site table (PT_LXNT_SITES): it was not rewritten");
}

void lx_image_load(void)
{
	const struct lxnt_pack_header *p = find_pack_section();

	if (!p)
		lx_fatal("lxnt: this runtime has no packed program (no %s section); use `lxnt pack`",
		         LXNT_PACK_SECTION);
	if (memcmp(p->magic, LXNT_PACK_MAGIC, 8) != 0 || p->version != LXNT_PACK_VERSION)
		lx_fatal("lxnt: the %s section is damaged or of another version", LXNT_PACK_SECTION);
	if (p->phentsize != sizeof(struct lx_elf64_phdr))
		lx_fatal("lxnt: unexpected program header size %u", p->phentsize);
	lx_image.pack = p;
	lx_image.bias = p->load_bias;
	lx_image.entry = p->entry + p->load_bias;
	lx_image.phdr = p->phdr_vaddr + p->load_bias;
	lx_image.phnum = p->phnum;
	lx_image.phent = p->phentsize;
	find_sites();
}

const struct lxnt_site *lx_site_find(uint64_t addr)
{
	uint64_t key = addr - lx_image.bias;
	size_t lo = 0, hi = lx_image.site_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lx_image.sites[mid].addr == key)
			return &lx_image.sites[mid];
		if (lx_image.sites[mid].addr < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
