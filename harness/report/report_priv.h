/* report_priv: what the report writers (report.c: table, JUnit, CSV; report_json.c)
 * share. Not for other modules. */
#ifndef FINWAIT_REPORT_PRIV_H
#define FINWAIT_REPORT_PRIV_H

#include <stddef.h>
#include <stdint.h>

/* Seconds with nanosecond precision and no trailing zeros ("2.012", "4.0"); returns buf. */
char *report_sec_text(int64_t ns, char *buf, size_t len);

#endif
