/* sampler: a thread that dumps one namespace's TCP sockets (diag) at a fixed period on
 * absolute CLOCK_MONOTONIC deadlines, stamps each dump before and after, and feeds a
 * timeline. Owns the thread, the diag handle and the timeline; other threads query live
 * counts or wait on them through a mutex and a condition variable. */
#ifndef FINWAIT_SAMPLER_H
#define FINWAIT_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "series.h"
#include "timeline.h"

/* Which end of the connections to follow, relative to a port. */
enum sampler_role {
	SAMPLER_ANY = 0,    /* filter.lport/rport as given */
	SAMPLER_SERVER = 1, /* local port == port: the server's sockets */
	SAMPLER_CLIENT = 2, /* remote port == port: the client's sockets */
};

struct sampler_conf {
	int netns_fd;             /* namespace to sample; -1: the caller's */
	struct diag_filter filter;
	uint16_t port;            /* with role SERVER or CLIENT: overrides filter ports */
	enum sampler_role role;
	int64_t interval_ns;      /* period, >= 100 us */
	bool drop_closed;         /* timeline_set_drop_closed() */
	tl_leave_fn on_leave;     /* called under the lock: on the sampler thread, and from
				   * sampler_stop() for the visits still open */
	void *on_leave_arg;
};

/* A consistent snapshot, taken under the lock after a sample. */
struct sampler_counts {
	uint64_t samples;             /* dumps added to the timeline */
	uint64_t missed;              /* deadlines skipped because a dump ran late */
	size_t live[DIAG_NSTATES];    /* tracked sockets per state in the latest sample */
	size_t live_total;
	size_t seen;                  /* connections ever seen */
	int64_t last_before, last_after; /* stamps of the latest sample */
	int64_t max_dump_ns;          /* longest dump (t_after - t_before) */
	int64_t total_dump_ns;        /* sum over the samples: mean = total / samples */
	int error;                    /* first error (-errno); the thread has stopped */
};

struct sampler;

/* Opens the diag socket in conf->netns_fd (on the calling thread, so errors come back
 * here), takes a first sample, then starts the thread. Returns 0 and *out (stop and free
 * with sampler_free), or -errno. */
int sampler_start(const struct sampler_conf *conf, struct sampler **out);

/* Stops the thread (at its next deadline, at most one period later, or after the dump
 * under way), joins it and finishes the timeline (timeline_finish(): open visits become
 * `forever`). Idempotent. Returns the thread's first error or 0. */
int sampler_stop(struct sampler *s);

/* The timeline. Only after sampler_stop(); NULL before. */
struct timeline *sampler_timeline(struct sampler *s);

/* Sockets per state over time, one point per sample until it is down-sampled (series.h);
 * its maximum per state is the timeline's peak. Only after sampler_stop(); NULL before. */
const struct series *sampler_series(struct sampler *s);

/* Copies the current counts. Thread-safe. */
void sampler_counts(struct sampler *s, struct sampler_counts *c);

/* Predicate on counts for sampler_wait(). */
typedef bool (*sampler_pred)(const struct sampler_counts *c, void *arg);

/* Blocks until pred(counts) holds after some sample, or until deadline_ns
 * (CLOCK_MONOTONIC), or until the thread fails or the sampler is stopped. Returns 0,
 * -ETIMEDOUT, the thread's error, or -ECANCELED after sampler_stop(). Thread-safe. */
int sampler_wait(struct sampler *s, sampler_pred pred, void *arg, int64_t deadline_ns);

/* Predicate: at least *(size_t *)arg connections were seen and all of them are finished
 * (gone or in TIME_WAIT: TIME_WAIT is a fixed 60 s, so it is not waited for and its
 * lifetime is reported as `forever`, i.e. >= what was observed). */
bool sampler_all_finished(const struct sampler_counts *c, void *arg);

/* Forwards to timeline_add_event_range() under the lock. Thread-safe. */
int sampler_add_event(struct sampler *s, const struct diag_tuple *tuple, int state, int64_t lo,
		      int64_t hi);

/* Copies into out (room for cap) the sockets of the latest sample that an application
 * holds (inode != 0) in a state of the mask `states` (DIAG_MASK bits). Returns how many
 * there are, which may exceed cap (only cap are copied); *samples (may be NULL) gets
 * that sample's number (sampler_counts().samples). The copy is made by the caller under
 * the lock: the sampler thread does no work for it. Thread-safe. */
size_t sampler_held(struct sampler *s, uint32_t states, struct diag_sock *out, size_t cap,
		    uint64_t *samples);

/* Calls fn(c, v, arg) under the lock for every connection present in the latest sample,
 * v its current visit (its phases: tl_visit_phases()). *k (may be NULL) gets the counts
 * of that sample (last_before: each visit lasted at least until then). Returns that
 * sample's number. Nothing after sampler_stop(). fn must not call the sampler.
 * Thread-safe. */
uint64_t sampler_foreach_open(struct sampler *s, tl_leave_fn fn, void *arg,
			      struct sampler_counts *k);

/* Stops (if needed) and frees everything. Accepts NULL. */
void sampler_free(struct sampler *s);

#endif
