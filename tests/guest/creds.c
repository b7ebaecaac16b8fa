/*
 * Credentials (kernel/sys.c, kernel/groups.c): setuid, setgid, setreuid,
 * setregid, setresuid, setresgid, setfsuid, setfsgid, setgroups and
 * getgroups with Linux's permission rules, and what fork and execve keep.
 * Started as root, a child runs the privileged sequence; started as
 * another user, only the unprivileged checks run.  Ids print relative to
 * the starting ones where they come from them ("start"), so that native
 * and converted runs compare byte for byte.  "files" checks files as the
 * fsuid and fsgid; "capfiles" checks which capability lets root past each
 * file permission check (generic_permission, setattr_prepare,
 * check_sticky, vfs_mknod, xattr_permission, may_linkat), a child for each
 * one dropped.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

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

/* The Uid, Gid and Groups lines of /proc/PID/status as they stand (the
 * privileged sequence sets absolute ids): pid 0 for the caller's own,
 * else read by a child of the caller, another process. */
static void status_ids(const char *what, pid_t of)
{
	char path[64], text[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)(of ? of : getpid()));
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		printf("%s: %s: %s\n", what, path, strerror(errno));
		return;
	}
	text[n] = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7))
			printf("%s: [%s]\n", what, line);
	fflush(stdout);
}

/* The same lines of the caller's status read by its child. */
static void status_ids_from_child(const char *what)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		status_ids(what, parent);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
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
	status_ids("resuid, own status", 0);
	status_ids_from_child("resuid, status read by a child");
	result("setfsuid(0) (saved)", setfsuid(0) == 1001 ? 0 : -1);
	status_ids("setfsuid(0), own status", 0);
	status_ids_from_child("setfsuid(0), status read by a child");
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

static void errno_result(const char *what, int r)
{
	printf("  %s: %s\n", what, r == 0 ? "ok" : strerrorname_np(errno));
}

static int open_close(const char *path, int flags)
{
	int fd = open(path, flags);

	return fd < 0 ? -1 : close(fd);
}

static int open_close_mode(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags, mode);

	return fd < 0 ? -1 : close(fd);
}

/* The capability sets of the caller, 64 bits each. */
static int caps_get(unsigned long long *eff, unsigned long long *prm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	*eff = d[0].effective | (unsigned long long)d[1].effective << 32;
	*prm = d[0].permitted | (unsigned long long)d[1].permitted << 32;
	return 0;
}

static int caps_set(unsigned long long eff, unsigned long long prm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (unsigned)eff, (unsigned)prm, 0 },
		{ (unsigned)(eff >> 32), (unsigned)(prm >> 32), 0 },
	};

	return (int)syscall(SYS_capset, &h, d);
}

/* The files of one round, made afresh by root with every capability:
 * another user's (1000) private file, private directory with a file in
 * it, executable and non-executable files, and a sticky directory of a
 * third user's (2000) holding a file of 1000's. */
static void capfiles_make(void)
{
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	mkdir("cap", 0755);
	close(open("cap/other", O_WRONLY | O_CREAT, 0600));
	mkdir("cap/private", 0700);
	close(open("cap/private/f", O_WRONLY | O_CREAT, 0644));
	close(open("cap/prog", O_WRONLY | O_CREAT, 0700));
	close(open("cap/noexec", O_WRONLY | O_CREAT, 0600));
	mkdir("cap/sgid", 0777);
	if (chown("cap/sgid", 1000, 1000))
		printf("chown cap/sgid: %s\n", strerror(errno));
	chmod("cap/sgid", 02777);
	mkdir("cap/sticky", 0777);
	chmod("cap/sticky", 01777);
	close(open("cap/sticky/theirs", O_WRONLY | O_CREAT, 0644));
	const char *theirs[] = { "cap/other", "cap/private/f", "cap/private", "cap/prog",
	                         "cap/noexec", "cap/sticky/theirs" };
	for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++) {
		if (chown(theirs[i], 1000, 1000))
			printf("chown %s: %s\n", theirs[i], strerror(errno));
	}
	if (chown("cap/sticky", 2000, 2000))
		printf("chown cap/sticky: %s\n", strerror(errno));
	chmod("cap/sticky", 01777);
	static const struct {
		const char *path;
		mode_t mode;
	} setid[] = { { "cap/s1", 04755 }, { "cap/s2", 02745 }, { "cap/s3", 06755 },
	              { "cap/s4", 02745 }, { "cap/s5", 04755 }, { "cap/s6", 02745 },
	              { "cap/s7", 06755 } };
	for (size_t i = 0; i < sizeof(setid) / sizeof(setid[0]); i++) {
		close(open(setid[i].path, O_WRONLY | O_CREAT, 0600));
		if (chown(setid[i].path, 1000, 1000))
			printf("chown %s: %s\n", setid[i].path, strerror(errno));
		chmod(setid[i].path, setid[i].mode);
	}
	/* One with contents, for a store through a shared mapping. */
	int fd = open("cap/s8", O_WRONLY | O_CREAT, 0600);
	if (fd >= 0) {
		if (write(fd, "contents", 8) != 8)
			printf("write cap/s8: %s\n", strerror(errno));
		close(fd);
	}
	if (chown("cap/s8", 1000, 1000))
		printf("chown cap/s8: %s\n", strerror(errno));
	chmod("cap/s8", 06755);
	chmod("cap/other", 0600);
	chmod("cap/prog", 0700);
	utimensat(AT_FDCWD, "cap/other", old, 0);
}

static void capfiles_remove(void)
{
	const char *files[] = { "cap/other", "cap/private/f", "cap/private/made", "cap/prog",
	                        "cap/noexec", "cap/sticky/theirs", "cap/dev", "cap/fifo",
	                        "cap/s1", "cap/s2", "cap/s3", "cap/s4", "cap/s5", "cap/s6",
	                        "cap/s7", "cap/s8", "cap/own1", "cap/own2", "cap/own3", "cap/l-other",
	                        "cap/l-s1", "cap/l-theirs" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir("cap/private/made");
	rmdir("cap/private");
	unlink("cap/sgid/new");
	rmdir("cap/sgid");
	rmdir("cap/sticky");
	rmdir("cap");
}

static void show_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		printf("  %s's mode: %o\n", path, (unsigned)st.st_mode & 07777);
}

/* Truncation, writes and chown take the set-ID bits of another's file
 * (setattr_should_drop_suidgid), the first two only without CAP_FSETID. */
static void setid_kills(void)
{
	errno_result("truncate of a 04755 file", truncate("cap/s1", 0));
	show_mode("cap/s1");
	errno_result("O_TRUNC of a 02745 file", open_close("cap/s2", O_WRONLY | O_TRUNC));
	show_mode("cap/s2");
	int fd = open("cap/s3", O_WRONLY);
	errno_result("ftruncate of a 06755 file", fd < 0 ? -1 : ftruncate(fd, 0));
	if (fd >= 0)
		close(fd);
	show_mode("cap/s3");
	errno_result("chown(-1, -1) of a 02745 file", chown("cap/s4", -1, -1));
	show_mode("cap/s4");
	fd = open("cap/s5", O_WRONLY);
	errno_result("write to a 04755 file", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	show_mode("cap/s5");
	errno_result("write to it again", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	if (fd >= 0)
		close(fd);
	fd = open("cap/s6", O_WRONLY | O_APPEND);
	errno_result("append to a 02745 file", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	if (fd >= 0)
		close(fd);
	show_mode("cap/s6");
	fd = open("cap/s7", O_WRONLY);
	errno_result("fallocate of a 06755 file", fd < 0 ? -1 : fallocate(fd, 0, 0, 4096));
	if (fd >= 0)
		close(fd);
	show_mode("cap/s7");
	/* A store through a shared mapping takes nothing: Linux's page_mkwrite
	 * updates the times, not the mode. */
	fd = open("cap/s8", O_RDWR);
	char *p = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	errno_result("shared mapping of a 06755 file", p == MAP_FAILED ? -1 : 0);
	if (p != MAP_FAILED) {
		p[0] = 'C';
		errno_result("msync after a store", msync(p, 4096, MS_SYNC));
		munmap(p, 4096);
	}
	if (fd >= 0)
		close(fd);
	show_mode("cap/s8");
	/* A file that gains the bits after its description's first write:
	 * through that description, then through a path. */
	fd = open("cap/own1", O_WRONLY | O_CREAT | O_EXCL, 0755);
	errno_result("write to a new 0755 file", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	errno_result("fchmod 04755 of it", fd < 0 ? -1 : fchmod(fd, 04755));
	show_mode("cap/own1");
	errno_result("write to it again", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	if (fd >= 0)
		close(fd);
	show_mode("cap/own1");
	close(open("cap/own2", O_WRONLY | O_CREAT | O_EXCL, 0755));
	fd = open("cap/own2", O_WRONLY);
	errno_result("write to another 0755 file", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	errno_result("chmod 04755 of it by its path", chmod("cap/own2", 04755));
	errno_result("write to it again", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	if (fd >= 0)
		close(fd);
	show_mode("cap/own2");
	/* The same with the chmod made by another process. */
	close(open("cap/own3", O_WRONLY | O_CREAT | O_EXCL, 0755));
	fd = open("cap/own3", O_WRONLY);
	errno_result("write to a third 0755 file", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	pid_t pid = fork();
	if (pid == 0)
		_exit(chmod("cap/own3", 04755) ? 1 : 0);
	int status = 0;
	waitpid(pid, &status, 0);
	printf("  a child's chmod 04755 of it: status %d\n", WEXITSTATUS(status));
	errno_result("write to it again", fd < 0 ? -1 : (int)write(fd, "x", 1) - 1);
	if (fd >= 0)
		close(fd);
	show_mode("cap/own3");
}

/* What a root process whose effective set lacks the capabilities in drop
 * may do to the files of capfiles_make. */
static void capfiles_checks(void)
{
	struct stat st;
	struct timespec t[2] = { { 2000000000, 0 }, { 2000000000, 0 } };
	DIR *d;

	/* may_linkat with fs.protected_hardlinks = 1 (Debian's setting, and
	 * the oracle machine's): another's file is linked only by CAP_FOWNER
	 * or when it is a safe source (regular, no set-ID, readable and
	 * writable). */
	errno_result("link another's 0600 file", link("cap/other", "cap/l-other"));
	errno_result("link another's 04755 file", link("cap/s1", "cap/l-s1"));
	errno_result("link another's 0644 file in a sticky directory",
	             link("cap/sticky/theirs", "cap/l-theirs"));
	errno_result("open another's 0600 file for reading", open_close("cap/other", O_RDONLY));
	errno_result("open it for writing", open_close("cap/other", O_WRONLY));
	errno_result("open it with O_NOATIME", open_close("cap/other", O_RDONLY | O_NOATIME));
	int fd = open("cap/other", O_RDONLY);
	errno_result("F_SETFL O_NOATIME on it", fd < 0 ? -1 : fcntl(fd, F_SETFL, O_NOATIME));
	if (fd >= 0)
		close(fd);
	errno_result("open a file in another's 0700 directory",
	             open_close("cap/private/f", O_RDONLY));
	d = opendir("cap/private");
	errno_result("list that directory", d ? closedir(d) : -1);
	errno_result("mkdir in it", mkdir("cap/private/made", 0755));
	errno_result("access(X_OK) of a 0700 file, effective ids",
	             faccessat(AT_FDCWD, "cap/prog", X_OK, AT_EACCESS));
	errno_result("access(X_OK) of a 0600 file, effective ids",
	             faccessat(AT_FDCWD, "cap/noexec", X_OK, AT_EACCESS));
	errno_result("access(R_OK) of another's 0600 file, real ids", access("cap/other", R_OK));
	errno_result("access(R_OK) of a file in another's 0700 directory, real ids",
	             access("cap/private/f", R_OK));
	errno_result("the same, effective ids",
	             faccessat(AT_FDCWD, "cap/private/f", R_OK, AT_EACCESS));
	errno_result("utimensat(explicit times) of another's file", utimensat(AT_FDCWD, "cap/other", t, 0));
	errno_result("utimensat(now) of another's file", utimensat(AT_FDCWD, "cap/other", NULL, 0));
	errno_result("chmod 02640 of another's file", chmod("cap/other", 02640));
	stat("cap/other", &st);
	printf("  its mode: %o\n", (unsigned)st.st_mode & 07777);
	errno_result("chown of another's file to 2000", chown("cap/other", 2000, -1));
	errno_result("chgrp of another's file to 2000", chown("cap/other", -1, 2000));
	stat("cap/other", &st);
	printf("  its owner: %u:%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
	errno_result("unlink another's file in a sticky directory", unlink("cap/sticky/theirs"));
	errno_result("mknod of a character device", mknod("cap/dev", S_IFCHR | 0600, makedev(1, 3)));
	errno_result("mknod of a FIFO", mknod("cap/fifo", S_IFIFO | 0600, 0));
	errno_result("create a 02755 file in another group's set-group-ID directory",
	             open_close_mode("cap/sgid/new", O_WRONLY | O_CREAT | O_EXCL, 02755));
	if (stat("cap/sgid/new", &st) == 0)
		printf("  its mode and group: %o %u\n", (unsigned)st.st_mode & 07777,
		       (unsigned)st.st_gid);
	setid_kills();
	errno = 0;
	int r = setxattr("cap/other", "trusted.lxnt", "v", 1, 0);
	printf("  setxattr trusted.*: %s\n", r < 0 && errno == EPERM ? "EPERM" : "not EPERM");
}

/* One child for each capability dropped from the effective set (the
 * permitted set stays, so access(2), which checks as the real ids, is
 * not affected), one with all of them dropped from both, and one whose
 * fsuid is not 0, which takes the file-system capabilities out of the
 * effective set (cap_emulate_setxuid's rule for setfsuid). */
static void capfiles(void)
{
	static const struct {
		const char *name;
		unsigned long long drop;
		int fsuid;
	} rounds[] = {
		{ "none", 0, 0 },
		{ "CAP_DAC_OVERRIDE", 1ULL << CAP_DAC_OVERRIDE, 0 },
		{ "CAP_DAC_READ_SEARCH", 1ULL << CAP_DAC_READ_SEARCH, 0 },
		{ "CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH",
		  1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_DAC_READ_SEARCH, 0 },
		{ "CAP_FOWNER", 1ULL << CAP_FOWNER, 0 },
		{ "CAP_FSETID", 1ULL << CAP_FSETID, 0 },
		{ "CAP_CHOWN", 1ULL << CAP_CHOWN, 0 },
		{ "CAP_MKNOD", 1ULL << CAP_MKNOD, 0 },
		{ "CAP_SYS_ADMIN", 1ULL << CAP_SYS_ADMIN, 0 },
		{ "everything, also from the permitted set", ~0ULL, 0 },
		{ "nothing, but fsuid 3000", 0, 3000 },
	};

	for (size_t i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++) {
		capfiles_make();
		pid_t pid = fork();
		if (pid == 0) {
			unsigned long long eff, prm;
			if (caps_get(&eff, &prm))
				_exit(2);
			if (rounds[i].drop == ~0ULL)
				prm = 0;
			printf("drop %s: capset %s\n", rounds[i].name,
			       caps_set(eff & ~rounds[i].drop, prm) ? strerrorname_np(errno) : "ok");
			if (rounds[i].fsuid)
				setfsuid(rounds[i].fsuid);
			capfiles_checks();
			_exit(0);
		}
		int status;
		waitpid(pid, &status, 0);
		capfiles_remove();
	}
}

/* The order of unlink's and rmdir's errors in a directory the caller
 * may not write (fs/namei.c): may_delete's EACCES comes before rmdir's
 * ENOTDIR and unlink's EISDIR, but after the ENOENT of a missing name,
 * and unlink's trailing-slash errors come before it. */
static void remove_order(void)
{
	static const struct { bool dir; const char *path; } calls[] = {
		{ true, "rm/f" }, { true, "rm/f/" }, { false, "rm/sub" }, { false, "rm/sub/" },
		{ false, "rm/f/" }, { true, "rm/sub" }, { false, "rm/f" }, { true, "rm/none" },
		{ false, "rm/none" },
	};
	int status;

	mkdir("rm", 0755);
	close(open("rm/f", O_CREAT | O_WRONLY, 0644));
	mkdir("rm/sub", 0755);
	chmod("rm", 0555);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534))
			_exit(1);
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			int r = calls[i].dir ? rmdir(calls[i].path) : unlink(calls[i].path);
			printf("%s %s: %s\n", calls[i].dir ? "rmdir" : "unlink", calls[i].path,
			       r ? strerror(errno) : "removed");
		}
		_exit(0);
	}
	waitpid(pid, &status, 0);
	chmod("rm", 0755);
	unlink("rm/f");
	rmdir("rm/sub");
	printf("remove order: child %s, cleaned up: %s\n", status == 0 ? "ran" : "failed",
	       yes(rmdir("rm") == 0));
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
	if (argc > 1 && !strcmp(argv[1], "capfiles")) {
		if (start_uid == 0)
			capfiles();
		else
			printf("not root: no capability checks\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "remove-order")) {
		if (start_uid == 0)
			remove_order();
		else
			printf("not root: no permission checks\n");
		return 0;
	}
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
