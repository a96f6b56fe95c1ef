/* merge: `finwait merge FILE... [--json F] [--junit F] [--html F] [-q]`: joins the JSON reports of
 * a matrix's shares (`finwait run --shard K/N`), or of whole runs, into one report with
 * every cell and one exit code. The cells' JSON is passed through as it was written
 * (every key, present and future); the table and JUnit come from the same writers as a
 * run's, fed by report_read, and the HTML page from the joined JSON, as a run's. */
#include "merge.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "report.h"
#include "report_html.h"
#include "report_out.h"
#include "report_read.h"
#include "util.h"

static const char merge_usage[] =
	"Usage: finwait merge [OPTIONS] FILE...\n"
	"Joins JSON reports (finwait run --json) into one: the shares of one matrix run\n"
	"with --shard K/N (every share must be given once; the cells come back in the\n"
	"matrix's order), or whole runs (their cells one after the other). Prints the table\n"
	"of every cell. FILE - reads stdin.\n"
	"\n"
	"      --json FILE         write the joined JSON report (- for stdout)\n"
	"      --junit FILE        write a JUnit XML report, one testcase per cell\n"
	"      --html FILE         write the HTML page of every cell (finwait run --html)\n"
	"  -q, --quiet             print only the summary line\n"
	"  -h, --help\n"
	"\n"
	"Refused with exit 2: a file that is not a finwait JSON report, reports of different\n"
	"finwait versions, kernels or HZ, shares of different matrices or share counts, a\n"
	"share given twice or missing, a cell twice. Exit codes: 0 every cell passed,\n"
	"1 a cell failed, 2 bad usage or input, 3 internal error, 77 every cell skipped.\n";

enum { OUT_JSON, OUT_JUNIT, OUT_HTML, OUT_COUNT };

/* One input report. */
struct input {
	const char *path;
	struct json_object *root, *cells;
	const char *version, *kernel;
	int hz;
	int64_t elapsed_ns;
	struct json_object *shard;	/* NULL: a whole run */
};

/* The joined report: its cells' JSON, in order, and their rows for the writers. */
struct merged {
	struct input *in;
	size_t n_in;
	struct json_object **cells;	/* borrowed from the inputs */
	struct report_cell *rows;
	size_t n;
	struct report rep;
	struct report_out outs[OUT_COUNT];
	bool quiet;
};

/* Prints "finwait merge: PATH: message"; returns FW_EXIT_USAGE (bad input). */
__attribute__((format(printf, 2, 3)))
static int bad(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "finwait merge: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return FW_EXIT_USAGE;
}

static int oom(void)
{
	fprintf(stderr, "finwait merge: out of memory\n");
	return FW_EXIT_INTERNAL;
}

static const char *jstring(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : NULL;
}

static long long jint(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v) : -1;
}

/* Reads one report and checks its header against the first one's. Returns -1 to go on,
 * or the exit code. */
static int load_input(struct input *in, const struct input *first)
{
	struct json_object *v;

	in->root = strcmp(in->path, "-") ? json_object_from_file(in->path)
					 : json_object_from_fd(0);
	if (!in->root) {
		char why[256];

		snprintf(why, sizeof(why), "%s", json_util_get_last_err());
		return bad(in->path, "not a JSON document (%s)", str_trim(why));
	}
	in->version = jstring(in->root, "finwait");
	in->kernel = jstring(in->root, "kernel");
	in->hz = (int)jint(in->root, "hz");
	if (!in->version || !in->kernel || in->hz < 0 ||
	    !json_object_object_get_ex(in->root, "cells", &in->cells) ||
	    !json_object_is_type(in->cells, json_type_array))
		return bad(in->path, "not a finwait report (no finwait, kernel, hz or cells)");
	in->elapsed_ns = json_object_object_get_ex(in->root, "elapsed", &v) ?
				 report_json_ns(v) : 0;
	if (json_object_object_get_ex(in->root, "shard", &v) &&
	    !json_object_is_type(v, json_type_object))
		return bad(in->path, "\"shard\" is not an object");
	in->shard = v;
	if (in == first)
		return -1;
	if (strcmp(in->version, first->version))
		return bad(in->path, "finwait %s, but %s", in->version, first->path);
	if (strcmp(in->kernel, first->kernel))
		return bad(in->path, "kernel %s, but %s", in->kernel, first->path);
	if (in->hz != first->hz)
		return bad(in->path, "HZ %d, but %s has %d", in->hz, first->path, first->hz);
	if (!in->shard != !first->shard)
		return bad(in->path, "a share and a whole run cannot be merged (see %s)",
			   first->path);
	return -1;
}

/* Shares: the same matrix, count and size; each share once; every cell of the matrix
 * once, put at its place. Returns -1 to go on, or the exit code. */
static int place_shards(struct merged *m)
{
	struct json_object *s0 = m->in[0].shard;
	long long count = jint(s0, "count"), total = jint(s0, "cells");
	const char *id = jstring(s0, "matrix");

	if (count < 1 || total < 0 || total > 1000000 || !id)
		return bad(m->in[0].path, "\"shard\" lacks count, cells or matrix");
	m->cells = calloc((size_t)total + 1, sizeof(*m->cells));
	if (!m->cells)
		return oom();
	m->n = (size_t)total;
	for (size_t f = 0; f < m->n_in; f++) {
		struct input *in = &m->in[f];
		long long k = jint(in->shard, "index");
		const char *idf = jstring(in->shard, "matrix");

		if (jint(in->shard, "count") != count || jint(in->shard, "cells") != total ||
		    !idf || strcmp(idf, id))
			return bad(in->path, "a share of another matrix than %s's",
				   m->in[0].path);
		if (k < 1 || k > count)
			return bad(in->path, "no valid shard index");
		for (size_t g = 0; g < f; g++)
			if (jint(m->in[g].shard, "index") == k)
				return bad(in->path, "the same share as %s", m->in[g].path);
		for (size_t i = 0; i < json_object_array_length(in->cells); i++) {
			struct json_object *c = json_object_array_get_idx(in->cells, i);
			long long at = jint(c, "index");

			if (at < 0 || at >= total || at % count != k - 1)
				return bad(in->path, "a cell without its place in the matrix");
			if (m->cells[at])
				return bad(in->path, "cell %s twice", jstring(c, "name"));
			m->cells[at] = c;
		}
	}
	for (size_t i = 0; i < m->n; i++)
		if (!m->cells[i])
			return bad(m->in[0].path, "the matrix is incomplete: share %zu/%lld is "
				   "missing (cell %zu of %lld)", i % (size_t)count + 1, count, i,
				   total);
	return -1;
}

/* Whole runs: their cells one after the other, no name twice. Returns -1 to go on, or
 * the exit code. */
static int place_runs(struct merged *m)
{
	size_t total = 0;

	for (size_t f = 0; f < m->n_in; f++)
		total += json_object_array_length(m->in[f].cells);
	m->cells = calloc(total + 1, sizeof(*m->cells));
	if (!m->cells)
		return oom();
	for (size_t f = 0; f < m->n_in; f++)
		for (size_t i = 0; i < json_object_array_length(m->in[f].cells); i++) {
			struct json_object *c = json_object_array_get_idx(m->in[f].cells, i);
			const char *name = jstring(c, "name");

			for (size_t j = 0; name && j < m->n; j++)
				if (!strcmp(jstring(m->cells[j], "name"), name))
					return bad(m->in[f].path, "cell %s twice", name);
			if (!name)
				return bad(m->in[f].path, "a cell without a name");
			m->cells[m->n++] = c;
		}
	return -1;
}

/* The rows of the joined cells, and the joined report: the shares ran side by side, so
 * its time is the longest share's. Returns -1 to go on, or the exit code. */
static int make_rows(struct merged *m)
{
	struct fw_err err = { 0 };

	m->rows = calloc(m->n + 1, sizeof(*m->rows));
	if (!m->rows)
		return oom();
	for (size_t i = 0; i < m->n; i++) {
		int ret = report_cell_read(m->cells[i], &m->rows[i], &err);

		if (ret == -ENOMEM)
			return oom();
		if (ret)
			return bad(m->in[0].path, "%s", err.msg);
		/* The joined report is the whole matrix: no place to keep. */
		json_object_object_del(m->cells[i], "index");
	}
	m->rep = (struct report){ .version = m->in[0].version, .kernel = m->in[0].kernel,
				  .hz = m->in[0].hz, .cells = m->rows, .n_cells = m->n };
	for (size_t f = 0; f < m->n_in; f++)
		if (m->in[f].elapsed_ns > m->rep.elapsed_ns)
			m->rep.elapsed_ns = m->in[f].elapsed_ns;
	return -1;
}

/* The joined JSON: the run's header line, then each cell's JSON as it came. */
static int write_json(const void *data, FILE *f)
{
	const struct merged *m = data;
	int ret = report_json_open(&m->rep, f);

	for (size_t i = 0; !ret && i < m->n; i++) {
		const char *t = json_object_to_json_string_ext(m->cells[i], REPORT_JSON_FLAGS);

		if (!t)
			return -ENOMEM;
		fprintf(f, "  %s%s\n", t, i + 1 < m->n ? "," : "");
	}
	if (!ret)
		fputs("] }\n", f);
	return ret ? ret : ferror(f) ? -EIO : 0;
}

static int write_junit(const void *data, FILE *f)
{
	return report_write_junit(&((const struct merged *)data)->rep, f);
}

/* The page of the joined JSON (report_html.h). */
static int write_html(const void *data, FILE *f)
{
	return report_html_via_json(write_json, data, f);
}

static void print_out_err(const struct fw_err *err)
{
	char msg[600];

	fprintf(stderr, "finwait merge: %s\n", fw_err_format(err, msg, sizeof(msg)));
}

/* Options into m; the first input's index into *first. Returns -1 or the exit code. */
static int parse_opts(int argc, char **argv, struct merged *m, int *first)
{
	static const struct option longopts[] = {
		{ "json", required_argument, NULL, 256 + OUT_JSON },
		{ "junit", required_argument, NULL, 256 + OUT_JUNIT },
		{ "html", required_argument, NULL, 256 + OUT_HTML },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		if (ch >= 256 && ch < 256 + OUT_COUNT) {
			m->outs[ch - 256].path = optarg;
		} else if (ch == 'q') {
			m->quiet = true;
		} else if (ch == 'h') {
			fputs(merge_usage, stdout);
			return FW_EXIT_OK;
		} else {
			fprintf(stderr, "finwait merge: %s '%s'\n\n%s", ch == ':' ? "no value for"
				: "unknown option", argv[optind - 1], merge_usage);
			return FW_EXIT_USAGE;
		}
	}
	*first = optind;
	if (optind < argc)
		return -1;
	fprintf(stderr, "finwait merge: no report given\n\n%s", merge_usage);
	return FW_EXIT_USAGE;
}

/* Reads, checks and joins the inputs. Returns -1 to go on, or the exit code. */
static int join(struct merged *m, char **paths)
{
	int rc = -1;

	for (size_t f = 0; f < m->n_in && rc < 0; f++) {
		m->in[f].path = paths[f];
		rc = load_input(&m->in[f], &m->in[0]);
	}
	if (rc < 0)
		rc = m->in[0].shard ? place_shards(m) : place_runs(m);
	return rc < 0 ? make_rows(m) : rc;
}

static int exit_code(const struct report *rep)
{
	size_t passed, failed, skipped;

	report_count(rep, &passed, &failed, &skipped);
	if (failed)
		return FW_EXIT_FAILED;
	return skipped && skipped == rep->n_cells ? FW_EXIT_SKIP : FW_EXIT_OK;
}

int cmd_merge(int argc, char **argv)
{
	struct merged m = { .outs = {
		[OUT_JSON] = { "--json", NULL, write_json },
		[OUT_JUNIT] = { "--junit", NULL, write_junit },
		[OUT_HTML] = { "--html", NULL, write_html },
	} };
	struct fw_err err = { 0 };
	char summary[256];
	FILE *human;
	int first, rc = parse_opts(argc, argv, &m, &first);

	if (rc >= 0)
		return rc;
	if (report_out_check(m.outs, OUT_COUNT, &err)) {
		print_out_err(&err);
		return FW_EXIT_USAGE;
	}
	m.n_in = (size_t)(argc - first);
	m.in = calloc(m.n_in, sizeof(*m.in));
	rc = m.in ? join(&m, argv + first) : oom();
	if (rc < 0) {
		human = report_out_stdout(m.outs, OUT_COUNT) ? stderr : stdout;
		if (m.quiet)
			fprintf(human, "%s\n", report_summary(&m.rep, summary, sizeof(summary)));
		else
			report_write_table(&m.rep, human);
		fflush(human);
		rc = report_out_write_all(m.outs, OUT_COUNT, &m, print_out_err) ?
			     FW_EXIT_INTERNAL : exit_code(&m.rep);
	}
	for (size_t i = 0; m.rows && i < m.n; i++)
		report_cell_read_clear(&m.rows[i]);
	for (size_t f = 0; m.in && f < m.n_in; f++)
		json_object_put(m.in[f].root);
	free(m.rows);
	free(m.cells);
	free(m.in);
	return rc;
}
