/*
 * Filling the mount table: the rootfs (LXNT_ROOT), /tmp and /dev/shm at
 * start-up, the drives below the automount root when first needed, each
 * configured by /etc/lxnt.conf in the rootfs (docs/vfs.md, "Mounts" and
 * "/etc/lxnt.conf").
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vfs.h"
#include "metadata.h"
#include "nt.h"

#define LX_FileCaseSensitiveInformation 71
#define LX_FILE_CS_FLAG_CASE_SENSITIVE_DIR 0x1

/* What /etc/lxnt.conf says (defaults: WSL's). */
struct lx_conf {
	bool automount;
	char root[LX_AUTOMOUNT_ROOT_MAX];
	char options[160];
	long umask;              /* -1: keep the runtime's */
	enum lx_meta_force metadata;
};

/* Turns a Win32 path into an NT path in the DOS devices directory
 * ("C:\x" -> "\??\C:\x", "\\srv\share" -> "\??\UNC\srv\share"), without
 * a trailing backslash. */
static wchar_t *nt_path_from_win32(const wchar_t *win)
{
	wchar_t full[LX_PATH_MAX];
	DWORD n = GetFullPathNameW(win, LX_PATH_MAX, full, NULL);
	wchar_t *out;
	const wchar_t *rest = full;
	const wchar_t *prefix = L"\\??\\";

	if (n == 0 || n >= LX_PATH_MAX)
		return NULL;
	while (n > 3 && full[n - 1] == L'\\')
		full[--n] = 0;
	if (n == 3 && full[1] == L':' && full[2] == L'\\')
		full[--n] = 0;
	if (wcsncmp(full, L"\\\\?\\", 4) == 0) {
		rest = full + 4;
	} else if (wcsncmp(full, L"\\\\", 2) == 0) {
		prefix = L"\\??\\UNC\\";
		rest = full + 2;
	}
	out = malloc((wcslen(prefix) + wcslen(rest) + 1) * sizeof(wchar_t));
	if (out) {
		wcscpy(out, prefix);
		wcscat(out, rest);
	}
	return out;
}

static void fill_mount(struct lx_mount *m, const char *prefix, wchar_t *nt_root, uint64_t dev,
                       const char *fstype, const char *source)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->prefix, prefix);
	m->nt_root = nt_root;
	m->dev = dev;
	lx_snprintf(m->fstype, sizeof(m->fstype), "%s", fstype);
	lx_snprintf(m->source, sizeof(m->source), "%s", source);
}

/* A mount of the start-up, when the process has no other thread yet. */
static struct lx_mount *add_mount(const char *prefix, wchar_t *nt_root, uint64_t dev,
                                  const char *fstype, const char *source)
{
	struct lx_mount *m;

	if (!nt_root || lx_nmounts == LX_MAX_MOUNTS)
		return NULL;
	m = &lx_mounts[lx_nmounts++];
	fill_mount(m, prefix, nt_root, dev, fstype, source);
	return m;
}

/* Whether the directory at nt_dir carries the per-directory case-sensitive
 * flag (FILE_CASE_SENSITIVE_INFORMATION, Windows 10 1803 and later on
 * NTFS).  A tree made by WSL has it on every directory. */
static bool dir_case_sensitive(const wchar_t *nt_dir)
{
	ULONG flags = 0;
	IO_STATUS_BLOCK io;
	HANDLE h;
	NTSTATUS s;

	if (lx_host_open(nt_dir, FILE_READ_ATTRIBUTES, FILE_OPEN, FILE_DIRECTORY_FILE, 0,
	                 (void **)&h))
		return false;
	s = NtQueryInformationFile(h, &io, &flags, sizeof(flags),
	                           (FILE_INFORMATION_CLASS)LX_FileCaseSensitiveInformation);
	NtClose(h);
	return NT_SUCCESS(s) && (flags & LX_FILE_CS_FLAG_CASE_SENSITIVE_DIR);
}

/* A directory made on a case=dir mount gets the flag too: Windows does
 * not promise that a new directory inherits it. */
void lx_mount_dir_created(const struct lx_mount *m, void *dir)
{
	ULONG flags = LX_FILE_CS_FLAG_CASE_SENSITIVE_DIR;
	IO_STATUS_BLOCK io;

	if (m && (m->flags & LX_MOUNT_CASE_DIR))
		NtSetInformationFile(dir, &io, &flags, sizeof(flags),
		                     (FILE_INFORMATION_CLASS)LX_FileCaseSensitiveInformation);
}

/* A directory that holds a Linux tree: its names are case-sensitive, by the
 * directory flag where the root has it, else by the codec's escapes. */
static void linux_tree_names(struct lx_mount *m)
{
	wchar_t *root;

	if (!m)
		return;
	if (lx_mount_nt_path(m, "", &root) == 0) {
		if (dir_case_sensitive(root))
			m->flags |= LX_MOUNT_CASE_DIR;
		free(root);
	}
	if (!(m->flags & LX_MOUNT_CASE_DIR))
		m->name_flags = LX_NAME_ESCAPE_CASE;
	m->flags |= LX_MOUNT_FOREIGN;
	lx_snprintf(m->options, sizeof(m->options), "rw,noatime,case=%s",
	            m->flags & LX_MOUNT_CASE_DIR ? "dir" : "escape");
}

static bool parse_octal(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '7' || v > 07777)
			return false;
		v = v * 8 + (uint32_t)(*s - '0');
	}
	*out = v & 0777;
	return true;
}

/* Applies an automount option list ("metadata,umask=22,fmask=111,case=off")
 * to a drive mount; an option that is not understood is logged (for the
 * first drive only) and left out of the mount's options. */
static void apply_drive_options(struct lx_mount *m, const char *list, bool report)
{
	char opts[160];
	char *save = NULL;
	uint32_t umask = 0, fmask = 0, dmask = 0;
	bool have_f = false, have_d = false;
	size_t o;

	lx_snprintf(opts, sizeof(opts), "%s", list);
	lx_snprintf(m->options, sizeof(m->options), "rw,noatime");
	for (char *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool ok = true;

		while (*t == ' ')
			t++;
		if (!strcmp(t, "metadata"))
			m->flags |= LX_MOUNT_METADATA;
		else if (!strncmp(t, "umask=", 6))
			ok = parse_octal(t + 6, &umask);
		else if (!strncmp(t, "fmask=", 6))
			ok = have_f = parse_octal(t + 6, &fmask);
		else if (!strncmp(t, "dmask=", 6))
			ok = have_d = parse_octal(t + 6, &dmask);
		else if (!strcmp(t, "case=off"))
			m->name_flags = 0;
		else if (!strcmp(t, "case=force"))
			m->name_flags = LX_NAME_ESCAPE_CASE, m->flags |= LX_MOUNT_FOREIGN;
		else
			ok = false;
		if (!ok) {
			if (report)
				lx_log("lxnt: /etc/lxnt.conf: automount option '%s' is not supported\n", t);
			continue;
		}
		o = strlen(m->options);
		lx_snprintf(m->options + o, sizeof(m->options) - o, ",%s", t);
	}
	m->fmask = (have_f ? fmask : 0) | umask;
	m->dmask = (have_d ? dmask : 0) | umask;
	if (!strstr(m->options, "case="))
		strcat(m->options, ",case=off");
}

/*
 * The drives below the automount root.  Enumerating them costs a start
 * what the program may never use (under Wine 8, GetLogicalDrives is a
 * wineserver request per entry of \DosDevices), so a drive is mounted
 * when a path below the automount root names it, when a device number
 * names it (a file handed over by the creator), and all of them when the
 * automount root is listed or the mount table read.  A drive that Windows
 * adds later appears at its next such use.  Mounts are never removed:
 * readers walk lx_mounts without a lock, and a new drive's entry is
 * complete before lx_nmounts counts it.
 */
static struct {
	bool enabled;
	char options[160];
	bool reported;           /* its unsupported options are logged once */
} automount;
static SRWLOCK drives_lock = SRWLOCK_INIT;
static uint32_t drives_mounted; /* bit i: drive 'A' + i has its mount */

static bool drive_mounted(int i)
{
	return __atomic_load_n(&drives_mounted, __ATOMIC_ACQUIRE) & (1u << i);
}

/* Mounts drive 'A' + i (under drives_lock). */
static void mount_drive(int i)
{
	/* "X:" alone would be the drive's current directory. */
	wchar_t drive[4] = { (wchar_t)(L'A' + i), L':', L'\\', 0 };
	char prefix[LX_AUTOMOUNT_ROOT_MAX + 4];
	char source[8] = "A:\\134"; /* "A:\", escaped as in proc(5) */
	struct lx_mount *m;
	wchar_t *nt;
	int n = lx_nmounts;

	if (drive_mounted(i) || n == LX_MAX_MOUNTS || !(nt = nt_path_from_win32(drive)))
		return;
	lx_snprintf(prefix, sizeof(prefix), "%s/%c", lx_automount_root, 'a' + i);
	source[0] = (char)('A' + i);
	m = &lx_mounts[n];
	fill_mount(m, prefix, nt, lx_makedev(0, LX_DRIVE_MINOR + i), "drvfs", source);
	apply_drive_options(m, automount.options, !automount.reported);
	automount.reported = true;
	lx_meta_mount_drive(m);
	__atomic_store_n(&lx_nmounts, n + 1, __ATOMIC_RELEASE);
	__atomic_or_fetch(&drives_mounted, 1u << i, __ATOMIC_RELEASE);
}

/* Mounts drive 'A' + i if Windows has it: QueryDosDeviceW of "X:" asks
 * for that one name; only when it does not know the name does
 * GetLogicalDrives, which lists them all, have the last word. */
static void need_drive(int i)
{
	wchar_t name[3] = { (wchar_t)(L'A' + i), L':', 0 };
	wchar_t target[LX_PATH_MAX];

	if (!automount.enabled || drive_mounted(i))
		return;
	if (!QueryDosDeviceW(name, target, LX_PATH_MAX) && !(GetLogicalDrives() & (1u << i)))
		return;
	AcquireSRWLockExclusive(&drives_lock);
	mount_drive(i);
	ReleaseSRWLockExclusive(&drives_lock);
}

void lx_mount_drive_for_path(const char *path)
{
	size_t n = strlen(lx_automount_root);
	char c;

	if (!automount.enabled || strncmp(path, lx_automount_root, n) || path[n] != '/')
		return;
	c = path[n + 1];
	if (c >= 'a' && c <= 'z' && (path[n + 2] == 0 || path[n + 2] == '/'))
		need_drive(c - 'a');
}

void lx_mount_drive_for_dev(uint64_t dev)
{
	uint64_t minor = lx_minor(dev);

	if (lx_major(dev) == 0 && minor >= LX_DRIVE_MINOR && minor < LX_DRIVE_MINOR + 26)
		need_drive((int)(minor - LX_DRIVE_MINOR));
}

void lx_mount_drives_all(void)
{
	DWORD drives;

	if (!automount.enabled)
		return;
	drives = GetLogicalDrives();
	AcquireSRWLockExclusive(&drives_lock);
	for (int i = 0; i < 26; i++)
		if (drives & (1u << i))
			mount_drive(i);
	ReleaseSRWLockExclusive(&drives_lock);
}

/* Reads the rootfs's /etc/lxnt.conf into a NUL-terminated heap string. */
static char *read_conf_file(const struct lx_mount *root)
{
	wchar_t *nt;
	HANDLE h;
	IO_STATUS_BLOCK io;
	char *buf = NULL;
	long err = lx_mount_nt_path(root, "etc/lxnt.conf", &nt);

	if (err)
		return NULL;
	err = lx_host_open(nt, FILE_READ_DATA, FILE_OPEN, FILE_NON_DIRECTORY_FILE, 0, (void **)&h);
	free(nt);
	if (err)
		return NULL;
	buf = malloc(16384);
	if (buf && NT_SUCCESS(NtReadFile(h, NULL, NULL, NULL, &io, buf, 16383, NULL, NULL)))
		buf[io.Information] = 0;
	else if (buf)
		buf[0] = 0;
	NtClose(h);
	return buf;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	if (e - s >= 2 && (*s == '"' || *s == '\'') && e[-1] == *s) {
		e[-1] = 0;
		s++;
	}
	return s;
}

static void conf_set(struct lx_conf *c, const char *section, const char *key, const char *val)
{
	uint32_t v;

	if (!strcmp(section, "automount") && !strcmp(key, "enabled")) {
		c->automount = strcmp(val, "false") != 0;
	} else if (!strcmp(section, "automount") && !strcmp(key, "root")) {
		size_t n = strlen(val);
		while (n > 1 && val[n - 1] == '/')
			n--;
		if (val[0] != '/' || n < 2 || n >= sizeof(c->root) || strstr(val, "..")) {
			lx_log("lxnt: /etc/lxnt.conf: automount root '%s' is not usable\n", val);
			return;
		}
		memcpy(c->root, val, n);
		c->root[n] = 0;
	} else if (!strcmp(section, "automount") && !strcmp(key, "options")) {
		lx_snprintf(c->options, sizeof(c->options), "%s", val);
	} else if (!strcmp(section, "filesystem") && !strcmp(key, "umask") && parse_octal(val, &v)) {
		c->umask = v;
	} else if (!strcmp(section, "filesystem") && !strcmp(key, "metadata") &&
	           (!strcmp(val, "portable") || !strcmp(val, "wsl"))) {
		c->metadata = !strcmp(val, "wsl") ? LX_META_FORCE_WSL : LX_META_FORCE_PORTABLE;
	} else {
		lx_log("lxnt: /etc/lxnt.conf: [%s] %s is not supported\n", section, key);
	}
}

/* The syntax of wsl.conf: [section] lines, key = value lines, '#' and ';'
 * comments, values optionally quoted. */
static void parse_conf(char *text, struct lx_conf *c)
{
	char section[32] = "";
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq;

		line = trim(line);
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			char *end = strchr(line, ']');
			if (end) {
				*end = 0;
				lx_snprintf(section, sizeof(section), "%s", trim(line + 1));
			}
			continue;
		}
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		conf_set(c, section, trim(line), trim(eq + 1));
	}
}

/*
 * /dev/shm, where glibc's shm_open and sem_open make their files: the
 * rootfs's own dev/shm when it has one, else lxnt-shm in the Windows
 * temporary directory (created when missing; shared by the user's
 * processes, as tmpfs /dev/shm is by a machine's).
 */
static void add_shm(struct lx_mount *root)
{
	wchar_t buf[LX_PATH_MAX];
	wchar_t *nt = NULL;
	HANDLE h;
	DWORD n;

	if (root && lx_mount_nt_path(root, "dev/shm", &nt) == 0 &&
	    lx_host_open(nt, FILE_LIST_DIRECTORY, FILE_OPEN, FILE_DIRECTORY_FILE, 0, (void **)&h) == 0) {
		NtClose(h);
		linux_tree_names(add_mount("/dev/shm", nt, lx_makedev(0, LX_SHM_MINOR), "tmpfs", "tmpfs"));
		return;
	}
	free(nt);
	n = GetTempPathW(LX_PATH_MAX - 16, buf);
	if (n == 0 || n >= LX_PATH_MAX - 16)
		return;
	wcscat(buf, L"lxnt-shm");
	nt = nt_path_from_win32(buf);
	if (!nt || lx_host_open(nt, FILE_LIST_DIRECTORY, FILE_OPEN_IF, FILE_DIRECTORY_FILE, 0,
	                        (void **)&h)) {
		free(nt);
		return;
	}
	NtClose(h);
	linux_tree_names(add_mount("/dev/shm", nt, lx_makedev(0, LX_SHM_MINOR), "tmpfs", "tmpfs"));
}

void lx_mount_init(void)
{
	wchar_t buf[LX_PATH_MAX];
	struct lx_conf conf = { true, "/mnt", "", -1, LX_META_AUTO };
	struct lx_mount *root = NULL;
	DWORD n;

	n = GetEnvironmentVariableW(L"LXNT_ROOT", buf, LX_PATH_MAX);
	if (n > 0 && n < LX_PATH_MAX) {
		wchar_t *nt = nt_path_from_win32(buf);
		root = add_mount("/", nt, lx_makedev(0, LX_ROOT_MINOR), "lxfs", "rootfs");
		if (!root)
			lx_log("lxnt: LXNT_ROOT is not a usable path; using the synthetic root\n");
	}
	if (root) {
		char *text;
		lx_have_rootfs = true;
		linux_tree_names(root);
		text = read_conf_file(root);
		if (text)
			parse_conf(text, &conf);
		free(text);
		lx_meta_mount_tree(root, conf.metadata);
	}
	strcpy(lx_automount_root, conf.root);
	if (conf.umask >= 0)
		lx_umask = (unsigned)conf.umask;
	automount.enabled = conf.automount;
	automount.reported = false;
	lx_snprintf(automount.options, sizeof(automount.options), "%s", conf.options);
	drives_mounted = 0; /* a new table (the vfs's tests start it again) */
	if (!root) {
		n = GetTempPathW(LX_PATH_MAX, buf);
		if (n > 0 && n < LX_PATH_MAX)
			linux_tree_names(add_mount("/tmp", nt_path_from_win32(buf),
			                           lx_makedev(0, LX_TMP_MINOR), "drvfs", "tmp"));
	}
	add_shm(root);
}
