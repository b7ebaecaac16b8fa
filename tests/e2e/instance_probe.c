/*
 * instance_probe: a Windows helper of tests/e2e/daemon_test.py and
 * extkill_test.py.
 *
 *   instance_probe dacl    the instance's table, its mutex and the daemon's
 *                          event carry a DACL of one ACE that allows the
 *                          user (runtime/instance.c, lx_instance_security);
 *                          exit status 0, or 1 with a line saying what differs
 *   instance_probe sleep MS   sleeps (a Windows program for the install lock)
 *   instance_probe terminate WINPID   TerminateProcess with exit code 1, as
 *                          Task Manager ends a process (extkill_test.py)
 *   instance_probe first-winpid PID   the Windows pid of the first Windows
 *                          process of Linux pid PID (an execve's stub)
 *   instance_probe stdio   reads its standard input to the end and writes a
 *                          line to its standard output and error, as a
 *                          Windows program started by execve (wslexe_test.py);
 *                          exit status: 1 if the output write failed, 2 the
 *                          error's, 4 the read (bits)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "instance.h"
#include "ptable.h"

static bool user_sid(PSID *sid)
{
	static union {
		TOKEN_USER user;
		BYTE bytes[256];
	} buf;
	HANDLE tok;
	DWORD len;

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
		return false;
	bool ok = GetTokenInformation(tok, TokenUser, &buf, sizeof(buf), &len);
	CloseHandle(tok);
	*sid = buf.user.User.Sid;
	return ok;
}

/* One ACE, allowing, naming the user. */
static bool check(const char *what, HANDLE h, PSID user)
{
	PACL dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	ACL_SIZE_INFORMATION info;
	void *ace;
	bool ok = false;

	DWORD r = GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
	                          NULL, &sd);
	if (r != ERROR_SUCCESS)
		printf("%s: GetSecurityInfo failed (error %lu)\n", what, r);
	else if (!dacl)
		printf("%s: no DACL (everyone has access)\n", what);
	else if (!GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation) || info.AceCount != 1)
		printf("%s: %lu ACEs, not 1\n", what, (unsigned long)info.AceCount);
	else if (!GetAce(dacl, 0, &ace) || ((ACE_HEADER *)ace)->AceType != ACCESS_ALLOWED_ACE_TYPE)
		printf("%s: the ACE does not allow\n", what);
	else if (!EqualSid((PSID)&((ACCESS_ALLOWED_ACE *)ace)->SidStart, user))
		printf("%s: the ACE names another SID\n", what);
	else
		ok = true;
	if (ok)
		printf("%s: one ACE, the user's\n", what);
	if (sd)
		LocalFree(sd);
	return ok;
}

static HANDLE open_named(const wchar_t *what, bool mutex)
{
	wchar_t name[96];

	if (!lx_instance_object_name(what, name, 96))
		return NULL;
	return mutex ? OpenMutexW(READ_CONTROL, FALSE, name)
	             : OpenEventW(READ_CONTROL, FALSE, name);
}

static int dacl(void)
{
	wchar_t name[96];
	PSID user;
	unsigned long err = 0;

	if (!user_sid(&user) || !lx_ptable_get(&err)) {
		printf("cannot read the token or open the table (error %lu)\n", err);
		return 1;
	}
	lx_instance_object_name(L"table", name, 96);
	HANDLE table = OpenFileMappingW(READ_CONTROL, FALSE, name);
	HANDLE lock = open_named(L"table-lock", true), wake = open_named(L"wake", false);
	if (!table || !lock || !wake) {
		printf("cannot open the instance's objects (error %lu)\n", GetLastError());
		return 1;
	}
	bool ok = check("table", table, user);
	ok &= check("table-lock", lock, user);
	ok &= check("wake", wake, user);
	return ok ? 0 : 1;
}

/* End of file, or a pipe whose writers have gone, ends the read. */
static int stdio_check(void)
{
	char buf[4096];
	DWORD n;
	int r = 0;

	for (;;) {
		if (!ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof(buf), &n, NULL)) {
			if (GetLastError() != ERROR_BROKEN_PIPE)
				r |= 4;
			break;
		}
		if (n == 0)
			break;
	}
	if (!WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "out\r\n", 5, &n, NULL) || n != 5)
		r |= 1;
	if (!WriteFile(GetStdHandle(STD_ERROR_HANDLE), "err\r\n", 5, &n, NULL) || n != 5)
		r |= 2;
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "stdio"))
		return stdio_check();
	if (argc == 2 && !strcmp(argv[1], "dacl"))
		return dacl();
	if (argc == 3 && !strcmp(argv[1], "sleep")) {
		Sleep((DWORD)atol(argv[2]));
		return 0;
	}
	/* A Windows program ending a process from outside lxnt, with the
	 * exit code that Task Manager and taskkill /F give (extkill_test.py). */
	/* The first Windows process of Linux pid PID (an execve's stub once
	 * it has run one), from the instance's table. */
	if (argc == 3 && !strcmp(argv[1], "first-winpid")) {
		struct lx_ptable *t = lx_ptable_get(NULL);
		long pid = atol(argv[2]);
		if (!t || pid <= 0 || pid >= LX_PTABLE_PID_MAX || t->e[pid].kind != LX_PT_PROCESS)
			return 1;
		printf("%lu\n", (unsigned long)t->e[pid].win_pid);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "terminate")) {
		HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)atol(argv[2]));
		if (!h || !TerminateProcess(h, 1)) {
			fprintf(stderr, "cannot terminate %s (error %lu)\n", argv[2], GetLastError());
			return 1;
		}
		CloseHandle(h);
		return 0;
	}
	fprintf(stderr, "usage: instance_probe dacl | sleep MS | terminate WINPID | first-winpid PID\n");
	return 2;
}
