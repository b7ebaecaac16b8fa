/*
 * The crash test's killer (tests/e2e/meta_stress_test.py): starts the rest
 * of its command line, lets it run MS milliseconds and ends it with
 * TerminateProcess, as a crash or a task manager would.
 *
 *   killer MS PROGRAM ARGS...
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include <windows.h>

int main(void)
{
	wchar_t *cmd = GetCommandLineW();
	STARTUPINFOW si = { .cb = sizeof(si) };
	PROCESS_INFORMATION pi;
	DWORD ms = 0, code = 0;

	/* Skip argv[0] and MS: the rest is the child's command line as given. */
	for (int skip = 0; skip < 2; skip++) {
		bool quoted = false;
		while (*cmd == L' ')
			cmd++;
		while (*cmd && (quoted || *cmd != L' ')) {
			if (*cmd == L'"')
				quoted = !quoted;
			cmd++;
		}
		if (skip == 0)
			ms = (DWORD)wcstoul(cmd + 1, NULL, 10);
	}
	while (*cmd == L' ')
		cmd++;
	if (!*cmd) {
		fprintf(stderr, "usage: killer MS PROGRAM ARGS...\n");
		return 2;
	}
	/*
	 * Wine 8 answers ERROR_INTERNAL_ERROR, rarely and under load, when the
	 * new process died in Wine's loader before any of its code ran; nothing
	 * was started, so it is tried again (runtime/process_create.c does the
	 * same for the runtime's own processes).
	 */
	for (int attempt = 0;; attempt++) {
		if (CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
			break;
		DWORD err = GetLastError();
		if (err != ERROR_INTERNAL_ERROR || attempt == 2) {
			fprintf(stderr, "killer: CreateProcess failed: %lu\n", err);
			return 2;
		}
		fprintf(stderr, "killer: CreateProcess failed: %lu; trying again\n", err);
	}
	if (WaitForSingleObject(pi.hProcess, ms) == WAIT_TIMEOUT) {
		TerminateProcess(pi.hProcess, 137);
		WaitForSingleObject(pi.hProcess, INFINITE);
		printf("killed after %lu ms\n", ms);
	} else {
		GetExitCodeProcess(pi.hProcess, &code);
		printf("exited by itself: %lu\n", code);
	}
	return 0;
}
