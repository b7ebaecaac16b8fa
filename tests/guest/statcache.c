/*
 * What one process stats must follow what another process changed in
 * between (the stat cache, vfs/statcache.c): each scenario stats a name
 * twice (once to fill a cache, once more to use it), lets a child process
 * change what the name is, and stats it again.  Times and inode numbers
 * differ between runs, so only their relations are printed.
 *
 *   statcache replace|unlink|link|unlink-other|rename-dir|chmod|write|created|windows
 *   statcache shared-chmod|shared-chown|shared-utimens|shared-rename|shared-recreate|shared-link
 *
 * The "shared-" scenarios are for the cache that the processes of an
 * instance share: process A stats a file (filling it), changes it, and
 * starts a new process B (an exec of this program), which stats the file;
 * A changes it again while B waits, and B stats it once more.
 *
 * "windows" has the change made by a Windows program when there is one
 * (lxnt under Wine: cmd.exe's `move /y`, which lxnt never sees), and by
 * rename(2) natively: the result must be the same.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CMD "/mnt/c/windows/system32/cmd.exe"

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) ||
	    chmod(path, mode)) {
		perror(path);
		exit(1);
	}
}

/* Old enough that a file time cannot repeat (vfs/statcache.c, RACY_WINDOW). */
static void settle(void)
{
	usleep(150 * 1000);
}

static int look(const char *path, struct stat *st)
{
	if (stat(path, st) == 0 && stat(path, st) == 0)
		return 0;
	return -errno;
}

static void show(const char *what, const char *path, const struct stat *before)
{
	struct stat st;
	int err = look(path, &st);

	if (err) {
		printf("%s: %s: %s\n", what, path, strerror(-err));
		return;
	}
	printf("%s: %s mode %o size %lld nlink %lu ino %s\n", what, path,
	       (unsigned)(st.st_mode & 07777), (long long)st.st_size, (unsigned long)st.st_nlink,
	       before ? (st.st_ino == before->st_ino ? "same" : "other") : "-");
}

/* Runs change() in a child process and waits for it. */
static void in_child(void (*change)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		change();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "child failed\n");
		exit(1);
	}
}

static void must(int r, const char *what)
{
	if (r) {
		perror(what);
		_exit(1);
	}
}

static void replace_a(void) { must(rename("b", "a"), "rename"); }
static void unlink_x(void) { must(unlink("x"), "unlink"); }
static void link_y(void) { must(link("y", "y2"), "link"); }
static void unlink_z2(void) { must(unlink("z2"), "unlink"); }
static void chmod_m(void) { must(chmod("m", 0711), "chmod"); }

static void write_w(void)
{
	int fd = open("w", O_WRONLY | O_APPEND);
	must(fd < 0 || write(fd, "more\n", 5) != 5 || close(fd), "append");
}

static void move_dir(void)
{
	must(rename("d", "e"), "rename");
	must(mkdir("d", 0755), "mkdir");
	put("d/f", "a new file\n", 0640);
}

static void replace_f0(void) { must(rename("c/f7", "c/f0"), "rename"); }

/* cmd.exe's move replaces; its output ("1 file(s) moved.") is not ours. */
static void windows_move(void)
{
	if (access(CMD, X_OK) == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(CMD, CMD, "/c", "move", "/y", "wb", "wa", (char *)NULL);
		_exit(127);
	}
	must(rename("wb", "wa"), "rename");
}

/* What B prints of a stat: the fields a change can move (the times only
 * where the scenario set them), and whether the inode is the one B saw
 * first. */
static void show_b(const char *what, const char *path, const struct stat *first, bool times)
{
	struct stat st;
	int err = look(path, &st);

	if (err) {
		printf("%s: %s: %s\n", what, path, strerror(-err));
	} else {
		printf("%s: %s mode %o size %lld nlink %lu uid %u gid %u ino %s", what, path,
		       (unsigned)(st.st_mode & 07777), (long long)st.st_size,
		       (unsigned long)st.st_nlink, (unsigned)st.st_uid, (unsigned)st.st_gid,
		       first ? (st.st_ino == first->st_ino ? "same" : "other") : "-");
		if (times)
			printf(" atime %lld.%09ld mtime %lld.%09ld", (long long)st.st_atim.tv_sec,
			       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		printf("\n");
	}
	fflush(stdout);
}

/* B: stats path, says so on fd 4, waits for a byte on fd 3, stats again. */
static int peek(const char *path, const char *scenario)
{
	bool times = !strcmp(scenario, "shared-utimens");
	struct stat first;
	char c;

	look(path, &first);
	show_b("B first", path, NULL, times);
	if (write(4, "r", 1) != 1 || read(3, &c, 1) != 1)
		return 1;
	/* Linux may give a new file the inode number of the one just
	 * unlinked, or not: nothing to compare there. */
	show_b("B again", path, strcmp(scenario, "shared-recreate") ? &first : NULL, times);
	return 0;
}

static void set_times(const char *path, long sec)
{
	struct timespec ts[2] = { { sec, 0 }, { sec, 123456789 } };
	must(utimensat(AT_FDCWD, path, ts, 0), "utimensat");
}

/* The change number n (1 or 2) of scenario s, made by A on "s1". */
static void shared_change(const char *s, int n)
{
	if (!strcmp(s, "shared-chmod")) {
		must(chmod("s1", n == 1 ? 0640 : 0604), "chmod");
	} else if (!strcmp(s, "shared-chown")) {
		must(chown("s1", n == 1 ? 1234 : 4321, n == 1 ? 5678 : 8765), "chown");
	} else if (!strcmp(s, "shared-utimens")) {
		set_times("s1", n == 1 ? 1000000000 : 1200000000);
	} else if (!strcmp(s, "shared-rename")) {
		put("s2", n == 1 ? "second\n" : "third one\n", n == 1 ? 0700 : 0750);
		must(rename("s2", "s1"), "rename");
	} else if (!strcmp(s, "shared-recreate")) {
		must(unlink("s1"), "unlink");
		put("s1", n == 1 ? "made again\n" : "and again, longer\n", n == 1 ? 0664 : 0606);
	} else if (!strcmp(s, "shared-link")) {
		if (n == 1)
			must(link("s1", "s1-link"), "link");
		else
			must(unlink("s1-link"), "unlink");
	}
}

/* A: the file, stated (so that the shared cache has it), changed, then
 * B started and stated, the file changed again while B waits. */
static int shared(const char *s)
{
	int ready[2], go[2], status;
	pid_t pid;
	char c;

	put("s1", "first\n", 0644);
	settle();
	show("A before", "s1", NULL);
	shared_change(s, 1);
	settle();
	show("A after 1", "s1", NULL);
	fflush(stdout);
	if (pipe(ready) || pipe(go))
		return 1;
	pid = fork();
	if (pid == 0) {
		dup2(go[0], 3);
		dup2(ready[1], 4);
		execl("/proc/self/exe", "statcache", "peek", "s1", s, (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		return 1;
	shared_change(s, 2);
	settle();
	show("A after 2", "s1", NULL);
	fflush(stdout);
	if (write(go[1], "g", 1) != 1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	unlink("s1");
	return 0;
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";
	struct stat st, st2;

	if (!strcmp(s, "peek") && argc > 3) {
		return peek(argv[2], argv[3]);
	} else if (!strncmp(s, "shared-", 7)) {
		return shared(s);
	} else if (!strcmp(s, "replace")) {
		put("a", "1\n", 0600);
		put("b", "22\n", 0755);
		settle();
		look("a", &st);
		show("before", "a", &st);
		in_child(replace_a);
		show("after", "a", &st);
		show("after", "b", NULL);
	} else if (!strcmp(s, "unlink")) {
		put("x", "x\n", 0644);
		settle();
		show("before", "x", NULL);
		in_child(unlink_x);
		show("after", "x", NULL);
	} else if (!strcmp(s, "link")) {
		put("y", "y\n", 0644);
		settle();
		look("y", &st);
		show("before", "y", &st);
		in_child(link_y);
		show("after", "y", &st);
		show("after", "y2", &st);
	} else if (!strcmp(s, "unlink-other")) {
		put("z", "z\n", 0644);
		must(link("z", "z2"), "link");
		settle();
		look("z", &st);
		show("before", "z", &st);
		in_child(unlink_z2);
		show("after", "z", &st);
	} else if (!strcmp(s, "rename-dir")) {
		must(mkdir("d", 0755), "mkdir");
		put("d/f", "old\n", 0600);
		settle();
		look("d/f", &st);
		show("before", "d/f", &st);
		in_child(move_dir);
		show("after", "d/f", &st);
		show("after", "e/f", &st);
	} else if (!strcmp(s, "chmod")) {
		put("m", "m\n", 0644);
		settle();
		show("before", "m", NULL);
		in_child(chmod_m);
		show("after", "m", NULL);
	} else if (!strcmp(s, "write")) {
		put("w", "w\n", 0644);
		settle();
		look("w", &st);
		show("before", "w", &st);
		in_child(write_w);
		show("after", "w", &st);
	} else if (!strcmp(s, "created")) {
		/* Files this process created, stated one after the other (the
		 * cache then lists their directory once). */
		char name[32];
		must(mkdir("c", 0755), "mkdir");
		for (int i = 0; i < 8; i++) {
			snprintf(name, sizeof(name), "c/f%d", i);
			char text[16];
			snprintf(text, sizeof(text), "%.*s\n", i + 1, "abcdefgh");
			put(name, text, 0600 + i);
		}
		settle();
		for (int i = 7; i >= 0; i--) {
			snprintf(name, sizeof(name), "c/f%d", i);
			show("before", name, NULL);
		}
		look("c/f7", &st2);
		look("c/f0", &st);
		in_child(replace_f0);
		show("after", "c/f0", &st2);
		show("after", "c/f7", NULL);
	} else if (!strcmp(s, "windows")) {
		put("wa", "1\n", 0600);
		put("wb", "22\n", 0755);
		settle();
		look("wb", &st2);
		look("wa", &st);
		show("before", "wa", &st);
		in_child(windows_move);
		show("after", "wa", &st2);
		show("after", "wb", NULL);
	} else {
		fprintf(stderr, "usage: statcache SCENARIO\n");
		return 2;
	}
	return 0;
}
