/*
 * Threads and futexes, one scenario per first argument (tests/e2e/cases.py
 * runs each natively and converted and compares).  Every line printed is
 * the same on every run: counts, return values and errno names, never
 * times, tids or addresses.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h, which musl-gcc does not see. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_LE 3
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP_CMP_GE 5
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

/* The errno names these scenarios can meet (musl has no strerrorname_np). */
static const char *errname(int e)
{
	switch (e) {
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case ENOSYS: return "ENOSYS";
	case ESRCH: return "ESRCH";
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case EOWNERDEAD: return "EOWNERDEAD";
	case EINTR: return "EINTR";
	default: return "E?";
	}
}

static long futex(void *uaddr, int op, uint32_t val, const void *timeout_or_val2, void *uaddr2,
                  uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

/* "0", or "-1 ENAME" for a failed call. */
static const char *res(long r)
{
	static char buf[64];
	if (r >= 0) {
		snprintf(buf, sizeof(buf), "%ld", r);
		return buf;
	}
	snprintf(buf, sizeof(buf), "-1 %s", errname(errno));
	return buf;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static pthread_t start(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, fn, arg);
	if (e) {
		printf("pthread_create: %s\n", errname(e));
		exit(1);
	}
	return t;
}

/* 16 threads, 10^6 increments in all, under a pthread mutex and under a
 * hand-written futex mutex (Drepper, "Futexes Are Tricky", mutex 2). */
#define NTHREADS 16
#define TOTAL 1000000

static pthread_mutex_t pmutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint fmutex; /* 0 free, 1 locked, 2 locked with waiters */
static long counter;
static pthread_barrier_t all_started; /* so that the threads contend */

static void flock_(void)
{
	unsigned c = 0;
	if (atomic_compare_exchange_strong(&fmutex, &c, 1))
		return;
	if (c != 2)
		c = atomic_exchange(&fmutex, 2);
	while (c != 0) {
		futex(&fmutex, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
		c = atomic_exchange(&fmutex, 2);
	}
}

static void funlock(void)
{
	if (atomic_fetch_sub(&fmutex, 1) != 1) {
		atomic_store(&fmutex, 0);
		futex(&fmutex, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
}

static void *inc_pthread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&all_started);
	for (int i = 0; i < TOTAL / NTHREADS; i++) {
		pthread_mutex_lock(&pmutex);
		counter++;
		pthread_mutex_unlock(&pmutex);
	}
	return NULL;
}

static void *inc_futex(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&all_started);
	for (int i = 0; i < TOTAL / NTHREADS; i++) {
		flock_();
		counter++;
		funlock();
	}
	return NULL;
}

static int run_mutex(void *(*fn)(void *), const char *name)
{
	pthread_t t[NTHREADS];
	counter = 0;
	pthread_barrier_init(&all_started, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		t[i] = start(fn, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&all_started);
	printf("%s: %ld\n", name, counter);
	return 0;
}

static int mutex16(void)
{
	run_mutex(inc_pthread, "pthread_mutex");
	run_mutex(inc_futex, "futex mutex");
	return 0;
}

/* pthread_join returns once the thread's CLONE_CHILD_CLEARTID word is
 * cleared and woken; a thread that sleeps first makes the join wait. */
static void *slow_return(void *arg)
{
	sleep_ms(100);
	return (void *)((intptr_t)arg * 2);
}

static int join(void)
{
	for (intptr_t i = 1; i <= 20; i++) {
		void *ret;
		pthread_t t = start(slow_return, (void *)i);
		int e = pthread_join(t, &ret);
		if (e || (intptr_t)ret != i * 2)
			printf("join %ld: %d %ld\n", (long)i, e, (long)(intptr_t)ret);
	}
	printf("20 joins\n");
	return 0;
}

/* Many short threads, eight at a time: glibc reuses the stacks of joined
 * threads at once, so a thread must be off its guest stack before its
 * joiner wakes. */
static atomic_long churned;

static void *churn_one(void *arg)
{
	atomic_fetch_add(&churned, (long)(intptr_t)arg);
	return NULL;
}

static int churn(void)
{
	for (int round = 0; round < 125; round++) {
		pthread_t t[8];
		for (int i = 0; i < 8; i++)
			t[i] = start(churn_one, (void *)(intptr_t)(i + 1));
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
	}
	printf("1000 threads, sum %ld\n", atomic_load(&churned));
	return 0;
}

/* pthread_cond_broadcast wakes every waiter. */
static pthread_mutex_t cmutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER, counted = PTHREAD_COND_INITIALIZER;
static int go, waiting, woke;

static void *cond_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&cmutex);
	waiting++;
	pthread_cond_signal(&counted);
	while (!go)
		pthread_cond_wait(&cond, &cmutex);
	woke++;
	pthread_mutex_unlock(&cmutex);
	return NULL;
}

static int cond_broadcast(void)
{
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		t[i] = start(cond_waiter, NULL);
	pthread_mutex_lock(&cmutex);
	while (waiting < 8)
		pthread_cond_wait(&counted, &cmutex);
	go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&cmutex);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("waiting %d woke %d\n", waiting, woke);
	return 0;
}

/* __thread variables and errno belong to each thread. */
static __thread long tls_value = 7;
static pthread_barrier_t barrier;

static void *tls_worker(void *arg)
{
	long id = (long)(intptr_t)arg;
	long bad = tls_value != 7;
	tls_value = id * 100;
	/* Each thread leaves its own errno. */
	errno = 0;
	if (id % 2)
		close(-1);                              /* EBADF */
	else
		syscall(SYS_futex, (char *)&barrier + 1, FUTEX_WAKE, 1, 0, 0, 0); /* EINVAL */
	int mine = errno;
	pthread_barrier_wait(&barrier);
	sleep_ms(10);
	pthread_barrier_wait(&barrier);
	bad += tls_value != id * 100;
	bad += errno != mine || mine != (id % 2 ? EBADF : EINVAL);
	return (void *)(intptr_t)bad;
}

static int tls(void)
{
	pthread_t t[8];
	long bad = 0;
	pthread_barrier_init(&barrier, NULL, 8);
	for (long i = 0; i < 8; i++)
		t[i] = start(tls_worker, (void *)(intptr_t)i);
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += (long)(intptr_t)r;
	}
	printf("main tls %ld, %ld bad\n", tls_value, bad);
	return 0;
}

/* One thread ends with pthread_exit while the others go on. */
static atomic_int progress;

static void *quits_early(void *arg)
{
	(void)arg;
	pthread_exit((void *)42);
}

static void *keeps_going(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++) {
		atomic_fetch_add(&progress, 1);
		sleep_ms(2);
	}
	return NULL;
}

static int thread_exit(void)
{
	pthread_t a = start(keeps_going, NULL), b = start(quits_early, NULL), c = start(keeps_going, NULL);
	void *rb;
	pthread_join(b, &rb);
	pthread_join(a, NULL);
	pthread_join(c, NULL);
	printf("early %ld, progress %d\n", (long)(intptr_t)rb, atomic_load(&progress));
	return 0;
}

/* The main thread leaves with pthread_exit; the last thread's exit(3)
 * decides the status. */
static void *finisher(void *arg)
{
	(void)arg;
	sleep_ms(100);
	printf("finisher done\n");
	fflush(stdout);
	exit(5);
}

static int main_exit(void)
{
	start(finisher, NULL);
	printf("main leaves\n");
	fflush(stdout);
	pthread_exit(NULL);
}

/* The raw exit(2) of the main thread, then of the last thread, whose
 * status the process ends with. */
static void *raw_exit_later(void *arg)
{
	(void)arg;
	sleep_ms(100);
	write(1, "last thread\n", 12);
	syscall(SYS_exit, 9);
	return NULL;
}

static int raw_exit(void)
{
	start(raw_exit_later, NULL);
	write(1, "leader exits\n", 13);
	syscall(SYS_exit, 4);
	return 99;
}

/* exit_group from a thread ends the whole process, joiner included. */
static void *group_exit(void *arg)
{
	(void)arg;
	sleep_ms(50);
	printf("thread calls exit\n");
	fflush(stdout);
	syscall(SYS_exit_group, 3);
	return NULL;
}

static void *blocked_forever(void *arg)
{
	static uint32_t never;
	(void)arg;
	for (;;)
		futex(&never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static int exit_group_(void)
{
	start(blocked_forever, NULL);
	pthread_t t = start(group_exit, NULL);
	pthread_join(t, NULL);
	printf("not reached\n");
	return 1;
}

/* futex(2) errors and timeouts on one thread. */
static int futex_errors(void)
{
	static uint32_t w = 5, w2;
	struct timespec rel = { 0, 50 * 1000000 }, bad_ns = { 0, 1000000000 }, neg = { -1, 0 };
	struct timespec zero = { 0, 0 };
	int64_t t0 = mono_ms();

	printf("wait other value: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0)));
	printf("wait shared other value: %s\n", res(futex(&w, FUTEX_WAIT, 4, NULL, NULL, 0)));
	long r = futex(&w, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0);
	int64_t took = mono_ms() - t0;
	printf("wait 50 ms: %s, %s\n", res(r), took >= 50 ? "not early" : "early");
	printf("wait zero timeout: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 5, &zero, NULL, 0)));
	printf("wait bad nsec: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 5, &bad_ns, NULL, 0)));
	printf("wait negative: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 5, &neg, NULL, 0)));
	printf("wait bad timeout ptr: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 5, (void *)8, NULL, 0)));
	printf("wait unaligned: %s\n", res(futex((char *)&w + 1, FUTEX_WAIT_PRIVATE, 5, NULL, NULL, 0)));
	printf("wait unmapped: %s\n", res(futex((void *)16, FUTEX_WAIT_PRIVATE, 5, NULL, NULL, 0)));
	printf("wait realtime: %s\n",
	       res(futex(&w, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &rel, NULL, 0)));

	/* Absolute deadlines of FUTEX_WAIT_BITSET, 30 ms ahead on each clock. */
	const clockid_t clocks[2] = { CLOCK_MONOTONIC, CLOCK_REALTIME };
	for (int i = 0; i < 2; i++) {
		struct timespec abs;
		clock_gettime(clocks[i], &abs);
		abs.tv_nsec += 30 * 1000000;
		if (abs.tv_nsec >= 1000000000) {
			abs.tv_sec++;
			abs.tv_nsec -= 1000000000;
		}
		int op = FUTEX_WAIT_BITSET_PRIVATE | (i ? FUTEX_CLOCK_REALTIME : 0);
		t0 = mono_ms();
		r = futex(&w, op, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
		took = mono_ms() - t0;
		printf("wait_bitset %s: %s, %s\n", i ? "realtime" : "monotonic", res(r),
		       took >= 29 ? "not early" : "early");
		struct timespec past = { 1, 0 };
		printf("wait_bitset %s past: %s\n", i ? "realtime" : "monotonic",
		       res(futex(&w, op, 5, &past, NULL, FUTEX_BITSET_MATCH_ANY)));
	}
	printf("wait_bitset 0: %s\n", res(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, NULL, 0)));

	printf("wake none: %s\n", res(futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
	printf("wake unaligned: %s\n", res(futex((char *)&w + 2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
	printf("wake private unmapped: %s\n", res(futex((void *)16, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
	printf("wake shared unmapped: %s\n", res(futex((void *)16, FUTEX_WAKE, 1, NULL, NULL, 0)));
	printf("wake realtime: %s\n", res(futex(&w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0)));
	printf("wake_bitset 0: %s\n", res(futex(&w, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0)));
	printf("cmp_requeue other value: %s\n",
	       res(futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &w2, 4)));
	printf("cmp_requeue same value: %s\n",
	       res(futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &w2, 5)));
	printf("requeue negative: %s\n",
	       res(futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)-1, &w2, 5)));
	printf("requeue unaligned: %s\n",
	       res(futex(&w, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, (char *)&w2 + 1, 0)));
	printf("op 99: %s\n", res(futex(&w, 99, 0, NULL, NULL, 0)));

	/* FUTEX_WAKE_OP's arithmetic on the second word and its comparison. */
	static const struct { int op, oparg, cmp, cmparg; } ops[] = {
		{ FUTEX_OP_SET, 10, FUTEX_OP_CMP_EQ, 0 },
		{ FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 10 },
		{ FUTEX_OP_OR, 0x100, FUTEX_OP_CMP_GT, 20 },
		{ FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_LT, 0 },
		{ FUTEX_OP_XOR, 0xfff, FUTEX_OP_CMP_NE, 0 },
		{ FUTEX_OP_ADD, -3, FUTEX_OP_CMP_GE, -2048 },
		{ FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_LE, 100 },
	};
	w2 = 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		uint32_t enc = FUTEX_OP(ops[i].op, ops[i].oparg, ops[i].cmp, ops[i].cmparg);
		r = futex(&w, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &w2, enc);
		printf("wake_op %zu: %s, word %#x\n", i, res(r), w2);
	}
	printf("wake_op bad cmp: %s, word %#x\n",
	       res(futex(&w, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &w2, FUTEX_OP(0, 1, 9, 0))), w2);
	printf("wake_op bad op: %s\n",
	       res(futex(&w, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &w2, FUTEX_OP(6, 1, 0, 0))));
	printf("wake_op read-only: %s\n",
	       res(futex(&w, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, (void *)"abcd", 0)));
	printf("wake_op unmapped: %s\n",
	       res(futex(&w, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, (void *)16, 0)));
	return 0;
}

/* Waiters moved from one word to another and woken there. */
static uint32_t qa, qb;
static atomic_int queued;
static long qret[4];

static void *requeue_waiter(void *arg)
{
	long i = (long)(intptr_t)arg;
	atomic_fetch_add(&queued, 1);
	qret[i] = futex(&qa, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void *wake_op_waiter(void *arg)
{
	uint32_t *word = arg;
	atomic_fetch_add(&queued, 1);
	return (void *)futex(word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static uint32_t bits_word;

static void *bitset_waiter(void *arg)
{
	atomic_fetch_add(&queued, 1);
	futex(&bits_word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, (uint32_t)(intptr_t)arg);
	return NULL;
}

static int requeue(void)
{
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		t[i] = start(requeue_waiter, (void *)(intptr_t)i);
	while (atomic_load(&queued) < 4)
		sleep_ms(10);
	sleep_ms(300); /* until all four sleep in the kernel */
	printf("cmp_requeue: %s\n", res(futex(&qa, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2, &qb, 0)));
	sleep_ms(100);
	printf("wake qa: %s\n", res(futex(&qa, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0)));
	printf("requeue: %s\n", res(futex(&qb, FUTEX_REQUEUE_PRIVATE, 0, (void *)1, &qa, 0)));
	printf("wake qa: %s\n", res(futex(&qa, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0)));
	printf("wake qb: %s\n", res(futex(&qb, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0)));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("returns %ld %ld %ld %ld\n", qret[0], qret[1], qret[2], qret[3]);

	/* WAKE_OP wakes the second word's waiter only when the comparison holds. */
	static uint32_t a, b;
	pthread_t wa, wb;
	atomic_store(&queued, 0);
	wa = start(wake_op_waiter, &a);
	wb = start(wake_op_waiter, &b);
	while (atomic_load(&queued) < 2)
		sleep_ms(10);
	sleep_ms(300);
	printf("wake_op no match: %s\n", res(futex(&a, FUTEX_WAKE_OP_PRIVATE, 0, (void *)1, &b,
	                                           FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_NE, 0))));
	printf("wake_op match: %s\n", res(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &b,
	                                        FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0))));
	pthread_join(wa, NULL);
	pthread_join(wb, NULL);

	/* WAKE_BITSET wakes only the waiters whose bitset meets its own. */
	pthread_t w1, w2;
	atomic_store(&queued, 0);
	w1 = start(bitset_waiter, (void *)(intptr_t)1);
	w2 = start(bitset_waiter, (void *)(intptr_t)2);
	while (atomic_load(&queued) < 2)
		sleep_ms(10);
	sleep_ms(300);
	printf("wake_bitset 4: %s\n", res(futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, 2, NULL, NULL, 4)));
	printf("wake_bitset 2: %s\n", res(futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, 2, NULL, NULL, 2)));
	pthread_join(w2, NULL);
	printf("wake_bitset 3: %s\n", res(futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, 2, NULL, NULL, 3)));
	pthread_join(w1, NULL);
	return 0;
}

/* A robust mutex whose owner dies: the next locker gets EOWNERDEAD. */
static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	return NULL;
}

static int robust_(void)
{
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &at);
	pthread_join(start(die_holding, NULL), NULL);
	int e = pthread_mutex_lock(&robust);
	printf("lock after owner died: %s\n", e ? errname(e) : "0");
	if (e == EOWNERDEAD)
		printf("consistent: %d\n", pthread_mutex_consistent(&robust));
	pthread_mutex_unlock(&robust);
	printf("relock: %d\n", pthread_mutex_lock(&robust));
	return 0;
}

/* sched_*affinity per thread, gettid unique per thread. */
static cpu_set_t first_cpu;
static pid_t worker_tid;
static atomic_int phase;

static void *affine(void *arg)
{
	(void)arg;
	cpu_set_t got;
	worker_tid = gettid();
	printf("set: %d\n", sched_setaffinity(0, sizeof(first_cpu), &first_cpu));
	sched_getaffinity(0, sizeof(got), &got);
	printf("thread sees first cpu only: %d\n", CPU_EQUAL(&got, &first_cpu));
	atomic_store(&phase, 1);
	while (atomic_load(&phase) != 2)
		sched_yield();
	return NULL;
}

static int affinity(void)
{
	cpu_set_t all, got, none;
	sched_getaffinity(0, sizeof(all), &all);
	CPU_ZERO(&first_cpu);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &all)) {
			CPU_SET(i, &first_cpu);
			break;
		}
	pthread_t t = start(affine, NULL);
	while (atomic_load(&phase) != 1)
		sched_yield();
	sched_getaffinity(worker_tid, sizeof(got), &got);
	printf("main sees thread's mask: %d\n", CPU_EQUAL(&got, &first_cpu));
	sched_getaffinity(0, sizeof(got), &got);
	printf("main unchanged: %d\n", CPU_EQUAL(&got, &all));
	printf("tids differ: %d, pid is main tid: %d\n", worker_tid != gettid(), getpid() == gettid());
	atomic_store(&phase, 2);
	pthread_join(t, NULL);
	/* The kernel wakes the joiner (CLONE_CHILD_CLEARTID) a moment before
	 * it releases the thread, so the tid may still answer for a while. */
	int gone = sched_getaffinity(worker_tid, sizeof(got), &got);
	for (int i = 0; i < 5000 && gone == 0; i++) {
		usleep(1000);
		gone = sched_getaffinity(worker_tid, sizeof(got), &got);
	}
	printf("gone: %s\n", res(gone));
	CPU_ZERO(&none);
	printf("empty mask: %s\n", res(sched_setaffinity(0, sizeof(none), &none)));
	printf("short len: %s\n", res(syscall(SYS_sched_getaffinity, 0, 4, &got)));
	return 0;
}

/* clone(2) as a program may call it by hand: its own stack, the tid
 * written to both words, the child's word cleared and woken at its exit;
 * without CLONE_SETTLS the child shares the caller's thread pointer, so it
 * makes only raw system calls. */
static volatile pid_t ptid_word, ctid_word;
static volatile int child_saw, child_started;

static int raw_child(void *arg)
{
	pid_t me = (pid_t)syscall(SYS_gettid);
	child_saw = (ctid_word == me) + 2 * (ptid_word == me);
	*(int *)arg = 42;
	child_started = 1;
	return 7; /* exit(7) of this thread only */
}

static int raw_clone(void)
{
	size_t size = 256 * 1024;
	char *stack = malloc(size);
	int out = 0;
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
	            CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	int tid = clone(raw_child, stack + size, flags, &out, &ptid_word, NULL, &ctid_word);
	printf("clone: %s, parent word holds it: %d\n", tid > 0 ? "a tid" : res(tid), ptid_word == tid);
	while (!child_started)
		sched_yield();
	for (pid_t v; (v = ctid_word) != 0;)
		futex((void *)&ctid_word, FUTEX_WAIT, (uint32_t)v, NULL, NULL, 0);
	printf("child saw its tid in both words: %d, wrote %d, child word now %d\n", child_saw, out,
	       (int)ctid_word);
	free(stack);
	return 0;
}

/* Raw clone flag combinations the kernel refuses. */
static int clone_flags(void)
{
	static const struct { const char *name; unsigned long flags; } cases[] = {
		{ "thread without sighand", CLONE_VM | CLONE_THREAD },
		{ "sighand without vm", CLONE_SIGHAND },
		{ "fs with newns", CLONE_FS | CLONE_NEWNS | CLONE_VM | CLONE_SIGHAND | CLONE_THREAD },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		printf("%s: %s\n", cases[i].name, res(syscall(SYS_clone, cases[i].flags, 0, 0, 0, 0)));

	/* clone3's own checks: struct clone_args is eight u64 fields and more. */
	const uint64_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
	static char stack[4096];
	struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; }
		args3[] = {
		{ .flags = thread, .exit_signal = SIGCHLD, .stack = (uint64_t)stack, .stack_size = 4096 },
		{ .flags = thread, .stack = 0, .stack_size = 4096 },
		{ .flags = thread | 0x100000000ULL /* CLONE_CLEAR_SIGHAND */, .stack = (uint64_t)stack,
		  .stack_size = 4096 },
		{ .flags = thread | 17, .stack = (uint64_t)stack, .stack_size = 4096 },
	};
	static const char *const names3[] = {
		"clone3 thread with exit signal", "clone3 stack size without stack",
		"clone3 sighand and clear_sighand", "clone3 signal in flags",
	};
	for (size_t i = 0; i < sizeof(args3) / sizeof(args3[0]); i++)
		printf("%s: %s\n", names3[i], res(syscall(SYS_clone3, &args3[i], sizeof(args3[i]))));
	printf("clone3 short struct: %s\n", res(syscall(SYS_clone3, &args3[0], 32)));
	return 0;
}

/* The FP control state: Linux's at the start, and the creator's in a new
 * thread and in a fork child (fpu_clone); 1/3 in long double shows the
 * x87 precision and rounding at work. */
static void fp_report(const char *who)
{
	unsigned short fcw;
	unsigned int mxcsr;
	volatile long double one = 1.0L, three = 3.0L;

	__asm__ volatile("fnstcw %0\n\tstmxcsr %1" : "=m"(fcw), "=m"(mxcsr));
	/* The exception flags are left out: they say what ran before. */
	printf("%s: x87 control word %#x, mxcsr %#x, 1/3 = %.22Lf\n", who, fcw, mxcsr & ~0x3fu,
	       one / three);
}

static void *fp_thread(void *arg)
{
	fp_report(arg);
	return NULL;
}

static int fp_control(void)
{
	unsigned short fcw;
	unsigned int mxcsr;
	int status;

	fp_report("main at start");
	__asm__ volatile("fnstcw %0\n\tstmxcsr %1" : "=m"(fcw), "=m"(mxcsr));
	fcw = (unsigned short)((fcw & ~0x0c00) | 0x0400); /* round down */
	mxcsr = (mxcsr & ~0x6000u) | 0x2000u;
	__asm__ volatile("fldcw %0\n\tldmxcsr %1" : : "m"(fcw), "m"(mxcsr));
	fp_report("main, rounding down");
	pthread_join(start(fp_thread, "new thread"), NULL);
	pid_t pid = fork();
	if (pid == 0) {
		fp_report("fork child");
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(void); } modes[] = {
		{ "mutex16", mutex16 }, { "join", join }, { "cond", cond_broadcast }, { "tls", tls },
		{ "thread-exit", thread_exit }, { "main-exit", main_exit }, { "raw-exit", raw_exit },
		{ "exit-group", exit_group_ }, { "futex-errors", futex_errors }, { "requeue", requeue },
		{ "robust", robust_ }, { "affinity", affinity }, { "clone-flags", clone_flags },
		{ "raw-clone", raw_clone }, { "churn", churn }, { "fp-control", fp_control },
	};
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name))
			return modes[i].fn();
	fprintf(stderr, "usage: threads MODE\n");
	return 2;
}
