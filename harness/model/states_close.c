/* states_close: how long the server's socket stays in TIME_WAIT and CLOSE_WAIT
 * (docs/KERNEL.md, rules 25-26), from a cell's declarations and facts. Pure. */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model_priv.h"
#include "util.h"

/* TCP_TIMEWAIT_LEN (include/net/tcp.h). */
#define TW_LEN_NS (60 * NSEC_PER_SEC)
/* TCP_DELACK_MIN: the server's ACK of the client's FIN waits up to this (pingpong). */
#define DELACK_NS (40 * NSEC_PER_MSEC)
/* See model_closes_first(). */
#define RACE_NS (100 * NSEC_PER_MSEC)

static bool env_ok(const struct model_env *env, const struct model_facts *f)
{
	return env && env->hz > 0 && env->rto_ns > 0 && env->latency_ns >= 0 &&
	       f->rto_lo_ns > 0;
}

long model_client_fin_timeout(const struct scenario *c, long def)
{
	const char *v = scen_kvlist_get(&c->client_sysctl, "net.ipv4.tcp_fin_timeout");
	long l;

	return v && !parse_long(v, 0, INT32_MAX, &l) ? l : def;
}

int model_closes_first(const struct scenario *c)
{
	enum fw_fault f = c->client.fault;

	if ((f != FW_FAULT_NONE && f != FW_FAULT_CRASH) || c->client.at == FW_AT_FIN)
		return 1;
	if (c->client.at == FW_AT_RESPONSE && c->server.close.kind != FW_CLOSE_NONE &&
	    c->server.close_after_ns < RACE_NS)
		return 0;
	return -1;
}

/* What both states start from: the checks, and who closes first (*who; 0: a race, which
 * p then says is not modelled). Returns 0 or -EINVAL. */
static int begin(const struct scenario *c, const struct model_facts *f,
		 const struct model_env *env, const char *state, struct prediction *p, int *who)
{
	memset(p, 0, sizeof(*p));
	if (!env_ok(env, f))
		return -EINVAL;
	*who = model_closes_first(c);
	if (!*who) {
		p->kind = PRED_UNMODELLED;
		model_say(p, "%s not modelled: who closes first races (close_after < 100ms)", state);
	}
	return 0;
}

int model_time_wait(const struct scenario *c, const struct model_facts *f,
		    const struct model_env *env, struct prediction *p)
{
	int64_t late;
	char a[32];
	int who;

	if (begin(c, f, env, "TIME_WAIT", p, &who))
		return -EINVAL;
	if (!who)
		return 0;
	model_predict_none(p, env);
	if (who < 0)
		model_say(p, "the client closed first: the server passes CLOSE_WAIT and LAST_ACK");
	else if (c->server.close.kind == FW_CLOSE_NONE || c->server.close.kind == FW_CLOSE_LINGER0)
		model_say(p, "the server sends no FIN (close = none, or a reset)");
	else if (c->client.fault != FW_FAULT_NONE && c->client.fault != FW_FAULT_CRASH)
		model_say(p, "the client never sends its FIN (%s)", fw_fault_name(c->client.fault));
	else if (f->no_fin_wait2 && c->server.close.kind != FW_CLOSE_SHUTDOWN)
		model_say(p, "TCP_LINGER2 -1: the orphan is reset when its FIN is ACKed, before "
			     "the client's FIN");
	else if (f->tw_buckets == 0)
		model_say(p, "tcp_max_tw_buckets 0: no timewait minisocket (tcp_time_wait)");
	else {
		/* tcp_time_wait(sk, TCP_TIME_WAIT, 0) from a full socket, or
		 * tcp_timewait_state_process() re-arming a FIN_WAIT2 minisocket: both
		 * TCP_TIMEWAIT_LEN, on the timer wheel (inet_twsk_schedule()). */
		late = model_timer_late(TW_LEN_NS, env->hz);
		model_predict_range(p, env, TW_LEN_NS, late);
		if (f->tw_buckets > 0 && f->tw_buckets < c->connections)
			p->may_drop = c->connections - f->tw_buckets;
		model_say(p, "the client's FIN came after the server's: TIME_WAIT for "
			     "TCP_TIMEWAIT_LEN 60s (tcp_time_wait, tcp_timewait_state_process); "
			     "+ timer slack %s", dur_format(late, a, sizeof(a)));
	}
	return 0;
}

/* How long the client's socket answers after its close: its orphan FIN_WAIT2 lasts its
 * namespace's tcp_fin_timeout (tcp_fin_time(), at least 3.5 RTO), from the server's
 * delayed ACK of its FIN. */
static void peer_life(const struct model_facts *f, const struct model_env *env,
		      int64_t *lo, int64_t *hi)
{
	int64_t floor_lo = model_rto_floor(env), floor_hi = model_rto_floor_hi(env);
	int64_t fc = f->peer_fin_ns;

	*lo = (fc > floor_lo ? fc : floor_lo) - model_jiffy_ns(env->hz);
	fc = fc > floor_hi ? fc : floor_hi;
	*hi = fc + model_timer_late(fc, env->hz) + DELACK_NS + env->latency_ns;
}

/* CLOSE_WAIT with keepalive: the probes start at idle after the client's FIN and come
 * every max(idle, intvl) while the client's orphan ACKs them; the first one after it is
 * gone meets a reset (tcp_keepalive_timer(); no socket answers with RST). */
static void predict_keepalive(const struct model_facts *f, const struct model_env *env,
			      struct prediction *p)
{
	int64_t step = f->intvl_ns > f->idle_ns ? f->intvl_ns : f->idle_ns;
	int64_t late = model_timer_late(f->idle_ns, env->hz) +
		       2 * model_timer_late(f->intvl_ns, env->hz);
	int64_t dead_lo, dead_hi, k_lo = 0, k_hi = 0;
	char a[32], b[32], d[32];

	peer_life(f, env, &dead_lo, &dead_hi);
	/* The earliest end: the first probe that may come after the earliest death; the
	 * latest: the first that surely does, as late as it may be. */
	while (f->idle_ns + k_lo * step + (k_lo + 1) * late < dead_lo)
		k_lo++;
	while (f->idle_ns + k_hi * step < dead_hi)
		k_hi++;
	p->kind = PRED_RANGE;
	p->min_ns = f->idle_ns + k_lo * step - model_jiffy_ns(env->hz);
	p->max_ns = f->idle_ns + k_hi * step + (k_hi + 1) * late + env->latency_ns;
	model_say(p, "close = none + keepalive: probes from idle %s every %s, answered while the "
		     "client's orphan lives (its tcp_fin_timeout %s); the first after meets a "
		     "reset (tcp_keepalive_timer)", dur_format(f->idle_ns, a, sizeof(a)),
		  dur_format(step, b, sizeof(b)), dur_format(f->peer_fin_ns, d, sizeof(d)));
}

int model_close_wait(const struct scenario *c, const struct model_facts *f,
		     const struct model_env *env, struct prediction *p)
{
	int who;

	if (begin(c, f, env, "CLOSE_WAIT", p, &who))
		return -EINVAL;
	if (!who)
		return 0;
	if (who > 0) {
		model_predict_none(p, env);
		model_say(p, "the server closes first: the client's FIN comes in FIN_WAIT2");
	} else if (c->client.at == FW_AT_REQUEST) {
		model_predict_none(p, env);
		model_say(p, "the client closed before the response: the response meets a reset");
	} else if (c->server.close.kind != FW_CLOSE_NONE) {
		model_predict_none(p, env);
		model_say(p, "the server closes when it reads the client's FIN (then LAST_ACK)");
	} else if (!f->keepalive) {
		p->kind = PRED_FOREVER;
		model_say(p, "close = none: the application holds the socket and never closes; no "
			     "kernel timer runs in CLOSE_WAIT (the leak)");
	} else if (f->peer_fin_ns > TW_LEN_NS) {
		p->kind = PRED_UNMODELLED;
		model_say(p, "CLOSE_WAIT not modelled: the client's tcp_fin_timeout is over 60s");
	} else {
		predict_keepalive(f, env, p);
	}
	return 0;
}
