/* capstore: frames parsed, segments classified and kept per connection (capstore.h). */
#include "capstore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "timeline.h"

#define NO_CONN UINT32_MAX
#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_TCP_ 6

int capstore_init(struct capstore *s, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->port = port;
	s->nbuckets = 1024;
	s->buckets = malloc(s->nbuckets * sizeof(*s->buckets));
	if (!s->buckets)
		return -ENOMEM;
	memset(s->buckets, 0xff, s->nbuckets * sizeof(*s->buckets));
	return 0;
}

void capstore_clear(struct capstore *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->conns[i].pkts);
	free(s->conns);
	free(s->buckets);
	memset(s, 0, sizeof(*s));
}

static uint32_t *bucket_of(const struct capstore *s, const struct diag_tuple *t)
{
	return &s->buckets[tl_tuple_hash(t) & (s->nbuckets - 1)];
}

const struct cap_conn *capstore_find(const struct capstore *s, const struct diag_tuple *t)
{
	if (!s->buckets)
		return NULL;
	for (uint32_t i = *bucket_of(s, t); i != NO_CONN; i = s->conns[i].next)
		if (tl_tuple_eq(&s->conns[i].tuple, t))
			return &s->conns[i];
	return NULL;
}

/* Doubles the buckets once the chains would average more than one connection. */
static int rehash(struct capstore *s)
{
	uint32_t *b = malloc(2 * s->nbuckets * sizeof(*b));

	if (!b)
		return -ENOMEM;
	free(s->buckets);
	s->buckets = b;
	s->nbuckets *= 2;
	memset(b, 0xff, s->nbuckets * sizeof(*b));
	for (size_t i = 0; i < s->n; i++) {
		uint32_t *head = bucket_of(s, &s->conns[i].tuple);

		s->conns[i].next = *head;
		*head = (uint32_t)i;
	}
	return 0;
}

static struct cap_conn *conn_get(struct capstore *s, const struct diag_tuple *t)
{
	struct cap_conn *c = (struct cap_conn *)capstore_find(s, t);
	uint32_t *head;

	if (c)
		return c;
	if (s->n + 1 > s->nbuckets && rehash(s))
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		void *p = realloc(s->conns, cap * sizeof(*s->conns));

		if (!p)
			return NULL;
		s->conns = p;
		s->cap = cap;
	}
	c = &s->conns[s->n];
	memset(c, 0, sizeof(*c));
	c->tuple = *t;
	head = bucket_of(s, t);
	c->next = *head;
	*head = (uint32_t)s->n++;
	return c;
}

/* Where segment number `k` (0-based) of c goes, or -1 when it is not kept. */
static long slot_of(uint64_t k)
{
	if (k < CAP_KEEP_HEAD)
		return (long)k;
	return CAP_KEEP_HEAD + (long)((k - CAP_KEEP_HEAD) % CAP_KEEP_TAIL);
}

int capstore_add(struct capstore *s, const struct diag_tuple *tuple, const struct pkt_hdr *h,
		 int64_t t)
{
	struct cap_conn *c = conn_get(s, tuple);
	long slot;

	if (!c)
		return -ENOMEM;
	slot = slot_of(c->total);
	if ((uint32_t)slot >= c->alloc) {
		uint32_t n = c->alloc ? 2 * c->alloc : 8;
		void *p;

		if (n > CAP_KEEP)
			n = CAP_KEEP;
		if (!(p = realloc(c->pkts, n * sizeof(*c->pkts))))
			return -ENOMEM;
		c->pkts = p;
		c->alloc = n;
	}
	c->pkts[slot] = (struct cap_pkt){ .t = t, .len = h->len, .flags = h->flags,
					  .dir = (uint8_t)h->dir };
	c->pkts[slot].kind = (uint8_t)pkt_classify(&c->flow, h);
	if (!c->t_fin_acked && c->flow.side[PKT_OUT].fin_acked)
		c->t_fin_acked = t;
	c->total++;
	s->segments++;
	return 0;
}

size_t cap_conn_kept(const struct cap_conn *c)
{
	return c->total < CAP_KEEP ? (size_t)c->total : CAP_KEEP;
}

uint64_t cap_conn_omitted(const struct cap_conn *c)
{
	return c->total - cap_conn_kept(c);
}

const struct cap_pkt *cap_conn_pkt(const struct cap_conn *c, size_t i)
{
	uint64_t k = i;

	/* Past the head, the kept ones are the last CAP_KEEP_TAIL segments. */
	if (i >= CAP_KEEP_HEAD && c->total > CAP_KEEP)
		k = c->total - CAP_KEEP + i;
	return &c->pkts[slot_of(k)];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The IP header at ip: the addresses into a tuple with src as the local end (swapped
 * later for segments towards the server), the TCP header's offset and the IP payload's
 * length. Returns false when it is not TCP or is cut short. */
static bool parse_ip(const uint8_t *ip, size_t caplen, uint16_t ethertype,
		     struct diag_tuple *t, size_t *tcp_off, size_t *ip_payload)
{
	memset(t, 0, sizeof(*t));
	if (ethertype == ETHERTYPE_IPV4 && caplen >= 20 && ip[0] >> 4 == 4) {
		size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = be16(ip + 2);

		if (ip[9] != IPPROTO_TCP_ || ihl < 20 || tot < ihl)
			return false;
		t->family = AF_INET;
		memcpy(t->laddr, ip + 12, 4);
		memcpy(t->raddr, ip + 16, 4);
		*tcp_off = ihl;
		*ip_payload = tot - ihl;
		return true;
	}
	if (ethertype == ETHERTYPE_IPV6 && caplen >= 40 && ip[0] >> 4 == 6) {
		if (ip[6] != IPPROTO_TCP_)
			return false; /* extension headers: not from finwait's endpoints */
		t->family = AF_INET6;
		memcpy(t->laddr, ip + 8, 16);
		memcpy(t->raddr, ip + 24, 16);
		*tcp_off = 40;
		*ip_payload = be16(ip + 4);
		return true;
	}
	return false;
}

int capstore_add_frame(struct capstore *s, const uint8_t *frame, size_t caplen, int64_t t)
{
	struct diag_tuple tu;
	struct pkt_hdr h = { 0 };
	size_t off, payload, doff;
	const uint8_t *tcp;
	uint16_t sport, dport;

	if (caplen < ETH_HLEN ||
	    !parse_ip(frame + ETH_HLEN, caplen - ETH_HLEN, be16(frame + 12), &tu, &off, &payload))
		goto unparsed;
	if (caplen < ETH_HLEN + off + 20)
		goto unparsed;
	tcp = frame + ETH_HLEN + off;
	sport = be16(tcp);
	dport = be16(tcp + 2);
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || payload < doff || (sport != s->port && dport != s->port))
		goto unparsed;
	h.seq = be32(tcp + 4);
	h.ack = be32(tcp + 8);
	h.flags = tcp[13];
	h.win = be16(tcp + 14);
	h.len = (uint32_t)(payload - doff);
	h.dir = sport == s->port ? PKT_OUT : PKT_IN;
	tu.lport = sport;
	tu.rport = dport;
	if (h.dir == PKT_IN) {
		uint8_t a[16];

		memcpy(a, tu.laddr, 16);
		memcpy(tu.laddr, tu.raddr, 16);
		memcpy(tu.raddr, a, 16);
		tu.lport = dport;
		tu.rport = sport;
	}
	return capstore_add(s, &tu, &h, t);
unparsed:
	s->unparsed++;
	return 0;
}
