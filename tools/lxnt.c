/*
 * lxnt, the build-host command: one subcommand per job, dispatched from the
 * table below.  Errors are one line on stderr naming the file and the
 * reason, and a non-zero exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "pack.h"
#include "rewrite.h"
#include "verify.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static int usage_error(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: lxnt %s %s\n", cmd, usage);
	return 2;
}

/* lxnt rewrite IN -o OUT [--force-trap] [--no-verify] [-q] */
static int cmd_rewrite(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	struct lxnt_rewrite_options opt = {0};
	int quiet = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--force-trap") == 0)
			opt.force_trap = 1;
		else if (strcmp(argv[i], "--no-verify") == 0)
			opt.no_verify = 1;
		else if (strcmp(argv[i], "-q") == 0)
			quiet = 1;
		else if (argv[i][0] != '-' && !in)
			in = argv[i];
		else
			return usage_error("rewrite", "IN -o OUT [--force-trap] [--no-verify] [-q]");
	}
	if (!in || !out)
		return usage_error("rewrite", "IN -o OUT [--force-trap] [--no-verify] [-q]");
	char err[512];
	struct lxnt_rewrite_report rep;
	if (lxnt_rewrite_file(in, out, &opt, &rep, err, sizeof(err))) {
		fprintf(stderr, "lxnt rewrite: %s\n", err);
		return 1;
	}
	if (!quiet)
		printf("%s: %u sites (syscall %u, sysenter %u, int80 %u, fs %u); "
			"gs-inplace %u, jump %u, punned %u, evict %u, trap %u; %llu trampoline bytes\n",
			out, rep.site_count, rep.kind_count[LXNT_SITE_SYSCALL],
			rep.kind_count[LXNT_SITE_SYSENTER], rep.kind_count[LXNT_SITE_INT80],
			rep.kind_count[LXNT_SITE_FS], rep.rung_count[LXNT_RUNG_GS_INPLACE],
			rep.rung_count[LXNT_RUNG_JUMP], rep.rung_count[LXNT_RUNG_PUNNED],
			rep.rung_count[LXNT_RUNG_EVICT],
			rep.rung_count[LXNT_RUNG_TRAP],
			(unsigned long long)rep.tramp_size);
	if (rep.trap_red_zone)
		fprintf(stderr, "lxnt rewrite: %s: %u trap sites in functions that keep data "
			"in the red zone, which the trap's exception frame may overwrite\n",
			in, rep.trap_red_zone);
	return 0;
}

/* lxnt inspect FILE */
static int cmd_inspect(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-')
		return usage_error("inspect", "FILE");
	char err[512];
	struct lxnt_rewrite_report rep;
	if (lxnt_inspect_file(argv[1], stdout, &rep, err, sizeof(err))) {
		fflush(stdout);
		fprintf(stderr, "lxnt inspect: %s\n", err);
		return 1;
	}
	return rep.unhandled ? 1 : 0;
}

/* lxnt verify FILE [--original IN]: one verdict line, then a line per problem. */
static int cmd_verify(int argc, char **argv)
{
	const char *file = NULL, *orig = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--original") == 0 && i + 1 < argc)
			orig = argv[++i];
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			return usage_error("verify", "FILE [--original IN]");
	}
	if (!file)
		return usage_error("verify", "FILE [--original IN]");
	char err[512], *lines = NULL;
	size_t len = 0;
	struct lxnt_verify_report rep;
	FILE *log = open_memstream(&lines, &len); /* the verdict goes first */
	int rc = lxnt_verify_file(file, orig, log, &rep, err, sizeof(err));
	if (log)
		fclose(log);
	if (rc) {
		fprintf(stderr, "lxnt verify: %s\n", err);
	} else if (rep.problems) {
		printf("%s: FAILED: %u problem%s (%u sites in the table, %u found in the input)\n%s",
			file, rep.problems, rep.problems == 1 ? "" : "s", rep.site_count, rep.original_sites, lines ? lines : "");
	} else {
		printf("%s: verified: %u sites, all accounted for, patched and returning%s\n",
			file, rep.site_count, orig ? "; identical to the input elsewhere" :
			"; input rebuilt and matches its SHA-256");
	}
	free(lines);
	return rc || rep.problems ? 1 : 0;
}

static const struct command commands[] = {
	{ "rewrite", cmd_rewrite, "IN -o OUT [--force-trap] [--no-verify] [-q]: patch every site of an ELF64 x86-64 file" },
	{ "inspect", cmd_inspect, "FILE: list every site and the rung it took or would take" },
	{ "verify", cmd_verify, "FILE [--original IN]: check a rewritten file with an independent decoder" },
	{ "pack", lxnt_cmd_pack, "IN -o OUT.exe [--runtime PATH] [--no-rewrite] [--force-trap] [--no-verify]: build a Windows executable" },
	{ "convert", lxnt_cmd_convert, "SRC DEST [-j N] [--cache DIR | --no-cache] [-q]: copy a rootfs (directory or tarball) with every ELF file rewritten" },
};

static int usage(FILE *f)
{
	fprintf(f, "usage: lxnt COMMAND ARGS...\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].usage);
	return f == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "--version") == 0) {
		printf("lxnt %s\n", LXNT_REWRITER_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "lxnt: unknown command '%s'\n", argv[1]);
	return 2;
}
