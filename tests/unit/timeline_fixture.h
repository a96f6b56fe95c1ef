/* timeline_fixture: what the timeline's unit tests share (test_timeline.c,
 * test_timeline_phase.c): a sample clock, tuples and records, adding samples, and checks
 * of a connection's visits. Include after cmocka.h. */
#ifndef FINWAIT_TESTS_TIMELINE_FIXTURE_H
#define FINWAIT_TESTS_TIMELINE_FIXTURE_H

#include <arpa/inet.h>
#include <string.h>

#include "timeline.h"
#include "util.h"

#define MS NSEC_PER_MSEC
#define US NSEC_PER_USEC

/* Sample k is taken in [k ms, k ms + 100 us]. */
static inline int64_t B(int k) { return k * MS; }
static inline int64_t A(int k) { return k * MS + 100 * US; }

static inline struct diag_tuple tup(int id)
{
	struct diag_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = AF_INET;
	t.lport = 80;
	t.rport = (uint16_t)(40000 + id);
	inet_pton(AF_INET, "198.18.0.1", t.laddr);
	inet_pton(AF_INET, "198.18.0.2", t.raddr);
	return t;
}

static inline struct diag_sock sk(int id, int state, uint64_t cookie)
{
	struct diag_sock s;

	memset(&s, 0, sizeof(s));
	s.tuple = tup(id);
	s.state = (uint8_t)state;
	s.cookie = cookie;
	return s;
}

/* Adds sample k with n records. */
static inline void add(struct timeline *tl, int k, const struct diag_sock *s, size_t n)
{
	assert_int_equal(timeline_add_sample(tl, B(k), A(k), s, n), 0);
}

static inline void add1(struct timeline *tl, int k, struct diag_sock s)
{
	add(tl, k, &s, 1);
}

static inline const struct tl_conn *only_conn(struct timeline *tl)
{
	size_t i, found = 0;
	const struct tl_conn *c = NULL;

	for (i = 0; i < timeline_conn_count(tl); i++)
		if (timeline_conn(tl, i)) {
			c = timeline_conn(tl, i);
			found++;
		}
	assert_int_equal(found, 1);
	return c;
}

static inline void assert_visit(const struct tl_visit *v, int state, int64_t elo, int64_t ehi,
			 int64_t llo, int64_t lhi)
{
	assert_int_equal(v->state, state);
	assert_int_equal(v->entered_lo, elo);
	assert_int_equal(v->entered_hi, ehi);
	assert_int_equal(v->left_lo, llo);
	assert_int_equal(v->left_hi, lhi);
}

static inline size_t count_conns(struct timeline *tl)
{
	size_t i, n = 0;

	for (i = 0; i < timeline_conn_count(tl); i++)
		n += timeline_conn(tl, i) != NULL;
	return n;
}

#endif
