#include "model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"
#include "util.h"


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

int64_t model_jiffies(int64_t ns, int hz)
{
	/* Round up, as msecs_model_jiffies() does. */
	return (ns / NSEC_PER_SEC) * hz + ((ns % NSEC_PER_SEC) * hz + NSEC_PER_SEC - 1) /
					      NSEC_PER_SEC;
}

int64_t model_jiffy_ns(int hz)
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
	j = model_jiffies(timeout_ns, hz);
	while (lvl < depth - 1 && j >= (63LL << (3 * lvl)))
		lvl++;
	return (1LL << (3 * lvl)) * NSEC_PER_SEC / hz;
}

/* tcp_fin_time(): never less than 3.5 RTO, computed in jiffies. */
int64_t model_floor_of(int64_t rto_j, int hz)
{
	return ((rto_j << 2) - (rto_j >> 1)) * NSEC_PER_SEC / hz;
}

int64_t model_rto_floor(const struct model_env *env)
{
	return model_floor_of(model_jiffies(env->rto_ns, env->hz), env->hz);
}

/* The greatest floor: __tcp_set_rto() rounds srtt + rttvar up to a jiffy, so allow one
 * jiffy over rto_max_ns. */
int64_t model_rto_floor_hi(const struct model_env *env)
{
	int64_t hi = env->rto_max_ns > env->rto_ns ? env->rto_max_ns : env->rto_ns;

	return model_floor_of(model_jiffies(hi, env->hz) + 1, env->hz);
}

void model_say(struct prediction *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
}

void model_append(struct prediction *p, const char *fmt, ...)
{
	size_t o = strlen(p->reason);
	va_list ap;

	if (o >= sizeof(p->reason) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(p->reason + o, sizeof(p->reason) - o, fmt, ap);
	va_end(ap);
}

/* The shortest FIN_WAIT2 any kernel timer can produce is the 3.5 RTO floor (less a
 * jiffy), so one shorter than that was ended by the peer (its FIN or RST), which is what
 * "none" means. */
void model_predict_none(struct prediction *p, const struct model_env *env)
{
	p->kind = PRED_NONE;
	p->min_ns = 0;
	p->max_ns = model_rto_floor(env) - model_jiffy_ns(env->hz);
}

/* The timer never fires early, but the measurement can start up to a jiffy after the
 * kernel's clock did. */
void model_predict_range(struct prediction *p, const struct model_env *env, int64_t t_ns,
			 int64_t slack_ns)
{
	p->kind = PRED_RANGE;
	p->min_ns = t_ns > model_jiffy_ns(env->hz) ? t_ns - model_jiffy_ns(env->hz) : 0;
	p->max_ns = t_ns + slack_ns + env->latency_ns;
}

int model_expect_of(const struct fw_expect *ex, const char *state,
		    const struct model_env *envp, struct prediction *p)
{
	struct model_env env;
	char a[32], b[32];

	memset(p, 0, sizeof(*p));
	if (!envp || envp->hz < 0 || envp->rto_ns <= 0)
		return -EINVAL;
	env = *envp;
	if (!env.hz)
		env.hz = 100;
	switch (ex->kind) {
	case FW_EXPECT_FOREVER:
		p->kind = PRED_FOREVER;
		model_say(p, "[expect] forever: still in %s at the limit", state);
		break;
	case FW_EXPECT_NONE:
		model_predict_none(p, &env);
		model_say(p, "[expect] none: no %s longer than %s", state,
			  dur_format(p->max_ns, a, sizeof(a)));
		break;
	case FW_EXPECT_RANGE:
		p->kind = PRED_RANGE;
		p->min_ns = ex->min_ns;
		p->max_ns = ex->max_ns;
		if (p->min_ns)
			model_say(p, "[expect] between %s and %s", dur_format(p->min_ns, a, sizeof(a)),
				  dur_format(p->max_ns, b, sizeof(b)));
		else
			model_say(p, "[expect] within %s", dur_format(p->max_ns, a, sizeof(a)));
		break;
	case FW_EXPECT_ANY:
		p->kind = PRED_UNMODELLED;
		model_say(p, "[expect] any: %s is not judged", state);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

int model_expect(const struct scenario *c, const struct model_env *env,
		 struct prediction *p)
{
	if (c->expect.kind == FW_EXPECT_MODEL)
		return model_predict(c, env, p);
	if (!env || env->hz <= 0)
		return -EINVAL;
	return model_expect_of(&c->expect, "FIN_WAIT2", env, p);
}

int model_at_hz(const struct model_env *env, model_fn fn, const void *arg,
		struct prediction *out)
{
	static const int choices[] = { 100, 250, 300, 1000 };
	struct model_env e = *env;
	struct prediction p;
	int ret;

	if (env->hz)
		return fn(env, arg, out);
	for (size_t i = 0; i < ARRAY_SIZE(choices); i++) {
		e.hz = choices[i];
		if ((ret = fn(&e, arg, i ? &p : out)))
			return ret;
		/* The rules do not depend on HZ, only the slack does: widen to cover all. */
		if (i && model_widen(out, &p))
			return -EINVAL;
	}
	return 0;
}

static int expect_at(const struct model_env *env, const void *c, struct prediction *out)
{
	return model_expect(c, env, out);
}

int model_expect_any_hz(const struct scenario *c, const struct model_env *env,
			struct prediction *out)
{
	struct model_env e = *env;
	int ret;

	e.hz = 0;
	if ((ret = model_at_hz(&e, expect_at, c, out)))
		return ret;
	model_append(out, "; HZ unknown: widest over HZ 100/250/300/1000");
	return 0;
}

int model_widen(struct prediction *out, const struct prediction *p)
{
	if (p->kind != out->kind)
		return -EINVAL;
	if (p->min_ns < out->min_ns)
		out->min_ns = p->min_ns;
	if (p->max_ns > out->max_ns)
		out->max_ns = p->max_ns;
	if (p->timer_max_ns > out->timer_max_ns)
		out->timer_max_ns = p->timer_max_ns;
	/* The user timeout's probe count depends on the timer slack, hence on HZ. */
	if (p->end != out->end)
		out->end = PRED_END_UNSAID;
	if (p->probes_min < out->probes_min)
		out->probes_min = p->probes_min;
	if (p->probes_max > out->probes_max)
		out->probes_max = p->probes_max;
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
	return model_check_state(p, m, "FIN_WAIT2", why, len);
}

bool model_check_state(const struct prediction *p, const struct measured *m,
		       const char *state, char *why, size_t len)
{
	char a[32], b[32], e[80], tmp[8];
	bool ok;

	if (!why) {
		why = tmp;
		len = sizeof(tmp);
	}
	if (p->kind == PRED_UNMODELLED) {
		/* Reported, not judged: the reason says what the model does not know. */
		snprintf(why, len, "not judged: %s", p->reason);
		return true;
	}
	expected_text(p, e, sizeof(e));
	switch (m->kind) {
	case MEAS_ABSENT:
		/* An absent FIN_WAIT2 is a lifetime of 0. */
		ok = p->kind != PRED_FOREVER && p->min_ns <= 0;
		snprintf(why, len, "no %s seen, expected %s", state, e);
		break;
	case MEAS_OPEN:
		/* Still there when sampling stopped: only "forever" is met. A bounded
		 * expectation whose end lies past the observation is not met either: it was
		 * never seen to end (run checks that the limit leaves room for it). */
		ok = p->kind == PRED_FOREVER;
		snprintf(why, len, "still in %s after %s, expected %s", state,
			 secs(m->min_ns, a, sizeof(a)), e);
		break;
	case MEAS_RANGE:
	default:
		ok = p->kind != PRED_FOREVER && m->min_ns <= p->max_ns && m->max_ns >= p->min_ns;
		snprintf(why, len, "%s lasted %s..%s, expected %s", state,
			 secs(m->min_ns, a, sizeof(a)), secs(m->max_ns, b, sizeof(b)), e);
		break;
	}
	return ok;
}

bool model_plateau(const struct prediction *p, long rate, int64_t duration_ns,
		   int64_t interval_ns, int64_t late_ns, long *lo, long *hi)
{
	double r = (double)rate / NSEC_PER_SEC, a, b;

	if (p->kind != PRED_RANGE || rate <= 0 || duration_ns <= 0)
		return false;
	a = r * (double)(p->min_ns < duration_ns ? p->min_ns : duration_ns);
	b = r * (double)(p->max_ns < duration_ns ? p->max_ns : duration_ns);
	/* A dump is not an instant either: one interval on both sides. */
	a -= r * (double)interval_ns + 1;
	b += r * (double)(late_ns + interval_ns) + 1;
	*lo = a > 0 ? (long)a : 0;
	*hi = (long)(b + 0.999999);
	return true;
}
