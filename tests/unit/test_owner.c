/* Unit tests for owner.c and sockopts.c without privilege: the link parser, the inode
 * map, whole walks over a fake procfs tree (processes in two namespaces, a socket shared
 * by two processes, the rescan period), and the options of this process's own sockets
 * read back through sockopts_read_fd(). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "owner.h"
#include "sockopts.h"
#include "util.h"

#define MS NSEC_PER_MSEC

static void test_parse_link(void **state)
{
	(void)state;
	assert_int_equal(owner_parse_link("socket:[12345]"), 12345);
	assert_int_equal(owner_parse_link("socket:[4294967296]"), 4294967296ull);
	assert_int_equal(owner_parse_link("socket:[]"), 0);
	assert_int_equal(owner_parse_link("socket:[12"), 0);
	assert_int_equal(owner_parse_link("socket:[12]x"), 0);
	assert_int_equal(owner_parse_link("pipe:[12]"), 0);
	assert_int_equal(owner_parse_link("/dev/null"), 0);
	assert_int_equal(owner_parse_link("socket:[99999999999999999999999]"), 0);
}

static void test_inode_map(void **state)
{
	struct inode_map m = { 0 };
	uint32_t v;

	(void)state;
	assert_false(inode_map_get(&m, 1, &v));
	assert_int_equal(inode_map_put(&m, 0, 1), -EINVAL);
	for (uint32_t i = 1; i <= 5000; i++)
		assert_int_equal(inode_map_put(&m, 1000000 + i, i), 0);
	/* The first value put stays. */
	assert_int_equal(inode_map_put(&m, 1000007, 99), 0);
	assert_int_equal(m.n, 5000);
	for (uint32_t i = 1; i <= 5000; i++) {
		assert_true(inode_map_get(&m, 1000000 + i, &v));
		assert_int_equal(v, i);
	}
	assert_false(inode_map_get(&m, 1000000, &v));
	assert_false(inode_map_get(&m, 0, &v));
	inode_map_free(&m);
	assert_int_equal(m.cap, 0);
}

/* ---- a fake procfs ---- */

static char root[64];

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static void lnk(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* A process folder: PID/comm, PID/ns/net (its own file, or a link to another's for the
 * same namespace) and PID/fd. */
static void proc_dir(const char *pid, const char *comm, const char *same_ns_as)
{
	char a[128], b[128];

	mk(pid);
	snprintf(a, sizeof(a), "%s/ns", pid);
	mk(a);
	snprintf(a, sizeof(a), "%s/ns/net", pid);
	if (same_ns_as) {
		snprintf(b, sizeof(b), "%s/%s/ns/net", root, same_ns_as);
		lnk(b, a);
	} else {
		put(a, "");
	}
	snprintf(a, sizeof(a), "%s/comm", pid);
	put(a, comm);
	snprintf(a, sizeof(a), "%s/fd", pid);
	mk(a);
}

static int fake_setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/fw-owner-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	/* 100 and 300 share a namespace; 200 is in another. */
	proc_dir("100", "srv\n", NULL);
	proc_dir("200", "other\n", NULL);
	proc_dir("300", "worker\n", "100");
	mk("self");
	lnk("socket:[1001]", "100/fd/3");
	lnk("pipe:[5]", "100/fd/4");
	lnk("socket:[1002]", "100/fd/5");
	lnk("socket:[2001]", "200/fd/3");
	lnk("socket:[1001]", "300/fd/7");
	lnk("socket:[3001]", "300/fd/8");
	return 0;
}

static int fake_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static struct owner_ns ns_of(const char *pid)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s/ns/net", root, pid);
	assert_int_equal(stat(p, &st), 0);
	return (struct owner_ns){ (uint64_t)st.st_dev, (uint64_t)st.st_ino };
}

static void test_walk(void **state)
{
	struct owner_cache_conf conf = { root, 50 * MS };
	struct owner_ns ns = ns_of("100");
	struct owner_cache *c;
	struct owner o;

	(void)state;
	assert_int_equal(owner_cache_new(&ns, &conf, &c), 0);
	assert_int_equal(owner_lookup(c, 1002, 1000 * MS, &o), 0);
	assert_int_equal(o.pid, 100);
	assert_string_equal(o.comm, "srv");
	/* Shared by 100 and 300: the lower pid. */
	assert_int_equal(owner_lookup(c, 1001, 1000 * MS, &o), 0);
	assert_int_equal(o.pid, 100);
	assert_int_equal(owner_lookup(c, 3001, 1000 * MS, &o), 0);
	assert_int_equal(o.pid, 300);
	assert_string_equal(o.comm, "worker");
	assert_int_equal(owner_cache_walks(c, NULL), 1);
	/* Another namespace's socket is nobody's here; the walk just done is too recent to
	 * look again, until the period has passed (seconds later: the period is also at least
	 * four times the last walk, which under valgrind takes over 12 ms). */
	assert_int_equal(owner_lookup(c, 2001, 1001 * MS, &o), -EAGAIN);
	assert_int_equal(owner_lookup(c, 2001, 3000 * MS, &o), -ENOENT);
	assert_int_equal(owner_cache_walks(c, NULL), 2);
	/* A new connection appears after the walk. */
	lnk("socket:[4000]", "300/fd/9");
	assert_int_equal(owner_lookup(c, 4000, 3010 * MS, &o), -EAGAIN);
	assert_int_equal(owner_lookup(c, 1002, 3010 * MS, &o), 0);
	assert_int_equal(owner_lookup(c, 4000, 5000 * MS, &o), 0);
	assert_int_equal(o.pid, 300);
	assert_int_equal(owner_cache_walks(c, NULL), 3);
	assert_int_equal(owner_lookup(c, 0, 2000 * MS, &o), -EINVAL);
	owner_cache_free(c);
	owner_cache_free(NULL);
}

static void test_other_ns_and_fd_of(void **state)
{
	struct owner_cache_conf conf = { root, 0 };
	struct owner_ns ns = ns_of("200");
	struct owner_cache *c;
	struct owner o;
	int fd = -1;

	(void)state;
	assert_int_equal(owner_cache_new(&ns, &conf, &c), 0);
	assert_int_equal(owner_cache_walk(c, 0), 0);
	assert_int_equal(owner_lookup(c, 2001, 0, &o), 0);
	assert_int_equal(o.pid, 200);
	assert_string_equal(o.comm, "other");
	assert_int_equal(owner_lookup(c, 1002, 1, &o), -EAGAIN);
	owner_cache_free(c);

	assert_int_equal(owner_fd_of(root, 300, 3001, &fd), 0);
	assert_int_equal(fd, 8);
	assert_int_equal(owner_fd_of(root, 300, 1002, &fd), -ENOENT);
	assert_int_equal(owner_fd_of(root, 999, 1002, &fd), -ESRCH);
}

/* ---- this process's own sockets ---- */

static int read_sysctl(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int opt(const struct sockopts *o, const char *name)
{
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		int v;

		if (!strcmp(fw_keys[i].name, name) && fw_keys[i].scope == FW_SCOPE_SERVER) {
			assert_true(sockopts_get(o, &fw_keys[i], &v));
			return v;
		}
	}
	fail_msg("no row %s", name);
	return 0;
}

static void setint(int fd, int level, int name, int v)
{
	assert_int_equal(setsockopt(fd, level, name, &v, sizeof(v)), 0);
}

/* A fresh socket reads back the namespace's sysctls where it has no value of its own. */
static void test_read_defaults(void **state)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockopts o;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(sockopts_read_fd(fd, &o), 0);
	assert_int_equal(o.cfg.has, FW_HAS_KEEPALIVE | FW_HAS_KEEPIDLE | FW_HAS_KEEPINTVL |
			 FW_HAS_KEEPCNT | FW_HAS_LINGER2 | FW_HAS_USER_TIMEOUT | FW_HAS_SNDBUF);
	assert_int_equal(opt(&o, "keepalive"), 0);
	assert_int_equal(opt(&o, "keepidle"),
			 read_sysctl("/proc/sys/net/ipv4/tcp_keepalive_time"));
	assert_int_equal(opt(&o, "keepintvl"),
			 read_sysctl("/proc/sys/net/ipv4/tcp_keepalive_intvl"));
	assert_int_equal(opt(&o, "keepcnt"),
			 read_sysctl("/proc/sys/net/ipv4/tcp_keepalive_probes"));
	assert_int_equal(opt(&o, "linger2"), read_sysctl("/proc/sys/net/ipv4/tcp_fin_timeout"));
	assert_int_equal(opt(&o, "user_timeout"), 0);
	assert_true(opt(&o, "sndbuf") > 0);
	assert_true(o.has_linger);
	assert_false(o.linger_on);
	close(fd);
}

static void test_read_set(void **state)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0), udp = socket(AF_INET, SOCK_DGRAM, 0);
	struct linger lg = { 1, 3 };
	struct sockopts o, p;

	(void)state;
	assert_true(fd >= 0 && udp >= 0);
	setint(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
	setint(fd, IPPROTO_TCP, TCP_KEEPIDLE, 7);
	setint(fd, IPPROTO_TCP, TCP_KEEPINTVL, 3);
	setint(fd, IPPROTO_TCP, TCP_KEEPCNT, 4);
	setint(fd, IPPROTO_TCP, TCP_LINGER2, 5);
	setint(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 1500);
	setint(fd, SOL_SOCKET, SO_SNDBUF, 8192);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(sockopts_read_fd(fd, &o), 0);
	assert_int_equal(opt(&o, "keepalive"), 1);
	assert_int_equal(opt(&o, "keepidle"), 7);
	assert_int_equal(opt(&o, "keepintvl"), 3);
	assert_int_equal(opt(&o, "keepcnt"), 4);
	assert_int_equal(opt(&o, "linger2"), 5);
	assert_int_equal(opt(&o, "user_timeout"), 1500);
	assert_int_equal(opt(&o, "sndbuf"), 16384); /* the kernel doubles it */
	assert_true(o.linger_on);
	assert_int_equal(o.linger_s, 3);
	assert_true(sockopts_equal(&o, &o));

	/* TCP_LINGER2 < 0: no FIN_WAIT2, read back as -1. */
	setint(fd, IPPROTO_TCP, TCP_LINGER2, -5);
	assert_int_equal(sockopts_read_fd(fd, &p), 0);
	assert_int_equal(opt(&p, "linger2"), -1);
	assert_false(sockopts_equal(&o, &p));

	assert_int_equal(sockopts_read_fd(udp, &p), -ENOTSOCK);
	assert_int_equal(sockopts_read_fd(STDIN_FILENO + 1000, &p), -EBADF);
	close(fd);
	close(udp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_link),
		cmocka_unit_test(test_inode_map),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_other_ns_and_fd_of),
		cmocka_unit_test(test_read_defaults),
		cmocka_unit_test(test_read_set),
	};

	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
