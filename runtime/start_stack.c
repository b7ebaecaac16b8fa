/*
 * The main thread's Linux stack and the initial process stack image, laid
 * out as the kernel's create_elf_tables (fs/binfmt_elf.c) does: from the
 * top, the execfn string, the environment and argument strings, the
 * platform string and AT_RANDOM bytes, then (16-byte aligned) argc, argv,
 * NULL, envp, NULL and the auxiliary vector.
 */
#include <windows.h>
#include <string.h>
#include <cpuid.h>

#include "capability.h"
#include "identity.h"
#include "image.h"
#include "lxnt/layout.h"
#include "lxnt/linux/auxvec.h"
#include "mman.h"
#include "proc_info.h"
#include "signal.h"
#include "start.h"

/* RLIMIT_STACK's usual 8 MiB, committed up front: Windows has no growsdown. */
#define LX_STACK_SIZE (8ULL << 20)
/* Kept free above the stack and between the stack and mmap's area. */
#define LX_STACK_GAP (1ULL << 20)

static uint64_t hwcap(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return d; /* Linux's ELF_HWCAP on x86 is CPUID.1:EDX */
}

struct image_writer {
	uint8_t *buf;    /* host copy of [lo, top) */
	uint64_t lo, top, cur;
};

static uint64_t put_bytes(struct image_writer *w, const void *p, size_t n)
{
	w->cur -= n;
	memcpy(w->buf + (w->cur - w->lo), p, n);
	return w->cur;
}

static uint64_t put_str(struct image_writer *w, const char *s)
{
	return put_bytes(w, s, strlen(s) + 1);
}

static bool stack_mapped;

void lx_stack_forget(void)
{
	stack_mapped = false;
}

void lx_stack_reserve(void)
{
	uint64_t lo = LXNT_GUEST_WINDOW_HI - LX_STACK_GAP - LX_STACK_SIZE;

	if (stack_mapped)
		return;
	int64_t r = lx_mm_map(lo, LX_STACK_SIZE, LX_PROT_READ | LX_PROT_WRITE,
	                   LX_MAP_PRIVATE | LX_MAP_ANONYMOUS | LX_MAP_FIXED | LX_MAP_GROWSDOWN, -1, 0);
	if (r < 0)
		lx_fatal("lxnt: cannot map the stack (error %lld)", (long long)-r);
	lx_mm_mmap_top = lo - LX_STACK_GAP;
	lx_fault_stack_reserve(lo);
	stack_mapped = true;
}

uint64_t lx_build_initial_stack(const struct lx_strvec *argv, const struct lx_strvec *envp,
                                const char *execfn)
{
	uint64_t top = LXNT_GUEST_WINDOW_HI - LX_STACK_GAP;

	lx_stack_reserve();

	/* Build the top pages in a host buffer, then copy them out at once. */
	size_t need = 4096;
	need += strlen(execfn) + 1;
	for (size_t i = 0; i < argv->n; i++)
		need += strlen(argv->v[i]) + 1 + 8;
	for (size_t i = 0; i < envp->n; i++)
		need += strlen(envp->v[i]) + 1 + 8;
	if (need > LX_STACK_SIZE / 4)
		lx_fatal("lxnt: arguments and environment too large (%zu bytes)", need);
	need = (need + 4095) & ~(size_t)4095;
	struct image_writer w = {
		.buf = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, need),
		.lo = top - need, .top = top, .cur = top,
	};
	if (!w.buf)
		lx_fatal("lxnt: out of memory at start-up");

	w.cur -= 8; /* the kernel leaves a NULL word at the very top */
	uint64_t execfn_at = put_str(&w, execfn);
	uint64_t *envp_at = HeapAlloc(GetProcessHeap(), 0, (envp->n + 1) * 8);
	uint64_t *argv_at = HeapAlloc(GetProcessHeap(), 0, (argv->n + 1) * 8);
	if (!envp_at || !argv_at)
		lx_fatal("lxnt: out of memory at start-up");
	for (size_t i = envp->n; i-- > 0;)
		envp_at[i] = put_str(&w, envp->v[i]);
	for (size_t i = argv->n; i-- > 0;)
		argv_at[i] = put_str(&w, argv->v[i]);
	if (argv->n) {
		lx_arg_layout.arg_start = argv_at[0];
		lx_arg_layout.arg_end = argv_at[argv->n - 1] + strlen(argv->v[argv->n - 1]) + 1;
	}
	if (envp->n) {
		lx_arg_layout.env_start = envp_at[0];
		lx_arg_layout.env_end = envp_at[envp->n - 1] + strlen(envp->v[envp->n - 1]) + 1;
	}
	lx_proc_note_args();
	uint64_t platform_at = put_str(&w, "x86_64");
	uint8_t rnd[16];
	if (!lx_random_bytes(rnd, sizeof(rnd)))
		lx_fatal("lxnt: no random bytes for AT_RANDOM");
	w.cur &= ~15ULL;
	uint64_t random_at = put_bytes(&w, rnd, sizeof(rnd));

	uint64_t auxv[][2] = {
		{ LX_AT_PHDR, lx_image.phdr },
		{ LX_AT_PHENT, lx_image.phent },
		{ LX_AT_PHNUM, lx_image.phnum },
		{ LX_AT_PAGESZ, 4096 },
		{ LX_AT_BASE, lx_image.interp_base },
		{ LX_AT_FLAGS, 0 },
		{ LX_AT_ENTRY, lx_image.entry },
		{ LX_AT_UID, (uint64_t)lx_uid },
		{ LX_AT_EUID, (uint64_t)lx_euid },
		{ LX_AT_GID, (uint64_t)lx_gid },
		{ LX_AT_EGID, (uint64_t)lx_egid },
		/* a set-ID execve, or one that raised the capabilities
		 * (cap_bprm_creds_from_file's secureexec) */
		{ LX_AT_SECURE, lx_euid != lx_uid || lx_egid != lx_gid || lx_cap_exec_secure },
		{ LX_AT_HWCAP, hwcap() },
		{ LX_AT_HWCAP2, 0 }, /* no FSGSBASE: the guest's FS is emulated */
		{ LX_AT_CLKTCK, 100 },
		{ LX_AT_RANDOM, random_at },
		{ LX_AT_EXECFN, execfn_at },
		{ LX_AT_PLATFORM, platform_at },
		{ LX_AT_NULL, 0 },
	};
	size_t words = 1 + argv->n + 1 + envp->n + 1 + sizeof(auxv) / 8;
	w.cur = (w.cur - words * 8) & ~15ULL;
	uint64_t sp = w.cur;
	uint64_t *q = (uint64_t *)(w.buf + (sp - w.lo));
	*q++ = argv->n;
	memcpy(q, argv_at, argv->n * 8);
	q += argv->n;
	*q++ = 0;
	memcpy(q, envp_at, envp->n * 8);
	q += envp->n;
	*q++ = 0;
	memcpy(q, auxv, sizeof(auxv));

	if (lx_copy_to_user(w.lo, w.buf, need) < 0)
		lx_fatal("lxnt: cannot write the initial stack");
	HeapFree(GetProcessHeap(), 0, w.buf);
	HeapFree(GetProcessHeap(), 0, envp_at);
	HeapFree(GetProcessHeap(), 0, argv_at);
	return sp;
}
