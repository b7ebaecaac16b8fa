/*
 * execve's argument vectors (fs/exec.c copy_strings), #! lines
 * (fs/binfmt_script.c) and Windows command lines (runtime/exec.h).
 */
#include <windows.h>
#include <string.h>

#include "exec.h"

bool lx_strlist_add(struct lx_strlist *l, const char *s, size_t n)
{
	if (l->len + n + 1 > LX_ARG_MAX)
		return false;
	if (l->len + n + 1 > l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 4096;
		while (ncap < l->len + n + 1)
			ncap *= 2;
		char *np = l->p ? HeapReAlloc(GetProcessHeap(), 0, l->p, ncap) : HeapAlloc(GetProcessHeap(), 0, ncap);
		if (!np)
			return false;
		l->p = np;
		l->cap = ncap;
	}
	memcpy(l->p + l->len, s, n);
	l->p[l->len + n] = 0;
	l->len += n + 1;
	l->n++;
	return true;
}

void lx_strlist_free(struct lx_strlist *l)
{
	if (l->p)
		HeapFree(GetProcessHeap(), 0, l->p);
	memset(l, 0, sizeof(*l));
}

/* Copies a guest vector of strings (argv or envp; NULL is empty). */
long lx_copy_strings(uint64_t uvec, struct lx_strlist *l, size_t *total)
{
	char *buf = HeapAlloc(GetProcessHeap(), 0, LX_PATH_MAX * 32);
	long r = 0;

	if (!buf)
		return -LX_ENOMEM;
	for (uint64_t i = 0; uvec; i++) {
		uint64_t p;
		if (lx_copy_from_user(&p, uvec + i * 8, 8) < 0) {
			r = -LX_EFAULT;
			break;
		}
		if (!p)
			break;
		long n = lx_strncpy_from_user(buf, p, LX_PATH_MAX * 32);
		if (n == -LX_ENAMETOOLONG)
			n = -LX_E2BIG;
		if (n < 0) {
			r = n;
			break;
		}
		*total += (size_t)n + 1;
		if (*total > LX_ARG_MAX || !lx_strlist_add(l, buf, (size_t)n)) {
			r = -LX_E2BIG;
			break;
		}
	}
	HeapFree(GetProcessHeap(), 0, buf);
	return r;
}

/* The i-th string of a list. */
const char *lx_strlist_at(const struct lx_strlist *l, uint32_t i)
{
	const char *s = l->p;

	while (i--)
		s += strlen(s) + 1;
	return s;
}

/*
 * binfmt_script: "#!" then blanks, the interpreter up to a blank or the
 * end of the line, then at most one argument (the rest of the line with
 * blanks trimmed at both ends).  The new argv is interpreter, argument,
 * the script's path as given, argv[1..].
 */
long lx_script_argv(const struct lx_exec_file *xf, const char *path, struct lx_strlist *argv,
                        char *interp)
{
	char line[LX_BINPRM_BUF_SIZE];
	size_t n = xf->nhead < sizeof(line) - 1 ? xf->nhead : sizeof(line) - 1;
	struct lx_strlist nv = { 0 };

	memcpy(line, xf->head, n);
	line[n] = 0;
	char *nl = strchr(line, '\n');
	if (!nl && n == sizeof(line) - 1)
		return -LX_ENOEXEC; /* the interpreter line does not fit */
	if (nl)
		*nl = 0;
	char *p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return -LX_ENOEXEC;
	char *ie = p;
	while (*ie && *ie != ' ' && *ie != '\t')
		ie++;
	char *arg = ie;
	while (*arg == ' ' || *arg == '\t')
		arg++;
	*ie = 0;
	char *ae = arg + strlen(arg);
	while (ae > arg && (ae[-1] == ' ' || ae[-1] == '\t'))
		*--ae = 0;
	strcpy(interp, p);
	if (!lx_strlist_add(&nv, p, strlen(p)) || (*arg && !lx_strlist_add(&nv, arg, strlen(arg))) ||
	    !lx_strlist_add(&nv, path, strlen(path)))
		goto big;
	for (uint32_t i = 1; i < argv->n; i++) {
		const char *s = lx_strlist_at(argv, i);
		if (!lx_strlist_add(&nv, s, strlen(s)))
			goto big;
	}
	lx_strlist_free(argv);
	*argv = nv;
	return 0;
big:
	lx_strlist_free(&nv);
	return -LX_E2BIG;
}

/* Appends s to the command line with the quoting CommandLineToArgvW undoes. */
static void quote_arg(wchar_t *out, size_t *o, const wchar_t *s)
{
	bool plain = *s && !wcspbrk(s, L" \t\n\v\"");

	if (plain) {
		while (*s)
			out[(*o)++] = *s++;
		return;
	}
	out[(*o)++] = L'"';
	for (;;) {
		size_t bs = 0;
		while (*s == L'\\') {
			s++;
			bs++;
		}
		if (!*s) {
			for (size_t k = 0; k < bs * 2; k++)
				out[(*o)++] = L'\\';
			break;
		}
		if (*s == L'"') {
			for (size_t k = 0; k < bs * 2 + 1; k++)
				out[(*o)++] = L'\\';
		} else {
			for (size_t k = 0; k < bs; k++)
				out[(*o)++] = L'\\';
		}
		out[(*o)++] = *s++;
	}
	out[(*o)++] = L'"';
}

/* A Windows command line for argv: the module first, then the rest. */
wchar_t *lx_command_line(const wchar_t *module, const struct lx_strlist *argv)
{
	size_t cap = wcslen(module) * 2 + 3 + argv->len * 2 * 2 + argv->n * 3 + 1, o = 0;
	wchar_t *out = HeapAlloc(GetProcessHeap(), 0, cap * sizeof(wchar_t));
	wchar_t *w = HeapAlloc(GetProcessHeap(), 0, (LX_PATH_MAX * 32 + 1) * sizeof(wchar_t));

	if (!out || !w)
		return NULL;
	quote_arg(out, &o, module);
	for (uint32_t i = 1; i < argv->n; i++) {
		const char *s = lx_strlist_at(argv, i);
		int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, w, LX_PATH_MAX * 32);
		if (n <= 0)
			w[0] = 0;
		out[o++] = L' ';
		quote_arg(out, &o, w);
	}
	out[o] = 0;
	HeapFree(GetProcessHeap(), 0, w);
	return out;
}

