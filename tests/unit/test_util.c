/* Unit tests for util.c: durations, integer parsing, sorting, percentiles, rm_tree. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util.h"

static int64_t dur(const char *s)
{
	int64_t ns = -1;
	assert_int_equal(dur_parse(s, &ns), 0);
	return ns;
}

static void test_dur_units(void **state)
{
	(void)state;
	assert_int_equal(dur("1500ms"), 1500 * NSEC_PER_MSEC);
	assert_int_equal(dur("2s"), 2 * NSEC_PER_SEC);
	assert_int_equal(dur("2m"), 120 * NSEC_PER_SEC);
	assert_int_equal(dur("2h"), 7200 * NSEC_PER_SEC);
	assert_int_equal(dur("250us"), 250 * NSEC_PER_USEC);
	assert_int_equal(dur("3"), 3 * NSEC_PER_SEC);
	assert_int_equal(dur(" 1.5s "), 1500 * NSEC_PER_MSEC);
	assert_int_equal(dur("0.001s"), NSEC_PER_MSEC);
	assert_int_equal(dur("0ms"), 0);
}

static void test_dur_errors(void **state)
{
	int64_t ns = 42;
	(void)state;
	assert_int_equal(dur_parse("", &ns), -EINVAL);
	assert_int_equal(dur_parse("s", &ns), -EINVAL);
	assert_int_equal(dur_parse("-1s", &ns), -EINVAL);
	assert_int_equal(dur_parse("2 days", &ns), -EINVAL);
	assert_int_equal(dur_parse("2d", &ns), -EINVAL);
	assert_int_equal(dur_parse("1s2", &ns), -EINVAL);
	assert_int_equal(dur_parse("2msec", &ns), -EINVAL);
	assert_int_equal(dur_parse("99999999999999h", &ns), -ERANGE);
	assert_int_equal(dur_parse(NULL, &ns), -EINVAL);
	assert_int_equal(ns, 42);
}

/* Exact to the nanosecond and to INT64_MAX: fractions of a large unit used to overflow
 * (1.12345678h wrapped silently), and a fraction could push past the maximum
 * (2562047.9h came out negative). */
static void test_dur_exact(void **state)
{
	int64_t ns = 42;
	(void)state;
	assert_int_equal(dur("1.12345678h"), 4044444408000LL);
	assert_int_equal(dur("0.000000001s"), 1);
	assert_int_equal(dur("1.5us"), 1500);
	assert_int_equal(dur("0.0000001m"), 6000);
	assert_int_equal(dur("1.50000000000000000000000s"), 1500 * NSEC_PER_MSEC);
	assert_int_equal(dur("9223372036.854775807s"), INT64_MAX);
	assert_int_equal(dur("2562047h"), 2562047LL * 3600 * NSEC_PER_SEC);
	assert_int_equal(dur_parse("9223372036.854775808s", &ns), -ERANGE);
	assert_int_equal(dur_parse("2562047.9h", &ns), -ERANGE);
	assert_int_equal(dur_parse("2562048h", &ns), -ERANGE);
	assert_int_equal(dur_parse("99999999999999999999", &ns), -ERANGE);
	/* Finer than a nanosecond: refused, not rounded. */
	assert_int_equal(dur_parse("1.0000000001s", &ns), -EINVAL);
	assert_int_equal(dur_parse("0.5ns", &ns), -EINVAL);
	assert_int_equal(dur_parse("1.0001us", &ns), -EINVAL);
	assert_int_equal(dur_parse("0.0000000000001h", &ns), -EINVAL);
	assert_int_equal(ns, 42);
}

static void test_utf8(void **state)
{
	static const struct { const char *s; size_t bad; } cases[] = {
		{ "plain", 5 }, { "caf\xc3\xa9", 5 }, { "\xe2\x82\xac \xf0\x9f\x98\x80", 8 },
		{ "ab\xff", 2 }, { "\xc0\xaf", 0 }, { "x\xed\xa0\x80", 1 },
		{ "\xf4\x90\x80\x80", 0 }, { "\xe2\x82", 0 }, { "\xc3", 0 },
	};
	char *fixed;
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(utf8_invalid_at(cases[i].s, strlen(cases[i].s)), cases[i].bad);
	fixed = utf8_sanitize("a\xff\xfe\xc3\xa9\xe2\x82");
	assert_non_null(fixed);
	assert_string_equal(fixed, "a\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	assert_int_equal(utf8_invalid_at(fixed, strlen(fixed)), strlen(fixed));
	free(fixed);
}

static void test_dur_format(void **state)
{
	char b[32];
	(void)state;
	assert_string_equal(dur_format(2 * NSEC_PER_SEC, b, sizeof(b)), "2s");
	assert_string_equal(dur_format(1500 * NSEC_PER_MSEC, b, sizeof(b)), "1500ms");
	assert_string_equal(dur_format(7200 * NSEC_PER_SEC, b, sizeof(b)), "2h");
	assert_string_equal(dur_format(90 * NSEC_PER_SEC, b, sizeof(b)), "90s");
	assert_string_equal(dur_format(0, b, sizeof(b)), "0s");
	assert_string_equal(dur_format(250 * NSEC_PER_USEC, b, sizeof(b)), "250us");
}

static void test_parse_long(void **state)
{
	long v = 0;
	(void)state;
	assert_int_equal(parse_long(" 42 ", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_long("-1", -1, 10, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(parse_long("101", 0, 100, &v), -ERANGE);
	assert_int_equal(parse_long("4x", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_long("", 0, 100, &v), -EINVAL);
}

static void test_percentile(void **state)
{
	int64_t v[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	(void)state;
	assert_int_equal(pct_nearest_rank(v, 10, 50), 5);
	assert_int_equal(pct_nearest_rank(v, 10, 99), 10);
	assert_int_equal(pct_nearest_rank(v, 10, 10), 1);
	assert_int_equal(pct_nearest_rank(v, 10, 11), 2);
	assert_int_equal(pct_nearest_rank(v, 10, 100), 10);
	assert_int_equal(pct_nearest_rank(v, 1, 50), 1);
	assert_int_equal(pct_nearest_rank(v, 0, 50), 0);
}

/* Ranks are exact: 7 % of 100 values is the 7th (0.07 * 100 in doubles is 7.000000000000001,
 * which a floating ceil would make the 8th). */
static void test_percentile_exact(void **state)
{
	int64_t v[100];
	size_t i;
	(void)state;
	for (i = 0; i < 100; i++)
		v[i] = (int64_t)i + 1;
	for (i = 1; i <= 100; i++)
		assert_int_equal(pct_nearest_rank(v, 100, (unsigned)i), i);
	assert_int_equal(pct_nearest_rank(v, 100, 0), 1);
	assert_int_equal(pct_nearest_rank(v, 100, 101), 100);
}

static void test_sort(void **state)
{
	int64_t v[6] = { 3, INT64_MIN, -1, INT64_MAX, 0, 3 };
	const int64_t want[6] = { INT64_MIN, -1, 0, 3, 3, INT64_MAX };
	size_t i;
	(void)state;
	sort_int64(v, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(v[i], want[i]);
	sort_int64(NULL, 0);
}

static void touch(const char *dir, const char *name)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
}

/* Nested folders, files and a symbolic link go; what the link points to stays. */
static void test_rm_tree(void **state)
{
	char dir[] = "/tmp/fwtest-rm-XXXXXX", outside[] = "/tmp/fwtest-keep-XXXXXX";
	char path[256];
	struct stat st;
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(outside));
	touch(outside, "precious");
	touch(dir, "a");
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (int i = 0; i < 200; i++) { /* more than one getdents64 buffer */
		char name[32];

		snprintf(name, sizeof(name), "sub/file-with-a-longer-name-%03d", i);
		touch(dir, name);
	}
	snprintf(path, sizeof(path), "%s/sub/deeper", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	touch(path, "b");
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink(outside, path), 0);
	assert_int_equal(rm_tree(dir), 0);
	assert_int_equal(lstat(dir, &st), -1);
	snprintf(path, sizeof(path), "%s/precious", outside);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(rm_tree(outside), 0);
	assert_int_equal(rm_tree(outside), 0); /* gone already: not an error */
	assert_int_equal(rm_tree(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dur_units),
		cmocka_unit_test(test_dur_errors),
		cmocka_unit_test(test_dur_exact),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_dur_format),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_percentile_exact),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_rm_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
