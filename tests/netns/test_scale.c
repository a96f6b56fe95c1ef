/* Cells larger than one process: a cell with more connections than one process may
 * hold descriptors runs (finwait-server splits itself, as the clients are split) and the
 * orchestrator still names the processes that hold the server's sockets. The descriptor
 * limit is lowered for the run, so a small cell needs the split. Runs the real binaries in
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

#include "util.h"

/* The descriptor limit of the run: one process can hold fewer than LOW_NOFILE - 64
 * connections, and the cell has more. */
#define LOW_NOFILE 256
#define SPLIT_CONNS 600

static char finwait[4096];
static char tmpdir[] = "/tmp/fwtest-scale-XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

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

/* Runs finwait with args (NULL-terminated) under RLIMIT_NOFILE nofile (0: as is), its
 * stdout and stderr in tmpdir/tag.out and .err. Returns the exit code. */
static int run_finwait(const char *tag, long nofile, const char *const *args)
{
	const char *argv[16] = { finwait };
	char out[4200], err[4200];
	int status;
	pid_t pid;

	for (size_t n = 1; args[n - 1] && n < 15; n++)
		argv[n] = args[n - 1];
	snprintf(out, sizeof(out), "%s/%s.out", tmpdir, tag);
	snprintf(err, sizeof(err), "%s/%s.err", tmpdir, tag);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { (rlim_t)nofile, (rlim_t)nofile };

		dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
		dup2(open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
		if (nofile) {
			lose_cap_sys_resource();
			rl.rlim_max = rl.rlim_cur = (rlim_t)nofile;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				_exit(120);
			rl.rlim_max = rl.rlim_cur = (rlim_t)nofile * 4;
			if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
				_exit(121); /* could still be raised: the test would prove nothing */
		}
		execv(finwait, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Copies tag's output to stderr: what a failing run said. */
static void show(const char *tag)
{
	char path[4200], buf[4096];
	size_t n;
	FILE *f;

	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s.%s", tmpdir, tag, k ? "err" : "out");
		if (!(f = fopen(path, "r")))
			continue;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stderr);
		fclose(f);
	}
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
	rc = run_finwait("split", LOW_NOFILE, args);
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

static int setup(void **state)
{
	const char *b = getenv("FINWAIT_BUILD_DIR");
	(void)state;

	if (geteuid() != 0 && access("/proc/self/ns/user", F_OK)) {
		fprintf(stderr, "no namespaces here\n");
		exit(77);
	}
	snprintf(finwait, sizeof(finwait), "%s/harness/finwait", b ? b : ".");
	if (access(finwait, X_OK)) {
		fprintf(stderr, "%s not built\n", finwait);
		return -1;
	}
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[200];
	(void)state;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_split),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
