/* rules: the kernel's rules for how long the server's socket stays in FIN_WAIT2 (each
 * cited to the kernel function behind it; docs/KERNEL.md has the measurements), from the
 * facts of a cell: declared by its scenario, overridden by what was observed. */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model_priv.h"
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
/* Defaults of tcp_orphan_retries, tcp_retries2 and tcp_rto_max_ms (TCP_RTO_MAX). */
#define DEF_ORPHAN_RETRIES 0
#define DEF_RETRIES2 15
#define DEF_RTO_MAX_MS 120000
/* TCP_DELACK_MIN: the peer's kernel delays the ACK of the FIN (pingpong) by about this
 * much, and that RTT sample raises srtt, so the RTO when the timer is armed is up to this
 * much above the one seen before (docs/KERNEL.md, rule 2). */
#define DELACK_NS (40 * NSEC_PER_MSEC)

static long sysctl_long(const struct scenario *c, const char *key, long def)
{
	const char *v = scen_kvlist_get(&c->sysctl, key);
	long l;

	/* Capped so that seconds * NSEC_PER_SEC cannot overflow int64. */
	if (v && !parse_long(v, 0, INT32_MAX, &l))
		return l;
	return def;
}

static void set_fin(struct model_facts *f, int linger2_s, long fin_timeout_s)
{
	char a[32];

	f->no_fin_wait2 = linger2_s < 0;
	f->linger2_asked_s = 0;
	if (linger2_s > 0) {
		/* TCP_LINGER2 0 means "use the sysctl" (tcp_fin_time). */
		f->fin_ns = (linger2_s > FIN_TIMEOUT_MAX_S ? FIN_TIMEOUT_MAX_S : linger2_s) *
			    NSEC_PER_SEC;
		if (linger2_s > FIN_TIMEOUT_MAX_S)
			f->linger2_asked_s = linger2_s;
		snprintf(f->fin_what, sizeof(f->fin_what), "TCP_LINGER2 %s",
			 dur_format(f->fin_ns, a, sizeof(a)));
	} else {
		f->fin_ns = fin_timeout_s * NSEC_PER_SEC;
		snprintf(f->fin_what, sizeof(f->fin_what), "tcp_fin_timeout %s",
			 dur_format(f->fin_ns, a, sizeof(a)));
	}
}

void model_facts_declare(const struct scenario *c, const struct model_env *env,
			 struct model_facts *f)
{
	const struct fw_server_cfg *s = &c->server;
	long rto_min_us = sysctl_long(c, "net.ipv4.tcp_rto_min_us", -1);

	memset(f, 0, sizeof(*f));
	f->fin_timeout_ns = sysctl_long(c, "net.ipv4.tcp_fin_timeout", DEF_FIN_TIMEOUT_S) *
			    NSEC_PER_SEC;
	set_fin(f, s->has & FW_HAS_LINGER2 ? s->linger2_s : 0, f->fin_timeout_ns / NSEC_PER_SEC);
	/* Per-socket values win, else the namespace's sysctls (keepalive_time_when() and
	 * friends). */
	f->keepalive = s->keepalive;
	f->idle_ns = (s->has & FW_HAS_KEEPIDLE ? s->keepidle_s :
		      sysctl_long(c, "net.ipv4.tcp_keepalive_time", DEF_KEEPALIVE_TIME_S)) *
		     NSEC_PER_SEC;
	f->intvl_ns = (s->has & FW_HAS_KEEPINTVL ? s->keepintvl_s :
		       sysctl_long(c, "net.ipv4.tcp_keepalive_intvl", DEF_KEEPALIVE_INTVL_S)) *
		      NSEC_PER_SEC;
	f->cnt = s->has & FW_HAS_KEEPCNT ? s->keepcnt :
		 sysctl_long(c, "net.ipv4.tcp_keepalive_probes", DEF_KEEPALIVE_PROBES);
	f->user_timeout_ns = s->has & FW_HAS_USER_TIMEOUT ?
			     s->user_timeout_ms * NSEC_PER_MSEC : 0;
	f->tw_buckets = sysctl_long(c, "net.ipv4.tcp_max_tw_buckets", -1);
	f->orphan_retries = sysctl_long(c, "net.ipv4.tcp_orphan_retries", DEF_ORPHAN_RETRIES);
	f->retries2 = sysctl_long(c, "net.ipv4.tcp_retries2", DEF_RETRIES2);
	f->rto_max_ns = sysctl_long(c, "net.ipv4.tcp_rto_max_ms", DEF_RTO_MAX_MS) * NSEC_PER_MSEC;
	f->peer_fin_ns = model_client_fin_timeout(c, DEF_FIN_TIMEOUT_S) * NSEC_PER_SEC;
	snprintf(f->source, sizeof(f->source), "declared");
	/* tcp_rto_min(): the namespace's tcp_rto_min_us replaces TCP_RTO_MIN; srtt on a veth
	 * is microseconds until the delayed ACK of the FIN adds its 40 ms. */
	if (rto_min_us > 0) {
		f->rto_lo_ns = rto_min_us * NSEC_PER_USEC;
		f->rto_hi_ns = f->rto_lo_ns + DELACK_NS;
		snprintf(f->rto_source, sizeof(f->rto_source), "tcp_rto_min_us %ld", rto_min_us);
	} else {
		f->rto_lo_ns = env->rto_ns;
		f->rto_hi_ns = env->rto_max_ns;
		snprintf(f->rto_source, sizeof(f->rto_source), "TCP_RTO_MIN");
	}
}

void model_facts_read(struct model_facts *f, const struct fw_server_cfg *cfg, unsigned read,
		      const char *who)
{
	if (!read)
		return;
	/* TCP_LINGER2 reads back tcp_fin_time()'s input: the socket's own value, or the
	 * sysctl when it has none (do_tcp_getsockopt()), or -1. */
	if (read & FW_HAS_LINGER2) {
		/* The sysctl's value back: the socket sets none of its own (or the same). */
		bool own = cfg->linger2_s * NSEC_PER_SEC != f->fin_timeout_ns;

		set_fin(f, cfg->linger2_s < 0 ? -1 : 0, cfg->linger2_s < 0 ? 0 : cfg->linger2_s);
		snprintf(f->fin_what, sizeof(f->fin_what), "%s %ds (read from %s)",
			 own ? "TCP_LINGER2" : "tcp_fin_timeout", cfg->linger2_s,
			 who ? who : "the socket");
	}
	if (read & FW_HAS_KEEPALIVE)
		f->keepalive = cfg->keepalive;
	if (read & FW_HAS_KEEPIDLE)
		f->idle_ns = cfg->keepidle_s * NSEC_PER_SEC;
	if (read & FW_HAS_KEEPINTVL)
		f->intvl_ns = cfg->keepintvl_s * NSEC_PER_SEC;
	if (read & FW_HAS_KEEPCNT)
		f->cnt = cfg->keepcnt;
	if (read & FW_HAS_USER_TIMEOUT)
		f->user_timeout_ns = cfg->user_timeout_ms * NSEC_PER_MSEC;
	snprintf(f->source, sizeof(f->source), "read from %s", who ? who : "the socket");
}

void model_facts_rto(struct model_facts *f, int64_t lo_ns, int64_t hi_ns)
{
	char a[32], b[32];

	if (lo_ns <= 0)
		return;
	f->rto_lo_ns = lo_ns;
	f->rto_hi_ns = (hi_ns > lo_ns ? hi_ns : lo_ns) + DELACK_NS;
	if (hi_ns > lo_ns)
		snprintf(f->rto_source, sizeof(f->rto_source), "seen: rto %s..%s",
			 dur_format(lo_ns, a, sizeof(a)), dur_format(hi_ns, b, sizeof(b)));
	else
		snprintf(f->rto_source, sizeof(f->rto_source), "seen: rto %s",
			 dur_format(lo_ns, a, sizeof(a)));
}

/* The env the rules compute with: the facts' RTO range. */
static struct model_env env_of(const struct model_env *env, const struct model_facts *f)
{
	struct model_env e = *env;

	e.rto_ns = f->rto_lo_ns;
	e.rto_max_ns = f->rto_hi_ns;
	return e;
}

void model_orphan_rule(const struct model_facts *f, const struct model_env *envp,
		       struct prediction *p)
{
	struct model_env e = env_of(envp, f), *env = &e;
	char what[160], a[32], b[32], d[32];
	int64_t floor_ns, f_ns, f_hi;

	if (f->no_fin_wait2) {
		model_predict_none(p, env);
		p->end = PRED_END_LINGER2_ACKED;
		model_say(p, "orphan with TCP_LINGER2 -1: reset when the FIN is ACKed, no FIN_WAIT2 "
			     "(tcp_rcv_state_process)");
		return;
	}
	if (f->linger2_asked_s)
		snprintf(what, sizeof(what), "TCP_LINGER2 %ds clamped to %ds", f->linger2_asked_s,
			 FIN_TIMEOUT_MAX_S);
	else
		snprintf(what, sizeof(what), "%s", f->fin_what);
	floor_ns = model_rto_floor(env);
	f_ns = f->fin_ns;
	f_hi = f->fin_ns > model_rto_floor_hi(env) ? f->fin_ns : model_rto_floor_hi(env);
	if (f_ns < f_hi) {
		f_ns = f_ns > floor_ns ? f_ns : floor_ns;
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " raised to 3.5 x RTO = %s..%s", dur_format(f_ns, a, sizeof(a)),
			 dur_format(f_hi, d, sizeof(d)));
		if (strcmp(f->rto_source, "TCP_RTO_MIN"))
			snprintf(what + strlen(what), sizeof(what) - strlen(what), " (%s)",
				 f->rto_source);
	}
	if (f_hi <= TIMEWAIT_LEN_NS) {
		int64_t late = model_timer_late(f_hi, env->hz);

		model_predict_range(p, env, f_ns, late + (f_hi - f_ns));
		model_say(p, "orphan: %s <= 60s, timewait minisocket (tcp_time_wait); + timer "
			     "slack %s", what, dur_format(late, b, sizeof(b)));
	} else {
		/* tcp_keepalive_timer(): a full socket waits F - 60 on the keepalive timer,
		 * then a minisocket waits F - 60 again. */
		int64_t half = f_ns - TIMEWAIT_LEN_NS, late = model_timer_late(half, env->hz);

		model_predict_range(p, env, 2 * half, 2 * late);
		model_say(p, "orphan: %s > 60s: keepalive timer then minisocket, 2 x %s = 2F-120 "
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
static void apply_tw_buckets(const struct scenario *c, const struct model_facts *f,
			     const struct model_env *env, struct prediction *p)
{
	if (f->tw_buckets < 0 || f->tw_buckets >= c->connections || p->kind != PRED_RANGE)
		return;
	if (f->tw_buckets == 0) {
		model_predict_none(p, env);
		p->end = PRED_END_TW_DROPPED;
		model_say(p, "orphan, tcp_max_tw_buckets 0: no timewait minisocket, the socket is "
			     "dropped when the FIN is ACKed (tcp_time_wait)");
		return;
	}
	p->may_drop = c->connections - f->tw_buckets;
	model_append(p, "; tcp_max_tw_buckets %ld < %ld connections: %ld dropped at once",
		     f->tw_buckets, c->connections, p->may_drop);
}

/* tcp_keepalive_timer() with TCP_USER_TIMEOUT U: the socket dies at the first probe timer
 * where elapsed >= U with a probe outstanding. Lateness adds to elapsed, so the kill can
 * come one interval earlier than the nominal one. */
static void predict_user_timeout(const struct model_facts *f, const struct model_env *env,
				 int64_t late_idle, int64_t late_intvl, struct prediction *p)
{
	int64_t k = 1, k_early = 1, ut = f->user_timeout_ns;
	char a[32], b[32], e[32], g[32], h[32];

	while (f->idle_ns + k * f->intvl_ns < ut)
		k++;
	while (f->idle_ns + k_early * f->intvl_ns + late_idle + k_early * late_intvl < ut)
		k_early++;
	model_predict_range(p, env, f->idle_ns + k * f->intvl_ns, late_idle + k * late_intvl);
	p->min_ns = f->idle_ns + k_early * f->intvl_ns - model_jiffy_ns(env->hz);
	/* A probe at each timer but the last, which kills. */
	p->end = PRED_END_KEEPALIVE_ABORT;
	p->probes_min = k_early;
	p->probes_max = k;
	model_say(p, "shutdown + keepalive, vanished peer, TCP_USER_TIMEOUT %s: killed at idle %s "
		     "+ %lld x intvl %s; + timer slack %s + %lld x %s",
		  dur_format(ut, e, sizeof(e)), dur_format(f->idle_ns, a, sizeof(a)),
		  (long long)k, dur_format(f->intvl_ns, g, sizeof(g)),
		  dur_format(late_idle, b, sizeof(b)), (long long)k,
		  dur_format(late_intvl, h, sizeof(h)));
}

/* A FIN_WAIT2 socket the application still holds (shutdown, descriptor kept): no
 * FIN_WAIT2 timer runs, only keepalive can end it, and only when the peer is gone. */
static void predict_held(const struct scenario *c, const struct model_facts *f,
			 const struct model_env *env, struct prediction *p)
{
	enum fw_fault fault = c->client.fault;
	int64_t intvl = f->intvl_ns, late_idle, late_intvl;
	char a[32], b[32], e[32], g[32];

	if (!f->keepalive) {
		p->kind = PRED_FOREVER;
		model_say(p, "shutdown, keepalive off: the socket keeps its descriptor, no "
			     "FIN_WAIT2 timer runs");
		return;
	}
	if (fault == FW_FAULT_FREEZE || fault == FW_FAULT_HANG) {
		p->kind = PRED_FOREVER;
		model_say(p, "shutdown + keepalive, peer kernel alive (%s): every probe is ACKed",
			  fw_fault_name(fault));
		return;
	}
	/* The kernel never waits less than a jiffy between probes (tcp_keepalive_timer()
	 * rearms with keepalive_intvl_when()); 0 would also never end the loops below. */
	if (intvl < model_jiffy_ns(env->hz))
		intvl = model_jiffy_ns(env->hz);
	late_idle = model_timer_late(f->idle_ns, env->hz);
	late_intvl = model_timer_late(intvl, env->hz);
	if (fault == FW_FAULT_REBOOT) {
		model_predict_range(p, env, f->idle_ns, late_idle);
		p->end = PRED_END_KEEPALIVE_RESET;
		p->probes_min = p->probes_max = 1;
		model_say(p, "shutdown + keepalive, rebooted peer: the first probe at idle %s meets a "
			     "reset; + timer slack %s", dur_format(f->idle_ns, a, sizeof(a)),
			  dur_format(late_idle, b, sizeof(b)));
		return;
	}
	if (f->user_timeout_ns > 0) {
		struct model_facts g2 = *f;

		g2.intvl_ns = intvl;
		predict_user_timeout(&g2, env, late_idle, late_intvl, p);
		return;
	}
	model_predict_range(p, env, f->idle_ns + f->cnt * intvl, late_idle + f->cnt * late_intvl);
	p->end = PRED_END_KEEPALIVE_ABORT;
	p->probes_min = p->probes_max = f->cnt;
	model_say(p, "shutdown + keepalive, vanished peer: idle %s + %ld x intvl %s unanswered "
		     "(tcp_keepalive_timer); + timer slack %s + %ld x %s",
		  dur_format(f->idle_ns, a, sizeof(a)), f->cnt, dur_format(intvl, g, sizeof(g)),
		  dur_format(late_idle, b, sizeof(b)), f->cnt, dur_format(late_intvl, e, sizeof(e)));
}

/* The client closes itself (none) or its kernel does for it (crash) at its point, so the
 * server's FIN_WAIT2 ends then: at once for a connection that reached the point last,
 * later for one that waited for the client's other connections (a client acts when all
 * of them reached the point). An orphan's timer may end it first. */
static void predict_client_end(const struct scenario *c, const struct model_facts *f,
			       const struct model_env *env, bool orphan, struct prediction *p)
{
	int64_t timer = 0;

	if (orphan) {
		struct prediction rule;

		memset(&rule, 0, sizeof(rule));
		model_orphan_rule(f, env, &rule);
		if (rule.kind == PRED_RANGE)
			timer = rule.max_ns;
	}
	model_predict_none(p, env);
	p->ends_at_point = true;
	p->timer_max_ns = timer;
	if (c->client.fault == FW_FAULT_NONE)
		model_say(p, "the client closes normally at its point: its FIN ends FIN_WAIT2");
	else
		model_say(p, "crashed client: its kernel closes the socket at the client's point "
			     "(FIN, or a reset when data was left unread)");
}

/* The cases where the client's point and fault leave no timer-driven FIN_WAIT2. Returns
 * true when one applies (p filled). */
static bool predict_no_fin_wait2(const struct scenario *c, const struct model_env *env,
				 struct prediction *p)
{
	enum fw_fault f = c->client.fault;
	bool before_fin = c->client.at != FW_AT_FIN;

	if (c->server.close.kind == FW_CLOSE_NONE)
		model_say(p, "close = none: the server never sends a FIN");
	else if (c->server.close.kind == FW_CLOSE_LINGER0) {
		model_say(p, "SO_LINGER {1, 0}: close() sends a reset, no FIN_WAIT2");
		/* After its response the server has read the request whole: nothing unread,
		 * so tcp_close() takes the zero-linger branch (measured, KERNEL.md). */
		if (c->client.at == FW_AT_RESPONSE)
			p->end = PRED_END_LINGER0;
	}
	else if (c->client.at == FW_AT_CONNECT && f != FW_FAULT_NONE && f != FW_FAULT_CRASH)
		/* Measured: the built-in server answers requests, in raw mode as in http, and
		 * closes only after an answer (docs/KERNEL.md, rule 6). */
		model_say(p, "the client faults before its request: the server has nothing to "
			     "answer and does not close first");
	else if (c->client.at == FW_AT_REQUEST && model_response_fills(c) > 0 &&
		 (f == FW_FAULT_FREEZE || f == FW_FAULT_HANG))
		model_say(p, "the client stopped reading a response larger than its window: the "
			     "FIN waits behind it in FIN_WAIT1, no FIN_WAIT2");
	else if (before_fin && f == FW_FAULT_VANISH)
		model_say(p, "the client vanished before ACKing the server's FIN: FIN_WAIT1 "
			     "retransmissions, no FIN_WAIT2");
	else if (before_fin && f == FW_FAULT_REBOOT)
		model_say(p, "the rebooted client answers the server's FIN with a reset: no "
			     "FIN_WAIT2");
	else
		return false;
	model_predict_none(p, env);
	return true;
}

static int predict_facts(const struct scenario *c, const struct model_facts *f,
			 const struct model_env *envp, struct prediction *p);

/* A middlebox, as the server's keepalive sees the client (docs/KERNEL.md, rules 31-33):
 * a flow the router forgot (idle-timeout: the first probe comes after idle_timeout) or a
 * blackhole from after-fin answers nothing, as a vanished host; one forgotten by a reset
 * middlebox answers the first probe with a reset, as a rebooted host. Returns the fault
 * the rules below then apply (with *why saying so), or -1 when not modelled. An orphan's
 * FIN_WAIT2 sends nothing and is unaffected. */
static int mb_as_fault(const struct scenario *c, const struct model_facts *f,
		       const struct model_env *env, char *why, size_t len)
{
	const struct fw_middlebox_cfg *m = &c->mb;
	enum fw_fault fault = c->client.fault;
	int64_t d = m->idle_timeout_s * NSEC_PER_SEC;
	bool alive = fault == FW_FAULT_FREEZE || fault == FW_FAULT_HANG;
	char a[32], b[32];

	why[0] = '\0';
	if (m->loss_pct && c->server.close.kind == FW_CLOSE_SHUTDOWN && f->keepalive) {
		snprintf(why, len, "random loss %ld%%: a probe or its answer may be lost",
			 m->loss_pct);
		return -1;
	}
	if (m->fault == FW_MB_NONE || fault == FW_FAULT_VANISH || fault == FW_FAULT_REBOOT)
		return fault;
	if (!alive && m->fault == FW_MB_BLACKHOLE) {
		snprintf(why, len, "the blackhole races the client's own %s at its point",
			 fault == FW_FAULT_CRASH ? "crash" : "close");
		return -1;
	}
	if (!alive)
		return fault;	/* the client closes at its point, long before any timeout */
	if (m->fault == FW_MB_BLACKHOLE) {
		/* Before the FIN its ACK (or the FIN) is dropped: FIN_WAIT1, as in front of a
		 * vanished host; after, the probes or their answers are. */
		snprintf(why, len, " [middlebox: blackhole from %s, %s: nothing gets through]",
			 fw_point_name(c->client.at), fw_name(&fw_direction_names, m->direction));
		return FW_FAULT_VANISH;
	}
	/* Only keepalive probes of a held socket meet a forgotten flow. */
	if (c->server.close.kind != FW_CLOSE_SHUTDOWN || !f->keepalive)
		return fault;
	/* The flow's last packet is the client's ACK of the FIN; the first probe comes idle
	 * after it, up to the wheel's lateness later, or a jiffy early. */
	if (f->idle_ns + model_timer_late(f->idle_ns, env->hz) + env->latency_ns < d) {
		snprintf(why, len, " [middlebox: idle_timeout %s > idle %s: each probe keeps "
			 "the flow]", dur_format(d, a, sizeof(a)), dur_format(f->idle_ns, b,
									       sizeof(b)));
		return fault;
	}
	if (f->idle_ns - model_jiffy_ns(env->hz) <= d) {
		snprintf(why, len, "the first probe comes about when the middlebox forgets the "
			 "flow (idle_timeout %s)", dur_format(d, a, sizeof(a)));
		return -1;
	}
	snprintf(why, len, " [middlebox: idle_timeout %s < idle %s: the flow is forgotten, "
		 "the probes %s]", dur_format(d, a, sizeof(a)), dur_format(f->idle_ns, b,
									   sizeof(b)),
		 m->fault == FW_MB_IDLE ? "dropped" : "answered with a reset");
	return m->fault == FW_MB_IDLE ? FW_FAULT_VANISH : FW_FAULT_REBOOT;
}

/* The scenario the rest of the model sees when a middlebox acts as a client fault: *eff,
 * and its note in mb (empty when none). false: the middlebox's effect is not modelled
 * (p says why). */
static bool mb_scenario(const struct scenario *c, const struct model_facts *f,
			const struct model_env *envp, struct scenario *eff, char *mb, size_t len,
			struct prediction *p)
{
	int r = mb_as_fault(c, f, envp, mb, len);

	if (r < 0) {
		p->kind = PRED_UNMODELLED;
		model_say(p, "not modelled: %s", mb);
		return false;
	}
	*eff = *c;
	eff->client.fault = (enum fw_fault)r;
	return true;
}

int model_predict_facts(const struct scenario *c, const struct model_facts *f,
			const struct model_env *envp, struct prediction *p)
{
	struct scenario eff;
	char mb[200];
	int r = 0;

	memset(p, 0, sizeof(*p));
	if (!envp || envp->hz <= 0 || envp->rto_ns <= 0 || envp->latency_ns < 0 ||
	    f->rto_lo_ns <= 0)
		return -EINVAL;
	if (!mb_scenario(c, f, envp, &eff, mb, sizeof(mb), p))
		return 0;
	r = predict_facts(&eff, f, envp, p);
	if (r == 0 && mb[0])
		model_append(p, "%s", mb);
	return r;
}

static int predict_facts(const struct scenario *c, const struct model_facts *f,
			 const struct model_env *envp, struct prediction *p)
{
	struct model_env e;
	enum fw_fault fault = c->client.fault;

	e = env_of(envp, f);
	if (c->client.at == FW_AT_REQUEST && model_response_fills(c) < 0 &&
	    (fault == FW_FAULT_FREEZE || fault == FW_FAULT_HANG)) {
		p->kind = PRED_UNMODELLED;
		model_say(p, "not modelled: a response of %ld bytes may or may not fill the "
			     "client's window (64 KiB..1 MiB)", c->server.response_size);
		return 0;
	}
	if (c->server.close.kind == FW_CLOSE_NONE || c->server.close.kind == FW_CLOSE_LINGER0)
		predict_no_fin_wait2(c, &e, p);
	else if (fault == FW_FAULT_NONE || fault == FW_FAULT_CRASH)
		predict_client_end(c, f, &e, c->server.close.kind == FW_CLOSE_CLOSE ||
					     c->server.close.kind == FW_CLOSE_LINGER, p);
	else if (predict_no_fin_wait2(c, &e, p))
		;
	else if (c->server.close.kind == FW_CLOSE_SHUTDOWN)
		predict_held(c, f, &e, p);
	else {
		/* close, or SO_LINGER with a timeout: close() waits for the FIN's ACK (or the
		 * timeout), then the socket is orphaned in FIN_WAIT2 as after a plain close
		 * (tcp_close). Keepalive, TCP_USER_TIMEOUT and the peer's state do not matter:
		 * the minisocket sends nothing. */
		model_orphan_rule(f, &e, p);
		apply_tw_buckets(c, f, &e, p);
		if (c->server.close.kind == FW_CLOSE_LINGER)
			model_append(p, " [SO_LINGER %ds]", c->server.close.linger_s);
	}
	return 0;
}

static int predict_fw2(const struct scenario *c, const struct model_facts *f,
		       enum model_fw2_start start, const struct model_env *envp,
		       struct prediction *p)
{
	struct model_env e = env_of(envp, f);
	enum fw_fault fault = c->client.fault;

	/* finwait-server never sends a FIN with close = none and resets with linger0: a
	 * FIN_WAIT2 there is a fault of ours, held to "none". */
	if (c->server.program == FW_PROG_BUILTIN && (c->server.close.kind == FW_CLOSE_NONE ||
						     c->server.close.kind == FW_CLOSE_LINGER0))
		predict_no_fin_wait2(c, &e, p);
	else if (fault == FW_FAULT_NONE || fault == FW_FAULT_CRASH)
		predict_client_end(c, f, &e, start != MODEL_FW2_HELD, p);
	else if (start == MODEL_FW2_HELD) {
		predict_held(c, f, &e, p);
		/* Say where the keepalive settings came from when they were read. */
		if (strncmp(f->source, "declared", 8) && f->keepalive)
			model_append(p, " [keepalive %s]", f->source);
	}
	else {
		model_orphan_rule(f, &e, p);
		apply_tw_buckets(c, f, &e, p);
		/* close() of a socket already in FIN_WAIT2 resets in tcp_close() instead
		 * (TCPAbortOnLinger): not measured here, so not said. */
		if (start == MODEL_FW2_CLOSED && p->end == PRED_END_LINGER2_ACKED)
			p->end = PRED_END_UNSAID;
	}
	return 0;
}

int model_predict_fw2(const struct scenario *c, const struct model_facts *f,
		      enum model_fw2_start start, const struct model_env *envp,
		      struct prediction *p)
{
	struct scenario eff;
	char mb[200];
	int r;

	memset(p, 0, sizeof(*p));
	if (!envp || envp->hz <= 0 || envp->latency_ns < 0 || f->rto_lo_ns <= 0)
		return -EINVAL;
	if (!mb_scenario(c, f, envp, &eff, mb, sizeof(mb), p))
		return 0;
	r = predict_fw2(&eff, f, start, envp, p);
	if (r == 0 && mb[0])
		model_append(p, "%s", mb);
	return r;
}

int model_predict(const struct scenario *c, const struct model_env *env,
		  struct prediction *p)
{
	struct model_facts f;

	memset(p, 0, sizeof(*p));
	if (!env || env->hz <= 0 || env->rto_ns <= 0 || env->latency_ns < 0)
		return -EINVAL;
	model_facts_declare(c, env, &f);
	return model_predict_facts(c, &f, env, p);
}
