/*
 * Caches shared by the processes of an instance (vfs/sharedcache.h).
 *
 * Each entry is a sequence lock and a check: a writer makes the sequence
 * odd, writes the payload and its check, and makes it even again; a reader
 * copies the payload and uses it only when the sequence was even and the
 * same before and after and the check matches what it copied.  There is
 * no lock that a killed process could leave held: a writer killed in the
 * middle leaves the sequence odd, and the next writer of the entry takes
 * it over (from an odd sequence it moves on by two, so a reader that saw
 * the first writer's number never mistakes the second's for it).  Two
 * writers at one entry (the second took over from a slow, not a dead,
 * first) can leave a payload mixed from both under an even sequence; the
 * check, a 64-bit hash of the whole payload, is what catches that.  Every
 * entry is a cache of what the disk says, validated by its own counters
 * besides (vfs/statcache.c, vfs/metacache.c), so a lost write only costs
 * a miss.
 */
#include <windows.h>

#include "instance.h"
#include "sharedcache.h"

/* 0 stays the check of no entry: a zero-filled entry never matches. */
static uint64_t checksum(const uint64_t *w, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ull;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 31;
	}
	return h ? h : 1;
}

void *lx_shared_map(const wchar_t *what, size_t bytes)
{
	wchar_t name[128];
	HANDLE s;
	void *v;

	if (!lx_instance_object_name(what, name, 128))
		return NULL;
	s = CreateFileMappingW(INVALID_HANDLE_VALUE, lx_instance_security(), PAGE_READWRITE,
	                       (DWORD)((uint64_t)bytes >> 32), (DWORD)bytes, name);
	if (!s)
		return NULL;
	v = MapViewOfFile(s, FILE_MAP_ALL_ACCESS, 0, 0, bytes);
	/* The handle stays open while the view does: under Wine a view alone
	 * keeps the memory but not the name (vfs/metacache.c). */
	if (!v)
		CloseHandle(s);
	return v;
}

bool lx_shared_read(const struct lx_shared_entry *e, void *out, size_t words)
{
	uint64_t *o = out;
	int64_t seq = e->seq;
	uint64_t check;

	if (seq & 1)
		return false;
	/* Volatile loads keep their order, and x86-64 does not reorder loads
	 * with loads: the second look at seq follows every word copied. */
	check = e->check;
	for (size_t i = 0; i < words; i++)
		o[i] = e->words[i];
	if (e->seq != seq)
		return false;
	return check == checksum(o, words);
}

void lx_shared_write(struct lx_shared_entry *e, const void *in, size_t words)
{
	const uint64_t *w = in;
	int64_t seq = e->seq;
	int64_t mine = seq & 1 ? seq + 2 : seq + 1;

	/* Another writer claimed the entry since seq was read: it wins. */
	if (InterlockedCompareExchange64((volatile LONG64 *)&e->seq, mine, seq) != seq)
		return;
	e->check = 0;
	for (size_t i = 0; i < words; i++)
		e->words[i] = w[i];
	e->check = checksum(w, words);
	InterlockedCompareExchange64((volatile LONG64 *)&e->seq, mine + 1, mine);
}

struct lx_shared_entry *lx_shared_way(void *set, size_t entry_bytes, unsigned ways, int found)
{
	static volatile LONG turn;
	char *base = set;

	for (unsigned k = 0; found < 0 && k < ways; k++)
		if (((struct lx_shared_entry *)(base + k * entry_bytes))->seq == 0)
			found = (int)k;
	if (found < 0)
		found = (int)((unsigned)InterlockedIncrement(&turn) % ways);
	return (struct lx_shared_entry *)(base + (size_t)found * entry_bytes);
}
