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

/* Runs args and expects exit code 0; prints what it printed when not. */
static void expect_pass(const char *tag, const char *const *args)
{
	int rc = run(tag, args);
	char *out;

	if (rc) {
		out = output(tag, "out");
		printf("%s: exit %d, stdout:\n%s", tag, rc, out ? out : "");
		free(out);
	}
	assert_int_equal(rc, 0);
}

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
	/* In a file too, at its file:line. */
	char path[4200], want[4300];

	snprintf(path, sizeof(path), "%s/typo.ini", tmpdir);
	write_file(path, "[scenario]\nname = typo\n\n[server]\nkeepidel = 2s\n");
	snprintf(want, sizeof(want), "%s:5:%cdid you mean server.keepidle?%c", path, 0, 0);
	const char *file[] = { "run", path, NULL };
	expect_refusal("sugg-file", file, 2, want);
}

/* The matrix of the shard tests: six short cells, no file. */
#define SHARD_MATRIX "--blank", "--set", "limit=2s", "--set", "connections=1", "--set", \
	"sysctl.net.ipv4.tcp_fin_timeout=1", "--matrix", "client.fault=crash,freeze,none", \
	"--matrix", "client.at=after-response,after-fin"

static char *path_in(const char *name)
{
	static char bufs[8][4200];
	static int k;
	char *b = bufs[k++ % 8];

	snprintf(b, 4200, "%s/%s", tmpdir, name);
	return b;
}

/* Each cell of a JSON report: its name, its params' text and its "index" (-1: none). */
struct cellinfo {
	char name[200];
	char params[2048];
	int index;
};

static size_t read_cells(const char *path, struct cellinfo *out, size_t max)
{
	json_object *root = json_object_from_file(path), *cells, *c, *v;
	size_t n;

	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "cells", &cells));
	n = json_object_array_length(cells);
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		c = json_object_array_get_idx(cells, i);
		assert_true(json_object_object_get_ex(c, "name", &v));
		snprintf(out[i].name, sizeof(out[i].name), "%s", json_object_get_string(v));
		assert_true(json_object_object_get_ex(c, "params", &v));
		snprintf(out[i].params, sizeof(out[i].params), "%s", json_object_to_json_string(v));
		out[i].index = json_object_object_get_ex(c, "index", &v) ? json_object_get_int(v)
									 : -1;
	}
	json_object_put(root);
	return n;
}

/* Three shares of a six-cell matrix: disjoint, each the cells i with i mod 3 = K-1, and
 * together the whole matrix of the unsharded run. Merged (in any order of the files),
 * they give the unsharded run's cells, in its order, with one exit code. */
static void test_shard_and_merge(void **state)
{
	struct cellinfo whole[8], share[8], merged[8];
	size_t n_whole, n_merged, seen = 0;
	char *xml, sh[4][4200];
	(void)state;

	const char *full[] = { "run", SHARD_MATRIX, "--json", path_in("whole.json"), NULL };
	expect_pass("whole", full);
	n_whole = read_cells(path_in("whole.json"), whole, 8);
	assert_int_equal(n_whole, 6);
	for (int k = 1; k <= 3; k++) {
		char spec[16], name[32];

		snprintf(spec, sizeof(spec), "%d/3", k);
		snprintf(name, sizeof(name), "share%d.json", k);
		snprintf(sh[k], sizeof(sh[k]), "%s", path_in(name));
		const char *args[] = { "run", SHARD_MATRIX, "--shard", spec, "--json", sh[k], NULL };
		expect_pass("share", args);
		size_t n = read_cells(sh[k], share, 8);

		assert_int_equal(n, 2);
		for (size_t i = 0; i < n; i++) {
			/* Its place, and that place's cell in the whole run. */
			assert_int_equal(share[i].index % 3, k - 1);
			assert_string_equal(share[i].name, whole[share[i].index].name);
			assert_string_equal(share[i].params, whole[share[i].index].params);
			seen |= 1u << share[i].index;
		}
	}
	/* Disjoint and complete: each of the six places seen, 2 + 2 + 2 cells. */
	assert_int_equal(seen, 0x3f);

	const char *merge[] = { "merge", "-q", sh[3], sh[1], sh[2], "--json",
				path_in("merged.json"), "--junit", path_in("merged.xml"), "--html",
				path_in("merged.html"), NULL };
	assert_int_equal(run("merge", merge), 0);
	n_merged = read_cells(path_in("merged.json"), merged, 8);
	assert_int_equal(n_merged, n_whole);
	for (size_t i = 0; i < n_merged; i++) {
		assert_string_equal(merged[i].name, whole[i].name);
		assert_string_equal(merged[i].params, whole[i].params);
		assert_int_equal(merged[i].index, -1);
	}
	xml = slurp(path_in("merged.xml"));
	assert_non_null(xml);
	assert_non_null(strstr(xml, "tests=\"6\" failures=\"0\""));
	free(xml);
	/* The page has a section for every cell of the matrix. */
	xml = slurp(path_in("merged.html"));
	assert_non_null(xml);
	for (size_t i = 0; i < n_whole; i++)
		assert_non_null(strstr(xml, whole[i].name));
	free(xml);

	const char *missing[] = { "merge", sh[1], sh[3], NULL };
	expect_refusal("merge-missing", missing, 2, "share 2/3 is missing\0");
	const char *twice[] = { "merge", sh[1], sh[2], sh[2], sh[3], NULL };
	expect_refusal("merge-twice", twice, 2, "the same share\0");
	const char *mixed[] = { "merge", sh[1], path_in("whole.json"), NULL };
	expect_refusal("merge-mixed", mixed, 2, "whole run\0");
}

/* Rewrites src into dst with the first `from` replaced by `to`. */
static void edit_copy(const char *src, const char *dst, const char *from, const char *to)
{
	char *text = slurp(src), *at, *out;

	assert_non_null(text);
	at = strstr(text, from);
	assert_non_null(at);
	out = calloc(1, strlen(text) + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	strcat(out, to);
	strcat(out, at + strlen(from));
	write_file(dst, out);
	free(out);
	free(text);
}

/* A failed cell in any share fails the merge (exit 1); shares of another kernel's HZ
 * are refused (exit 2). Uses the shares test_shard_and_merge wrote. */
static void test_merge_exit_codes(void **state)
{
	char *sh1 = path_in("share1.json"), *sh2 = path_in("share2.json");
	char *sh3 = path_in("share3.json"), *failed = path_in("failed3.json");
	char *hz = path_in("hz3.json");
	char *out;
	(void)state;

	edit_copy(sh3, failed, "\"verdict\": \"pass\"", "\"verdict\": \"fail\"");
	const char *fails[] = { "merge", sh1, sh2, failed, NULL };
	assert_int_equal(run("merge-fail", fails), 1);
	out = output("merge-fail", "out");
	assert_non_null(strstr(out, "5 passed, 1 failed"));
	free(out);
	edit_copy(sh3, hz, "\"hz\": ", "\"hz\": 1");
	const char *hzs[] = { "merge", sh1, sh2, hz, NULL };
	expect_refusal("merge-hz", hzs, 2, "HZ\0");
	const char *none[] = { "merge", NULL };
	expect_refusal("merge-none", none, 2, "no report\0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_paths_refused_up_front),
		cmocka_unit_test(test_builtin_by_name_and_blank),
		cmocka_unit_test(test_unknown_keys_suggested),
		cmocka_unit_test(test_shard_and_merge),
		cmocka_unit_test(test_merge_exit_codes),
	};
	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
