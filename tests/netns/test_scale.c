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
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lab.h"
#include "netns/scalejson.h"
#include "netns.h"
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
/* Runs finwait (args) and expects exit 0 (else shows what it said); the first cell of
 * its JSON report json, whose root is *root (put it when done). */
static json_object *run_cell(const char *tag, const char *const *args, const char *json,
			     json_object **root)
{
	int rc = run(tag, args);

	if (rc != 0)
		show(tag);
	assert_int_equal(rc, 0);
	*root = json_object_from_file(json);
	assert_non_null(*root);
	return json_object_array_get_idx(get(*root, "cells"), 0);
}

/* rate = 200/s over 3 s: 600 connections spread over the duration (not all at once), and
 * a FIN_WAIT2 plateau judged against Little's law, near 200 x 1 s and not above its
 * prediction's top. */
static void test_rate_plateau(void **state)
{
	char json[4200];
	const char *args[] = { "run", "busy-server-rate", "--set", "client.fault=freeze",
			       "--json", json, NULL };
	json_object *root, *cell, *fw2;
	(void)state;

	snprintf(json, sizeof(json), "%s/rate.json", tmpdir);
	cell = run_cell("rate", args, json, &root);
	assert_int_equal(json_object_array_length(get(cell, "connections")), 600);
	/* Spread over the 3 s, not opened at once (a burst takes ~0.1 s). */
	assert_true(established_span(cell) > 2.5);
	fw2 = get(get(cell, "plateau"), "FIN_WAIT2");
	assert_string_equal(json_object_get_string(get(fw2, "verdict")), "pass");
	assert_true(json_object_get_int(get(fw2, "measured")) >= 190);
	assert_true(json_object_get_int(get(fw2, "measured")) <=
		    json_object_get_int(get(fw2, "max")));
	json_object_put(root);
}

/* A TCP socket of family in namespace ns. */
static int socket_in(int ns, int family)
{
	int saved = -1, fd;

	assert_int_equal(netns_enter(ns, &saved), 0);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(netns_leave(saved), 0);
	assert_true(fd >= 0);
	return fd;
}

static socklen_t sa_of(int family, const void *addr, uint16_t port,
		       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		memcpy(&a->sin_addr, addr, sizeof(a->sin_addr));
		a->sin_port = htons(port);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

	memcpy(&a->sin6_addr, addr, sizeof(a->sin6_addr));
	a->sin6_port = htons(port);
	return sizeof(*a);
}

/* One connection from the client's extra address k to the server: the server sees it
 * come from that address. */
static void connect_from(struct cell *cell, int family, unsigned k)
{
	const struct cell_addrs *a = cell_addrs(cell);
	const void *srv = family == AF_INET ? (const void *)&a->v4.server.v4
					    : (const void *)&a->v6.server.v6;
	unsigned char src[sizeof(struct in6_addr)];
	struct sockaddr_storage ss, peer;
	socklen_t len, plen = sizeof(peer);
	int l = socket_in(cell_netns(cell, CELL_SERVER), family);
	int c = socket_in(cell_netns(cell, CELL_CLIENT), family), s;

	len = sa_of(family, srv, 0, &ss);
	assert_int_equal(bind(l, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(addr_client_extra(a->slot, family, k, src), 0);
	len = sa_of(family, src, 0, &peer);
	assert_int_equal(bind(c, (struct sockaddr *)&peer, len), 0);
	assert_int_equal(connect(c, (struct sockaddr *)&ss, len), 0);
	s = accept(l, (struct sockaddr *)&peer, &plen);
	assert_true(s >= 0);
	assert_memory_equal(family == AF_INET ? (void *)&((struct sockaddr_in *)&peer)->sin_addr
					      : (void *)&((struct sockaddr_in6 *)&peer)->sin6_addr,
			    src, family == AF_INET ? 4 : 16);
	close(s);
	close(c);
	close(l);
}

/* The client's extra addresses (what lets a cell hold more connections than one
 * address's 64 512 source ports): both families reach the server from each of them,
 * at once (an IPv6 address not yet announced would cost a 1 s retransmission: the
 * connect is bounded by the test's timeout only, so its time is checked too). */
static void test_client_addrs(void **state)
{
	struct lab *lab = NULL;
	struct cell *cell = NULL;
	struct fw_err err;
	(void)state;

	assert_int_equal(lab_open(&lab, 0, &err), 0);
	assert_int_equal(cell_create(lab, 7, &cell, &err), 0);
	assert_int_equal(cell_client_addrs(cell, ADDR_CLIENT_EXTRA, &err), 0);
	for (unsigned k = 0; k < ADDR_CLIENT_EXTRA; k++) {
		int64_t t0 = mono_ns();

		connect_from(cell, AF_INET, k);
		connect_from(cell, AF_INET6, k);
		assert_true(mono_ns() - t0 < 900 * NSEC_PER_MSEC);
	}
	assert_int_equal(cell_client_addrs(cell, ADDR_CLIENT_EXTRA + 1, &err), -ERANGE);
	cell_destroy(cell);
	lab_close(lab);
}

static void test_server_split(void **state)
{
	char ini[4200], json[4200];
	const char *args[] = { "run", ini, "--json", json, NULL };
	json_object *root, *cell;
	int pids[64];
	size_t np;
	(void)state;

	snprintf(ini, sizeof(ini), "%s/split.ini", tmpdir);
	snprintf(json, sizeof(json), "%s/split.json", tmpdir);
	write_file(ini, "[scenario]\nname = split\nconnections = 600\nlimit = 2s\n\n"
			"[server]\nclose = shutdown\n\n[client]\nfault = freeze\nat = after-fin\n\n"
			"[expect]\nfin_wait2 = forever\n");
	lower_nofile(LOW_NOFILE);
	cell = run_cell("split", args, json, &root);
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
		cmocka_unit_test(test_client_addrs),
		cmocka_unit_test(test_rate_plateau),
		cmocka_unit_test(test_server_split), /* last: it lowers the limit for good */
	};
	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
