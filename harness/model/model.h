/* model: the expectation model. Owns the prediction of how long the server's socket stays
 * in FIN_WAIT2 for a cell's settings (the rules of docs/KERNEL.md, cited to the kernel
 * functions behind them), the timer wheel's lateness L(T), the [expect] override, and the
 * pass/fail comparison of a measured lifetime with an expected one. Pure.
 *
 * What the model assumes of the endpoints where it sees no FIN_WAIT2 (declared, not
 * observed): the server closes (or shuts down) first, after its answer to a request, in
 * raw mode as in http; a client that faults after-connect never sends its request, and
 * the server is assumed not to close before the limit. A FIN_WAIT2 that is seen is judged
 * by what was observed of it (model_predict_fw2()). */
#ifndef FINWAIT_MODEL_H
#define FINWAIT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

/* What the model needs to know about the machine. */
struct model_env {
	int hz;			/* CONFIG_HZ (the orchestrator detects it) */
	int64_t rto_ns;		/* least RTO of the server socket: TCP_RTO_MIN, 200 ms */
	int64_t rto_max_ns;	/* greatest: srtt + rttvar, rounded up a jiffy by the model;
				 * default 240 ms (a delayed ACK's 40 ms in srtt). Set both to
				 * tcpi_rto when it is known. */
	int64_t latency_ns;	/* allowance for timer-softirq and wake-up latency, added
				 * once to every upper bound */
};

/* Fills env with hz and the defaults: rto 200..240 ms, latency 10 ms. */
void model_env_default(struct model_env *env, int hz);

enum pred_kind {
	PRED_NONE,	/* no timer-driven FIN_WAIT2: absent, or shorter than max_ns */
	PRED_RANGE,	/* a lifetime in [min_ns, max_ns] */
	PRED_FOREVER,	/* still in FIN_WAIT2 at the limit */
	PRED_UNMODELLED,	/* the rule does not apply: the reason says what is not modelled;
			 * the state is reported, not judged (model_check() passes it) */
};

/* How the rule ends the state, where that moves the kernel's TCP MIB counters (a second
 * witness, docs/KERNEL.md "Counters"): unsaid for every other rule. */
enum pred_end {
	PRED_END_UNSAID,
	PRED_END_KEEPALIVE_ABORT,	/* keepalive gives up: probes_min..max probes
					 * (TCPKeepAlive), then tcp_write_err()
					 * (TCPAbortOnTimeout) and a reset */
	PRED_END_KEEPALIVE_RESET,	/* the first probe (TCPKeepAlive) meets a reset */
	PRED_END_LINGER0,		/* close() with SO_LINGER {1, 0}: tcp_disconnect()
					 * (TCPAbortOnData) */
	PRED_END_TW_DROPPED,		/* no timewait minisocket to be had: dropped
					 * (TCPTimeWaitOverflow) */
	PRED_END_LINGER2_ACKED,		/* an orphan with TCP_LINGER2 < 0: reset when its
					 * FIN is ACKed (TCPAbortOnData) */
	PRED_END_COUNT
};

struct prediction {
	enum pred_kind kind;
	int64_t min_ns, max_ns;	/* PRED_RANGE; PRED_NONE: 0 and the "tiny" bound */
	char reason[384];	/* one line: the rule that applies, and the timer slack */
	long may_drop;		/* PRED_RANGE: how many of the cell's connections may show no
				 * FIN_WAIT2 at all, because the timewait table is full
				 * (tcp_max_tw_buckets); 0 normally */
	bool ends_at_point;	/* PRED_NONE: FIN_WAIT2 ends when the client acts at its
				 * point (crash, none): a connection's FIN_WAIT2 may last from
				 * its start until the point, plus max_ns ... */
	int64_t timer_max_ns;	/* ... or until an orphan's timer ends it (0: no timer) */
	bool after_held;	/* the range is the orphan's part, after the application
				 * held the socket for a while (shown "held + MIN..MAX") */
	enum pred_end end;	/* how the rule ends the state */
	long probes_min, probes_max;	/* PRED_END_KEEPALIVE_*: keepalive probes sent */
};

/* Widens out to cover p too (the union of two predictions of the same kind, as for
 * several CONFIG_HZ choices). Returns 0, or -EINVAL when their kinds differ. */
int model_widen(struct prediction *out, const struct prediction *p);

/* Worst-case lateness L(T) of a kernel timer of length timeout_ns on a HZ kernel
 * (kernel/time/timer.c: calc_wheel_index rounds up to its level's granularity). */
int64_t model_timer_late(int64_t timeout_ns, int hz);

/* The kernel's 3.5 x RTO floor of tcp_fin_time() for an RTO of exactly env->rto_ns, in ns
 * (computed in jiffies as the kernel does: (rto << 2) - (rto >> 1)): the least floor. */
int64_t model_rto_floor(const struct model_env *env);

/* What the model knows of a cell's server socket, and where each fact comes from: the
 * scenario's declarations and the namespace's sysctls (model_facts_declare), then what was
 * observed, which wins: the socket options read from the server's own socket
 * (model_facts_read) and the RTO seen in its tcp_info (model_facts_rto). */
struct model_facts {
	bool no_fin_wait2;	/* TCP_LINGER2 < 0: reset instead of FIN_WAIT2 */
	int64_t fin_ns;		/* tcp_fin_time() before its 3.5 x RTO floor */
	int64_t fin_timeout_ns;	/* the namespace's net.ipv4.tcp_fin_timeout */
	int linger2_asked_s;	/* TCP_LINGER2 as set when over 120 s (clamped), else 0 */
	bool keepalive;		/* SO_KEEPALIVE */
	int64_t idle_ns, intvl_ns;	/* keepalive_time_when(), keepalive_intvl_when() */
	long cnt;		/* keepalive_probes() */
	int64_t user_timeout_ns;	/* TCP_USER_TIMEOUT, 0 when none */
	int64_t rto_lo_ns, rto_hi_ns;	/* the socket's RTO when its FIN is ACKed */
	long tw_buckets;	/* net.ipv4.tcp_max_tw_buckets, -1 when not set */
	char fin_what[128];	/* "tcp_fin_timeout 2s", "TCP_LINGER2 5s (read from ...)" */
	char source[96];	/* "declared", "read from nginx's socket (pid 12)" */
	char rto_source[64];	/* "TCP_RTO_MIN", "tcp_rto_min_us", "seen: rto 208ms" */
	/* The other close states (states.c), from the namespaces' sysctls: */
	long orphan_retries;	/* net.ipv4.tcp_orphan_retries (0: 8 while the RTO is below
				 * rto_max) */
	long retries2;		/* net.ipv4.tcp_retries2 */
	int64_t rto_max_ns;	/* net.ipv4.tcp_rto_max_ms, else TCP_RTO_MAX (120 s) */
	int64_t peer_fin_ns;	/* the client's tcp_fin_timeout ([client.sysctl]): how long a
				 * client that closed first still answers */
};

/* The facts a cell declares: its [server] options, else the namespace's sysctls, else a
 * new namespace's defaults; the RTO from net.ipv4.tcp_rto_min_us when set (plus the
 * delayed ACK's 40 ms, which the FIN's ACK adds to srtt), else env's rto_ns..rto_max_ns. */
void model_facts_declare(const struct scenario *cell, const struct model_env *env,
			 struct model_facts *f);

/* Overrides f with the options read from the server's socket: cfg holds the effective
 * values getsockopt returned (TCP_LINGER2 and the keepalive times read back the sysctl
 * when the socket has none of its own), `read` the FW_HAS_* bits of those read. who says
 * where they come from ("nginx (pid 12)"). */
void model_facts_read(struct model_facts *f, const struct fw_server_cfg *cfg, unsigned read,
		      const char *who);

/* Overrides f's RTO with the range seen on the socket (tcpi_rto); hi_ns also covers the
 * delayed ACK of the FIN, which may raise it once more before the timer is armed. */
void model_facts_rto(struct model_facts *f, int64_t lo_ns, int64_t hi_ns);

/* The kernel's rule for an orphan's FIN_WAIT2 from the moment it starts (close() of a
 * socket already in FIN_WAIT2, or the ACK of an orphan's FIN): tcp_fin_time() with its
 * floor, the minisocket or the 2F - 120 of F > 60 s, the timer wheel. */
void model_orphan_rule(const struct model_facts *f, const struct model_env *env,
		       struct prediction *p);

/* How an observed FIN_WAIT2 began, which decides the kernel's rule for it. */
enum model_fw2_start {
	MODEL_FW2_ORPHAN,	/* an orphan from its first sample: the ACK of an orphan's FIN
				 * started tcp_fin_time() (or the client's own FIN ends it) */
	MODEL_FW2_CLOSED,	/* held, then close(): the orphan rule from that moment */
	MODEL_FW2_HELD,		/* held throughout: only keepalive (or the peer) ends it */
};

/* The kernel's part of an observed FIN_WAIT2, from facts: for ORPHAN and CLOSED the
 * orphan part's lifetime (the client's FIN at its point, the orphan rule,
 * tcp_max_tw_buckets), for HELD the whole stay (keepalive with a dead peer, else
 * forever while the application holds it). Returns 0 or -EINVAL. */
int model_predict_fw2(const struct scenario *cell, const struct model_facts *f,
		      enum model_fw2_start start, const struct model_env *env,
		      struct prediction *out);

/* Predicts the server's FIN_WAIT2 lifetime for a cell (its [expect] is ignored) from its
 * declared facts. Returns 0, or -EINVAL for a bad env (hz <= 0). */
int model_predict(const struct scenario *cell, const struct model_env *env,
		  struct prediction *out);

/* The same from facts (declared, then observed). */
int model_predict_facts(const struct scenario *cell, const struct model_facts *f,
			const struct model_env *env, struct prediction *out);

/* The cell's expectation: model_predict for "model", else what [expect] says
 * (forever, none, 0..DUR, MIN..MAX). Returns 0 or -EINVAL. */
int model_expect(const struct scenario *cell, const struct model_env *env,
		 struct prediction *out);

/* An explicit expectation e of state (its name, for the reason) as a prediction:
 * forever, none, 0..DUR, MIN..MAX, or PRED_UNMODELLED for "any". env->hz 0 is taken as
 * 100 (the widest "none"). Returns 0, or -EINVAL for "model" (not explicit). */
int model_expect_of(const struct fw_expect *e, const char *state,
		    const struct model_env *env, struct prediction *out);

/* A prediction at one HZ (env->hz > 0); arg carries the rest. Returns 0 or -errno. */
typedef int (*model_fn)(const struct model_env *env, const void *arg, struct prediction *out);

/* fn at env->hz, or, when the kernel's HZ is unknown (env->hz 0), the union of fn over
 * every CONFIG_HZ choice (100, 250, 300, 1000): the rules do not depend on HZ, only the
 * timer slack does. Returns fn's error, or -EINVAL when the choices' kinds differ. */
int model_at_hz(const struct model_env *env, model_fn fn, const void *arg,
		struct prediction *out);

/* model_expect() when the kernel's HZ could not be found: the union of the predictions
 * for every CONFIG_HZ choice (100, 250, 300, 1000), env->hz ignored. Returns 0 or -EINVAL. */
int model_expect_any_hz(const struct scenario *cell, const struct model_env *env,
			struct prediction *out);

enum meas_kind {
	MEAS_ABSENT,	/* never seen in FIN_WAIT2 */
	MEAS_RANGE,	/* lifetime in [min_ns, max_ns], sampling error included */
	MEAS_OPEN,	/* still in FIN_WAIT2 at the end: lifetime >= min_ns */
};

struct measured {
	enum meas_kind kind;
	int64_t min_ns, max_ns;
};

/* Interval arithmetic: passes when the measured interval meets the expected one (an
 * absent FIN_WAIT2 counts as lifetime 0; PRED_FOREVER needs MEAS_OPEN). Writes a one-line
 * explanation to why (may be NULL). Returns true for pass. */
bool model_check(const struct prediction *p, const struct measured *m, char *why,
		 size_t len);

/* model_check() for another state: state names it in why. */
bool model_check_state(const struct prediction *p, const struct measured *m,
		       const char *state, char *why, size_t len);

/* The server's other close states (states.c, states_close.c; docs/KERNEL.md rules 21-26).
 * Each predicts how long the server's socket stays in the state from the cell's
 * declarations and facts, with the timer wheel's lateness and env->latency_ns; PRED_NONE
 * means not at all or no longer than a delayed ACK, PRED_UNMODELLED says in its reason
 * what is not modelled. Each returns 0, or -EINVAL for a bad env or facts. */

/* FIN_WAIT1: the FIN ACKed at once (none), retransmitted to a vanished client (orphan:
 * tcp_orphan_retries, held: tcp_retries2, or TCP_USER_TIMEOUT; tcp_write_timeout()), or
 * waiting behind the zero window of a client that stopped reading (tcp_probe_timer()).
 * orphan: the application closed the socket (else it holds it, after shutdown()). */
int model_fin_wait1(const struct scenario *cell, const struct model_facts *f,
		    const struct model_env *env, bool orphan, struct prediction *out);

/* TIME_WAIT: TCP_TIMEWAIT_LEN (60 s) when the client's FIN follows the server's. */
int model_time_wait(const struct scenario *cell, const struct model_facts *f,
		    const struct model_env *env, struct prediction *out);

/* CLOSE_WAIT: the client closed first; forever while the application holds the socket
 * (close = none), unless keepalive meets the client's socket gone. */
int model_close_wait(const struct scenario *cell, const struct model_facts *f,
		     const struct model_env *env, struct prediction *out);

/* LAST_ACK: the server closes after the client's FIN; none while the client's kernel
 * answers, FIN_WAIT1's retransmission rule when it is gone (peer_gone). */
int model_last_ack(const struct scenario *cell, const struct model_facts *f,
		   const struct model_env *env, bool orphan, bool peer_gone,
		   struct prediction *out);

/* tcp_model_timeout(): the time retransmits_timed_out() allows boundary retransmissions,
 * from TCP_RTO_MIN doubling up to rto_max, in ns (jiffies as the kernel counts them). */
int64_t model_retries_timeout(long boundary, int64_t rto_max_ns, int hz);

/* Whether the cell's response fills the receive window of a client that never reads it
 * (server.response_size): 1 yes, 0 no, -1 cannot tell (64 KiB..1 MiB). */
int model_response_fills(const struct scenario *cell);

/* Little's law for connections arriving at rate a second for duration_ns, each staying
 * in a state for p's lifetime (PRED_RANGE): rate x min(duration, lifetime) sockets at
 * once, the plateau (the peak, when the arrivals stop before the first leaves). Widened
 * by one socket for the arrivals' discreteness, by what arrives in interval_ns (the time
 * between two samples, and at most what a dump spans), and above by what arrivals late by
 * up to late_ns bunch into it.
 * *lo and *hi in sockets; false (nothing filled) when p is not a range. Pure. */
bool model_plateau(const struct prediction *p, long rate, int64_t duration_ns,
		   int64_t interval_ns, int64_t late_ns, long *lo, long *hi);

/* Which side closes first with finwait's endpoints: 1 the server, -1 the client, 0 they
 * race (the server closes less than 100 ms after the response the client closes after). */
int model_closes_first(const struct scenario *cell);

#endif
