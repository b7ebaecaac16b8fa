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
 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
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
#ifdef ELFEXEC_DYNAMIC
	if (!strcmp(mode, "dlopen"))
		return do_dlopen();
#endif
	if (!strcmp(mode, "execve") && argc > 2) {
		execv(argv[2], argv + 2);
		printf("execve %s: %s\n", argv[2], strerror(errno));
		return 0;
	}
	fprintf(stderr, "usage: elfexec hello|fork|exec N|maps|thread|dlopen|execve PATH|spawn\n");
	return 2;
}
