/* The command line as a user expects it, through the real binary: report paths refused
 * before the lab is built (exit 2, naming the option), built-in scenarios run by name,
 * one-off matrices, suggestions for unknown keys, --shard and `finwait merge`. */
#include <json-c/json.h>
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

#include "runcmd.h"
#include "util.h"

/* Runs args, expects exit code want and every NUL-separated piece of `says` (ending in
 * an empty one) in its stderr. */
static void expect_refusal(const char *tag, const char *const *args, int want,
			   const char *says)
{
	char *err;
	int rc = run(tag, args);

	err = output(tag, "err");
	if (rc != want)
		printf("%s: exit %d, stderr:\n%s", tag, rc, err ? err : "");
	assert_int_equal(rc, want);
	assert_non_null(err);
	for (; *says; says += strlen(says) + 1)
		if (!strstr(err, says)) {
			printf("%s: no '%s' in stderr:\n%s", tag, says, err);
			fail();
		}
	free(err);
}

/* Before: the lab ran every cell, then the report could not be written (exit 3, results
 * lost), or two reports overwrote each other, or interleaved on stdout. */
static void test_report_paths_refused_up_front(void **state)
{
	char twice_a[4200], twice_b[4200], dirpath[4200], *out;
	(void)state;

	const char *missing[] = { "run", "--json", "/nonexistent-dir/r.json", NULL };
	expect_refusal("missing", missing, 2, "--json\0/nonexistent-dir\0");
	/* Refused before the lab: no cell ran, so no table and no summary line. */
	out = output("missing", "out");
	assert_string_equal(out, "");
	free(out);

	snprintf(twice_a, sizeof(twice_a), "%s/r.out", tmpdir);
	snprintf(twice_b, sizeof(twice_b), "%s/./r.out", tmpdir);
	const char *twice[] = { "run", "--junit", twice_a, "--csv", twice_b, NULL };
	expect_refusal("twice", twice, 2, "--csv\0--junit\0");

	const char *dashes[] = { "run", "--json", "-", "--csv", "-", NULL };
	expect_refusal("dashes", dashes, 2, "--csv\0--json\0");

	snprintf(dirpath, sizeof(dirpath), "%s/", tmpdir);
	const char *dir[] = { "run", "--junit", dirpath, NULL };
	expect_refusal("dir", dir, 2, "--junit\0folder\0");
}

/* The names of the cells in a JSON report, in order, joined by spaces. */
static void cell_names(const char *json_path, char *buf, size_t len)
{
	json_object *root = json_object_from_file(json_path), *cells, *name;

	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "cells", &cells));
	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(cells); i++) {
		assert_true(json_object_object_get_ex(json_object_array_get_idx(cells, i), "name",
						      &name));
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? " " : "",
			 json_object_get_string(name));
	}
	json_object_put(root);
}

/* Before: `finwait run orphan-close` said "no scenario" although `finwait list` shows it;
 * a one-off matrix could only be had over the default's cells. */
static void test_builtin_by_name_and_blank(void **state)
{
	char json[4200], names[1024];
	(void)state;

	snprintf(json, sizeof(json), "%s/named.json", tmpdir);
	const char *named[] = { "run", "orphan-close", "--set", "sysctl.net.ipv4.tcp_fin_timeout=1",
				"--matrix", "client.fault=freeze", "--json", json, NULL };
	assert_int_equal(run("named", named), 0);
	cell_names(json, names, sizeof(names));
	assert_string_equal(names, "orphan-close[fault=freeze]");

	snprintf(json, sizeof(json), "%s/blank.json", tmpdir);
	const char *blank[] = { "run", "--blank", "--set", "limit=3s", "--set",
				"sysctl.net.ipv4.tcp_fin_timeout=1", "--matrix",
				"client.fault=freeze,vanish", "--json", json, NULL };
	assert_int_equal(run("blank", blank), 0);
	cell_names(json, names, sizeof(names));
	assert_string_equal(names, "blank[fault=freeze] blank[fault=vanish]");

	const char *both[] = { "run", "--blank", "orphan-close", NULL };
	expect_refusal("blank-and-name", both, 2, "--blank\0orphan-close\0");
	const char *nosuch[] = { "run", "orphan-closed", NULL };
	expect_refusal("nosuch", nosuch, 2, "orphan-closed\0finwait list\0");
}

/* Before: "unknown key 'fin_timeout'" and nothing more. */
static void test_unknown_keys_suggested(void **state)
{
	(void)state;
	const char *fin[] = { "run", "--set", "fin_timeout=3", NULL };
	expect_refusal("sugg-fin", fin, 2,
		       "--set\0did you mean sysctl.net.ipv4.tcp_fin_timeout?\0");
	const char *typo[] = { "run", "--set", "sysctl.net.ipv4.tcp_fin_timeot=3", NULL };
	expect_refusal("sugg-typo", typo, 2,
		       "--set\0did you mean sysctl.net.ipv4.tcp_fin_timeout?\0");
	const char *section[] = { "run", "--matrix", "server.fault=crash,freeze", NULL };
	expect_refusal("sugg-section", section, 2, "--matrix\0did you mean client.fault?\0");
	const char *client[] = { "run", "--set", "client.sysctl.net.ipv4.tcp_keepalive_tme=5",
				 NULL };
	expect_refusal("sugg-client", client, 2,
		       "did you mean client.sysctl.net.ipv4.tcp_keepalive_time?\0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_paths_refused_up_front),
		cmocka_unit_test(test_builtin_by_name_and_blank),
		cmocka_unit_test(test_unknown_keys_suggested),
	};
	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
