#include "run.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cellrun.h"
#include "external.h"
#include "kinfo.h"
#include "lab.h"
#include "model.h"
#include "report.h"
#include "scenario.h"
#include "sysctl.h"
#include "util.h"

#ifndef FINWAIT_SCENARIO_DIR
#define FINWAIT_SCENARIO_DIR "tests/scenarios"
#endif

#define MAX_JOBS_DEFAULT 64
/* The sampler's shortest period (sampler_start()). */
#define MIN_INTERVAL_NS (100 * NSEC_PER_USEC)
/* One client address has this many ephemeral ports towards one server port. */
#define MAX_CELL_CONNECTIONS 64512
#define EXIT_INTERRUPTED 130

static const char run_usage[] =
	"Usage: finwait run [OPTIONS] [SCENARIO ...]\n"
	"Runs scenarios in a lab of network namespaces and reports, for each cell of their\n"
	"matrices, how long the server's sockets stayed in FIN_WAIT2 and whether that met\n"
	"the expectation. With no SCENARIO, runs the built-in default (the seed's story).\n"
	"A SCENARIO is a file, or the name of a shipped one (see `finwait list`).\n"
	"\n"
	"  -s, --set KEY=VALUE     override a scenario key in every scenario, e.g.\n"
	"                          --set sysctl.net.ipv4.tcp_fin_timeout=3, --set limit=5s,\n"
	"                          --set client.fault=vanish (KEY is section.key)\n"
	"  -m, --matrix KEY=V1,V2  add (or replace) a matrix axis: one cell per value\n"
	"  -j, --jobs N            cells run at once (default: all cells, at most 64)\n"
	"  -i, --interval DUR      sampling period (same as --set scenario.interval=DUR)\n"
	"      --json FILE         write the JSON report (- for stdout; the table then goes\n"
	"                          to stderr)\n"
	"      --junit FILE        write a JUnit XML report, one testcase per cell\n"
	"      --csv FILE          write the raw timelines as CSV, one row per connection\n"
	"                          and state\n"
	"  -q, --quiet             print only the summary line\n"
	"      --keep              name each cell's namespaces /run/netns/finwait-PID-N-srv\n"
	"                          and -cli for inspection; remove them with `ip netns del`\n"
	"  -h, --help\n"
	"\n"
	"Durations take us, ms, s, m or h (1500ms, 2s, 2h). Progress goes to stderr when it\n"
	"is a terminal. Exit codes: 0 every expectation held, 1 an expectation failed,\n"
	"2 bad usage or scenario, 3 internal error, 77 the lab cannot be built here,\n"
	"130 interrupted (SIGINT/SIGTERM; the lab is torn down first).\n";

struct opts {
	char **sets;		/* "KEY=VALUE" */
	size_t n_sets;
	char **axes;		/* "KEY=V1,V2" */
	size_t n_axes;
	long jobs;
	const char *json, *junit, *csv;
	bool quiet;
	bool keep;
};

/* One cell of the run and what became of it. */
struct job {
	struct scenario *sc;
	struct cell_outcome out;
	atomic_int state;	/* 0 pending, 1 running, 2 done */
	/* report material, owned here */
	struct report_cell rc;
	struct report_param *params;
	struct scen_kvlist flat;
	struct report_conn *conns;
	struct report_state *states;
	struct report_agg aggs[DIAG_NSTATES];
	char **strs;
	size_t n_strs;
	char why[512];
};

struct pool {
	struct job *jobs;
	size_t n;
	atomic_size_t next;
	atomic_size_t done;
	struct cellrun_env env;
};

static atomic_bool stop_flag;

/* The cell's expectation; env->hz 0 means the kernel's HZ is unknown. */
static int expect_for(const struct scenario *sc, const struct model_env *menv,
		      struct prediction *p)
{
	return menv->hz ? model_expect(sc, menv, p) : model_expect_any_hz(sc, menv, p);
}

const char *run_scenario_dir(void)
{
	const char *e = getenv("FINWAIT_SCENARIOS");

	return e && *e ? e : FINWAIT_SCENARIO_DIR;
}

int run_resolve_scenario(const char *arg, char *buf, size_t len)
{
	struct stat st;

	if (!stat(arg, &st)) {
		snprintf(buf, len, "%s", arg);
		return 0;
	}
	if (strchr(arg, '/'))
		return -ENOENT;
	snprintf(buf, len, "%s/%s", run_scenario_dir(), arg);
	if (!stat(buf, &st))
		return 0;
	snprintf(buf, len, "%s/%s.ini", run_scenario_dir(), arg);
	return stat(buf, &st) ? -ENOENT : 0;
}

/* finwait-server and finwait-client: $FINWAIT_SERVER / $FINWAIT_CLIENT, else next to
 * this program in the build tree (../servers, ../clients), else beside it, else PATH. */
static void find_program(const char *env, const char *sub, const char *name, char *buf,
			 size_t len)
{
	char self[PATH_MAX], *dir;
	const char *e = getenv(env);
	ssize_t n;

	if (e && *e) {
		snprintf(buf, len, "%s", e);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		dir = dirname(self);
		snprintf(buf, len, "%s/../%s/%s", dir, sub, name);
		if (!access(buf, X_OK))
			return;
		snprintf(buf, len, "%s/%s", dir, name);
		if (!access(buf, X_OK))
			return;
	}
	snprintf(buf, len, "%s", name);
}

static int push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o, int *first_arg)
{
	enum { OPT_JSON = 256, OPT_JUNIT, OPT_CSV, OPT_KEEP };
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "matrix", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "quiet", no_argument, NULL, 'q' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char interval_set[96];
	int ch;
	int64_t ns;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:m:j:i:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'm':
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "finwait run: --%s wants KEY=%s, not '%s'\n",
					ch == 's' ? "set" : "matrix", ch == 's' ? "VALUE" : "V1,V2",
					optarg);
				return 2;
			}
			if (push(ch == 's' ? &o->sets : &o->axes, ch == 's' ? &o->n_sets : &o->n_axes,
				 optarg))
				return 3;
			break;
		case 'j':
			if (parse_long(optarg, 1, 4096, &o->jobs)) {
				fprintf(stderr, "finwait run: bad --jobs '%s' (1..4096)\n", optarg);
				return 2;
			}
			break;
		case 'i':
			if (dur_parse(optarg, &ns) || ns < MIN_INTERVAL_NS) {
				fprintf(stderr, "finwait run: bad --interval '%s' (a duration of at least "
						"100us: 1ms, 500us)\n", optarg);
				return 2;
			}
			snprintf(interval_set, sizeof(interval_set), "scenario.interval=%s", optarg);
			if (push(&o->sets, &o->n_sets, interval_set))
				return 3;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_JUNIT:
			o->junit = optarg;
			break;
		case OPT_CSV:
			o->csv = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_KEEP:
			o->keep = true;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 0;
		case ':':
			if (optopt && optopt < 256)
				fprintf(stderr, "finwait run: -%c needs a value\n", optopt);
			else
				fprintf(stderr, "finwait run: %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			/* In a group of short options argv[optind - 1] is not the culprit. */
			if (optopt)
				fprintf(stderr, "finwait run: unknown option '-%c'\n\n%s", optopt,
					run_usage);
			else
				fprintf(stderr, "finwait run: unknown option '%s'\n\n%s",
					argv[optind - 1], run_usage);
			return 2;
		}
	}
	*first_arg = optind;
	return -1;
}

/* Applies "KEY=VALUE" strings with fn (scenario_set or scenario_add_axis); errors name
 * `where`. Returns 0 or an exit code. */
static int apply_list(struct scenario *sc, char *const *list, size_t n, const char *where,
		      int (*fn)(struct scenario *, const char *, const char *, const char *,
				struct fw_err *))
{
	struct fw_err err = { 0 };
	char msg[600];

	for (size_t i = 0; i < n; i++) {
		char *kv = strdup(list[i]), *eq;
		int r;

		if (!kv)
			return 3;
		eq = strchr(kv, '=');
		*eq = '\0';
		r = fn(sc, str_trim(kv), str_trim(eq + 1), where, &err);
		free(kv);
		if (r) {
			fprintf(stderr, "finwait run: %s\n", fw_err_format(&err, msg, sizeof(msg)));
			return 2;
		}
	}
	return 0;
}

/* Applies --set and --matrix to a loaded scenario. */
static int apply_overrides(struct scenario *sc, const struct opts *o)
{
	struct fw_err err = { 0 };
	char msg[600];
	int rc;

	if ((rc = apply_list(sc, o->sets, o->n_sets, "--set", scenario_set)) ||
	    (rc = apply_list(sc, o->axes, o->n_axes, "--matrix", scenario_add_axis)))
		return rc;
	if (scenario_validate(sc, &err)) {
		fprintf(stderr, "finwait run: %s\n", fw_err_format(&err, msg, sizeof(msg)));
		return 2;
	}
	return 0;
}

/* What the scenario parser accepts but a cell cannot run: refuse before anything is
 * built, naming the scenario file. */
static int check_runnable(const struct scenario *sc, const struct model_env *menv)
{
	struct prediction p;
	char a[32], b[32];

	char **argv = NULL;
	struct ext_vars v = { "198.18.0.1", "8080", "/tmp" };

	if (sc->interval_ns < MIN_INTERVAL_NS) {
		fprintf(stderr, "%s: %s: interval must be at least 100us\n", sc->file, sc->name);
		return 2;
	}
	if (sc->connections > MAX_CELL_CONNECTIONS) {
		fprintf(stderr, "%s: %s: at most %d connections a cell (the source ports of the "
				"client's one address)\n", sc->file, sc->name, MAX_CELL_CONNECTIONS);
		return 2;
	}
	/* A socket still in FIN_WAIT2 at the limit is reported as lasting >= limit: an
	 * expected end later than that could never be seen. */
	if (!expect_for(sc, menv, &p) && p.kind == PRED_RANGE &&
	    sc->limit_ns < p.max_ns + sc->server.close_after_ns) {
		fprintf(stderr, "%s: %s: limit %s ends before the expected FIN_WAIT2 end (up to "
				"%s after the close): raise limit\n", sc->file, sc->name,
			dur_format(sc->limit_ns, a, sizeof(a)),
			dur_format(p.max_ns + sc->server.close_after_ns, b, sizeof(b)));
		return 2;
	}
	if (sc->server.program == SCEN_PROG_COMMAND) {
		if (ext_split(sc->server.command ? sc->server.command : "", &v, &argv)) {
			fprintf(stderr, "%s: %s: server.command is empty or has an unterminated "
					"quote\n", sc->file, sc->name);
			return 2;
		}
		ext_argv_free(argv);
	}
	return 0;
}

/* Every sysctl must be per namespace: refuse the run before anything is built. */
static int check_sysctls(const struct scenario *sc)
{
	const struct scen_kvlist *lists[] = { &sc->sysctl, &sc->client_sysctl };

	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const struct scen_kv *kv = &lists[l]->v[i];
			int r = sysctl_key_check(kv->key);

			if (!r)
				continue;
			if (kv->line)
				fprintf(stderr, "%s:%d: ", kv->file, kv->line);
			else
				fprintf(stderr, "%s: ", kv->file ? kv->file : "finwait run");
			if (r == -EPERM)
				fprintf(stderr, "sysctl %s is not per network namespace: setting it "
						"would change the host; finwait refuses\n", kv->key);
			else
				fprintf(stderr, "sysctl %s is not a valid key\n", kv->key);
			return 2;
		}
	return 0;
}

/* Loads the scenarios named on the command line (or the built-in ones), applies the
 * overrides and expands every matrix into *cells. Returns 0 or an exit code. */
static int load_cells(int argc, char **argv, const struct opts *o,
		      const struct model_env *menv, struct scenario ***cells, size_t *n_cells)
{
	struct scenario **list = NULL, **all = NULL;
	size_t n_list = 0, n_all = 0;
	struct fw_err err = { 0 };
	char msg[600], path[4096];
	int ret = 0;

	if (argc == 0) {
		if (scenario_builtin(&list, &n_list, &err)) {
			fprintf(stderr, "finwait run: %s\n", fw_err_format(&err, msg, sizeof(msg)));
			return 3;
		}
	} else {
		list = calloc((size_t)argc, sizeof(*list));
		if (!list)
			return 3;
		for (int i = 0; i < argc; i++) {
			if (run_resolve_scenario(argv[i], path, sizeof(path))) {
				fprintf(stderr, "finwait run: no scenario '%s' (not a file, nor a "
						"shipped scenario: see `finwait list`)\n", argv[i]);
				ret = 2;
				goto out;
			}
			if (scenario_load(path, &list[n_list], &err)) {
				fprintf(stderr, "%s\n", fw_err_format(&err, msg, sizeof(msg)));
				ret = 2;
				goto out;
			}
			n_list++;
		}
	}
	for (size_t i = 0; i < n_list; i++) {
		struct scenario **c = NULL;
		size_t n = 0;

		if ((ret = apply_overrides(list[i], o)))
			goto out;
		if (scenario_expand(list[i], &c, &n, &err)) {
			fprintf(stderr, "finwait run: %s\n", fw_err_format(&err, msg, sizeof(msg)));
			ret = 2;
			goto out;
		}
		struct scenario **na = realloc(all, (n_all + n) * sizeof(*all));
		if (!na) {
			scenario_free_cells(c, n);
			ret = 3;
			goto out;
		}
		all = na;
		memcpy(all + n_all, c, n * sizeof(*c));
		n_all += n;
		free(c);
		if (n_all > SCEN_MAX_CELLS) {
			fprintf(stderr, "finwait run: %zu cells in all; at most %d at once\n", n_all,
				SCEN_MAX_CELLS);
			ret = 2;
			goto out;
		}
	}
	for (size_t i = 0; i < n_all; i++)
		if ((ret = check_sysctls(all[i])) || (ret = check_runnable(all[i], menv)))
			goto out;
	*cells = all;
	*n_cells = n_all;
	all = NULL;
out:
	scenario_free_cells(list, n_list);
	scenario_free_cells(all, n_all);
	return ret;
}

/* Each cell gets its own established hash of lab-root's tcp_child_ehash_entries
 * buckets, and tcp_sk_init() gives such a namespace tcp_max_tw_buckets = buckets / 2:
 * past that, an orphan that should become a FIN_WAIT2 minisocket is dropped at once
 * (tcp_time_wait(): "time wait bucket table overflow"). Size the table so that every
 * connection of the largest cell can hold a minisocket: twice its connections, rounded
 * up to a power of two (the kernel rounds too), never below LAB_EHASH_DEFAULT. */
static unsigned lab_ehash_for(struct scenario *const *cells, size_t n)
{
	unsigned long want = LAB_EHASH_DEFAULT, pow = 1;

	for (size_t i = 0; i < n; i++)
		if ((unsigned long)cells[i]->connections * 2 > want)
			want = (unsigned long)cells[i]->connections * 2;
	while (pow < want)
		pow <<= 1;
	return (unsigned)pow;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		struct job *j = &p->jobs[i];

		if (atomic_load(&stop_flag)) {
			j->out.interrupted = true;
			atomic_store(&j->state, 2);
			atomic_fetch_add(&p->done, 1);
			continue;
		}
		atomic_store(&j->state, 1);
		cellrun(&p->env, (unsigned)(i % ADDR_SLOTS), j->sc, &j->out);
		/* The host's sysctl moved: stop everything. */
		if (j->out.host_moved)
			atomic_store(&stop_flag, true);
		atomic_store(&j->state, 2);
		atomic_fetch_add(&p->done, 1);
	}
	return NULL;
}

static char *keep_str(struct job *j, char *s)
{
	if (!s || push(&j->strs, &j->n_strs, s)) {
		free(s);
		return NULL;
	}
	return s;
}

/* Turns a cell's timeline into report rows, relative to the cell's start. */
static int build_conns(struct job *j)
{
	const struct timeline *tl = j->out.tl;
	size_t nc = 0, ns = 0, k = 0, si = 0;
	int64_t t0 = j->out.t_start;

	if (!tl)
		return 0;
	for (size_t i = 0; i < timeline_conn_count(tl); i++) {
		const struct tl_conn *c = timeline_conn(tl, i);
		if (c) {
			nc++;
			ns += c->nvisits;
		}
	}
	j->conns = calloc(nc ? nc : 1, sizeof(*j->conns));
	j->states = calloc(ns ? ns : 1, sizeof(*j->states));
	if (!j->conns || !j->states)
		return -ENOMEM;
	for (size_t i = 0; i < timeline_conn_count(tl); i++) {
		const struct tl_conn *c = timeline_conn(tl, i);
		char a[64];

		if (!c)
			continue;
		struct report_conn *rc = &j->conns[k++];
		rc->local = keep_str(j, strdup(diag_tuple_format_end(&c->tuple, 0, a, sizeof(a))));
		rc->remote = keep_str(j, strdup(diag_tuple_format_end(&c->tuple, 1, a, sizeof(a))));
		if (!rc->local || !rc->remote)
			return -ENOMEM;
		rc->states = &j->states[si];
		rc->n_states = c->nvisits;
		for (uint32_t v = 0; v < c->nvisits; v++) {
			const struct tl_visit *tv = &c->visits[v];
			struct report_state *st = &j->states[si++];
			int64_t lo, hi;

			st->state = diag_state_name(tv->state);
			st->entered_hi_ns = tv->entered_hi - t0;
			st->entered_lo_ns = tv->entered_lo == TL_NINF ? st->entered_hi_ns
								 : tv->entered_lo - t0;
			st->open = tv->left_hi == TL_INF;
			st->end_unseen = tv->flags & TL_V_NO_END;
			if (!st->open) {
				st->left_lo_ns = tv->left_lo - t0;
				st->left_hi_ns = tv->left_hi - t0;
			}
			tl_visit_lifetime(tv, &lo, &hi);
			st->life_min_ns = lo;
			st->life_max_ns = hi == TL_INF ? lo : hi;
		}
	}
	j->rc.conns = j->conns;
	j->rc.n_conns = k;
	/* Per-state aggregates and peaks, for every state the cell's sockets were seen in. */
	for (int state = 1; state < DIAG_NSTATES; state++) {
		struct tl_stats st;
		struct report_agg *a = &j->aggs[j->rc.n_aggs];

		if (timeline_stats(tl, state, &st) || (!st.count && !st.peak))
			continue;
		*a = (struct report_agg){ diag_state_name(state), st.count, st.bounded, st.forever,
					  st.peak, st.lo.min, st.lo.p50, st.lo.p99, st.lo.max,
					  st.hi.min, st.hi.p50, st.hi.p99, st.hi.max };
		j->rc.n_aggs++;
	}
	j->rc.aggs = j->aggs;
	return 0;
}

/* Judges every connection's FIN_WAIT2 against the expectation: the cell passes when
 * each one does (a connection that never was in FIN_WAIT2 counts as absent). */
static void judge(struct job *j, const struct model_env *menv)
{
	struct report_cell *rc = &j->rc;
	int64_t t_point = j->out.t_point - j->out.t_start;
	long dropped = 0;
	bool all_ok = true;

	if (expect_for(j->sc, menv, &rc->expect)) {
		rc->verdict = REPORT_FAIL;
		rc->error = "the model cannot judge this cell";
		return;
	}
	report_fw2_stats(rc->conns, rc->n_conns, &rc->fw2);
	for (size_t i = 0; i < rc->n_conns; i++) {
		const struct report_conn *c = &rc->conns[i];
		struct measured m = { MEAS_ABSENT, 0, 0 };
		struct prediction p = rc->expect;
		char why[256];

		for (size_t s = 0; s < c->n_states; s++)
			if (!strcmp(c->states[s].state, "FIN_WAIT2")) {
				const struct report_state *st = &c->states[s];

				m.kind = st->open ? MEAS_OPEN : MEAS_RANGE;
				m.min_ns = st->life_min_ns;
				m.max_ns = st->life_max_ns;
				/* The client acts once all its connections reached the point: this
				 * one's FIN_WAIT2 may last until then, or until the orphan timer. */
				if (p.ends_at_point && t_point > st->entered_lo_ns) {
					int64_t wait = t_point - st->entered_lo_ns + p.max_ns;

					if (p.timer_max_ns && wait > p.timer_max_ns)
						wait = p.timer_max_ns;
					if (wait > p.max_ns)
						p.max_ns = wait;
				}
			}
		/* The model may allow some connections to skip FIN_WAIT2 entirely. */
		if (m.kind == MEAS_ABSENT && rc->expect.kind == PRED_RANGE &&
		    dropped < rc->expect.may_drop) {
			dropped++;
			continue;
		}
		if (!model_check(&p, &m, why, sizeof(why)) && all_ok) {
			all_ok = false;
			snprintf(j->why, sizeof(j->why), "%s -> %s: %s", c->local, c->remote, why);
		}
	}
	/* Every connection the client reported must be in the timeline (sampled, or known
	 * from the server's events): a missing one was never judged. */
	if (all_ok && (long)rc->n_conns < j->out.connected) {
		snprintf(j->why, sizeof(j->why), "the client reached its point with %ld "
			 "connections, the server's timeline holds %zu", j->out.connected,
			 rc->n_conns);
		all_ok = false;
	}
	rc->verdict = all_ok ? REPORT_PASS : REPORT_FAIL;
	if (!all_ok)
		rc->error = j->why;
}

static int build_report_cell(struct job *j, const struct model_env *menv)
{
	struct report_cell *rc = &j->rc;

	rc->name = j->sc->name;
	rc->limit_ns = j->sc->limit_ns;
	rc->elapsed_ns = j->out.t_end - j->out.t_start;
	if (!scenario_flatten(j->sc, &j->flat)) {
		j->params = calloc(j->flat.n ? j->flat.n : 1, sizeof(*j->params));
		if (!j->params)
			return -ENOMEM;
		for (size_t i = 0; i < j->flat.n; i++) {
			j->params[i].key = j->flat.v[i].key;
			j->params[i].value = j->flat.v[i].value;
		}
		rc->params = j->params;
		rc->n_params = j->flat.n;
	}
	if (build_conns(j))
		return -ENOMEM;
	/* A cell cut short by a signal has a truncated timeline: not judged. */
	if (j->out.skipped || j->out.interrupted) {
		expect_for(j->sc, menv, &rc->expect);
		rc->verdict = REPORT_SKIP;
		rc->error = j->out.interrupted ? "interrupted" : j->out.err;
		return 0;
	}
	if (j->out.rc) {
		expect_for(j->sc, menv, &rc->expect);
		report_fw2_stats(rc->conns, rc->n_conns, &rc->fw2);
		rc->verdict = REPORT_FAIL;
		rc->error = j->out.err;
		return 0;
	}
	judge(j, menv);
	if (j->out.failed && rc->verdict == REPORT_PASS) {
		snprintf(j->why, sizeof(j->why), "%ld of %ld client connections failed before %s",
			 j->out.failed, j->sc->connections, scen_at_name(j->sc->client.at));
		rc->verdict = REPORT_FAIL;
		rc->error = j->why;
	}
	return 0;
}

static void job_clear(struct job *j)
{
	cell_outcome_clear(&j->out);
	scen_kvlist_clear(&j->flat);
	free(j->params);
	free(j->conns);
	free(j->states);
	for (size_t i = 0; i < j->n_strs; i++)
		free(j->strs[i]);
	free(j->strs);
}

static int write_file(const char *path, int (*fn)(const struct report *, FILE *),
		      const struct report *r)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int ret;

	if (!f) {
		fprintf(stderr, "finwait run: cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	ret = fn(r, f);
	if (f != stdout && fclose(f) && !ret)
		ret = -errno;
	if (ret)
		fprintf(stderr, "finwait run: cannot write %s: %s\n", path, strerror(-ret));
	return ret;
}

static void progress(const struct pool *p, int64_t t0, bool final)
{
	size_t done = atomic_load(&p->done), running = 0;

	for (size_t i = 0; i < p->n; i++)
		running += atomic_load(&p->jobs[i].state) == 1;
	if (final)
		fprintf(stderr, "\r\033[K");
	else
		fprintf(stderr, "\r\033[Kfinwait: %zu/%zu cells done, %zu running, %.1f s", done,
			p->n, running, ns_to_s(mono_ns() - t0));
	fflush(stderr);
}

int cmd_run(int argc, char **argv)
{
	struct opts o = { 0 };
	struct scenario **cells = NULL;
	size_t n_cells = 0, passed = 0, failed = 0, skipped = 0;
	struct pool pool = { 0 };
	struct lab *lab = NULL;
	struct kinfo ki;
	struct model_env menv;
	struct report rep = { 0 };
	struct report_cell *rcells = NULL;
	pthread_t *threads = NULL;
	size_t n_threads = 0;
	char server_bin[PATH_MAX], client_bin[PATH_MAX], err[512], summary[256];
	sigset_t sigs;
	int64_t t0;
	int first, ret, rc = 3;
	bool interrupted = false, internal = false;

	ret = parse_opts(argc, argv, &o, &first);
	if (ret >= 0) {
		rc = ret;
		goto out;
	}
	kinfo_read(&ki);
	model_env_default(&menv, 100);
	menv.hz = ki.hz; /* 0: unknown, expect_for() covers every choice */
	if ((rc = load_cells(argc - first, argv + first, &o, &menv, &cells, &n_cells)))
		goto out;
	rc = 3;

	/* Before any thread: lab_open may have to enter a user namespace. */
	ret = lab_open(&lab, lab_ehash_for(cells, n_cells), err, sizeof(err));
	if (ret) {
		fprintf(stderr, "finwait: %s\n", err);
		rc = lab_err_is_skip(ret) ? 77 : 3;
		goto out;
	}
	find_program("FINWAIT_SERVER", "servers", "finwait-server", server_bin, sizeof(server_bin));
	find_program("FINWAIT_CLIENT", "clients", "finwait-client", client_bin, sizeof(client_bin));

	/* SIGINT/SIGTERM are taken by this thread only (sigtimedwait below); the workers
	 * inherit the blocked mask, children get it reset by proc_spawn. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	pool.jobs = calloc(n_cells, sizeof(*pool.jobs));
	if (!pool.jobs)
		goto out;
	pool.n = n_cells;
	for (size_t i = 0; i < n_cells; i++)
		pool.jobs[i].sc = cells[i];
	pool.env = (struct cellrun_env){ lab, server_bin, client_bin, &stop_flag, o.keep };
	n_threads = o.jobs ? (size_t)o.jobs : (n_cells < MAX_JOBS_DEFAULT ? n_cells
									  : MAX_JOBS_DEFAULT);
	if (n_threads > n_cells)
		n_threads = n_cells;
	threads = calloc(n_threads, sizeof(*threads));
	if (!threads)
		goto out;
	t0 = mono_ns();
	for (size_t i = 0; i < n_threads; i++)
		if (pthread_create(&threads[i], NULL, worker, &pool)) {
			fprintf(stderr, "finwait: cannot start worker thread %zu: %s\n", i + 1,
				strerror(errno));
			n_threads = i;
			internal = true;
			break;
		}
	/* Fewer workers than asked is fine; none at all means nobody takes the cells. */
	if (n_threads == 0) {
		atomic_store(&stop_flag, true);
		worker(&pool); /* marks every cell done and skipped */
	}
	{
		bool tty = !o.quiet && isatty(STDERR_FILENO);
		struct timespec tick = { 0, 100 * NSEC_PER_MSEC };

		while (atomic_load(&pool.done) < pool.n) {
			int sig = sigtimedwait(&sigs, NULL, &tick);

			if (sig == SIGINT || sig == SIGTERM) {
				if (!interrupted && tty)
					fprintf(stderr, "\r\033[Kfinwait: interrupted, tearing down\n");
				interrupted = true;
				atomic_store(&stop_flag, true);
			}
			if (tty)
				progress(&pool, t0, false);
		}
		if (tty)
			progress(&pool, t0, true);
	}
	for (size_t i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);

	rcells = calloc(n_cells, sizeof(*rcells));
	if (!rcells)
		goto out;
	for (size_t i = 0; i < n_cells; i++) {
		struct job *j = &pool.jobs[i];

		if (build_report_cell(j, &menv))
			goto out;
		if (j->out.rc && !j->out.skipped && !j->out.interrupted)
			internal = true;
		rcells[i] = j->rc;
	}
	rep.version = FINWAIT_VERSION;
	rep.kernel = ki.release;
	rep.hz = ki.hz;
	rep.elapsed_ns = mono_ns() - t0;
	rep.cells = rcells;
	rep.n_cells = n_cells;
	{
		/* A report written to stdout ("-") must stay parseable: the table or the
		 * summary then goes to stderr. */
		bool report_on_stdout = (o.json && !strcmp(o.json, "-")) ||
					(o.junit && !strcmp(o.junit, "-")) ||
					(o.csv && !strcmp(o.csv, "-"));
		FILE *human = report_on_stdout ? stderr : stdout;

		if (o.quiet)
			fprintf(human, "%s\n", report_summary(&rep, summary, sizeof(summary)));
		else
			report_write_table(&rep, human);
		fflush(human);
	}
	if ((o.json && write_file(o.json, report_write_json, &rep)) ||
	    (o.junit && write_file(o.junit, report_write_junit, &rep)) ||
	    (o.csv && write_file(o.csv, report_write_csv, &rep))) {
		rc = 3;
		goto out;
	}
	report_count(&rep, &passed, &failed, &skipped);
	for (size_t i = 0; i < n_cells; i++)
		if (pool.jobs[i].out.host_moved) {
			fprintf(stderr, "finwait: aborted: %s\n", pool.jobs[i].out.err);
			rc = 3;
			goto out;
		}
	if (interrupted)
		rc = EXIT_INTERRUPTED;
	else if (internal)
		rc = 3;
	else if (failed)
		rc = 1;
	else if (skipped == n_cells)
		rc = 77;
	else
		rc = 0;
out:
	if (pool.jobs)
		for (size_t i = 0; i < pool.n; i++)
			job_clear(&pool.jobs[i]);
	free(pool.jobs);
	free(rcells);
	free(threads);
	scenario_free_cells(cells, n_cells);
	lab_close(lab);
	free(o.sets);
	free(o.axes);
	return rc;
}
