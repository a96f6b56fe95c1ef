/* Unit tests for model_plateau(): how many sockets a state holds at once when
 * connections arrive at a rate (Little's law on the model's per-connection lifetime). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model.h"
#include "util.h"

static struct prediction range(int64_t lo, int64_t hi)
{
	struct prediction p = { .kind = PRED_RANGE, .min_ns = lo, .max_ns = hi };

	return p;
}

/* 200/s for 3 s, each staying 0.996..1.042 s: 200 x that, give or take one socket and
 * what arrives in one 10 ms interval (2), plus what 50 ms of lateness bunches (10). */
static void test_steady(void **state)
{
	struct prediction p = range(996 * NSEC_PER_MSEC, 1042 * NSEC_PER_MSEC);
	long lo, hi;
	(void)state;

	assert_true(model_plateau(&p, 200, 3 * NSEC_PER_SEC, 10 * NSEC_PER_MSEC, 0, &lo, &hi));
	assert_int_equal(lo, 196);	/* 199.2 - 2 - 1 */
	assert_int_equal(hi, 212);	/* 208.4 + 2 + 1 */
	assert_true(model_plateau(&p, 200, 3 * NSEC_PER_SEC, 10 * NSEC_PER_MSEC,
				  50 * NSEC_PER_MSEC, &lo, &hi));
	assert_int_equal(lo, 196);
	assert_int_equal(hi, 222);
}

/* Arrivals that stop before the first socket leaves: every one is there at once. */
static void test_short_arrivals(void **state)
{
	struct prediction p = range(60 * NSEC_PER_SEC, 60 * NSEC_PER_SEC);
	long lo, hi;
	(void)state;

	assert_true(model_plateau(&p, 100, 2 * NSEC_PER_SEC, NSEC_PER_MSEC, 0, &lo, &hi));
	assert_int_equal(lo, 198);	/* 200 - 0.1 - 1 */
	assert_int_equal(hi, 202);
}

/* No range, no plateau: forever grows with the arrivals, none has none to speak of. */
static void test_no_range(void **state)
{
	struct prediction p = { .kind = PRED_FOREVER };
	long lo = -1, hi = -1;
	(void)state;

	assert_false(model_plateau(&p, 100, NSEC_PER_SEC, NSEC_PER_MSEC, 0, &lo, &hi));
	p.kind = PRED_NONE;
	assert_false(model_plateau(&p, 100, NSEC_PER_SEC, NSEC_PER_MSEC, 0, &lo, &hi));
	p = range(NSEC_PER_SEC, NSEC_PER_SEC);
	assert_false(model_plateau(&p, 0, NSEC_PER_SEC, NSEC_PER_MSEC, 0, &lo, &hi));
	assert_int_equal(lo, -1);
	assert_int_equal(hi, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady),
		cmocka_unit_test(test_short_arrivals),
		cmocka_unit_test(test_no_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
