/* convert: a cell's outcome into report rows (see convert.h). */
#include "convert.h"

#include <errno.h>
#include <stdlib.h>

#include "capture.h"
#include "judge.h"
#include "sampler.h"
#include "timeline.h"
#include "tlreport.h"
#include "util.h"

/* Room for one end's "addr:port" (diag_tuple_format_end()). */
#define ADDR_TEXT 64

/* How many connections, visits and phases the timeline holds. */
static void count_rows(const struct timeline *tl, size_t *nc, size_t *ns, size_t *np)
{
	*nc = *ns = *np = 0;
	for (size_t i = 0; i < timeline_conn_count(tl); i++) {
		const struct tl_conn *c = timeline_conn(tl, i);

		if (!c)
			continue;
		(*nc)++;
		*ns += c->nvisits;
		for (uint32_t v = 0; v < c->nvisits; v++)
			*np += tl_visit_phases(c, v, NULL);
	}
}

/* The timeline's connections as report rows, relative to the cell's start t0. */
static int convert_conns(struct cell_report *r, const struct timeline *tl, int64_t t0)
{
	size_t nc, ns, np, k = 0, si = 0, pi = 0;

	count_rows(tl, &nc, &ns, &np);
	r->conns = calloc(nc ? nc : 1, sizeof(*r->conns));
	r->states = calloc(ns ? ns : 1, sizeof(*r->states));
	r->phases = calloc(np ? np : 1, sizeof(*r->phases));
	r->addrs = malloc((nc ? nc : 1) * 2 * ADDR_TEXT);
	if (!r->conns || !r->states || !r->phases || !r->addrs)
		return -ENOMEM;
	for (size_t i = 0; i < timeline_conn_count(tl); i++) {
		const struct tl_conn *c = timeline_conn(tl, i);
		struct report_conn *rc = &r->conns[k];
		char *a = r->addrs + k * 2 * ADDR_TEXT;

		if (!c)
			continue;
		rc->local = diag_tuple_format_end(&c->tuple, 0, a, ADDR_TEXT);
		rc->remote = diag_tuple_format_end(&c->tuple, 1, a + ADDR_TEXT, ADDR_TEXT);
		rc->states = &r->states[si];
		rc->n_states = c->nvisits;
		for (uint32_t v = 0; v < c->nvisits; v++) {
			tlreport_visit(c, v, t0, &r->states[si], &r->phases[pi]);
			pi += r->states[si++].n_phases;
		}
		k++;
	}
	r->rc.conns = r->conns;
	r->rc.n_conns = k;
	return 0;
}

/* Each connection's captured segments (in the timeline's order, as convert_conns()), and
 * the cell's capture counts. */
static int convert_packets(struct cell_report *r, const struct timeline *tl,
			   const struct capture *cap, int64_t t0)
{
	const struct capstore *st = capture_store(cap);
	struct capture_stats cs;
	size_t total = 0, k = 0, pi = 0;

	for (size_t i = 0; i < timeline_conn_count(tl); i++) {
		const struct tl_conn *c = timeline_conn(tl, i);
		const struct cap_conn *cc = c ? capstore_find(st, &c->tuple) : NULL;

		total += cc ? cap_conn_kept(cc) : 0;
	}
	if (!(r->packets = calloc(total ? total : 1, sizeof(*r->packets))))
		return -ENOMEM;
	for (size_t i = 0; i < timeline_conn_count(tl); i++) {
		const struct tl_conn *c = timeline_conn(tl, i);
		const struct cap_conn *cc;
		struct report_conn *rc;

		if (!c)
			continue;
		rc = &r->conns[k++];
		rc->packets = &r->packets[pi];
		/* A 4-tuple the timeline holds twice (a port reused) shows its packets twice. */
		if (!(cc = capstore_find(st, &c->tuple)))
			continue;
		for (size_t j = 0; j < cap_conn_kept(cc); j++) {
			const struct cap_pkt *p = cap_conn_pkt(cc, j);
			struct report_packet *q = &r->packets[pi++];

			q->t_ns = p->t - t0;
			q->out = p->dir == PKT_OUT;
			pkt_flags_text(p->flags, q->flags);
			q->kind = pkt_kind_name(p->kind);
			q->len = p->len;
			rc->n_packets++;
		}
		rc->packets_omitted = cap_conn_omitted(cc);
	}
	for (size_t i = 0; i < st->n; i++)
		r->rc.capture.omitted += cap_conn_omitted(&st->conns[i]);
	capture_get_stats(cap, &cs);
	r->rc.capture.on = true;
	r->rc.capture.segments = st->segments;
	r->rc.capture.kernel_dropped = cs.kernel_dropped;
	r->rc.capture.offset_ns = cs.offset_ns;
	r->rc.capture.drift_ns = cs.drift_ns;
	return 0;
}

/* Names the process of each held phase from the cell's table of held sockets
 * (cellrun_held.c); one held only between two looks of the cell's loop stays unknown. */
static void convert_owners(struct cell_report *r, const struct cell_outcome *out)
{
	size_t np = 0;

	for (size_t i = 0; i < r->rc.n_conns; i++)
		for (size_t j = 0; j < r->conns[i].n_states; j++)
			np += r->conns[i].states[j].n_phases;
	for (size_t k = 0; k < np; k++) {
		struct report_phase *p = &r->phases[k];
		const struct cell_owner *w;

		if (p->held && p->inode && (w = cell_owner_of(out, p->inode))) {
			p->pid = w->pid;
			p->process = w->comm;
		}
	}
}

/* Per-state aggregates and peaks, for every state the cell's sockets were seen in. */
static void convert_aggs(struct cell_report *r, const struct timeline *tl)
{
	for (int state = 1; state < DIAG_NSTATES; state++) {
		struct tl_stats st;

		if (timeline_stats(tl, state, &st) || (!st.count && !st.peak))
			continue;
		r->aggs[r->rc.n_aggs++] = (struct report_agg){
			diag_state_name(state), st.count, st.bounded, st.forever, st.peak,
			st.lo.min, st.lo.p50, st.lo.p99, st.lo.max,
			st.hi.min, st.hi.p50, st.hi.p99, st.hi.max };
	}
	r->rc.aggs = r->aggs;
}

/* The cell's effective settings as the report's params (none when they cannot be had). */
static int convert_params(struct cell_report *r, const struct scenario *sc)
{
	if (scenario_flatten(sc, &r->flat))
		return 0;
	r->params = calloc(r->flat.n ? r->flat.n : 1, sizeof(*r->params));
	if (!r->params)
		return -ENOMEM;
	for (size_t i = 0; i < r->flat.n; i++) {
		r->params[i].key = r->flat.v[i].key;
		r->params[i].value = r->flat.v[i].value;
	}
	r->rc.params = r->params;
	r->rc.n_params = r->flat.n;
	return 0;
}

/* One reading of the server's socket options (cellrun_held.c) as a report entry. */
static void convert_opts(const struct cell_sockopts *cs, struct report_sockopts *so)
{
	so->read = true;
	so->pid = cs->pid;
	so->process = cs->comm;
	so->source = cs->reported ? "finwait-server" : "pidfd_getfd";
	for (size_t i = 0; i < FW_K_COUNT && so->n_opts < REPORT_OPTS_MAX; i++) {
		int v;

		if (sockopts_get(&cs->opts, &fw_keys[i], &v))
			so->opts[so->n_opts++] = (struct report_opt){ fw_keys[i].name, v };
	}
	so->has_linger = cs->opts.has_linger;
	so->linger_on = cs->opts.linger_on;
	so->linger_s = cs->opts.linger_s;
}

/* The server's socket options as read, or why none could be (JSON server_sockopts). */
static void convert_sockopts(struct cell_report *r, const struct cell_outcome *out)
{
	for (size_t i = 0; i < out->n_sockopts; i++)
		convert_opts(&out->sockopts[i], &r->sockopts[i]);
	r->rc.n_sockopts = out->n_sockopts;
	if (!out->n_sockopts && out->sockopts_why[0]) {
		r->sockopts[0].why = out->sockopts_why;
		r->rc.n_sockopts = 1;
	}
	r->rc.sockopts = r->sockopts;
}

/* rc.expects: FIN_WAIT2, then each other state that was seen or explicitly expected. */
static void convert_expects(struct cell_report *r, const struct scenario *sc,
			    enum report_verdict v)
{
	struct report_expect *e = r->expects;
	size_t n = 0;

	if (v == REPORT_SKIP)
		return;
	e[n++] = (struct report_expect){ "FIN_WAIT2", r->judged.expect,
					 v == REPORT_PASS ? "pass" : "fail", NULL };
	for (int es = 0; es < FW_ES_COUNT; es++) {
		const struct judge_state *js = &r->judged.states[es];

		if (sc->expects[es].kind == FW_EXPECT_ANY ||
		    (!js->seen && sc->expects[es].kind == FW_EXPECT_MODEL))
			continue;
		e[n++] = (struct report_expect){ js->state, js->p,
						 judge_state_verdict_name(js->verdict), js->why };
	}
	r->rc.expects = e;
	r->rc.n_expects = n;
}

/* The counters' deltas that the report shows, and the model's checks of them. */
static void convert_counters(struct cell_report *r, const struct cell_outcome *out)
{
	struct report_cell *rc = &r->rc;

	rc->counters = r->counters;
	rc->counter_checks = r->checks;
	if (!out->has_counters) {
		rc->counters_why = out->counters_why[0] ? out->counters_why :
				   "the cell's namespace was never built";
		return;
	}
	for (size_t i = 0; i < out->counters.n; i++)
		if (counters_reported(&out->counters.v[i]))
			r->counters[rc->n_counters++] = (struct report_counter){
				out->counters.v[i].name, out->counters.v[i].value };
	for (size_t i = 0; i < r->judged.n_counters; i++) {
		const struct judge_counter *k = &r->judged.counters[i];

		r->checks[rc->n_counter_checks++] = (struct report_counter_check){
			k->name, k->min, k->max, k->measured, k->pass, k->why };
	}
}

/* The sampler's own account of its period (JSON "sampler"). */
static void convert_sampling(struct report_cell *rc, const struct scenario *sc,
			     const struct cell_outcome *out)
{
	struct sampler_counts k;

	if (!out->sampler)
		return;
	sampler_counts(out->sampler, &k);
	rc->sampling = (struct report_sampling){
		.have = true, .interval_ns = sc->interval_ns, .samples = k.samples,
		.missed = k.missed, .dump_max_ns = k.max_dump_ns,
		.dump_mean_ns = k.samples ? k.total_dump_ns / (int64_t)k.samples : 0,
	};
}

/* rc.plateaus: what judge_plateaus() found (with a rate). */
static void convert_plateaus(struct cell_report *r)
{
	for (size_t i = 0; i < r->judged.n_plateaus; i++) {
		const struct judge_plateau *q = &r->judged.plateaus[i];

		r->plateaus[i] = (struct report_plateau){ q->state, q->rate, q->min, q->max,
			q->measured, q->p.min_ns, q->p.max_ns, q->pass, q->why };
	}
	r->rc.plateaus = r->plateaus;
	r->rc.n_plateaus = r->judged.n_plateaus;
}

int convert_cell(struct cell_report *r, const struct scenario *sc,
		 const struct cell_outcome *out, const struct model_env *menv)
{
	struct report_cell *rc = &r->rc;
	int ret;

	rc->name = sc->name;
	rc->limit_ns = sc->limit_ns;
	rc->elapsed_ns = out->t_end - out->t_start;
	if ((ret = convert_params(r, sc)))
		return ret;
	if (out->tl) {
		if ((ret = convert_conns(r, out->tl, out->t_start)))
			return ret;
		convert_owners(r, out);
		convert_aggs(r, out->tl);
		if (sampler_series(out->sampler)) {
			ret = tlreport_series(sampler_series(out->sampler), out->t_start,
					      &r->series, &r->series_t, &r->series_c);
			if (ret)
				return ret;
			rc->series = &r->series;
		}
		if (out->capture && (ret = convert_packets(r, out->tl, out->capture, out->t_start)))
			return ret;
		rc->capture.file = out->pcap_file[0] ? out->pcap_file : NULL;
	}
	convert_sockopts(r, out);
	convert_sampling(rc, sc, out);
	rc->verdict = judge_cell(sc, menv, out, &r->judged, r->why, sizeof(r->why));
	rc->expect = r->judged.expect;
	convert_expects(r, sc, rc->verdict);
	convert_plateaus(r);
	convert_counters(r, out);
	rc->error = r->why[0] ? r->why : NULL;
	/* A skipped cell's timeline is truncated, or there is none: no statistics. */
	if (rc->verdict != REPORT_SKIP)
		return report_fw2_stats(rc->conns, rc->n_conns, &rc->fw2);
	return 0;
}

void cell_report_clear(struct cell_report *r)
{
	scen_kvlist_clear(&r->flat);
	free(r->params);
	free(r->conns);
	free(r->states);
	free(r->phases);
	free(r->addrs);
	free(r->series_t);
	free(r->series_c);
	free(r->packets);
}
