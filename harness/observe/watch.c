#include "watch.h"

#include <pthread.h>

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
#include "watch_priv.h"

#define WATCH_DEFAULT_INTERVAL (10 * NSEC_PER_MSEC)

static const char watch_usage[] =
	"usage: finwait watch [--netns PATH | --pid PID] [--port N] [--state S]\n"
	"                     [--interval DUR] [--family ipv4|ipv6|all] [--json]\n"
	"                     [--older DUR] [--html FILE]\n"
	"\n"
	"Samples the TCP sockets of an existing network namespace with sock_diag and prints\n"
	"one line each time a socket leaves a state (\"left\"), with its lifetime in that state\n"
	"as a value and [lower, upper] bounds: the sampler only knows that a state began\n"
	"between two samples and ended between two samples. It reports at once (\"open\") a\n"
	"socket in FIN_WAIT2 or CLOSE_WAIT that an application holds with no kernel timer\n"
	"running: nothing will end it unless the peer acts (a leak when the peer is gone).\n"
	"Each line starts with a timestamp (UTC). On a terminal, a status line below them\n"
	"shows the sockets now in each state, the samples and the missed deadlines. On SIGINT\n"
	"or SIGTERM it prints a summary per state (count, min/p50/p99/max of the lower and of\n"
	"the upper bounds, and a histogram of the lifetime midpoints) and exits 0. It only\n"
	"reads: nothing in the namespace is changed.\n"
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
	"  --json           one JSON object a line, flushed per line: {\"t\" (Unix seconds),\n"
	"                   \"event\": \"left\" | \"open\" | \"old\", \"state\", \"local\",\n"
	"                   \"remote\", \"lifetime\": {\"min\", \"max\"}, \"owner\": \"held\" |\n"
	"                   \"orphan\", \"process\", \"pid\", \"timer\", \"entered\", \"left\",\n"
	"                   \"why\"}; the summary is one last {\"event\": \"summary\"} line\n"
	"  --older DUR      also report (\"old\") any socket in a state for longer than DUR,\n"
	"                   once, while it is still in it\n"
	"  --html FILE      on exit, write one self-contained page of what was watched: the\n"
	"                   sockets in each state over time, a lane per connection (the\n"
	"                   first 2000)\n"
	"  -h, --help       this text\n"
	"\n"
	"A line ending in '(before)' is a state the socket was already in when the watch\n"
	"started: only its lower bound is known. Sockets still in a state at the end are\n"
	"counted as 'still open' (lasting at least what was observed).\n"
	"Dumping sockets needs no privilege; entering another namespace (--netns, --pid)\n"
	"needs CAP_SYS_ADMIN.\n"
	"Exit: 0 after SIGINT/SIGTERM, 2 bad usage, 77 not permitted, 3 other failure.\n";

/* A visit that ended, as a "left" line: its last phase's owner and timer. */
static void print_left(struct watch *w, const struct tl_conn *c, const struct tl_visit *v)
{
	struct tl_phase ph[TL_PHASES_MAX];
	size_t n = tl_visit_phases(c, (size_t)(v - c->visits), ph);
	struct watch_event e = { "left", NULL, c, v, 0, 0, v->owner, v->timer, 0, NULL };

	if (n) {
		e.owner = ph[n - 1].owner;
		e.timer = ph[n - 1].timer;
	}
	tl_visit_lifetime(v, &e.life_min, &e.life_max);
	watch_print_event(w, &e);
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
	if (w->html)
		watch_html_keep(w, c, v);
	if (v->flags & TL_V_FOREVER) {
		st->forever++;
		return;
	}
	print_left(w, c, v);
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

/* Where to sample, from the command line. */
struct watch_args {
	const char *ns_path; /* NULL: finwait's own namespace */
	char pidpath[64];    /* --pid: /proc/PID/ns/net */
};

/* The options of what watch prints: --json, --older, --html, --help. Returns -1 to go
 * on, or the exit code. */
static int watch_option_out(int opt, struct watch *w)
{
	switch (opt) {
	case 'j':
		w->json = true;
		return -1;
	case 'o':
		if (dur_parse(optarg, &w->older_ns) || w->older_ns <= 0) {
			fprintf(stderr, "finwait watch: --older: want a duration above 0 (e.g. "
				"30s, 5m): %s\n", optarg);
			return 2;
		}
		return -1;
	case 'H':
		if (watch_html_check(optarg))
			return 2;
		w->html_path = optarg;
		return -1;
	case 'h':
		fputs(watch_usage, stdout);
		return 0;
	default:
		fputs(watch_usage, stderr);
		return 2;
	}
}

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
	default:
		return watch_option_out(opt, w);
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
		{ "json", no_argument, NULL, 'j' },
		{ "older", required_argument, NULL, 'o' },
		{ "html", required_argument, NULL, 'H' },
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

static bool new_sample(const struct sampler_counts *c, void *arg)
{
	return c->samples > *(const uint64_t *)arg;
}

/* Waits for SIGINT or SIGTERM (blocked, taken by sigtimedwait()) while it looks at each
 * new sample for leaks (watch_look()) and redraws the status line every 200 ms. Signals
 * are seen within 200 ms. Returns 0 on a signal, 3 when the sampling failed. */
static int watch_wait(struct watch *w, struct sampler *smp, const sigset_t *sigs)
{
	struct sampler_counts k;
	uint64_t seen = 0;
	int64_t next_status = 0;

	for (;;) {
		struct timespec zero = { 0, 0 };
		int sig = sigtimedwait(sigs, NULL, &zero);

		if (sig == SIGINT || sig == SIGTERM)
			return 0;
		sampler_wait(smp, new_sample, &seen, mono_ns() + 200 * NSEC_PER_MSEC);
		sampler_counts(smp, &k);
		if (k.error) {
			fprintf(stderr, "finwait watch: sampling failed: %s\n", strerror(-k.error));
			return 3;
		}
		if (k.samples > seen) {
			seen = k.samples;
			watch_look(w, smp);
		}
		if (w->status && mono_ns() >= next_status) {
			watch_status(w, &k);
			next_status = mono_ns() + 200 * NSEC_PER_MSEC;
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
	{
		struct timespec rt;
		char ts[40];

		clock_gettime(CLOCK_REALTIME, &rt);
		fprintf(stderr, "%s finwait watch: sampling %s every %.3f ms; Ctrl-C for the "
			"summary\n", watch_time_text((int64_t)rt.tv_sec * NSEC_PER_SEC +
						       rt.tv_nsec, ts, sizeof(ts)),
			ns_path ? ns_path : "this namespace",
			(double)conf->interval_ns / NSEC_PER_MSEC);
	}
	ret = watch_wait(w, smp, &sigs);
	sampler_stop(smp);
	sampler_counts(smp, &counts);
	watch_print_summary(w, &counts);
	if (w->html && watch_html_write(w, smp) && !ret)
		ret = 3;
out:
	sampler_free(smp);
	if (masked)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Clocks, the status line, the owner cache of the namespace (to name a leak's holder)
 * and --html's store. Returns 0 or the exit code (3: out of memory). */
static int watch_setup(struct watch *w, int netns_fd)
{
	int fd = netns_fd >= 0 ? netns_fd : open("/proc/thread-self/ns/net", O_RDONLY |
						 O_CLOEXEC);
	struct timespec rt;
	struct owner_ns ns;

	pthread_mutex_init(&w->out_lock, NULL);
	w->mono0 = mono_ns();
	clock_gettime(CLOCK_REALTIME, &rt);
	w->real_off = (int64_t)rt.tv_sec * NSEC_PER_SEC + rt.tv_nsec - w->mono0;
	w->status = isatty(STDERR_FILENO);
	/* Without the cache a leak is still reported, without its process. */
	if (fd >= 0 && !owner_ns_of_fd(fd, &ns))
		owner_cache_new(&ns, NULL, &w->owners);
	if (fd >= 0 && fd != netns_fd)
		close(fd);
	w->netns_fd = netns_fd;
	if (w->html_path)
		w->counters0 = malloc(sizeof(*w->counters0));
	if (w->html_path && (watch_html_new(w) || !w->counters0)) {
		fprintf(stderr, "finwait watch: out of memory\n");
		return 3;
	}
	/* What the kernel counted over the watch goes on the page. */
	if (w->counters0 && counters_read(netns_fd, w->counters0)) {
		free(w->counters0);
		w->counters0 = NULL;
	}
	return 0;
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
	w.interval_ns = conf.interval_ns;
	ret = watch_setup(&w, conf.netns_fd);
	if (!ret)
		ret = watch_run(&w, &conf, a.ns_path);
	if (conf.netns_fd >= 0)
		close(conf.netns_fd);
	for (i = 0; i < DIAG_NSTATES; i++) {
		free(w.st[i].lo);
		free(w.st[i].hi);
	}
	owner_cache_free(w.owners);
	watch_look_free(&w);
	watch_html_free(&w);
	free(w.counters0);
	pthread_mutex_destroy(&w.out_lock);
	return ret;
}
