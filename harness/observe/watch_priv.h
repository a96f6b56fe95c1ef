/* watch_priv: the state of one `finwait watch`, shared by its files (not a public
 * interface):
 *   watch.c       options, the main loop, signals
 *   watch_out.c   every line it prints: timestamps, text or JSON (--json), the live
 *                 status line on a terminal, the summary
 *   watch_leak.c  the leak detector (a held FIN_WAIT2 or CLOSE_WAIT with no timer) and
 *                 --older
 *   watch_html.c  what --html draws: the connections watched (bounded) and the series */
#ifndef FINWAIT_WATCH_PRIV_H
#define FINWAIT_WATCH_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "counters.h"
#include "diag.h"
#include "owner.h"
#include "sampler.h"
#include "timeline.h"

/* Lifetimes collected from the callback: the timeline forgets closed connections
 * (drop-closed mode) so that a watch can run for days. */
struct watch_state {
	int64_t *lo, *hi; /* bounded lifetimes: lower and upper bounds */
	size_t n, cap;
	size_t forever, censored;
};

/* What one printed event says of a socket (one visit, or its current phase). */
struct watch_event {
	const char *event;		/* "left", "open", "old" */
	const char *why;		/* open and old: why it is reported; else NULL */
	const struct tl_conn *c;
	const struct tl_visit *v;
	int64_t life_min, life_max;	/* life_max TL_INF: still open */
	uint8_t owner, timer;		/* the latest phase's */
	int pid;			/* its holder, 0 unknown */
	const char *process;		/* NULL unknown */
};

struct watch_html;
struct watch_pending;

struct watch {
	struct watch_state st[DIAG_NSTATES];
	int only_state; /* 0: all */
	FILE *out;
	bool json;			/* --json: a JSON object a line */
	bool status;			/* a live status line on stderr (a terminal) */
	bool status_shown;		/* it is on the screen now */
	int64_t older_ns;		/* --older: 0 off */
	int64_t interval_ns;
	int64_t mono0;			/* CLOCK_MONOTONIC at the start */
	int64_t real_off;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	pthread_mutex_t out_lock;	/* lines come from the sampler thread and this one */
	/* The leak detector's last look (the latest sample's stamps then): a phase that
	 * began after looked_after is new; --older is crossed since looked_before. */
	int64_t looked_after, looked_before;
	struct owner_cache *owners;	/* who holds a reported socket; NULL: not known */
	struct watch_pending *pending;	/* watch_look()'s finds, printed after the lock */
	size_t npending, cappending;
	struct watch_html *html;	/* --html: NULL off */
	struct counters *counters0;	/* --html: the namespace's counters at the start */
	int netns_fd;			/* the namespace watched, -1: finwait's own */
	const char *html_path;
};

/* watch_out.c */
/* Prints one event line (text or JSON), under the output lock; the status line is
 * cleared first and drawn again by the next watch_status(). */
void watch_print_event(struct watch *w, const struct watch_event *e);
/* Redraws the status line (w->status only): a timestamp, the sockets now in each state,
 * samples and missed deadlines. */
void watch_status(struct watch *w, const struct sampler_counts *k);
/* The status line's text (without timestamp) into buf; returns buf. Pure. */
char *watch_status_text(const struct sampler_counts *k, char *buf, size_t len);
/* "2026-12-02T16:05:01.123Z" for a CLOCK_REALTIME time in ns; returns buf. */
char *watch_time_text(int64_t real_ns, char *buf, size_t len);
/* The summary on exit (text, or one JSON "summary" line). */
void watch_print_summary(struct watch *w, const struct sampler_counts *c);

/* watch_leak.c: looks at every open socket of the latest sample, and reports each leak
 * (a FIN_WAIT2 or CLOSE_WAIT phase held with no timer) and, with --older, each stay that
 * passed it, once, at the first look that sees it. */
void watch_look(struct watch *w, struct sampler *smp);
void watch_look_free(struct watch *w);

/* watch_html.c */
int watch_html_new(struct watch *w);
/* Keeps visit v of c (called with every visit that ends, under the sampler's lock). */
void watch_html_keep(struct watch *w, const struct tl_conn *c, const struct tl_visit *v);
/* Writes the page to w->html_path. Returns 0 or -errno (the message is printed). */
int watch_html_write(struct watch *w, struct sampler *smp);
void watch_html_free(struct watch *w);
/* --html PATH: refused at once when it cannot be written (exit 2, message printed). */
int watch_html_check(const char *path);

#endif
