/* test_judge_packets: the packets as a second witness (judge_packets.c) on synthetic
 * timelines and captures: each rule passes when the two witnesses agree and fails, naming
 * both, when they do not; the ACK of the FIN narrows FIN_WAIT2's start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capstore.h"
#include "judge.h"
#include "timeline_fixture.h"

#define SEC NSEC_PER_SEC
#define S_ISN 1000u
#define C_ISN 5000u

struct fix {
	struct timeline *tl;
	struct capstore st;
	struct cell_outcome out;
	struct model_env menv;
	struct model_facts f;
	char why[512];
};

static struct fix *fix_new(void)
{
	static struct fix x;

	memset(&x, 0, sizeof(x));
	assert_non_null(x.tl = timeline_new());
	assert_int_equal(capstore_init(&x.st, 80), 0);
	model_env_default(&x.menv, 250);
	x.f.keepalive = true;
	x.f.idle_ns = 1 * SEC;
	x.f.intvl_ns = 1 * SEC;
	x.f.cnt = 2;
	x.f.rto_lo_ns = 200 * MS;
	x.f.rto_hi_ns = 240 * MS;
	x.f.rto_max_ns = 120 * SEC;
	snprintf(x.f.source, sizeof(x.f.source), "declared");
	return &x;
}

static void fix_free(struct fix *x)
{
	timeline_free(x->tl);
	capstore_clear(&x->st);
}

/* Samples k (at k ms) of connection 0 in state, with an RTO. */
static void samp(struct fix *x, int k, int state, uint32_t rto_us)
{
	struct diag_sock s = sk(0, state, 7);

	s.rto_us = rto_us;
	s.inode = state == DIAG_FIN_WAIT2 ? 0 : 99;
	add1(x->tl, k, s);
}

static void gone(struct fix *x, int k)
{
	add(x->tl, k, NULL, 0);
}

static void seg(struct fix *x, int64_t t, enum pkt_dir d, uint8_t flags, uint32_t seq,
		uint32_t ack, uint32_t len)
{
	struct diag_tuple tu = tup(0);
	struct pkt_hdr h = { d, flags, seq, ack, len, 500 };

	assert_int_equal(capstore_add(&x->st, &tu, &h, t), 0);
}

/* Handshake, request, response and the server's FIN at fin_t; the ACK of the FIN at
 * ack_t (0: none). */
static void opening(struct fix *x, int64_t fin_t, int64_t ack_t)
{
	seg(x, 100 * US, PKT_IN, PKT_SYN, C_ISN, 0, 0);
	seg(x, 110 * US, PKT_OUT, PKT_SYN | PKT_ACK, S_ISN, C_ISN + 1, 0);
	seg(x, 120 * US, PKT_IN, PKT_ACK, C_ISN + 1, S_ISN + 1, 0);
	seg(x, 200 * US, PKT_IN, PKT_PSH | PKT_ACK, C_ISN + 1, S_ISN + 1, 10);
	seg(x, 300 * US, PKT_OUT, PKT_PSH | PKT_ACK, S_ISN + 1, C_ISN + 11, 3);
	seg(x, fin_t, PKT_OUT, PKT_FIN | PKT_ACK, S_ISN + 4, C_ISN + 11, 0);
	if (ack_t)
		seg(x, ack_t, PKT_IN, PKT_ACK, C_ISN + 11, S_ISN + 5, 0);
}

/* A keepalive probe of the server (FIN_WAIT2: the FIN is ACKed) at t. */
static void probe(struct fix *x, int64_t t)
{
	seg(x, t, PKT_OUT, PKT_ACK, S_ISN + 4, C_ISN + 11, 0);
}

static bool judge(struct fix *x)
{
	assert_int_equal(timeline_finish(x->tl), 0);
	x->out.tl = x->tl;
	x->out.packets = &x->st;
	x->why[0] = '\0';
	return judge_packets(&x->menv, &x->out, &x->f, x->why, sizeof(x->why));
}

static void assert_disagree(struct fix *x, const char *what)
{
	assert_false(judge(x));
	assert_non_null(strstr(x->why, "sock_diag and packets disagree"));
	if (!strstr(x->why, what))
		fail_msg("'%s' not in: %s", what, x->why);
}

/* ESTABLISHED at 0..9 ms, FIN_WAIT2 seen from sample 11 (entered in 10..11.1 ms) to 20,
 * gone at 21. */
static void fw2_timeline(struct fix *x)
{
	for (int k = 0; k <= 10; k++)
		samp(x, k, DIAG_ESTABLISHED, 204000);
	for (int k = 11; k <= 20; k++)
		samp(x, k, DIAG_FIN_WAIT2, 0);
	gone(x, 21);
}

static void test_fw2_entry_agrees_and_narrows(void **state)
{
	struct fix *x = fix_new();
	const struct tl_conn *c;
	int64_t lo, hi;

	(void)state;
	fw2_timeline(x);
	opening(x, 9 * MS, 10 * MS + 600 * US);
	assert_true(judge(x));
	c = only_conn(x->tl);
	lo = c->visits[1].entered_lo;
	hi = c->visits[1].entered_hi;
	assert_int_equal(lo, B(10));
	judge_pkt_narrow_fw2(&x->out, c, &lo, &hi);
	assert_int_equal(lo, 10 * MS + 590 * US);
	assert_int_equal(hi, A(11));
	fix_free(x);
}

static void test_fw2_entry_disagrees(void **state)
{
	struct fix *x = fix_new();
	const struct tl_conn *c;
	int64_t lo, hi;

	(void)state;
	fw2_timeline(x);
	opening(x, 9 * MS, 15 * MS);	/* sock_diag saw FIN_WAIT2 before the ACK came */
	assert_disagree(x, "the ACK of the FIN at 0.015");
	c = only_conn(x->tl);
	lo = c->visits[1].entered_lo;
	hi = c->visits[1].entered_hi;
	judge_pkt_narrow_fw2(&x->out, c, &lo, &hi);
	assert_int_equal(lo, B(10));	/* a disagreeing ACK narrows nothing */
	fix_free(x);
}

static void test_fw2_without_ack(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	fw2_timeline(x);
	opening(x, 9 * MS, 0);
	assert_disagree(x, "no ACK of the server's FIN");
	fix_free(x);
}

/* FIN_WAIT2 from 10 ms until 3.0 s, held: keepalive 1 s / 1 s from the ACK at 10.6 ms. */
static void keepalive_timeline(struct fix *x)
{
	for (int k = 0; k <= 10; k++)
		samp(x, k, DIAG_ESTABLISHED, 204000);
	samp(x, 11, DIAG_FIN_WAIT2, 0);
	samp(x, 3000, DIAG_FIN_WAIT2, 0);
	gone(x, 3001);
}

static void test_keepalive_probes(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	keepalive_timeline(x);
	opening(x, 9 * MS, 10600 * US);
	probe(x, 1010 * MS + 700 * US);	/* ACK + idle, + 0.1 ms */
	probe(x, 2020 * MS);		/* + intvl, 9.3 ms late */
	assert_true(judge(x));
	fix_free(x);
}

static void test_keepalive_probe_early(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	keepalive_timeline(x);
	opening(x, 9 * MS, 10600 * US);
	probe(x, 1010 * MS + 700 * US);
	probe(x, 1500 * MS);		/* half an interval after the first */
	assert_disagree(x, "keepidle 1.000 s and keepintvl 1.000 s");
	fix_free(x);
}

static void test_keepalive_answered_waits_idle(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	x->f.idle_ns = 2 * SEC;
	keepalive_timeline(x);
	opening(x, 9 * MS, 10600 * US);
	probe(x, 2010 * MS + 700 * US);
	seg(x, 2010 * MS + 800 * US, PKT_IN, PKT_ACK, C_ISN + 11, S_ISN + 5, 0);
	/* answered: the next one is due idle after the answer, not intvl after the probe */
	probe(x, 3020 * MS);
	assert_disagree(x, "a keepalive probe went out at 3.02");
	fix_free(x);
}

static void test_keepalive_off(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	x->f.keepalive = false;
	keepalive_timeline(x);
	opening(x, 9 * MS, 10600 * US);
	probe(x, 1010 * MS + 700 * US);
	assert_disagree(x, "SO_KEEPALIVE is off");
	fix_free(x);
}

/* The RST of a keepalive death ends FIN_WAIT2: seen until 3.0 s, gone at 3.001 s. */
static void test_rst_ends_fin_wait2(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	keepalive_timeline(x);
	opening(x, 9 * MS, 10600 * US);
	seg(x, 3000 * MS + 500 * US, PKT_OUT, PKT_RST | PKT_ACK, S_ISN + 5, C_ISN + 11, 0);
	assert_true(judge(x));
	fix_free(x);
}

static void test_rst_before_fin_wait2_ended(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	keepalive_timeline(x);
	opening(x, 9 * MS, 10600 * US);
	seg(x, 2500 * MS, PKT_OUT, PKT_RST | PKT_ACK, S_ISN + 5, C_ISN + 11, 0);
	assert_disagree(x, "FIN_WAIT2 end in 3.000000..3.001100 s");
	fix_free(x);
}

/* FIN_WAIT1 with an RTO of 204 ms read before the FIN at 100 ms: its retransmissions
 * after the gaps g[0..n-1] (ms). */
static struct fix *fin_wait1(const int *g, size_t n)
{
	struct fix *x = fix_new();
	int64_t t = 100 * MS;

	for (int k = 0; k <= 99; k++)
		samp(x, k, DIAG_ESTABLISHED, 204000);
	samp(x, 101, DIAG_FIN_WAIT1, 408000);
	samp(x, 5000, DIAG_FIN_WAIT1, 3264000);
	opening(x, t, 0);
	for (size_t i = 0; i < n; i++) {
		t += g[i] * MS;
		seg(x, t, PKT_OUT, PKT_FIN | PKT_ACK, S_ISN + 4, C_ISN + 11, 0);
	}
	return x;
}

static void test_fin_retransmissions(void **state)
{
	static const int rto[] = { 205, 410, 820, 1640 }, tlp[] = { 150, 205, 410 },
			 capped[] = { 205, 410, 820 };
	struct fix *x;

	(void)state;
	x = fin_wait1(rto, 4);
	assert_true(judge(x));
	fix_free(x);
	x = fin_wait1(tlp, 3);
	assert_true(judge(x));
	fix_free(x);
	x = fin_wait1(capped, 3);
	x->f.rto_max_ns = 500 * MS;	/* tcp_rto_max_ms 500: 205, 410, 500 */
	assert_disagree(x, "retransmission 3 0.");
	fix_free(x);
}

/* Past 15 s after the client was last heard from, the neighbour entry may fail and an
 * ICMP revert a backoff (rule 22): a shorter gap there is not timed; before, it is. */
static void test_fin_retransmissions_neighbour(void **state)
{
	static const int late[] = { 205, 410, 820, 1640, 3280, 6560, 5000 },
			 early[] = { 205, 410, 820, 1640, 3280, 3000 };
	struct fix *x;

	(void)state;
	x = fin_wait1(late, 7);
	assert_true(judge(x));
	fix_free(x);
	x = fin_wait1(early, 6);
	assert_disagree(x, "retransmission 6");
	fix_free(x);
}

/* An RTO of 1 s or more read before the FIN predates the RTT sample that sets the FIN's
 * (TCP_TIMEOUT_INIT, or the 3 s fallback after a retransmitted SYN-ACK): not timed. */
static void test_fin_retransmissions_stale_rto(void **state)
{
	static const int flat[] = { 205, 205, 205 };
	struct fix *x = fix_new();
	int64_t t = 100 * MS;

	(void)state;
	for (int k = 0; k <= 99; k++)
		samp(x, k, DIAG_ESTABLISHED, 3264000);
	samp(x, 101, DIAG_FIN_WAIT1, 408000);
	opening(x, t, 0);
	for (size_t i = 0; i < 3; i++) {
		t += flat[i] * MS;
		seg(x, t, PKT_OUT, PKT_FIN | PKT_ACK, S_ISN + 4, C_ISN + 11, 0);
	}
	assert_true(judge(x));
	fix_free(x);
	/* the RTO read fresh, but data retransmitted before the FIN (rule 27) */
	x = fix_new();
	for (int k = 0; k <= 99; k++)
		samp(x, k, DIAG_ESTABLISHED, 204000);
	seg(x, 100 * US, PKT_IN, PKT_SYN, C_ISN, 0, 0);
	seg(x, 110 * US, PKT_OUT, PKT_SYN | PKT_ACK, S_ISN, C_ISN + 1, 0);
	seg(x, 120 * US, PKT_IN, PKT_ACK, C_ISN + 1, S_ISN + 1, 0);
	seg(x, 300 * US, PKT_OUT, PKT_PSH | PKT_ACK, S_ISN + 1, C_ISN + 1, 3);
	seg(x, 205 * MS, PKT_OUT, PKT_PSH | PKT_ACK, S_ISN + 1, C_ISN + 1, 3);
	for (int i = 0; i < 4; i++)
		seg(x, (300 + 205 * i) * MS, PKT_OUT, PKT_FIN | PKT_ACK, S_ISN + 4, C_ISN + 1, 0);
	assert_true(judge(x));
	fix_free(x);
}

static void test_fin_retransmissions_not_doubling(void **state)
{
	static const int flat[] = { 205, 205, 205 };
	struct fix *x = fin_wait1(flat, 3);

	(void)state;
	assert_disagree(x, "the FIN went out again after 0.205, 0.205, 0.205 s");
	fix_free(x);
}

static void test_no_packets_of_a_connection(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	fw2_timeline(x);
	assert_disagree(x, "the capture has no segment of it");
	fix_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fw2_entry_agrees_and_narrows),
		cmocka_unit_test(test_fw2_entry_disagrees),
		cmocka_unit_test(test_fw2_without_ack),
		cmocka_unit_test(test_keepalive_probes),
		cmocka_unit_test(test_keepalive_probe_early),
		cmocka_unit_test(test_keepalive_answered_waits_idle),
		cmocka_unit_test(test_keepalive_off),
		cmocka_unit_test(test_rst_ends_fin_wait2),
		cmocka_unit_test(test_rst_before_fin_wait2_ended),
		cmocka_unit_test(test_fin_retransmissions),
		cmocka_unit_test(test_fin_retransmissions_neighbour),
		cmocka_unit_test(test_fin_retransmissions_stale_rto),
		cmocka_unit_test(test_fin_retransmissions_not_doubling),
		cmocka_unit_test(test_no_packets_of_a_connection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
