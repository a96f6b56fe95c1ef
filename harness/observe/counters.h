/* counters: the TCP MIB counters of one network namespace (the TcpExt line pair of
 * /proc/net/netstat and the Tcp pair of /proc/net/snmp), read by a thread that enters
 * the namespace, and their deltas over a cell. Parsing and deltas are pure.
 *
 * Names are the kernel's: TcpExt fields as they are ("TCPAbortOnTimeout"), Tcp fields
 * with their group's name before them ("TcpOutRsts", "TcpRetransSegs"), as nstat
 * prints them without its "TcpExt" prefix. Tcp's gauges and constants (RtoAlgorithm,
 * RtoMin, RtoMax, MaxConn, CurrEstab) are left out: they are not counts of events. */
#ifndef FINWAIT_COUNTERS_H
#define FINWAIT_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TcpExt has ~130 fields on Linux 6.18, Tcp 10 counters. */
#define COUNTERS_MAX 256
#define COUNTER_NAME_MAX 48

struct counter {
	char name[COUNTER_NAME_MAX];
	int64_t value;
};

struct counters {
	struct counter v[COUNTERS_MAX];
	size_t n;
};

/* The counters every cell reports, moved or not (the JSON's "counters"), NULL-ended. */
extern const char *const counters_always[];

/* Appends the fields of one group from the text of /proc/net/netstat or /proc/net/snmp
 * (header line "Group: A B ...", then "Group: 1 2 ..."). prefix goes before each name
 * ("" for TcpExt, "Tcp" for Tcp). Returns 0, -ENOENT when the group is missing, -EINVAL
 * when its lines do not match, -ENOSPC when out is full. Pure. */
int counters_parse(const char *text, const char *group, const char *prefix,
		   struct counters *out);

/* Reads the namespace netns_fd's TcpExt and Tcp counters into *out, from a thread that
 * enters it for the reads (/proc/thread-self/net shows the reading thread's namespace)
 * and leaves it after. -1 reads the caller's own. Returns 0 or -errno. */
int counters_read(int netns_fd, struct counters *out);

/* The value of name; false when there is no such counter. */
bool counters_get(const struct counters *c, const char *name, int64_t *value);

/* out = after - before, name by name, in after's order (a name missing from before
 * counts from 0). Pure. */
void counters_delta(const struct counters *before, const struct counters *after,
		    struct counters *out);

/* Whether a delta belongs in the report: it is in counters_always, or it moved. */
bool counters_reported(const struct counter *delta);

#endif
