/*
 * An e2e guest for signals inside one process: argv[1] names one scenario,
 * each printing what it saw in a form that does not depend on timing or
 * addresses, so that the native and the converted runs print the same.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static sigjmp_buf jump;
static int pipefd[2];

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0) {
		perror("sigaction");
		exit(2);
	}
}

static void arm_timer_ms(long first, long every)
{
	struct itimerval it = {
		.it_value = { first / 1000, (first % 1000) * 1000 },
		.it_interval = { every / 1000, (every % 1000) * 1000 },
	};
	setitimer(ITIMER_REAL, &it, NULL);
}

/* --- siginfo: who sent it, and how --- */

static void show_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	printf("sig %d signo %d code %d pid-is-self %d value %d\n", sig, si->si_signo, si->si_code,
	       si->si_pid == getpid(), si->si_code == SI_QUEUE ? si->si_value.sival_int : -1);
	hits++;
}

static int t_siginfo(void)
{
	install(SIGUSR1, show_info, 0);
	kill(getpid(), SIGUSR1);
	raise(SIGUSR1);
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 77 });
	printf("hits %d\n", (int)hits);
	return 0;
}

/* --- SA_RESTART vs EINTR on a blocking pipe read --- */

static void feed_pipe(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	hits++;
	if (write(pipefd[1], "x", 1) != 1)
		_exit(3);
}

static int t_restart(int restart)
{
	char c = 0;

	if (pipe(pipefd) < 0)
		return 2;
	install(SIGALRM, feed_pipe, restart ? SA_RESTART : 0);
	arm_timer_ms(100, 0);
	ssize_t n = read(pipefd[0], &c, 1);
	printf("read %zd errno %s byte %c hits %d\n", n, n < 0 ? strerrorname_np(errno) : "-",
	       n == 1 ? c : '-', (int)hits);
	return 0;
}

/* --- pause and sigsuspend end with EINTR --- */

static void count(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	hits++;
}

static int t_pause(void)
{
	sigset_t block, old, none;

	install(SIGALRM, count, SA_RESTART);
	arm_timer_ms(50, 0);
	int r = pause();
	printf("pause %d %s hits %d\n", r, strerrorname_np(errno), (int)hits);
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	arm_timer_ms(50, 0);
	sigemptyset(&none);
	r = sigsuspend(&none);
	sigprocmask(SIG_SETMASK, NULL, &old);
	printf("sigsuspend %d %s hits %d alrm-blocked-again %d\n", r, strerrorname_np(errno),
	       (int)hits, sigismember(&old, SIGALRM));
	return 0;
}

/* --- SA_NODEFER and SA_RESETHAND --- */

static void nested(int sig, siginfo_t *si, void *uc)
{
	(void)si; (void)uc;
	int me = ++hits;
	printf("enter %d\n", me);
	if (me == 1)
		raise(sig);
	printf("leave %d\n", me);
}

static int t_nodefer(void)
{
	struct sigaction sa;

	install(SIGUSR1, nested, 0);
	raise(SIGUSR1);
	printf("--\n");
	hits = 0;
	install(SIGUSR1, nested, SA_NODEFER);
	raise(SIGUSR1);
	printf("--\n");
	hits = 0;
	install(SIGUSR2, count, SA_RESETHAND);
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &sa);
	printf("resethand hits %d now-default %d\n", (int)hits, sa.sa_handler == SIG_DFL);
	fflush(stdout);
	raise(SIGUSR2); /* default action: terminate */
	printf("not reached\n");
	return 0;
}

/* --- sigaltstack and SA_ONSTACK --- */

static char *alt_base;
static size_t alt_size;

static void on_alt(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	stack_t cur;
	char local;

	(void)sig; (void)si;
	sigaltstack(NULL, &cur);
	printf("handler on altstack %d ss_onstack %d uc_stack-is-alt %d\n",
	       &local >= alt_base && &local < alt_base + alt_size,
	       (cur.ss_flags & SS_ONSTACK) != 0, uc->uc_stack.ss_sp == alt_base);
	int r = sigaltstack(&cur, NULL);
	printf("change while on it: %d %s\n", r, r < 0 ? strerrorname_np(errno) : "-");
	hits++;
}

static int t_altstack(void)
{
	stack_t ss = { .ss_size = 64 * 1024 }, cur;

	alt_size = ss.ss_size;
	alt_base = ss.ss_sp = malloc(ss.ss_size);
	if (sigaltstack(&ss, NULL) < 0)
		return 2;
	install(SIGUSR1, on_alt, SA_ONSTACK);
	raise(SIGUSR1);
	sigaltstack(NULL, &cur);
	printf("after: ss_onstack %d size-kept %d\n", (cur.ss_flags & SS_ONSTACK) != 0,
	       cur.ss_size == alt_size);
	/* A fork child keeps the calling thread's signal stack (copy_process)
	 * and uses it. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		sigaltstack(NULL, &cur);
		printf("fork child: altstack %s\n",
		       (cur.ss_flags & SS_DISABLE) ? "none" : cur.ss_sp == alt_base ? "the parent's" : "other");
		raise(SIGUSR1);
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	ss.ss_size = 100;
	int r = sigaltstack(&ss, NULL);
	printf("too small: %d %s\n", r, strerrorname_np(errno));
	return 0;
}

/* --- SIGSEGV and SIGFPE handlers that siglongjmp out --- */

static void *fault_addr;
static int fault_code;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(jump, sig);
}

static int t_segv(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sigset_t cur;

	install(SIGSEGV, on_fault, 0);
	int sig = sigsetjmp(jump, 1);
	if (!sig) {
		*(volatile int *)NULL = 1;
		printf("not reached\n");
	}
	printf("null write: sig %d addr-is-null %d code %s\n", sig, fault_addr == NULL,
	       fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other");
	sig = sigsetjmp(jump, 1);
	if (!sig) {
		*(volatile char *)(ro + 8) = 1;
		printf("not reached\n");
	}
	printf("read-only write: sig %d addr-ok %d code %s\n", sig, fault_addr == ro + 8,
	       fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other");
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("segv blocked after longjmp %d\n", sigismember(&cur, SIGSEGV));
	return 0;
}

static int t_fpe(void)
{
	volatile int zero = 0, num = 7;

	install(SIGFPE, on_fault, 0);
	int sig = sigsetjmp(jump, 1);
	if (!sig)
		printf("%d\n", num / zero);
	printf("divide by zero: sig %d code %s\n", sig,
	       fault_code == FPE_INTDIV ? "FPE_INTDIV" : "other");
	return 0;
}

static int t_trap(void)
{
	install(SIGTRAP, on_fault, 0);
	int sig = sigsetjmp(jump, 1);
	if (!sig)
		__asm__ volatile("int3");
	printf("int3: sig %d code %d\n", sig, fault_code);
	install(SIGILL, on_fault, 0);
	sig = sigsetjmp(jump, 1);
	if (!sig)
		__asm__ volatile("ud2");
	printf("ud2: sig %d code %s\n", sig, fault_code == ILL_ILLOPN ? "ILL_ILLOPN" : "other");
	install(SIGSEGV, on_fault, 0);
	sig = sigsetjmp(jump, 1);
	if (!sig)
		__asm__ volatile("hlt");
	printf("hlt: sig %d code %d\n", sig, fault_code);
	return 0;
}

/* Stack overflow reaches a SIGSEGV handler on the alternate stack. */
static char *stack_mark;

static volatile int forever = 1;

static int recurse(int n)
{
	volatile char pad[256];

	pad[0] = (char)n;
	return forever ? recurse(n + 1) + pad[0] : 0;
}

static int t_overflow(void)
{
	stack_t ss = { .ss_size = 64 * 1024 };
	char here;

	stack_mark = &here;
	ss.ss_sp = malloc(ss.ss_size);
	sigaltstack(&ss, NULL);
	install(SIGSEGV, on_fault, SA_ONSTACK);
	for (int round = 0; round < 2; round++) {
		int sig = sigsetjmp(jump, 1);
		if (!sig)
			recurse(0);
		printf("overflow %d: sig %d code %s addr-below-stack %d\n", round, sig,
		       fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
		       (char *)fault_addr < stack_mark);
	}
	return 0;
}

/* Without an alternate stack the frame cannot be built: the process dies. */
static int t_overflow_noalt(void)
{
	install(SIGSEGV, on_fault, 0);
	printf("recursing\n");
	recurse(0);
	return 0;
}

/* A blocked synchronous signal still kills (force_sig). */
static int t_segv_blocked(void)
{
	sigset_t s;

	install(SIGSEGV, on_fault, 0);
	sigemptyset(&s);
	sigaddset(&s, SIGSEGV);
	sigprocmask(SIG_BLOCK, &s, NULL);
	printf("writing\n");
	fflush(stdout);
	*(volatile int *)NULL = 1;
	printf("not reached\n");
	return 0;
}

/* --- sigpending, sigtimedwait, queueing order --- */

static int t_wait(void)
{
	sigset_t set, pend;
	siginfo_t si;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR2);
	raise(SIGUSR2);
	sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 1 });
	sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 2 });
	sigpending(&pend);
	printf("pending usr2 %d rtmin %d usr1 %d\n", sigismember(&pend, SIGUSR2),
	       sigismember(&pend, SIGRTMIN), sigismember(&pend, SIGUSR1));
	for (int i = 0; i < 4; i++) {
		int r = sigtimedwait(&set, &si, &ts);
		if (r < 0)
			printf("sigtimedwait %d %s\n", r, strerrorname_np(errno));
		else
			printf("sigtimedwait %s code %d value %d\n", r == SIGUSR2 ? "SIGUSR2" : "SIGRTMIN",
			       si.si_code, si.si_code == SI_QUEUE ? si.si_value.sival_int : -1);
	}
	arm_timer_ms(50, 0);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int r = sigwaitinfo(&set, &si);
	printf("sigwaitinfo %s code %d\n", r == SIGALRM ? "SIGALRM" : "other", si.si_code);
	return 0;
}

static void log_order(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	printf("got %s value %d\n", sig == SIGUSR1 ? "SIGUSR1" : sig == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+1",
	       si->si_code == SI_QUEUE ? si->si_value.sival_int : -1);
}

static int t_queue(void)
{
	sigset_t set;

	install(SIGUSR1, log_order, 0);
	install(SIGRTMIN, log_order, 0);
	install(SIGRTMIN + 1, log_order, 0);
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (int i = 1; i <= 3; i++) {
		sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = 10 + i });
		sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = i });
		sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 20 + i });
	}
	printf("unblocking\n");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("done\n");
	return 0;
}

/* --- a signal interrupts guest code that makes no syscall --- */

static volatile int stop_loop;

static void stop_it(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	stop_loop = 1;
}

static int t_busy(void)
{
	unsigned long spins = 0;

	install(SIGALRM, stop_it, 0);
	arm_timer_ms(100, 0);
	while (!stop_loop)
		spins++;
	printf("busy loop interrupted %d\n", spins > 0);
	return 0;
}

/* Registers and SSE state survive many interruptions of a computation. */
static void clobber(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	volatile double d = 1.5;
	for (int i = 0; i < 50; i++)
		d = d * 1.000001 + 0.5;
	hits++;
}

static int t_preserve(void)
{
	double acc = 0;
	uint64_t h = 1469598103934665603ULL;

	install(SIGALRM, clobber, SA_RESTART);
	arm_timer_ms(1, 1);
	for (long i = 0; i < 60000000L; i++) {
		h = (h ^ (uint64_t)i) * 1099511628211ULL;
		acc += (double)(i & 7) * 0.25;
	}
	arm_timer_ms(0, 0);
	printf("hash %016llx acc %.2f interrupted %d\n", (unsigned long long)h, acc, hits > 0);
	return 0;
}

/* --- a thread in a busy loop gets a signal from another thread --- */

static void *spin(void *arg)
{
	(void)arg;
	while (!stop_loop)
		;
	return NULL;
}

static int t_thread_busy(void)
{
	pthread_t th;

	install(SIGUSR1, stop_it, 0);
	if (pthread_create(&th, NULL, spin, NULL))
		return 2;
	usleep(50000);
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	printf("thread stopped %d\n", stop_loop);
	return 0;
}

/* --- exit statuses --- */

static int t_raise(const char *what)
{
	printf("raising %s\n", what);
	fflush(stdout);
	if (!strcmp(what, "term"))
		raise(SIGTERM);
	else if (!strcmp(what, "kill"))
		kill(getpid(), SIGKILL);
	else if (!strcmp(what, "quit"))
		raise(SIGQUIT);
	else if (!strcmp(what, "rt"))
		raise(SIGRTMIN + 2);
	else if (!strcmp(what, "alarm-pause")) {
		arm_timer_ms(50, 0);
		pause();
	} else if (!strcmp(what, "alarm-busy")) {
		arm_timer_ms(50, 0);
		for (;;)
			stop_loop++;
	}
	else if (!strcmp(what, "ignored")) {
		signal(SIGTERM, SIG_IGN);
		raise(SIGTERM);
		signal(SIGCHLD, SIG_DFL);
		raise(SIGCHLD);
		printf("still here\n");
		return 5;
	}
	printf("not reached\n");
	return 0;
}

/* --- exit while other threads send signals --- */

static pid_t main_tid;

static void count_hit(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	hits++;
}

static void *tgkill_main(void *arg)
{
	(void)arg;
	for (;;)
		syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
	return NULL;
}

/* A child whose second thread signals its main thread without a pause
 * while the main thread calls exit_group: the exit must not wait for
 * the signalling to stop (runtime/sigkick.c, lx_signal_kicks_close). */
static int t_exit_signalled(void)
{
	int rounds = 20, ok = 0;

	for (int i = 0; i < rounds; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			pthread_t th;
			main_tid = (pid_t)syscall(SYS_gettid);
			install(SIGUSR1, count_hit, SA_RESTART);
			if (pthread_create(&th, NULL, tgkill_main, NULL))
				_exit(2);
			while (hits < 1 + i % 5)
				;
			_exit(i % 7);
		}
		int st;
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == i % 7)
			ok++;
	}
	printf("%d of %d children exited with their status\n", ok, rounds);
	return 0;
}

/* One SIGCHLD per child that ends, whether the parent's wait or the
 * kernel's notice of the end comes first (do_notify_parent). */
static int t_sigchld_once(void)
{
	int children = 30;
	struct timespec step = { 0, 10 * 1000 * 1000 };

	install(SIGCHLD, count_hit, SA_RESTART);
	for (int i = 0; i < children; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	/* Late signals are counted too: up to 2 s for the last one, then
	 * 300 ms for any that should not come. */
	for (int t = 0; t < 200 && hits < children; t++)
		nanosleep(&step, NULL);
	for (int t = 0; t < 30; t++)
		nanosleep(&step, NULL);
	printf("%d SIGCHLD for %d children\n", (int)hits, children);
	return 0;
}

int main(int argc, char **argv)
{
	const char *t = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(t, "siginfo")) return t_siginfo();
	if (!strcmp(t, "restart")) return t_restart(1);
	if (!strcmp(t, "eintr")) return t_restart(0);
	if (!strcmp(t, "pause")) return t_pause();
	if (!strcmp(t, "nodefer")) return t_nodefer();
	if (!strcmp(t, "altstack")) return t_altstack();
	if (!strcmp(t, "segv")) return t_segv();
	if (!strcmp(t, "segv-blocked")) return t_segv_blocked();
	if (!strcmp(t, "overflow")) return t_overflow();
	if (!strcmp(t, "overflow-noalt")) return t_overflow_noalt();
	if (!strcmp(t, "fpe")) return t_fpe();
	if (!strcmp(t, "trap")) return t_trap();
	if (!strcmp(t, "wait")) return t_wait();
	if (!strcmp(t, "queue")) return t_queue();
	if (!strcmp(t, "busy")) return t_busy();
	if (!strcmp(t, "preserve")) return t_preserve();
	if (!strcmp(t, "thread-busy")) return t_thread_busy();
	if (!strcmp(t, "raise") && argc > 2) return t_raise(argv[2]);
	if (!strcmp(t, "exit-signalled")) return t_exit_signalled();
	if (!strcmp(t, "sigchld-once")) return t_sigchld_once();
	fprintf(stderr, "usage: signals SCENARIO\n");
	return 2;
}
