/* endpoint_opts: the command lines of finwait-server and finwait-client, the small
 * vocabularies they share with scenarios (modes, close styles, fault points and actions),
 * and the streaming scanners that find where a request or a response ends.
 * Pure: parsing only; nothing here touches a socket. Parse functions return 0 or -EINVAL
 * (-ERANGE where noted) and, on error, write a one-line message (without the program name)
 * into err. */
#ifndef FINWAIT_ENDPOINT_OPTS_H
#define FINWAIT_ENDPOINT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define EP_ERR_MAX 256
#define EP_MAX_SOURCES 64
#define EP_MAX_CONNECTIONS 100000
/* include/net/tcp.h: MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT. */
#define EP_MAX_KEEPIDLE 32767
#define EP_MAX_KEEPINTVL 32767
#define EP_MAX_KEEPCNT 127

enum ep_mode { EP_MODE_RAW, EP_MODE_HTTP };

enum ep_close_kind {
	EP_CLOSE_CLOSE,    /* close(): the socket becomes an orphan (fin_timeout path) */
	EP_CLOSE_SHUTDOWN, /* shutdown(SHUT_WR), fd kept open (keepalive path) */
	EP_CLOSE_LINGER0,  /* SO_LINGER {1, 0} then close(): RST instead of FIN */
	EP_CLOSE_LINGER,   /* SO_LINGER {1, secs} then close() */
	EP_CLOSE_NONE,     /* never close; the peer closes first */
};

struct ep_close_style {
	enum ep_close_kind kind;
	int linger_s; /* EP_CLOSE_LINGER only */
};

enum ep_point { EP_AT_CONNECT, EP_AT_RESPONSE, EP_AT_FIN };

enum ep_fault {
	EP_FAULT_NONE,   /* close normally at the point */
	EP_FAULT_CRASH,  /* die by SIGKILL at the point; the kernel closes the sockets */
	EP_FAULT_FREEZE, /* raise(SIGSTOP) at the point */
	EP_FAULT_HANG,   /* stay alive, never close, until killed */
	EP_FAULT_WAIT,   /* like hang: the orchestrator acts (vanish, reboot) */
	EP_FAULT_VANISH, /* alias of wait */
	EP_FAULT_REBOOT, /* alias of wait */
};

/* Presence bits of the per-socket options: "unset" differs from 0. */
#define EP_HAS_KEEPALIVE (1u << 0)
#define EP_HAS_KEEPIDLE (1u << 1)
#define EP_HAS_KEEPINTVL (1u << 2)
#define EP_HAS_KEEPCNT (1u << 3)
#define EP_HAS_LINGER2 (1u << 4)
#define EP_HAS_USER_TIMEOUT (1u << 5)

struct server_opts {
	struct sockaddr_storage listen;
	socklen_t listen_len;
	enum ep_mode mode;
	struct ep_close_style close;
	int64_t close_after_ns;
	unsigned has;          /* EP_HAS_* */
	int keepalive;         /* 0 or 1 */
	int keepidle_s;
	int keepintvl_s;
	int keepcnt;
	int linger2_s;         /* -1 allowed */
	int user_timeout_ms;
	int status_fd;         /* -1: none */
	int backlog;
	long max_conns;        /* connections to hold open at once; 0: what the limit allows */
	bool help;
	bool version;
};

struct client_opts {
	struct sockaddr_storage connect;
	socklen_t connect_len;
	struct sockaddr_storage sources[EP_MAX_SOURCES]; /* ports are 0 */
	int nsources;
	long connections;
	enum ep_mode mode;
	enum ep_point at;
	enum ep_fault fault;
	int64_t timeout_ns;    /* give up when the point is not reached by then */
	long detail_max;       /* per-connection lines when connections <= this */
	int status_fd;
	bool help;
	bool version;
};

/* "raw" / "http" */
int ep_mode_parse(const char *s, enum ep_mode *out);
const char *ep_mode_name(enum ep_mode m);

/* "close", "shutdown", "linger0", "linger:DUR" (whole seconds; linger:0 = linger0), "none". */
int ep_close_parse(const char *s, struct ep_close_style *out);
/* Writes the canonical text of a close style ("linger:2s") into buf and returns buf. */
char *ep_close_format(const struct ep_close_style *c, char *buf, size_t len);

/* "after-connect", "after-response", "after-fin" */
int ep_point_parse(const char *s, enum ep_point *out);
const char *ep_point_name(enum ep_point p);

/* "none", "crash", "freeze", "hang", "wait", "vanish", "reboot" */
int ep_fault_parse(const char *s, enum ep_fault *out);
const char *ep_fault_name(enum ep_fault f);

/* A duration in whole seconds within [min, max] ("2s", "2", "1m"; -1 only when allow_neg).
 * Returns 0, -EINVAL (syntax, fraction of a second) or -ERANGE. */
int ep_seconds_parse(const char *s, long min, long max, bool allow_neg, int *out);

/* Fills defaults: listen 0.0.0.0:0, raw, close, no options, no status fd, backlog 4096,
 * max_conns 0. */
void server_opts_init(struct server_opts *o);

/* Parses argv (argv[0] is the program) into o (initialised here). Resets getopt. Returns
 * 0 or -EINVAL with a message in err. --help / --version set o->help / o->version. */
int server_opts_parse(int argc, char **argv, struct server_opts *o, char *err, size_t errlen);

/* Fills defaults: 1 connection, raw, at after-fin, fault none, timeout 30s, detail_max
 * 1000, no status fd. */
void client_opts_init(struct client_opts *o);

/* Parses argv into o (initialised here). --connect is required (unless --help/--version);
 * every --source must be of the --connect address's family. Returns 0 or -EINVAL. */
int client_opts_parse(int argc, char **argv, struct client_opts *o, char *err, size_t errlen);

/* Where a request ends, fed as bytes arrive (no buffering): raw requests end at '\n',
 * HTTP requests at the blank line after the headers ("\r\n\r\n" or "\n\n"). Zero it
 * to start. */
struct ep_req_scan {
	uint8_t blank; /* line ends seen with nothing between them */
};

/* Feeds n bytes; returns how many requests they completed. */
int ep_req_scan(struct ep_req_scan *r, enum ep_mode mode, const char *buf, size_t n);

/* Where a response ends, fed as bytes arrive: raw, at the first '\n'; HTTP, after the
 * headers and Content-Length bytes of body (no Content-Length, e.g. chunked: at the end
 * of the headers). 12 bytes; start it with ep_resp_scan_init. */
struct ep_resp_scan {
	int32_t clen;      /* Content-Length, -1 while none was seen */
	int32_t body_left;
	uint8_t hdr_done;
	uint8_t line_len;  /* bytes of the current header line, saturating at 255 */
	uint8_t cl_match;  /* the current line still matches "content-length:" */
	uint8_t done;
};

void ep_resp_scan_init(struct ep_resp_scan *r);

/* Feeds n bytes; returns true once the whole response has been seen (and stays true). */
bool ep_resp_scan(struct ep_resp_scan *r, enum ep_mode mode, const char *buf, size_t n);

/* The --help texts. */
extern const char server_usage[];
extern const char client_usage[];

#endif
