/* Unit tests for external.c: argv splitting, placeholders, the cell folder. */
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

#include "external.h"
#include "util.h"

static const struct ext_vars vars = { "198.18.0.1", "8080", "/tmp/cell dir", NULL };

static void test_fill(void **state)
{
	char *s;
	(void)state;
	s = ext_fill("listen {addr}:{port}; root {dir}/x; {other} {", &vars);
	assert_string_equal(s, "listen 198.18.0.1:8080; root /tmp/cell dir/x; {other} {");
	free(s);
}

static void test_split(void **state)
{
	char **argv = NULL;
	(void)state;
	assert_int_equal(ext_split("  nginx -c {dir}/nginx.conf -g 'daemon off;' \"a b\" c\\ d ",
				   &vars, &argv), 0);
	assert_string_equal(argv[0], "nginx");
	assert_string_equal(argv[1], "-c");
	/* a placeholder's value with a space stays one argument */
	assert_string_equal(argv[2], "/tmp/cell dir/nginx.conf");
	assert_string_equal(argv[3], "-g");
	assert_string_equal(argv[4], "daemon off;");
	assert_string_equal(argv[5], "a b");
	assert_string_equal(argv[6], "c d");
	assert_null(argv[7]);
	ext_argv_free(argv);
	assert_int_equal(ext_split("''", &vars, &argv), 0);
	assert_string_equal(argv[0], "");
	ext_argv_free(argv);
}

static void test_split_errors(void **state)
{
	char **argv = NULL;
	(void)state;
	assert_int_equal(ext_split("nginx 'unterminated", &vars, &argv), -EINVAL);
	assert_int_equal(ext_split("   ", &vars, &argv), -EINVAL);
	assert_int_equal(ext_split("", &vars, &argv), -EINVAL);
	assert_null(argv);
}

static void test_prepare_dir(void **state)
{
	char tmpl[] = "/tmp/fwtest-tmpl-XXXXXX";
	char path[512], *dir = NULL, line[128];
	struct ext_vars v = { "fd46:696e::1", "80", NULL, NULL };
	struct stat st;
	FILE *f;
	int fd;
	(void)state;

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "listen [{addr}]:{port}; pid {dir}/pid;\n", 39), 39);
	close(fd);
	/* the template's name ends in .in when it is a template; here it does not */
	assert_int_equal(ext_prepare_dir(tmpl, &v, &dir), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, strrchr(tmpl, '/') + 1);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	char want[256];
	snprintf(want, sizeof(want), "listen [fd46:696e::1]:80; pid %s/pid;\n", dir);
	assert_string_equal(line, want);
	assert_int_equal(rm_tree(dir), 0);
	assert_int_equal(stat(dir, &st), -1);
	free(dir);
	unlink(tmpl);
	assert_int_equal(ext_prepare_dir("/nonexistent/x.conf.in", &v, &dir), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_prepare_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
