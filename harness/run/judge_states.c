/* judge_states: the server's close states besides FIN_WAIT2 (FIN_WAIT1, TIME_WAIT,
 * CLOSE_WAIT, LAST_ACK) and the application's part of FIN_WAIT2 (held), each against its
 * [expect] key: the model's prediction (harness/model/states.c) or an explicit one. A
 * state the model does not predict, or that was still open when sampling stopped before
 * its predicted end, is reported and left unjudged; it never passes for a judged one. */
#include "judge.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "timeline.h"
#include "util.h"

static const struct {
	const char *name;
	int state;		/* enum diag_state; 0 for held */
} es_info[FW_ES_COUNT] = {
	[FW_ES_FIN_WAIT1] = { "FIN_WAIT1", DIAG_FIN_WAIT1 },
	[FW_ES_TIME_WAIT] = { "TIME_WAIT", DIAG_TIME_WAIT },
	[FW_ES_CLOSE_WAIT] = { "CLOSE_WAIT", DIAG_CLOSE_WAIT },
	[FW_ES_LAST_ACK] = { "LAST_ACK", DIAG_LAST_ACK },
	[FW_ES_HELD] = { "held", 0 },
};

const char *judge_state_name(enum fw_expect_state es)
{
	return es_info[es].name;
}

const char *judge_state_verdict_name(enum judge_state_verdict v)
{
	return v == JS_PASS ? "pass" : v == JS_FAIL ? "fail" : "unjudged";
}

/* The model's prediction for state es of one stay (orphan: the server had closed the
 * socket when the stay began) at one HZ. */
static int model_state(enum fw_expect_state es, const struct scenario *sc,
		       const struct model_facts *f, const struct model_env *env, bool orphan,
		       struct prediction *p)
{
	enum fw_fault fault = sc->client.fault;

	switch (es) {
	case FW_ES_FIN_WAIT1:
		return model_fin_wait1(sc, f, env, orphan, p);
	case FW_ES_TIME_WAIT:
		return model_time_wait(sc, f, env, p);
	case FW_ES_CLOSE_WAIT:
		return model_close_wait(sc, f, env, p);
	case FW_ES_LAST_ACK:
		return model_last_ack(sc, f, env, orphan,
				      fault == FW_FAULT_VANISH || fault == FW_FAULT_REBOOT, p);
	default:
		memset(p, 0, sizeof(*p));
		p->kind = PRED_UNMODELLED;
		snprintf(p->reason, sizeof(p->reason), "the application's part: no model "
			 "(judged only by an explicit [expect] held)");
		return 0;
	}
}

struct state_args {
	enum fw_expect_state es;
	const struct scenario *sc;
	const struct model_facts *f;
	bool orphan;
};

static int state_at(const struct model_env *env, const void *arg, struct prediction *p)
{
	const struct state_args *a = arg;

	return model_state(a->es, a->sc, a->f, env, a->orphan, p);
}

/* The expectation for state es: explicit, or the model's over every HZ choice when the
 * kernel's is unknown. */
static int state_expect(enum fw_expect_state es, const struct scenario *sc,
			const struct model_facts *f, const struct model_env *menv, bool orphan,
			struct prediction *p)
{
	const struct state_args a = { es, sc, f, orphan };

	if (sc->expects[es].kind != FW_EXPECT_MODEL)
		return model_expect_of(&sc->expects[es], es_info[es].name, menv, p);
	return model_at_hz(menv, state_at, &a, p);
}

/* The last stay of connection c in state (enum diag_state): its measurement, whether
 * the server had closed the socket (by the stay's end), and whether the peer answered (the
 * next state is one only its ACK or FIN leads to). False when c was never in it. */
static bool measure_state(const struct tl_conn *c, int state, struct measured *m,
			  bool *orphan, bool *answered)
{
	struct tl_phase ph[TL_PHASES_MAX];
	int vi = judge_last_visit(c, state);
	const struct tl_visit *v;
	size_t n;

	if (vi < 0)
		return false;
	v = &c->visits[vi];
	judge_measure_span(v->entered_lo, v->entered_hi, v->left_lo, v->left_hi, m);
	/* The kernel checks SOCK_DEAD when its timers fire, so what counts is the owner the
	 * stay ended with: a close() can be sampled half done, the FIN sent and the socket
	 * not yet orphaned (tcp_close() orphans it last). */
	n = tl_visit_phases(c, (size_t)vi, ph);
	*orphan = !n || ph[n - 1].owner == TL_ORPHAN;
	*answered = (size_t)vi + 1 < c->nvisits && (c->visits[vi + 1].state == DIAG_FIN_WAIT2 ||
					    c->visits[vi + 1].state == DIAG_TIME_WAIT ||
					    c->visits[vi + 1].state == DIAG_CLOSING);
	return true;
}

/* Observed: the peer ACKed the FIN (FIN_WAIT2 or TIME_WAIT followed), so a rule that has
 * the kernel give up on an unanswered FIN did not apply to this stay (a client that
 * vanished only after its kernel had ACKed, on a loaded host): it lasted no longer than
 * the peer's delayed ACK, shorter than the 3.5 RTO floor. */
static void peer_answered(struct prediction *p, const struct model_env *menv)
{
	char r[sizeof(p->reason)];
	int64_t floor_ns;

	if (p->kind == PRED_NONE || p->kind == PRED_UNMODELLED)
		return;
	floor_ns = model_rto_floor(menv->hz ? menv : &(struct model_env){ .hz = 100,
				   .rto_ns = menv->rto_ns });
	snprintf(r, sizeof(r), "the peer ACKed the FIN (FIN_WAIT2 followed): no "
		 "retransmission rule, the ACK's delay only");
	memset(p, 0, sizeof(*p));
	p->kind = PRED_NONE;
	p->max_ns = floor_ns;
	memcpy(p->reason, r, sizeof(r));
}

/* Judges one measurement: pass, fail, or unjudged (no model; or still open when sampling
 * stopped, before the end the expectation allows). */
static enum judge_state_verdict check(const struct prediction *p, const struct measured *m,
				      const char *name, char *why, size_t len)
{
	char a[32], b[32];

	if (p->kind == PRED_UNMODELLED) {
		snprintf(why, len, "%s not judged: %.300s", name, p->reason);
		return JS_UNJUDGED;
	}
	/* Still there when sampling stopped (it stops once FIN_WAIT2 is over), and no
	 * longer than the expectation allows: nothing to hold against it yet. */
	if (m->kind == MEAS_OPEN && p->kind != PRED_FOREVER && m->min_ns <= p->max_ns) {
		snprintf(why, len, "%s still open after %s when sampling stopped, before its "
			 "expected end (%s): not judged", name, dur_format(m->min_ns, a, sizeof(a)),
			 dur_format(p->max_ns, b, sizeof(b)));
		return JS_UNJUDGED;
	}
	if (model_check_state(p, m, name, why, len))
		return JS_PASS;
	return JS_FAIL;
}

/* Judges connection c in state es (facts f: c's own) into js; a failed state stays
 * failed. */
static void judge_state_conn(enum fw_expect_state es, const struct scenario *sc,
			     const struct model_env *menv, const struct tl_conn *c,
			     const struct model_facts *f, struct judge_state *js)
{
	struct measured m = { MEAS_ABSENT, 0, 0 };
	struct prediction p;
	enum judge_state_verdict v;
	bool orphan = true, answered = false, seen;
	char why[512];

	if (es == FW_ES_HELD)
		seen = judge_held_part(c, &m);
	else
		seen = measure_state(c, es_info[es].state, &m, &orphan, &answered);
	/* The model predicts a state when it is entered; an explicit expectation also
	 * judges its absence. */
	if (!seen && sc->expects[es].kind == FW_EXPECT_MODEL)
		return;
	js->seen |= seen;
	if (state_expect(es, sc, f, menv, orphan, &p)) {
		snprintf(js->why, sizeof(js->why), "%s: the model cannot judge it", js->state);
		js->verdict = JS_FAIL;
		return;
	}
	if (answered && sc->expects[es].kind == FW_EXPECT_MODEL)
		peer_answered(&p, menv);
	v = check(&p, &m, js->state, why, sizeof(why));
	if (v == JS_FAIL || js->verdict == JS_UNJUDGED) {
		js->p = p;
		snprintf(js->why, sizeof(js->why), "%s", why);
	}
	if (v > js->verdict)
		js->verdict = v;
}

void judge_other_states(const struct scenario *sc, const struct model_env *menv,
			const struct cell_outcome *out, const struct model_facts *declared,
			struct judgement *j)
{
	const struct timeline *tl = out->tl;
	size_t slots = tl ? timeline_conn_count(tl) : 0;

	for (int es = 0; es < FW_ES_COUNT; es++) {
		memset(&j->states[es], 0, sizeof(j->states[es]));
		j->states[es].state = es_info[es].name;
		j->states[es].verdict = JS_UNJUDGED;
	}
	/* The facts are a connection's own (its holder's options, its RTO): found once for
	 * all its states. */
	for (size_t i = 0; i < slots; i++) {
		const struct tl_conn *c = timeline_conn(tl, i);
		const struct cell_owner *who;
		struct model_facts f;

		if (!c)
			continue;
		judge_conn_facts(declared, out, c, &f, &who);
		for (int es = 0; es < FW_ES_COUNT; es++)
			if (j->states[es].verdict != JS_FAIL)
				judge_state_conn((enum fw_expect_state)es, sc, menv, c, &f,
						 &j->states[es]);
	}
}
