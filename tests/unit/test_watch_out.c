/* Unit tests for what `finwait watch` prints (watch_out.c): the timestamp each line
 * starts with, and the live status line's text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"
#include "watch_priv.h"

static void test_time_text(void **state)
{
	char b[40];

	(void)state;
	/* 2026-12-02 16:05:01.123456789 UTC */
	assert_string_equal(watch_time_text(1796227501LL * NSEC_PER_SEC + 123456789, b,
					    sizeof(b)), "2026-12-02T16:05:01.123Z");
	assert_string_equal(watch_time_text(0, b, sizeof(b)), "1970-01-01T00:00:00.000Z");
}

static void test_status_text(void **state)
{
	struct sampler_counts k = { .samples = 1234, .missed = 5 };
	char b[512];

	(void)state;
	assert_string_equal(watch_status_text(&k, b, sizeof(b)),
			    "no sockets  | 1234 samples, 5 missed deadlines");
	k.live[DIAG_ESTABLISHED] = 12;
	k.live[DIAG_FIN_WAIT2] = 5;
	k.live[DIAG_CLOSE_WAIT] = 1;
	assert_string_equal(watch_status_text(&k, b, sizeof(b)),
			    "ESTABLISHED 12  FIN_WAIT2 5  CLOSE_WAIT 1  | 1234 samples, "
			    "5 missed deadlines");
	/* Cut, never overrun. */
	assert_string_equal(watch_status_text(&k, b, 12), "ESTABLISHED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_text),
		cmocka_unit_test(test_status_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
