/* watch_out: every line `finwait watch` prints (see watch_priv.h). Each line starts with
 * a timestamp: an ISO 8601 UTC time in text, "t" (Unix seconds) first in JSON. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "watch_priv.h"

char *watch_time_text(int64_t real_ns, char *buf, size_t len)
{
	time_t s = (time_t)(real_ns / NSEC_PER_SEC);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(real_ns % NSEC_PER_SEC / NSEC_PER_MSEC));
	return buf;
}

static int64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Unix seconds of a CLOCK_MONOTONIC time, to the microsecond. */
static struct json_object *jtime(const struct watch *w, int64_t mono)
{
	char b[40];
	int64_t r = mono + w->real_off;

	snprintf(b, sizeof(b), "%lld.%06lld", (long long)(r / NSEC_PER_SEC),
		 (long long)(r % NSEC_PER_SEC / NSEC_PER_USEC));
	return json_object_new_double_s((double)r / NSEC_PER_SEC, b);
}

static struct json_object *jsec(int64_t ns)
{
	char b[40];

	snprintf(b, sizeof(b), "%.6f", ns_to_s(ns));
	return json_object_new_double_s(ns_to_s(ns), b);
}

static struct json_object *jspan(const struct watch *w, int64_t lo, int64_t hi)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, lo == TL_NINF ? NULL : jtime(w, lo));
	json_object_array_add(a, jtime(w, hi));
	return a;
}

/* Clears the status line before a line is printed (the caller holds out_lock). */
static void status_clear(struct watch *w)
{
	if (w->status_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		w->status_shown = false;
	}
}

static void print_json(struct watch *w, const struct watch_event *e, const char *l,
		       const char *r)
{
	struct json_object *o = json_object_new_object(), *life = json_object_new_object();
	const struct tl_visit *v = e->v;

	json_object_object_add(o, "t", jtime(w, real_now() - w->real_off));
	json_object_object_add(o, "event", json_object_new_string(e->event));
	json_object_object_add(o, "state", json_object_new_string(diag_state_name(v->state)));
	json_object_object_add(o, "local", json_object_new_string(l));
	json_object_object_add(o, "remote", json_object_new_string(r));
	json_object_object_add(life, "min", jsec(e->life_min));
	json_object_object_add(life, "max", e->life_max == TL_INF ? NULL : jsec(e->life_max));
	json_object_object_add(o, "lifetime", life);
	json_object_object_add(o, "owner", json_object_new_string(e->owner == TL_HELD ?
								    "held" : "orphan"));
	json_object_object_add(o, "process", e->process ? json_object_new_string(e->process) :
							   NULL);
	json_object_object_add(o, "pid", e->pid ? json_object_new_int(e->pid) : NULL);
	json_object_object_add(o, "timer", json_object_new_string(diag_timer_name(e->timer)));
	json_object_object_add(o, "entered", jspan(w, v->entered_lo, v->entered_hi));
	json_object_object_add(o, "left", v->left_hi == TL_INF ? NULL :
				 jspan(w, v->left_lo, v->left_hi));
	if (e->why)
		json_object_object_add(o, "why", json_object_new_string(e->why));
	fprintf(w->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_text(struct watch *w, const struct watch_event *e, const char *l,
		       const char *r)
{
	char ts[40], who[64] = "";
	const char *st = diag_state_name(e->v->state);
	int64_t mn = e->life_min, mx = e->life_max;

	watch_time_text(real_now(), ts, sizeof(ts));
	if (e->owner == TL_HELD && e->process)
		snprintf(who, sizeof(who), " held by %s (pid %d),", e->process, e->pid);
	else if (e->owner == TL_HELD)
		snprintf(who, sizeof(who), " held,");
	if (e->why)
		fprintf(w->out, "%s %-4s %-11s %s -> %s  >=%.3fs%s %s\n", ts, e->event, st, l, r,
			ns_to_s(mn), who, e->why);
	else if (mx == TL_INF)
		fprintf(w->out, "%s %-4s %-11s %s -> %s  >=%.3fs [%.3f, -] (before)\n", ts,
			e->event, st, l, r, ns_to_s(mn), ns_to_s(mn));
	else
		fprintf(w->out, "%s %-4s %-11s %s -> %s  %.3fs [%.3f, %.3f]\n", ts, e->event, st,
			l, r, ns_to_s(mn / 2 + mx / 2), ns_to_s(mn), ns_to_s(mx));
}

void watch_print_event(struct watch *w, const struct watch_event *e)
{
	char l[64], r[64];

	diag_tuple_format_end(&e->c->tuple, 0, l, sizeof(l));
	diag_tuple_format_end(&e->c->tuple, 1, r, sizeof(r));
	pthread_mutex_lock(&w->out_lock);
	status_clear(w);
	if (w->json)
		print_json(w, e, l, r);
	else
		print_text(w, e, l, r);
	fflush(w->out);
	pthread_mutex_unlock(&w->out_lock);
}

char *watch_status_text(const struct sampler_counts *k, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int s = 1; s < DIAG_NSTATES && o < len; s++)
		if (k->live[s])
			o += (size_t)snprintf(buf + o, len - o, "%s %zu  ", diag_state_name(s),
					      k->live[s]);
	if (o < len)
		snprintf(buf + o, len - o, "%s| %llu samples, %llu missed deadlines",
			 o ? "" : "no sockets  ", (unsigned long long)k->samples,
			 (unsigned long long)k->missed);
	return buf;
}

void watch_status(struct watch *w, const struct sampler_counts *k)
{
	char ts[40], text[512];

	if (!w->status)
		return;
	watch_status_text(k, text, sizeof(text));
	pthread_mutex_lock(&w->out_lock);
	/* The line is redrawn in place; events are printed above it. */
	fprintf(stderr, "\r\033[K%s %s", watch_time_text(real_now(), ts, sizeof(ts)), text);
	fflush(stderr);
	w->status_shown = true;
	pthread_mutex_unlock(&w->out_lock);
}

static void print_quant(FILE *out, const char *ts, const char *what, int64_t *v, size_t n)
{
	struct tl_quant q;

	tl_quant_compute(v, n, &q);
	fprintf(out, "%s   %-13s min %.3f  p50 %.3f  p99 %.3f  max %.3f s\n", ts, what,
		ns_to_s(q.min), ns_to_s(q.p50), ns_to_s(q.p99), ns_to_s(q.max));
}

/* Histogram of the lifetime midpoints: ten equal bins between the smallest and the
 * largest, which says more about a cluster around one timeout than log-scale bins. */
static void print_histogram(FILE *out, const char *ts, const int64_t *lo, const int64_t *hi,
			    size_t n)
{
	enum { BINS = 10, WIDTH = 40 };
	size_t count[BINS] = { 0 }, most = 0, i;
	int64_t mn = INT64_MAX, mx = INT64_MIN, step;
	int b, nbins;

	for (i = 0; i < n; i++) {
		int64_t mid = lo[i] / 2 + hi[i] / 2;
		mn = mid < mn ? mid : mn;
		mx = mid > mx ? mid : mx;
	}
	nbins = mx > mn ? BINS : 1;
	step = mx > mn ? (mx - mn) / BINS + 1 : 1;
	for (i = 0; i < n; i++) {
		b = (int)((lo[i] / 2 + hi[i] / 2 - mn) / step);
		count[b]++;
		if (count[b] > most)
			most = count[b];
	}
	for (b = 0; b < nbins; b++) {
		char bar[WIDTH + 1];
		size_t len = (count[b] * WIDTH + most - 1) / most;

		memset(bar, '#', len);
		bar[len] = 0;
		if (nbins == 1)
			fprintf(out, "%s   %9.4fs            %7zu %s\n", ts, ns_to_s(mn), count[b],
				bar);
		else
			fprintf(out, "%s   %9.4fs-%9.4fs %7zu %s\n", ts, ns_to_s(mn + b * step),
				ns_to_s(mn + (b + 1) * step), count[b], bar);
	}
}

/* The summary as one JSON line: {"t", "event": "summary", "samples", "missed",
 * "connections", "states": {STATE: {"left", "open", "before"}}}. */
static void summary_json(struct watch *w, const struct sampler_counts *c)
{
	struct json_object *o = json_object_new_object(), *all = json_object_new_object();

	json_object_object_add(o, "t", jtime(w, real_now() - w->real_off));
	json_object_object_add(o, "event", json_object_new_string("summary"));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)c->samples));
	json_object_object_add(o, "missed", json_object_new_int64((int64_t)c->missed));
	json_object_object_add(o, "connections", json_object_new_int64((int64_t)c->seen));
	for (int s = 1; s < DIAG_NSTATES; s++) {
		struct watch_state *st = &w->st[s];
		struct json_object *js;

		if (!(st->n + st->forever + st->censored))
			continue;
		js = json_object_new_object();
		json_object_object_add(js, "left", json_object_new_int64((int64_t)st->n));
		json_object_object_add(js, "open", json_object_new_int64((int64_t)st->forever));
		json_object_object_add(js, "before", json_object_new_int64((int64_t)st->censored));
		json_object_object_add(all, diag_state_name(s), js);
	}
	json_object_object_add(o, "states", all);
	fprintf(w->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED));
	json_object_put(o);
}

void watch_print_summary(struct watch *w, const struct sampler_counts *c)
{
	char ts[40];

	pthread_mutex_lock(&w->out_lock);
	status_clear(w);
	if (w->json) {
		summary_json(w, c);
		goto out;
	}
	watch_time_text(real_now(), ts, sizeof(ts));
	fprintf(w->out, "%s summary: %llu samples, %llu deadlines missed, longest dump %.3f ms, "
		"%zu connections seen\n", ts, (unsigned long long)c->samples,
		(unsigned long long)c->missed, (double)c->max_dump_ns / NSEC_PER_MSEC, c->seen);
	for (int s = 1; s < DIAG_NSTATES; s++) {
		struct watch_state *st = &w->st[s];

		if (!(st->n + st->forever + st->censored))
			continue;
		fprintf(w->out, "%s %s: %zu left with both ends seen, %zu still open (>= "
			"observed), %zu already in it at the start\n", ts, diag_state_name(s),
			st->n, st->forever, st->censored);
		if (!st->n)
			continue;
		fprintf(w->out, "%s   lifetime midpoints:\n", ts);
		print_histogram(w->out, ts, st->lo, st->hi, st->n);
		/* Sorted separately (after the histogram, which pairs them): each true
		 * percentile lies between the two. */
		print_quant(w->out, ts, "lower bounds", st->lo, st->n);
		print_quant(w->out, ts, "upper bounds", st->hi, st->n);
	}
out:
	fflush(w->out);
	pthread_mutex_unlock(&w->out_lock);
}
