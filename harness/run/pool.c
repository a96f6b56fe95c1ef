/* pool: worker threads over a run's cells, and the signals (see pool.h). */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "util.h"

/* A worker wakes the main thread with it when a cell is done, so that the run's end is
 * seen at once, not at the next tick. */
#define POOL_WAKE_SIG SIGUSR1

struct pool {
	pthread_t main;
	struct pool_cell *cells;
	size_t n;
	atomic_size_t next;
	atomic_size_t done;
	atomic_bool stop;
	struct cellrun_env env;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		struct pool_cell *c = &p->cells[i];

		if (atomic_load(&p->stop)) {
			c->out.interrupted = true;
		} else {
			atomic_store(&c->state, POOL_RUNNING);
			cellrun(&p->env, (unsigned)(i % ADDR_SLOTS), c->sc, &c->out);
			/* The host's sysctl moved: stop everything. */
			if (c->out.host_moved)
				atomic_store(&p->stop, true);
		}
		atomic_store(&c->state, POOL_DONE);
		atomic_fetch_add(&p->done, 1);
		pthread_kill(p->main, POOL_WAKE_SIG);
	}
	return NULL;
}

static void tick_now(struct pool *p, int64_t t0, bool sig, bool final, pool_tick_fn tick,
		     void *arg)
{
	struct pool_tick t = { atomic_load(&p->done), 0, p->n, mono_ns() - t0, sig, final };

	for (size_t i = 0; i < p->n; i++)
		t.running += atomic_load(&p->cells[i].state) == POOL_RUNNING;
	tick(&t, arg);
}

int pool_run(struct pool_cell *cells, size_t n, size_t n_threads,
	     const struct cellrun_env *env, pool_tick_fn tick, void *arg, bool *interrupted,
	     struct fw_err *err)
{
	struct pool p = { .main = pthread_self(), .cells = cells, .n = n, .env = *env };
	struct timespec period = { 0, 100 * NSEC_PER_MSEC };
	pthread_t *threads = calloc(n_threads ? n_threads : 1, sizeof(*threads));
	size_t started = 0;
	int64_t t0 = mono_ns();
	sigset_t sigs;
	int ret = 0;

	*interrupted = false;
	if (!threads)
		return fw_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	p.env.stop = &p.stop;
	/* SIGHUP (the terminal went away) and SIGQUIT end a run as SIGINT does: torn down,
	 * reported, exit 130. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	sigaddset(&sigs, POOL_WAKE_SIG);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (; started < n_threads; started++) {
		int r = pthread_create(&threads[started], NULL, worker, &p);

		if (r) {
			ret = fw_err_set(err, -r, NULL, 0, "cannot start worker thread %zu: %s",
					 started + 1, strerror(r));
			break;
		}
	}
	/* Fewer workers than asked is fine; none at all means nobody takes the cells. */
	if (started == 0) {
		atomic_store(&p.stop, true);
		worker(&p); /* marks every cell done and interrupted */
	}
	while (atomic_load(&p.done) < p.n) {
		int sig = sigtimedwait(&sigs, NULL, &period);
		bool stopped = sig > 0 && sig != POOL_WAKE_SIG;

		if (stopped) {
			*interrupted = true;
			atomic_store(&p.stop, true);
		}
		if (tick)
			tick_now(&p, t0, stopped, false, tick, arg);
	}
	if (tick)
		tick_now(&p, t0, false, true, tick, arg);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	return ret;
}
