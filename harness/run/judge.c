/* judge: a cell's expectation and verdict, from its typed timeline (see judge.h). */
#include "judge.h"

#include <stdio.h>

#include "diag.h"
#include "timeline.h"

int judge_expect(const struct scenario *sc, const struct model_env *menv,
		 struct prediction *p)
{
	return menv->hz ? model_expect(sc, menv, p) : model_expect_any_hz(sc, menv, p);
}

/* Fills *m with connection c's FIN_WAIT2 as measured (MEAS_ABSENT when it was never in
 * it; its last stay when there were several) and widens *p for it: when the model has
 * FIN_WAIT2 end at the client's point (t_point, CLOCK_MONOTONIC ns), a stay that began
 * before the point may last until then, or until an orphan's timer ends it. */
static void measure_fw2(const struct tl_conn *c, int64_t t_point, struct measured *m,
			struct prediction *p)
{
	for (uint32_t v = 0; v < c->nvisits; v++) {
		const struct tl_visit *tv = &c->visits[v];
		int64_t lo, hi, entered;

		if (tv->state != DIAG_FIN_WAIT2)
			continue;
		tl_visit_lifetime(tv, &lo, &hi);
		m->kind = tv->left_hi == TL_INF ? MEAS_OPEN : MEAS_RANGE;
		m->min_ns = lo;
		m->max_ns = hi == TL_INF ? lo : hi;
		/* A stay that began before the first sample was entered by its first one. */
		entered = tv->entered_lo == TL_NINF ? tv->entered_hi : tv->entered_lo;
		if (p->ends_at_point && t_point > entered) {
			int64_t wait = t_point - entered + p->max_ns;

			if (p->timer_max_ns && wait > p->timer_max_ns)
				wait = p->timer_max_ns;
			if (wait > p->max_ns)
				p->max_ns = wait;
		}
	}
}

/* Every connection of the cell's timeline against the expectation (the model may let
 * up to may_drop of them skip FIN_WAIT2), and every connection the client reported must
 * be in the timeline (sampled, or known from the server's events): a missing one was
 * never judged. Returns true when all hold; else why says the first failure. */
static bool judge_conns(const struct cell_outcome *out, const struct prediction *expect,
			char *why, size_t len)
{
	const struct timeline *tl = out->tl;
	size_t slots = tl ? timeline_conn_count(tl) : 0, held = 0;
	long dropped = 0;

	for (size_t i = 0; i < slots; i++) {
		const struct tl_conn *c = timeline_conn(tl, i);
		struct measured m = { MEAS_ABSENT, 0, 0 };
		struct prediction p = *expect;
		char reason[256], local[64], remote[64];

		if (!c)
			continue;
		held++;
		measure_fw2(c, out->t_point, &m, &p);
		if (m.kind == MEAS_ABSENT && expect->kind == PRED_RANGE &&
		    dropped < expect->may_drop) {
			dropped++;
			continue;
		}
		if (!model_check(&p, &m, reason, sizeof(reason))) {
			snprintf(why, len, "%s -> %s: %s",
				 diag_tuple_format_end(&c->tuple, 0, local, sizeof(local)),
				 diag_tuple_format_end(&c->tuple, 1, remote, sizeof(remote)), reason);
			return false;
		}
	}
	if ((long)held < out->connected) {
		snprintf(why, len, "the client reached its point with %ld connections, the "
			 "server's timeline holds %zu", out->connected, held);
		return false;
	}
	return true;
}

enum report_verdict judge_cell(const struct scenario *sc, const struct model_env *menv,
			       const struct cell_outcome *out, struct prediction *expect,
			       char *why, size_t len)
{
	int model_err = judge_expect(sc, menv, expect);

	why[0] = '\0';
	/* A cell cut short by a signal has a truncated timeline: not judged. */
	if (out->interrupted) {
		snprintf(why, len, "interrupted");
		return REPORT_SKIP;
	}
	if (out->skipped || out->rc) {
		fw_err_format(&out->err, why, len);
		return out->skipped ? REPORT_SKIP : REPORT_FAIL;
	}
	if (model_err) {
		snprintf(why, len, "the model cannot judge this cell");
		return REPORT_FAIL;
	}
	if (!judge_conns(out, expect, why, len))
		return REPORT_FAIL;
	if (out->failed) {
		snprintf(why, len, "%ld of %ld client connections failed before %s", out->failed,
			 sc->connections, fw_point_name(sc->client.at));
		return REPORT_FAIL;
	}
	return REPORT_PASS;
}
