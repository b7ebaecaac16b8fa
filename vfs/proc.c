/*
 * /proc and /sys (docs/vfs.md, "/proc and /sys"): a fixed tree of entries
 * plus the pid directories and the fd entries, resolved here, opened as
 * read-only files whose text is made at open (proc_files.c), as seq_file
 * does at the first read.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "proc.h"
#include "proc_info.h"
#include "proc_pids.h"
#include "syscall_table.h"
#include "nt.h"

#define D LX_DT_DIR
#define R LX_DT_REG
#define L LX_DT_LNK

const struct lx_proc_entry lx_proc_entries[P_COUNT] = {
	[P_ROOT] = { "proc", -1, D },
	[P_SELF] = { "self", P_ROOT, L },
	[P_MOUNTS] = { "mounts", P_ROOT, L },
	[P_CPUINFO] = { "cpuinfo", P_ROOT, R },
	[P_MEMINFO] = { "meminfo", P_ROOT, R },
	[P_UPTIME] = { "uptime", P_ROOT, R },
	[P_LOADAVG] = { "loadavg", P_ROOT, R },
	[P_STAT] = { "stat", P_ROOT, R },
	[P_VERSION] = { "version", P_ROOT, R },
	[P_FILESYSTEMS] = { "filesystems", P_ROOT, R },
	[P_SYS] = { "sys", P_ROOT, D },
	[P_SYS_KERNEL] = { "kernel", P_SYS, D },
	[P_OSTYPE] = { "ostype", P_SYS_KERNEL, R },
	[P_OSRELEASE] = { "osrelease", P_SYS_KERNEL, R },
	[P_PID_MAX] = { "pid_max", P_SYS_KERNEL, R },
	[P_RANDOM] = { "random", P_SYS_KERNEL, D },
	[P_UUID] = { "uuid", P_RANDOM, R },
	[P_SYS_FS] = { "fs", P_SYS, D },
	[P_PROTECTED_HARDLINKS] = { "protected_hardlinks", P_SYS_FS, R },
	[P_PID] = { NULL, P_ROOT, D },
	[P_EXE] = { "exe", P_PID, L },
	[P_CWD] = { "cwd", P_PID, L },
	[P_FD] = { "fd", P_PID, D },
	[P_FDINFO] = { "fdinfo", P_PID, D },
	[P_STATUS] = { "status", P_PID, R },
	[P_PSTAT] = { "stat", P_PID, R },
	[P_CMDLINE] = { "cmdline", P_PID, R },
	[P_ENVIRON] = { "environ", P_PID, R },
	[P_PMOUNTS] = { "mounts", P_PID, R },
	[P_MOUNTINFO] = { "mountinfo", P_PID, R },
	[P_COMM] = { "comm", P_PID, R },
	[P_MAPS] = { "maps", P_PID, R },
	[P_TASK] = { "task", P_PID, D },
	[P_FD_N] = { NULL, P_FD, L },
	[P_FDINFO_N] = { NULL, P_FDINFO, R },
	[P_TASK_N] = { NULL, P_TASK, D },
	[P_TSTAT] = { "stat", P_TASK_N, R },
	[P_TSTATUS] = { "status", P_TASK_N, R },
	[P_TCOMM] = { "comm", P_TASK_N, R },
	[S_ROOT] = { "sys", -1, D },
	[S_DEVICES] = { "devices", S_ROOT, D },
	[S_SYSTEM] = { "system", S_DEVICES, D },
	[S_CPU] = { "cpu", S_SYSTEM, D },
	[S_CPU_ONLINE] = { "online", S_CPU, R },
	[S_CPU_POSSIBLE] = { "possible", S_CPU, R },
	[S_CPU_PRESENT] = { "present", S_CPU, R },
	[S_FS] = { "fs", S_ROOT, D },
	[S_KERNEL] = { "kernel", S_ROOT, D },
};

#undef D
#undef R
#undef L

static bool parse_number(const char *s, size_t n, long *out)
{
	long v = 0;

	if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool fd_open(long fd)
{
	struct lx_file *f = fd < LX_FD_MAX ? lx_fd_get((int)fd) : NULL;

	if (!f)
		return false;
	lx_file_put(f);
	return true;
}

/*
 * Another process's fds, as it answers (lx_proc_query FDS): "N", the link
 * text and the fdinfo text of each open fd, each ended by a NUL.
 */
struct fd_answer {
	char *text;
	size_t len;
};

static long fd_answer_get(long pid, struct fd_answer *a)
{
	return lx_proc_query(pid, LX_PROC_QUERY_FDS, &a->text, &a->len);
}

/* The next fd of the answer after *at, or false at its end. */
static bool fd_answer_next(const struct fd_answer *a, size_t *at, long *fd, const char **link,
                           const char **info)
{
	const char *p = a->text + *at, *end = a->text + a->len, *f[3];

	for (int i = 0; i < 3; i++) {
		const char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
		if (!z)
			return false;
		f[i] = p;
		p = z + 1;
	}
	*fd = strtol(f[0], NULL, 10);
	*link = f[1];
	*info = f[2];
	*at = (size_t)(p - a->text);
	return true;
}

static bool other_fd_exists(long pid, long fd)
{
	struct fd_answer a;
	const char *link, *info;
	size_t at = 0;
	long n;
	bool found = false;

	if (fd_answer_get(pid, &a) < 0)
		return false;
	while (!found && fd_answer_next(&a, &at, &n, &link, &info))
		found = n == fd;
	free(a.text);
	return found;
}

long lx_proc_other_fd_text(long arg, bool fdinfo, char **out)
{
	struct fd_answer a;
	const char *link, *info;
	size_t at = 0;
	long n, err = fd_answer_get(LX_PROC_ARG_PID(arg), &a);

	if (err < 0)
		return err;
	err = -LX_ENOENT;
	while (err == -LX_ENOENT && fd_answer_next(&a, &at, &n, &link, &info)) {
		if (n != LX_PROC_ARG_FD(arg))
			continue;
		*out = strdup(fdinfo ? info : link);
		err = *out ? 0 : -LX_ENOMEM;
	}
	free(a.text);
	return err;
}

/* The child of entry `at` named [name, name+n): a fixed entry, a pid
 * directory or an fd; -1 if there is none, -2 if it may not be seen. */
static int child(int at, long at_arg, const char *name, size_t n, long *arg)
{
	long v;

	*arg = at_arg;
	for (int e = 0; e < P_COUNT; e++)
		if (lx_proc_entries[e].parent == at && lx_proc_entries[e].name &&
		    strlen(lx_proc_entries[e].name) == n && !memcmp(lx_proc_entries[e].name, name, n))
			return e;
	if (at == P_ROOT && parse_number(name, n, &v) && lx_proc_pid_exists(v)) {
		*arg = v;
		return P_PID;
	}
	/* proc_task_lookup: a thread of this thread group only. */
	if (at == P_TASK && parse_number(name, n, &v) && lx_proc_tid_in(at_arg, v)) {
		*arg = v;
		return P_TASK_N;
	}
	if (at == P_FD || at == P_FDINFO) {
		bool self = lx_proc_pid_is_self(at_arg);
		/* Another process's fds live in its own table: it answers, to
		 * a reader that may look (docs/vfs.md). */
		if (!self && lx_proc_may_inspect(at_arg) == -LX_EACCES)
			return -2;
		if (!parse_number(name, n, &v) || v >= LX_FD_MAX)
			return -1;
		if (self ? !fd_open(v) : !other_fd_exists(at_arg, v))
			return -1;
		*arg = LX_PROC_FD_ARG(at_arg, v);
		return at == P_FD ? P_FD_N : P_FDINFO_N;
	}
	return -1;
}

/* The rest of a path that continues below a link (/proc/self/cwd/x):
 * the link's target joined with it, resolved again from the top, as the
 * kernel follows a link met inside a path. */
static long follow_inside(struct lx_node *node, int e, long arg, const char *rest)
{
	/* A working directory kept as "/proc/self/cwd" would lead back here:
	 * MAXSYMLINKS (40) follows make ELOOP, as in the kernel's walk. */
	static _Thread_local int depth;
	char *target, *joined;
	long err;

	if (depth >= 40)
		return -LX_ELOOP;
	target = malloc(LX_PATH_MAX);
	joined = malloc(LX_PATH_MAX);
	depth++;
	if (!target || !joined) {
		err = -LX_ENOMEM;
	} else {
		err = lx_proc_link_text(e, arg, target, LX_PATH_MAX);
		if (err >= 0 && target[0] != '/')
			err = -LX_ENOTDIR; /* pipe:[...] and the like are not directories */
		if (err >= 0 && lx_snprintf(joined, LX_PATH_MAX, "%s/%s", target, rest) >= LX_PATH_MAX)
			err = -LX_ENAMETOOLONG;
		if (err >= 0)
			err = lx_resolve_at(LX_AT_FDCWD, joined, 0, node, NULL);
	}
	depth--;
	free(target);
	free(joined);
	return err;
}

long lx_proc_lookup(struct lx_node *node)
{
	const char *p = node->path;
	int at = !strncmp(p, "/proc", 5) ? P_ROOT : S_ROOT;
	long arg = 0;

	p += at == P_ROOT ? 5 : 4;
	while (*p == '/') {
		const char *c = ++p;
		size_t n;
		int e;

		while (*p && *p != '/')
			p++;
		n = (size_t)(p - c);
		if (n == 0)
			continue;
		if (lx_proc_entries[at].type != LX_DT_DIR)
			return -LX_ENOTDIR;
		e = child(at, arg, c, n, &arg);
		if (e == -2)
			return -LX_EACCES;
		if (e < 0)
			return -LX_ENOENT;
		if (lx_proc_entries[e].type == LX_DT_LNK && *p == '/') {
			if (e == P_SELF) {
				e = P_PID;
				lx_procfs_self_pid(&arg);
			} else if (e == P_MOUNTS) {
				return -LX_ENOTDIR;
			} else {
				return follow_inside(node, e, arg, p + 1);
			}
		}
		at = e;
	}
	/* A trailing slash follows a final link, as path_resolution(7) says. */
	if (lx_proc_entries[at].type == LX_DT_LNK && node->trailing_slash) {
		if (at == P_SELF) {
			at = P_PID;
			lx_procfs_self_pid(&arg);
		} else if (at == P_MOUNTS) {
			return -LX_ENOTDIR;
		} else {
			return follow_inside(node, at, arg, "");
		}
	}
	node->kind = LX_NODE_PROC;
	node->which = at;
	node->arg = arg;
	return 0;
}

void lx_procfs_self_pid(long *pid)
{
	struct lx_syscall sc = { 0 };

	*pid = (long)lx_sys_getpid(&sc);
}

/* The path an fd stands for: its Linux path, else the Windows file's path
 * translated, else what Linux shows for nameless files. */
long lx_proc_own_fd_link(long fd, char *out, size_t cap)
{
	struct lx_file *f = lx_fd_get((int)fd);
	long err = 0;

	if (!f)
		return -LX_ENOENT;
	if (f->path) {
		lx_snprintf(out, cap, "%s", f->path);
	} else {
		wchar_t win[LX_PATH_MAX];
		DWORD n = f->handle ? GetFinalPathNameByHandleW(f->handle, win, LX_PATH_MAX, 0) : 0;
		const wchar_t *w = win;
		struct lx_kstat st;

		if (n > 4 && n < LX_PATH_MAX && !wcsncmp(win, L"\\\\?\\", 4) && win[5] == L':')
			w = win + 4;
		if (n > 0 && n < LX_PATH_MAX && w[1] == L':' &&
		    lx_linux_path_of_win32(w, out, cap) == 0) {
			/* done */
		} else if (lx_file_stat(f, &st) == 0 && (st.mode & LX_S_IFMT) == LX_S_IFIFO) {
			lx_snprintf(out, cap, "pipe:[%llu]", (unsigned long long)st.ino);
		} else if (lx_file_stat(f, &st) == 0 && (st.mode & LX_S_IFMT) == LX_S_IFCHR) {
			lx_snprintf(out, cap, "/dev/tty");
		} else {
			lx_snprintf(out, cap, "anon_inode:[lxnt]");
		}
	}
	lx_file_put(f);
	return err;
}

static long fd_link_text(long arg, char *out, size_t cap)
{
	char *text;
	long err;

	if (lx_proc_pid_is_self(LX_PROC_ARG_PID(arg)))
		return lx_proc_own_fd_link(LX_PROC_ARG_FD(arg), out, cap);
	err = lx_proc_other_fd_text(arg, false, &text);
	if (err < 0)
		return err;
	lx_snprintf(out, cap, "%s", text);
	free(text);
	return 0;
}

long lx_proc_link_text(int e, long arg, char *out, size_t cap)
{
	struct lx_proc_facts facts;
	long err;

	switch (e) {
	case P_SELF:
		lx_procfs_self_pid(&arg);
		lx_snprintf(out, cap, "%lld", (long long)arg);
		return 0;
	case P_MOUNTS:
		lx_snprintf(out, cap, "self/mounts");
		return 0;
	case P_FD_N:
		return fd_link_text(arg, out, cap);
	case P_EXE:
	case P_CWD:
		err = lx_proc_pid_facts(arg, &facts);
		if (err)
			return -LX_ENOENT;
		if (e == P_EXE ? !facts.exe : !facts.cwd)
			err = -LX_ENOENT;
		else
			lx_snprintf(out, cap, "%s", e == P_EXE ? facts.exe : facts.cwd);
		lx_proc_facts_free(&facts);
		return err;
	default:
		return -LX_EINVAL;
	}
}

/* readlink(2) of a /proc node: EINVAL for what is not a link. */
long lx_proc_readlink(struct lx_node *node, char *out, size_t cap)
{
	if (lx_proc_entries[node->which].type != LX_DT_LNK)
		return -LX_EINVAL;
	if (node->trailing_slash)
		return -LX_ENOTDIR;
	return lx_proc_link_text(node->which, node->arg, out, cap);
}

static uint64_t entry_ino(int e, long arg)
{
	return ((uint64_t)arg << 8) + (uint64_t)e + 2;
}

static uint64_t entry_dev(int e)
{
	return lx_makedev(0, e >= S_ROOT ? LX_SYS_MINOR : LX_PROC_MINOR);
}

static void stat_entry(int e, long arg, struct lx_kstat *st)
{
	FILETIME ft;
	uint8_t type = lx_proc_entries[e].type;

	memset(st, 0, sizeof(*st));
	lx_kstat_owner(st);
	st->dev = entry_dev(e);
	st->ino = entry_ino(e, arg);
	st->nlink = type == LX_DT_DIR ? 2 : 1;
	st->mode = type == LX_DT_DIR ? LX_S_IFDIR | 0555 :
	           type == LX_DT_LNK ? LX_S_IFLNK | 0777 : LX_S_IFREG | 0444;
	if (e == P_FD_N || e == P_EXE || e == P_CWD)
		st->mode = LX_S_IFLNK | (e == P_FD_N ? 0700 : 0777);
	if (e == P_FD || e == P_FDINFO)
		st->mode = LX_S_IFDIR | 0500;
	GetSystemTimeAsFileTime(&ft);
	st->atime = st->mtime = st->ctime = st->btime =
		lx_time_from_nt((int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime));
}

bool lx_proc_is_own_memfd(const struct lx_node *node)
{
	struct lx_file *f;
	bool memfd;

	if (node->kind != LX_NODE_PROC || node->which != P_FD_N ||
	    !lx_proc_pid_is_self(LX_PROC_ARG_PID(node->arg)))
		return false;
	f = lx_fd_get((int)LX_PROC_ARG_FD(node->arg));
	memfd = f && lx_file_is_memfd(f);
	if (f)
		lx_file_put(f);
	return memfd;
}

/* Opens or stats what a link names (follow). */
static long link_target(struct lx_node *node, struct lx_node *target, struct lx_file **f)
{
	char *text;
	long err;

	*f = NULL;
	/* The own fd's open file description; another process's fd is
	 * opened anew by its path, as Linux opens it. */
	if (node->which == P_FD_N && lx_proc_pid_is_self(LX_PROC_ARG_PID(node->arg))) {
		*f = lx_fd_get((int)LX_PROC_ARG_FD(node->arg));
		return *f ? 0 : -LX_ENOENT;
	}
	text = malloc(LX_PATH_MAX);
	if (!text)
		return -LX_ENOMEM;
	/* self and mounts are relative links: their targets sit in /proc. */
	if (node->which == P_SELF || node->which == P_MOUNTS) {
		memcpy(text, "/proc/", 6);
		err = lx_proc_link_text(node->which, node->arg, text + 6, LX_PATH_MAX - 6);
	} else {
		err = lx_proc_link_text(node->which, node->arg, text, LX_PATH_MAX);
	}
	if (!err && text[0] != '/')
		err = -LX_ENOENT; /* pipe:[...]: only reachable through its fd */
	if (!err)
		err = lx_resolve_at(LX_AT_FDCWD, text, 0, target, NULL);
	free(text);
	return err;
}

long lx_proc_stat(struct lx_node *node, bool follow, struct lx_kstat *st)
{
	struct lx_node target;
	struct lx_file *f;
	long err;

	if (node->trailing_slash && lx_proc_entries[node->which].type == LX_DT_REG)
		return -LX_ENOTDIR;
	if (lx_proc_entries[node->which].type != LX_DT_LNK || !follow) {
		stat_entry(node->which, node->arg, st);
		return 0;
	}
	err = link_target(node, &target, &f);
	if (!err && f)
		err = lx_file_stat(f, st);
	else if (!err)
		err = lx_node_stat(&target, true, st);
	if (f)
		lx_file_put(f);
	else
		lx_node_free(&target);
	return err;
}

long lx_proc_open(struct lx_node *node, unsigned flags, unsigned mode, struct lx_file **out)
{
	uint8_t type = lx_proc_entries[node->which].type;
	struct lx_node target;
	struct lx_file *f;
	long err;

	if ((flags & LX_O_CREAT) && (flags & LX_O_EXCL))
		return -LX_EEXIST;
	if (type == LX_DT_LNK) {
		if (flags & LX_O_NOFOLLOW)
			return (flags & LX_O_PATH) ? lx_proc_file_open(node, flags, out) : -LX_ELOOP;
		err = link_target(node, &target, &f);
		if (!err && f && lx_file_is_memfd(f)) {
			/* Its path names nothing: a new description of the same
			 * file, as Linux opens one (the seals stay the file's). */
			err = lx_memfd_reopen(f, flags, out);
			lx_file_put(f);
			return err;
		}
		if (!err && f) {
			*out = f; /* shares the open file description, as /dev/stdin does */
			return 0;
		}
		if (!err)
			err = lx_open_node(&target, flags, mode, out);
		lx_node_free(&target);
		return err;
	}
	if (type == LX_DT_DIR && ((flags & LX_O_ACCMODE) != LX_O_RDONLY || (flags & LX_O_CREAT)))
		return -LX_EISDIR;
	if ((node->which == P_FD || node->which == P_FDINFO) && !lx_proc_pid_is_self(node->arg)) {
		err = lx_proc_may_inspect(node->arg);
		if (err < 0)
			return err;
	}
	if (type == LX_DT_REG && (flags & LX_O_DIRECTORY))
		return -LX_ENOTDIR;
	if (node->trailing_slash && type != LX_DT_DIR)
		return -LX_ENOTDIR;
	if (type == LX_DT_REG && (flags & LX_O_ACCMODE) != LX_O_RDONLY && !(flags & LX_O_PATH)) {
		/* Mode 0444: only root gets past generic_permission(); its
		 * writes then fail with EIO, as proc_reg_write does for files
		 * without a write method. */
		struct lx_kstat st;
		stat_entry(node->which, node->arg, &st);
		err = lx_permission(&st, LX_W_OK, false);
		if (err)
			return err;
	}
	return lx_proc_file_open(node, flags, out);
}

/* /proc/<pid>/task (proc_task_readdir): the tids of the thread group,
 * main thread first.  A pid that names a thread lists that thread's
 * group, as the kernel lists the group of the task it found. */
static long list_tasks(long pid, lx_dir_emit emit, void *ctx)
{
	long tids[512];
	size_t n = lx_proc_tids_list(pid, tids, 512);
	char name[24];

	for (size_t i = 0; i < n && i < 512; i++) {
		lx_snprintf(name, sizeof(name), "%lld", (long long)tids[i]);
		if (!emit(ctx, name, LX_DT_DIR, entry_ino(P_TASK_N, tids[i])))
			return 0;
	}
	return 0;
}

static bool emit_fd(int e, long pid, long fd, lx_dir_emit emit, void *ctx)
{
	char name[16];

	lx_snprintf(name, sizeof(name), "%ld", fd);
	return emit(ctx, name, e == P_FD ? LX_DT_LNK : LX_DT_REG,
	            entry_ino(e == P_FD ? P_FD_N : P_FDINFO_N, LX_PROC_FD_ARG(pid, fd)));
}

/* fd and fdinfo of another process: the fds of its answer. */
static long list_other_fds(int e, long pid, lx_dir_emit emit, void *ctx)
{
	struct fd_answer a;
	const char *link, *info;
	size_t at = 0;
	long fd, err = fd_answer_get(pid, &a);

	if (err < 0)
		return err;
	while (fd_answer_next(&a, &at, &fd, &link, &info))
		if (!emit_fd(e, pid, fd, emit, ctx))
			break;
	free(a.text);
	return 0;
}

/* Lists a /proc directory: its fixed entries, then pids or fds. */
long lx_proc_list(int e, long arg, lx_dir_emit emit, void *ctx)
{
	for (int c = 0; c < P_COUNT; c++)
		if (lx_proc_entries[c].parent == e && lx_proc_entries[c].name &&
		    !emit(ctx, lx_proc_entries[c].name, lx_proc_entries[c].type, entry_ino(c, arg)))
			return 0;
	if (e == P_ROOT) {
		long pids[512];
		size_t n = lx_proc_pids_list(pids, 512);
		char name[24];
		for (size_t i = 0; i < n && i < 512; i++) {
			lx_snprintf(name, sizeof(name), "%lld", (long long)pids[i]);
			if (!emit(ctx, name, LX_DT_DIR, entry_ino(P_PID, pids[i])))
				return 0;
		}
	}
	if (e == P_TASK)
		return list_tasks(arg, emit, ctx);
	if ((e == P_FD || e == P_FDINFO) && !lx_proc_pid_is_self(arg))
		return list_other_fds(e, arg, emit, ctx);
	if (e == P_FD || e == P_FDINFO) {
		for (int fd = 0; fd < LX_FD_MAX; fd++)
			if (fd_open(fd) && !emit_fd(e, arg, fd, emit, ctx))
				return 0;
	}
	return 0;
}

long lx_proc_entry_stat(int e, long arg, struct lx_kstat *st)
{
	stat_entry(e, arg, st);
	return 0;
}
