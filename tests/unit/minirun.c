/*
 * A test-only stand-in for the runtime on Linux: it maps a rewritten static
 * ET_EXEC file at its link addresses, gives it a TEB-like block through the
 * GS base (arch_prctl(2) ARCH_SET_GS) with the slots of include/lxnt/layout.h,
 * and serves its sites: trampolines call `guest_syscall_entry`, trap sites
 * raise SIGILL and are served from the site table.  System calls go to the
 * Linux kernel unchanged, except ARCH_SET_FS, which only moves the thread
 * pointer slot because every %fs access of the guest has been rewritten,
 * rt_sigreturn, which must see the guest's own stack, and the signal calls,
 * which may not take SIGILL away.  ET_DYN (static-pie) files are placed at
 * a fixed bias.  No threads.  This checks the rewriter's output end to end
 * without Windows.
 *
 *   minirun REWRITTEN-ELF ARGV0 ARGS...
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <lxnt/layout.h>
#include <lxnt/sitetab.h>

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002

static uint8_t *teb;
static const struct lxnt_site *sites;
static uint32_t site_count;
static uint64_t load_bias; /* where an ET_DYN file goes; 0 for ET_EXEC */

#define SLOT(i) (*(volatile uint64_t *)(teb + LXNT_TEB_SLOT_OFFSET(i)))

static long raw_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c),
		"r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return ret;
}

/* struct kernel_sigaction as rt_sigaction(2) takes it on x86-64. */
struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

#define SIGILL_BIT (1ULL << (SIGILL - 1))

static const char *self_path;  /* this runner */
static const char *guest_path; /* the rewritten file it runs */

__attribute__((target("general-regs-only")))
static int same_string(const char *x, const char *y)
{
	while (*x && *x == *y)
		x++, y++;
	return *x == *y;
}

/* busybox re-executes itself through /proc/self/exe: run the guest again. */
__attribute__((target("general-regs-only")))
static long exec_self(char *const *argv, char *const *envp)
{
	const char *args[256];
	int n = 0;
	args[n++] = self_path;
	args[n++] = guest_path;
	while (argv && argv[n - 2] && n < 255) {
		args[n] = argv[n - 2];
		n++;
	}
	args[n] = NULL;
	return raw_syscall6(SYS_execve, (long)self_path, (long)args, (long)envp, 0, 0, 0);
}

/*
 * Forward a guest system call to Linux.  Runs between guest instructions,
 * so it must not touch the vector registers the guest may have live.
 * SIGILL stays deliverable and ours: it is how trap sites reach us, as the
 * runtime's exception handler cannot be masked on Windows.
 */
__attribute__((target("general-regs-only")))
long guest_dispatch(long nr, long a, long b, long c, long d, long e, long f)
{
	if (nr == SYS_arch_prctl && a == ARCH_SET_FS) {
		uint64_t tp = (uint64_t)b;
		SLOT(LXNT_SLOT_TP) = tp;
		SLOT(LXNT_SLOT_STACK_GUARD) = *(volatile uint64_t *)(tp + 0x28);
		SLOT(LXNT_SLOT_POINTER_GUARD) = *(volatile uint64_t *)(tp + 0x30);
		return 0;
	}
	if (nr == SYS_execve && a && same_string((const char *)a, "/proc/self/exe"))
		return exec_self((char *const *)b, (char *const *)c);
	if (nr == SYS_rt_sigprocmask && b && (a == SIG_BLOCK || a == SIG_SETMASK)) {
		uint64_t set = *(volatile uint64_t *)b & ~SIGILL_BIT;
		return raw_syscall6(nr, a, (long)&set, c, d, e, f);
	}
	if (nr == SYS_rt_sigaction && b) {
		volatile struct ksigaction *in = (volatile struct ksigaction *)b;
		struct ksigaction k;
		if (a == SIGILL)
			return 0;
		k.handler = in->handler;
		k.flags = in->flags;
		k.restorer = in->restorer;
		k.mask = in->mask & ~SIGILL_BIT;
		return raw_syscall6(nr, a, (long)&k, c, d, e, f);
	}
	return raw_syscall6(nr, a, b, c, d, e, f);
}

/* The syscall entry of the sitetab.h contract: flags and all registers but
 * rax, rcx and r11 preserved. */
void guest_syscall_entry(void);
void guest_sigreturn(void);
__asm__(".text\n"
	"guest_syscall_entry:\n"
	"	cmp $15, %eax\n"
	"	je 2f\n"
	"	pushfq\n"
	"	push %rdi\n push %rsi\n push %rdx\n push %r8\n push %r9\n push %r10\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	and $-16, %rsp\n"
	"	push %r9\n push %r9\n"
	"	mov %r8, %r9\n mov %r10, %r8\n mov %rdx, %rcx\n mov %rsi, %rdx\n"
	"	mov %rdi, %rsi\n mov %rax, %rdi\n"
	"	call guest_dispatch\n"
	"	mov %rbp, %rsp\n"
	"	pop %rbp\n pop %r10\n pop %r9\n pop %r8\n pop %rdx\n pop %rsi\n pop %rdi\n"
	"	popfq\n"
	"	ret\n"
	/* rt_sigreturn(2) reads the frame at the guest's %rsp: the return
	 * address and the red zone the trampoline skipped lie above it. */
	"2:	lea 136(%rsp), %rsp\n"
	"guest_sigreturn:\n"
	"	mov $15, %eax\n"
	"	syscall\n"
	"	ud2\n");

static const struct lxnt_site *find_site(uint64_t addr)
{
	size_t l = 0, h = site_count;
	while (l < h) {
		size_t m = l + (h - l) / 2;
		if (sites[m].addr < addr)
			l = m + 1;
		else if (sites[m].addr > addr)
			h = m;
		else
			return &sites[m];
	}
	return NULL;
}

static void on_sigill(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;
	const struct lxnt_site *s = find_site((uint64_t)g[REG_RIP] - load_bias);
	(void)sig;
	(void)si;
	if (!s) {
		static const char msg[] = "minirun: SIGILL outside the site table\n";
		write(2, msg, sizeof(msg) - 1);
		_exit(127);
	}
	if (s->kind == LXNT_SITE_FS) {
		g[REG_RIP] = (greg_t)(s->tramp + load_bias);
		return;
	}
	long nr = g[REG_RAX];
	if (nr == SYS_rt_sigreturn) {
		g[REG_RIP] = (greg_t)guest_sigreturn;
		return;
	}
	g[REG_RAX] = guest_dispatch(nr, g[REG_RDI], g[REG_RSI], g[REG_RDX],
		g[REG_R10], g[REG_R8], g[REG_R9]);
	g[REG_RIP] = (greg_t)(s->resume + load_bias);
}

static void die(const char *what)
{
	perror(what);
	exit(126);
}

static uint8_t *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	uint8_t *d = malloc(*n);
	if (!d || fread(d, 1, *n, f) != *n)
		die("read");
	fclose(f);
	return d;
}

static int prot_of(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
		(flags & PF_X ? PROT_EXEC : 0);
}

static uint64_t map_image(const uint8_t *file, const Elf64_Ehdr *eh, uint64_t *phdr_vaddr)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LXNT_SITES) {
			const struct lxnt_site_header *h = (const void *)(file + ph[i].p_offset);
			site_count = h->site_count;
			sites = (const struct lxnt_site *)(h->sites_vaddr + load_bias); /* valid once mapped */
		}
		if (ph[i].p_type != PT_LOAD)
			continue;
		uint64_t lo = (load_bias + ph[i].p_vaddr) & ~0xfffULL;
		uint64_t hi = (load_bias + ph[i].p_vaddr + ph[i].p_memsz + 0xfff) & ~0xfffULL;
		void *m = mmap((void *)lo, hi - lo, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (m == MAP_FAILED)
			die("mmap");
		memcpy((void *)(load_bias + ph[i].p_vaddr), file + ph[i].p_offset, ph[i].p_filesz);
		if (eh->e_phoff >= ph[i].p_offset && eh->e_phoff < ph[i].p_offset + ph[i].p_filesz)
			*phdr_vaddr = load_bias + ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset);
	}
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			uint64_t lo = (load_bias + ph[i].p_vaddr) & ~0xfffULL;
			uint64_t hi = (load_bias + ph[i].p_vaddr + ph[i].p_memsz + 0xfff) & ~0xfffULL;
			mprotect((void *)lo, hi - lo, prot_of(ph[i].p_flags) | PROT_READ);
		}
	return load_bias + eh->e_entry;
}

/* The initial stack of the System V x86-64 psABI, section 3.4.1. */
static uint64_t *build_stack(int argc, char **argv, const Elf64_Ehdr *eh, uint64_t phdr)
{
	size_t size = 1 << 20;
	uint8_t *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		die("mmap stack");
	uint64_t *sp = (uint64_t *)(stack + size - 4096);
	static uint8_t random_bytes[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	int words = 1 + argc + 1 + 1 + 2 * 9;
	sp -= words + (words & 1);
	uint64_t *p = sp;
	*p++ = (uint64_t)argc;
	for (int i = 0; i < argc; i++)
		*p++ = (uint64_t)argv[i];
	*p++ = 0;
	*p++ = 0; /* empty environment */
	uint64_t aux[][2] = {
		{ AT_PHDR, phdr }, { AT_PHENT, sizeof(Elf64_Phdr) }, { AT_PHNUM, eh->e_phnum },
		{ AT_PAGESZ, 4096 }, { AT_ENTRY, load_bias + eh->e_entry }, { AT_RANDOM, (uint64_t)random_bytes },
		{ AT_UID, getuid() }, { AT_SECURE, 0 }, { AT_NULL, 0 },
	};
	memcpy(p, aux, sizeof(aux));
	return sp;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: minirun REWRITTEN-ELF ARGV0 ARGS...\n");
		return 126;
	}
	size_t n;
	uint8_t *file = read_all(argv[1], &n);
	self_path = realpath("/proc/self/exe", NULL);
	guest_path = realpath(argv[1], NULL);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
	uint64_t phdr = 0;
	if (eh->e_type == ET_DYN)
		load_bias = 0x10000000; /* static-pie */
	uint64_t entry = map_image(file, eh, &phdr);
	if (!sites) {
		fprintf(stderr, "minirun: %s has no site table\n", argv[1]);
		return 126;
	}
	teb = aligned_alloc(4096, 0x2000);
	memset(teb, 0, 0x2000);
	SLOT(LXNT_SLOT_SYSCALL_ENTRY) = (uint64_t)guest_syscall_entry;
	if (raw_syscall6(SYS_arch_prctl, ARCH_SET_GS, (long)teb, 0, 0, 0, 0) != 0)
		die("arch_prctl");

	stack_t ss = { .ss_sp = malloc(65536), .ss_size = 65536 };
	sigaltstack(&ss, NULL);
	struct sigaction sa = { .sa_sigaction = on_sigill, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER };
	sigaction(SIGILL, &sa, NULL);
	fflush(NULL);

	uint64_t *sp = build_stack(argc - 2, argv + 2, eh, phdr);
	__asm__ volatile("mov %0, %%rsp\n\txor %%edx, %%edx\n\tjmp *%1"
		: : "r"(sp), "r"(entry) : "memory");
	__builtin_unreachable();
}
