#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "exitcode.h"
#include "sampler.h"
#include "timeline.h"
#include "util.h"

#define WATCH_DEFAULT_INTERVAL (10 * NSEC_PER_MSEC)

/* Lifetimes collected from the callback: the timeline forgets closed connections
 * (drop-closed mode) so that a watch can run for days. */
struct watch_state {
	int64_t *lo, *hi; /* bounded lifetimes: lower and upper bounds */
	size_t n, cap;
	size_t forever, censored;
};

struct watch {
	struct watch_state st[DIAG_NSTATES];
	int only_state; /* 0: all */
	FILE *out;
};

static const char watch_usage[] =
	"usage: finwait watch [--netns PATH | --pid PID] [--port N] [--state S]\n"
	"                     [--interval DUR] [--family ipv4|ipv6|all]\n"
	"\n"
	"Samples the TCP sockets of an existing network namespace with sock_diag and prints\n"
	"one line each time a socket leaves a state, with its lifetime in that state as a\n"
	"value and [lower, upper] bounds: the sampler only knows that a state began between\n"
	"two samples and ended between two samples. On SIGINT or SIGTERM it prints a summary\n"
	"per state (count, min/p50/p99/max of the lower and of the upper bounds, and a\n"
	"histogram of the lifetime midpoints)\n"
	"and exits 0. It only reads: nothing in the namespace is changed.\n"
	"\n"
	"  --netns PATH     namespace file to sample (e.g. /run/netns/NAME); default: finwait's\n"
	"                   own namespace (the host's, when run from a shell on the host)\n"
	"  --pid PID        the namespace of process PID (/proc/PID/ns/net)\n"
	"  --port N         only sockets whose local or remote port is N (filtered in the kernel)\n"
	"  --state S        only this state (ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1,\n"
	"                   FIN_WAIT2, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING; case and '-'\n"
	"                   or '_' do not matter); default: all of them. Asking for one state\n"
	"                   is cheaper and just as precise (absence is an observation too).\n"
	"  --interval DUR   sampling period (us, ms, s, m, h; default 10ms, minimum 100us).\n"
	"                   A namespace sharing the host's TCP hash table costs ~1 ms a dump:\n"
	"                   below that, deadlines are skipped and the bounds widen.\n"
	"  --family F       ipv4, ipv6 or all (default all)\n"
	"  -h, --help       this text\n"
	"\n"
	"A line ending in '(before)' is a state the socket was already in when the watch\n"
	"started: only its lower bound is known. Sockets still in a state at the end are\n"
	"counted as 'still open' (lasting at least what was observed).\n"
	"Dumping sockets needs no privilege; entering another namespace (--netns, --pid)\n"
	"needs CAP_SYS_ADMIN.\n"
	"Exit: 0 after SIGINT/SIGTERM, 2 bad usage, 77 not permitted, 3 other failure.\n";

static void print_visit(struct watch *w, const struct tl_conn *c, const struct tl_visit *v)
{
	char l[64], r[64];
	int64_t mn, mx;

	tl_visit_lifetime(v, &mn, &mx);
	diag_tuple_format_end(&c->tuple, 0, l, sizeof(l));
	diag_tuple_format_end(&c->tuple, 1, r, sizeof(r));
	if (mx == TL_INF)
		fprintf(w->out, "%-11s %s -> %s  >=%.3fs [%.3f, -] (before)\n",
			diag_state_name(v->state), l, r, ns_to_s(mn), ns_to_s(mn));
	else
		fprintf(w->out, "%-11s %s -> %s  %.3fs [%.3f, %.3f]\n", diag_state_name(v->state),
			l, r, ns_to_s(mn / 2 + mx / 2), ns_to_s(mn), ns_to_s(mx));
	fflush(w->out);
}

/* Called under the sampler's lock: on the sampler thread for a visit that ends, and on
 * the thread in sampler_stop() for those still open at the end (TL_V_FOREVER). */
static void watch_on_leave(const struct tl_conn *c, const struct tl_visit *v, void *arg)
{
	struct watch *w = arg;
	struct watch_state *st;
	int64_t mn, mx;

	if (v->state >= DIAG_NSTATES || (w->only_state && v->state != w->only_state))
		return;
	st = &w->st[v->state];
	if (v->flags & TL_V_FOREVER) {
		st->forever++;
		return;
	}
	print_visit(w, c, v);
	if (v->flags & TL_V_CENSORED) {
		st->censored++;
		return;
	}
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		int64_t *lo = realloc(st->lo, cap * sizeof(*lo));
		if (lo)
			st->lo = lo;
		int64_t *hi = lo ? realloc(st->hi, cap * sizeof(*hi)) : NULL;
		if (hi)
			st->hi = hi;
		if (!lo || !hi)
			return; /* out of memory: the line was printed, the summary misses it */
		st->cap = cap;
	}
	tl_visit_lifetime(v, &mn, &mx);
	st->lo[st->n] = mn;
	st->hi[st->n] = mx;
	st->n++;
}

static void print_quant(FILE *out, const char *what, int64_t *v, size_t n)
{
	struct tl_quant q;

	tl_quant_compute(v, n, &q);
	fprintf(out, "  %-13s min %.3f  p50 %.3f  p99 %.3f  max %.3f s\n", what, ns_to_s(q.min),
		ns_to_s(q.p50), ns_to_s(q.p99), ns_to_s(q.max));
}

/* Histogram of the lifetime midpoints: ten equal bins between the smallest and the
 * largest, which says more about a cluster around one timeout than log-scale bins. */
static void print_histogram(FILE *out, const int64_t *lo, const int64_t *hi, size_t n)
{
	enum { BINS = 10, WIDTH = 40 };
	size_t count[BINS] = { 0 }, most = 0, i;
	int64_t mn = INT64_MAX, mx = INT64_MIN, step;
	int b, nbins;

	for (i = 0; i < n; i++) {
		int64_t mid = lo[i] / 2 + hi[i] / 2;
		mn = mid < mn ? mid : mn;
		mx = mid > mx ? mid : mx;
	}
	nbins = mx > mn ? BINS : 1;
	step = mx > mn ? (mx - mn) / BINS + 1 : 1;
	for (i = 0; i < n; i++) {
		b = (int)((lo[i] / 2 + hi[i] / 2 - mn) / step);
		count[b]++;
		if (count[b] > most)
			most = count[b];
	}
	for (b = 0; b < nbins; b++) {
		char bar[WIDTH + 1];
		size_t len = (count[b] * WIDTH + most - 1) / most;

		memset(bar, '#', len);
		bar[len] = 0;
		if (nbins == 1)
			fprintf(out, "  %9.4fs            %7zu %s\n", ns_to_s(mn), count[b], bar);
		else
			fprintf(out, "  %9.4fs-%9.4fs %7zu %s\n", ns_to_s(mn + b * step),
				ns_to_s(mn + (b + 1) * step), count[b], bar);
	}
}

static void print_summary(struct watch *w, const struct sampler_counts *c)
{
	int s;

	fprintf(w->out, "\nsummary: %llu samples, %llu deadlines missed, longest dump %.3f ms, "
		"%zu connections seen\n", (unsigned long long)c->samples,
		(unsigned long long)c->missed, (double)c->max_dump_ns / NSEC_PER_MSEC, c->seen);
	for (s = 1; s < DIAG_NSTATES; s++) {
		struct watch_state *st = &w->st[s];
		size_t total = st->n + st->forever + st->censored;

		if (!total)
			continue;
		fprintf(w->out, "%s: %zu left with both ends seen, %zu still open (>= observed), "
			"%zu already in it at the start\n", diag_state_name(s), st->n, st->forever,
			st->censored);
		if (!st->n)
			continue;
		fprintf(w->out, "  lifetime midpoints:\n");
		print_histogram(w->out, st->lo, st->hi, st->n);
		/* Sorted separately (after the histogram, which pairs them): each true
		 * percentile lies between the two. */
		print_quant(w->out, "lower bounds", st->lo, st->n);
		print_quant(w->out, "upper bounds", st->hi, st->n);
	}
	fflush(w->out);
}

/* Where to sample, from the command line. */
struct watch_args {
	const char *ns_path; /* NULL: finwait's own namespace */
	char pidpath[64];    /* --pid: /proc/PID/ns/net */
};

/* Applies one option to conf, w and a. Returns -1 to go on, or the exit code: 0 after
 * --help, 2 for bad usage (the message is printed). */
static int watch_option(int opt, struct sampler_conf *conf, struct watch *w,
			struct watch_args *a)
{
	long v;
	int r;

	switch (opt) {
	case 'n':
		a->ns_path = optarg;
		return -1;
	case 'p':
		if (parse_long(optarg, 1, 4194304, &v)) {
			fprintf(stderr, "finwait watch: --pid: not a process id: %s\n", optarg);
			return 2;
		}
		snprintf(a->pidpath, sizeof(a->pidpath), "/proc/%ld/ns/net", v);
		a->ns_path = a->pidpath;
		return -1;
	case 'P':
		if (parse_long(optarg, 1, 65535, &v)) {
			fprintf(stderr, "finwait watch: --port: want 1..65535: %s\n", optarg);
			return 2;
		}
		conf->filter.lport = (uint16_t)v;
		conf->filter.either_port = 1;
		return -1;
	case 's':
		r = diag_state_parse(optarg);
		if (r < 0 || !(DIAG_MASK(r) & DIAG_TRACKED_STATES)) {
			fprintf(stderr, "finwait watch: --state: unknown or untracked state: %s\n",
				optarg);
			return 2;
		}
		w->only_state = r;
		conf->filter.states = DIAG_MASK(r);
		return -1;
	case 'i':
		if (dur_parse(optarg, &conf->interval_ns) ||
		    conf->interval_ns < 100 * NSEC_PER_USEC) {
			fprintf(stderr, "finwait watch: --interval: want a duration >= 100us "
				"(e.g. 1ms, 10ms): %s\n", optarg);
			return 2;
		}
		return -1;
	case 'f':
		if (!strcmp(optarg, "ipv4"))
			conf->filter.families = DIAG_F_IPV4;
		else if (!strcmp(optarg, "ipv6"))
			conf->filter.families = DIAG_F_IPV6;
		else if (!strcmp(optarg, "all"))
			conf->filter.families = DIAG_F_IPV4 | DIAG_F_IPV6;
		else {
			fprintf(stderr, "finwait watch: --family: want ipv4, ipv6 or all: %s\n",
				optarg);
			return 2;
		}
		return -1;
	case 'h':
		fputs(watch_usage, stdout);
		return 0;
	default:
		fputs(watch_usage, stderr);
		return 2;
	}
}

/* Parses the command line. Returns -1 to go on, or the exit code (0 after --help, 2 for
 * bad usage). */
static int watch_parse(int argc, char **argv, struct sampler_conf *conf, struct watch *w,
		       struct watch_args *a)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "state", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "family", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, ret;

	optind = 0; /* a fresh getopt scan, whatever parsed argv before */
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		ret = watch_option(opt, conf, w, a);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc) {
		fprintf(stderr, "finwait watch: unexpected argument: %s\n%s", argv[optind],
			watch_usage);
		return 2;
	}
	return -1;
}

/* Waits for SIGINT or SIGTERM (blocked, taken by sigtimedwait()), checking the sampler
 * every 200 ms. Returns 0 on a signal, 3 when the sampling failed. */
static int watch_wait(struct sampler *smp, const sigset_t *sigs)
{
	struct sampler_counts counts;

	for (;;) {
		struct timespec ts = { 0, 200 * NSEC_PER_MSEC };
		int sig = sigtimedwait(sigs, NULL, &ts);

		if (sig == SIGINT || sig == SIGTERM)
			return 0;
		sampler_counts(smp, &counts);
		if (counts.error) {
			fprintf(stderr, "finwait watch: sampling failed: %s\n",
				strerror(-counts.error));
			return 3;
		}
	}
}

/* Samples until a signal or a failure, then prints the summary. Returns the exit code. */
static int watch_run(struct watch *w, struct sampler_conf *conf, const char *ns_path)
{
	struct sampler *smp = NULL;
	struct sampler_counts counts;
	sigset_t sigs, old;
	bool masked = false;
	int ret, r;

	/* Block the signals before the sampler thread exists so that it inherits the mask
	 * and they are taken only here, by sigtimedwait(). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &sigs, &old) == 0)
		masked = true;
	r = sampler_start(conf, &smp);
	if (r) {
		fprintf(stderr, "finwait watch: cannot sample %s: %s%s\n",
			ns_path ? ns_path : "this namespace", strerror(-r),
			r == -EPERM ? " (entering a namespace needs root or CAP_SYS_ADMIN)" : "");
		ret = (r == -EPERM || r == -EACCES) ? 77 : 3;
		goto out;
	}
	fprintf(stderr, "finwait watch: sampling %s every %.3f ms; Ctrl-C for the summary\n",
		ns_path ? ns_path : "this namespace", (double)conf->interval_ns / NSEC_PER_MSEC);
	ret = watch_wait(smp, &sigs);
	sampler_stop(smp);
	sampler_counts(smp, &counts);
	print_summary(w, &counts);
out:
	sampler_free(smp);
	if (masked)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int cmd_watch(int argc, char **argv)
{
	/* watch prints lifetimes only: no tcp_info (RTO) in its dumps, which would cost
	 * each full socket ~0.14 us a sample on a live host. */
	struct sampler_conf conf = { .netns_fd = -1, .interval_ns = WATCH_DEFAULT_INTERVAL,
				     .filter = { .no_info = 1 } };
	struct watch w = { .out = stdout };
	struct watch_args a = { .ns_path = NULL };
	int ret, i;

	ret = watch_parse(argc, argv, &conf, &w, &a);
	if (ret >= 0)
		return ret;
	if (a.ns_path) {
		conf.netns_fd = open(a.ns_path, O_RDONLY | O_CLOEXEC);
		if (conf.netns_fd < 0) {
			fprintf(stderr, "finwait watch: cannot open namespace %s: %s\n", a.ns_path,
				strerror(errno));
			return FW_EXIT_USAGE;
		}
	}
	conf.drop_closed = true;
	conf.on_leave = watch_on_leave;
	conf.on_leave_arg = &w;
	ret = watch_run(&w, &conf, a.ns_path);
	if (conf.netns_fd >= 0)
		close(conf.netns_fd);
	for (i = 0; i < DIAG_NSTATES; i++) {
		free(w.st[i].lo);
		free(w.st[i].hi);
	}
	return ret;
}
