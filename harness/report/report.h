/* report: the results of a run, as the orchestrator fills them, and their writers: the
 * table on stdout, JSON (json-c), JUnit XML and CSV. Owns the result structs (neutral:
 * they do not depend on the sampler's types) and the FIN_WAIT2 statistics. Pure.
 *
 * All strings are borrowed: the caller keeps them alive while writing. Times are ns in the
 * structs (relative to the cell's start) and seconds in the files.
 *
 * JSON (keys of docs/DESIGN.md):
 *   {"finwait": VERSION, "kernel": "...", "hz": N, "cells": [ {
 *     "name": "...", "params": {"key": "value", ...},
 *     "connections": [ {"local": "addr:port", "remote": "addr:port", "states": [
 *        {"state": "FIN_WAIT2", "entered": [lo, hi], "left": [lo, hi] | null,
 *         "lifetime": {"min": s, "max": s | null},
 *         "phases": [ {"owner": "held" | "orphan", "process": NAME | null,
 *                      "pid": N | null, "timer": "none" | "retransmit" | "keepalive" |
 *                      "probe" | "timewait", "entered": [lo, hi], "left": [lo, hi] | null,
 *                      "lifetime": {"min": s, "max": s | null}, "rto": s | null} ]} ] } ],
 *     "fin_wait2": {"count": n, "min": s, "p50": s, "p99": s, "max": s, "forever": n},
 *     "expect": {"min": s | null, "max": s | null, "why": "..."},
 *     "verdict": "pass" | "fail" | "skip" } ] }
 * - The header also has "elapsed" (the run's wall time, s); a sharded run's has "shard":
 *   {"index": K, "count": N, "cells": cells in the whole matrix, "matrix": its digest},
 *   and each of its cells "index": its place in the whole matrix. Each cell has
 *   "elapsed" (its wall time, s), and its "expect" has "kind" ("none", "range",
 *   "forever", "unmodelled") and "after_held": true when the range follows a held part.
 * - "entered"/"left" are [lo, hi]: the transition happened between two samples.
 * - "phases" cut a state where its owner or kernel timer changed (timeline.h): held (an
 *   application has a descriptor: "process" and "pid" name it when known) or orphan (after
 *   close(), and every minisocket); "rto" is the last tcpi_rto seen in the phase (null
 *   for a minisocket). The first phase enters with its state, the last leaves with it.
 *   A phase that folded later changes (too many in one state) has "mixed": true. A state
 *   known only from events has "phases": [ ].
 * - A state still held at the end has "left": null and lifetime "max": null (it lasted at
 *   least "min": at the limit, "forever"). One known only from an endpoint's event, whose
 *   end was never seen, has the same plus "end_unseen": true.
 * - "fin_wait2": count = FIN_WAIT2 episodes (one a connection, normally), ended or not;
 *   forever = those still in it at the end; min/p50/p99/max (nearest rank) are over the
 *   ended ones' lifetime midpoints, null when none ended.
 * - The file has one line for the header and one line per cell (compact enough for cells
 *   of 100 000 connections).
 * - "expect": forever is {"min": limit, "max": null}; none is {"min": 0, "max": the
 *   largest FIN_WAIT2 still counted as none}.
 * With a packet capture, each connection has "packets": [ {"t": s, "dir": "in" | "out",
 *   "flags": "FA", "kind": "syn" | "data" | "fin" | "ack-of-fin" | "keepalive-probe" |
 *   "keepalive-ack" | "zero-window-probe" | "zero-window-ack" | "window-update" |
 *   "retransmit" | "rst" | "ack", "len": bytes} ] (kind from the server's point of view;
 *   "packets_omitted": n when some were not kept), and the cell "capture": {"segments",
 *   "kernel_dropped", "omitted", "file": path | null, "realtime_offset": s, "drift": s}.
 * A cell with an error message gets "error": "..." too. A cell whose server's socket
 * options were looked for has "server_sockopts": {"pid": N, "process": NAME, "keepalive":
 *   0|1, "keepidle": s, "keepintvl": s, "keepcnt": n, "linger2": s, "user_timeout": ms,
 *   "sndbuf": bytes, "so_linger": "off" | s, "source": "pidfd_getfd" | "finwait-server",
 *   "read": true, "others": [ the same for other processes whose options differ ]} or
 *   {"read": false, "why": "..."}; keepidle, keepintvl, keepcnt, linger2 and sndbuf are
 *   effective values (a sysctl when the socket sets none: sockopts.h). Beyond docs/DESIGN.md's keys, a cell
 * with aggregates has "states": {"FIN_WAIT2": {"count", "bounded", "forever", "peak",
 *   "min": [lo, hi], "p50": [lo, hi], "p99": [lo, hi], "max": [lo, hi]}, ...}: each true
 *   percentile of the state's lifetimes lies within its [lo, hi] (null when none ended). */
#ifndef FINWAIT_REPORT_H
#define FINWAIT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* When a state or a phase began and ended, each an interval, and how long it lasted. */
struct report_span {
	int64_t entered_lo_ns, entered_hi_ns;
	bool open;			/* still in it at the end (or its end unseen) */
	int64_t left_lo_ns, left_hi_ns;	/* unless open */
	int64_t life_min_ns, life_max_ns;	/* life_max_ns unused when open */
};

/* One phase of a state: who had the socket and which kernel timer ran on it. */
struct report_phase {
	struct report_span span;
	bool held;			/* an application held it (inode != 0); else orphan */
	bool mixed;			/* later changes of owner or timer folded into it */
	const char *timer;		/* "none", "retransmit", "keepalive", "probe", "timewait" */
	uint32_t inode;			/* held: the socket's inode (to find its process) */
	int pid;			/* the holder, 0: unknown (JSON null) */
	const char *process;		/* its command name, NULL: unknown (JSON null) */
	int64_t rto_ns;			/* the last RTO seen in it, 0: unknown (JSON null) */
};

struct report_state {
	const char *state;		/* "FIN_WAIT2", "TIME_WAIT", ... */
	struct report_span span;
	bool end_unseen;		/* with span.open: its end was never observed, the state
					 * is known only from an endpoint's event */
	const struct report_phase *phases;	/* in order; none when known from events only */
	size_t n_phases;
};

/* One TCP segment of a connection, as captured on the server's link (JSON "packets"). */
struct report_packet {
	int64_t t_ns;			/* relative to the cell's start */
	bool out;			/* sent by the server ("out"), else received ("in") */
	char flags[9];			/* "FA": pkt_flags_text() */
	const char *kind;		/* "syn", "fin", "ack-of-fin", ...: pkt_kind_name() */
	uint32_t len;			/* payload bytes */
};

struct report_conn {
	const char *local;		/* "198.18.0.1:8080", "[fd46:696e::1]:8080" */
	const char *remote;
	const struct report_state *states;
	size_t n_states;
	const struct report_packet *packets;	/* in capture order; with report_cell.capture.on */
	size_t n_packets;
	uint64_t packets_omitted;	/* segments not kept (between the first and the last
					 * ones kept: capstore.h) */
};

/* The cell's packet capture (JSON "capture"). */
struct report_capture {
	bool on;			/* the cell was captured: its connections have "packets" */
	const char *file;		/* --pcap's file, NULL: none */
	uint64_t segments;		/* TCP segments of the server's port */
	uint64_t kernel_dropped;	/* frames the capture buffer lost (pcap_stats) */
	uint64_t omitted;		/* segments not kept, over all connections */
	int64_t offset_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC at the start */
	int64_t drift_ns;		/* how much that moved by the end */
};

struct report_param {
	const char *key;
	const char *value;
};

struct report_fw2 {
	size_t count;			/* FIN_WAIT2 episodes seen */
	size_t forever;			/* ... still in it at the end */
	size_t ended;			/* count - forever: the ones the stats cover */
	int64_t min_ns, p50_ns, p99_ns, max_ns;	/* over the ended lifetimes' midpoints */
};

/* One state's aggregate over a cell's connections (the sampler's timeline_stats()):
 * percentiles of the lifetimes' lower bounds (lo) and of their upper bounds (hi), so each
 * true percentile lies in [lo, hi]; over the visits with both ends observed. */
struct report_agg {
	const char *state;
	size_t count;		/* visits to the state */
	size_t bounded;		/* ... with both ends observed: the ones in lo and hi */
	size_t forever;		/* still in it at the end */
	size_t peak;		/* most sockets in the state in one sample */
	int64_t lo_min, lo_p50, lo_p99, lo_max;
	int64_t hi_min, hi_p50, hi_p99, hi_max;
};

/* One socket option of the server's, as read: key is the schema's name ("keepidle"). */
struct report_opt {
	const char *key;
	long long value;
};

#define REPORT_OPTS_MAX 16

/* The server's socket options (JSON "server_sockopts"), or why they could not be read. */
struct report_sockopts {
	bool read;
	const char *why;		/* when !read */
	int pid;			/* 0: unknown */
	const char *process;		/* NULL: unknown */
	const char *source;		/* who called getsockopt: "pidfd_getfd" (finwait),
					 * "finwait-server" (its own report) */
	struct report_opt opts[REPORT_OPTS_MAX];
	size_t n_opts;
	bool has_linger, linger_on;	/* SO_LINGER */
	int linger_s;
};

/* One TCP MIB counter of the server's namespace: its delta over the cell (JSON
 * "counters"). */
struct report_counter {
	const char *name;		/* "TCPAbortOnTimeout", "TcpOutRsts", ... */
	int64_t delta;
};

/* A counter the model predicts, checked against the delta (JSON "counters_expected"). */
struct report_counter_check {
	const char *name;
	int64_t min, max;		/* the model's */
	int64_t measured;
	bool pass;
	const char *why;		/* the rule */
};

#define REPORT_SERIES_STATES 12

/* Sockets per state over time (JSON "series"): n points, each the most sockets a sample
 * of its bucket saw in the state (so a state's maximum is its "peak"). */
struct report_series {
	size_t n;
	const int64_t *t_ns;		/* each point's time, relative to the cell's start */
	size_t n_states;		/* the states with a socket at some point */
	const char *state[REPORT_SERIES_STATES];	/* "ESTABLISHED", ... */
	const uint32_t *count[REPORT_SERIES_STATES];	/* n values each */
};

enum report_verdict { REPORT_PASS, REPORT_FAIL, REPORT_SKIP };

/* The judgement of one more close state (JSON "expects"): what it was held to and how
 * that went. */
struct report_expect {
	const char *state;		/* "FIN_WAIT1", ..., "held" */
	struct prediction p;
	const char *verdict;		/* "pass", "fail", "unjudged" */
	const char *why;
};

/* With a rate, one state's plateau (JSON "plateau"): sockets at once, predicted by
 * Little's law from the model's lifetime, and the most one sample saw. */
struct report_plateau {
	const char *state;
	long rate, min, max, measured;
	int64_t life_min_ns, life_max_ns;	/* the lifetime it comes from */
	bool pass;
	const char *why;
};

/* How the cell's sampler kept its period (JSON "sampler"). */
struct report_sampling {
	bool have;
	int64_t interval_ns;
	uint64_t samples, missed;	/* dumps taken; deadlines skipped by a late dump */
	int64_t dump_mean_ns, dump_max_ns;
};

struct report_cell {
	const char *name;
	const struct report_param *params;
	size_t n_params;
	const struct report_conn *conns;
	size_t n_conns;
	struct report_fw2 fw2;		/* report_fw2_stats fills it from conns */
	const struct report_agg *aggs;	/* every state seen, for JSON "states"; may be NULL */
	size_t n_aggs;
	struct prediction expect;
	int64_t limit_ns;		/* the cell's limit: "forever" means >= this */
	int64_t elapsed_ns;		/* wall time the cell took */
	enum report_verdict verdict;
	const char *error;		/* why it failed or was skipped, NULL if none */
	/* The server's socket options: [0] is "server_sockopts", the others (other processes
	 * whose options differ) its "others"; none: no key. */
	const struct report_sockopts *sockopts;
	size_t n_sockopts;
	/* FIN_WAIT2 and every other close state the cell's sockets were in or that has an
	 * explicit [expect]: JSON "expects"; a failed one also gets a table line. */
	const struct report_expect *expects;
	size_t n_expects;
	/* The server namespace's TCP MIB counters over the cell (JSON "counters"): the
	 * counters_always ones and every other that moved; none read: counters_why says
	 * why (JSON "counters": {} and "counters_why"). */
	const struct report_counter *counters;
	size_t n_counters;
	const char *counters_why;
	const struct report_counter_check *counter_checks;
	size_t n_counter_checks;
	const struct report_series *series;	/* NULL: the cell never sampled */
	struct report_sampling sampling;
	size_t index;			/* in the whole matrix (JSON "index" in a sharded
					 * report only) */
	struct report_capture capture;
	const struct report_plateau *plateaus;	/* with a rate; none: no key */
	size_t n_plateaus;
};

struct report {
	const char *version;		/* FINWAIT_VERSION */
	const char *kernel;		/* uname -r */
	int hz;
	int64_t elapsed_ns;		/* the whole run */
	const struct report_cell *cells;
	size_t n_cells;
	/* --shard K/N (JSON "shard": {"index": K, "count": N, "cells": matrix_cells,
	 * "matrix": matrix_id}); shard_count 0: the whole matrix, no "shard" key. */
	unsigned shard_index, shard_count;
	size_t matrix_cells;		/* cells in the whole matrix */
	const char *matrix_id;		/* report_matrix_id() of the whole matrix */
};

/* The JSON flags of every report line (json_object_to_json_string_ext). */
#define REPORT_JSON_FLAGS (JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The name of an enum pred_kind in JSON "expect": "none", "range", "forever",
 * "unmodelled"; and back (-1: no such name). */
const char *report_kind_name(enum pred_kind k);
int report_kind_parse(const char *name);

/* A digest of a matrix: FNV-1a (64 bits) of its cells' names, each followed by a line
 * feed, in order, as 16 hex digits into buf (17 bytes). Shards of one matrix carry the
 * same. */
char *report_matrix_id(const char *const *names, size_t n, char *buf);

/* The JSON header line up to the opening of "cells" ("{ ..., "cells": [" and a line
 * feed): the first part of report_write_json(), for writers that add the cells
 * themselves (`finwait merge`). Returns 0, -ENOMEM or -EIO. */
int report_json_open(const struct report *r, FILE *f);

/* Computes a cell's FIN_WAIT2 statistics from its connections' FIN_WAIT2 states.
 * Returns 0 or -ENOMEM. */
int report_fw2_stats(const struct report_conn *conns, size_t n, struct report_fw2 *out);

/* "pass", "fail", "skip". */
const char *report_verdict_name(enum report_verdict v);

/* Counts of each verdict. */
void report_count(const struct report *r, size_t *passed, size_t *failed, size_t *skipped);

/* Human table: a row per cell (name with parameters, FIN_WAIT2 p50/max and count,
 * expectation, verdict) with the reason below it, then the summary line ending in
 * "N passed, N failed". Fits 100 columns. Returns 0 or -EIO. */
int report_write_table(const struct report *r, FILE *f);

/* The summary line alone (no newline) into buf; returns buf. */
char *report_summary(const struct report *r, char *buf, size_t len);

/* JSON as documented above, a line per cell, ending in a newline. Returns 0, -ENOMEM or
 * -EIO. */
int report_write_json(const struct report *r, FILE *f);

/* JUnit XML: one testsuite, one testcase per cell (classname finwait.SCENARIO), a
 * <failure> with the reason for failed cells, <skipped> for skipped ones. Returns 0 or
 * -EIO. */
int report_write_junit(const struct report *r, FILE *f);

/* CSV (RFC 4180) of the raw timeline: a header, then a row per connection and state:
 * cell,local,remote,state,entered_lo,entered_hi,left_lo,left_hi,lifetime_min,lifetime_max,
 * phases,held_min,held_max
 * with seconds; left and lifetime_max empty for a state still held. phases lists the
 * state's phases as owner/timer, separated by ';' ("held/none;orphan/timewait");
 * held_min and held_max bound how long an application held the socket in the state
 * (held_max empty when a held phase has no end; both empty when no phase is known).
 * Returns 0 or -EIO. */
int report_write_csv(const struct report *r, FILE *f);

#endif
