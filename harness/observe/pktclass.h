/* pktclass: names each TCP segment of one connection from the server's point of view
 * ("syn", "data", "fin", "ack-of-fin", "keepalive-probe", ...), by following both sides'
 * sequence numbers as the segments pass. Owns the per-connection tracking state; knows
 * nothing of pcap or of the clock. Pure.
 *
 * The rules (docs/KERNEL.md, "Packets as a witness"):
 * - rst, syn: by their flag (a SYN below what its sender already sent is a retransmit);
 * - keepalive-probe / zero-window-probe: no SYN/FIN, 0 or 1 byte at snd_una - 1 (one
 *   below what the peer acknowledged: tcp_xmit_probe_skb()); a zero-window probe when the
 *   peer's last advertised window was 0, else a keepalive probe;
 * - retransmit: data, SYN or FIN starting below what its sender already sent;
 * - fin: a new FIN (with or without data); data: new bytes;
 * - pure ACKs: ack-of-fin (the first ACK covering the other side's FIN + 1),
 *   keepalive-ack / zero-window-ack (the first ACK after the other side's probe),
 *   window-update (the window opens from 0), else ack. */
#ifndef FINWAIT_PKTCLASS_H
#define FINWAIT_PKTCLASS_H

#include <stdbool.h>
#include <stdint.h>

#define PKT_FIN 0x01
#define PKT_SYN 0x02
#define PKT_RST 0x04
#define PKT_PSH 0x08
#define PKT_ACK 0x10
#define PKT_URG 0x20
#define PKT_ECE 0x40
#define PKT_CWR 0x80

enum pkt_kind {
	PK_ACK,
	PK_SYN,
	PK_DATA,
	PK_FIN,
	PK_ACK_OF_FIN,
	PK_KEEPALIVE_PROBE,
	PK_KEEPALIVE_ACK,
	PK_ZERO_WINDOW_PROBE,
	PK_ZERO_WINDOW_ACK,
	PK_WINDOW_UPDATE,
	PK_RETRANSMIT,
	PK_RST,
	PK_NKINDS,
};

/* Which way a segment went: out of the server (PKT_OUT) or into it (PKT_IN). */
enum pkt_dir { PKT_IN = 0, PKT_OUT = 1 };

/* One TCP segment's header fields; len is the payload's length in bytes. */
struct pkt_hdr {
	enum pkt_dir dir;
	uint8_t flags;		/* PKT_* */
	uint32_t seq, ack;
	uint32_t len;
	uint32_t win;		/* the raw window field (the scale is not needed: 0 is 0) */
};

/* What one side has sent, as seen on the wire. */
struct pkt_side {
	bool seen;		/* a segment of this side was seen */
	bool fin_sent;
	bool fin_acked;		/* the other side ACKed fin_seq + 1 */
	bool probe_out;		/* a probe of this side waits for the other's ACK */
	bool probe_zw;		/* ... a zero-window one */
	bool acked_any;		/* the other side ACKed something: una is valid */
	uint32_t nxt;		/* highest seq + segment length sent */
	uint32_t una;		/* highest ACK the other side sent */
	uint32_t fin_seq;
	uint32_t win;		/* the window this side advertised last */
};

/* One connection's tracking: side[PKT_OUT] is the server, side[PKT_IN] the client. */
struct pkt_flow {
	struct pkt_side side[2];
};

/* Classifies h (the connection's next segment, in capture order) and updates f. */
enum pkt_kind pkt_classify(struct pkt_flow *f, const struct pkt_hdr *h);

/* "syn", "data", "fin", "ack-of-fin", "keepalive-probe", "keepalive-ack",
 * "zero-window-probe", "zero-window-ack", "window-update", "retransmit", "rst", "ack". */
const char *pkt_kind_name(enum pkt_kind k);

/* The flags as letters in bit order, "FSRPAUEC" ("FA" for FIN|ACK); buf has 9 bytes. */
char *pkt_flags_text(uint8_t flags, char *buf);

#endif
