/*
 * spawn_loop N PATH [ARG0 [posix_spawn]]: N times fork (or posix_spawn),
 * execve(PATH) with argv {ARG0} (default "true") and wait; prints the mean
 * time of one cycle, for bench/run.
 */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: spawn_loop N PATH [ARG0]\n");
		return 2;
	}
	long n = atol(argv[1]);
	char *args[] = { argc > 3 ? argv[3] : "true", NULL };
	int spawn = argc > 4 && !strcmp(argv[4], "posix_spawn");
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		pid_t pid;
		if (spawn) {
			if (posix_spawn(&pid, argv[2], NULL, NULL, args, NULL))
				return 1;
		} else if ((pid = fork()) == 0) {
			execv(argv[2], args);
			_exit(127);
		}
		if (pid < 0)
			return 1;
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("%.1f ns/call\n", ns / (double)n);
	return 0;
}
