#include "sampler.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct sampler {
	struct diag *diag;
	struct timeline *tl;
	struct series *series;	/* sockets per state over time, from the same counts */
	int64_t interval;
	pthread_t thread;
	bool thread_running;
	bool finished;
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* broadcast after every sample and on failure */
	struct sampler_counts counts;
	const struct diag_sock *last; /* the latest dump (diag's buffer), NULL during one */
	size_t nlast;
};

static void ns_to_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

/* One dump, stamped on both sides, added to the timeline. Caller does not hold the lock. */
static int sample_once(struct sampler *s)
{
	const struct diag_sock *socks;
	size_t n;
	int64_t before, after;
	int ret;

	/* The dump reuses diag's buffer: sampler_held() must not read it meanwhile. */
	pthread_mutex_lock(&s->lock);
	s->last = NULL;
	pthread_mutex_unlock(&s->lock);
	before = mono_ns();
	ret = diag_dump(s->diag, &socks, &n);
	after = mono_ns();
	pthread_mutex_lock(&s->lock);
	if (!ret)
		ret = timeline_add_sample(s->tl, before, after, socks, n);
	if (!ret) {
		s->last = socks;
		s->nlast = n;
	}
	if (!ret) {
		struct sampler_counts *c = &s->counts;
		c->samples++;
		c->live_total = timeline_live(s->tl, c->live);
		series_add(s->series, before + (after - before) / 2, c->live);
		c->seen = timeline_seen(s->tl);
		c->last_before = before;
		c->last_after = after;
		c->total_dump_ns += after - before;
		if (after - before > c->max_dump_ns)
			c->max_dump_ns = after - before;
	} else if (!s->counts.error) {
		s->counts.error = ret;
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	int64_t next = mono_ns();

	while (!atomic_load(&s->stop)) {
		struct timespec ts;
		int64_t now;

		/* Absolute deadlines on a fixed grid: no drift. A dump that overruns skips the
		 * deadlines it missed rather than firing a burst to catch up. */
		next += s->interval;
		now = mono_ns();
		if (now > next) {
			int64_t skip = (now - next) / s->interval + 1;
			next += skip * s->interval;
			pthread_mutex_lock(&s->lock);
			s->counts.missed += (uint64_t)skip;
			pthread_mutex_unlock(&s->lock);
		}
		ns_to_ts(next, &ts);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		if (atomic_load(&s->stop))
			break;
		if (sample_once(s))
			break;
	}
	return NULL;
}

int sampler_start(const struct sampler_conf *conf, struct sampler **out)
{
	struct diag_filter f = conf->filter;
	pthread_condattr_t ca;
	struct sampler *s;
	int ret;

	*out = NULL;
	if (conf->interval_ns < 100 * NSEC_PER_USEC)
		return -EINVAL;
	if (conf->role == SAMPLER_SERVER) {
		f.lport = conf->port;
		f.rport = 0;
		f.either_port = 0;
	} else if (conf->role == SAMPLER_CLIENT) {
		f.lport = 0;
		f.rport = conf->port;
		f.either_port = 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->interval = conf->interval_ns;
	atomic_init(&s->stop, false);
	pthread_mutex_init(&s->lock, NULL);
	/* The waiters' deadlines are CLOCK_MONOTONIC, like everything else here. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);

	ret = diag_open(conf->netns_fd, &s->diag);
	if (ret)
		goto out;
	ret = diag_set_filter(s->diag, &f);
	if (ret)
		goto out;
	ret = -ENOMEM;
	s->tl = timeline_new();
	s->series = series_new();
	if (!s->tl || !s->series)
		goto out;
	timeline_set_drop_closed(s->tl, conf->drop_closed);
	timeline_set_on_leave(s->tl, conf->on_leave, conf->on_leave_arg);
	/* A first sample here: errors surface to the caller, and the connections present at
	 * the start are marked as such before anything else happens. */
	ret = sample_once(s);
	if (ret)
		goto out;
	ret = -pthread_create(&s->thread, NULL, sampler_main, s);
	if (ret)
		goto out;
	s->thread_running = true;
out:
	if (ret) {
		sampler_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int sampler_stop(struct sampler *s)
{
	int ret;

	if (s->thread_running) {
		atomic_store(&s->stop, true);
		pthread_join(s->thread, NULL);
		s->thread_running = false;
	}
	pthread_mutex_lock(&s->lock);
	if (!s->finished) {
		int r = timeline_finish(s->tl);
		if (r && !s->counts.error)
			s->counts.error = r;
		s->finished = true;
	}
	ret = s->counts.error;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

struct timeline *sampler_timeline(struct sampler *s)
{
	return s->finished ? s->tl : NULL;
}

const struct series *sampler_series(struct sampler *s)
{
	return s->finished ? s->series : NULL;
}

void sampler_counts(struct sampler *s, struct sampler_counts *c)
{
	pthread_mutex_lock(&s->lock);
	*c = s->counts;
	pthread_mutex_unlock(&s->lock);
}

int sampler_wait(struct sampler *s, sampler_pred pred, void *arg, int64_t deadline_ns)
{
	struct timespec ts;
	int ret = 0;

	ns_to_ts(deadline_ns, &ts);
	pthread_mutex_lock(&s->lock);
	for (;;) {
		if (pred(&s->counts, arg)) {
			ret = 0;
			break;
		}
		if (s->counts.error) {
			ret = s->counts.error;
			break;
		}
		if (s->finished) {
			ret = -ECANCELED; /* stopped: no sample will come */
			break;
		}
		if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT &&
		    !pred(&s->counts, arg)) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

bool sampler_all_finished(const struct sampler_counts *c, void *arg)
{
	size_t want = arg ? *(const size_t *)arg : 0;

	return c->seen >= want && c->live_total == c->live[DIAG_TIME_WAIT];
}

int sampler_add_event(struct sampler *s, const struct diag_tuple *tuple, int state, int64_t lo,
		      int64_t hi)
{
	int ret;

	pthread_mutex_lock(&s->lock);
	ret = timeline_add_event_range(s->tl, tuple, state, lo, hi);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

size_t sampler_held(struct sampler *s, uint32_t states, struct diag_sock *out, size_t cap,
		    uint64_t *samples)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; s->last && i < s->nlast; i++) {
		const struct diag_sock *d = &s->last[i];

		if (!d->inode || d->state >= 32 || !(states & DIAG_MASK(d->state)))
			continue;
		if (n < cap)
			out[n] = *d;
		n++;
	}
	if (samples)
		*samples = s->counts.samples;
	pthread_mutex_unlock(&s->lock);
	return n;
}

uint64_t sampler_foreach_open(struct sampler *s, tl_leave_fn fn, void *arg,
			      struct sampler_counts *k)
{
	uint64_t seq;

	pthread_mutex_lock(&s->lock);
	if (k)
		*k = s->counts;
	for (size_t i = 0; !s->finished && i < timeline_conn_count(s->tl); i++) {
		const struct tl_conn *c = timeline_conn(s->tl, i);

		if (c && c->open && c->nvisits)
			fn(c, &c->visits[c->nvisits - 1], arg);
	}
	seq = s->counts.samples;
	pthread_mutex_unlock(&s->lock);
	return seq;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	if (s->thread_running) {
		atomic_store(&s->stop, true);
		pthread_join(s->thread, NULL);
	}
	diag_close(s->diag);
	timeline_free(s->tl);
	series_free(s->series);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
