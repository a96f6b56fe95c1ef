/* html_svg: a cell's pictures as inline SVG: the pile-up, the lanes, the histogram of
 * FIN_WAIT2 lifetimes, and the page's legend. Hover text is SVG <title>, which browsers
 * show without a script. */
#include <math.h>
#include <string.h>

#include "html_priv.h"

/* Geometry: the plots share their x: seconds from the cell's start. */
#define W 960.0
#define LEFT 200.0
#define RIGHT 24.0
#define PW (W - LEFT - RIGHT)
#define HIST_BINS 40

static double xof(const struct html_view *v, double t)
{
	double span = v->t_end > v->t_begin ? v->t_end - v->t_begin : 1;

	t = fmin(fmax(t - v->t_begin, 0), span);
	return LEFT + t / span * PW;
}

/* A step of 1, 2 or 5 times a power of ten that cuts [0, range] into about n parts. */
static double nice_step(double range, int n)
{
	double raw = range > 0 ? range / n : 1, mag = pow(10, floor(log10(raw)));

	for (int k = 0; k < 3; k++) {
		static const double m[] = { 1, 2, 5 };

		if (m[k] * mag >= raw)
			return m[k] * mag;
	}
	return 10 * mag;
}

/* Decimals to print multiples of step. */
static int step_decimals(double step)
{
	int d = (int)-floor(log10(step) + 1e-9);

	return d < 0 ? 0 : d > 6 ? 6 : d;
}

/* Ticks and labels of [a, a + range] seconds along y = base, from x0 over width w. */
static void axis_x(FILE *f, double a, double range, double x0, double w, double base,
		   const char *unit)
{
	double step = nice_step(range, 8);
	int dec = step_decimals(step);

	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
		x0, base, x0 + w, base);
	for (double t = ceil(a / step - 1e-9) * step; range > 0 && t <= (a + range) * (1 + 1e-9);
	     t += step) {
		double x = x0 + (t - a) / range * w;

		if (fabs(t) < step * 1e-6)
			t = 0;	/* not "-0.0" */

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n", x, base,
			x, base + 4, x, base + 15, dec, t);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x0 + w,
		base + 28, unit);
}

/* ---- the pile-up ---- */

static void pile_key(FILE *f, const struct html_view *v)
{
	double x = LEFT;

	for (int s = 0; s < HTML_N_STYLES; s++) {
		const struct html_style *st = &html_styles[s];

		if (!v->curve_len[s])
			continue;
		fprintf(f, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"10\" stroke=\"%s\" "
			"stroke-width=\"2.5\" stroke-dasharray=\"%s\"/><text x=\"%.1f\" y=\"14\">"
			"%s</text>\n", x, x + 28, st->colour, st->dash, x + 32, st->name);
		x += 40 + 7.0 * strlen(st->name);
	}
}

/* One state's curve, drawn from its first socket to its last, labelled at its peak
 * (the k-th label a little lower than the one before, so that equal peaks stay legible). */
static void pile_curve(FILE *f, const struct html_view *v, int s, double peak, double base,
		       double h, int k)
{
	const struct html_style *st = &html_styles[s];
	const double *t = v->curve_t[s], *n = v->curve_n[s];
	size_t len = v->curve_len[s], i0 = 0, i1 = len - 1, ip;

	while (i0 < len && n[i0] <= 0)
		i0++;
	while (i1 > i0 && n[i1] <= 0)
		i1--;
	if (i0 == len)
		return;
	ip = i0;
	fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
		"stroke-dasharray=\"%s\" d=\"M%.1f %.1f", st->colour,
		strcmp(st->name, "FIN_WAIT2") ? "2" : "3", st->dash, xof(v, t[i0]), base);
	for (size_t i = i0; i <= i1; i++) {
		if (i > i0)
			fprintf(f, "H%.1f", xof(v, t[i]));
		fprintf(f, "V%.1f", base - n[i] / peak * h);
		if (n[i] > n[ip])
			ip = i;
	}
	if (i1 + 1 < len)
		fprintf(f, "H%.1fV%.1f", xof(v, t[i1 + 1]), base);
	else
		fprintf(f, "H%.1f", LEFT + PW);
	fprintf(f, "\"><title>%s: at most %.0f, at %.3f s</title></path>\n", st->name, n[ip],
		t[ip]);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#222\">%s %.0f</text>\n",
		xof(v, t[ip]) + 4, fmax(base - h + 10, fmin(base - n[ip] / peak * h + 12 + 12 * k,
							   base - 4 - 12 * k)), st->abbr, n[ip]);
}

void html_svg_pileup(FILE *f, const struct html_view *v)
{
	const double top = 24, h = 170, base = top + h;
	double peak = 0, step;
	int labels = 0;

	for (int s = 0; s < HTML_N_STYLES; s++)
		for (size_t i = 0; i < v->curve_len[s]; i++)
			peak = fmax(peak, v->curve_n[s][i]);
	if (peak <= 0) {
		fputs("<p class=\"note\">No socket of the cell was seen.</p>\n", f);
		return;
	}
	fprintf(f, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"sockets in each "
		"state over time\">\n", W, base + 34);
	pile_key(f, v);
	step = nice_step(peak, 4) < 1 ? 1 : nice_step(peak, 4);
	for (double n = 0; n <= peak; n += step) {
		double y = base - n / peak * h;

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", LEFT, y,
			LEFT + PW, y, LEFT - 6, y + 4, n);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">sockets</text>\n",
		LEFT - 6, top - 8);
	for (int s = 0; s < HTML_N_STYLES; s++)
		if (v->curve_len[s])
			pile_curve(f, v, s, peak, base, h, labels++);
	axis_x(f, v->t_begin, v->t_end - v->t_begin, LEFT, PW, base,
	       "seconds from the cell's start");
	fprintf(f, "</svg>\n<p class=\"note\">%s", v->curve_from_series ?
		"Counted in the samples (the cell's \"series\")." :
		"Counted from the connections' intervals, each state from the middle of its "
		"entry interval to the middle of its exit interval.");
	if (v->t_begin > 0)
		fprintf(f, " The time axes start at %.3f s: no socket was seen before.",
			v->t_begin);
	fputs("</p>\n", f);
}

/* ---- lanes ---- */

/* The packet's letter: its most telling TCP flag. */
static char pkt_letter(const char *flags)
{
	static const char order[] = "RFSP";

	for (const char *o = order; *o; o++)
		if (strchr(flags, *o))
			return *o;
	return *flags ? flags[0] : '?';
}

static void lane_seg(FILE *f, const struct html_view *v, const struct html_seg *g, double y)
{
	const struct html_style *st = &html_styles[g->style];
	double x0 = xof(v, g->in_lo), x0c = xof(v, g->in_hi);
	double x1c = g->open ? xof(v, v->t_end) : xof(v, g->out_lo);
	double x1 = g->open ? x1c : xof(v, g->out_hi);
	bool timer = g->timer[0] && strcmp(g->timer, "none");

	fprintf(f, "<g><title>%s%s%s%s, entered %.6f..%.6f s, ", st->name,
		g->owner == HO_HELD ? ", held" : g->owner == HO_ORPHAN ? ", orphan" : "",
		timer ? ", timer " : "", timer ? g->timer : "", g->in_lo, g->in_hi);
	if (g->open)
		fprintf(f, "%s</title>", g->unseen ? "end not seen" : "still in it at the end");
	else
		fprintf(f, "left %.6f..%.6f s</title>", g->out_lo, g->out_hi);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" fill=\"%s\" "
		"opacity=\"0.35\"/>", x0, y, fmax(x1 - x0, 1), st->colour);
	if (x1c > x0c)
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" fill=\"%s\"%s/>",
			x0c, y, fmax(x1c - x0c, 1), st->colour,
			g->owner == HO_UNKNOWN ? " opacity=\"0.7\"" : "");
	if (g->owner == HO_ORPHAN && x1c > x0c)
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" "
			"fill=\"url(#fw-orphan)\"/>", x0c, y, x1c - x0c);
	if (x1c - x0c >= 26)	/* outlined in the bar's colour, legible over the hatching */
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"9\" "
			"stroke=\"%s\" stroke-width=\"3\" paint-order=\"stroke\">%s</text>",
			x0c + 3, y + 8.5, st->ink, st->colour, st->abbr);
	if (g->open)
		fprintf(f, "<path d=\"M%.1f %.1fl6 5l-6 5z\" fill=\"#222\"/>", x1, y);
	if (timer)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" "
			"stroke-dasharray=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"8\">%c"
			"</text>", x0c, y + 12.5, x1c, y + 12.5,
			g->timer[0] == 'k' ? "1 2" : g->timer[0] == 'r' ? "4 2" : "",
			x1c + 2, y + 15, g->timer[0]);
	fputs("</g>\n", f);
	if (g->owner == HO_HELD && g->process[0] && x1c - x0c > 36 + 5.0 * strlen(g->process)) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" fill=\"%s\" stroke=\"%s\" "
			"stroke-width=\"3\" paint-order=\"stroke\">held by ", x0c + 30, y + 8,
			st->ink, st->colour);
		html_esc(f, g->process);
		fputs("</text>\n", f);
	}
}

/* A lane's packets: each its flag's letter, sent above the bar, received below; a letter
 * closer than 7 px to the one before it in its row is left out (the SYN, request and
 * response crowd the start), unless it is a FIN or a RST. */
static void lane_pkts(FILE *f, const struct html_view *v, const struct html_lane *l,
		      double y_bar)
{
	double last[2] = { -100, -100 };

	for (size_t i = 0; i < l->n_pkts; i++) {
		const struct html_pkt *p = &l->pkts[i];
		double x = xof(v, p->t);
		char c = pkt_letter(p->flags);

		if (x - last[p->out] < 7 && c != 'F' && c != 'R')
			continue;
		last[p->out] = x;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"8\">"
			"<title>%.6f s %s ", x, p->out ? y_bar - 1.5 : y_bar + 25, p->t,
			p->out ? "out" : "in");
		html_esc(f, p->flags);
		fputc(' ', f);
		html_esc(f, p->kind);
		fprintf(f, "</title>%c</text>\n", c);
	}
}

void html_svg_lanes(FILE *f, const struct html_view *v)
{
	bool pkts = false;
	double lh, y;

	if (!v->n_lanes) {
		fputs("<p class=\"note\">No connections in this cell.</p>\n", f);
		return;
	}
	for (size_t i = 0; i < v->n_lanes; i++)
		pkts |= v->lanes[i].n_pkts > 0;
	lh = pkts ? 34 : 24;
	fprintf(f, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"a lane per "
		"connection\">\n", W, 16 + lh * (double)v->n_lanes + 34);
	for (size_t i = 0; i < v->n_lanes; i++) {
		const struct html_lane *l = &v->lanes[i];

		y = 16 + lh * (double)i + (pkts ? 10 : 4);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"><title>", LEFT - 8,
			y + 9);
		html_esc(f, l->local);
		fputs(" ↔ ", f);
		html_esc(f, l->remote);
		if (v->grouped)
			fprintf(f, ": %zu connections of this shape, entering %.3f..%.3f s; drawn: "
				"the first", l->count, l->start_min, l->start_max);
		if (l->pkts_dropped)
			fprintf(f, "; %zu more packets not drawn", l->pkts_dropped);
		fputs("</title>", f);
		if (v->grouped)
			fprintf(f, "×%zu like ", l->count);
		html_esc(f, l->remote);
		fputs("</text>\n", f);
		if (v->grouped && l->start_max > l->start_min)
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#999\" stroke-width=\"3\"><title>the %zu connections entered "
				"between %.3f and %.3f s</title></line>\n", xof(v, l->start_min),
				y + (pkts ? 16 : -3), xof(v, l->start_max), y + (pkts ? 16 : -3),
				l->count, l->start_min, l->start_max);
		for (size_t k = 0; k < l->n_segs; k++)
			lane_seg(f, v, &l->segs[k], y);
		lane_pkts(f, v, l, y);
	}
	axis_x(f, v->t_begin, v->t_end - v->t_begin, LEFT, PW, 16 + lh * (double)v->n_lanes,
	       "seconds from the cell's start");
	fputs("</svg>\n", f);
	if (v->grouped)
		fprintf(f, "<p class=\"note\">%zu connections, grouped by the shape of their lanes "
			"(states, owners, timers, lengths within a quarter octave); the %zu most "
			"common shapes are drawn, each as its first connection, with its count; "
			"%zu connections in %zu other shapes are not drawn.</p>\n", v->n_conns,
			v->n_lanes, v->other_conns, v->other_shapes);
}

/* ---- the histogram of FIN_WAIT2 lifetimes ---- */

/* The histogram's window [a, a + range]: the lifetimes and the expected range, with
 * room; its bins no narrower than the bins the lifetimes were counted in. */
struct hwin {
	double a, range;
	int bins;
};

static struct hwin hist_window(const struct html_view *v)
{
	const struct html_bins *b = v->life;
	double lo = INFINITY, hi = 0, pad, per;
	struct hwin w;

	for (size_t i = 0; i < HTML_BINS; i++)
		if (b->v[i] > 0) {
			lo = fmin(lo, (double)i * b->width);
			hi = (double)(i + 1) * b->width;
		}
	if (v->life_open) {
		lo = fmin(lo, v->life_open_min);
		hi = fmax(hi, v->life_open_min + b->width);
	}
	if (v->has_expect) {
		lo = fmin(lo, v->expect_min);
		hi = fmax(hi, v->expect_open ? v->expect_min * 1.05 : v->expect_max);
	}
	pad = fmax((hi - lo) * 0.1, 2 * b->width);
	/* whole counting bins a bar, and bars on their edges: no bar gets an extra one */
	w.a = floor(fmax(lo - pad, 0) / b->width) * b->width;
	per = fmax(1, ceil((hi + pad - w.a) / b->width / HIST_BINS));
	w.bins = (int)fmax(1, ceil((hi + pad - w.a) / (per * b->width)));
	w.range = w.bins * per * b->width;
	return w;
}

static double hx(const struct hwin *w, double t)
{
	return LEFT + fmin(fmax(t - w->a, 0), w->range) / w->range * PW;
}

static void hist_expect(FILE *f, const struct html_view *v, const struct hwin *w, double top,
			double h)
{
	double x0 = hx(w, v->expect_min);
	double x1 = v->expect_open ? LEFT + PW : hx(w, v->expect_max);

	fprintf(f, "<g><title>expected: %.3f..", v->expect_min);
	if (v->expect_open)
		fputs("forever", f);
	else
		fprintf(f, "%.3f s", v->expect_max);
	fprintf(f, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"#000\" opacity=\"0.08\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		"y2=\"%.1f\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>", x0, top,
		fmax(x1 - x0, 1), h, x0, top, x0, top + h);
	if (!v->expect_open)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
			"stroke-dasharray=\"4 3\"/>", x1, top, x1, top + h);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">expected %s</text></g>\n", x0 + 3, top - 4,
		v->expect_open ? "(no end: forever)" : "range");
}

static void hist_open(FILE *f, const struct html_view *v, const struct hwin *w, double base,
		      double bh)
{
	double x = hx(w, v->life_open_min);

	fprintf(f, "<g><title>%zu still in FIN_WAIT2 at the end, seen for at least %.3f s"
		"</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"url(#fw-open)\" stroke=\"#222\"/><text x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"end\">%zu still open ▶</text></g>\n", v->life_open,
		v->life_open_min, x, base - bh, PW / w->bins, bh, x - 3, base - 4, v->life_open);
}

void html_svg_hist(FILE *f, const struct html_view *v)
{
	const double top = 22, h = 130, base = top + h;
	struct hwin w = hist_window(v);
	double bins[HIST_BINS] = { 0 }, most = 0, bw = PW / w.bins;

	if (!v->life_ended && !v->life_open) {
		fputs("<p class=\"note\">No socket of the cell was seen in FIN_WAIT2.</p>\n", f);
		return;
	}
	for (size_t i = 0; i < HTML_BINS; i++) {
		double c = ((double)i + 0.5) * v->life->width;
		int k = (int)fmin(fmax((c - w.a) / w.range * w.bins, 0), w.bins - 1);

		bins[k] += v->life->v[i];
	}
	for (int k = 0; k < w.bins; k++)
		most = fmax(most, bins[k]);
	most = fmax(most, (double)v->life_open);
	fprintf(f, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"FIN_WAIT2 "
		"lifetimes\">\n", W, base + 34);
	if (v->has_expect)
		hist_expect(f, v, &w, top, h);
	for (int k = 0; k < w.bins; k++) {
		double bh = bins[k] / most * h;

		if (bins[k] <= 0)
			continue;
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"><title>%.0f ended in %.4f..%.4f s</title></rect>\n",
			LEFT + k * bw + 1, base - bh, fmax(bw - 2, 1), bh,
			html_styles[html_style_of("FIN_WAIT2")].colour, bins[k],
			w.a + k * w.range / w.bins, w.a + (k + 1) * w.range / w.bins);
	}
	if (v->life_open)
		hist_open(f, v, &w, base, (double)v->life_open / most * h);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text><text x=\"%.1f\" "
		"y=\"%.1f\" text-anchor=\"end\">sockets</text>\n", LEFT - 6, top + 4, most,
		LEFT - 6, base);
	axis_x(f, w.a, w.range, LEFT, PW, base, "FIN_WAIT2 lifetime, seconds");
	fprintf(f, "</svg>\n<p class=\"note\">%zu ended (each at the middle of its lifetime's "
		"[min, max], counted in bins of %.3g s); %zu still open at the end.</p>\n",
		v->life_ended, v->life->width, v->life_open);
}

/* ---- the legend ---- */

void html_svg_legend(FILE *f)
{
	double x = 10;

	/* The patterns every picture of the page refers to. */
	fputs("<svg viewBox=\"0 0 960 132\" role=\"img\" aria-label=\"legend\">\n<defs>"
	      "<pattern id=\"fw-orphan\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"2.5\" height=\"6\" fill=\"#fff\" "
	      "opacity=\"0.75\"/></pattern><pattern id=\"fw-open\" width=\"4\" height=\"4\" "
	      "patternUnits=\"userSpaceOnUse\"><rect width=\"2\" height=\"2\" fill=\"#D55E00\"/>"
	      "</pattern></defs>\n", f);
	for (int s = 0; s < HTML_N_STYLES - 1; s++) {
		const struct html_style *st = &html_styles[s];

		fprintf(f, "<rect x=\"%.0f\" y=\"6\" width=\"30\" height=\"12\" fill=\"%s\"/><text "
			"x=\"%.0f\" y=\"15.5\" fill=\"%s\" font-size=\"9\">%s</text><text x=\"%.0f\" "
			"y=\"15.5\">%s</text>\n", x, st->colour, x + 3, st->ink, st->abbr, x + 34,
			st->name);
		x += 44 + 6.6 * strlen(st->name);
	}
	fputs("<rect x=\"10\" y=\"32\" width=\"40\" height=\"12\" fill=\"#D55E00\"/>"
	      "<text x=\"56\" y=\"42\">held (an application has the socket)</text>"
	      "<rect x=\"290\" y=\"32\" width=\"40\" height=\"12\" fill=\"#D55E00\"/>"
	      "<rect x=\"290\" y=\"32\" width=\"40\" height=\"12\" fill=\"url(#fw-orphan)\"/>"
	      "<text x=\"336\" y=\"42\">orphan (closed, the kernel's)</text>"
	      "<rect x=\"540\" y=\"32\" width=\"40\" height=\"12\" fill=\"#0072B2\" "
	      "opacity=\"0.7\"/><text x=\"586\" y=\"42\">owner not recorded</text>"
	      "<rect x=\"730\" y=\"32\" width=\"14\" height=\"12\" fill=\"#0072B2\" "
	      "opacity=\"0.35\"/><rect x=\"744\" y=\"32\" width=\"26\" height=\"12\" "
	      "fill=\"#0072B2\"/><text x=\"776\" y=\"42\">pale: between two samples</text>\n"
	      "<line x1=\"10\" y1=\"64\" x2=\"50\" y2=\"64\" stroke=\"#222\" "
	      "stroke-dasharray=\"1 2\"/><text x=\"56\" y=\"68\">under a bar: the kernel timer "
	      "running (first letter; hover for its name)</text>"
	      "<path d=\"M540 58l6 5l-6 5z\" fill=\"#222\"/><text x=\"552\" y=\"68\">still in the "
	      "state at the end</text>\n"
	      "<text x=\"10\" y=\"86\"><tspan font-weight=\"bold\">F R S P A</tspan>: a "
	      "packet's TCP flag (FIN, RST, SYN, data, ACK only), above a bar when "
	      "sent, below when received; hover for its kind (keepalive probe, ...)</text>\n"
	      "<line x1=\"10\" y1=\"100\" x2=\"50\" y2=\"100\" stroke=\"#999\" "
	      "stroke-width=\"3\"/><text x=\"56\" y=\"104\">on a lane that stands for many "
	      "connections: when they entered, from the first to the last</text>\n"
	      "<text x=\"10\" y=\"124\">Hover over a bar, a curve or a packet for its exact "
	      "times. Curves are told apart by dash and label as well as colour.</text>\n"
	      "</svg>\n", f);
}
