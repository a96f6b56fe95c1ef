/* Unit tests for kinfo.c: CONFIG_HZ parsing and rounding of a measured tick rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kinfo.h"

static void test_hz_from_config(void **state)
{
	static const char cfg[] = "# comment\nCONFIG_HZ_250=y\nCONFIG_HZ=250\nCONFIG_X=1\n";
	static const char last[] = "CONFIG_HZ_1000=y\nCONFIG_HZ=1000";
	static const char none[] = "CONFIG_HZ_250=y\n# CONFIG_HZ is not set\n";
	(void)state;
	assert_int_equal(kinfo_hz_from_config(cfg, strlen(cfg)), 250);
	assert_int_equal(kinfo_hz_from_config(last, strlen(last)), 1000);
	assert_int_equal(kinfo_hz_from_config(none, strlen(none)), 0);
	assert_int_equal(kinfo_hz_from_config("", 0), 0);
}

static void test_hz_round(void **state)
{
	(void)state;
	assert_int_equal(kinfo_hz_round(249.1), 250);
	assert_int_equal(kinfo_hz_round(1012.0), 1000);
	assert_int_equal(kinfo_hz_round(99.0), 100);
	assert_int_equal(kinfo_hz_round(500.0), 0);
}

static void test_running_kernel(void **state)
{
	struct kinfo ki;
	(void)state;
	kinfo_read(&ki);
	assert_true(ki.release[0] != '\0');
	/* The running kernel's HZ is one of the CONFIG_HZ choices, or unknown. */
	assert_true(ki.hz == 0 || kinfo_hz_round(ki.hz) == ki.hz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hz_from_config),
		cmocka_unit_test(test_hz_round),
		cmocka_unit_test(test_running_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
