#include "report.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define TABLE_WIDTH 100

const char *report_verdict_name(enum report_verdict v)
{
	switch (v) {
	case REPORT_PASS: return "pass";
	case REPORT_FAIL: return "fail";
	default: return "skip";
	}
}

int report_fw2_stats(const struct report_conn *conns, size_t n, struct report_fw2 *out)
{
	int64_t *life = NULL;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		cap += conns[i].n_states;
	if (cap && !(life = malloc(cap * sizeof(*life))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < conns[i].n_states; j++) {
			const struct report_state *s = &conns[i].states[j];

			if (strcmp(s->state, "FIN_WAIT2"))
				continue;
			out->count++;
			if (s->span.open)
				out->forever++;
			else
				life[out->ended++] = s->span.life_min_ns +
						     (s->span.life_max_ns - s->span.life_min_ns) / 2;
		}
	if (out->ended) {
		sort_int64(life, out->ended);
		out->min_ns = life[0];
		out->p50_ns = pct_nearest_rank(life, out->ended, 50);
		out->p99_ns = pct_nearest_rank(life, out->ended, 99);
		out->max_ns = life[out->ended - 1];
	}
	free(life);
	return 0;
}

void report_count(const struct report *r, size_t *passed, size_t *failed, size_t *skipped)
{
	*passed = *failed = *skipped = 0;
	for (size_t i = 0; i < r->n_cells; i++) {
		if (r->cells[i].verdict == REPORT_PASS)
			(*passed)++;
		else if (r->cells[i].verdict == REPORT_FAIL)
			(*failed)++;
		else
			(*skipped)++;
	}
}

/* ---- table ---- */

static void measured_text(const struct report_cell *c, char *buf, size_t len)
{
	const struct report_fw2 *s = &c->fw2;

	if (!s->count)
		snprintf(buf, len, "none");
	else if (!s->ended)
		snprintf(buf, len, "forever (%zu)", s->count);
	else if (s->forever)
		snprintf(buf, len, "%.3f/%.3fs (%zu+%zu forever)", ns_to_s(s->p50_ns),
			 ns_to_s(s->max_ns), s->ended, s->forever);
	else
		snprintf(buf, len, "%.3f/%.3fs (%zu)", ns_to_s(s->p50_ns), ns_to_s(s->max_ns),
			 s->count);
}

static void expected_text(const struct prediction *p, char *buf, size_t len)
{
	if (p->kind == PRED_FOREVER)
		snprintf(buf, len, "forever");
	else if (p->kind == PRED_NONE)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%s%.3f..%.3fs", p->after_held ? "held+" : "",
			 ns_to_s(p->min_ns), ns_to_s(p->max_ns));
}

char *report_summary(const struct report *r, char *buf, size_t len)
{
	size_t passed, failed, skipped;
	char sk[32] = "";

	report_count(r, &passed, &failed, &skipped);
	if (skipped)
		snprintf(sk, sizeof(sk), " (%zu skipped)", skipped);
	snprintf(buf, len, "finwait: %zu cell%s in %.1f s%s: %zu passed, %zu failed", r->n_cells,
		 r->n_cells == 1 ? "" : "s", ns_to_s(r->elapsed_ns), sk, passed, failed);
	return buf;
}

int report_write_table(const struct report *r, FILE *f)
{
	static const char *const head[] = { "CELL", "FIN_WAIT2 p50/max (n)", "EXPECTED",
					    "VERDICT" };
	size_t wname = strlen(head[0]), wmeas = strlen(head[1]), wexp = strlen(head[2]);
	size_t wverd = strlen(head[3]), room;
	char m[96], e[64], sum[160];

	for (size_t i = 0; i < r->n_cells; i++) {
		const struct report_cell *c = &r->cells[i];
		size_t l = strlen(c->name);

		measured_text(c, m, sizeof(m));
		expected_text(&c->expect, e, sizeof(e));
		if (strlen(m) > wmeas)
			wmeas = strlen(m);
		if (strlen(e) > wexp)
			wexp = strlen(e);
		if (l > wname)
			wname = l;
	}
	/* Long names get a line of their own rather than push the row past the width. */
	room = TABLE_WIDTH - (wmeas + wexp + wverd + 6);
	if (wname > room)
		wname = room;
	fprintf(f, "%-*s  %-*s  %-*s  %s\n", (int)wname, head[0], (int)wmeas, head[1],
		(int)wexp, head[2], head[3]);
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct report_cell *c = &r->cells[i];

		measured_text(c, m, sizeof(m));
		expected_text(&c->expect, e, sizeof(e));
		if (strlen(c->name) > wname)
			fprintf(f, "%s\n%-*s", c->name, (int)wname, "");
		else
			fprintf(f, "%-*s", (int)wname, c->name);
		fprintf(f, "  %-*s  %-*s  %s\n", (int)wmeas, m, (int)wexp, e,
			report_verdict_name(c->verdict));
		if (c->expect.reason[0])
			fprintf(f, "    %s\n", c->expect.reason);
		if (c->error)
			fprintf(f, "    %s: %s\n", c->verdict == REPORT_SKIP ? "skipped" : "error",
				c->error);
	}
	fprintf(f, "%s\n", report_summary(r, sum, sizeof(sum)));
	return ferror(f) ? -EIO : 0;
}

/* ---- numbers ---- */

/* Seconds with nanosecond precision and no trailing zeros ("2.012", "4.0"). */
static char *sec_text(int64_t ns, char *buf, size_t len)
{
	const char *sign = ns < 0 ? "-" : "";
	int64_t a = ns < 0 ? -ns : ns;
	size_t n;

	snprintf(buf, len, "%s%lld.%09lld", sign, (long long)(a / NSEC_PER_SEC),
		 (long long)(a % NSEC_PER_SEC));
	n = strlen(buf);
	while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = '\0';
	return buf;
}

/* ---- JSON ---- */

static struct json_object *jsec(int64_t ns)
{
	char b[48];

	return json_object_new_double_s(ns_to_s(ns), sec_text(ns, b, sizeof(b)));
}

static struct json_object *jpair(int64_t lo, int64_t hi)
{
	struct json_object *a = json_object_new_array();

	if (a) {
		json_object_array_add(a, jsec(lo));
		json_object_array_add(a, jsec(hi));
	}
	return a;
}

static void jset(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static struct json_object *json_sockopts(const struct report_sockopts *so)
{
	struct json_object *o = json_object_new_object();

	if (so->pid)
		jset(o, "pid", json_object_new_int(so->pid));
	if (so->process)
		jset(o, "process", jstr(so->process));
	for (size_t i = 0; so->read && i < so->n_opts; i++)
		jset(o, so->opts[i].key, json_object_new_int64(so->opts[i].value));
	if (so->read && so->has_linger)
		jset(o, "so_linger", so->linger_on ? json_object_new_int(so->linger_s)
						   : jstr("off"));
	if (so->read && so->source)
		jset(o, "source", jstr(so->source));
	jset(o, "read", json_object_new_boolean(so->read));
	if (!so->read)
		jset(o, "why", jstr(so->why));
	return o;
}

/* "entered", "left" and "lifetime" of a state or a phase, into o. */
static void json_span(struct json_object *o, const struct report_span *sp)
{
	struct json_object *life = json_object_new_object();

	jset(o, "entered", jpair(sp->entered_lo_ns, sp->entered_hi_ns));
	jset(o, "left", sp->open ? NULL : jpair(sp->left_lo_ns, sp->left_hi_ns));
	jset(life, "min", jsec(sp->life_min_ns));
	jset(life, "max", sp->open ? NULL : jsec(sp->life_max_ns));
	jset(o, "lifetime", life);
}

static struct json_object *json_phase(const struct report_phase *p)
{
	struct json_object *o = json_object_new_object();

	jset(o, "owner", jstr(p->held ? "held" : "orphan"));
	jset(o, "process", p->process ? jstr(p->process) : NULL);
	jset(o, "pid", p->pid ? json_object_new_int(p->pid) : NULL);
	jset(o, "timer", jstr(p->timer));
	json_span(o, &p->span);
	jset(o, "rto", p->rto_ns ? jsec(p->rto_ns) : NULL);
	if (p->mixed)
		jset(o, "mixed", json_object_new_boolean(1));
	return o;
}

static struct json_object *json_state(const struct report_state *s)
{
	struct json_object *o = json_object_new_object(), *phases;

	jset(o, "state", jstr(s->state));
	json_span(o, &s->span);
	if (s->span.open && s->end_unseen)
		jset(o, "end_unseen", json_object_new_boolean(1));
	phases = json_object_new_array();
	for (size_t k = 0; k < s->n_phases; k++)
		json_object_array_add(phases, json_phase(&s->phases[k]));
	jset(o, "phases", phases);
	return o;
}

static struct json_object *json_conn(const struct report_conn *cn)
{
	struct json_object *o = json_object_new_object(), *states;

	jset(o, "local", jstr(cn->local));
	jset(o, "remote", jstr(cn->remote));
	states = json_object_new_array();
	for (size_t j = 0; j < cn->n_states; j++)
		json_object_array_add(states, json_state(&cn->states[j]));
	jset(o, "states", states);
	return o;
}

static struct json_object *json_cell(const struct report_cell *c)
{
	struct json_object *o = json_object_new_object(), *params, *fw, *ex;

	jset(o, "name", jstr(c->name));
	params = json_object_new_object();
	for (size_t i = 0; i < c->n_params; i++)
		jset(params, c->params[i].key, jstr(c->params[i].value));
	jset(o, "params", params);
	jset(o, "connections", json_object_new_array()); /* json_write_cell() fills it */
	fw = json_object_new_object();
	jset(fw, "count", json_object_new_int64((int64_t)c->fw2.count));
	jset(fw, "min", c->fw2.ended ? jsec(c->fw2.min_ns) : NULL);
	jset(fw, "p50", c->fw2.ended ? jsec(c->fw2.p50_ns) : NULL);
	jset(fw, "p99", c->fw2.ended ? jsec(c->fw2.p99_ns) : NULL);
	jset(fw, "max", c->fw2.ended ? jsec(c->fw2.max_ns) : NULL);
	jset(fw, "forever", json_object_new_int64((int64_t)c->fw2.forever));
	jset(o, "fin_wait2", fw);
	if (c->n_aggs) {
		struct json_object *all = json_object_new_object();

		for (size_t i = 0; i < c->n_aggs; i++) {
			const struct report_agg *a = &c->aggs[i];
			struct json_object *js = json_object_new_object();
			bool b = a->bounded > 0;

			jset(js, "count", json_object_new_int64((int64_t)a->count));
			jset(js, "bounded", json_object_new_int64((int64_t)a->bounded));
			jset(js, "forever", json_object_new_int64((int64_t)a->forever));
			jset(js, "peak", json_object_new_int64((int64_t)a->peak));
			jset(js, "min", b ? jpair(a->lo_min, a->hi_min) : NULL);
			jset(js, "p50", b ? jpair(a->lo_p50, a->hi_p50) : NULL);
			jset(js, "p99", b ? jpair(a->lo_p99, a->hi_p99) : NULL);
			jset(js, "max", b ? jpair(a->lo_max, a->hi_max) : NULL);
			jset(all, a->state, js);
		}
		jset(o, "states", all);
	}
	ex = json_object_new_object();
	if (c->expect.kind == PRED_FOREVER) {
		jset(ex, "min", jsec(c->limit_ns));
		jset(ex, "max", NULL);
	} else {
		jset(ex, "min", jsec(c->expect.min_ns));
		jset(ex, "max", jsec(c->expect.max_ns));
	}
	jset(ex, "why", jstr(c->expect.reason));
	jset(o, "expect", ex);
	jset(o, "verdict", jstr(report_verdict_name(c->verdict)));
	if (c->error)
		jset(o, "error", jstr(c->error));
	if (c->n_sockopts) {
		struct json_object *so = json_sockopts(&c->sockopts[0]), *others;

		if (c->n_sockopts > 1) {
			others = json_object_new_array();
			for (size_t i = 1; i < c->n_sockopts; i++)
				json_object_array_add(others, json_sockopts(&c->sockopts[i]));
			jset(so, "others", others);
		}
		jset(o, "server_sockopts", so);
	}
	return o;
}

/* The empty "connections" of json_cell()'s text, where json_write_cell() puts them. It
 * cannot occur earlier in the text: "name" and "params" hold strings only, whose quotes
 * are escaped. */
#define CONNS_SLOT "\"connections\": [ ]"

/* Writes cell c's object (without a line break): the cell without its connections first,
 * then each connection streamed into its slot, so that the memory taken is one
 * connection's tree, not the cell's (100 000 connections built as one tree took over a
 * gigabyte). The text is the one json-c would give for the whole tree. */
static int json_write_cell(FILE *f, const struct report_cell *c, int flags)
{
	struct json_object *cell = json_cell(c);
	const char *text = cell ? json_object_to_json_string_ext(cell, flags) : NULL;
	const char *slot = text ? strstr(text, CONNS_SLOT) : NULL;
	int ret = -ENOMEM;

	if (!slot)
		goto out;
	fprintf(f, "%.*s", (int)(slot + strlen(CONNS_SLOT) - 2 - text), text);
	for (size_t i = 0; i < c->n_conns; i++) {
		struct json_object *conn = json_conn(&c->conns[i]);
		const char *ct = conn ? json_object_to_json_string_ext(conn, flags) : NULL;

		if (ct)
			fprintf(f, "%s%s", i ? ", " : " ", ct);
		json_object_put(conn);
		if (!ct)
			goto out;
	}
	fputs(slot + strlen(CONNS_SLOT) - 2, f);
	ret = 0;
out:
	json_object_put(cell);
	return ret;
}

/* One line for the header and one per cell: readable, greppable, and compact enough for
 * cells of 100 000 connections (a pretty-printed state takes ~20 lines). */
int report_write_json(const struct report *r, FILE *f)
{
	const int flags = JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE;
	struct json_object *head = json_object_new_object();
	const char *text;
	size_t len;
	int ret = -ENOMEM;

	if (!head)
		return -ENOMEM;
	jset(head, "finwait", jstr(r->version));
	jset(head, "kernel", jstr(r->kernel));
	jset(head, "hz", json_object_new_int(r->hz));
	jset(head, "cells", json_object_new_array());
	text = json_object_to_json_string_ext(head, flags);
	if (!text)
		goto out;
	/* The header object ends in "[ ] }": open the array, write the cells, close it. */
	len = strlen(text);
	if (len < 5 || strcmp(text + len - 5, "[ ] }"))
		goto out;
	fprintf(f, "%.*s[\n", (int)(len - 5), text);
	for (size_t i = 0; i < r->n_cells; i++) {
		fputs("  ", f);
		if (json_write_cell(f, &r->cells[i], flags))
			goto out;
		fputs(i + 1 < r->n_cells ? ",\n" : "\n", f);
	}
	fprintf(f, "] }\n");
	ret = ferror(f) ? -EIO : 0;
out:
	json_object_put(head);
	return ret;
}

/* ---- JUnit XML ---- */

/* XML 1.0 text/attribute escaping; control characters it cannot carry become '?'. */
static void xml_put(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
				fputc('?', f);
			else
				fputc(ch, f);
		}
	}
}

int report_write_junit(const struct report *r, FILE *f)
{
	size_t passed, failed, skipped;

	report_count(r, &passed, &failed, &skipped);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"finwait\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" "
		   "time=\"%.3f\">\n", r->n_cells, failed, skipped, ns_to_s(r->elapsed_ns));
	fprintf(f, "  <testsuite name=\"finwait\" tests=\"%zu\" failures=\"%zu\" "
		   "errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n", r->n_cells, failed, skipped,
		ns_to_s(r->elapsed_ns));
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct report_cell *c = &r->cells[i];
		const char *br = strchr(c->name, '[');
		int scen_len = br ? (int)(br - c->name) : (int)strlen(c->name);
		char m[96], e[64], cls[160];

		snprintf(cls, sizeof(cls), "finwait.%.*s", scen_len, c->name);
		measured_text(c, m, sizeof(m));
		expected_text(&c->expect, e, sizeof(e));
		fputs("    <testcase classname=\"", f);
		xml_put(f, cls);
		fputs("\" name=\"", f);
		xml_put(f, c->name);
		fprintf(f, "\" time=\"%.3f\">\n", ns_to_s(c->elapsed_ns));
		if (c->verdict != REPORT_PASS) {
			fprintf(f, "      <%s message=\"", c->verdict == REPORT_FAIL ? "failure" :
				"skipped");
			xml_put(f, c->error ? c->error : c->verdict == REPORT_FAIL ?
				"expectation failed" : "skipped");
			fputs("\">", f);
			fputs("FIN_WAIT2 p50/max (n): ", f);
			xml_put(f, m);
			fputs("; expected: ", f);
			xml_put(f, e);
			fputs("; ", f);
			xml_put(f, c->expect.reason);
			fprintf(f, "</%s>\n", c->verdict == REPORT_FAIL ? "failure" : "skipped");
		}
		fputs("      <system-out>FIN_WAIT2 p50/max (n): ", f);
		xml_put(f, m);
		fputs("; expected: ", f);
		xml_put(f, e);
		fputs("; ", f);
		xml_put(f, c->expect.reason);
		fputs("</system-out>\n    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* ---- CSV ---- */

/* RFC 4180: quote a field holding a comma, a quote or a line break; double the quotes. */
static void csv_put(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* The phase columns of a state's row: phases, held_min, held_max (report.h). */
static void csv_phases(FILE *f, const struct report_state *s)
{
	int64_t hmin = 0, hmax = 0;
	bool bounded = true;
	char a[48];

	fputc(',', f);
	for (size_t k = 0; k < s->n_phases; k++) {
		const struct report_phase *p = &s->phases[k];

		fprintf(f, "%s%s/%s", k ? ";" : "", p->held ? "held" : "orphan", p->timer);
		if (!p->held)
			continue;
		hmin += p->span.life_min_ns;
		hmax += p->span.life_max_ns;
		bounded = bounded && !p->span.open;
	}
	if (!s->n_phases) {
		fputs(",,", f);
		return;
	}
	fprintf(f, ",%s", sec_text(hmin, a, sizeof(a)));
	fprintf(f, ",%s", bounded ? sec_text(hmax, a, sizeof(a)) : "");
}

static void csv_row(FILE *f, const struct report_cell *c, const struct report_conn *cn,
		    const struct report_state *s)
{
	const struct report_span *sp = &s->span;
	char a[48];

	csv_put(f, c->name);
	fputc(',', f);
	csv_put(f, cn->local);
	fputc(',', f);
	csv_put(f, cn->remote);
	fputc(',', f);
	csv_put(f, s->state);
	fprintf(f, ",%s", sec_text(sp->entered_lo_ns, a, sizeof(a)));
	fprintf(f, ",%s", sec_text(sp->entered_hi_ns, a, sizeof(a)));
	fprintf(f, ",%s", sp->open ? "" : sec_text(sp->left_lo_ns, a, sizeof(a)));
	fprintf(f, ",%s", sp->open ? "" : sec_text(sp->left_hi_ns, a, sizeof(a)));
	fprintf(f, ",%s", sec_text(sp->life_min_ns, a, sizeof(a)));
	fprintf(f, ",%s", sp->open ? "" : sec_text(sp->life_max_ns, a, sizeof(a)));
	csv_phases(f, s);
	fputs("\r\n", f);
}

int report_write_csv(const struct report *r, FILE *f)
{
	fputs("cell,local,remote,state,entered_lo,entered_hi,left_lo,left_hi,"
	      "lifetime_min,lifetime_max,phases,held_min,held_max\r\n", f);
	for (size_t i = 0; i < r->n_cells; i++) {
		const struct report_cell *c = &r->cells[i];

		for (size_t j = 0; j < c->n_conns; j++) {
			const struct report_conn *cn = &c->conns[j];

			for (size_t k = 0; k < cn->n_states; k++)
				csv_row(f, c, cn, &cn->states[k]);
		}
	}
	return ferror(f) ? -EIO : 0;
}
