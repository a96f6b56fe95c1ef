#include "endpoint_opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>

#include "status.h"
#include "util.h"

/* The endpoints' own options; getopt returns a schema row's index plus OPT_KEY. */
enum {
	OPT_LISTEN = 256, OPT_STATUS_FD, OPT_BACKLOG, OPT_MAX_CONNS, OPT_HELP, OPT_VERSION,
	OPT_CONNECT, OPT_CONNECTIONS, OPT_SOURCE, OPT_TIMEOUT, OPT_DETAIL, OPT_RATE,
	OPT_KEY = 1024,
};

struct own_opt {
	struct option o;
	const char *arg, *help;
};

static const struct own_opt server_own[] = {
	{ { "listen", required_argument, NULL, OPT_LISTEN }, "ADDR:PORT",
	  "address to listen on (198.18.0.1:8080, [fd46:696e::1]:0); port 0: the kernel "
	  "picks (reported); default 0.0.0.0:0" },
	{ { "status-fd", required_argument, NULL, OPT_STATUS_FD }, "N",
	  "write status lines to fd N (one write per line)" },
	{ { "backlog", required_argument, NULL, OPT_BACKLOG }, "N",
	  "listen() backlog (default 4096)" },
	{ { "max-conns", required_argument, NULL, OPT_MAX_CONNS }, "N",
	  "connections to hold open at once; RLIMIT_NOFILE is raised to N + 64 when "
	  "possible, a `limit` line says when it is not (default: what the hard limit allows)" },
};

static const struct own_opt client_own[] = {
	{ { "connect", required_argument, NULL, OPT_CONNECT }, "ADDR:PORT",
	  "server address (198.18.0.1:8080 or [fd46:696e::1]:8080); required" },
	{ { "connections", required_argument, NULL, OPT_CONNECTIONS }, "N",
	  "connections to open, 1..100000 (default 1); N + 64 descriptors must fit in "
	  "RLIMIT_NOFILE" },
	{ { "source", required_argument, NULL, OPT_SOURCE }, "ADDR",
	  "bind connections to ADDR (repeat: round robin). When N exceeds half the ports of "
	  "the namespace's ip_local_port_range, the client widens it to 1024-65535, never "
	  "in the host's namespace" },
	{ { "timeout", required_argument, NULL, OPT_TIMEOUT }, "DUR",
	  "give up when the point is not reached in time (default 30s)" },
	{ { "rate", required_argument, NULL, OPT_RATE }, "R",
	  "open loop: start connection i at i / R seconds (R a second, decimals allowed), "
	  "each failing on its own at its point (default: all at once, acting together)" },
	{ { "detail", required_argument, NULL, OPT_DETAIL }, "N",
	  "per-connection status lines when N connections or fewer (default 1000)" },
	{ { "status-fd", required_argument, NULL, OPT_STATUS_FD }, "N",
	  "write status lines to fd N (one write per line)" },
};

__attribute__((format(printf, 2, 3)))
static int fail(struct fw_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->file[0] = '\0';
		err->line = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int bad(struct fw_err *err, const char *opt, const char *val, const char *expected)
{
	return fail(err, "bad --%s value '%s' (expected %s)", opt, val, expected);
}

/* Builds the getopt table: own options, the schema's rows of scope, --help, --version. */
static void build_longopts(struct option *lo, size_t max, const struct own_opt *own,
			   size_t n_own, enum fw_scope scope)
{
	size_t n = 0;

	for (size_t i = 0; i < n_own && n + 3 < max; i++)
		lo[n++] = own[i].o;
	for (size_t i = 0; i < FW_K_COUNT && n + 3 < max; i++)
		if (fw_keys[i].scope == scope && fw_keys[i].opt)
			lo[n++] = (struct option){ fw_keys[i].opt, required_argument, NULL,
						   OPT_KEY + (int)i };
	lo[n++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	lo[n++] = (struct option){ "version", no_argument, NULL, OPT_VERSION };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

/* A schema option: the same parser, range and message as in a scenario. */
static int set_key_opt(int c, void *base, unsigned *has, const char *v, struct fw_err *err)
{
	const struct fw_key *k = &fw_keys[c - OPT_KEY];
	char hint[160];
	int r = fw_key_set(k, base, has, v, FW_SET_ENDPOINT, err);

	if (r == -ENOMEM)
		return fail(err, "out of memory");
	if (r)
		return bad(err, k->opt, v, fw_key_hint(k, hint, sizeof(hint)));
	return 0;
}

/* Unknown options and missing arguments, reported the same way by both programs. */
static int getopt_fail(struct fw_err *err, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return fail(err, "option '%s' needs a value (see --help)", arg);
	return fail(err, "unknown option '%s' (see --help)", arg);
}

static int parse_fd(const char *v, int *out, struct fw_err *err)
{
	long n;

	if (parse_long(v, 0, INT_MAX, &n) < 0)
		return bad(err, "status-fd", v, "a file descriptor number");
	*out = (int)n;
	return 0;
}

/* What one endpoint's parse needs: its own options and handler, and where the schema's
 * keys of its scope go. */
struct parse_ctx {
	const struct own_opt *own;
	size_t n_own;
	enum fw_scope scope;
	void *cfg;
	unsigned *has;
	int (*own_fn)(int c, const char *v, void *opts, struct fw_err *err);
	void *opts;
	bool *help, *version;
};

/* The getopt loop both endpoints share. Returns 0 or -EINVAL with err->msg. */
static int parse_argv(int argc, char **argv, const struct parse_ctx *p, struct fw_err *err)
{
	struct option lo[16 + FW_K_COUNT];
	int c, r;

	build_longopts(lo, ARRAY_SIZE(lo), p->own, p->n_own, p->scope);
	optind = 0; /* GNU getopt: 0 re-initialises, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (c >= OPT_KEY)
			r = set_key_opt(c, p->cfg, p->has, optarg, err);
		else if (c == OPT_HELP || c == 'h')
			r = 0, *p->help = true;
		else if (c == OPT_VERSION)
			r = 0, *p->version = true;
		else if (c >= OPT_LISTEN && c < OPT_KEY)
			r = p->own_fn(c, optarg, p->opts, err);
		else
			r = getopt_fail(err, argv, c);
		if (r)
			return r;
	}
	if (optind < argc)
		return fail(err, "unexpected argument '%s' (see --help)", argv[optind]);
	return 0;
}

static int server_own_opt(int c, const char *v, void *opts, struct fw_err *err)
{
	struct server_opts *o = opts;
	long n;

	switch (c) {
	case OPT_LISTEN:
		if (status_parse_addr(v, &o->listen, &o->listen_len) < 0)
			return bad(err, "listen", v,
				   "ADDR:PORT, e.g. 198.18.0.1:8080 or [fd46:696e::1]:0");
		return 0;
	case OPT_STATUS_FD:
		return parse_fd(v, &o->status_fd, err);
	case OPT_BACKLOG:
		if (parse_long(v, 1, INT_MAX, &n) < 0)
			return bad(err, "backlog", v, "a positive count");
		o->backlog = (int)n;
		return 0;
	case OPT_MAX_CONNS:
		if (parse_long(v, 1, 10 * EP_MAX_CONNECTIONS, &n) < 0)
			return bad(err, "max-conns", v, "a count, 1..1000000");
		o->max_conns = n;
		return 0;
	}
	return -EINVAL;
}

int server_opts_parse(int argc, char **argv, struct server_opts *o, struct fw_err *err)
{
	const struct parse_ctx p = {
		server_own, ARRAY_SIZE(server_own), FW_SCOPE_SERVER, &o->cfg, &o->cfg.has,
		server_own_opt, o, &o->help, &o->version,
	};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&o->listen;

	memset(o, 0, sizeof(*o));
	if (err)
		memset(err, 0, sizeof(*err));
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_ANY);
	o->listen_len = sizeof(*s4);
	o->status_fd = -1;
	o->backlog = 4096;
	if (fw_keys_defaults(FW_SCOPE_SERVER, &o->cfg, &o->cfg.has, false))
		return fail(err, "out of memory");
	return parse_argv(argc, argv, &p, err);
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

static int client_own_opt(int c, const char *v, void *opts, struct fw_err *err)
{
	struct client_opts *o = opts;
	int64_t ns;
	long n;

	switch (c) {
	case OPT_CONNECT:
		if (status_parse_addr(v, &o->connect, &o->connect_len) < 0)
			return bad(err, "connect", v,
				   "ADDR:PORT, e.g. 198.18.0.1:8080 or [fd46:696e::1]:8080");
		if (((struct sockaddr_in *)&o->connect)->sin_port == 0)
			return bad(err, "connect", v, "a port between 1 and 65535");
		return 0;
	case OPT_CONNECTIONS:
		if (parse_long(v, 1, EP_MAX_CONNECTIONS, &n) < 0)
			return bad(err, "connections", v, "a count, 1..100000");
		o->connections = n;
		return 0;
	case OPT_SOURCE:
		if (o->nsources == EP_MAX_SOURCES)
			return fail(err, "too many --source addresses (at most %d)", EP_MAX_SOURCES);
		if (parse_source(v, &o->sources[o->nsources]) < 0)
			return bad(err, "source", v, "an IPv4 or IPv6 address");
		o->nsources++;
		return 0;
	case OPT_TIMEOUT:
		if (dur_parse(v, &ns) < 0 || ns == 0)
			return bad(err, "timeout", v, "a positive duration like 10s");
		o->timeout_ns = ns;
		return 0;
	case OPT_RATE: {
		char *end;

		errno = 0;
		o->rate = strtod(v, &end);
		if (errno || end == v || *end || !(o->rate > 0) || o->rate > 1e7)
			return bad(err, "rate", v, "connections a second, more than 0");
		return 0;
	}
	case OPT_DETAIL:
		if (parse_long(v, 0, EP_MAX_CONNECTIONS, &n) < 0)
			return bad(err, "detail", v, "a count, 0..100000");
		o->detail_max = n;
		return 0;
	case OPT_STATUS_FD:
		return parse_fd(v, &o->status_fd, err);
	}
	return -EINVAL;
}

int client_opts_parse(int argc, char **argv, struct client_opts *o, struct fw_err *err)
{
	const struct parse_ctx p = {
		client_own, ARRAY_SIZE(client_own), FW_SCOPE_CLIENT, &o->cfg, NULL,
		client_own_opt, o, &o->help, &o->version,
	};
	int r;

	memset(o, 0, sizeof(*o));
	if (err)
		memset(err, 0, sizeof(*err));
	if (fw_keys_defaults(FW_SCOPE_CLIENT, &o->cfg, NULL, false))
		return fail(err, "out of memory");
	/* Run by hand, the client closes normally unless told otherwise (a scenario's
	 * default fault is freeze, and finwait always passes --fault). */
	o->cfg.fault = FW_FAULT_NONE;
	o->connections = 1;
	o->timeout_ns = 30 * NSEC_PER_SEC;
	o->detail_max = 1000;
	o->status_fd = -1;
	if ((r = parse_argv(argc, argv, &p, err)))
		return r;
	if (o->help || o->version)
		return 0;
	if (!o->connect_len)
		return fail(err, "--connect ADDR:PORT is required (see --help)");
	for (int i = 0; i < o->nsources; i++)
		if (o->sources[i].ss_family != o->connect.ss_family)
			return fail(err, "--source %d is not of the --connect address's family",
				    i + 1);
	return 0;
}

int ep_schema_argv(enum fw_scope scope, const void *base, unsigned has, char **argv,
		   size_t *n, size_t max, char *buf, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];
		char *opt = buf + used, *val;
		size_t ol;

		if (k->scope != scope || !k->opt)
			continue;
		ol = strlen(k->opt) + 3;
		if (used + ol >= len || *n + 3 > max)
			return -E2BIG;
		snprintf(opt, len - used, "--%s", k->opt);
		val = opt + ol;
		if (!fw_key_format(k, base, has, val, len - used - ol))
			continue;
		used += ol + strlen(val) + 1;
		if (used > len)
			return -E2BIG;
		argv[(*n)++] = opt;
		argv[(*n)++] = val;
	}
	argv[*n] = NULL;
	return 0;
}

/* One line an option: "  --name ARG   help", wrapped at 88 columns. */
static void usage_line(FILE *f, const char *name, const char *arg, const char *help)
{
	char head[64];
	const char *p = help;
	int col;

	snprintf(head, sizeof(head), "  --%s%s%s", name, arg ? " " : "", arg ? arg : "");
	col = fprintf(f, "%-24s", head);
	if (strlen(head) >= 24) {
		fputc('\n', f);
		col = fprintf(f, "%-24s", "");
	}
	while (*p) {
		size_t w = strcspn(p, " "), room = 80 - (size_t)col;

		if ((size_t)col > 24 && w + 1 > room) {
			fputc('\n', f);
			col = fprintf(f, "%-24s", "");
		} else if ((size_t)col > 24) {
			col += fprintf(f, " ");
		}
		col += fprintf(f, "%.*s", (int)w, p);
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* The argument's name in --help: its values when they are few, else its unit. */
static const char *metavar(const struct fw_key *k, char *buf, size_t len)
{
	switch (k->type) {
	case FW_T_ENUM: {
		size_t o = 0;

		buf[0] = '\0';
		for (size_t i = 0; i < k->names->public && o < len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "|" : "",
					      k->names->names[i]);
		return buf;
	}
	case FW_T_BOOL: return "on|off";
	case FW_T_CLOSE: return "STYLE";
	case FW_T_SECONDS: return "SECS";
	case FW_T_INT: return "N";
	default: return "DUR";
	}
}

static void usage_keys(FILE *f, enum fw_scope scope)
{
	char hint[160], help[400], mv[64];

	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];

		if (k->scope != scope || !k->opt)
			continue;
		/* Names are in the metavar already; numbers need their range. */
		if (k->type == FW_T_ENUM || k->type == FW_T_BOOL || k->type == FW_T_CLOSE)
			snprintf(help, sizeof(help), "%s", k->help);
		else
			snprintf(help, sizeof(help), "%s; %s", k->help,
				 fw_key_hint(k, hint, sizeof(hint)));
		usage_line(f, k->opt, metavar(k, mv, sizeof(mv)), help);
	}
}

/* A --help text: the intro, the endpoint's own options, the schema's options of scope,
 * --help and --version, then the outro. */
static void usage(FILE *f, const char *intro, const struct own_opt *own, size_t n_own,
		  enum fw_scope scope, const char *outro)
{
	fputs(intro, f);
	for (size_t i = 0; i < n_own; i++)
		usage_line(f, own[i].o.name, own[i].arg, own[i].help);
	usage_keys(f, scope);
	fputs("  --help, --version\n\n", f);
	fputs(outro, f);
}

void server_usage(FILE *f)
{
	usage(f, "Usage: finwait-server [OPTIONS]\n"
	      "A TCP server whose close is under control: it answers each request, then, once\n"
	      "the whole answer is in its send buffer, closes in the chosen style after an\n"
	      "optional delay, with the given per-socket options, and reports every step as a\n"
	      "line on a status pipe.\n\n",
	      server_own, ARRAY_SIZE(server_own), FW_SCOPE_SERVER,
	      "The options shared with scenarios take the same values as the scenario keys of the\n"
	      "same name (`finwait keys`). A socket option is set only when given; its effective\n"
	      "value (getsockopt) is reported on the first connection.\n"
	      "Status lines: `EVENT t=MONOTONIC_NS key=value...`, events listening, limit,\n"
	      "accepted, opts, response, close, peer-closed, peer-reset, error. The server runs\n"
	      "until killed; SIGTERM/SIGINT end it with `exit code=0`.\n"
	      "Exit codes: 0 ended by a signal, 2 bad usage, 3 could not listen.\n");
}

void client_usage(FILE *f)
{
	usage(f, "Usage: finwait-client --connect ADDR:PORT [OPTIONS]\n"
	      "A TCP client with fault points: it opens connections, sends a request on each,\n"
	      "reads the answer, and when every connection has reached the fault point it\n"
	      "reports it and performs the fault. At after-request it never reads the answer:\n"
	      "the server's response fills its receive window.\n\n",
	      client_own, ARRAY_SIZE(client_own), FW_SCOPE_CLIENT,
	      "Faults: none closes normally at the point; crash is SIGKILL (receive queues are\n"
	      "drained first, so the kernel closes with FIN, never RST); freeze is SIGSTOP\n"
	      "(after SIGCONT it closes and exits); hang never closes; vanish, reboot and wait\n"
	      "stay as hang while finwait acts on the client's host.\n"
	      "Status lines: connected (id= local= remote=, then one `connected n=N`), response,\n"
	      "peer-closed, peer-reset, error, then `point at=POINT n=N failed=F` once every\n"
	      "connection reached the point or failed, written BEFORE the fault; then `fault\n"
	      "action=...` and, for an ending fault, `exit code=`.\n"
	      "Exit codes: 0 done, 1 no connection reached the point (or timeout), 2 bad usage,\n"
	      "3 internal error.\n");
}
