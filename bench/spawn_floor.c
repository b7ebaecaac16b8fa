/*
 * The floor for process creation under Wine: N times CreateProcess of
 * this program (with "child", which returns at once) and wait, as a
 * native Windows program would spawn.  Prints the mean time of one cycle.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wmain(int argc, wchar_t **argv)
{
	if (argc > 1 && !wcscmp(argv[1], L"child"))
		return 0;
	long n = argc > 1 ? wcstol(argv[1], NULL, 10) : 100;
	wchar_t self[MAX_PATH], cmd[MAX_PATH + 16];
	LARGE_INTEGER f, t0, t1;

	GetModuleFileNameW(NULL, self, MAX_PATH);
	QueryPerformanceFrequency(&f);
	QueryPerformanceCounter(&t0);
	for (long i = 0; i < n; i++) {
		STARTUPINFOW si = { .cb = sizeof(si) };
		PROCESS_INFORMATION pi;
		swprintf(cmd, MAX_PATH + 16, L"\"%ls\" child", self);
		if (!CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
			return 1;
		WaitForSingleObject(pi.hProcess, INFINITE);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
	}
	QueryPerformanceCounter(&t1);
	printf("%.1f ns/call\n", (double)(t1.QuadPart - t0.QuadPart) * 1e9 / (double)f.QuadPart / (double)n);
	return 0;
}
