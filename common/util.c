#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
	{ "us", NSEC_PER_USEC }, { "ms", NSEC_PER_MSEC }, { "s", NSEC_PER_SEC },
	{ "m", 60 * NSEC_PER_SEC }, { "h", 3600 * NSEC_PER_SEC },
};

static int64_t gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The unit's nanoseconds for the letters [u, u + len), 0 when unknown. */
static int64_t unit_ns(const char *u, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strlen(units[i].name) == len && !strncmp(u, units[i].name, len))
			return units[i].ns;
	return 0;
}

int dur_parse(const char *s, int64_t *ns)
{
	/* frac / scale of a unit: at most 18 digits kept, enough for any whole nanosecond
	 * of an hour (3.6e12 ns). */
	int64_t whole = 0, frac = 0, scale = 1, unit = NSEC_PER_SEC, g, v;
	const char *p = s, *u;
	bool digits = false;

	if (!s)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	for (; isdigit((unsigned char)*p); p++, digits = true)
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, *p - '0', &whole))
			return -ERANGE;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, digits = true) {
			if (scale <= INT64_MAX / 10 / 10) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			} else if (*p != '0') {
				return -EINVAL;	/* finer than a nanosecond */
			}
		}
	if (!digits)
		return -EINVAL;
	for (u = p; isalpha((unsigned char)*p); p++)
		;
	if (p > u && !(unit = unit_ns(u, (size_t)(p - u))))
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	/* frac / scale units are frac * (unit / g) / (scale / g) ns, exactly: a whole number
	 * only when scale / g divides frac (unit / g and scale / g have no common factor). */
	g = gcd64(unit, scale);
	if (frac % (scale / g))
		return -EINVAL;	/* finer than a nanosecond */
	if (__builtin_mul_overflow(whole, unit, &v) ||
	    __builtin_add_overflow(v, frac / (scale / g) * (unit / g), &v))
		return -ERANGE;
	*ns = v;
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

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 when it is not one:
 * no overlong forms, no surrogates, nothing past U+10FFFF (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

size_t utf8_invalid_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0, l; i < n; i += l)
		if (!(l = utf8_seq(u + i, n - i)))
			return i;
	return n;
}

char *utf8_sanitize(const char *s)
{
	static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
	size_t n = strlen(s), o = 0, l;
	char *out = malloc(n * 3 + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += l) {
		l = utf8_seq((const unsigned char *)s + i, n - i);
		if (l) {
			memcpy(out + o, s + i, l);
			o += l;
		} else {
			memcpy(out + o, repl, 3);
			o += 3;
			l = 1;
		}
	}
	out[o] = '\0';
	return out;
}

/* getdents64's record (the kernel's struct linux_dirent64). */
struct dirent64_rec {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Folders nested deeper than this are not descended into (each level keeps a buffer). */
#define RM_TREE_DEPTH 32

/* Removes name, in the folder at, with what is below it. Entries are read with
 * getdents64 into a buffer on the stack: opendir() would call malloc(). */
static int rm_at(int at, const char *name, int depth)
{
	char buf[2048];
	long n;
	int fd, ret = 0;

	if (!unlinkat(at, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR || depth >= RM_TREE_DEPTH)
		return -errno;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const struct dirent64_rec *d = (const void *)(buf + off);
			int r;

			off += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			if ((r = rm_at(fd, d->name, depth + 1)) && !ret)
				ret = r;
		}
	}
	if (n < 0 && !ret)
		ret = -errno;
	close(fd);
	if (unlinkat(at, name, AT_REMOVEDIR) && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

int rm_tree(const char *path)
{
	return path ? rm_at(AT_FDCWD, path, 0) : 0;
}
