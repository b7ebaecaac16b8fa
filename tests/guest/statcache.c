/*
 * What one process stats must follow what another process changed in
 * between (the stat cache, vfs/statcache.c): each scenario stats a name
 * twice (once to fill a cache, once more to use it), lets a child process
 * change what the name is, and stats it again.  Times and inode numbers
 * differ between runs, so only their relations are printed.
 *
 *   statcache replace|unlink|link|unlink-other|rename-dir|chmod|write|created|windows
 *
 * "windows" has the change made by a Windows program when there is one
 * (lxnt under Wine: cmd.exe's `move /y`, which lxnt never sees), and by
 * rename(2) natively: the result must be the same.
 */
#include <errno.h>
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

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";
	struct stat st, st2;

	if (!strcmp(s, "replace")) {
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
