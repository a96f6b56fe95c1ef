/* report_html: the JSON report read as a stream and the page around the cells: its head
 * (the Content-Security-Policy, the style), the summary table and the legend. Each cell's
 * section is written by html_cell.c as soon as the cell's text ends; the summary, which
 * comes first on the page, is kept as one short row a cell. */
#include "report_html.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "html_priv.h"
#include "report_priv.h"
#include "report_read.h"
#include "schema.h"

/* ---- the stream: the header, each cell without its connections, each connection ----
 *
 * A byte scanner follows the JSON's nesting (strings and escapes included) and routes
 * each byte: the top object's text, minus the elements of its "cells" array, to head; a
 * cell's text, minus the elements of its "connections" array, to cell; each connection to
 * conn. Each piece is parsed by json-c (which checks the syntax) when it ends, so memory
 * holds one cell's skeleton and one connection, never a whole cell. */

#define SCAN_DEPTH 64

struct jbuf {
	char *p;
	size_t len, cap;
};

struct summary_row {
	char *name, *verdict, *measured, *expected, *reason;
	struct json_object *params;
};

struct page {
	FILE *body;		/* the cells' sections, in a memory stream */
	char *body_text;
	size_t body_len;
	struct summary_row *rows;
	size_t n_rows, cap_rows;
};

struct scan {
	const char *name;
	int line;
	int depth;
	char ctx[SCAN_DEPTH];
	bool in_str, esc, key_str, expect_key;
	char key[16];
	size_t key_len;
	char cur_key[4][16];		/* the member being read at depths 1..3 */
	bool in_cells, in_cell, in_conns, in_conn;
	struct jbuf head, cell, conn;
	int cell_line;
	struct html_cell *hc;
	struct page *pg;
	struct fw_err *err;
};

static int jbuf_put(struct jbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *p = realloc(b->p, cap);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
	return 0;
}

static int scan_fail(struct scan *s, int line, const char *what)
{
	return fw_err_set(s->err, -EINVAL, s->name, line, "%s", what);
}

/* Parses a piece that ended; NULL (err filled) when json-c refuses it. */
static struct json_object *scan_parse(struct scan *s, struct jbuf *b, int line,
				      const char *what)
{
	enum json_tokener_error jerr = json_tokener_success;
	struct json_object *o = json_tokener_parse_verbose(b->p ? b->p : "", &jerr);

	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		fw_err_set(s->err, -EINVAL, s->name, line, "%s is not a JSON object (%s)", what,
			   jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "wrong type");
		return NULL;
	}
	b->len = 0;
	return o;
}

static int page_cell(struct page *pg, struct html_cell *hc, struct json_object *cell);

static int scan_conn_end(struct scan *s)
{
	struct json_object *o = scan_parse(s, &s->conn, s->line, "a connection");
	int ret;

	if (!o)
		return -EINVAL;
	ret = html_cell_conn(s->hc, o);
	json_object_put(o);
	return ret;
}

static int scan_cell_end(struct scan *s)
{
	struct json_object *o = scan_parse(s, &s->cell, s->cell_line, "a cell");
	int ret;

	if (!o)
		return -EINVAL;
	ret = page_cell(s->pg, s->hc, o);
	json_object_put(o);
	html_cell_free(s->hc);
	s->hc = NULL;
	return ret;
}

/* Where byte c goes: NULL to drop it (the separators between cells or connections). */
static struct jbuf *scan_sink(struct scan *s)
{
	if (s->in_conn)
		return &s->conn;
	if (s->in_conns)
		return NULL;
	if (s->in_cell)
		return &s->cell;
	if (s->in_cells)
		return NULL;
	return &s->head;
}

static int scan_open(struct scan *s, char c)
{
	struct jbuf *sink;

	if (s->depth >= SCAN_DEPTH)
		return scan_fail(s, s->line, "nested too deeply for a finwait report");
	if (s->in_cells && !s->in_cell && s->depth == 2) {
		if (c != '{')
			return scan_fail(s, s->line, "a cell is not an object");
		s->in_cell = true;
		s->cell_line = s->line;
		s->cell.len = 0;
		if (!(s->hc = html_cell_new()))
			return -ENOMEM;
	} else if (s->in_conns && !s->in_conn && s->depth == 4) {
		if (c != '{')
			return scan_fail(s, s->line, "a connection is not an object");
		s->in_conn = true;
		s->conn.len = 0;
	}
	sink = scan_sink(s);
	if (sink && jbuf_put(sink, c))
		return -ENOMEM;
	s->ctx[s->depth++] = c;
	s->expect_key = c == '{';
	if (c == '[' && s->depth == 2 && s->ctx[0] == '{' && !s->in_cells &&
	    !strcmp(s->cur_key[1], "cells"))
		s->in_cells = true;
	else if (c == '[' && s->in_cell && !s->in_conn && s->depth == 4 &&
		 !strcmp(s->cur_key[3], "connections"))
		s->in_conns = true;
	return 0;
}

static int scan_close(struct scan *s, char c)
{
	struct jbuf *sink;

	if (!s->depth || s->ctx[s->depth - 1] != (c == '}' ? '{' : '['))
		return scan_fail(s, s->line, "unbalanced brackets");
	s->depth--;
	s->expect_key = false;
	if (s->in_conn && s->depth == 4) {
		s->in_conn = false;
		return jbuf_put(&s->conn, c) ? -ENOMEM : scan_conn_end(s);
	}
	if (s->in_conns && !s->in_conn && s->depth == 3) {
		s->in_conns = false;
		return jbuf_put(&s->cell, c) ? -ENOMEM : 0;
	}
	if (s->in_cell && s->depth == 2) {
		s->in_cell = false;
		return jbuf_put(&s->cell, c) ? -ENOMEM : scan_cell_end(s);
	}
	if (s->in_cells && !s->in_cell && s->depth == 1)
		s->in_cells = false;
	sink = scan_sink(s);
	return sink && jbuf_put(sink, c) ? -ENOMEM : 0;
}

static int scan_string_byte(struct scan *s, char c, struct jbuf *sink)
{
	if (s->esc)
		s->esc = false;
	else if (c == '\\')
		s->esc = true;
	else if (c == '"')
		s->in_str = false;
	if (s->in_str && s->key_str && s->key_len + 1 < sizeof(s->key))
		s->key[s->key_len++] = c;
	if (!sink)
		return scan_fail(s, s->line, "text between the cells or the connections");
	return jbuf_put(sink, c) ? -ENOMEM : 0;
}

static int scan_byte(struct scan *s, char c)
{
	struct jbuf *sink = scan_sink(s);

	if (c == '\n')
		s->line++;
	if (s->in_str)
		return scan_string_byte(s, c, sink);
	switch (c) {
	case '{': case '[':
		return scan_open(s, c);
	case '}': case ']':
		return scan_close(s, c);
	case '"':
		s->in_str = true;
		s->key_str = s->expect_key;
		s->expect_key = false;
		s->key_len = 0;
		break;
	case ':':
		if (s->depth >= 1 && s->depth <= 3) {
			memcpy(s->cur_key[s->depth], s->key, s->key_len);
			s->cur_key[s->depth][s->key_len] = '\0';
		}
		break;
	case ',':
		s->expect_key = s->depth && s->ctx[s->depth - 1] == '{';
		break;
	case ' ': case '\t': case '\r': case '\n':
		break;
	default:
		if (!sink)
			return scan_fail(s, s->line, s->in_conns ? "a connection is not an object" :
					 "a cell is not an object");
	}
	return sink && jbuf_put(sink, c) ? -ENOMEM : 0;
}

/* ---- the page ---- */

static void row_free(struct summary_row *r)
{
	free(r->name);
	free(r->verdict);
	free(r->measured);
	free(r->expected);
	free(r->reason);
	json_object_put(r->params);
}

/* The table's FIN_WAIT2 and EXPECTED texts of a cell, through the reader `finwait merge`
 * uses; a dash each for a cell that lacks the keys. */
static int row_texts(struct summary_row *r, struct json_object *cell)
{
	struct report_cell rc = { 0 };
	struct fw_err err = { 0 };
	char m[96] = "–", e[64] = "–";

	if (!report_cell_read(cell, &rc, &err)) {
		report_measured_text(&rc, m, sizeof(m));
		report_expected_text(&rc.expect, e, sizeof(e));
	}
	report_cell_read_clear(&rc);
	r->measured = strdup(m);
	r->expected = strdup(e);
	return r->measured && r->expected ? 0 : -ENOMEM;
}

static int page_cell(struct page *pg, struct html_cell *hc, struct json_object *cell)
{
	struct summary_row *r;
	struct json_object *ex = NULL, *params = NULL;
	const char *name = html_str(cell, "name"), *verdict = html_str(cell, "verdict");

	if (pg->n_rows == pg->cap_rows) {
		size_t cap = pg->cap_rows ? pg->cap_rows * 2 : 16;
		struct summary_row *nr = realloc(pg->rows, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		pg->rows = nr;
		pg->cap_rows = cap;
	}
	r = &pg->rows[pg->n_rows];
	memset(r, 0, sizeof(*r));
	json_object_object_get_ex(cell, "expect", &ex);
	json_object_object_get_ex(cell, "params", &params);
	r->name = strdup(name ? name : "");
	r->verdict = strdup(verdict ? verdict : "");
	row_texts(r, cell);
	r->reason = strdup(html_str(ex, "why") ? html_str(ex, "why") : "");
	r->params = json_object_get(params);
	pg->n_rows++;
	if (!r->name || !r->verdict || !r->measured || !r->expected || !r->reason)
		return -ENOMEM;
	return html_cell_write(hc, cell, pg->n_rows - 1, pg->body);
}

static const char page_style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;background:#fff}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-top:1px solid #ccc;"
	"padding-top:.6em}h3{font-size:1em;margin:1em 0 .2em}"
	"table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;"
	"padding:2px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}"
	".pass{color:#005a8c;font-weight:bold}.fail{color:#b23c00;font-weight:bold}"
	".skip{color:#666;font-weight:bold}.why{color:#444;font-size:.92em}"
	".note{color:#555;font-size:.9em}svg{display:block;max-width:100%;height:auto}"
	"svg text{font:11px system-ui,sans-serif}code{font-size:.92em}"
	"details{margin:.3em 0}summary{cursor:pointer}";

/* Whether the page's cells differ in parameter key: one has another value, or none. */
static bool param_varies(const struct page *pg, const char *key, const char *v)
{
	for (size_t i = 0; i < pg->n_rows; i++) {
		struct json_object *o = NULL;

		if (!json_object_object_get_ex(pg->rows[i].params, key, &o) ||
		    strcmp(json_object_get_string(o), v ? v : ""))
			return true;
	}
	return false;
}

/* The parameters in which the page's cells differ, as key=value; the scenario's name
 * and description are in the cell's name already. */
static void put_varying(FILE *f, const struct page *pg, const struct summary_row *r)
{
	bool any = false;

	if (!json_object_is_type(r->params, json_type_object))
		return;
	json_object_object_foreach(r->params, key, val) {
		const char *v = json_object_get_string(val);
		const struct fw_key *k = fw_key_find(key);

		if (k == &fw_keys[FW_K_NAME] || k == &fw_keys[FW_K_DESCRIPTION] ||
		    !param_varies(pg, key, v))
			continue;
		fputs(any ? "<br><code>" : "<code>", f);
		html_esc(f, key);
		fputc('=', f);
		html_esc(f, v);
		fputs("</code>", f);
		any = true;
	}
}

/* The parameters every cell shares, once for the page. */
static void put_shared(FILE *f, const struct page *pg)
{
	struct json_object *params = pg->n_rows ? pg->rows[0].params : NULL;
	size_t n = 0;

	if (!json_object_is_type(params, json_type_object))
		return;
	json_object_object_foreach(params, k1, v1)
		n += !param_varies(pg, k1, json_object_get_string(v1));
	fprintf(f, "<details><summary>Parameters every cell shares (%zu; those that differ are "
		"in the table)</summary><table>\n", n);
	json_object_object_foreach(params, key, val) {
		if (param_varies(pg, key, json_object_get_string(val)))
			continue;
		fputs("<tr><td><code>", f);
		html_esc(f, key);
		fputs("</code></td><td>", f);
		html_esc(f, json_object_get_string(val));
		fputs("</td></tr>\n", f);
	}
	fputs("</table></details>\n", f);
}

static void put_summary(FILE *f, const struct page *pg)
{
	fputs("<h2 id=\"summary\">Summary</h2><table><tr><th>cell</th><th>parameters that "
	      "differ</th><th>FIN_WAIT2 p50/max (n)</th><th>expected</th><th>verdict</th>"
	      "<th>reason</th></tr>\n", f);
	for (size_t i = 0; i < pg->n_rows; i++) {
		const struct summary_row *r = &pg->rows[i];

		fprintf(f, "<tr><td><a href=\"#cell-%zu\">", i);
		html_esc(f, r->name);
		fputs("</a></td><td>", f);
		put_varying(f, pg, r);
		fputs("</td><td class=\"num\">", f);
		html_esc(f, r->measured);
		fputs("</td><td class=\"num\">", f);
		html_esc(f, r->expected);
		fputs("</td><td>", f);
		html_put_verdict(f, r->verdict);
		fputs("</td><td class=\"why\">", f);
		html_esc(f, r->reason);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void put_head(FILE *f, struct json_object *head, const struct page *pg)
{
	size_t pass = 0, fail = 0;

	for (size_t i = 0; i < pg->n_rows; i++) {
		pass += !strcmp(pg->rows[i].verdict, "pass");
		fail += !strcmp(pg->rows[i].verdict, "fail");
	}
	/* default-src 'none' forbids every fetch (images, fonts, frames, connections,
	 * scripts); form-action and base-uri are not covered by it. The style is inline. */
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>finwait ", f);
	html_esc(f, html_str(head, "finwait"));
	fprintf(f, ": %zu cells, %zu passed, %zu failed</title>\n<style>%s</style></head>\n"
		"<body>\n<h1>finwait ", pg->n_rows, pass, fail, page_style);
	html_esc(f, html_str(head, "finwait"));
	fputs(" report</h1>\n<p>kernel <code>", f);
	html_esc(f, html_str(head, "kernel"));
	fprintf(f, "</code>, HZ %.0f%s; %zu cell%s: %zu passed, %zu failed, %zu skipped. "
		"Times are seconds from each cell's start.</p>\n", html_num(head, "hz", 0),
		html_num(head, "hz", 0) ? "" : " (unknown)", pg->n_rows,
		pg->n_rows == 1 ? "" : "s", pass, fail, pg->n_rows - pass - fail);
}

static int page_write(FILE *out, struct json_object *head, struct page *pg)
{
	put_head(out, head, pg);
	put_summary(out, pg);
	put_shared(out, pg);
	fputs("<h3>Legend</h3>\n", out);
	html_svg_legend(out);
	if (pg->body_len)
		fwrite(pg->body_text, 1, pg->body_len, out);
	fputs("</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}

static int scan_stream(struct scan *s, FILE *json)
{
	char buf[65536];
	size_t n;
	int ret = 0;

	while (!ret && (n = fread(buf, 1, sizeof(buf), json)) > 0)
		for (size_t i = 0; !ret && i < n; i++)
			ret = scan_byte(s, buf[i]);
	if (ret)
		return ret;
	if (ferror(json))
		return fw_err_set(s->err, -EIO, s->name, 0, "cannot read: %s", strerror(errno));
	if (s->depth || s->in_str)
		return scan_fail(s, s->line, "the report ends early");
	return 0;
}

int report_html_from_json(FILE *json, const char *name, FILE *out, struct fw_err *err)
{
	struct page pg = { 0 };
	struct scan s = { .name = name, .line = 1, .pg = &pg, .err = err };
	struct json_object *head = NULL, *cells = NULL;
	int ret = -ENOMEM;

	pg.body = open_memstream(&pg.body_text, &pg.body_len);
	if (!pg.body)
		goto out;
	ret = scan_stream(&s, json);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!(head = scan_parse(&s, &s.head, 1, "the report")))
		goto out;
	if (!json_object_object_get_ex(head, "cells", &cells) ||
	    !json_object_is_type(cells, json_type_array)) {
		ret = fw_err_set(err, -EINVAL, name, 1, "no \"cells\" array: not a finwait report");
		goto out;
	}
	ret = fflush(pg.body) ? -ENOMEM : page_write(out, head, &pg);
out:
	if (ret == -ENOMEM)
		fw_err_set(err, ret, name, 0, "out of memory");
	html_cell_free(s.hc);
	json_object_put(head);
	if (pg.body)
		fclose(pg.body);
	free(pg.body_text);
	for (size_t i = 0; i < pg.n_rows; i++)
		row_free(&pg.rows[i]);
	free(pg.rows);
	free(s.head.p);
	free(s.cell.p);
	free(s.conn.p);
	return ret;
}

int report_html_via_json(int (*json)(const void *data, FILE *f), const void *data, FILE *f)
{
	FILE *tmp = tmpfile();
	struct fw_err err = { 0 };
	int ret;

	if (!tmp)
		return -errno;
	ret = json(data, tmp);
	if (!ret && (fflush(tmp) || fseek(tmp, 0, SEEK_SET)))
		ret = -EIO;
	if (!ret)
		ret = report_html_from_json(tmp, "the JSON report", f, &err);
	fclose(tmp);
	return ret;
}

static int json_of_report(const void *r, FILE *f)
{
	return report_write_json(r, f);
}

int report_write_html(const struct report *r, FILE *f)
{
	return report_html_via_json(json_of_report, r, f);
}
