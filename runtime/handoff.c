/*
 * Building the hand-off block and delivering it into a new process
 * (runtime/handoff.h).
 */
#include <windows.h>
#include <string.h>

#include "handoff.h"

/* Lives in the runtime's .data, at the same address in every packed
 * program; written by the creator while the new process is suspended. */
const struct lx_handoff *volatile lx_handoff_block = (const struct lx_handoff *)0;
void *volatile lx_handoff_wait[2];

uint32_t lx_handoff_put(struct lx_handoff_buf *b, const void *data, size_t n)
{
	size_t at = (b->len + 7) & ~(size_t)7;

	if (b->failed || at + n > UINT32_MAX)
		goto fail;
	if (at + n > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		while (ncap < at + n)
			ncap *= 2;
		unsigned char *np = b->p ? HeapReAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, b->p, ncap)
		                         : HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, ncap);
		if (!np)
			goto fail;
		b->p = np;
		b->cap = ncap;
	}
	if (data)
		memcpy(b->p + at, data, n);
	b->len = at + n;
	return (uint32_t)at;
fail:
	b->failed = true;
	return 0;
}

uint32_t lx_handoff_put_str(struct lx_handoff_buf *b, const char *s)
{
	uint32_t at = lx_handoff_put(b, s, strlen(s) + 1);

	/* strings need no alignment: pull the end back to just after the NUL */
	if (!b->failed)
		b->len = at + strlen(s) + 1;
	return at;
}

bool lx_handoff_begin(struct lx_handoff_buf *b, enum lx_handoff_kind kind)
{
	memset(b, 0, sizeof(*b));
	lx_handoff_put(b, NULL, sizeof(struct lx_handoff));
	if (b->failed)
		return false;
	lx_handoff_head(b)->magic = LX_HANDOFF_MAGIC;
	lx_handoff_head(b)->kind = kind;
	/* Every new process gets its own key (runtime/random.c). */
	lx_handoff_head(b)->random_seeded =
		lx_random_bytes(lx_handoff_head(b)->random_seed, LX_RANDOM_SEED_SIZE);
	return true;
}

long lx_handoff_deliver(struct lx_handoff_buf *b, void *proc)
{
	void *remote;
	const void *addr;

	if (b->failed)
		return -LX_ENOMEM;
	lx_handoff_head(b)->size = (uint32_t)b->len;
	remote = VirtualAllocEx(proc, NULL, b->len, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	if (!remote)
		return lx_errno_from_win32(GetLastError());
	addr = remote;
	if (!WriteProcessMemory(proc, remote, b->p, b->len, NULL) ||
	    !WriteProcessMemory(proc, (void *)&lx_handoff_block, &addr, sizeof(addr), NULL))
		return lx_errno_from_win32(GetLastError());
	return 0;
}

void lx_handoff_free(struct lx_handoff_buf *b)
{
	if (b->p && b->len >= sizeof(struct lx_handoff))
		SecureZeroMemory(lx_handoff_head(b)->random_seed, LX_RANDOM_SEED_SIZE);
	if (b->p)
		HeapFree(GetProcessHeap(), 0, b->p);
	memset(b, 0, sizeof(*b));
}
