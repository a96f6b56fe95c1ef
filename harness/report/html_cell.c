/* html_cell: one cell of the HTML page: its connections folded one at a time into bounded
 * aggregates (the first lanes, lanes grouped by shape, binned state counts, binned
 * FIN_WAIT2 lifetimes), and the cell's section written from them and from the cell's own
 * keys. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "html_priv.h"
#include "report_html.h"

/* Packets kept a lane, groups of lane shapes kept a cell, and groups drawn. */
#define LANE_PKTS_MAX 64
#define GROUPS_MAX 1024
#define GROUPS_SHOWN 24
#define GROUP_SLOTS 2048	/* open addressing, twice GROUPS_MAX */

const struct html_style html_styles[HTML_N_STYLES] = {
	{ "ESTABLISHED", "EST", "#0072B2", "9 3", "#fff" },
	{ "FIN_WAIT1", "FW1", "#E69F00", "5 3", "#000" },
	{ "FIN_WAIT2", "FW2", "#D55E00", "", "#fff" },
	{ "TIME_WAIT", "TW", "#009E73", "2 3", "#fff" },
	{ "CLOSE_WAIT", "CW", "#CC79A7", "9 3 2 3", "#000" },
	{ "LAST_ACK", "LA", "#56B4E9", "5 2 1 2", "#000" },
	{ "CLOSING", "CLG", "#F0E442", "1 2", "#000" },
	{ "SYN_RECV", "SR", "#999999", "3 1 1 1", "#000" },
	{ "CLOSE", "CL", "#000000", "1 1", "#fff" },
	{ "other", "?", "#777777", "6 2 6 6", "#fff" },
};

int html_style_of(const char *state)
{
	for (int i = 0; state && i < HTML_N_STYLES - 1; i++)
		if (!strcmp(html_styles[i].name, state))
			return i;
	return HTML_N_STYLES - 1;
}

void html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

double html_num(struct json_object *o, const char *key, double dflt)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return dflt;
	return json_object_get_double(v);
}

const char *html_str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool html_pair(struct json_object *o, const char *key, double *lo, double *hi)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2)
		return false;
	*lo = json_object_get_double(json_object_array_get_idx(v, 0));
	*hi = json_object_get_double(json_object_array_get_idx(v, 1));
	return true;
}

/* ---- doubling bins ---- */

int html_bins_init(struct html_bins *b, int rows)
{
	b->width = 1e-6;
	b->rows = rows;
	b->v = calloc((size_t)rows * HTML_BINS, sizeof(*b->v));
	return b->v ? 0 : -ENOMEM;
}

void html_bins_add(struct html_bins *b, int row, double t, double w)
{
	size_t i;

	if (!(t >= 0))		/* negative, or NaN */
		t = 0;
	while (t >= b->width * HTML_BINS && b->width < 1e9) {
		for (int r = 0; r < b->rows; r++) {
			double *v = b->v + (size_t)r * HTML_BINS;

			for (i = 0; i < HTML_BINS / 2; i++)
				v[i] = v[2 * i] + v[2 * i + 1];
			memset(v + HTML_BINS / 2, 0, HTML_BINS / 2 * sizeof(*v));
		}
		b->width *= 2;
	}
	i = (size_t)(t / b->width);
	if (i >= HTML_BINS)
		i = HTML_BINS - 1;
	b->v[(size_t)row * HTML_BINS + i] += w;
}

void html_bins_free(struct html_bins *b)
{
	free(b->v);
	b->v = NULL;
}

/* ---- lanes ---- */

struct group {
	char *key;		/* the shape, NULL: a free slot */
	uint64_t hash;
	struct html_lane lane;	/* the first connection of that shape */
};

struct html_cell {
	size_t n_conns;
	struct html_lane lanes[REPORT_HTML_LANES];	/* the first connections */
	size_t n_lanes;
	struct group *groups;	/* GROUP_SLOTS */
	size_t n_groups;
	size_t ungrouped;	/* connections of shapes beyond GROUPS_MAX */
	struct html_bins pile;	/* per style: +1 at each entry, -1 at each exit */
	struct html_bins life;	/* FIN_WAIT2 lifetimes, the ended ones' midpoints */
	size_t life_ended, life_open;
	double life_open_min;
	double t_first, t_end;	/* the earliest and latest times seen */
};

static void lane_clear(struct html_lane *l)
{
	free(l->local);
	free(l->remote);
	free(l->segs);
	free(l->pkts);
	memset(l, 0, sizeof(*l));
}

static int lane_copy(struct html_lane *dst, const struct html_lane *src)
{
	*dst = *src;
	dst->local = strdup(src->local);
	dst->remote = strdup(src->remote);
	dst->segs = malloc((src->n_segs + 1) * sizeof(*dst->segs));
	dst->pkts = malloc((src->n_pkts + 1) * sizeof(*dst->pkts));
	if (!dst->local || !dst->remote || !dst->segs || !dst->pkts) {
		lane_clear(dst);
		return -ENOMEM;
	}
	memcpy(dst->segs, src->segs, src->n_segs * sizeof(*dst->segs));
	memcpy(dst->pkts, src->pkts, src->n_pkts * sizeof(*dst->pkts));
	return 0;
}

struct html_cell *html_cell_new(void)
{
	struct html_cell *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return NULL;
	hc->groups = calloc(GROUP_SLOTS, sizeof(*hc->groups));
	hc->t_first = INFINITY;
	if (!hc->groups || html_bins_init(&hc->pile, HTML_N_STYLES) ||
	    html_bins_init(&hc->life, 1)) {
		html_cell_free(hc);
		return NULL;
	}
	return hc;
}

void html_cell_free(struct html_cell *hc)
{
	if (!hc)
		return;
	for (size_t i = 0; i < hc->n_lanes; i++)
		lane_clear(&hc->lanes[i]);
	for (size_t i = 0; hc->groups && i < GROUP_SLOTS; i++)
		if (hc->groups[i].key) {
			free(hc->groups[i].key);
			lane_clear(&hc->groups[i].lane);
		}
	free(hc->groups);
	html_bins_free(&hc->pile);
	html_bins_free(&hc->life);
	free(hc);
}

static void see_time(struct html_cell *hc, double t)
{
	if (t > hc->t_end)
		hc->t_end = t;
	if (t < hc->t_first)
		hc->t_first = t;
}

/* One state, or one phase of it, as a bar: times from o ("entered", "left"). */
static void seg_times(struct html_cell *hc, struct html_seg *g, struct json_object *o)
{
	struct json_object *life = NULL;

	if (!html_pair(o, "entered", &g->in_lo, &g->in_hi))
		g->in_lo = g->in_hi = 0;
	g->open = !html_pair(o, "left", &g->out_lo, &g->out_hi);
	json_object_object_get_ex(o, "lifetime", &life);
	see_time(hc, g->in_lo);
	see_time(hc, g->in_hi);
	if (g->open)
		see_time(hc, g->in_lo + html_num(life, "min", 0));
	else
		see_time(hc, g->out_hi);
}

static int lane_add_seg(struct html_lane *l, const struct html_seg *g)
{
	struct html_seg *ns = realloc(l->segs, (l->n_segs + 1) * sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	l->segs = ns;
	l->segs[l->n_segs++] = *g;
	return 0;
}

static void copy_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* A state's bars (one per phase, or one when no phase is known), its pile-up steps and,
 * for FIN_WAIT2, its lifetime. */
static int lane_state(struct html_cell *hc, struct html_lane *l, struct json_object *st)
{
	struct json_object *phases = NULL, *life = NULL, *unseen = NULL;
	struct html_seg g = { 0 };
	size_t n;

	g.style = (uint8_t)html_style_of(html_str(st, "state"));
	seg_times(hc, &g, st);
	g.unseen = json_object_object_get_ex(st, "end_unseen", &unseen) &&
		   json_object_get_boolean(unseen);
	html_bins_add(&hc->pile, g.style, (g.in_lo + g.in_hi) / 2, 1);
	if (!g.open)
		html_bins_add(&hc->pile, g.style, (g.out_lo + g.out_hi) / 2, -1);
	json_object_object_get_ex(st, "lifetime", &life);
	if (!strcmp(html_styles[g.style].name, "FIN_WAIT2")) {
		double lo = html_num(life, "min", 0);

		if (g.open) {
			if (!hc->life_open++ || lo < hc->life_open_min)
				hc->life_open_min = lo;
		} else {
			hc->life_ended++;
			html_bins_add(&hc->life, 0, (lo + html_num(life, "max", lo)) / 2, 1);
		}
	}
	json_object_object_get_ex(st, "phases", &phases);
	n = json_object_is_type(phases, json_type_array) ? json_object_array_length(phases) : 0;
	if (!n)
		return lane_add_seg(l, &g);
	for (size_t k = 0; k < n; k++) {
		struct json_object *ph = json_object_array_get_idx(phases, k);
		const char *owner = html_str(ph, "owner");
		struct html_seg p = g;

		seg_times(hc, &p, ph);
		p.owner = !owner ? HO_UNKNOWN : !strcmp(owner, "held") ? HO_HELD : HO_ORPHAN;
		copy_text(p.timer, sizeof(p.timer), html_str(ph, "timer"));
		copy_text(p.process, sizeof(p.process), html_str(ph, "process"));
		p.pid = (int)html_num(ph, "pid", 0);
		if (lane_add_seg(l, &p))
			return -ENOMEM;
	}
	return 0;
}

static void lane_packets(struct html_cell *hc, struct html_lane *l, struct json_object *pk)
{
	size_t n = json_object_is_type(pk, json_type_array) ? json_object_array_length(pk) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(pk, i);
		struct html_pkt *o = &l->pkts[l->n_pkts];
		const char *dir = html_str(p, "dir");

		if (l->n_pkts == LANE_PKTS_MAX) {
			l->pkts_dropped++;
			continue;
		}
		o->t = html_num(p, "t", 0);
		o->out = dir && !strcmp(dir, "out");
		copy_text(o->flags, sizeof(o->flags), html_str(p, "flags"));
		copy_text(o->kind, sizeof(o->kind), html_str(p, "kind"));
		see_time(hc, o->t);
		l->n_pkts++;
	}
}

/* The shape of a lane, for grouping: each bar's state, owner, timer and openness, and
 * its length in quarter octaves from 1 ms (so equal shapes at any time scale). */
static char *lane_key(const struct html_lane *l, uint64_t *hash)
{
	char *key = malloc(l->n_segs * 40 + 1), *p = key;

	if (!key)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < l->n_segs; i++) {
		const struct html_seg *g = &l->segs[i];
		double d = (g->out_lo + g->out_hi - g->in_lo - g->in_hi) / 2;
		int q = g->open || d < 1e-3 ? 0 : (int)floor(log2(d * 1e3) * 4) + 1;

		p += sprintf(p, "%u%u%.15s%c%d;", g->style, g->owner, g->timer,
			     g->open ? 'o' : 'c', q);
	}
	*hash = 14695981039346656037ull;
	for (p = key; *p; p++)
		*hash = (*hash ^ (unsigned char)*p) * 1099511628211ull;
	return key;
}

static int lane_group(struct html_cell *hc, const struct html_lane *l)
{
	uint64_t h;
	char *key = lane_key(l, &h);
	size_t i;
	double start = l->n_segs ? l->segs[0].in_lo : 0;

	if (!key)
		return -ENOMEM;
	for (i = h % GROUP_SLOTS; hc->groups[i].key; i = (i + 1) % GROUP_SLOTS)
		if (hc->groups[i].hash == h && !strcmp(hc->groups[i].key, key))
			break;
	if (hc->groups[i].key) {
		struct html_lane *g = &hc->groups[i].lane;

		g->count++;
		g->start_min = fmin(g->start_min, start);
		g->start_max = fmax(g->start_max, start);
		free(key);
		return 0;
	}
	if (hc->n_groups == GROUPS_MAX) {
		hc->ungrouped++;
		free(key);
		return 0;
	}
	if (lane_copy(&hc->groups[i].lane, l)) {
		free(key);
		return -ENOMEM;
	}
	hc->groups[i].key = key;
	hc->groups[i].hash = h;
	hc->groups[i].lane.count = 1;
	hc->groups[i].lane.start_min = hc->groups[i].lane.start_max = start;
	hc->n_groups++;
	return 0;
}

int html_cell_conn(struct html_cell *hc, struct json_object *conn)
{
	struct html_lane l = { 0 };
	struct json_object *states = NULL, *pk = NULL;
	size_t n;
	int ret = -ENOMEM;

	l.local = strdup(html_str(conn, "local") ? html_str(conn, "local") : "?");
	l.remote = strdup(html_str(conn, "remote") ? html_str(conn, "remote") : "?");
	l.pkts = malloc(LANE_PKTS_MAX * sizeof(*l.pkts));
	if (!l.local || !l.remote || !l.pkts)
		goto out;
	hc->n_conns++;
	json_object_object_get_ex(conn, "states", &states);
	n = json_object_is_type(states, json_type_array) ? json_object_array_length(states) : 0;
	for (size_t j = 0; j < n; j++)
		if (lane_state(hc, &l, json_object_array_get_idx(states, j)))
			goto out;
	if (json_object_object_get_ex(conn, "packets", &pk))
		lane_packets(hc, &l, pk);
	l.pkts_dropped += (size_t)html_num(conn, "packets_omitted", 0);	/* not in the JSON */
	l.count = 1;
	if (lane_group(hc, &l))
		goto out;
	if (hc->n_lanes < REPORT_HTML_LANES) {
		hc->lanes[hc->n_lanes++] = l;
		return 0;
	}
	ret = 0;
out:
	lane_clear(&l);
	return ret;
}

/* ---- the view: what the pictures draw ---- */

#define CURVE_COLUMNS 600

struct curves {
	double *t[HTML_N_STYLES], *n[HTML_N_STYLES];
};

static void curves_free(struct curves *c)
{
	for (int s = 0; s < HTML_N_STYLES; s++) {
		free(c->t[s]);
		free(c->n[s]);
	}
}

/* A step curve of len points cut to CURVE_COLUMNS columns over [t_begin, t_end]: a column with
 * points takes their largest count from its first point's time (so that a peak is never
 * lost), the next ones its last count; a point is kept where the count changes. None when every count is 0. */
static int curve_set(struct html_view *v, struct curves *c, int s, const double *t,
		     const double *n, size_t len)
{
	double most[CURVE_COLUMNS + 1], last[CURVE_COLUMNS + 1], first[CURVE_COLUMNS + 1];
	double carry = 0, prev = -1;
	bool seen[CURVE_COLUMNS + 1] = { false }, any = false;
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		double span = v->t_end - v->t_begin;
		long col = span > 0 ? (long)((t[i] - v->t_begin) / span * CURVE_COLUMNS) : 0;

		if (col > CURVE_COLUMNS)
			continue;
		if (col < 0)
			col = 0;
		if (!seen[col])
			first[col] = t[i];
		most[col] = seen[col] ? fmax(most[col], n[i]) : n[i];
		last[col] = n[i];
		seen[col] = true;
		any |= n[i] > 0;
	}
	if (!any || c->t[s])
		return 0;
	c->t[s] = malloc((CURVE_COLUMNS + 1) * sizeof(double));
	c->n[s] = malloc((CURVE_COLUMNS + 1) * sizeof(double));
	if (!c->t[s] || !c->n[s])
		return -ENOMEM;
	for (size_t col = 0; col <= CURVE_COLUMNS; col++) {
		double val = seen[col] ? most[col] : carry;

		if (seen[col])
			carry = last[col];
		if (val == prev)
			continue;
		c->t[s][k] = seen[col] ? first[col] : v->t_begin + (v->t_end - v->t_begin) *
						      (double)col / CURVE_COLUMNS;
		c->n[s][k++] = prev = val;
	}
	v->curve_t[s] = c->t[s];
	v->curve_n[s] = c->n[s];
	v->curve_len[s] = k;
	return 0;
}

/* The pile-up from the cell's "series" ({"t": [...], STATE: [...]}): the samples' own
 * counts. Returns 1 when it had one. */
static int curves_series(struct html_view *v, struct curves *c, struct json_object *cell)
{
	struct json_object *series = NULL, *ts = NULL;
	double *t, *n;
	size_t len;
	int ret = -ENOMEM;

	if (!json_object_object_get_ex(cell, "series", &series) ||
	    !json_object_object_get_ex(series, "t", &ts) ||
	    !json_object_is_type(ts, json_type_array) || !(len = json_object_array_length(ts)))
		return 0;
	t = malloc(len * sizeof(*t));
	n = malloc(len * sizeof(*n));
	if (!t || !n)
		goto out;
	for (size_t i = 0; i < len; i++)
		t[i] = json_object_get_double(json_object_array_get_idx(ts, i));
	json_object_object_foreach(series, key, arr) {
		if (!strcmp(key, "t") || !json_object_is_type(arr, json_type_array) ||
		    json_object_array_length(arr) != len)
			continue;
		for (size_t i = 0; i < len; i++)
			n[i] = json_object_get_double(json_object_array_get_idx(arr, i));
		if (curve_set(v, c, html_style_of(key), t, n, len))
			goto out;
	}
	v->curve_from_series = true;
	ret = 1;
out:
	free(t);
	free(n);
	return ret;
}

/* The pile-up from the connections' intervals: each state counted from the midpoint of
 * its entry to the midpoint of its exit, at the bins' resolution. */
static int curves_bins(struct html_view *v, struct curves *c, const struct html_bins *b)
{
	double t[HTML_BINS], n[HTML_BINS];

	for (int s = 0; s < b->rows; s++) {
		double level = 0;

		for (size_t i = 0; i < HTML_BINS; i++) {
			level += b->v[(size_t)s * HTML_BINS + i];
			t[i] = (double)i * b->width;
			n[i] = level;
		}
		if (curve_set(v, c, s, t, n, HTML_BINS))
			return -ENOMEM;
	}
	return 0;
}

/* The time axes: from the first socket seen (in the connections or in the series), when
 * the cell spent a good part of its time before it, to the last time seen. */
static void view_times(struct html_view *v, struct html_cell *hc, struct json_object *cell)
{
	struct json_object *series = NULL, *ts = NULL;
	double first = hc->t_first;
	size_t len;

	v->t_end = hc->t_end;
	if (json_object_object_get_ex(cell, "series", &series) &&
	    json_object_object_get_ex(series, "t", &ts) &&
	    json_object_is_type(ts, json_type_array) && (len = json_object_array_length(ts))) {
		v->t_end = fmax(v->t_end, json_object_get_double(json_object_array_get_idx(ts,
											 len - 1)));
		json_object_object_foreach(series, key, arr) {
			for (size_t i = 0; strcmp(key, "t") && i < len &&
			     i < json_object_array_length(arr); i++)
				if (json_object_get_double(json_object_array_get_idx(arr, i)) > 0) {
					first = fmin(first, json_object_get_double(
						json_object_array_get_idx(ts, i)));
					break;
				}
		}
	}
	if (!isfinite(first) || first > v->t_end)
		first = 0;
	first -= (v->t_end - first) * 0.05;
	v->t_begin = first > 0.15 * v->t_end ? first : 0;
}

static int by_count(const void *a, const void *b)
{
	const struct html_lane *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->start_min < y->start_min ? -1 : x->start_min > y->start_min;
}

/* One lane per connection when they are few; else the most common shapes, each drawn
 * as its first connection with the count it stands for. */
static int view_lanes(struct html_cell *hc, struct html_view *v, struct html_lane **shown)
{
	size_t k = 0, drawn = 0;

	v->n_conns = hc->n_conns;
	if (hc->n_conns <= REPORT_HTML_LANES) {
		v->lanes = hc->lanes;
		v->n_lanes = hc->n_lanes;
		return 0;
	}
	*shown = malloc((hc->n_groups + 1) * sizeof(**shown));
	if (!*shown)
		return -ENOMEM;
	for (size_t i = 0; i < GROUP_SLOTS; i++)
		if (hc->groups[i].key)
			(*shown)[k++] = hc->groups[i].lane;
	qsort(*shown, k, sizeof(**shown), by_count);
	v->lanes = *shown;
	v->n_lanes = k < GROUPS_SHOWN ? k : GROUPS_SHOWN;
	v->grouped = true;
	for (size_t i = 0; i < v->n_lanes; i++)
		drawn += (*shown)[i].count;
	v->other_conns = hc->n_conns - drawn;
	v->other_shapes = k - v->n_lanes;
	return 0;
}

/* The expected FIN_WAIT2 range: "expects" FIN_WAIT2 when it has one, else "expect". */
static void view_expect(struct html_view *v, struct json_object *cell)
{
	struct json_object *all = NULL, *e = NULL, *max = NULL, *min = NULL;

	if (!(json_object_object_get_ex(cell, "expects", &all) &&
	      json_object_object_get_ex(all, "FIN_WAIT2", &e) &&
	      json_object_object_get_ex(e, "min", &min) && min))
		json_object_object_get_ex(cell, "expect", &e);
	if (!e || !json_object_object_get_ex(e, "min", &min) || !min)
		return;
	v->has_expect = true;
	v->expect_min = json_object_get_double(min);
	v->expect_open = !json_object_object_get_ex(e, "max", &max) || !max;
	v->expect_max = v->expect_open ? v->expect_min : json_object_get_double(max);
}

int html_cell_write(struct html_cell *hc, struct json_object *cell, size_t index, FILE *f)
{
	struct html_view v = { 0 };
	struct curves c = { 0 };
	struct html_lane *shown = NULL;
	int ret = -ENOMEM;

	view_times(&v, hc, cell);
	ret = curves_series(&v, &c, cell);
	if (ret == 0)
		ret = curves_bins(&v, &c, &hc->pile);
	if (ret < 0 || view_lanes(hc, &v, &shown))
		goto out;
	v.life = &hc->life;
	v.life_ended = hc->life_ended;
	v.life_open = hc->life_open;
	v.life_open_min = hc->life_open_min;
	view_expect(&v, cell);
	html_put_cell_head(f, cell, index);
	fputs("<h3>Sockets in each state over time</h3>\n", f);
	html_svg_pileup(f, &v);
	fputs("<h3>Connections</h3>\n", f);
	html_svg_lanes(f, &v);
	fputs("<h3>FIN_WAIT2 lifetimes</h3>\n", f);
	html_svg_hist(f, &v);
	html_put_cell_tail(f, cell);
	ret = 0;
out:
	free(shown);
	curves_free(&c);
	return ret;
}
