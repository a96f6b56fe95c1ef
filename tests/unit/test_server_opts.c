/* Unit tests for endpoint_opts.c: finwait-server's command line and close styles. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "endpoint_opts.h"
#include "status.h"
#include "util.h"

#define ARGV(...) ((char *[]){ "finwait-server", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "finwait-server", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) server_opts_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, &err)

static void test_defaults(void **state)
{
	struct server_opts o;
	struct fw_err err;
	char *argv[] = { "finwait-server", NULL };
	(void)state;

	assert_int_equal(server_opts_parse(1, argv, &o, &err), 0);
	assert_int_equal(o.listen.ss_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)&o.listen)->sin_port, 0);
	assert_int_equal(o.cfg.mode, FW_MODE_RAW);
	assert_int_equal(o.cfg.close.kind, FW_CLOSE_CLOSE);
	assert_int_equal(o.cfg.close_after_ns, 0);
	assert_int_equal(o.cfg.has, 0);
	assert_int_equal(o.status_fd, -1);
	assert_int_equal(o.max_conns, 0);
	assert_false(o.help);
}

static void test_all_options(void **state)
{
	struct server_opts o;
	struct fw_err err;
	char a[STATUS_ADDR_MAX];
	(void)state;

	assert_int_equal(PARSE(&o, err, "--listen", "[fd46:696e::1]:8080", "--mode", "http",
			       "--close", "linger:2s", "--close-after", "1500ms", "--keepalive", "on",
			       "--keepidle", "2", "--keepintvl", "1s", "--keepcnt", "3",
			       "--linger2", "-1", "--user-timeout", "2500ms", "--status-fd", "5",
			       "--backlog", "16", "--max-conns", "30000"), 0);
	status_format_addr((struct sockaddr *)&o.listen, a, sizeof(a));
	assert_string_equal(a, "[fd46:696e::1]:8080");
	assert_int_equal(o.listen_len, sizeof(struct sockaddr_in6));
	assert_int_equal(o.cfg.mode, FW_MODE_HTTP);
	assert_int_equal(o.cfg.close.kind, FW_CLOSE_LINGER);
	assert_int_equal(o.cfg.close.linger_s, 2);
	assert_int_equal(o.cfg.close_after_ns, 1500 * NSEC_PER_MSEC);
	assert_int_equal(o.cfg.has, FW_HAS_KEEPALIVE | FW_HAS_KEEPIDLE | FW_HAS_KEEPINTVL |
				FW_HAS_KEEPCNT | FW_HAS_LINGER2 | FW_HAS_USER_TIMEOUT);
	assert_int_equal(o.cfg.keepalive, 1);
	assert_int_equal(o.cfg.keepidle_s, 2);
	assert_int_equal(o.cfg.keepintvl_s, 1);
	assert_int_equal(o.cfg.keepcnt, 3);
	assert_int_equal(o.cfg.linger2_s, -1);
	assert_int_equal(o.cfg.user_timeout_ms, 2500);
	assert_int_equal(o.status_fd, 5);
	assert_int_equal(o.backlog, 16);
	assert_int_equal(o.max_conns, 30000);
}

static void test_presence_bits(void **state)
{
	struct server_opts o;
	struct fw_err err;
	(void)state;

	/* 0 is a value, not "unset". */
	assert_int_equal(PARSE(&o, err, "--keepalive", "off", "--linger2", "0"), 0);
	assert_int_equal(o.cfg.has, FW_HAS_KEEPALIVE | FW_HAS_LINGER2);
	assert_int_equal(o.cfg.keepalive, 0);
	assert_int_equal(o.cfg.linger2_s, 0);
	assert_int_equal(PARSE(&o, err, "--user-timeout", "0"), 0);
	assert_int_equal(o.cfg.has, FW_HAS_USER_TIMEOUT);
	/* The parser can run again from scratch: nothing leaks from the last run. */
	assert_int_equal(PARSE(&o, err, "--mode", "raw"), 0);
	assert_int_equal(o.cfg.has, 0);
}

/* The close style through its schema row, as a scenario and --close parse it. */
static int close_parse(const char *in, struct fw_close *c)
{
	struct fw_server_cfg cfg = { 0 };
	int r;

	if (!in)
		return -EINVAL;
	r = fw_key_set(&fw_keys[FW_K_CLOSE], &cfg, &cfg.has, in, FW_SET_ENDPOINT, NULL);
	if (!r)
		*c = cfg.close;
	return r;
}

static char *close_format(const struct fw_close *c, char *buf, size_t len)
{
	struct fw_server_cfg cfg = { .close = *c };

	fw_key_format(&fw_keys[FW_K_CLOSE], &cfg, 0, buf, len);
	return buf;
}

static void test_close_styles(void **state)
{
	static const struct {
		const char *in;
		enum fw_close_kind kind;
		int secs;
		const char *out;
	} cases[] = {
		{ "close", FW_CLOSE_CLOSE, 0, "close" },
		{ "shutdown", FW_CLOSE_SHUTDOWN, 0, "shutdown" },
		{ "linger0", FW_CLOSE_LINGER0, 0, "linger0" },
		{ "linger:0", FW_CLOSE_LINGER0, 0, "linger0" },
		{ "linger:5", FW_CLOSE_LINGER, 5, "linger:5s" },
		{ "linger:2m", FW_CLOSE_LINGER, 120, "linger:120s" },
		{ "none", FW_CLOSE_NONE, 0, "none" },
	};
	static const char *const bad[] = {
		"", "foo", "Close", "linger", "linger:", "linger:1.5s", "linger:-1", "linger:x",
		"linger0:", "shutdown ",
	};
	struct fw_close c;
	char buf[32];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(close_parse(cases[i].in, &c), 0);
		assert_int_equal(c.kind, cases[i].kind);
		assert_int_equal(c.linger_s, cases[i].secs);
		assert_string_equal(close_format(&c, buf, sizeof(buf)), cases[i].out);
		/* The canonical text parses back to the same style. */
		struct fw_close back;
		assert_int_equal(close_parse(buf, &back), 0);
		assert_int_equal(back.kind, c.kind);
		assert_int_equal(back.linger_s, c.linger_s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(close_parse(bad[i], &c), -EINVAL);
	assert_int_equal(close_parse(NULL, &c), -EINVAL);
}

/* Whole seconds through the schema's rows: keepidle (1..32767) and linger2 (-1 too). */
static int seconds_parse(enum fw_key_id id, const char *in, int *out)
{
	struct fw_server_cfg cfg = { 0 };
	int r = fw_key_set(&fw_keys[id], &cfg, &cfg.has, in, FW_SET_ENDPOINT, NULL);

	if (!r)
		*out = id == FW_K_LINGER2 ? cfg.linger2_s : cfg.keepidle_s;
	return r;
}

static void test_seconds(void **state)
{
	int v = 99;
	(void)state;

	assert_int_equal(seconds_parse(FW_K_KEEPIDLE, "2", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(seconds_parse(FW_K_KEEPIDLE, "1m", &v), 0);
	assert_int_equal(v, 60);
	assert_int_equal(seconds_parse(FW_K_KEEPIDLE, "2000ms", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(seconds_parse(FW_K_LINGER2, "-1", &v), 0);
	assert_int_equal(v, -1);
	v = 99;
	assert_int_equal(seconds_parse(FW_K_KEEPIDLE, "-1", &v), -EINVAL);
	assert_int_equal(seconds_parse(FW_K_KEEPIDLE, "1500ms", &v), -EINVAL);
	assert_int_equal(seconds_parse(FW_K_KEEPIDLE, "32768", &v), -EINVAL);
	assert_int_equal(seconds_parse(FW_K_KEEPIDLE, "0", &v), -EINVAL);
	assert_int_equal(seconds_parse(FW_K_LINGER2, "-2", &v), -EINVAL);
	assert_int_equal(seconds_parse(FW_K_LINGER2, "86401", &v), -EINVAL);
	assert_int_equal(v, 99);
}

static void expect_bad(const char *want, int argc, char **argv)
{
	struct server_opts o;
	struct fw_err err;

	assert_int_equal(server_opts_parse(argc, argv, &o, &err), -EINVAL);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' does not contain '%s'", err.msg, want);
}
#define BAD(want, ...) expect_bad(want, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_bad_values(void **state)
{
	(void)state;
	BAD("bad --close value 'foo' (expected close | shutdown | linger0 | linger:DUR (whole "
	    "seconds, 0s..65535s) | none)", "--close", "foo");
	BAD("bad --mode value 'ftp'", "--mode", "ftp");
	BAD("bad --listen value '198.18.0.1'", "--listen", "198.18.0.1");
	BAD("bad --listen value 'fd46::1:80'", "--listen", "fd46::1:80");
	BAD("bad --close-after value '2 days'", "--close-after", "2 days");
	BAD("bad --keepalive value 'maybe' (expected on | off)", "--keepalive", "maybe");
	BAD("bad --keepidle value '0'", "--keepidle", "0");
	BAD("bad --keepidle value '1.5s'", "--keepidle", "1.5s");
	BAD("bad --keepidle value '32768'", "--keepidle", "32768");
	BAD("bad --keepintvl value '0'", "--keepintvl", "0");
	BAD("bad --keepcnt value '128'", "--keepcnt", "128");
	BAD("bad --keepcnt value '0'", "--keepcnt", "0");
	BAD("bad --linger2 value '-2'", "--linger2", "-2");
	BAD("bad --user-timeout value '1.5ms'", "--user-timeout", "1.5ms");
	BAD("bad --user-timeout value '-1'", "--user-timeout", "-1");
	BAD("bad --status-fd value 'x'", "--status-fd", "x");
	BAD("bad --backlog value '0'", "--backlog", "0");
	BAD("bad --max-conns value '0'", "--max-conns", "0");
	BAD("unknown option '--bogus'", "--bogus");
	BAD("option '--close' needs a value", "--close");
	BAD("unexpected argument 'extra'", "extra");
}

static void test_help_version(void **state)
{
	struct server_opts o;
	struct fw_err err;
	(void)state;

	assert_int_equal(PARSE(&o, err, "--help"), 0);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, err, "-h"), 0);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, err, "--version"), 0);
	assert_true(o.version);
	/* Every option the parser knows is in the help text. */
	char *help = capture(server_usage);

	assert_non_null(help);
	static const char *const opts[] = {
		"--listen", "--mode", "--close ", "--close-after", "--keepalive", "--keepidle",
		"--keepintvl", "--keepcnt", "--linger2", "--user-timeout", "--status-fd",
		"--backlog", "--max-conns", "--help", "--version",
	};
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (!strstr(help, opts[i]))
			fail_msg("--help does not mention %s", opts[i]);
	free(help);
}

static void test_mode_names(void **state)
{
	(void)state;

	assert_int_equal(fw_name_lookup(&fw_mode_names, "http", true), FW_MODE_HTTP);
	assert_string_equal(fw_mode_name(FW_MODE_HTTP), "http");
	assert_int_equal(fw_name_lookup(&fw_mode_names, "raw", true), FW_MODE_RAW);
	assert_string_equal(fw_mode_name(FW_MODE_RAW), "raw");
	assert_int_equal(fw_name_lookup(&fw_mode_names, "HTTP", true), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_presence_bits),
		cmocka_unit_test(test_close_styles),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_mode_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
