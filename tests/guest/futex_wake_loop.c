/*
 * Benchmark guest: N uncontended futex(FUTEX_WAKE_PRIVATE) calls on a word
 * nobody waits on, timed from inside the program: the cost of the wake that
 * every mutex unlock with a waiter flag set pays when the waiter has
 * already gone.
 *
 *   futex_wake_loop [N]   prints "N calls, T ns/call"
 */
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static uint32_t word;
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	long woken = 0;

	double start = now_ns();
	for (long i = 0; i < n; i++)
		woken += syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	double elapsed = now_ns() - start;

	printf("%ld calls, %.1f ns/call\n", n, n > 0 ? elapsed / n : 0.0);
	return woken != 0;
}
