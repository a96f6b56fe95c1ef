/* Benchmark of a large cell, run as a user runs it (`finwait run`): 100 000 connections
 * (FINWAIT_BENCH_CONNS to change it) whose server closes and whose clients freeze after
 * the FIN, sampled every 100 ms, with tcp_fin_timeout 60 s so that every FIN_WAIT2 lives
 * at once. It reports:
 *   - whether the cell passed (the bench fails when it does not), and how long it took;
 *   - the time to set up the connections (first to last accept seen, from the JSON);
 *   - the sampler's dumps, their mean and longest cost, and the deadlines missed (JSON
 *     "sampler");
 *   - the peak memory of finwait (its maximum RSS), of finwait-server and finwait-client
 *     (their summed RSS, polled), and of the kernel: the growth of the TCP slabs in
 *     /proc/slabinfo, per 10 000 FIN_WAIT2 sockets (the cell's FIN_WAIT2 peak).
 * /proc/slabinfo is the host's: other work on the machine shows in it too, so the figures
 * are the growth seen during the run, read only. Exit 0 when the cell passes and every
 * goal is met (or, without FINWAIT_BENCH_STRICT=1, a goal is only reported missed), 1
 * otherwise, 77 without the privilege to make namespaces. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns/scalejson.h"
#include "util.h"

#define POLL_NS (100 * NSEC_PER_MSEC)
#define GOAL_MISSED 0

/* The slabs a TCP socket lives in: full sockets, timewait minisockets (an orphan's
 * FIN_WAIT2 too), request sockets. */
static const char *const slabs[] = { "TCP", "tw_sock_TCP", "request_sock_TCP", "TCPv6",
				     "tw_sock_TCPv6" };
#define NSLABS (sizeof(slabs) / sizeof(slabs[0]))

struct slab {
	long active, objsize, bytes;	/* bytes: the slab pages in use */
};

static void read_slabs(struct slab *out)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], name[64];
	long act, num, osz, per, pages, as, ns;

	memset(out, 0, NSLABS * sizeof(*out));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld %ld %ld %ld : tunables %*d %*d %*d : slabdata %ld "
			   "%ld", name, &act, &num, &osz, &per, &pages, &as, &ns) != 8)
			continue;
		for (size_t i = 0; i < NSLABS; i++)
			if (!strcmp(name, slabs[i]))
				out[i] = (struct slab){ act, osz, ns * pages * 4096 };
	}
	fclose(f);
}

/* Summed VmRSS (KB) of the processes called comm. */
static long rss_of(const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long total = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[4096];
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (!fgets(buf, sizeof(buf), f) || strncmp(buf, comm, strlen(comm)) ||
		    buf[strlen(comm)] != '\n') {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(buf, sizeof(buf), f))
			if (!strncmp(buf, "VmRSS:", 6))
				total += atol(buf + 6);
		fclose(f);
	}
	if (d)
		closedir(d);
	return total;
}

static double num(json_object *o, const char *k)
{
	return json_object_get_double(get(o, k));
}

struct peaks {
	struct slab base[NSLABS];
	long slab_bytes[NSLABS], slab_objs[NSLABS];	/* peak growth */
	long server_kb, client_kb;
};

static void poll_once(struct peaks *p)
{
	struct slab now[NSLABS];
	long kb;

	read_slabs(now);
	for (size_t i = 0; i < NSLABS; i++) {
		if (now[i].bytes - p->base[i].bytes > p->slab_bytes[i])
			p->slab_bytes[i] = now[i].bytes - p->base[i].bytes;
		if (now[i].active - p->base[i].active > p->slab_objs[i])
			p->slab_objs[i] = now[i].active - p->base[i].active;
	}
	if ((kb = rss_of("finwait-server")) > p->server_kb)
		p->server_kb = kb;
	if ((kb = rss_of("finwait-client")) > p->client_kb)
		p->client_kb = kb;
}

/* Runs finwait on the scenario, polling until it exits; its exit code, *rss_kb its peak. */
static int run_finwait(const char *bin, const char *ini, const char *json, struct peaks *p,
		       long *rss_kb, double *secs)
{
	int64_t t0 = mono_ns();
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(bin, bin, "run", "-q", ini, "--json", json, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		struct timespec ts = { 0, POLL_NS };
		pid_t w = wait4(pid, &status, WNOHANG, &ru);

		if (w == pid)
			break;
		poll_once(p);
		nanosleep(&ts, NULL);
	}
	*secs = (double)(mono_ns() - t0) / NSEC_PER_SEC;
	*rss_kb = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void report(json_object *cell, const struct peaks *p, long rss_kb, double secs,
		   long conns, int *missed_goals)
{
	json_object *smp = get(cell, "sampler"), *fw2 = get(get(cell, "states"), "FIN_WAIT2");
	double span = established_span(cell), per = fw2 ? num(fw2, "peak") / 10000.0 : 0;

	printf("bench_scale: %ld connections, verdict %s, %.1f s for the whole cell\n", conns,
	       json_object_get_string(get(cell, "verdict")), secs);
	printf("bench_scale: set-up (first to last ESTABLISHED): %.1f s, %.0f connections/s\n",
	       span, conns / span);
	if (smp) {
		printf("bench_scale: sampler every %.0f ms: %.0f dumps, mean %.1f ms, max %.1f ms "
		       "(%.0f %% of the period), %.0f deadlines missed (goal %d)\n",
		       num(smp, "interval") * 1e3, num(smp, "samples"), num(smp, "dump_mean") * 1e3,
		       num(smp, "dump_max") * 1e3,
		       100 * num(smp, "dump_mean") / num(smp, "interval"), num(smp, "missed"),
		       GOAL_MISSED);
		if (num(smp, "missed") > GOAL_MISSED)
			(*missed_goals)++;
	}
	if (per <= 0)
		return;
	printf("bench_scale: FIN_WAIT2 peak %.0f sockets at once\n", per * 10000);
	printf("bench_scale: finwait max RSS %.1f MB (%.2f MB per 10 000); finwait-server %.1f "
	       "MB, finwait-client %.1f MB in all (peak, polled)\n", rss_kb / 1024.0,
	       rss_kb / 1024.0 / per, p->server_kb / 1024.0, p->client_kb / 1024.0);
	for (size_t i = 0; i < NSLABS; i++)
		if (p->slab_objs[i] > 0)
			printf("bench_scale: kernel slab %-16s +%ld objects of %ld bytes, +%.1f MB of "
			       "slab pages: %.2f MB per 10 000 FIN_WAIT2\n", slabs[i],
			       p->slab_objs[i], p->base[i].objsize, p->slab_bytes[i] / 1048576.0,
			       p->slab_bytes[i] / 1048576.0 / per);
}

int main(void)
{
	const char *b = getenv("FINWAIT_BUILD_DIR"), *n = getenv("FINWAIT_BENCH_CONNS");
	const char *strict = getenv("FINWAIT_BENCH_STRICT");
	char bin[4096], dir[] = "/tmp/fwbench-scale-XXXXXX", ini[4200], json[4200], cmd[4300];
	long conns = n && atol(n) > 0 ? atol(n) : 100000, rss_kb = 0;
	struct peaks p = { 0 };
	int rc, missed = 0;
	json_object *root, *cell;
	double secs = 0;
	FILE *f;

	snprintf(bin, sizeof(bin), "%s/harness/finwait", b ? b : ".");
	if (!mkdtemp(dir))
		return 1;
	snprintf(ini, sizeof(ini), "%s/big.ini", dir);
	snprintf(json, sizeof(json), "%s/big.json", dir);
	if (!(f = fopen(ini, "w")))
		return 1;
	fprintf(f, "[scenario]\nname = big\nconnections = %ld\nlimit = 300s\ninterval = 100ms\n\n"
		   "[server]\nclose = close\n\n[client]\nfault = freeze\nat = after-fin\n\n"
		   "[sysctl]\nnet.ipv4.tcp_fin_timeout = 60\n", conns);
	fclose(f);
	read_slabs(p.base);
	rc = run_finwait(bin, ini, json, &p, &rss_kb, &secs);
	printf("bench_scale: finwait run -q %s --json %s: exit %d\n", ini, json, rc);
	root = json_object_from_file(json);
	cell = root ? json_object_array_get_idx(get(root, "cells"), 0) : NULL;
	if (cell)
		report(cell, &p, rss_kb, secs, conns, &missed);
	json_object_put(root);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_scale: cannot remove %s\n", dir);
	if (rc == 77)
		return 77;
	if (missed)
		printf("bench_scale: %d goal(s) missed%s\n", missed,
		       strict && !strcmp(strict, "1") ? "" : " (reported only)");
	return rc != 0 || !cell || (missed && strict && !strcmp(strict, "1"));
}
