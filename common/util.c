#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
	{ "us", NSEC_PER_USEC }, { "ms", NSEC_PER_MSEC }, { "s", NSEC_PER_SEC },
	{ "m", 60 * NSEC_PER_SEC }, { "h", 3600 * NSEC_PER_SEC },
};

int dur_parse(const char *s, int64_t *ns)
{
	int64_t whole = 0, frac = 0, frac_div = 1, unit = NSEC_PER_SEC;
	const char *p = s;
	bool digits = false;

	if (!s)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (INT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (*p - '0');
		digits = true;
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (frac_div < NSEC_PER_SEC) {
				frac = frac * 10 + (*p - '0');
				frac_div *= 10;
			}
			digits = true;
		}
	}
	if (!digits)
		return -EINVAL;
	const char *u = p;
	while (isalpha((unsigned char)*p))
		p++;
	size_t ulen = (size_t)(p - u);
	if (ulen) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (strlen(units[i].name) == ulen && !strncmp(u, units[i].name, ulen))
				break;
		if (i == ARRAY_SIZE(units))
			return -EINVAL;
		unit = units[i].ns;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	if (whole > INT64_MAX / unit)
		return -ERANGE;
	*ns = whole * unit + (frac * unit) / frac_div;
	return 0;
}

char *dur_format(int64_t ns, char *buf, size_t len)
{
	const char *sign = ns < 0 ? "-" : "";
	int64_t a = ns < 0 ? -ns : ns;

	if (a == 0)
		snprintf(buf, len, "0s");
	else if (a % (3600 * NSEC_PER_SEC) == 0)
		snprintf(buf, len, "%s%lldh", sign, (long long)(a / (3600 * NSEC_PER_SEC)));
	else if (a % (60 * NSEC_PER_SEC) == 0)
		snprintf(buf, len, "%s%lldm", sign, (long long)(a / (60 * NSEC_PER_SEC)));
	else if (a % NSEC_PER_SEC == 0)
		snprintf(buf, len, "%s%llds", sign, (long long)(a / NSEC_PER_SEC));
	else if (a % NSEC_PER_MSEC == 0)
		snprintf(buf, len, "%s%lldms", sign, (long long)(a / NSEC_PER_MSEC));
	else if (a % NSEC_PER_USEC == 0)
		snprintf(buf, len, "%s%lldus", sign, (long long)(a / NSEC_PER_USEC));
	else
		snprintf(buf, len, "%s%.9gs", sign, ns_to_s(a));
	return buf;
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s)
		return -EINVAL;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (*end || end == s)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void sort_int64(int64_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_int64);
}

int64_t pct_nearest_rank(const int64_t *sorted, size_t n, unsigned p)
{
	size_t rank;

	if (!n)
		return 0;
	if (p > 100)
		p = 100;
	rank = (n * p + 99) / 100; /* ceil(p * n / 100) */
	return sorted[rank ? rank - 1 : 0];
}

char *str_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

long nofile_raise(long want)
{
	rlim_t w = (rlim_t)want;
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return 1024;
	if (r.rlim_cur >= w)
		return (long)r.rlim_cur;
	if (r.rlim_max < w) {
		struct rlimit big = { w, w };

		if (setrlimit(RLIMIT_NOFILE, &big) == 0)
			return want;
	}
	r.rlim_cur = r.rlim_max < w ? r.rlim_max : w;
	if (setrlimit(RLIMIT_NOFILE, &r) < 0)
		getrlimit(RLIMIT_NOFILE, &r);
	return (long)r.rlim_cur;
}
