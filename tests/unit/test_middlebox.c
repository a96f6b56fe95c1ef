/* Unit tests of the middlebox's model rows (docs/KERNEL.md, rules 31-34) and its keys: the
 * figures measured by `finwait run nat-idle-timeout`, `firewall-after-fin` and
 * `middlebox-loss` must lie in the predicted ranges; a keepalive idle equal to the idle
 * timeout, loss with keepalive and a blackhole racing the client's own close are not
 * modelled; [middlebox] refuses IPv6 and a blackhole at another point than the client's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "scenario.h"
#include "util.h"

#define MS NSEC_PER_MSEC
/* A held socket with keepalive (intvl 1 s, cnt 2), a frozen client, at after-fin. */
#define HELD(idle, fault) "[server]\nclose = shutdown\nkeepalive = on\nkeepidle = " idle \
	"\nkeepintvl = 1s\nkeepcnt = 2\n[client]\nfault = freeze\n[middlebox]\nfault = " \
	fault "\nidle_timeout = 2s\n"

static struct model_env env250;

static int setup(void **state)
{
	(void)state;
	model_env_default(&env250, 250);
	return 0;
}

static int load(const char *body, struct scenario **sc, struct fw_err *err)
{
	char text[1024];

	snprintf(text, sizeof(text), "[scenario]\nname = m\nlimit = 30s\n%s", body);
	return scenario_load_string("m", text, NULL, sc, err);
}

static struct prediction predict(const char *body)
{
	struct scenario *sc = NULL;
	struct fw_err err = { 0 };
	struct prediction p;
	char buf[400];

	if (load(body, &sc, &err))
		fail_msg("scenario: %s", fw_err_format(&err, buf, sizeof(buf)));
	assert_int_equal(model_predict(sc, &env250, &p), 0);
	scenario_free(sc);
	return p;
}

static void expect_range(const char *body, int64_t lo, int64_t hi, const char *why)
{
	struct prediction p = predict(body);

	if (p.kind != PRED_RANGE || lo < p.min_ns || hi > p.max_ns || !strstr(p.reason, why))
		fail_msg("kind %d, %.3f..%.3f for measured %.3f..%.3f (%s)", p.kind,
			 ns_to_s(p.min_ns), ns_to_s(p.max_ns), ns_to_s(lo), ns_to_s(hi), p.reason);
}

static void expect_kind(const char *body, enum pred_kind kind, const char *why)
{
	struct prediction p = predict(body);

	if (p.kind != kind || !strstr(p.reason, why))
		fail_msg("kind %d, want %d: %s", p.kind, kind, p.reason);
}

/* Rules 29-30: keepalive idle against the idle timeout. */
static void test_idle_timeout(void **state)
{
	(void)state;
	expect_kind(HELD("1s", "idle-timeout"), PRED_FOREVER, "each probe keeps the flow");
	expect_kind(HELD("1s", "idle-timeout-reset"), PRED_FOREVER, "keeps the flow");
	expect_range(HELD("3s", "idle-timeout"), 5063 * MS, 5188 * MS, "probes dropped");
	expect_range(HELD("3s", "idle-timeout-reset"), 3079 * MS, 3236 * MS, "with a reset");
	expect_kind(HELD("2s", "idle-timeout"), PRED_UNMODELLED, "about when");
	/* An orphan sends nothing: its timer is unaffected. */
	expect_range("[server]\nclose = close\n[sysctl]\nnet.ipv4.tcp_fin_timeout = 1\n"
		     "[client]\nfault = freeze\n[middlebox]\nfault = idle-timeout\n"
		     "idle_timeout = 1s\n", 1006 * MS, 1033 * MS, "tcp_fin_timeout 1s");
}

/* Rules 31-32: a blackhole, and loss. */
static void test_blackhole_loss(void **state)
{
	(void)state;
	expect_range(HELD("1s", "blackhole"), 3068 * MS, 3083 * MS, "nothing gets through");
	expect_kind("[server]\nclose_after = 300ms\n[client]\nat = after-response\nfault = "
		    "hang\n[middlebox]\nfault = blackhole\n", PRED_NONE, "no FIN_WAIT2");
	expect_kind("[client]\nfault = none\n[middlebox]\nfault = blackhole\n",
		    PRED_UNMODELLED, "races the client's own close");
	expect_kind(HELD("1s", "none") "loss = 5%\n", PRED_UNMODELLED, "random loss 5%");
	expect_range("[sysctl]\nnet.ipv4.tcp_fin_timeout = 4\n[middlebox]\nloss = 5%\n",
		     4214 * MS, 4253 * MS, "tcp_fin_timeout 4s");
}

/* FIN_WAIT1 behind a blackhole before the FIN: rule 21 with a live router. */
static void test_blackhole_fin_wait1(void **state)
{
	struct scenario *sc = NULL;
	struct model_facts f;
	struct prediction p;
	(void)state;

	assert_int_equal(load("[server]\nclose_after = 300ms\n[sysctl]\n"
			      "net.ipv4.tcp_orphan_retries = 1\n[client]\nat = after-response\n"
			      "fault = hang\n[middlebox]\nfault = blackhole\n", &sc, NULL), 0);
	model_facts_declare(sc, &env250, &f);
	assert_int_equal(model_fin_wait1(sc, &f, &env250, true, &p), 0);
	assert_int_equal(p.kind, PRED_RANGE);
	assert_true(p.min_ns <= 1658 * MS && p.max_ns >= 1695 * MS);
	assert_non_null(strstr(p.reason, "router answers ARP"));
	scenario_free(sc);
}

static void test_keys(void **state)
{
	struct scenario *sc = NULL;
	struct fw_err err = { 0 };
	(void)state;

	assert_int_equal(load("[middlebox]\nloss = 7%\n", &sc, &err), 0);
	assert_int_equal(sc->mb.loss_pct, 7);
	scenario_free(sc);
	sc = NULL;
	assert_int_equal(load("[middlebox]\nloss = 101%\n", &sc, &err), -EINVAL);
	assert_int_equal(load("[scenario]\nfamily = ipv6\n[middlebox]\nfault = blackhole\n", &sc,
			      &err), -EINVAL);
	assert_non_null(strstr(err.msg, "IPv4 only"));
	assert_int_equal(load("[client]\nat = after-response\n[middlebox]\nfault = blackhole\n"
			      "at = after-fin\n", &sc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "client's point"));
	assert_true(err.line > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_blackhole_loss),
		cmocka_unit_test(test_blackhole_fin_wait1),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
