/* judge_plateau: with scenario.rate, how many sockets each state holds at once (see
 * judge.h). The prediction is the model's per-connection lifetime for the cell's declared
 * facts (the one every connection was held to), times the rate: Little's law, never a
 * figure taken from the measurement; the measured plateau is the most sockets one
 * sample saw in the state (the timeline's peak). */
#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "timeline.h"
#include "util.h"

static int state_of(const char *name)
{
	for (int s = 1; s < DIAG_NSTATES; s++)
		if (!strcmp(diag_state_name(s), name))
			return s;
	return -1;
}

/* Judges one state's plateau from lifetime p; false when it is outside. */
static bool one(const struct scenario *sc, const struct cell_outcome *out,
		struct judgement *j, const char *state, const struct prediction *p)
{
	struct judge_plateau *q = &j->plateaus[j->n_plateaus];
	int st = state_of(state);
	struct tl_stats ts;
	char a[32], b[32], c[32];

	/* The server's closes bunch what the clients' lateness does, and what a stalled
	 * server adds: the larger spread of the two is the arrivals'. */
	int64_t late = out->close_spread > out->arrivals.late_max ? out->close_spread
								  : out->arrivals.late_max;

	if (st < 0 || p->after_held || !out->tl || timeline_stats(out->tl, st, &ts) ||
	    !model_plateau(p, sc->rate, sc->duration_ns, sc->interval_ns, late, &q->min,
			   &q->max))
		return true; /* no range to multiply: nothing to judge */
	q->state = state;
	q->rate = sc->rate;
	q->p = *p;
	q->measured = (long)ts.peak;
	q->pass = q->measured >= q->min && q->measured <= q->max;
	snprintf(q->why, sizeof(q->why), "%s plateau %ld sockets, expected %ld..%ld (%ld/s x "
		 "%s..%s, arrivals bunched by up to %s)", state, q->measured, q->min, q->max,
		 sc->rate, dur_format(p->min_ns, a, sizeof(a)), dur_format(p->max_ns, b,
		 sizeof(b)), dur_format(late, c, sizeof(c)));
	j->n_plateaus++;
	return q->pass;
}

bool judge_plateaus(const struct scenario *sc, const struct cell_outcome *out,
		    struct judgement *j, char *why, size_t len)
{
	bool ok = true;

	j->n_plateaus = 0;
	if (!sc->rate)
		return true;
	if (sc->expect.kind == FW_EXPECT_MODEL)
		ok = one(sc, out, j, "FIN_WAIT2", &j->expect);
	for (int es = 0; es < FW_ES_COUNT; es++) {
		const struct judge_state *js = &j->states[es];

		if (sc->expects[es].kind != FW_EXPECT_MODEL || !js->seen ||
		    js->verdict == JS_UNJUDGED)
			continue;
		if (!one(sc, out, j, js->state, &js->p) && ok) {
			ok = false;
			snprintf(why, len, "%s", j->plateaus[j->n_plateaus - 1].why);
		}
	}
	if (!ok && !why[0])
		snprintf(why, len, "%s", j->plateaus[0].why);
	return ok;
}
