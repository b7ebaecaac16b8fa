/*
 * A glibc program that leans on the thread pointer: initial-exec TLS,
 * errno, the stack protector canary, and a few system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>

static thread_local long counter = 40;

static int fill(char *buf, size_t n, const char *what)
{
	return snprintf(buf, n, "%s:%ld", what, ++counter);
}

int main(int argc, char **argv)
{
	char buf[64];
	fill(buf, sizeof(buf), argc > 1 ? argv[1] : "none");
	int fd = open("/nonexistent/lxnt", O_RDONLY);
	int saved = errno;
	printf("%s fd=%d errno=%s argc=%d\n", buf, fd, strerror(saved), argc);
	counter += argc;
	printf("counter=%ld pid-positive=%d\n", counter, getpid() > 0);
	return (int)(counter & 0x7f);
}
