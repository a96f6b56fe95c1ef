/* evpipe: the orchestrator's end of a child's status pipe. Owns the pipe (made for one
 * child), reading it without blocking and cutting what arrives into status lines
 * (common/status.h's protocol). One thread uses a given evpipe. */
#ifndef FINWAIT_EVPIPE_H
#define FINWAIT_EVPIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

struct evpipe {
	int fd;			/* the read end, non-blocking; -1 when closed */
	bool eof;		/* nothing more will come (EOF, a read error, or closed) */
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

/* Pops the next complete line into ev. Returns 1, or 0 when no complete line is
 * buffered. A line that does not parse is skipped, one longer than the buffer dropped. */
int evpipe_next(struct evpipe *p, struct status_event *ev);

/* Closes the read end (if open) and sets p to closed. */
void evpipe_close(struct evpipe *p);

#endif
