/* capstore: the packets of one cell's capture, per connection. Parses Ethernet frames
 * (IPv4 or IPv6, TCP), keys each segment by its 4-tuple from the server's side (local =
 * the server's port), classifies it (pktclass) and keeps it. Pure: the capture thread
 * (capture.c) feeds it, the judge and the report read it once the capture stopped.
 *
 * Memory is bounded per connection: the first CAP_KEEP_HEAD segments and the last
 * CAP_KEEP_TAIL are kept (16 bytes each, 1 KiB a connection at most), the ones between
 * are classified (so the tracking stays right) and counted, not kept. A cell of 100 000
 * connections with ~12 segments each keeps ~20 MB, 100 MB at the very most. */
#ifndef FINWAIT_CAPSTORE_H
#define FINWAIT_CAPSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "pktclass.h"

#define CAP_KEEP_HEAD 48
#define CAP_KEEP_TAIL 16
#define CAP_KEEP (CAP_KEEP_HEAD + CAP_KEEP_TAIL)

/* One kept segment. */
struct cap_pkt {
	int64_t t;		/* CLOCK_MONOTONIC ns (capture.c maps the capture's clock) */
	uint32_t len;		/* payload bytes */
	uint8_t flags;		/* PKT_* */
	uint8_t kind;		/* enum pkt_kind */
	uint8_t dir;		/* enum pkt_dir */
};

struct cap_conn {
	struct diag_tuple tuple;	/* local = the server's end */
	struct pkt_flow flow;
	struct cap_pkt *pkts;	/* head, then the tail as a ring */
	uint32_t alloc;
	uint64_t total;		/* segments seen */
	int64_t t_fin_acked;	/* when the client first ACKed the server's FIN (0: never),
				 * whatever the segment's kind (kept or not) */
	uint32_t next;		/* hash chain */
};

struct capstore {
	uint16_t port;		/* the server's port: its segments are "out" */
	struct cap_conn *conns;
	size_t n, cap;
	uint32_t *buckets;	/* heads of the chains, UINT32_MAX: none */
	size_t nbuckets;
	uint64_t segments;	/* TCP segments stored */
	uint64_t unparsed;	/* frames that were not a TCP segment of the port */
};

/* An empty store for the server's port. Returns 0 or -ENOMEM. */
int capstore_init(struct capstore *s, uint16_t port);

/* Frees what s holds. Accepts a zeroed store. */
void capstore_clear(struct capstore *s);

/* Adds one Ethernet frame (caplen bytes captured) taken at t. Returns 0 (stored, or
 * counted in unparsed), or -ENOMEM. */
int capstore_add_frame(struct capstore *s, const uint8_t *frame, size_t caplen, int64_t t);

/* Adds one segment of connection `tuple` (server's view). Returns 0 or -ENOMEM. */
int capstore_add(struct capstore *s, const struct diag_tuple *tuple, const struct pkt_hdr *h,
		 int64_t t);

/* The connection with this tuple (local = the server), or NULL. */
const struct cap_conn *capstore_find(const struct capstore *s, const struct diag_tuple *t);

/* How many segments of c are kept, and how many were not (between the head and tail). */
size_t cap_conn_kept(const struct cap_conn *c);
uint64_t cap_conn_omitted(const struct cap_conn *c);

/* The i-th kept segment of c in capture order (i < cap_conn_kept()). When segments were
 * omitted, they lie between i = CAP_KEEP_HEAD - 1 and CAP_KEEP_HEAD. */
const struct cap_pkt *cap_conn_pkt(const struct cap_conn *c, size_t i);

#endif
