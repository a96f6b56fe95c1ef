/* Namespace tests for nft.c: an agent sets nftables rules inside one namespace of a
 * cell; nft_isolate() makes the client host vanish (no answer, not even a reset) while the
 * server's link keeps its carrier, and brings it back; refused rules come back as
 * -EINVAL with nftables' message; the agent holds no descriptor of ours and is reaped. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lab.h"
#include "link.h"
#include "netns.h"
#include "nft.h"

/* Connects from the server's namespace to a port of the client's with no listener.
 * Returns the error seen within wait_ms: -ECONNREFUSED (a reset came back) or
 * -ETIMEDOUT (nothing did). */
static int probe_client(struct cell *c, int wait_ms)
{
	const struct cell_addrs *a = cell_addrs(c);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9),
				   .sin_addr = a->v4.client.v4 };
	struct pollfd p = { .events = POLLOUT };
	int saved = -1, err = 0, ret;
	socklen_t len = sizeof(err);

	assert_int_equal(netns_enter(cell_netns(c, CELL_SERVER), &saved), 0);
	p.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_int_equal(netns_leave(saved), 0);
	assert_true(p.fd >= 0);
	ret = connect(p.fd, (struct sockaddr *)&sin, sizeof(sin));
	assert_true(ret < 0 && errno == EINPROGRESS);
	if (poll(&p, 1, wait_ms) == 0) {
		ret = -ETIMEDOUT;
	} else {
		assert_int_equal(getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
		ret = -err;
	}
	close(p.fd);
	return ret;
}

static bool server_oper_up(struct cell *c)
{
	struct nl_sock *sk = NULL;
	bool admin = false, oper = false;

	assert_int_equal(link_sock_open(cell_netns(c, CELL_SERVER), false, &sk), 0);
	assert_int_equal(link_state(sk, cell_addrs(c)->ifindex[CELL_SERVER], &admin, &oper), 0);
	link_sock_close(sk);
	return admin && oper;
}

/* The descriptors of pid that are not sockets (its own: ours and libnftables'). */
static int count_other_fds(pid_t pid)
{
	char path[64], link[330], target[128];
	struct dirent *e;
	ssize_t n;
	DIR *d;
	int others = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		assert_true(n > 0);
		target[n] = '\0';
		others += strncmp(target, "socket:", 7) != 0;
	}
	closedir(d);
	return others;
}

static void test_isolate(void **state)
{
	struct nft_agent ag = { 0, -1 };
	struct lab *lab = NULL;
	struct cell *c = NULL;
	char msg[200];
	pid_t pid;
	int ret = lab_open(&lab, 0, NULL);

	if (ret && lab_err_is_skip(ret))
		skip();
	(void)state;
	assert_int_equal(ret, 0);
	assert_int_equal(cell_create(lab, 5, &c, NULL), 0);
	assert_int_equal(nft_agent_start(&ag, cell_netns(c, CELL_CLIENT), msg, sizeof(msg)), 0);
	/* Only sockets: no pipe or namespace of ours is kept alive by it. */
	assert_int_equal(count_other_fds(ag.pid), 0);
	assert_int_equal(nft_isolate_prepare(&ag, cell_addrs(c)->ifname[CELL_CLIENT], msg,
					     sizeof(msg)), 0);
	assert_int_equal(probe_client(c, 2000), -ECONNREFUSED);

	assert_int_equal(nft_isolate(&ag, true, msg, sizeof(msg)), 0);
	/* Gone: no reset, no ICMP within a SYN retransmission; the server's link is up. */
	assert_int_equal(probe_client(c, 1500), -ETIMEDOUT);
	assert_true(server_oper_up(c));

	assert_int_equal(nft_isolate(&ag, false, msg, sizeof(msg)), 0);
	assert_int_equal(probe_client(c, 2000), -ECONNREFUSED);

	/* Refused rules: -EINVAL and nftables' own first line. */
	assert_int_equal(nft_agent_run(&ag, "add rule netdev nosuch in drop\n", msg,
				       sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "nftables refused the rules: Error:"));
	/* The agent still serves. */
	assert_int_equal(nft_agent_run(&ag, "list ruleset\n", msg, sizeof(msg)), 0);

	pid = ag.pid;
	nft_agent_stop(&ag);
	assert_int_equal(ag.pid, 0);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	nft_agent_stop(&ag);	/* idempotent */
	assert_int_equal(nft_agent_run(&ag, "list ruleset\n", msg, sizeof(msg)), -EINVAL);
	cell_destroy(c);
	lab_close(lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isolate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
