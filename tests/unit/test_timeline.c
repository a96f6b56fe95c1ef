/* Unit tests for timeline.c: synthetic sample streams -> per-connection visits, lifetime
 * bounds, connection identity, injected events and aggregates. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit/timeline_fixture.h"

/* ESTABLISHED in samples 1-3, FIN_WAIT2 in 4-6, gone at 7. */
static void test_basic_bounds(void **state)
{
	struct timeline *tl = timeline_new();
	const struct tl_conn *c;
	int64_t mn, mx;
	int k;
	(void)state;

	add(tl, 0, NULL, 0);
	for (k = 1; k <= 3; k++)
		add1(tl, k, sk(1, DIAG_ESTABLISHED, 7));
	for (k = 4; k <= 6; k++)
		add1(tl, k, sk(1, DIAG_FIN_WAIT2, 7));
	add(tl, 7, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);

	c = only_conn(tl);
	assert_int_equal(c->cookie, 7);
	assert_int_equal(c->nvisits, 2);
	assert_visit(&c->visits[0], DIAG_ESTABLISHED, B(0), A(1), B(3), A(4));
	assert_visit(&c->visits[1], DIAG_FIN_WAIT2, B(3), A(4), B(6), A(7));
	assert_int_equal(c->visits[1].flags, 0);
	tl_visit_lifetime(&c->visits[1], &mn, &mx);
	assert_int_equal(mn, B(6) - A(4)); /* 1.9 ms */
	assert_int_equal(mx, A(7) - B(3)); /* 4.1 ms */
	assert_int_equal(timeline_seen(tl), 1);
	assert_int_equal(timeline_samples(tl), 8);
	timeline_free(tl);
}

/* The sampler fell behind between samples 2 and 10: the bounds widen, nothing else. */
static void test_missed_samples(void **state)
{
	struct timeline *tl = timeline_new();
	const struct tl_conn *c;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_ESTABLISHED, 7));
	add1(tl, 2, sk(1, DIAG_ESTABLISHED, 7));
	add1(tl, 10, sk(1, DIAG_FIN_WAIT2, 7)); /* samples 3..9 missed */
	add1(tl, 11, sk(1, DIAG_FIN_WAIT2, 7));
	add(tl, 20, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(c->nvisits, 2);
	assert_visit(&c->visits[0], DIAG_ESTABLISHED, B(0), A(1), B(2), A(10));
	assert_visit(&c->visits[1], DIAG_FIN_WAIT2, B(2), A(10), B(11), A(20));
	timeline_free(tl);
}

/* A new cookie on the same 4-tuple is a new connection. */
static void test_reuse_cookie(void **state)
{
	struct timeline *tl = timeline_new();
	const struct tl_conn *c0, *c1;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_TIME_WAIT, 7));
	add1(tl, 2, sk(1, DIAG_TIME_WAIT, 8)); /* same state, other socket */
	add(tl, 3, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(count_conns(tl), 2);
	c0 = timeline_conn(tl, 0);
	c1 = timeline_conn(tl, 1);
	assert_int_equal(c0->cookie, 7);
	assert_int_equal(c1->cookie, 8);
	assert_visit(&c0->visits[0], DIAG_TIME_WAIT, B(0), A(1), B(1), A(2));
	assert_visit(&c1->visits[0], DIAG_TIME_WAIT, B(1), A(2), B(2), A(3));
	timeline_free(tl);
}

/* Gone for one sample, then back: two connections. State going backwards with no
 * cookie (TIME_WAIT -> SYN_RECV): two connections. */
static void test_reuse_gone_and_backwards(void **state)
{
	struct timeline *tl = timeline_new();
	const struct tl_conn *c;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_ESTABLISHED, 0));
	add(tl, 2, NULL, 0);
	add1(tl, 3, sk(1, DIAG_ESTABLISHED, 0));
	add1(tl, 4, sk(1, DIAG_TIME_WAIT, 0));
	add1(tl, 5, sk(1, DIAG_SYN_RECV, 0));
	add1(tl, 6, sk(1, DIAG_ESTABLISHED, 0));
	add(tl, 7, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(count_conns(tl), 3);
	assert_int_equal(timeline_seen(tl), 3);
	c = timeline_conn(tl, 1);
	assert_int_equal(c->nvisits, 2);
	assert_visit(&c->visits[0], DIAG_ESTABLISHED, B(2), A(3), B(3), A(4));
	assert_visit(&c->visits[1], DIAG_TIME_WAIT, B(3), A(4), B(4), A(5));
	c = timeline_conn(tl, 2);
	assert_int_equal(c->nvisits, 2);
	assert_int_equal(c->visits[0].state, DIAG_SYN_RECV);
	assert_int_equal(c->visits[1].state, DIAG_ESTABLISHED);
	timeline_free(tl);
}

/* The request minisocket (SYN_RECV) is replaced by the child socket, which has its own
 * cookie: still one connection. */
static void test_syn_recv_cookie_change(void **state)
{
	struct timeline *tl = timeline_new();
	const struct tl_conn *c;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_SYN_RECV, 5));
	add1(tl, 2, sk(1, DIAG_ESTABLISHED, 6));
	add1(tl, 3, sk(1, DIAG_ESTABLISHED, 6));
	add(tl, 4, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(c->nvisits, 2);
	assert_int_equal(c->cookie, 6);
	timeline_free(tl);
}

/* ESTABLISHED then directly TIME_WAIT: only the observed states. */
static void test_state_skipping(void **state)
{
	struct timeline *tl = timeline_new();
	const struct tl_conn *c;
	struct tl_stats st;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_ESTABLISHED, 7));
	add1(tl, 2, sk(1, DIAG_TIME_WAIT, 7));
	add(tl, 3, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(c->nvisits, 2);
	assert_int_equal(c->visits[0].state, DIAG_ESTABLISHED);
	assert_int_equal(c->visits[1].state, DIAG_TIME_WAIT);
	assert_int_equal(timeline_stats(tl, DIAG_FIN_WAIT2, &st), 0);
	assert_int_equal(st.count, 0);
	timeline_free(tl);
}

/* Still there at the end: forever, lower bound only. Present in the very first sample:
 * began before it. */
static void test_forever_and_before(void **state)
{
	struct timeline *tl = timeline_new();
	struct diag_sock s[2] = { sk(1, DIAG_FIN_WAIT2, 1), sk(2, DIAG_ESTABLISHED, 2) };
	const struct tl_conn *c;
	struct tl_stats st;
	int64_t mn, mx;
	(void)state;

	add(tl, 0, &s[1], 1);          /* conn 2 was there before we started */
	add(tl, 1, s, 2);
	add(tl, 2, s, 1);              /* conn 2 gone */
	add(tl, 3, s, 1);
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(timeline_finish(tl), 0); /* idempotent */
	assert_int_equal(timeline_add_sample(tl, B(4), A(4), NULL, 0), -EINVAL);

	c = timeline_conn(tl, 0);
	assert_int_equal(c->tuple.rport, 40002);
	assert_int_equal(c->visits[0].flags, TL_V_BEFORE);
	assert_int_equal(c->visits[0].entered_lo, TL_NINF);
	tl_visit_lifetime(&c->visits[0], &mn, &mx);
	assert_int_equal(mn, B(1) - A(0));
	assert_int_equal(mx, TL_INF);

	c = timeline_conn(tl, 1);
	assert_int_equal(c->tuple.rport, 40001);
	assert_int_equal(c->visits[0].flags, TL_V_FOREVER);
	assert_visit(&c->visits[0], DIAG_FIN_WAIT2, B(0), A(1), B(3), TL_INF);
	tl_visit_lifetime(&c->visits[0], &mn, &mx);
	assert_int_equal(mn, B(3) - A(1));
	assert_int_equal(mx, TL_INF);

	assert_int_equal(timeline_stats(tl, DIAG_FIN_WAIT2, &st), 0);
	assert_int_equal(st.count, 1);
	assert_int_equal(st.forever, 1);
	assert_int_equal(st.bounded, 0);
	assert_int_equal(timeline_stats(tl, DIAG_ESTABLISHED, &st), 0);
	assert_int_equal(st.censored, 1);
	assert_int_equal(st.bounded, 0);
	timeline_free(tl);
}

/* A socket that lived and died between two samples is only known from events. */
static void test_events_between_samples(void **state)
{
	struct timeline *tl = timeline_new();
	struct diag_tuple t = tup(9);
	const struct tl_conn *c;
	int64_t mn, mx;
	(void)state;

	add(tl, 0, NULL, 0);
	add(tl, 1, NULL, 0);
	/* Out of order on purpose: events are sorted at finish. */
	assert_int_equal(timeline_add_event(tl, &t, DIAG_CLOSE, B(0) + 700 * US), 0);
	assert_int_equal(timeline_add_event(tl, &t, DIAG_ESTABLISHED, B(0) + 200 * US), 0);
	assert_int_equal(timeline_add_event(tl, &t, DIAG_FIN_WAIT2, B(0) + 300 * US), 0);
	assert_int_equal(timeline_add_event(tl, &t, 0, 1), -EINVAL);
	add(tl, 2, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(c->nvisits, 2);
	assert_visit(&c->visits[0], DIAG_ESTABLISHED, B(0) + 200 * US, B(0) + 200 * US,
		     B(0) + 300 * US, B(0) + 300 * US);
	assert_visit(&c->visits[1], DIAG_FIN_WAIT2, B(0) + 300 * US, B(0) + 300 * US,
		     B(0) + 700 * US, B(0) + 700 * US);
	tl_visit_lifetime(&c->visits[1], &mn, &mx);
	assert_int_equal(mn, 400 * US);
	assert_int_equal(mx, 400 * US);
	assert_int_equal(timeline_seen(tl), 1);
	timeline_free(tl);
}

/* Events narrow sampled bounds and fill in a state the samples skipped. */
static void test_events_narrow(void **state)
{
	struct timeline *tl = timeline_new();
	struct diag_tuple t = tup(1);
	const struct tl_conn *c;
	int64_t t_fw2 = B(1) + 500 * US; /* between samples 1 and 2 */
	int64_t t_gone = B(3) + 300 * US;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_ESTABLISHED, 7));
	add1(tl, 2, sk(1, DIAG_TIME_WAIT, 7));
	add1(tl, 3, sk(1, DIAG_TIME_WAIT, 7));
	add(tl, 4, NULL, 0);
	assert_int_equal(timeline_add_event(tl, &t, DIAG_FIN_WAIT2, t_fw2), 0);
	assert_int_equal(timeline_add_event(tl, &t, DIAG_CLOSE, t_gone), 0);
	/* Inside a visit: consistent, adds nothing, must not make a new connection. */
	assert_int_equal(timeline_add_event(tl, &t, DIAG_TIME_WAIT, B(3)), 0);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(c->nvisits, 3);
	assert_visit(&c->visits[0], DIAG_ESTABLISHED, B(0), A(1), B(1), t_fw2);
	assert_visit(&c->visits[1], DIAG_FIN_WAIT2, t_fw2, t_fw2, t_fw2, A(2));
	assert_visit(&c->visits[2], DIAG_TIME_WAIT, t_fw2, A(2), t_gone, t_gone);
	assert_true(c->visits[2].flags & TL_V_EVENT_OUT);
	timeline_free(tl);
}

/* A dump that misses a socket (torn record during the swap to a timewait minisocket)
 * does not end it: back with the same cookie, it is the same connection, and the gap
 * only widens the bounds. A different cookie after a gap is a new connection. */
static void test_missed_by_a_dump_same_cookie(void **state)
{
	struct timeline *tl = timeline_new();
	const struct tl_conn *c;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_FIN_WAIT1, 42));
	add(tl, 2, NULL, 0); /* the torn sample */
	add1(tl, 3, sk(1, DIAG_FIN_WAIT2, 42));
	add1(tl, 4, sk(1, DIAG_FIN_WAIT2, 42));
	add(tl, 5, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(c->nvisits, 2);
	assert_visit(&c->visits[0], DIAG_FIN_WAIT1, B(0), A(1), B(1), A(3));
	assert_visit(&c->visits[1], DIAG_FIN_WAIT2, B(1), A(3), B(4), A(5));
	timeline_free(tl);

	/* Same state on both sides of the gap: one visit, still open through it. */
	tl = timeline_new();
	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_FIN_WAIT2, 42));
	add(tl, 2, NULL, 0);
	add1(tl, 3, sk(1, DIAG_FIN_WAIT2, 42));
	add(tl, 4, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(c->nvisits, 1);
	assert_visit(&c->visits[0], DIAG_FIN_WAIT2, B(0), A(1), B(3), A(4));
	timeline_free(tl);

	/* Another cookie after the gap: a new socket on the same 4-tuple. */
	tl = timeline_new();
	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(1, DIAG_ESTABLISHED, 42));
	add(tl, 2, NULL, 0);
	add1(tl, 3, sk(1, DIAG_ESTABLISHED, 43));
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(timeline_seen(tl), 2);
	timeline_free(tl);
}

/* A record can open two entries of the open list: a socket missed by a dump comes back
 * with its cookie (revived) but in an earlier state (so a new connection replaces it).
 * Sixteen of them in one sample once wrote past the list (valgrind and ASan see it). */
static void test_revived_then_replaced(void **state)
{
	struct timeline *tl = timeline_new();
	struct diag_sock s[16];
	size_t i;
	(void)state;

	for (i = 0; i < 16; i++)
		s[i] = sk((int)i, DIAG_FIN_WAIT2, 100 + i);
	add(tl, 0, s, 16);
	add(tl, 1, NULL, 0);
	for (i = 0; i < 16; i++)
		s[i].state = DIAG_ESTABLISHED;
	add(tl, 2, s, 16);
	add(tl, 3, s, 16);
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(timeline_seen(tl), 32);
	assert_int_equal(timeline_conn_count(tl), 32);
	for (i = 0; i < 32; i++) {
		const struct tl_conn *c = timeline_conn(tl, i);

		assert_non_null(c);
		assert_int_equal(c->nvisits, 1);
		assert_int_equal(c->visits[0].state, i < 16 ? DIAG_FIN_WAIT2 : DIAG_ESTABLISHED);
		assert_int_equal(!!(c->visits[0].flags & TL_V_FOREVER), i >= 16);
	}
	timeline_free(tl);
}

/* Events known only within an interval narrow the sampled bounds to the intersection,
 * never past it; an unsampled connection keeps the event's interval as its bounds. */
static void test_event_ranges(void **state)
{
	struct timeline *tl = timeline_new();
	struct diag_tuple t = tup(2), u = tup(3);
	const struct tl_conn *c = NULL;
	int64_t mn, mx;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, sk(2, DIAG_ESTABLISHED, 5));
	add1(tl, 2, sk(2, DIAG_ESTABLISHED, 5));
	add(tl, 3, NULL, 0);
	/* Entry known within [B(0)+400us, B(1)+50us] (say, accept's stamp as an upper
	 * bound): sampled entry [B(0), A(1)] narrows to exactly that. */
	assert_int_equal(timeline_add_event_range(tl, &t, DIAG_ESTABLISHED, B(0) + 400 * US,
						  B(1) + 50 * US), 0);
	/* Gone within [B(2)+300us, B(2)+900us]: sampled exit [B(2), A(3)] narrows. */
	assert_int_equal(timeline_add_event_range(tl, &t, DIAG_CLOSE, B(2) + 300 * US,
						  B(2) + 900 * US), 0);
	/* A socket the samples never saw: entered within [B(0)+100us, B(0)+200us], gone
	 * within [B(0)+500us, B(0)+600us]. */
	assert_int_equal(timeline_add_event_range(tl, &u, DIAG_ESTABLISHED, B(0) + 100 * US,
						  B(0) + 200 * US), 0);
	assert_int_equal(timeline_add_event_range(tl, &u, DIAG_CLOSE, B(0) + 500 * US,
						  B(0) + 600 * US), 0);
	assert_int_equal(timeline_add_event_range(tl, &u, DIAG_CLOSE, 10, 9), -EINVAL);
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(timeline_conn_count(tl), 2);
	for (size_t i = 0; i < 2; i++)
		if (timeline_conn(tl, i)->tuple.rport == t.rport)
			c = timeline_conn(tl, i);
	assert_non_null(c);
	assert_visit(&c->visits[0], DIAG_ESTABLISHED, B(0) + 400 * US, B(1) + 50 * US,
		     B(2) + 300 * US, B(2) + 900 * US);
	for (size_t i = 0; i < 2; i++)
		if (timeline_conn(tl, i)->tuple.rport == u.rport)
			c = timeline_conn(tl, i);
	assert_int_equal(c->nvisits, 1);
	assert_visit(&c->visits[0], DIAG_ESTABLISHED, B(0) + 100 * US, B(0) + 200 * US,
		     B(0) + 500 * US, B(0) + 600 * US);
	tl_visit_lifetime(&c->visits[0], &mn, &mx);
	assert_int_equal(mn, 300 * US);
	assert_int_equal(mx, 500 * US);
	timeline_free(tl);
}

/* The percentile itself is tested with util (pct_nearest_rank()). */
static void test_quant(void **state)
{
	int64_t v[10] = { 7, 3, 10, 1, 9, 2, 5, 8, 4, 6 };
	struct tl_quant q;
	(void)state;
	tl_quant_compute(v, 10, &q);
	assert_int_equal(q.min, 1);
	assert_int_equal(q.p50, 5);
	assert_int_equal(q.p99, 10);
	assert_int_equal(q.max, 10);
	assert_int_equal(v[0], 1); /* sorted in place */
	assert_int_equal(v[9], 10);
	tl_quant_compute(v, 0, &q);
	assert_int_equal(q.min, 0);
	assert_int_equal(q.p50, 0);
	assert_int_equal(q.p99, 0);
	assert_int_equal(q.max, 0);
}

/* 100 connections enter FIN_WAIT2 at sample 1; connection i leaves after sample i. */
static void test_aggregates(void **state)
{
	struct timeline *tl = timeline_new();
	struct diag_sock s[100];
	struct tl_stats st;
	int i, k;
	(void)state;

	for (i = 0; i < 100; i++)
		s[i] = sk(i + 1, DIAG_FIN_WAIT2, (uint64_t)i + 1);
	add(tl, 0, NULL, 0);
	for (k = 1; k <= 101; k++)
		add(tl, k, &s[k - 1], (size_t)(101 - k)); /* sample k holds conns k..100 */
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(timeline_stats(tl, DIAG_FIN_WAIT2, &st), 0);
	assert_int_equal(st.count, 100);
	assert_int_equal(st.bounded, 100);
	assert_int_equal(st.forever, 0);
	assert_int_equal(st.peak, 100);
	/* Conn i (1..100): entered [B0, A1], left [B(i), A(i+1)].
	 * min = B(i) - A(1) = (i-1) ms - 100 us (0 for i = 1); max = A(i+1) - B(0). */
	assert_int_equal(st.lo.min, 0);
	assert_int_equal(st.lo.p50, 49 * MS - 100 * US);
	assert_int_equal(st.lo.p99, 98 * MS - 100 * US);
	assert_int_equal(st.lo.max, 99 * MS - 100 * US);
	assert_int_equal(st.hi.min, 2 * MS + 100 * US);
	assert_int_equal(st.hi.p50, 51 * MS + 100 * US);
	assert_int_equal(st.hi.p99, 100 * MS + 100 * US);
	assert_int_equal(st.hi.max, 101 * MS + 100 * US);
	assert_int_equal(timeline_stats(tl, 0, &st), -EINVAL);
	timeline_free(tl);
}

/* Peaks count sockets per state per sample; live reflects the latest sample. */
static void test_peaks_and_live(void **state)
{
	struct timeline *tl = timeline_new();
	struct diag_sock a[3] = { sk(1, DIAG_ESTABLISHED, 1), sk(2, DIAG_ESTABLISHED, 2),
				  sk(3, DIAG_FIN_WAIT2, 3) };
	struct diag_sock b[3] = { sk(1, DIAG_FIN_WAIT2, 1), sk(2, DIAG_FIN_WAIT2, 2),
				  sk(3, DIAG_TIME_WAIT, 3) };
	size_t live[DIAG_NSTATES];
	struct tl_stats st;
	(void)state;

	add(tl, 0, a, 3);
	assert_int_equal(timeline_live(tl, live), 3);
	assert_int_equal(live[DIAG_ESTABLISHED], 2);
	add(tl, 1, b, 3);
	add(tl, 2, b + 2, 1);
	assert_int_equal(timeline_live(tl, live), 1);
	assert_int_equal(live[DIAG_TIME_WAIT], 1);
	assert_int_equal(live[DIAG_FIN_WAIT2], 0);
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(timeline_stats(tl, DIAG_ESTABLISHED, &st), 0);
	assert_int_equal(st.peak, 2);
	assert_int_equal(timeline_stats(tl, DIAG_FIN_WAIT2, &st), 0);
	assert_int_equal(st.peak, 2);
	assert_int_equal(st.count, 3);
	assert_int_equal(st.bounded, 2);  /* conn 3's FIN_WAIT2 began before sample 0 */
	assert_int_equal(st.censored, 1);
	assert_int_equal(timeline_stats(tl, DIAG_TIME_WAIT, &st), 0);
	assert_int_equal(st.peak, 1);
	assert_int_equal(st.forever, 1);
	timeline_free(tl);
}

struct leave_log {
	int calls, forever;
	int64_t last_max;
};

static void on_leave(const struct tl_conn *c, const struct tl_visit *v, void *arg)
{
	struct leave_log *l = arg;
	int64_t mn;
	(void)c;
	l->calls++;
	if (v->flags & TL_V_FOREVER)
		l->forever++;
	tl_visit_lifetime(v, &mn, &l->last_max);
}

/* Drop-closed mode reuses the slots of connections that are gone; a scale check with
 * 100 000 connections passing through. */
static void test_drop_closed_and_scale(void **state)
{
	struct timeline *tl = timeline_new();
	struct leave_log log = { 0 };
	struct diag_sock *s = calloc(1000, sizeof(*s));
	int k, i;
	(void)state;

	assert_non_null(s);
	timeline_set_drop_closed(tl, true);
	timeline_set_on_leave(tl, on_leave, &log);
	add(tl, 0, NULL, 0);
	/* 100 batches of 1000 connections, each batch alive in one sample only. */
	for (k = 1; k <= 100; k++) {
		for (i = 0; i < 1000; i++) {
			s[i] = sk(0, DIAG_FIN_WAIT2, (uint64_t)(k * 1000 + i));
			s[i].tuple.rport = (uint16_t)(1000 + i);
			s[i].tuple.laddr[3] = (uint8_t)k;
		}
		add(tl, k, s, 1000);
	}
	add(tl, 101, NULL, 0);
	assert_int_equal(log.calls, 100000);
	assert_int_equal(log.last_max, A(101) - B(99));
	assert_int_equal(timeline_seen(tl), 100000);
	/* Only one batch was ever held at a time. */
	assert_true(timeline_conn_count(tl) <= 2000);
	add(tl, 102, s, 1);
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(log.forever, 1);
	free(s);
	timeline_free(tl);
}

static void test_bad_input(void **state)
{
	struct timeline *tl = timeline_new();
	(void)state;
	assert_int_equal(timeline_add_sample(tl, A(1), B(1), NULL, 0), -EINVAL);
	add(tl, 5, NULL, 0);
	assert_int_equal(timeline_add_sample(tl, B(4), A(4), NULL, 0), -EINVAL);
	timeline_free(tl);
	timeline_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_bounds),
		cmocka_unit_test(test_missed_samples),
		cmocka_unit_test(test_reuse_cookie),
		cmocka_unit_test(test_reuse_gone_and_backwards),
		cmocka_unit_test(test_syn_recv_cookie_change),
		cmocka_unit_test(test_state_skipping),
		cmocka_unit_test(test_forever_and_before),
		cmocka_unit_test(test_events_between_samples),
		cmocka_unit_test(test_events_narrow),
		cmocka_unit_test(test_missed_by_a_dump_same_cookie),
		cmocka_unit_test(test_revived_then_replaced),
		cmocka_unit_test(test_event_ranges),
		cmocka_unit_test(test_quant),
		cmocka_unit_test(test_aggregates),
		cmocka_unit_test(test_peaks_and_live),
		cmocka_unit_test(test_drop_closed_and_scale),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
