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

/* Fills *p with cell sc's expectation. menv->hz 0 (the kernel's HZ is unknown) gives the
 * union of the predictions for every CONFIG_HZ choice. Returns 0, or -EINVAL when the
 * model cannot judge the cell (*p is then partly filled). */
int judge_expect(const struct scenario *sc, const struct model_env *menv,
		 struct prediction *p);

/* Judges the outcome of cell sc (cellrun()): fills *expect and returns the verdict. For
 * REPORT_FAIL and REPORT_SKIP, why (len bytes, caller's) says why in one line; it is
 * empty for REPORT_PASS. */
enum report_verdict judge_cell(const struct scenario *sc, const struct model_env *menv,
			       const struct cell_outcome *out, struct prediction *expect,
			       char *why, size_t len);

#endif
