/* watch_leak: the leak detector of `finwait watch` (see watch_priv.h). A socket in
 * FIN_WAIT2 or CLOSE_WAIT that an application holds with no kernel timer running never
 * ends unless the peer acts (or, for CLOSE_WAIT, the application closes it): nothing in
 * the kernel will end it (docs/KERNEL.md, rules 7 and 25). It is reported at the first
 * look that sees that phase, so within one sampling interval of the sample that first
 * showed it. With --older, a stay is reported once, at the first look after it passed
 * the age. Each look needs no memory per socket: what is new is what began after the
 * previous look. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "watch_priv.h"

/* What a look found, copied out of the timeline (its pointers are valid only under the
 * sampler's lock) and printed after it, so that naming the holder (a walk of /proc)
 * never holds the sampler up. */
struct watch_pending {
	struct tl_conn c;	/* the tuple only */
	struct tl_visit v;
	const char *event, *why;
	uint8_t owner, timer;
	uint32_t inode;
	int64_t life_min;
};

static const char leak_fw2[] = "held with no timer: it stays in FIN_WAIT2 until the peer "
			       "closes (a leak when the peer is gone)";
static const char leak_cw[] = "held with no timer: it stays in CLOSE_WAIT until the "
			      "application closes it";

struct look {
	struct watch *w;
	struct sampler_counts k;	/* the sample being looked at */
	char older[64];
};

static void add_pending(struct look *lk, const struct tl_conn *c, const struct tl_visit *v,
			const struct tl_phase *ph, const char *event, const char *why)
{
	struct watch *w = lk->w;
	struct watch_pending *p;
	int64_t min = lk->k.last_before - v->entered_hi;

	if (w->npending == w->cappending) {
		size_t cap = w->cappending ? 2 * w->cappending : 16;
		struct watch_pending *n = realloc(w->pending, cap * sizeof(*n));

		if (!n)
			return; /* out of memory: this one is not reported */
		w->pending = n;
		w->cappending = cap;
	}
	p = &w->pending[w->npending++];
	memset(p, 0, sizeof(*p));
	p->c.tuple = c->tuple;
	p->v = *v;
	p->event = event;
	p->why = why;
	p->owner = ph->owner;
	p->timer = ph->timer;
	p->inode = ph->inode;
	p->life_min = min > 0 ? min : 0;
}

static void look_at(const struct tl_conn *c, const struct tl_visit *v, void *arg)
{
	struct look *lk = arg;
	struct watch *w = lk->w;
	struct tl_phase ph[TL_PHASES_MAX];
	size_t n = tl_visit_phases(c, (size_t)(v - c->visits), ph);
	const struct tl_phase *last = n ? &ph[n - 1] : NULL;

	if (!last || (w->only_state && v->state != w->only_state))
		return;
	if ((v->state == DIAG_FIN_WAIT2 || v->state == DIAG_CLOSE_WAIT) &&
	    last->owner == TL_HELD && last->timer == DIAG_TIMER_NONE &&
	    last->entered_hi > w->looked_after)
		add_pending(lk, c, v, last, "open",
			    v->state == DIAG_FIN_WAIT2 ? leak_fw2 : leak_cw);
	/* The stay's least age passed --older since the previous look. */
	if (w->older_ns && lk->k.last_before - v->entered_hi >= w->older_ns &&
	    w->looked_before - v->entered_hi < w->older_ns)
		add_pending(lk, c, v, last, "old", lk->older);
}

void watch_look(struct watch *w, struct sampler *smp)
{
	struct look lk = { .w = w };
	char d[32];

	snprintf(lk.older, sizeof(lk.older), "older than %s",
		 dur_format(w->older_ns, d, sizeof(d)));
	w->npending = 0;
	sampler_foreach_open(smp, look_at, &lk, &lk.k);
	w->looked_after = lk.k.last_after;
	w->looked_before = lk.k.last_before;
	for (size_t i = 0; i < w->npending; i++) {
		struct watch_pending *p = &w->pending[i];
		struct watch_event e = { p->event, p->why, &p->c, &p->v, p->life_min, TL_INF,
					 p->owner, p->timer, 0, NULL };
		struct owner o;

		if (p->owner == TL_HELD && p->inode && w->owners &&
		    !owner_lookup(w->owners, p->inode, mono_ns(), &o)) {
			e.pid = o.pid;
			e.process = o.comm[0] ? o.comm : NULL;
		}
		watch_print_event(w, &e);
	}
}

void watch_look_free(struct watch *w)
{
	free(w->pending);
	w->pending = NULL;
	w->npending = w->cappending = 0;
}
