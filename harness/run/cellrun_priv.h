/* cellrun_priv: the state of one cell's run, shared by the files that run it (not a
 * public interface):
 *   cellrun.c     the cell's state machine: lab, sysctls, endpoints, fault, sampling
 *   cellstatus.c  what the children say on their status pipes
 *   cellrun_held.c  the server's held sockets: who holds each, and their options
 *   external.c    a scenario's own server (program = command): ext_start_server()
 *   client_cmd.c  a scenario's own client (program = command): ccmd_*()
 * A ctx lives on the stack of the worker thread that runs the cell. */
#ifndef FINWAIT_CELLRUN_PRIV_H
#define FINWAIT_CELLRUN_PRIV_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>

#include "cellrun.h"
#include "diag.h"
#include "evpipe.h"
#include "nft.h"
#include "router.h"
#include "owner.h"
#include "pidns.h"
#include "proc.h"
#include "util.h"

/* How long a server may take to listen, and a client to connect when it is not told to
 * wait for anything slow: generous, since they are events, not sleeps. */
#define READY_TIMEOUT_NS (10 * NSEC_PER_SEC)
#define MAX_CLIENTS 32
/* Processes whose socket options cellrun_held.c reads (prefork servers have several). */
#define HELD_MAX_PIDS 64

/* A process whose socket options cellrun_held.c reads. */
struct held_pid {
	int pid;
	int tries;	/* reads tried */
	bool done;	/* read from a socket seen in an earlier look, or not permitted */
	size_t slot1;	/* 1 + the index in out->sockopts of a first-sight reading; 0: none */
};

/* What cellrun_held.c keeps between two looks at the sampler's held sockets. */
struct cell_held {
	struct owner_cache *cache;	/* NULL until the first look */
	struct inode_map seen;		/* inode -> index in out->owners */
	size_t cap_owners;
	struct diag_sock *snap;		/* sampler_held()'s copy */
	size_t cap_snap;
	uint64_t samples;		/* the sample looked at last */
	int64_t next;			/* no look before (CLOCK_MONOTONIC ns) */
	struct held_pid pids[HELD_MAX_PIDS];
	size_t npids;
	bool have_reported;		/* finwait-server's opts line, in `reported` */
	struct cell_sockopts reported;
};

struct ctx {
	const struct cellrun_env *env;
	const struct scenario *sc;
	struct cell_outcome *out;
	struct cell *cell;
	struct pidns pidns;	/* every process of the cell runs in it */
	struct proc server, client[MAX_CLIENTS];
	struct evpipe spipe, cpipe[MAX_CLIENTS];
	bool reached[MAX_CLIENTS];	/* that client reported its point (then faults) */
	int nclients, npoints;
	long n_accepted;		/* accepted lines of finwait-server */
	struct sampler *sampler;
	char *dir;		/* external server's folder */
	char addr[INET6_ADDRSTRLEN];	/* server address, no brackets */
	char sources[LAB_CLIENT_ADDRS_MAX - 1][INET6_ADDRSTRLEN]; /* the client's others */
	int port;
	bool listening;
	int server_procs;	/* finwait-server's processes (its listening line's workers=) */
	bool point;
	bool faulted;		/* the fault was done (finwait's, or the client's own) */
	/* The server's connections by status-line id, to turn its close events into
	 * timeline events (a socket reset between two samples is still accounted for). */
	struct diag_tuple *tuples;
	size_t n_tuples;
	int64_t t_clients;	/* just before the first client was started */
	struct nft_agent client_nft;	/* vanish, reboot: the client host's rules */
	struct cell_router router;	/* [middlebox] */
	struct nft_agent router_nft;	/* its rules */
	struct cell_held held;
	bool counters_base;	/* the counters were read at the cell's start */
};

/* Records the cell's first error: out->rc = rc (-EIO for 0) and out->err's message.
 * Later errors are dropped: the first one is the cause. */
static inline __attribute__((format(printf, 3, 4)))
void fail(struct ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	if (c->out->rc)
		return;
	c->out->rc = rc ? rc : -EIO;
	c->out->err.file[0] = '\0';
	c->out->err.line = 0;
	va_start(ap, fmt);
	vsnprintf(c->out->err.msg, sizeof(c->out->err.msg), fmt, ap);
	va_end(ap);
}

/* true once the run is being stopped (SIGINT/SIGTERM, or a host sysctl moved). */
static inline bool stopping(const struct ctx *c)
{
	return c->env->stop && atomic_load(c->env->stop);
}

/* Milliseconds until deadline (CLOCK_MONOTONIC ns), rounded up, at most cap_ms; 0 once
 * it has passed. */
static inline int ms_until(int64_t deadline, int cap_ms)
{
	int64_t left = deadline - mono_ns();

	if (left <= 0)
		return 0;
	left = (left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return left < cap_ms ? (int)left : cap_ms;
}

/* A child that exited before its job was done: reaps it, records why as the cell's
 * error (naming it `what`) and returns true; false while it runs (or when there is none). */
static inline bool child_died(struct proc *p, const char *what, struct ctx *c)
{
	int status;

	if (!p->pid || proc_wait(p, 0, &status))
		return false;
	if (WIFSIGNALED(status))
		fail(c, -ECHILD, "%s died of signal %d", what, WTERMSIG(status));
	else
		fail(c, -ECHILD, "%s exited with status %d", what, WEXITSTATUS(status));
	return true;
}

/* cellrun.c: waits up to timeout_ms for the children's status lines and handles them. */
void cell_pump(struct ctx *c, int timeout_ms);

/* cellstatus.c: handle one parsed line of the server's (or of client i's) status pipe:
 * readiness, connection events for the sampler, the point, and errors (through fail). */
void cell_on_server_line(struct ctx *c, const struct status_event *ev);
void cell_on_client_line(struct ctx *c, int i, const struct status_event *ev);

/* cellrun_held.c, from the cell's loop (never the sampler's thread): looks at the held
 * server sockets of the sampler's latest sample, at most every HELD_PERIOD: maps each new
 * inode to its process, and reads the options of each process's first one. Errors are
 * not the cell's: they become sockopts_why. */
void held_poll(struct ctx *c);

/* finwait-server's opts line (its own getsockopt of a connection): kept in case no
 * socket of it is ever seen held long enough to be read. */
void held_on_opts_line(struct ctx *c, const struct status_event *ev);

/* The last look (none when the run is being interrupted), then the outcome's tables are
 * finished (sorted) and the working state freed. Idempotent. */
void held_finish(struct ctx *c);

/* cellrun_capture.c: starts the cell's packet capture on the server's link (unless the
 * env says no_capture), into c->out->capture, with --pcap's file; returns 0 or -errno
 * (recorded). Stop: drains and stops it (an error is recorded). */
int cell_capture_start(struct ctx *c);
void cell_capture_stop(struct ctx *c);

/* The file name of cell `cell`'s capture: "NAME.pcap" with every character other than
 * [A-Za-z0-9._-] as '_' (no leading '.'), cut to fit len. */
void cell_pcap_name(const char *cell, char *buf, size_t len);

/* cellrun_mb.c: the middlebox. mb_on(): the scenario has one. mb_setup(): builds the
 * router into the cell with its rules and conntrack settings (0, or -errno recorded).
 * mb_at_point(): the blackhole's drop, at the client's point. mb_teardown(): idempotent. */
bool mb_on(const struct scenario *sc);
int mb_setup(struct ctx *c);
int mb_at_point(struct ctx *c);
void mb_teardown(struct ctx *c);

/* external.c: starts the scenario's server command in the server namespace (its folder
 * in c->dir, which the cell's PID namespace removes after its last process: pidns.h)
 * and waits until its listener shows in sock_diag.
 * Returns 0, or -errno with the cell's error recorded. */
int ext_start_server(struct ctx *c);

/* client_cmd.c: a client command (client.program = command). ccmd_instances: how many
 * instances of it a cell runs (one when it takes {connections}). ccmd_start: starts them
 * in the client's namespace. ccmd_wait_point: waits until sock_diag shows every one of
 * the cell's connections at the point in the client's namespace (after-connect:
 * ESTABLISHED; after-fin: CLOSE_WAIT), and fails the cell when one went past it first.
 * ccmd_signal: sig (SIGKILL, SIGSTOP) to every process of the client (nsproc.h).
 * ccmd_fault: crash (SIGKILL) or freeze (SIGSTOP) through ccmd_signal; nothing for the
 * others. Each returns 0, or -errno with the cell's error recorded. */
int ccmd_instances(const struct scenario *sc);
int ccmd_start(struct ctx *c);
int ccmd_wait_point(struct ctx *c);
int ccmd_signal(struct ctx *c, int sig);
int ccmd_fault(struct ctx *c);

#endif
