/* Unit tests for sysctl.c's pure parts: the key classifier and the /proc/sys path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sysctl.h"

static void test_per_namespace(void **state)
{
	(void)state;
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_fin_timeout"), 0);
	assert_int_equal(sysctl_key_check("net/ipv4/tcp_fin_timeout"), 0);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_keepalive_time"), 0);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_orphan_retries"), 0);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_max_tw_buckets"), 0);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_rmem"), 0);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_child_ehash_entries"), 0);
	assert_int_equal(sysctl_key_check("net.ipv4.conf.all.forwarding"), 0);
	assert_int_equal(sysctl_key_check("net.ipv4.route.min_pmtu"), 0);
	assert_int_equal(sysctl_key_check("net.ipv6.conf.fw-srv.accept_dad"), 0);
	assert_int_equal(sysctl_key_check("net/ipv4/conf/eth0.1/forwarding"), 0);
	assert_int_equal(sysctl_key_check("net.core.somaxconn"), 0);
	assert_int_equal(sysctl_key_check("net.core.optmem_max"), 0);
	assert_int_equal(sysctl_key_check("net.unix.max_dgram_qlen"), 0);
}

static void test_global(void **state)
{
	(void)state;
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_max_orphans"), -EPERM);
	assert_int_equal(sysctl_key_check("net/ipv4/tcp_max_orphans"), -EPERM);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_mem"), -EPERM);
	assert_int_equal(sysctl_key_check("net.ipv4.udp_mem"), -EPERM);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_low_latency"), -EPERM);
	assert_int_equal(sysctl_key_check("net.ipv4.route.gc_timeout"), -EPERM);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_allowed_congestion_control"), -EPERM);
	assert_int_equal(sysctl_key_check("net.ipv6.mld_qrv"), -EPERM);
	assert_int_equal(sysctl_key_check("net.core.rmem_max"), -EPERM);
	assert_int_equal(sysctl_key_check("net.core.netdev_max_backlog"), -EPERM);
	assert_int_equal(sysctl_key_check("net.core.default_qdisc"), -EPERM);
	assert_int_equal(sysctl_key_check("net.netfilter.nf_log_all_netns"), -EPERM);
	assert_int_equal(sysctl_key_check("kernel.hostname"), -EPERM);
	assert_int_equal(sysctl_key_check("vm.swappiness"), -EPERM);
	assert_int_equal(sysctl_key_check("fs/file-max"), -EPERM);
	assert_int_equal(sysctl_key_check("net"), -EPERM);
	/* A prefix of a per-namespace key is not that key. */
	assert_int_equal(sysctl_key_check("net.ipv4x.tcp_fin_timeout"), -EPERM);
}

static void test_malformed(void **state)
{
	char big[SYSCTL_KEY_MAX + 8];
	(void)state;
	assert_int_equal(sysctl_key_check(NULL), -EINVAL);
	assert_int_equal(sysctl_key_check(""), -EINVAL);
	assert_int_equal(sysctl_key_check("."), -EINVAL);
	assert_int_equal(sysctl_key_check("net..ipv4"), -EINVAL);
	assert_int_equal(sysctl_key_check(".net.ipv4.tcp_fin_timeout"), -EINVAL);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_fin_timeout."), -EINVAL);
	assert_int_equal(sysctl_key_check("/net/ipv4/tcp_fin_timeout"), -EINVAL);
	assert_int_equal(sysctl_key_check("net/ipv4/../../kernel/hostname"), -EINVAL);
	assert_int_equal(sysctl_key_check("net/ipv4/./tcp_fin_timeout"), -EINVAL);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp_fin_timeout=3"), -EINVAL);
	assert_int_equal(sysctl_key_check("net.ipv4.tcp fin"), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "net.ipv4.", 9);
	assert_int_equal(sysctl_key_check(big), -EINVAL);
}

static void test_path(void **state)
{
	char buf[128], small[12];
	(void)state;
	assert_int_equal(sysctl_key_path("net.ipv4.tcp_fin_timeout", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv4/tcp_fin_timeout");
	assert_int_equal(sysctl_key_path("net/ipv4/conf/eth0.1/forwarding", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv4/conf/eth0.1/forwarding");
	assert_int_equal(sysctl_key_path("net..x", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysctl_key_path("net.ipv4.tcp_fin_timeout", small, sizeof(small)),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_namespace),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
