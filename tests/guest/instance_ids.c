/*
 * instance_ids CASE: pids and tids as the instance hands them out
 * (runtime/ptable.h), checked against what Linux guarantees.  Prints the
 * same lines on Linux and under lxnt.
 *
 *   orphan    a grandchild sees getppid() change away from its parent
 *             once that parent has exited (to init or a subreaper: the
 *             line says "changed", not which)
 *   fork      20 live children have distinct pids, none the parent's
 *   threads   8 live threads have distinct tids, none a pid of a live
 *             child or of the process
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NCHILD 20
#define NTHREAD 8

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int orphan(void)
{
	int p[2];
	char buf[32] = { 0 };

	if (pipe(p))
		return 1;
	pid_t a = fork();
	if (a == 0) {
		pid_t self = getpid();
		if (fork() == 0) {
			/* The grandchild: its parent exits at once. */
			const char *what = "unchanged";
			close(p[0]);
			for (int i = 0; i < 1000; i++) {
				if (getppid() != self) {
					what = "changed";
					break;
				}
				sleep_ms(10);
			}
			write(p[1], what, strlen(what));
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	int st;
	waitpid(a, &st, 0);
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	printf("parent exited %d, grandchild's ppid %s\n", WEXITSTATUS(st), n > 0 ? buf : "(nothing)");
	return 0;
}

static int distinct(const long *v, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (v[i] == v[j])
				return 0;
	return 1;
}

/* Live children blocked on a pipe; their pids in pids. */
static int spawn_children(long *pids, int *release)
{
	int p[2];

	if (pipe(p))
		return -1;
	for (int i = 0; i < NCHILD; i++) {
		pid_t c = fork();
		if (c == 0) {
			char x;
			close(p[1]);
			read(p[0], &x, 1); /* EOF when the parent lets go */
			_exit(0);
		}
		pids[i] = c;
	}
	close(p[0]);
	*release = p[1];
	return 0;
}

static void reap_children(int release)
{
	close(release);
	while (wait(NULL) > 0)
		;
}

static int forks(void)
{
	long pids[NCHILD + 1];
	int release;

	if (spawn_children(pids, &release))
		return 1;
	pids[NCHILD] = getpid();
	printf("%d children and the parent: %s pids\n", NCHILD,
	       distinct(pids, NCHILD + 1) ? "distinct" : "REPEATED");
	reap_children(release);
	return 0;
}

static long tids[NTHREAD];
static pthread_barrier_t all_up;

static void *thread_main(void *arg)
{
	tids[(long)arg] = syscall(SYS_gettid);
	pthread_barrier_wait(&all_up); /* every thread alive at once */
	pthread_barrier_wait(&all_up);
	return NULL;
}

static int threads(void)
{
	long ids[NCHILD + NTHREAD + 1];
	pthread_t t[NTHREAD];
	int release;

	if (spawn_children(ids, &release))
		return 1;
	pthread_barrier_init(&all_up, NULL, NTHREAD + 1);
	for (long i = 0; i < NTHREAD; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)i);
	pthread_barrier_wait(&all_up);
	memcpy(ids + NCHILD, tids, sizeof(tids));
	ids[NCHILD + NTHREAD] = getpid();
	printf("%d threads, %d children and the process: %s ids\n", NTHREAD, NCHILD,
	       distinct(ids, NCHILD + NTHREAD + 1) ? "distinct" : "REPEATED");
	pthread_barrier_wait(&all_up);
	for (int i = 0; i < NTHREAD; i++)
		pthread_join(t[i], NULL);
	reap_children(release);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "orphan"))
		return orphan();
	if (argc == 2 && !strcmp(argv[1], "fork"))
		return forks();
	if (argc == 2 && !strcmp(argv[1], "threads"))
		return threads();
	fprintf(stderr, "usage: instance_ids orphan|fork|threads\n");
	return 2;
}
