/* A sorted set of addresses, filled in any order then frozen for lookups. */
#include "rw.h"

#include <stdlib.h>

int rw_addrset_add(struct rw_addrset *s, uint64_t a)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = a;
	s->sorted = 0;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void rw_addrset_finish(struct rw_addrset *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++)
		if (w == 0 || s->v[w - 1] != s->v[i])
			s->v[w++] = s->v[i];
	s->n = w;
	s->sorted = 1;
}

/* Whether some address a with lo < a < hi is in the set. */
int rw_addrset_any_inside(const struct rw_addrset *s, uint64_t lo, uint64_t hi)
{
	size_t l = 0, h = s->n;
	while (l < h) { /* first element > lo */
		size_t m = l + (h - l) / 2;
		if (s->v[m] <= lo)
			l = m + 1;
		else
			h = m;
	}
	return l < s->n && s->v[l] < hi;
}

void rw_addrset_free(struct rw_addrset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
