/* timeline_priv: what the timeline's source files share and nothing outside them sees:
 * the timeline's layout, the pending events, the phase store's entries, and the
 * primitives each file offers the others.
 *   timeline.c        the connection store, samples, timeline_finish() and the accessors
 *   timeline_phase.c  the phases of each visit: owner and timer from the samples
 *   timeline_event.c  events: recorded, then applied at the finish to narrow the bounds
 *   timeline_stats.c  lifetimes of visits and phases, and the per-state aggregates */
#ifndef FINWAIT_TIMELINE_PRIV_H
#define FINWAIT_TIMELINE_PRIV_H

#include "timeline.h"

#define NO_CONN UINT32_MAX

/* A visit's phase beyond its first, in the connection's phase store. 32 bytes. */
struct tl_more_phase {
	int64_t entered_lo, entered_hi; /* the change of owner or timer, as sampled */
	uint32_t inode, rto_us;
	uint8_t owner, timer, flags;    /* enum tl_owner, diag_timer, tl_phase_flag */
};

/* A transition known from outside the samples (timeline_add_event_range()). */
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
int tl_grow_from(void **arr, size_t *cap, size_t need, size_t sz, size_t first);

/* tl_grow_from() starting at 16 elements. */
int tl_grow(void **arr, size_t *cap, size_t need, size_t sz);

/* The newest connection with this tuple, or NO_CONN; older ones follow through
 * tl->conns[i].next (a chain may also hold other tuples: compare with tl_tuple_eq()). */
uint32_t tl_lookup(struct timeline *tl, const struct diag_tuple *t);

/* Appends a visit to `state`, entered within [lo, hi] and not yet left, whose first phase
 * is record s's (NULL: an event's visit, no phase); 0 or -ENOMEM. */
int tl_push_visit(struct tl_conn *c, int state, int64_t lo, int64_t hi, uint8_t flags,
		  const struct diag_sock *s);

/* Makes a new connection with one visit (as tl_push_visit()); returns its index or NO_CONN
 * (no memory). */
uint32_t tl_new_conn(struct timeline *tl, const struct diag_tuple *t, uint64_t cookie,
		     int state, int64_t lo, int64_t hi, uint8_t flags, const struct diag_sock *s);

/* Sets visit v (the newest of c) to start with record s's phase; s NULL: no phase.
 * In timeline_phase.c, like the two below. */
void tl_phase_start(const struct tl_conn *c, struct tl_visit *v, const struct diag_sock *s);

/* docs/KERNEL.md, What sock_diag shows: the inode is not 0 while an application holds a
 * descriptor; it is 0 for an orphan and for every minisocket. */
static inline uint8_t tl_owner_of(const struct diag_sock *s)
{
	return s->inode ? TL_HELD : TL_ORPHAN;
}

/* tl_phase_sample() for any case but the usual one; in timeline_phase.c. */
int tl_phase_sample_slow(struct tl_conn *c, const struct diag_sock *s, int64_t lo, int64_t hi);

/* Record s continues c's current visit v (same state): it refreshes the current phase, or
 * starts the next one, begun within [lo, hi], when its owner or timer differs.
 * 0 or -ENOMEM. The usual case (one phase, unchanged) is inline: every record of every
 * sample goes through here. */
static inline int tl_phase_sample(struct tl_conn *c, struct tl_visit *v,
				  const struct diag_sock *s, int64_t lo, int64_t hi)
{
	if (v->nphases == 1 && v->timer == s->timer && v->owner == tl_owner_of(s)) {
		if (s->inode)
			v->inode = s->inode;
		if (s->rto_us)
			v->rto_us = s->rto_us;
		return 0;
	}
	return tl_phase_sample_slow(c, s, lo, hi);
}

/* The application released the socket within [lo, hi]: narrows the first held -> orphan
 * boundary inside a visit that meets it. Returns whether one did. */
bool tl_phase_apply_orphan(struct tl_conn *c, int64_t lo, int64_t hi);

/* Narrows [*a, *b] to its intersection with [lo, hi] when they meet; false otherwise.
 * In timeline_event.c. */
bool tl_narrow(int64_t *a, int64_t *b, int64_t lo, int64_t hi);

/* Applies the pending events (sorted by tuple, then time) and drops them; 0 or -ENOMEM.
 * In timeline_event.c. */
int tl_apply_events(struct timeline *tl);

#endif
