/*
 * The Linux argv and envp of a packed program, from the Windows command
 * line and environment.
 */
#include <windows.h>
#include <string.h>

#include "start.h"

static void *xalloc(size_t n)
{
	void *p = HeapAlloc(GetProcessHeap(), 0, n ? n : 1);

	if (!p)
		lx_fatal("lxnt: out of memory at start-up");
	return p;
}

static char *utf8_of(const wchar_t *w, int wlen)
{
	int n = WideCharToMultiByte(CP_UTF8, 0, w, wlen, NULL, 0, NULL, NULL);
	char *s = xalloc((size_t)n + 1);

	WideCharToMultiByte(CP_UTF8, 0, w, wlen, s, n, NULL, NULL);
	s[n] = '\0';
	return s;
}

static void push(struct lx_strvec *v, char *s, size_t *cap)
{
	if (v->n + 1 >= *cap) {
		*cap = *cap ? *cap * 2 : 16;
		char **n = xalloc(*cap * sizeof(*n));
		if (v->v)
			memcpy(n, v->v, v->n * sizeof(*n));
		v->v = n;
	}
	v->v[v->n++] = s;
	v->v[v->n] = NULL;
}

/* The program-name token, which follows CommandLineToArgvW: quotes
 * delimit, backslashes are literal.  [*start, *end) is the name. */
static const wchar_t *program_name(const wchar_t *p, const wchar_t **start, const wchar_t **end)
{
	if (*p == L'"') {
		*start = ++p;
		while (*p && *p != L'"')
			p++;
		*end = p;
		if (*p)
			p++;
	} else {
		*start = p;
		while (*p && *p != L' ' && *p != L'\t')
			p++;
		*end = p;
	}
	return p;
}

/*
 * argv[0]: the base name the program was started by, without ".exe", so
 * that multi-call programs (busybox) see the applet name.
 */
static const wchar_t *parse_program_name(const wchar_t *p, struct lx_strvec *argv, size_t *cap)
{
	const wchar_t *start, *end;

	p = program_name(p, &start, &end);
	const wchar_t *base = start;
	for (const wchar_t *q = start; q < end; q++)
		if (*q == L'\\' || *q == L'/')
			base = q + 1;
	if (end - base > 4 && CompareStringOrdinal(end - 4, 4, L".exe", 4, TRUE) == CSTR_EQUAL)
		end -= 4;
	push(argv, utf8_of(base, (int)(end - base)), cap);
	return p;
}

const wchar_t *lx_args_begin(void)
{
	const wchar_t *start, *end;

	return program_name(GetCommandLineW(), &start, &end);
}

/*
 * One argument, by the rules of "Parsing C command-line arguments"
 * (Microsoft C runtime documentation): whitespace separates, quotes group,
 * 2n backslashes before a quote give n backslashes, 2n+1 give n and a
 * literal quote, "" inside quotes is a literal quote.  No globbing.
 */
const wchar_t *lx_next_arg(const wchar_t *p, char **arg)
{
	wchar_t *buf;
	size_t o = 0;
	bool quoted = false;

	while (*p == L' ' || *p == L'\t')
		p++;
	if (!*p)
		return NULL;
	buf = xalloc((wcslen(p) + 1) * sizeof(wchar_t));
	while (*p && (quoted || (*p != L' ' && *p != L'\t'))) {
		if (*p == L'\\') {
			size_t nb = 0;
			while (*p == L'\\') {
				nb++;
				p++;
			}
			if (*p == L'"') {
				for (size_t k = 0; k < nb / 2; k++)
					buf[o++] = L'\\';
				if (nb % 2) {
					buf[o++] = L'"';
					p++;
				}
			} else {
				for (size_t k = 0; k < nb; k++)
					buf[o++] = L'\\';
			}
		} else if (*p == L'"') {
			if (quoted && p[1] == L'"') {
				buf[o++] = L'"';
				p += 2;
			} else {
				quoted = !quoted;
				p++;
			}
		} else {
			buf[o++] = *p++;
		}
	}
	*arg = utf8_of(buf, (int)o);
	HeapFree(GetProcessHeap(), 0, buf);
	return p;
}

void lx_build_argv(struct lx_strvec *argv)
{
	size_t cap = 0;
	char *arg;

	argv->v = NULL;
	argv->n = 0;
	const wchar_t *p = parse_program_name(GetCommandLineW(), argv, &cap);
	while ((p = lx_next_arg(p, &arg)) != NULL)
		push(argv, arg, &cap);
}

char *lx_linux_path_of_windows(const wchar_t *path)
{
	char *s = utf8_of(path, -1);
	size_t n = strlen(s);

	if (n >= 2 && s[1] == ':' && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) {
		char *out = xalloc(n + 6);
		char *o = out;
		memcpy(o, "/mnt/", 5);
		o += 5;
		*o++ = (char)(s[0] | 0x20);
		for (const char *q = s + 2; *q; q++)
			*o++ = *q == '\\' ? '/' : *q;
		*o = '\0';
		/* "C:\" alone is "/mnt/c/": keep it, a trailing slash is harmless. */
		return out;
	}
	for (char *q = s; *q; q++)
		if (*q == '\\')
			*q = '/';
	return s;
}

static bool name_is(const wchar_t *entry, const wchar_t *name)
{
	size_t n = wcslen(name);

	return CompareStringOrdinal(entry, (int)n, name, (int)n, TRUE) == CSTR_EQUAL && entry[n] == L'=';
}

static char *join(const char *name, const char *value)
{
	size_t a = strlen(name), b = strlen(value);
	char *s = xalloc(a + b + 2);

	memcpy(s, name, a);
	s[a] = '=';
	memcpy(s + a + 1, value, b + 1);
	return s;
}

/*
 * HOME: $LXNT_HOME if set; /root when a rootfs is given (LXNT_ROOT), as in
 * a fresh container; otherwise the Windows profile directory as the vfs
 * shows it (/mnt/c/Users/NAME), where a packed tool's user keeps files.
 */
static char *linux_home(void)
{
	wchar_t w[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(L"LXNT_HOME", w, MAX_PATH);

	if (n && n < MAX_PATH)
		return utf8_of(w, -1);
	if (GetEnvironmentVariableW(L"LXNT_ROOT", w, MAX_PATH))
		return utf8_of(L"/root", -1);
	n = GetEnvironmentVariableW(L"USERPROFILE", w, MAX_PATH);
	if (n && n < MAX_PATH)
		return lx_linux_path_of_windows(w);
	return utf8_of(L"/", -1);
}

/*
 * Windows variables are kept (Linux programs ignore what they do not know);
 * drive-current-directory entries ("=C:=C:\x") are not variables and go.
 * PATH and HOME are replaced by Linux values, TERM and LANG get defaults
 * when unset.  Names are compared without case, as Windows does.
 */
/* LXNT_PATH, when set, is the Linux PATH (a Windows PATH means nothing
 * to Linux programs); otherwise the default of Debian's login. */
static const char *linux_path(void)
{
	wchar_t v[4096];
	DWORD n = GetEnvironmentVariableW(L"LXNT_PATH", v, 4096);

	if (n > 0 && n < 4096)
		return utf8_of(v, (int)n);
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

void lx_build_envp(struct lx_strvec *envp)
{
	wchar_t *block = GetEnvironmentStringsW();
	size_t cap = 0;
	bool have_term = false, have_lang = false;

	envp->v = NULL;
	envp->n = 0;
	for (wchar_t *e = block; e && *e; e += wcslen(e) + 1) {
		if (*e == L'=' || name_is(e, L"PATH") || name_is(e, L"HOME"))
			continue;
		have_term |= name_is(e, L"TERM");
		have_lang |= name_is(e, L"LANG");
		push(envp, utf8_of(e, -1), &cap);
	}
	FreeEnvironmentStringsW(block);
	push(envp, join("PATH", linux_path()), &cap);
	push(envp, join("HOME", linux_home()), &cap);
	if (!have_term)
		push(envp, join("TERM", "xterm-256color"), &cap);
	if (!have_lang)
		push(envp, join("LANG", "C.UTF-8"), &cap);
}

void lx_env_set(struct lx_strvec *envp, const char *name, const char *value)
{
	size_t n = strlen(name);
	char *entry = join(name, value);

	for (size_t i = 0; i < envp->n; i++) {
		if (!strncmp(envp->v[i], name, n) && envp->v[i][n] == '=') {
			envp->v[i] = entry;
			return;
		}
	}
	char **v = xalloc((envp->n + 2) * sizeof(*v));
	memcpy(v, envp->v, envp->n * sizeof(*v));
	v[envp->n++] = entry;
	v[envp->n] = NULL;
	envp->v = v;
}

bool lx_strvec_unpack(const char *s, uint32_t n, struct lx_strvec *v)
{
	v->n = 0;
	v->v = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, ((size_t)n + 1) * sizeof(char *));
	if (!v->v)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		size_t len = strlen(s) + 1;
		if (!(v->v[i] = HeapAlloc(GetProcessHeap(), 0, len)))
			return false;
		memcpy(v->v[i], s, len);
		v->n++;
		s += len;
	}
	return true;
}
