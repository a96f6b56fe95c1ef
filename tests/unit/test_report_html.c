/* Unit tests for the HTML page (report_html.c, html_*.c): escaping, a cell without
 * connections, lanes grouped above the lane limit with a page whose size does not grow
 * with the connections, the optional keys (series, packets, counters), refusals of text
 * that is not a report, and the page of a struct report. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report_html.h"
#include "util.h"

#define HEAD "{ \"finwait\": \"0.1.0\", \"kernel\": \"6.1.0\", \"hz\": 250, \"cells\": [\n"
#define TAIL "] }\n"

/* A connection: FIN_WAIT1 briefly, then FIN_WAIT2 from t for life seconds (open when
 * life < 0), orphaned under the timewait timer; extra is appended to the object. */
static int conn_text(char *buf, size_t len, int port, double t, double life, const char *extra)
{
	char left[80] = "null", lmax[32] = "null";

	if (life >= 0) {
		snprintf(left, sizeof(left), "[%.6f, %.6f]", t + life, t + life + 0.001);
		snprintf(lmax, sizeof(lmax), "%.6f", life + 0.002);
	}
	return snprintf(buf, len,
		"{ \"local\": \"198.18.0.1:8080\", \"remote\": \"198.18.0.2:%d\", \"states\": [ "
		"{ \"state\": \"FIN_WAIT1\", \"entered\": [ %.6f, %.6f ], \"left\": [ %.6f, %.6f ], "
		"\"lifetime\": { \"min\": 0.0, \"max\": 0.02 }, \"phases\": [ ] }, "
		"{ \"state\": \"FIN_WAIT2\", \"entered\": [ %.6f, %.6f ], \"left\": %s, "
		"\"lifetime\": { \"min\": %.6f, \"max\": %s }, \"phases\": [ { \"owner\": \"orphan\","
		" \"process\": null, \"pid\": null, \"timer\": \"timewait\", \"entered\": [ %.6f, %.6f"
		" ], \"left\": %s, \"lifetime\": { \"min\": %.6f, \"max\": %s }, \"rto\": null } ] }"
		" ]%s }", port, t - 0.01, t - 0.009, t, t + 0.001, t, t + 0.001, left,
		life >= 0 ? life : 1.0, lmax, t, t + 0.001, left, life >= 0 ? life : 1.0, lmax,
		extra);
}

/* Runs the writer on text; returns its code, the page in *page (to free). */
static int html_of(const char *text, char **page, struct fw_err *err)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	size_t len = 0;
	FILE *out = open_memstream(page, &len);
	int ret;

	assert_non_null(in);
	assert_non_null(out);
	ret = report_html_from_json(in, "test.json", out, err);
	fclose(in);
	fclose(out);
	return ret;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_escaping(void **state)
{
	char conn[2048], text[4096], *page = NULL;
	struct fw_err err = { 0 };

	(void)state;
	conn_text(conn, sizeof(conn), 40000, 0.5, 1.0, "");
	snprintf(text, sizeof(text), HEAD "{ \"name\": \"a<b>&c\\\"d'e\", \"params\": "
		 "{ \"x<y\": \"1&2\" }, \"connections\": [ %s ], \"expect\": { \"min\": 0.9, "
		 "\"max\": 1.1, \"why\": \"<script>alert(1)</script>\" }, \"verdict\": \"pass\" }\n"
		 TAIL, conn);
	assert_int_equal(html_of(text, &page, &err), 0);
	assert_non_null(strstr(page, "a&lt;b&gt;&amp;c&quot;d&#39;e"));
	assert_non_null(strstr(page, "data-cell=\"a&lt;b&gt;&amp;c&quot;d&#39;e\""));
	assert_non_null(strstr(page, "x&lt;y"));
	assert_non_null(strstr(page, "1&amp;2"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(page, "a<b"));
	assert_null(strstr(page, "<script"));
	/* self-contained: the policy that forbids fetches, and no address of anything */
	assert_non_null(strstr(page, "content=\"default-src 'none'; style-src 'unsafe-inline'"));
	assert_null(strstr(page, "://"));
	assert_null(strstr(page, "src="));
	free(page);
}

/* Parameters every cell shares are listed once; those that differ go in the summary. */
static void test_params(void **state)
{
	char *page = NULL;
	struct fw_err err = { 0 };

	(void)state;
	assert_int_equal(html_of(HEAD "{ \"name\": \"s[b=2]\", \"params\": { \"scenario.name\": "
				 "\"s[b=2]\", \"a\": \"1\", \"b\": \"2\" }, \"connections\": [ ] },\n"
				 "{ \"name\": \"s[b=3]\", \"params\": { \"scenario.name\": \"s[b=3]\", "
				 "\"a\": \"1\", \"b\": \"3\" }, \"connections\": [ ] }\n" TAIL, &page,
				 &err), 0);
	assert_non_null(strstr(page, "Parameters every cell shares (1; "));
	assert_non_null(strstr(page, "<tr><td><code>a</code></td><td>1</td></tr>"));
	assert_null(strstr(page, "<code>a=1</code>"));
	assert_non_null(strstr(page, "<td><code>b=2</code></td>"));
	assert_non_null(strstr(page, "<td><code>b=3</code></td>"));
	/* the name is in the cell's name already */
	assert_null(strstr(page, "<code>scenario.name="));
	free(page);
}

static void test_empty_cell(void **state)
{
	char *page = NULL;
	struct fw_err err = { 0 };

	(void)state;
	assert_int_equal(html_of(HEAD "{ \"name\": \"empty\", \"connections\": [ ], "
				 "\"verdict\": \"skip\", \"error\": \"no lab here\" }\n" TAIL,
				 &page, &err), 0);
	assert_non_null(strstr(page, "<section id=\"cell-0\" data-cell=\"empty\">"));
	assert_non_null(strstr(page, "No connections in this cell."));
	assert_non_null(strstr(page, "No socket of the cell was seen."));
	assert_non_null(strstr(page, "No socket of the cell was seen in FIN_WAIT2."));
	assert_non_null(strstr(page, "no lab here"));
	assert_non_null(strstr(page, "0 passed, 0 failed, 1 skipped"));
	free(page);
}

/* n connections in three shapes: FIN_WAIT2 ~1 s, ~2 s, and still open; returns the
 * page's size. */
static size_t grouped_page(size_t n, char **page)
{
	size_t cap = 4096 + n * 1200, len;
	char *text = malloc(cap);
	struct fw_err err = { 0 };

	assert_non_null(text);
	len = (size_t)snprintf(text, cap, HEAD "{ \"name\": \"many\", \"connections\": [ ");
	for (size_t i = 0; i < n; i++) {
		double life = i % 3 == 0 ? 1.0 + 0.001 * (double)(i % 7) : i % 3 == 1 ? 2.0 : -1;

		len += (size_t)conn_text(text + len, cap - len, 1024 + (int)i,
					 0.1 + 0.5 * (double)i / (double)n, life, "");
		len += (size_t)snprintf(text + len, cap - len, i + 1 < n ? ", " : " ");
	}
	snprintf(text + len, cap - len, "], \"expect\": { \"min\": 0.996, \"max\": 1.042, \"why\":"
		 " \"orphan\" }, \"verdict\": \"fail\" }\n" TAIL);
	assert_int_equal(html_of(text, page, &err), 0);
	free(text);
	return strlen(*page);
}

static void test_grouped_lanes(void **state)
{
	char *small = NULL, *big = NULL, *few = NULL;
	size_t s_small, s_big;

	(void)state;
	/* at the limit: one lane per connection */
	grouped_page(REPORT_HTML_LANES, &few);
	assert_int_equal(count(few, "198.18.0.1:8080 ↔"), REPORT_HTML_LANES);
	assert_null(strstr(few, "grouped by the shape"));
	/* above it: three groups, with their counts */
	s_small = grouped_page(300, &small);
	s_big = grouped_page(3000, &big);
	assert_non_null(strstr(big, "3000 connections, grouped by the shape"));
	assert_int_equal(count(big, "198.18.0.1:8080 ↔"), 3);
	assert_non_null(strstr(big, ">×1000 like 198.18.0.2:1024<"));
	assert_non_null(strstr(big, ">×1000 like 198.18.0.2:1026<"));
	assert_non_null(strstr(big, "0 connections in 0 other shapes are not drawn"));
	/* where each group's connections entered */
	assert_non_null(strstr(big, "<title>the 1000 connections entered between 0.090 and 0.590 s<"));
	/* 1000 still open, drawn beside the 2000 that ended */
	assert_non_null(strstr(big, "2000 ended"));
	assert_non_null(strstr(big, "1000 still open ▶"));
	/* ten times the connections over the same time, about the same page */
	assert_true(s_big < s_small + s_small / 10);
	assert_true(s_big < 100 * 1024);
	free(few);
	free(small);
	free(big);
}

static void test_optional_keys(void **state)
{
	char conn[4096], text[8192], *page = NULL;
	struct fw_err err = { 0 };

	(void)state;
	conn_text(conn, sizeof(conn), 40000, 0.5, 1.0, ", \"packets\": [ { \"t\": 0.49, \"dir\":"
		  " \"out\", \"flags\": \"FA\", \"kind\": \"fin\" }, { \"t\": 0.4901, \"dir\": "
		  "\"out\", \"flags\": \"A\", \"kind\": \"ack\" }, { \"t\": 1.5, \"dir\": \"in\", "
		  "\"flags\": \"R\", \"kind\": \"rst\" } ]");
	snprintf(text, sizeof(text), HEAD "{ \"name\": \"c\", \"connections\": [ %s ], "
		 "\"series\": { \"t\": [ 0.0, 0.5, 1.0, 1.5 ], \"FIN_WAIT2\": [ 0, 1, 7, 0 ] }, "
		 "\"counters\": { \"TCPAbortOnTimeout\": 4, \"TcpOutRsts\": 0, \"TCPKeepAlive\": 0 },"
		 " \"counters_expected\": { \"TCPKeepAlive\": { \"min\": 8, \"max\": 8, "
		 "\"measured\": 0, \"why\": \"keepalive <probes>\", \"verdict\": \"fail\" } }, "
		 "\"verdict\": \"pass\" }\n" TAIL, conn);
	assert_int_equal(html_of(text, &page, &err), 0);
	assert_non_null(strstr(page, "Counted in the samples"));
	/* the first socket, at 0.49 s, comes a third into the cell: the axes start near it */
	assert_non_null(strstr(page, "The time axes start at 0.439 s"));
	/* the peak comes from the series (7), not from the one connection */
	assert_non_null(strstr(page, "FIN_WAIT2: at most 7, at 1.000 s"));
	assert_non_null(strstr(page, "<title>0.490000 s out FA fin</title>F</text>"));
	assert_non_null(strstr(page, "<title>1.500000 s in R rst</title>R</text>"));
	/* an ACK a tenth of a millisecond after the FIN would overprint it: left out */
	assert_null(strstr(page, "<title>0.490100 s out A ack</title>"));
	assert_non_null(strstr(page, "<code>TCPAbortOnTimeout</code></td><td class=\"num\">4<"));
	assert_null(strstr(page, "<code>TcpOutRsts</code>"));
	/* a counter that did not move is shown when a rule expected it to */
	assert_non_null(strstr(page, "<code>TCPKeepAlive</code></td><td class=\"num\">0</td><td "
				     "class=\"num\">8..8</td><td><span class=\"fail\">✘ fail</span>"
				     "</td><td class=\"why\">keepalive &lt;probes&gt;<"));
	assert_non_null(strstr(page, "2 shown, 1 did not move."));
	free(page);
}

static void test_refused(void **state)
{
	static const struct {
		const char *text, *msg;
		int line;
	} bad[] = {
		{ HEAD "{ \"name\": \"x\", \"connections\": [ ] }\n", "the report ends early", 3 },
		{ HEAD "1 ]}", "a cell is not an object", 2 },
		{ HEAD "{ \"name\": \"x\", \"connections\": [ 5 ] } ]}", "a connection is not an object",
		  2 },
		{ HEAD "\n{ \"name\": tru } ]}", "a cell is not a JSON object", 3 },
		{ "{ \"finwait\": \"0.1.0\" }", "no \"cells\" array", 1 },
		{ "[ }", "unbalanced", 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fw_err err = { 0 };
		char *page = NULL;

		assert_int_equal(html_of(bad[i].text, &page, &err), -EINVAL);
		assert_string_equal(err.file, "test.json");
		assert_int_equal(err.line, bad[i].line);
		assert_non_null(strstr(err.msg, bad[i].msg));
		free(page);
	}
}

/* The page of a struct report: through its JSON, every cell on it. */
static void test_from_report(void **state)
{
	static const struct report_phase ph = { { 100 * NSEC_PER_MSEC, 101 * NSEC_PER_MSEC, false,
						  1100 * NSEC_PER_MSEC, 1101 * NSEC_PER_MSEC,
						  999 * NSEC_PER_MSEC, 1001 * NSEC_PER_MSEC },
						false, false, "timewait", 0, 0, NULL, 0 };
	static const struct report_state st = { "FIN_WAIT2", { 100 * NSEC_PER_MSEC,
							       101 * NSEC_PER_MSEC, false,
							       1100 * NSEC_PER_MSEC,
							       1101 * NSEC_PER_MSEC,
							       999 * NSEC_PER_MSEC,
							       1001 * NSEC_PER_MSEC }, false, &ph, 1 };
	static const struct report_conn conn = { "198.18.0.1:8080", "198.18.0.2:4242", &st, 1 };
	struct report_cell cells[2] = {
		{ .name = "one[x=1]", .conns = &conn, .n_conns = 1, .verdict = REPORT_PASS,
		  .expect = { .kind = PRED_RANGE, .min_ns = 996 * NSEC_PER_MSEC,
			      .max_ns = 1042 * NSEC_PER_MSEC } },
		{ .name = "two[x=2]", .verdict = REPORT_FAIL, .error = "it broke",
		  .expect = { .kind = PRED_NONE, .max_ns = 712 * NSEC_PER_MSEC } },
	};
	struct report r = { "0.1.0", "6.1.0", 250, 0, cells, 2 };
	char *page = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&page, &len);

	(void)state;
	assert_int_equal(report_fw2_stats(&conn, 1, &cells[0].fw2), 0);
	assert_int_equal(report_write_html(&r, out), 0);
	fclose(out);
	assert_non_null(strstr(page, "id=\"cell-0\" data-cell=\"one[x=1]\""));
	assert_non_null(strstr(page, "id=\"cell-1\" data-cell=\"two[x=2]\""));
	assert_non_null(strstr(page, "2 cells: 1 passed, 1 failed, 0 skipped"));
	assert_non_null(strstr(page, "198.18.0.2:4242"));
	/* the summary says FIN_WAIT2 and the expectation as the table does */
	assert_non_null(strstr(page, "<td class=\"num\">1.000/1.000s (1)</td><td class=\"num\">"
				     "0.996..1.042s</td>"));
	assert_non_null(strstr(page, "<td class=\"num\">none</td><td class=\"num\">none</td>"));
	assert_non_null(strstr(page, "it broke"));
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_empty_cell),
		cmocka_unit_test(test_grouped_lanes),
		cmocka_unit_test(test_optional_keys),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_from_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
