/*
 * A tarball as the SRC of `lxnt convert` (docs/architecture.md,
 * "Converting a rootfs"): libarchive reads the members, each header
 * becomes the cv_entry the directory walk would have made, and the data
 * of each regular file goes to a file of its own in a private staging
 * directory, from which elffile.c rewrites or copies it as from SRC.
 *
 * What GNU tar's `tar xf` does decides the cases a directory cannot
 * have: a leading "/" and "./" are taken off a name, a name with a ".."
 * component is left out (tar(1): "Member name contains '..'"), a parent
 * the archive does not list is made (0755, root's), a directory listed
 * after its contents gives them its metadata, and of two members with one
 * name the later wins.  Nothing is ever written through a name from the
 * archive: members are staged by number, and DEST holds no symlink.
 */
#include "convert.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* One name of the archive, as the last member that gave it left it. */
struct member {
	char *rel;       /* normalized path, "" for the root; NULL once replaced */
	struct stat st;
	char *target;    /* symlink target */
	char *data;      /* a regular file's staging file */
	long link_head;  /* hard link: the member whose data this name shares, else -1 */
	size_t children; /* members listed under a directory */
	size_t nlink;    /* names that share this member's data (heads only) */
	struct cv_xattrs xattrs; /* the kept ones (heads: a link's are its head's) */
};

struct reader {
	const char *tarball, *staging;
	struct member *v;
	size_t n, cap;
	/* rel -> member index + 1, open addressing; 0 is empty. */
	size_t *slot;
	size_t nslots;
	struct timespec now;
	struct cv_tree *tree;
};

static int oom(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: out of memory", what);
	return -1;
}

/* Notes a member left out of DEST, with the reason; the read goes on. */
static int leave_out(struct reader *r, const char *name, const char *why)
{
	struct cv_tree *t = r->tree;
	char **v = realloc(t->left_out, (t->nleft + 1) * sizeof(*v));
	size_t n = strlen(r->tarball) + strlen(name) + strlen(why) + 8;
	if (!v)
		return -1;
	t->left_out = v;
	if (!(v[t->nleft] = malloc(n)))
		return -1;
	snprintf(v[t->nleft++], n, "%s: %s: %s", r->tarball, name, why);
	return 0;
}

static size_t hash(const char *s)
{
	size_t h = 14695981039346656037u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static long find(const struct reader *r, const char *rel)
{
	for (size_t i = hash(rel) & (r->nslots - 1);; i = (i + 1) & (r->nslots - 1)) {
		if (!r->slot[i])
			return -1;
		const struct member *m = &r->v[r->slot[i] - 1];
		if (m->rel && strcmp(m->rel, rel) == 0)
			return (long)(r->slot[i] - 1);
	}
}

static void place(struct reader *r, size_t index)
{
	size_t i = hash(r->v[index].rel) & (r->nslots - 1);
	while (r->slot[i] && r->v[r->slot[i] - 1].rel)
		i = (i + 1) & (r->nslots - 1);
	r->slot[i] = index + 1;
}

/* A new member named rel (owned by the table from here); its index or -1.
 * A replaced member keeps its table slot with rel NULL, which place()
 * reuses and find() steps over. */
static long add_member(struct reader *r, char *rel, const struct stat *st)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct member *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	if ((r->n + 1) * 2 > r->nslots) {
		size_t nslots = r->nslots ? r->nslots * 2 : 4096;
		size_t *slot = calloc(nslots, sizeof(*slot));
		if (!slot)
			return -1;
		free(r->slot);
		r->slot = slot;
		r->nslots = nslots;
		for (size_t i = 0; i < r->n; i++)
			if (r->v[i].rel)
				place(r, i);
	}
	r->v[r->n] = (struct member){ .rel = rel, .st = *st, .link_head = -1, .nlink = 1 };
	place(r, r->n);
	return (long)r->n++;
}

/*
 * The member name as tar xf uses it: leading "/" and "./" taken off,
 * "." components and repeated or trailing "/" dropped; NULL with *why set
 * for a ".." component.  "" is the root.
 */
static char *normalize(const char *name, const char **why)
{
	size_t n = strlen(name);
	char *out = malloc(n + 1), *o = out;
	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	for (const char *p = name; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			*why = "name with a \"..\" component, left out as tar does";
			free(out);
			return NULL;
		}
		if (len && !(len == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p += len + (end ? 1 : 0);
	}
	*o = 0;
	return out;
}

/* The parent of rel as a directory member, made (0755, root's, now) if
 * the archive has not listed it; -1 with *why if a member that is not a
 * directory holds its name. */
static long parent_dir(struct reader *r, const char *rel, const char **why)
{
	const char *slash = strrchr(rel, '/');
	if (!*rel)
		return -1; /* the root has none */
	char *parent = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
	if (!parent) {
		*why = "out of memory";
		return -1;
	}
	long p = find(r, parent);
	if (p >= 0) {
		free(parent);
		if (!S_ISDIR(r->v[p].st.st_mode)) {
			/* tar would write through it if it were a symlink: never. */
			*why = S_ISLNK(r->v[p].st.st_mode) ?
				"a parent is a symlink member, left out so that nothing is "
				"written through it" : "a parent is not a directory";
			return -1;
		}
		return p;
	}
	long grand = parent_dir(r, parent, why);
	if (grand < 0 && *why) {
		free(parent);
		return -1;
	}
	struct stat st = { .st_mode = S_IFDIR | 0755, .st_nlink = 1,
		.st_atim = r->now, .st_mtim = r->now, .st_ctim = r->now };
	p = add_member(r, parent, &st);
	if (p < 0) {
		free(parent);
		*why = "out of memory";
		return -1;
	}
	if (grand >= 0)
		r->v[grand].children++;
	return p;
}

/* The stat a header describes; no inode or device of its own. */
static void header_stat(struct archive_entry *e, const struct timespec *now, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = archive_entry_mode(e);
	st->st_uid = (uid_t)archive_entry_uid(e);
	st->st_gid = (gid_t)archive_entry_gid(e);
	st->st_nlink = 1;
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		st->st_rdev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
	st->st_size = S_ISREG(st->st_mode) ? archive_entry_size(e) : 0;
	st->st_mtim = archive_entry_mtime_is_set(e) ?
		(struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) } : *now;
	/* A plain tar header has no atime or ctime: tar xf leaves the atime
	 * at the mtime it sets, and ctime is the extraction's. */
	st->st_atim = archive_entry_atime_is_set(e) ?
		(struct timespec){ archive_entry_atime(e), archive_entry_atime_nsec(e) } : st->st_mtim;
	st->st_ctim = archive_entry_ctime_is_set(e) ?
		(struct timespec){ archive_entry_ctime(e), archive_entry_ctime_nsec(e) } : st->st_mtim;
}

/* Takes the name rel away from member m, which a later member replaces. */
static void retire(struct member *m)
{
	free(m->rel);
	m->rel = NULL;
}

/* Writes the data of the member being read to a new staging file. */
static int stage_data(struct reader *r, struct archive *a, struct member *m, size_t index,
	char *err, size_t errlen)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%zu", r->staging, index);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = archive_read_data_into_fd(a, fd);
	if (close(fd) != 0 && rc == ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (rc < ARCHIVE_WARN) {
		snprintf(err, errlen, "%s: damaged or cut short: %s: %s", r->tarball, m->rel,
			archive_error_string(a) ? archive_error_string(a) : "cannot read the data");
		return -1;
	}
	if (!(m->data = strdup(path)))
		return oom(err, errlen, r->tarball);
	return 0;
}

/* The member's xattrs of the namespaces the vfs keeps (docs/vfs.md,
 * "Extended attributes"), which the manifest carries, in place of what x
 * held (a directory listed again). */
static int take_xattrs(struct archive_entry *e, struct cv_xattrs *x)
{
	const char *name;
	const void *value;
	size_t size;
	cv_xattr_free(x);
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		if (cv_xattr_kept(name) && cv_xattr_append(x, name, value, size))
			return -1;
	return 0;
}

/* What the other xattrs (system., unknown namespaces) and the ACLs
 * become: nothing, which the summary says. */
static int count_dropped(struct reader *r, struct archive_entry *e, const char *rel)
{
	int nx = 0;
	int nacl = archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS |
		ARCHIVE_ENTRY_ACL_TYPE_DEFAULT | ARCHIVE_ENTRY_ACL_TYPE_NFS4);
	char names[256] = "", line[PATH_MAX + 400];
	const char *name;
	const void *value;
	size_t size, used = 0;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (cv_xattr_kept(name))
			continue;
		nx++;
		if (used < 200)
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
				used ? ", " : "", name);
	}
	if (nx <= 0 && nacl <= 0)
		return 0;
	snprintf(line, sizeof(line), "%s: %s%s%s%s", *rel ? rel : ".",
		nx > 0 ? "xattrs " : "", names, nx > 0 && nacl > 0 ? "; " : "",
		nacl > 0 ? "a POSIX or NFSv4 ACL" : "");
	struct cv_tree *t = r->tree;
	char **v = realloc(t->not_kept, (t->nnot_kept + 1) * sizeof(*v));
	if (!v)
		return -1;
	t->not_kept = v;
	if (!(v[t->nnot_kept] = strdup(line)))
		return -1;
	t->nnot_kept++;
	return 0;
}

/* A hard-link member: the name shares the data of an earlier member. */
static int take_hard_link(struct reader *r, struct archive_entry *e, char *rel, long parent,
	char *err, size_t errlen)
{
	const char *why = NULL;
	char *to = normalize(archive_entry_hardlink(e), &why);
	long target = to ? find(r, to) : -1, old = find(r, rel);
	free(to);
	if (why && strcmp(why, "out of memory"))
		why = "hard link to a name with a \"..\" component";
	if (!why && target < 0)
		why = "hard link to a name the archive has not given before";
	else if (!why && S_ISDIR(r->v[target].st.st_mode))
		why = "hard link to a directory";
	else if (!why && old >= 0 && S_ISDIR(r->v[old].st.st_mode))
		why = "a member that is not a directory names a directory";
	if (why || old == target) { /* a link to itself: the name is there */
		int rc = why ? leave_out(r, rel, why) : 0;
		free(rel);
		return rc ? oom(err, errlen, r->tarball) : 0;
	}
	long head = r->v[target].link_head >= 0 ? r->v[target].link_head : target;
	if (old >= 0)
		retire(&r->v[old]);
	else if (parent >= 0)
		r->v[parent].children++;
	long m = add_member(r, rel, &r->v[head].st);
	if (m < 0) {
		free(rel);
		return oom(err, errlen, r->tarball);
	}
	r->v[m].link_head = head;
	return 0;
}

/* One header and its data. */
static int take_member(struct reader *r, struct archive *a, struct archive_entry *e,
	char *err, size_t errlen)
{
	const char *why = NULL, *name = archive_entry_pathname(e);
	if (!name) {
		snprintf(err, errlen, "%s: a member without a name", r->tarball);
		return -1;
	}
	char *rel = normalize(name, &why);
	if (!rel)
		return leave_out(r, name, why) ? oom(err, errlen, r->tarball) : 0;
	if (count_dropped(r, e, rel))
		goto no_memory;
	long parent = parent_dir(r, rel, &why);
	if (why) {
		int rc = strcmp(why, "out of memory") ? leave_out(r, rel, why) : -1;
		free(rel);
		return rc ? oom(err, errlen, r->tarball) : 0;
	}
	if (archive_entry_hardlink(e))
		return take_hard_link(r, e, rel, parent, err, errlen);

	struct stat st;
	header_stat(e, &r->now, &st);
	mode_t type = st.st_mode & S_IFMT;
	if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && type != S_IFIFO &&
	    type != S_IFCHR && type != S_IFBLK && type != S_IFSOCK) {
		int rc = leave_out(r, rel, "a member of a type lxnt does not know");
		free(rel);
		return rc ? oom(err, errlen, r->tarball) : 0;
	}
	long old = find(r, rel);
	if (!*rel && type != S_IFDIR) {
		int rc = leave_out(r, name, "the root is not a directory");
		free(rel);
		return rc ? oom(err, errlen, r->tarball) : 0;
	}
	if (old >= 0 && S_ISDIR(r->v[old].st.st_mode)) {
		if (type == S_IFDIR) {
			/* A directory listed again, or after what it holds. */
			r->v[old].st = st;
			free(rel);
			return take_xattrs(e, &r->v[old].xattrs) ? oom(err, errlen, r->tarball) : 0;
		}
		if (r->v[old].children) {
			int rc = leave_out(r, rel, "a member that is not a directory names a "
				"directory that holds members");
			free(rel);
			return rc ? oom(err, errlen, r->tarball) : 0;
		}
	}
	if (old >= 0)
		retire(&r->v[old]);
	else if (parent >= 0)
		r->v[parent].children++;
	long m = add_member(r, rel, &st);
	if (m < 0) {
		free(rel);
		goto no_memory;
	}
	if (take_xattrs(e, &r->v[m].xattrs))
		goto no_memory;
	if (type == S_IFLNK) {
		const char *target = archive_entry_symlink(e);
		if (!(r->v[m].target = strdup(target ? target : "")))
			goto no_memory;
	} else if (type == S_IFREG) {
		return stage_data(r, a, &r->v[m], (size_t)m, err, errlen);
	}
	return 0;
no_memory:
	return oom(err, errlen, r->tarball);
}

/* Preorder with the names of a directory in strcmp order, as the walk
 * sorts them: '/' ranks below every other byte. */
static int by_path(const void *a, const void *b)
{
	const unsigned char *x = (const void *)(*(struct member *const *)a)->rel;
	const unsigned char *y = (const void *)(*(struct member *const *)b)->rel;
	for (; *x && *x == *y; x++, y++)
		;
	int cx = *x == '/' ? 1 : *x, cy = *y == '/' ? 1 : *y;
	return cx - cy;
}

/* DEST's path of rel, each name encoded; -1 if one does not fit. */
static int encode_path(const char *rel, char *out, size_t cap)
{
	char name[NAME_MAX + 1], enc[4 * NAME_MAX + 1];
	size_t o = 0;
	out[0] = 0;
	for (const char *p = rel; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > NAME_MAX)
			return -1;
		memcpy(name, p, len);
		name[len] = 0;
		if (cv_encode_name(name, enc, sizeof(enc)))
			return -1;
		int k = snprintf(out + o, cap - o, "%s%s", o ? "/" : "", enc);
		if (k < 0 || (size_t)k >= cap - o)
			return -1;
		o += (size_t)k;
		p += len + (end ? 1 : 0);
	}
	return 0;
}

/* The members that still have a name, as the tree: sorted, encoded, each
 * hard-link group's first name in tree order made its primary. */
static int build_tree(struct reader *r, char *err, size_t errlen)
{
	struct cv_tree *t = r->tree;
	struct member **named = malloc((r->n ? r->n : 1) * sizeof(*named));
	long *index = malloc((r->n ? r->n : 1) * sizeof(*index)); /* member -> tree entry */
	if (!named || !index)
		goto no_memory;
	size_t m = 0;
	for (size_t i = 0; i < r->n; i++) {
		index[i] = -1;
		if (r->v[i].rel)
			named[m++] = &r->v[i];
		if (r->v[i].rel && r->v[i].link_head >= 0)
			r->v[r->v[i].link_head].nlink++;
	}
	/* A head that lost its name still lends its data to its links. */
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].rel && r->v[i].link_head < 0)
			r->v[i].nlink--;
	qsort(named, m, sizeof(*named), by_path);
	if (!(t->v = calloc(m ? m : 1, sizeof(*t->v))))
		goto no_memory;
	t->cap = m ? m : 1;
	for (size_t k = 0; k < m; k++) {
		struct member *mb = named[k];
		size_t mi = (size_t)(mb - r->v);
		long head = mb->link_head >= 0 ? mb->link_head : (long)mi;
		char out[PATH_MAX];
		/* A name that does not fit once encoded is left out, and so is
		 * what its directory holds: the walk does not go into it. */
		if (encode_path(mb->rel, out, sizeof(out))) {
			const char *slash = strrchr(mb->rel, '/');
			char *parent = slash ? strndup(mb->rel, (size_t)(slash - mb->rel)) : NULL;
			long p = parent ? find(r, parent) : -1;
			free(parent);
			if ((p < 0 || index[p] >= 0) &&
			    leave_out(r, mb->rel, "name longer than NAME_MAX once encoded for Windows"))
				goto no_memory;
			continue;
		}
		struct cv_entry *e = &t->v[t->n];
		*e = (struct cv_entry){ .st = mb->st, .link_primary = -1 };
		if (!(e->rel = strdup(mb->rel)) || !(e->out = strdup(out)))
			goto no_memory_entry;
		size_t nlink = r->v[head].nlink;
		e->st.st_nlink = S_ISDIR(e->st.st_mode) ? 1 : (nlink_t)nlink;
		if (index[head] >= 0) {
			e->link_primary = index[head]; /* the group's first name in DEST */
		} else {
			index[head] = (long)t->n;
			if (r->v[head].data && !(e->from = strdup(r->v[head].data)))
				goto no_memory_entry;
		}
		if (S_ISLNK(e->st.st_mode) && !(e->target = strdup(r->v[head].target)))
			goto no_memory_entry;
		if (cv_xattr_copy(&e->xattrs, &r->v[head].xattrs))
			goto no_memory_entry;
		index[mi] = (long)t->n;
		t->n++;
		continue;
no_memory_entry:
		t->n++; /* so that cv_tree_free frees what was copied */
		goto no_memory;
	}
	free(named);
	free(index);
	return 0;
no_memory:
	free(named);
	free(index);
	return oom(err, errlen, r->tarball);
}

/* The compression whose magic number starts the file, or NULL: the name
 * of a stream libarchive stopped in before it said which filter it read. */
static const char *compression_of(const char *path)
{
	static const struct { const char *name; unsigned char magic[6]; size_t n; } kinds[] = {
		{ "gzip", { 0x1f, 0x8b }, 2 },
		{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
		{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	};
	unsigned char head[6] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : read(fd, head, sizeof(head));
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; got > 0 && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((size_t)got >= kinds[i].n && memcmp(head, kinds[i].magic, kinds[i].n) == 0)
			return kinds[i].name;
	return NULL;
}

/* Why libarchive stopped, in words: "Unrecognized archive format",
 * "Truncated tar archive", "truncated gzip input" are its. */
static void read_failed(struct archive *a, const char *tarball, char *err, size_t errlen)
{
	const char *what = archive_error_string(a) ? archive_error_string(a) : strerror(errno);
	const char *stream = archive_filter_count(a) > 1 &&
		archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE ? archive_filter_name(a, 0) :
		compression_of(tarball);
	if (archive_format(a))
		snprintf(err, errlen, "%s: damaged or cut short: %s", tarball, what);
	else if (stream)
		snprintf(err, errlen, "%s: damaged or cut short %s stream: %s", tarball, stream,
			what);
	else
		snprintf(err, errlen, "%s: not a tarball lxnt can read: %s", tarball, what);
}

static void reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].rel);
		free(r->v[i].target);
		free(r->v[i].data);
		cv_xattr_free(&r->v[i].xattrs);
	}
	free(r->v);
	free(r->slot);
}

int cv_read_tarball(const char *tarball, const char *staging, struct cv_tree *tree,
	char *err, size_t errlen)
{
	struct reader r = { .tarball = tarball, .staging = staging, .tree = tree };
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc = -1;
	memset(tree, 0, sizeof(*tree));
	clock_gettime(CLOCK_REALTIME, &r.now);
	if (!a)
		return oom(err, errlen, tarball);
	/* tar only (ustar, pax, GNU, v7 and star headers), plain or through
	 * the compressions a rootfs tarball comes in. */
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	struct stat root = { .st_mode = S_IFDIR | 0755, .st_nlink = 1,
		.st_atim = r.now, .st_mtim = r.now, .st_ctim = r.now };
	char *root_rel = strdup("");
	if (!root_rel || add_member(&r, root_rel, &root) < 0) {
		free(root_rel);
		oom(err, errlen, tarball);
		goto out;
	}
	if (archive_read_open_filename(a, tarball, 64 * 1024) != ARCHIVE_OK) {
		/* The first block is read and decompressed here: a file that is
		 * too short or a compressed stream cut short ends here. */
		read_failed(a, tarball, err, errlen);
		goto out;
	}
	for (;;) {
		int h = archive_read_next_header(a, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			/* "Truncated tar archive", "Damaged tar archive", a bad
			 * compressed stream: libarchive names it. */
			read_failed(a, tarball, err, errlen);
			goto out;
		}
		/* EILSEQ: a pax name that is not text in the locale's charset;
		 * libarchive keeps its bytes, which are what Linux names are. */
		if (h == ARCHIVE_WARN && archive_errno(a) != EILSEQ && archive_error_string(a) &&
		    leave_out(&r, archive_entry_pathname(e) ? archive_entry_pathname(e) : "?",
			    archive_error_string(a))) {
			oom(err, errlen, tarball);
			goto out;
		}
		if (take_member(&r, a, e, err, errlen))
			goto out;
	}
	rc = build_tree(&r, err, errlen);
out:
	archive_read_free(a);
	reader_free(&r);
	if (rc)
		cv_tree_free(tree);
	return rc;
}
