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
	char twice_a[4200], twice_b[4200], dirpath[4200];
	int64_t t0 = mono_ns();
	(void)state;

	const char *missing[] = { "run", "--json", "/nonexistent-dir/r.json", NULL };
	expect_refusal("missing", missing, 2, "--json\0/nonexistent-dir\0");
	/* Refused before the lab: no cell ran (the default's cells take seconds). */
	assert_true(mono_ns() - t0 < NSEC_PER_SEC);

	snprintf(twice_a, sizeof(twice_a), "%s/r.out", tmpdir);
	snprintf(twice_b, sizeof(twice_b), "%s/./r.out", tmpdir);
	const char *twice[] = { "run", "--junit", twice_a, "--csv", twice_b, NULL };
	expect_refusal("twice", twice, 2, "--csv\0--junit\0");

	const char *dashes[] = { "run", "--json", "-", "--csv", "-", NULL };
	expect_refusal("dashes", dashes, 2, "--csv\0--json\0");

	snprintf(dirpath, sizeof(dirpath), "%s/", tmpdir);
	const char *dir[] = { "run", "--junit", dirpath, NULL };
	expect_refusal("dir", dir, 2, "--junit\0folder\0");
	assert_true(mono_ns() - t0 < 4 * NSEC_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_paths_refused_up_front),
	};
	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
