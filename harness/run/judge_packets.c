/* judge_packets: the packets as a second witness (see judge.h). sock_diag says which
 * state a socket was in between two samples; the capture says when each segment left
 * or reached the server's link. Where a kernel rule ties the two, they must agree
 * (docs/KERNEL.md, "Packets as a witness"):
 * - FIN_WAIT2 begins when the client's ACK of the server's FIN arrives;
 * - keepalive probes go out at keepidle after the last segment received, then every
 *   keepintvl (tcp_keepalive_timer()), with the socket's options as the model reads them;
 * - an RST the server sends in FIN_WAIT2 (keepalive or user-timeout death, an orphan
 *   reset) ends it;
 * - the FIN's retransmissions follow the RTO the sampler read before the FIN, doubling,
 *   capped at rto_max (tcp_retransmit_timer()); the first may be a tail loss probe.
 * Times: a segment is stamped before TCP handles it (received: when it is queued to the
 * backlog; sent: as it passes the link), so a state change never comes before the
 * segment that causes it, up to the clock mapping's error (PKT_CLOCK_NS). It may come
 * later: a received segment may wait in the backlog (the model's latency allowance), and
 * the RST of a death goes out just before the socket is done (the same softirq:
 * PKT_SLACK_NS). */
#include "judge.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capstore.h"
#include "diag.h"
#include "util.h"

#define PKT_CLOCK_NS (10 * NSEC_PER_USEC)
/* The least time a neighbour entry stays REACHABLE after the peer was last heard from
 * (base_reachable_time 30 s, drawn in 15..45 s): later, towards a client host that drops
 * everything (finwait's vanish), ARP fails, segments wait in the neighbour queue or are
 * dropped, and its ICMP reverts a backoff (KERNEL.md rule 22): no segment sent later
 * than this after the last one received is timed. */
#define PKT_NEIGH_NS (15 * NSEC_PER_SEC)
#define PKT_SLACK_NS (1 * NSEC_PER_MSEC)
#define RTX_MAX 32

/* What one connection's checks share. */
struct pkt_judge {
	const struct model_env *menv;
	const struct cell_outcome *out;
	const struct tl_conn *c;
	const struct cap_conn *cc;
	struct model_facts f;
	char *why;
	size_t len;
};

void judge_pkt_narrow_fw2(const struct cell_outcome *out, const struct tl_conn *c,
			  int64_t *e_lo, int64_t *e_hi)
{
	const struct capstore *st = out ? out->packets : NULL;
	const struct cap_conn *cc = st ? capstore_find(st, &c->tuple) : NULL;
	int64_t t;

	if (!cc || !cc->t_fin_acked || *e_lo == TL_NINF)
		return;
	t = cc->t_fin_acked - PKT_CLOCK_NS;
	/* Only an agreeing ACK narrows; a disagreeing one fails in judge_packets(). */
	if (t > *e_lo && t <= *e_hi)
		*e_lo = t;
}

/* The timer wheel's worst lateness for a timer of t, at the kernel's HZ or any. */
static int64_t late(const struct model_env *m, int64_t t)
{
	static const int hzs[] = { 100, 250, 300, 1000 };
	int64_t worst = 0;

	if (m->hz > 0)
		return model_timer_late(t, m->hz);
	for (size_t i = 0; i < ARRAY_SIZE(hzs); i++)
		if (model_timer_late(t, hzs[i]) > worst)
			worst = model_timer_late(t, hzs[i]);
	return worst;
}

static int64_t jiffy(const struct model_env *m)
{
	return NSEC_PER_SEC / (m->hz > 0 ? m->hz : 100);
}

static __attribute__((format(printf, 2, 3)))
bool disagree(struct pkt_judge *j, const char *fmt, ...)
{
	char local[64], remote[64], msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(j->why, j->len, "%s -> %s: sock_diag and packets disagree: %s",
		 diag_tuple_format_end(&j->c->tuple, 0, local, sizeof(local)),
		 diag_tuple_format_end(&j->c->tuple, 1, remote, sizeof(remote)), msg);
	return false;
}

static double rel(const struct pkt_judge *j, int64_t t)
{
	return ns_to_s(t - j->out->t_start);
}

/* FIN_WAIT2 begins when the ACK of the FIN arrives. */
static bool check_fw2_entry(struct pkt_judge *j)
{
	int vi = judge_last_visit(j->c, DIAG_FIN_WAIT2);
	const struct tl_visit *v;
	int64_t t = j->cc->t_fin_acked;

	if (vi < 0)
		return true;
	v = &j->c->visits[vi];
	if (!t)
		return cap_conn_omitted(j->cc) ? true :
		       disagree(j, "sock_diag saw FIN_WAIT2 entered in %.6f..%.6f s; the packets "
				"show no ACK of the server's FIN", rel(j, v->entered_lo),
				rel(j, v->entered_hi));
	if (v->entered_lo == TL_NINF)
		return true;
	if (t > v->entered_hi + PKT_CLOCK_NS ||
	    t < v->entered_lo - j->menv->latency_ns - PKT_SLACK_NS)
		return disagree(j, "sock_diag saw FIN_WAIT2 entered in %.6f..%.6f s; the packets "
				"show the ACK of the FIN at %.6f s", rel(j, v->entered_lo),
				rel(j, v->entered_hi), rel(j, t));
	return true;
}

/* Keepalive probes at max(previous probe + keepintvl, last segment received + keepidle):
 * unanswered, every keepintvl; answered, keepidle after the answer. */
static bool check_keepalive(struct pkt_judge *j)
{
	const struct model_facts *f = &j->f;
	int64_t last_in = 0, prev = 0, slack_late;
	size_t n = cap_conn_kept(j->cc);

	slack_late = 2 * late(j->menv, f->idle_ns > f->intvl_ns ? f->idle_ns : f->intvl_ns) +
		     j->menv->latency_ns + PKT_SLACK_NS;
	for (size_t i = 0; i < n; i++) {
		const struct cap_pkt *p = cap_conn_pkt(j->cc, i);
		int64_t base;

		if (i == CAP_KEEP_HEAD && cap_conn_omitted(j->cc))
			return true; /* what came between is unknown */
		if (p->dir == PKT_IN) {
			last_in = p->t;
			continue;
		}
		if (p->kind != PK_KEEPALIVE_PROBE)
			continue;
		if (p->t > last_in + PKT_NEIGH_NS)
			return true;
		if (!f->keepalive)
			return disagree(j, "a keepalive probe went out at %.6f s; the socket's "
					"options (%s) say SO_KEEPALIVE is off", rel(j, p->t),
					f->source);
		base = last_in + f->idle_ns;
		if (prev && prev + f->intvl_ns > base)
			base = prev + f->intvl_ns;
		if (p->t < base - jiffy(j->menv) - PKT_CLOCK_NS || p->t > base + slack_late)
			return disagree(j, "a keepalive probe went out at %.6f s; keepidle %.3f s "
					"and keepintvl %.3f s from the socket's options put it at "
					"%.6f s (after the last segment received, or the probe before)",
					rel(j, p->t), ns_to_s(f->idle_ns), ns_to_s(f->intvl_ns),
					rel(j, base));
		prev = p->t;
	}
	return true;
}

/* An RST the server sends in FIN_WAIT2 ends it: the first one after FIN_WAIT2 began
 * falls where sock_diag saw FIN_WAIT2 end. */
static bool check_rst(struct pkt_judge *j)
{
	int vi = judge_last_visit(j->c, DIAG_FIN_WAIT2);
	const struct tl_visit *v;
	size_t n = cap_conn_kept(j->cc);
	int64_t last_in = 0;

	if (vi < 0)
		return true;
	v = &j->c->visits[vi];
	for (size_t i = 0; i < n; i++) {
		const struct cap_pkt *p = cap_conn_pkt(j->cc, i);

		if (p->dir == PKT_IN)
			last_in = p->t;
		if (p->dir != PKT_OUT || p->kind != PK_RST || p->t < v->entered_lo)
			continue;
		/* It may have waited for the neighbour: it can only be late. */
		if (v->left_lo > last_in + PKT_NEIGH_NS)
			return p->t >= v->left_lo - PKT_SLACK_NS ? true :
			       disagree(j, "the server sent an RST at %.6f s; sock_diag still saw "
					"the socket in FIN_WAIT2 at %.6f s", rel(j, p->t),
					rel(j, v->left_lo));
		if (v->left_hi == TL_INF && p->t < v->left_lo - PKT_SLACK_NS)
			return disagree(j, "the server sent an RST at %.6f s; sock_diag still saw "
					"the socket in FIN_WAIT2 at %.6f s", rel(j, p->t),
					rel(j, v->left_lo));
		if (v->left_hi != TL_INF && (p->t < v->left_lo - PKT_SLACK_NS ||
					     p->t > v->left_hi + PKT_CLOCK_NS))
			return disagree(j, "the server sent an RST at %.6f s; sock_diag saw "
					"FIN_WAIT2 end in %.6f..%.6f s", rel(j, p->t),
					rel(j, v->left_lo), rel(j, v->left_hi));
		return true;
	}
	return true;
}

/* The RTO the sampler read before the server's FIN (its ESTABLISHED or CLOSE_WAIT
 * phases: later ones show it backed off), widened as the model widens it; else the
 * facts' range. False when that reading cannot be the FIN's: 1 s or more is
 * TCP_TIMEOUT_INIT, or TCP_TIMEOUT_FALLBACK (3 s) after a retransmitted SYN-ACK, before
 * any RTT sample (tcp_init_transfer()), or a backoff of data retransmitted before the
 * FIN (rule 27, not modelled): the RTT sample that sets the FIN's RTO came after it. */
static bool base_rto(const struct pkt_judge *j, int64_t *lo, int64_t *hi)
{
	struct tl_phase ph[TL_PHASES_MAX];
	struct model_facts g = j->f;
	uint32_t rlo = 0, rhi = 0;

	for (size_t v = 0; v < j->c->nvisits; v++) {
		int s = j->c->visits[v].state;
		size_t n = s == DIAG_ESTABLISHED || s == DIAG_CLOSE_WAIT ?
			   tl_visit_phases(j->c, v, ph) : 0;

		for (size_t k = 0; k < n; k++) {
			if (ph[k].rto_us && (!rlo || ph[k].rto_us < rlo))
				rlo = ph[k].rto_us;
			if (ph[k].rto_us > rhi)
				rhi = ph[k].rto_us;
		}
	}
	model_facts_rto(&g, (int64_t)rlo * NSEC_PER_USEC, (int64_t)rhi * NSEC_PER_USEC);
	*lo = g.rto_lo_ns;
	*hi = g.rto_hi_ns;
	return *lo < NSEC_PER_SEC;
}

static int64_t backed_off(int64_t r, int k, int64_t cap)
{
	while (k-- > 0 && r < cap)
		r *= 2;
	return r < cap ? r : cap;
}

/* The first of the n gaps between the FIN's transmissions that does not fit the RTO
 * doubling from r_lo..r_hi (tlp: the first is a tail loss probe, at most one RTO, and
 * the doubling starts after it), or -1 when all fit; *lo and *hi get its window. */
static int misfit(const struct pkt_judge *j, const int64_t *gap, int n, bool tlp,
		  int64_t r_lo, int64_t r_hi, int64_t *lo, int64_t *hi)
{
	int64_t cap = j->f.rto_max_ns > 0 ? j->f.rto_max_ns : 120 * NSEC_PER_SEC;

	for (int i = 0; i < n; i++) {
		int k = i - tlp;

		*lo = k < 0 ? 0 : backed_off(r_lo, k, cap) - jiffy(j->menv) - PKT_CLOCK_NS;
		*hi = backed_off(r_hi, k < 0 ? 0 : k, cap);
		*hi += late(j->menv, *hi) + j->menv->latency_ns + PKT_SLACK_NS;
		/* TCP_USER_TIMEOUT shortens the last timer to what is left of it. */
		if (i == n - 1 && j->f.user_timeout_ns)
			*lo = 0;
		if (gap[i] < *lo || gap[i] > *hi)
			return i;
	}
	return -1;
}

/* The FIN's retransmissions follow the RTO: r, 2r, 4r, ... capped at rto_max, or a tail
 * loss probe first, then r, 2r, ... */
static bool check_fin_rtx(struct pkt_judge *j)
{
	int64_t t[RTX_MAX + 1], gap[RTX_MAX], r_lo, r_hi, lo, hi;
	size_t kept = cap_conn_kept(j->cc);
	int n = 0, bad;
	char list[160] = "";
	int64_t last_in = 0;

	for (size_t i = 0; i < kept && n <= RTX_MAX; i++) {
		const struct cap_pkt *p = cap_conn_pkt(j->cc, i);

		if (i == CAP_KEEP_HEAD && cap_conn_omitted(j->cc))
			break;
		if (p->dir == PKT_IN)
			last_in = p->t;
		/* Data retransmitted before the FIN: its backoff and the RTO sock_diag read
		 * are not the FIN's (rule 27, not modelled). */
		if (p->dir == PKT_OUT && p->kind == PK_RETRANSMIT && !(p->flags & PKT_FIN) && !n)
			return true;
		if (p->dir == PKT_OUT && (p->flags & PKT_FIN) && p->t > last_in + PKT_NEIGH_NS)
			break;
		if (p->dir == PKT_OUT && (p->flags & PKT_FIN) &&
		    (!j->cc->t_fin_acked || p->t < j->cc->t_fin_acked))
			t[n++] = p->t;
	}
	if (n < 2)
		return true;
	for (int i = 0; i + 1 < n; i++) {
		size_t o = strlen(list);

		gap[i] = t[i + 1] - t[i];
		snprintf(list + o, sizeof(list) - o, "%s%.3f", i ? ", " : "", ns_to_s(gap[i]));
	}
	if (!base_rto(j, &r_lo, &r_hi))
		return true;
	if (misfit(j, gap, n - 1, false, r_lo, r_hi, &lo, &hi) < 0 ||
	    misfit(j, gap, n - 1, true, r_lo, r_hi, &lo, &hi) < 0)
		return true;
	bad = misfit(j, gap, n - 1, false, r_lo, r_hi, &lo, &hi);
	return disagree(j, "the FIN went out again after %s s; the RTO sock_diag read "
			"(%.3f..%.3f s) doubling puts retransmission %d %.3f..%.3f s after the "
			"one before (or a tail loss probe first)", list, ns_to_s(r_lo),
			ns_to_s(r_hi), bad + 1, ns_to_s(lo), ns_to_s(hi));
}

bool judge_packets(const struct model_env *menv, const struct cell_outcome *out,
		   const struct model_facts *declared, char *why, size_t len)
{
	const struct capstore *st = out->packets;
	const struct timeline *tl = out->tl;
	size_t slots = tl && st ? timeline_conn_count(tl) : 0;

	for (size_t i = 0; i < slots; i++) {
		struct pkt_judge j = { menv, out, timeline_conn(tl, i), NULL, { 0 },
				       why, len };
		const struct cell_owner *who;

		if (!j.c)
			continue;
		if (!(j.cc = capstore_find(st, &j.c->tuple)))
			return disagree(&j, "sock_diag saw the connection; the capture has no "
					"segment of it");
		judge_conn_facts(declared, out, j.c, &j.f, &who);
		if (!check_fw2_entry(&j) || !check_keepalive(&j) || !check_rst(&j) ||
		    !check_fin_rtx(&j))
			return false;
	}
	return true;
}
