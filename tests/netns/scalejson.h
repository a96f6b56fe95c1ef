/* scalejson: what test_scale and bench_scale read from a cell of finwait's JSON report. */
#ifndef FINWAIT_TESTS_SCALEJSON_H
#define FINWAIT_TESTS_SCALEJSON_H

#include <json-c/json.h>

/* o's member key, NULL when there is none. */
json_object *get(json_object *o, const char *key);

/* Seconds from the first connection's entry into ESTABLISHED (its lower bound) to the
 * last one's (its upper bound): how long the cell took to set its connections up. */
double established_span(json_object *cell);

#endif
