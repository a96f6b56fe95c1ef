/* timeline_priv: what the timeline's source files share and nothing outside them sees:
 * the timeline's layout, the pending events, and the connection store's primitives
 * (array growth, the tuple hash, new connections and visits), all defined in timeline.c.
 *   timeline.c        the connection store, samples, timeline_finish() and the accessors
 *   timeline_event.c  events: recorded, then applied at the finish to narrow the bounds
 *   timeline_stats.c  lifetimes of visits and the per-state aggregates */
#ifndef FINWAIT_TIMELINE_PRIV_H
#define FINWAIT_TIMELINE_PRIV_H

#include "timeline.h"

#define NO_CONN UINT32_MAX

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

bool tl_tuple_eq(const struct diag_tuple *a, const struct diag_tuple *b);

/* The newest connection with this tuple, or NO_CONN; older ones follow through
 * tl->conns[i].next (a chain may also hold other tuples: compare with tl_tuple_eq()). */
uint32_t tl_lookup(struct timeline *tl, const struct diag_tuple *t);

/* Appends a visit to `state`, entered within [lo, hi] and not yet left; 0 or -ENOMEM. */
int tl_push_visit(struct tl_conn *c, int state, int64_t lo, int64_t hi, uint8_t flags);

/* Makes a new connection with one visit; returns its index or NO_CONN (no memory). */
uint32_t tl_new_conn(struct timeline *tl, const struct diag_tuple *t, uint64_t cookie,
		     int state, int64_t lo, int64_t hi, uint8_t flags);

/* Applies the pending events (sorted by tuple, then time) and drops them; 0 or -ENOMEM.
 * In timeline_event.c. */
int tl_apply_events(struct timeline *tl);

#endif
