#include "diag.h"
#include "nlerr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "util.h"

/* The kernel builds dump skbs of at most 32 KiB (netlink_recvmsg() caps max_recvmsg_len),
 * so one buffer of 64 KiB always holds a whole datagram and no MSG_PEEK pass is needed. */
#define DIAG_RECV_BUF (64 * 1024)

struct diag {
	struct nl_sock *sk;
	struct nl_msg *req[2]; /* prebuilt dump requests: [0] IPv4, [1] IPv6 (NULL: not asked) */
	struct diag_sock *socks;
	size_t n, cap;
	uint32_t states; /* the states asked for */
	int info; /* INET_DIAG_INFO asked for */
	int err; /* first error seen by the callback during one dump */
};

static void copy_addr(uint8_t dst[16], const __be32 src[4], int family)
{
	memset(dst, 0, 16);
	memcpy(dst, src, family == AF_INET ? 4 : 16);
}

/* The prefix of struct tcp_info that holds the fields kept (tcpi_rtt is the last). */
#define TCP_INFO_KEPT (offsetof(struct tcp_info, tcpi_rtt) + sizeof(uint32_t))

/* Fills s's tcp_info fields from the record's INET_DIAG_INFO attribute, when it has one:
 * only full sockets do (tcp_diag_get_info()); a shorter attribute (an older kernel)
 * leaves the fields it lacks at 0. */
static void parse_info(struct diag_sock *s, const struct nlmsghdr *nlh)
{
	const int hdr = (int)sizeof(struct inet_diag_msg);
	const struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, nlh, hdr, rem) {
		struct tcp_info ti;
		size_t len = (size_t)nla_len(a);

		if (nla_type(a) != INET_DIAG_INFO)
			continue;
		memset(&ti, 0, TCP_INFO_KEPT);
		memcpy(&ti, nla_data(a), len < TCP_INFO_KEPT ? len : TCP_INFO_KEPT);
		s->probes = ti.tcpi_probes;
		s->backoff = ti.tcpi_backoff;
		s->rto_us = ti.tcpi_rto;
		s->rtt_us = ti.tcpi_rtt;
		return;
	}
}

/* Appends one SOCK_DIAG_BY_FAMILY reply to d->socks. */
static void parse_one(struct diag *d, const struct nlmsghdr *nlh)
{
	const struct inet_diag_msg *r;
	struct diag_sock *s;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return;
	if (nlmsg_datalen(nlh) < (int)sizeof(*r)) {
		if (!d->err)
			d->err = -EPROTO;
		return;
	}
	r = nlmsg_data(nlh);
	if (r->idiag_family != AF_INET && r->idiag_family != AF_INET6)
		return;
	/* A torn record: inet_diag tests the state mask, then fills the record; a socket
	 * closed in between (tcp_done() while it becomes a timewait minisocket) comes back
	 * as CLOSE with its port already released. It is in none of the asked states. */
	if (r->idiag_state >= 32 || !(d->states & (1u << r->idiag_state)))
		return;
	if (d->n == d->cap) {
		/* Grows only when a dump is larger than any before: amortised, not per dump.
		 * On failure, skip the rest but read the dump to its end so the socket stays
		 * in step. */
		size_t cap = d->cap ? d->cap * 2 : 256;
		struct diag_sock *p = realloc(d->socks, cap * sizeof(*p));
		if (!p) {
			if (!d->err)
				d->err = -ENOMEM;
			return;
		}
		d->socks = p;
		d->cap = cap;
	}
	s = &d->socks[d->n++];
	memset(s, 0, sizeof(*s));
	s->tuple.family = r->idiag_family;
	s->tuple.lport = ntohs(r->id.idiag_sport);
	s->tuple.rport = ntohs(r->id.idiag_dport);
	copy_addr(s->tuple.laddr, r->id.idiag_src, r->idiag_family);
	copy_addr(s->tuple.raddr, r->id.idiag_dst, r->idiag_family);
	s->state = r->idiag_state;
	s->timer = r->idiag_timer;
	s->retrans = r->idiag_retrans;
	s->expires_ms = r->idiag_expires;
	s->cookie = (uint64_t)r->id.idiag_cookie[0] | (uint64_t)r->id.idiag_cookie[1] << 32;
	s->uid = r->idiag_uid;
	s->inode = r->idiag_inode;
	s->ifindex = r->id.idiag_if;
	if (d->info)
		parse_info(s, nlh);
}

/* Reads one dump to its end. nl_recv() hands over whole datagrams (one buffer each, up to
 * ~370 sockets); the messages are parsed in place with nlmsg_ok()/nlmsg_next(). This is
 * what nl_recvmsgs() would do, without its copy of every message into a freshly
 * allocated nl_msg: at 10 000 sockets that copy was a large share of a dump. */
static int recv_dump(struct diag *d, uint32_t seq)
{
	for (;;) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int len = nl_recv(d->sk, &peer, &buf, NULL), ret = 0, done = 0;

		if (len <= 0) {
			free(buf);
			return len == 0 ? -EPROTO : nlerr_to_errno(len);
		}
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq)
				continue; /* a leftover of an earlier, interrupted request */
			if (h->nlmsg_type == NLMSG_DONE) {
				/* inet_diag puts the dump's status (0 or -errno) in NLMSG_DONE. */
				if (nlmsg_datalen(h) >= (int)sizeof(int))
					memcpy(&ret, nlmsg_data(h), sizeof(int));
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = nlmsg_data(h);
				ret = nlmsg_datalen(h) >= (int)sizeof(*e) ? e->error : -EPROTO;
				done = 1;
				break;
			}
			parse_one(d, h);
		}
		free(buf);
		if (done)
			return ret > 0 ? -ret : ret;
	}
}

int diag_open(int netns_fd, struct diag **out)
{
	struct diag *d = NULL;
	int self = -1, ret, back;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (netns_fd >= 0) {
		/* setns() moves only this thread; the socket keeps the namespace it was made in. */
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0) {
			ret = -errno;
			goto out;
		}
		if (setns(netns_fd, CLONE_NEWNET) < 0) {
			ret = -errno;
			goto out;
		}
	}
	ret = -ENOMEM;
	d->sk = nl_socket_alloc();
	if (d->sk) {
		ret = nlerr_to_errno(nl_connect(d->sk, NETLINK_SOCK_DIAG));
		if (!ret) {
			nl_socket_disable_auto_ack(d->sk);
			nl_socket_disable_msg_peek(d->sk);
			nl_socket_set_msg_buf_size(d->sk, DIAG_RECV_BUF);
		}
	}
	if (self >= 0 && setns(self, CLONE_NEWNET) < 0) {
		back = -errno;
		ret = ret ? ret : back;
	}
	if (!ret) {
		struct diag_filter f = { 0 };
		ret = diag_set_filter(d, &f);
	}
out:
	if (self >= 0)
		close(self);
	if (ret) {
		diag_close(d);
		return ret;
	}
	*out = d;
	return 0;
}

void diag_close(struct diag *d)
{
	if (!d)
		return;
	nlmsg_free(d->req[0]);
	nlmsg_free(d->req[1]);
	nl_socket_free(d->sk);
	free(d->socks);
	free(d);
}

/* Writes one port comparison (op + operand: 8 bytes) at ops[at]. The kernel audits the
 * program along the "yes" jumps (inet_diag_bc_audit(), valid_cc()), so "yes" always goes
 * to the next op and only "no" may jump; inet_diag_bc_run() accepts iff it lands exactly
 * on the end. */
static void bc_port(struct inet_diag_bc_op *ops, size_t at, int code, uint16_t port,
		    uint16_t yes, uint16_t no)
{
	ops[at].code = (uint8_t)code;
	ops[at].yes = yes;
	ops[at].no = no;
	ops[at + 1].code = 0;
	ops[at + 1].yes = 0;
	ops[at + 1].no = port; /* the operand travels in .no (valid_port_comparison()) */
}

/* Fills ops with the program for f's ports; returns its length in ops (0: no filter). */
static size_t bc_build(struct inet_diag_bc_op *ops, const struct diag_filter *f)
{
	const uint16_t op = sizeof(*ops);

	if (f->either_port && f->lport) {
		/* sport == P ? accept : (dport == P ? accept : reject):
		 * [S_EQ P] yes -> JMP, no -> D_EQ; [JMP] always "no" -> end; [D_EQ P]. */
		bc_port(ops, 0, INET_DIAG_BC_S_EQ, f->lport, 2 * op, 3 * op);
		ops[2].code = INET_DIAG_BC_JMP;
		ops[2].yes = op;
		ops[2].no = 3 * op;
		bc_port(ops, 3, INET_DIAG_BC_D_EQ, f->lport, 2 * op, 3 * op);
		return 5;
	}
	if (f->lport && f->rport) {
		/* Both: each failure jumps past the end (reject). */
		bc_port(ops, 0, INET_DIAG_BC_S_EQ, f->lport, 2 * op, 5 * op);
		bc_port(ops, 2, INET_DIAG_BC_D_EQ, f->rport, 2 * op, 3 * op);
		return 4;
	}
	if (f->lport || f->rport) {
		bc_port(ops, 0, f->lport ? INET_DIAG_BC_S_EQ : INET_DIAG_BC_D_EQ,
			f->lport ? f->lport : f->rport, 2 * op, 3 * op);
		return 2;
	}
	return 0;
}

static struct nl_msg *build_req(int family, const struct diag_filter *f)
{
	struct inet_diag_req_v2 req;
	struct inet_diag_bc_op ops[5];
	size_t nops = bc_build(ops, f);
	struct nl_msg *msg;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = (uint8_t)family;
	req.sdiag_protocol = IPPROTO_TCP;
	req.idiag_states = f->states ? f->states : DIAG_TRACKED_STATES;
	if (!f->no_info)
		req.idiag_ext = 1u << (INET_DIAG_INFO - 1);

	msg = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP);
	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &req, sizeof(req), NLMSG_ALIGNTO) < 0)
		goto fail;
	if (nops && nla_put(msg, INET_DIAG_REQ_BYTECODE, (int)(nops * sizeof(ops[0])), ops) < 0)
		goto fail;
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

int diag_set_filter(struct diag *d, const struct diag_filter *f)
{
	unsigned fam = f->families ? f->families : DIAG_F_IPV4 | DIAG_F_IPV6;
	struct nl_msg *req[2] = { NULL, NULL };

	if ((fam & ~(DIAG_F_IPV4 | DIAG_F_IPV6)) || (f->either_port && f->rport) ||
	    (f->states & ~((1u << DIAG_NSTATES) - 1)))
		return -EINVAL;
	if (fam & DIAG_F_IPV4)
		req[0] = build_req(AF_INET, f);
	if (fam & DIAG_F_IPV6)
		req[1] = build_req(AF_INET6, f);
	if (((fam & DIAG_F_IPV4) && !req[0]) || ((fam & DIAG_F_IPV6) && !req[1])) {
		nlmsg_free(req[0]);
		nlmsg_free(req[1]);
		return -ENOMEM;
	}
	nlmsg_free(d->req[0]);
	nlmsg_free(d->req[1]);
	d->req[0] = req[0];
	d->req[1] = req[1];
	d->states = f->states ? f->states : DIAG_TRACKED_STATES;
	d->info = !f->no_info;
	return 0;
}

int diag_dump(struct diag *d, const struct diag_sock **socks, size_t *n)
{
	int i, ret = 0;

	d->n = 0;
	d->err = 0;
	for (i = 0; i < 2 && !ret; i++) {
		struct nlmsghdr *h;

		if (!d->req[i])
			continue;
		/* The request is reused: let nl_send_auto() stamp a fresh sequence number. */
		h = nlmsg_hdr(d->req[i]);
		h->nlmsg_seq = NL_AUTO_SEQ;
		h->nlmsg_pid = NL_AUTO_PORT;
		ret = nl_send_auto(d->sk, d->req[i]);
		if (ret < 0) {
			ret = nlerr_to_errno(ret);
			break;
		}
		ret = recv_dump(d, h->nlmsg_seq); /* nl_send_auto() stamped it */
	}
	if (!ret)
		ret = d->err;
	*socks = d->socks;
	*n = ret ? 0 : d->n;
	return ret;
}

int diag_destroy_matching(struct diag *d, const struct diag_filter *f, size_t *destroyed)
{
	const struct diag_sock *socks;
	size_t n, i;
	int ret;

	*destroyed = 0;
	ret = diag_set_filter(d, f);
	if (ret)
		return ret;
	ret = diag_dump(d, &socks, &n);
	if (ret || !n)
		return ret;
	/* The acks below are read by nl_wait_for_ack(), not by recv_dump(): the dumped
	 * records stay intact while we walk them. */
	for (i = 0; i < n; i++) {
		const struct diag_sock *s = &socks[i];
		struct inet_diag_req_v2 req;
		struct nl_msg *msg;
		int r;

		memset(&req, 0, sizeof(req));
		req.sdiag_family = s->tuple.family;
		req.sdiag_protocol = IPPROTO_TCP;
		req.idiag_states = DIAG_TRACKED_STATES; /* unused by the exact lookup */
		req.id.idiag_sport = htons(s->tuple.lport);
		req.id.idiag_dport = htons(s->tuple.rport);
		memcpy(req.id.idiag_src, s->tuple.laddr, 16);
		memcpy(req.id.idiag_dst, s->tuple.raddr, 16);
		req.id.idiag_if = s->ifindex;
		req.id.idiag_cookie[0] = (uint32_t)s->cookie;
		req.id.idiag_cookie[1] = (uint32_t)(s->cookie >> 32);
		msg = nlmsg_alloc_simple(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK);
		if (!msg || nlmsg_append(msg, &req, sizeof(req), NLMSG_ALIGNTO) < 0) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		r = nl_send_auto(d->sk, msg);
		nlmsg_free(msg);
		if (r < 0)
			return nlerr_to_errno(r);
		r = nlerr_to_errno(nl_wait_for_ack(d->sk));
		if (r == -ENOENT)
			continue; /* gone between the dump and the request */
		if (r)
			return r;
		(*destroyed)++;
	}
	return 0;
}

static const char *const state_names[DIAG_NSTATES] = {
	[DIAG_ESTABLISHED] = "ESTABLISHED", [DIAG_SYN_SENT] = "SYN_SENT",
	[DIAG_SYN_RECV] = "SYN_RECV",       [DIAG_FIN_WAIT1] = "FIN_WAIT1",
	[DIAG_FIN_WAIT2] = "FIN_WAIT2",     [DIAG_TIME_WAIT] = "TIME_WAIT",
	[DIAG_CLOSE] = "CLOSE",             [DIAG_CLOSE_WAIT] = "CLOSE_WAIT",
	[DIAG_LAST_ACK] = "LAST_ACK",       [DIAG_LISTEN] = "LISTEN",
	[DIAG_CLOSING] = "CLOSING",
};

const char *diag_timer_name(int timer)
{
	static const char *const names[] = {
		[DIAG_TIMER_NONE] = "none",	      [DIAG_TIMER_RETRANS] = "retransmit",
		[DIAG_TIMER_KEEPALIVE] = "keepalive", [DIAG_TIMER_TIMEWAIT] = "timewait",
		[DIAG_TIMER_PROBE0] = "probe",
	};

	if (timer < 0 || timer >= (int)ARRAY_SIZE(names))
		return "?";
	return names[timer];
}

const char *diag_state_name(int state)
{
	if (state <= 0 || state >= DIAG_NSTATES || !state_names[state])
		return "?";
	return state_names[state];
}

/* Compares ignoring case and the characters '-' and '_' ("fin-wait-2" == "FIN_WAIT2"). */
static int name_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-' || *a == '_')
			a++;
		while (*b == '-' || *b == '_')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

int diag_state_parse(const char *name)
{
	int i;

	if (!name)
		return -EINVAL;
	for (i = 1; i < DIAG_NSTATES; i++)
		if (state_names[i] && name_eq(name, state_names[i]))
			return i;
	return -EINVAL;
}

char *diag_tuple_format_end(const struct diag_tuple *t, int remote, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	const uint8_t *addr = remote ? t->raddr : t->laddr;
	unsigned port = remote ? t->rport : t->lport;

	if (!inet_ntop(t->family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (t->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
	return buf;
}
