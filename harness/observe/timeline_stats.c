/* timeline_stats.c: what the visits add up to: one visit's or phase's lifetime bounds
 * (tl_visit_lifetime(), tl_phase_lifetime()) and, per state, the counts and the
 * nearest-rank quantiles of the lower and of the upper bounds (timeline_stats(),
 * tl_quant_compute()). */
#include "timeline.h"
#include "timeline_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* [left_lo - entered_hi, left_hi - entered_lo], the lower bound clamped at 0 and the
 * upper one TL_INF when either end is unknown. */
static void span_lifetime(int64_t entered_lo, int64_t entered_hi, int64_t left_lo,
			  int64_t left_hi, int64_t *min, int64_t *max)
{
	int64_t lo = left_lo - entered_hi;

	*min = lo > 0 ? lo : 0;
	if (left_hi == TL_INF || entered_lo == TL_NINF)
		*max = TL_INF;
	else
		*max = left_hi - entered_lo;
}

void tl_visit_lifetime(const struct tl_visit *v, int64_t *min, int64_t *max)
{
	span_lifetime(v->entered_lo, v->entered_hi, v->left_lo, v->left_hi, min, max);
}

void tl_phase_lifetime(const struct tl_phase *p, int64_t *min, int64_t *max)
{
	span_lifetime(p->entered_lo, p->entered_hi, p->left_lo, p->left_hi, min, max);
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
