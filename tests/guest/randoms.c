/*
 * Random bytes across processes: getrandom and /dev/urandom give bytes,
 * a forked child draws other bytes than its parent, fork keeps AT_RANDOM
 * (it is memory) and execve brings a new one (getauxval(3), random(4)).
 * Prints one line per check, never the bytes, so that native and
 * converted runs compare.
 *
 *   randoms              the checks
 *   randoms at_random    prints this process's AT_RANDOM in hex
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

static void hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* The AT_RANDOM of a new image of this program, in hex. */
static void exec_at_random(char out[40])
{
	int fds[2];
	ssize_t n;

	memset(out, 0, 40);
	if (pipe(fds))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		execl("/proc/self/exe", "randoms", "at_random", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], out, 39);
	out[n > 0 ? n : 0] = 0;
	close(fds[0]);
	waitpid(pid, NULL, 0);
}

static void across_fork(void)
{
	unsigned char mine[16], theirs[16] = { 0 }, at_theirs[16] = { 0 };
	const unsigned char *at = (const unsigned char *)getauxval(AT_RANDOM);
	int fds[2];

	if (pipe(fds))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		unsigned char b[32];
		getrandom(b, 16, 0);
		memcpy(b + 16, (const void *)getauxval(AT_RANDOM), 16);
		write(fds[1], b, 32);
		_exit(0);
	}
	close(fds[1]);
	getrandom(mine, sizeof(mine), 0);
	if (read(fds[0], theirs, 16) != 16 || read(fds[0], at_theirs, 16) != 16)
		printf("fork: no bytes from the child\n");
	close(fds[0]);
	waitpid(pid, NULL, 0);
	printf("fork: getrandom of parent and child %s\n",
	       memcmp(mine, theirs, 16) ? "differ" : "are equal");
	printf("fork: AT_RANDOM %s\n", memcmp(at, at_theirs, 16) ? "changed" : "kept");
}

static void across_exec(void)
{
	char self[40], a[40], b[40];

	hex((const unsigned char *)getauxval(AT_RANDOM), 16, self);
	exec_at_random(a);
	exec_at_random(b);
	printf("execve: AT_RANDOM has %zu hex digits\n", strlen(a));
	printf("execve: AT_RANDOM %s the caller's\n", strcmp(self, a) ? "differs from" : "equals");
	printf("execve: two new images' AT_RANDOM %s\n", strcmp(a, b) ? "differ" : "are equal");
}

static void calls(void)
{
	unsigned char a[64], b[64];
	static unsigned char big[1 << 20];
	int fd, same = 0;
	ssize_t n = 0, r;

	printf("getrandom: %zd\n", getrandom(a, sizeof(a), GRND_NONBLOCK));
	printf("getrandom: %zd\n", getrandom(b, sizeof(b), 0));
	printf("getrandom: two calls %s\n", memcmp(a, b, sizeof(a)) ? "differ" : "are equal");
	errno = 0;
	n = getrandom(a, 1, 0x100);
	printf("getrandom bad flags: %zd %s\n", n, strerror(errno));
	n = 0;
	fd = open("/dev/urandom", O_RDONLY);
	while (fd >= 0 && n < (ssize_t)sizeof(big) && (r = read(fd, big + n, sizeof(big) - n)) > 0)
		n += r;
	close(fd);
	for (size_t i = 1; i < sizeof(big); i++)
		same += big[i] == big[i - 1];
	/* about 4,096 of 2^20 neighbours are equal in random bytes */
	printf("/dev/urandom: %zd bytes, %s\n", n, same < 8192 ? "varied" : "repetitive");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "at_random")) {
		char out[40];
		hex((const unsigned char *)getauxval(AT_RANDOM), 16, out);
		printf("%s", out);
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	calls();
	across_fork();
	across_exec();
	return 0;
}
