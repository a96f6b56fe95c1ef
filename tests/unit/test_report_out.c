/* Unit tests for report_out.c: report paths refused up front (missing folder, a folder,
 * one file for two reports however spelled, two reports on stdout), and files written
 * whole through a rename (a symlink at the path replaced, not followed; a failed writer
 * leaves the old file and no temporary one). */
#include <dirent.h>
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

#include "report_out.h"

static char dir[] = "/tmp/fwtest-out-XXXXXX";

static int write_hello(const void *r, FILE *f)
{
	(void)r;
	return fputs("hello\n", f) < 0 ? -EIO : 0;
}

static int write_fails(const void *r, FILE *f)
{
	(void)r;
	fputs("half", f);
	return -EIO;
}

static char *path_in(const char *name)
{
	static char bufs[4][4200];
	static int k;
	char *b = bufs[k++ % 4];

	snprintf(b, 4200, "%s/%s", dir, name);
	return b;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_content(const char *path, const char *want)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, want);
}

/* Files in dir whose name starts with '.' (the temporary ones), but . and .. */
static int hidden_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_check_refuses(void **state)
{
	struct fw_err err = { 0 };
	struct report_out o[2] = { { "--json", NULL, write_hello },
				   { "--csv", NULL, write_hello } };
	char twice[4200];
	(void)state;

	o[0].path = path_in("no/such/dir/r.json");
	assert_int_equal(report_out_check(o, 2, &err), -ENOENT);
	assert_string_equal(err.file, "--json");
	assert_non_null(strstr(err.msg, "no/such/dir"));

	o[0].path = dir;
	assert_int_equal(report_out_check(o, 2, &err), -EISDIR);
	o[0].path = "";
	assert_int_equal(report_out_check(o, 2, &err), -EINVAL);

	/* One file, spelled two ways. */
	o[0].path = path_in("r.json");
	snprintf(twice, sizeof(twice), "%s/./../%s/r.json", dir, strrchr(dir, '/') + 1);
	o[1].path = twice;
	assert_int_equal(report_out_check(o, 2, &err), -EINVAL);
	assert_string_equal(err.file, "--csv");
	assert_non_null(strstr(err.msg, "--json"));

	o[0].path = "-";
	o[1].path = "-";
	assert_int_equal(report_out_check(o, 2, &err), -EINVAL);
	assert_string_equal(err.file, "--csv");
	assert_true(report_out_stdout(o, 2));

	/* Two files, or one on stdout and one file: fine; nothing is left behind. */
	o[0].path = path_in("r.json");
	o[1].path = path_in("r.csv");
	assert_int_equal(report_out_check(o, 2, &err), 0);
	assert_false(report_out_stdout(o, 2));
	o[0].path = "-";
	assert_int_equal(report_out_check(o, 2, &err), 0);
	assert_int_equal(hidden_files(), 0);
	assert_int_equal(access(path_in("r.csv"), F_OK), -1);
}

static void test_symlink_replaced_not_followed(void **state)
{
	struct fw_err err = { 0 };
	struct report_out o = { "--json", NULL, write_hello };
	struct stat st;
	(void)state;

	put(path_in("victim"), "precious\n");
	assert_int_equal(symlink(path_in("victim"), path_in("link.json")), 0);
	o.path = path_in("link.json");
	assert_int_equal(report_out_check(&o, 1, &err), 0);
	assert_int_equal(report_out_write(&o, NULL, &err), 0);
	assert_content(path_in("victim"), "precious\n");
	assert_int_equal(lstat(path_in("link.json"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_content(path_in("link.json"), "hello\n");
	assert_int_equal(hidden_files(), 0);
}

static void test_failed_writer_keeps_old_file(void **state)
{
	struct fw_err err = { 0 };
	struct report_out o[2] = { { "--junit", NULL, write_fails },
				   { "--json", NULL, write_hello } };
	(void)state;

	put(path_in("old.xml"), "old\n");
	o[0].path = path_in("old.xml");
	o[1].path = path_in("new.json");
	/* The failure is reported; the other report is still written. */
	assert_int_equal(report_out_write_all(o, 2, NULL, NULL), -EIO);
	assert_content(path_in("old.xml"), "old\n");
	assert_content(path_in("new.json"), "hello\n");
	assert_int_equal(hidden_files(), 0);
	assert_int_equal(report_out_write(&o[0], NULL, &err), -EIO);
	assert_string_equal(err.file, "--junit");
}

static void test_mode_follows_umask(void **state)
{
	struct fw_err err = { 0 };
	struct report_out o = { "--csv", NULL, write_hello };
	mode_t old = umask(027);
	struct stat st;
	(void)state;

	o.path = path_in("m.csv");
	assert_int_equal(report_out_write(&o, NULL, &err), 0);
	umask(old);
	assert_int_equal(stat(o.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[200];
	(void)state;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_refuses),
		cmocka_unit_test(test_symlink_replaced_not_followed),
		cmocka_unit_test(test_failed_writer_keeps_old_file),
		cmocka_unit_test(test_mode_follows_umask),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
