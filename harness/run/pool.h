/* pool: runs the cells of a run on worker threads, one cell per worker at a time, while
 * the calling thread waits for SIGINT/SIGTERM and ticks for progress. Owns the threads,
 * the signal mask and the stop flag that cellrun() watches (set by a signal, or when a
 * cell finds that a host sysctl moved). */
#ifndef FINWAIT_POOL_H
#define FINWAIT_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellrun.h"
#include "err.h"

enum pool_cell_state { POOL_PENDING, POOL_RUNNING, POOL_DONE };

/* One cell and what became of it. */
struct pool_cell {
	const struct scenario *sc;
	struct cell_outcome out;	/* filled by cellrun(); free with cell_outcome_clear */
	atomic_int state;		/* enum pool_cell_state */
};

/* What the waiting thread sees, every 100 ms and once more at the end. */
struct pool_tick {
	size_t done, running, n;	/* cells */
	int64_t elapsed_ns;
	bool signal;		/* SIGINT, SIGTERM, SIGHUP or SIGQUIT came since the last tick */
	bool final;		/* the last tick: every cell is done */
};

typedef void (*pool_tick_fn)(const struct pool_tick *t, void *arg);

/* Runs cells[0..n) with cellrun() in env (env->stop is replaced by the pool's flag) on
 * n_threads workers (1..n). First blocks SIGINT, SIGTERM, SIGHUP and SIGQUIT, and
 * SIGUSR1 (a worker's "cell done"), in the calling thread, for good (the workers inherit
 * the mask; proc_spawn() resets it for children), and ignores SIGPIPE: call it from the
 * main thread, after lab_open(). After a signal, or once a cell's host_moved is set,
 * cells not yet started are marked interrupted. tick (may be
 * NULL) gets arg. Returns when every cell is done: 0, or -errno when worker threads could
 * not be started (err says which; the cells ran on fewer workers, or were all marked
 * interrupted when none started). *interrupted tells whether a signal came. */
int pool_run(struct pool_cell *cells, size_t n, size_t n_threads,
	     const struct cellrun_env *env, pool_tick_fn tick, void *arg, bool *interrupted,
	     struct fw_err *err);

#endif
