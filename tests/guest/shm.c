/*
 * An e2e guest for memory and futexes shared between processes: argv[1]
 * names one scenario.  Each prints only what Linux makes certain (counts,
 * values, errors), so that the native and the converted runs compare.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void *shared_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

/* A counter in MAP_SHARED|MAP_ANONYMOUS memory (and in a shared mapping
 * of /dev/zero), written by a child and read by its parent. */
static int anon_counter(void)
{
	volatile int *a = shared_anon(4096);
	int fd = open("/dev/zero", O_RDWR);
	if (fd < 0)
		die("open /dev/zero");
	volatile int *z = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (z == MAP_FAILED)
		die("mmap /dev/zero");
	close(fd);
	a[0] = 1;
	z[1024] = 5;
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		a[0] += 41;
		z[1024] += 10;
		z[0] = 7;
		_exit(0);
	}
	int st = reap(pid);
	printf("child %d anon %d zero %d %d\n", st, a[0], z[0], z[1024]);
	/* A grandchild of the child's child sees the same memory. */
	pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			a[1] = 99;
			_exit(0);
		}
		_exit(reap(g));
	}
	st = reap(pid);
	printf("grandchild %d wrote %d\n", st, a[1]);
	return 0;
}

/* MAP_PRIVATE memory stays private after fork, either way. */
static int private_after_fork(void)
{
	int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	p[0] = 1;
	int *s = shared_anon(4096);
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = 2;
		s[0] = p[0];
		_exit(0);
	}
	reap(pid);
	p[1] = 3;
	pid = fork();
	if (pid == 0) {
		s[1] = p[1];
		_exit(0);
	}
	reap(pid);
	printf("parent %d child saw %d then %d\n", p[0], s[0], s[1]);
	return 0;
}

/* Parts of a shared mapping: unmapping, protecting and remapping some
 * pages leaves the rest shared. */
static int partial(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = shared_anon(4 * pg);

	if (munmap(m, pg) < 0)
		die("munmap");
	if (mprotect(m + 3 * pg, pg, PROT_READ) < 0)
		die("mprotect");
	strcpy(m + pg, "one");
	pid_t pid = fork();
	if (pid == 0) {
		strcpy(m + 2 * pg, "two");
		m[pg] = 'O';
		_exit(0);
	}
	reap(pid);
	printf("%s %s ro=%d\n", m + pg, m + 2 * pg, m[3 * pg]);
	if (munmap(m + pg, pg) < 0)
		die("munmap 2");
	pid = fork();
	if (pid == 0) {
		strcpy(m + 2 * pg, "TWO");
		_exit(0);
	}
	reap(pid);
	printf("after second munmap: %s\n", m + 2 * pg);
	char *r = mremap(m + 2 * pg, pg, pg / 2, 0);
	printf("mremap shrink %s\n", r == m + 2 * pg ? "in place" : "moved");
	if (munmap(m, 4 * pg) < 0)
		die("munmap all");
	return 0;
}

/* Two processes increment one counter under a process-shared mutex. */
#define ROUNDS 100000
static int mutex(void)
{
	struct area {
		pthread_mutex_t mu;
		long counter;
		int ready;
	} *a = shared_anon(sizeof(*a));
	pthread_mutexattr_t at;

	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&a->mu, &at);
	pid_t pid = fork();
	/* both start together, so that they contend */
	__atomic_add_fetch(&a->ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&a->ready, __ATOMIC_SEQ_CST) < 2)
		sched_yield();
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&a->mu);
		a->counter++;
		if (i % 64 == 0)
			sched_yield(); /* now and then, the other one waits */
		pthread_mutex_unlock(&a->mu);
	}
	if (pid == 0)
		_exit(0);
	int st = reap(pid);
	printf("child %d counter %ld\n", st, a->counter);
	return 0;
}

/* A process-shared condition variable and barrier between parent and
 * child: a ping-pong of turns, then a barrier each round. */
static int cond_barrier(void)
{
	struct area {
		pthread_mutex_t mu;
		pthread_cond_t cv;
		pthread_barrier_t bar;
		int turn, pings, after_barrier;
	} *a = shared_anon(sizeof(*a));
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_barrierattr_t ba;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&a->mu, &ma);
	pthread_cond_init(&a->cv, &ca);
	pthread_barrier_init(&a->bar, &ba, 2);
	pid_t pid = fork();
	int me = pid == 0;
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&a->mu);
		while (a->turn != me)
			pthread_cond_wait(&a->cv, &a->mu);
		a->pings++;
		a->turn = !me;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
	}
	for (int i = 0; i < 50; i++) {
		if (me)
			__atomic_add_fetch(&a->after_barrier, 1, __ATOMIC_SEQ_CST);
		pthread_barrier_wait(&a->bar);
		if (!me && a->after_barrier != i + 1) {
			printf("barrier let the parent through early at %d\n", i);
			exit(1);
		}
		pthread_barrier_wait(&a->bar);
	}
	if (pid == 0)
		_exit(0);
	int st = reap(pid);
	printf("child %d pings %d barriers %d\n", st, a->pings, a->after_barrier);
	return 0;
}

/* An unnamed semaphore in shared memory (sem_init with pshared). */
static int sem_pshared(void)
{
	struct area {
		sem_t items, done;
		int value[100];
	} *a = shared_anon(sizeof(*a));

	if (sem_init(&a->items, 1, 0) < 0 || sem_init(&a->done, 1, 0) < 0)
		die("sem_init");
	pid_t pid = fork();
	if (pid == 0) {
		long sum = 0;
		for (int i = 0; i < 100; i++) {
			sem_wait(&a->items);
			sum += a->value[i];
		}
		a->value[0] = (int)sum;
		sem_post(&a->done);
		_exit(0);
	}
	for (int i = 0; i < 100; i++) {
		a->value[i] = i;
		sem_post(&a->items);
	}
	sem_wait(&a->done);
	int st = reap(pid);
	printf("child %d sum %d\n", st, a->value[0]);
	return 0;
}

/* sem_open, sem_post and sem_wait between two processes. */
static int sem_named(void)
{
	char name[64];

	snprintf(name, sizeof(name), "/lxnt-shm-test-%d", (int)getpid());
	sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	if (s == SEM_FAILED)
		die("sem_open");
	pid_t pid = fork();
	if (pid == 0) {
		sem_t *c = sem_open(name, 0);
		if (c == SEM_FAILED)
			_exit(3);
		for (int i = 0; i < 10; i++)
			sem_post(c);
		_exit(0);
	}
	for (int i = 0; i < 10; i++)
		sem_wait(s);
	printf("child %d took 10\n", reap(pid));
	sem_close(s);
	sem_unlink(name);
	return 0;
}

/* A writable MAP_SHARED mapping of a regular file: written by a child,
 * seen by the parent through the mapping and through read(2), with a
 * process-shared mutex in it; a second mapping of the same file at an
 * offset aliases the first. */
static int file_shared(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t size = 3 * pg + 100;
	int fd = open("shared.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		die("shared.bin");
	char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *m2 = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pg);
	if (m == MAP_FAILED || m2 == MAP_FAILED)
		die("mmap shared.bin");
	struct area {
		pthread_mutex_t mu;
		long counter;
	} *a = (struct area *)(m + pg);
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&a->mu, &at);
	pid_t pid = fork();
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&a->mu);
		a->counter++;
		if (i % 64 == 0)
			sched_yield();
		pthread_mutex_unlock(&a->mu);
	}
	if (pid == 0) {
		strcpy(m, "from the child");
		strcpy(m + 3 * pg, "tail");
		_exit(0);
	}
	int st = reap(pid);
	char buf[32] = { 0 };
	if (pread(fd, buf, 14, 0) != 14)
		die("pread");
	printf("child %d: map '%s' file '%s' tail '%s' counter %ld alias %ld\n", st, m, buf,
	       m + 3 * pg, a->counter, ((struct area *)m2)->counter);
	int s1 = msync(m, size, MS_SYNC), s2 = msync(m, pg, MS_ASYNC | MS_INVALIDATE);
	int s3 = msync(m + 1, pg, MS_SYNC), e3 = errno;
	int s4 = msync(m, pg, MS_SYNC | MS_ASYNC), e4 = errno;
	printf("msync: %d %d %d %s %d %s\n", s1, s2, s3, strerror(e3), s4, strerror(e4));
	if (pwrite(fd, "written", 8, 2 * pg) != 8)
		die("pwrite");
	printf("after pwrite: '%s'\n", m + 2 * pg);
	munmap(m2, pg);
	munmap(m, size);
	int s5 = msync(m, pg, MS_SYNC);
	printf("msync unmapped: %d %s\n", s5, strerror(errno));
	close(fd);
	fd = open("shared.bin", O_RDONLY);
	void *ro = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("read-only fd, PROT_WRITE: %s\n", ro == MAP_FAILED ? strerror(errno) : "mapped");
	close(fd);
	unlink("shared.bin");
	return 0;
}

/* A child that writes shared memory and then runs another program: the
 * parent's mapping outlives the child's. */
static int noop(void)
{
	return 0;
}

static int exec_after_write(void)
{
	int *a = shared_anon(4096);
	pid_t pid = fork();
	if (pid == 0) {
		a[0] = 7;
		execl("/proc/self/exe", "shm", "noop", (char *)NULL);
		_exit(9);
	}
	int st = reap(pid);
	a[1] = 8;
	printf("child %d wrote %d, parent %d\n", st, a[0], a[1]);
	return 0;
}

/* argv[2] rounds of a shared mapping, a timed shared futex wait and a
 * wake in it, and its unmapping: what a round leaves behind shows in
 * the handle count of the converted process (LXNT_HANDLES). */
static int rounds(int n)
{
	struct timespec ts = { 0, 1000 };

	for (int i = 0; i < n; i++) {
		uint32_t *w = shared_anon(65536);
		futex(w, FUTEX_WAIT, 0, &ts);
		futex(w, FUTEX_WAKE, 1, NULL);
		if (munmap(w, 65536) < 0)
			die("munmap");
	}
	printf("%d rounds\n", n);
	return 0;
}

/* A waiter killed in a shared futex wait must not take a later wake-up
 * from a living waiter; a signal interrupts a shared wait. */
static void on_usr1(int sig)
{
	(void)sig;
}

static int futex_kill(void)
{
	uint32_t *w = shared_anon(4096);
	/* This process is in the wake-up machinery before the dead one. */
	futex(w, FUTEX_WAKE, 1, NULL);
	pid_t dead = fork();
	if (dead == 0) {
		w[1] = 1;
		futex(w, FUTEX_WAIT, 0, NULL);
		_exit(5);
	}
	while (!__atomic_load_n(&w[1], __ATOMIC_SEQ_CST))
		usleep(1000);
	usleep(100000); /* let it sleep in the kernel */
	kill(dead, SIGKILL);
	printf("killed waiter: %d\n", reap(dead));
	pid_t live = fork();
	if (live == 0) {
		w[2] = 1;
		long r = futex(w, FUTEX_WAIT, 0, NULL);
		_exit(r == 0 ? 0 : 10 + errno);
	}
	while (!__atomic_load_n(&w[2], __ATOMIC_SEQ_CST))
		usleep(1000);
	usleep(100000);
	/* wake until the living one is gone: one call must reach it */
	for (int i = 0; i < 100 && !__atomic_load_n(&w[3], __ATOMIC_SEQ_CST); i++) {
		if (futex(w, FUTEX_WAKE, 1, NULL) == 1)
			w[3] = 1;
		else
			usleep(10000);
	}
	int st = reap(live);
	printf("woke one: %d, live waiter: %d\n", w[3], st);

	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	pid_t intr = fork();
	if (intr == 0) {
		w[4] = 1;
		long r = futex(w, FUTEX_WAIT, 0, NULL);
		_exit(r < 0 && errno == EINTR ? 0 : 1);
	}
	while (!__atomic_load_n(&w[4], __ATOMIC_SEQ_CST))
		usleep(1000);
	usleep(100000);
	kill(intr, SIGUSR1);
	printf("interrupted waiter: %d\n", reap(intr));
	struct timespec ts = { 0, 50000000 };
	long r = futex(w, FUTEX_WAIT, 0, &ts);
	printf("timed wait: %ld %s\n", r, r < 0 ? strerror(errno) : "");
	r = futex(w, FUTEX_WAIT, 1, &ts);
	printf("wrong value: %ld %s\n", r, r < 0 ? strerror(errno) : "");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} scenarios[] = {
		{ "anon-counter", anon_counter }, { "private", private_after_fork },
		{ "partial", partial }, { "mutex", mutex }, { "cond-barrier", cond_barrier },
		{ "sem-pshared", sem_pshared }, { "sem-named", sem_named },
		{ "futex-kill", futex_kill }, { "file", file_shared },
		{ "exec", exec_after_write }, { "noop", noop },
	};

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && !strcmp(argv[1], "rounds"))
		return rounds(atoi(argv[2]));
	for (size_t i = 0; argc > 1 && i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(argv[1], scenarios[i].name))
			return scenarios[i].fn();
	fprintf(stderr, "usage: shm SCENARIO\n");
	return 2;
}
