/* timeline_event.c: known transitions (timeline_add_event*()), kept until
 * timeline_finish() and then applied: each narrows the entry or exit bounds of the
 * sampled connection it falls in (a release, TL_EVENT_ORPHAN, narrows a phase boundary),
 * inserts a state the samples missed, or builds an event-only connection (a socket that
 * came and went between two samples). */
#include "timeline.h"
#include "timeline_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int timeline_add_event(struct timeline *tl, const struct diag_tuple *tuple, int state,
		       int64_t t)
{
	return timeline_add_event_range(tl, tuple, state, t, t);
}

int timeline_add_event_range(struct timeline *tl, const struct diag_tuple *tuple, int state,
			     int64_t lo, int64_t hi)
{
	struct tl_event *e;

	if (tl->finished || ((state <= 0 || state >= DIAG_NSTATES) && state != TL_EVENT_ORPHAN) ||
	    lo > hi || hi == TL_INF || lo == TL_NINF)
		return -EINVAL;
	if (tl_grow((void **)&tl->events, &tl->capevents, tl->nevents + 1, sizeof(*e)))
		return -ENOMEM;
	e = &tl->events[tl->nevents++];
	memset(e, 0, sizeof(*e));
	e->tuple = *tuple;
	e->tuple.pad = 0;
	e->state = (uint8_t)state;
	e->lo = lo;
	e->hi = hi;
	return 0;
}

/* By tuple, then by the upper end of the interval. */
static int event_cmp(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;
	int r = memcmp(&x->tuple, &y->tuple, sizeof(x->tuple));

	if (r)
		return r;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Does connection c's observed span meet [lo, hi]? */
static bool span_has(const struct tl_conn *c, int64_t lo, int64_t hi)
{
	const struct tl_visit *last = &c->visits[c->nvisits - 1];

	return c->visits[0].entered_lo <= hi && lo <= last->left_hi;
}

bool tl_narrow(int64_t *a, int64_t *b, int64_t lo, int64_t hi)
{
	if (*a > hi || lo > *b)
		return false;
	*a = max64(*a, lo);
	*b = min64(*b, hi);
	return true;
}

/* DIAG_CLOSE: narrows the exit of the last visit, unless that one lasted to the end of
 * the timeline. Returns whether it narrowed it. */
static bool apply_close(struct tl_conn *c, const struct tl_event *e)
{
	struct tl_visit *v = &c->visits[c->nvisits - 1];

	if ((v->flags & TL_V_FOREVER) || !tl_narrow(&v->left_lo, &v->left_hi, e->lo, e->hi))
		return false;
	v->flags = (uint8_t)((v->flags | TL_V_EVENT_OUT) & ~TL_V_NO_END);
	return true;
}

/* An entry into a sampled state: narrows the entry of the first visit to e->state whose
 * entry interval meets the event, and the exit of the visit before it (the previous
 * state ended when this one began). Returns whether a visit was narrowed. */
static bool apply_entry(struct tl_conn *c, const struct tl_event *e)
{
	uint32_t i;

	for (i = 0; i < c->nvisits; i++) {
		struct tl_visit *v = &c->visits[i];

		if (v->state != e->state ||
		    !tl_narrow(&v->entered_lo, &v->entered_hi, e->lo, e->hi))
			continue;
		v->flags = (uint8_t)((v->flags | TL_V_EVENT_IN) & ~TL_V_BEFORE);
		if (i > 0) {
			struct tl_visit *p = &c->visits[i - 1];
			tl_narrow(&p->left_lo, &p->left_hi, v->entered_lo, v->entered_hi);
		}
		return true;
	}
	return false;
}

static bool has_state(const struct tl_conn *c, int state)
{
	uint32_t i;

	for (i = 0; i < c->nvisits; i++)
		if (c->visits[i].state == state)
			return true;
	return false;
}

/* A state the samples missed: it sits where one observed state ends and the next begins
 * (the same interval), or before the first one. Inserted before the first visit whose
 * entry interval meets the event. Returns 1 when inserted, 0 when no visit's entry meets
 * it, or -ENOMEM. */
static int insert_missed(struct tl_conn *c, const struct tl_event *e)
{
	struct tl_visit *v, *nx;
	size_t cap = c->cap;
	uint32_t i;

	for (i = 0; i < c->nvisits; i++)
		if (c->visits[i].entered_lo <= e->hi && e->lo <= c->visits[i].entered_hi)
			break;
	if (i == c->nvisits)
		return 0;
	if (tl_grow((void **)&c->visits, &cap, (size_t)c->nvisits + 1, sizeof(*v)))
		return -ENOMEM;
	c->cap = (uint32_t)cap;
	memmove(&c->visits[i + 1], &c->visits[i], (c->nvisits - i) * sizeof(*v));
	c->nvisits++;
	v = &c->visits[i];
	nx = &c->visits[i + 1];
	v->state = e->state;
	v->flags = TL_V_EVENT_IN;
	tl_phase_start(c, v, NULL); /* no sample saw it: no phase */
	v->entered_lo = max64(e->lo, nx->entered_lo);
	v->entered_hi = min64(e->hi, nx->entered_hi);
	v->left_lo = max64(v->entered_lo, nx->entered_lo);
	v->left_hi = nx->entered_hi;
	nx->entered_lo = v->left_lo;
	nx->flags &= (uint8_t)~TL_V_BEFORE;
	if (i > 0) {
		struct tl_visit *p = &c->visits[i - 1];
		p->left_hi = min64(p->left_hi, v->entered_hi);
		p->left_lo = min64(p->left_lo, p->left_hi);
	}
	return 1;
}

/* Applies one event to a sampled connection whose span contains the event; *applied
 * tells whether it narrowed anything (an event inside a visit adds nothing).
 * Returns 0 or -ENOMEM. */
static int apply_event(struct tl_conn *c, const struct tl_event *e, bool *applied)
{
	int ret;

	*applied = false;
	if (e->state == TL_EVENT_ORPHAN) {
		*applied = tl_phase_apply_orphan(c, e->lo, e->hi);
		return 0;
	}
	if (e->state == DIAG_CLOSE) {
		*applied = apply_close(c, e);
		return 0;
	}
	if (apply_entry(c, e)) {
		*applied = true;
		return 0;
	}
	if (has_state(c, e->state))
		return 0; /* in that state but not at its entry: nothing to narrow */
	ret = insert_missed(c, e);
	if (ret < 0)
		return ret;
	*applied = ret > 0;
	return 0;
}

/* Event-only connections: the socket lived and died between two samples. *cur is the
 * tuple's current event-only connection (NO_CONN: none yet), which the event extends, or
 * which a new one replaces. Returns 0 or -ENOMEM. */
static int apply_event_only(struct timeline *tl, const struct tl_event *e, uint32_t *cur)
{
	struct tl_conn *c = *cur == NO_CONN ? NULL : &tl->conns[*cur];

	if (e->state == TL_EVENT_ORPHAN)
		return 0; /* narrows sampled phases only */
	if (c) {
		struct tl_visit *v = &c->visits[c->nvisits - 1];
		if (!(v->flags & TL_V_NO_END))
			c = NULL; /* ended by a CLOSE event: a later event is a new connection */
		else if (e->state == v->state)
			return 0;
		else {
			v->left_lo = max64(e->lo, v->entered_lo);
			v->left_hi = e->hi;
			v->flags = (uint8_t)((v->flags & ~TL_V_NO_END) | TL_V_EVENT_OUT);
			if (e->state == DIAG_CLOSE)
				return 0;
			if (tl_push_visit(c, e->state, v->left_lo, e->hi,
					  TL_V_EVENT_IN | TL_V_NO_END, NULL))
				return -ENOMEM;
			return 0;
		}
	}
	if (e->state == DIAG_CLOSE)
		return 0; /* a close with nothing known before it tells nothing */
	*cur = tl_new_conn(tl, &e->tuple, 0, e->state, e->lo, e->hi, TL_V_EVENT_IN | TL_V_NO_END,
			   NULL);
	return *cur == NO_CONN ? -ENOMEM : 0;
}

int tl_apply_events(struct timeline *tl)
{
	struct diag_tuple last_tuple;
	uint32_t only = NO_CONN; /* current event-only connection of this tuple */
	size_t i;
	int ret;

	if (tl->nevents) /* qsort(NULL, 0) is undefined: no events, no array */
		qsort(tl->events, tl->nevents, sizeof(*tl->events), event_cmp);
	for (i = 0; i < tl->nevents; i++) {
		const struct tl_event *e = &tl->events[i];
		bool applied = false, consumed = false;
		uint32_t idx;

		if (i == 0 || memcmp(&last_tuple, &e->tuple, sizeof(last_tuple)))
			only = NO_CONN;
		last_tuple = e->tuple;
		for (idx = tl_lookup(tl, &e->tuple); idx != NO_CONN; idx = tl->conns[idx].next) {
			struct tl_conn *c = &tl->conns[idx];
			if (idx == only || !tl_tuple_eq(&c->tuple, &e->tuple) ||
			    !span_has(c, e->lo, e->hi))
				continue;
			consumed = true;
			ret = apply_event(c, e, &applied);
			if (ret)
				return ret;
			if (applied)
				break;
		}
		/* An event that met a sampled connection agrees with it, narrowing or not; one
		 * that met none belongs to an event-only connection. */
		if (!consumed && (ret = apply_event_only(tl, e, &only)))
			return ret;
	}
	tl->nevents = 0;
	return 0;
}
