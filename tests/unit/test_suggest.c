/* Unit tests for suggest.c: the edit distance, and the key suggested for a mistyped one
 * from the schema's rows and a fake /proc/sys tree (global sysctls never suggested). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "suggest.h"

static char root[] = "/tmp/fwtest-suggest-XXXXXX";

static void touch(const char *rel)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("", ""), 0);
	assert_int_equal(suggest_distance("abc", ""), 3);
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	assert_int_equal(suggest_distance("tcp_fin_timeot", "tcp_fin_timeout"), 1);
	/* An adjacent swap counts once. */
	assert_int_equal(suggest_distance("lmiit", "limit"), 1);
	assert_int_equal(suggest_distance("limit", "limit"), 0);
}

static void expect(const char *key, const char *want)
{
	char buf[256];
	bool found = suggest_key(key, root, buf, sizeof(buf));

	if (!want) {
		if (found)
			printf("%s: suggested %s, wanted nothing\n", key, buf);
		assert_false(found);
		assert_string_equal(buf, "");
		return;
	}
	if (!found || strcmp(buf, want))
		printf("%s: suggested '%s', wanted %s\n", key, buf, want);
	assert_true(found);
	assert_string_equal(buf, want);
}

static void test_suggestions(void **state)
{
	(void)state;
	/* The example: a sysctl's tail, without its prefix. */
	expect("fin_timeout", "sysctl.net.ipv4.tcp_fin_timeout");
	expect("sysctl.net.ipv4.tcp_fin_timeot", "sysctl.net.ipv4.tcp_fin_timeout");
	/* Schema rows: a key in the wrong section, a typo, a bare name. */
	expect("server.fault", "client.fault");
	expect("limt", "scenario.limit");
	expect("server.keepidl", "server.keepidle");
	expect("keepalive_time", "sysctl.net.ipv4.tcp_keepalive_time");
	/* A global sysctl is never suggested (finwait refuses it). */
	expect("max_orphans", NULL);
	expect("zzzzzzzz", NULL);
}

static int setup(void **state)
{
	char path[4200];
	(void)state;

	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/net", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/net/ipv4", root);
	mkdir(path, 0755);
	touch("net/ipv4/tcp_fin_timeout");
	touch("net/ipv4/tcp_keepalive_time");
	touch("net/ipv4/tcp_keepalive_intvl");
	touch("net/ipv4/tcp_max_orphans");
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];
	(void)state;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_suggestions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
