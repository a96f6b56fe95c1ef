/* states: how long the server's socket stays in FIN_WAIT1, TIME_WAIT, CLOSE_WAIT and
 * LAST_ACK, from a cell's declarations and facts (docs/KERNEL.md, rules 21-26; each rule
 * cites the kernel function behind it). Pure.
 *
 * FIN_WAIT1 is simulated, not looked up: the retransmission timer (tcp_retransmit_timer(),
 * tcp_write_timeout(), retransmits_timed_out()) or the zero-window probe timer
 * (tcp_probe_timer(), tcp_send_probe0()) fires, checks its budget, backs off. In front of
 * finwait's vanished client (its host drops everything, the server's link stays up) the
 * FIN leaves and is lost, a tail loss probe follows, then the RTO timer; once the
 * neighbour entry is no longer reachable and its probes fail, every packet the server
 * sends waits in an unresolved entry until ARP gives up, which answers with an ICMP host
 * unreachable (tcp_v4_err(): a soft error, and tcp_ld_RTO_revert() undoes one backoff).
 * The simulation runs over a grid of the uncertain inputs (the RTO, when the zero window
 * began, the probe's delay, timer lateness, the neighbour's reachable time and failure
 * time) and the prediction is the range it spans. */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model_priv.h"
#include "util.h"

/* TCP_TIMEWAIT_LEN (include/net/tcp.h). */
#define TW_LEN_NS (60 * NSEC_PER_SEC)
/* TCP_RTO_MIN: the rto_base of tcp_model_timeout(), whatever the socket's own RTO. */
#define RTO_BASE_NS (200 * NSEC_PER_MSEC)
/* A neighbour that never answers fails after 3 probes retrans_time (1 s) apart
 * (neigh_timer_handler()); its queued packets are then dropped with an ICMP host
 * unreachable (neigh_invalidate(), arp_error_report()). Each of the 3 timers may be late
 * (the wheel, softirq latency): measured 3.05-3.09 s a cycle, and once at least 3.16 s (a
 * held socket that died 3.16 s past its budget, checked once a cycle). */
#define NEIGH_FAIL_NS (3 * NSEC_PER_SEC)
#define NEIGH_SLACK_NS (200 * NSEC_PER_MSEC)
/* A neighbour entry stays reachable for reachable_time after its last confirmation,
 * drawn in [base_reachable_time / 2, 3 / 2 x] (neigh_rand_reach_time(); the default base
 * is 30 s); the first transmission after that starts DELAY (delay_first_probe_time 5 s),
 * then PROBE sends ucast_solicit 3 probes retrans_time (1 s) apart, and the entry fails:
 * 8 s. From then on every transmission waits in an unresolved entry (above). The server's
 * FIN confirms the entry (dst_confirm_neigh() at its transmission, after the client's
 * last ACK). */
#define REACH_MIN_NS (15 * NSEC_PER_SEC)
#define REACH_MAX_NS (45 * NSEC_PER_SEC)
#define STALE_FAIL_NS (8 * NSEC_PER_SEC)
/* A response of at most this many bytes fits the receive window of any client that has
 * not read yet; more may fill it (measured: 127-379 KB were taken unread). */
#define RESP_FITS 65536
/* A response of more than this fills it (unread, a client's window stays far below). */
#define RESP_FILLS (1024 * 1024)
/* The zero window, and the persist timer, start within this after the server wrote its
 * whole response (measured: 80-170 ms). */
#define ZW_START_NS (200 * NSEC_PER_MSEC)
/* A server that closes at least this long after the response closes after finwait's
 * vanished client dropped everything (it acts within milliseconds of the client's point). */
#define VANISHED_NS (100 * NSEC_PER_MSEC)
/* TCP_RTO_MIN: a tail loss probe with one packet out comes 2 x srtt + this after it, or
 * at the RTO when that is sooner (tcp_schedule_loss_probe()). */
#define TLP_MIN_NS (200 * NSEC_PER_MSEC)
/* tcp_probe0_when(): the backoff it shifts by is capped at ilog2(TCP_RTO_MAX /
 * TCP_RTO_MIN) + 1. */
#define PROBE0_SHIFT_MAX 10
/* Simulations stop after this many timer events, or this long: "never" past them. */
#define SIM_EVENTS 400
/* The most RTO values a span tries. */
#define RTO_STEPS 16
#define SIM_HORIZON_NS (4 * 3600 * NSEC_PER_SEC)

/* What one retransmission or probe schedule starts from. */
struct sched {
	int64_t rto, rto_max;	/* icsk_rto when it starts; tcp_rto_max() */
	int64_t t_first;	/* the oldest unacked segment was first sent (relative to the
				 * state's start, <= 0); persist: the zero window began */
	bool rtx;		/* a retransmission schedule: the neighbour entry stays
				 * reachable for `reach`, then fails STALE_FAIL_NS after the
				 * next transmission; from then on each transmission waits in a
				 * resolution that fails neigh_ns later with an ICMP, and
				 * retransmissions meanwhile fail with -EBUSY; before, every
				 * transmission leaves the host and is lost */
	int64_t reach, neigh_ns;
	bool router;		/* the next hop is a live router: reachable for ever */
	int64_t tlp;		/* a tail loss probe this long after the first transmission
				 * (it is no retransmission: tcp_send_loss_probe() calls
				 * __tcp_retransmit_skb(), and retrans_stamp stays unset);
				 * the RTO timer is re-armed from it */
	bool orphan;
	long orphan_retries, retries2;
	int64_t user_timeout;
	int hz;
	bool late;		/* add the timer wheel's worst lateness to every timer */
};

/* The end of one simulated schedule. */
struct end {
	bool dies;
	int64_t t;		/* when the socket dies, relative to the state's start */
	int64_t t_early;	/* the least it could be near this point of the grid: the
				 * budget's end (stamp + budget) when a check crossed it, else t
				 * (without the lateness added, when there was no ICMP) */
	int64_t t_late;		/* the most: when an ICMP's check crossed the budget's end after
				 * another ICMP's, that one may have come just short of it (the
				 * neighbour's cycles vary), so the budget's end plus the gap
				 * between the two; else t */
};

/* The running state of a retransmission schedule. */
struct rtx_run {
	int64_t now, next, icmp, stamp, skb_ts, late_sum, rto_cur;
	int64_t fail_at;	/* the neighbour entry has failed (INT64_MAX: not yet) */
	int64_t prev;		/* the previous check */
	bool prev_icmp;		/* it was an ICMP's (its time varies with the neighbour's) */
	int backoff, retransmits;
	bool queued, soft_err, stamped;
};

/* rto << shift, capped at max (inet_csk_rto_backoff(), tcp_probe0_when()). */
static int64_t shifted(int64_t rto, int shift, int64_t max)
{
	return shift >= 40 || rto << shift >= max ? max : rto << shift;
}

static struct end ended(const struct rtx_run *r)
{
	return (struct end){ true, r->now, r->now - r->late_sum, r->now };
}

int64_t model_retries_timeout(long boundary, int64_t rto_max_ns, int hz)
{
	int64_t base = model_jiffies(RTO_BASE_NS, hz), max = model_jiffies(rto_max_ns, hz);
	int64_t j, thresh = 0;

	/* tcp_model_timeout(): linear_backoff_thresh = ilog2(rto_max / rto_base). */
	while (base > 0 && (base << (thresh + 1)) <= max)
		thresh++;
	if (boundary <= thresh)
		j = ((2LL << boundary) - 1) * base;
	else
		j = ((2LL << thresh) - 1) * base + (boundary - thresh) * max;
	return j * NSEC_PER_SEC / hz;
}

/* tcp_orphan_retries(): the sysctl, 0 when an ICMP said the peer is gone and the RTO
 * reached its cap, 8 when it is 0 and the RTO has not. */
static long orphan_retries(long sysctl, bool alive, bool soft_err)
{
	long r = soft_err && !alive ? 0 : sysctl;

	return r == 0 && alive ? 8 : r;
}

static int64_t timer(const struct sched *s, struct rtx_run *r, int64_t interval)
{
	int64_t late = s->late ? model_timer_late(interval, s->hz) : 0;

	r->late_sum += late;
	return r->now + interval + late;
}

/* tcp_write_timeout() at a timer event: expired? *budget_end: stamp + the budget. */
static bool rtx_expired(const struct sched *s, const struct rtx_run *r, int64_t *budget_end)
{
	bool orphan = s->orphan && r->now >= 0;	/* an orphan only once close() was called */
	int64_t budget;

	if (!r->retransmits)
		return false;	/* retransmits_timed_out() wants one retransmission first */
	if (s->user_timeout)
		budget = s->user_timeout;
	else if (orphan)
		budget = model_retries_timeout(orphan_retries(s->orphan_retries,
							      r->rto_cur < s->rto_max, r->soft_err),
					       s->rto_max, s->hz);
	else
		budget = model_retries_timeout(s->retries2, s->rto_max, s->hz);
	*budget_end = r->stamp + budget;
	return r->now - r->stamp >= budget;
}

/* The retransmission at a timer event (tcp_retransmit_timer()): it fails with -EBUSY while
 * the last copy still waits in the neighbour queue (skb_still_in_host_queue()); the
 * first attempt stamps retrans_stamp with the segment's last transmission
 * (tcp_retransmit_skb()); then the RTO doubles up to rto_max, and TCP_USER_TIMEOUT clamps
 * the next timer to what is left of it (tcp_clamp_rto_to_user_timeout()). */
static void rtx_fire(const struct sched *s, struct rtx_run *r)
{
	int64_t interval;

	if (!r->queued) {
		r->skb_ts = r->now;
		if (r->now >= r->fail_at) {
			r->queued = true;
			r->icmp = r->now + s->neigh_ns;
		} else if (r->fail_at == INT64_MAX && r->now >= s->reach) {
			r->fail_at = r->now + STALE_FAIL_NS;
		}
	}
	if (!r->stamped) {
		r->stamp = r->skb_ts;
		r->stamped = true;
	}
	r->retransmits++;
	r->backoff++;
	r->rto_cur = r->rto_cur * 2 < s->rto_max ? r->rto_cur * 2 : s->rto_max;
	interval = r->rto_cur;
	if (s->user_timeout) {
		int64_t left = s->user_timeout - (r->now - r->stamp);

		interval = left <= 0 ? model_jiffy_ns(s->hz) : left < interval ? left : interval;
	}
	r->next = timer(s, r, interval);
}

/* The ICMP host unreachable of a failed neighbour (tcp_v4_err()): a soft error, the
 * queued copy freed, and tcp_ld_RTO_revert(): one backoff undone and the timer re-armed
 * from the last transmission, or fired at once when that is past. Returns true when the
 * timer fires now. */
static bool rtx_icmp(const struct sched *s, struct rtx_run *r)
{
	int64_t remaining;

	r->queued = false;
	r->soft_err = true;
	r->icmp = INT64_MAX;
	if (!r->retransmits || !r->backoff)
		return false;
	r->backoff--;
	r->rto_cur = shifted(s->rto, r->backoff, s->rto_max);
	remaining = r->rto_cur - (r->now - r->skb_ts);
	if (remaining <= 0)
		return true;
	r->next = timer(s, r, remaining);
	return false;
}

/* Simulates a retransmission schedule to the socket's death. */
static struct end simulate_rtx(const struct sched *s)
{
	struct rtx_run r = { .now = s->t_first, .icmp = INT64_MAX, .skb_ts = s->t_first,
			     .rto_cur = s->rto, .fail_at = INT64_MAX };
	int64_t budget_end;

	if (s->tlp)
		r.now = timer(s, &r, s->tlp);
	r.next = timer(s, &r, s->rto);
	for (int i = 0; i < SIM_EVENTS && r.now < SIM_HORIZON_NS; i++) {
		bool fire = r.next <= r.icmp;

		r.now = fire ? r.next : r.icmp;
		if (!fire && !rtx_icmp(s, &r))
			continue;
		if (rtx_expired(s, &r, &budget_end)) {
			struct end e = ended(&r);

			/* A check that crossed the budget's end may come right at it between
			 * two grid points; after an ICMP the lateness is no longer r.late_sum. */
			if (budget_end > r.prev) {
				e.t_early = budget_end;
				if (!fire && r.prev_icmp && budget_end + r.now - r.prev > e.t_late)
					e.t_late = budget_end + r.now - r.prev;
			} else if (r.soft_err) {
				e.t_early = s->late ? e.t : e.t_early;
			}
			return e;
		}
		r.prev = r.now;
		r.prev_icmp = !fire;
		rtx_fire(s, &r);
	}
	return (struct end){ false, 0, 0, 0 };
}

/* Simulates the zero-window probe timer with a live peer, whose kernel answers every
 * probe (so icsk_probes_out is 0 at each check): tcp_probe_timer() ends the socket only
 * by TCP_USER_TIMEOUT (counted from the first probe), or, for an orphan, once the backed-
 * off RTO reached rto_max (!alive) with icsk_backoff >= tcp_orphan_retries. The backoff
 * stops growing at tcp_retries2 (tcp_send_probe0()). */
static struct end simulate_persist(const struct sched *s)
{
	struct rtx_run r = { .now = s->t_first };
	int64_t first = 0, interval = shifted(s->rto, 0, s->rto_max);

	for (int i = 0; i < SIM_EVENTS && r.now < SIM_HORIZON_NS; i++) {
		bool alive;

		r.now = timer(s, &r, interval);
		if (!i)
			first = r.now;	/* icsk_probes_tstamp */
		else if (s->user_timeout && r.now - first >= s->user_timeout)
			return ended(&r);
		alive = shifted(s->rto, r.backoff, s->rto_max) < s->rto_max;
		if (s->orphan && r.now >= 0 && !alive &&
		    r.backoff >= orphan_retries(s->orphan_retries, alive, false))
			return ended(&r);
		if (r.backoff < s->retries2)
			r.backoff++;
		interval = shifted(s->rto, r.backoff < PROBE0_SHIFT_MAX ? r.backoff :
				   PROBE0_SHIFT_MAX, s->rto_max);
		if (s->user_timeout) {
			/* tcp_clamp_probe0_to_user_timeout(), at least TCP_TIMEOUT_MIN. */
			int64_t left = s->user_timeout - (r.now - first);
			int64_t min = 2 * model_jiffy_ns(s->hz);

			left = left > min ? left : min;
			interval = left < interval ? left : interval;
		}
	}
	return (struct end){ false, 0, 0, 0 };
}

/* What the grid of a schedule spanned. */
struct span {
	int64_t lo, hi;	/* least t_early and greatest t of the deaths */
	int dies, lives;
};

static void span_add(struct span *sp, const struct end *e)
{
	if (!e->dies) {
		sp->lives++;
		return;
	}
	sp->dies++;
	sp->lo = e->t_early < sp->lo ? e->t_early : sp->lo;
	sp->hi = e->t_late > sp->hi ? e->t_late : sp->hi;
}

/* A retransmission schedule over the grid of the neighbour (its reachable time, its
 * failure time: 3 s plus up to NEIGH_SLACK_NS) and of the tail loss probe's delay (from
 * TLP_MIN_NS to the RTO). */
static void span_rtx(const struct sched *s, struct span *out)
{
	for (int ia = 0; ia <= 4; ia++)
		for (int in = 0; in <= 4; in++)
			for (int ip = 0; ip <= 1; ip++) {
				struct sched v = *s;
				struct end e;

				v.reach = s->router ? INT64_MAX :
					  REACH_MIN_NS + ia * (REACH_MAX_NS - REACH_MIN_NS) / 4;
				v.neigh_ns = NEIGH_FAIL_NS + in * NEIGH_SLACK_NS / 4;
				v.tlp = ip ? v.rto : TLP_MIN_NS < v.rto ? TLP_MIN_NS : v.rto;
				e = simulate_rtx(&v);
				span_add(out, &e);
			}
}

/* Runs the schedule s over the grid of what the model cannot know: the RTO in
 * [rto_lo, rto_hi] (in whole jiffies, as the kernel keeps it), when it started in
 * [t_lo, t_hi], the timer wheel's lateness or none, and for retransmissions the
 * neighbour's and the probe's times (span_rtx()). */
static void span_of(struct sched s, int64_t rto_lo, int64_t rto_hi, int64_t t_lo,
		    int64_t t_hi, struct span *out)
{
	int64_t j = model_jiffy_ns(s.hz);
	int64_t jlo = model_jiffies(rto_lo, s.hz), jhi = model_jiffies(rto_hi, s.hz);
	/* Every RTO in whole jiffies (a death can move by a whole backoff between two),
	 * or RTO_STEPS of them over a wide range. */
	int nr = jhi - jlo < RTO_STEPS ? (int)(jhi - jlo) : RTO_STEPS;

	*out = (struct span){ INT64_MAX, INT64_MIN, 0, 0 };
	for (int ir = 0; ir <= nr; ir++)
		for (int it = 0; it <= (t_hi > t_lo ? 8 : 0); it++)
			for (int late = 0; late <= 1; late++) {
				struct sched v = s;
				struct end e;

				v.rto = (jlo + (nr ? (jhi - jlo) * ir / nr : 0)) * j;
				v.t_first = t_lo + (t_hi - t_lo) * it / 8;
				v.late = late;
				if (s.rtx) {
					span_rtx(&v, out);
					continue;
				}
				e = simulate_persist(&v);
				span_add(out, &e);
			}
}

/* The prediction a span makes: a range when every choice ends the socket, forever when
 * none does. */
static void predict_span(const struct span *sp, const struct model_env *env,
			 struct prediction *p)
{
	if (!sp->dies) {
		p->kind = PRED_FOREVER;
	} else if (sp->lives) {
		p->kind = PRED_UNMODELLED;
		model_append(p, "; the socket may also never end");
	} else {
		p->kind = PRED_RANGE;
		p->min_ns = sp->lo > model_jiffy_ns(env->hz) ? sp->lo - model_jiffy_ns(env->hz) : 0;
		p->max_ns = sp->hi + env->latency_ns;
	}
}

int model_response_fills(const struct scenario *c)
{
	if (c->server.response_size <= RESP_FITS)
		return 0;
	return c->server.response_size > RESP_FILLS ? 1 : -1;
}

enum fw1_case {
	FW1_NONE,	/* no FIN, or one ACKed (or reset) at once */
	FW1_RTX_FIN,	/* the FIN left after the client vanished */
	FW1_RTX_ROUTER,	/* the same behind a blackhole: the router answers ARP */
	FW1_PERSIST,	/* the FIN waits behind a zero window */
	FW1_UNMODELLED,
};

/* Whether the server can queue all of a response that fills the client's window: only
 * then does it close (its send buffer takes SO_SNDBUF x 2 with overhead). */
static bool server_takes_response(const struct scenario *c)
{
	return (c->server.has & FW_HAS_SNDBUF) && c->server.response_size <= c->server.sndbuf;
}

/* The client's part in FIN_WAIT1: what becomes of the server's FIN. */
static enum fw1_case fin_wait1_client(const struct scenario *c, char *why, size_t len)
{
	enum fw_fault f = c->client.fault;
	int fills = model_response_fills(c);

	if (f == FW_FAULT_REBOOT && c->client.at != FW_AT_FIN) {
		/* Measured by the audit (audit-fin, reboot at after-response): 0 to 0.4 s,
		 * not always the reset at once. finwait's reboot drops everything at the
		 * client host while it kills the client and destroys its sockets, which
		 * takes milliseconds on a quiet machine and up to hundreds under load: a FIN
		 * sent meanwhile is lost, and its loss probe or retransmission meets the
		 * reset. */
		snprintf(why, len, "the rebooted client answers the FIN with a reset, unless the "
			 "FIN came while the reboot was under way: then its loss probe or "
			 "retransmission does");
		return FW1_UNMODELLED;
	}
	if (f == FW_FAULT_NONE || f == FW_FAULT_CRASH || f == FW_FAULT_REBOOT ||
	    c->client.at == FW_AT_FIN ||
	    (c->client.at != FW_AT_REQUEST && f != FW_FAULT_VANISH)) {
		snprintf(why, len, "the client's kernel ACKs the FIN, or closed first (no long "
			 "FIN_WAIT1)");
		return FW1_NONE;
	}
	if (c->client.at == FW_AT_REQUEST && fills != 0 && !server_takes_response(c)) {
		snprintf(why, len, "a response of %ld bytes may not fit the server's send buffer, "
			 "and it closes only once it has: set server.sndbuf >= response_size",
			 c->server.response_size);
		return FW1_UNMODELLED;
	}
	if (c->client.at == FW_AT_REQUEST && fills < 0) {
		snprintf(why, len, "a response of %ld bytes may or may not fill the client's "
			 "window (64 KiB..1 MiB)", c->server.response_size);
		return FW1_UNMODELLED;
	}
	if (f != FW_FAULT_VANISH && !fills) {
		snprintf(why, len, "the client's kernel ACKs the FIN (the response fit its window)");
		return FW1_NONE;
	}
	if (f != FW_FAULT_VANISH) {
		snprintf(why, len, "the client stopped reading (%s): the FIN waits behind a zero "
			 "window", fw_fault_name(f));
		return FW1_PERSIST;
	}
	if (c->server.close_after_ns < VANISHED_NS) {
		snprintf(why, len, "the FIN races the vanish (close_after < 100ms)");
		return FW1_UNMODELLED;
	}
	if (c->client.at == FW_AT_REQUEST && fills) {
		/* Measured 0.14-4.21 s with tcp_orphan_retries 1-3: which copy of which
		 * segment the client ACKed before it vanished decides retrans_stamp. */
		snprintf(why, len, "response data was in flight when the client vanished: what "
			 "it ACKed first races the vanish");
		return FW1_UNMODELLED;
	}
	snprintf(why, len, "the client vanished before the FIN");
	return FW1_RTX_FIN;
}

/* What happens to the server's FIN in this cell, and why. */
static enum fw1_case fin_wait1_case(const struct scenario *c, char *why, size_t len)
{
	enum fw1_case k;

	if (c->server.close.kind == FW_CLOSE_NONE) {
		snprintf(why, len, "close = none: the server never sends a FIN");
		return FW1_NONE;
	}
	if (c->server.close.kind == FW_CLOSE_LINGER0) {
		snprintf(why, len, "SO_LINGER {1, 0}: close() sends a reset, not a FIN");
		return FW1_NONE;
	}
	if (c->client.at == FW_AT_CONNECT && c->client.fault != FW_FAULT_NONE &&
	    c->client.fault != FW_FAULT_CRASH) {
		snprintf(why, len, "the client faults before its request: the server never "
			 "answers, never closes");
		return FW1_NONE;
	}
	if (c->mb.loss_pct) {
		snprintf(why, len, "random loss (%ld%%): the FIN or its ACK may be lost, and "
			 "resent at random", c->mb.loss_pct);
		return FW1_UNMODELLED;
	}
	if (c->mb.fault == FW_MB_BLACKHOLE && c->client.at != FW_AT_FIN &&
	    c->client.at != FW_AT_REQUEST && c->server.close_after_ns >= VANISHED_NS) {
		/* The FIN (or its ACK) is dropped as in front of a vanished host, but the
		 * router answers ARP: the neighbour entry never fails (rule 33). */
		snprintf(why, len, "a middlebox blackhole from the client's point: the FIN or "
			 "its ACK dropped");
		return FW1_RTX_ROUTER;
	}
	k = fin_wait1_client(c, why, len);
	if (k != FW1_NONE && k != FW1_UNMODELLED && c->server.close.kind == FW_CLOSE_LINGER) {
		snprintf(why, len, "SO_LINGER with a timeout: close() holds the socket up to %ds, "
			 "then it is an orphan", c->server.close.linger_s);
		return FW1_UNMODELLED;
	}
	return k;
}

/* "tcp_orphan_retries 2 (1.4s)", "tcp_retries2 15 (924.6s)", "TCP_USER_TIMEOUT 1s". */
static void budget_text(const struct model_facts *f, bool orphan, int hz, char *buf,
			size_t len)
{
	char a[32];

	if (f->user_timeout_ns)
		snprintf(buf, len, "TCP_USER_TIMEOUT %s",
			 dur_format(f->user_timeout_ns, a, sizeof(a)));
	else if (orphan && !f->orphan_retries)
		snprintf(buf, len, "tcp_orphan_retries 0 = 8 while the RTO is below rto_max (%s)",
			 dur_format(model_retries_timeout(8, f->rto_max_ns, hz), a, sizeof(a)));
	else
		snprintf(buf, len, "%s %ld (%s)", orphan ? "tcp_orphan_retries" : "tcp_retries2",
			 orphan ? f->orphan_retries : f->retries2,
			 dur_format(model_retries_timeout(orphan ? f->orphan_retries : f->retries2,
							  f->rto_max_ns, hz), a, sizeof(a)));
}

static struct sched sched_of(const struct model_facts *f, const struct model_env *env,
			     bool orphan)
{
	return (struct sched){ .rto_max = f->rto_max_ns, .rtx = true,
			       .orphan = orphan, .orphan_retries = f->orphan_retries,
			       .retries2 = f->retries2, .user_timeout = f->user_timeout_ns,
			       .hz = env->hz };
}

/* A FIN sent after the client vanished: it leaves and is lost, a tail loss probe follows,
 * and retrans_stamp is the first retransmission by the RTO timer (tcp_retransmit_skb()). */

static void predict_sched(const struct sched *sp0, const struct model_facts *f,
			  const struct model_env *env, bool orphan, const char *state,
			  struct prediction *p)
{
	struct sched s = *sp0;
	char budget[96], a[32], b[32];
	struct span sp;

	budget_text(f, orphan, env->hz, budget, sizeof(budget));
	span_of(s, f->rto_lo_ns, f->rto_hi_ns, 0, 0, &sp);
	model_say(p, "%s %s, %s: FIN lost, a loss probe, then resent (RTO %s..%s doubling), "
		     "killed when now - retrans_stamp >= %s (tcp_write_timeout)%s", state,
		  orphan ? "orphan" : "held", s.router ? "blackholed" : "vanished client",
		  dur_format(f->rto_lo_ns, a, sizeof(a)),
		  dur_format(f->rto_hi_ns, b, sizeof(b)), budget, s.router ? "" :
		  "; once the neighbour entry fails (15-45 s), ARP failures revert a backoff "
		  "(tcp_ld_RTO_revert)");
	predict_span(&sp, env, p);
}

static void predict_rtx(const struct model_facts *f, const struct model_env *env,
			bool orphan, const char *state, struct prediction *p)
{
	struct sched s = sched_of(f, env, orphan);

	predict_sched(&s, f, env, orphan, state, p);
}

/* A FIN behind a zero window, the client's kernel answering every probe. */
static void predict_persist(const struct scenario *c, const struct model_facts *f,
			    const struct model_env *env, bool orphan, struct prediction *p)
{
	struct sched s = sched_of(f, env, orphan);
	char a[32], u[48] = "";
	struct span sp;
	int64_t t = -c->server.close_after_ns, t_hi = t + ZW_START_NS < 0 ? t + ZW_START_NS : 0;

	s.rtx = false;
	span_of(s, f->rto_lo_ns, f->rto_hi_ns, t, t_hi, &sp);
	if (f->user_timeout_ns)
		snprintf(u, sizeof(u), ", TCP_USER_TIMEOUT %s from the first probe",
			 dur_format(f->user_timeout_ns, a, sizeof(a)));
	if (orphan)
		model_say(p, "orphan behind a zero window, probes answered: killed once the "
			     "backed-off RTO reaches rto_max %s and backoff >= tcp_orphan_retries "
			     "%ld (tcp_probe_timer)%s", dur_format(f->rto_max_ns, a, sizeof(a)),
			  f->orphan_retries, u);
	else
		model_say(p, "held behind a zero window, probes answered: no end (tcp_probe_timer)%s",
			  u);
	predict_span(&sp, env, p);
}

/* The env the states compute with: the facts' RTO range. */
static bool env_ok(const struct model_env *env, const struct model_facts *f)
{
	return env && env->hz > 0 && env->rto_ns > 0 && env->latency_ns >= 0 &&
	       f->rto_lo_ns > 0 && f->rto_max_ns > 0;
}

int model_fin_wait1(const struct scenario *c, const struct model_facts *f,
		    const struct model_env *env, bool orphan, struct prediction *p)
{
	char why[200];
	enum fw1_case k;

	memset(p, 0, sizeof(*p));
	if (!env_ok(env, f))
		return -EINVAL;
	k = fin_wait1_case(c, why, sizeof(why));
	switch (k) {
	case FW1_NONE:
		model_predict_none(p, env);
		model_say(p, "%s", why);
		break;
	case FW1_UNMODELLED:
		p->kind = PRED_UNMODELLED;
		model_say(p, "FIN_WAIT1 not modelled: %s", why);
		break;
	case FW1_PERSIST:
		predict_persist(c, f, env, orphan, p);
		break;
	default:
		predict_rtx(f, env, orphan, "FIN_WAIT1", p);
		break;
	case FW1_RTX_ROUTER: {
		struct sched s = sched_of(f, env, orphan);

		s.router = true;
		predict_sched(&s, f, env, orphan, "FIN_WAIT1", p);
		model_append(p, " [middlebox: the router answers ARP, no ICMP]");
		break;
	}
	}
	return 0;
}

int model_last_ack(const struct scenario *c, const struct model_facts *f,
		   const struct model_env *env, bool orphan, bool peer_gone,
		   struct prediction *p)
{
	memset(p, 0, sizeof(*p));
	if (!env_ok(env, f))
		return -EINVAL;
	if (c->server.close.kind == FW_CLOSE_NONE || c->server.close.kind == FW_CLOSE_LINGER0 ||
	    model_closes_first(c) > 0 || !peer_gone) {
		model_predict_none(p, env);
		model_say(p, "%s", peer_gone ? "the server does not close after the client's FIN" :
			  "the client closed first and its kernel ACKs the server's FIN at once");
		return 0;
	}
	/* The same FIN retransmissions as FIN_WAIT1's (tcp_write_timeout()): only the
	 * state differs. */
	predict_rtx(f, env, orphan, "LAST_ACK", p);
	return 0;
}
