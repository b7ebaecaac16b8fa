/*
 * execve in the calling Windows process, as the kernel does it (fs/exec.c
 * begin_new_exec, load_elf_binary): the old program's address space goes,
 * the new program takes its place, and the process, its pid, its Windows
 * handle and its children stay what they were.  A fork followed by
 * execve so starts one Windows process, not two (docs/runtime.md,
 * "execve in place").  The new program is an ELF file of the rootfs,
 * mapped with its ld.so in the guest window, or the packed program of
 * this very image (busybox running its applets through /proc/self/exe),
 * whose writable segments get their first contents back from the copy
 * of the ELF file in the image's .lxnt section.
 *
 * It runs in two steps.  lx_exec_here_begin, inside the syscall, does
 * what needs no memory of the old program gone: close-on-exec fds, signal
 * dispositions, credentials, names.  The mapping itself cannot run there,
 * since a trap-rung syscall runs on the guest stack that is about to be
 * unmapped: the syscall returns with the thread's exec_next set, and the
 * exit path, on the thread's Windows stack whichever rung it came from,
 * calls lx_exec_here_finish (dispatch.c, fault.c, sigdeliver.c).
 */
#include <windows.h>
#include <string.h>

#include "elfload.h"
#include "exec.h"
#include "futex.h"
#include "identity.h"
#include "image.h"
#include "lxnt/linux/elf.h"
#include "mman.h"
#include "proc.h"
#include "proc_info.h"
#include "signal.h"
#include "start.h"
#include "thread.h"
#include "vfork.h"

/* What the exit path needs to start the new program. */
struct lx_exec_next {
	struct lx_strvec argv, envp;
	char *execfn;     /* AT_EXECFN: the name as given */
	char *elf_path;   /* the file's Linux path, for the loader and /proc/self/exe */
	bool own_image;   /* the file is this image's packed program */
};

static char *heap_strdup(const char *s, size_t n)
{
	char *p = HeapAlloc(GetProcessHeap(), 0, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void strvec_free(struct lx_strvec *v)
{
	for (size_t i = 0; v->v && i < v->n; i++)
		HeapFree(GetProcessHeap(), 0, v->v[i]);
	if (v->v)
		HeapFree(GetProcessHeap(), 0, v->v);
}

static void next_free(struct lx_exec_next *x)
{
	strvec_free(&x->argv);
	strvec_free(&x->envp);
	if (x->execfn)
		HeapFree(GetProcessHeap(), 0, x->execfn);
	if (x->elf_path)
		HeapFree(GetProcessHeap(), 0, x->elf_path);
	HeapFree(GetProcessHeap(), 0, x);
}

bool lx_exec_here_possible(void)
{
	struct lx_thread *self = lx_current_thread();
	bool alone;

	/* A vfork child runs on its parent's memory, which must stay; a
	 * process of several threads would have to end the others, which
	 * cannot be done safely from here (they may hold runtime locks): both
	 * take the path of a new process (exec.c). */
	if (lx_vfork_active())
		return false;
	lx_thread_registry_lock();
	alone = lx_thread_first() == self && !self->next;
	lx_thread_registry_unlock();
	return alone;
}

/* The part of the image that the program cannot change: the headers and
 * every section that is not writable.  A file whose bytes there are the
 * image's is the same build of the runtime with the same program, whose
 * ELF file .lxnt holds. */
static bool file_is_image(HANDLE file, const struct lx_exec_file *xf)
{
	const uint8_t *base = (const uint8_t *)GetModuleHandleW(NULL);
	const IMAGE_NT_HEADERS64 *nt =
		(const IMAGE_NT_HEADERS64 *)(base + ((const IMAGE_DOS_HEADER *)base)->e_lfanew);
	const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
	DWORD headers = nt->OptionalHeader.SizeOfHeaders;
	bool same = headers <= xf->nhead && !memcmp(base, xf->head, headers);
	size_t cap = 1 << 20;
	uint8_t *buf = same ? HeapAlloc(GetProcessHeap(), 0, cap) : NULL;

	/* The image must lie where its headers put it: loaded elsewhere, its
	 * pages would differ from the file by the relocations. */
	if ((uintptr_t)base != nt->OptionalHeader.ImageBase || !buf)
		same = false;
	for (unsigned i = 0; same && i < nt->FileHeader.NumberOfSections; i++) {
		if (sec[i].Characteristics & IMAGE_SCN_MEM_WRITE)
			continue;
		DWORD size = sec[i].SizeOfRawData < sec[i].Misc.VirtualSize ? sec[i].SizeOfRawData
		                                                             : sec[i].Misc.VirtualSize;
		LARGE_INTEGER at = { .QuadPart = sec[i].PointerToRawData };
		for (DWORD done = 0; same && done < size;) {
			DWORD want = size - done < cap ? size - done : (DWORD)cap, got = 0;
			at.QuadPart = sec[i].PointerToRawData + done;
			same = SetFilePointerEx(file, at, NULL, FILE_BEGIN) &&
			       ReadFile(file, buf, want, &got, NULL) && got == want &&
			       !memcmp(base + sec[i].VirtualAddress + done, buf, want);
			done += want;
		}
	}
	if (buf)
		HeapFree(GetProcessHeap(), 0, buf);
	return same;
}

bool lx_exec_here_own_image(const struct lx_exec_file *xf)
{
	if (!lx_image.pack)
		return false;
	HANDLE f = CreateFileW(xf->win_path, GENERIC_READ,
	                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
	                       OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return false;
	bool same = file_is_image(f, xf);
	CloseHandle(f);
	return same;
}

long lx_exec_here_begin(const char *path, const struct lx_exec_file *xf, bool own_image,
                        const struct lx_strlist *argv, const struct lx_strlist *envp)
{
	struct lx_thread *t = lx_current_thread();
	struct lx_exec_next *x = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*x));

	if (!x)
		return -LX_ENOMEM;
	if (!lx_strvec_unpack(argv->p, argv->n, &x->argv) ||
	    !lx_strvec_unpack(envp->p, envp->n, &x->envp) ||
	    !(x->execfn = heap_strdup(path, strlen(path))) ||
	    !(x->elf_path = heap_strdup(xf->linux_path, strlen(xf->linux_path)))) {
		next_free(x);
		return -LX_ENOMEM;
	}
	x->own_image = own_image;
	/* The point of no return (begin_new_exec). */
	lx_proc_self->execed = 1;
	lx_proc_record_name(lx_proc_self, NULL, path);
	lx_cred_exec_file(xf->mode, xf->uid, xf->gid, &xf->caps);
	lx_vfs_close_on_exec();
	lx_signal_exec_reset();
	/* exec_mm_release: the robust futexes of the old image are released
	 * as at a thread's exit; the clear-child-tid address dies with it. */
	lx_futex_exit_robust(t);
	t->robust_list = 0;
	t->robust_list_len = 0;
	t->clear_child_tid = 0;
	t->restart.fn = NULL;
	t->exec_next = x;
	return 0;
}

/*
 * The packed program of this image as the loader left it: each writable
 * PT_LOAD gets its file bytes back from the ELF file in .lxnt and zeroes
 * for its bss, with the segment's protection (the old program may have
 * made part of it read-only: RELRO).  The other segments are the file's
 * already (file_is_image).  Then the image's site table is the one
 * registered, as at start-up.
 */
static void own_image_restore(void)
{
	const struct lxnt_pack_header *p = lx_image.pack;
	const uint8_t *elf = (const uint8_t *)p + p->elf_offset;
	const struct lx_elf64_ehdr *eh = (const struct lx_elf64_ehdr *)elf;
	const struct lx_elf64_phdr *ph = (const struct lx_elf64_phdr *)(elf + eh->e_phoff);

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != LX_PT_LOAD || !(ph[i].p_flags & LX_PF_W) || !ph[i].p_memsz)
			continue;
		uint8_t *at = (uint8_t *)(uintptr_t)(ph[i].p_vaddr + p->load_bias);
		uintptr_t lo = (uintptr_t)at & ~(uintptr_t)(LX_PAGE_SIZE - 1);
		size_t span = LX_PAGE_UP((uintptr_t)at + ph[i].p_memsz) - lo;
		DWORD old;
		if (!VirtualProtect((void *)lo, span, PAGE_READWRITE, &old))
			lx_fatal("lxnt: execve: cannot restore the program's data (error %lu)",
			         GetLastError());
		memcpy(at, elf + ph[i].p_offset, ph[i].p_filesz);
		memset(at + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
		VirtualProtect((void *)lo, span,
		               ph[i].p_flags & LX_PF_X ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE, &old);
	}
	lx_image_reload();
}

_Noreturn void lx_exec_here_finish(struct lx_thread *t)
{
	/* Static: lx_enter_guest_at copies it onto the top of this stack. */
	static struct lx_regs regs;
	struct lx_exec_next *x = t->exec_next;

	t->exec_next = NULL;
	t->exit_nr = -1;
	lx_set_thread_pointer(0);
	lx_mm_exec_reset();
	lx_brk_init();
	lx_stack_forget();
	lx_proc_note_image(x->elf_path, NULL);
	if (x->own_image)
		own_image_restore();
	else
		lx_elf_exec_load(x->elf_path);
	regs = (struct lx_regs){
		.rsp = lx_build_initial_stack(&x->argv, &x->envp, x->execfn),
		.rip = lx_image.start,
		.rflags = 0x202,
	};
	next_free(x);
	lx_fpu_init();
	t->in_runtime = 0;
	lx_enter_guest_at(&regs, t, t->host_stack_top);
}
