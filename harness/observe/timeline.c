/* timeline.c: the connection store (slots, the tuple hash, visits), the samples that feed
 * it (timeline_add_sample()), timeline_finish() and the read accessors. Phases are in
 * timeline_phase.c, events in timeline_event.c, lifetimes and aggregates in
 * timeline_stats.c; the layout they share is in timeline_priv.h. */
#include "timeline.h"
#include "timeline_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tl_grow_from(void **arr, size_t *cap, size_t need, size_t sz, size_t first)
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

int tl_grow(void **arr, size_t *cap, size_t need, size_t sz)
{
	return tl_grow_from(arr, cap, need, sz, 16);
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

uint64_t tl_tuple_hash(const struct diag_tuple *t)
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

bool tl_tuple_eq(const struct diag_tuple *a, const struct diag_tuple *b)
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
	for (i = 0; i < tl->nconns; i++) {
		free(tl->conns[i].visits);
		free(tl->conns[i].more);
	}
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
	return &tl->buckets[tl_tuple_hash(t) & (tl->nbuckets - 1)];
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

uint32_t tl_lookup(struct timeline *tl, const struct diag_tuple *t)
{
	uint32_t i = *bucket_of(tl, t);

	while (i != NO_CONN && !tl_tuple_eq(&tl->conns[i].tuple, t))
		i = tl->conns[i].next;
	return i;
}

int tl_push_visit(struct tl_conn *c, int state, int64_t lo, int64_t hi, uint8_t flags,
		  const struct diag_sock *s)
{
	struct tl_visit *v;
	size_t cap = c->cap;

	/* Three fit the usual path (ESTABLISHED, FIN_WAIT1, FIN_WAIT2): 120 bytes. */
	if (tl_grow_from((void **)&c->visits, &cap, (size_t)c->nvisits + 1, sizeof(*v), 3))
		return -ENOMEM;
	c->cap = (uint32_t)cap;
	v = &c->visits[c->nvisits++];
	v->state = (uint8_t)state;
	v->flags = flags;
	v->entered_lo = lo;
	v->entered_hi = hi;
	v->left_lo = 0;
	v->left_hi = TL_INF;
	tl_phase_start(c, v, s);
	return 0;
}

uint32_t tl_new_conn(struct timeline *tl, const struct diag_tuple *t, uint64_t cookie,
		     int state, int64_t lo, int64_t hi, uint8_t flags, const struct diag_sock *s)
{
	struct tl_conn *c;
	uint32_t idx, *head;

	if (tl->nfree) {
		idx = tl->free_slots[--tl->nfree];
	} else {
		if (tl->nconns + 1 > tl->nbuckets && rehash(tl))
			return NO_CONN;
		if (tl_grow((void **)&tl->conns, &tl->capconns, tl->nconns + 1, sizeof(*c)))
			return NO_CONN;
		idx = (uint32_t)tl->nconns++;
	}
	c = &tl->conns[idx];
	memset(c, 0, sizeof(*c));
	c->tuple = *t;
	c->tuple.pad = 0;
	c->cookie = cookie;
	if (tl_push_visit(c, state, lo, hi, flags, s)) {
		c->nvisits = 0;
		if (tl_grow((void **)&tl->free_slots, &tl->capfree, tl->nfree + 1, sizeof(uint32_t)) == 0)
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
	if (tl_grow((void **)&tl->free_slots, &tl->capfree, tl->nfree + 1, sizeof(uint32_t)))
		return; /* keep it: costs memory, loses nothing */
	unlink_conn(tl, idx);
	free(c->visits);
	free(c->more);
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

/* One sample's window, as each of its records sees it. */
struct sample_win {
	int64_t prev;        /* t_before of the previous sample; TL_NINF for the first */
	int64_t t_after;     /* of this sample */
	uint32_t seq;        /* this sample's number */
	uint8_t first_flags; /* TL_V_BEFORE in the first sample: its states began before it */
};

/* Reopens a connection that revivable() accepts: its last visit did not end when it went
 * missing. It goes on from the last sample that saw it, whose t_before leave() kept in
 * left_lo; that time is returned (its state now began after it). The gap only widens
 * bounds. */
static int64_t revive(struct timeline *tl, uint32_t idx)
{
	struct tl_conn *c = &tl->conns[idx];
	struct tl_visit *cur = &c->visits[c->nvisits - 1];
	int64_t from = cur->left_lo;

	cur->left_lo = 0;
	cur->left_hi = TL_INF;
	c->open = 1;
	tl->open[tl->nopen++] = idx;
	return from;
}

/* The held connection that a record continues, or NULL: the newest one with its tuple,
 * when it is open in the latest sample or revivable() (then revived). *from is set to
 * the time after which the record's state began: w->prev, or earlier when revived. */
static struct tl_conn *held_conn(struct timeline *tl, const struct diag_sock *s,
				 const struct sample_win *w, uint32_t *idx, int64_t *from)
{
	uint32_t i = tl_lookup(tl, &s->tuple);

	*from = w->prev;
	if (i == NO_CONN)
		return NULL;
	*idx = i;
	if (tl->conns[i].open)
		return &tl->conns[i];
	if (!revivable(&tl->conns[i], s))
		return NULL;
	*from = revive(tl, i);
	return &tl->conns[i];
}

/* A held connection seen again. The record is a new connection on the same tuple when the
 * state went backwards or the cookie changed (except from SYN_RECV: the child socket has
 * its own cookie): the held one then ends, and 1 is returned (the sweep forgets it).
 * Otherwise a changed state ends the current visit and starts the next, and the same
 * state goes on with the record's phase: 0 or -ENOMEM. */
static int continue_conn(struct timeline *tl, uint32_t idx, const struct diag_sock *s,
			 const struct sample_win *w, int64_t from)
{
	struct tl_conn *c = &tl->conns[idx];
	const struct tl_visit *cur = &c->visits[c->nvisits - 1];
	bool cookie_changed = s->cookie && c->cookie && s->cookie != c->cookie;

	if (rank(s->state) < rank(cur->state) ||
	    (cookie_changed && cur->state != DIAG_SYN_RECV)) {
		leave(tl, idx, w->prev, w->t_after);
		c->open = 0;
		return 1;
	}
	c->seen = w->seq;
	if (s->cookie)
		c->cookie = s->cookie;
	if (s->state == cur->state)
		return tl_phase_sample(c, &c->visits[c->nvisits - 1], s, from, w->t_after);
	leave(tl, idx, from, w->t_after);
	return tl_push_visit(c, s->state, from, w->t_after, 0, s);
}

/* Opens a new connection for a record; 0 or -ENOMEM. */
static int open_conn(struct timeline *tl, const struct diag_sock *s, const struct sample_win *w)
{
	uint32_t idx = tl_new_conn(tl, &s->tuple, s->cookie, s->state, w->prev, w->t_after,
				   w->first_flags, s);

	if (idx == NO_CONN)
		return -ENOMEM;
	tl->conns[idx].seen = w->seq;
	tl->conns[idx].open = 1;
	tl->open[tl->nopen++] = idx;
	return 0;
}

/* Adds one record of a sample: to the connection it continues, or as a new one.
 * Records in no tracked state, and a socket's second record in one dump, are skipped.
 * Returns 0 or -ENOMEM. */
static int add_record(struct timeline *tl, const struct diag_sock *s, const struct sample_win *w)
{
	struct tl_conn *c;
	uint32_t idx = NO_CONN;
	int64_t from;
	int ret;

	if (s->state == 0 || s->state >= DIAG_NSTATES)
		return 0;
	c = held_conn(tl, s, w, &idx, &from);
	if (c && c->seen == w->seq)
		return 0; /* the same socket twice in one dump */
	tl->live[s->state]++;
	if (c) {
		ret = continue_conn(tl, idx, s, w, from);
		if (ret <= 0)
			return ret;
	}
	return open_conn(tl, s, w);
}

/* Whatever was open and is missing from this sample is gone: ends it, forgets it in
 * drop-closed mode (as it does those replaced by a new connection on their tuple), and
 * keeps the rest in the open list. */
static void sweep_gone(struct timeline *tl, const struct sample_win *w)
{
	size_t i, kept;

	for (i = 0, kept = 0; i < tl->nopen; i++) {
		uint32_t idx = tl->open[i];
		struct tl_conn *c = &tl->conns[idx];

		if (!c->open) {
			forget_conn(tl, idx); /* replaced by a new connection on the same tuple */
			continue;
		}
		if (c->seen != w->seq) {
			leave(tl, idx, w->prev, w->t_after);
			c->open = 0;
			forget_conn(tl, idx);
			continue;
		}
		tl->open[kept++] = idx;
	}
	tl->nopen = kept;
}

int timeline_add_sample(struct timeline *tl, int64_t t_before, int64_t t_after,
			const struct diag_sock *socks, size_t n)
{
	struct sample_win w;
	size_t i;
	int ret;

	if (tl->finished || t_after < t_before || (tl->seq && t_before < tl->prev_before))
		return -EINVAL;
	/* A record opens at most two entries: a revived connection and, when that turns out
	 * to be replaced, the new one. */
	if (tl_grow((void **)&tl->open, &tl->capopen, tl->nopen + 2 * n, sizeof(uint32_t)))
		return -ENOMEM;
	w.prev = tl->seq ? tl->prev_before : TL_NINF;
	w.first_flags = tl->seq ? 0 : TL_V_BEFORE;
	w.t_after = t_after;
	w.seq = (uint32_t)++tl->seq;
	memset(tl->live, 0, sizeof(tl->live));
	for (i = 0; i < n; i++) {
		ret = add_record(tl, &socks[i], &w);
		if (ret)
			return ret;
	}
	sweep_gone(tl, &w);
	for (i = 0; i < DIAG_NSTATES; i++)
		if (tl->live[i] > tl->peak[i])
			tl->peak[i] = tl->live[i];
	tl->prev_before = t_before;
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
	ret = tl_apply_events(tl);
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
