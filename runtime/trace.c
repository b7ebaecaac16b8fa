/*
 * LXNT_TRACE=1 writes one strace-style line per system call to the Windows
 * stderr handle; LXNT_TRACE=PATH (a Windows path) appends them to a file.
 * Arguments are decoded by the types of runtime/syscalls.tbl at entry (so
 * that a buffer the call fills is not shown as input) and the line is
 * written at exit: `name(arg, ...) = result`, errors as strace shows them,
 * `= -1 ENOENT (No such file or directory)` shortened to `= -1 ENOENT`.
 * Calls that do not return (exit, exit_group) are written at entry with
 * `= ?`, as strace does.
 */
#include <windows.h>

#include "thread.h"
#include "trace.h"

bool lx_trace_on;
bool lx_log_enosys;
static HANDLE trace_handle;

void lx_trace_init(void)
{
	wchar_t val[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(L"LXNT_LOG_ENOSYS", val, MAX_PATH);

	lx_log_enosys = n == 1 && val[0] == L'1';
	n = GetEnvironmentVariableW(L"LXNT_TRACE", val, MAX_PATH);
	if (n == 0 || n >= MAX_PATH || (n == 1 && val[0] == L'0'))
		return;
	if (n == 1 && val[0] == L'1') {
		trace_handle = GetStdHandle(STD_ERROR_HANDLE);
	} else {
		trace_handle = CreateFileW(val, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE,
		                           NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
		if (trace_handle == INVALID_HANDLE_VALUE) {
			lx_log("lxnt: LXNT_TRACE: cannot open the trace file (error %lu)",
			       (unsigned long)GetLastError());
			trace_handle = NULL;
			return;
		}
	}
	lx_trace_on = trace_handle != NULL;
}

static void trace_write(const char *s, size_t n)
{
	DWORD done;

	WriteFile(trace_handle, s, (DWORD)n, &done, NULL);
}

/* A string argument as strace shows it: quoted, escaped, cut at 32 bytes. */
static size_t format_string(char *out, size_t room, uint64_t addr)
{
	char raw[33];
	long len = lx_strncpy_from_user(raw, addr, sizeof(raw));
	bool cut = len == -LX_ENAMETOOLONG;

	if (len < 0 && !cut)
		return (size_t)lx_snprintf(out, room, "0x%llx", (unsigned long long)addr);
	if (cut)
		len = 32;
	size_t o = 0;
	char esc[8];
	o += (size_t)lx_snprintf(out + o, o < room ? room - o : 0, "\"");
	for (long i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c == '"' || c == '\\')
			lx_snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			lx_snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\t')
			lx_snprintf(esc, sizeof(esc), "\\t");
		else if (c < 0x20 || c >= 0x7f)
			lx_snprintf(esc, sizeof(esc), "\\%o", c);
		else
			lx_snprintf(esc, sizeof(esc), "%c", c);
		o += (size_t)lx_snprintf(out + o, o < room ? room - o : 0, "%s", esc);
	}
	o += (size_t)lx_snprintf(out + o, o < room ? room - o : 0, cut ? "\"..." : "\"");
	return o;
}

static size_t format_arg(char *out, size_t room, char type, int64_t v)
{
	switch (type) {
	case 'i':
		/* an int argument arrives zero-extended (glibc loads it with a
		 * 32-bit mov) and the kernel reads only the low half */
		if (((uint64_t)v >> 32) == 0)
			v = (int32_t)v;
		return (size_t)lx_snprintf(out, room, "%lld", (long long)v);
	case 'u':
		return (size_t)lx_snprintf(out, room, "%llu", (unsigned long long)v);
	case 'o':
		return (size_t)lx_snprintf(out, room, "0%llo", (unsigned long long)v);
	case 's':
		return format_string(out, room, (uint64_t)v);
	case 'p':
		if (v == 0)
			return (size_t)lx_snprintf(out, room, "NULL");
		/* fall through */
	default:
		return (size_t)lx_snprintf(out, room, "0x%llx", (unsigned long long)v);
	}
}

static void format_call(char *out, size_t room, const struct lx_syscall *sc)
{
	const char *name = lx_syscall_name(sc->nr);
	const char *types = lx_syscall_args(sc->nr);
	size_t o;

	if (name)
		o = (size_t)lx_snprintf(out, room, "%s(", name);
	else
		o = (size_t)lx_snprintf(out, room, "syscall_%lld(", (long long)sc->nr);
	for (int i = 0; types[i] && i < 6; i++) {
		if (i)
			o += (size_t)lx_snprintf(out + o, o < room ? room - o : 0, ", ");
		o += format_arg(out + o, o < room ? room - o : 0, types[i], sc->arg[i]);
	}
	lx_snprintf(out + o, o < room ? room - o : 0, ")");
}

void lx_trace_enter(const struct lx_syscall *sc)
{
	struct lx_thread *t = lx_current_thread();

	format_call(t->trace_args, sizeof(t->trace_args), sc);
	if (sc->nr == 60 || sc->nr == 231) {
		char line[600];
		int n = lx_snprintf(line, sizeof(line), "%s = ?\n", t->trace_args);
		trace_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
}

void lx_trace_exit(const struct lx_syscall *sc, int64_t ret)
{
	struct lx_thread *t = lx_current_thread();
	char line[600];
	int n;

	if (ret < 0 && ret >= -LX_EMAXERRNO) {
		const char *e = lx_errno_name(-ret);
		if (e)
			n = lx_snprintf(line, sizeof(line), "%s = -1 %s\n", t->trace_args, e);
		else
			n = lx_snprintf(line, sizeof(line), "%s = -1 (errno %lld)\n", t->trace_args, (long long)-ret);
	} else if (sc->nr == 9 || sc->nr == 12 || sc->nr == 25) {
		n = lx_snprintf(line, sizeof(line), "%s = 0x%llx\n", t->trace_args, (unsigned long long)ret);
	} else {
		n = lx_snprintf(line, sizeof(line), "%s = %lld\n", t->trace_args, (long long)ret);
	}
	trace_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}
