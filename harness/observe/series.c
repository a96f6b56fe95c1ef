/* series: see series.h. */
#include "series.h"

#include <stdlib.h>
#include <string.h>

struct series {
	int64_t t[SERIES_MAX_POINTS];
	uint32_t c[SERIES_MAX_POINTS][DIAG_NSTATES];
	size_t n;		/* points, the last one possibly still filling */
	uint64_t per;		/* samples a point covers (a power of two) */
	uint64_t in_last;	/* samples in the last point */
};

struct series *series_new(void)
{
	struct series *s = calloc(1, sizeof(*s));

	if (s)
		s->per = 1;
	return s;
}

void series_free(struct series *s)
{
	free(s);
}

/* Merges the points two by two: each keeps the first's time and the larger counts. */
static void halve(struct series *s)
{
	size_t i, k;

	for (i = 0, k = 0; i < s->n; i += 2, k++) {
		s->t[k] = s->t[i];
		memcpy(s->c[k], s->c[i], sizeof(s->c[k]));
		if (i + 1 >= s->n)
			continue;
		for (int st = 0; st < DIAG_NSTATES; st++)
			if (s->c[i + 1][st] > s->c[k][st])
				s->c[k][st] = s->c[i + 1][st];
	}
	/* An odd last point is a partial bucket of the new width. */
	s->in_last = s->n % 2 ? s->in_last : s->per + s->in_last;
	s->n = k;
	s->per *= 2;
}

void series_add(struct series *s, int64_t t, const size_t live[DIAG_NSTATES])
{
	uint32_t *c;

	if (!s->n || s->in_last == s->per) {
		if (s->n == SERIES_MAX_POINTS)
			halve(s);
	}
	if (!s->n || s->in_last == s->per) {
		s->t[s->n] = t;
		memset(s->c[s->n], 0, sizeof(s->c[s->n]));
		s->n++;
		s->in_last = 0;
	}
	c = s->c[s->n - 1];
	for (int st = 0; st < DIAG_NSTATES; st++) {
		uint32_t v = live[st] > UINT32_MAX ? UINT32_MAX : (uint32_t)live[st];

		if (v > c[st])
			c[st] = v;
	}
	s->in_last++;
}

size_t series_len(const struct series *s)
{
	return s->n;
}

uint64_t series_per_point(const struct series *s)
{
	return s->per;
}

int64_t series_time(const struct series *s, size_t i)
{
	return s->t[i];
}

uint32_t series_count(const struct series *s, size_t i, int state)
{
	return s->c[i][state];
}

uint32_t series_max(const struct series *s, int state)
{
	uint32_t m = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->c[i][state] > m)
			m = s->c[i][state];
	return m;
}
