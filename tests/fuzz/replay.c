/*
 * fuzz-replay: the fuzzer's findings and hand-made malformed files, run
 * through the same entry points as the fuzzer (entries.c) in the normal
 * suite, built with gcc's AddressSanitizer and UndefinedBehaviorSanitizer.
 *
 *   fuzz-replay BASE DIR...
 *
 * Each file in each DIR, and each malformed variant of the ELF file BASE
 * (malformed.c), runs in its own child process with a time limit; a test
 * point passes if the child exits normally, which entries.c only allows
 * when every call succeeded or failed with a one-line error.  TAP output.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "entries.h"
#include "malformed.h"
#include "rewrite.h"

/* Seconds per input: the slowest regression input takes well under one. */
#define INPUT_TIMEOUT 30

static int points, failures;

static void report(int ok, const char *name, const char *why)
{
	points++;
	if (!ok)
		failures++;
	printf("%s %d - %s%s%s\n", ok ? "ok" : "not ok", points, name, why ? ": " : "",
		why ? why : "");
	fflush(stdout);
}

static void run_one(const char *name, const uint8_t *data, size_t n)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		report(0, name, "fork failed");
		return;
	}
	if (pid == 0) {
		alarm(INPUT_TIMEOUT);
		fuzz_entries(data, n);
		exit(0); /* not _exit: LeakSanitizer checks at exit */
	}
	int st;
	char why[64];
	if (waitpid(pid, &st, 0) != pid)
		report(0, name, "waitpid failed");
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		report(0, name, "timed out (a hang)");
	else if (WIFSIGNALED(st)) {
		snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(st));
		report(0, name, why);
	} else if (WEXITSTATUS(st) != 0) {
		snprintf(why, sizeof(why), "exit status %d (sanitizer report above)", WEXITSTATUS(st));
		report(0, name, why);
	} else
		report(1, name, NULL);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_dir(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, by_name);
	if (n < 0) {
		report(0, dir, "cannot read the directory");
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[4096], err[512];
		uint8_t *data;
		size_t len;
		if (ents[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			if (lxnt_read_file(path, &data, &len, err, sizeof(err)) == 0) {
				run_one(path, data, len);
				free(data);
			} else if (strstr(err, "directory") == NULL)
				report(0, path, err);
		}
		free(ents[i]);
	}
	free(ents);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fuzz-replay BASE DIR...\n");
		return 2;
	}
	uint8_t *base;
	size_t n;
	char err[512];
	if (lxnt_read_file(argv[1], &base, &n, err, sizeof(err))) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	run_one(argv[1], base, n); /* the unchanged file must pass too */
	/* LXNT_FUZZ_DUMP=DIR keeps the variants, to look at by hand. */
	const char *dump = getenv("LXNT_FUZZ_DUMP");
	struct malformed m;
	for (int i = 0; malformed_make(i, base, n, &m) == 0; i++) {
		if (dump) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/malformed-%02d", dump, i);
			if (lxnt_write_file(path, m.data, m.size, 0644, err, sizeof(err)))
				fprintf(stderr, "%s\n", err);
		}
		run_one(m.name, m.data, m.size);
		free(m.data);
	}
	free(base);
	for (int i = 2; i < argc; i++)
		run_dir(argv[i]);
	printf("1..%d\n", points);
	return failures ? 1 : 0;
}
