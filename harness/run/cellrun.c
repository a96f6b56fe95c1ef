#include "cellrun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "endpoint_opts.h"
#include "external.h"
#include "proc.h"
#include "sampler.h"
#include "status.h"
#include "util.h"

/* How long a server may take to listen, and a client to connect when it is not told to
 * wait for anything slow: generous, since they are events, not sleeps. */
#define READY_TIMEOUT_NS (10 * NSEC_PER_SEC)
#define DEFAULT_COMMAND_PORT 8080
/* One client process holds at most this many connections: RLIMIT_NOFILE is 20 000 here
 * and cannot be raised without CAP_SYS_RESOURCE (DESIGN.md), so larger cells are split. */
#define CLIENT_MAX_CONNS 16000
#define MAX_CLIENTS 8
/* The ephemeral ports of one client address towards one server address and port. */
#define PORT_RANGE_WIDE "1024 65535"
#define PORTS_DEFAULT 28232	/* 32768..60999, a new namespace's default */
#define PORTS_WIDE 64512

/* A status pipe being read line by line (non-blocking). */
struct evpipe {
	int fd;
	bool eof;
	size_t len;
	char buf[4 * STATUS_LINE_MAX];
};

struct ctx {
	const struct cellrun_env *env;
	const struct scenario *sc;
	struct cell_outcome *out;
	struct cell *cell;
	struct proc server, client[MAX_CLIENTS];
	struct evpipe spipe, cpipe[MAX_CLIENTS];
	bool reached[MAX_CLIENTS];	/* that client reported its point (then faults) */
	int nclients, npoints;
	struct sampler *sampler;
	char *dir;		/* external server's folder */
	char addr[INET6_ADDRSTRLEN];	/* server address, no brackets */
	int port;
	bool listening;
	bool point;
	/* The server's connections by status-line id, to turn its close events into
	 * timeline events (a socket reset between two samples is still accounted for). */
	struct diag_tuple *tuples;
	size_t n_tuples;
	int64_t t_clients;	/* just before the first client was started */
};

static void fail(struct ctx *c, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	if (c->out->rc)
		return; /* keep the first error */
	c->out->rc = rc ? rc : -EIO;
	va_start(ap, fmt);
	vsnprintf(c->out->err, sizeof(c->out->err), fmt, ap);
	va_end(ap);
}

static bool stopping(const struct ctx *c)
{
	return c->env->stop && atomic_load(c->env->stop);
}

static void evpipe_init(struct evpipe *p)
{
	p->fd = -1;
	p->eof = true;
	p->len = 0;
}

/* Reads what is available; returns false at EOF or error. */
static void evpipe_fill(struct evpipe *p)
{
	while (!p->eof && p->len < sizeof(p->buf)) {
		ssize_t r = read(p->fd, p->buf + p->len, sizeof(p->buf) - p->len);

		if (r > 0) {
			p->len += (size_t)r;
		} else if (r == 0) {
			p->eof = true;
		} else if (errno == EINTR) {
			continue;
		} else {
			if (errno != EAGAIN)
				p->eof = true;
			break;
		}
	}
}

/* Pops one complete line into ev. Returns 1, or 0 when no complete line is buffered. A
 * line that does not parse is skipped. */
static int evpipe_next(struct evpipe *p, struct status_event *ev)
{
	for (;;) {
		char *nl = memchr(p->buf, '\n', p->len);
		size_t n;
		int r;

		if (!nl) {
			if (p->len == sizeof(p->buf))
				p->len = 0; /* a line longer than the protocol allows: drop it */
			return 0;
		}
		*nl = '\0';
		n = (size_t)(nl - p->buf) + 1;
		r = status_parse(p->buf, ev);
		memmove(p->buf, p->buf + n, p->len - n);
		p->len -= n;
		if (!r)
			return 1;
	}
}

static int pipe_for_child(struct evpipe *p, int *child_end)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	/* The child's end must block: it writes whole lines and may outpace us. */
	if (fcntl(fds[1], F_SETFL, 0) < 0) {
		int e = -errno;
		close(fds[0]);
		close(fds[1]);
		return e;
	}
	p->fd = fds[0];
	p->eof = false;
	p->len = 0;
	*child_end = fds[1];
	return 0;
}

static bool child_died(struct proc *p, const char *what, struct ctx *c);

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
	/* The handshake ended after the clients started and no later than accept(): for a
	 * connection the samples saw this may narrow its entry; for one they missed, it is
	 * all there is. */
	if (c->sampler && c->t_clients && c->t_clients <= ev->t)
		sampler_add_event(c->sampler, &t, DIAG_ESTABLISHED, c->t_clients, ev->t);
}

/* close(), shutdown() or SO_LINGER close as the server saw it, stamped before (t) and
 * after (done) the call: FIN_WAIT1 began in between, a reset socket was gone by done. */
static void on_close(struct ctx *c, const struct status_event *ev)
{
	const char *style = status_get(ev, "style");
	long long id, done;

	if (!c->sampler || !style || status_get_long(ev, "id", &id) || id <= 0 ||
	    (size_t)id >= c->n_tuples || !c->tuples[id].family ||
	    status_get_long(ev, "done", &done) || done < ev->t)
		return;
	if (!strcmp(style, "linger0"))
		sampler_add_event(c->sampler, &c->tuples[id], DIAG_CLOSE, ev->t, done);
	else if (strcmp(style, "none"))
		sampler_add_event(c->sampler, &c->tuples[id], DIAG_FIN_WAIT1, ev->t, done);
}

static void on_server_line(struct ctx *c, const struct status_event *ev)
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
		c->listening = true;
		break;
	case STATUS_OPTS:
		if (!c->out->server_opts[0]) {
			size_t off = 0;

			for (int i = 0; i < ev->nkeys && off < sizeof(c->out->server_opts); i++) {
				if (!strcmp(ev->key[i], "id"))
					continue;
				off += (size_t)snprintf(c->out->server_opts + off,
							sizeof(c->out->server_opts) - off,
							"%s%s=%s", off ? " " : "", ev->key[i],
							ev->val[i]);
			}
		}
		break;
	case STATUS_LIMIT:
		fail(c, -EMFILE, "finwait-server: descriptor limit too low (nofile=%s, wanted %s)",
		     status_get(ev, "nofile") ?: "?", status_get(ev, "wanted") ?: "?");
		break;
	case STATUS_ERROR:
		/* Errors on single connections after the fault (a keepalive's ETIMEDOUT, a
		 * reset) are the kernel doing its job, not a harness failure. */
		if (!c->point && (s = status_get(ev, "op")) && strcmp(s, "read") && strcmp(s, "write"))
			fail(c, -EIO, "finwait-server: %s failed: %s", s,
			     status_get(ev, "msg") ?: "?");
		break;
	default:
		break;
	}
}

static void on_client_line(struct ctx *c, int i, const struct status_event *ev)
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
		fail(c, -EMFILE, "finwait-client: descriptor limit too low (nofile=%s, wanted %s)",
		     status_get(ev, "nofile") ?: "?", status_get(ev, "wanted") ?: "?");
		break;
	case STATUS_ERROR:
		if (!c->reached[i] && !status_get(ev, "id"))
			fail(c, -EIO, "finwait-client: %s failed: %s", status_get(ev, "op") ?: "?",
			     status_get(ev, "msg") ?: "?");
		break;
	default:
		break;
	}
}

/* Waits up to timeout_ms for status lines from the children and handles them. */
static void pump(struct ctx *c, int timeout_ms)
{
	struct pollfd pfd[1 + MAX_CLIENTS];
	struct status_event ev;

	pfd[0] = (struct pollfd){ .fd = c->spipe.eof ? -1 : c->spipe.fd, .events = POLLIN };
	for (int i = 0; i < c->nclients; i++)
		pfd[1 + i] = (struct pollfd){ .fd = c->cpipe[i].eof ? -1 : c->cpipe[i].fd,
					      .events = POLLIN };
	if (poll(pfd, (nfds_t)(1 + c->nclients), timeout_ms) < 0 && errno != EINTR)
		return;
	if (pfd[0].revents) {
		evpipe_fill(&c->spipe);
		while (evpipe_next(&c->spipe, &ev))
			on_server_line(c, &ev);
	}
	for (int i = 0; i < c->nclients; i++) {
		if (!pfd[1 + i].revents)
			continue;
		evpipe_fill(&c->cpipe[i]);
		while (evpipe_next(&c->cpipe[i], &ev))
			on_client_line(c, i, &ev);
	}
}

/* A client that ended before reporting its point. One that reported it then does its
 * fault (crash kills itself, none exits): that is no failure. */
static bool client_died(struct ctx *c)
{
	for (int i = 0; i < c->nclients; i++)
		if (!c->reached[i] && c->cpipe[i].eof &&
		    child_died(&c->client[i], "finwait-client", c))
			return true;
	return false;
}

static int ms_until(int64_t deadline, int cap_ms)
{
	int64_t left = deadline - mono_ns();

	if (left <= 0)
		return 0;
	left = (left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return left < cap_ms ? (int)left : cap_ms;
}

/* A child that exited before its job was done. */
static bool child_died(struct proc *p, const char *what, struct ctx *c)
{
	int status;

	if (!p->pid || proc_wait(p, 0, &status))
		return false;
	if (WIFSIGNALED(status))
		fail(c, -ECHILD, "%s died of signal %d", what, WTERMSIG(status));
	else
		fail(c, -ECHILD, "%s exited with status %d", what, WEXITSTATUS(status));
	return true;
}

static const char *server_addr_port(struct ctx *c, char *buf, size_t len)
{
	if (c->sc->family == SCEN_IPV6)
		snprintf(buf, len, "[%s]:%d", c->addr, c->port);
	else
		snprintf(buf, len, "%s:%d", c->addr, c->port);
	return buf;
}

static int spawn_with_pipe(struct ctx *c, struct proc *p, struct evpipe *ep, int ns,
			   char **argv)
{
	struct proc_io io = { PROC_DEVNULL, PROC_DEVNULL, PROC_INHERIT, -1, 3 };
	int child_end = -1, ret;

	(void)c;
	if ((ret = pipe_for_child(ep, &child_end)))
		return ret;
	io.extra_fd = child_end;
	ret = proc_spawn(p, ns, argv, &io);
	close(child_end);
	return ret;
}

static long nofile_hard(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max == RLIM_INFINITY)
		return LONG_MAX;
	return (long)rl.rlim_max;
}

/* Appends "flag value" to argv at n when set; buf (16 bytes) holds the value's text.
 * Returns the new n. */
static int add_int_opt(char **argv, int n, bool set, const char *flag, int value,
		       char buf[16])
{
	if (!set)
		return n;
	snprintf(buf, 16, "%d", value);
	argv[n++] = (char *)flag;
	argv[n++] = buf;
	return n;
}

static int start_builtin_server(struct ctx *c)
{
	const struct scen_server *s = &c->sc->server;
	char listen[80], close_style[32], after[32], idle[16], intvl[16], cnt[16], l2[16];
	char ut[32], maxc[24];
	char *argv[40];
	int n = 0, ret;
	int64_t deadline;

	c->port = s->has & HAS_PORT ? s->port : 0;
	server_addr_port(c, listen, sizeof(listen));
	if (s->close == SCEN_CLOSE_LINGER)
		snprintf(close_style, sizeof(close_style), "linger:%ds", s->linger_s);
	else
		snprintf(close_style, sizeof(close_style), "%s", scen_close_name(s->close));
	argv[n++] = (char *)c->env->server_bin;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--mode";
	argv[n++] = (char *)scen_mode_name(s->mode);
	argv[n++] = "--close";
	argv[n++] = close_style;
	argv[n++] = "--close-after";
	argv[n++] = dur_format(s->close_after_ns, after, sizeof(after));
	argv[n++] = "--keepalive";
	argv[n++] = s->keepalive ? "on" : "off";
	/* Socket options are passed only when the scenario sets them: unset is not 0. */
	n = add_int_opt(argv, n, s->has & HAS_KEEPIDLE, "--keepidle", s->keepidle_s, idle);
	n = add_int_opt(argv, n, s->has & HAS_KEEPINTVL, "--keepintvl", s->keepintvl_s, intvl);
	n = add_int_opt(argv, n, s->has & HAS_KEEPCNT, "--keepcnt", s->keepcnt, cnt);
	n = add_int_opt(argv, n, s->has & HAS_LINGER2, "--linger2", s->linger2_s, l2);
	if (s->has & HAS_USER_TIMEOUT) {
		argv[n++] = "--user-timeout";
		argv[n++] = dur_format(s->user_timeout_ns, ut, sizeof(ut));
	}
	/* Sockets the server keeps open need a descriptor each; orphans (close, linger*)
	 * do not, so only those styles may go past the descriptor limit. */
	if (s->close == SCEN_CLOSE_SHUTDOWN || s->close == SCEN_CLOSE_NONE ||
	    c->sc->connections + 64 <= nofile_hard()) {
		snprintf(maxc, sizeof(maxc), "%ld", c->sc->connections + 16);
		argv[n++] = "--max-conns";
		argv[n++] = maxc;
	}
	argv[n++] = "--status-fd";
	argv[n++] = "3";
	argv[n] = NULL;

	ret = spawn_with_pipe(c, &c->server, &c->spipe, cell_netns(c->cell, CELL_SERVER), argv);
	if (ret) {
		fail(c, ret, "cannot start %s: %s", c->env->server_bin, strerror(-ret));
		return ret;
	}
	deadline = mono_ns() + READY_TIMEOUT_NS;
	while (!c->listening && !c->out->rc && !stopping(c)) {
		if (mono_ns() >= deadline) {
			fail(c, -ETIMEDOUT, "finwait-server did not listen within 10 s");
			break;
		}
		pump(c, ms_until(deadline, 50));
		if (!c->listening && c->spipe.eof && child_died(&c->server, "finwait-server", c))
			break;
	}
	return c->out->rc;
}

/* An external server is ready when its listening socket shows in sock_diag. */
static int start_command_server(struct ctx *c)
{
	const struct scen_server *s = &c->sc->server;
	char port[16], tmpl[4096], *cfg = NULL, **argv = NULL;
	struct ext_vars v = { c->addr, port, NULL };
	struct diag_filter f = { 0 };
	struct diag *d = NULL;
	int64_t deadline;
	int ret;

	c->port = s->has & HAS_PORT ? s->port : DEFAULT_COMMAND_PORT;
	snprintf(port, sizeof(port), "%d", c->port);
	if (s->config) {
		if (s->config[0] == '/')
			snprintf(tmpl, sizeof(tmpl), "%s", s->config);
		else
			snprintf(tmpl, sizeof(tmpl), "%s/%s", c->sc->dir, s->config);
		cfg = tmpl;
	}
	if ((ret = ext_prepare_dir(cfg, &v, &c->dir))) {
		fail(c, ret, "cannot prepare the server's folder%s%s: %s", cfg ? " from " : "",
		     cfg ? cfg : "", strerror(-ret));
		return ret;
	}
	v.dir = c->dir;
	if ((ret = ext_split(s->command, &v, &argv))) {
		fail(c, ret, "bad server command '%s'", s->command);
		return ret;
	}
	{
		struct proc_io io = { PROC_DEVNULL, PROC_DEVNULL, PROC_INHERIT, -1, 3 };

		ret = proc_spawn(&c->server, cell_netns(c->cell, CELL_SERVER), argv, &io);
	}
	if (ret) {
		fail(c, ret, "cannot start '%s': %s", argv[0], strerror(-ret));
		goto out;
	}
	if ((ret = diag_open(cell_netns(c->cell, CELL_SERVER), &d))) {
		fail(c, ret, "sock_diag: %s", strerror(-ret));
		goto out;
	}
	f.families = c->sc->family == SCEN_IPV6 ? DIAG_F_IPV6 : DIAG_F_IPV4;
	f.states = DIAG_MASK(DIAG_LISTEN);
	f.lport = (uint16_t)c->port;
	if ((ret = diag_set_filter(d, &f))) {
		fail(c, ret, "sock_diag filter: %s", strerror(-ret));
		goto out;
	}
	deadline = mono_ns() + READY_TIMEOUT_NS;
	while (!stopping(c)) {
		const struct diag_sock *socks;
		size_t n = 0;

		if ((ret = diag_dump(d, &socks, &n))) {
			fail(c, ret, "sock_diag dump: %s", strerror(-ret));
			goto out;
		}
		if (n) {
			c->listening = true;
			break;
		}
		if (child_died(&c->server, argv[0], c)) {
			ret = c->out->rc;
			goto out;
		}
		if (mono_ns() >= deadline) {
			ret = -ETIMEDOUT;
			fail(c, ret, "'%s' did not listen on port %d within 10 s", argv[0], c->port);
			goto out;
		}
		/* Polling sock_diag is the only event for "listening"; at the sampling
		 * interval it costs microseconds. */
		struct timespec ts = { (time_t)(c->sc->interval_ns / NSEC_PER_SEC),
				       (long)(c->sc->interval_ns % NSEC_PER_SEC) };
		nanosleep(&ts, NULL);
	}
	ret = 0;
out:
	diag_close(d);
	ext_argv_free(argv);
	return ret;
}

static int start_sampler(struct ctx *c)
{
	struct sampler_conf conf = {
		.netns_fd = cell_netns(c->cell, CELL_SERVER),
		.filter = { .families = c->sc->family == SCEN_IPV6 ? DIAG_F_IPV6 : DIAG_F_IPV4,
			    .states = DIAG_TRACKED_STATES },
		.port = (uint16_t)c->port,
		.role = SAMPLER_SERVER,
		.interval_ns = c->sc->interval_ns,
	};
	int ret = sampler_start(&conf, &c->sampler);

	if (ret)
		fail(c, ret, "cannot start the sampler: %s", strerror(-ret));
	return ret;
}

/* Starts the client processes: CLIENT_MAX_CONNS connections each at most. */
static int start_clients(struct ctx *c)
{
	const struct scenario *sc = c->sc;
	char connect[80], n[24], timeout[32];
	const char *fault;
	char *argv[24];
	long left = sc->connections;
	int i = 0, ret, nidx;

	if (sc->connections > PORTS_WIDE) {
		fail(c, -EADDRNOTAVAIL, "%ld connections need more than the %d source ports of "
		     "the client's one address", sc->connections, PORTS_WIDE);
		return c->out->rc;
	}
	/* Several clients share the namespace's ports; each sizes the range only for its
	 * own connections, so the orchestrator widens it for all of them. */
	if (sc->connections > PORTS_DEFAULT / 2 &&
	    !scen_kvlist_get(&sc->client_sysctl, "net.ipv4.ip_local_port_range")) {
		ret = cell_sysctl_set(c->cell, CELL_CLIENT, "net.ipv4.ip_local_port_range",
				      PORT_RANGE_WIDE, c->out->err, sizeof(c->out->err));
		if (ret) {
			c->out->rc = ret;
			return ret;
		}
	}
	switch (sc->client.fault) {
	case SCEN_FAULT_VANISH:
	case SCEN_FAULT_REBOOT:
		fault = "wait"; /* the orchestrator acts at the point */
		break;
	default:
		fault = scen_fault_name(sc->client.fault);
	}
	server_addr_port(c, connect, sizeof(connect));
	c->t_clients = mono_ns();
	argv[i++] = (char *)c->env->client_bin;
	argv[i++] = "--connect";
	argv[i++] = connect;
	argv[i++] = "--connections";
	nidx = i;
	argv[i++] = n;
	argv[i++] = "--mode";
	argv[i++] = (char *)scen_mode_name(sc->client.mode);
	argv[i++] = "--at";
	argv[i++] = (char *)scen_at_name(sc->client.at);
	argv[i++] = "--fault";
	argv[i++] = (char *)fault;
	argv[i++] = "--timeout";
	argv[i++] = dur_format(sc->limit_ns, timeout, sizeof(timeout));
	argv[i++] = "--status-fd";
	argv[i++] = "3";
	argv[i] = NULL;
	while (left > 0 && c->nclients < MAX_CLIENTS) {
		long k = left < CLIENT_MAX_CONNS ? left : CLIENT_MAX_CONNS;

		snprintf(n, sizeof(n), "%ld", k);
		argv[nidx] = n;
		ret = spawn_with_pipe(c, &c->client[c->nclients], &c->cpipe[c->nclients],
				      cell_netns(c->cell, CELL_CLIENT), argv);
		if (ret) {
			fail(c, ret, "cannot start %s: %s", c->env->client_bin, strerror(-ret));
			return ret;
		}
		c->nclients++;
		left -= k;
	}
	return 0;
}

/* reboot: the client host goes away and comes back without its connections' state, so
 * the server's next segment meets a reset. The link is down while the client dies and
 * its sockets are destroyed, so neither its FIN nor the RSTs of SOCK_DESTROY get out. */
static int do_reboot(struct ctx *c)
{
	struct diag_filter f = { 0 };
	struct diag *d = NULL;
	size_t destroyed = 0;
	int ret;

	if ((ret = cell_link_set(c->cell, CELL_CLIENT, false)))
		return ret;
	for (int i = 0; i < c->nclients; i++)
		proc_reap(&c->client[i]);
	if ((ret = diag_open(cell_netns(c->cell, CELL_CLIENT), &d)))
		return ret;
	f.families = DIAG_F_IPV4 | DIAG_F_IPV6;
	f.states = DIAG_TRACKED_STATES;
	f.rport = (uint16_t)c->port;
	ret = diag_destroy_matching(d, &f, &destroyed);
	diag_close(d);
	if (ret)
		return ret;
	return cell_link_set(c->cell, CELL_CLIENT, true);
}

struct finished_arg {
	int64_t after;
};

/* The client's kernel has ACKed the server's FIN: no server socket is left in FIN_WAIT1,
 * in a sample taken after the client's point. */
static bool fin_acked(const struct sampler_counts *k, const struct finished_arg *a)
{
	return k->last_before > a->after && k->live[DIAG_FIN_WAIT1] == 0;
}

/* A client's read() returns 0 as soon as the FIN is queued, but its kernel ACKs the FIN
 * late (tcp_fin() enters pingpong mode, so __tcp_ack_snd_check() delays the ACK by up to
 * the ATO, 40 ms and more). A host that vanishes "after the FIN" must vanish after that
 * ACK went out, or the server is left in FIN_WAIT1 instead: wait for it in sock_diag. */
static void wait_fin_acked(struct ctx *c)
{
	struct finished_arg fa = { c->out->t_point };
	int64_t deadline = mono_ns() + READY_TIMEOUT_NS;
	struct sampler_counts k;

	for (;;) {
		sampler_counts(c->sampler, &k);
		if (k.error || fin_acked(&k, &fa) || stopping(c))
			return;
		if (mono_ns() >= deadline) {
			snprintf(c->out->note, sizeof(c->out->note),
				 "%zu server sockets still in FIN_WAIT1 when the client vanished",
				 k.live[DIAG_FIN_WAIT1]);
			return;
		}
		pump(c, ms_until(deadline, 5));
	}
}

static int do_fault(struct ctx *c)
{
	int ret = 0;

	if ((c->sc->client.fault == SCEN_FAULT_VANISH || c->sc->client.fault == SCEN_FAULT_REBOOT) &&
	    c->sc->client.at == SCEN_AT_AFTER_FIN)
		wait_fin_acked(c);
	switch (c->sc->client.fault) {
	case SCEN_FAULT_VANISH:
		if ((ret = cell_link_set(c->cell, CELL_CLIENT, false)))
			fail(c, ret, "vanish: cannot take the client's link down: %s", strerror(-ret));
		break;
	case SCEN_FAULT_REBOOT:
		if ((ret = do_reboot(c)))
			fail(c, ret, "reboot: %s", strerror(-ret));
		break;
	default:
		break; /* the client did it itself */
	}
	return ret;
}

/* Every tracked connection is gone or in TIME_WAIT, in a sample taken after the fault. */
static bool finished(const struct sampler_counts *k, const struct finished_arg *a)
{
	return k->last_before > a->after && k->live_total == k->live[DIAG_TIME_WAIT];
}

/* Kills every process whose network namespace is ns_fd's: what an external server forked
 * or daemonized is out of reach of PR_SET_PDEATHSIG and of our signals to its parent,
 * and would keep the cell's namespace alive. Our own threads are not listed in /proc. */
static void kill_ns_processes(int ns_fd)
{
	struct stat ns, st;
	struct dirent *e;
	DIR *d;

	if (ns_fd < 0 || fstat(ns_fd, &ns) || !(d = opendir("/proc")))
		return;
	while ((e = readdir(d))) {
		char path[300];
		pid_t pid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(e->d_name);
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (pid != getpid() && !stat(path, &st) && st.st_ino == ns.st_ino &&
		    st.st_dev == ns.st_dev)
			kill(pid, SIGKILL);
	}
	closedir(d);
}

static void teardown(struct ctx *c)
{
	/* SIGKILL works on a stopped (frozen) client too. */
	for (int i = 0; i < c->nclients; i++)
		proc_reap(&c->client[i]);
	if (c->server.pid) {
		proc_kill(&c->server, SIGTERM);
		if (proc_wait(&c->server, 200 * NSEC_PER_MSEC, NULL))
			proc_reap(&c->server);
	}
	if (c->spipe.fd >= 0)
		close(c->spipe.fd);
	/* A client whose spawn failed left its pipe open without being counted. */
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (c->cpipe[i].fd >= 0)
			close(c->cpipe[i].fd);
	if (c->dir) {
		ext_remove_dir(c->dir);
		free(c->dir);
	}
	sampler_free(c->sampler);
	free(c->tuples);
	if (c->cell) {
		kill_ns_processes(cell_netns(c->cell, CELL_SERVER));
		kill_ns_processes(cell_netns(c->cell, CELL_CLIENT));
	}
	cell_destroy(c->cell);
}

/* Writes one side's sysctls in order; the first failure is the cell's error. */
static int set_sysctls(struct ctx *c, enum cell_side side, const struct scen_kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		int ret = cell_sysctl_set(c->cell, side, l->v[i].key, l->v[i].value, c->out->err,
					  sizeof(c->out->err));

		if (ret) {
			c->out->rc = ret;
			c->out->host_moved = ret == -EIO; /* lab.h: the host's value moved */
			return ret;
		}
	}
	return 0;
}

int cellrun(const struct cellrun_env *env, unsigned slot, const struct scenario *sc,
	    struct cell_outcome *out)
{
	struct ctx c = { .env = env, .sc = sc, .out = out };
	const struct cell_addrs *a;
	struct finished_arg fa;
	int64_t deadline;
	int ret;

	memset(out, 0, sizeof(*out));
	evpipe_init(&c.spipe);
	for (int i = 0; i < MAX_CLIENTS; i++)
		evpipe_init(&c.cpipe[i]);
	out->t_start = mono_ns();

	ret = cell_create(env->lab, slot, &c.cell, out->err, sizeof(out->err));
	if (ret) {
		out->rc = ret;
		out->skipped = lab_err_is_skip(ret);
		goto out;
	}
	if (env->keep) {
		char name[64];

		snprintf(name, sizeof(name), "finwait-%d-%u", (int)getpid(), slot);
		if ((ret = cell_keep(c.cell, name))) {
			fail(&c, ret, "--keep: cannot name the namespaces: %s", strerror(-ret));
			goto out;
		}
	}
	if (set_sysctls(&c, CELL_SERVER, &sc->sysctl) ||
	    set_sysctls(&c, CELL_CLIENT, &sc->client_sysctl))
		goto out;
	a = cell_addrs(c.cell);
	snprintf(c.addr, sizeof(c.addr), "%s",
		 sc->family == SCEN_IPV6 ? a->v6_str[CELL_SERVER] : a->v4_str[CELL_SERVER]);

	if (sc->server.program == SCEN_PROG_COMMAND)
		ret = start_command_server(&c);
	else
		ret = start_builtin_server(&c);
	if (ret || stopping(&c))
		goto out;
	server_addr_port(&c, out->addr, sizeof(out->addr));
	if (start_sampler(&c))
		goto out;
	if (start_clients(&c))
		goto sample_end;

	/* Until the client reports its point: it has the limit as its own timeout. */
	deadline = mono_ns() + sc->limit_ns + READY_TIMEOUT_NS;
	while (!c.point && !out->rc && !stopping(&c)) {
		if (mono_ns() >= deadline) {
			fail(&c, -ETIMEDOUT, "finwait-client did not report its point in time");
			break;
		}
		pump(&c, ms_until(deadline, 50));
		if (!c.point && client_died(&c))
			break;
	}
	if (out->rc || stopping(&c))
		goto sample_end;
	if (out->connected == 0) {
		fail(&c, -ECONNREFUSED, "no client connection reached %s (%ld failed)",
		     scen_at_name(sc->client.at), out->failed);
		goto sample_end;
	}
	if (do_fault(&c))
		goto sample_end;

	/* Sample until every connection has left FIN_WAIT2 or the limit. */
	fa.after = mono_ns();
	deadline = out->t_point + sc->limit_ns;
	for (;;) {
		struct sampler_counts k;

		sampler_counts(c.sampler, &k);
		if (k.error) {
			fail(&c, k.error, "sampler: %s", strerror(-k.error));
			break;
		}
		if (finished(&k, &fa))
			break;
		if (mono_ns() >= deadline) {
			out->limit_reached = true;
			break;
		}
		if (stopping(&c))
			break;
		/* A server that died closed its sockets itself: what follows is not the
		 * close under test. */
		if (c.spipe.eof && child_died(&c.server, "the server", &c))
			break;
		/* The server's status lines must be drained while we wait. */
		pump(&c, ms_until(deadline, 10));
	}
sample_end:
	if (c.sampler) {
		int sret = sampler_stop(c.sampler);

		if (sret)
			fail(&c, sret, "sampler: %s", strerror(-sret));
		out->tl = sampler_timeline(c.sampler);
	}
out:
	out->interrupted = stopping(&c);
	out->t_end = mono_ns();
	/* The timeline belongs to the sampler: the outcome keeps both. */
	out->sampler = c.sampler;
	c.sampler = NULL;
	teardown(&c);
	return out->rc;
}

void cell_outcome_clear(struct cell_outcome *out)
{
	sampler_free(out->sampler);
	out->sampler = NULL;
	out->tl = NULL;
}
