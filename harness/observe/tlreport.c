/* tlreport: see tlreport.h. */
#include "tlreport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

void tlreport_span(const struct tl_phase *p, int64_t t0, struct report_span *sp)
{
	int64_t lo, hi;

	sp->entered_hi_ns = p->entered_hi - t0;
	sp->entered_lo_ns = p->entered_lo == TL_NINF ? sp->entered_hi_ns : p->entered_lo - t0;
	sp->open = p->left_hi == TL_INF;
	if (!sp->open) {
		sp->left_lo_ns = p->left_lo - t0;
		sp->left_hi_ns = p->left_hi - t0;
	}
	tl_phase_lifetime(p, &lo, &hi);
	sp->life_min_ns = lo;
	sp->life_max_ns = hi == TL_INF ? lo : hi;
}

void tlreport_phase(const struct tl_phase *tp, int64_t t0, struct report_phase *p)
{
	tlreport_span(tp, t0, &p->span);
	p->held = tp->owner == TL_HELD;
	p->mixed = tp->flags & TL_P_MIXED;
	p->timer = diag_timer_name(tp->timer);
	p->inode = tp->inode;
	p->pid = 0;
	p->process = NULL;
	p->rto_ns = (int64_t)tp->rto_us * NSEC_PER_USEC;
}

void tlreport_visit(const struct tl_conn *c, size_t vi, int64_t t0, struct report_state *st,
		    struct report_phase *phases)
{
	const struct tl_visit *tv = &c->visits[vi];
	const struct tl_phase whole = { .entered_lo = tv->entered_lo,
					.entered_hi = tv->entered_hi, .left_lo = tv->left_lo,
					.left_hi = tv->left_hi };
	struct tl_phase ph[TL_PHASES_MAX];

	st->state = diag_state_name(tv->state);
	tlreport_span(&whole, t0, &st->span);
	st->end_unseen = tv->flags & TL_V_NO_END;
	st->n_phases = tl_visit_phases(c, vi, ph);
	st->phases = phases;
	for (size_t k = 0; k < st->n_phases; k++)
		tlreport_phase(&ph[k], t0, &phases[k]);
}

int tlreport_series(const struct series *s, int64_t t0, struct report_series *sr,
		    int64_t **t, uint32_t **c)
{
	size_t n = series_len(s), room = n ? n : 1;

	memset(sr, 0, sizeof(*sr));
	*t = malloc(room * sizeof(**t));
	*c = malloc(room * REPORT_SERIES_STATES * sizeof(**c));
	if (!*t || !*c)
		return -ENOMEM;
	sr->n = n;
	sr->t_ns = *t;
	for (size_t i = 0; i < n; i++)
		(*t)[i] = series_time(s, i) - t0;
	for (int st = 1; st < DIAG_NSTATES && sr->n_states < REPORT_SERIES_STATES; st++) {
		uint32_t *k = *c + sr->n_states * room;

		if (!series_max(s, st))
			continue;
		for (size_t i = 0; i < n; i++)
			k[i] = series_count(s, i, st);
		sr->state[sr->n_states] = diag_state_name(st);
		sr->count[sr->n_states++] = k;
	}
	return 0;
}
