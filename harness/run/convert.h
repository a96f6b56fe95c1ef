/* convert: one cell's outcome into the report's rows (report.h): its name and
 * parameters, its connections and their states and phases with times relative to the
 * cell's start, the FIN_WAIT2 statistics, per-state aggregates, and its verdict
 * (judge.h). Owns the memory behind those rows. */
#ifndef FINWAIT_CONVERT_H
#define FINWAIT_CONVERT_H

#include "cellrun.h"
#include "judge.h"
#include "diag.h"
#include "model.h"
#include "report.h"

struct cell_report {
	struct report_cell rc;		/* what the writers read; points into the rest */
	struct scen_kvlist flat;	/* the cell's settings, behind rc.params */
	struct report_param *params;
	struct report_conn *conns;
	struct report_state *states;
	struct report_phase *phases;	/* the states' phases, behind states[].phases */
	char *addrs;			/* the connections' "addr:port" texts */
	struct report_packet *packets;	/* behind conns[].packets */
	struct report_agg aggs[DIAG_NSTATES];
	struct report_sockopts sockopts[CELL_SOCKOPTS_MAX];	/* behind rc.sockopts */
	struct judgement judged;	/* behind rc.expect and rc.expects */
	struct report_expect expects[1 + FW_ES_COUNT];
	struct report_plateau plateaus[1 + FW_ES_COUNT];
	char why[512];			/* behind rc.error */
	struct report_counter counters[COUNTERS_MAX];	/* behind rc.counters */
	struct report_counter_check checks[JUDGE_COUNTERS_MAX];	/* rc.counter_checks */
	struct report_series series;	/* behind rc.series */
	int64_t *series_t;		/* behind series.t_ns */
	uint32_t *series_c;		/* behind series.count[] */
};

/* Fills *r (zeroed by the caller) from cell sc's outcome. sc and out must outlive r:
 * names are borrowed from them. Returns 0 or -ENOMEM (r is then partly filled: clear it
 * all the same). */
int convert_cell(struct cell_report *r, const struct scenario *sc,
		 const struct cell_outcome *out, const struct model_env *menv);

/* Frees what r holds (not r). */
void cell_report_clear(struct cell_report *r);

#endif
