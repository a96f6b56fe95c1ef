/* tlreport: a timeline's visits and phases as the report's rows (report.h), with times
 * relative to a start t0: shared by `finwait run` (convert.c) and `finwait watch --html`.
 * Pure. */
#ifndef FINWAIT_TLREPORT_H
#define FINWAIT_TLREPORT_H

#include <stdint.h>

#include "report.h"
#include "series.h"
#include "timeline.h"

/* The times of a state or a phase relative to t0, from its bounds in p (a visit's are
 * copied into a tl_phase); an entry before the first sample shows as its upper bound. */
void tlreport_span(const struct tl_phase *p, int64_t t0, struct report_span *sp);

/* One phase. Its process (pid, name) is left unknown: the caller names the holder of
 * p->inode when it knows it. */
void tlreport_phase(const struct tl_phase *tp, int64_t t0, struct report_phase *p);

/* Visit vi of c as a state row, its phases into `phases` (room for TL_PHASES_MAX). */
void tlreport_visit(const struct tl_conn *c, size_t vi, int64_t t0, struct report_state *st,
		    struct report_phase *phases);

/* Series s as the report's (JSON "series"), times relative to t0: the states some sample
 * saw a socket in. The arrays behind *sr go to *t and *c (the caller frees both).
 * Returns 0 or -ENOMEM. */
int tlreport_series(const struct series *s, int64_t t0, struct report_series *sr,
		    int64_t **t, uint32_t **c);

#endif
