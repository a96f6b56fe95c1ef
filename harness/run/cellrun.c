/* cellrun: one cell's run as a state machine, from lab to teardown (see cellrun.h); the
 * built-in endpoints' command lines, the descriptor-limit and port-range policy. The
 * status lines are read in cellstatus.c, a scenario's own server started in external.c
 * (cellrun_priv.h). */
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cellrun_priv.h"
#include "endpoint_opts.h"
#include "capture.h"
#include "external.h"
#include "sampler.h"

/* One client process holds at most this many connections, and fewer when the hard
 * RLIMIT_NOFILE is lower: it is 20 000 here and cannot be raised without
 * CAP_SYS_RESOURCE (docs/DESIGN.md), so larger cells are split. */
#define CLIENT_MAX_CONNS 16000
#define CLIENT_FD_RESERVE 64
/* The ephemeral ports of one client address towards one server address and port. */
#define PORT_RANGE_WIDE "1024 65535"
#define PORTS_DEFAULT 28232	/* 32768..60999, a new namespace's default */
#define PORTS_WIDE 64512
/* finwait-server's listen() backlog: its default, and what net.core.somaxconn takes. */
#define ACCEPT_QUEUE_MIN 4096
#define ACCEPT_QUEUE_MAX 65535

/* Waits up to timeout_ms for status lines from the children and handles them
 * (cellrun_priv.h). */
void cell_pump(struct ctx *c, int timeout_ms)
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
			cell_on_server_line(c, &ev);
	}
	for (int i = 0; i < c->nclients; i++) {
		if (!pfd[1 + i].revents)
			continue;
		evpipe_fill(&c->cpipe[i]);
		while (evpipe_next(&c->cpipe[i], &ev))
			cell_on_client_line(c, i, &ev);
	}
	/* Not between the point and the fault: a walk of /proc may take long (~220 ms for a
	 * server with 15 000 descriptors), and finwait's own faults must not wait for it. */
	if (!c->point || c->faulted)
		held_poll(c);
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

static const char *server_addr_port(struct ctx *c, char *buf, size_t len)
{
	if (c->sc->family == FW_IPV6)
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

	if ((ret = evpipe_open(ep, &child_end)))
		return ret;
	io.extra_fd = child_end;
	ret = proc_spawn(p, ns, pidns_fd(&c->pidns), argv, &io);
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

/* An accept queue for every connection of the cell: the clients pace their handshakes,
 * not the server's accepts, and a server slower than them (a loaded host, a 100 000
 * connection cell) overflows the default 4096 (ListenOverflows, then SYN retransmissions
 * that inflate the RTO and with it the FIN_WAIT2 timer). The scenario's own
 * net.core.somaxconn is kept. Returns 0 or -errno (recorded); *backlog for --backlog. */
static int size_accept_queue(struct ctx *c, char *backlog, size_t len)
{
	long n = c->sc->connections < ACCEPT_QUEUE_MIN ? ACCEPT_QUEUE_MIN : c->sc->connections;
	int ret;

	if (n > ACCEPT_QUEUE_MAX)
		n = ACCEPT_QUEUE_MAX;
	snprintf(backlog, len, "%ld", n);
	if (n == ACCEPT_QUEUE_MIN || scen_kvlist_get(&c->sc->sysctl, "net.core.somaxconn"))
		return 0;
	ret = cell_sysctl_set(c->cell, CELL_SERVER, "net.core.somaxconn", backlog, &c->out->err);
	if (ret)
		c->out->rc = ret;
	return ret;
}

/* Starts finwait-server and waits until it listens. Returns 0 or -errno (recorded). */
static int start_builtin_server(struct ctx *c)
{
	const struct fw_server_cfg *s = &c->sc->server;
	char listen[80], maxc[24], backlog[24], opts[512];
	char *argv[10 + 2 * FW_K_COUNT];
	size_t n = 0;
	int ret;
	int64_t deadline;

	c->port = s->has & FW_HAS_PORT ? (int)s->port : 0;
	server_addr_port(c, listen, sizeof(listen));
	argv[n++] = (char *)c->env->server_bin;
	argv[n++] = "--listen";
	argv[n++] = listen;
	/* Every [server] key with an endpoint option, from the schema: a socket option
	 * only when the scenario sets it (unset is not 0). */
	ret = ep_schema_argv(FW_SCOPE_SERVER, s, s->has, argv, &n, ARRAY_SIZE(argv) - 5, opts,
			     sizeof(opts));
	if (ret) {
		fail(c, ret, "finwait-server's command line is too long");
		return ret;
	}
	/* finwait-server splits itself across processes when one cannot hold them all. */
	snprintf(maxc, sizeof(maxc), "%ld", c->sc->connections + 16);
	argv[n++] = "--max-conns";
	argv[n++] = maxc;
	if ((ret = size_accept_queue(c, backlog, sizeof(backlog))))
		return ret;
	argv[n++] = "--backlog";
	argv[n++] = backlog;
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
		cell_pump(c, ms_until(deadline, 50));
		if (!c->listening && c->spipe.eof && child_died(&c->server, "finwait-server", c))
			break;
	}
	return c->out->rc;
}

static int start_sampler(struct ctx *c)
{
	struct sampler_conf conf = {
		.netns_fd = cell_netns(c->cell, CELL_SERVER),
		.filter = { .families = c->sc->family == FW_IPV6 ? DIAG_F_IPV6 : DIAG_F_IPV4,
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

/* The client's source addresses, as --source options at src (2 * LAB_CLIENT_ADDRS_MAX + 1
 * slots, NULL-terminated): none while its own address has ports enough; else so many
 * that each address needs at most half its ports (past half, every connect() walks the
 * first half: see finwait-client's ensure_ports()), its own first, the others added to
 * the cell. Returns 0 or -errno (recorded). */
static int client_sources(struct ctx *c, char **src)
{
	const struct cell_addrs *a = cell_addrs(c->cell);
	long conns = c->sc->connections, half = PORTS_WIDE / 2;
	int fam = c->sc->family == FW_IPV6 ? AF_INET6 : AF_INET, ret;
	unsigned n = (unsigned)((conns + half - 1) / half), k = 0;
	unsigned char buf[sizeof(struct in6_addr)];

	src[0] = NULL;
	if (conns > (long)LAB_CLIENT_ADDRS_MAX * PORTS_WIDE) {
		fail(c, -EADDRNOTAVAIL, "%ld connections need more than the %d source ports of "
		     "the client's %u addresses", conns, PORTS_WIDE, LAB_CLIENT_ADDRS_MAX);
		return c->out->rc;
	}
	if (n <= 1)
		return 0;
	if (n > LAB_CLIENT_ADDRS_MAX)
		n = LAB_CLIENT_ADDRS_MAX;
	if ((ret = cell_client_addrs(c->cell, n - 1, &c->out->err))) {
		c->out->rc = ret;
		return ret;
	}
	src[k++] = "--source";
	src[k++] = (char *)(fam == AF_INET6 ? a->v6_str[CELL_CLIENT] : a->v4_str[CELL_CLIENT]);
	for (unsigned i = 0; i + 1 < n; i++) {
		addr_client_extra(a->slot, fam, i, buf);
		inet_ntop(fam, buf, c->sources[i], sizeof(c->sources[i]));
		src[k++] = "--source";
		src[k++] = c->sources[i];
	}
	src[k] = NULL;
	return 0;
}

/* Starts the client processes: CLIENT_MAX_CONNS connections each at most. */
static int start_clients(struct ctx *c)
{
	const struct scenario *sc = c->sc;
	char connect[80], n[24], timeout[32], opts[256], rate[32];
	char *argv[14 + 2 * FW_K_COUNT + 2 * LAB_CLIENT_ADDRS_MAX];
	char *src[2 * LAB_CLIENT_ADDRS_MAX + 1];
	long left = sc->connections, per = nofile_hard() - CLIENT_FD_RESERVE;
	size_t i = 0, nidx;
	int ret;

	if (sc->client.program == FW_PROG_COMMAND)
		return ccmd_start(c);
	if (per > CLIENT_MAX_CONNS)
		per = CLIENT_MAX_CONNS;
	if (per < 1 || (sc->connections + per - 1) / per > MAX_CLIENTS) {
		fail(c, -EMFILE, "%ld connections need more than %d client processes at a "
		     "descriptor limit of %ld", sc->connections, MAX_CLIENTS, nofile_hard());
		return c->out->rc;
	}

	if ((ret = client_sources(c, src)))
		return ret;
	/* Several clients share the namespace's ports; each sizes the range only for its
	 * own connections, so the orchestrator widens it for all of them. */
	if (sc->connections > PORTS_DEFAULT / 2 &&
	    !scen_kvlist_get(&sc->client_sysctl, "net.ipv4.ip_local_port_range")) {
		ret = cell_sysctl_set(c->cell, CELL_CLIENT, "net.ipv4.ip_local_port_range",
				      PORT_RANGE_WIDE, &c->out->err);
		if (ret) {
			c->out->rc = ret;
			return ret;
		}
	}
	server_addr_port(c, connect, sizeof(connect));
	c->t_clients = mono_ns();
	argv[i++] = (char *)c->env->client_bin;
	argv[i++] = "--connect";
	argv[i++] = connect;
	argv[i++] = "--connections";
	nidx = i;
	argv[i++] = n;
	argv[i++] = "--timeout";
	argv[i++] = dur_format(sc->limit_ns, timeout, sizeof(timeout));
	argv[i++] = "--status-fd";
	argv[i++] = "3";
	/* mode, at and fault from the schema; a fault finwait performs (vanish, reboot)
	 * leaves the client holding its sockets until then. */
	ret = ep_schema_argv(FW_SCOPE_CLIENT, &sc->client, 0, argv, &i,
			     ARRAY_SIZE(argv) - ARRAY_SIZE(src), opts, sizeof(opts));
	if (ret) {
		fail(c, ret, "finwait-client's command line is too long");
		return ret;
	}
	if (sc->rate) {
		/* Each client takes its share of the rate: the arrivals stay rate a second. */
		argv[i++] = "--rate";
		argv[i++] = rate;
	}
	for (size_t j = 0; src[j]; j++)
		argv[i++] = src[j];
	argv[i] = NULL;
	while (left > 0 && c->nclients < MAX_CLIENTS) {
		long k = left < per ? left : per;

		snprintf(n, sizeof(n), "%ld", k);
		snprintf(rate, sizeof(rate), "%.6f", (double)sc->rate * (double)k /
			 (double)sc->connections);
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

/* vanish and reboot: an agent in the client's namespace, its table ready, so that the
 * fault itself is one small transaction at the point. */
static int client_isolate_prepare(struct ctx *c)
{
	enum fw_fault f = c->sc->client.fault;
	char msg[160];
	int ret;

	if (f != FW_FAULT_VANISH && f != FW_FAULT_REBOOT)
		return 0;
	ret = nft_agent_start(&c->client_nft, cell_netns(c->cell, CELL_CLIENT), msg,
			      sizeof(msg));
	if (ret == 0)
		ret = nft_isolate_prepare(&c->client_nft,
					  cell_addrs(c->cell)->ifname[CELL_CLIENT], msg,
					  sizeof(msg));
	if (ret)
		fail(c, ret, "%s: %s", fw_fault_name(f), msg);
	return ret;
}

/* The client host drops every frame at its veth end, or stops doing so: it vanishes
 * while the server's link keeps its carrier, so the server's packets go out and meet
 * silence (no ARP reply, no ICMP, no reset), as in front of a host that lost power. */
static int client_isolate(struct ctx *c, bool on)
{
	char msg[160];
	int ret = nft_isolate(&c->client_nft, on, msg, sizeof(msg));

	if (ret)
		fail(c, ret, "%s: %s", fw_fault_name(c->sc->client.fault), msg);
	return ret;
}

/* reboot: the client host goes away and comes back without its connections' state, so
 * the server's next segment meets a reset. The host drops everything while the client
 * dies and its sockets are destroyed, so neither its FIN nor the RSTs of SOCK_DESTROY
 * get out. */
static int do_reboot(struct ctx *c)
{
	struct diag_filter f = { 0 };
	struct diag *d = NULL;
	size_t destroyed = 0;
	int ret;

	if ((ret = client_isolate(c, true)))
		return ret;
	if (c->sc->client.program == FW_PROG_COMMAND && (ret = ccmd_signal(c, SIGKILL)))
		return ret;
	for (int i = 0; i < c->nclients; i++)
		proc_reap(&c->client[i]);
	if ((ret = diag_open(cell_netns(c->cell, CELL_CLIENT), &d)) == 0) {
		f.families = DIAG_F_IPV4 | DIAG_F_IPV6;
		f.states = DIAG_TRACKED_STATES;
		f.rport = (uint16_t)c->port;
		ret = diag_destroy_matching(d, &f, &destroyed);
		diag_close(d);
	}
	if (ret) {
		fail(c, ret, "reboot: cannot destroy the client's sockets: %s", strerror(-ret));
		return ret;
	}
	return client_isolate(c, false);
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
		cell_pump(c, ms_until(deadline, 5));
	}
}

static int do_fault(struct ctx *c)
{
	bool cmd = c->sc->client.program == FW_PROG_COMMAND;
	int ret = 0;

	/* A command's point is its sockets in CLOSE_WAIT: the FIN's ACK may be late too. */
	if ((c->sc->client.fault == FW_FAULT_VANISH || c->sc->client.fault == FW_FAULT_REBOOT ||
	     c->sc->mb.fault == FW_MB_BLACKHOLE || cmd) && c->sc->client.at == FW_AT_FIN)
		wait_fin_acked(c);
	if ((ret = mb_at_point(c)))
		return ret;
	switch (c->sc->client.fault) {
	case FW_FAULT_VANISH:
		ret = client_isolate(c, true);
		break;
	case FW_FAULT_REBOOT:
		ret = do_reboot(c);
		break;
	default:	/* the client did it itself, or finwait on a command's processes */
		ret = cmd ? ccmd_fault(c) : 0;
		break;
	}
	return ret;
}

/* Every tracked connection is gone or in TIME_WAIT, in a sample taken after the fault. */
static bool finished(const struct sampler_counts *k, const struct finished_arg *a)
{
	return k->last_before > a->after && k->live_total == k->live[DIAG_TIME_WAIT];
}

static void teardown(struct ctx *c)
{
	int ret;

	/* Every process is signalled before any is waited for: each exit closes its
	 * sockets, which takes the kernel a while for thousands. SIGKILL works on a
	 * stopped (frozen) client too; the server gets SIGTERM and 200 ms, unless the run
	 * is being interrupted. */
	for (int i = 0; i < c->nclients; i++)
		proc_kill(&c->client[i], SIGKILL);
	proc_kill(&c->server, stopping(c) ? SIGKILL : SIGTERM);
	for (int i = 0; i < c->nclients; i++)
		proc_reap(&c->client[i]);
	if (c->server.pid && proc_wait(&c->server, 200 * NSEC_PER_MSEC, NULL))
		proc_reap(&c->server);
	/* What the server forked or daemonized goes with the PID namespace; the folder
	 * after it, so that nothing writes into it any more. */
	if ((ret = pidns_close(&c->pidns)))
		fail(c, ret, "the cell's PID namespace did not end: %s", strerror(-ret));
	evpipe_close(&c->spipe);
	/* A client whose spawn failed left its pipe open without being counted. */
	for (int i = 0; i < MAX_CLIENTS; i++)
		evpipe_close(&c->cpipe[i]);
	if (c->dir && c->env->keep)
		snprintf(c->out->kept + strlen(c->out->kept),
			 sizeof(c->out->kept) - strlen(c->out->kept), "%sfolder %s",
			 c->out->kept[0] ? "; " : "", c->dir);
	free(c->dir);
	sampler_free(c->sampler);
	free(c->tuples);
	nft_agent_stop(&c->client_nft);
	mb_teardown(c);
	cell_destroy(c->cell);
}

/* Writes one side's sysctls in order; the first failure is the cell's error. */
static int set_sysctls(struct ctx *c, enum cell_side side, const struct scen_kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		int ret = cell_sysctl_set(c->cell, side, l->v[i].key, l->v[i].value, &c->out->err);

		if (ret) {
			c->out->rc = ret;
			c->out->host_moved = ret == -EIO; /* lab.h: the host's value moved */
			return ret;
		}
	}
	return 0;
}

/* Builds the cell in lab slot `slot`, names its namespaces for --keep, writes both
 * sides' sysctls and picks the server's address. Returns 0 or -errno (recorded). */
static int build_cell(struct ctx *c, unsigned slot)
{
	const struct cell_addrs *a;
	int ret;

	ret = cell_create(c->env->lab, slot, &c->cell, &c->out->err);
	if (ret) {
		c->out->rc = ret;
		c->out->skipped = lab_err_is_skip(ret);
		return ret;
	}
	if (c->env->keep) {
		char name[64];

		snprintf(name, sizeof(name), "finwait-%d-%u", (int)getpid(), slot);
		if ((ret = cell_keep(c->cell, name))) {
			fail(c, ret, "--keep: cannot name the namespaces: %s", strerror(-ret));
			return ret;
		}
		snprintf(c->out->kept, sizeof(c->out->kept),
			 "namespaces /run/netns/%s-srv and /run/netns/%s-cli", name, name);
	}
	if ((ret = pidns_open(&c->pidns, c->env->keep))) {
		fail(c, ret, "cannot make the cell's PID namespace: %s", strerror(-ret));
		return ret;
	}
	if ((ret = set_sysctls(c, CELL_SERVER, &c->sc->sysctl)) ||
	    (ret = set_sysctls(c, CELL_CLIENT, &c->sc->client_sysctl)) ||
	    (ret = mb_setup(c)) || (ret = client_isolate_prepare(c)))
		return ret;
	a = cell_addrs(c->cell);
	snprintf(c->addr, sizeof(c->addr), "%s", c->sc->family == FW_IPV6 ?
		 a->v6_str[CELL_SERVER] : a->v4_str[CELL_SERVER]);
	return 0;
}

/* Starts the server (finwait-server or the scenario's command) and waits until it
 * listens. Returns 0, -errno (recorded), or -ECANCELED when the run is stopping. */
static int start_server(struct ctx *c)
{
	int ret;

	if (c->sc->server.program == FW_PROG_COMMAND)
		ret = ext_start_server(c);
	else
		ret = start_builtin_server(c);
	if (ret)
		return ret;
	if (stopping(c))
		return -ECANCELED;
	server_addr_port(c, c->out->addr, sizeof(c->out->addr));
	return 0;
}

/* Waits until every client reported its point: the client has the limit as its own
 * timeout. Returns 0 once the point is reached with at least one connection; else
 * nonzero (a failure is recorded; or the run is stopping). */
static int wait_point(struct ctx *c)
{
	int64_t deadline = mono_ns() + c->sc->limit_ns + READY_TIMEOUT_NS;

	if (c->sc->client.program == FW_PROG_COMMAND)
		return ccmd_wait_point(c);
	while (!c->point && !c->out->rc && !stopping(c)) {
		if (mono_ns() >= deadline) {
			fail(c, -ETIMEDOUT, "finwait-client did not report its point in time");
			break;
		}
		cell_pump(c, ms_until(deadline, 50));
		if (!c->point && client_died(c))
			break;
	}
	if (c->out->rc || stopping(c))
		return -ECANCELED;
	if (c->out->connected == 0) {
		fail(c, -ECONNREFUSED, "no client connection reached %s (%ld failed)",
		     fw_point_name(c->sc->client.at), c->out->failed);
		return -ECONNREFUSED;
	}
	return 0;
}

/* Samples, after the fault, until every connection has left FIN_WAIT2 or the limit
 * (counted from the point), the server dies, the sampler fails or the run stops. */
static void sample_until_done(struct ctx *c)
{
	struct finished_arg fa = { mono_ns() };
	int64_t deadline = c->out->t_point + c->sc->limit_ns;

	for (;;) {
		struct sampler_counts k;

		sampler_counts(c->sampler, &k);
		if (k.error) {
			fail(c, k.error, "sampler: %s", strerror(-k.error));
			break;
		}
		/* finwait-server reports every accept: until it has reported the client's
		 * connections, one that lived between two samples (a client that closes at
		 * once, on a loaded host) is not in the timeline yet. */
		if (finished(&k, &fa) && (c->sc->server.program != FW_PROG_BUILTIN ||
					  c->n_accepted >= c->out->connected))
			break;
		if (mono_ns() >= deadline) {
			c->out->limit_reached = true;
			break;
		}
		if (stopping(c))
			break;
		/* A server that died closed its sockets itself: what follows is not the
		 * close under test. */
		if (c->spipe.eof && child_died(&c->server, "the server", c))
			break;
		/* The server's status lines must be drained while we wait. */
		cell_pump(c, ms_until(deadline, 10));
	}
}

/* The server namespace's counters at the cell's start (into *base), or at its end (base
 * given: the deltas into out). A failure is no cell's failure: it is said in the report. */
static void read_counters(struct ctx *c, struct counters *base, bool end)
{
	struct counters now;
	int ret;

	if (!c->cell || (end && !c->counters_base))
		return;
	ret = counters_read(cell_netns(c->cell, CELL_SERVER), end ? &now : base);
	if (ret) {
		snprintf(c->out->counters_why, sizeof(c->out->counters_why),
			 "cannot read /proc/net/netstat and snmp in the server's namespace: %s",
			 strerror(-ret));
		c->counters_base = false;
		return;
	}
	c->counters_base = true;
	if (!end)
		return;
	counters_delta(base, &now, &c->out->counters);
	c->out->has_counters = true;
}

int cellrun(const struct cellrun_env *env, unsigned slot, const struct scenario *sc,
	    struct cell_outcome *out)
{
	struct ctx c = { .env = env, .sc = sc, .out = out, .client_nft = { 0, -1 },
			 .router = { -1 }, .router_nft = { 0, -1 } };
	struct counters *base = malloc(sizeof(*base));

	memset(out, 0, sizeof(*out));
	pidns_init(&c.pidns);
	evpipe_init(&c.spipe);
	for (int i = 0; i < MAX_CLIENTS; i++)
		evpipe_init(&c.cpipe[i]);
	out->t_start = mono_ns();

	if (!base)
		snprintf(out->counters_why, sizeof(out->counters_why), "out of memory");
	if (!build_cell(&c, slot) && base)
		read_counters(&c, base, false);
	if (!c.out->rc && !start_server(&c) && !cell_capture_start(&c) &&
	    !start_sampler(&c)) {
		int sret;

		if (!start_clients(&c) && !wait_point(&c) && !do_fault(&c)) {
			c.faulted = true;
			sample_until_done(&c);
		}
		held_finish(&c);
		sret = sampler_stop(c.sampler);
		if (sret)
			fail(&c, sret, "sampler: %s", strerror(-sret));
		cell_capture_stop(&c);
		out->tl = sampler_timeline(c.sampler);
		read_counters(&c, base, true);
	}
	free(base);
	held_finish(&c); /* when the cell never sampled: says so */
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
	capture_free(out->capture);
	out->capture = NULL;
	out->packets = NULL;
	sampler_free(out->sampler);
	out->sampler = NULL;
	out->tl = NULL;
	free(out->owners);
	out->owners = NULL;
	out->n_owners = 0;
}
