/*
 * Process start-up: claims the TEB slots, installs the exception handler,
 * finds the packed ELF, builds the Linux stack and enters the program at
 * its entry point with the registers the x86-64 psABI prescribes (rsp at
 * argc, rdx = 0 for "no finalizer from the dynamic linker", all else 0).
 * The runtime without a packed program is lxnt.exe, which starts a
 * program of a converted root named on its command line (start_cli.c).
 */
#include <windows.h>

#include "daemon.h"
#include "handoff.h"
#include "identity.h"
#include "image.h"
#include "mman.h"
#include "proc.h"
#include "proc_info.h"
#include "random.h"
#include "start.h"
#include "stats.h"
#include "thread.h"
#include "trace.h"

int main(void)
{
	lx_stats_started();
	lx_errno_check_tables();
	if (lx_exec_spare_wait[0])
		lx_exec_spare_await(); /* an exec spare (runtime/exec_spare.c) */
	if (lx_handoff_wait[0]) {
		/* A fork spare (runtime/fork_spare.c), which sets up its mounts
		 * while it waits to be claimed. */
		lx_vfs_init_mounts();
		lx_handoff_await();
	}
	if (lx_handoff_block)
		lx_random_handoff_in(lx_handoff_block);
	if (lx_handoff_block && lx_handoff_block->kind == LX_HANDOFF_DAEMON)
		lx_daemon_main(); /* runs no guest code */
	lx_claim_teb_slots();
	struct lx_thread *self = lx_thread_attach((long)GetCurrentProcessId());
	lx_trace_init();
	lx_fault_init();
	lx_identity_init();
	lx_mm_init();
	struct lx_cli *cli = NULL;
	/* Before the vfs and the instance: the command line names the root. */
	if (!lx_image_load() && !lx_handoff_block)
		cli = lx_cli_parse();
	lx_brk_init();
	lx_vfs_init();
	if (lx_handoff_block)
		lx_child_start(self); /* a process of the instance: fork or execve */
	lx_proc_init();
	if (cli)
		lx_cli_start(cli, self);

	struct lx_strvec argv, envp;
	lx_build_argv(&argv);
	lx_build_envp(&envp);
	wchar_t module[MAX_PATH];
	DWORD n = GetModuleFileNameW(NULL, module, MAX_PATH);
	char *execfn = n && n < MAX_PATH ? lx_linux_path_of_windows(module) : argv.v[0];
	/* argv[0] is the program's name without ".exe" (start_args.c), the
	 * name Linux would give it. */
	lx_proc_note_module(argv.n ? argv.v[0] : "");

	struct lx_regs regs = {
		.rsp = lx_build_initial_stack(&argv, &envp, execfn),
		.rip = lx_image.entry,
		.rflags = 0x202,
	};
	lx_fpu_init();
	lx_enter_guest(&regs, self);
}
