/* Benchmark: what the packet capture costs a cell. One cell of 1 000 connections (the
 * server closes, the client freezes, tcp_fin_timeout 1 s, sampled every 1 ms) run
 * alternately with and without its capture (cellrun_env.no_capture), N times each:
 * the sampler's missed deadlines and samples, finwait's CPU time (every thread: the
 * cell's loop, the sampler, the capture; RUSAGE_SELF) and the wall time, and the
 * verdict, which must be pass both ways (the packets agree with sock_diag). Goal: the
 * share of deadlines missed grows by at most one point with the capture. Usage: bench_capture [N [CONNECTIONS]]. With
 * FINWAIT_BENCH_STRICT=1 a missed goal exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "capstore.h"
#include "cellrun.h"
#include "judge.h"
#include "kinfo.h"
#include "load.h"
#include "sampler.h"
#include "util.h"

static const char ini[] =
	"[scenario]\nname = bench-capture\nconnections = 1000\nlimit = 20s\ninterval = 1ms\n"
	"[server]\nclose = close\n[client]\nfault = freeze\nat = after-fin\n"
	"[sysctl]\nnet.ipv4.tcp_fin_timeout = 1\n";

struct figures {
	uint64_t missed, samples, segments;
	int64_t cpu_ns, wall_ns;
	int fails;
};

static int64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NSEC_PER_SEC +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * NSEC_PER_USEC;
}

/* Runs the cell once and adds its figures to *fg. Returns 0 or -errno. */
static int run_once(const struct cellrun_env *env, const struct scenario *sc,
		    const struct model_env *menv, struct figures *fg)
{
	struct cell_outcome out;
	struct sampler_counts k = { 0 };
	struct judgement j;
	char why[512];
	int64_t c0 = cpu_ns(), t0 = mono_ns();
	int ret = cellrun(env, 0, sc, &out);

	fg->cpu_ns += cpu_ns() - c0;
	fg->wall_ns += mono_ns() - t0;
	if (out.sampler)
		sampler_counts(out.sampler, &k);
	fg->missed += k.missed;
	fg->samples += k.samples;
	fg->segments += out.packets ? out.packets->segments : 0;
	if (judge_cell(sc, menv, &out, &j, why, sizeof(why)) != REPORT_PASS) {
		fprintf(stderr, "bench_capture: the cell failed: %s\n", why);
		fg->fails++;
	}
	cell_outcome_clear(&out);
	return ret;
}

/* The share of the sampler's deadlines that were missed. */
static double miss_rate(const struct figures *f)
{
	return f->missed + f->samples ? (double)f->missed / (double)(f->missed + f->samples)
				      : 0;
}

static void print(const char *what, const struct figures *f, int n)
{
	printf("  %-16s %6.1f missed deadlines / %6.0f samples, CPU %6.1f ms (%4.1f %% of a "
	       "core over the cell), wall %5.2f s, %7.0f segments captured (means of %d)\n", what,
	       (double)f->missed / n, (double)f->samples / n, ns_to_s(f->cpu_ns) * 1e3 / n,
	       100.0 * (double)f->cpu_ns / (double)f->wall_ns, ns_to_s(f->wall_ns) / n,
	       (double)f->segments / n, n);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	const char *conns = argc > 2 ? argv[2] : "1000";
	char server_bin[4096], client_bin[4096], msg[600];
	struct scenario *sc = NULL;
	struct figures with = { 0 }, without = { 0 };
	struct cellrun_env env = { 0 };
	struct model_env menv;
	struct kinfo ki;
	struct fw_err err = { 0 };
	bool strict = getenv("FINWAIT_BENCH_STRICT") != NULL, ok;
	int ret = 3;

	if (scenario_load_string("bench-capture", ini, NULL, &sc, &err) ||
	    scenario_set(sc, "connections", conns, "argv[2]", &err)) {
		fprintf(stderr, "bench_capture: %s\n", fw_err_format(&err, msg, sizeof(msg)));
		goto out;
	}
	if (lab_open(&env.lab, load_ehash_for(&sc, 1), &err) < 0) {
		fprintf(stderr, "bench_capture: %s\n", fw_err_format(&err, msg, sizeof(msg)));
		ret = 77;
		goto out;
	}
	load_find_program("FINWAIT_SERVER", "servers", "finwait-server", server_bin,
			  sizeof(server_bin));
	load_find_program("FINWAIT_CLIENT", "clients", "finwait-client", client_bin,
			  sizeof(client_bin));
	env.server_bin = server_bin;
	env.client_bin = client_bin;
	kinfo_read(&ki);
	model_env_default(&menv, 100);
	menv.hz = ki.hz; /* 0: unknown, the judge covers every choice */
	printf("bench_capture: one cell of %s connections, %d runs each way, alternating\n",
	       conns, n);
	for (int i = 0; i < n; i++) {
		env.no_capture = false;
		if (run_once(&env, sc, &menv, &with))
			goto out;
		env.no_capture = true;
		if (run_once(&env, sc, &menv, &without))
			goto out;
	}
	print("with capture", &with, n);
	print("without", &without, n);
	ok = !with.fails && !without.fails && miss_rate(&with) <= miss_rate(&without) + 0.01;
	printf("  goal: deadlines missed %.1f %% with, %.1f %% without (at most 1 point more), "
	       "every verdict pass: %s\n", 100 * miss_rate(&with), 100 * miss_rate(&without),
	       ok ? "met" : "MISSED");
	ret = !ok && strict ? 1 : 0;
out:
	lab_close(env.lab);
	scenario_free(sc);
	return ret;
}
