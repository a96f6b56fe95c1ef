/* cellstatus: what a cell's children say on their status pipes (common/status.h): the
 * server's listener, its accepted connections and closes (turned into timeline events
 * for the sampler), its effective socket options (to cellrun_held.c), the clients' point,
 * and the errors of either that fail the cell. */
#include <stdlib.h>
#include <string.h>

#include "cellrun_priv.h"
#include "endpoint_opts.h"
#include "sampler.h"

static int tuple_from_status(const char *local, const char *remote, struct diag_tuple *t)
{
	struct sockaddr_storage l, r;
	socklen_t len;

	if (!local || !remote || status_parse_addr(local, &l, &len) ||
	    status_parse_addr(remote, &r, &len) || l.ss_family != r.ss_family)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->family = (uint8_t)l.ss_family;
	if (l.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&l, *b = (const void *)&r;

		t->lport = ntohs(a->sin_port);
		t->rport = ntohs(b->sin_port);
		memcpy(t->laddr, &a->sin_addr, 4);
		memcpy(t->raddr, &b->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *a = (const void *)&l, *b = (const void *)&r;

		t->lport = ntohs(a->sin6_port);
		t->rport = ntohs(b->sin6_port);
		memcpy(t->laddr, &a->sin6_addr, 16);
		memcpy(t->raddr, &b->sin6_addr, 16);
	}
	return 0;
}

static void on_accepted(struct ctx *c, const struct status_event *ev)
{
	struct diag_tuple t;
	long long id;

	if (status_get_long(ev, "id", &id) || id <= 0 || id > 4 * EP_MAX_CONNECTIONS ||
	    tuple_from_status(status_get(ev, "local"), status_get(ev, "remote"), &t))
		return;
	if ((size_t)id >= c->n_tuples) {
		size_t n = c->n_tuples ? c->n_tuples : 64;
		struct diag_tuple *nt;

		while (n <= (size_t)id)
			n *= 2;
		if (!(nt = realloc(c->tuples, n * sizeof(*nt))))
			return; /* events are a refinement: the samples still stand */
		memset(nt + c->n_tuples, 0, (n - c->n_tuples) * sizeof(*nt));
		c->tuples = nt;
		c->n_tuples = n;
	}
	c->tuples[id] = t;
	c->n_accepted++;
	/* The handshake ended after the clients started and no later than accept(): for a
	 * connection the samples saw this may narrow its entry; for one they missed, it is
	 * all there is. */
	if (c->sampler && c->t_clients && c->t_clients <= ev->t)
		sampler_add_event(c->sampler, &t, DIAG_ESTABLISHED, c->t_clients, ev->t);
}

/* With a rate, connection id's close at t against the open loop's schedule. */
static void close_offset(struct ctx *c, long long id, int64_t t)
{
	struct cell_outcome *o = c->out;
	int64_t off = t - (int64_t)((double)(id - 1) * NSEC_PER_SEC / (double)c->sc->rate);

	if (!o->n_close_offs++ || off < o->close_off_min)
		o->close_off_min = off;
	if (o->n_close_offs == 1 || off > o->close_off_max)
		o->close_off_max = off;
	o->close_spread = o->close_off_max - o->close_off_min;
}

/* close(), shutdown() or SO_LINGER close as the server saw it, stamped before (t) and
 * after (done) the call: FIN_WAIT1 began in between, a reset socket was gone by done.
 * close() also released the socket by done (an SO_LINGER close holds it until the FIN is
 * ACKed or the linger time ends, docs/KERNEL.md rule 6): TL_EVENT_ORPHAN narrows the
 * held -> orphan phase boundary. shutdown() keeps it held. */
static void on_close(struct ctx *c, const struct status_event *ev)
{
	const char *style = status_get(ev, "style");
	long long id, done;
	int kind;

	if (!c->sampler || !style || status_get_long(ev, "id", &id) || id <= 0 ||
	    (size_t)id >= c->n_tuples || !c->tuples[id].family ||
	    status_get_long(ev, "done", &done) || (done = evpipe_clamp(&c->spipe, done)) < ev->t)
		return;
	if (c->sc->rate)
		close_offset(c, id, ev->t);
	kind = fw_name_lookup(&fw_close_names, style, true);
	if (kind == FW_CLOSE_LINGER0)
		sampler_add_event(c->sampler, &c->tuples[id], DIAG_CLOSE, ev->t, done);
	else if (strcmp(style, "none"))
		sampler_add_event(c->sampler, &c->tuples[id], DIAG_FIN_WAIT1, ev->t, done);
	if (kind == FW_CLOSE_CLOSE || str_startswith(style, "linger:"))
		sampler_add_event(c->sampler, &c->tuples[id], TL_EVENT_ORPHAN, ev->t, done);
}

/* An endpoint (`who`) that could not raise its descriptor limit fails the cell. */
static void on_limit(struct ctx *c, const char *who, const struct status_event *ev)
{
	fail(c, -EMFILE, "%s: descriptor limit too low (nofile=%s, wanted %s)", who,
	     status_get(ev, "nofile") ?: "?", status_get(ev, "wanted") ?: "?");
}

/* An error line of an endpoint (`who`) that fails the cell. */
static void on_error(struct ctx *c, const char *who, const struct status_event *ev)
{
	fail(c, -EIO, "%s: %s failed: %s", who, status_get(ev, "op") ?: "?",
	     status_get(ev, "msg") ?: "?");
}

/* A client's open loop, done: the cell's arrivals span every client's. */
static void on_arrivals(struct ctx *c, const struct status_event *ev)
{
	long long n, last, late;

	if (status_get_long(ev, "n", &n) || status_get_long(ev, "last", &last) ||
	    status_get_long(ev, "late_max", &late))
		return;
	if (!c->out->arrivals.n || ev->t < c->out->arrivals.first)
		c->out->arrivals.first = ev->t;
	if (last > c->out->arrivals.last)
		c->out->arrivals.last = last;
	if (late > c->out->arrivals.late_max)
		c->out->arrivals.late_max = late;
	c->out->arrivals.n += (long)n;
}

void cell_on_server_line(struct ctx *c, const struct status_event *ev)
{
	long long v;
	const char *s;

	switch (ev->type) {
	case STATUS_ACCEPTED:
		on_accepted(c, ev);
		break;
	case STATUS_CLOSE:
		on_close(c, ev);
		break;
	case STATUS_LISTENING:
		if (!status_get_long(ev, "port", &v))
			c->port = (int)v;
		c->server_procs = status_get_long(ev, "workers", &v) ? 1 : (int)v;
		c->listening = true;
		break;
	case STATUS_OPTS:
		held_on_opts_line(c, ev);
		break;
	case STATUS_LIMIT:
		on_limit(c, "finwait-server", ev);
		break;
	case STATUS_ERROR:
		/* Errors on single connections after the fault (a keepalive's ETIMEDOUT, a
		 * reset) are the kernel doing its job, not a harness failure. */
		if (!c->point && (s = status_get(ev, "op")) && strcmp(s, "read") && strcmp(s, "write"))
			on_error(c, "finwait-server", ev);
		break;
	default:
		break;
	}
}

void cell_on_client_line(struct ctx *c, int i, const struct status_event *ev)
{
	long long v;

	switch (ev->type) {
	case STATUS_POINT:
		/* With several clients, the point is when the last one reached it. */
		if (ev->t > c->out->t_point)
			c->out->t_point = ev->t;
		if (!status_get_long(ev, "n", &v))
			c->out->connected += (long)v;
		if (!status_get_long(ev, "failed", &v))
			c->out->failed += (long)v;
		if (!c->reached[i]) {
			c->reached[i] = true;
			c->point = ++c->npoints == c->nclients;
		}
		break;
	case STATUS_LIMIT:
		on_limit(c, "finwait-client", ev);
		break;
	case STATUS_ARRIVALS:
		on_arrivals(c, ev);
		break;
	case STATUS_ERROR:
		if (!c->reached[i] && !status_get(ev, "id"))
			on_error(c, "finwait-client", ev);
		break;
	default:
		break;
	}
}
