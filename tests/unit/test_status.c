/* Unit tests for status.c: status-line formatting, parsing and addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "status.h"

static void test_format_simple(void **state)
{
	struct status_line l;
	int n;
	(void)state;

	status_begin(&l, STATUS_ACCEPTED, 123456789012LL);
	status_add_long(&l, "id", 7);
	status_add(&l, "local", "198.18.0.1:8080");
	n = status_end(&l);
	assert_string_equal(l.buf, "accepted t=123456789012 id=7 local=198.18.0.1:8080\n");
	assert_int_equal(n, (int)strlen(l.buf));
	/* status_end is idempotent: a second call does not add a second newline. */
	assert_int_equal(status_end(&l), n);
}

static void test_quoting_round_trip(void **state)
{
	struct status_line l;
	struct status_event ev;
	(void)state;

	status_begin(&l, STATUS_ERROR, 5);
	status_add(&l, "op", "read");
	status_add(&l, "msg", "Connection reset by \"peer\" \\ a=b\nnext");
	status_add(&l, "empty", "");
	assert_true(status_end(&l) > 0);
	assert_non_null(strstr(l.buf, "msg=\"Connection reset by \\\"peer\\\" \\\\ a=b\\nnext\""));
	assert_non_null(strstr(l.buf, "empty=\"\""));

	assert_int_equal(status_parse(l.buf, &ev), 0);
	assert_int_equal(ev.type, STATUS_ERROR);
	assert_int_equal(ev.t, 5);
	assert_int_equal(ev.nkeys, 3);
	assert_string_equal(status_get(&ev, "op"), "read");
	assert_string_equal(status_get(&ev, "msg"), "Connection reset by \"peer\" \\ a=b\nnext");
	assert_string_equal(status_get(&ev, "empty"), "");
	assert_null(status_get(&ev, "nope"));
}

static void test_every_type_round_trips(void **state)
{
	(void)state;
	for (int i = 1; i < STATUS_TYPE_COUNT; i++) {
		struct status_line l;
		struct status_event ev;
		long long v = 0;

		status_begin(&l, (enum status_type)i, 1000 + i);
		status_add_long(&l, "n", -i);
		assert_true(status_end(&l) > 0);
		assert_int_equal(status_parse(l.buf, &ev), 0);
		assert_int_equal(ev.type, i);
		assert_int_equal(ev.t, 1000 + i);
		assert_int_equal(status_get_long(&ev, "n", &v), 0);
		assert_int_equal(v, -i);
		assert_int_equal(status_type_from_name(status_type_name((enum status_type)i)), i);
	}
	assert_null(status_type_name(STATUS_UNKNOWN));
	assert_null(status_type_name(STATUS_TYPE_COUNT));
}

static void test_parse_errors(void **state)
{
	struct status_event ev;
	long long v;
	char big[STATUS_LINE_MAX + 10];
	(void)state;

	assert_int_equal(status_parse("", &ev), -EINVAL);
	assert_int_equal(status_parse("accepted", &ev), -EINVAL);          /* no t= */
	assert_int_equal(status_parse("accepted id=1 t=5", &ev), -EINVAL);  /* t= not first */
	assert_int_equal(status_parse("accepted t=x", &ev), -EINVAL);
	assert_int_equal(status_parse("accepted t=1 id", &ev), -EINVAL);    /* no '=' */
	assert_int_equal(status_parse("accepted t=1 =3", &ev), -EINVAL);    /* empty key */
	assert_int_equal(status_parse("error t=1 msg=\"open", &ev), -EINVAL);
	assert_int_equal(status_parse("error t=1 msg=\"a\"b", &ev), -EINVAL);
	assert_int_equal(status_parse("error t=1 msg=\"bad \\q\"", &ev), -EINVAL);
	assert_int_equal(status_parse("error t=1 msg=a\"b", &ev), -EINVAL);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(status_parse(big, &ev), -ENOSPC);

	/* An unknown event is readable, with its type unknown. */
	assert_int_equal(status_parse("future-event t=9 x=1\n", &ev), 0);
	assert_int_equal(ev.type, STATUS_UNKNOWN);
	assert_int_equal(status_get_long(&ev, "x", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(status_get_long(&ev, "y", &v), -ENOENT);
	assert_int_equal(status_parse("opts t=1 keepidle=abc", &ev), 0);
	assert_int_equal(status_get_long(&ev, "keepidle", &v), -EINVAL);
}

static void test_parse_spacing(void **state)
{
	struct status_event ev;
	(void)state;

	/* Several spaces and a CRLF ending are tolerated. */
	assert_int_equal(status_parse("point t=10  at=after-fin   n=3\r\n", &ev), 0);
	assert_int_equal(ev.type, STATUS_POINT);
	assert_int_equal(ev.nkeys, 2);
	assert_string_equal(status_get(&ev, "at"), "after-fin");
	assert_string_equal(status_get(&ev, "n"), "3");
	/* A quoted value followed directly by the next key. */
	assert_int_equal(status_parse("error t=1 msg=\"a b\" op=x", &ev), 0);
	assert_string_equal(status_get(&ev, "msg"), "a b");
	assert_string_equal(status_get(&ev, "op"), "x");
}

static void test_overflow(void **state)
{
	struct status_line l;
	char v[STATUS_LINE_MAX];
	int fds[2];
	(void)state;

	memset(v, 'x', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	status_begin(&l, STATUS_ERROR, 1);
	status_add(&l, "msg", v);
	assert_true(l.overflow);
	assert_int_equal(status_end(&l), -ENOSPC);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(status_write(fds[1], &l), -ENOSPC);
	close(fds[0]);
	close(fds[1]);
}

static void test_too_many_keys(void **state)
{
	struct status_line l;
	struct status_event ev;
	char k[8];
	(void)state;

	status_begin(&l, STATUS_OPTS, 1);
	for (int i = 0; i <= STATUS_MAX_KEYS; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		status_add_long(&l, k, i);
	}
	assert_true(status_end(&l) > 0);
	assert_int_equal(status_parse(l.buf, &ev), -EINVAL);
}

static void test_write_one_line(void **state)
{
	struct status_line l;
	struct status_event ev;
	char buf[256];
	int fds[2];
	ssize_t n;
	(void)state;

	assert_int_equal(pipe(fds), 0);
	status_begin(&l, STATUS_CLOSE, 42);
	status_add_long(&l, "id", 3);
	status_add(&l, "style", "linger:2s");
	assert_int_equal(status_write(fds[1], &l), 0);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "close t=42 id=3 style=linger:2s\n");
	assert_int_equal(status_parse(buf, &ev), 0);
	assert_string_equal(status_get(&ev, "style"), "linger:2s");
	/* A closed reader makes the write fail with -EPIPE (SIGPIPE ignored here). */
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(status_write(fds[1], &l), -EPIPE);
	close(fds[1]);
	/* No fd: nothing is written, and that is not an error. */
	assert_int_equal(status_write(-1, &l), 0);
}

static void test_addr_round_trip(void **state)
{
	static const char *const good[] = {
		"198.18.0.1:8080", "0.0.0.0:0", "[fd46:696e::1]:8080", "[::]:65535",
		"[::ffff:198.18.0.1]:1",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;
		char out[STATUS_ADDR_MAX];

		assert_int_equal(status_parse_addr(good[i], &ss, &len), 0);
		assert_int_equal(len, ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
							     : sizeof(struct sockaddr_in6));
		assert_int_equal(status_format_addr((struct sockaddr *)&ss, out, sizeof(out)), 0);
		assert_string_equal(out, good[i]);
	}
}

static void test_addr_errors(void **state)
{
	static const char *const bad[] = {
		"", "198.18.0.1", "198.18.0.1:", "198.18.0.1:65536", "198.18.0.1:-1",
		"198.18.0.1:80x", "fd46::1:80", "[fd46::1]", "[fd46::1]80", "[]:80",
		"[198.18.0.1]:80", "host:80", "198.18.0.1: 80", ":80", "[fd46::1]:",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char out[STATUS_ADDR_MAX];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(status_parse_addr(bad[i], &ss, &len), -EINVAL);
	assert_int_equal(status_parse_addr(NULL, &ss, &len), -EINVAL);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_int_equal(status_format_addr((struct sockaddr *)&ss, out, sizeof(out)), -EAFNOSUPPORT);
	assert_string_equal(out, "?");
}

static void test_add_addr(void **state)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	struct status_line l;
	struct status_event ev;
	struct sockaddr_storage back;
	socklen_t len;
	(void)state;

	inet_pton(AF_INET6, "fd46:696e::2", &s6.sin6_addr);
	status_begin(&l, STATUS_CONNECTED, 1);
	status_add_addr(&l, "local", (struct sockaddr *)&s6);
	assert_true(status_end(&l) > 0);
	assert_int_equal(status_parse(l.buf, &ev), 0);
	assert_string_equal(status_get(&ev, "local"), "[fd46:696e::2]:443");
	assert_int_equal(status_parse_addr(status_get(&ev, "local"), &back, &len), 0);
	assert_memory_equal(&((struct sockaddr_in6 *)&back)->sin6_addr, &s6.sin6_addr, 16);
	assert_int_equal(((struct sockaddr_in6 *)&back)->sin6_port, htons(443));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_simple),
		cmocka_unit_test(test_quoting_round_trip),
		cmocka_unit_test(test_every_type_round_trips),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_spacing),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_too_many_keys),
		cmocka_unit_test(test_write_one_line),
		cmocka_unit_test(test_addr_round_trip),
		cmocka_unit_test(test_addr_errors),
		cmocka_unit_test(test_add_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
