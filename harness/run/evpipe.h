/* evpipe: the orchestrator's end of a child's status pipe. Owns the pipe (made for one
 * child), reading it without blocking and cutting what arrives into status lines
 * (common/status.h's protocol). One thread uses a given evpipe. */
#ifndef FINWAIT_EVPIPE_H
#define FINWAIT_EVPIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct evpipe {
	int fd;			/* the read end, non-blocking; -1 when closed */
	bool eof;		/* nothing more will come (EOF, a read error, or closed) */
	/* What finwait itself observed (CLOCK_MONOTONIC ns): the pipe was made before the
	 * child started, and the buffered lines had been written by the last read. A time
	 * an endpoint reports is clamped to [t_open, t_read]. */
	int64_t t_open, t_read;
	size_t len;
	char buf[4 * STATUS_LINE_MAX];
};

/* Sets p to closed (fd -1, eof), so that evpipe_close() is safe on it. */
void evpipe_init(struct evpipe *p);

/* Makes a pipe: p keeps the non-blocking read end (close-on-exec), *child_end gets the
 * blocking write end (close-on-exec too: hand it over with struct proc_io's extra_fd),
 * which the caller closes once the child has it. Returns 0 or -errno (p stays closed). */
int evpipe_open(struct evpipe *p, int *child_end);

/* Reads what is available without blocking; sets eof at EOF or on a read error. */
void evpipe_fill(struct evpipe *p);

/* Pops the next complete line into ev, its t clamped (evpipe_clamp()). Returns 1, or 0
 * when no complete line is buffered. A line that does not parse is skipped, one longer
 * than the buffer dropped. */
int evpipe_next(struct evpipe *p, struct status_event *ev);

/* A time the child reported (a line's t, or a value such as close's done=), moved into
 * what finwait saw: not before the pipe was made, not after the line was read. An
 * endpoint's clock is the same CLOCK_MONOTONIC, so this changes only a wrong value. */
int64_t evpipe_clamp(const struct evpipe *p, int64_t t);

/* Closes the read end (if open) and sets p to closed. */
void evpipe_close(struct evpipe *p);

#endif
