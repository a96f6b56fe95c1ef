/* html_priv: what the HTML page's parts share (report_html.c: the stream and the page;
 * html_cell.c: one cell's aggregates; html_svg.c: its pictures). Not for other modules. */
#ifndef FINWAIT_HTML_PRIV_H
#define FINWAIT_HTML_PRIV_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- styles: one row per TCP state, with a colour of the Okabe-Ito palette (safe for
 * the common colour-blindnesses) and a dash pattern and abbreviation, so that colour is
 * never the only cue. The last row is every other state. ---- */
struct html_style {
	const char *name;	/* "FIN_WAIT2" */
	const char *abbr;	/* "FW2": written on bars and curves */
	const char *colour;
	const char *dash;	/* SVG stroke-dasharray of its curve, "" solid */
	const char *ink;	/* text on its colour */
};

#define HTML_N_STYLES 10
extern const struct html_style html_styles[HTML_N_STYLES];

/* Index of a state's style (the last one for an unknown name). */
int html_style_of(const char *state);

/* Writes s with &, <, >, " and ' escaped (for text and double-quoted attributes). */
void html_esc(FILE *f, const char *s);

/* Accessors that accept a missing key or a wrong type. */
double html_num(struct json_object *o, const char *key, double dflt);
const char *html_str(struct json_object *o, const char *key);	/* NULL when absent */
bool html_pair(struct json_object *o, const char *key, double *lo, double *hi);

/* ---- bins that double their width when a value falls beyond them: a bounded curve or
 * histogram of any range, its resolution 1/HTML_BINS of the range seen ---- */
#define HTML_BINS 512
struct html_bins {
	double width;		/* seconds a bin */
	int rows;
	double *v;		/* rows x HTML_BINS */
};

int html_bins_init(struct html_bins *b, int rows);
void html_bins_add(struct html_bins *b, int row, double t, double w);
void html_bins_free(struct html_bins *b);

/* ---- one connection as drawn: its states cut into phases ---- */
enum html_owner { HO_UNKNOWN, HO_HELD, HO_ORPHAN };

struct html_seg {
	double in_lo, in_hi, out_lo, out_hi;	/* out_*: the cell's end when open */
	bool open, unseen;
	uint8_t style;
	uint8_t owner;		/* enum html_owner */
	char timer[16];		/* the phase's kernel timer ("timer"), "" or "none": none */
	int pid;
	char process[24];
};

struct html_pkt {
	double t;
	bool out;
	char flags[8];
	char kind[24];
};

struct html_lane {
	char *local, *remote;
	struct html_seg *segs;
	size_t n_segs;
	struct html_pkt *pkts;
	size_t n_pkts;
	size_t pkts_dropped;	/* beyond the per-lane cap */
	size_t count;		/* connections it stands for (a group's) */
	double start_min, start_max;	/* their first entries */
};

/* ---- one cell's aggregates, fed one connection at a time ---- */
struct html_cell;

struct html_cell *html_cell_new(void);
void html_cell_free(struct html_cell *hc);
/* Folds one connection object of the JSON into hc. Returns 0 or -ENOMEM. */
int html_cell_conn(struct html_cell *hc, struct json_object *conn);
/* Writes the cell's section (id "cell-INDEX") from its object (without connections) and
 * hc's aggregates. Returns 0 or -ENOMEM. */
int html_cell_write(struct html_cell *hc, struct json_object *cell, size_t index, FILE *f);

/* What the pictures need of a cell (html_cell.c fills it, html_svg.c draws it). */
struct html_view {
	double t_begin, t_end;		/* seconds: the edges of the time axes (t_begin is
					 * past an empty start of the cell, else 0) */
	const struct html_lane *lanes;	/* one per connection, or one per group */
	size_t n_lanes;
	bool grouped;			/* lanes stand for groups of connections */
	size_t n_conns, other_conns, other_shapes;	/* grouped: not drawn */
	/* the pile-up: per style, points (t, n) of a step curve, or NULL */
	const double *curve_t[HTML_N_STYLES], *curve_n[HTML_N_STYLES];
	size_t curve_len[HTML_N_STYLES];
	bool curve_from_series;		/* "series", else the connections' intervals */
	/* FIN_WAIT2 lifetimes (midpoints of the ended ones) and the expected range */
	const struct html_bins *life;
	size_t life_ended, life_open;
	double life_open_min;		/* the shortest a still-open one was seen */
	bool has_expect, expect_open;	/* expect_open: no upper bound (forever) */
	double expect_min, expect_max;
};

/* The cell's own keys (html_keys.c): the section's opening (id "cell-INDEX", its name,
 * verdict, reason, expectations and socket options), and its end (the kernel counters). A verdict as a word and a symbol. */
void html_put_cell_head(FILE *f, struct json_object *cell, size_t index);
void html_put_cell_tail(FILE *f, struct json_object *cell);
void html_put_verdict(FILE *f, const char *verdict);

void html_svg_pileup(FILE *f, const struct html_view *v);
void html_svg_lanes(FILE *f, const struct html_view *v);
void html_svg_hist(FILE *f, const struct html_view *v);
/* The legend of states, owners, timers and packets (once a page). */
void html_svg_legend(FILE *f);

#endif
