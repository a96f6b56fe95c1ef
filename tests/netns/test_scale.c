/* Cells larger than one process: a cell with more connections than one process may
 * hold descriptors runs (finwait-server splits itself, as the clients are split) and the
 * orchestrator still names the processes that hold the server's sockets. The descriptor
 * limit is lowered for good by the test that needs it (it runs last), so a small cell
 * needs the split. Runs the real binaries in
 * real namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "runcmd.h"
#include "util.h"

/* The descriptor limit of the run: one process can hold fewer than LOW_NOFILE - 64
 * connections, and the cell has more. */
#define LOW_NOFILE 256
#define SPLIT_CONNS 600

/* Without CAP_SYS_RESOURCE, as here: a process cannot raise its hard limit back. With
 * it, drop it, so that the endpoints meet the limit as users without it do. */
static void lose_cap_sys_resource(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	assert_int_equal(syscall(SYS_capget, &h, d), 0);
	d[CAP_SYS_RESOURCE / 32].effective &= ~(1u << (CAP_SYS_RESOURCE % 32));
	d[CAP_SYS_RESOURCE / 32].permitted &= ~(1u << (CAP_SYS_RESOURCE % 32));
	d[CAP_SYS_RESOURCE / 32].inheritable &= ~(1u << (CAP_SYS_RESOURCE % 32));
	assert_int_equal(syscall(SYS_capset, &h, d), 0);
}

/* Lowers this process's RLIMIT_NOFILE, hard and soft, to nofile for good (the finwait
 * it runs inherits it), and checks that it cannot be raised again. */
static void lower_nofile(long nofile)
{
	struct rlimit rl = { (rlim_t)nofile, (rlim_t)nofile };

	lose_cap_sys_resource();
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_max = rl.rlim_cur = (rlim_t)nofile * 4;
	assert_int_not_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* Copies what the run tag printed to stderr. */
static void show(const char *tag)
{
	char *out = output(tag, "out"), *err = output(tag, "err");

	fprintf(stderr, "%s%s", out ? out : "", err ? err : "");
	free(out);
	free(err);
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

/* The distinct pids named as holders in the cell's phases. */
static size_t holder_pids(json_object *cell, int *pids, size_t max)
{
	json_object *conns = get(cell, "connections");
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(conns); i++) {
		json_object *sts = get(json_object_array_get_idx(conns, i), "states");

		for (size_t j = 0; j < json_object_array_length(sts); j++) {
			json_object *phs, *pid;
			size_t k, m;

			if (!json_object_object_get_ex(json_object_array_get_idx(sts, j), "phases",
						       &phs))
				continue;
			for (k = 0; k < json_object_array_length(phs); k++) {
				int p;

				if (!json_object_object_get_ex(json_object_array_get_idx(phs, k),
							       "pid", &pid) || !pid)
					continue;
				p = json_object_get_int(pid);
				for (m = 0; m < n && pids[m] != p; m++)
					;
				if (m == n && n < max)
					pids[n++] = p;
			}
		}
	}
	return n;
}

/* 600 connections held open by the server (shutdown keeps each descriptor; the frozen
 * client never sends its FIN) under a limit of 256 descriptors a process: finwait-server
 * must split itself into at least four processes, the clients into several, and the cell
 * passes with every connection accounted for and each holder named (the sockets are
 * held for the whole limit, so every one is looked up). Before the split the server
 * reported its limit and the cell failed. */
static void test_server_split(void **state)
{
	char ini[4200], json[4200];
	const char *args[] = { "run", ini, "--json", json, NULL };
	json_object *root, *cell;
	int pids[64], rc;
	size_t np;
	(void)state;

	snprintf(ini, sizeof(ini), "%s/split.ini", tmpdir);
	snprintf(json, sizeof(json), "%s/split.json", tmpdir);
	write_file(ini, "[scenario]\nname = split\nconnections = 600\nlimit = 2s\n\n"
			"[server]\nclose = shutdown\n\n[client]\nfault = freeze\nat = after-fin\n\n"
			"[expect]\nfin_wait2 = forever\n");
	lower_nofile(LOW_NOFILE);
	rc = run("split", args);
	if (rc != 0)
		show("split");
	assert_int_equal(rc, 0);
	root = json_object_from_file(json);
	assert_non_null(root);
	cell = json_object_array_get_idx(get(root, "cells"), 0);
	assert_string_equal(json_object_get_string(get(cell, "verdict")), "pass");
	assert_int_equal(json_object_array_length(get(cell, "connections")), SPLIT_CONNS);
	/* Held sockets were seen in more than one server process, each named. */
	np = holder_pids(cell, pids, ARRAY_SIZE(pids));
	if (np < (SPLIT_CONNS + LOW_NOFILE - 65) / (LOW_NOFILE - 64))
		show("split");
	assert_true(np >= (SPLIT_CONNS + LOW_NOFILE - 65) / (LOW_NOFILE - 64));
	assert_true(json_object_get_boolean(get(get(cell, "server_sockopts"), "read")));
	json_object_put(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_split),
	};
	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
