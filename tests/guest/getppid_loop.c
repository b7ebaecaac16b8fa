/*
 * Benchmark guest: N getppid(2) calls, timed from inside the program so that
 * process start-up (Wine's included) is not counted.  getppid is the
 * cheapest system call with no cached result in glibc, so the time per call
 * is the cost of getting into the kernel (or the runtime) and back.
 *
 *   getppid_loop [N]      prints "N calls, T ns/call"
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	long sink = 0;

	double start = now_ns();
	for (long i = 0; i < n; i++)
		sink += syscall(SYS_getppid);
	double elapsed = now_ns() - start;

	printf("%ld calls, %.1f ns/call\n", n, n > 0 ? elapsed / n : 0.0);
	return sink < 0;
}
