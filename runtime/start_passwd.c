/*
 * The root's /etc/passwd and /etc/group (passwd(5), group(5)), as
 * getpwnam, getpwuid and initgroups read them, for lxnt.exe's user
 * (runtime/start_cli.c).
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "start.h"
#include "syscall_table.h"

#define PASSWD_MAX (4u << 20) /* /etc/passwd and /etc/group are read whole */

static long sys_open(const char *path, int flags)
{
	struct lx_syscall sc = { .nr = 257, .arg = { LX_AT_FDCWD, (int64_t)(uintptr_t)path, flags, 0 } };

	return lx_sys_openat(&sc);
}

static void sys_close(int fd)
{
	struct lx_syscall sc = { .nr = 3, .arg = { fd } };

	lx_sys_close(&sc);
}

/* A text file of the root, whole and NUL-terminated, or NULL. */
static char *read_text(const char *path)
{
	long fd = sys_open(path, LX_O_RDONLY | LX_O_CLOEXEC);
	size_t len = 0, cap = 65536;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = HeapAlloc(GetProcessHeap(), 0, cap + 1);
	if (!buf) {
		sys_close((int)fd);
		return NULL;
	}
	for (;;) {
		long got = lx_vfs_pread_host((int)fd, buf + len, cap - len, (int64_t)len);
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len == cap) {
			if (cap >= PASSWD_MAX)
				break;
			char *n = HeapAlloc(GetProcessHeap(), 0, cap * 2 + 1);
			if (!n)
				break;
			memcpy(n, buf, len);
			HeapFree(GetProcessHeap(), 0, buf);
			buf = n;
			cap *= 2;
		}
	}
	sys_close((int)fd);
	buf[len] = '\0';
	return buf;
}

/* Splits a line at ':' into at most max fields; returns how many. */
static int split_fields(char *line, char **field, int max)
{
	int n = 0;

	field[n++] = line;
	for (char *c = line; *c && n < max; c++) {
		if (*c == ':') {
			*c = '\0';
			field[n++] = c + 1;
		}
	}
	return n;
}

bool lx_parse_id(const char *s, long *id)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > 0xfffffffeul)
		return false;
	*id = (long)v;
	return true;
}

static void copy_field(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* passwd(5): name:password:uid:gid:gecos:home:shell; the entry of name,
 * or when name is NULL of uid (the first, as getpwuid finds it). */
void lx_passwd_find(const char *name, long uid, struct lx_passwd *pw)
{
	char *text = read_text("/etc/passwd");
	char *line = text, *field[7];
	long id, gid;

	memset(pw, 0, sizeof(*pw));
	while (line && *line && !pw->found) {
		char *eol = strchr(line, '\n');
		if (eol)
			*eol = '\0';
		if (split_fields(line, field, 7) == 7 && lx_parse_id(field[2], &id) &&
		    lx_parse_id(field[3], &gid) && (name ? !strcmp(field[0], name) : id == uid)) {
			pw->found = true;
			copy_field(pw->name, sizeof(pw->name), field[0]);
			pw->uid = id;
			pw->gid = gid;
			copy_field(pw->home, sizeof(pw->home), field[5]);
			copy_field(pw->shell, sizeof(pw->shell), field[6]);
		}
		line = eol ? eol + 1 : NULL;
	}
	if (text)
		HeapFree(GetProcessHeap(), 0, text);
}

static int gid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* initgroups(3): the primary group and every group(5) entry that lists
 * the user, sorted as the credentials keep them. */
void lx_passwd_groups(const struct lx_passwd *pw)
{
	char *text = read_text("/etc/group");
	char *line = text, *field[4];
	long gid;

	lx_groups[0] = (uint32_t)pw->gid;
	lx_ngroups = 1;
	while (line && *line) {
		char *eol = strchr(line, '\n');
		if (eol)
			*eol = '\0';
		if (split_fields(line, field, 4) == 4 && lx_parse_id(field[2], &gid) && gid != pw->gid) {
			for (char *m = field[3], *e; m && *m && lx_ngroups < LX_NGROUPS_MAX; m = e) {
				e = strchr(m, ',');
				if (e)
					*e++ = '\0';
				if (!strcmp(m, pw->name)) {
					lx_groups[lx_ngroups++] = (uint32_t)gid;
					break;
				}
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	qsort(lx_groups, (size_t)lx_ngroups, sizeof(lx_groups[0]), gid_cmp);
	if (text)
		HeapFree(GetProcessHeap(), 0, text);
}
