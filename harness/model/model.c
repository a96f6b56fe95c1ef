#include "model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* TCP_TIMEWAIT_LEN (include/net/tcp.h): the longest a FIN_WAIT2 minisocket is armed for. */
#define TIMEWAIT_LEN_NS (60 * NSEC_PER_SEC)
/* TCP_FIN_TIMEOUT_MAX: do_tcp_setsockopt() clamps TCP_LINGER2 to 120 s. */
#define FIN_TIMEOUT_MAX_S 120
/* Defaults of a new network namespace (tcp_sk_init): fin_timeout 60 s, keepalive
 * 7200 s / 75 s / 9 probes. A new namespace starts from these, not from the host's. */
#define DEF_FIN_TIMEOUT_S 60
#define DEF_KEEPALIVE_TIME_S 7200
#define DEF_KEEPALIVE_INTVL_S 75
#define DEF_KEEPALIVE_PROBES 9

void model_env_default(struct model_env *env, int hz)
{
	env->hz = hz;
	env->rto_ns = 200 * NSEC_PER_MSEC;
	/* __tcp_set_rto(): srtt + rttvar, rttvar >= TCP_RTO_MIN. srtt on a veth is
	 * microseconds, but a delayed ACK (TCP_DELACK_MIN, 40 ms) in the samples raises it;
	 * measured here: tcp_fin_timeout 0 -> 0.760 s, i.e. an RTO of 52 jiffies. */
	env->rto_max_ns = 240 * NSEC_PER_MSEC;
	/* The timer softirq normally runs on the tick's irq exit, microseconds late; under
	 * load it moves to ksoftirqd. 10 ms covers a busy 2-core lab without hiding a
	 * wrong rule (the smallest rule-level difference is a 4 ms jiffy times hundreds). */
	env->latency_ns = 10 * NSEC_PER_MSEC;
}

static int64_t to_jiffies(int64_t ns, int hz)
{
	/* Round up, as msecs_to_jiffies() does. */
	return (ns / NSEC_PER_SEC) * hz + ((ns % NSEC_PER_SEC) * hz + NSEC_PER_SEC - 1) /
					      NSEC_PER_SEC;
}

static int64_t jiffy_ns(int hz)
{
	return NSEC_PER_SEC / hz;
}

int64_t model_timer_late(int64_t timeout_ns, int hz)
{
	/* kernel/time/timer.c: LVL_CLK_SHIFT 3, LVL_SIZE 64, so level n covers timeouts
	 * below 63 x 8^n jiffies and rounds up to 8^n jiffies; LVL_DEPTH is 9 for HZ > 100,
	 * else 8, and longer timeouts are capped into the last level. */
	int depth = hz > 100 ? 9 : 8, lvl = 0;
	int64_t j;

	if (hz <= 0 || timeout_ns <= 0)
		return 0;
	j = to_jiffies(timeout_ns, hz);
	while (lvl < depth - 1 && j >= (63LL << (3 * lvl)))
		lvl++;
	return (1LL << (3 * lvl)) * NSEC_PER_SEC / hz;
}

/* tcp_fin_time(): never less than 3.5 RTO, computed in jiffies. */
static int64_t floor_of(int64_t rto_j, int hz)
{
	return ((rto_j << 2) - (rto_j >> 1)) * NSEC_PER_SEC / hz;
}

int64_t model_rto_floor(const struct model_env *env)
{
	return floor_of(to_jiffies(env->rto_ns, env->hz), env->hz);
}

/* The greatest floor: __tcp_set_rto() rounds srtt + rttvar up to a jiffy, so allow one
 * jiffy over rto_max_ns. */
static int64_t rto_floor_hi(const struct model_env *env)
{
	int64_t hi = env->rto_max_ns > env->rto_ns ? env->rto_max_ns : env->rto_ns;

	return floor_of(to_jiffies(hi, env->hz) + 1, env->hz);
}

static long sysctl_long(const struct scenario *c, const char *key, long def)
{
	const char *v = scen_kvlist_get(&c->sysctl, key);
	long l;

	/* Capped so that seconds * NSEC_PER_SEC cannot overflow int64. */
	if (v && !parse_long(v, 0, INT32_MAX, &l))
		return l;
	return def;
}

__attribute__((format(printf, 2, 3)))
static void say(struct prediction *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
}

static void append(struct prediction *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void append(struct prediction *p, const char *fmt, ...)
{
	size_t o = strlen(p->reason);
	va_list ap;

	if (o >= sizeof(p->reason) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(p->reason + o, sizeof(p->reason) - o, fmt, ap);
	va_end(ap);
}

/* "No timer-driven FIN_WAIT2": the shortest FIN_WAIT2 any kernel timer can produce is the
 * 3.5 RTO floor (less a jiffy), so one shorter than that was ended by the peer (its FIN or
 * RST), which is what "none" means. */
static void predict_none(struct prediction *p, const struct model_env *env)
{
	p->kind = PRED_NONE;
	p->min_ns = 0;
	p->max_ns = model_rto_floor(env) - jiffy_ns(env->hz);
}

/* A range [T - 1 jiffy, T + slack + latency]: the timer never fires early, but the
 * measurement can start up to a jiffy after the kernel's clock did. */
static void predict_range(struct prediction *p, const struct model_env *env, int64_t t_ns,
			  int64_t slack_ns)
{
	p->kind = PRED_RANGE;
	p->min_ns = t_ns > jiffy_ns(env->hz) ? t_ns - jiffy_ns(env->hz) : 0;
	p->max_ns = t_ns + slack_ns + env->latency_ns;
}

/* Orphaned socket whose FIN was ACKed: tcp_rcv_state_process(), FIN_WAIT1 case. */
static void predict_orphan(const struct scenario *c, const struct model_env *env,
			   struct prediction *p)
{
	const struct fw_server_cfg *s = &c->server;
	char what[96], a[32], b[32], d[32];
	int64_t conf_ns, floor_ns, f_ns, f_hi;

	if ((s->has & FW_HAS_LINGER2) && s->linger2_s < 0) {
		predict_none(p, env);
		say(p, "orphan with TCP_LINGER2 -1: reset when the FIN is ACKed, no FIN_WAIT2 "
		       "(tcp_rcv_state_process)");
		return;
	}
	if ((s->has & FW_HAS_LINGER2) && s->linger2_s > 0) {
		int l2 = s->linger2_s > FIN_TIMEOUT_MAX_S ? FIN_TIMEOUT_MAX_S : s->linger2_s;

		conf_ns = l2 * NSEC_PER_SEC;
		if (l2 != s->linger2_s)
			snprintf(what, sizeof(what), "TCP_LINGER2 %ds clamped to %ds", s->linger2_s,
				 l2);
		else
			snprintf(what, sizeof(what), "TCP_LINGER2 %s", dur_format(conf_ns, a,
										     sizeof(a)));
	} else {
		/* TCP_LINGER2 0 means "use the sysctl" (tcp_fin_time). */
		conf_ns = sysctl_long(c, "net.ipv4.tcp_fin_timeout", DEF_FIN_TIMEOUT_S) *
			  NSEC_PER_SEC;
		snprintf(what, sizeof(what), "tcp_fin_timeout %s", dur_format(conf_ns, a,
									       sizeof(a)));
	}
	floor_ns = model_rto_floor(env);
	f_ns = conf_ns;
	f_hi = conf_ns > rto_floor_hi(env) ? conf_ns : rto_floor_hi(env);
	if (f_ns < f_hi) {
		f_ns = f_ns > floor_ns ? f_ns : floor_ns;
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " raised to 3.5 x RTO = %s..%s", dur_format(f_ns, a, sizeof(a)),
			 dur_format(f_hi, d, sizeof(d)));
	}
	if (f_hi <= TIMEWAIT_LEN_NS) {
		int64_t late = model_timer_late(f_hi, env->hz);

		predict_range(p, env, f_ns, late + (f_hi - f_ns));
		say(p, "orphan: %s <= 60s, timewait minisocket (tcp_time_wait); + timer slack %s",
		    what, dur_format(late, b, sizeof(b)));
	} else {
		/* tcp_keepalive_timer(): a full socket waits F - 60 on the keepalive timer,
		 * then a minisocket waits F - 60 again. */
		int64_t half = f_ns - TIMEWAIT_LEN_NS, late = model_timer_late(half, env->hz);

		predict_range(p, env, 2 * half, 2 * late);
		say(p, "orphan: %s > 60s: keepalive timer then minisocket, 2 x %s = 2F-120 "
		       "(tcp_keepalive_timer); + timer slack 2 x %s", what,
		    dur_format(half, d, sizeof(d)), dur_format(late, b, sizeof(b)));
	}
}

/* An orphan's FIN_WAIT2 lives in a timewait minisocket, and inet_twsk_alloc() refuses one
 * when the namespace already holds tcp_max_tw_buckets of them: tcp_time_wait() then
 * closes the socket at once ("time wait bucket table overflow"). All of a cell's
 * connections close together, so past the first tcp_max_tw_buckets the rest are
 * dropped. Without the sysctl the lab sizes the table so that this cannot happen
 * (tcp_sk_init(): tcp_max_tw_buckets = ehash buckets / 2). */
static void apply_tw_buckets(const struct scenario *c, const struct model_env *env,
			     struct prediction *p)
{
	long buckets = sysctl_long(c, "net.ipv4.tcp_max_tw_buckets", -1);

	if (buckets < 0 || buckets >= c->connections || p->kind != PRED_RANGE)
		return;
	if (buckets == 0) {
		predict_none(p, env);
		say(p, "orphan, tcp_max_tw_buckets 0: no timewait minisocket, the socket is "
		       "dropped when the FIN is ACKed (tcp_time_wait)");
		return;
	}
	p->may_drop = c->connections - buckets;
	append(p, "; tcp_max_tw_buckets %ld < %ld connections: %ld dropped at once", buckets,
	       c->connections, p->may_drop);
}

/* Non-orphaned FIN_WAIT2 (shutdown, descriptor kept): only keepalive can end it. */
static void predict_shutdown(const struct scenario *c, const struct model_env *env,
			     struct prediction *p)
{
	const struct fw_server_cfg *s = &c->server;
	enum fw_fault f = c->client.fault;
	int64_t idle, intvl, late_idle, late_intvl, ut;
	long cnt;
	char a[32], b[32], e[32], g[32];

	if (!s->keepalive) {
		p->kind = PRED_FOREVER;
		say(p, "shutdown, keepalive off: the socket keeps its descriptor, no FIN_WAIT2 "
		       "timer runs");
		return;
	}
	if (f == FW_FAULT_FREEZE || f == FW_FAULT_HANG) {
		p->kind = PRED_FOREVER;
		say(p, "shutdown + keepalive, peer kernel alive (%s): every probe is ACKed",
		    fw_fault_name(f));
		return;
	}
	/* Per-socket values win, else the namespace's sysctls (keepalive_time_when() and
	 * friends). */
	idle = (s->has & FW_HAS_KEEPIDLE ? s->keepidle_s :
		sysctl_long(c, "net.ipv4.tcp_keepalive_time", DEF_KEEPALIVE_TIME_S)) *
	       NSEC_PER_SEC;
	intvl = (s->has & FW_HAS_KEEPINTVL ? s->keepintvl_s :
		 sysctl_long(c, "net.ipv4.tcp_keepalive_intvl", DEF_KEEPALIVE_INTVL_S)) *
		NSEC_PER_SEC;
	cnt = s->has & FW_HAS_KEEPCNT ? s->keepcnt :
	      sysctl_long(c, "net.ipv4.tcp_keepalive_probes", DEF_KEEPALIVE_PROBES);
	/* The kernel never waits less than a jiffy between probes (tcp_keepalive_timer()
	 * rearms with keepalive_intvl_when()); 0 would also never end the loops below. */
	if (intvl < jiffy_ns(env->hz))
		intvl = jiffy_ns(env->hz);
	late_idle = model_timer_late(idle, env->hz);
	late_intvl = model_timer_late(intvl, env->hz);
	if (f == FW_FAULT_REBOOT) {
		predict_range(p, env, idle, late_idle);
		say(p, "shutdown + keepalive, rebooted peer: the first probe at idle %s meets a "
		       "reset; + timer slack %s", dur_format(idle, a, sizeof(a)),
		    dur_format(late_idle, b, sizeof(b)));
		return;
	}
	ut = s->has & FW_HAS_USER_TIMEOUT ? s->user_timeout_ms * NSEC_PER_MSEC : 0;
	if (ut > 0) {
		/* tcp_keepalive_timer(): with TCP_USER_TIMEOUT the socket dies at the first
		 * probe timer where elapsed >= U with a probe outstanding. Lateness adds to
		 * elapsed, so the kill can come one interval earlier than the nominal one. */
		int64_t k = 1, k_early = 1;

		while (idle + k * intvl < ut)
			k++;
		while (idle + k_early * intvl + late_idle + k_early * late_intvl < ut)
			k_early++;
		predict_range(p, env, idle + k * intvl, late_idle + k * late_intvl);
		p->min_ns = idle + k_early * intvl - jiffy_ns(env->hz);
		say(p, "shutdown + keepalive, vanished peer, TCP_USER_TIMEOUT %s: killed at idle "
		       "%s + %lld x intvl %s; + timer slack %s + %lld x %s",
		    dur_format(ut, e, sizeof(e)), dur_format(idle, a, sizeof(a)), (long long)k,
		    dur_format(intvl, g, sizeof(g)), dur_format(late_idle, b, sizeof(b)),
		    (long long)k, dur_format(late_intvl, e, sizeof(e)));
		return;
	}
	predict_range(p, env, idle + cnt * intvl, late_idle + cnt * late_intvl);
	say(p, "shutdown + keepalive, vanished peer: idle %s + %ld x intvl %s unanswered "
	       "(tcp_keepalive_timer); + timer slack %s + %ld x %s",
	    dur_format(idle, a, sizeof(a)), cnt, dur_format(intvl, g, sizeof(g)),
	    dur_format(late_idle, b, sizeof(b)), cnt, dur_format(late_intvl, e, sizeof(e)));
}

/* The client closes itself (none) or its kernel does for it (crash) at its point, so the
 * server's FIN_WAIT2 ends then: at once for a connection that reached the point last,
 * later for one that waited for the client's other connections (a client acts when all
 * of them reached the point). An orphan's timer may end it first. */
static void predict_client_end(const struct scenario *c, const struct model_env *env,
			       struct prediction *p)
{
	int64_t timer = 0;

	if (c->server.close.kind == FW_CLOSE_CLOSE || c->server.close.kind == FW_CLOSE_LINGER) {
		struct prediction orphan;

		memset(&orphan, 0, sizeof(orphan));
		predict_orphan(c, env, &orphan);
		if (orphan.kind == PRED_RANGE)
			timer = orphan.max_ns;
	}
	predict_none(p, env);
	p->ends_at_point = true;
	p->timer_max_ns = timer;
	if (c->client.fault == FW_FAULT_NONE)
		say(p, "the client closes normally at its point: its FIN ends FIN_WAIT2");
	else
		say(p, "crashed client: its kernel closes the socket (FIN) at the client's point");
}

int model_predict(const struct scenario *c, const struct model_env *env,
		  struct prediction *p)
{
	enum fw_fault f = c->client.fault;
	enum fw_close_kind cl = c->server.close.kind;
	bool before_fin = c->client.at != FW_AT_FIN;

	memset(p, 0, sizeof(*p));
	if (!env || env->hz <= 0 || env->rto_ns <= 0 || env->latency_ns < 0)
		return -EINVAL;
	if (cl == FW_CLOSE_NONE) {
		predict_none(p, env);
		say(p, "close = none: the server never sends a FIN");
	} else if (cl == FW_CLOSE_LINGER0) {
		predict_none(p, env);
		say(p, "SO_LINGER {1, 0}: close() sends a reset, no FIN_WAIT2");
	} else if (f == FW_FAULT_NONE || f == FW_FAULT_CRASH) {
		predict_client_end(c, env, p);
	} else if (c->client.mode == FW_MODE_HTTP && c->client.at == FW_AT_CONNECT) {
		predict_none(p, env);
		say(p, "http client faults before its request: the server does not close first");
	} else if (before_fin && f == FW_FAULT_VANISH) {
		predict_none(p, env);
		say(p, "the client vanished before ACKing the server's FIN: FIN_WAIT1 "
		       "retransmissions, no FIN_WAIT2");
	} else if (before_fin && f == FW_FAULT_REBOOT) {
		predict_none(p, env);
		say(p, "the rebooted client answers the server's FIN with a reset: no FIN_WAIT2");
	} else if (cl == FW_CLOSE_SHUTDOWN) {
		predict_shutdown(c, env, p);
	} else {
		/* close, or SO_LINGER with a timeout: close() waits for the FIN's ACK (or the
		 * timeout), then the socket is orphaned in FIN_WAIT2 as after a plain close
		 * (tcp_close). Keepalive, TCP_USER_TIMEOUT and the peer's state do not matter:
		 * the minisocket sends nothing. */
		predict_orphan(c, env, p);
		apply_tw_buckets(c, env, p);
		if (cl == FW_CLOSE_LINGER)
			append(p, " [SO_LINGER %ds]", c->server.close.linger_s);
	}
	return 0;
}

int model_expect(const struct scenario *c, const struct model_env *env,
		 struct prediction *p)
{
	char a[32], b[32];

	if (c->expect.kind == FW_EXPECT_MODEL)
		return model_predict(c, env, p);
	memset(p, 0, sizeof(*p));
	if (!env || env->hz <= 0 || env->rto_ns <= 0)
		return -EINVAL;
	switch (c->expect.kind) {
	case FW_EXPECT_FOREVER:
		p->kind = PRED_FOREVER;
		say(p, "[expect] forever: still in FIN_WAIT2 at the limit");
		break;
	case FW_EXPECT_NONE:
		predict_none(p, env);
		say(p, "[expect] none: no FIN_WAIT2 longer than %s",
		    dur_format(p->max_ns, a, sizeof(a)));
		break;
	case FW_EXPECT_RANGE:
		p->kind = PRED_RANGE;
		p->min_ns = c->expect.min_ns;
		p->max_ns = c->expect.max_ns;
		if (p->min_ns)
			say(p, "[expect] between %s and %s", dur_format(p->min_ns, a, sizeof(a)),
			    dur_format(p->max_ns, b, sizeof(b)));
		else
			say(p, "[expect] within %s", dur_format(p->max_ns, a, sizeof(a)));
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

int model_expect_any_hz(const struct scenario *c, const struct model_env *env,
			struct prediction *out)
{
	static const int choices[] = { 100, 250, 300, 1000 };
	struct model_env e = *env;
	struct prediction p;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(choices); i++) {
		e.hz = choices[i];
		if ((ret = model_expect(c, &e, i ? &p : out)))
			return ret;
		if (!i)
			continue;
		/* The rules do not depend on HZ, only the slack does: widen to cover all. */
		if (p.kind != out->kind)
			return -EINVAL;
		if (p.min_ns < out->min_ns)
			out->min_ns = p.min_ns;
		if (p.max_ns > out->max_ns)
			out->max_ns = p.max_ns;
		if (p.timer_max_ns > out->timer_max_ns)
			out->timer_max_ns = p.timer_max_ns;
	}
	append(out, "; HZ unknown: widest over HZ 100/250/300/1000");
	return 0;
}

static const char *secs(int64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%.3fs", ns_to_s(ns));
	return buf;
}

/* "none (< 0.696s)", "1.996s..2.042s" or "forever". */
static const char *expected_text(const struct prediction *p, char *buf, size_t len)
{
	char a[32], b[32];

	if (p->kind == PRED_FOREVER)
		snprintf(buf, len, "forever");
	else if (p->kind == PRED_NONE)
		snprintf(buf, len, "none (< %s)", secs(p->max_ns, a, sizeof(a)));
	else
		snprintf(buf, len, "%s..%s", secs(p->min_ns, a, sizeof(a)),
			 secs(p->max_ns, b, sizeof(b)));
	return buf;
}

bool model_check(const struct prediction *p, const struct measured *m, char *why,
		 size_t len)
{
	char a[32], b[32], e[80], tmp[8];
	bool ok;

	if (!why) {
		why = tmp;
		len = sizeof(tmp);
	}
	expected_text(p, e, sizeof(e));
	switch (m->kind) {
	case MEAS_ABSENT:
		/* An absent FIN_WAIT2 is a lifetime of 0. */
		ok = p->kind != PRED_FOREVER && p->min_ns <= 0;
		snprintf(why, len, "no FIN_WAIT2 seen, expected %s", e);
		break;
	case MEAS_OPEN:
		/* Still there when sampling stopped: only "forever" is met. A bounded
		 * expectation whose end lies past the observation is not met either: it was
		 * never seen to end (run checks that the limit leaves room for it). */
		ok = p->kind == PRED_FOREVER;
		snprintf(why, len, "still in FIN_WAIT2 after %s, expected %s",
			 secs(m->min_ns, a, sizeof(a)), e);
		break;
	case MEAS_RANGE:
	default:
		ok = p->kind != PRED_FOREVER && m->min_ns <= p->max_ns && m->max_ns >= p->min_ns;
		snprintf(why, len, "FIN_WAIT2 lasted %s..%s, expected %s",
			 secs(m->min_ns, a, sizeof(a)), secs(m->max_ns, b, sizeof(b)), e);
		break;
	}
	return ok;
}
