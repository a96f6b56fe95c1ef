#include "status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static const char *const type_names[STATUS_TYPE_COUNT] = {
	[STATUS_UNKNOWN] = NULL,
	[STATUS_LISTENING] = "listening",
	[STATUS_LIMIT] = "limit",
	[STATUS_ACCEPTED] = "accepted",
	[STATUS_OPTS] = "opts",
	[STATUS_RESPONSE] = "response",
	[STATUS_CLOSE] = "close",
	[STATUS_PEER_CLOSED] = "peer-closed",
	[STATUS_PEER_RESET] = "peer-reset",
	[STATUS_CONNECTED] = "connected",
	[STATUS_POINT] = "point",
	[STATUS_FAULT] = "fault",
	[STATUS_ERROR] = "error",
	[STATUS_EXIT] = "exit",
	[STATUS_ARRIVALS] = "arrivals",
};

const char *status_type_name(enum status_type type)
{
	if ((int)type < 0 || type >= STATUS_TYPE_COUNT)
		return NULL;
	return type_names[type];
}

enum status_type status_type_from_name(const char *name)
{
	for (int i = 1; i < STATUS_TYPE_COUNT; i++)
		if (!strcmp(type_names[i], name))
			return (enum status_type)i;
	return STATUS_UNKNOWN;
}

static void put(struct status_line *l, const char *s, size_t n)
{
	/* Keep one byte for the newline that status_end adds. */
	if (l->overflow || l->len + n + 1 >= sizeof(l->buf)) {
		l->overflow = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

void status_begin(struct status_line *l, enum status_type type, int64_t t)
{
	const char *name = status_type_name(type);
	char tb[32];

	l->len = 0;
	l->overflow = false;
	l->buf[0] = '\0';
	if (!name) {
		l->overflow = true;
		return;
	}
	put(l, name, strlen(name));
	snprintf(tb, sizeof(tb), " t=%lld", (long long)t);
	put(l, tb, strlen(tb));
}

static bool needs_quotes(const char *v)
{
	if (!*v)
		return true;
	for (; *v; v++)
		if (*v == ' ' || *v == '"' || *v == '\\' || *v == '=' || (unsigned char)*v < 0x20 ||
		    *v == 0x7f)
			return true;
	return false;
}

void status_add(struct status_line *l, const char *key, const char *val)
{
	put(l, " ", 1);
	put(l, key, strlen(key));
	put(l, "=", 1);
	if (!needs_quotes(val)) {
		put(l, val, strlen(val));
		return;
	}
	put(l, "\"", 1);
	for (const char *p = val; *p; p++) {
		switch (*p) {
		case '"': put(l, "\\\"", 2); break;
		case '\\': put(l, "\\\\", 2); break;
		case '\n': put(l, "\\n", 2); break;
		case '\t': put(l, "\\t", 2); break;
		default:
			/* Other control characters carry no meaning here: make them visible. */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				put(l, "?", 1);
			else
				put(l, p, 1);
		}
	}
	put(l, "\"", 1);
}

void status_addf(struct status_line *l, const char *key, const char *fmt, ...)
{
	char v[STATUS_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(v)) {
		l->overflow = true;
		return;
	}
	status_add(l, key, v);
}

void status_add_long(struct status_line *l, const char *key, long long v)
{
	status_addf(l, key, "%lld", v);
}

void status_add_addr(struct status_line *l, const char *key, const struct sockaddr *sa)
{
	char b[STATUS_ADDR_MAX];

	status_format_addr(sa, b, sizeof(b));
	status_add(l, key, b);
}

int status_end(struct status_line *l)
{
	if (l->overflow)
		return -ENOSPC;
	if (l->len == 0 || l->buf[l->len - 1] != '\n') {
		l->buf[l->len++] = '\n';
		l->buf[l->len] = '\0';
	}
	return (int)l->len;
}

int status_write(int fd, struct status_line *l)
{
	int n = status_end(l);
	ssize_t w;

	if (n < 0)
		return n;
	if (fd < 0)
		return 0;
	do
		w = write(fd, l->buf, (size_t)n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	/* A pipe write below PIPE_BUF is all or nothing; anything else is a short write. */
	return w == n ? 0 : -EIO;
}

/* Reads one token starting at *pp into dst (unescaping a quoted value); stops at a space
 * or, when stop_eq, at '='. Returns 0 or -EINVAL. */
static int token(char **pp, char *dst_start, char **dst_end, bool stop_eq)
{
	char *p = *pp, *d = dst_start;

	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (!*p)
				return -EINVAL;
			if (*p == '\\') {
				p++;
				switch (*p) {
				case 'n': *d++ = '\n'; break;
				case 't': *d++ = '\t'; break;
				case '"': case '\\': *d++ = *p; break;
				default: return -EINVAL;
				}
			} else {
				*d++ = *p;
			}
		}
		p++;
		if (*p && *p != ' ')
			return -EINVAL;
	} else {
		while (*p && *p != ' ' && !(stop_eq && *p == '=')) {
			if (*p == '"' || *p == '\\')
				return -EINVAL;
			*d++ = *p++;
		}
	}
	*pp = p;
	*dst_end = d;
	return 0;
}

int status_parse(const char *line, struct status_event *ev)
{
	size_t n = strlen(line);
	char *p, *w, *end, *name, *nend;
	long long t;
	int ret;

	memset(ev, 0, sizeof(*ev));
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n >= sizeof(ev->buf))
		return -ENOSPC;
	/* Unescaping only shrinks text, so the parse writes into the buffer it reads. */
	memcpy(ev->buf, line, n);
	ev->buf[n] = '\0';
	p = ev->buf;

	name = p;
	while (*p && *p != ' ')
		p++;
	if (p == name)
		return -EINVAL;
	nend = p;
	if (*p)
		p++;
	*nend = '\0';
	ev->type = status_type_from_name(name);

	bool have_t = false;
	w = p;
	while (*p) {
		char *k = w, *v;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (ev->nkeys == STATUS_MAX_KEYS)
			return -EINVAL;
		/* Keys are never quoted. */
		if (*p == '"')
			return -EINVAL;
		ret = token(&p, k, &end, true);
		if (ret < 0 || *p != '=' || end == k)
			return -EINVAL;
		p++;
		*end = '\0';
		v = end + 1;
		ret = token(&p, v, &end, false);
		if (ret < 0)
			return ret;
		/* Step over the separator before terminating: end may point at it. */
		if (*p)
			p++;
		*end = '\0';
		w = end + 1;
		if (!have_t) {
			char *te;

			if (strcmp(k, "t") != 0)
				return -EINVAL;
			errno = 0;
			t = strtoll(v, &te, 10);
			if (errno || te == v || *te)
				return -EINVAL;
			ev->t = t;
			have_t = true;
			continue;
		}
		ev->key[ev->nkeys] = k;
		ev->val[ev->nkeys] = v;
		ev->nkeys++;
	}
	return have_t ? 0 : -EINVAL;
}

const char *status_get(const struct status_event *ev, const char *key)
{
	for (int i = 0; i < ev->nkeys; i++)
		if (!strcmp(ev->key[i], key))
			return ev->val[i];
	return NULL;
}

int status_get_long(const struct status_event *ev, const char *key, long long *out)
{
	const char *v = status_get(ev, key);
	char *e;
	long long x;

	if (!v)
		return -ENOENT;
	errno = 0;
	x = strtoll(v, &e, 10);
	if (errno || e == v || *e)
		return -EINVAL;
	*out = x;
	return 0;
}

int status_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
		return 0;
	}
	snprintf(buf, len, "?");
	return -EAFNOSUPPORT;
}

int status_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN];
	const char *port, *colon;
	size_t hlen;
	long p;

	if (!s)
		return -EINVAL;
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hlen = (size_t)(rb - s - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
		if (hlen == 0 || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port = colon + 1;
	}
	/* parse_long allows surrounding spaces; an address never has them. */
	if (!*port || *port == ' ' || port[strlen(port) - 1] == ' ' ||
	    parse_long(port, 0, 65535, &p) < 0)
		return -EINVAL;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
	}
	return 0;
}
