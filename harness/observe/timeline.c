#include "timeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NO_CONN UINT32_MAX

struct tl_event {
	struct diag_tuple tuple;
	int64_t lo, hi;	/* the transition happened within [lo, hi] */
	uint8_t state;
};

struct timeline {
	struct tl_conn *conns;
	size_t nconns, capconns;   /* slots in use (including freed ones) / allocated */
	uint32_t *free_slots;      /* drop-closed mode: reusable slots */
	size_t nfree, capfree;
	uint32_t *buckets;         /* hash of tuple -> newest connection with that tuple */
	size_t nbuckets;           /* power of two */
	uint32_t *open;            /* connections present in the latest sample */
	size_t nopen, capopen;
	struct tl_event *events;
	size_t nevents, capevents;
	uint64_t seq;              /* samples added */
	int64_t prev_before;       /* t_before of the latest sample */
	size_t seen;
	size_t live[DIAG_NSTATES];
	size_t peak[DIAG_NSTATES];
	tl_leave_fn on_leave;
	void *on_leave_arg;
	bool drop_closed;
	bool finished;
};

/* Grows *arr (elements of size sz) to hold at least need, doubling from first;
 * 0 or -ENOMEM. */
static int grow_from(void **arr, size_t *cap, size_t need, size_t sz, size_t first)
{
	size_t c = *cap ? *cap : first;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	p = realloc(*arr, c * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t sz)
{
	return grow_from(arr, cap, need, sz, 16);
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t tuple_hash(const struct diag_tuple *t)
{
	uint64_t w[4], h;

	memcpy(w, t->laddr, 16);
	memcpy(w + 2, t->raddr, 16);
	h = mix(0, (uint64_t)t->family << 32 | (uint64_t)t->lport << 16 | t->rport);
	h = mix(h, w[0]);
	h = mix(h, w[1]);
	h = mix(h, w[2]);
	return mix(h, w[3]);
}

static bool tuple_eq(const struct diag_tuple *a, const struct diag_tuple *b)
{
	return a->family == b->family && a->lport == b->lport && a->rport == b->rport &&
	       !memcmp(a->laddr, b->laddr, 16) && !memcmp(a->raddr, b->raddr, 16);
}

struct timeline *timeline_new(void)
{
	struct timeline *tl = calloc(1, sizeof(*tl));

	if (!tl)
		return NULL;
	tl->nbuckets = 1024;
	tl->buckets = malloc(tl->nbuckets * sizeof(*tl->buckets));
	if (!tl->buckets) {
		free(tl);
		return NULL;
	}
	memset(tl->buckets, 0xff, tl->nbuckets * sizeof(*tl->buckets));
	return tl;
}

void timeline_free(struct timeline *tl)
{
	size_t i;

	if (!tl)
		return;
	for (i = 0; i < tl->nconns; i++)
		free(tl->conns[i].visits);
	free(tl->conns);
	free(tl->free_slots);
	free(tl->buckets);
	free(tl->open);
	free(tl->events);
	free(tl);
}

void timeline_set_on_leave(struct timeline *tl, tl_leave_fn fn, void *arg)
{
	tl->on_leave = fn;
	tl->on_leave_arg = arg;
}

void timeline_set_drop_closed(struct timeline *tl, bool drop)
{
	tl->drop_closed = drop;
}

static uint32_t *bucket_of(struct timeline *tl, const struct diag_tuple *t)
{
	return &tl->buckets[tuple_hash(t) & (tl->nbuckets - 1)];
}

/* Doubles the bucket array (called when the chains would average more than one entry). */
static int rehash(struct timeline *tl)
{
	size_t n = tl->nbuckets * 2, i;
	uint32_t *b;

	b = malloc(n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	memset(b, 0xff, n * sizeof(*b));
	free(tl->buckets);
	tl->buckets = b;
	tl->nbuckets = n;
	/* Reinsert oldest first so that each chain stays newest-first. */
	for (i = 0; i < tl->nconns; i++) {
		struct tl_conn *c = &tl->conns[i];
		uint32_t *head;

		if (!c->nvisits)
			continue; /* free slot */
		head = bucket_of(tl, &c->tuple);
		c->next = *head;
		*head = (uint32_t)i;
	}
	return 0;
}

/* The newest connection with this tuple, or NO_CONN. */
static uint32_t lookup(struct timeline *tl, const struct diag_tuple *t)
{
	uint32_t i = *bucket_of(tl, t);

	while (i != NO_CONN && !tuple_eq(&tl->conns[i].tuple, t))
		i = tl->conns[i].next;
	return i;
}

static int push_visit(struct tl_conn *c, int state, int64_t lo, int64_t hi, uint8_t flags)
{
	struct tl_visit *v;
	size_t cap = c->cap;

	/* Three fit the usual path (ESTABLISHED, FIN_WAIT1, FIN_WAIT2): 120 bytes. */
	if (grow_from((void **)&c->visits, &cap, (size_t)c->nvisits + 1, sizeof(*v), 3))
		return -ENOMEM;
	c->cap = (uint32_t)cap;
	v = &c->visits[c->nvisits++];
	v->state = (uint8_t)state;
	v->flags = flags;
	v->entered_lo = lo;
	v->entered_hi = hi;
	v->left_lo = 0;
	v->left_hi = TL_INF;
	return 0;
}

/* Makes a new connection with one visit; returns its index or NO_CONN (no memory). */
static uint32_t new_conn(struct timeline *tl, const struct diag_tuple *t, uint64_t cookie,
			 int state, int64_t lo, int64_t hi, uint8_t flags)
{
	struct tl_conn *c;
	uint32_t idx, *head;

	if (tl->nfree) {
		idx = tl->free_slots[--tl->nfree];
	} else {
		if (tl->nconns + 1 > tl->nbuckets && rehash(tl))
			return NO_CONN;
		if (grow((void **)&tl->conns, &tl->capconns, tl->nconns + 1, sizeof(*c)))
			return NO_CONN;
		idx = (uint32_t)tl->nconns++;
	}
	c = &tl->conns[idx];
	memset(c, 0, sizeof(*c));
	c->tuple = *t;
	c->tuple.pad = 0;
	c->cookie = cookie;
	if (push_visit(c, state, lo, hi, flags)) {
		c->nvisits = 0;
		if (grow((void **)&tl->free_slots, &tl->capfree, tl->nfree + 1, sizeof(uint32_t)) == 0)
			tl->free_slots[tl->nfree++] = idx;
		return NO_CONN;
	}
	head = bucket_of(tl, t);
	c->next = *head;
	*head = idx;
	tl->seen++;
	return idx;
}

static void unlink_conn(struct timeline *tl, uint32_t idx)
{
	uint32_t *p = bucket_of(tl, &tl->conns[idx].tuple);

	while (*p != NO_CONN && *p != idx)
		p = &tl->conns[*p].next;
	if (*p == idx)
		*p = tl->conns[idx].next;
}

/* Ends the current visit of connection idx with exit interval [lo, hi]. */
static void leave(struct timeline *tl, uint32_t idx, int64_t lo, int64_t hi)
{
	struct tl_conn *c = &tl->conns[idx];
	struct tl_visit *v = &c->visits[c->nvisits - 1];

	v->left_lo = lo;
	v->left_hi = hi;
	if (tl->on_leave)
		tl->on_leave(c, v, tl->on_leave_arg);
}

/* Drop-closed mode: forgets a connection that is gone. Only called from the sweep at the
 * end of a sample, so that a slot is never reused while it is still in the open list. */
static void forget_conn(struct timeline *tl, uint32_t idx)
{
	struct tl_conn *c = &tl->conns[idx];

	if (!tl->drop_closed)
		return;
	if (grow((void **)&tl->free_slots, &tl->capfree, tl->nfree + 1, sizeof(uint32_t)))
		return; /* keep it: costs memory, loses nothing */
	unlink_conn(tl, idx);
	free(c->visits);
	memset(c, 0, sizeof(*c));
	tl->free_slots[tl->nfree++] = idx;
}

/* A connection that went missing and comes back with the same socket cookie is the same
 * socket: cookies are unique for a socket's life and a timewait minisocket inherits its
 * full socket's (inet_twsk_alloc()). A dump can miss a socket that is being swapped for
 * its minisocket: inet_diag tests the state mask, then fills the record after
 * tcp_done() has closed it and released its port (seen here as state CLOSE, port 0). */
static bool revivable(const struct tl_conn *c, const struct diag_sock *s)
{
	return !c->open && c->nvisits && s->cookie && c->cookie == s->cookie &&
	       !(c->visits[c->nvisits - 1].flags & TL_V_FOREVER);
}

/* Progress rank along the TCP state machine: a lower rank later means a new connection. */
static int rank(int state)
{
	switch (state) {
	case DIAG_SYN_SENT:
	case DIAG_SYN_RECV:
		return 1;
	case DIAG_ESTABLISHED:
		return 2;
	case DIAG_FIN_WAIT1:
	case DIAG_CLOSE_WAIT:
		return 3;
	case DIAG_FIN_WAIT2:
	case DIAG_CLOSING:
	case DIAG_LAST_ACK:
		return 4;
	case DIAG_TIME_WAIT:
		return 5;
	default:
		return 0;
	}
}

int timeline_add_sample(struct timeline *tl, int64_t t_before, int64_t t_after,
			const struct diag_sock *socks, size_t n)
{
	int64_t prev = tl->seq ? tl->prev_before : TL_NINF;
	uint8_t first_flags = tl->seq ? 0 : TL_V_BEFORE;
	size_t i, kept;
	uint32_t seq;

	if (tl->finished || t_after < t_before || (tl->seq && t_before < tl->prev_before))
		return -EINVAL;
	if (grow((void **)&tl->open, &tl->capopen, tl->nopen + n, sizeof(uint32_t)))
		return -ENOMEM;
	seq = (uint32_t)++tl->seq;
	memset(tl->live, 0, sizeof(tl->live));

	for (i = 0; i < n; i++) {
		const struct diag_sock *s = &socks[i];
		uint32_t idx;
		struct tl_conn *c = NULL;

		int64_t from = prev; /* the state seen now began after this */

		if (s->state == 0 || s->state >= DIAG_NSTATES)
			continue;
		idx = lookup(tl, &s->tuple);
		if (idx != NO_CONN && tl->conns[idx].open) {
			c = &tl->conns[idx];
		} else if (idx != NO_CONN && revivable(&tl->conns[idx], s)) {
			/* The same socket (same cookie) missed by some dumps: its last visit did
			 * not end when it went missing. It goes on from the last sample that saw
			 * it, whose t_before leave() kept in left_lo; the gap only widens bounds. */
			struct tl_visit *cur;

			c = &tl->conns[idx];
			cur = &c->visits[c->nvisits - 1];
			from = cur->left_lo;
			cur->left_lo = 0;
			cur->left_hi = TL_INF;
			c->open = 1;
			tl->open[tl->nopen++] = idx;
		}
		if (c && c->seen == seq)
			continue; /* the same socket twice in one dump */
		tl->live[s->state]++;
		if (c) {
			struct tl_visit *cur = &c->visits[c->nvisits - 1];
			bool cookie_changed = s->cookie && c->cookie && s->cookie != c->cookie;
			bool reused = rank(s->state) < rank(cur->state) ||
				      (cookie_changed && cur->state != DIAG_SYN_RECV);

			if (reused) {
				leave(tl, idx, prev, t_after);
				c->open = 0; /* the sweep below forgets it */
				c = NULL;
			} else {
				c->seen = seq;
				if (s->cookie)
					c->cookie = s->cookie;
				if (s->state != cur->state) {
					leave(tl, idx, from, t_after);
					if (push_visit(c, s->state, from, t_after, 0))
						return -ENOMEM;
				}
			}
		}
		if (!c) {
			idx = new_conn(tl, &s->tuple, s->cookie, s->state, prev, t_after,
				       first_flags);
			if (idx == NO_CONN)
				return -ENOMEM;
			tl->conns[idx].seen = seq;
			tl->conns[idx].open = 1;
			tl->open[tl->nopen++] = idx;
		}
	}

	/* Whatever was open and is missing from this sample is gone. */
	for (i = 0, kept = 0; i < tl->nopen; i++) {
		uint32_t idx = tl->open[i];
		struct tl_conn *c = &tl->conns[idx];

		if (!c->open) {
			forget_conn(tl, idx); /* replaced by a new connection on the same tuple */
			continue;
		}
		if (c->seen != seq) {
			leave(tl, idx, prev, t_after);
			c->open = 0;
			forget_conn(tl, idx);
			continue;
		}
		tl->open[kept++] = idx;
	}
	tl->nopen = kept;
	for (i = 0; i < DIAG_NSTATES; i++)
		if (tl->live[i] > tl->peak[i])
			tl->peak[i] = tl->live[i];
	tl->prev_before = t_before;
	return 0;
}

int timeline_add_event(struct timeline *tl, const struct diag_tuple *tuple, int state,
		       int64_t t)
{
	return timeline_add_event_range(tl, tuple, state, t, t);
}

int timeline_add_event_range(struct timeline *tl, const struct diag_tuple *tuple, int state,
			     int64_t lo, int64_t hi)
{
	struct tl_event *e;

	if (tl->finished || state <= 0 || state >= DIAG_NSTATES || lo > hi || hi == TL_INF ||
	    lo == TL_NINF)
		return -EINVAL;
	if (grow((void **)&tl->events, &tl->capevents, tl->nevents + 1, sizeof(*e)))
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

/* Narrows [*a, *b] to its intersection with [lo, hi] when they meet; false otherwise. */
static bool narrow(int64_t *a, int64_t *b, int64_t lo, int64_t hi)
{
	if (*a > hi || lo > *b)
		return false;
	*a = max64(*a, lo);
	*b = min64(*b, hi);
	return true;
}

/* Applies one event to a sampled connection whose span contains the event; *applied
 * tells whether it narrowed anything (an event inside a visit adds nothing). */
static int apply_event(struct tl_conn *c, const struct tl_event *e, bool *applied)
{
	uint32_t i;

	*applied = false;
	if (e->state == DIAG_CLOSE) {
		struct tl_visit *v = &c->visits[c->nvisits - 1];
		if (!(v->flags & TL_V_FOREVER) && narrow(&v->left_lo, &v->left_hi, e->lo, e->hi)) {
			v->flags = (uint8_t)((v->flags | TL_V_EVENT_OUT) & ~TL_V_NO_END);
			*applied = true;
		}
		return 0;
	}
	for (i = 0; i < c->nvisits; i++) {
		struct tl_visit *v = &c->visits[i];
		if (v->state == e->state && narrow(&v->entered_lo, &v->entered_hi, e->lo, e->hi)) {
			v->flags = (uint8_t)((v->flags | TL_V_EVENT_IN) & ~TL_V_BEFORE);
			if (i > 0) {
				/* The previous state ended when this one began. */
				struct tl_visit *p = &c->visits[i - 1];
				narrow(&p->left_lo, &p->left_hi, v->entered_lo, v->entered_hi);
			}
			*applied = true;
			return 0;
		}
	}
	for (i = 0; i < c->nvisits; i++)
		if (c->visits[i].state == e->state)
			return 0; /* in that state but not at its entry: nothing to narrow */
	/* A state the samples missed: it sits where one observed state ends and the next
	 * begins (the same interval), or before the first one. */
	for (i = 0; i < c->nvisits; i++) {
		struct tl_visit *nx = &c->visits[i];
		struct tl_visit *v;
		size_t cap = c->cap;

		if (nx->entered_lo > e->hi || e->lo > nx->entered_hi)
			continue;
		if (grow((void **)&c->visits, &cap, (size_t)c->nvisits + 1, sizeof(*v)))
			return -ENOMEM;
		c->cap = (uint32_t)cap;
		memmove(&c->visits[i + 1], &c->visits[i], (c->nvisits - i) * sizeof(*v));
		c->nvisits++;
		v = &c->visits[i];
		nx = &c->visits[i + 1];
		v->state = e->state;
		v->flags = TL_V_EVENT_IN;
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
		*applied = true;
		return 0;
	}
	return 0;
}

/* Event-only connections: the socket lived and died between two samples. */
static int apply_event_only(struct timeline *tl, const struct tl_event *e, uint32_t *cur)
{
	struct tl_conn *c = *cur == NO_CONN ? NULL : &tl->conns[*cur];

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
			if (push_visit(c, e->state, v->left_lo, e->hi, TL_V_EVENT_IN | TL_V_NO_END))
				return -ENOMEM;
			return 0;
		}
	}
	if (e->state == DIAG_CLOSE)
		return 0; /* a close with nothing known before it tells nothing */
	*cur = new_conn(tl, &e->tuple, 0, e->state, e->lo, e->hi, TL_V_EVENT_IN | TL_V_NO_END);
	return *cur == NO_CONN ? -ENOMEM : 0;
}

static int apply_events(struct timeline *tl)
{
	struct diag_tuple last_tuple;
	uint32_t only = NO_CONN; /* current event-only connection of this tuple */
	size_t i;
	int ret;

	qsort(tl->events, tl->nevents, sizeof(*tl->events), event_cmp);
	for (i = 0; i < tl->nevents; i++) {
		const struct tl_event *e = &tl->events[i];
		bool applied = false, consumed = false;
		uint32_t idx;

		if (i == 0 || memcmp(&last_tuple, &e->tuple, sizeof(last_tuple)))
			only = NO_CONN;
		last_tuple = e->tuple;
		for (idx = lookup(tl, &e->tuple); idx != NO_CONN; idx = tl->conns[idx].next) {
			struct tl_conn *c = &tl->conns[idx];
			if (idx == only || !tuple_eq(&c->tuple, &e->tuple) ||
			    !span_has(c, e->lo, e->hi))
				continue;
			consumed = true;
			ret = apply_event(c, e, &applied);
			if (ret)
				return ret;
			if (applied)
				break;
		}
		/* Consumed without effect: consistent with the samples, nothing to narrow. */
		if (!consumed && (ret = apply_event_only(tl, e, &only)))
			return ret;
	}
	tl->nevents = 0;
	return 0;
}

int timeline_finish(struct timeline *tl)
{
	size_t i;
	int ret;

	if (tl->finished)
		return 0;
	/* Forever first: an event-only visit must not be mistaken for a still-open one. */
	for (i = 0; i < tl->nopen; i++) {
		uint32_t idx = tl->open[i];
		struct tl_conn *c = &tl->conns[idx];
		struct tl_visit *v = &c->visits[c->nvisits - 1];

		v->flags |= TL_V_FOREVER;
		v->left_lo = tl->prev_before;
		v->left_hi = TL_INF;
		c->open = 0;
		if (tl->on_leave)
			tl->on_leave(c, v, tl->on_leave_arg);
	}
	tl->nopen = 0;
	ret = apply_events(tl);
	if (ret)
		return ret;
	tl->finished = true;
	return 0;
}

size_t timeline_conn_count(const struct timeline *tl)
{
	return tl->nconns;
}

const struct tl_conn *timeline_conn(const struct timeline *tl, size_t i)
{
	if (i >= tl->nconns || !tl->conns[i].nvisits)
		return NULL;
	return &tl->conns[i];
}

size_t timeline_seen(const struct timeline *tl)
{
	return tl->seen;
}

uint64_t timeline_samples(const struct timeline *tl)
{
	return tl->seq;
}

size_t timeline_live(const struct timeline *tl, size_t *per_state)
{
	size_t i, total = 0;

	for (i = 0; i < DIAG_NSTATES; i++) {
		total += tl->live[i];
		if (per_state)
			per_state[i] = tl->live[i];
	}
	return total;
}

void tl_visit_lifetime(const struct tl_visit *v, int64_t *min, int64_t *max)
{
	int64_t lo = v->left_lo - v->entered_hi;

	*min = lo > 0 ? lo : 0;
	if (v->left_hi == TL_INF || v->entered_lo == TL_NINF)
		*max = TL_INF;
	else
		*max = v->left_hi - v->entered_lo;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t tl_percentile(const int64_t *sorted, size_t n, double p)
{
	size_t rank_i;

	if (!n)
		return 0;
	/* Nearest rank: the smallest value with at least p % of the values at or below it. */
	rank_i = (size_t)(p / 100.0 * (double)n);
	if ((double)rank_i < p / 100.0 * (double)n)
		rank_i++;
	if (rank_i < 1)
		rank_i = 1;
	if (rank_i > n)
		rank_i = n;
	return sorted[rank_i - 1];
}

static void quant(int64_t *v, size_t n, struct tl_quant *q)
{
	qsort(v, n, sizeof(*v), cmp64);
	q->min = v[0];
	q->p50 = tl_percentile(v, n, 50);
	q->p99 = tl_percentile(v, n, 99);
	q->max = v[n - 1];
}

int timeline_stats(const struct timeline *tl, int state, struct tl_stats *st)
{
	int64_t *lo = NULL, *hi = NULL;
	size_t i, nb = 0, cap = 0;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (state <= 0 || state >= DIAG_NSTATES)
		return -EINVAL;
	st->peak = tl->peak[state];
	for (i = 0; i < tl->nconns; i++) {
		const struct tl_conn *c = &tl->conns[i];
		uint32_t j;

		for (j = 0; j < c->nvisits; j++) {
			const struct tl_visit *v = &c->visits[j];
			int64_t mn, mx;

			if (v->state != state)
				continue;
			st->count++;
			if (v->flags & TL_V_FOREVER) {
				st->forever++;
				continue;
			}
			if (v->flags & TL_V_CENSORED) {
				st->censored++;
				continue;
			}
			if (nb == cap) {
				size_t c2 = cap;
				if (grow((void **)&lo, &cap, nb + 1, sizeof(*lo)) ||
				    grow((void **)&hi, &c2, nb + 1, sizeof(*hi))) {
					ret = -ENOMEM;
					goto out;
				}
			}
			tl_visit_lifetime(v, &mn, &mx);
			lo[nb] = mn;
			hi[nb] = mx;
			nb++;
		}
	}
	st->bounded = nb;
	if (nb) {
		quant(lo, nb, &st->lo);
		quant(hi, nb, &st->hi);
	}
out:
	free(lo);
	free(hi);
	return ret;
}
