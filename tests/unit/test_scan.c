/* Unit tests for the request and response scanners of endpoint_opts.c, fed whole and
 * one byte at a time (a TCP read can split anything anywhere). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "endpoint_opts.h"

static int reqs_whole(enum fw_mode m, const char *s)
{
	struct ep_req_scan r = { 0 };

	return ep_req_scan(&r, m, s, strlen(s));
}

static int reqs_bytewise(enum fw_mode m, const char *s)
{
	struct ep_req_scan r = { 0 };
	int n = 0;

	for (size_t i = 0; s[i]; i++)
		n += ep_req_scan(&r, m, s + i, 1);
	return n;
}

static void test_requests(void **state)
{
	static const struct {
		enum fw_mode mode;
		const char *in;
		int want;
	} cases[] = {
		{ FW_MODE_RAW, "hello\n", 1 },
		{ FW_MODE_RAW, "hello", 0 },
		{ FW_MODE_RAW, "a\nb\nc", 2 },
		{ FW_MODE_HTTP, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1 },
		{ FW_MODE_HTTP, "GET / HTTP/1.1\r\nHost: x\r\n", 0 },
		{ FW_MODE_HTTP, "GET / HTTP/1.1\nHost: x\n\n", 1 },
		/* Pipelined: two requests in one read. */
		{ FW_MODE_HTTP, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nA: b\r\n\r\n", 2 },
		/* A "\r\n" inside a line does not end anything. */
		{ FW_MODE_HTTP, "GET / HTTP/1.1\r\nX: \r\ny\r\n", 0 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(reqs_whole(cases[i].mode, cases[i].in), cases[i].want);
		assert_int_equal(reqs_bytewise(cases[i].mode, cases[i].in), cases[i].want);
	}
}

/* Returns the offset just after which the scanner says the response is complete when
 * fed byte by byte, or -1. */
static long resp_end_bytewise(enum fw_mode m, const char *s)
{
	struct ep_resp_scan r;

	ep_resp_scan_init(&r);
	for (size_t i = 0; s[i]; i++)
		if (ep_resp_scan(&r, m, s + i, 1))
			return (long)i + 1;
	return -1;
}

static bool resp_whole(enum fw_mode m, const char *s)
{
	struct ep_resp_scan r;

	ep_resp_scan_init(&r);
	return ep_resp_scan(&r, m, s, strlen(s));
}

static void test_http_responses(void **state)
{
	const char *ours = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
			   "Connection: keep-alive\r\n\r\nok\n";
	const char *nginx = "HTTP/1.1 200 OK\r\nServer: nginx\r\ncontent-length:  12\r\n\r\n"
			    "hello world\n";
	const char *empty = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
	const char *nolen = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
	const char *lookalike = "HTTP/1.1 200 OK\r\nX-Content-Length: 99\r\nContent-Length: 2\r\n\r\nhi";
	(void)state;

	assert_int_equal(resp_end_bytewise(FW_MODE_HTTP, ours), (long)strlen(ours));
	assert_true(resp_whole(FW_MODE_HTTP, ours));
	assert_int_equal(resp_end_bytewise(FW_MODE_HTTP, nginx), (long)strlen(nginx));
	assert_int_equal(resp_end_bytewise(FW_MODE_HTTP, empty), (long)strlen(empty));
	/* Without Content-Length the headers are the response. */
	assert_int_equal(resp_end_bytewise(FW_MODE_HTTP, nolen), (long)(strstr(nolen, "\r\n\r\n") - nolen) + 4);
	assert_int_equal(resp_end_bytewise(FW_MODE_HTTP, lookalike), (long)strlen(lookalike));

	/* Incomplete: headers only, or a short body. */
	struct ep_resp_scan r;
	ep_resp_scan_init(&r);
	assert_false(ep_resp_scan(&r, FW_MODE_HTTP, ours, strlen(ours) - 1));
	assert_true(ep_resp_scan(&r, FW_MODE_HTTP, "\n", 1));
	/* Once complete it stays complete. */
	assert_true(ep_resp_scan(&r, FW_MODE_HTTP, "junk", 4));
}

static void test_raw_responses(void **state)
{
	struct ep_resp_scan r;
	(void)state;

	assert_int_equal(resp_end_bytewise(FW_MODE_RAW, "ok\n"), 3);
	assert_int_equal(resp_end_bytewise(FW_MODE_RAW, "ok"), -1);
	ep_resp_scan_init(&r);
	assert_false(ep_resp_scan(&r, FW_MODE_RAW, "o", 1));
	assert_true(ep_resp_scan(&r, FW_MODE_RAW, "k\nmore", 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_http_responses),
		cmocka_unit_test(test_raw_responses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
