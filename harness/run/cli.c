/* cli: the `finwait run` command line: its options and usage, the order of a run (load,
 * lab, pool, reports), printing every error, and the exit-code policy. The only part of
 * run/ that writes to stdout or stderr. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert.h"
#include "exitcode.h"
#include "kinfo.h"
#include "lab.h"
#include "load.h"
#include "pool.h"
#include "report.h"
#include "report_out.h"
#include "report_html.h"
#include "run.h"
#include "suggest.h"
#include "sysctl.h"
#include "util.h"

/* Cells run at once without --jobs: all of them, up to this many. */
#define MAX_JOBS_DEFAULT 64

/* The report files, in the order they are written. */
enum { OUT_JSON, OUT_JUNIT, OUT_CSV, OUT_HTML, OUT_COUNT };

static const char run_usage[] =
	"Usage: finwait run [OPTIONS] [SCENARIO ...]\n"
	"Runs scenarios in a lab of network namespaces and reports, for each cell of their\n"
	"matrices, how long the server's sockets stayed in FIN_WAIT2 and whether that met\n"
	"the expectation. With no SCENARIO, runs the built-in default (the seed's story:\n"
	"both built-in scenarios, each with --set and --matrix applied). A SCENARIO is a\n"
	"file, or the name of a shipped or built-in one (see `finwait list`).\n"
	"\n"
	"  -s, --set KEY=VALUE     override a scenario key in every scenario, e.g.\n"
	"                          --set sysctl.net.ipv4.tcp_fin_timeout=3, --set limit=5s,\n"
	"                          --set client.fault=vanish (KEY is section.key)\n"
	"  -m, --matrix KEY=V1,V2  add (or replace) a matrix axis: one cell per value\n"
	"      --blank             run no scenario's cells: one scenario of the keys'\n"
	"                          defaults (`finwait keys`), named blank, made of --set\n"
	"                          and --matrix alone, e.g. --blank --set limit=3s\n"
	"                          --matrix client.fault=freeze,vanish\n"
	"  -j, --jobs N            cells run at once (default: all cells, at most 64)\n"
	"      --shard K/N         run share K of N (1 <= K <= N): the cells whose place in\n"
	"                          the whole matrix, counted from 0, is K-1 modulo N; join\n"
	"                          the shares' --json reports with `finwait merge`\n"
	"  -i, --interval DUR      sampling period (same as --set scenario.interval=DUR)\n"
	"      --json FILE         write the JSON report (- for stdout; the table then goes\n"
	"                          to stderr)\n"
	"      --junit FILE        write a JUnit XML report, one testcase per cell\n"
	"      --csv FILE          write the raw timelines as CSV, one row per connection\n"
	"                          and state\n"
	"      --html FILE         write one self-contained HTML page: the summary, and per\n"
	"                          cell the pile-up, the connections' lanes and the\n"
	"                          FIN_WAIT2 histogram\n"
	"      --pcap DIR          write each cell's packet capture to DIR/CELL.pcap\n"
	"                          (tcpdump -r, Wireshark); DIR is made if missing\n"
	"  -q, --quiet             print only the summary line\n"
	"      --keep              name each cell's namespaces /run/netns/finwait-PID-N-srv\n"
	"                          and -cli for inspection (root only; remove them with\n"
	"                          `ip netns del`) and keep its folder; both are printed\n"
	"  -h, --help\n"
	"\n"
	"Durations take us, ms, s, m or h (1500ms, 2s, 2h). Progress goes to stderr when it\n"
	"is a terminal. Exit codes: 0 every expectation held, 1 an expectation failed,\n"
	"2 bad usage or scenario, 3 internal error, 77 the lab cannot be built here,\n"
	"130 interrupted (SIGINT, SIGTERM, SIGHUP or SIGQUIT; the lab is torn down first).\n";

struct opts {
	struct load_kv *sets;	/* --set and --interval, in order */
	size_t n_sets;
	struct load_kv *axes;	/* --matrix */
	size_t n_axes;
	long jobs;
	struct report_out outs[OUT_COUNT];	/* --json, --junit, --csv, --html */
	const char *pcap;	/* --pcap DIR */
	bool quiet;
	bool keep;
	bool blank;	/* --blank: the schema's defaults instead of a scenario */
	unsigned shard_index, shard_count;	/* --shard K/N; 0/0: every cell */
};

/* One run, from its cells to its reports. */
struct run {
	const struct opts *o;
	struct kinfo ki;
	struct model_env menv;
	struct scenario **cells;
	size_t n;
	size_t *index;			/* --shard: each cell's place in the whole matrix */
	size_t matrix_cells;		/* ... and its size */
	char matrix_id[17];		/* ... and its digest (report_matrix_id) */
	struct lab *lab;
	struct pool_cell *pcells;	/* the cells and their outcomes */
	struct cell_report *reports;	/* the outcomes as report rows */
	struct report_cell *rcells;
	int64_t t0;
	bool interrupted;	/* SIGINT, SIGTERM, SIGHUP, SIGQUIT */
	bool internal;		/* an internal error, but the reports are still written */
};

static void print_err(const char *who, const struct fw_err *err)
{
	char msg[600];

	fprintf(stderr, "%s: %s\n", who, fw_err_format(err, msg, sizeof(msg)));
}

/* Records text ("KEY=VALUE") as an override from option `where`. Returns -1 to go on,
 * or the exit code. */
static int add_kv(struct load_kv **v, size_t *n, const char *text, const char *where,
		  const char *want)
{
	struct load_kv *nv, kv;
	int ret = load_kv_parse(text, where, &kv);

	if (ret == -EINVAL) {
		fprintf(stderr, "finwait run: %s wants %s, not '%s'\n", where, want, text);
		return FW_EXIT_USAGE;
	}
	nv = ret ? NULL : realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv) {
		if (!ret)
			free(kv.key);
		fprintf(stderr, "finwait run: out of memory\n");
		return FW_EXIT_INTERNAL;
	}
	nv[(*n)++] = kv;
	*v = nv;
	return -1;
}

/* -i DUR is one more --set entry: scenario.interval=DUR, parsed by scenario_set(). */
static int add_interval(struct opts *o, const char *dur)
{
	size_t len = strlen(dur) + sizeof("scenario.interval=");
	char *text = malloc(len);
	int rc;

	if (!text) {
		fprintf(stderr, "finwait run: out of memory\n");
		return FW_EXIT_INTERNAL;
	}
	snprintf(text, len, "scenario.interval=%s", dur);
	rc = add_kv(&o->sets, &o->n_sets, text, "--interval", "DUR");
	free(text);
	return rc;
}

static void opts_free(struct opts *o)
{
	for (size_t i = 0; i < o->n_sets; i++)
		free(o->sets[i].key);
	for (size_t i = 0; i < o->n_axes; i++)
		free(o->axes[i].key);
	free(o->sets);
	free(o->axes);
}

/* A getopt error: ch is ':' (a missing value) or '?' (an unknown option). */
static int bad_option(int ch, char **argv)
{
	/* In a group of short options argv[optind - 1] is not the culprit. */
	if (ch == ':' && optopt && optopt < 256)
		fprintf(stderr, "finwait run: -%c needs a value\n", optopt);
	else if (ch == ':')
		fprintf(stderr, "finwait run: %s needs a value\n", argv[optind - 1]);
	else if (optopt)
		fprintf(stderr, "finwait run: unknown option '-%c'\n\n%s", optopt, run_usage);
	else
		fprintf(stderr, "finwait run: unknown option '%s'\n\n%s", argv[optind - 1],
			run_usage);
	return FW_EXIT_USAGE;
}

/* --shard K/N. Returns -1 to go on, or FW_EXIT_USAGE. */
static int parse_shard(struct opts *o, const char *text)
{
	const char *slash = strchr(text, '/');
	char k[32];
	long kv, nv;

	if (!slash || (size_t)(slash - text) >= sizeof(k))
		goto bad;
	snprintf(k, sizeof(k), "%.*s", (int)(slash - text), text);
	if (parse_long(slash + 1, 1, SCEN_MAX_CELLS, &nv) || parse_long(k, 1, nv, &kv))
		goto bad;
	o->shard_index = (unsigned)kv;
	o->shard_count = (unsigned)nv;
	return -1;
bad:
	fprintf(stderr, "finwait run: --shard wants K/N with 1 <= K <= N <= %d, not '%s'\n",
		SCEN_MAX_CELLS, text);
	return FW_EXIT_USAGE;
}

/* --pcap DIR: a directory, or a name that can be made one in a writable directory (it
 * is made only when the cells run). Returns -1 when good, else FW_EXIT_USAGE (said). */
static int check_pcap_dir(const char *dir)
{
	char parent[PATH_MAX];
	struct stat st;
	const char *why = NULL;

	if (!stat(dir, &st)) {
		if (!S_ISDIR(st.st_mode))
			why = "not a directory";
		else if (access(dir, W_OK | X_OK))
			why = strerror(errno);
	} else if (errno != ENOENT) {
		why = strerror(errno);
	} else {
		snprintf(parent, sizeof(parent), "%s", dir);
		if (access(dirname(parent), W_OK | X_OK))
			why = "it does not exist and cannot be made there";
	}
	if (!why)
		return -1;
	fprintf(stderr, "finwait run: --pcap %s: %s\n", dir, why);
	return FW_EXIT_USAGE;
}

/* Parses the options into *o and the index of the first scenario into *first. Returns
 * -1 to go on, or the exit code (--help, a bad option). */
static int parse_opts(int argc, char **argv, struct opts *o, int *first)
{
	enum { OPT_JSON = 256, OPT_JUNIT, OPT_CSV, OPT_KEEP, OPT_BLANK, OPT_HTML, OPT_SHARD, OPT_PCAP };
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "matrix", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "quiet", no_argument, NULL, 'q' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "blank", no_argument, NULL, OPT_BLANK },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc = -1;

	optind = 1;
	opterr = 0;
	while (rc < 0 && (ch = getopt_long(argc, argv, ":s:m:j:i:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			rc = add_kv(&o->sets, &o->n_sets, optarg, "--set", "KEY=VALUE");
			break;
		case 'm':
			rc = add_kv(&o->axes, &o->n_axes, optarg, "--matrix", "KEY=V1,V2");
			break;
		case 'i':
			rc = add_interval(o, optarg);
			break;
		case 'j':
			if (parse_long(optarg, 1, 4096, &o->jobs)) {
				fprintf(stderr, "finwait run: bad --jobs '%s' (1..4096)\n", optarg);
				rc = FW_EXIT_USAGE;
			}
			break;
		case OPT_JSON:
			o->outs[OUT_JSON].path = optarg;
			break;
		case OPT_JUNIT:
			o->outs[OUT_JUNIT].path = optarg;
			break;
		case OPT_CSV:
			o->outs[OUT_CSV].path = optarg;
			break;
		case OPT_HTML:
			o->outs[OUT_HTML].path = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_KEEP:
			o->keep = true;
			/* Before anything runs: the names are bind mounts in the host's
			 * /run/netns, which only root may make. */
			if (geteuid() != 0) {
				fprintf(stderr, "finwait run: --keep needs root: it names the "
					"namespaces in /run/netns (bind mounts)\n");
				rc = FW_EXIT_USAGE;
			}
			break;
		case OPT_BLANK:
			o->blank = true;
			break;
		case OPT_SHARD:
			rc = parse_shard(o, optarg);
			break;
		case OPT_PCAP:
			rc = check_pcap_dir(optarg);
			o->pcap = optarg;
			break;
		case 'h':
			fputs(run_usage, stdout);
			rc = FW_EXIT_OK;
			break;
		default:
			rc = bad_option(ch, argv);
		}
	}
	*first = optind;
	if (rc < 0 && o->blank && optind < argc) {
		fprintf(stderr, "finwait run: --blank runs no scenario, but '%s' was given\n",
			argv[optind]);
		rc = FW_EXIT_USAGE;
	}
	return rc;
}

/* A --set or --matrix KEY that is no scenario key, or a sysctl this kernel does not have
 * in net.ipv4, net.ipv6 or net.core (whose keys every namespace has): the message with
 * the nearest key (suggest.h) into msg. Returns true when kv is such a key. */
static bool unknown_key(const struct load_kv *kv, char *msg, size_t len)
{
	const char *name = kv->key;
	char canon[256], path[4096], near[256], why[300];
	struct fw_err err = { 0 };
	struct stat st;

	if (!str_startswith(name, "sysctl.") && !str_startswith(name, "client.sysctl.")) {
		if (!scen_canonical_key(name, canon, sizeof(canon), &err))
			return false;
		snprintf(why, sizeof(why), "%s", err.msg);
	} else {
		size_t dots = 0;

		name = strstr(name, "sysctl.") + 7;
		for (const char *p = name; *p; p++)
			dots += *p == '.';
		if (dots != 2 || !(str_startswith(name, "net.ipv4.") ||
				   str_startswith(name, "net.ipv6.") ||
				   str_startswith(name, "net.core.")) ||
		    sysctl_key_path(name, path, sizeof(path)) || !stat(path, &st))
			return false;
		snprintf(why, sizeof(why), "no sysctl %s on this kernel", name);
	}
	if (suggest_key(kv->key, "/proc/sys", near, sizeof(near)))
		snprintf(msg, len, "%s: %s (did you mean %s%s?)", kv->where, why,
			 str_startswith(kv->key, "client.") && str_startswith(near, "sysctl.") ?
			 "client." : "", near);
	else
		snprintf(msg, len, "%s: %s (`finwait keys` lists every key)", kv->where, why);
	return true;
}

/* An unknown key in a scenario file (the parser's "unknown key 'K' in [S]" at file:line)
 * gets the nearest key appended, as on the command line. */
static void suggest_for_file(struct fw_err *err)
{
	char key[128], sec[64], full[200], near[256];
	size_t len = strlen(err->msg);

	if (sscanf(err->msg, "unknown key '%127[^']' in [%63[^]]]", key, sec) != 2)
		return;
	snprintf(full, sizeof(full), "%s.%s", sec, key);
	if (suggest_key(full, "/proc/sys", near, sizeof(near)) && len < sizeof(err->msg))
		snprintf(err->msg + len, sizeof(err->msg) - len, " (did you mean %.200s?)", near);
}

/* Every --set and --matrix key checked before anything is loaded. Returns -1 to go on,
 * or FW_EXIT_USAGE. */
static int check_keys(const struct opts *o)
{
	const struct load_kv *lists[] = { o->sets, o->axes };
	const size_t ns[] = { o->n_sets, o->n_axes };
	char msg[700];

	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < ns[l]; i++)
			if (unknown_key(&lists[l][i], msg, sizeof(msg))) {
				fprintf(stderr, "finwait run: %s\n", msg);
				return FW_EXIT_USAGE;
			}
	return -1;
}

/* --shard K/N: keeps the cells whose place i in the whole matrix has i mod N = K-1
 * (round robin: shares differ by one cell at most, and a matrix's neighbouring cells,
 * which tend to last alike, spread over the shares), noting each one's place and the
 * matrix's digest. Every machine computes the same matrix from the same arguments; the
 * digest lets `finwait merge` check that. Returns 0 or -ENOMEM. */
static int select_shard(struct run *r)
{
	const char **names = calloc(r->n ? r->n : 1, sizeof(*names));
	size_t k = r->o->shard_index - 1, n = r->o->shard_count, kept = 0;

	r->index = calloc(r->n / n + 1, sizeof(*r->index));
	if (!names || !r->index) {
		free(names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++)
		names[i] = r->cells[i]->name;
	report_matrix_id(names, r->n, r->matrix_id);
	free(names);
	r->matrix_cells = r->n;
	for (size_t i = 0; i < r->n; i++) {
		if (i % n != k) {
			scenario_free(r->cells[i]);
			continue;
		}
		r->index[kept] = i;
		r->cells[kept++] = r->cells[i];
	}
	r->n = kept;
	return 0;
}

/* Progress on stderr (a terminal's, without --quiet); arg: whether the interruption was
 * announced. */
static void on_tick(const struct pool_tick *t, void *arg)
{
	bool *told = arg;

	if (t->signal && !*told) {
		fprintf(stderr, "\r\033[Kfinwait: interrupted, tearing down\n");
		*told = true;
	}
	if (t->final)
		fprintf(stderr, "\r\033[K");
	else
		fprintf(stderr, "\r\033[Kfinwait: %zu/%zu cells done, %zu running, %.1f s",
			t->done, t->n, t->running, ns_to_s(t->elapsed_ns));
	fflush(stderr);
}

/* Opens the lab and runs every cell. Returns FW_EXIT_OK to go on to the reports, or the
 * exit code. */
static int run_cells(struct run *r)
{
	char server_bin[PATH_MAX], client_bin[PATH_MAX];
	struct fw_err err = { 0 };
	struct cellrun_env env;
	size_t n_threads;
	bool tty = !r->o->quiet && isatty(STDERR_FILENO), told = false;
	int ret;

	/* Before any thread: lab_open may have to enter a user namespace. */
	ret = lab_open(&r->lab, load_ehash_for(r->cells, r->n), &err);
	if (ret) {
		print_err("finwait", &err);
		return lab_err_is_skip(ret) ? FW_EXIT_SKIP : FW_EXIT_INTERNAL;
	}
	/* Every sysctl checked in a throwaway cell before any cell runs: bad input, exit 2. */
	ret = load_probe(r->lab, r->cells, r->n, &err);
	if (ret) {
		print_err("finwait run", &err);
		return ret == -EINVAL ? FW_EXIT_USAGE
				      : lab_err_is_skip(ret) ? FW_EXIT_SKIP : FW_EXIT_INTERNAL;
	}
	load_find_program("FINWAIT_SERVER", "servers", "finwait-server", server_bin,
			  sizeof(server_bin));
	load_find_program("FINWAIT_CLIENT", "clients", "finwait-client", client_bin,
			  sizeof(client_bin));
	r->pcells = calloc(r->n, sizeof(*r->pcells));
	if (!r->pcells) {
		fprintf(stderr, "finwait: out of memory\n");
		return FW_EXIT_INTERNAL;
	}
	for (size_t i = 0; i < r->n; i++)
		r->pcells[i].sc = r->cells[i];
	if (r->o->pcap && mkdir(r->o->pcap, 0755) && errno != EEXIST) {
		fprintf(stderr, "finwait run: --pcap %s: %s\n", r->o->pcap, strerror(errno));
		return FW_EXIT_INTERNAL;
	}
	env = (struct cellrun_env){ r->lab, server_bin, client_bin, NULL, r->o->keep,
				    r->o->pcap, false };
	n_threads = r->o->jobs ? (size_t)r->o->jobs : MAX_JOBS_DEFAULT;
	if (n_threads > r->n)
		n_threads = r->n;
	r->t0 = mono_ns();
	if (pool_run(r->pcells, r->n, n_threads, &env, tty ? on_tick : NULL, &told,
		     &r->interrupted, &err)) {
		print_err("finwait", &err);
		r->internal = true;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->pcells[i].out.kept[0])
			fprintf(stderr, "finwait: kept %s: %s\n", r->cells[i]->name,
				r->pcells[i].out.kept);
	return FW_EXIT_OK;
}

/* report.h's writers as report_out writers. */
static int write_json(const void *rep, FILE *f) { return report_write_json(rep, f); }
static int write_junit(const void *rep, FILE *f) { return report_write_junit(rep, f); }
static int write_csv(const void *rep, FILE *f) { return report_write_csv(rep, f); }
static int write_html(const void *rep, FILE *f) { return report_write_html(rep, f); }

static void print_out_err(const struct fw_err *err)
{
	print_err("finwait run", err);
}

/* The table (or with --quiet the summary line), then the report files. A report
 * written to stdout ("-") must stay parseable: the table or the summary then goes to
 * stderr. Returns 0 or -errno. */
static int write_reports(const struct opts *o, const struct report *rep)
{
	FILE *human = report_out_stdout(o->outs, OUT_COUNT) ? stderr : stdout;
	char summary[256];

	if (o->quiet)
		fprintf(human, "%s\n", report_summary(rep, summary, sizeof(summary)));
	else
		report_write_table(rep, human);
	fflush(human);
	return report_out_write_all(o->outs, OUT_COUNT, rep, print_out_err);
}

/* The exit code of a run whose reports are written: a host sysctl that moved under a
 * cell aborts it (internal error), then a signal, an internal error, a failed
 * expectation, every cell skipped, else success. */
static int exit_code(const struct run *r, const struct report *rep)
{
	size_t passed, failed, skipped;

	for (size_t i = 0; i < r->n; i++)
		if (r->pcells[i].out.host_moved) {
			print_err("finwait: aborted", &r->pcells[i].out.err);
			return FW_EXIT_INTERNAL;
		}
	report_count(rep, &passed, &failed, &skipped);
	if (r->interrupted)
		return FW_EXIT_INTERRUPTED;
	if (r->internal)
		return FW_EXIT_INTERNAL;
	if (failed)
		return FW_EXIT_FAILED;
	if (skipped == r->n && r->n) /* an empty share (--shard) ran nothing: fine */
		return FW_EXIT_SKIP;
	return FW_EXIT_OK;
}

/* Turns the outcomes into the report, writes it and decides the exit code. */
static int report_run(struct run *r)
{
	struct report rep = { 0 };

	r->reports = calloc(r->n, sizeof(*r->reports));
	r->rcells = calloc(r->n, sizeof(*r->rcells));
	if (!r->reports || !r->rcells)
		goto oom;
	for (size_t i = 0; i < r->n; i++) {
		const struct cell_outcome *out = &r->pcells[i].out;

		if (convert_cell(&r->reports[i], r->cells[i], out, &r->menv))
			goto oom;
		if (out->rc && !out->skipped && !out->interrupted)
			r->internal = true;
		r->rcells[i] = r->reports[i].rc;
		r->rcells[i].index = r->index ? r->index[i] : i;
	}
	rep.version = FINWAIT_VERSION;
	rep.kernel = r->ki.release;
	rep.hz = r->ki.hz;
	rep.elapsed_ns = mono_ns() - r->t0;
	rep.cells = r->rcells;
	rep.n_cells = r->n;
	if (r->o->shard_count) {
		rep.shard_index = r->o->shard_index;
		rep.shard_count = r->o->shard_count;
		rep.matrix_cells = r->matrix_cells;
		rep.matrix_id = r->matrix_id;
	}
	if (write_reports(r->o, &rep))
		return FW_EXIT_INTERNAL;
	return exit_code(r, &rep);
oom:
	fprintf(stderr, "finwait: out of memory\n");
	return FW_EXIT_INTERNAL;
}

static void run_clear(struct run *r)
{
	for (size_t i = 0; r->reports && i < r->n; i++)
		cell_report_clear(&r->reports[i]);
	for (size_t i = 0; r->pcells && i < r->n; i++)
		cell_outcome_clear(&r->pcells[i].out);
	free(r->reports);
	free(r->rcells);
	free(r->pcells);
	free(r->index);
	scenario_free_cells(r->cells, r->n);
	lab_close(r->lab);
}

int cmd_run(int argc, char **argv)
{
	struct opts o = { .outs = {
		[OUT_JSON] = { "--json", NULL, write_json },
		[OUT_JUNIT] = { "--junit", NULL, write_junit },
		[OUT_CSV] = { "--csv", NULL, write_csv },
		[OUT_HTML] = { "--html", NULL, write_html },
	} };
	struct run r = { .o = &o };
	struct load_req req;
	struct fw_err err = { 0 };
	int first, ret, rc;

	rc = parse_opts(argc, argv, &o, &first);
	if (rc >= 0)
		goto out;
	if ((rc = check_keys(&o)) >= 0)
		goto out;
	/* A report that could not be written must stop the run before it starts. */
	if (report_out_check(o.outs, OUT_COUNT, &err)) {
		print_err("finwait run", &err);
		rc = FW_EXIT_USAGE;
		goto out;
	}
	req = (struct load_req){ .scenarios = argv + first,
				 .n_scenarios = (size_t)(argc - first), .blank = o.blank,
				 .sets = o.sets, .n_sets = o.n_sets,
				 .axes = o.axes, .n_axes = o.n_axes };
	kinfo_read(&r.ki);
	model_env_default(&r.menv, 100);
	r.menv.hz = r.ki.hz; /* 0: unknown, judge_expect() covers every choice */
	ret = load_cells(&req, &r.menv, &r.cells, &r.n, &err);
	if (ret) {
		suggest_for_file(&err);
		print_err("finwait run", &err);
		rc = ret == -ENOMEM || ret == -ENOTRECOVERABLE ? FW_EXIT_INTERNAL : FW_EXIT_USAGE;
		goto out;
	}
	if (o.shard_count && select_shard(&r)) {
		fprintf(stderr, "finwait: out of memory\n");
		rc = FW_EXIT_INTERNAL;
		goto out;
	}
	r.t0 = mono_ns();
	rc = r.n ? run_cells(&r) : FW_EXIT_OK;	/* an empty share builds no lab */
	if (rc == FW_EXIT_OK)
		rc = report_run(&r);
out:
	run_clear(&r);
	opts_free(&o);
	return rc;
}
