/*
 * A program that a rootfs holds as an ELF file, built static-pie and as a
 * dynamic PIE (meson.build): execve maps it (runtime/elfload.c) instead of
 * running a packed exe.  Each mode prints what the native run prints.
 *
 *   elfexec hello ARGS...  arguments, TLS, the auxiliary vector's view of
 *                          the program; exits 40 + argc
 *   elfexec fork           a child that uses TLS and exits 3, waited for
 *   elfexec exec N         execs /proc/self/exe N times
 *   elfexec maps           the program's and libc's lines of /proc/self/maps
 *   elfexec thread         two threads with their own TLS
 *   elfexec dlopen         libm by dlopen, a call into it, dlclose (dynamic)
 *   elfexec execve PATH    execve PATH; prints the error if it returns
 *   elfexec spawn          posix_spawn of /proc/self/exe (glibc's
 *                          clone(CLONE_VM|CLONE_VFORK)), waited for
 *   elfexec keeps          what execve keeps and what it resets: pid and
 *                          parent, a child of the old image, fds with and
 *                          without close-on-exec, ignored and caught
 *                          signals, the mask, a pending signal, the FP
 *                          control state, the old image's memory
 *   elfexec exec-threaded  execve while another thread runs: it is gone
 *   elfexec globals N      changes its data, bss and a relocated pointer,
 *                          then execs /proc/self/exe N times: each new
 *                          program starts with them as the file has them
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <link.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef ELFEXEC_DYNAMIC
#include <dlfcn.h>
#endif

static __thread int tls_value = 7;
int main(int argc, char **argv);
extern const ElfW(Ehdr) __ehdr_start;

/* What the kernel's auxv says against the program's own headers: the
 * headers at AT_PHDR describe the code, AT_ENTRY is e_entry plus the load
 * address, AT_BASE is set exactly when there is an interpreter. */
static int hello(int argc, char **argv)
{
	const ElfW(Ehdr) *eh = &__ehdr_start;
	unsigned long base = (unsigned long)eh;

	printf("argc %d, tls %d\n", argc, tls_value);
	for (int i = 2; i < argc; i++)
		printf("arg: [%s]\n", argv[i]);
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	int maps_main = 0;
	for (unsigned long i = 0; ph && i < getauxval(AT_PHNUM); i++)
		if (ph[i].p_type == PT_LOAD && base + ph[i].p_vaddr <= (unsigned long)&main &&
		    (unsigned long)&main < base + ph[i].p_vaddr + ph[i].p_memsz)
			maps_main = 1;
	printf("AT_PHDR has the PT_LOAD of main: %s\n", maps_main ? "yes" : "no");
	printf("AT_PHNUM is e_phnum: %s\n", getauxval(AT_PHNUM) == eh->e_phnum ? "yes" : "no");
	printf("AT_PHENT: %lu\n", getauxval(AT_PHENT));
	printf("AT_ENTRY is e_entry: %s\n", getauxval(AT_ENTRY) == base + eh->e_entry ? "yes" : "no");
	printf("AT_BASE set: %s\n", getauxval(AT_BASE) ? "yes" : "no");
	const char *fn = (const char *)getauxval(AT_EXECFN);
	printf("AT_EXECFN ends with: %s\n", fn && strrchr(fn, '/') ? strrchr(fn, '/') : fn);
	printf("page aligned load: %s\n", base % 4096 ? "no" : "yes");
	char *p = malloc(1 << 20);
	memset(p, 1, 1 << 20);
	free(p);
	fflush(stdout);
	return 40 + argc;
}

static int do_fork(void)
{
	int status;

	tls_value = 11;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		printf("child: tls %d, ppid is parent: %s\n", tls_value,
		       getppid() > 1 ? "yes" : "no");
		fflush(stdout);
		tls_value = 5;
		_exit(3);
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	printf("parent: tls %d, child exited %d\n", tls_value, WEXITSTATUS(status));
	return 0;
}

static int do_exec(const char *arg0, int n)
{
	char num[16];

	printf("exec %d, pid same: %s\n", n, getenv("ELFEXEC_PID") &&
	       atoi(getenv("ELFEXEC_PID")) == getpid() ? "yes" : "first");
	fflush(stdout);
	if (n == 0)
		return 0;
	snprintf(num, sizeof(num), "%d", getpid());
	setenv("ELFEXEC_PID", num, 1);
	snprintf(num, sizeof(num), "%d", n - 1);
	execl("/proc/self/exe", arg0, "exec", num, (char *)NULL);
	perror("execl");
	return 1;
}

/* The lines naming this program's file (and libc's), as "perms name". */
static int maps(void)
{
	char line[512], exe[256];
	FILE *f = fopen("/proc/self/maps", "r");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int code = 0, libc = 0;

	if (!f || n <= 0)
		return 1;
	exe[n] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char perms[8], path[256] = "";
		if (sscanf(line, "%*x-%*x %7s %*x %*s %*u %255s", perms, path) < 1)
			continue;
		if (!strcmp(path, exe) && !strcmp(perms, "r-xp"))
			code++;
		if (strstr(path, "/libc.so.6") && !strcmp(perms, "r-xp"))
			libc++;
	}
	fclose(f);
	printf("program code mapped from its file: %s\n", code ? "yes" : "no");
#ifdef ELFEXEC_DYNAMIC
	printf("libc code mapped from its file: %s\n", libc ? "yes" : "no");
#endif
	return 0;
}

static void *thread_main(void *arg)
{
	tls_value = (int)(long)arg;
	return (void *)(long)(tls_value * 2);
}

static int thread(void)
{
	pthread_t t[2];
	void *r[2];

	for (long i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thread_main, (void *)(i + 20)))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], &r[i]);
	printf("threads returned %ld %ld, main tls %d\n", (long)r[0], (long)r[1], tls_value);
	return 0;
}

extern char **environ;

static int spawn(void)
{
	char *args[] = { "spawned", "hello", "from-spawn", NULL };
	pid_t pid;
	int status, err;

	fflush(stdout);
	err = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ);
	if (err) {
		printf("posix_spawn: %s\n", strerror(err));
		return 1;
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	printf("spawned child exited %d\n", WEXITSTATUS(status));
	err = posix_spawn(&pid, "/nonexistent", NULL, NULL, args, environ);
	printf("posix_spawn of a missing file: %s\n", strerror(err));
	return 0;
}

static void on_usr2(int sig)
{
	(void)sig;
}

/* Inside the runtime's guest window (docs/architecture.md), fine natively. */
#define KEEPS_MAP ((void *)0x18000000000ULL)

/* The old image: a child, two fds, three signal states, a pending signal,
 * FP control words no new program starts with, a mapping at a fixed
 * address; then execve of itself as "keeps-after". */
static int keeps(const char *arg0)
{
	char pid[16], child[16];
	sigset_t set;
	unsigned short fcw = 0x27f;
	unsigned int mxcsr = 0x7f80;

	pid_t c = fork();
	if (c == 0) {
		usleep(100000);
		_exit(5);
	}
	if (c < 0 || dup2(1, 5) != 5 || fcntl(open("/dev/null", O_RDONLY), F_DUPFD_CLOEXEC, 6) != 6)
		return 1;
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, on_usr2);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGTERM);
	if (mmap(KEEPS_MAP, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
	         -1, 0) != KEEPS_MAP)
		return 1;
	__asm__ volatile("fldcw %0\n\tldmxcsr %1" : : "m"(fcw), "m"(mxcsr));
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(child, sizeof(child), "%d", c);
	fflush(stdout);
	execl("/proc/self/exe", arg0, "keeps-after", pid, child, (char *)NULL);
	perror("execl");
	return 1;
}

static const char *disposition(int sig)
{
	struct sigaction sa;

	sigaction(sig, NULL, &sa);
	return sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "caught";
}

static int keeps_after(pid_t old_pid, pid_t child)
{
	sigset_t mask, pending;
	unsigned short fcw;
	unsigned int mxcsr;
	int status;
	unsigned char vec;

	__asm__ volatile("fnstcw %0\n\tstmxcsr %1" : "=m"(fcw), "=m"(mxcsr));
	sigprocmask(SIG_SETMASK, NULL, &mask);
	sigpending(&pending);
	printf("pid kept: %s\n", getpid() == old_pid ? "yes" : "no");
	printf("fd 5 (no close-on-exec): %s\n", fcntl(5, F_GETFD) >= 0 ? "open" : "closed");
	printf("fd 6 (close-on-exec): %s\n", fcntl(6, F_GETFD) >= 0 ? "open" : "closed");
	printf("SIGUSR1 %s, SIGUSR2 %s\n", disposition(SIGUSR1), disposition(SIGUSR2));
	printf("SIGTERM blocked: %s, pending: %s\n", sigismember(&mask, SIGTERM) ? "yes" : "no",
	       sigismember(&pending, SIGTERM) ? "yes" : "no");
	printf("x87 control word %#x, mxcsr %#x\n", fcw, mxcsr);
	printf("old mapping gone: %s\n",
	       mincore(KEEPS_MAP, 4096, &vec) < 0 && errno == ENOMEM ? "yes" : "no");
	printf("child of the old image reaped: %s", waitpid(child, &status, 0) == child ? "yes" : "no");
	printf(", status %d\n", WEXITSTATUS(status));
	return 0;
}

static int data_value = 17;
static int bss_value;
static const char *data_pointer = "as linked";

static int globals(const char *arg0, int n)
{
	char num[16];

	printf("globals %d: data %d, bss %d, pointer %s\n", n, data_value, bss_value, data_pointer);
	fflush(stdout);
	if (n == 0)
		return 0;
	data_value = 99;
	bss_value = 42;
	data_pointer = "changed";
	snprintf(num, sizeof(num), "%d", n - 1);
	execl("/proc/self/exe", arg0, "globals", num, (char *)NULL);
	perror("execl");
	return 1;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* execve with a second thread running: the new program is alone. */
static int exec_threaded(const char *arg0)
{
	pthread_t t;

	if (pthread_create(&t, NULL, sleeper, NULL))
		return 1;
	usleep(20000);
	fflush(stdout);
	execl("/proc/self/exe", arg0, "thread", (char *)NULL);
	perror("execl");
	return 1;
}

#ifdef ELFEXEC_DYNAMIC
static int do_dlopen(void)
{
	void *h = dlopen("libm.so.6", RTLD_NOW);
	if (!h) {
		printf("dlopen: %s\n", dlerror());
		return 1;
	}
	double (*cosine)(double) = (double (*)(double))dlsym(h, "cos");
	double (*power)(double, double) = (double (*)(double, double))dlsym(h, "pow");
	printf("cos(0) = %g, pow(2, 10) = %g\n", cosine(0.0), power(2.0, 10.0));
	printf("dlclose: %d\n", dlclose(h));
	return 0;
}
#endif

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "hello"))
		return hello(argc, argv);
	if (!strcmp(mode, "fork"))
		return do_fork();
	if (!strcmp(mode, "exec") && argc > 2)
		return do_exec(argv[0], atoi(argv[2]));
	if (!strcmp(mode, "maps"))
		return maps();
	if (!strcmp(mode, "thread"))
		return thread();
	if (!strcmp(mode, "spawn"))
		return spawn();
	if (!strcmp(mode, "keeps"))
		return keeps(argv[0]);
	if (!strcmp(mode, "keeps-after") && argc > 3)
		return keeps_after(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(mode, "exec-threaded"))
		return exec_threaded(argv[0]);
	if (!strcmp(mode, "globals") && argc > 2)
		return globals(argv[0], atoi(argv[2]));
#ifdef ELFEXEC_DYNAMIC
	if (!strcmp(mode, "dlopen"))
		return do_dlopen();
#endif
	if (!strcmp(mode, "execve") && argc > 2) {
		execv(argv[2], argv + 2);
		printf("execve %s: %s\n", argv[2], strerror(errno));
		return 0;
	}
	fprintf(stderr, "usage: elfexec hello|fork|exec N|maps|thread|dlopen|execve PATH|spawn|keeps|"
	                "exec-threaded|globals N\n");
	return 2;
}
