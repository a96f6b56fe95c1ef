/* diag: dumps the TCP sockets of one network namespace through NETLINK_SOCK_DIAG
 * (SOCK_DIAG_BY_FAMILY requests built with libnl-3 core), with a state mask and an
 * in-kernel port filter, and the few tcp_info fields of INET_DIAG_INFO that the model
 * needs; destroys sockets (SOCK_DESTROY). Owns the netlink socket and a reusable record
 * buffer; holds no other kernel state. */
#ifndef FINWAIT_DIAG_H
#define FINWAIT_DIAG_H

#include <stddef.h>
#include <stdint.h>

/* TCP states as sock_diag reports them (include/net/tcp_states.h). A timewait
 * minisocket is reported with its substate: DIAG_FIN_WAIT2 or DIAG_TIME_WAIT. */
enum diag_state {
	DIAG_ESTABLISHED = 1,
	DIAG_SYN_SENT = 2,
	DIAG_SYN_RECV = 3,
	DIAG_FIN_WAIT1 = 4,
	DIAG_FIN_WAIT2 = 5,
	DIAG_TIME_WAIT = 6,
	DIAG_CLOSE = 7,
	DIAG_CLOSE_WAIT = 8,
	DIAG_LAST_ACK = 9,
	DIAG_LISTEN = 10,
	DIAG_CLOSING = 11,
	DIAG_NSTATES = 12,
};

#define DIAG_MASK(s) (1u << (s))
/* The connection states finwait tracks. Never ~0: bit 13 (TCP_BOUND_INACTIVE) makes the
 * kernel walk the bind hash as well (docs/KERNEL.md, dump costs). LISTEN is not a
 * connection. */
#define DIAG_TRACKED_STATES                                                              \
	(DIAG_MASK(DIAG_ESTABLISHED) | DIAG_MASK(DIAG_SYN_SENT) | DIAG_MASK(DIAG_SYN_RECV) | \
	 DIAG_MASK(DIAG_FIN_WAIT1) | DIAG_MASK(DIAG_FIN_WAIT2) | DIAG_MASK(DIAG_TIME_WAIT) | \
	 DIAG_MASK(DIAG_CLOSE_WAIT) | DIAG_MASK(DIAG_LAST_ACK) | DIAG_MASK(DIAG_CLOSING))

/* idiag_timer values (inet_sk_diag_fill()). */
enum diag_timer {
	DIAG_TIMER_NONE = 0,
	DIAG_TIMER_RETRANS = 1,
	DIAG_TIMER_KEEPALIVE = 2, /* keepalive, or the orphan FIN_WAIT2 timer on a full socket */
	DIAG_TIMER_TIMEWAIT = 3,  /* a timewait minisocket */
	DIAG_TIMER_PROBE0 = 4,    /* zero-window probe */
};

/* One connection endpoint: family plus addresses and ports (host byte order). An IPv4
 * address fills the first 4 bytes of addr; the rest is zero. */
struct diag_tuple {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t pad;
	uint16_t lport;
	uint16_t rport;
	uint8_t laddr[16];
	uint8_t raddr[16];
};

/* One socket as seen in one dump. 80 bytes. The tcp_info fields (probes, backoff, rto_us,
 * rtt_us) come from INET_DIAG_INFO, which only full sockets carry: they are 0 for timewait and request
 * minisockets, and when the filter says no_info (docs/KERNEL.md, What sock_diag shows). */
struct diag_sock {
	struct diag_tuple tuple;
	uint8_t state;       /* enum diag_state (timewait substate for minisockets) */
	uint8_t timer;       /* enum diag_timer */
	uint8_t retrans;     /* retransmissions (timer 1) or probes sent (timers 2 and 4) */
	uint8_t probes;      /* tcpi_probes: unanswered zero-window or keepalive probes */
	uint8_t backoff;     /* tcpi_backoff: exponential backoff of the RTO */
	uint32_t expires_ms; /* time left on the timer */
	uint64_t cookie;     /* sock_gen_cookie(): unique for the life of the socket */
	uint32_t uid;
	uint32_t inode;      /* 0 for orphans and minisockets */
	uint32_t ifindex;    /* bound device, needed to look the socket up again */
	uint32_t rto_us;     /* tcpi_rto: the current retransmission timeout */
	uint32_t rtt_us;     /* tcpi_rtt: the smoothed RTT */
};

#define DIAG_F_IPV4 0x1u
#define DIAG_F_IPV6 0x2u

/* What to dump. Ports are host byte order; 0 means any. When both lport and rport are
 * set both must match, unless either_port is set (then either port may equal lport).
 * states 0 means DIAG_TRACKED_STATES; families 0 means both. Every full socket's tcp_info
 * is asked for (INET_DIAG_INFO) unless no_info is set: each record then grows by some 250
 * bytes and the kernel fills it under the socket's lock (tests/bench/bench_diag.c has the
 * cost). */
struct diag_filter {
	unsigned families;
	uint32_t states;
	uint16_t lport;
	uint16_t rport;
	int either_port;
	int no_info;
};

struct diag;

/* Creates a sock_diag netlink socket in the namespace netns_fd (-1: the caller's),
 * entering it on the calling thread and coming back. Returns 0 and *out (free with
 * diag_close), or -errno. */
int diag_open(int netns_fd, struct diag **out);

/* Closes the netlink socket and frees the buffers. Accepts NULL. */
void diag_close(struct diag *d);

/* Sets the filter used by every later dump (prebuilds the requests, with the in-kernel
 * bytecode for the ports). Returns 0 or -EINVAL / -ENOMEM. */
int diag_set_filter(struct diag *d, const struct diag_filter *f);

/* Dumps the sockets matching the filter. *socks points into d's reusable record buffer,
 * valid until the next call on d; that buffer grows only when a dump is larger than any
 * before (each datagram is still read into a buffer that nl_recv() allocates).
 * Returns 0 or -errno. */
int diag_dump(struct diag *d, const struct diag_sock **socks, size_t *n);

/* Destroys (SOCK_DESTROY, tcp_abort(): RST to the peer for a live connection) every
 * socket matching f. *destroyed counts the sockets the kernel accepted to destroy; a
 * socket that vanished meanwhile is skipped. Returns 0 or -errno (-EOPNOTSUPP without
 * CONFIG_INET_DIAG_DESTROY). Replaces d's filter with f. */
int diag_destroy_matching(struct diag *d, const struct diag_filter *f, size_t *destroyed);

/* Lower-case timer name: "none", "retransmit", "keepalive", "timewait", "probe"; "?" when
 * unknown. */
const char *diag_timer_name(int timer);

/* Upper-case state name ("FIN_WAIT2"), "?" when unknown. */
const char *diag_state_name(int state);

/* Parses a state name, case-insensitive, '-' or '_' ("fin-wait-2", "FIN_WAIT2",
 * "fin_wait2"). Returns the state or -EINVAL. */
int diag_state_parse(const char *name);

/* Formats "198.18.0.1:80" or "[fd46::1]:80" for the local (remote = 0) or remote end. */
char *diag_tuple_format_end(const struct diag_tuple *t, int remote, char *buf, size_t len);

#endif
