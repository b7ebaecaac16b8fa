/*
 * The instance's identity and process list (runtime/instance.h).
 *
 * The key hashes the user's SID with the rootfs's full path: Local\ is
 * shared by every logon of a Windows session (runas included), so the SID
 * keeps two users apart there, and named pipes have no session at all.
 */
#include <windows.h>
#include <winternl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "instance.h"
#include "ptable.h"

static wchar_t key[17], install_key[17];
static INIT_ONCE key_once = INIT_ONCE_STATIC_INIT;

/* FNV-1a over UTF-16 code units: stable across builds and processes,
 * which is all a name needs (it is not a security boundary: the objects'
 * security descriptors are). */
static uint64_t fnv1a(uint64_t h, const wchar_t *s)
{
	for (; *s; s++) {
		h ^= (uint16_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * The token calls of ntdll (ZwOpenProcessToken, ZwQueryInformationToken,
 * RtlConvertSidToUnicodeString, RtlCreateSecurityDescriptor, RtlCreateAcl,
 * RtlAddAccessAllowedAce and RtlSetDaclSecurityDescriptor in the WDK)
 * rather than advapi32's: importing advapi32 makes Wine 8 load it,
 * sechost and ucrtbase into every process (docs/runtime.md, "Start-up").
 */
NTSTATUS NTAPI NtOpenProcessToken(HANDLE process, ACCESS_MASK access, PHANDLE token);
NTSTATUS NTAPI NtQueryInformationToken(HANDLE token, TOKEN_INFORMATION_CLASS cls, PVOID info,
                                       ULONG len, PULONG retlen);
NTSTATUS NTAPI RtlCreateSecurityDescriptor(PSECURITY_DESCRIPTOR sd, ULONG revision);
NTSTATUS NTAPI RtlCreateAcl(PACL acl, ULONG len, ULONG revision);
NTSTATUS NTAPI RtlAddAccessAllowedAce(PACL acl, ULONG revision, ACCESS_MASK mask, PSID sid);
NTSTATUS NTAPI RtlSetDaclSecurityDescriptor(PSECURITY_DESCRIPTOR sd, BOOLEAN present, PACL dacl,
                                            BOOLEAN defaulted);

/* The process user's SID, read once: the key and the security
 * descriptor both need it. */
static union {
	TOKEN_USER user;
	BYTE bytes[256];
} token_user;
static bool have_user;
static INIT_ONCE user_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK read_user(INIT_ONCE *once, void *param, void **ctx)
{
	HANDLE tok;
	ULONG len;

	(void)once, (void)param, (void)ctx;
	/* The pseudo-handle of the process's token (GetCurrentProcessToken,
	 * Windows 8 and later) needs no open and no close. */
	have_user = NT_SUCCESS(NtQueryInformationToken(GetCurrentProcessToken(), TokenUser,
	                                               &token_user, sizeof(token_user), &len));
	if (have_user || !NT_SUCCESS(NtOpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)))
		return TRUE;
	have_user = NT_SUCCESS(NtQueryInformationToken(tok, TokenUser, &token_user,
	                                               sizeof(token_user), &len));
	NtClose(tok);
	return TRUE;
}

static PSID user_sid(void)
{
	InitOnceExecuteOnce(&user_once, read_user, NULL, NULL);
	return have_user ? token_user.user.User.Sid : NULL;
}

/* The user's SID as a string ("S-1-5-21-..."), or "" when the token
 * cannot be read. */
static void user_sid_string(wchar_t *out, size_t cap)
{
	PSID sid = user_sid();
	UNICODE_STRING us = { 0, (USHORT)(cap * sizeof(wchar_t) - sizeof(wchar_t)), out };

	out[0] = 0;
	if (sid && NT_SUCCESS(RtlConvertSidToUnicodeString(&us, sid, FALSE)))
		out[us.Length / sizeof(wchar_t)] = 0;
	else
		out[0] = 0;
}

/* The rootfs as a full path, upper-cased and without trailing
 * separators, so that C:\rootfs and c:\Rootfs\ are one instance; the
 * synthetic root has the name "*", which no path has.  LCMapStringEx of
 * kernel32 rather than CharUpperBuffW: importing user32 for one call
 * makes every process start load and initialise user32, gdi32 and
 * win32u, which under Wine 8 costs tens of milliseconds per process. */
static void root_name(wchar_t *out, size_t cap)
{
	wchar_t env[MAX_PATH], full[MAX_PATH];
	DWORD n = GetEnvironmentVariableW(L"LXNT_ROOT", env, MAX_PATH);
	DWORD fn = 0;

	if (n > 0 && n < MAX_PATH)
		fn = GetFullPathNameW(env, MAX_PATH, full, NULL);
	if (fn == 0 || fn >= MAX_PATH || fn >= cap) {
		wcscpy(out, L"*");
		return;
	}
	while (fn > 3 && full[fn - 1] == L'\\')
		full[--fn] = 0;
	if (!LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_UPPERCASE, full, (int)fn, out, (int)cap, NULL,
	                   NULL, 0))
		memcpy(out, full, fn * sizeof(wchar_t));
	out[fn] = 0;
}

static void hex16(uint64_t h, wchar_t *out)
{
	for (int i = 15; i >= 0; i--, h >>= 4)
		out[i] = L"0123456789abcdef"[h & 15];
	out[16] = 0;
}

/* key: the user, the root and the layout; install_key: the first two. */
static BOOL CALLBACK make_key(INIT_ONCE *once, void *param, void **ctx)
{
	wchar_t sid[192], root[MAX_PATH], layout[32];
	uint64_t h = 0xcbf29ce484222325ull;

	(void)once, (void)param, (void)ctx;
	user_sid_string(sid, 192);
	root_name(root, MAX_PATH);
	h = fnv1a(h, sid);
	h = fnv1a(h, L"\n");
	h = fnv1a(h, root);
	hex16(h, install_key);
	swprintf(layout, 32, L"\nlayout %d", LX_INSTANCE_LAYOUT);
	hex16(fnv1a(h, layout), key);
	return TRUE;
}

const wchar_t *lx_instance_key(void)
{
	InitOnceExecuteOnce(&key_once, make_key, NULL, NULL);
	return key;
}

bool lx_instance_object_name(const wchar_t *what, wchar_t *out, size_t cap)
{
	const wchar_t *k = lx_instance_key();
	size_t need;

	if (!wcscmp(what, L"install"))
		k = install_key;
	need = wcslen(L"Local\\lxnt-") + wcslen(k) + 1 + wcslen(what) + 1;
	if (need > cap)
		return false;
	wcscpy(out, L"Local\\lxnt-");
	wcscat(out, k);
	wcscat(out, L"-");
	wcscat(out, what);
	return true;
}

/* The owner-only security descriptor of every named object of the
 * instance: one ACE granting the user everything, no inherited ones
 * (SDDL "D:P(A;;GA;;;SID)"), so that another user in the session (runas)
 * can open none of them. */
static SECURITY_ATTRIBUTES owner_sa = { .nLength = sizeof(owner_sa) };
static SECURITY_DESCRIPTOR owner_sd;
static union {
	ACL acl;
	BYTE bytes[sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) + SECURITY_MAX_SID_SIZE];
} owner_dacl;
static INIT_ONCE sa_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK make_sa(INIT_ONCE *once, void *param, void **ctx)
{
	PSID sid = user_sid();

	(void)once, (void)param, (void)ctx;
	if (!sid)
		return TRUE; /* the default DACL, which also names the user */
	if (!NT_SUCCESS(RtlCreateAcl(&owner_dacl.acl, sizeof(owner_dacl), ACL_REVISION)) ||
	    !NT_SUCCESS(RtlAddAccessAllowedAce(&owner_dacl.acl, ACL_REVISION, GENERIC_ALL, sid)) ||
	    !NT_SUCCESS(RtlCreateSecurityDescriptor(&owner_sd, SECURITY_DESCRIPTOR_REVISION)) ||
	    !NT_SUCCESS(RtlSetDaclSecurityDescriptor(&owner_sd, TRUE, &owner_dacl.acl, FALSE)))
		return TRUE;
	/* "P": SE_DACL_PROTECTED, a bit of the documented Control field
	 * (winnt.h, SECURITY_DESCRIPTOR_CONTROL) of this absolute descriptor. */
	owner_sd.Control |= SE_DACL_PROTECTED;
	owner_sa.lpSecurityDescriptor = &owner_sd;
	return TRUE;
}

SECURITY_ATTRIBUTES *lx_instance_security(void)
{
	InitOnceExecuteOnce(&sa_once, make_sa, NULL, NULL);
	return owner_sa.lpSecurityDescriptor ? &owner_sa : NULL;
}

/* The process entries of the table, ascending by construction. */
size_t lx_instance_pids(long *pids, size_t cap)
{
	struct lx_ptable *t = lx_ptable_get(NULL);
	size_t n = 0;

	if (!t)
		return 0;
	for (long id = 1; id < LX_PTABLE_PID_MAX; id++) {
		if (t->e[id].kind != LX_PT_PROCESS)
			continue;
		if (n < cap)
			pids[n] = id;
		n++;
	}
	return n;
}

size_t lx_instance_tids(long tgid, long *tids, size_t cap)
{
	struct lx_ptable *t = lx_ptable_get(NULL);
	size_t n = 1;

	if (!t || tgid <= 0 || tgid >= LX_PTABLE_PID_MAX || t->e[tgid].kind != LX_PT_PROCESS)
		return 0;
	if (cap > 0)
		tids[0] = tgid;
	for (long id = 2; id < LX_PTABLE_PID_MAX; id++) {
		if (t->e[id].kind != LX_PT_THREAD || t->e[id].tgid != tgid)
			continue;
		if (n < cap)
			tids[n] = id;
		n++;
	}
	return n;
}

long lx_instance_tgid(long tid)
{
	struct lx_ptable *t = lx_ptable_get(NULL);

	if (!t || tid <= 0 || tid >= LX_PTABLE_PID_MAX || t->e[tid].kind == LX_PT_FREE)
		return 0;
	return t->e[tid].tgid;
}
