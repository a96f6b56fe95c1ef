/* pktclass: segment kinds from both sides' sequence numbers (see pktclass.h). */
#include "pktclass.h"

#include <stddef.h>

/* Sequence-space comparison (RFC 793's modular arithmetic). */
static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* A probe carries no SYN/FIN and 0 or 1 byte at snd_una - 1: a sequence number the peer
 * has already acknowledged, so it must answer with an ACK (tcp_xmit_probe_skb()). */
static bool is_probe(const struct pkt_side *me, const struct pkt_hdr *h)
{
	return !(h->flags & (PKT_SYN | PKT_FIN | PKT_RST)) && h->len <= 1 && me->seen &&
	       me->acked_any && h->seq == me->una - 1;
}

/* A segment with no sequence space of its own (a pure ACK), seen from its receiver. */
static enum pkt_kind pure_ack_kind(const struct pkt_side *me, const struct pkt_side *peer,
				   const struct pkt_hdr *h)
{
	if ((h->flags & PKT_ACK) && peer->fin_sent && !peer->fin_acked &&
	    !seq_before(h->ack, peer->fin_seq + 1))
		return PK_ACK_OF_FIN;
	if ((h->flags & PKT_ACK) && peer->probe_out)
		return peer->probe_zw ? PK_ZERO_WINDOW_ACK : PK_KEEPALIVE_ACK;
	if (me->seen && me->win == 0 && h->win > 0)
		return PK_WINDOW_UPDATE;
	return PK_ACK;
}

static enum pkt_kind kind_of(const struct pkt_side *me, const struct pkt_side *peer,
			     const struct pkt_hdr *h, uint32_t seglen)
{
	bool old = me->seen && seglen > 0 && seq_before(h->seq, me->nxt);

	if (h->flags & PKT_RST)
		return PK_RST;
	if (is_probe(me, h))
		return peer->seen && peer->win == 0 ? PK_ZERO_WINDOW_PROBE : PK_KEEPALIVE_PROBE;
	if (old)
		return PK_RETRANSMIT;
	if (h->flags & PKT_SYN)
		return PK_SYN;
	if (h->flags & PKT_FIN)
		return PK_FIN;
	if (h->len)
		return PK_DATA;
	return pure_ack_kind(me, peer, h);
}

enum pkt_kind pkt_classify(struct pkt_flow *f, const struct pkt_hdr *h)
{
	struct pkt_side *me = &f->side[h->dir], *peer = &f->side[!h->dir];
	uint32_t seglen = h->len + !!(h->flags & PKT_SYN) + !!(h->flags & PKT_FIN);
	enum pkt_kind k = kind_of(me, peer, h, seglen);

	if (h->flags & PKT_ACK) {
		if (!peer->acked_any || seq_before(peer->una, h->ack)) {
			peer->una = h->ack;
			peer->acked_any = true;
		}
		if (peer->fin_sent && !seq_before(h->ack, peer->fin_seq + 1))
			peer->fin_acked = true;
		peer->probe_out = false;
	}
	if (h->flags & PKT_RST)
		return k;
	me->win = h->win;
	if (!me->seen || seq_before(me->nxt, h->seq + seglen))
		me->nxt = h->seq + seglen;
	me->seen = true;
	if ((h->flags & PKT_FIN) && !me->fin_sent) {
		me->fin_sent = true;
		me->fin_seq = h->seq + h->len;
	}
	if (k == PK_KEEPALIVE_PROBE || k == PK_ZERO_WINDOW_PROBE) {
		me->probe_out = true;
		me->probe_zw = k == PK_ZERO_WINDOW_PROBE;
	}
	return k;
}

const char *pkt_kind_name(enum pkt_kind k)
{
	static const char *const names[PK_NKINDS] = {
		[PK_ACK] = "ack",
		[PK_SYN] = "syn",
		[PK_DATA] = "data",
		[PK_FIN] = "fin",
		[PK_ACK_OF_FIN] = "ack-of-fin",
		[PK_KEEPALIVE_PROBE] = "keepalive-probe",
		[PK_KEEPALIVE_ACK] = "keepalive-ack",
		[PK_ZERO_WINDOW_PROBE] = "zero-window-probe",
		[PK_ZERO_WINDOW_ACK] = "zero-window-ack",
		[PK_WINDOW_UPDATE] = "window-update",
		[PK_RETRANSMIT] = "retransmit",
		[PK_RST] = "rst",
	};

	return (unsigned)k < PK_NKINDS ? names[k] : "?";
}

char *pkt_flags_text(uint8_t flags, char *buf)
{
	static const char letters[] = "FSRPAUEC";
	size_t n = 0;

	for (int b = 0; b < 8; b++)
		if (flags & (1u << b))
			buf[n++] = letters[b];
	buf[n] = '\0';
	return buf;
}
