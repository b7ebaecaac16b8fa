/*
 * fork, vfork, wait4/waitid statuses, shared file offsets, kill of a child,
 * process groups and pipes between processes.  Prints one line per check,
 * never a pid, so that native and converted runs compare byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, int status)
{
	if (WIFEXITED(status))
		printf("%s: exited %d\n", what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: killed by %d\n", what, WTERMSIG(status));
	else
		printf("%s: other 0x%x\n", what, status);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void shared_offset(void)
{
	int fd = open("shared.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[64] = { 0 };
	int status;

	write(fd, "parent1\n", 8);
	pid_t pid = fork();
	if (pid == 0) {
		printf("child sees offset %ld\n", (long)lseek(fd, 0, SEEK_CUR));
		fflush(stdout);
		write(fd, "child\n", 6);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	printf("parent offset after child %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	write(fd, "parent2\n", 8);
	pread(fd, buf, sizeof(buf) - 1, 0);
	printf("file: %s", buf);
	close(fd);
}

static void statuses(void)
{
	int status;
	pid_t pid;

	if ((pid = fork()) == 0)
		_exit(42);
	waitpid(pid, &status, 0);
	show("exit 42", status);

	if ((pid = fork()) == 0) {
		kill(getpid(), SIGTERM);
		_exit(1);
	}
	waitpid(pid, &status, 0);
	show("self SIGTERM", status);

	if ((pid = fork()) == 0) {
		for (;;)
			nap_ms(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	show("SIGKILL from parent", status);

	if ((pid = fork()) == 0) {
		nap_ms(300);
		_exit(5);
	}
	printf("WNOHANG early: %d\n", (int)waitpid(pid, &status, WNOHANG));
	printf("blocking wait is the child: %d\n", waitpid(pid, &status, 0) == pid);
	show("after WNOHANG", status);

	if ((pid = fork()) == 0)
		_exit(7);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int r = waitid(P_PID, pid, &si, WEXITED);
	printf("waitid: %d code %d status %d pid matches %d\n", r, si.si_code, si.si_status,
	       si.si_pid == pid);

	errno = 0;
	r = waitpid(-1, &status, 0);
	printf("no children: %d %s\n", r, strerror(errno));
}

static void identity(void)
{
	int fds[2], status;
	pid_t me = getpid();

	pipe(fds);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		char c = getppid() == me ? 'y' : 'n';
		write(fds[1], &c, 1);
		setpgid(0, 0);
		_exit(getpid() == getpgrp() ? 0 : 1);
	}
	close(fds[1]);
	setpgid(pid, pid); /* as shells do: both sides, whichever comes first */
	char c = '?', more;
	read(fds[0], &c, 1);
	printf("child's parent is us: %c\n", c);
	printf("read after child exit: %d\n", (int)read(fds[0], &more, 1));
	printf("child's group is its own: %d\n", getpgid(pid) == pid);
	waitpid(pid, &status, 0);
	show("setpgid child", status);
	close(fds[0]);
}

static void vfork_exit(void)
{
	int status;
	pid_t pid = vfork();

	if (pid == 0)
		_exit(3);
	waitpid(pid, &status, 0);
	show("vfork", status);
}

static void spawn_missing(void)
{
	char *argv[] = { "nosuch", NULL };
	pid_t pid;
	int status, r = posix_spawn(&pid, "./nosuch-program", NULL, NULL, argv, NULL);

	printf("posix_spawn of a missing file: %s\n", r ? strerror(r) : "spawned");
	if (r == 0) {
		waitpid(pid, &status, 0);
		show("posix_spawn child", status);
	}
	if ((pid = vfork()) == 0) {
		execv("./nosuch-program", argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	show("vfork + failed execv", status);
	int fds[2];
	pipe(fds);
	if ((pid = vfork()) == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		_exit(9);
	}
	close(fds[1]);
	char c;
	printf("parent's fds survive the vfork child: read %d, fd 1 still ours\n",
	       (int)read(fds[0], &c, 1));
	close(fds[0]);
	waitpid(pid, &status, 0);
	show("vfork child that changed fds", status);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	shared_offset();
	statuses();
	identity();
	vfork_exit();
	spawn_missing();
	return 0;
}
