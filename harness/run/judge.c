/* judge: a cell's expectation and verdict, from its typed timeline (see judge.h).
 *
 * Observe, then judge: each connection's FIN_WAIT2 is cut into what the application did
 * (it held the socket after its FIN: the held phases) and what the kernel did (the
 * orphan's timer from the moment of close(), or keepalive on a held socket). The kernel's
 * part is predicted from the facts of that socket: its real options, read from the
 * process that held it, and the RTO seen in its tcp_info, over what the scenario
 * declares. The application's part is measured and reported; [expect] held judges it. */
#include "judge.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "timeline.h"
#include "util.h"

int judge_expect(const struct scenario *sc, const struct model_env *menv,
		 struct prediction *p)
{
	return menv->hz ? model_expect(sc, menv, p) : model_expect_any_hz(sc, menv, p);
}

struct fw2_args {
	const struct scenario *sc;
	const struct model_facts *f;
	enum model_fw2_start start;
};

static int fw2_at(const struct model_env *env, const void *arg, struct prediction *p)
{
	const struct fw2_args *a = arg;

	return model_predict_fw2(a->sc, a->f, a->start, env, p);
}

struct facts_args {
	const struct scenario *sc;
	const struct model_facts *f;
};

static int facts_at(const struct model_env *env, const void *arg, struct prediction *p)
{
	const struct facts_args *a = arg;

	return model_predict_facts(a->sc, a->f, env, p);
}

/* model_predict_fw2(), over every CONFIG_HZ choice when the kernel's is unknown. */
static int fw2_rule(const struct scenario *sc, const struct model_facts *f,
		    enum model_fw2_start start, const struct model_env *menv,
		    struct prediction *p)
{
	const struct fw2_args a = { sc, f, start };

	return model_at_hz(menv, fw2_at, &a, p);
}

void judge_conn_facts(const struct model_facts *declared, const struct cell_outcome *out,
		      const struct tl_conn *c, struct model_facts *f,
		      const struct cell_owner **who)
{
	const struct cell_sockopts *so = out->n_sockopts ? &out->sockopts[0] : NULL;
	struct tl_phase ph[TL_PHASES_MAX];
	uint32_t lo = 0, hi = 0;
	char name[64];

	*f = *declared;
	*who = NULL;
	for (size_t v = 0; v < c->nvisits; v++) {
		size_t n = tl_visit_phases(c, v, ph);

		for (size_t i = 0; i < n; i++) {
			if (ph[i].rto_us && (!lo || ph[i].rto_us < lo))
				lo = ph[i].rto_us;
			if (ph[i].rto_us > hi)
				hi = ph[i].rto_us;
			if (!*who && ph[i].owner == TL_HELD && ph[i].inode)
				*who = cell_owner_of(out, ph[i].inode);
		}
	}
	for (size_t i = 0; *who && i < out->n_sockopts; i++)
		if (out->sockopts[i].pid == (*who)->pid)
			so = &out->sockopts[i];
	if (so) {
		/* The pid is in the JSON's server_sockopts: the table stays the same run to run. */
		snprintf(name, sizeof(name), "%s's socket", so->comm);
		model_facts_read(f, &so->opts.cfg, so->opts.cfg.has, name);
	}
	model_facts_rto(f, (int64_t)lo * NSEC_PER_USEC, (int64_t)hi * NSEC_PER_USEC);
}

/* One FIN_WAIT2 stay, cut into the application's part and the kernel's. */
struct fw2_view {
	enum model_fw2_start start;
	struct measured whole;		/* the whole stay */
	int64_t whole_from;
	struct measured kernel;		/* the kernel's part: orphan, or the held stay */
	int64_t kernel_from;		/* where it began (for a client that acts later) */
	bool held;			/* held first, then closed */
	int64_t held_min, held_max;	/* that held part */
};

static int64_t lower(int64_t lo, int64_t hi)
{
	return lo == TL_NINF ? hi : lo;
}

/* Fills *m from a span [entered, left] (left_hi TL_INF: still there). */
void judge_measure_span(int64_t e_lo, int64_t e_hi, int64_t l_lo, int64_t l_hi,
			struct measured *m)
{
	e_lo = lower(e_lo, e_hi);
	m->kind = l_hi == TL_INF ? MEAS_OPEN : MEAS_RANGE;
	m->min_ns = l_lo - e_hi > 0 ? l_lo - e_hi : 0;
	m->max_ns = l_hi == TL_INF ? m->min_ns : l_hi - e_lo;
}

int judge_last_visit(const struct tl_conn *c, int state)
{
	int vi = -1;

	for (size_t i = 0; i < c->nvisits; i++)
		if (c->visits[i].state == state)
			vi = (int)i;
	return vi;
}

/* The last FIN_WAIT2 stay of c, viewed by its phases, its start narrowed by the
 * captured ACK of the FIN (out NULL: not); false when there is none. */
static bool view_fw2(const struct cell_outcome *out, const struct tl_conn *c,
		     struct fw2_view *w)
{
	struct tl_phase ph[TL_PHASES_MAX];
	const struct tl_visit *v;
	int vi = judge_last_visit(c, DIAG_FIN_WAIT2);
	int64_t e_lo, e_hi;
	size_t n, k;

	if (vi < 0)
		return false;
	v = &c->visits[vi];
	memset(w, 0, sizeof(*w));
	e_lo = v->entered_lo;
	e_hi = v->entered_hi;
	judge_pkt_narrow_fw2(out, c, &e_lo, &e_hi);
	judge_measure_span(e_lo, e_hi, v->left_lo, v->left_hi, &w->whole);
	w->whole_from = lower(e_lo, e_hi);
	n = tl_visit_phases(c, (size_t)vi, ph);
	for (k = 0; k < n && ph[k].owner != TL_ORPHAN; k++)
		;
	/* A visit known only from events has no phases: an orphan as far as we know. */
	w->start = !n || k == 0 ? MODEL_FW2_ORPHAN : k == n ? MODEL_FW2_HELD :
								MODEL_FW2_CLOSED;
	if (w->start != MODEL_FW2_CLOSED) {
		w->kernel = w->whole;
		w->kernel_from = w->whole_from;
		return true;
	}
	judge_measure_span(ph[k].entered_lo, ph[k].entered_hi, v->left_lo, v->left_hi, &w->kernel);
	w->kernel_from = lower(ph[k].entered_lo, ph[k].entered_hi);
	w->held = true;
	w->held_min = ph[k].entered_lo - v->entered_hi > 0 ? ph[k].entered_lo - v->entered_hi : 0;
	w->held_max = ph[k].entered_hi - lower(v->entered_lo, v->entered_hi);
	return true;
}

bool judge_held_part(const struct tl_conn *c, struct measured *m)
{
	struct fw2_view w;

	if (!view_fw2(NULL, c, &w))
		return false;
	if (w.start == MODEL_FW2_HELD) {
		*m = w.whole;
		return true;
	}
	if (!w.held)
		return false;
	m->kind = MEAS_RANGE;
	m->min_ns = w.held_min;
	m->max_ns = w.held_max;
	return true;
}

/* When the model has FIN_WAIT2 end at the client's point (t_point), a stay that began
 * before the point may last until then, or until an orphan's timer ends it. */
static void widen_to_point(struct prediction *p, int64_t t_point, int64_t from)
{
	int64_t wait;

	if (!p->ends_at_point || t_point <= from)
		return;
	wait = t_point - from + p->max_ns;
	if (p->timer_max_ns && wait > p->timer_max_ns)
		wait = p->timer_max_ns;
	if (wait > p->max_ns)
		p->max_ns = wait;
}

/* What the cell learnt about the application's part, for the reason line. */
struct held_summary {
	long n;
	int64_t min, max;
	const struct cell_owner *who;
};

/* Judges connection c: its kernel part against the model, or the whole stay against an
 * explicit [expect] (cell_expect), and notes its held part in hs. Fills *p with what it
 * was held to, and *mp with the model's own prediction (zero when it has none), for the
 * counters. Returns true for pass, else why says why. */
static bool judge_conn(const struct scenario *sc, const struct model_env *menv,
		       const struct cell_outcome *out, const struct model_facts *declared,
		       const struct prediction *cell_expect, const struct tl_conn *c,
		       struct prediction *p, struct prediction *mp, struct held_summary *hs,
		       bool *absent, char *why, size_t len)
{
	const struct cell_owner *who;
	struct model_facts f;
	struct fw2_view w;
	struct measured m = { MEAS_ABSENT, 0, 0 };
	int64_t from = 0;
	bool explicit = sc->expect.kind != FW_EXPECT_MODEL;

	*p = *cell_expect;
	memset(mp, 0, sizeof(*mp));
	judge_conn_facts(declared, out, c, &f, &who);
	*absent = !view_fw2(out, c, &w);
	if (*absent) {
		/* No FIN_WAIT2: what the scenario's setup and the socket's options say. */
		const struct facts_args a = { sc, &f };
		int merr = model_at_hz(menv, facts_at, &a, mp);

		if (!explicit && merr) {
			snprintf(why, len, "the model cannot judge this connection");
			return false;
		}
		if (!explicit)
			*p = *mp;
		return model_check(p, &m, why, len);
	}
	if (w.held) {
		hs->min = hs->n && hs->min < w.held_min ? hs->min : w.held_min;
		hs->max = hs->n && hs->max > w.held_max ? hs->max : w.held_max;
		if (!hs->who)
			hs->who = who;
		hs->n++;
	}
	if (explicit) {
		m = w.whole;
		from = w.whole_from;
		if (fw2_rule(sc, &f, w.start, menv, mp))
			memset(mp, 0, sizeof(*mp));
	} else {
		if (fw2_rule(sc, &f, w.start, menv, p)) {
			snprintf(why, len, "the model cannot judge this connection");
			return false;
		}
		*mp = *p;
		p->after_held = w.held;
		m = w.kernel;
		from = w.kernel_from;
	}
	widen_to_point(p, out->t_point, from);
	return model_check(p, &m, why, len);
}

/* Puts "<process> held it MIN..MAX s after its FIN (the application's part), then
 * close(): " before the reason. */
static void held_text(const struct held_summary *hs, struct prediction *p)
{
	char r[sizeof(p->reason) + 128];

	if (!hs->n)
		return;
	snprintf(r, sizeof(r), "%s held it %.3f..%.3fs after its FIN (the application's "
		 "part), then close(): %s", hs->who ? hs->who->comm : "the server",
		 ns_to_s(hs->min), ns_to_s(hs->max), p->reason);
	memcpy(p->reason, r, sizeof(p->reason) - 1);
	p->reason[sizeof(p->reason) - 1] = '\0';
}

/* Every connection of the cell's timeline (the model may let up to may_drop of them
 * skip FIN_WAIT2), and every connection the client reported must be in the timeline
 * (sampled, or known from the server's events): a missing one was never judged. Fills
 * *expect with the first connection's expectation. Returns true when all hold; else why
 * says the first failure. */
static bool judge_conns(const struct scenario *sc, const struct model_env *menv,
			const struct cell_outcome *out, const struct model_facts *declared,
			struct prediction *expect, struct judge_ends *ends, char *why, size_t len)
{
	const struct timeline *tl = out->tl;
	size_t slots = tl ? timeline_conn_count(tl) : 0, held = 0;
	struct held_summary hs = { 0 };
	const struct prediction cell = *expect;
	bool first = true, ok = true;
	long dropped = 0;

	for (size_t i = 0; i < slots && ok; i++) {
		const struct tl_conn *c = timeline_conn(tl, i);
		struct prediction p, mp;
		char reason[256], local[64], remote[64];
		bool absent, pass;

		if (!c)
			continue;
		held++;
		pass = judge_conn(sc, menv, out, declared, &cell, c, &p, &mp, &hs, &absent, reason,
				  sizeof(reason));
		judge_ends_add(ends, &mp);
		if (!pass) {
			if (absent && p.kind == PRED_RANGE && dropped < p.may_drop) {
				dropped++;
				continue;
			}
			snprintf(why, len, "%s -> %s: %s",
				 diag_tuple_format_end(&c->tuple, 0, local, sizeof(local)),
				 diag_tuple_format_end(&c->tuple, 1, remote, sizeof(remote)), reason);
			ok = false;
		}
		if (first || !ok)
			*expect = p;
		first = false;
	}
	held_text(&hs, expect);
	/* Say when the kernel's part was judged from declarations only. */
	if (!out->n_sockopts && sc->server.program == FW_PROG_COMMAND && out->sockopts_why[0]) {
		size_t o = strlen(expect->reason);

		snprintf(expect->reason + o, sizeof(expect->reason) - o, "; socket options not "
			 "read (%s): the declared ones used", out->sockopts_why);
	}
	if (ok && (long)held < out->connected) {
		snprintf(why, len, "the client reached its point with %ld connections, the "
			 "server's timeline holds %zu", out->connected, held);
		ok = false;
	}
	return ok;
}

/* The first failed other state, into why; true when none failed. */
static bool states_ok(const struct judgement *j, char *why, size_t len)
{
	for (int es = 0; es < FW_ES_COUNT; es++)
		if (j->states[es].verdict == JS_FAIL) {
			snprintf(why, len, "%s", j->states[es].why);
			return false;
		}
	return true;
}

enum report_verdict judge_cell(const struct scenario *sc, const struct model_env *menv,
			       const struct cell_outcome *out, struct judgement *j,
			       char *why, size_t len)
{
	struct prediction *expect = &j->expect;
	struct model_facts declared;
	struct judge_ends ends = { 0 };
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
	model_facts_declare(sc, menv, &declared);
	if (!judge_conns(sc, menv, out, &declared, expect, &ends, why, len))
		return REPORT_FAIL;
	if (!judge_counters(&ends, out, j, why, len))
		return REPORT_FAIL;
	judge_other_states(sc, menv, out, &declared, j);
	if (!states_ok(j, why, len) || !judge_plateaus(sc, out, j, why, len))
		return REPORT_FAIL;
	if (!judge_packets(menv, out, &declared, why, len))
		return REPORT_FAIL;
	if (out->failed) {
		snprintf(why, len, "%ld of %ld client connections failed before %s", out->failed,
			 sc->connections, fw_point_name(sc->client.at));
		return REPORT_FAIL;
	}
	return REPORT_PASS;
}
