/* report_priv: what the report writers (report.c: table, JUnit, CSV; report_json.c)
 * share. Not for other modules. */
#ifndef FINWAIT_REPORT_PRIV_H
#define FINWAIT_REPORT_PRIV_H

#include <stddef.h>
#include <stdint.h>

/* Seconds with nanosecond precision and no trailing zeros ("2.012", "4.0"); returns buf. */
char *report_sec_text(int64_t ns, char *buf, size_t len);

struct report_cell;
struct prediction;

/* The table's FIN_WAIT2 column ("1.010/1.042s (4)", "forever (4)", "none") and its
 * EXPECTED column ("0.996..1.042s", "held+...", "forever", "none"), also the HTML
 * summary's. */
void report_measured_text(const struct report_cell *c, char *buf, size_t len);
void report_expected_text(const struct prediction *p, char *buf, size_t len);

#endif
