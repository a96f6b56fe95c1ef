/* Unit tests for the matrix: product size and order, cell names and params, --matrix and
 * --set against [matrix], the cell limit, per-cell validation, independence of cells. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scenario.h"
#include "util.h"

static struct scenario *load_ok(const char *text)
{
	struct scenario *sc = NULL;
	struct fw_err err = { 0 };
	char buf[600];

	if (scenario_load_string("m", text, NULL, &sc, &err))
		fail_msg("unexpected error: %s", fw_err_format(&err, buf, sizeof(buf)));
	return sc;
}

static const char two_axes[] =
	"[scenario]\n"
	"name = pc\n"
	"[sysctl]\n"
	"net.ipv4.tcp_fin_timeout = 9\n"
	"[matrix]\n"
	"sysctl.net.ipv4.tcp_fin_timeout = 1, 2, 4\n"
	"client.fault = freeze, vanish\n";

static void test_product_order_names(void **state)
{
	static const char *const want[] = {
		"pc[tcp_fin_timeout=1,fault=freeze]", "pc[tcp_fin_timeout=1,fault=vanish]",
		"pc[tcp_fin_timeout=2,fault=freeze]", "pc[tcp_fin_timeout=2,fault=vanish]",
		"pc[tcp_fin_timeout=4,fault=freeze]", "pc[tcp_fin_timeout=4,fault=vanish]",
	};
	struct scenario *sc = load_ok(two_axes), **cells = NULL;
	struct fw_err err = { 0 };
	size_t n = 0;
	(void)state;

	assert_int_equal(sc->n_axes, 2);
	assert_string_equal(sc->axes[0].key, "sysctl.net.ipv4.tcp_fin_timeout");
	assert_int_equal(sc->axes[0].line, 6);
	assert_int_equal(scenario_cell_count(sc), 6);
	assert_int_equal(scenario_expand(sc, &cells, &n, &err), 0);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		const char *fin = i < 2 ? "1" : i < 4 ? "2" : "4";

		assert_string_equal(cells[i]->name, want[i]);
		assert_int_equal(cells[i]->n_axes, 0);
		/* The axis value replaces the file's [sysctl] value, in place. */
		assert_int_equal(cells[i]->sysctl.n, 1);
		assert_string_equal(scen_kvlist_get(&cells[i]->sysctl, "net.ipv4.tcp_fin_timeout"),
				    fin);
		assert_int_equal(cells[i]->client.fault,
				 i % 2 ? FW_FAULT_VANISH : FW_FAULT_FREEZE);
		assert_int_equal(cells[i]->params.n, 2);
		assert_string_equal(cells[i]->params.v[0].key, "sysctl.net.ipv4.tcp_fin_timeout");
		assert_string_equal(cells[i]->params.v[0].value, fin);
		assert_string_equal(cells[i]->params.v[1].key, "client.fault");
		assert_string_equal(cells[i]->params.v[1].value, i % 2 ? "vanish" : "freeze");
	}
	/* Cells are independent copies. */
	assert_ptr_not_equal(cells[0]->sysctl.v, cells[1]->sysctl.v);
	scenario_free(cells[0]);
	cells[0] = NULL;
	assert_string_equal(cells[1]->sysctl.v[0].value, "1");
	scenario_free_cells(cells, n);
	scenario_free(sc);
}

static void test_no_axes(void **state)
{
	struct scenario *sc = load_ok("[scenario]\nname = solo\n"), **cells = NULL;
	struct fw_err err = { 0 };
	size_t n = 0;
	(void)state;

	assert_int_equal(scenario_expand(sc, &cells, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(cells[0]->name, "solo");
	assert_int_equal(cells[0]->params.n, 0);
	scenario_free_cells(cells, n);
	scenario_free(sc);
}

static void test_cli_matrix_and_set(void **state)
{
	struct scenario *sc = load_ok(two_axes), **cells = NULL;
	struct fw_err err = { 0 };
	char buf[300];
	size_t n = 0;
	(void)state;

	/* --matrix on an existing axis replaces its values in place... */
	assert_int_equal(scenario_add_axis(sc, "client.fault", "crash, hang, none", NULL, &err), 0);
	assert_int_equal(sc->n_axes, 2);
	assert_string_equal(sc->axes[1].file, "--matrix");
	assert_int_equal(scenario_cell_count(sc), 9);
	/* ...and a new one (a plain [scenario] key) is appended and varies fastest. */
	assert_int_equal(scenario_add_axis(sc, "connections", "1,10", "--matrix", &err), 0);
	assert_string_equal(sc->axes[2].key, "scenario.connections");
	assert_int_equal(scenario_expand(sc, &cells, &n, &err), 0);
	assert_int_equal(n, 18);
	assert_string_equal(cells[0]->name, "pc[tcp_fin_timeout=1,fault=crash,connections=1]");
	assert_string_equal(cells[1]->name, "pc[tcp_fin_timeout=1,fault=crash,connections=10]");
	assert_int_equal(cells[1]->connections, 10);
	assert_string_equal(cells[17]->name, "pc[tcp_fin_timeout=4,fault=none,connections=10]");
	scenario_free_cells(cells, n);
	/* --matrix errors name --matrix. */
	assert_int_equal(scenario_add_axis(sc, "server.close", "close, slam", NULL, &err), -EINVAL);
	assert_string_equal(fw_err_format(&err, buf, sizeof(buf)),
			    "--matrix: bad close 'slam' (close | shutdown | linger0 | linger:DUR (whole "
			    "seconds, 0s..65535s) | none)");
	assert_int_equal(sc->n_axes, 3);
	/* --set pins a value: the axis of that key goes away. */
	assert_int_equal(scenario_set(sc, "sysctl.net.ipv4.tcp_fin_timeout", "7", "--set", &err), 0);
	assert_int_equal(sc->n_axes, 2);
	assert_string_equal(sc->axes[0].key, "client.fault");
	assert_int_equal(scenario_expand(sc, &cells, &n, &err), 0);
	assert_int_equal(n, 6);
	assert_string_equal(cells[0]->name, "pc[fault=crash,connections=1]");
	for (size_t i = 0; i < n; i++)
		assert_string_equal(scen_kvlist_get(&cells[i]->sysctl, "net.ipv4.tcp_fin_timeout"),
				    "7");
	scenario_free_cells(cells, n);
	scenario_free(sc);
}

static void test_short_name_clash(void **state)
{
	struct scenario *sc = load_ok("[scenario]\nname = c\n[matrix]\nserver.mode = raw, http\n"
				      "client.mode = http\nsysctl.net.ipv4.tcp_fin_timeout = 3\n"
				      "client.sysctl.net.ipv4.tcp_fin_timeout = 5\n"), **cells = NULL;
	struct fw_err err = { 0 };
	size_t n = 0;
	(void)state;

	assert_int_equal(scenario_expand(sc, &cells, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(cells[1]->name,
			    "c[server.mode=http,client.mode=http,"
			    "sysctl.net.ipv4.tcp_fin_timeout=3,"
			    "client.sysctl.net.ipv4.tcp_fin_timeout=5]");
	assert_int_equal(cells[1]->server.mode, FW_MODE_HTTP);
	assert_string_equal(scen_kvlist_get(&cells[1]->client_sysctl, "net.ipv4.tcp_fin_timeout"),
			    "5");
	scenario_free_cells(cells, n);
	scenario_free(sc);
}

static void test_cell_limit(void **state)
{
	/* 8 x 8 x 8 x 9 = 4608 cells: over the limit of 4096. */
	static const char text[] =
		"[scenario]\nname = big\n[matrix]\n"
		"connections = 1,2,3,4,5,6,7,8\n"
		"sysctl.net.ipv4.tcp_fin_timeout = 1,2,3,4,5,6,7,8\n"
		"client.sysctl.net.ipv4.tcp_fin_timeout = 1,2,3,4,5,6,7,8\n"
		"sysctl.net.ipv4.tcp_keepalive_time = 1,2,3,4,5,6,7,8,9\n";
	struct scenario *sc = NULL, **cells = NULL;
	struct fw_err err = { 0 };
	size_t n = 7;
	(void)state;

	/* Loading counts the cells without making them; expanding refuses. */
	sc = load_ok(text);
	assert_int_equal(scenario_cell_count(sc), 4608);
	assert_int_equal(scenario_expand(sc, &cells, &n, &err), -E2BIG);
	assert_string_equal(err.msg, "the matrix has 4608 cells (8 x 8 x 8 x 9), more than 4096");
	assert_null(cells);
	scenario_free(sc);
	/* 8 x 8 x 8 x 8 = 4096 is allowed. */
	sc = load_ok("[scenario]\nname = big\n[matrix]\n"
		     "connections = 1,2,3,4,5,6,7,8\n"
		     "sysctl.net.ipv4.tcp_fin_timeout = 1,2,3,4,5,6,7,8\n"
		     "client.sysctl.net.ipv4.tcp_fin_timeout = 1,2,3,4,5,6,7,8\n"
		     "sysctl.net.ipv4.tcp_keepalive_time = 1,2,3,4,5,6,7,8\n");
	assert_int_equal(scenario_cell_count(sc), 4096);
	assert_int_equal(scenario_add_axis(sc, "client.fault", "freeze,crash", NULL, &err), 0);
	assert_int_equal(scenario_expand(sc, &cells, &n, &err), -E2BIG);
	assert_null(cells);
	assert_int_equal(n, 0);
	scenario_free(sc);
}

static void test_cell_validation(void **state)
{
	/* Only the cell with program = command and no command breaks a rule: the error names
	 * the axis's line and the cell. */
	struct scenario *sc = NULL, **cells = NULL;
	size_t n = 0;
	struct fw_err err = { 0 };
	char buf[400];
	(void)state;

	sc = load_ok("[scenario]\nname = v\n[matrix]\nserver.program = builtin, command\n");
	assert_int_equal(scenario_expand(sc, &cells, &n, &err), -EINVAL);
	assert_null(cells);
	assert_string_equal(fw_err_format(&err, buf, sizeof(buf)),
			    "<builtin:m>:4: program = command needs a command in [server] "
			    "(in cell v[program=command])");
	scenario_free(sc);
	/* The cells are judged, not the values the axes replace: here the file's interval
	 * is too long for the file's limit, but every cell's limit fits. */
	sc = load_ok("[scenario]\nname = w\nlimit = 1s\ninterval = 2s\n[matrix]\n"
		     "limit = 3s, 4s\n");
	assert_int_equal(scenario_expand(sc, &cells, &n, &err), 0);
	scenario_free_cells(cells, n);
	assert_int_equal(scenario_add_axis(sc, "limit", "3s, 1s", NULL, &err), 0);
	assert_int_equal(scenario_expand(sc, &cells, &n, &err), -EINVAL);
	assert_string_equal(fw_err_format(&err, buf, sizeof(buf)),
			    "<builtin:m>:4: interval must be shorter than limit (in cell w[limit=1s])");
	scenario_free(sc);
}

/* A wide axis fits on its line in a file: Debian's inih used to stop at 197 characters
 * ("line too long"). */
static void test_wide_axis(void **state)
{
	char text[4096];
	size_t o, n = 0;
	struct scenario *sc;
	(void)state;

	o = (size_t)snprintf(text, sizeof(text), "[scenario]\nname = wide\n[matrix]\n"
			     "server.response_size = 1");
	while (o < 2000 + 40)
		o += (size_t)snprintf(text + o, sizeof(text) - o, ", %zu", ++n + 1);
	snprintf(text + o, sizeof(text) - o, "\n[server]\nclose = close\n");
	assert_true(strcspn(strstr(text, "server.response_size"), "\n") > 2000);
	sc = load_ok(text);
	assert_int_equal(sc->n_axes, 1);
	assert_int_equal(sc->axes[0].n, n + 1);
	assert_int_equal(atoi(sc->axes[0].values[n]), n + 1);
	assert_int_equal(scenario_cell_count(sc), n + 1);
	scenario_free(sc);
}

static void test_flatten(void **state)
{
	struct scenario *sc = load_ok("[scenario]\nname = f\nlimit = 2500ms\n[server]\n"
				      "close = linger:2s\nkeepidle = 60s\nlinger2 = -1\n"
				      "[client]\nfault = vanish\n[expect]\nfin_wait2 = 1s..2s\n"
				      "[sysctl]\nnet.ipv4.tcp_fin_timeout = 3\n"
				      "[client.sysctl]\nnet.ipv4.tcp_keepalive_time = 4\n");
	struct scen_kvlist l = { 0 };
	char all[1024] = "";
	(void)state;

	assert_int_equal(scenario_flatten(sc, &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		strcat(all, l.v[i].key);
		strcat(all, "=");
		strcat(all, l.v[i].value);
		strcat(all, ";");
	}
	assert_string_equal(all,
			    "scenario.name=f;scenario.connections=1;scenario.limit=2500ms;"
			    "scenario.interval=1ms;scenario.family=ipv4;server.program=builtin;"
			    "server.mode=raw;server.close=linger:2s;server.close_after=0s;"
			    "server.response_size=3;server.keepalive=off;server.keepidle=1m;server.linger2=-1;"
			    "client.fault=vanish;client.at=after-fin;client.mode=raw;client.program=builtin;"
			    "middlebox.fault=none;middlebox.at=after-fin;middlebox.direction=both;"
			    "middlebox.idle_timeout=350s;middlebox.loss=0%;"
			    "expect.fin_wait2=1s..2s;expect.fin_wait1=model;expect.time_wait=model;expect.close_wait=model;expect.last_ack=model;expect.held=any;sysctl.net.ipv4.tcp_fin_timeout=3;"
			    "client.sysctl.net.ipv4.tcp_keepalive_time=4;");
	scen_kvlist_clear(&l);
	scenario_free(sc);
}

static void test_dup(void **state)
{
	struct scenario *sc = load_ok(two_axes), *d = scenario_dup(sc);
	(void)state;

	assert_non_null(d);
	assert_int_equal(d->n_axes, 2);
	assert_ptr_not_equal(d->axes, sc->axes);
	assert_string_equal(d->axes[0].values[2], "4");
	scenario_free(sc);
	assert_int_equal(scenario_cell_count(d), 6);
	scenario_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_product_order_names),
		cmocka_unit_test(test_no_axes),
		cmocka_unit_test(test_cli_matrix_and_set),
		cmocka_unit_test(test_short_name_clash),
		cmocka_unit_test(test_cell_limit),
		cmocka_unit_test(test_cell_validation),
		cmocka_unit_test(test_wide_axis),
		cmocka_unit_test(test_flatten),
		cmocka_unit_test(test_dup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
