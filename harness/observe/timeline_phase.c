/* timeline_phase.c: the phases of each visit (timeline.h): who has the socket and which
 * kernel timer runs on it. A visit's first phase starts with the visit, from its first
 * record (tl_phase_start()); a later sample that shows another owner or timer starts the
 * next one (tl_phase_sample(): its usual case, nothing changed, is inline in
 * timeline_priv.h); the server's close() narrows a held -> orphan boundary
 * (tl_phase_apply_orphan()); tl_visit_phases() reads them back with both ends.
 *
 * Storage: a visit keeps its first phase inline (most visits have just one) and the
 * others sit in the connection's phase store (tl_conn.more), in visit order: only the
 * current visit gets new phases, so each visit's share is contiguous. */
#include "timeline.h"
#include "timeline_priv.h"

#include <errno.h>
#include <stdlib.h>

void tl_phase_start(const struct tl_conn *c, struct tl_visit *v, const struct diag_sock *s)
{
	v->more_at = c->nmore;
	v->nphases = s ? 1 : 0;
	v->owner = s ? tl_owner_of(s) : TL_ORPHAN;
	v->timer = s ? s->timer : DIAG_TIMER_NONE;
	v->inode = s ? s->inode : 0;
	v->rto_us = s ? s->rto_us : 0;
}

/* Room in the phase store for one more: 1 entry at first (the usual need), then
 * doubling; the capacity follows from the count, so the connection does not keep it.
 * 0 or -ENOMEM. */
static int grow_more(struct tl_conn *c)
{
	size_t cap = 0, n = c->nmore;

	if (n) {
		cap = 1;
		while (cap < n)
			cap *= 2;
	}
	return tl_grow_from((void **)&c->more, &cap, n + 1, sizeof(*c->more), 1);
}

/* What a record adds to the phase it continues: the inode while held, and the RTO when
 * the record has one (a minisocket has no tcp_info). */
static void refresh(uint32_t *inode, uint32_t *rto_us, const struct diag_sock *s)
{
	if (s->inode)
		*inode = s->inode;
	if (s->rto_us)
		*rto_us = s->rto_us;
}

int tl_phase_sample_slow(struct tl_conn *c, const struct diag_sock *s, int64_t lo,
			 int64_t hi)
{
	struct tl_visit *v = &c->visits[c->nvisits - 1];
	struct tl_more_phase *m;
	uint8_t owner = tl_owner_of(s);

	if (!v->nphases) {
		tl_phase_start(c, v, s);
		return 0;
	}
	m = v->nphases > 1 ? &c->more[v->more_at + v->nphases - 2] : NULL;
	if (m ? m->owner == owner && m->timer == s->timer
	      : v->owner == owner && v->timer == s->timer) {
		if (m)
			refresh(&m->inode, &m->rto_us, s);
		else
			refresh(&v->inode, &v->rto_us, s);
		return 0;
	}
	if (m && (v->nphases == TL_PHASES_MAX || c->nmore == UINT16_MAX)) {
		/* Full: the last phase takes the change (its entry stays the first one's). */
		m->owner = owner;
		m->timer = s->timer;
		m->flags |= TL_P_MIXED;
		m->inode = s->inode;
		if (s->rto_us)
			m->rto_us = s->rto_us;
		return 0;
	}
	if (grow_more(c))
		return -ENOMEM;
	m = &c->more[c->nmore++];
	m->entered_lo = lo;
	m->entered_hi = hi;
	m->owner = owner;
	m->timer = s->timer;
	m->flags = 0;
	m->inode = s->inode;
	m->rto_us = s->rto_us;
	v->nphases++;
	return 0;
}

bool tl_phase_apply_orphan(struct tl_conn *c, int64_t lo, int64_t hi)
{
	for (uint32_t i = 0; i < c->nvisits; i++) {
		const struct tl_visit *v = &c->visits[i];
		uint8_t prev = v->owner;

		for (uint32_t k = 1; k < v->nphases; k++) {
			struct tl_more_phase *m = &c->more[v->more_at + k - 1];

			if (prev == TL_HELD && m->owner == TL_ORPHAN &&
			    tl_narrow(&m->entered_lo, &m->entered_hi, lo, hi)) {
				m->flags |= TL_P_EVENT_IN;
				return true;
			}
			prev = m->owner;
		}
	}
	return false;
}

/* Phase k (> 0) of visit v: its own record, its entry clamped to the visit's span. */
static void more_phase(const struct tl_conn *c, const struct tl_visit *v, size_t k,
		       struct tl_phase *p)
{
	const struct tl_more_phase *m = &c->more[v->more_at + k - 1];

	p->entered_lo = m->entered_lo > v->entered_lo ? m->entered_lo : v->entered_lo;
	p->entered_hi = m->entered_hi < v->left_hi ? m->entered_hi : v->left_hi;
	if (p->entered_hi < p->entered_lo)
		p->entered_hi = p->entered_lo;
	p->inode = m->inode;
	p->rto_us = m->rto_us;
	p->owner = m->owner;
	p->timer = m->timer;
	p->flags = m->flags;
}

size_t tl_visit_phases(const struct tl_conn *c, size_t vi, struct tl_phase *out)
{
	const struct tl_visit *v;
	size_t n, k;

	if (vi >= c->nvisits)
		return 0;
	v = &c->visits[vi];
	n = v->nphases;
	if (!out || !n)
		return n;
	out[0] = (struct tl_phase){ .entered_lo = v->entered_lo, .entered_hi = v->entered_hi,
				    .inode = v->inode, .rto_us = v->rto_us, .owner = v->owner,
				    .timer = v->timer };
	for (k = 1; k < n; k++)
		more_phase(c, v, k, &out[k]);
	for (k = 0; k + 1 < n; k++) {
		out[k].left_lo = out[k + 1].entered_lo;
		out[k].left_hi = out[k + 1].entered_hi;
	}
	out[n - 1].left_lo = v->left_lo;
	out[n - 1].left_hi = v->left_hi;
	return n;
}
