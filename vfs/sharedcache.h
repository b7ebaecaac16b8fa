/*
 * Caches shared by the processes of an instance (vfs/sharedcache.c): fixed
 * arrays of entries in a named section, which any process may read or
 * write at any moment and any writer may be killed in the middle of.
 */
#ifndef LXNT_VFS_SHAREDCACHE_H
#define LXNT_VFS_SHAREDCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* One entry: a sequence number (odd while a writer is at it), a check of
 * the payload, and the payload, `words` 64-bit words that the caller
 * lays out (keys included; zero words: an empty entry). */
struct lx_shared_entry {
	volatile int64_t seq;
	volatile uint64_t check;
	volatile uint64_t words[];
};

/* Maps the instance's section `what` (lx_instance_object_name) of bytes
 * bytes, zero-filled when this process is the first; NULL if it cannot
 * be had.  The section stays mapped, and named, for the process's life. */
void *lx_shared_map(const wchar_t *what, size_t bytes);

/* Copies the payload of e into out (words words) when e is whole: no
 * writer at it and its check matches.  false otherwise (the entry is
 * then a miss, never an error). */
bool lx_shared_read(const struct lx_shared_entry *e, void *out, size_t words);

/* Replaces the payload of e by in.  Never waits: a writer that finds
 * another at the entry takes it over (the other may have been killed);
 * what the two leave mixed fails its check. */
void lx_shared_write(struct lx_shared_entry *e, const void *in, size_t words);

/* The entry of a set of `ways` entries of entry_bytes each, from set,
 * that a write of an entry goes to: the one at index found (>= 0: the
 * entry already there), else one never written, else each in turn. */
struct lx_shared_entry *lx_shared_way(void *set, size_t entry_bytes, unsigned ways, int found);

#endif
