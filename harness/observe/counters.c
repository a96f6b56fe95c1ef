/* counters: see counters.h. */
#include "counters.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"

/* netstat is ~3.5 KB on Linux 6.18 (TcpExt, IpExt, MPTcpExt); snmp ~1.6 KB. */
#define PROC_TEXT_MAX 32768

const char *const counters_always[] = {
	"TCPAbortOnTimeout", "TCPAbortOnClose", "TCPAbortOnData", "TCPAbortOnLinger",
	"TCPAbortOnMemory", "TCPTimeWaitOverflow", "TCPKeepAlive", "TcpOutRsts",
	"TcpRetransSegs", NULL,
};

/* Tcp fields of /proc/net/snmp that are not counts of events. */
static const char *const not_counters[] = {
	"TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax", "TcpMaxConn", "TcpCurrEstab", NULL,
};

static bool in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

/* The line after "\n" or at text's start that begins with "group: ", from from on; its
 * text (after the colon) and length. NULL when none. */
static const char *find_line(const char *text, const char *from, const char *group,
			     size_t *len)
{
	size_t gl = strlen(group);

	for (const char *p = from; p && *p;) {
		const char *eol = strchr(p, '\n');

		if ((p == text || p[-1] == '\n') && !strncmp(p, group, gl) && p[gl] == ':') {
			*len = (size_t)((eol ? eol : p + strlen(p)) - (p + gl + 1));
			return p + gl + 1;
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* The next space-separated word of [*p, end) into w (cap bytes). false at the end. */
static bool next_word(const char **p, const char *end, char *w, size_t cap)
{
	size_t n = 0;

	while (*p < end && **p == ' ')
		(*p)++;
	if (*p >= end)
		return false;
	while (*p < end && **p != ' ') {
		if (n + 1 < cap)
			w[n++] = **p;
		(*p)++;
	}
	w[n] = '\0';
	return true;
}

int counters_parse(const char *text, const char *group, const char *prefix,
		   struct counters *out)
{
	size_t hl, vl;
	const char *h = find_line(text, text, group, &hl), *v, *he, *ve;
	char name[COUNTER_NAME_MAX], num[32];

	if (!h)
		return -ENOENT;
	v = find_line(text, h + hl, group, &vl);
	if (!v)
		return -EINVAL;
	he = h + hl;
	ve = v + vl;
	while (next_word(&h, he, name, sizeof(name))) {
		char *endp;
		long long val;
		struct counter *c;

		if (!next_word(&v, ve, num, sizeof(num)))
			return -EINVAL;
		errno = 0;
		val = strtoll(num, &endp, 10);
		if (errno || *endp)
			return -EINVAL;
		if (out->n == COUNTERS_MAX)
			return -ENOSPC;
		c = &out->v[out->n];
		snprintf(c->name, sizeof(c->name), "%s%s", prefix, name);
		if (in_list(not_counters, c->name))
			continue;
		c->value = val;
		out->n++;
	}
	return next_word(&v, ve, num, sizeof(num)) ? -EINVAL : 0;
}

/* Reads path whole into buf (cap bytes, NUL-ended). Returns 0 or -errno. */
static int read_text(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			break;
		}
		n += (size_t)r;
		if (r == 0)
			break;
		if (n == cap - 1) {
			ret = -EFBIG;
			break;
		}
	}
	buf[n] = '\0';
	close(fd);
	return ret;
}

/* Both files, read from inside the namespace (the caller's thread is in it). */
static int read_both(char *netstat, char *snmp)
{
	int ret = read_text("/proc/thread-self/net/netstat", netstat, PROC_TEXT_MAX);

	return ret ? ret : read_text("/proc/thread-self/net/snmp", snmp, PROC_TEXT_MAX);
}

int counters_read(int netns_fd, struct counters *out)
{
	char *netstat = malloc(PROC_TEXT_MAX), *snmp = malloc(PROC_TEXT_MAX);
	int saved = -1, ret = -ENOMEM, lret;

	out->n = 0;
	if (!netstat || !snmp)
		goto out;
	if (netns_fd >= 0 && (ret = netns_enter(netns_fd, &saved)))
		goto out;
	ret = read_both(netstat, snmp);
	lret = netns_leave(saved);
	ret = ret ? ret : lret;
	if (!ret)
		ret = counters_parse(netstat, "TcpExt", "", out);
	if (!ret)
		ret = counters_parse(snmp, "Tcp", "Tcp", out);
out:
	free(netstat);
	free(snmp);
	return ret;
}

bool counters_get(const struct counters *c, const char *name, int64_t *value)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name)) {
			*value = c->v[i].value;
			return true;
		}
	return false;
}

void counters_delta(const struct counters *before, const struct counters *after,
		    struct counters *out)
{
	out->n = 0;
	for (size_t i = 0; i < after->n && out->n < COUNTERS_MAX; i++) {
		int64_t b = 0;

		counters_get(before, after->v[i].name, &b);
		out->v[out->n] = after->v[i];
		out->v[out->n].value -= b;
		out->n++;
	}
}

bool counters_reported(const struct counter *delta)
{
	return delta->value != 0 || in_list(counters_always, delta->name);
}
