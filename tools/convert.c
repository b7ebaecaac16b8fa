/*
 * lxnt convert SRC DEST [-j N] [--cache DIR | --no-cache] [-q]
 *
 * Copies the rootfs directory or tarball SRC to DEST with every ELF64 x86-64
 * executable and shared object rewritten and every name encoded as the vfs
 * stores it (docs/architecture.md, "Converting a rootfs").  The main thread
 * walks SRC (or reads the tarball, its files' data into a staging
 * directory next to DEST, removed at the end) and makes directories, symlinks and special files (as the
 * portable format's plain files); worker threads take the regular files
 * from a queue, largest first, and rewrite or copy them; then hard links
 * are made, the manifest of every entry's Linux metadata is written, and
 * the directories get their final mode and times, deepest first.
 */
#include "convert.h"

#include <dirent.h>
#include <errno.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONVERT_USAGE "SRC DEST [-j N] [--cache DIR | --no-cache] [-q]"

struct msg_list {
	char **v;
	size_t n;
};

struct convert {
	const char *src, *dest;
	const char *root;         /* where entries' rel paths are read: SRC, or NULL */
	int show_progress;
	struct cv_tree tree;
	struct cv_file_job *jobs; /* one per regular file that is not a later hard link */
	long *job_of_entry;       /* index into jobs, or -1 */
	size_t njobs;
	size_t *order;            /* jobs by size, largest first */
	const struct lxnt_rewrite_options *opt;
	struct cv_cache *cache;
	uint64_t total_bytes;
	atomic_size_t next, done_files, done_elf;
	atomic_ullong done_bytes;
	struct msg_list failures;
	size_t dirs, symlinks, specials, hard_links;
	struct timespec start;
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void note(struct msg_list *l, const char *text)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return;
	l->v = v;
	if ((l->v[l->n] = strdup(text)))
		l->n++;
}

static void free_list(struct msg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static char *join(const char *root, const char *rel)
{
	size_t n = strlen(root) + strlen(rel) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s%s", root, *rel ? "/" : "", rel);
	return p;
}

/* DEST must be new or an empty directory, so that nothing stale is mixed
 * into the converted tree; *existed says which, so that a conversion that
 * fails before writing removes only a DEST it made. */
static int prepare_dest(const char *dest, struct stat *st, int *existed, char *err,
	size_t errlen)
{
	*existed = 0;
	if (mkdir(dest, 0700) != 0) {
		if (errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create: %s", dest, strerror(errno));
			return -1;
		}
		if (rmdir(dest) != 0 || mkdir(dest, 0700) != 0) {
			snprintf(err, errlen, "%s: exists and is not an empty directory", dest);
			return -1;
		}
		*existed = 1;
	}
	return stat(dest, st);
}

/* Pass 1, main thread: the tree's shape, and the list of regular files. */
static int plan_tree(struct convert *cv)
{
	struct cv_tree *t = &cv->tree;
	cv->jobs = calloc(t->n, sizeof(*cv->jobs));
	cv->job_of_entry = malloc(t->n * sizeof(*cv->job_of_entry));
	if (!cv->jobs || !cv->job_of_entry)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		struct cv_entry *e = &t->v[i];
		char err[PATH_MAX + 128];
		cv->job_of_entry[i] = -1;
		if (i == 0 || e->link_primary >= 0)
			continue; /* DEST exists; hard links come after their primary */
		char *src = e->from ? strdup(e->from) : join(cv->root ? cv->root : "", e->rel);
		char *dest = join(cv->dest, e->out);
		if (!src || !dest)
			return -1;
		mode_t type = e->st.st_mode & S_IFMT;
		int rc = 0;
		if (type == S_IFREG) {
			struct cv_file_job *j = &cv->jobs[cv->njobs];
			j->src = src;
			j->name = e->from ? e->rel : src;
			j->dest = dest;
			j->st = &e->st;
			cv->job_of_entry[i] = (long)cv->njobs++;
			cv->total_bytes += (uint64_t)e->st.st_size;
			continue;
		} else if (type == S_IFDIR) {
			cv->dirs++;
			rc = cv_make_dir(dest, err, sizeof(err));
		} else if (type == S_IFLNK) {
			cv->symlinks++;
			rc = cv_make_symlink(src, dest, &e->st, &e->target, err, sizeof(err));
		} else {
			cv->specials++;
			rc = cv_make_special(dest, &e->st, err, sizeof(err));
		}
		if (rc)
			note(&cv->failures, err);
		free(src);
		free(dest);
	}
	return 0;
}

static int by_size_desc(const void *a, const void *b, void *arg)
{
	const struct convert *cv = arg;
	off_t x = cv->jobs[*(const size_t *)a].st->st_size;
	off_t y = cv->jobs[*(const size_t *)b].st->st_size;
	if (x != y)
		return x > y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void *worker(void *arg)
{
	struct convert *cv = arg;
	for (;;) {
		size_t k = atomic_fetch_add(&cv->next, 1);
		if (k >= cv->njobs)
			break;
		struct cv_file_job *j = &cv->jobs[cv->order[k]];
		cv_convert_file(j, cv->opt, cv->cache);
		if (j->outcome == CV_REWRITTEN)
			atomic_fetch_add(&cv->done_elf, 1);
		atomic_fetch_add(&cv->done_bytes, (unsigned long long)j->st->st_size);
		atomic_fetch_add(&cv->done_files, 1);
	}
	return NULL;
}

/* One line redrawn with \r on a terminal: files, MB, ELF files, rate. */
static void draw_progress(struct convert *cv, int last)
{
	size_t files = atomic_load(&cv->done_files);
	double mb = (double)atomic_load(&cv->done_bytes) / 1e6, total = (double)cv->total_bytes / 1e6;
	double secs = seconds_since(&cv->start);
	int width = 24, fill = cv->njobs ? (int)(width * files / cv->njobs) : width;
	fprintf(stderr, "\r[%.*s%*s] %zu/%zu files  %.1f/%.1f MB  %zu ELF  %.1f MB/s   ",
		fill, "########################", width - fill, "", files, cv->njobs, mb, total,
		atomic_load(&cv->done_elf), secs > 0 ? mb / secs : 0.0);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
}

static int run_workers(struct convert *cv, long nthreads)
{
	cv->order = malloc((cv->njobs ? cv->njobs : 1) * sizeof(*cv->order));
	pthread_t *tid = calloc((size_t)nthreads, sizeof(*tid));
	if (!cv->order || !tid) {
		free(tid);
		return -1;
	}
	for (size_t k = 0; k < cv->njobs; k++)
		cv->order[k] = k;
	/* Largest first, so that one big library does not finish alone. */
	if (cv->njobs)
		qsort_r(cv->order, cv->njobs, sizeof(*cv->order), by_size_desc, cv);
	long started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&tid[started], NULL, worker, cv) != 0)
			break;
	if (started == 0)
		worker(cv);
	while (cv->show_progress && atomic_load(&cv->done_files) < cv->njobs) {
		draw_progress(cv, 0);
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
	}
	for (long k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	if (cv->show_progress)
		draw_progress(cv, 1);
	free(tid);
	return 0;
}

/* Pass 3: hard links to their primary, once it exists in DEST. */
static void make_hard_links(struct convert *cv)
{
	const struct cv_tree *t = &cv->tree;
	for (size_t i = 1; i < t->n; i++) {
		const struct cv_entry *e = &t->v[i];
		if (e->link_primary < 0)
			continue;
		char err[2 * PATH_MAX];
		char *primary = join(cv->dest, t->v[e->link_primary].out), *dest = join(cv->dest, e->out);
		long job = cv->job_of_entry[e->link_primary];
		struct stat st;
		if (!primary || !dest) {
			snprintf(err, sizeof(err), "%s: out of memory", e->rel);
			note(&cv->failures, err);
		} else if ((job >= 0 && cv->jobs[job].outcome == CV_FAILED) ||
			   lstat(primary, &st) != 0) {
			snprintf(err, sizeof(err), "%s: hard link of %s, which was left out", dest,
				primary);
			note(&cv->failures, err);
		} else if (cv_make_hard_link(primary, dest, err, sizeof(err))) {
			note(&cv->failures, err);
		} else {
			cv->hard_links++;
		}
		free(primary);
		free(dest);
	}
}

/* Pass 4: the manifest, once every entry that will exist in DEST does. */
static void write_manifest(struct convert *cv)
{
	char err[PATH_MAX + 128];
	if (cv_write_manifest(cv->dest, &cv->tree, err, sizeof(err)))
		note(&cv->failures, err);
}

/* Pass 5: directories get their mode and times, deepest first, so that
 * writing into a directory does not change its times again. */
static void finish_dirs(struct convert *cv)
{
	for (size_t i = cv->tree.n; i-- > 0;) {
		const struct cv_entry *e = &cv->tree.v[i];
		if (!S_ISDIR(e->st.st_mode))
			continue;
		char err[PATH_MAX + 128], *dest = join(cv->dest, e->out);
		if (!dest || cv_apply_meta(dest, &e->st, err, sizeof(err)))
			note(&cv->failures, dest ? err : "out of memory");
		free(dest);
	}
}

static const char *const kind_label[LXNT_SITE_KIND_COUNT] = {
	"syscall", "sysenter", "int80", "fs",
};
static const char *const rung_label[LXNT_RUNG_COUNT] = {
	"gs-inplace", "jump", "punned", "evict", "trap",
};

static void print_sites(const struct cv_sites *s)
{
	uint64_t total = 0;
	for (int k = 0; k < LXNT_SITE_KIND_COUNT; k++)
		for (int r = 0; r < LXNT_RUNG_COUNT; r++)
			total += s->by_kind_rung[k][r];
	printf("sites: %llu\n  %-9s %8s", (unsigned long long)total, "kind", "sites");
	for (int r = 0; r < LXNT_RUNG_COUNT; r++)
		printf(" %10s", rung_label[r]);
	printf(" %10s\n", "not trap");
	for (int k = 0; k < LXNT_SITE_KIND_COUNT; k++) {
		uint64_t n = 0;
		for (int r = 0; r < LXNT_RUNG_COUNT; r++)
			n += s->by_kind_rung[k][r];
		printf("  %-9s %8llu", kind_label[k], (unsigned long long)n);
		for (int r = 0; r < LXNT_RUNG_COUNT; r++)
			printf(" %10llu", (unsigned long long)s->by_kind_rung[k][r]);
		uint64_t off_trap = n - s->by_kind_rung[k][LXNT_RUNG_TRAP];
		/* Two decimals: the coverage goal is 99.9% for %fs sites. */
		if (n)
			printf(" %9.2f%%\n", 100.0 * (double)off_trap / (double)n);
		else
			printf(" %10s\n", "-");
	}
}

static int summarize(struct convert *cv)
{
	size_t count[CV_FAILED + 1] = {0}, hits = 0;
	uint64_t elf_bytes = 0;
	struct cv_sites sites;
	struct msg_list red_zone = { 0 };
	memset(&sites, 0, sizeof(sites));
	for (size_t i = 0; i < cv->njobs; i++) {
		const struct cv_file_job *j = &cv->jobs[i];
		count[j->outcome]++;
		if (j->outcome == CV_FAILED)
			note(&cv->failures, j->err);
		if (j->outcome != CV_REWRITTEN)
			continue;
		hits += (size_t)j->cache_hit;
		elf_bytes += (uint64_t)j->st->st_size;
		for (int k = 0; k < LXNT_SITE_KIND_COUNT; k++)
			for (int r = 0; r < LXNT_RUNG_COUNT; r++)
				sites.by_kind_rung[k][r] += j->sites.by_kind_rung[k][r];
		sites.trap_red_zone += j->sites.trap_red_zone;
		if (j->sites.trap_red_zone)
			note(&red_zone, j->name);
	}
	double secs = seconds_since(&cv->start);
	printf("lxnt convert: %s -> %s\n", cv->src, cv->dest);
	printf("entries: %zu regular files, %zu directories, %zu symlinks, %zu hard links, "
		"%zu special files\n", cv->njobs, cv->dirs, cv->symlinks, cv->hard_links,
		cv->specials);
	printf("ELF files: %zu rewritten (%zu from the cache), %zu already rewritten, "
		"%zu other ELF files copied as data; %zu other files copied\n",
		count[CV_REWRITTEN], hits, count[CV_ALREADY], count[CV_COPIED_ELF],
		count[CV_COPIED]);
	print_sites(&sites);
	/* docs/architecture.md, "The red zone and the trap rung" */
	printf("trap sites in functions that use the red zone: %llu\n",
		(unsigned long long)sites.trap_red_zone);
	for (size_t i = 0; i < red_zone.n; i++)
		printf("  %s\n", red_zone.v[i]);
	free_list(&red_zone);
	if (cv->cache && cv_cache_bad_entries(cv->cache))
		printf("cache: %lu damaged entries ignored and replaced\n",
			cv_cache_bad_entries(cv->cache));
	printf("time: %.2f s, %.1f MB of ELF input, %.1f MB/s\n", secs, (double)elf_bytes / 1e6,
		secs > 0 ? (double)elf_bytes / 1e6 / secs : 0.0);
	/* Not failures: DEST has the entries, without what lxnt cannot store. */
	if (cv->tree.nnot_kept)
		printf("not kept: the ACLs or the xattrs of other namespaces than user., "
			"trusted. and security. of %zu entries (docs/vfs.md)\n", cv->tree.nnot_kept);
	for (size_t i = 0; i < cv->tree.nnot_kept; i++)
		printf("  %s\n", cv->tree.not_kept[i]);
	printf("failed (left out of DEST): %zu\n", cv->failures.n);
	fflush(stdout);
	for (size_t i = 0; i < cv->failures.n; i++)
		fprintf(stderr, "lxnt convert: %s\n", cv->failures.v[i]);
	return cv->failures.n ? 1 : 0;
}

static void convert_free(struct convert *cv)
{
	for (size_t i = 0; i < cv->njobs; i++) {
		free((char *)cv->jobs[i].src);
		free((char *)cv->jobs[i].dest);
	}
	free(cv->jobs);
	free(cv->job_of_entry);
	free(cv->order);
	free_list(&cv->failures);
	cv_tree_free(&cv->tree);
	if (cv->cache)
		cv_cache_close(cv->cache);
}

/*
 * The staging directory of a tarball's file data: a new directory next to
 * DEST (same file system, so DEST's disk holds it),
 * "<DEST>.tar-<pid>-XXXXXX", the pid this process's, so that a later
 * convert can tell a staging directory left by a killed one.
 */
static int make_staging(const char *dest, char *buf, size_t len, char *err, size_t errlen)
{
	size_t n = strlen(dest);
	while (n > 1 && dest[n - 1] == '/')
		n--;
	if (snprintf(buf, len, "%.*s.tar-%ld-XXXXXX", (int)n, dest, (long)getpid()) >= (int)len ||
	    !mkdtemp(buf)) {
		snprintf(err, errlen, "%.*s.tar-%ld-XXXXXX: cannot create the staging directory: %s",
			(int)n, dest, (long)getpid(), strerror(errno));
		return -1;
	}
	return 0;
}

/* Removes the staging directory: it holds only plain files by number. */
static void remove_staging(const char *staging)
{
	DIR *d = opendir(staging);
	struct dirent *de;
	char path[PATH_MAX];
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    snprintf(path, sizeof(path), "%s/%s", staging, de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	if (d)
		closedir(d);
	if (rmdir(staging) != 0)
		fprintf(stderr, "lxnt convert: %s: cannot remove: %s\n", staging, strerror(errno));
}

/*
 * The pid in a staging directory's name "<base>.tar-<pid>-XXXXXX" (name
 * without the directory), or 0 if name is not one of DEST's.
 */
static long staging_owner(const char *name, const char *base, size_t baselen)
{
	const char *p = name;
	char *end;

	if (strncmp(p, base, baselen) || strncmp(p + baselen, ".tar-", 5))
		return 0;
	p += baselen + 5;
	if (*p < '1' || *p > '9')
		return 0;
	errno = 0;
	long pid = strtol(p, &end, 10);
	if (errno || pid <= 0 || *end != '-' || strlen(end + 1) != 6)
		return 0;
	return pid;
}

/*
 * Staging directories of DEST left by a convert that was killed (its pid
 * no longer runs) are removed: each holds a copy of a tarball's data.
 */
static void sweep_staging(const char *dest)
{
	char dir[PATH_MAX], path[PATH_MAX];
	size_t n = strlen(dest);
	while (n > 1 && dest[n - 1] == '/')
		n--;
	if (n >= sizeof(dir))
		return;
	memcpy(dir, dest, n);
	dir[n] = 0;
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	size_t baselen = strlen(base);
	const char *parent = !slash ? "." : slash == dir ? "/" : (*slash = 0, dir);
	DIR *d = opendir(parent);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		long pid = staging_owner(de->d_name, base, baselen);
		if (!pid || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", parent, de->d_name) >= (int)sizeof(path))
			continue;
		fprintf(stderr, "lxnt convert: removing %s, left by a convert that did not finish\n",
			path);
		remove_staging(path);
	}
	if (d)
		closedir(d);
}

/* DEST must be new or empty: checked before a tarball is read, so that a
 * refused DEST costs no read; prepare_dest checks again. */
static int dest_usable(const char *dest, char *err, size_t errlen)
{
	DIR *d = opendir(dest);
	struct dirent *de;
	int entries = 0;
	if (!d && errno == ENOENT)
		return 0;
	if (!d) {
		snprintf(err, errlen, "%s: %s", dest, errno == ENOTDIR ?
			"exists and is not an empty directory" : strerror(errno));
		return -1;
	}
	while ((de = readdir(d)))
		entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	if (entries) {
		snprintf(err, errlen, "%s: exists and is not an empty directory", dest);
		return -1;
	}
	return 0;
}

static int convert_usage(void)
{
	fprintf(stderr, "usage: lxnt convert %s\n", CONVERT_USAGE);
	return 2;
}

int lxnt_cmd_convert(int argc, char **argv)
{
	const char *src = NULL, *dest = NULL, *cache_dir = NULL;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	int no_cache = 0, quiet = 0;
	for (int i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "-j") == 0 && i + 1 < argc) {
			jobs = strtol(argv[++i], &end, 10);
			if (*end || jobs < 1 || jobs > 1024)
				return convert_usage();
		} else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
			cache_dir = argv[++i];
		} else if (strcmp(argv[i], "--no-cache") == 0) {
			no_cache = 1;
		} else if (strcmp(argv[i], "-q") == 0) {
			quiet = 1;
		} else if (argv[i][0] != '-' && !src) {
			src = argv[i];
		} else if (argv[i][0] != '-' && !dest) {
			dest = argv[i];
		} else {
			return convert_usage();
		}
	}
	if (!src || !dest || (no_cache && cache_dir))
		return convert_usage();
	if (jobs < 1)
		jobs = 1;

	struct lxnt_rewrite_options opt = {0};
	struct convert cv = { .src = src, .dest = dest, .opt = &opt,
		.show_progress = !quiet && isatty(2) };
	clock_gettime(CLOCK_MONOTONIC, &cv.start);
	char err[PATH_MAX + 128], dirbuf[PATH_MAX], staging[PATH_MAX];
	struct stat dest_st;
	int rc = 1;
	/* libelf wants elf_version() before any other call; made once here
	 * rather than racing from every worker's first rewrite. */
	elf_version(EV_CURRENT);
	if (!no_cache && !cache_dir) {
		if (cv_cache_default_dir(dirbuf, sizeof(dirbuf)) != 0) {
			fprintf(stderr, "lxnt convert: no cache directory: set XDG_CACHE_HOME or HOME, "
				"or use --cache DIR or --no-cache\n");
			return 1;
		}
		cache_dir = dirbuf;
	}
	if (cache_dir && !(cv.cache = cv_cache_open(cache_dir, &opt, err, sizeof(err))))
		goto out;
	if (stat(src, &dest_st) != 0) {
		snprintf(err, sizeof(err), "%s: %s", src, strerror(errno));
		goto out;
	}
	int tarball = S_ISREG(dest_st.st_mode), existed = 0;
	if (!tarball && !S_ISDIR(dest_st.st_mode)) {
		snprintf(err, sizeof(err), "%s: neither a directory nor a tarball", src);
		goto out;
	}
	if (tarball) {
		/* The whole archive is read, and its data staged, before DEST is
		 * touched: a damaged tarball leaves DEST as it was. */
		sweep_staging(dest);
		if (dest_usable(dest, err, sizeof(err)) ||
		    make_staging(dest, staging, sizeof(staging), err, sizeof(err)))
			goto out;
		if (cv_read_tarball(src, staging, &cv.tree, err, sizeof(err)) ||
		    prepare_dest(dest, &dest_st, &existed, err, sizeof(err))) {
			remove_staging(staging);
			goto out;
		}
	} else {
		cv.root = src;
		if (prepare_dest(dest, &dest_st, &existed, err, sizeof(err)))
			goto out;
		if (cv_walk(src, dest_st.st_dev, dest_st.st_ino, &cv.tree, err, sizeof(err))) {
			if (!existed)
				rmdir(dest); /* still empty: nothing has been written yet */
			goto out;
		}
	}
	for (size_t i = 0; i < cv.tree.nleft; i++)
		note(&cv.failures, cv.tree.left_out[i]);
	if (plan_tree(&cv) || run_workers(&cv, jobs)) {
		snprintf(err, sizeof(err), "%s: out of memory", src);
		if (tarball)
			remove_staging(staging);
		goto out;
	}
	make_hard_links(&cv);
	write_manifest(&cv);
	finish_dirs(&cv);
	if (tarball)
		remove_staging(staging);
	rc = summarize(&cv);
	convert_free(&cv);
	return rc;
out:
	fprintf(stderr, "lxnt convert: %s\n", err);
	convert_free(&cv);
	return rc;
}
