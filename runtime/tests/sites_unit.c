/*
 * Unit tests of the site-table registry (runtime/image.c): lookups by
 * address and bias, replacement and forgetting by an object's first page
 * (munmap), and fork's hand-off, which rebuilds the tables from where
 * they lie in memory.  A Windows program, run by `meson test` through
 * Wine.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#include "handoff.h"
#include "image.h"
#include "check.h"

unsigned lx_umask = 022;

_Noreturn void lx_exit_process(int wait_status)
{
	ExitProcess((unsigned)wait_status);
}

/* lx_fatal's: no signal is ever delivered here. */
void lx_signal_kicks_close(void)
{
}

/* Guest memory is this program's own here. */
long lx_copy_from_user(void *dst, uint64_t src, size_t n)
{
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return 0;
}

/* A heap table of sites at the given unbiased addresses (sorted). */
static struct lxnt_site *table(const uint64_t *addr, uint32_t n)
{
	struct lxnt_site *t = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, n * sizeof(*t));

	for (uint32_t i = 0; i < n; i++)
		t[i].addr = addr[i];
	return t;
}

static const uint64_t a_sites[] = { 0x100, 0x200, 0x3000 };
static const uint64_t b_sites[] = { 0x40 };

static void test_lookup(void)
{
	uint64_t bias = 0;

	CHECK(lx_sites_add(0x10000, 0x15000, 0x10000, 0, table(a_sites, 3), 3, true));
	CHECK(lx_sites_add(0x40000, 0x50000, 0x40000, 0, table(b_sites, 1), 1, true));
	const struct lxnt_site *s = lx_site_lookup(0x10200, &bias);
	CHECK(s && s->addr == 0x200 && bias == 0x10000);
	CHECK(lx_site_find(0x13000) && lx_site_find(0x13000)->addr == 0x3000);
	CHECK(lx_site_find(0x10150) == NULL);    /* no site there */
	CHECK(lx_site_find(0x40040) && lx_site_find(0x40040)->addr == 0x40);
	CHECK(lx_site_find(0x60040) == NULL);    /* in no object */
	CHECK(lx_site_find(0x100) == NULL);      /* an unbiased address is no address */
}

static void test_forget(void)
{
	/* Unmapping pages after an object's first one keeps it, as ld.so's
	 * MAP_FIXED placement of the later segments does. */
	lx_sites_forget(0x11000, 0x15000);
	CHECK(lx_site_find(0x10100) != NULL);
	/* Its first page goes: the object goes. */
	lx_sites_forget(0x10000, 0x11000);
	CHECK(lx_site_find(0x10100) == NULL);
	CHECK(lx_site_find(0x40040) != NULL);
	/* An object registered at the same first page replaces the old one. */
	static const uint64_t c_sites[] = { 0x80 };
	CHECK(lx_sites_add(0x40000, 0x48000, 0x40000, 0, table(c_sites, 1), 1, true));
	CHECK(lx_site_find(0x40040) == NULL && lx_site_find(0x40080) != NULL);
	lx_sites_forget_all();
	CHECK(lx_site_find(0x40080) == NULL);
}

static void test_fork_handoff(void)
{
	/* The table as it lies in "guest memory", and the registry's copy. */
	static struct lxnt_site in_memory[2] = { { .addr = 0x10 }, { .addr = 0x20 } };
	struct lxnt_site *copy = HeapAlloc(GetProcessHeap(), 0, sizeof(in_memory));
	struct lx_handoff_buf b;

	memcpy(copy, in_memory, sizeof(in_memory));
	CHECK(lx_sites_add(0x70000, 0x78000, 0x70000, (uint64_t)(uintptr_t)in_memory, copy, 2, true));
	/* A copy whose place in memory is unknown cannot follow. */
	CHECK(lx_sites_add(0x90000, 0x98000, 0x90000, 0, table(b_sites, 1), 1, true));
	lx_image.elf_file = true;
	lx_image.start = 0x1234;
	CHECK(lx_handoff_begin(&b, LX_HANDOFF_FORK));
	CHECK(lx_sites_handoff_out(&b) == 0);
	CHECK(lx_handoff_head(&b)->nsites == 1);
	lx_sites_forget_all();
	memset(&lx_image, 0, sizeof(lx_image));
	lx_sites_handoff_in(lx_handoff_head(&b));
	CHECK(lx_image.elf_file && lx_image.start == 0x1234);
	CHECK(lx_site_find(0x70020) && lx_site_find(0x70020)->addr == 0x20);
	CHECK(lx_site_find(0x90040) == NULL);
	lx_handoff_free(&b);
	lx_sites_forget_all();
}

int main(void)
{
	test_lookup();
	test_forget();
	test_fork_handoff();
	return check_result();
}
