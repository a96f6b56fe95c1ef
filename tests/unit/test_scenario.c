/* Unit tests for scenario.c: parsing, validation and every error path with its file:line,
 * --set, the shipped and built-in scenarios. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "scenario.h"
#include "util.h"

static struct scenario *load_ok(const char *text)
{
	struct scenario *sc = NULL;
	struct fw_err err = { 0 };
	char buf[600];
	int r = scenario_load_string("t", text, NULL, &sc, &err);

	if (r)
		fail_msg("unexpected error: %s", fw_err_format(&err, buf, sizeof(buf)));
	assert_non_null(sc);
	return sc;
}

static const char design_example[] =
	"[scenario]\n"
	"name = pc-client-freezes-mid-close\n"
	"description = The server closes first; the client freezes before its own close.\n"
	"connections = 3          ; client connections in each cell\n"
	"limit = 30s              ; a socket still alive then is reported as lasting >= limit\n"
	"interval = 2ms           # sampling period\n"
	"family = ipv6            ; ipv4 | ipv6\n"
	"\n"
	"[server]\n"
	"program = builtin        ; builtin | command\n"
	"command =                ; argv for program = command\n"
	"mode = http\n"
	"port = 8080\n"
	"close = linger:3s\n"
	"close_after = 250ms\n"
	"keepalive = on\n"
	"keepidle = 2s\n"
	"keepintvl = 1s\n"
	"keepcnt = 4\n"
	"linger2 = -1\n"
	"user_timeout = 1500ms\n"
	"\n"
	"[client]\n"
	"fault = vanish\n"
	"at = after-response\n"
	"mode = http\n"
	"\n"
	"[sysctl]                 ; server namespace\n"
	"net.ipv4.tcp_fin_timeout = 2\n"
	"net.ipv4.tcp_rmem = 4096 131072 6291456\n"
	"[client.sysctl]\n"
	"net.ipv4.tcp_keepalive_time = 5\n"
	"\n"
	"[expect]\n"
	"fin_wait2 = 1s..3s\n";

static void test_design_example(void **state)
{
	struct scenario *sc = load_ok(design_example);
	(void)state;

	assert_string_equal(sc->file, "<builtin:t>");
	assert_string_equal(sc->name, "pc-client-freezes-mid-close");
	assert_string_equal(sc->description,
			    "The server closes first; the client freezes before its own close.");
	assert_int_equal(sc->connections, 3);
	assert_int_equal(sc->limit_ns, 30 * NSEC_PER_SEC);
	assert_int_equal(sc->interval_ns, 2 * NSEC_PER_MSEC);
	assert_int_equal(sc->family, FW_IPV6);
	assert_int_equal(sc->server.program, FW_PROG_BUILTIN);
	assert_null(sc->server.command);
	assert_int_equal(sc->server.mode, FW_MODE_HTTP);
	assert_int_equal(sc->server.port, 8080);
	assert_int_equal(sc->server.close.kind, FW_CLOSE_LINGER);
	assert_int_equal(sc->server.close.linger_s, 3);
	assert_int_equal(sc->server.close_after_ns, 250 * NSEC_PER_MSEC);
	assert_true(sc->server.keepalive);
	assert_int_equal(sc->server.keepidle_s, 2);
	assert_int_equal(sc->server.keepintvl_s, 1);
	assert_int_equal(sc->server.keepcnt, 4);
	assert_int_equal(sc->server.linger2_s, -1);
	assert_int_equal(sc->server.user_timeout_ms, 1500);
	assert_int_equal(sc->server.has, FW_HAS_PORT | FW_HAS_KEEPALIVE | FW_HAS_KEEPIDLE | FW_HAS_KEEPINTVL | FW_HAS_KEEPCNT |
				       FW_HAS_LINGER2 | FW_HAS_USER_TIMEOUT);
	assert_int_equal(sc->client.fault, FW_FAULT_VANISH);
	assert_int_equal(sc->client.at, FW_AT_RESPONSE);
	assert_int_equal(sc->client.mode, FW_MODE_HTTP);
	assert_int_equal(sc->sysctl.n, 2);
	assert_string_equal(sc->sysctl.v[0].key, "net.ipv4.tcp_fin_timeout");
	assert_string_equal(sc->sysctl.v[0].value, "2");
	assert_int_equal(sc->sysctl.v[0].line, 29);
	assert_string_equal(sc->sysctl.v[1].value, "4096 131072 6291456");
	assert_int_equal(sc->client_sysctl.n, 1);
	assert_string_equal(scen_kvlist_get(&sc->client_sysctl, "net.ipv4.tcp_keepalive_time"),
			    "5");
	assert_int_equal(sc->expect.kind, FW_EXPECT_RANGE);
	assert_int_equal(sc->expect.min_ns, NSEC_PER_SEC);
	assert_int_equal(sc->expect.max_ns, 3 * NSEC_PER_SEC);
	assert_int_equal(sc->n_axes, 0);
	scenario_free(sc);
}

static void test_defaults(void **state)
{
	struct scenario *sc = load_ok("[scenario]\nname = x\n");
	(void)state;

	assert_int_equal(sc->connections, 1);
	assert_int_equal(sc->limit_ns, 30 * NSEC_PER_SEC);
	assert_int_equal(sc->interval_ns, NSEC_PER_MSEC);
	assert_int_equal(sc->family, FW_IPV4);
	assert_int_equal(sc->server.close.kind, FW_CLOSE_CLOSE);
	assert_false(sc->server.keepalive);
	/* keepalive = off is a value (the server is told so); every socket option unset. */
	assert_int_equal(sc->server.has, FW_HAS_KEEPALIVE);
	assert_int_equal(sc->client.fault, FW_FAULT_FREEZE);
	assert_int_equal(sc->client.at, FW_AT_FIN);
	assert_int_equal(sc->expect.kind, FW_EXPECT_MODEL);
	assert_int_equal(sc->sysctl.n, 0);
	assert_string_equal(sc->description, "");
	scenario_free(sc);
}

static void test_values(void **state)
{
	struct scenario *sc;
	(void)state;

	/* Empty optional values are "unset"; linger:0 is linger0; expect forms. */
	sc = load_ok("[scenario]\nname = x\n[server]\nport =\nkeepidle =\nlinger2 = 0\n"
		     "close = linger:0\nkeepalive = yes\n[client]\nat = after-response\n"
		     "[expect]\nfin_wait2 = 5s\n");
	assert_int_equal(sc->server.has, FW_HAS_LINGER2 | FW_HAS_KEEPALIVE);
	assert_int_equal(sc->server.linger2_s, 0);
	assert_int_equal(sc->server.close.kind, FW_CLOSE_LINGER0);
	assert_true(sc->server.keepalive);
	assert_int_equal(sc->expect.kind, FW_EXPECT_RANGE);
	assert_int_equal(sc->expect.min_ns, 0);
	assert_int_equal(sc->expect.max_ns, 5 * NSEC_PER_SEC);
	scenario_free(sc);
	sc = load_ok("[scenario]\nname = x\n[expect]\nfin_wait2 = forever\n");
	assert_int_equal(sc->expect.kind, FW_EXPECT_FOREVER);
	scenario_free(sc);
	sc = load_ok("[scenario]\nname = x\n[expect]\nfin_wait2 = none\n[server]\n"
		     "close = shutdown\nprogram = command\ncommand = nginx -c {dir}/n.conf\n"
		     "config = n.conf.in\n");
	assert_int_equal(sc->expect.kind, FW_EXPECT_NONE);
	assert_int_equal(sc->server.close.kind, FW_CLOSE_SHUTDOWN);
	assert_string_equal(sc->server.command, "nginx -c {dir}/n.conf");
	assert_string_equal(sc->server.config, "n.conf.in");
	scenario_free(sc);
	/* Indented lines are keys, not continuations; a '#' inside a word is kept. */
	sc = load_ok("[scenario]\n  name = x\n  description = a#b ; c\n");
	assert_string_equal(sc->name, "x");
	assert_string_equal(sc->description, "a#b");
	scenario_free(sc);
}

/* Every error path: the text, the line it must name, and a part of the message. */
static const struct {
	const char *text;
	int line;
	const char *msg;
} bad[] = {
	{ "[scenario]\nname = x\n[server]\ncloses = close\n", 4,
	  "unknown key 'closes' in [server]" },
	{ "[scenario]\nname = x\n\n[serverr]\nclose = close\n", 4, "unknown section [serverr]" },
	{ "[scenario]\nname = x\n[empty]\n", 3, "unknown section [empty]" },
	{ "[scenario]\nname = x\nlimit = 5x\n", 3, "bad limit '5x'" },
	{ "[scenario]\nname = x\nlimit = 0s\n", 3, "bad limit '0s'" },
	{ "[scenario]\nname = x\ninterval = -1ms\n", 3, "bad interval '-1ms'" },
	{ "[scenario]\nname = x\nconnections = 0\n", 3, "bad connections '0'" },
	{ "[scenario]\nname = x\nconnections = 1000001\n", 3, "bad connections '1000001'" },
	{ "[scenario]\nname = x\nconnections = 2.5\n", 3, "bad connections '2.5'" },
	{ "[scenario]\nname = x\nfamily = ipv5\n", 3, "bad family 'ipv5' (ipv4 | ipv6)" },
	{ "[scenario]\nname = x y\n", 2, "bad name 'x y'" },
	{ "[scenario]\nname = x\nname = y\n", 3, "duplicate key 'name' in [scenario] (first at line 2)" },
	{ "[scenario]\nname = x\nkeepalive = on\n", 3, "unknown key 'keepalive' in [scenario]" },
	{ "[scenario]\nname = x\n[server]\nclose = lingerx\n", 4, "bad close 'lingerx'" },
	{ "[scenario]\nname = x\n[server]\nclose = linger\n", 4, "bad close 'linger'" },
	{ "[scenario]\nname = x\n[server]\nclose = linger:1500ms\n", 4, "bad close 'linger:1500ms'" },
	{ "[scenario]\nname = x\n[server]\nprogram = inetd\n", 4, "bad program 'inetd'" },
	{ "[scenario]\nname = x\n[server]\nmode = ftp\n", 4, "bad mode 'ftp' (raw | http)" },
	{ "[scenario]\nname = x\n[server]\nport = 70000\n", 4, "bad port '70000'" },
	{ "[scenario]\nname = x\n[server]\nkeepalive = maybe\n", 4, "bad keepalive 'maybe'" },
	{ "[scenario]\nname = x\n[server]\nkeepidle = 0s\n", 4, "bad keepidle '0s'" },
	{ "[scenario]\nname = x\n[server]\nkeepintvl = 1500ms\n", 4, "bad keepintvl '1500ms'" },
	{ "[scenario]\nname = x\n[server]\nkeepidle = 32768\n", 4, "bad keepidle '32768'" },
	{ "[scenario]\nname = x\n[server]\nkeepcnt = 128\n", 4, "bad keepcnt '128'" },
	{ "[scenario]\nname = x\n[server]\nlinger2 = -2\n", 4, "bad linger2 '-2'" },
	{ "[scenario]\nname = x\n[server]\nuser_timeout = 1500us\n", 4, "bad user_timeout" },
	{ "[scenario]\nname = x\n[server]\nclose_after = soon\n", 4, "bad close_after 'soon'" },
	{ "[scenario]\nname = x\n[client]\nfault = explode\n", 4,
	  "bad fault 'explode' (none | crash | freeze | hang | vanish | reboot)" },
	{ "[scenario]\nname = x\n[client]\nat = before-fin\n", 4, "bad at 'before-fin'" },
	{ "[scenario]\nname = x\n[client]\nclose = close\n", 4, "unknown key 'close' in [client]" },
	{ "[scenario]\nname = x\n[sysctl]\nkernel.pid_max = 5\n", 4, "bad sysctl name 'kernel.pid_max'" },
	{ "[scenario]\nname = x\n[sysctl]\nnet..ipv4 = 5\n", 4, "bad sysctl name 'net..ipv4'" },
	{ "[scenario]\nname = x\n[sysctl]\nnet.ipv4.tcp_fin_timeout = two\n", 4,
	  "bad value 'two' for net.ipv4.tcp_fin_timeout" },
	{ "[scenario]\nname = x\n[client.sysctl]\nnet.ipv4.tcp_keepalive_probes = 256\n", 4,
	  "bad value '256' for net.ipv4.tcp_keepalive_probes" },
	{ "[scenario]\nname = x\n[sysctl]\nnet.core.somaxconn =\n", 4, "empty value for sysctl" },
	{ "[scenario]\nname = x\n[sysctl]\nnet.a = 1\nnet.a = 2\n", 5, "duplicate sysctl 'net.a' (first at line 4)" },
	{ "[scenario]\nname = x\n[expect]\nfin_wait2 = 3s..1s\n", 4, "bad fin_wait2 '3s..1s'" },
	{ "[scenario]\nname = x\n[expect]\nfin_wait2 = sometimes\n", 4, "bad fin_wait2 'sometimes'" },
	{ "[scenario]\nname = x\n[expect]\nfin_wait3 = none\n", 4, "unknown key 'fin_wait3' in [expect]" },
	{ "[scenario]\nname = x\n[expect]\ntime_wait = sometimes\n", 4, "bad time_wait 'sometimes'" },
	{ "limit = 5s\n[scenario]\nname = x\n", 1, "key 'limit' outside a section" },
	{ "[scenario]\nname = x\nlimit\n", 3, "syntax error" },
	{ "[scenario\nname = x\n", 1, "syntax error" },
	{ "[scenario]\nname = x\n[matrix]\nserver.closee = close, shutdown\n", 4,
	  "unknown key 'closee' in [server]" },
	{ "[scenario]\nname = x\n[matrix]\nclient.fault = freeze,,crash\n", 4, "empty value in the list" },
	{ "[scenario]\nname = x\n[matrix]\nclient.fault = freeze, crash,\n", 4, "empty value in the list" },
	{ "[scenario]\nname = x\n[matrix]\nclient.fault = freeze, freeze\n", 4, "value 'freeze' repeated" },
	{ "[scenario]\nname = x\n[matrix]\nclient.fault = freeze, explode\n", 4, "bad fault 'explode'" },
	{ "[scenario]\nname = x\n[matrix]\nscenario.name = a, b\n", 4, "'scenario.name' cannot be a matrix axis" },
	{ "[scenario]\nname = x\n[matrix]\nlimit = 1s, 2s\nscenario.limit = 3s\n", 5,
	  "duplicate matrix axis 'scenario.limit' (first at line 4)" },
	{ "[scenario]\nname = x\n[matrix]\nsysctl.kernel.x = 1, 2\n", 4, "bad sysctl name 'kernel.x'" },
	/* Rules across keys name the key that breaks them. */
	{ "[scenario]\nname = x\n[server]\nprogram = command\n", 4, "program = command needs a command" },
	{ "[scenario]\nname = x\nlimit = 5s\ninterval = 5s\n", 4, "interval must be shorter than limit" },
	{ "[scenario]\nname = x\nlimit = 5s\n[expect]\nfin_wait2 = 5s\n", 5,
	  "the expected maximum must be shorter than limit" },
	{ "[scenario]\nname = x\nlimit = 5s\n[server]\nclose_after = 6s\n", 5,
	  "close_after must be shorter than limit" },
	{ "[scenario]\nname = x\n[server]\nclose = none\n[client]\nat = after-fin\n", 6,
	  "at = after-fin waits for the server's FIN, which close = none never sends" },
	{ "[scenario]\nname = x\nlimit = 5s\n[matrix]\nexpect.fin_wait2 = 1s, 9s\n", 5,
	  "the expected maximum must be shorter than limit" },
	{ "[scenario]\ndescription = no name\n", 1, "[scenario] needs a name" },
	{ "", 0, "empty file: a scenario file needs a [scenario] section" },
	{ "; nothing\n\n# else\n", 1, "only comments: a scenario file needs a [scenario]" },
	{ "\n[server]\nclose = close\n", 2, "no [scenario] section" },
	/* A rule broken by a key left at its default names the other key's line. */
	{ "[scenario]\nname = x\nlimit = 500us\n", 3, "interval must be shorter than limit" },
	{ "[scenario]\nname = x\n[server]\nclose = none\n", 4,
	  "at = after-fin waits for the server's FIN" },
	{ "[scenario]\nname = x\nlimit = 2562047.9h\n", 3, "bad limit '2562047.9h' (too long" },
	{ "[scenario]\nname = x\nlimit = 1.0000000001s\n", 3, "bad limit" },
	{ "[scenario]\nname = x\ndescription = caf\xe9\n", 3,
	  "byte 0xe9 at column 18 is not UTF-8" },
	{ "[scenario]\nname = x\ndescription = \xed\xa0\x80\n", 3, "is not UTF-8" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct scenario *sc = (struct scenario *)1;
		struct fw_err err = { 0 };
		int r = scenario_load_string("t", bad[i].text, NULL, &sc, &err);

		/* A matrix's cells are checked when they are made. */
		if (!r) {
			struct scenario **cells = NULL;
			size_t n = 0;

			r = scenario_expand(sc, &cells, &n, &err);
			scenario_free_cells(cells, n);
			scenario_free(sc);
			sc = NULL;
		}

		if (r != -EINVAL || sc || err.line != bad[i].line || strcmp(err.file, "<builtin:t>") ||
		    !strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: r=%d line %d (want %d) msg '%s' (want '%s')", i, r, err.line,
				 bad[i].line, err.msg, bad[i].msg);
	}
}

/* Long logical lines are read whole (Debian's inih cut at 197 characters); past
 * INI_LINE_MAX the error names the line. */
static void test_long_line(void **state)
{
	size_t big = 70000;
	char *text = malloc(big + 100);
	struct scenario *sc = NULL;
	struct fw_err err = { 0 };
	(void)state;

	assert_non_null(text);
	snprintf(text, big + 100, "[scenario]\nname = x\ndescription = %0300d\n", 0);
	sc = load_ok(text);
	assert_int_equal(strlen(sc->description), 300);
	scenario_free(sc);
	sc = NULL;
	snprintf(text, big + 100, "[scenario]\nname = x\n\ndescription = %0*d\n", (int)big, 0);
	assert_int_equal(scenario_load_string("t", text, NULL, &sc, &err), -EINVAL);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.msg, "line too long"));
	assert_null(sc);
	free(text);
}

/* A NUL byte used to cut the value silently. */
static void test_nul(void **state)
{
	static const char text[] = "[scenario]\nname = x\ndescription = ab\0cd\n";
	struct scenario *sc = NULL;
	struct fw_err err = { 0 };
	char buf[300];
	(void)state;

	assert_int_equal(scenario_load_mem("t", text, sizeof(text) - 1, NULL, &sc, &err),
			 -EINVAL);
	assert_null(sc);
	assert_string_equal(fw_err_format(&err, buf, sizeof(buf)),
			    "<builtin:t>:3: a NUL byte at column 17: scenario files are text");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_file_errors(void **state)
{
	char dir[] = "/tmp/fwscenXXXXXX", path[128], buf[512];
	struct scenario *sc = NULL;
	struct fw_err err = { 0 };
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/scenario.ini", dir);
	write_file(path, "; a comment\n[scenario]\nname = x\n\n[server]\n# another\n"
			 "close = close\ncloses = close\n");
	assert_int_equal(scenario_load(path, &sc, &err), -EINVAL);
	snprintf(buf, sizeof(buf), "%s:8: unknown key 'closes' in [server]", path);
	assert_string_equal(fw_err_format(&err, buf + 256, 256), buf);
	/* A good file: dir is the file's folder, file its path. */
	write_file(path, "[scenario]\nname = x\n[server]\nclose = shutdown\n");
	assert_int_equal(scenario_load(path, &sc, &err), 0);
	assert_string_equal(sc->file, path);
	assert_string_equal(sc->dir, dir);
	scenario_free(sc);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(scenario_load(path, &sc, &err), -ENOENT);
	assert_null(sc);
	assert_non_null(strstr(err.msg, "cannot open"));
	/* A directory is not an empty scenario. */
	assert_int_equal(scenario_load(dir, &sc, &err), -EISDIR);
	assert_null(sc);
	snprintf(buf, sizeof(buf), "%s: a directory, not a scenario file", dir);
	assert_string_equal(fw_err_format(&err, buf + 256, 256), buf);
	assert_int_equal(rmdir(dir), 0);
}

static void test_set(void **state)
{
	struct scenario *sc = load_ok("[scenario]\nname = x\n[server]\nclose = close\n"
				      "[sysctl]\nnet.ipv4.tcp_fin_timeout = 2\n");
	struct fw_err err = { 0 };
	char buf[300];
	(void)state;

	assert_int_equal(scenario_set(sc, "limit", "10s", "--set", &err), 0);
	assert_int_equal(sc->limit_ns, 10 * NSEC_PER_SEC);
	assert_int_equal(scenario_set(sc, "scenario.connections", "7", "--set", &err), 0);
	assert_int_equal(sc->connections, 7);
	assert_int_equal(scenario_set(sc, "server.close", " shutdown ", "--set", &err), 0);
	assert_int_equal(sc->server.close.kind, FW_CLOSE_SHUTDOWN);
	/* A sysctl already in the file is replaced in place; a new one is appended. */
	assert_int_equal(scenario_set(sc, "sysctl.net.ipv4.tcp_fin_timeout", "5", NULL, &err), 0);
	assert_int_equal(scenario_set(sc, "client.sysctl.net.ipv4.tcp_fin_timeout", "9", NULL,
				      &err), 0);
	assert_int_equal(sc->sysctl.n, 1);
	assert_string_equal(sc->sysctl.v[0].value, "5");
	assert_string_equal(sc->sysctl.v[0].file, "--set");
	assert_string_equal(scen_kvlist_get(&sc->client_sysctl, "net.ipv4.tcp_fin_timeout"), "9");
	assert_int_equal(scenario_set(sc, "server.closee", "x", "--set", &err), -EINVAL);
	assert_string_equal(fw_err_format(&err, buf, sizeof(buf)),
			    "--set: unknown key 'closee' in [server]");
	assert_int_equal(scenario_set(sc, "bogus", "x", "--set", &err), -EINVAL);
	assert_string_equal(err.msg, "unknown key 'bogus'");
	assert_int_equal(scenario_set(sc, "limit", "soon", "--set", &err), -EINVAL);
	assert_string_equal(fw_err_format(&err, buf, sizeof(buf)),
			    "--set: bad limit 'soon' (a duration such as 500ms, 2s, 1m; more than 0)");
	assert_int_equal(sc->limit_ns, 10 * NSEC_PER_SEC);
	/* Cross-key rules see --set values and name --set as the place. */
	assert_int_equal(scenario_set(sc, "server.program", "command", "--set", &err), 0);
	assert_int_equal(scenario_validate(sc, &err), -EINVAL);
	assert_string_equal(fw_err_format(&err, buf, sizeof(buf)),
			    "--set: program = command needs a command in [server]");
	scenario_free(sc);
}

static char *slurp_env_path(const char *rel)
{
	const char *src = getenv("FINWAIT_SOURCE_DIR");
	char *p = NULL;

	if (!src)
		src = FW_SOURCE_DIR;
	assert_true(asprintf(&p, "%s/%s", src, rel) > 0);
	return p;
}

/* Every scenario shipped in tests/scenarios must load and expand. */
static void test_shipped(void **state)
{
	char *dirpath = slurp_env_path("tests/scenarios");
	DIR *d = opendir(dirpath);
	struct dirent *de;
	int seen = 0;
	(void)state;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		struct scenario *sc = NULL, **cells = NULL;
		struct fw_err err = { 0 };
		char path[600], buf[600];
		size_t n = 0;

		if (l < 5 || strcmp(de->d_name + l - 4, ".ini"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		if (scenario_load(path, &sc, &err))
			fail_msg("%s", fw_err_format(&err, buf, sizeof(buf)));
		assert_int_equal(scenario_expand(sc, &cells, &n, &err), 0);
		assert_int_equal(n, scenario_cell_count(sc));
		scenario_free_cells(cells, n);
		scenario_free(sc);
		seen++;
	}
	closedir(d);
	free(dirpath);
	assert_true(seen > 0);
}

static void test_builtin(void **state)
{
	struct scenario **list = NULL, **cells = NULL;
	struct fw_err err = { 0 };
	size_t n = 0, nc = 0;
	(void)state;

	assert_int_equal(scenario_builtin(&list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "orphan-close");
	assert_string_equal(list[0]->file, "<builtin:orphan-close>");
	assert_int_equal(scenario_cell_count(list[0]), 6);
	assert_string_equal(list[1]->name, "shutdown-keepalive");
	assert_int_equal(scenario_cell_count(list[1]), 2);
	assert_int_equal(scenario_expand(list[1], &cells, &nc, &err), 0);
	assert_int_equal(nc, 2);
	assert_string_equal(cells[0]->name, "shutdown-keepalive[fault=vanish]");
	assert_int_equal(cells[0]->server.close.kind, FW_CLOSE_SHUTDOWN);
	assert_true(cells[0]->server.keepalive);
	/* Each cell is over well before a minute, so the whole default run is too. */
	for (size_t i = 0; i < n; i++)
		assert_true(list[i]->limit_ns <= 10 * NSEC_PER_SEC);
	scenario_free_cells(cells, nc);
	scenario_free_cells(list, n);
	assert_non_null(scenario_builtin_text[0]);
	assert_null(scenario_builtin_text[2]);
}

static void test_free_null(void **state)
{
	(void)state;
	scenario_free(NULL);
	scenario_free_cells(NULL, 0);
	scen_kvlist_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
