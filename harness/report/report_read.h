/* report_read: a report's cells read back from its JSON document (report.h), as far as
 * the table, JUnit and the summary show them: name, params, "fin_wait2", "expect",
 * "verdict", "error", "elapsed" and a sharded report's "index". Connections, states and
 * the other keys stay in the JSON; a writer that needs them reads the JSON itself
 * (report_html_from_json). With this, the run and `finwait merge` share one table and
 * one JUnit writer: the run's from its own rows, merge's from the rows read here. */
#ifndef FINWAIT_REPORT_READ_H
#define FINWAIT_REPORT_READ_H

#include <json-c/json.h>

#include "err.h"
#include "report.h"

/* Fills *c from the cell object o (an element of "cells"). Strings are borrowed from o,
 * which must outlive c; c->params is allocated (free with report_cell_read_clear).
 * Returns 0, -ENOMEM, or -EINVAL with err->msg saying which key is missing or wrong
 * (err->file is left to the caller). */
int report_cell_read(struct json_object *o, struct report_cell *c, struct fw_err *err);

/* Frees what report_cell_read allocated in c. */
void report_cell_read_clear(struct report_cell *c);

/* Seconds (a JSON number) as ns; null as 0. */
int64_t report_json_ns(struct json_object *v);

#endif
