/* Unit tests for report.c: FIN_WAIT2 statistics, and each writer (table, JSON, JUnit,
 * CSV) against the expected output in tests/unit/data/report.*; the states' phases. */
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"
#include "report_read.h"
#include "util.h"

#define MS NSEC_PER_MSEC
#define S NSEC_PER_SEC

/* A cell that passed: two connections, FIN_WAIT1 then FIN_WAIT2 for ~2 s, orphaned at
 * close(); the second one's states are known from events only (no phase). */
static const struct report_phase ph_a[] = {
	{ { 100 * MS, 101 * MS, false, 101 * MS, 102 * MS, 0, 2 * MS }, false, false,
	  "retransmit", 0, 0, NULL, 204 * MS },
	{ { 101 * MS, 102 * MS, false, 2121 * MS, 2122 * MS, 2019 * MS, 2021 * MS }, false,
	  false, "timewait", 0, 0, NULL, 0 },
};
static const struct report_state st_a[] = {
	{ "FIN_WAIT1", { 100 * MS, 101 * MS, false, 101 * MS, 102 * MS, 0, 2 * MS }, false,
	  &ph_a[0], 1 },
	{ "FIN_WAIT2", { 101 * MS, 102 * MS, false, 2121 * MS, 2122 * MS, 2019 * MS, 2021 * MS },
	  false, &ph_a[1], 1 },
};
static const struct report_state st_b[] = {
	{ "FIN_WAIT2", { 150 * MS, 151 * MS, false, 2181 * MS, 2182 * MS, 2030 * MS, 2032 * MS } },
};
/* A cell still in FIN_WAIT2 at its 5 s limit, held by a process that owner.c named. */
static const struct report_phase ph_c[] = {
	{ { 200 * MS, 201 * MS, true, 0, 0, 4799 * MS, 0 }, true, false, "keepalive", 4242,
	  1234, "finwait-server", 204 * MS },
};
static const struct report_state st_c[] = {
	{ "FIN_WAIT2", { 200 * MS, 201 * MS, true, 0, 0, 4799 * MS, 0 }, false, ph_c, 1 },
};
/* A failing cell: FIN_WAIT2, held 1.5 s after the FIN then orphaned (a lingering close),
 * then TIME_WAIT (the client's FIN came), fractional seconds. */
static const struct report_phase ph_d[] = {
	{ { 10 * MS, 11 * MS, false, 1500 * MS, 1501 * MS, 1489 * MS, 1491 * MS }, true, false,
	  "none", 4243, 0, NULL, 208 * MS },
	{ { 1500 * MS, 1501 * MS, false, 3500 * MS, 3501 * MS, 1999 * MS, 2001 * MS }, false,
	  false, "timewait", 0, 0, NULL, 0 },
	{ { 3500 * MS, 3501 * MS, true, 0, 0, 1499 * MS, 0 }, false, true, "timewait", 0, 0,
	  NULL, 0 },
};
static const struct report_state st_d[] = {
	{ "FIN_WAIT2", { 10 * MS, 11 * MS, false, 3500 * MS, 3501 * MS, 3489 * MS, 3491 * MS },
	  false, &ph_d[0], 2 },
	{ "TIME_WAIT", { 3500 * MS, 3501 * MS, true, 0, 0, 1499 * MS, 0 }, false, &ph_d[2], 1 },
};

static const struct report_conn conns_a[] = {
	{ "198.18.0.1:8080", "198.18.0.2:40000", st_a, 2 },
	{ "198.18.0.1:8080", "198.18.0.2:40002", st_b, 1 },
};
static const struct report_conn conns_c[] = {
	{ "[fd46:696e::1]:8080", "[fd46:696e::2]:50000", st_c, 1 },
};
static const struct report_conn conns_d[] = {
	{ "198.18.0.5:80", "198.18.0.6:1234", st_d, 2 },
};

static const struct report_param params_a[] = {
	{ "sysctl.net.ipv4.tcp_fin_timeout", "2" }, { "client.fault", "freeze" },
};
static const struct report_param params_c[] = { { "client.fault", "freeze" } };
static const struct report_param params_d[] = { { "server.command", "say \"hi\", <&>" } };

static struct report_cell cells[4];
static struct report rep;

static int setup(void **state)
{
	(void)state;
	memset(cells, 0, sizeof(cells));
	cells[0] = (struct report_cell){
		.name = "orphan-close[tcp_fin_timeout=2,fault=freeze]",
		.params = params_a, .n_params = 2, .conns = conns_a, .n_conns = 2,
		.expect = { PRED_RANGE, 1996 * MS, 2042 * MS,
			    "orphan: tcp_fin_timeout 2s <= 60s, timewait minisocket (tcp_time_wait); "
			    "+ timer slack 32ms" },
		.limit_ns = 5 * S, .elapsed_ns = 5250 * MS, .verdict = REPORT_PASS,
	};
	cells[1] = (struct report_cell){
		.name = "shutdown-keepalive[fault=freeze]",
		.params = params_c, .n_params = 1, .conns = conns_c, .n_conns = 1,
		.expect = { PRED_FOREVER, 0, 0, "shutdown + keepalive, peer kernel alive (freeze): "
						"every probe is ACKed" },
		.limit_ns = 5 * S, .elapsed_ns = 5100 * MS, .verdict = REPORT_PASS,
	};
	cells[2] = (struct report_cell){
		.name = "odd,name",
		.params = params_d, .n_params = 1, .conns = conns_d, .n_conns = 1,
		.expect = { PRED_NONE, 0, 696 * MS, "crashed client: its kernel closes the socket "
						    "(FIN or reset) at once" },
		.limit_ns = 5 * S, .elapsed_ns = 5000 * MS, .verdict = REPORT_FAIL,
		.error = "FIN_WAIT2 lasted 3.489s..3.491s, expected none (< 0.696s) & \"more\"",
	};
	cells[3] = (struct report_cell){
		.name = "a-very-long-scenario-name-that-does-not-fit[sysctl.net.ipv4.tcp_fin_timeout=1,"
			"client.sysctl.net.ipv4.tcp_fin_timeout=1]",
		.expect = { PRED_RANGE, 996 * MS, 1042 * MS, "orphan" },
		.limit_ns = 5 * S, .verdict = REPORT_SKIP, .error = "no IPv6 here",
	};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(report_fw2_stats(cells[i].conns, cells[i].n_conns, &cells[i].fw2), 0);
	rep = (struct report){ "0.1.0", "6.18.0-test", 250, 12345 * MS, cells, 4 };
	return 0;
}

static void test_stats(void **state)
{
	static struct report_state many[100];
	static struct report_conn c[100];
	struct report_fw2 s;
	(void)state;

	/* Midpoints of the lifetimes: 2020 ms and 2031 ms. */
	assert_int_equal(cells[0].fw2.count, 2);
	assert_int_equal(cells[0].fw2.ended, 2);
	assert_int_equal(cells[0].fw2.forever, 0);
	assert_int_equal(cells[0].fw2.min_ns, 2020 * MS);
	assert_int_equal(cells[0].fw2.p50_ns, 2020 * MS);
	assert_int_equal(cells[0].fw2.p99_ns, 2031 * MS);
	assert_int_equal(cells[0].fw2.max_ns, 2031 * MS);
	assert_int_equal(cells[1].fw2.count, 1);
	assert_int_equal(cells[1].fw2.forever, 1);
	assert_int_equal(cells[1].fw2.ended, 0);
	/* TIME_WAIT does not count. */
	assert_int_equal(cells[2].fw2.count, 1);
	/* Nearest rank over 1..100 s, shuffled: p50 = 50 s, p99 = 99 s. */
	for (int i = 0; i < 100; i++) {
		int64_t v = ((i * 37) % 100 + 1) * S;

		many[i] = (struct report_state){ "FIN_WAIT2", { 0, 0, false, v, v, v, v } };
		c[i] = (struct report_conn){ "l", "r", &many[i], 1 };
	}
	assert_int_equal(report_fw2_stats(c, 100, &s), 0);
	assert_int_equal(s.count, 100);
	assert_int_equal(s.min_ns, 1 * S);
	assert_int_equal(s.p50_ns, 50 * S);
	assert_int_equal(s.p99_ns, 99 * S);
	assert_int_equal(s.max_ns, 100 * S);
	assert_int_equal(report_fw2_stats(NULL, 0, &s), 0);
	assert_int_equal(s.count, 0);
}

static char *slurp(const char *name)
{
	const char *src = getenv("FINWAIT_SOURCE_DIR");
	char path[600], *buf;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/tests/unit/data/%s", src ? src : FW_SOURCE_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

/* Runs a writer into memory and compares with the expected file; FW_REGEN=1 prints the
 * output instead, for review when the format changes on purpose. */
static void check_writer_of(const struct report *r, int (*fn)(const struct report *, FILE *),
			    const char *golden)
{
	char *out = NULL, *want;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(fn(r, f), 0);
	assert_int_equal(fclose(f), 0);
	if (getenv("FW_REGEN"))
		fprintf(stderr, "----- %s\n%s-----\n", golden, out);
	want = slurp(golden);
	assert_string_equal(out, want);
	free(want);
	free(out);
}

static void check_writer(int (*fn)(const struct report *, FILE *), const char *golden)
{
	check_writer_of(&rep, fn, golden);
}

static void test_table(void **state)
{
	char sum[160];
	(void)state;

	check_writer(report_write_table, "report.txt");
	assert_string_equal(report_summary(&rep, sum, sizeof(sum)),
			    "finwait: 4 cells in 12.3 s (1 skipped): 2 passed, 1 failed");
}

static void test_table_width(void **state)
{
	char *out = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	(void)state;

	assert_int_equal(report_write_table(&rep, f), 0);
	fclose(f);
	/* Every line fits 100 columns, except a name that is longer on its own. */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > 100)
			assert_string_equal(line, cells[3].name);
	free(out);
}

static void test_json(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct json_object *root, *cell, *v, *st;
	(void)state;

	check_writer(report_write_json, "report.json");
	/* It also parses, with the keys of docs/DESIGN.md. */
	assert_int_equal(report_write_json(&rep, f), 0);
	fclose(f);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "finwait", &v));
	assert_string_equal(json_object_get_string(v), "0.1.0");
	assert_true(json_object_object_get_ex(root, "hz", &v));
	assert_int_equal(json_object_get_int(v), 250);
	assert_true(json_object_object_get_ex(root, "cells", &v));
	assert_int_equal(json_object_array_length(v), 4);
	cell = json_object_array_get_idx(v, 1);
	assert_true(json_object_object_get_ex(cell, "connections", &v));
	v = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(v, "states", &v));
	st = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(st, "left", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(st, "lifetime", &v));
	assert_true(json_object_object_get_ex(v, "min", &v));
	assert_true(json_object_get_double(v) == 4.799);
	assert_true(json_object_object_get_ex(cell, "expect", &v));
	assert_true(json_object_object_get_ex(v, "max", &st));
	assert_null(st);
	json_object_put(root);
	free(out);
}

/* The kernel's counters: every reported delta under "counters", the model's checks
 * under "counters_expected"; a cell whose counters were not read says why. */
static void test_json_counters(void **state)
{
	static const struct report_counter ks[] = { { "TCPAbortOnTimeout", 3 },
						    { "TCPKeepAlive", 6 } };
	static const struct report_counter_check chk[] = {
		{ "TCPKeepAlive", 6, 6, 6, true, "keepalive probes" } };
	struct report_cell two[2] = { cells[0], cells[0] };
	struct report r = rep;
	struct json_object *root, *v, *c0, *c1;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	(void)state;

	two[0].counters = ks;
	two[0].n_counters = 2;
	two[0].counter_checks = chk;
	two[0].n_counter_checks = 1;
	two[1].counters_why = "the cell's namespace was never built";
	r.cells = two;
	r.n_cells = 2;
	assert_int_equal(report_write_json(&r, f), 0);
	fclose(f);
	root = json_tokener_parse(out);
	assert_non_null(root);
	c0 = json_object_array_get_idx(json_object_object_get(root, "cells"), 0);
	c1 = json_object_array_get_idx(json_object_object_get(root, "cells"), 1);
	assert_true(json_object_object_get_ex(c0, "counters", &v));
	assert_int_equal(json_object_get_int(json_object_object_get(v, "TCPKeepAlive")), 6);
	assert_int_equal(json_object_get_int(json_object_object_get(v, "TCPAbortOnTimeout")), 3);
	assert_true(json_object_object_get_ex(c0, "counters_expected", &v));
	v = json_object_object_get(v, "TCPKeepAlive");
	assert_int_equal(json_object_get_int(json_object_object_get(v, "measured")), 6);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "verdict")), "pass");
	assert_true(json_object_object_get_ex(c1, "counters", &v));
	assert_int_equal(json_object_object_length(v), 0);
	assert_false(json_object_object_get_ex(c1, "counters_expected", &v));
	assert_string_equal(json_object_get_string(json_object_object_get(c1, "counters_why")),
			    "the cell's namespace was never built");
	json_object_put(root);
	free(out);
}

/* Per-state aggregates go under "states", each percentile as its [lo, hi] bounds. */
static void test_json_state_aggregates(void **state)
{
	static const struct report_agg aggs[] = {
		{ "FIN_WAIT2", 3, 2, 1, 3, 2000000000, 2001000000, 2002000000, 2002000000,
		  2004000000, 2005000000, 2006000000, 2006000000 },
		{ "TIME_WAIT", 2, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	struct report r = rep;
	struct report_cell one = cells[0];
	struct json_object *root, *v, *fw, *tw;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	(void)state;

	one.aggs = aggs;
	one.n_aggs = 2;
	r.cells = &one;
	r.n_cells = 1;
	assert_int_equal(report_write_json(&r, f), 0);
	fclose(f);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "cells", &v));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(v, 0), "states", &v));
	assert_true(json_object_object_get_ex(v, "FIN_WAIT2", &fw));
	assert_true(json_object_object_get_ex(fw, "peak", &v));
	assert_int_equal(json_object_get_int(v), 3);
	assert_true(json_object_object_get_ex(fw, "p50", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_true(json_object_get_double(json_object_array_get_idx(v, 0)) == 2.001);
	assert_true(json_object_get_double(json_object_array_get_idx(v, 1)) == 2.005);
	assert_true(json_object_object_get_ex(v = json_object_object_get(json_object_array_get_idx(
		json_object_object_get(root, "cells"), 0), "states"), "TIME_WAIT", &tw));
	assert_true(json_object_object_get_ex(tw, "max", &v));
	assert_null(v); /* none ended: no bounds */
	json_object_put(root);
	free(out);
}

/* The JSON object at path: keys of objects, or "#N" for the N-th element of an array. */
static struct json_object *at(struct json_object *o, const char *const *path, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (path[i][0] == '#')
			o = json_object_array_get_idx(o, (size_t)atoi(path[i] + 1));
		else if (!json_object_object_get_ex(o, path[i], &o))
			return NULL;
		assert_non_null(o);
	}
	return o;
}

/* Each state's "phases": owner, process and pid (null until owner.c names them), timer,
 * bounds, lifetime and RTO; a lingering close shows held then orphan; a state known
 * from events only has none. */
static void test_json_phases(void **state)
{
	static const char *const fw2_d[] = { "cells", "#2", "connections", "#0", "states", "#0",
					     "phases" };
	static const char *const fw2_b[] = { "cells", "#0", "connections", "#1", "states", "#0",
					     "phases" };
	static const char *const fw2_c[] = { "cells", "#1", "connections", "#0", "states", "#0",
					     "phases", "#0" };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct json_object *root, *ph, *p, *v;
	(void)state;

	assert_int_equal(report_write_json(&rep, f), 0);
	fclose(f);
	root = json_tokener_parse(out);
	assert_non_null(root);
	ph = at(root, fw2_d, ARRAY_SIZE(fw2_d));
	assert_int_equal(json_object_array_length(ph), 2);
	p = json_object_array_get_idx(ph, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(p, "owner")), "held");
	assert_true(json_object_object_get_ex(p, "process", &v) && !v);
	assert_true(json_object_object_get_ex(p, "pid", &v) && !v);
	assert_string_equal(json_object_get_string(json_object_object_get(p, "timer")), "none");
	assert_true(json_object_get_double(json_object_object_get(p, "rto")) == 0.208);
	v = json_object_object_get(p, "left");
	assert_true(json_object_get_double(json_object_array_get_idx(v, 1)) == 1.501);
	assert_true(json_object_get_double(json_object_object_get(
			    json_object_object_get(p, "lifetime"), "max")) == 1.491);
	p = json_object_array_get_idx(ph, 1);
	assert_string_equal(json_object_get_string(json_object_object_get(p, "owner")), "orphan");
	assert_string_equal(json_object_get_string(json_object_object_get(p, "timer")),
			    "timewait");
	assert_true(json_object_object_get_ex(p, "rto", &v) && !v);
	assert_false(json_object_object_get_ex(p, "mixed", &v));
	assert_int_equal(json_object_array_length(at(root, fw2_b, ARRAY_SIZE(fw2_b))), 0);
	p = at(root, fw2_c, ARRAY_SIZE(fw2_c));
	assert_string_equal(json_object_get_string(json_object_object_get(p, "process")),
			    "finwait-server");
	assert_int_equal(json_object_get_int(json_object_object_get(p, "pid")), 1234);
	assert_true(json_object_object_get_ex(p, "left", &v) && !v);
	json_object_put(root);
	free(out);
}

static void test_junit(void **state)
{
	(void)state;
	check_writer(report_write_junit, "report.xml");
}

static void test_csv(void **state)
{
	(void)state;
	check_writer(report_write_csv, "report.csv");
}

/* "server_sockopts": the options read (the first process's, others that differ), or
 * why none could be read. */
/* Text from outside the scenario (a process's name, the kernel's release, an error) is
 * made UTF-8: raw bytes made the JSON report unparseable. */
static void test_json_utf8(void **state)
{
	static const struct report_sockopts so = { .read = true, .pid = 7,
		.process = "ng\xffinx", .source = "pidfd_getfd" };
	static const char *const first[] = { "cells", "#0", "server_sockopts" };
	struct report_cell one = cells[0];
	struct report r = rep;
	struct json_object *root;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	(void)state;

	one.sockopts = &so;
	one.n_sockopts = 1;
	r.cells = &one;
	r.n_cells = 1;
	r.kernel = "6.1-\xc3";
	assert_int_equal(report_write_json(&r, f), 0);
	fclose(f);
	assert_int_equal(utf8_invalid_at(out, len), len);
	assert_non_null(root = json_tokener_parse(out));
	assert_string_equal(json_object_get_string(json_object_object_get(at(root, first, 3),
									  "process")),
			    "ng\xef\xbf\xbdinx");
	assert_string_equal(json_object_get_string(json_object_object_get(root, "kernel")),
			    "6.1-\xef\xbf\xbd");
	json_object_put(root);
	free(out);
	/* The JUnit XML says it is UTF-8 too. */
	one.error = "cannot start 'srv\xfe'";
	one.verdict = REPORT_FAIL;
	assert_non_null(f = open_memstream(&out, &len));
	assert_int_equal(report_write_junit(&r, f), 0);
	fclose(f);
	assert_int_equal(utf8_invalid_at(out, len), len);
	assert_non_null(strstr(out, "cannot start &apos;srv\xef\xbf\xbd&apos;"));
	free(out);
}

static void test_json_sockopts(void **state)
{
	static const struct report_sockopts so[] = {
		{ .read = true, .pid = 12, .process = "nginx", .source = "pidfd_getfd",
		  .opts = { { "keepalive", 1 }, { "linger2", 2 } }, .n_opts = 2,
		  .has_linger = true },
		{ .read = true, .pid = 13, .process = "nginx", .source = "pidfd_getfd",
		  .opts = { { "keepalive", 0 } }, .n_opts = 1, .has_linger = true,
		  .linger_on = true, .linger_s = 5 },
	};
	static const struct report_sockopts none = { .why = "not permitted" };
	static const char *const first[] = { "cells", "#0", "server_sockopts" };
	static const char *const other[] = { "cells", "#0", "server_sockopts", "others", "#0" };
	static const char *const failed[] = { "cells", "#1", "server_sockopts" };
	struct report_cell two[2] = { cells[0], cells[1] };
	struct report r = rep;
	struct json_object *root, *o;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	(void)state;

	two[0].sockopts = so;
	two[0].n_sockopts = 2;
	two[1].sockopts = &none;
	two[1].n_sockopts = 1;
	r.cells = two;
	r.n_cells = 2;
	assert_int_equal(report_write_json(&r, f), 0);
	fclose(f);
	assert_non_null(root = json_tokener_parse(out));
	o = at(root, first, 3);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "pid")), 12);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "process")), "nginx");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "linger2")), 2);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "so_linger")), "off");
	assert_true(json_object_get_boolean(json_object_object_get(o, "read")));
	assert_false(json_object_object_get_ex(o, "why", NULL));
	o = at(root, other, 5);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "so_linger")), 5);
	o = at(root, failed, 3);
	assert_false(json_object_get_boolean(json_object_object_get(o, "read")));
	assert_string_equal(json_object_get_string(json_object_object_get(o, "why")),
			    "not permitted");
	assert_false(json_object_object_get_ex(o, "keepalive", NULL));
	json_object_put(root);
	free(out);
}

/* The JSON read back (report_read.c) gives the same table and the same JUnit as the rows
 * it was written from: `finwait merge` and `finwait run` share those writers. A sharded
 * report carries its share and each cell's place in the whole matrix. */
static void test_read_back(void **state)
{
	struct report_cell back[4];
	struct report r2;
	struct fw_err err = { 0 };
	struct json_object *root, *jcells, *sh;
	char *out = NULL, id[17];
	const char *names[] = { "a", "b" };
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	(void)state;

	rep.shard_index = 2;
	rep.shard_count = 3;
	rep.matrix_cells = 11;
	rep.matrix_id = report_matrix_id(names, 2, id);
	for (size_t i = 0; i < 4; i++)
		cells[i].index = 3 * i + 1;
	assert_int_equal(report_write_json(&rep, f), 0);
	fclose(f);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "shard", &sh));
	assert_int_equal(json_object_get_int(json_object_object_get(sh, "index")), 2);
	assert_int_equal(json_object_get_int(json_object_object_get(sh, "count")), 3);
	assert_int_equal(json_object_get_int(json_object_object_get(sh, "cells")), 11);
	assert_string_equal(json_object_get_string(json_object_object_get(sh, "matrix")), id);
	assert_true(json_object_object_get_ex(root, "cells", &jcells));
	assert_int_equal(json_object_array_length(jcells), 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(report_cell_read(json_object_array_get_idx(jcells, i), &back[i],
						  &err), 0);
		assert_int_equal(back[i].index, 3 * i + 1);
		assert_int_equal(back[i].n_params, cells[i].n_params);
	}
	r2 = (struct report){ json_object_get_string(json_object_object_get(root, "finwait")),
			      json_object_get_string(json_object_object_get(root, "kernel")),
			      json_object_get_int(json_object_object_get(root, "hz")),
			      report_json_ns(json_object_object_get(root, "elapsed")), back, 4 };
	check_writer_of(&r2, report_write_table, "report.txt");
	check_writer_of(&r2, report_write_junit, "report.xml");
	/* A cell without its verdict is refused, naming the key. */
	json_object_object_del(json_object_array_get_idx(jcells, 0), "verdict");
	report_cell_read_clear(&back[0]);
	assert_int_equal(report_cell_read(json_object_array_get_idx(jcells, 0), &back[0], &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "verdict"));
	for (size_t i = 0; i < 4; i++)
		report_cell_read_clear(&back[i]);
	json_object_put(root);
	free(out);
	rep.shard_count = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_width),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_state_aggregates),
		cmocka_unit_test(test_json_counters),
		cmocka_unit_test(test_json_phases),
		cmocka_unit_test(test_json_sockopts),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_read_back),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
