/* Unit tests for timeline_phase.c: each visit cut into phases by owner (held: inode != 0,
 * orphan: 0) and kernel timer, the phase bounds, the server's close() narrowing the
 * held -> orphan boundary (TL_EVENT_ORPHAN), a revived connection, the cap per visit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit/timeline_fixture.h"

#define RTO_US 204000u

/* A full socket that an application holds (inode), with a timer and its tcp_info RTO. */
static struct diag_sock held(int id, int state, int timer)
{
	struct diag_sock s = sk(id, state, 7);

	s.inode = 1000u + (uint32_t)id;
	s.timer = (uint8_t)timer;
	s.rto_us = RTO_US;
	return s;
}

/* An orphan: no inode. A timewait minisocket has no tcp_info (rto_us 0). */
static struct diag_sock orphan(int id, int state, int timer)
{
	struct diag_sock s = sk(id, state, 7);

	s.timer = (uint8_t)timer;
	s.rto_us = timer == DIAG_TIMER_TIMEWAIT ? 0 : RTO_US;
	return s;
}

static void assert_phase(const struct tl_phase *p, int owner, int timer, int64_t elo,
			 int64_t ehi, int64_t llo, int64_t lhi)
{
	assert_int_equal(p->owner, owner);
	assert_int_equal(p->timer, timer);
	assert_int_equal(p->entered_lo, elo);
	assert_int_equal(p->entered_hi, ehi);
	assert_int_equal(p->left_lo, llo);
	assert_int_equal(p->left_hi, lhi);
}

/* The visit of state `state` in c (exactly one). */
static size_t visit_of(const struct tl_conn *c, int state)
{
	size_t i, found = c->nvisits;

	for (i = 0; i < c->nvisits; i++)
		if (c->visits[i].state == state) {
			assert_int_equal(found, c->nvisits);
			found = i;
		}
	assert_true(found < c->nvisits);
	return found;
}

/* A lingering close (apache2's): after its FIN the server still holds the socket in
 * FIN_WAIT2 (samples 3-5, no timer), then close() makes it a timewait minisocket. */
static void test_held_then_orphan(void **state)
{
	struct timeline *tl = timeline_new();
	struct tl_phase ph[TL_PHASES_MAX];
	const struct tl_conn *c;
	int64_t mn, mx;
	size_t n;
	int k;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, held(1, DIAG_ESTABLISHED, DIAG_TIMER_NONE));
	add1(tl, 2, held(1, DIAG_FIN_WAIT1, DIAG_TIMER_RETRANS));
	for (k = 3; k <= 5; k++)
		add1(tl, k, held(1, DIAG_FIN_WAIT2, DIAG_TIMER_NONE));
	for (k = 6; k <= 8; k++)
		add1(tl, k, orphan(1, DIAG_FIN_WAIT2, DIAG_TIMER_TIMEWAIT));
	add(tl, 9, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);

	c = only_conn(tl);
	assert_int_equal(c->nvisits, 3);
	assert_int_equal(tl_visit_phases(c, 0, NULL), 1);
	assert_int_equal(tl_visit_phases(c, 1, ph), 1);
	assert_phase(&ph[0], TL_HELD, DIAG_TIMER_RETRANS, B(1), A(2), B(2), A(3));
	n = tl_visit_phases(c, 2, ph);
	assert_int_equal(n, 2);
	assert_phase(&ph[0], TL_HELD, DIAG_TIMER_NONE, B(2), A(3), B(5), A(6));
	assert_int_equal(ph[0].inode, 1001);
	assert_int_equal(ph[0].rto_us, RTO_US);
	assert_phase(&ph[1], TL_ORPHAN, DIAG_TIMER_TIMEWAIT, B(5), A(6), B(8), A(9));
	assert_int_equal(ph[1].inode, 0);
	assert_int_equal(ph[1].rto_us, 0);
	assert_int_equal(ph[1].flags, 0);
	/* The application's share and the kernel's. */
	tl_phase_lifetime(&ph[0], &mn, &mx);
	assert_int_equal(mn, B(5) - A(3));
	assert_int_equal(mx, A(6) - B(2));
	tl_phase_lifetime(&ph[1], &mn, &mx);
	assert_int_equal(mn, B(8) - A(6));
	assert_int_equal(mx, A(9) - B(5));
	assert_int_equal(tl_visit_phases(c, 3, ph), 0); /* no such visit */
	timeline_free(tl);
}

/* The timer alone cuts phases: none, retransmit (a response in flight), none, keepalive.
 * A record without tcp_info keeps the RTO seen before; a new one replaces it. */
static void test_timer_changes(void **state)
{
	struct timeline *tl = timeline_new();
	struct tl_phase ph[TL_PHASES_MAX];
	struct diag_sock s;
	const struct tl_conn *c;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, held(1, DIAG_ESTABLISHED, DIAG_TIMER_NONE));
	add1(tl, 2, held(1, DIAG_ESTABLISHED, DIAG_TIMER_RETRANS));
	s = held(1, DIAG_ESTABLISHED, DIAG_TIMER_RETRANS);
	s.rto_us = 0;
	add1(tl, 3, s);
	add1(tl, 4, held(1, DIAG_ESTABLISHED, DIAG_TIMER_NONE));
	s = held(1, DIAG_ESTABLISHED, DIAG_TIMER_KEEPALIVE);
	s.rto_us = 408000;
	add1(tl, 5, s);
	assert_int_equal(timeline_finish(tl), 0);

	c = only_conn(tl);
	assert_int_equal(c->nvisits, 1);
	assert_int_equal(tl_visit_phases(c, 0, ph), 4);
	assert_phase(&ph[0], TL_HELD, DIAG_TIMER_NONE, B(0), A(1), B(1), A(2));
	assert_phase(&ph[1], TL_HELD, DIAG_TIMER_RETRANS, B(1), A(2), B(3), A(4));
	assert_int_equal(ph[1].rto_us, RTO_US);
	assert_phase(&ph[2], TL_HELD, DIAG_TIMER_NONE, B(3), A(4), B(4), A(5));
	assert_phase(&ph[3], TL_HELD, DIAG_TIMER_KEEPALIVE, B(4), A(5), B(5), TL_INF);
	assert_int_equal(ph[3].rto_us, 408000);
	timeline_free(tl);
}

/* A timewait minisocket: orphan, timewait timer, no inode and no RTO, already there at
 * the first sample and still there at the end. */
static void test_minisocket(void **state)
{
	struct timeline *tl = timeline_new();
	struct tl_phase ph[TL_PHASES_MAX];
	const struct tl_conn *c;
	int64_t mn, mx;
	(void)state;

	add1(tl, 0, orphan(1, DIAG_TIME_WAIT, DIAG_TIMER_TIMEWAIT));
	add1(tl, 1, orphan(1, DIAG_TIME_WAIT, DIAG_TIMER_TIMEWAIT));
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(tl_visit_phases(c, 0, ph), 1);
	assert_phase(&ph[0], TL_ORPHAN, DIAG_TIMER_TIMEWAIT, TL_NINF, A(0), B(1), TL_INF);
	assert_int_equal(ph[0].inode, 0);
	assert_int_equal(ph[0].rto_us, 0);
	tl_phase_lifetime(&ph[0], &mn, &mx);
	assert_int_equal(mn, B(1) - A(0));
	assert_int_equal(mx, TL_INF);
	timeline_free(tl);
}

/* close() with SO_LINGER: the server holds the socket until the FIN is ACKed, so the
 * release falls inside FIN_WAIT2; its close event (stamped before and after the call)
 * narrows that boundary. A release that meets no held -> orphan boundary (here the
 * second connection's plain close(), at the state change) narrows nothing, and one of a
 * tuple never sampled makes no connection. */
static void test_close_event_narrows(void **state)
{
	struct timeline *tl = timeline_new();
	struct tl_phase ph[TL_PHASES_MAX];
	struct diag_sock s[2];
	struct diag_tuple t1 = tup(1), t2 = tup(2), t3 = tup(3);
	const int64_t t = B(3) + 40 * US, done = B(3) + 60 * US;
	const struct tl_conn *c = NULL;
	int k;
	(void)state;

	add(tl, 0, NULL, 0);
	for (k = 1; k <= 6; k++) {
		s[0] = k <= 3 ? held(1, DIAG_FIN_WAIT2, DIAG_TIMER_NONE)
			      : orphan(1, DIAG_FIN_WAIT2, DIAG_TIMER_TIMEWAIT);
		s[1] = k <= 3 ? held(2, DIAG_ESTABLISHED, DIAG_TIMER_NONE)
			      : orphan(2, DIAG_FIN_WAIT1, DIAG_TIMER_RETRANS);
		s[1].cookie = 8;
		add(tl, k, s, 2);
	}
	assert_int_equal(timeline_add_event_range(tl, &t1, TL_EVENT_ORPHAN, t, done), 0);
	assert_int_equal(timeline_add_event_range(tl, &t2, TL_EVENT_ORPHAN, t, done), 0);
	assert_int_equal(timeline_add_event_range(tl, &t3, TL_EVENT_ORPHAN, t, done), 0);
	assert_int_equal(timeline_finish(tl), 0);

	assert_int_equal(count_conns(tl), 2);
	for (k = 0; k < 2; k++) {
		c = timeline_conn(tl, (size_t)k);
		if (c->tuple.rport == t1.rport)
			break;
	}
	assert_int_equal(tl_visit_phases(c, 0, ph), 2);
	assert_phase(&ph[0], TL_HELD, DIAG_TIMER_NONE, B(0), A(1), t, done);
	assert_phase(&ph[1], TL_ORPHAN, DIAG_TIMER_TIMEWAIT, t, done, B(6), TL_INF);
	assert_int_equal(ph[1].flags, TL_P_EVENT_IN);

	c = timeline_conn(tl, (size_t)(1 - k));
	assert_int_equal(c->nvisits, 2);
	assert_int_equal(tl_visit_phases(c, 0, NULL), 1);
	assert_int_equal(tl_visit_phases(c, 1, ph), 1);
	assert_phase(&ph[0], TL_ORPHAN, DIAG_TIMER_RETRANS, B(3), A(4), B(6), TL_INF);
	timeline_free(tl);
}

/* shutdown(): the server's close event is no release. The socket stays held until the
 * process is killed (sample 7); a release event at the shutdown, far from that boundary,
 * would narrow nothing. Bad ranges are refused as for the states' events. */
static void test_shutdown_keeps_held(void **state)
{
	struct timeline *tl = timeline_new();
	struct tl_phase ph[TL_PHASES_MAX];
	struct diag_tuple t1 = tup(1);
	const struct tl_conn *c;
	int k;
	(void)state;

	add(tl, 0, NULL, 0);
	for (k = 1; k <= 8; k++)
		add1(tl, k, k <= 6 ? held(1, DIAG_FIN_WAIT2, DIAG_TIMER_NONE)
				   : orphan(1, DIAG_FIN_WAIT2, DIAG_TIMER_TIMEWAIT));
	assert_int_equal(timeline_add_event_range(tl, &t1, DIAG_FIN_WAIT1, B(1), A(1)), 0);
	assert_int_equal(timeline_add_event_range(tl, &t1, TL_EVENT_ORPHAN, B(1), A(1)), 0);
	assert_int_equal(timeline_add_event_range(tl, &t1, TL_EVENT_ORPHAN, A(1), B(1)),
			 -EINVAL);
	assert_int_equal(timeline_add_event_range(tl, &t1, TL_EVENT_ORPHAN + 1, B(1), A(1)),
			 -EINVAL);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(tl_visit_phases(c, visit_of(c, DIAG_FIN_WAIT1), ph), 0);
	assert_int_equal(tl_visit_phases(c, visit_of(c, DIAG_FIN_WAIT2), ph), 2);
	assert_phase(&ph[1], TL_ORPHAN, DIAG_TIMER_TIMEWAIT, B(6), A(7), B(8), TL_INF);
	assert_int_equal(ph[1].flags, 0);
	timeline_free(tl);
}

/* A dump missed the socket (sample 3) while the server released it: it comes back with
 * its cookie, as a minisocket. One visit, and its phases go on: the boundary spans the
 * gap, from the last sample that saw it held. */
static void test_revived_keeps_phases(void **state)
{
	struct timeline *tl = timeline_new();
	struct tl_phase ph[TL_PHASES_MAX];
	const struct tl_conn *c;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, held(1, DIAG_FIN_WAIT2, DIAG_TIMER_NONE));
	add1(tl, 2, held(1, DIAG_FIN_WAIT2, DIAG_TIMER_NONE));
	add(tl, 3, NULL, 0);
	add1(tl, 4, orphan(1, DIAG_FIN_WAIT2, DIAG_TIMER_TIMEWAIT));
	add(tl, 5, NULL, 0);
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(c->nvisits, 1);
	assert_int_equal(tl_visit_phases(c, 0, ph), 2);
	assert_phase(&ph[0], TL_HELD, DIAG_TIMER_NONE, B(0), A(1), B(2), A(4));
	assert_phase(&ph[1], TL_ORPHAN, DIAG_TIMER_TIMEWAIT, B(2), A(4), B(4), A(5));
	timeline_free(tl);
}

/* A timer that flaps every sample: the visit keeps TL_PHASES_MAX phases, the last one
 * folds the rest and shows the latest owner and timer. */
static void test_cap_per_visit(void **state)
{
	struct timeline *tl = timeline_new();
	struct tl_phase ph[TL_PHASES_MAX];
	const struct tl_conn *c;
	int k;
	(void)state;

	add(tl, 0, NULL, 0);
	for (k = 1; k <= 40; k++)
		add1(tl, k, held(1, DIAG_ESTABLISHED, k % 2 ? DIAG_TIMER_NONE : DIAG_TIMER_RETRANS));
	add1(tl, 41, orphan(1, DIAG_ESTABLISHED, DIAG_TIMER_KEEPALIVE));
	add1(tl, 42, held(1, DIAG_FIN_WAIT1, DIAG_TIMER_RETRANS));
	assert_int_equal(timeline_finish(tl), 0);
	c = only_conn(tl);
	assert_int_equal(tl_visit_phases(c, 0, ph), TL_PHASES_MAX);
	assert_int_equal(ph[TL_PHASES_MAX - 2].flags, 0);
	assert_phase(&ph[TL_PHASES_MAX - 1], TL_ORPHAN, DIAG_TIMER_KEEPALIVE, B(TL_PHASES_MAX - 1),
		     A(TL_PHASES_MAX), B(41), A(42));
	assert_int_equal(ph[TL_PHASES_MAX - 1].flags, TL_P_MIXED);
	assert_int_equal(ph[TL_PHASES_MAX - 1].inode, 0);
	/* The next visit starts afresh. */
	assert_int_equal(tl_visit_phases(c, 1, ph), 1);
	assert_phase(&ph[0], TL_HELD, DIAG_TIMER_RETRANS, B(41), A(42), B(42), TL_INF);
	timeline_free(tl);
}

/* Visits no sample saw have no phase: an event-only connection, and a state inserted
 * between two sampled ones (its neighbours keep theirs). */
static void test_event_visits_have_none(void **state)
{
	struct timeline *tl = timeline_new();
	struct tl_phase ph[TL_PHASES_MAX];
	struct diag_tuple t1 = tup(1), t2 = tup(2);
	const struct tl_conn *c = NULL, *c2 = NULL;
	size_t i;
	(void)state;

	add(tl, 0, NULL, 0);
	add1(tl, 1, held(1, DIAG_ESTABLISHED, DIAG_TIMER_NONE));
	add1(tl, 2, orphan(1, DIAG_FIN_WAIT2, DIAG_TIMER_TIMEWAIT));
	add(tl, 3, NULL, 0);
	assert_int_equal(timeline_add_event(tl, &t1, DIAG_FIN_WAIT1, A(1) + 50 * US), 0);
	assert_int_equal(timeline_add_event(tl, &t2, DIAG_ESTABLISHED, B(2)), 0);
	assert_int_equal(timeline_finish(tl), 0);
	assert_int_equal(count_conns(tl), 2);
	for (i = 0; i < timeline_conn_count(tl); i++)
		if (timeline_conn(tl, i) && timeline_conn(tl, i)->tuple.rport == t2.rport)
			c2 = timeline_conn(tl, i);
		else if (timeline_conn(tl, i))
			c = timeline_conn(tl, i);
	assert_non_null(c2);
	assert_int_equal(tl_visit_phases(c2, 0, ph), 0);
	assert_int_equal(c->nvisits, 3);
	assert_int_equal(tl_visit_phases(c, visit_of(c, DIAG_FIN_WAIT1), ph), 0);
	assert_int_equal(tl_visit_phases(c, visit_of(c, DIAG_ESTABLISHED), ph), 1);
	assert_int_equal(ph[0].owner, TL_HELD);
	assert_int_equal(tl_visit_phases(c, visit_of(c, DIAG_FIN_WAIT2), ph), 1);
	assert_int_equal(ph[0].owner, TL_ORPHAN);
	timeline_free(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_then_orphan),
		cmocka_unit_test(test_timer_changes),
		cmocka_unit_test(test_minisocket),
		cmocka_unit_test(test_close_event_narrows),
		cmocka_unit_test(test_shutdown_keeps_held),
		cmocka_unit_test(test_revived_keeps_phases),
		cmocka_unit_test(test_cap_per_visit),
		cmocka_unit_test(test_event_visits_have_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
