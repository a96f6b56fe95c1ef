/* html_keys: the parts of a cell's section that come from its own keys: name, verdict,
 * reason, "expects", "server_sockopts" and "counters" ("params" are in the summary). */
#include <string.h>

#include "html_priv.h"

void html_put_verdict(FILE *f, const char *v)
{
	const char *cls = !v ? "skip" : !strcmp(v, "pass") ? "pass" :
			  !strcmp(v, "fail") ? "fail" : "skip";
	const char *sym = !strcmp(cls, "pass") ? "✔ " : !strcmp(cls, "fail") ? "✘ " : "– ";

	fprintf(f, "<span class=\"%s\">%s", cls, sym);
	html_esc(f, v ? v : "?");
	fputs("</span>", f);
}

/* A number of seconds, or a dash for null. */
static void put_sec(FILE *f, struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v) && v)
		fprintf(f, "%.3f", json_object_get_double(v));
	else
		fputs("–", f);
}

/* "expects": a row per state: what it was held to, how that went, what was measured. */
static void put_expects(FILE *f, struct json_object *cell)
{
	struct json_object *all = NULL;

	if (!json_object_object_get_ex(cell, "expects", &all) ||
	    !json_object_is_type(all, json_type_object))
		return;
	fputs("<table><tr><th>state</th><th>expected min..max (s)</th><th>verdict</th>"
	      "<th>why</th></tr>\n", f);
	json_object_object_foreach(all, state, e) {
		fputs("<tr><td>", f);
		html_esc(f, state);
		fputs("</td><td class=\"num\">", f);
		put_sec(f, e, "min");
		fputs("..", f);
		put_sec(f, e, "max");
		fputs("</td><td>", f);
		html_put_verdict(f, html_str(e, "verdict"));
		fputs("</td><td class=\"why\">", f);
		html_esc(f, html_str(e, "why"));
		if (html_str(e, "measured")) {
			fputs("<br>", f);
			html_esc(f, html_str(e, "measured"));
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* Every key of o as "key value" pairs on one line (objects and arrays skipped). */
static void put_flat(FILE *f, struct json_object *o)
{
	bool first = true;

	json_object_object_foreach(o, key, val) {
		if (json_object_is_type(val, json_type_object) ||
		    json_object_is_type(val, json_type_array))
			continue;
		fputs(first ? "<code>" : ", <code>", f);
		html_esc(f, key);
		fputs("</code> ", f);
		html_esc(f, val ? json_object_get_string(val) : "null");
		first = false;
	}
}

void html_put_cell_head(FILE *f, struct json_object *cell, size_t index)
{
	struct json_object *ex = NULL, *so = NULL;
	const char *name = html_str(cell, "name");

	json_object_object_get_ex(cell, "expect", &ex);
	fprintf(f, "<section id=\"cell-%zu\" data-cell=\"", index);
	html_esc(f, name);
	fputs("\">\n<h2>", f);
	html_esc(f, name);
	fputs(" &nbsp;", f);
	html_put_verdict(f, html_str(cell, "verdict"));
	fputs("</h2>\n<p class=\"why\">", f);
	html_esc(f, html_str(ex, "why"));
	fputs("</p>\n", f);
	if (html_str(cell, "error")) {
		fputs("<p class=\"why\"><b>error:</b> ", f);
		html_esc(f, html_str(cell, "error"));
		fputs("</p>\n", f);
	}
	put_expects(f, cell);
	if (json_object_object_get_ex(cell, "server_sockopts", &so) &&
	    json_object_is_type(so, json_type_object)) {
		fputs("<p class=\"note\">server's socket options: ", f);
		put_flat(f, so);
		fputs("</p>\n", f);
	}
}

/* One counter's row: its change, and what a rule expected of it when one did. */
static void counter_row(FILE *f, const char *key, struct json_object *val,
			struct json_object *exp)
{
	fputs("<tr><td><code>", f);
	html_esc(f, key);
	fputs("</code></td><td class=\"num\">", f);
	html_esc(f, val ? json_object_get_string(val) : "–");
	fputs("</td><td class=\"num\">", f);
	if (exp) {
		html_esc(f, json_object_get_string(json_object_object_get(exp, "min")));
		fputs("..", f);
		html_esc(f, json_object_get_string(json_object_object_get(exp, "max")));
		fputs("</td><td>", f);
		html_put_verdict(f, html_str(exp, "verdict"));
		fputs("</td><td class=\"why\">", f);
		html_esc(f, html_str(exp, "why"));
	} else {
		fputs("</td><td></td><td>", f);
	}
	fputs("</td></tr>\n", f);
}

static bool moved(struct json_object *val)
{
	return val && !json_object_is_type(val, json_type_object) &&
	       !json_object_is_type(val, json_type_array) && json_object_get_double(val) != 0;
}

/* "counters": the ones that moved or that a rule expected ("counters_expected"), in a
 * table; the count of the others. */
static void put_counters(FILE *f, struct json_object *cell)
{
	struct json_object *ctr = NULL, *exps = NULL;
	size_t still = 0, rows = 0;

	fputs("<h3>Kernel counters</h3>\n", f);
	if (!json_object_object_get_ex(cell, "counters", &ctr) ||
	    !json_object_is_type(ctr, json_type_object)) {
		fputs("<p class=\"note\">This report has no kernel counters for the cell.</p>\n",
		      f);
		return;
	}
	json_object_object_get_ex(cell, "counters_expected", &exps);
	json_object_object_foreach(ctr, key, val) {
		struct json_object *exp = NULL;

		json_object_object_get_ex(exps, key, &exp);
		if (!moved(val) && !exp) {
			still++;
			continue;
		}
		fputs(rows++ ? "" : "<table><tr><th>counter</th><th>change over the cell</th>"
		      "<th>expected</th><th>verdict</th><th>why</th></tr>\n", f);
		counter_row(f, key, val, exp);
	}
	if (rows)
		fputs("</table>\n", f);
	fprintf(f, "<p class=\"note\">The server namespace's TCP counters: %zu shown, %zu did "
		"not move.</p>\n", rows, still);
}

void html_put_cell_tail(FILE *f, struct json_object *cell)
{
	put_counters(f, cell);
	fputs("</section>\n", f);
}
