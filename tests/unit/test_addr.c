/* Unit tests for addr.c: the slot -> address allocator. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "addr.h"

static void check_str(int family, const void *a, const char *want)
{
	char buf[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(family, a, buf, sizeof(buf)));
	assert_string_equal(buf, want);
}

static void test_first_last(void **state)
{
	struct addr_pair p;
	(void)state;
	assert_int_equal(addr_slot(0, AF_INET, &p), 0);
	assert_int_equal(p.prefixlen, 30);
	check_str(AF_INET, &p.net.v4, "198.18.0.0");
	check_str(AF_INET, &p.server.v4, "198.18.0.1");
	check_str(AF_INET, &p.client.v4, "198.18.0.2");
	assert_int_equal(addr_slot(ADDR_SLOTS - 1, AF_INET, &p), 0);
	check_str(AF_INET, &p.server.v4, "198.18.255.253");
	check_str(AF_INET, &p.client.v4, "198.18.255.254");

	assert_int_equal(addr_slot(0, AF_INET6, &p), 0);
	assert_int_equal(p.prefixlen, 64);
	check_str(AF_INET6, &p.server.v6, "fd46:696e::1");
	check_str(AF_INET6, &p.client.v6, "fd46:696e::2");
	assert_int_equal(addr_slot(ADDR_SLOTS - 1, AF_INET6, &p), 0);
	check_str(AF_INET6, &p.server.v6, "fd46:696e:0:3fff::1");
	assert_int_equal(addr_slot(4097, AF_INET6, &p), 0);
	check_str(AF_INET6, &p.client.v6, "fd46:696e:0:1001::2");
}

static void test_limits(void **state)
{
	struct addr_pair p;
	(void)state;
	assert_true(ADDR_SLOTS >= 4096);
	assert_int_equal(addr_slot(ADDR_SLOTS, AF_INET, &p), -ERANGE);
	assert_int_equal(addr_slot(ADDR_SLOTS, AF_INET6, &p), -ERANGE);
	assert_int_equal(addr_slot(~0u, AF_INET, &p), -ERANGE);
	assert_int_equal(addr_slot(0, AF_UNIX, &p), -EAFNOSUPPORT);
	assert_int_equal(addr_slot(0, AF_INET, NULL), -EINVAL);
}

/* Every slot's /30 lies in 198.18.0.0/15, is aligned, and no two slots share an
 * address; likewise for the /64s. */
static void test_no_overlap(void **state)
{
	uint8_t *seen4 = calloc(1u << 17, 1); /* one byte per address of the /15 */
	uint8_t *seen6 = calloc(ADDR_SLOTS, 1);
	(void)state;
	assert_non_null(seen4);
	assert_non_null(seen6);
	for (unsigned s = 0; s < ADDR_SLOTS; s++) {
		struct addr_pair p4, p6;
		uint32_t net, srv, cli, key;

		assert_int_equal(addr_slot(s, AF_INET, &p4), 0);
		assert_int_equal(addr_slot(s, AF_INET6, &p6), 0);
		assert_true(addr_in_lab(AF_INET, &p4.server.v4));
		assert_true(addr_in_lab(AF_INET, &p4.client.v4));
		assert_true(addr_in_lab(AF_INET6, &p6.server.v6));
		assert_true(addr_in_lab(AF_INET6, &p6.client.v6));
		net = ntohl(p4.net.v4.s_addr);
		srv = ntohl(p4.server.v4.s_addr);
		cli = ntohl(p4.client.v4.s_addr);
		assert_int_equal(net & 3u, 0);
		assert_int_equal(srv, net + 1);
		assert_int_equal(cli, net + 2);
		/* Each /30 is new: mark all four of its addresses. */
		for (uint32_t a = net; a < net + 4; a++) {
			assert_int_equal(seen4[a - 0xc6120000u], 0);
			seen4[a - 0xc6120000u] = 1;
		}
		/* The /64 is bits 32..63; the host parts are ::1 and ::2. */
		key = (uint32_t)p6.net.v6.s6_addr[4] << 24 | (uint32_t)p6.net.v6.s6_addr[5] << 16 |
		      (uint32_t)p6.net.v6.s6_addr[6] << 8 | p6.net.v6.s6_addr[7];
		assert_true(key < ADDR_SLOTS);
		assert_int_equal(seen6[key], 0);
		seen6[key] = 1;
		assert_memory_equal(p6.server.v6.s6_addr, p6.net.v6.s6_addr, 15);
		assert_int_equal(p6.server.v6.s6_addr[15], 1);
		assert_int_equal(p6.client.v6.s6_addr[15], 2);
	}
	free(seen4);
	free(seen6);
}

/* The extra client addresses: four a slot in 198.19.0.0/16, never a slot's own address
 * nor another slot's extra; ::3 onwards in the slot's /64. */
static void test_client_extra(void **state)
{
	uint8_t *seen = calloc(1u << 16, 1);
	struct in_addr a4;
	struct in6_addr a6;
	(void)state;
	assert_non_null(seen);
	assert_int_equal(addr_client_extra(0, AF_INET, 0, &a4), 0);
	check_str(AF_INET, &a4, "198.19.0.0");
	assert_int_equal(addr_client_extra(1, AF_INET, 3, &a4), 0);
	check_str(AF_INET, &a4, "198.19.0.7");
	assert_int_equal(addr_client_extra(ADDR_SLOTS - 1, AF_INET, 3, &a4), 0);
	check_str(AF_INET, &a4, "198.19.255.255");
	assert_int_equal(addr_client_extra(4097, AF_INET6, 1, &a6), 0);
	check_str(AF_INET6, &a6, "fd46:696e:0:1001::4");
	assert_int_equal(addr_client_extra(0, AF_INET, ADDR_CLIENT_EXTRA, &a4), -ERANGE);
	assert_int_equal(addr_client_extra(ADDR_SLOTS, AF_INET, 0, &a4), -ERANGE);
	assert_int_equal(addr_client_extra(0, AF_UNIX, 0, &a4), -EAFNOSUPPORT);
	assert_int_equal(addr_client_extra(0, AF_INET, 0, NULL), -EINVAL);
	for (unsigned s = 0; s < ADDR_SLOTS; s++) {
		struct addr_pair p6;
		uint32_t first = 0;

		assert_int_equal(addr_slot(s, AF_INET6, &p6), 0);
		for (unsigned k = 0; k < ADDR_CLIENT_EXTRA; k++) {
			uint32_t h;

			assert_int_equal(addr_client_extra(s, AF_INET, k, &a4), 0);
			assert_true(addr_in_lab(AF_INET, &a4));
			h = ntohl(a4.s_addr);
			/* Outside every slot's /30 (198.18.0.0/16), in one /30 a slot. */
			assert_int_equal(h >> 16, 0xc613u);
			assert_int_equal(seen[h & 0xffffu], 0);
			seen[h & 0xffffu] = 1;
			if (k == 0)
				first = h;
			assert_int_equal(h >> (32 - ADDR_V4_EXTRA_PREFIX),
					 first >> (32 - ADDR_V4_EXTRA_PREFIX));
			assert_int_equal(addr_client_extra(s, AF_INET6, k, &a6), 0);
			assert_memory_equal(a6.s6_addr, p6.net.v6.s6_addr, 15);
			assert_int_equal(a6.s6_addr[15], 3 + k);
		}
	}
	free(seen);
}

static void test_in_lab(void **state)
{
	struct in_addr a4;
	struct in6_addr a6;
	(void)state;
	inet_pton(AF_INET, "198.17.255.255", &a4);
	assert_false(addr_in_lab(AF_INET, &a4));
	inet_pton(AF_INET, "198.20.0.0", &a4);
	assert_false(addr_in_lab(AF_INET, &a4));
	inet_pton(AF_INET, "198.19.0.1", &a4);
	assert_true(addr_in_lab(AF_INET, &a4));
	inet_pton(AF_INET6, "fd46:696f::1", &a6);
	assert_false(addr_in_lab(AF_INET6, &a6));
	inet_pton(AF_INET6, "fd46:696e:ffff:ffff::2", &a6);
	assert_true(addr_in_lab(AF_INET6, &a6));
	assert_false(addr_in_lab(AF_UNIX, &a6));
	assert_false(addr_in_lab(AF_INET, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_last),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_no_overlap),
		cmocka_unit_test(test_client_extra),
		cmocka_unit_test(test_in_lab),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
