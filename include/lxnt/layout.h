/*
 * Address-space and thread-state layout shared by the rewriter, the pack
 * tool, the runtime and the syscall guard.  Everything here is a contract:
 * changing a value invalidates every rewritten file and packed executable.
 */
#ifndef LXNT_LAYOUT_H
#define LXNT_LAYOUT_H

/*
 * Guest memory windows (docs/architecture.md, "Address space").
 *
 * The syscall guard of the test harness kills any host system call whose
 * instruction pointer lies in one of these windows, so every byte of guest
 * code must live inside them.
 *
 * IMAGE: fixed-address ELF images (ET_EXEC, and static-pie placed there by
 *        `lxnt pack`), mapped by the Windows loader as sections of the
 *        packed PE image at their own link addresses.
 * GUEST: everything the runtime maps for the guest: stacks, brk, mmap,
 *        PIE objects, ld.so and shared libraries.
 */
#define LXNT_IMAGE_WINDOW_LO 0x0000000000400000ULL
#define LXNT_IMAGE_WINDOW_HI 0x0000000040000000ULL
#define LXNT_GUEST_WINDOW_LO 0x0000010000000000ULL /* 1 TiB */
#define LXNT_GUEST_WINDOW_HI 0x0000020000000000ULL /* 2 TiB */

/*
 * The runtime PE is linked at this image base, so that it sits below the
 * image window and the packed ELF sections can follow it in the same image.
 */
#define LXNT_RUNTIME_IMAGE_BASE 0x10000ULL

/*
 * Per-thread state kept in fixed TEB TLS slots (TEB.TlsSlots, documented at
 * offset 0x1480 of the x64 TEB, 64 pointer-sized slots; TlsAlloc/TlsSetValue
 * own them).  The runtime claims these indexes at start-up with TlsAlloc and
 * refuses to run if it cannot.  Guest code reaches them as %gs:offset.
 */
#define LXNT_TEB_TLS_SLOTS 0x1480
#define LXNT_TEB_SLOT_OFFSET(index) (LXNT_TEB_TLS_SLOTS + 8 * (index))

enum lxnt_teb_slot {
	LXNT_SLOT_RESUME_RIP = 56,  /* scratch: where the runtime resumes guest code */
	LXNT_SLOT_THREAD = 58,      /* struct lx_thread * of the current thread */
	LXNT_SLOT_TP = 60,          /* guest thread pointer (Linux FS base) */
	LXNT_SLOT_STACK_GUARD = 61, /* copy of *(uint64_t *)(tp + 0x28) */
	LXNT_SLOT_POINTER_GUARD = 62, /* copy of *(uint64_t *)(tp + 0x30) */
	LXNT_SLOT_SYSCALL_ENTRY = 63, /* address of the runtime's syscall entry */
};

#define LXNT_SLOT_FIRST 56
#define LXNT_SLOT_LAST 63

/*
 * Offsets of glibc's tcbhead_t that are read through %fs often enough to be
 * served by a same-length %gs load (sysdeps/x86_64/nptl/tls.h).
 */
#define LXNT_TCB_SELF 0x00         /* tcb, the thread pointer itself */
#define LXNT_TCB_SELF2 0x10        /* self, equal to the thread pointer */
#define LXNT_TCB_STACK_GUARD 0x28
#define LXNT_TCB_POINTER_GUARD 0x30

/* Bytes below %rsp that a trampoline must leave alone (the SysV red zone). */
#define LXNT_RED_ZONE 128

#endif
