/* judge: the verdict on one cell of a run. Owns the expectation a cell is held to (the
 * model, or what its [expect] says) and the verdict policy: a cell the lab could not
 * build here, or that a signal cut short, is skipped; one whose run failed fails with its
 * error; otherwise every connection's FIN_WAIT2, read from the cell's typed timeline
 * (struct tl_conn), must meet the expectation. Pure: reads the outcome only. */
#ifndef FINWAIT_JUDGE_H
#define FINWAIT_JUDGE_H

#include <stddef.h>

#include "cellrun.h"
#include "model.h"
#include "report.h"
#include "timeline.h"

/* Fills *p with cell sc's expectation. menv->hz 0 (the kernel's HZ is unknown) gives the
 * union of the predictions for every CONFIG_HZ choice. Returns 0, or -EINVAL when the
 * model cannot judge the cell (*p is then partly filled). */
int judge_expect(const struct scenario *sc, const struct model_env *menv,
		 struct prediction *p);

enum judge_state_verdict { JS_UNJUDGED, JS_PASS, JS_FAIL };

/* The verdict on one of the other close states ([expect] fin_wait1, time_wait,
 * close_wait, last_ack, held) over the cell's connections. */
struct judge_state {
	const char *state;		/* "FIN_WAIT1", ..., "held" */
	bool seen;			/* some connection was in it */
	enum judge_state_verdict verdict;	/* fail if any connection failed */
	struct prediction p;		/* what the failing (else the first) one was held to */
	char why[512];			/* the measurement against it, or why not judged */
};

/* A TCP MIB counter the model predicts for the cell (judge_counters.c), checked against
 * the kernel's delta over the cell: a second witness besides sock_diag. */
struct judge_counter {
	const char *name;		/* "TCPAbortOnTimeout", ... */
	int64_t min, max;		/* what the model says */
	int64_t measured;		/* the kernel's delta */
	bool pass;
	char why[192];			/* the rule behind the prediction */
};

#define JUDGE_COUNTERS_MAX 6

/* What the model says of the cell's connections' ends, summed over them. */
struct judge_ends {
	long conns;			/* connections judged */
	long said;			/* ... whose end the model says (enum pred_end) */
	long n[PRED_END_COUNT];		/* by end */
	long probes_min, probes_max;	/* keepalive probes over them */
	long may_drop;			/* a full timewait table's drops (the cell's) */
};

/* With scenario.rate, a state's plateau: the most sockets in it at once, against
 * Little's law on the model's own per-connection prediction (model_plateau()). */
struct judge_plateau {
	const char *state;		/* "FIN_WAIT2", ... */
	long rate;			/* arrivals a second */
	struct prediction p;		/* the lifetime it comes from */
	long min, max;			/* sockets at once, predicted */
	long measured;			/* the most seen in one sample */
	bool pass;
	char why[256];
};

struct judgement {
	struct prediction expect;	/* FIN_WAIT2 (the cell's "expect") */
	struct judge_state states[FW_ES_COUNT];
	struct judge_counter counters[JUDGE_COUNTERS_MAX];
	size_t n_counters;
	struct judge_plateau plateaus[1 + FW_ES_COUNT];
	size_t n_plateaus;
};

/* Judges the outcome of cell sc (cellrun()): fills *j and returns the verdict. For
 * REPORT_FAIL and REPORT_SKIP, why (len bytes, caller's) says why in one line; it is
 * empty for REPORT_PASS. */
enum report_verdict judge_cell(const struct scenario *sc, const struct model_env *menv,
			       const struct cell_outcome *out, struct judgement *j,
			       char *why, size_t len);

/* The cell's facts for connection c: declared, then the options read from the process
 * that held the socket (else the cell's first reading), then the RTO seen on it. *who is
 * the holder, NULL when none was seen. */
void judge_conn_facts(const struct model_facts *declared, const struct cell_outcome *out,
		      const struct tl_conn *c, struct model_facts *f,
		      const struct cell_owner **who);

/* The application's part of c's last FIN_WAIT2 (held after its FIN, until close() or
 * the end); false when it never held it there. */
bool judge_held_part(const struct tl_conn *c, struct measured *m);

/* The index of c's last visit of state (enum diag_state), or -1. */
int judge_last_visit(const struct tl_conn *c, int state);

/* *m from a stay [entered, left] (l_hi TL_INF: still there at the end). */
void judge_measure_span(int64_t e_lo, int64_t e_hi, int64_t l_lo, int64_t l_hi,
			struct measured *m);

/* judge_plateau.c: with scenario.rate, the plateau of FIN_WAIT2 and of each other state
 * the model judged with a range, into j->plateaus. Returns false when one is outside
 * its prediction (why says which). */
bool judge_plateaus(const struct scenario *sc, const struct cell_outcome *out,
		    struct judgement *j, char *why, size_t len);

/* judge_states.c: every state of enum fw_expect_state, into j->states. */
void judge_other_states(const struct scenario *sc, const struct model_env *menv,
			const struct cell_outcome *out, const struct model_facts *declared,
			struct judgement *j);

/* judge_counters.c: adds connection's model prediction p (the model's own, whatever
 * [expect] says) to e. */
void judge_ends_add(struct judge_ends *e, const struct prediction *p);

/* judge_counters.c: the counters the model predicts from e, checked against the cell's
 * deltas (out->counters), into j->counters. Returns false when one disagrees (why says
 * which, naming both witnesses); true also when the counters could not be read. */
bool judge_counters(const struct judge_ends *e, const struct cell_outcome *out,
		    struct judgement *j, char *why, size_t len);

/* judge_packets.c: the packets as a second witness: each connection's captured segments
 * against what sock_diag saw and the socket's facts (the ACK of the FIN begins FIN_WAIT2,
 * keepalive probes at keepidle then keepintvl, an RST ends FIN_WAIT2, the FIN's
 * retransmissions follow the RTO backoff). True when they agree, or when the cell has no
 * usable capture (none, a lost frame, a wall-clock step); else why names both witnesses. */
bool judge_packets(const struct model_env *menv, const struct cell_outcome *out,
		   const struct model_facts *declared, char *why, size_t len);

/* Raises *e_lo, the earliest FIN_WAIT2 of c can have begun, to the captured ACK of the
 * server's FIN when that falls within [*e_lo, *e_hi] (out NULL: no change). */
void judge_pkt_narrow_fw2(const struct cell_outcome *out, const struct tl_conn *c,
			  int64_t *e_lo, int64_t *e_hi);

const char *judge_state_name(enum fw_expect_state es);
const char *judge_state_verdict_name(enum judge_state_verdict v);

#endif
