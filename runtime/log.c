/* Runtime diagnostics: always to the Windows stderr handle, never a guest fd. */
#include <windows.h>

#include "lx.h"
#include "signal.h"

static void write_stderr(const char *s, size_t n)
{
	HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
	DWORD done;

	if (h && h != INVALID_HANDLE_VALUE)
		WriteFile(h, s, (DWORD)n, &done, NULL);
}

static void vlog(const char *fmt, va_list ap)
{
	char line[1024];
	int n = lx_vsnprintf(line, sizeof(line) - 1, fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	write_stderr(line, (size_t)n);
}

void lx_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

static void (*fatal_hook)(void);

void lx_fatal_set_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

/* Exit status 127, as a shell reports a program that could not be run. */
_Noreturn void lx_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	if (fatal_hook)
		fatal_hook();
	/* A kick under way must resume its thread first (sigkick.c). */
	lx_signal_kicks_close();
	ExitProcess(127);
}
