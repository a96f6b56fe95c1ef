/* Bad input is refused before any cell runs: exit 2, and a message naming the file:line
 * (or the command-line option) of the mistake. Sysctls are checked against a throwaway
 * lab namespace, so this runs the real binary with real namespaces. */
#include <errno.h>
#include <fcntl.h>
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

#include "runcmd.h"
#include "util.h"

/* A scenario that runs (1 s of FIN_WAIT2 in a 3 s limit) unless a case spoils it. */
#define GOOD "[scenario]\nname = r\nlimit = 3s\n[sysctl]\nnet.ipv4.tcp_fin_timeout = 1\n"

#define NUL_TEXT "[scenario]\nname = r\ndescription = a\0b\n"

struct refusal {
	const char *text;	/* the scenario file (its length is given by len when set) */
	size_t len;
	const char *args[4];	/* before the file */
	const char *want;	/* the message; %s is the file's path */
};

static const struct refusal cases[] = {
	{ GOOD "net.ipv4.tcp_fin_timeot = 3\n", 0, { 0 },
	  "%s:6: no sysctl net.ipv4.tcp_fin_timeot in a lab namespace" },
	{ GOOD, 0, { "--set", "sysctl.net.ipv4.tcp_fin_timeot=3" },
	  "--set: no sysctl net.ipv4.tcp_fin_timeot" },
	{ GOOD, 0, { "--matrix", "client.sysctl.net.ipv4.conf.eth0.rp_filter=0,1" },
	  "--matrix: no sysctl net.ipv4.conf.eth0.rp_filter" },
	{ GOOD "net.ipv4.neigh.default.gc_thresh1 = 1\n", 0, { 0 },
	  "%s:6: no sysctl net.ipv4.neigh.default.gc_thresh1 in a lab namespace" },
	{ GOOD "net.ipv4.tcp_congestion_control = nosuchcc\n", 0, { 0 },
	  "%s:6: congestion control 'nosuchcc' is not available" },
	{ GOOD "net.ipv4.route.flush = 1\n", 0, { 0 },
	  "%s:6: sysctl net.ipv4.route.flush is write-only" },
	{ GOOD "[server]\nprogram = command\ncommand = /bin/true\nconfig = missing.conf.in\n", 0,
	  { 0 }, "%s:9: r: cannot read the server's config template" },
	{ GOOD "[server]\nprogram = command\ncommand = srv \"{port}\n", 0, { 0 },
	  "%s:8: r: server.command is empty or has an unterminated quote" },
	{ GOOD "[scenario]\nconnections = 400000\n", 0, { 0 }, "%s:7: r: at most" },
	{ GOOD, 0, { "--set", "connections=400000" }, "--set: r: at most" },
	{ GOOD "[scenario]\nconnections = 1\n[matrix]\nlimit = 3s, 1s\n", 0, { 0 },
	  "%s:9: r[limit=1s]: limit 1s ends before the expected FIN_WAIT2 end" },
	{ "[scenario]\nname = r\nlimit = 500us\n", 0, { 0 },
	  "%s:3: interval must be shorter than limit" },
	{ GOOD, 0, { "--set", "limit=2562047.9h" }, "--set: bad limit '2562047.9h' (too long" },
	{ NUL_TEXT, sizeof(NUL_TEXT) - 1, { 0 }, "%s:3: a NUL byte" },
	{ "[scenario]\nname = r\n", 0, { 0 }, "%s:2: r: limit 30s ends before" },
	{ "[scenario]\nname = r\ndescription = caf\xe9\n", 0, { 0 },
	  "%s:3: byte 0xe9 at column 18 is not UTF-8" },
	{ "", 0, { 0 }, "%s: empty file" },
	{ "[server]\nclose = close\n", 0, { 0 }, "%s:1: no [scenario] section" },
	{ "[scenario]\ndescription = x\n", 0, { 0 }, "%s:1: [scenario] needs a name" },
};

/* finwait run ARGS... PATH; returns the exit code, *out and *err what it printed. */
static int run_on(const char *const *args, const char *path, char **out, char **err)
{
	const char *argv[8] = { "run" };
	size_t n = 1;
	int rc;

	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n++] = path;
	argv[n] = NULL;
	rc = run("refuse", argv);
	*out = output("refuse", "out");
	*err = output("refuse", "err");
	assert_non_null(*out);
	assert_non_null(*err);
	return rc;
}

static void test_refusals(void **state)
{
	char path[4200], want[4400];
	(void)state;

	snprintf(path, sizeof(path), "%s/r.ini", tmpdir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct refusal *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), rc;
		char *out, *err;

		assert_true(fd >= 0);
		assert_int_equal(write(fd, c->text, len), (ssize_t)len);
		close(fd);
		snprintf(want, sizeof(want), c->want, path);
		rc = run_on(c->args, path, &out, &err);
		if (rc != 2 || !strstr(err, want) || *out)
			fail_msg("case %zu: exit %d (want 2), stdout '%s', stderr '%s' (want '%s')",
				 i, rc, out, err, want);
		free(out);
		free(err);
	}
}

/* A directory is not an empty scenario. */
static void test_directory(void **state)
{
	const char *none[] = { NULL };
	char want[4400], dir[4200], *out, *err;
	(void)state;

	snprintf(want, sizeof(want), "%s/dir: a directory, not a scenario file", tmpdir);
	snprintf(dir, sizeof(dir), "%s/dir", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(run_on(none, dir, &out, &err), 2);
	assert_non_null(strstr(err, want));
	assert_string_equal(out, "");
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_directory),
	};
	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
