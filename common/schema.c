#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

#define SC(f) FW_SCOPE_SCENARIO, offsetof(struct scenario, f)
#define SRV(f) FW_SCOPE_SERVER, offsetof(struct fw_server_cfg, f)
#define CLI(f) FW_SCOPE_CLIENT, offsetof(struct fw_client_cfg, f)
#define TCP(o) .level = IPPROTO_TCP, .optname = (o)

/* include/net/tcp.h: MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT. */
#define MAX_KEEPIDLE 32767
#define MAX_KEEPINTVL 32767
#define MAX_KEEPCNT 127

const struct fw_key fw_keys[FW_K_COUNT] = {
	[FW_K_NAME] = { "scenario", "name", FW_T_NAME, SC(name), .dflt = "default",
		.help = "the scenario's name; required in a file" },
	[FW_K_DESCRIPTION] = { "scenario", "description", FW_T_TEXT, SC(description),
		.dflt = "", .help = "one line saying what the scenario shows" },
	[FW_K_CONNECTIONS] = { "scenario", "connections", FW_T_INT, SC(connections),
		.lo = 1, .hi = 1000000, .dflt = "1", .matrix = true,
		.help = "client connections in each cell (a cell runs up to 322 560: five client "
			"addresses' source ports)" },
	[FW_K_LIMIT] = { "scenario", "limit", FW_T_DURATION, SC(limit_ns), .lo = 1,
		.hi = INT64_MAX, .dflt = "30s", .matrix = true,
		.help = "a socket still alive then is reported as lasting >= limit" },
	/* The sampler's shortest period (sampler_start()). */
	[FW_K_INTERVAL] = { "scenario", "interval", FW_T_DURATION, SC(interval_ns),
		.lo = 100 * NSEC_PER_USEC, .hi = INT64_MAX, .dflt = "1ms", .matrix = true,
		.help = "sampling period" },
	[FW_K_FAMILY] = { "scenario", "family", FW_T_ENUM, SC(family),
		.names = &fw_family_names, .dval = FW_IPV4, .matrix = true,
		.help = "the lab's address family" },

	/* Open loop: the i-th connection starts i / rate after the first, whether or not
	 * the earlier ones are done; connections = rate x duration. */
	[FW_K_RATE] = { "scenario", "rate", FW_T_RATE, SC(rate), .lo = 1, .hi = 1000000,
		.matrix = true,
		.help = "arrivals: N/s connections a second over duration (default: all at once)" },
	[FW_K_DURATION] = { "scenario", "duration", FW_T_DURATION, SC(duration_ns), .lo = 1,
		.hi = INT64_MAX, .matrix = true,
		.help = "how long connections arrive at rate; connections = rate x duration" },

	[FW_K_PROGRAM] = { "server", "program", FW_T_ENUM, SRV(program),
		.names = &fw_program_names, .dval = FW_PROG_BUILTIN, .matrix = true,
		.help = "which server runs: finwait-server (builtin) or server.command" },
	[FW_K_COMMAND] = { "server", "command", FW_T_COMMAND, SRV(command), .matrix = true,
		.help = "argv for program = command, with {addr} {port} {dir} filled in" },
	[FW_K_CONFIG] = { "server", "config", FW_T_PATH, SRV(config), .matrix = true,
		.help = "a template copied into {dir} with the same placeholders" },
	[FW_K_SMODE] = { "server", "mode", FW_T_ENUM, SRV(mode), .names = &fw_mode_names,
		.dval = FW_MODE_RAW, .matrix = true, .opt = "mode",
		.help = "the protocol: a line answered \"ok\" (raw), or HTTP/1.1 keep-alive" },
	[FW_K_PORT] = { "server", "port", FW_T_INT, SRV(port), FW_HAS_PORT, .lo = 1,
		.hi = 65535, .matrix = true,
		.help = "the port the server listens on; default: the kernel picks (builtin), "
			"8080 (command)" },
	[FW_K_CLOSE] = { "server", "close", FW_T_CLOSE, SRV(close), .lo = 0, .hi = 65535,
		.dflt = "close", .matrix = true, .opt = "close",
		.help = "how the server closes: close(); shutdown(SHUT_WR) keeping the fd; "
			"SO_LINGER {1, 0} (an RST) or {1, DUR}; or never" },
	[FW_K_CLOSE_AFTER] = { "server", "close_after", FW_T_DURATION, SRV(close_after_ns),
		.lo = 0, .hi = INT64_MAX, .dflt = "0s", .matrix = true, .opt = "close-after",
		.help = "delay after the response before the server closes" },
	/* The server closes once the whole response is in its send buffer. One larger than
	 * the client's receive window, to a client that stops reading (client.at =
	 * after-request), leaves the rest and the FIN behind zero-window probes. */
	[FW_K_RESPONSE_SIZE] = { "server", "response_size", FW_T_INT, SRV(response_size),
		.lo = 1, .hi = FW_RESPONSE_MAX, .dflt = "3", .matrix = true,
		.opt = "response-size",
		.help = "bytes of each response body (raw: one line; http: the Content-Length "
			"body); more than the client's receive window fills it" },
	[FW_K_KEEPALIVE] = { "server", "keepalive", FW_T_BOOL, SRV(keepalive),
		FW_HAS_KEEPALIVE, .dflt = "off", .matrix = true, .opt = "keepalive",
		.level = SOL_SOCKET, .optname = SO_KEEPALIVE, .help = "SO_KEEPALIVE" },
	[FW_K_KEEPIDLE] = { "server", "keepidle", FW_T_SECONDS, SRV(keepidle_s),
		FW_HAS_KEEPIDLE, .lo = 1, .hi = MAX_KEEPIDLE, .matrix = true, .opt = "keepidle",
		TCP(TCP_KEEPIDLE), .help = "TCP_KEEPIDLE (default: tcp_keepalive_time)" },
	[FW_K_KEEPINTVL] = { "server", "keepintvl", FW_T_SECONDS, SRV(keepintvl_s),
		FW_HAS_KEEPINTVL, .lo = 1, .hi = MAX_KEEPINTVL, .matrix = true,
		.opt = "keepintvl", TCP(TCP_KEEPINTVL),
		.help = "TCP_KEEPINTVL (default: tcp_keepalive_intvl)" },
	[FW_K_KEEPCNT] = { "server", "keepcnt", FW_T_INT, SRV(keepcnt), FW_HAS_KEEPCNT,
		.lo = 1, .hi = MAX_KEEPCNT, .matrix = true, .opt = "keepcnt",
		TCP(TCP_KEEPCNT), .help = "TCP_KEEPCNT (default: tcp_keepalive_probes)" },
	/* do_tcp_setsockopt(): TCP_LINGER2 < 0 means -1 and > 120 s is clamped to
	 * TCP_FIN_TIMEOUT_MAX; the model knows both. */
	[FW_K_LINGER2] = { "server", "linger2", FW_T_SECONDS, SRV(linger2_s), FW_HAS_LINGER2,
		.lo = -1, .hi = 86400, .matrix = true, .plain = true, .opt = "linger2",
		TCP(TCP_LINGER2), .help = "TCP_LINGER2 (-1: no FIN_WAIT2; over 120s clamped)" },
	[FW_K_USER_TIMEOUT] = { "server", "user_timeout", FW_T_MSEC, SRV(user_timeout_ms),
		FW_HAS_USER_TIMEOUT, .lo = 0, .hi = INT_MAX, .matrix = true,
		.opt = "user-timeout", TCP(TCP_USER_TIMEOUT), .help = "TCP_USER_TIMEOUT" },

	/* sock_setsockopt(): the kernel doubles the value and keeps at least SOCK_MIN_SNDBUF;
	 * a small buffer makes a client that stops reading fill it (zero-window probes). */
	[FW_K_SNDBUF] = { "server", "sndbuf", FW_T_INT, SRV(sndbuf), FW_HAS_SNDBUF, .lo = 1,
		.hi = INT_MAX / 2, .matrix = true, .opt = "sndbuf", .level = SOL_SOCKET,
		.optname = SO_SNDBUF, .help = "SO_SNDBUF in bytes (the kernel doubles it)" },

	[FW_K_FAULT] = { "client", "fault", FW_T_ENUM, CLI(fault), .names = &fw_fault_names,
		.dval = FW_FAULT_FREEZE, .matrix = true, .opt = "fault",
		.help = "what fails: crash, freeze, hang by the client itself; vanish, reboot by "
			"finwait on the client's host; none closes normally" },
	[FW_K_AT] = { "client", "at", FW_T_ENUM, CLI(at), .names = &fw_point_names,
		.dval = FW_AT_FIN, .matrix = true, .opt = "at",
		.help = "the point where the fault strikes" },
	[FW_K_CMODE] = { "client", "mode", FW_T_ENUM, CLI(mode), .names = &fw_mode_names,
		.dval = FW_MODE_RAW, .matrix = true, .opt = "mode",
		.help = "the client's protocol, as the server's" },
	/* A client finwait did not write: finwait observes its point in the client's
	 * namespace through sock_diag and performs the fault on its processes. */
	[FW_K_CPROGRAM] = { "client", "program", FW_T_ENUM, CLI(program),
		.names = &fw_program_names, .dval = FW_PROG_BUILTIN, .matrix = true,
		.help = "which client runs: finwait-client (builtin) or client.command" },
	[FW_K_CCOMMAND] = { "client", "command", FW_T_COMMAND, CLI(command), .matrix = true,
		.help = "argv for program = command, with {addr} {port} {connections} filled in; "
			"without {connections}, one instance a connection" },

	[FW_K_MB_FAULT] = { "middlebox", "fault", FW_T_ENUM, SC(mb.fault),
		.names = &fw_mb_fault_names, .dval = FW_MB_NONE, .matrix = true,
		.help = "a router between client and server that drops every packet from `at` "
			"(blackhole), or forgets a flow idle for idle_timeout (idle-timeout: later "
			"packets dropped; idle-timeout-reset: answered with a reset)" },
	[FW_K_MB_AT] = { "middlebox", "at", FW_T_ENUM, SC(mb.at), .names = &fw_point_names,
		.dval = FW_AT_FIN, .matrix = true,
		.help = "blackhole: from this point of the client's (unset: client.at, the only "
			"one allowed; after-fin: once the client's kernel ACKed the server's FIN)" },
	[FW_K_MB_DIRECTION] = { "middlebox", "direction", FW_T_ENUM, SC(mb.direction),
		.names = &fw_direction_names, .dval = FW_DIR_BOTH, .matrix = true,
		.help = "blackhole: which packets it drops" },
	[FW_K_MB_IDLE_TIMEOUT] = { "middlebox", "idle_timeout", FW_T_SECONDS,
		SC(mb.idle_timeout_s), .lo = 1, .hi = 432000, .dflt = "350s", .matrix = true,
		.help = "idle-timeout*: a flow with no packet either way this long is forgotten, "
			"whatever its TCP state (conntrack's timeouts; 350s as an AWS NLB)" },
	[FW_K_MB_LOSS] = { "middlebox", "loss", FW_T_PERCENT, SC(mb.loss_pct), .lo = 0,
		.hi = 100, .dflt = "0%", .matrix = true,
		.help = "random loss in both directions, alone or with a fault" },

	[FW_K_EXPECT_FW2] = { "expect", "fin_wait2", FW_T_EXPECT, SC(expect), .dflt = "model",
		.matrix = true,
		.help = "what FIN_WAIT2 must show: the model's range, forever, none, within DUR, "
			"or MIN..MAX" },
	/* The other close states: "model" judges a state the model predicts and says when it
	 * does not; "any" does not judge. held is the application's part of FIN_WAIT2 (from
	 * its FIN until its close()): the model has nothing to say about it. */
	[FW_K_EXPECT_FW1] = { "expect", "fin_wait1", FW_T_EXPECT, SC(expects[FW_ES_FIN_WAIT1]),
		.dflt = "model", .matrix = true,
		.help = "what FIN_WAIT1 must show (the FIN not yet ACKed)" },
	[FW_K_EXPECT_TW] = { "expect", "time_wait", FW_T_EXPECT, SC(expects[FW_ES_TIME_WAIT]),
		.dflt = "model", .matrix = true,
		.help = "what TIME_WAIT must show (both FINs exchanged, the server's first)" },
	[FW_K_EXPECT_CW] = { "expect", "close_wait", FW_T_EXPECT,
		SC(expects[FW_ES_CLOSE_WAIT]), .dflt = "model", .matrix = true,
		.help = "what CLOSE_WAIT must show (the client closed first; the server has not)" },
	[FW_K_EXPECT_LA] = { "expect", "last_ack", FW_T_EXPECT, SC(expects[FW_ES_LAST_ACK]),
		.dflt = "model", .matrix = true,
		.help = "what LAST_ACK must show (the server closed after the client's FIN)" },
	[FW_K_EXPECT_HELD] = { "expect", "held", FW_T_EXPECT, SC(expects[FW_ES_HELD]),
		.dflt = "any", .matrix = true,
		.help = "how long the application may hold the socket in FIN_WAIT2 after its FIN" },
};

const struct fw_section fw_sections[] = {
	{ "scenario", "what the scenario is, and how each cell runs and samples" },
	{ "server", "the server and how it closes" },
	{ "client", "the client and its fault" },
	{ "sysctl", "net.* sysctls of the server's namespace (per-namespace keys only)" },
	{ "client.sysctl", "net.* sysctls of the client's namespace" },
	{ "matrix", "KEY = V1, V2, ...: one cell per combination" },
	{ "middlebox", "a router namespace between client and server: its fault and loss" },
	{ "expect", "what each cell must show" },
	{ NULL, NULL },
};

const struct fw_key *fw_key_find(const char *key)
{
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];
		size_t sl = strlen(k->section);

		if ((!strncmp(key, k->section, sl) && key[sl] == '.' &&
		     !strcmp(key + sl + 1, k->name)) ||
		    (k->scope == FW_SCOPE_SCENARIO && !strcmp(k->section, "scenario") &&
		     !strcmp(key, k->name)))
			return k;
	}
	return NULL;
}

const struct fw_key *fw_key_by_opt(enum fw_scope scope, const char *opt)
{
	for (size_t i = 0; i < FW_K_COUNT; i++)
		if (fw_keys[i].scope == scope && fw_keys[i].opt && !strcmp(fw_keys[i].opt, opt))
			return &fw_keys[i];
	return NULL;
}

const char *fw_key_default(const struct fw_key *k)
{
	if (k->type == FW_T_ENUM)
		return fw_name(k->names, k->dval);
	return k->dflt;
}

const char *fw_type_name(enum fw_type t)
{
	static const char *const n[] = {
		[FW_T_NAME] = "name", [FW_T_TEXT] = "text", [FW_T_COMMAND] = "command",
		[FW_T_PATH] = "path", [FW_T_INT] = "integer", [FW_T_DURATION] = "duration",
		[FW_T_SECONDS] = "seconds", [FW_T_MSEC] = "milliseconds", [FW_T_BOOL] = "bool",
		[FW_T_ENUM] = "enum", [FW_T_CLOSE] = "close", [FW_T_EXPECT] = "expectation",
		[FW_T_RATE] = "rate",
		[FW_T_PERCENT] = "percent",
	};

	return (size_t)t < ARRAY_SIZE(n) ? n[t] : "?";
}

static bool is_string(enum fw_type t)
{
	return t == FW_T_NAME || t == FW_T_TEXT || t == FW_T_COMMAND || t == FW_T_PATH;
}

#define FIELD(k, base, type) ((type *)((char *)(base) + (k)->off))
#define CFIELD(k, base, type) ((const type *)((const char *)(base) + (k)->off))

char *fw_key_hint(const struct fw_key *k, char *buf, size_t len)
{
	char a[32], b[32];

	switch (k->type) {
	case FW_T_NAME:
		snprintf(buf, len, "1-64 letters, digits, '.', '_', '-'");
		break;
	case FW_T_INT:
		snprintf(buf, len, "a whole number, %lld..%lld", (long long)k->lo,
			 (long long)k->hi);
		break;
	case FW_T_DURATION:
		if (k->lo == 1)
			snprintf(buf, len, "a duration such as 500ms, 2s, 1m; more than 0");
		else if (k->lo > 0)
			snprintf(buf, len, "a duration such as 500ms, 2s, 1m; at least %s",
				 dur_format(k->lo, a, sizeof(a)));
		else
			snprintf(buf, len, "a duration such as 500ms, 2s, 1m");
		break;
	case FW_T_SECONDS:
		snprintf(buf, len, "%swhole seconds, %llds..%llds", k->lo < 0 ? "-1, or " : "",
			 (long long)(k->lo < 0 ? 0 : k->lo), (long long)k->hi);
		break;
	case FW_T_MSEC:
		snprintf(buf, len, "whole milliseconds, %s..%s, e.g. 1500ms",
			 dur_format(k->lo * NSEC_PER_MSEC, a, sizeof(a)),
			 dur_format(k->hi * NSEC_PER_MSEC, b, sizeof(b)));
		break;
	case FW_T_BOOL:
		snprintf(buf, len, "on | off");
		break;
	case FW_T_ENUM:
		fw_names_list(k->names, buf, len);
		break;
	case FW_T_CLOSE:
		snprintf(buf, len, "close | shutdown | linger0 | linger:DUR (whole seconds, "
				   "%llds..%llds) | none", (long long)k->lo, (long long)k->hi);
		break;
	case FW_T_EXPECT:
		snprintf(buf, len, "model | forever | none | any | DUR | MIN..MAX");
		break;
	case FW_T_RATE:
		snprintf(buf, len, "N/s, a whole number of connections a second, %lld..%lld",
			 (long long)k->lo, (long long)k->hi);
		break;
	case FW_T_PERCENT:
		snprintf(buf, len, "a whole percentage, %lld%%..%lld%%", (long long)k->lo,
			 (long long)k->hi);
		break;
	default:
		snprintf(buf, len, "text");
	}
	return buf;
}

static bool name_ok(const char *v)
{
	if (!*v || strlen(v) > 64)
		return false;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

/* A duration that must be a whole number of `unit` nanoseconds in [lo, hi] units. */
static int parse_whole(const char *v, int64_t unit, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t ns;

	if (dur_parse(v, &ns) || ns % unit)
		return -EINVAL;
	if (ns / unit < lo || ns / unit > hi)
		return -ERANGE;
	*out = ns / unit;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_close(const struct fw_key *k, const char *v, struct fw_close *out)
{
	int64_t x;
	int e;

	if (str_startswith(v, "linger:")) {
		/* SO_LINGER's l_linger is whole seconds. */
		if (parse_whole(v + 7, NSEC_PER_SEC, k->lo, k->hi, &x))
			return -EINVAL;
		out->kind = x ? FW_CLOSE_LINGER : FW_CLOSE_LINGER0;
		out->linger_s = (int)x;
		return 0;
	}
	e = fw_name_lookup(&fw_close_names, v, true);
	if (e < 0 || e == FW_CLOSE_LINGER)
		return -EINVAL;
	out->kind = (enum fw_close_kind)e;
	out->linger_s = 0;
	return 0;
}

static int parse_expect(const char *v, struct fw_expect *out)
{
	static const char *const words[] = { [FW_EXPECT_MODEL] = "model",
		[FW_EXPECT_FOREVER] = "forever", [FW_EXPECT_NONE] = "none",
		[FW_EXPECT_ANY] = "any" };
	const char *dots = strstr(v, "..");
	int64_t a = 0, b;

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (words[i] && !strcmp(v, words[i])) {
			out->kind = (enum fw_expect_kind)i;
			return 0;
		}
	if (dots) {
		char lo[64];
		size_t n = (size_t)(dots - v);

		if (n >= sizeof(lo))
			return -EINVAL;
		memcpy(lo, v, n);
		lo[n] = '\0';
		if (dur_parse(lo, &a) || dur_parse(dots + 2, &b) || a > b)
			return -EINVAL;
	} else if (dur_parse(v, &b)) {
		return -EINVAL;
	}
	out->kind = FW_EXPECT_RANGE;
	out->min_ns = a;
	out->max_ns = b;
	return 0;
}

/* "N/s": whole connections a second, lo..hi. */
static int parse_rate(const struct fw_key *k, const char *v, long *out)
{
	size_t n = strlen(v);
	char num[32];

	if (n < 3 || n - 2 >= sizeof(num) || strcmp(v + n - 2, "/s"))
		return -EINVAL;
	memcpy(num, v, n - 2);
	num[n - 2] = '\0';
	return parse_long(num, (long)k->lo, (long)k->hi, out) ? -EINVAL : 0;
}

/* "P%" or "P": a whole number in lo..hi. */
static int parse_percent(const struct fw_key *k, const char *v, long *out)
{
	char buf[24];
	size_t n = strlen(v);

	if (n && v[n - 1] == '%')
		n--;
	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return parse_long(buf, (long)k->lo, (long)k->hi, out);
}

static int set_string(const struct fw_key *k, void *base, const char *v)
{
	char **dst = FIELD(k, base, char *), *s = NULL;

	/* Only a description keeps "": an empty command or config is unset. */
	if ((*v || k->type == FW_T_TEXT) && !(s = strdup(v)))
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* Parses v into k's field; 0, -ENOMEM or -EINVAL. */
static int parse_value(const struct fw_key *k, void *base, const char *v, unsigned flags)
{
	int64_t x;
	long l;
	int e;

	switch (k->type) {
	case FW_T_NAME:
		return name_ok(v) ? set_string(k, base, v) : -EINVAL;
	case FW_T_TEXT:
	case FW_T_COMMAND:
	case FW_T_PATH:
		return set_string(k, base, v);
	case FW_T_INT:
		if (parse_long(v, (long)k->lo, (long)k->hi, &l))
			return -EINVAL;
		*FIELD(k, base, long) = l;
		return 0;
	case FW_T_DURATION:
		if (dur_parse(v, &x) || x < k->lo || x > k->hi)
			return -EINVAL;
		*FIELD(k, base, int64_t) = x;
		return 0;
	case FW_T_SECONDS:
		if (k->lo < 0 && !strcmp(v, "-1"))
			x = -1;
		else if (parse_whole(v, NSEC_PER_SEC, k->lo < 0 ? 0 : k->lo, k->hi, &x))
			return -EINVAL;
		*FIELD(k, base, int) = (int)x;
		return 0;
	case FW_T_MSEC:
		if (parse_whole(v, NSEC_PER_MSEC, k->lo, k->hi, &x))
			return -EINVAL;
		*FIELD(k, base, int) = (int)x;
		return 0;
	case FW_T_BOOL:
		return parse_bool(v, FIELD(k, base, bool));
	case FW_T_ENUM:
		e = fw_name_lookup(k->names, v, !(flags & FW_SET_ENDPOINT));
		if (e < 0)
			return -EINVAL;
		*FIELD(k, base, int) = e;
		return 0;
	case FW_T_CLOSE:
		return parse_close(k, v, FIELD(k, base, struct fw_close));
	case FW_T_EXPECT:
		return parse_expect(v, FIELD(k, base, struct fw_expect));
	case FW_T_RATE:
		return parse_rate(k, v, FIELD(k, base, long));
	case FW_T_PERCENT:
		return parse_percent(k, v, FIELD(k, base, long));
	}
	return -EINVAL;
}

int fw_key_set(const struct fw_key *k, void *base, unsigned *has, const char *text,
	       unsigned flags, struct fw_err *err)
{
	char hint[160];
	int r;

	if (k->has && has && !*text) {
		*has &= ~k->has;
		return 0;
	}
	r = parse_value(k, base, text, flags);
	if (r == -ENOMEM)
		return fw_err_set(err, r, NULL, 0, "out of memory");
	if (r && k->type == FW_T_DURATION && dur_parse(text, &(int64_t){ 0 }) == -ERANGE)
		return fw_err_set(err, -EINVAL, NULL, 0, "bad %s '%s' (too long: at most "
				  "9223372036.854775807s, INT64_MAX nanoseconds)", k->name, text);
	if (r)
		return fw_err_set(err, -EINVAL, NULL, 0, "bad %s '%s' (%s)", k->name, text,
				  fw_key_hint(k, hint, sizeof(hint)));
	if (k->has && has)
		*has |= k->has;
	return 0;
}

static char *format_expect(const struct fw_expect *e, char *buf, size_t len)
{
	static const char *const words[] = { [FW_EXPECT_MODEL] = "model",
		[FW_EXPECT_FOREVER] = "forever", [FW_EXPECT_NONE] = "none",
		[FW_EXPECT_ANY] = "any" };
	char a[32], b[32];

	if (e->kind != FW_EXPECT_RANGE)
		snprintf(buf, len, "%s", words[e->kind]);
	else if (e->min_ns)
		snprintf(buf, len, "%s..%s", dur_format(e->min_ns, a, sizeof(a)),
			 dur_format(e->max_ns, b, sizeof(b)));
	else
		dur_format(e->max_ns, buf, len);
	return buf;
}

bool fw_key_format(const struct fw_key *k, const void *base, unsigned has, char *buf,
		   size_t len)
{
	const struct fw_close *c;
	const char *s;

	buf[0] = '\0';
	if (k->has && !(has & k->has))
		return false;
	switch (k->type) {
	case FW_T_NAME:
	case FW_T_TEXT:
	case FW_T_COMMAND:
	case FW_T_PATH:
		s = *CFIELD(k, base, char *);
		if (!s || !*s)
			return false;
		snprintf(buf, len, "%s", s);
		break;
	case FW_T_INT:
		snprintf(buf, len, "%ld", *CFIELD(k, base, long));
		break;
	case FW_T_DURATION:
		/* A duration without a default is unset while 0 (scenario.duration). */
		if (!k->dflt && !*CFIELD(k, base, int64_t))
			return false;
		dur_format(*CFIELD(k, base, int64_t), buf, len);
		break;
	case FW_T_SECONDS:
		if (k->plain || *CFIELD(k, base, int) < 0)
			snprintf(buf, len, "%d", *CFIELD(k, base, int));
		else
			dur_format(*CFIELD(k, base, int) * NSEC_PER_SEC, buf, len);
		break;
	case FW_T_MSEC:
		dur_format(*CFIELD(k, base, int) * NSEC_PER_MSEC, buf, len);
		break;
	case FW_T_BOOL:
		snprintf(buf, len, "%s", *CFIELD(k, base, bool) ? "on" : "off");
		break;
	case FW_T_ENUM:
		snprintf(buf, len, "%s", fw_name(k->names, *CFIELD(k, base, int)));
		break;
	case FW_T_CLOSE:
		c = CFIELD(k, base, struct fw_close);
		if (c->kind == FW_CLOSE_LINGER)
			snprintf(buf, len, "linger:%ds", c->linger_s);
		else
			snprintf(buf, len, "%s", fw_name(&fw_close_names, c->kind));
		break;
	case FW_T_EXPECT:
		format_expect(CFIELD(k, base, struct fw_expect), buf, len);
		break;
	case FW_T_RATE:
		if (!*CFIELD(k, base, long))
			return false;
		snprintf(buf, len, "%ld/s", *CFIELD(k, base, long));
		break;
	case FW_T_PERCENT:
		snprintf(buf, len, "%ld%%", *CFIELD(k, base, long));
		break;
	}
	return true;
}

int fw_key_int(const struct fw_key *k, const void *base)
{
	switch (k->type) {
	case FW_T_INT:
	case FW_T_PERCENT:
		return (int)*CFIELD(k, base, long);
	case FW_T_BOOL:
		return *CFIELD(k, base, bool);
	case FW_T_SECONDS:
	case FW_T_MSEC:
	case FW_T_ENUM:
		return *CFIELD(k, base, int);
	default:
		return 0;
	}
}

void *fw_key_field_base(const struct fw_key *k, struct scenario *sc, unsigned **has)
{
	*has = NULL;
	switch (k->scope) {
	case FW_SCOPE_SERVER:
		*has = &sc->server.has;
		return &sc->server;
	case FW_SCOPE_CLIENT:
		return &sc->client;
	default:
		return sc;
	}
}

int fw_keys_defaults(enum fw_scope scope, void *base, unsigned *has, bool with_optional)
{
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];

		if (k->scope != scope || !fw_key_default(k) || (k->has && !with_optional))
			continue;
		if (fw_key_set(k, base, has, fw_key_default(k), 0, NULL))
			return -ENOMEM;	/* a default is valid: only memory can fail */
	}
	return 0;
}

void fw_keys_free(enum fw_scope scope, void *base)
{
	for (size_t i = 0; i < FW_K_COUNT; i++)
		if (fw_keys[i].scope == scope && is_string(fw_keys[i].type)) {
			free(*FIELD(&fw_keys[i], base, char *));
			*FIELD(&fw_keys[i], base, char *) = NULL;
		}
}

void fw_keys_forget(enum fw_scope scope, void *base)
{
	for (size_t i = 0; i < FW_K_COUNT; i++)
		if (fw_keys[i].scope == scope && is_string(fw_keys[i].type))
			*FIELD(&fw_keys[i], base, char *) = NULL;
}

int fw_keys_dup(enum fw_scope scope, void *dst, const void *src)
{
	int r = 0;

	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];
		const char *s;

		if (k->scope != scope || !is_string(k->type))
			continue;
		s = *CFIELD(k, src, char *);
		*FIELD(k, dst, char *) = s ? strdup(s) : NULL;
		if (s && !*FIELD(k, dst, char *))
			r = -ENOMEM;
	}
	return r;
}
