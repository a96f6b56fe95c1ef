/* timeline_stats.c: what the visits add up to: one visit's lifetime bounds
 * (tl_visit_lifetime()) and, per state, the counts and the nearest-rank quantiles of the
 * lower and of the upper bounds (timeline_stats(), tl_quant_compute()). */
#include "timeline.h"
#include "timeline_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void tl_visit_lifetime(const struct tl_visit *v, int64_t *min, int64_t *max)
{
	int64_t lo = v->left_lo - v->entered_hi;

	*min = lo > 0 ? lo : 0;
	if (v->left_hi == TL_INF || v->entered_lo == TL_NINF)
		*max = TL_INF;
	else
		*max = v->left_hi - v->entered_lo;
}

void tl_quant_compute(int64_t *v, size_t n, struct tl_quant *q)
{
	memset(q, 0, sizeof(*q));
	if (!n)
		return;
	sort_int64(v, n);
	q->min = v[0];
	q->p50 = pct_nearest_rank(v, n, 50);
	q->p99 = pct_nearest_rank(v, n, 99);
	q->max = v[n - 1];
}

int timeline_stats(const struct timeline *tl, int state, struct tl_stats *st)
{
	int64_t *lo = NULL, *hi = NULL;
	size_t i, nb = 0, cap = 0;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (state <= 0 || state >= DIAG_NSTATES)
		return -EINVAL;
	st->peak = tl->peak[state];
	for (i = 0; i < tl->nconns; i++) {
		const struct tl_conn *c = &tl->conns[i];
		uint32_t j;

		for (j = 0; j < c->nvisits; j++) {
			const struct tl_visit *v = &c->visits[j];
			int64_t mn, mx;

			if (v->state != state)
				continue;
			st->count++;
			if (v->flags & TL_V_FOREVER) {
				st->forever++;
				continue;
			}
			if (v->flags & TL_V_CENSORED) {
				st->censored++;
				continue;
			}
			if (nb == cap) {
				size_t c2 = cap;
				if (tl_grow((void **)&lo, &cap, nb + 1, sizeof(*lo)) ||
				    tl_grow((void **)&hi, &c2, nb + 1, sizeof(*hi))) {
					ret = -ENOMEM;
					goto out;
				}
			}
			tl_visit_lifetime(v, &mn, &mx);
			lo[nb] = mn;
			hi[nb] = mx;
			nb++;
		}
	}
	st->bounded = nb;
	if (nb) {
		tl_quant_compute(lo, nb, &st->lo);
		tl_quant_compute(hi, nb, &st->hi);
	}
out:
	free(lo);
	free(hi);
	return ret;
}
