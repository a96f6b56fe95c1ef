#include "endpoint_opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "util.h"

static const char *const mode_names[] = { [EP_MODE_RAW] = "raw", [EP_MODE_HTTP] = "http" };
static const char *const point_names[] = {
	[EP_AT_CONNECT] = "after-connect",
	[EP_AT_RESPONSE] = "after-response",
	[EP_AT_FIN] = "after-fin",
};
static const char *const fault_names[] = {
	[EP_FAULT_NONE] = "none",     [EP_FAULT_CRASH] = "crash", [EP_FAULT_FREEZE] = "freeze",
	[EP_FAULT_HANG] = "hang",     [EP_FAULT_WAIT] = "wait",   [EP_FAULT_VANISH] = "vanish",
	[EP_FAULT_REBOOT] = "reboot",
};

static int lookup(const char *s, const char *const *names, size_t n)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -EINVAL;
}

int ep_mode_parse(const char *s, enum ep_mode *out)
{
	int i = lookup(s, mode_names, ARRAY_SIZE(mode_names));

	if (i < 0)
		return i;
	*out = (enum ep_mode)i;
	return 0;
}

const char *ep_mode_name(enum ep_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

int ep_point_parse(const char *s, enum ep_point *out)
{
	int i = lookup(s, point_names, ARRAY_SIZE(point_names));

	if (i < 0)
		return i;
	*out = (enum ep_point)i;
	return 0;
}

const char *ep_point_name(enum ep_point p)
{
	return (unsigned)p < ARRAY_SIZE(point_names) ? point_names[p] : "?";
}

int ep_fault_parse(const char *s, enum ep_fault *out)
{
	int i = lookup(s, fault_names, ARRAY_SIZE(fault_names));

	if (i < 0)
		return i;
	*out = (enum ep_fault)i;
	return 0;
}

const char *ep_fault_name(enum ep_fault f)
{
	return (unsigned)f < ARRAY_SIZE(fault_names) ? fault_names[f] : "?";
}

int ep_seconds_parse(const char *s, long min, long max, bool allow_neg, int *out)
{
	int64_t ns;
	int ret;

	if (!s)
		return -EINVAL;
	if (allow_neg && !strcmp(s, "-1")) {
		if (-1 < min)
			return -ERANGE;
		*out = -1;
		return 0;
	}
	ret = dur_parse(s, &ns);
	if (ret < 0)
		return ret;
	if (ns % NSEC_PER_SEC)
		return -EINVAL; /* the kernel keeps these options in whole seconds */
	if (ns / NSEC_PER_SEC < min || ns / NSEC_PER_SEC > max)
		return -ERANGE;
	*out = (int)(ns / NSEC_PER_SEC);
	return 0;
}

int ep_close_parse(const char *s, struct ep_close_style *out)
{
	static const char *const simple[] = {
		[EP_CLOSE_CLOSE] = "close", [EP_CLOSE_SHUTDOWN] = "shutdown",
		[EP_CLOSE_LINGER0] = "linger0", [EP_CLOSE_LINGER] = NULL, [EP_CLOSE_NONE] = "none",
	};
	int i = lookup(s, simple, ARRAY_SIZE(simple));
	int secs;

	if (i >= 0) {
		out->kind = (enum ep_close_kind)i;
		out->linger_s = 0;
		return 0;
	}
	if (!s || strncmp(s, "linger:", 7) != 0)
		return -EINVAL;
	if (ep_seconds_parse(s + 7, 0, INT_MAX, false, &secs) < 0)
		return -EINVAL;
	out->kind = secs ? EP_CLOSE_LINGER : EP_CLOSE_LINGER0;
	out->linger_s = secs;
	return 0;
}

char *ep_close_format(const struct ep_close_style *c, char *buf, size_t len)
{
	switch (c->kind) {
	case EP_CLOSE_CLOSE: snprintf(buf, len, "close"); break;
	case EP_CLOSE_SHUTDOWN: snprintf(buf, len, "shutdown"); break;
	case EP_CLOSE_LINGER0: snprintf(buf, len, "linger0"); break;
	case EP_CLOSE_LINGER: {
		char d[32];

		dur_format((int64_t)c->linger_s * NSEC_PER_SEC, d, sizeof(d));
		snprintf(buf, len, "linger:%s", d);
		break;
	}
	case EP_CLOSE_NONE: snprintf(buf, len, "none"); break;
	default: snprintf(buf, len, "?");
	}
	return buf;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int bad(char *err, size_t errlen, const char *opt, const char *val, const char *expected)
{
	return fail(err, errlen, "bad --%s value '%s' (expected %s)", opt, val, expected);
}

/* Unknown options and missing arguments, reported the same way by both programs. */
static int getopt_fail(char *err, size_t errlen, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return fail(err, errlen, "option '%s' needs a value (see --help)", arg);
	return fail(err, errlen, "unknown option '%s' (see --help)", arg);
}

const char server_usage[] =
	"Usage: finwait-server [OPTIONS]\n"
	"A TCP server whose close is under control: it answers each request, then closes in\n"
	"the chosen style after an optional delay, with the given per-socket options, and\n"
	"reports every step as a line on a status pipe.\n"
	"\n"
	"  --listen ADDR:PORT    address to listen on (198.18.0.1:8080, [fd46:696e::1]:0);\n"
	"                        port 0 lets the kernel pick (reported); default 0.0.0.0:0\n"
	"  --mode raw|http       raw: a request is bytes up to a newline, the answer \"ok\\n\";\n"
	"                        http: HTTP/1.1 keep-alive, every request gets 200 OK with a\n"
	"                        Content-Length body (request bodies are not supported)\n"
	"  --close STYLE         close (default): close(), the socket is orphaned;\n"
	"                        shutdown: shutdown(SHUT_WR), the fd stays open;\n"
	"                        linger0: SO_LINGER {1,0} then close() (RST, no FIN);\n"
	"                        linger:DUR: SO_LINGER {1,DUR} then close() (blocks up to DUR);\n"
	"                        none: never close (a peer's FIN leaves us in CLOSE_WAIT)\n"
	"  --close-after DUR     delay after a response before closing (default 0: at once);\n"
	"                        a new request on the connection restarts it (keep-alive)\n"
	"  --keepalive on|off    SO_KEEPALIVE\n"
	"  --keepidle SECS       TCP_KEEPIDLE (1..32767 s; a duration like 2s is accepted)\n"
	"  --keepintvl SECS      TCP_KEEPINTVL (1..32767 s)\n"
	"  --keepcnt N           TCP_KEEPCNT (1..127)\n"
	"  --linger2 SECS        TCP_LINGER2 (-1: no FIN_WAIT2; >120 s is clamped by the kernel)\n"
	"  --user-timeout DUR    TCP_USER_TIMEOUT (whole milliseconds)\n"
	"                        A socket option is set only when given; its effective value\n"
	"                        (getsockopt) is reported on the first connection.\n"
	"  --status-fd N         write status lines to fd N (one write per line)\n"
	"  --backlog N           listen() backlog (default 4096)\n"
	"  --max-conns N         connections to hold open at once; RLIMIT_NOFILE is raised to\n"
	"                        N + 64 when possible, a `limit` line says when it is not\n"
	"                        (default: as many as the hard limit allows, silently)\n"
	"  --help, --version\n"
	"\n"
	"Status lines: `EVENT t=MONOTONIC_NS key=value...`, events listening, limit, accepted,\n"
	"opts, response, close, peer-closed, peer-reset, error. The server runs until killed;\n"
	"SIGTERM/SIGINT end it with `exit code=0`.\n"
	"Exit codes: 0 ended by a signal, 2 bad usage, 3 could not listen.\n";

const char client_usage[] =
	"Usage: finwait-client --connect ADDR:PORT [OPTIONS]\n"
	"A TCP client with fault points: it opens connections, sends a request on each, reads\n"
	"the answer, and when every connection has reached the fault point it reports it and\n"
	"performs the fault.\n"
	"\n"
	"  --connect ADDR:PORT   server address (198.18.0.1:8080 or [fd46:696e::1]:8080)\n"
	"  --connections N       connections to open, 1..100000 (default 1); one descriptor\n"
	"                        each: N + 64 must fit in RLIMIT_NOFILE\n"
	"  --source ADDR         bind connections to ADDR (repeat: round robin), for more\n"
	"                        source ports; when N exceeds half the ports of the\n"
	"                        namespace's ip_local_port_range (connect() tries one parity\n"
	"                        first), the client widens it to 1024-65535, never in the\n"
	"                        host's namespace\n"
	"  --mode raw|http       raw: sends \"hello\\n\", reads a line; http: GET / HTTP/1.1\n"
	"  --at POINT            after-connect | after-response |\n"
	"                        after-fin (default; the server's FIN arrived, read returned 0)\n"
	"  --fault ACTION        none (default): close normally at the point;\n"
	"                        crash: SIGKILL itself; receive queues are drained first, so\n"
	"                          the kernel closes with FIN, never RST;\n"
	"                        freeze: raise(SIGSTOP); after SIGCONT it closes and exits;\n"
	"                        hang: never close, wait until killed;\n"
	"                        wait, vanish, reboot: like hang (the orchestrator acts)\n"
	"  --timeout DUR         give up when the point is not reached in time (default 30s)\n"
	"  --detail N            per-connection status lines when N connections or fewer\n"
	"                        (default 1000); otherwise aggregate lines only\n"
	"  --status-fd N         write status lines to fd N (one write per line)\n"
	"  --help, --version\n"
	"\n"
	"Status lines: connected (id= local= remote=, then one `connected n=N`), response,\n"
	"peer-closed, peer-reset, error, then `point at=POINT n=N failed=F` once every\n"
	"connection reached the point or failed, written BEFORE the fault; then `fault\n"
	"action=...` and, for an ending fault, `exit code=`.\n"
	"Exit codes: 0 done, 1 no connection reached the point (or timeout), 2 bad usage,\n"
	"3 internal error.\n";

enum {
	OPT_LISTEN = 256, OPT_MODE, OPT_CLOSE, OPT_CLOSE_AFTER, OPT_KEEPALIVE, OPT_KEEPIDLE,
	OPT_KEEPINTVL, OPT_KEEPCNT, OPT_LINGER2, OPT_USER_TIMEOUT, OPT_STATUS_FD, OPT_BACKLOG,
	OPT_MAX_CONNS, OPT_HELP, OPT_VERSION, OPT_CONNECT, OPT_CONNECTIONS, OPT_SOURCE, OPT_AT,
	OPT_FAULT, OPT_TIMEOUT, OPT_DETAIL,
};

static int parse_fd(const char *v, int *out, char *err, size_t errlen)
{
	long n;

	if (parse_long(v, 0, INT_MAX, &n) < 0)
		return bad(err, errlen, "status-fd", v, "a file descriptor number");
	*out = (int)n;
	return 0;
}

void server_opts_init(struct server_opts *o)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&o->listen;

	memset(o, 0, sizeof(*o));
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_ANY);
	o->listen_len = sizeof(*s4);
	o->mode = EP_MODE_RAW;
	o->close.kind = EP_CLOSE_CLOSE;
	o->status_fd = -1;
	o->backlog = 4096;
}

int server_opts_parse(int argc, char **argv, struct server_opts *o, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "close", required_argument, NULL, OPT_CLOSE },
		{ "close-after", required_argument, NULL, OPT_CLOSE_AFTER },
		{ "keepalive", required_argument, NULL, OPT_KEEPALIVE },
		{ "keepidle", required_argument, NULL, OPT_KEEPIDLE },
		{ "keepintvl", required_argument, NULL, OPT_KEEPINTVL },
		{ "keepcnt", required_argument, NULL, OPT_KEEPCNT },
		{ "linger2", required_argument, NULL, OPT_LINGER2 },
		{ "user-timeout", required_argument, NULL, OPT_USER_TIMEOUT },
		{ "status-fd", required_argument, NULL, OPT_STATUS_FD },
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	long n;
	int64_t ns;

	server_opts_init(o);
	optind = 0; /* GNU getopt: 0 re-initialises, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		const char *v = optarg;

		switch (c) {
		case OPT_LISTEN:
			if (status_parse_addr(v, &o->listen, &o->listen_len) < 0)
				return bad(err, errlen, "listen", v,
					   "ADDR:PORT, e.g. 198.18.0.1:8080 or [fd46:696e::1]:0");
			break;
		case OPT_MODE:
			if (ep_mode_parse(v, &o->mode) < 0)
				return bad(err, errlen, "mode", v, "raw or http");
			break;
		case OPT_CLOSE:
			if (ep_close_parse(v, &o->close) < 0)
				return bad(err, errlen, "close", v,
					   "close, shutdown, linger0, linger:DUR, none");
			break;
		case OPT_CLOSE_AFTER:
			if (dur_parse(v, &ns) < 0)
				return bad(err, errlen, "close-after", v, "a duration like 500ms or 2s");
			o->close_after_ns = ns;
			break;
		case OPT_KEEPALIVE:
			if (!strcmp(v, "on") || !strcmp(v, "1"))
				o->keepalive = 1;
			else if (!strcmp(v, "off") || !strcmp(v, "0"))
				o->keepalive = 0;
			else
				return bad(err, errlen, "keepalive", v, "on or off");
			o->has |= EP_HAS_KEEPALIVE;
			break;
		case OPT_KEEPIDLE:
			if (ep_seconds_parse(v, 1, EP_MAX_KEEPIDLE, false, &o->keepidle_s) < 0)
				return bad(err, errlen, "keepidle", v, "whole seconds, 1..32767");
			o->has |= EP_HAS_KEEPIDLE;
			break;
		case OPT_KEEPINTVL:
			if (ep_seconds_parse(v, 1, EP_MAX_KEEPINTVL, false, &o->keepintvl_s) < 0)
				return bad(err, errlen, "keepintvl", v, "whole seconds, 1..32767");
			o->has |= EP_HAS_KEEPINTVL;
			break;
		case OPT_KEEPCNT:
			if (parse_long(v, 1, EP_MAX_KEEPCNT, &n) < 0)
				return bad(err, errlen, "keepcnt", v, "a count, 1..127");
			o->keepcnt = (int)n;
			o->has |= EP_HAS_KEEPCNT;
			break;
		case OPT_LINGER2:
			if (ep_seconds_parse(v, -1, INT_MAX, true, &o->linger2_s) < 0)
				return bad(err, errlen, "linger2", v, "-1 or whole seconds >= 0");
			o->has |= EP_HAS_LINGER2;
			break;
		case OPT_USER_TIMEOUT:
			if (dur_parse(v, &ns) < 0 || ns % NSEC_PER_MSEC ||
			    ns / NSEC_PER_MSEC > INT_MAX)
				return bad(err, errlen, "user-timeout", v,
					   "a duration in whole milliseconds, e.g. 1500ms");
			o->user_timeout_ms = (int)(ns / NSEC_PER_MSEC);
			o->has |= EP_HAS_USER_TIMEOUT;
			break;
		case OPT_STATUS_FD:
			if (parse_fd(v, &o->status_fd, err, errlen) < 0)
				return -EINVAL;
			break;
		case OPT_BACKLOG:
			if (parse_long(v, 1, INT_MAX, &n) < 0)
				return bad(err, errlen, "backlog", v, "a positive count");
			o->backlog = (int)n;
			break;
		case OPT_MAX_CONNS:
			if (parse_long(v, 1, 10 * EP_MAX_CONNECTIONS, &n) < 0)
				return bad(err, errlen, "max-conns", v, "a count, 1..1000000");
			o->max_conns = n;
			break;
		case OPT_HELP:
		case 'h':
			o->help = true;
			break;
		case OPT_VERSION:
			o->version = true;
			break;
		default:
			return getopt_fail(err, errlen, argv, c);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	return 0;
}

void client_opts_init(struct client_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connections = 1;
	o->mode = EP_MODE_RAW;
	o->at = EP_AT_FIN;
	o->fault = EP_FAULT_NONE;
	o->timeout_ns = 30 * NSEC_PER_SEC;
	o->detail_max = 1000;
	o->status_fd = -1;
}

static int parse_source(const char *v, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN];
	size_t n = strlen(v);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, v, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		return 0;
	}
	/* Accept "[fd46:696e::2]" as well as the bare form. */
	if (n >= 2 && v[0] == '[' && v[n - 1] == ']' && n - 2 < sizeof(host)) {
		memcpy(host, v + 1, n - 2);
		host[n - 2] = '\0';
		v = host;
	}
	if (inet_pton(AF_INET6, v, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int client_opts_parse(int argc, char **argv, struct client_opts *o, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "connections", required_argument, NULL, OPT_CONNECTIONS },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "at", required_argument, NULL, OPT_AT },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "detail", required_argument, NULL, OPT_DETAIL },
		{ "status-fd", required_argument, NULL, OPT_STATUS_FD },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	bool have_connect = false;
	int c;
	long n;
	int64_t ns;

	client_opts_init(o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		const char *v = optarg;

		switch (c) {
		case OPT_CONNECT:
			if (status_parse_addr(v, &o->connect, &o->connect_len) < 0)
				return bad(err, errlen, "connect", v,
					   "ADDR:PORT, e.g. 198.18.0.1:8080 or [fd46:696e::1]:8080");
			if (((struct sockaddr_in *)&o->connect)->sin_port == 0)
				return bad(err, errlen, "connect", v, "a port between 1 and 65535");
			have_connect = true;
			break;
		case OPT_CONNECTIONS:
			if (parse_long(v, 1, EP_MAX_CONNECTIONS, &n) < 0)
				return bad(err, errlen, "connections", v, "a count, 1..100000");
			o->connections = n;
			break;
		case OPT_SOURCE:
			if (o->nsources == EP_MAX_SOURCES)
				return fail(err, errlen, "too many --source addresses (at most %d)",
					    EP_MAX_SOURCES);
			if (parse_source(v, &o->sources[o->nsources]) < 0)
				return bad(err, errlen, "source", v, "an IPv4 or IPv6 address");
			o->nsources++;
			break;
		case OPT_MODE:
			if (ep_mode_parse(v, &o->mode) < 0)
				return bad(err, errlen, "mode", v, "raw or http");
			break;
		case OPT_AT:
			if (ep_point_parse(v, &o->at) < 0)
				return bad(err, errlen, "at", v,
					   "after-connect, after-response, after-fin");
			break;
		case OPT_FAULT:
			if (ep_fault_parse(v, &o->fault) < 0)
				return bad(err, errlen, "fault", v,
					   "none, crash, freeze, hang, wait, vanish, reboot");
			break;
		case OPT_TIMEOUT:
			if (dur_parse(v, &ns) < 0 || ns == 0)
				return bad(err, errlen, "timeout", v, "a positive duration like 10s");
			o->timeout_ns = ns;
			break;
		case OPT_DETAIL:
			if (parse_long(v, 0, EP_MAX_CONNECTIONS, &n) < 0)
				return bad(err, errlen, "detail", v, "a count, 0..100000");
			o->detail_max = n;
			break;
		case OPT_STATUS_FD:
			if (parse_fd(v, &o->status_fd, err, errlen) < 0)
				return -EINVAL;
			break;
		case OPT_HELP:
		case 'h':
			o->help = true;
			break;
		case OPT_VERSION:
			o->version = true;
			break;
		default:
			return getopt_fail(err, errlen, argv, c);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	if (o->help || o->version)
		return 0;
	if (!have_connect)
		return fail(err, errlen, "--connect ADDR:PORT is required (see --help)");
	for (int i = 0; i < o->nsources; i++)
		if (o->sources[i].ss_family != o->connect.ss_family)
			return fail(err, errlen,
				    "--source %d is not of the --connect address's family", i + 1);
	return 0;
}

int ep_req_scan(struct ep_req_scan *r, enum ep_mode mode, const char *buf, size_t n)
{
	int done = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (mode == EP_MODE_RAW) {
			done += ch == '\n';
			continue;
		}
		if (ch == '\n') {
			if (++r->blank == 2) {
				done++;
				r->blank = 0;
			}
		} else if (ch != '\r') {
			r->blank = 0;
		}
	}
	return done;
}

void ep_resp_scan_init(struct ep_resp_scan *r)
{
	memset(r, 0, sizeof(*r));
	r->clen = -1;
	r->cl_match = 1;
}

bool ep_resp_scan(struct ep_resp_scan *r, enum ep_mode mode, const char *buf, size_t n)
{
	static const char key[] = "content-length:";
	const size_t klen = sizeof(key) - 1;
	size_t i = 0;

	if (r->done)
		return true;
	if (mode == EP_MODE_RAW) {
		r->done = memchr(buf, '\n', n) != NULL;
		return r->done;
	}
	for (; i < n && !r->hdr_done; i++) {
		char ch = buf[i];

		if (ch == '\r')
			continue;
		if (ch == '\n') {
			if (r->line_len == 0) {
				r->hdr_done = 1;
				r->body_left = r->clen > 0 ? r->clen : 0;
			}
			r->line_len = 0;
			r->cl_match = 1;
			continue;
		}
		if (r->cl_match && r->line_len >= klen) {
			if (ch >= '0' && ch <= '9' && r->clen < 100000000)
				r->clen = (r->clen < 0 ? 0 : r->clen * 10) + (ch - '0');
			else if (ch != ' ' && ch != '\t')
				r->cl_match = 0; /* "Content-Length: 12x": stop reading digits */
		} else if (r->cl_match) {
			char lc = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;

			if (lc != key[r->line_len])
				r->cl_match = 0;
		}
		if (r->line_len < 255)
			r->line_len++;
	}
	if (!r->hdr_done)
		return false;
	r->body_left -= (int32_t)(n - i);
	r->done = r->body_left <= 0;
	return r->done;
}
