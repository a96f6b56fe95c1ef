/* status: the status-pipe protocol between finwait-server / finwait-client and the
 * orchestrator. Owns the line format, its writer and its parser, and the textual form of
 * socket addresses. Pure: no sockets are touched, only a given fd is written.
 *
 * A line is `<event> t=<CLOCK_MONOTONIC ns> key=value key=value...\n`, at most
 * STATUS_LINE_MAX bytes (< PIPE_BUF, so one write() is atomic on a pipe). A value that is
 * empty or holds a space, '"', '\\', '=' or a control character is written in double
 * quotes with \" \\ \n \t escapes. Addresses are `198.18.0.1:8080` or `[fd46:696e::1]:8080`.
 */
#ifndef FINWAIT_STATUS_H
#define FINWAIT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STATUS_LINE_MAX 1024
#define STATUS_MAX_KEYS 24
/* Longest text of an address with its port: "[" + INET6_ADDRSTRLEN + "]:65535". */
#define STATUS_ADDR_MAX 56

enum status_type {
	STATUS_UNKNOWN = 0,
	STATUS_LISTENING,   /* server: addr= port= mode= close= */
	STATUS_LIMIT,       /* either: nofile= wanted= (the descriptor limit is too low) */
	STATUS_ACCEPTED,    /* server: id= local= remote= */
	STATUS_OPTS,        /* server: effective socket options of a connection */
	STATUS_RESPONSE,    /* server: id= n= (n-th response on that connection) */
	STATUS_CLOSE,       /* server: id= style= done= (t just before the call, done after) */
	STATUS_PEER_CLOSED, /* either: id= (read returned 0: the peer's FIN arrived) */
	STATUS_PEER_RESET,  /* either: id= (ECONNRESET: the peer's RST arrived) */
	STATUS_CONNECTED,   /* client: id= local= remote=, or n= for the aggregate line */
	STATUS_POINT,       /* client: at= n= failed= (written before the fault action) */
	STATUS_FAULT,       /* client: action= (the fault action is being performed) */
	STATUS_ERROR,       /* either: [id=] op= errno= msg= */
	STATUS_EXIT,        /* either: code= (clean exit) */
	STATUS_ARRIVALS,    /* client with --rate: n= last= late_max= late_mean= (t: first) */
	STATUS_TYPE_COUNT
};

/* A line being built: status_begin, then status_add*, then status_write. */
struct status_line {
	char buf[STATUS_LINE_MAX];
	size_t len;
	bool overflow; /* a field did not fit: status_write refuses the line */
};

/* A parsed line. key[i] and val[i] point into buf (unescaped, NUL-terminated). */
struct status_event {
	enum status_type type;
	int64_t t;
	int nkeys;
	const char *key[STATUS_MAX_KEYS];
	const char *val[STATUS_MAX_KEYS];
	char buf[STATUS_LINE_MAX];
};

/* The event's name on the wire ("accepted"), or NULL for an unknown type. */
const char *status_type_name(enum status_type type);

/* The type for a name on the wire, or STATUS_UNKNOWN. */
enum status_type status_type_from_name(const char *name);

/* Starts a line for event `type` at time t (ns). */
void status_begin(struct status_line *l, enum status_type type, int64_t t);

/* Appends key=value, quoting the value when needed. Keys are [a-z0-9_]. */
void status_add(struct status_line *l, const char *key, const char *val);

/* Appends key=value with a printf-formatted value. */
void status_addf(struct status_line *l, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends key=<signed integer>. */
void status_add_long(struct status_line *l, const char *key, long long v);

/* Appends key=<address text> for an AF_INET / AF_INET6 socket address. */
void status_add_addr(struct status_line *l, const char *key, const struct sockaddr *sa);

/* Terminates the line with '\n'; returns its length or -ENOSPC when it overflowed. */
int status_end(struct status_line *l);

/* Ends the line and writes it with one write() (atomic on a pipe). fd < 0 is a no-op.
 * Returns 0, -ENOSPC (line too long) or -errno of write (EINTR is retried). */
int status_write(int fd, struct status_line *l);

/* Parses one line (with or without its trailing newline) into ev. Returns 0, or -EINVAL
 * for a malformed line (no event name, no t= first, bad quoting, too many keys) and
 * -ENOSPC when it is longer than STATUS_LINE_MAX. An unknown event name is not an error:
 * ev->type is STATUS_UNKNOWN, so newer writers stay readable. */
int status_parse(const char *line, struct status_event *ev);

/* The value of key in ev, or NULL. */
const char *status_get(const struct status_event *ev, const char *key);

/* The value of key as an integer: 0, -ENOENT (absent) or -EINVAL (not an integer). */
int status_get_long(const struct status_event *ev, const char *key, long long *out);

/* Writes "198.18.0.1:8080" or "[fd46:696e::1]:8080" for sa into buf (>= STATUS_ADDR_MAX).
 * Returns 0 or -EAFNOSUPPORT (buf then holds "?"). */
int status_format_addr(const struct sockaddr *sa, char *buf, size_t len);

/* Parses "ADDR:PORT" / "[ADDR6]:PORT" (a bare IPv6 address needs the brackets) into ss.
 * Returns 0 and sets *len, or -EINVAL. Only numeric addresses: no name resolution. */
int status_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len);

#endif
