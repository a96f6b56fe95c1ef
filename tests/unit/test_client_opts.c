/* Unit tests for endpoint_opts.c: finwait-client's command line, fault points, actions. */
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

#define ARGV(...) ((char *[]){ "finwait-client", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "finwait-client", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) client_opts_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, &err)

static void test_defaults(void **state)
{
	struct client_opts o;
	struct fw_err err;
	char a[STATUS_ADDR_MAX];
	(void)state;

	assert_int_equal(PARSE(&o, err, "--connect", "198.18.0.1:8080"), 0);
	status_format_addr((struct sockaddr *)&o.connect, a, sizeof(a));
	assert_string_equal(a, "198.18.0.1:8080");
	assert_int_equal(o.connect_len, sizeof(struct sockaddr_in));
	assert_int_equal(o.connections, 1);
	assert_int_equal(o.nsources, 0);
	assert_int_equal(o.cfg.mode, FW_MODE_RAW);
	assert_int_equal(o.cfg.at, FW_AT_FIN);
	assert_int_equal(o.cfg.fault, FW_FAULT_NONE);
	assert_int_equal(o.timeout_ns, 30 * NSEC_PER_SEC);
	assert_int_equal(o.detail_max, 1000);
	assert_int_equal(o.status_fd, -1);
}

static void test_all_options(void **state)
{
	struct client_opts o;
	struct fw_err err;
	char a[STATUS_ADDR_MAX];
	(void)state;

	assert_int_equal(PARSE(&o, err, "--connect", "[fd46:696e::1]:80", "--connections", "100000",
			       "--source", "fd46:696e::2", "--source", "[fd46:696e::3]",
			       "--mode", "http", "--at", "after-response", "--fault", "freeze",
			       "--timeout", "5s", "--detail", "10", "--status-fd", "3"), 0);
	assert_int_equal(o.connect.ss_family, AF_INET6);
	assert_int_equal(o.connections, 100000);
	assert_int_equal(o.nsources, 2);
	((struct sockaddr_in6 *)&o.sources[1])->sin6_port = htons(1);
	status_format_addr((struct sockaddr *)&o.sources[1], a, sizeof(a));
	assert_string_equal(a, "[fd46:696e::3]:1");
	assert_int_equal(o.cfg.mode, FW_MODE_HTTP);
	assert_int_equal(o.cfg.at, FW_AT_RESPONSE);
	assert_int_equal(o.cfg.fault, FW_FAULT_FREEZE);
	assert_int_equal(o.timeout_ns, 5 * NSEC_PER_SEC);
	assert_int_equal(o.detail_max, 10);
	assert_int_equal(o.status_fd, 3);
}

static int point_parse(const char *s, enum fw_point *p)
{
	int v = fw_name_lookup(&fw_point_names, s, false);

	if (v >= 0)
		*p = (enum fw_point)v;
	return v < 0 ? v : 0;
}

/* The client accepts every fault name, "wait" included (not a scenario's). */
static int fault_parse(const char *s, enum fw_fault *f)
{
	int v = fw_name_lookup(&fw_fault_names, s, false);

	if (v >= 0)
		*f = (enum fw_fault)v;
	return v < 0 ? v : 0;
}

static void test_points_and_faults(void **state)
{
	static const char *const points[] = { "after-connect", "after-request", "after-response",
					      "after-fin" };
	static const char *const faults[] = { "none", "crash", "freeze", "hang", "vanish",
					      "reboot", "wait" };
	enum fw_point p = FW_AT_FIN;
	enum fw_fault f = FW_FAULT_NONE;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(points); i++) {
		assert_int_equal(point_parse(points[i], &p), 0);
		assert_int_equal(p, i);
		assert_string_equal(fw_point_name(p), points[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(faults); i++) {
		assert_int_equal(fault_parse(faults[i], &f), 0);
		assert_int_equal(f, i);
		assert_string_equal(fw_fault_name(f), faults[i]);
	}
	assert_int_equal(point_parse("after_fin", &p), -EINVAL);
	assert_int_equal(point_parse("", &p), -EINVAL);
	assert_int_equal(fault_parse("kill", &f), -EINVAL);
	assert_int_equal(fault_parse(NULL, &f), -EINVAL);
	/* vanish and reboot are the orchestrator's: the client side waits like hang. */
	assert_int_equal(fault_parse("vanish", &f), 0);
	assert_int_equal(f, FW_FAULT_VANISH);
	assert_int_equal(fw_fault_actor(FW_FAULT_VANISH), FW_ACTOR_ORCHESTRATOR);
	assert_int_equal(fw_fault_actor(FW_FAULT_FREEZE), FW_ACTOR_CLIENT);
	/* A scenario does not take "wait". */
	assert_int_equal(fw_name_lookup(&fw_fault_names, "wait", true), -EINVAL);
}

static void expect_bad(const char *want, int argc, char **argv)
{
	struct client_opts o;
	struct fw_err err;

	assert_int_equal(client_opts_parse(argc, argv, &o, &err), -EINVAL);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' does not contain '%s'", err.msg, want);
}
#define BAD(want, ...) expect_bad(want, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_bad_values(void **state)
{
	(void)state;
	BAD("--connect ADDR:PORT is required", "--connections", "2");
	BAD("bad --connect value '198.18.0.1'", "--connect", "198.18.0.1");
	BAD("bad --connect value '198.18.0.1:0' (expected a port between 1 and 65535)",
	    "--connect", "198.18.0.1:0");
	BAD("bad --connections value '0'", "--connect", "198.18.0.1:80", "--connections", "0");
	BAD("bad --connections value '100001'", "--connect", "198.18.0.1:80", "--connections",
	    "100001");
	BAD("bad --source value 'eth0'", "--connect", "198.18.0.1:80", "--source", "eth0");
	BAD("bad --source value '198.18.0.2:5'", "--connect", "198.18.0.1:80", "--source",
	    "198.18.0.2:5");
	BAD("--source 1 is not of the --connect address's family", "--connect", "198.18.0.1:80",
	    "--source", "fd46:696e::2");
	BAD("bad --at value 'after-close' (expected after-connect | after-request | after-response | after-fin)",
	    "--connect", "198.18.0.1:80", "--at", "after-close");
	BAD("bad --fault value 'explode' (expected none | crash | freeze | hang | vanish | reboot)",
	    "--connect", "198.18.0.1:80", "--fault", "explode");
	BAD("bad --timeout value '0'", "--connect", "198.18.0.1:80", "--timeout", "0");
	BAD("bad --mode value 'gopher'", "--connect", "198.18.0.1:80", "--mode", "gopher");
	BAD("bad --detail value '-1'", "--connect", "198.18.0.1:80", "--detail", "-1");
	BAD("unknown option '--crash'", "--connect", "198.18.0.1:80", "--crash");
	BAD("option '--fault' needs a value", "--connect", "198.18.0.1:80", "--fault");
}

static void test_too_many_sources(void **state)
{
	char *argv[2 + 3 + 2 * (EP_MAX_SOURCES + 1)];
	struct client_opts o;
	struct fw_err err;
	int argc = 0;
	(void)state;

	argv[argc++] = "finwait-client";
	argv[argc++] = "--connect";
	argv[argc++] = "198.18.0.1:80";
	for (int i = 0; i <= EP_MAX_SOURCES; i++) {
		argv[argc++] = "--source";
		argv[argc++] = "198.18.0.2";
	}
	argv[argc] = NULL;
	assert_int_equal(client_opts_parse(argc, argv, &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too many --source addresses"));
	/* One fewer is fine. */
	argc -= 2;
	argv[argc] = NULL;
	assert_int_equal(client_opts_parse(argc, argv, &o, &err), 0);
	assert_int_equal(o.nsources, EP_MAX_SOURCES);
}

static void test_help(void **state)
{
	struct client_opts o;
	struct fw_err err;
	(void)state;

	/* --help needs no --connect. */
	assert_int_equal(PARSE(&o, err, "--help"), 0);
	assert_true(o.help);
	char *help = capture(client_usage);

	assert_non_null(help);
	static const char *const opts[] = {
		"--connect", "--connections", "--source", "--mode", "--at", "--fault", "--timeout",
		"--detail", "--status-fd", "--help", "--version", "after-connect", "after-response",
		"after-fin", "crash", "freeze", "hang", "vanish", "reboot",
	};
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (!strstr(help, opts[i]))
			fail_msg("--help does not mention %s", opts[i]);
	free(help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_points_and_faults),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_too_many_sources),
		cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
