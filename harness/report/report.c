#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report_priv.h"
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

void report_measured_text(const struct report_cell *c, char *buf, size_t len)
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

void report_expected_text(const struct prediction *p, char *buf, size_t len)
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

		report_measured_text(c, m, sizeof(m));
		report_expected_text(&c->expect, e, sizeof(e));
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

		report_measured_text(c, m, sizeof(m));
		report_expected_text(&c->expect, e, sizeof(e));
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
char *report_sec_text(int64_t ns, char *buf, size_t len)
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

/* ---- JUnit XML ---- */

/* XML 1.0 text/attribute escaping; control characters it cannot carry become '?', bytes
 * that are not UTF-8 (the document says it is) U+FFFD. */
static void xml_put(FILE *f, const char *text)
{
	char *fixed = text ? utf8_sanitize(text) : NULL;

	for (const char *s = fixed ? fixed : text; s && *s; s++) {
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
	free(fixed);
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
		report_measured_text(c, m, sizeof(m));
		report_expected_text(&c->expect, e, sizeof(e));
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
	fprintf(f, ",%s", report_sec_text(hmin, a, sizeof(a)));
	fprintf(f, ",%s", bounded ? report_sec_text(hmax, a, sizeof(a)) : "");
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
	fprintf(f, ",%s", report_sec_text(sp->entered_lo_ns, a, sizeof(a)));
	fprintf(f, ",%s", report_sec_text(sp->entered_hi_ns, a, sizeof(a)));
	fprintf(f, ",%s", sp->open ? "" : report_sec_text(sp->left_lo_ns, a, sizeof(a)));
	fprintf(f, ",%s", sp->open ? "" : report_sec_text(sp->left_hi_ns, a, sizeof(a)));
	fprintf(f, ",%s", report_sec_text(sp->life_min_ns, a, sizeof(a)));
	fprintf(f, ",%s", sp->open ? "" : report_sec_text(sp->life_max_ns, a, sizeof(a)));
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
