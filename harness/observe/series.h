/* series: sockets per state over time, from the sampler's samples, down-sampled online to
 * at most SERIES_MAX_POINTS points so that a cell sampled every millisecond for hours
 * stays small. Each point covers a run of consecutive samples (a bucket) and keeps, per
 * state, the most sockets any of them saw: the series' maximum is the state's peak.
 * Pure: no clock, no locking (the sampler serialises it). */
#ifndef FINWAIT_SERIES_H
#define FINWAIT_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* When full, neighbouring buckets merge two by two: between half and all of it is used. */
#define SERIES_MAX_POINTS 2048

struct series;

/* An empty series (its whole store allocated here, ~110 KB). NULL: out of memory. */
struct series *series_new(void);

/* Frees s. Accepts NULL. */
void series_free(struct series *s);

/* Adds one sample taken at t (CLOCK_MONOTONIC ns, not before the previous one) with
 * live[state] sockets in each state. */
void series_add(struct series *s, int64_t t, const size_t live[DIAG_NSTATES]);

/* Points so far (at most SERIES_MAX_POINTS), and the samples behind each. */
size_t series_len(const struct series *s);
uint64_t series_per_point(const struct series *s);

/* Point i's time: that of the first sample in its bucket. */
int64_t series_time(const struct series *s, size_t i);

/* The most sockets in state seen by a sample of point i's bucket. */
uint32_t series_count(const struct series *s, size_t i, int state);

/* The most sockets in state over the whole series. */
uint32_t series_max(const struct series *s, int state);

#endif
