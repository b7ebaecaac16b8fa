/*
 * An e2e guest for exit status and output ordering: writes to stdout and
 * stderr, then exits with the status given as argv[1], or, with "abort"
 * or "segv", dies of SIGABRT or SIGSEGV.  Also checks the stack-protector
 * canary and errno (both initial-exec TLS, reached through %fs) along the
 * way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Thread_local int tls_counter = 41;

int main(int argc, char **argv)
{
	char local[32];

	snprintf(local, sizeof local, "%d", ++tls_counter);
	printf("argc %d tls %s\n", argc, local);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	errno = 0;
	if (close(-1) < 0)
		printf("errno after close(-1): %s\n", strerrorname_np(errno));
	fflush(stdout);
	fprintf(stderr, "to stderr\n");
	if (argc > 1 && strcmp(argv[1], "abort") == 0)
		abort();
	if (argc > 1 && strcmp(argv[1], "segv") == 0) {
		int *volatile nowhere = NULL; /* volatile: the store must happen */
		*nowhere = 1;
	}
	return argc > 1 ? atoi(argv[1]) : 0;
}
