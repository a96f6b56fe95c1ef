/* test_pktclass: the segment classifier (pktclass) on synthetic connections written as
 * the kernel sends them, and the per-connection store (capstore): Ethernet frames parsed
 * into the server's 4-tuple, and the bounded storage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "capstore.h"
#include "pktclass.h"

#define S_ISN 1000u	/* the server's initial sequence number */
#define C_ISN 5000u	/* the client's */

struct seg {
	enum pkt_dir dir;
	uint8_t flags;
	uint32_t seq, ack, len, win;
	enum pkt_kind want;
};

#define A PKT_ACK
#define OUT PKT_OUT
#define IN PKT_IN

static void run(const struct seg *s, size_t n)
{
	struct pkt_flow f;

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < n; i++) {
		struct pkt_hdr h = { s[i].dir, s[i].flags, s[i].seq, s[i].ack, s[i].len,
				     s[i].win };
		enum pkt_kind k = pkt_classify(&f, &h);

		if (k != s[i].want)
			fail_msg("segment %zu: %s, want %s", i, pkt_kind_name(k),
				 pkt_kind_name(s[i].want));
	}
}

/* Handshake, a 10-byte request, a 3-byte response, the server's FIN: the opening of
 * every connection below. The server's FIN is S_ISN + 4, the client's next byte
 * C_ISN + 11. */
#define OPENING                                                                  \
	{ IN, PKT_SYN, C_ISN, 0, 0, 64000, PK_SYN },                             \
	{ OUT, PKT_SYN | A, S_ISN, C_ISN + 1, 0, 64000, PK_SYN },               \
	{ IN, A, C_ISN + 1, S_ISN + 1, 0, 500, PK_ACK },                         \
	{ IN, PKT_PSH | A, C_ISN + 1, S_ISN + 1, 10, 500, PK_DATA },             \
	{ OUT, A, S_ISN + 1, C_ISN + 11, 0, 500, PK_ACK },                       \
	{ OUT, PKT_PSH | A, S_ISN + 1, C_ISN + 11, 3, 500, PK_DATA },            \
	{ OUT, PKT_FIN | A, S_ISN + 4, C_ISN + 11, 0, 500, PK_FIN }

/* A frozen client: its kernel ACKs the FIN, then every keepalive probe. */
static void test_fin_wait2_keepalive_answered(void **state)
{
	static const struct seg s[] = {
		OPENING,
		{ IN, A, C_ISN + 11, S_ISN + 5, 0, 500, PK_ACK_OF_FIN },
		{ OUT, A, S_ISN + 4, C_ISN + 11, 0, 500, PK_KEEPALIVE_PROBE },
		{ IN, A, C_ISN + 11, S_ISN + 5, 0, 500, PK_KEEPALIVE_ACK },
		{ OUT, A, S_ISN + 4, C_ISN + 11, 0, 500, PK_KEEPALIVE_PROBE },
		{ IN, A, C_ISN + 11, S_ISN + 5, 0, 500, PK_KEEPALIVE_ACK },
		/* a second ACK of the same is no longer the probe's */
		{ IN, A, C_ISN + 11, S_ISN + 5, 0, 500, PK_ACK },
	};

	(void)state;
	run(s, sizeof(s) / sizeof(s[0]));
}

/* A vanished client: probes go unanswered, then the server resets. An old-style probe
 * with one garbage byte is a probe too. */
static void test_keepalive_death(void **state)
{
	static const struct seg s[] = {
		OPENING,
		{ IN, A, C_ISN + 11, S_ISN + 5, 0, 500, PK_ACK_OF_FIN },
		{ OUT, A, S_ISN + 4, C_ISN + 11, 0, 500, PK_KEEPALIVE_PROBE },
		{ OUT, A, S_ISN + 4, C_ISN + 11, 1, 500, PK_KEEPALIVE_PROBE },
		{ OUT, PKT_RST | A, S_ISN + 5, C_ISN + 11, 0, 0, PK_RST },
	};

	(void)state;
	run(s, sizeof(s) / sizeof(s[0]));
}

/* FIN_WAIT1 with the client gone: the FIN goes out again and again. The FIN's seq is
 * one below snd_nxt, as a probe's would be, but it carries FIN and snd_una is still the
 * FIN itself. */
static void test_fin_retransmit(void **state)
{
	static const struct seg s[] = {
		OPENING,
		{ OUT, PKT_FIN | A, S_ISN + 4, C_ISN + 11, 0, 500, PK_RETRANSMIT },
		{ OUT, PKT_FIN | A, S_ISN + 4, C_ISN + 11, 0, 500, PK_RETRANSMIT },
		/* the client's kernel comes back and ACKs it */
		{ IN, A, C_ISN + 11, S_ISN + 5, 0, 500, PK_ACK_OF_FIN },
	};

	(void)state;
	run(s, sizeof(s) / sizeof(s[0]));
}

/* Data retransmitted, whole and in part; the client's FIN ACKed by the server. */
static void test_data_retransmit_and_close(void **state)
{
	static const struct seg s[] = {
		{ IN, PKT_SYN, C_ISN, 0, 0, 64000, PK_SYN },
		{ OUT, PKT_SYN | A, S_ISN, C_ISN + 1, 0, 64000, PK_SYN },
		{ OUT, PKT_SYN | A, S_ISN, C_ISN + 1, 0, 64000, PK_RETRANSMIT },
		{ IN, A, C_ISN + 1, S_ISN + 1, 0, 500, PK_ACK },
		{ OUT, A, S_ISN + 1, C_ISN + 1, 100, 500, PK_DATA },
		{ OUT, A, S_ISN + 1, C_ISN + 1, 100, 500, PK_RETRANSMIT },
		{ OUT, A, S_ISN + 51, C_ISN + 1, 100, 500, PK_RETRANSMIT },
		{ IN, A, C_ISN + 1, S_ISN + 151, 0, 500, PK_ACK },
		{ IN, PKT_FIN | A, C_ISN + 1, S_ISN + 151, 0, 500, PK_FIN },
		{ OUT, A, S_ISN + 151, C_ISN + 2, 0, 500, PK_ACK_OF_FIN },
		{ IN, PKT_FIN | A, C_ISN + 1, S_ISN + 151, 0, 500, PK_RETRANSMIT },
	};

	(void)state;
	run(s, sizeof(s) / sizeof(s[0]));
}

/* A client that stopped reading: its window closes, the server's FIN waits behind
 * zero-window probes, and the window opens again. Sequence numbers wrap. */
static void test_zero_window(void **state)
{
	static const uint32_t si = 0xfffffff0u;
	static const struct seg s[] = {
		{ IN, PKT_SYN, C_ISN, 0, 0, 64000, PK_SYN },
		{ OUT, PKT_SYN | A, si, C_ISN + 1, 0, 64000, PK_SYN },
		{ IN, A, C_ISN + 1, si + 1, 0, 500, PK_ACK },
		{ OUT, A, si + 1, C_ISN + 1, 1000, 500, PK_DATA },
		{ IN, A, C_ISN + 1, si + 1001, 0, 0, PK_ACK },
		{ OUT, A, si + 1000, C_ISN + 1, 0, 500, PK_ZERO_WINDOW_PROBE },
		{ IN, A, C_ISN + 1, si + 1001, 0, 0, PK_ZERO_WINDOW_ACK },
		{ OUT, A, si + 1000, C_ISN + 1, 0, 500, PK_ZERO_WINDOW_PROBE },
		{ IN, A, C_ISN + 1, si + 1001, 0, 4000, PK_ZERO_WINDOW_ACK },
		{ OUT, A, si + 1001, C_ISN + 1, 1000, 500, PK_DATA },
		{ IN, A, C_ISN + 1, si + 2001, 0, 0, PK_ACK },
		{ IN, A, C_ISN + 1, si + 2001, 0, 8000, PK_WINDOW_UPDATE },
	};

	(void)state;
	run(s, sizeof(s) / sizeof(s[0]));
}

static void test_names(void **state)
{
	char b[9];

	(void)state;
	assert_string_equal(pkt_flags_text(PKT_FIN | PKT_ACK, b), "FA");
	assert_string_equal(pkt_flags_text(PKT_SYN | PKT_ACK, b), "SA");
	assert_string_equal(pkt_flags_text(PKT_RST, b), "R");
	assert_string_equal(pkt_flags_text(0xff, b), "FSRPAUEC");
	assert_string_equal(pkt_kind_name(PK_ACK_OF_FIN), "ack-of-fin");
	assert_string_equal(pkt_kind_name(PK_KEEPALIVE_PROBE), "keepalive-probe");
	assert_string_equal(pkt_kind_name(PK_ZERO_WINDOW_PROBE), "zero-window-probe");
	assert_string_equal(pkt_kind_name(PK_NKINDS), "?");
}

/* An IPv4 TCP frame: 198.18.0.2:port_c <-> 198.18.0.1:port_s, towards the server when
 * in. */
static size_t frame4(uint8_t *f, bool in, uint16_t cport, uint8_t flags, uint32_t seq,
		     uint32_t len)
{
	static const uint8_t srv[4] = { 198, 18, 0, 1 }, cli[4] = { 198, 18, 0, 2 };
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint16_t sp = in ? cport : 8080, dp = in ? 8080 : cport;
	size_t tot = 20 + 20 + len;

	memset(f, 0, 14 + tot);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[9] = 6;
	memcpy(ip + 12, in ? cli : srv, 4);
	memcpy(ip + 16, in ? srv : cli, 4);
	tcp[0] = (uint8_t)(sp >> 8);
	tcp[1] = (uint8_t)sp;
	tcp[2] = (uint8_t)(dp >> 8);
	tcp[3] = (uint8_t)dp;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	tcp[15] = 100;
	return 14 + tot;
}

/* Frames of two connections land on their own 4-tuples, seen from the server; what is not
 * TCP of the port is counted, not stored. */
static void test_store_frames(void **state)
{
	struct capstore s;
	struct diag_tuple t = { .family = AF_INET, .lport = 8080, .rport = 40000,
				.laddr = { 198, 18, 0, 1 }, .raddr = { 198, 18, 0, 2 } };
	const struct cap_conn *c;
	uint8_t f[128];
	size_t n;

	(void)state;
	assert_int_equal(capstore_init(&s, 8080), 0);
	n = frame4(f, true, 40000, PKT_SYN, 7, 0);
	assert_int_equal(capstore_add_frame(&s, f, n, 100), 0);
	n = frame4(f, false, 40000, PKT_SYN | PKT_ACK, 70, 0);
	assert_int_equal(capstore_add_frame(&s, f, n, 200), 0);
	n = frame4(f, true, 40001, PKT_SYN, 9, 0);
	assert_int_equal(capstore_add_frame(&s, f, n, 300), 0);
	n = frame4(f, true, 40000, PKT_PSH | PKT_ACK, 8, 5);
	assert_int_equal(capstore_add_frame(&s, f, 30, 400), 0);	/* cut short */
	f[23] = 17;							/* UDP */
	assert_int_equal(capstore_add_frame(&s, f, n, 500), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.segments, 3);
	assert_int_equal(s.unparsed, 2);
	assert_non_null(c = capstore_find(&s, &t));
	assert_int_equal(cap_conn_kept(c), 2);
	assert_int_equal(cap_conn_pkt(c, 0)->dir, PKT_IN);
	assert_int_equal(cap_conn_pkt(c, 0)->t, 100);
	assert_int_equal(cap_conn_pkt(c, 1)->dir, PKT_OUT);
	assert_int_equal(cap_conn_pkt(c, 1)->kind, PK_SYN);
	assert_int_equal(cap_conn_pkt(c, 1)->flags, PKT_SYN | PKT_ACK);
	assert_int_equal(c->t_fin_acked, 0);
	t.rport = 40001;
	assert_non_null(capstore_find(&s, &t));
	t.rport = 40002;
	assert_null(capstore_find(&s, &t));
	capstore_clear(&s);
}

/* A connection past CAP_KEEP segments keeps its first CAP_KEEP_HEAD and its last
 * CAP_KEEP_TAIL, in order, and counts the rest; many connections rehash. */
static void test_store_bounded(void **state)
{
	struct capstore s;
	struct diag_tuple t = { .family = AF_INET, .lport = 8080, .laddr = { 198, 18, 0, 1 } };
	struct pkt_hdr h = { PKT_OUT, PKT_ACK, 0, 0, 1, 100 };
	const struct cap_conn *c;
	const uint64_t total = 1000;

	(void)state;
	assert_int_equal(capstore_init(&s, 8080), 0);
	for (uint64_t i = 0; i < total; i++) {
		h.seq = (uint32_t)i;
		assert_int_equal(capstore_add(&s, &t, &h, (int64_t)i), 0);
	}
	for (uint16_t p = 1; p <= 3000; p++) {
		t.rport = p;
		assert_int_equal(capstore_add(&s, &t, &h, 0), 0);
	}
	t.rport = 0;
	assert_non_null(c = capstore_find(&s, &t));
	assert_int_equal(cap_conn_kept(c), CAP_KEEP);
	assert_int_equal(cap_conn_omitted(c), total - CAP_KEEP);
	for (size_t i = 0; i < CAP_KEEP_HEAD; i++)
		assert_int_equal(cap_conn_pkt(c, i)->t, (int64_t)i);
	for (size_t i = CAP_KEEP_HEAD; i < CAP_KEEP; i++)
		assert_int_equal(cap_conn_pkt(c, i)->t, (int64_t)(total - CAP_KEEP + i));
	assert_int_equal(s.n, 3001);
	t.rport = 2999;
	assert_non_null(capstore_find(&s, &t));
	capstore_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fin_wait2_keepalive_answered),
		cmocka_unit_test(test_keepalive_death),
		cmocka_unit_test(test_fin_retransmit),
		cmocka_unit_test(test_data_retransmit_and_close),
		cmocka_unit_test(test_zero_window),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_store_frames),
		cmocka_unit_test(test_store_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
