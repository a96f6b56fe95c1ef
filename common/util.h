/* util: durations, the monotonic clock, the descriptor limit, sorting and percentiles of
 * int64 values, and small string helpers. */
#ifndef FINWAIT_UTIL_H
#define FINWAIT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NSEC_PER_USEC 1000LL
#define NSEC_PER_MSEC 1000000LL
#define NSEC_PER_SEC 1000000000LL

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parses a duration: a non-negative decimal number with a unit of us, ms, s, m or h
 * ("1500ms", "2s", "1.5m", "2h"). A bare number is seconds. The value is exact: returns
 * 0 and sets *ns, or -EINVAL (bad syntax or unit, or not a whole number of
 * nanoseconds) or -ERANGE (more than INT64_MAX nanoseconds, ~292 years). */
int dur_parse(const char *s, int64_t *ns);

/* Writes a duration in the shortest exact unit ("2s", "1500ms", "2h", "250us") to buf
 * and returns buf. */
char *dur_format(int64_t ns, char *buf, size_t len);

/* Parses a whole decimal integer in [min, max] (leading/trailing space allowed).
 * Returns 0 or -EINVAL / -ERANGE. */
int parse_long(const char *s, long min, long max, long *out);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t mono_ns(void);

/* Raises RLIMIT_NOFILE towards want: the soft limit up to the hard one, and the hard one
 * too when allowed (CAP_SYS_RESOURCE). Returns the soft limit in force afterwards. */
long nofile_raise(long want);

/* Seconds as a double, for reports. */
static inline double ns_to_s(int64_t ns) { return (double)ns / (double)NSEC_PER_SEC; }

/* Sorts n int64 values in ascending order, in place. */
void sort_int64(int64_t *v, size_t n);

/* Nearest-rank percentile: the smallest of the n ascending values with at least p % of
 * them at or below it, i.e. sorted[ceil(p * n / 100) - 1], with p in 1..100 (p 0 gives
 * the minimum, p over 100 the maximum). Integer arithmetic, so a rank is never off by
 * one through rounding. Returns 0 when n == 0. */
int64_t pct_nearest_rank(const int64_t *sorted, size_t n, unsigned p);

/* Trims leading and trailing white space in place; returns the trimmed start. */
char *str_trim(char *s);

/* Offset of the first byte of s[0..n) that does not start a well-formed UTF-8 sequence
 * (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF); n when all
 * of it is valid. */
size_t utf8_invalid_at(const char *s, size_t n);

/* A malloc'd copy of s with each byte that is not part of a well-formed UTF-8 sequence
 * replaced by U+FFFD, so that JSON and XML readers accept it. NULL when out of memory. */
char *utf8_sanitize(const char *s);

/* true when s starts with prefix. */
bool str_startswith(const char *s, const char *prefix);

/* Removes path and, when it is a folder, everything below it (symbolic links are removed,
 * not followed). Async-signal-safe (no malloc): a fork of a threaded process may call it.
 * Returns 0 (also when path does not exist) or -errno of the first failure. */
int rm_tree(const char *path);

#endif
