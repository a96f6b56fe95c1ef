/* timeline: per-connection TCP state timelines built from a sequence of sock_diag samples,
 * with each state's entry and exit known only as intervals, lifetimes as [min, max]
 * bounds, and aggregates per state. Pure: no kernel, no clock, no locking (the caller
 * serialises access). Times are CLOCK_MONOTONIC nanoseconds supplied by the caller.
 *
 * How a sample is read: sample k was taken between t_before(k) and t_after(k); each
 * socket's state was read at some instant inside that window. So a state first seen in
 * sample k and not in the sample k-1 before it began within [t_before(k-1), t_after(k)],
 * and a state last seen in sample j ended within [t_before(j), t_after(j+1)]. A lifetime
 * is then [left_lo - entered_hi, left_hi - entered_lo] (min clamped at 0). A missed
 * sample is no special case: the next sample simply has an earlier predecessor and the
 * intervals widen. Only observed states are recorded (ESTABLISHED then TIME_WAIT with
 * no FIN_WAIT2 in between is fine).
 *
 * A connection is keyed by its 4-tuple (struct diag_tuple) and its socket cookie. The
 * same 4-tuple starts a new connection when the cookie changes (except after SYN_RECV:
 * the request minisocket is replaced by the child socket, which has its own cookie), when
 * it disappears for a sample and comes back without the same cookie, or when its state
 * goes backwards (TIME_WAIT -> SYN_RECV or ESTABLISHED...). One that comes back with the
 * same cookie is the same socket, missed by the dumps in between. A timewait minisocket
 * keeps the cookie of the full socket it replaces (inet_twsk_alloc()).
 *
 * Each visit is cut into phases (tl_visit_phases()): a new phase starts when the owner
 * (held: an application has the socket, sock_diag's inode != 0; orphan: inode 0, after
 * close(), and every minisocket) or the kernel timer (enum diag_timer) differs from the
 * previous sample's. A phase boundary inside a visit is an interval like a state change;
 * the first phase enters with its visit and the last leaves with it (docs/KERNEL.md, What
 * sock_diag shows).
 *
 * Sources: timeline.c (the connection store and the samples), timeline_phase.c (phases),
 * timeline_event.c (events), timeline_stats.c (lifetimes and aggregates);
 * timeline_priv.h is their shared layout. */
#ifndef FINWAIT_TIMELINE_H
#define FINWAIT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define TL_INF INT64_MAX  /* unbounded upper end */
#define TL_NINF INT64_MIN /* unknown lower end */

enum tl_visit_flag {
	TL_V_FOREVER = 0x1,   /* still in the state when the timeline ended: lasted >= min */
	TL_V_BEFORE = 0x2,    /* already in the state at the first sample: began before it */
	TL_V_NO_END = 0x4,    /* only known from an event; its end was never observed */
	TL_V_EVENT_IN = 0x8,  /* entry time set exactly by an event */
	TL_V_EVENT_OUT = 0x10, /* exit time set exactly by an event */
};
/* Flags that make a lifetime one-sided (excluded from the bounded statistics). */
#define TL_V_CENSORED (TL_V_FOREVER | TL_V_BEFORE | TL_V_NO_END)

/* One stay of a connection in one state. 48 bytes: its first phase is kept inline (most
 * visits have one), the others in the connection's phase store. */
struct tl_visit {
	int64_t entered_lo, entered_hi; /* TL_NINF in entered_lo when TL_V_BEFORE */
	int64_t left_lo, left_hi;       /* TL_INF in left_hi when FOREVER or NO_END */
	/* The first phase (internal: read the phases with tl_visit_phases()). */
	uint32_t inode, rto_us;
	uint8_t state;                  /* enum diag_state */
	uint8_t flags;                  /* enum tl_visit_flag */
	uint8_t owner, timer;
	uint8_t nphases;                /* 0: none sampled (a visit known from events only) */
	uint16_t more_at;               /* where its other phases start in the phase store */
};

/* Who has the socket in a phase. */
enum tl_owner {
	TL_HELD = 0,   /* an application holds a descriptor: sock_diag's inode != 0 */
	TL_ORPHAN = 1, /* nobody: after close(), and every minisocket (inode 0) */
};

enum tl_phase_flag {
	TL_P_EVENT_IN = 0x1, /* entry narrowed by an event (the server's close()) */
	TL_P_MIXED = 0x2,    /* the visit reached TL_PHASES_MAX: later changes of owner or
			      * timer were folded into this last phase (its owner, timer,
			      * inode and RTO are the latest seen) */
};

/* A visit has at most this many phases, so that a connection whose timer flaps (a
 * busy ESTABLISHED one followed by `finwait watch`) keeps a bounded memory. */
#define TL_PHASES_MAX 16

/* One phase of a visit, as tl_visit_phases() reports it. The first phase's entry is its
 * visit's entry, the last one's exit its visit's exit; in between, each phase ends when
 * the next begins. */
struct tl_phase {
	int64_t entered_lo, entered_hi; /* TL_NINF in entered_lo: before the first sample */
	int64_t left_lo, left_hi;       /* TL_INF in left_hi: its end was not seen */
	uint32_t inode;                 /* held: the socket's inode (last seen); orphan: 0 */
	uint32_t rto_us;                /* the last tcpi_rto seen in it; 0 unknown */
	uint8_t owner;                  /* enum tl_owner */
	uint8_t timer;                  /* enum diag_timer */
	uint8_t flags;                  /* enum tl_phase_flag */
};

struct tl_more_phase; /* the phase store's entries: timeline_priv.h */

/* One connection: a 4-tuple and the states it went through, in order. 88 bytes plus 48
 * per visit (room for 3 at first), plus 32 for each phase beyond a visit's first (room
 * for 1 at first, when there is one). Measured with malloc's overhead: 300 bytes for a
 * usual connection (ESTABLISHED, FIN_WAIT1, FIN_WAIT2, a phase each), 350 with one more
 * phase (260 before phases): ~30-35 MB for the 100 000 connections of a pile-up (less in
 * drop-closed mode). */
struct tl_conn {
	struct diag_tuple tuple;
	uint64_t cookie;        /* 0 when unknown (event-only connection) */
	struct tl_visit *visits;
	uint32_t nvisits;
	/* Internal bookkeeping. */
	uint32_t cap;
	uint32_t next;          /* hash chain */
	uint32_t seen;          /* number of the last sample it was seen in */
	uint8_t open;           /* present in the latest sample */
	uint16_t nmore;         /* entries in the phase store */
	struct tl_more_phase *more; /* the visits' phases beyond their first, in order */
};

/* Per-state aggregate. Percentiles are nearest-rank over the bounded visits, computed
 * twice: over the lower bounds (lo) and over the upper bounds (hi) of the lifetimes.
 * Since each true lifetime lies within its [min, max], every true percentile lies within
 * [lo.pX, hi.pX]: reporting both keeps the error bars through the aggregation. */
struct tl_quant {
	int64_t min, p50, p99, max;
};
struct tl_stats {
	size_t count;   /* visits to the state (a connection is counted once per visit) */
	size_t bounded; /* visits with both ends observed: the ones in lo and hi */
	size_t forever; /* still in the state at the end (lifetime >= its min) */
	size_t censored; /* other one-sided visits: began before the first sample, no end */
	size_t peak;    /* most sockets seen in the state in one sample */
	struct tl_quant lo, hi; /* all zero when bounded == 0 */
};

struct timeline;

/* Called when a visit ends (state change or connection gone), and from timeline_finish()
 * for every visit still open (flag TL_V_FOREVER). c and v are valid during the call only. */
typedef void (*tl_leave_fn)(const struct tl_conn *c, const struct tl_visit *v, void *arg);

/* Allocates an empty timeline. Returns NULL when out of memory. */
struct timeline *timeline_new(void);

/* Frees the timeline. Accepts NULL. */
void timeline_free(struct timeline *tl);

/* Sets the callback for visits that end. */
void timeline_set_on_leave(struct timeline *tl, tl_leave_fn fn, void *arg);

/* When on, a connection is forgotten as soon as it is gone (after the callback): memory
 * stays proportional to the live sockets, for a long `finwait watch`. Statistics then
 * cover only the connections still held. Set before the first sample. */
void timeline_set_drop_closed(struct timeline *tl, bool drop);

/* Adds one dump taken between t_before and t_after (t_before <= t_after, not earlier than
 * the previous sample). Records in a state outside 1..DIAG_NSTATES-1 are ignored.
 * O(n) expected. Returns 0, -EINVAL (bad times, or after timeline_finish()) or -ENOMEM. */
int timeline_add_sample(struct timeline *tl, int64_t t_before, int64_t t_after,
			const struct diag_sock *socks, size_t n);

/* A pseudo-state for timeline_add_event*(): the application released the socket (its
 * close() orphaned it) at that time. It narrows the held -> orphan boundary inside a
 * visit that it meets, and nothing else: a release that coincides with a state change
 * (a plain close() sends the FIN at once) is the state change's own event. */
#define TL_EVENT_ORPHAN 0x40

/* Injects a known event: the connection with this tuple entered `state` at exactly t
 * (for instance from an endpoint's status line), or, with state DIAG_CLOSE, was gone at t.
 * Events are applied by timeline_finish(), so they may be added in any order and at any
 * time before it. Applied to the connection whose observed span contains t:
 *   - a visit in that state whose entry interval contains t gets entered = [t, t], and
 *     the previous visit's exit interval is cut at t;
 *   - a state that the samples missed (between two observed states) is inserted;
 *   - DIAG_CLOSE narrows the exit of the last visit to [t, t].
 * A tuple with no sampled connection at t (the socket appeared and vanished between two
 * samples) becomes an event-only connection: its visits go from event to event, and a
 * last state with no later event is flagged TL_V_NO_END. Returns 0, -EINVAL, -ENOMEM. */
int timeline_add_event(struct timeline *tl, const struct diag_tuple *tuple, int state,
		       int64_t t);

/* The same for a transition known only to lie within [lo, hi] (lo <= hi): the bounds it
 * meets are narrowed to their intersection with [lo, hi], never set past what is known.
 * timeline_add_event(t) is the exact case lo = hi = t. Returns 0, -EINVAL, -ENOMEM. */
int timeline_add_event_range(struct timeline *tl, const struct diag_tuple *tuple, int state,
			     int64_t lo, int64_t hi);

/* Ends the timeline: marks every visit still open as TL_V_FOREVER (left = [t_before of
 * the last sample, TL_INF]), then applies the events. Idempotent once it has returned 0.
 * Returns 0 or -ENOMEM. */
int timeline_finish(struct timeline *tl);

/* A connection's key: equality of two 4-tuples, and a hash of one (the timeline's and
 * the packet capture's tables). */
bool tl_tuple_eq(const struct diag_tuple *a, const struct diag_tuple *b);
uint64_t tl_tuple_hash(const struct diag_tuple *t);

/* Number of connection slots; timeline_conn(tl, i) for i below it returns a connection,
 * or NULL for a slot freed in drop-closed mode. Pointers are valid until the next call
 * that modifies tl. */
size_t timeline_conn_count(const struct timeline *tl);
const struct tl_conn *timeline_conn(const struct timeline *tl, size_t i);

/* Connections ever seen (including dropped ones). */
size_t timeline_seen(const struct timeline *tl);

/* Samples added so far. */
uint64_t timeline_samples(const struct timeline *tl);

/* Sockets in each state in the latest sample (per_state[DIAG_NSTATES] may be NULL).
 * Returns their total. */
size_t timeline_live(const struct timeline *tl, size_t *per_state);

/* A visit's lifetime bounds: *min >= 0; *max = TL_INF when one-sided. */
void tl_visit_lifetime(const struct tl_visit *v, int64_t *min, int64_t *max);

/* The phases of visit vi of connection c, in order, into out (room for TL_PHASES_MAX;
 * NULL: only count them). Returns how many there are: 0 for a visit known only from
 * events. Bounds are clamped to the visit's (an event may have narrowed those). */
size_t tl_visit_phases(const struct tl_conn *c, size_t vi, struct tl_phase *out);

/* A phase's lifetime bounds, as tl_visit_lifetime(). */
void tl_phase_lifetime(const struct tl_phase *p, int64_t *min, int64_t *max);

/* Aggregates one state over all held connections. Returns 0, -EINVAL or -ENOMEM. */
int timeline_stats(const struct timeline *tl, int state, struct tl_stats *st);

/* Sorts v (n values) in place and sets q to their min, nearest-rank p50 and p99
 * (pct_nearest_rank()) and max; all zero when n == 0. */
void tl_quant_compute(int64_t *v, size_t n, struct tl_quant *q);

#endif
