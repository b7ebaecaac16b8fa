/* The check of the runtime's unit-test programs: a failed condition is
 * printed with its place and counted, and the program goes on; main ends
 * with check_result(). */
#ifndef LXNT_RUNTIME_TESTS_CHECK_H
#define LXNT_RUNTIME_TESTS_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++; \
		} \
	} while (0)

/* Prints the verdict and gives the exit status. */
static inline int check_result(void)
{
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}

#endif
