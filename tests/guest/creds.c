/*
 * Credentials (kernel/sys.c, kernel/groups.c): setuid, setgid, setreuid,
 * setregid, setresuid, setresgid, setfsuid, setfsgid, setgroups and
 * getgroups with Linux's permission rules, and what fork and execve keep.
 * Started as root, a child runs the privileged sequence; started as
 * another user, only the unprivileged checks run.  Ids print relative to
 * the starting ones where they come from them ("start"), so that native
 * and converted runs compare byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static uid_t start_uid;
static gid_t start_gid;

static void id_str(char *out, unsigned id, unsigned start)
{
	if (id == start)
		strcpy(out, "start");
	else
		sprintf(out, "%u", id);
}

static void ids(const char *what)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	char a[16], b[16], c[16], d[16], f[16], g[16], fu[16], fg[16];

	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	id_str(a, r, start_uid);
	id_str(b, e, start_uid);
	id_str(c, s, start_uid);
	id_str(d, gr, start_gid);
	id_str(f, ge, start_gid);
	id_str(g, gs, start_gid);
	id_str(fu, (unsigned)setfsuid(-1), start_uid);
	id_str(fg, (unsigned)setfsgid(-1), start_gid);
	printf("%s: uid %s %s %s fs %s, gid %s %s %s fs %s, getuid %s geteuid %s\n", what,
	       a, b, c, fu, d, f, g, fg, getuid() == r ? "=r" : "!", geteuid() == e ? "=e" : "!");
	fflush(stdout);
}

static void groups(const char *what)
{
	gid_t list[64];
	int n = getgroups(64, list);

	printf("%s: %d groups:", what, n);
	for (int i = 0; i < n; i++)
		printf(" %u", (unsigned)list[i]);
	printf("\n");
	fflush(stdout);
}

static void result(const char *what, int r)
{
	printf("%s: %s\n", what, r == 0 ? "ok" : strerror(errno));
	fflush(stdout);
}

/* The same sequence in a new image and in a forked child. */
static void after_exec_and_fork(const char *self, bool show_groups)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		ids("forked");
		if (show_groups)
			groups("forked");
		_exit(0);
	}
	waitpid(pid, &status, 0);
	pid = fork();
	if (pid == 0) {
		char u[16], g[16];
		sprintf(u, "%u", (unsigned)start_uid);
		sprintf(g, "%u", (unsigned)start_gid);
		execl(self, self, "show", u, g, show_groups ? "groups" : NULL, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
}

/* What a process that is not root may do: move among its own ids. */
static void unprivileged(const char *self)
{
	uid_t r, e, s;

	getresuid(&r, &e, &s);
	result("setuid(other)", setuid(r + 17));
	result("setgid(other)", setgid(getgid() + 17));
	result("setgroups", setgroups(0, NULL));
	result("setresuid(other,-1,-1)", setresuid(r + 17, -1, -1));
	result("setreuid(-1,other)", setreuid(-1, r + 17));
	result("setuid(-1)", setuid(-1));
	result("setuid(own)", setuid(r));
	printf("setfsuid(other) returns %s\n", setfsuid(r + 17) == (int)r ? "old" : "?");
	printf("setfsuid(-1) after: %s\n", setfsuid(-1) == (int)r ? "unchanged" : "changed");
	ids("unprivileged");
	printf("kill(parent, 0): %s\n", kill(getppid(), 0) == 0 ? "ok" : strerror(errno));
	after_exec_and_fork(self, false);
}

static void privileged(const char *self)
{
	gid_t g3[3] = { 30, 10, 20 }, bad[1] = { (gid_t)-1 }, list[4];

	siginfo_t si;
	int ready[2];
	char c;
	pipe(ready);
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		write(ready[1], "r", 1);
		sigwaitinfo(&set, &si);
		printf("SIGUSR1 from real uid 777 (euid 0): si_uid %u\n", (unsigned)si.si_uid);
		fflush(stdout);
		_exit(0);
	}
	read(ready[0], &c, 1);
	/* printed after the child's line, whichever runs first */
	int r1 = setresuid(777, 0, 0);
	int r2 = kill(pid, SIGUSR1);
	int r3 = setresuid(0, 0, 0);
	waitpid(pid, NULL, 0);
	printf("setresuid(777,0,0) %d, kill %d, setresuid(0,0,0) %d\n", r1, r2, r3);
	pid = fork();
	if (pid == 0) {
		setresuid(4242, 4242, 4242);
		_exit(0);
	}
	memset(&si, 0, sizeof(si));
	waitid(P_PID, pid, &si, WEXITED);
	printf("waitid si_uid of a child that became 4242: %u\n", (unsigned)si.si_uid);
	result("setgroups(30,10,20)", setgroups(3, g3));
	groups("after setgroups");
	printf("getgroups(0): %d\n", getgroups(0, NULL));
	result("getgroups(1)", getgroups(1, list) < 0 ? -1 : 0);
	result("setgroups(-1)", setgroups((size_t)-1, g3));
	result("setgroups((gid_t)-1)", setgroups(1, bad));
	result("setuid(-1)", setuid(-1));
	result("setresgid(100,200,300)", setresgid(100, 200, 300));
	ids("resgid");
	result("setresuid(1000,1001,0)", setresuid(1000, 1001, 0));
	ids("resuid");
	result("setuid(5) unprivileged", setuid(5));
	result("setuid(1000) to real", setuid(1000));
	ids("setuid(1000)");
	result("seteuid(0) from saved", seteuid(0));
	ids("seteuid(0)");
	result("setreuid(2000,3000)", setreuid(2000, 3000));
	ids("setreuid");
	result("setreuid(-1,2000)", setreuid(-1, 2000));
	ids("setreuid(-1,2000)");
	result("setreuid(4000,-1)", setreuid(4000, -1));
	result("setresuid(-1,-1,2000)", setresuid(-1, -1, 2000));
	result("setresuid(-1,-1,3000)", setresuid(-1, -1, 3000));
	result("setgroups unprivileged", setgroups(0, NULL));
	result("setgid(7)", setgid(7));
	result("setregid(300,100)", setregid(300, 100));
	result("setregid(200,300)", setregid(200, 300));
	ids("setregid");
	printf("setfsuid(5) returns %d\n", setfsuid(5));
	printf("setfsuid(-1) returns %d\n", setfsuid(-1));
	printf("setfsgid(100) returns %d\n", setfsgid(100));
	printf("setfsgid(-1) returns %d\n", setfsgid(-1));
	printf("kill(parent, 0): %s\n", kill(getppid(), 0) == 0 ? "ok" : strerror(errno));
	printf("kill(parent, SIGCONT): %s\n", kill(getppid(), SIGCONT) == 0 ? "ok" : strerror(errno));
	groups("groups kept");
	after_exec_and_fork(self, true);
	result("setuid(0)", setuid(0));
}

static void try_open(const char *what, const char *path, int flags)
{
	int fd = open(path, flags);

	printf("%s: %s\n", what, fd >= 0 ? "ok" : strerror(errno));
	fflush(stdout);
	if (fd >= 0)
		close(fd);
}

static void owner(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		printf("%s: %s\n", what, strerror(errno));
	else
		printf("%s: uid %u gid %u mode %o\n", what, (unsigned)st.st_uid, (unsigned)st.st_gid,
		       (unsigned)st.st_mode & 07777);
	fflush(stdout);
}

/* Copies the running program to path (for a set-ID copy). */
static int copy_self(const char *self, const char *path)
{
	char buf[65536];
	int in = open(self, O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	return close(out);
}

/* The vfs checks permissions as the fsuid, fsgid and supplementary
 * groups; access(2) as the real ids; new files belong to the fsuid and
 * fsgid; execve of a set-ID file changes the effective and saved ids.
 * Root only (chown). */
static void files(const char *self)
{
	gid_t g30[1] = { 30 };
	int fd;

	fd = open("secret", O_WRONLY | O_CREAT, 0600);
	close(fd);
	mkdir("pub", 0777);
	chmod("pub", 0777);
	fd = open("grp", O_WRONLY | O_CREAT, 0640);
	close(fd);
	chown("grp", 0, 30);
	chmod("grp", 0640);
	printf("copy: %s\n", copy_self(self, "suid-prog") == 0 ? "ok" : strerror(errno));
	chown("suid-prog", 5, 6);
	chmod("suid-prog", 06755);
	owner("suid-prog", "suid-prog");
	fflush(stdout);

	pid_t pid = fork();
	if (pid == 0) {
		printf("setfsuid(2000) returns %d\n", setfsuid(2000));
		try_open("secret as fsuid 2000", "secret", O_RDONLY);
		printf("access(secret) as real root: %s\n", access("secret", R_OK) == 0 ? "ok" : strerror(errno));
		setfsgid(100);
		try_open("new file in a root directory", "made", O_WRONLY | O_CREAT);
		fd = open("pub/made", O_WRONLY | O_CREAT, 0644);
		close(fd);
		owner("new file in a public directory", "pub/made");
		unlink("pub/made");
		setfsuid(0);
		setfsgid(0);
		try_open("secret as fsuid 0", "secret", O_RDONLY);
		setgroups(1, g30);
		setresgid(100, 100, 100);
		setresuid(2000, 2000, 2000);
		try_open("secret as 2000", "secret", O_RDONLY);
		try_open("grp as member of 30", "grp", O_RDONLY);
		try_open("grp for writing", "grp", O_WRONLY);
		setgroups(0, NULL);
		printf("set-ID execve:\n");
		fflush(stdout);
		char u[16], g[16];
		sprintf(u, "%u", (unsigned)start_uid);
		sprintf(g, "%u", (unsigned)start_gid);
		execl("./suid-prog", "suid-prog", "show", u, g, (char *)NULL);
		printf("execve: %s\n", strerror(errno));
		_exit(1);
	}
	int status;
	waitpid(pid, &status, 0);
	unlink("secret");
	unlink("grp");
	unlink("suid-prog");
	rmdir("pub");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	start_uid = getuid();
	start_gid = getgid();
	if (argc > 3 && !strcmp(argv[1], "show")) {
		start_uid = (uid_t)strtoul(argv[2], NULL, 10);
		start_gid = (gid_t)strtoul(argv[3], NULL, 10);
		ids("after execve");
		if (argc > 4)
			groups("after execve");
		printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
		return 0;
	}
	const char *self = "/proc/self/exe";
	char path[4096];
	ssize_t n = readlink(self, path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = 0;
		self = path;
	}
	ids("start");
	if (argc > 1 && !strcmp(argv[1], "files")) {
		if (start_uid == 0)
			files(self);
		else
			printf("not root: no file checks\n");
		return 0;
	}
	if (start_uid == 0 && geteuid() == 0) {
		int status;
		pid_t pid = fork();
		if (pid == 0) {
			privileged(self);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		printf("privileged child: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		ids("parent unchanged");
	} else {
		unprivileged(self);
	}
	return 0;
}
