/* `finwait run` as users and CI jobs meet it: exit codes, the JSON/JUnit/CSV reports of a
 * measured cell, bad scenarios, refused sysctls, and SIGINT in the middle of a run
 * (prompt exit, nothing left behind). Runs the real binaries in real namespaces. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "runcmd.h"
#include "util.h"

/* A one-cell scenario: orphan close, client frozen after the FIN, tcp_fin_timeout 1 s. */
static const char *scenario_file(const char *name, const char *expect)
{
	static char path[4200];
	char text[1024];

	snprintf(text, sizeof(text),
		 "[scenario]\nname = %s\nconnections = 2\nlimit = 4s\n\n"
		 "[server]\nclose = close\n\n[client]\nfault = freeze\nat = after-fin\n\n"
		 "[sysctl]\nnet.ipv4.tcp_fin_timeout = 1\n\n[expect]\nfin_wait2 = %s\n",
		 name, expect);
	snprintf(path, sizeof(path), "%s/%s.ini", tmpdir, name);
	write_file(path, text);
	return path;
}

/* The first cell of the JSON report at path; *root is the document, for json_object_put(). */
static json_object *first_cell(const char *path, json_object **root)
{
	json_object *cells;
	char *text = slurp(path);

	assert_non_null(text);
	*root = json_tokener_parse(text);
	free(text);
	assert_true(json_object_object_get_ex(*root, "cells", &cells));
	return json_object_array_get_idx(cells, 0);
}

static double jnum(json_object *o, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_double(v);
}

/* The cell's "series": times from the cell's start, increasing, one count per time for
 * each state, and each state's maximum over the series is its "peak" in "states" (a state
 * no sample saw, peak 0, has no series). */
static void check_series(json_object *cell)
{
	json_object *series, *t, *states;
	size_t n;

	assert_true(json_object_object_get_ex(cell, "series", &series));
	assert_true(json_object_object_get_ex(series, "t", &t));
	n = json_object_array_length(t);
	assert_true(n > 10 && n <= 2048);
	assert_true(json_object_get_double(json_object_array_get_idx(t, 0)) >= 0);
	for (size_t i = 1; i < n; i++)
		assert_true(json_object_get_double(json_object_array_get_idx(t, i)) >
			    json_object_get_double(json_object_array_get_idx(t, i - 1)));
	assert_true(json_object_object_get_ex(cell, "states", &states));
	json_object_object_foreach(states, name, agg) {
		json_object *a;
		int max = 0;

		if (!json_object_object_get_ex(series, name, &a)) {
			assert_int_equal((int)jnum(agg, "peak"), 0);
			continue;
		}
		assert_int_equal(json_object_array_length(a), n);
		for (size_t i = 0; i < n; i++)
			if (json_object_get_int(json_object_array_get_idx(a, i)) > max)
				max = json_object_get_int(json_object_array_get_idx(a, i));
		assert_int_equal(max, (int)jnum(agg, "peak"));
	}
}

static void test_pass_with_reports(void **state)
{
	char json[4200], junit[4200], csv[4200];
	const char *sc = scenario_file("one-freeze", "model");
	json_object *root, *cells, *cell, *fw2, *v, *conns;
	char *text;
	(void)state;

	snprintf(json, sizeof(json), "%s/r.json", tmpdir);
	snprintf(junit, sizeof(junit), "%s/r.xml", tmpdir);
	snprintf(csv, sizeof(csv), "%s/r.csv", tmpdir);
	const char *args[] = { "run", "--json", json, "--junit", junit, "--csv", csv, sc, NULL };
	assert_int_equal(run("pass", args), 0);

	text = slurp(json);
	assert_non_null(text);
	root = json_tokener_parse(text);
	free(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "hz", &v));
	assert_true(json_object_get_int(v) > 0);
	assert_true(json_object_object_get_ex(root, "cells", &cells));
	assert_int_equal(json_object_array_length(cells), 1);
	cell = json_object_array_get_idx(cells, 0);
	assert_true(json_object_object_get_ex(cell, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "pass");
	assert_true(json_object_object_get_ex(cell, "connections", &conns));
	assert_int_equal(json_object_array_length(conns), 2);
	assert_true(json_object_object_get_ex(cell, "fin_wait2", &fw2));
	assert_int_equal((int)jnum(fw2, "count"), 2);
	assert_int_equal((int)jnum(fw2, "forever"), 0);
	/* docs/KERNEL.md: an orphan's FIN_WAIT2 lasts F plus at most L(F) (32 ms at HZ=250, 64 ms
	 * at HZ=1000), measured with 1 ms sampling: well inside [1.0, 1.1] s. */
	printf("measured FIN_WAIT2 (fin_timeout 1s): min %.4f p50 %.4f max %.4f s\n",
	       jnum(fw2, "min"), jnum(fw2, "p50"), jnum(fw2, "max"));
	assert_true(jnum(fw2, "min") >= 0.99);
	assert_true(jnum(fw2, "max") <= 1.1);
	/* Per-state aggregates: both connections piled up in FIN_WAIT2 together. */
	assert_true(json_object_object_get_ex(cell, "states", &v));
	assert_true(json_object_object_get_ex(v, "FIN_WAIT2", &v));
	assert_int_equal((int)jnum(v, "peak"), 2);
	assert_int_equal((int)jnum(v, "count"), 2);
	check_series(cell);
	json_object_put(root);

	text = slurp(junit);
	assert_non_null(text);
	assert_non_null(strstr(text, "<testcase"));
	assert_null(strstr(text, "<failure"));
	free(text);
	text = slurp(csv);
	assert_non_null(text);
	assert_true(str_startswith(text, "cell,local,remote,state,"));
	assert_non_null(strstr(text, ",FIN_WAIT2,"));
	free(text);
	text = output("pass", "out");
	assert_non_null(strstr(text, "1 passed, 0 failed"));
	free(text);
}

static void test_failing_expectation_exits_1(void **state)
{
	const char *sc = scenario_file("too-strict", "300ms");
	const char *args[] = { "run", sc, NULL };
	char *text;
	(void)state;

	assert_int_equal(run("fail", args), 1);
	text = output("fail", "out");
	assert_non_null(strstr(text, "fail"));
	assert_non_null(strstr(text, "0 passed, 1 failed"));
	free(text);
}

static void test_bad_scenario_names_file_line(void **state)
{
	char path[4200], want[4300];
	char *text;
	(void)state;

	snprintf(path, sizeof(path), "%s/bad.ini", tmpdir);
	write_file(path, "[scenario]\nname = bad\n\n[server]\nclose = closee\n");
	const char *args[] = { "run", path, NULL };
	assert_int_equal(run("bad", args), 2);
	text = output("bad", "err");
	snprintf(want, sizeof(want), "%s:5:", path);
	assert_non_null(strstr(text, want));
	free(text);

	const char *args2[] = { "run", "--set", "limit=soon", NULL };
	assert_int_equal(run("badset", args2), 2);
	text = output("badset", "err");
	assert_non_null(strstr(text, "--set"));
	free(text);

	const char *args3[] = { "run", "no-such-scenario", NULL };
	assert_int_equal(run("nosuch", args3), 2);
}

static void test_global_sysctl_refused(void **state)
{
	char before[64] = "", after[64] = "";
	char *text, *b;
	(void)state;

	b = slurp("/proc/sys/net/ipv4/tcp_max_orphans");
	assert_non_null(b);
	snprintf(before, sizeof(before), "%s", b);
	free(b);
	const char *args[] = { "run", "--set", "sysctl.net.ipv4.tcp_max_orphans=17", NULL };
	assert_int_equal(run("global", args), 2);
	text = output("global", "err");
	assert_non_null(strstr(text, "net.ipv4.tcp_max_orphans"));
	free(text);
	b = slurp("/proc/sys/net/ipv4/tcp_max_orphans");
	snprintf(after, sizeof(after), "%s", b);
	free(b);
	assert_string_equal(before, after);
}

/* Collects (up to max) the pids of processes named finwait-* whose parent is pid. */
static int children_of(pid_t pid, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[512], comm[64];
		int ppid;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) &&
		    sscanf(buf, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 && ppid == pid &&
		    !strncmp(comm, "finwait-", 8)) {
			if (n < max && out)
				out[n] = (pid_t)atoi(e->d_name);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* true while pid still names a finwait-* process (it may have been reaped and reused). */
static bool still_running(pid_t pid)
{
	char path[64], buf[512], comm[64];
	bool alive = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return false;
	if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%*d (%63[^)])", comm) == 1)
		alive = !strncmp(comm, "finwait-", 8);
	fclose(f);
	return alive;
}

static int count_host_links(void)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_sigint_mid_run(void **state)
{
	/* Cells whose FIN_WAIT2 lasts forever: the run would take the whole limit. */
	const char *args[] = { "run", "shutdown-leak-forever", "--set", "limit=60s", NULL };
	int links = count_host_links();
	int64_t deadline, t_kill, took;
	pid_t pid, kids[8];
	int rc;
	(void)state;

	pid = start("sigint", args);
	/* Event: the run is under way once its four cells each have a server and a client. */
	deadline = mono_ns() + 20 * NSEC_PER_SEC;
	while (children_of(pid, NULL, 0) < 8 && mono_ns() < deadline) {
		struct timespec ts = { 0, 5 * NSEC_PER_MSEC };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(children_of(pid, kids, 8), 8);
	t_kill = mono_ns();
	assert_int_equal(kill(pid, SIGINT), 0);
	rc = finish(pid);
	took = mono_ns() - t_kill;
	printf("SIGINT to exit: %.3f s\n", ns_to_s(took));
	assert_int_equal(rc, 130);
	assert_true(took < NSEC_PER_SEC);
	/* Every server and client of the run is gone, reaped or not. */
	for (int i = 0; i < 8; i++)
		assert_false(still_running(kids[i]));
	assert_int_equal(count_host_links(), links);
}

/* A full timewait table drops the orphans past tcp_max_tw_buckets (no FIN_WAIT2 at
 * all): the model allows exactly that many absent, and no more. */
static void test_tw_bucket_overflow(void **state)
{
	char json[4200];
	json_object *root, *cell, *fw2;
	const char *args[] = { "run", "--set", "connections=8", "--set",
			       "sysctl.net.ipv4.tcp_max_tw_buckets=3", "--json", json,
			       scenario_file("tw-overflow", "model"), NULL };
	(void)state;

	snprintf(json, sizeof(json), "%s/tw.json", tmpdir);
	assert_int_equal(run("tw", args), 0);
	cell = first_cell(json, &root);
	assert_true(json_object_object_get_ex(cell, "fin_wait2", &fw2));
	assert_int_equal((int)jnum(fw2, "count"), 3);
	/* The second witness: one TCPTimeWaitOverflow per dropped orphan. */
	assert_true(json_object_object_get_ex(cell, "counters", &fw2));
	assert_int_equal((int)jnum(fw2, "TCPTimeWaitOverflow"), 5);
	json_object_put(root);
}

/* The kernel's counters as a second witness (checked by hand first: 3 connections,
 * keepcnt 2 -> TCPAbortOnTimeout 3, TCPKeepAlive 6): the model's ends add up to the
 * deltas, and the cell reports both. */
static void test_counters_witness(void **state)
{
	char json[4200];
	json_object *root, *cell, *k, *e, *v;
	const char *args[] = { "run", "keepalive-vanished-host", "--set", "connections=3",
			       "--matrix", "client.fault=vanish", "--json", json, NULL };
	(void)state;

	snprintf(json, sizeof(json), "%s/ka.json", tmpdir);
	assert_int_equal(run("ka", args), 0);
	cell = first_cell(json, &root);
	assert_true(json_object_object_get_ex(cell, "counters", &k));
	assert_int_equal((int)jnum(k, "TCPAbortOnTimeout"), 3);
	assert_int_equal((int)jnum(k, "TCPKeepAlive"), 6);
	assert_int_equal((int)jnum(k, "TcpOutRsts"), 3);
	assert_int_equal((int)jnum(k, "TCPAbortOnLinger"), 0); /* always there */
	assert_true(json_object_object_get_ex(cell, "counters_expected", &e));
	assert_true(json_object_object_get_ex(e, "TCPKeepAlive", &e));
	assert_int_equal((int)jnum(e, "min"), 6);
	assert_true(json_object_object_get_ex(e, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "pass");
	json_object_put(root);
}

/* Reset sockets live for well under a millisecond: sampled every 300 ms they are never
 * seen in sock_diag, and only the server's accept and close events account for them. */
static void test_unsampled_connections_from_events(void **state)
{
	char json[4200];
	json_object *root, *cell, *conns, *v;
	const char *args[] = { "run", "linger0-reset", "--set", "interval=300ms", "--matrix",
			       "client.fault=hang", "--json", json, NULL };
	(void)state;

	snprintf(json, sizeof(json), "%s/l0.json", tmpdir);
	assert_int_equal(run("l0", args), 0);
	cell = first_cell(json, &root);
	assert_true(json_object_object_get_ex(cell, "connections", &conns));
	assert_int_equal(json_object_array_length(conns), 8);
	assert_true(json_object_object_get_ex(cell, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "pass");
	json_object_put(root);
}

/* An external server that forks (here: a shell that leaves a sleep behind and execs
 * nginx) must not leave its children running after the cell: they are out of reach of
 * PR_SET_PDEATHSIG, so teardown kills what is left in the cell's namespaces. */
static void test_forking_server_leaves_nothing(void **state)
{
	char path[4200], text[6144], src[4096];
	const char *srcdir = getenv("FINWAIT_SOURCE_DIR");
	(void)state;

	if (access("/usr/sbin/nginx", X_OK)) {
		fprintf(stderr, "nginx is not installed (ci/deps installs it)\n");
		fail();
	}
	snprintf(src, sizeof(src), "%s/tests/scenarios/nginx-keepalive-timeout.conf.in",
		 srcdir ? srcdir : ".");
	snprintf(text, sizeof(text),
		 "[scenario]\nname = forking\nconnections = 2\nlimit = 3s\n\n[server]\n"
		 "program = command\ncommand = sh -c \"sleep 987654 & exec /usr/sbin/nginx -e "
		 "{dir}/error.log -p {dir} -c {dir}/nginx-keepalive-timeout.conf\"\n"
		 "config = %s\nclose = close\nclose_after = 1s\n\n[client]\nmode = http\n"
		 "fault = freeze\nat = after-response\n\n[sysctl]\n"
		 "net.ipv4.tcp_fin_timeout = 1\n", src);
	snprintf(path, sizeof(path), "%s/forking.ini", tmpdir);
	write_file(path, text);
	const char *args[] = { "run", path, NULL };
	assert_int_equal(run("forking", args), 0);
	/* pgrep exits 1 when nothing matches ([p]: not the shell running pgrep). */
	assert_int_equal(system("pgrep -f 'slee[p] 987654' >/dev/null"), 256);
}

/* Two runs at once share nothing: each has its own lab-root and cells held by fds, so
 * the same addresses and interface names live in different namespaces. */
static void test_two_runs_at_once(void **state)
{
	const char *sc = scenario_file("concurrent", "model");
	const char *args[] = { "run", "--quiet", "--matrix", "client.fault=freeze,vanish", sc,
			       NULL };
	pid_t a, b;
	int ra, rb;
	char *text;
	(void)state;

	a = start("conc-a", args);
	b = start("conc-b", args);
	ra = finish(a);
	rb = finish(b);
	if (ra || rb) {
		char *oa = output("conc-a", "out"), *ob = output("conc-b", "out");

		printf("run a (exit %d):\n%s\nrun b (exit %d):\n%s\n", ra, oa, rb, ob);
		free(oa);
		free(ob);
	}
	assert_int_equal(ra, 0);
	assert_int_equal(rb, 0);
	text = output("conc-b", "out");
	assert_non_null(strstr(text, "2 passed, 0 failed"));
	free(text);
}

static void test_help_and_list(void **state)
{
	const char *help[] = { "run", "--help", NULL };
	const char *list[] = { "list", NULL };
	char *text;
	(void)state;

	assert_int_equal(run("help", help), 0);
	text = output("help", "out");
	for (const char *o = "--set\0--matrix\0--jobs\0--interval\0--json\0--junit\0--csv\0"
			     "--quiet\0--keep\0";
	     *o; o += strlen(o) + 1)
		assert_non_null(strstr(text, o));
	free(text);
	assert_int_equal(run("list", list), 0);
	text = output("list", "out");
	assert_non_null(strstr(text, "nginx-keepalive-timeout"));
	assert_non_null(strstr(text, "orphan-close"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_with_reports),
		cmocka_unit_test(test_failing_expectation_exits_1),
		cmocka_unit_test(test_bad_scenario_names_file_line),
		cmocka_unit_test(test_global_sysctl_refused),
		cmocka_unit_test(test_sigint_mid_run),
		cmocka_unit_test(test_tw_bucket_overflow),
		cmocka_unit_test(test_counters_witness),
		cmocka_unit_test(test_unsampled_connections_from_events),
		cmocka_unit_test(test_forking_server_leaves_nothing),
		cmocka_unit_test(test_two_runs_at_once),
		cmocka_unit_test(test_help_and_list),
	};
	/* ci/sanitize skips the tests that time the product (an instrumented build is
	 * not it): FW_SKIP_TESTS is a cmocka pattern. */
	cmocka_set_skip_filter(getenv("FW_SKIP_TESTS"));
	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
