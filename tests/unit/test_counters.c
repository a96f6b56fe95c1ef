/* Unit tests for the kernel's counters as a second witness: parsing /proc/net/netstat
 * and snmp (counters.c), the ends the model says (rules.c: enum pred_end), and the check
 * of the counters against them (judge_counters.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cellrun.h"
#include "counters.h"
#include "judge.h"
#include "model.h"

static const char netstat[] =
	"TcpExt: SyncookiesSent TW TCPAbortOnTimeout TCPKeepAlive\n"
	"TcpExt: 0 5 3 6\n"
	"IpExt: InNoRoutes InOctets\n"
	"IpExt: 0 1234\n";
static const char snmp[] =
	"Ip: Forwarding DefaultTTL\n"
	"Ip: 1 64\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens CurrEstab OutRsts\n"
	"Tcp: 1 200 120000 -1 15 4 2\n";

static void test_parse(void **state)
{
	struct counters *c = calloc(1, sizeof(*c));
	int64_t v = -1;

	(void)state;
	assert_int_equal(counters_parse(netstat, "TcpExt", "", c), 0);
	assert_int_equal(counters_parse(snmp, "Tcp", "Tcp", c), 0);
	/* 4 TcpExt, then Tcp without its gauges and constants. */
	assert_int_equal(c->n, 6);
	assert_true(counters_get(c, "TCPAbortOnTimeout", &v));
	assert_int_equal(v, 3);
	assert_true(counters_get(c, "TcpOutRsts", &v));
	assert_int_equal(v, 2);
	assert_true(counters_get(c, "TcpActiveOpens", &v));
	assert_int_equal(v, 15);
	assert_false(counters_get(c, "TcpCurrEstab", &v));
	assert_false(counters_get(c, "TcpMaxConn", &v));
	assert_false(counters_get(c, "InOctets", &v));
	free(c);
}

static void test_parse_errors(void **state)
{
	struct counters *c = calloc(1, sizeof(*c));

	(void)state;
	assert_int_equal(counters_parse(snmp, "TcpExt", "", c), -ENOENT);
	assert_int_equal(counters_parse("TcpExt: A B\nTcpExt: 1\n", "TcpExt", "", c), -EINVAL);
	c->n = 0;
	assert_int_equal(counters_parse("TcpExt: A\nTcpExt: 1 2\n", "TcpExt", "", c), -EINVAL);
	c->n = 0;
	assert_int_equal(counters_parse("TcpExt: A\nTcpExt: x\n", "TcpExt", "", c), -EINVAL);
	c->n = 0;
	assert_int_equal(counters_parse("TcpExt: A\n", "TcpExt", "", c), -EINVAL);
	/* "MPTcpExt:" is not "TcpExt:". */
	c->n = 0;
	assert_int_equal(counters_parse("MPTcpExt: A\nMPTcpExt: 1\n", "TcpExt", "", c), -ENOENT);
	free(c);
}

static void test_delta(void **state)
{
	struct counters *a = calloc(3, sizeof(*a)), *b = a + 1, *d = a + 2;
	size_t reported = 0;

	(void)state;
	assert_int_equal(counters_parse(netstat, "TcpExt", "", a), 0);
	assert_int_equal(counters_parse("TcpExt: SyncookiesSent TW TCPAbortOnTimeout "
					"TCPKeepAlive TCPNew\nTcpExt: 0 9 4 6 2\n", "TcpExt", "",
					b), 0);
	counters_delta(a, b, d);
	assert_int_equal(d->n, 5);
	assert_string_equal(d->v[1].name, "TW");
	assert_int_equal(d->v[1].value, 4);
	assert_int_equal(d->v[2].value, 1);
	assert_int_equal(d->v[3].value, 0);
	assert_int_equal(d->v[4].value, 2); /* not there before: from 0 */
	for (size_t i = 0; i < d->n; i++)
		reported += counters_reported(&d->v[i]);
	/* TW, TCPAbortOnTimeout and TCPNew moved; TCPKeepAlive is always reported. */
	assert_int_equal(reported, 4);
	assert_false(counters_reported(&d->v[0]));
	free(a);
}

/* The model's prediction for a cell of "[scenario] name = m" plus body. */
static struct prediction predict(const char *body)
{
	char text[1024];
	struct scenario *sc = NULL;
	struct fw_err err = { 0 };
	struct model_env env;
	struct prediction p;

	model_env_default(&env, 250);
	snprintf(text, sizeof(text), "[scenario]\nname = m\nlimit = 60s\n%s", body);
	assert_int_equal(scenario_load_string("m", text, NULL, &sc, &err), 0);
	assert_int_equal(model_predict(sc, &env, &p), 0);
	scenario_free(sc);
	return p;
}

#define KA "[server]\nclose = shutdown\nkeepalive = on\nkeepidle = 2s\nkeepintvl = 1s\n" \
	   "keepcnt = 2\n"

static void test_model_ends(void **state)
{
	struct prediction p;

	(void)state;
	p = predict(KA "[client]\nfault = vanish\nat = after-fin\n");
	assert_int_equal(p.end, PRED_END_KEEPALIVE_ABORT);
	assert_int_equal(p.probes_min, 2);
	assert_int_equal(p.probes_max, 2);
	p = predict(KA "[client]\nfault = reboot\nat = after-fin\n");
	assert_int_equal(p.end, PRED_END_KEEPALIVE_RESET);
	assert_int_equal(p.probes_max, 1);
	/* TCP_USER_TIMEOUT 2500ms, idle 2s, intvl 1s: killed at the first timer past it. */
	p = predict(KA "user_timeout = 2500ms\n[client]\nfault = vanish\nat = after-fin\n");
	assert_int_equal(p.end, PRED_END_KEEPALIVE_ABORT);
	assert_int_equal(p.probes_max, 1);
	p = predict(KA "[client]\nfault = freeze\nat = after-fin\n");
	assert_int_equal(p.end, PRED_END_UNSAID);
	p = predict("[server]\nclose = linger0\n[client]\nfault = freeze\nat = after-response\n");
	assert_int_equal(p.end, PRED_END_LINGER0);
	/* Before its request the server closes nothing. */
	p = predict("[server]\nclose = linger0\n[client]\nfault = freeze\nat = after-connect\n");
	assert_int_equal(p.end, PRED_END_UNSAID);
	p = predict("[server]\nlinger2 = -1\n[client]\nfault = freeze\nat = after-fin\n");
	assert_int_equal(p.end, PRED_END_LINGER2_ACKED);
	p = predict("connections = 8\n[client]\nfault = freeze\nat = after-fin\n"
		    "[sysctl]\nnet.ipv4.tcp_max_tw_buckets = 0\n");
	assert_int_equal(p.end, PRED_END_TW_DROPPED);
	p = predict("connections = 8\n[client]\nfault = freeze\nat = after-fin\n"
		    "[sysctl]\nnet.ipv4.tcp_max_tw_buckets = 4\n");
	assert_int_equal(p.end, PRED_END_UNSAID);
	assert_int_equal(p.may_drop, 4);
}

/* An outcome whose counters say TCPAbortOnTimeout = abort, TCPKeepAlive = probes. */
static struct cell_outcome *outcome(long abort, long probes, long rsts)
{
	struct cell_outcome *out = calloc(1, sizeof(*out));
	char text[256];

	snprintf(text, sizeof(text), "TcpExt: TCPAbortOnTimeout TCPKeepAlive TCPAbortOnData "
		 "TCPTimeWaitOverflow\nTcpExt: %ld %ld 0 0\nTcp: OutRsts\nTcp: %ld\n", abort,
		 probes, rsts);
	assert_int_equal(counters_parse(text, "TcpExt", "", &out->counters), 0);
	assert_int_equal(counters_parse(text, "Tcp", "Tcp", &out->counters), 0);
	out->has_counters = true;
	return out;
}

/* Three connections killed by keepalive after 2 probes each (checked by hand: 3 and 6). */
static void ends_keepalive(struct judge_ends *e, long conns)
{
	struct prediction p = { .kind = PRED_RANGE, .end = PRED_END_KEEPALIVE_ABORT,
				.probes_min = 2, .probes_max = 2 };

	memset(e, 0, sizeof(*e));
	for (long i = 0; i < conns; i++)
		judge_ends_add(e, &p);
}

static void test_judge_counters(void **state)
{
	struct judgement *j = calloc(1, sizeof(*j));
	struct cell_outcome *good = outcome(3, 6, 3), *bad = outcome(2, 6, 3);
	struct judge_ends e;
	struct prediction other = { .kind = PRED_FOREVER };
	char why[512] = "";

	(void)state;
	ends_keepalive(&e, 3);
	assert_true(judge_counters(&e, good, j, why, sizeof(why)));
	assert_int_equal(j->n_counters, 3);
	assert_string_equal(j->counters[0].name, "TCPAbortOnTimeout");
	assert_int_equal(j->counters[0].min, 3);
	assert_int_equal(j->counters[1].max, 6);
	assert_true(j->counters[1].pass);
	/* A disagreement fails, naming both witnesses. */
	assert_false(judge_counters(&e, bad, j, why, sizeof(why)));
	assert_non_null(strstr(why, "the kernel's TCPAbortOnTimeout moved by 2"));
	assert_non_null(strstr(why, "the model says 3"));
	assert_non_null(strstr(why, "sock_diag"));
	/* A connection whose end the model does not say: keepalive's counters unchecked. */
	judge_ends_add(&e, &other);
	assert_true(judge_counters(&e, bad, j, why, sizeof(why)));
	assert_int_equal(j->n_counters, 0);
	/* Counters not read: nothing checked, nothing failed. */
	ends_keepalive(&e, 3);
	bad->has_counters = false;
	assert_true(judge_counters(&e, bad, j, why, sizeof(why)));
	assert_int_equal(j->n_counters, 0);
	free(good);
	free(bad);
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_model_ends),
		cmocka_unit_test(test_judge_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
