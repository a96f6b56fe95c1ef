/* cellrun: one cell of a run, from lab to teardown. Builds the cell's namespaces, writes
 * its sysctls, starts the server (finwait-server or the scenario's command) and waits for
 * its listener, starts the sampler on the server's namespace, starts the client, performs
 * the fault when the client reports its point (vanish and reboot are done here), samples
 * until every tracked connection has left FIN_WAIT2 (gone or TIME_WAIT) or the limit, and
 * tears everything down. Every wait is on an event (a status line, a sock_diag sample, a
 * child's exit), but one: a scenario's own server has no status pipe, so its listener is
 * looked for in sock_diag at the sampling interval. */
#ifndef FINWAIT_CELLRUN_H
#define FINWAIT_CELLRUN_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "counters.h"
#include "err.h"
#include "lab.h"
#include "owner.h"
#include "scenario.h"
#include "sockopts.h"
#include "timeline.h"

struct sampler;
struct capture;
struct capstore;

struct cellrun_env {
	struct lab *lab;
	const char *server_bin;		/* finwait-server */
	const char *client_bin;		/* finwait-client */
	const atomic_bool *stop;	/* set by SIGINT/SIGTERM: give up quickly */
	bool keep;			/* --keep: name the namespaces in /run/netns, keep
					 * the folder */
	const char *pcap_dir;		/* --pcap: write each cell's capture there */
	bool no_capture;		/* no packet capture at all (the benchmark's baseline) */
};

/* A server socket seen held (sock_diag's inode != 0) and the process that held it. */
struct cell_owner {
	uint64_t inode;
	int pid;
	char comm[OWNER_COMM_LEN];
};

/* The options of a server socket, read while a process held it. */
struct cell_sockopts {
	int pid;
	char comm[OWNER_COMM_LEN];
	bool reported;		/* not read by finwait: finwait-server's own getsockopt, from
				 * its opts line (its sockets were never seen held long enough) */
	struct sockopts opts;
};

#define CELL_SOCKOPTS_MAX 8

/* What one cell produced. The timeline holds the server's sockets. */
struct cell_outcome {
	int rc;			/* 0, or -errno of what failed (err says what) */
	bool skipped;		/* the lab could not be built here */
	bool interrupted;	/* stopped by a signal */
	bool host_moved;	/* a host sysctl changed under a cell write: abort the run */
	struct fw_err err;	/* with rc: what failed (the message; no file) */
	char note[256];		/* something worth saying that is not an error */
	struct timeline *tl;	/* the server's sockets; NULL when the cell never sampled */
	struct sampler *sampler;	/* owns tl */
	int64_t t_start, t_point, t_end;	/* CLOCK_MONOTONIC ns; t_point 0 if never */
	long connected;		/* connections the client reported reaching the point */
	/* With scenario.rate: the clients' open loops (their arrivals lines): how many
	 * started, the first and last start, and the latest a start was behind schedule. */
	struct { long n; int64_t first, last, late_max; } arrivals;
	/* ... and the server's closes against the same schedule (connection id i closing
	 * (i - 1) / rate after the first): how far apart their offsets spread, what a
	 * stalled client or server bunches together (0 until two were seen). */
	int64_t close_spread;
	int64_t close_off_min, close_off_max;
	long n_close_offs;
	long failed;		/* connections that failed before the point */
	bool limit_reached;	/* sampling ran to the limit (something lasted "forever") */
	/* Every server socket seen held while sampling, sorted by inode (cell_owner_of()):
	 * looked at in the cell's loop, so a socket held only between two looks (~10 ms)
	 * may be missing. */
	struct cell_owner *owners;
	size_t n_owners;
	/* The one process that holds every server socket, when finwait knows it without
	 * looking (finwait-server: one process, alone in its namespace); pid 0 otherwise. */
	struct cell_owner sole_holder;
	/* The server's socket options: [0] from the first socket seen held (ESTABLISHED
	 * first, FIN_WAIT1/2 after a shutdown()), then one for each other process whose
	 * options differ; finwait-server's own report when none was seen. None read:
	 * n_sockopts is 0 and sockopts_why says why. */
	struct cell_sockopts sockopts[CELL_SOCKOPTS_MAX];
	size_t n_sockopts;
	char sockopts_why[160];
	char addr[64];		/* server address:port */
	/* The server namespace's TCP MIB counters: what moved from just after the cell's
	 * namespaces were built to the end of sampling (before the teardown's kills, whose
	 * resets are not the close under test). has_counters false: not read, counters_why
	 * says why. */
	bool has_counters;
	struct counters counters;
	char counters_why[96];
	/* The packets of the server's link (capture.h), from before the first client until
	 * after the last sample; NULL when the cell never got there (or no_capture). */
	struct capture *capture;
	/* Its segments, for the judge: set once it stopped, when the witness is whole (no
	 * frame lost, the wall clock not stepped by more than 1 ms); NULL otherwise. */
	const struct capstore *packets;
	char pcap_file[PATH_MAX];	/* --pcap: the file written, else "" */
	char kept[PATH_MAX + 200];	/* --keep: what was kept (namespaces, folder), or "" */
};

/* Runs cell sc in lab slot `slot`. Always fills *out (free it with
 * cell_outcome_clear), even on error. Returns out->rc (0 or -errno). Spawns children
 * from the calling thread, which must outlive them (it does: they are reaped before the
 * return). */
int cellrun(const struct cellrun_env *env, unsigned slot, const struct scenario *sc,
	    struct cell_outcome *out);

/* Frees what *out holds (the sampler and its timeline, the owners); the rest stays
 * readable. */
void cell_outcome_clear(struct cell_outcome *out);

/* Who held server socket inode: from the owners, else the sole holder; NULL when it was
 * never seen held (or not resolved) and there is no sole holder. */
const struct cell_owner *cell_owner_of(const struct cell_outcome *out, uint64_t inode);

#endif
