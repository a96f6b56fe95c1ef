/* watch_html: `finwait watch --html FILE` (see watch_priv.h): on exit, one page of what
 * was watched, drawn by report_html as for a cell of `finwait run`: the sockets in each
 * state over time (the sampler's series, bounded whatever the watch's length) and a lane
 * per connection, and the namespace's TCP MIB counters over the watch. The timeline forgets closed connections, so the visits are kept here
 * as they end, for the first WATCH_HTML_CONNS connections only: memory stays bounded. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kinfo.h"
#include "report_html.h"
#include "report_out.h"
#include "timeline_priv.h" /* tl_grow() */
#include "tlreport.h"
#include "util.h"
#include "watch_priv.h"

#define WATCH_HTML_CONNS 2000
#define WATCH_HTML_VISITS 8	/* per connection; later ones are left out */
#define ADDR_TEXT 64

/* One kept visit: its state row, its phases at phase_at in the phase store. */
struct wh_visit {
	uint32_t conn;
	struct report_state st;
	size_t phase_at;
};

struct watch_html {
	struct inode_map by_cookie;	/* cookie -> index in conns */
	struct report_conn *conns;
	char (*addrs)[2][ADDR_TEXT];
	uint8_t *nvisits;
	size_t nconns;
	struct wh_visit *visits;
	size_t nv, capv;
	struct report_phase *phases;
	size_t np, capp;
	bool full;			/* some connection was left out */
};

int watch_html_new(struct watch *w)
{
	struct watch_html *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->conns = calloc(WATCH_HTML_CONNS, sizeof(*h->conns));
	h->addrs = calloc(WATCH_HTML_CONNS, sizeof(*h->addrs));
	h->nvisits = calloc(WATCH_HTML_CONNS, sizeof(*h->nvisits));
	w->html = h;
	return h->conns && h->addrs && h->nvisits ? 0 : -ENOMEM;
}

void watch_html_free(struct watch *w)
{
	struct watch_html *h = w->html;

	if (!h)
		return;
	inode_map_free(&h->by_cookie);
	free(h->conns);
	free(h->addrs);
	free(h->nvisits);
	free(h->visits);
	free(h->phases);
	free(h);
	w->html = NULL;
}

/* c's index among the kept connections, a new one if there is room; -1 otherwise. */
static long conn_index(struct watch_html *h, const struct tl_conn *c)
{
	uint32_t i;

	if (c->cookie && inode_map_get(&h->by_cookie, c->cookie, &i))
		return i;
	if (h->nconns == WATCH_HTML_CONNS || (c->cookie &&
	    inode_map_put(&h->by_cookie, c->cookie, (uint32_t)h->nconns))) {
		h->full = true;
		return -1;
	}
	i = (uint32_t)h->nconns++;
	h->conns[i].local = diag_tuple_format_end(&c->tuple, 0, h->addrs[i][0], ADDR_TEXT);
	h->conns[i].remote = diag_tuple_format_end(&c->tuple, 1, h->addrs[i][1], ADDR_TEXT);
	return i;
}

void watch_html_keep(struct watch *w, const struct tl_conn *c, const struct tl_visit *v)
{
	struct watch_html *h = w->html;
	long i = conn_index(h, c);
	struct wh_visit *wv;

	if (i < 0 || h->nvisits[i] == WATCH_HTML_VISITS)
		return;
	if (tl_grow((void **)&h->visits, &h->capv, h->nv + 1, sizeof(*h->visits)) ||
	    tl_grow((void **)&h->phases, &h->capp, h->np + TL_PHASES_MAX,
			sizeof(*h->phases))) {
		h->full = true;
		return;
	}
	wv = &h->visits[h->nv++];
	wv->conn = (uint32_t)i;
	wv->phase_at = h->np;
	tlreport_visit(c, (size_t)(v - c->visits), w->mono0, &wv->st, &h->phases[h->np]);
	h->np += wv->st.n_phases;
	h->nvisits[i]++;
}

static int cmp_visit(const void *a, const void *b)
{
	const struct wh_visit *x = a, *y = b;

	if (x->conn != y->conn)
		return x->conn < y->conn ? -1 : 1;
	return x->st.span.entered_hi_ns < y->st.span.entered_hi_ns ? -1 :
	       x->st.span.entered_hi_ns > y->st.span.entered_hi_ns;
}

/* The kept visits as the connections' state rows (into states, room for nv). */
static void link_rows(struct watch_html *h, struct report_state *states)
{
	qsort(h->visits, h->nv, sizeof(*h->visits), cmp_visit);
	for (size_t i = 0; i < h->nv; i++) {
		struct report_conn *rc = &h->conns[h->visits[i].conn];

		states[i] = h->visits[i].st;
		states[i].phases = &h->phases[h->visits[i].phase_at];
		if (!rc->n_states)
			rc->states = &states[i];
		rc->n_states++;
	}
}

/* The namespace's counters that moved over the watch (into ks, room for COUNTERS_MAX,
 * names borrowed from *delta); the number of them, 0 when they cannot be read. */
static size_t watch_counters(struct watch *w, struct counters *delta,
			     struct report_counter *ks)
{
	struct counters *now = malloc(sizeof(*now));
	size_t n = 0;

	if (now && w->counters0 && !counters_read(w->netns_fd, now)) {
		counters_delta(w->counters0, now, delta);
		for (size_t i = 0; i < delta->n; i++)
			if (counters_reported(&delta->v[i]))
				ks[n++] = (struct report_counter){ delta->v[i].name,
								   delta->v[i].value };
	}
	free(now);
	return n;
}

static int write_page(const void *r, FILE *f)
{
	return report_write_html(r, f);
}

int watch_html_write(struct watch *w, struct sampler *smp)
{
	struct watch_html *h = w->html;
	struct report_state *states = calloc(h->nv ? h->nv : 1, sizeof(*states));
	struct report_param params[1] = { { "watch.interval", NULL } };
	struct report_cell cell = { .name = "finwait watch" };
	struct report rep = { .version = FINWAIT_VERSION, .cells = &cell, .n_cells = 1 };
	struct report_out out = { "--html", w->html_path, write_page };
	struct report_series sr = { 0 };
	struct report_counter *ks = NULL;
	struct counters *delta = NULL;
	int64_t *st_t = NULL;
	uint32_t *st_c = NULL;
	struct kinfo ki;
	struct fw_err err = { 0 };
	char iv[32], msg[600];
	int ret = -ENOMEM;

	if (!states)
		goto out;
	link_rows(h, states);
	params[0].value = dur_format(w->interval_ns, iv, sizeof(iv));
	cell.params = params;
	cell.n_params = 1;
	cell.conns = h->conns;
	cell.n_conns = h->nconns;
	cell.verdict = REPORT_SKIP;
	cell.error = h->full ? "watched, not judged; the connections past the first 2000 (or "
			       "a connection's visits past 8) are in the curves only" :
			       "watched, not judged";
	cell.expect.kind = PRED_UNMODELLED;
	snprintf(cell.expect.reason, sizeof(cell.expect.reason), "finwait watch judges nothing");
	kinfo_read(&ki);
	rep.kernel = ki.release;
	rep.hz = ki.hz;
	if (sampler_series(smp) &&
	    (ret = tlreport_series(sampler_series(smp), w->mono0, &sr, &st_t, &st_c)))
		goto out;
	cell.series = sampler_series(smp) ? &sr : NULL;
	if ((ret = report_fw2_stats(cell.conns, cell.n_conns, &cell.fw2)))
		goto out;
	ret = -ENOMEM;
	if (!(delta = malloc(sizeof(*delta))) || !(ks = calloc(COUNTERS_MAX, sizeof(*ks))))
		goto out;
	cell.counters = ks;
	cell.n_counters = watch_counters(w, delta, ks);
	if (!cell.n_counters)
		cell.counters_why = "the namespace's counters could not be read";
	ret = report_out_write(&out, &rep, &err);
	if (ret)
		fprintf(stderr, "finwait watch: %s\n", fw_err_format(&err, msg, sizeof(msg)));
out:
	if (ret == -ENOMEM)
		fprintf(stderr, "finwait watch: --html: out of memory\n");
	free(st_t);
	free(st_c);
	free(ks);
	free(delta);
	free(states);
	return ret;
}

int watch_html_check(const char *path)
{
	struct report_out out = { "--html", path, write_page };
	struct fw_err err = { 0 };
	char msg[600];

	if (!report_out_check(&out, 1, &err))
		return 0;
	fprintf(stderr, "finwait watch: %s\n", fw_err_format(&err, msg, sizeof(msg)));
	return -EINVAL;
}
