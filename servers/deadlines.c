#include "deadlines.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/timerfd.h>

#include "util.h"

/* Drops the dead entries at the head. */
static void skip_dead(struct deadlines *q)
{
	while (q->len && !q->is_live(q->ctx, &q->q[q->head])) {
		q->head = (q->head + 1) % q->cap;
		q->len--;
	}
}

void deadlines_arm(struct deadlines *q)
{
	struct itimerspec its = { 0 };
	int64_t next;

	skip_dead(q);
	next = q->len ? q->q[q->head].at : 0;
	if (next == q->armed)
		return;
	q->armed = next;
	its.it_value.tv_sec = next / NSEC_PER_SEC;
	its.it_value.tv_nsec = next % NSEC_PER_SEC;
	timerfd_settime(q->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

int deadlines_push(struct deadlines *q, struct deadline d)
{
	if (q->len == q->cap) {
		size_t ncap = q->cap ? 2 * q->cap : 1024;
		struct deadline *nq = malloc(ncap * sizeof(*nq));

		if (!nq)
			return -ENOMEM;
		for (size_t i = 0; i < q->len; i++)
			nq[i] = q->q[(q->head + i) % q->cap];
		free(q->q);
		q->q = nq;
		q->cap = ncap;
		q->head = 0;
	}
	q->q[(q->head + q->len) % q->cap] = d;
	q->len++;
	deadlines_arm(q);
	return 0;
}

bool deadlines_pop_due(struct deadlines *q, int64_t now, struct deadline *out)
{
	/* The timerfd is disarmed once it fired: deadlines_arm() sets it again. */
	q->armed = 0;
	skip_dead(q);
	if (!q->len || q->q[q->head].at > now)
		return false;
	*out = q->q[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return true;
}

void deadlines_free(struct deadlines *q)
{
	free(q->q);
	q->q = NULL;
	q->cap = q->len = q->head = 0;
}
