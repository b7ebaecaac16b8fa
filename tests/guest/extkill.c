/* A child ended from outside (tests/e2e/extkill_test.py): the test kills
 * the process whose pid this program writes to victim.pid, with kill -9
 * natively and with TerminateProcess (or taskkill /F) of its Windows
 * process under lxnt, which promises the same result
 * (docs/runtime.md, "Records, wait and SIGCHLD").
 *
 *   extkill parent   the victim is our child: wait4's status, SIGCHLD,
 *                    and the SIGHUP and SIGCONT of the stopped group of
 *                    its own child, which its death orphans
 *   extkill orphan   the victim's parent has exited before (its parent is
 *                    init): only the group's SIGHUP and SIGCONT
 *   extkill exec     as parent, but the victim has run execve first (under
 *                    lxnt its stub sees the new image end)
 *
 * The victim's child G makes its own group, stops, and reports on a pipe
 * which of SIGHUP and SIGCONT it got; the order of their handlers is not
 * compared, only that both ran. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static volatile sig_atomic_t got_hup, got_cont;
static volatile sig_atomic_t chld_code, chld_status, chld_pid;

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void on_cont(int sig)
{
	(void)sig;
	got_cont = 1;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_pid = si->si_pid;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* G: its own group, stopped until the orphaning of that group continues
 * it; then it says what it got and ends. */
static _Noreturn void grandchild(int report)
{
	char line[64];

	signal(SIGHUP, on_hup);
	signal(SIGCONT, on_cont);
	setpgid(0, 0);
	raise(SIGSTOP);
	for (int i = 0; i < 500 && !(got_hup && got_cont); i++)
		nap_ms(10);
	int n = snprintf(line, sizeof(line), "G: SIGHUP %s, SIGCONT %s\n", yes(got_hup),
	                 yes(got_cont));
	if (write(report, line, (size_t)n) < 0)
		_exit(2);
	_exit(0);
}

/* The victim: starts G, waits until it has stopped, says its pid and
 * waits to be killed. */
static _Noreturn void victim(int report)
{
	int st;
	pid_t g = fork();

	if (g == 0)
		grandchild(report);
	close(report);
	if (g < 0 || waitpid(g, &st, WUNTRACED) != g || !WIFSTOPPED(st))
		_exit(3);
	FILE *f = fopen("victim.pid.tmp", "w");
	if (!f)
		_exit(4);
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	rename("victim.pid.tmp", "victim.pid");
	for (;;)
		pause();
}

/* What G reported, or that it said nothing in 20 s; and whether the pipe
 * then reached its end, which it does only once the victim and G have
 * both gone (nothing of the victim lives on). */
static void read_report(int fd)
{
	char buf[256];
	size_t n = 0;
	bool eof = false;
	struct pollfd p = { fd, POLLIN, 0 };

	while (n < sizeof(buf) - 1 && poll(&p, 1, 20000) > 0) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0) {
			eof = r == 0;
			break;
		}
		n += (size_t)r;
	}
	buf[n] = 0;
	printf("%s", n ? buf : "G: no report\n");
	printf("the report pipe's end: %s\n", yes(eof));
}

static int run_parent(bool exec)
{
	int pfd[2], st = 0;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	if (pipe(pfd) < 0)
		return 1;
	pid_t c = fork();
	if (c == 0) {
		char fd[16];
		close(pfd[0]);
		snprintf(fd, sizeof(fd), "%d", pfd[1]);
		if (exec)
			execl("/proc/self/exe", "extkill", "victim", fd, (char *)NULL);
		victim(pfd[1]);
	}
	close(pfd[1]);
	pid_t w = waitpid(c, &st, 0);
	printf("wait4: the victim %s, signaled %s, signal %d, core flag %d\n", yes(w == c),
	       yes(WIFSIGNALED(st)), WIFSIGNALED(st) ? WTERMSIG(st) : -1,
	       WIFSIGNALED(st) && WCOREDUMP(st) ? 1 : 0);
	for (int i = 0; i < 500 && !chld_pid; i++)
		nap_ms(10);
	printf("SIGCHLD: from the victim %s, CLD_KILLED %s, status %d\n", yes(chld_pid == c),
	       yes(chld_code == CLD_KILLED), (int)chld_status);
	read_report(pfd[0]);
	printf("wait4 again: ECHILD %s\n", yes(waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD));
	return 0;
}

static int run_orphan(void)
{
	int pfd[2], st = 0;

	if (pipe(pfd) < 0)
		return 1;
	pid_t m = fork();
	if (m == 0) {
		close(pfd[0]);
		if (fork() == 0)
			victim(pfd[1]);
		_exit(0);
	}
	close(pfd[1]);
	printf("middle exits %s\n", yes(waitpid(m, &st, 0) == m && WIFEXITED(st)));
	read_report(pfd[0]);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "parent"))
		return run_parent(false);
	if (argc == 2 && !strcmp(argv[1], "exec"))
		return run_parent(true);
	if (argc == 3 && !strcmp(argv[1], "victim"))
		victim(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "orphan"))
		return run_orphan();
	fprintf(stderr, "usage: extkill parent|orphan|exec\n");
	return 2;
}
