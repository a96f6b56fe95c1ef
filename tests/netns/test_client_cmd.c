/* `finwait run` with a client finwait did not write (client.program = command): a bash
 * client crashed at after-connect (its point seen as ESTABLISHED in the client's
 * namespace) passes; one that closes before the server's FIN goes past after-fin and
 * fails the cell saying so; the faults and points a command cannot have are refused
 * with file:line (exit 2); and no process of the client is left after a run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runcmd.h"

/* A marker in every client's command: none of them may outlive its run. */
#define MARK "31.25"

static char path[4200];

static const char *scenario(const char *name, const char *client)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "[scenario]\nname = %s\nconnections = 2\nlimit = 4s\n"
		 "[server]\nclose = close\n"
		 "[client]\nprogram = command\n%s\n"
		 "[sysctl]\nnet.ipv4.tcp_fin_timeout = 1\n", name, client);
	snprintf(path, sizeof(path), "%s/%s.ini", tmpdir, name);
	write_file(path, text);
	return path;
}

static void assert_no_client_left(void)
{
	assert_int_equal(system("pgrep -f 'slee[p] " MARK "' >/dev/null"), 1 << 8);
}

static void test_crash_after_connect(void **state)
{
	const char *args[] = { "run", scenario("connect-crash",
		"command = bash -c 'exec 3<>/dev/tcp/{addr}/{port}; exec sleep " MARK "'\n"
		"fault = crash\nat = after-connect"), NULL };
	char *out;

	(void)state;
	assert_int_equal(run("connect-crash", args), 0);
	out = output("connect-crash", "out");
	assert_non_null(strstr(out, "pass"));
	free(out);
	assert_no_client_left();
}

static void test_freeze_after_fin(void **state)
{
	const char *args[] = { "run", scenario("fin-freeze",
		"command = bash -c 'exec 3<>/dev/tcp/{addr}/{port}; echo hi >&3; "
		"cat <&3 >/dev/null; exec sleep " MARK "'\nfault = freeze\nat = after-fin"), NULL };
	char *out;

	(void)state;
	assert_int_equal(run("fin-freeze", args), 0);
	out = output("fin-freeze", "out");
	/* the orphan's tcp_fin_timeout, as the model says */
	assert_non_null(strstr(out, "0.996..1.042s  pass"));
	free(out);
	assert_no_client_left();
}

/* The client closes first: its socket leaves ESTABLISHED for FIN_WAIT1/2, never reaching
 * CLOSE_WAIT; finwait must say so rather than fault it somewhere else. */
static void test_past_the_point(void **state)
{
	const char *args[] = { "run", scenario("past",
		"command = bash -c 'exec 3<>/dev/tcp/{addr}/{port}; exec 3>&-; exec sleep " MARK
		"'\nfault = freeze\nat = after-fin"), NULL };
	char *out;

	(void)state;
	assert_int_equal(run("past", args), 3);
	out = output("past", "out");
	assert_non_null(strstr(out, "went past its point before finwait could act"));
	free(out);
	assert_no_client_left();
}

static void test_refused(void **state)
{
	const char *args[] = { "run", NULL, NULL };
	char *err;

	(void)state;
	args[1] = scenario("hang", "command = true\nfault = hang");
	assert_int_equal(run("hang", args), 2);
	err = output("hang", "err");
	assert_non_null(strstr(err, "hang.ini:10: fault = hang"));
	free(err);
	args[1] = scenario("resp", "command = true\nat = after-response");
	assert_int_equal(run("resp", args), 2);
	err = output("resp", "err");
	assert_non_null(strstr(err, "resp.ini:10: at = after-response cannot be seen"));
	free(err);
	/* more instances than a cell runs: refused, not failed at run time */
	snprintf(path, sizeof(path), "%s/many.ini", tmpdir);
	write_file(path, "[scenario]\nname = many\nconnections = 40\n[client]\n"
		   "program = command\ncommand = true\nfault = crash\n");
	args[1] = path;
	assert_int_equal(run("many", args), 2);
	err = output("many", "err");
	assert_non_null(strstr(err, "many.ini:3: many: 40 instances of client.command"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_after_connect),
		cmocka_unit_test(test_freeze_after_fin),
		cmocka_unit_test(test_past_the_point),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
