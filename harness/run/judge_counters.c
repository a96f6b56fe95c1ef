/* judge_counters: the kernel's TCP MIB counters as a second witness (see judge.h). The
 * model says how each connection's FIN_WAIT2 ends (enum pred_end); where that end moves
 * a counter (docs/KERNEL.md, "Counters"), the cell's delta must be what the model's ends
 * add up to. The expectation comes from the model's rules and the connections sock_diag
 * saw, never from the counters. */
#include "judge.h"

#include <stdio.h>
#include <string.h>

void judge_ends_add(struct judge_ends *e, const struct prediction *p)
{
	e->conns++;
	if (p->may_drop > e->may_drop)
		e->may_drop = p->may_drop;
	if (p->end == PRED_END_UNSAID)
		return;
	e->said++;
	e->n[p->end]++;
	e->probes_min += p->probes_min;
	e->probes_max += p->probes_max;
}

/* Checks counter name against [min, max]; adds it to j. false when it disagrees. */
static bool check(struct judgement *j, const struct cell_outcome *out, const char *name,
		  long min, long max, const char *fmt, long n)
{
	struct judge_counter *k;
	int64_t v = 0;

	if (j->n_counters == JUDGE_COUNTERS_MAX)
		return true;
	k = &j->counters[j->n_counters++];
	counters_get(&out->counters, name, &v);
	k->name = name;
	k->min = min;
	k->max = max;
	k->measured = v;
	k->pass = v >= min && v <= max;
	snprintf(k->why, sizeof(k->why), fmt, n);
	return k->pass;
}

/* "3" or "2..4". */
static const char *range_text(const struct judge_counter *k, char *buf, size_t len)
{
	if (k->min == k->max)
		snprintf(buf, len, "%lld", (long long)k->min);
	else
		snprintf(buf, len, "%lld..%lld", (long long)k->min, (long long)k->max);
	return buf;
}

/* The keepalive ends, when the model says how every connection ends. */
static void check_keepalive(const struct judge_ends *e, const struct cell_outcome *out,
			    struct judgement *j)
{
	long abort = e->n[PRED_END_KEEPALIVE_ABORT], reset = e->n[PRED_END_KEEPALIVE_RESET];

	if (e->said != e->conns || !(abort + reset))
		return;
	/* tcp_keepalive_timer(): tcp_write_err() counts the give-up; a probe answered by a
	 * reset ends in tcp_reset(), which counts nothing of it. */
	check(j, out, "TCPAbortOnTimeout", abort, abort,
	      "keepalive gives up on %ld connections (tcp_write_err())", abort);
	/* tcp_xmit_probe_skb() counts each probe it sends. */
	check(j, out, "TCPKeepAlive", e->probes_min, e->probes_max,
	      "keepalive probes before %ld connections ended (tcp_xmit_probe_skb())",
	      abort + reset);
	/* The give-up sends a reset (tcp_send_active_reset()); a reset received sends none. */
	check(j, out, "TcpOutRsts", abort, abort,
	      "keepalive gives up on %ld connections, a reset each (tcp_send_active_reset())",
	      abort);
}

bool judge_counters(const struct judge_ends *e, const struct cell_outcome *out,
		    struct judgement *j, char *why, size_t len)
{
	long linger0 = e->n[PRED_END_LINGER0], linger2 = e->n[PRED_END_LINGER2_ACKED];
	long dropped = e->n[PRED_END_TW_DROPPED] + e->may_drop;
	char a[48];

	j->n_counters = 0;
	if (!out->has_counters)
		return true;
	check_keepalive(e, out, j);
	if (linger0 && !linger2 && e->said == e->conns)
		check(j, out, "TCPAbortOnData", linger0, linger0,
		      "close() with SO_LINGER {1, 0} on %ld connections (tcp_close())", linger0);
	if (linger2 && !linger0 && e->said == e->conns)
		check(j, out, "TCPAbortOnData", linger2, linger2,
		      "%ld orphans with TCP_LINGER2 -1 reset when their FIN is ACKed "
		      "(tcp_rcv_state_process())", linger2);
	if (dropped)
		check(j, out, "TCPTimeWaitOverflow", dropped, dropped,
		      "%ld orphans find the timewait table full (tcp_time_wait())", dropped);
	for (size_t i = 0; i < j->n_counters; i++) {
		const struct judge_counter *k = &j->counters[i];

		if (k->pass)
			continue;
		snprintf(why, len, "counters: the kernel's %s moved by %lld over the cell, the "
			 "model says %s from the %ld connections sock_diag saw: %s", k->name,
			 (long long)k->measured, range_text(k, a, sizeof(a)), e->conns, k->why);
		return false;
	}
	return true;
}
