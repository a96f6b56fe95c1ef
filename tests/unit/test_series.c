/* Unit tests for series.c: sockets per state over time, down-sampled online with each
 * bucket's maximum, so that the series' maximum is the state's peak. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "series.h"

static void add(struct series *s, int64_t t, size_t fw2, size_t est)
{
	size_t live[DIAG_NSTATES] = { 0 };

	live[DIAG_FIN_WAIT2] = fw2;
	live[DIAG_ESTABLISHED] = est;
	series_add(s, t, live);
}

static void test_one_point_a_sample(void **state)
{
	struct series *s = series_new();

	(void)state;
	assert_non_null(s);
	assert_int_equal(series_len(s), 0);
	assert_int_equal(series_max(s, DIAG_FIN_WAIT2), 0);
	add(s, 100, 0, 3);
	add(s, 200, 2, 1);
	add(s, 300, 1, 0);
	assert_int_equal(series_len(s), 3);
	assert_int_equal(series_per_point(s), 1);
	assert_int_equal(series_time(s, 1), 200);
	assert_int_equal(series_count(s, 1, DIAG_FIN_WAIT2), 2);
	assert_int_equal(series_count(s, 2, DIAG_ESTABLISHED), 0);
	assert_int_equal(series_max(s, DIAG_ESTABLISHED), 3);
	series_free(s);
}

/* 100 000 samples with one spike of 1 000 sockets in a single sample: at most
 * SERIES_MAX_POINTS points, at least half of them used, times increasing from the first
 * sample's, and the spike kept (a mean would have lost it). */
static void test_downsampled_keeps_peak(void **state)
{
	struct series *s = series_new();
	const size_t n = 100000, spike = 77777;
	size_t found = 0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		add(s, 1000 + (int64_t)i * 10, i == spike ? 1000 : i % 7, 5);
	assert_true(series_len(s) <= SERIES_MAX_POINTS);
	assert_true(series_len(s) >= SERIES_MAX_POINTS / 2);
	assert_int_equal(series_per_point(s), 64); /* 100 000 / 2 048 rounded up to 2^k */
	assert_int_equal(series_time(s, 0), 1000);
	for (size_t i = 1; i < series_len(s); i++) {
		assert_true(series_time(s, i) > series_time(s, i - 1));
		/* Each point starts a bucket of per_point samples. */
		assert_int_equal(series_time(s, i) - series_time(s, i - 1),
				 10 * (int64_t)series_per_point(s));
		if (series_count(s, i, DIAG_FIN_WAIT2) == 1000)
			found++;
	}
	assert_int_equal(found, 1);
	assert_int_equal(series_max(s, DIAG_FIN_WAIT2), 1000);
	assert_int_equal(series_max(s, DIAG_ESTABLISHED), 5);
	/* The spike's bucket is the one whose time range holds it. */
	for (size_t i = 0; i < series_len(s); i++)
		if (series_count(s, i, DIAG_FIN_WAIT2) == 1000) {
			assert_true(series_time(s, i) <= 1000 + (int64_t)spike * 10);
			assert_true(series_time(s, i) + 10 * (int64_t)series_per_point(s) >
				    1000 + (int64_t)spike * 10);
		}
	series_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_point_a_sample),
		cmocka_unit_test(test_downsampled_keeps_peak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
