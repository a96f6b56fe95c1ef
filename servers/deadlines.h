/* deadlines: finwait-server's close-after deadlines, a FIFO ring on one timerfd. Every
 * deadline is now + the same delay, so arming order is expiry order. An entry is dropped
 * lazily: is_live() says whether it still stands (its connection may have gone). */
#ifndef FINWAIT_DEADLINES_H
#define FINWAIT_DEADLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct deadline {
	int fd;
	uint32_t id;
	int64_t at;	/* CLOCK_MONOTONIC ns */
};

struct deadlines {
	struct deadline *q;
	size_t cap, head, len;
	int64_t armed;	/* what the timerfd is armed for, 0: disarmed */
	int tfd;
	bool (*is_live)(void *ctx, const struct deadline *d);
	void *ctx;
};

/* Queues d and arms the timerfd for the earliest live entry. Returns 0 or -ENOMEM. */
int deadlines_push(struct deadlines *q, struct deadline d);

/* Arms the timerfd for the earliest live entry (disarms it when there is none). */
void deadlines_arm(struct deadlines *q);

/* After the timerfd fired: takes the next live entry due by now into out. */
bool deadlines_pop_due(struct deadlines *q, int64_t now, struct deadline *out);

void deadlines_free(struct deadlines *q);

#endif
