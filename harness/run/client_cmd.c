/* client_cmd: a client finwait did not write (client.program = command): `connections`
 * instances of its command (one, when the command takes {connections}) started in the
 * client's namespace; its point observed in that namespace through sock_diag, since it
 * has no status pipe; and the fault performed on every process of it (nsproc.h). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cellrun_priv.h"
#include "external.h"
#include "nsproc.h"

_Static_assert(FW_CLIENT_INSTANCES_MAX <= MAX_CLIENTS, "a client command's instances fit");

/* The one state a point shows in the client's own sockets. */
static int point_state(enum fw_point at)
{
	return at == FW_AT_FIN ? DIAG_CLOSE_WAIT : DIAG_ESTABLISHED;
}

/* States a client socket can be in on its way to the point: it has not passed it. */
static bool before_point(int state, enum fw_point at)
{
	return state == DIAG_SYN_SENT || (at == FW_AT_FIN && state == DIAG_ESTABLISHED);
}

int ccmd_instances(const struct scenario *sc)
{
	return strstr(sc->client.command, "{connections}") ? 1 : (int)sc->connections;
}

int ccmd_start(struct ctx *c)
{
	struct proc_io io = { PROC_DEVNULL, PROC_DEVNULL, PROC_INHERIT, -1, -1 };
	char port[16], conns[24], **argv = NULL;
	struct ext_vars v = { c->addr, port, NULL, conns };
	int n = ccmd_instances(c->sc), ret;

	snprintf(port, sizeof(port), "%d", c->port);
	snprintf(conns, sizeof(conns), "%ld", c->sc->connections);
	if (n > MAX_CLIENTS) {	/* refused before the run (load.c) */
		fail(c, -E2BIG, "%d instances of the client command", n);
		return c->out->rc;
	}
	if ((ret = ext_split(c->sc->client.command, &v, &argv))) {
		fail(c, ret, "bad client command '%s'", c->sc->client.command);
		return ret;
	}
	c->t_clients = mono_ns();
	for (int i = 0; i < n && !ret; i++) {
		ret = proc_spawn(&c->client[i], cell_netns(c->cell, CELL_CLIENT),
				 pidns_fd(&c->pidns), argv, &io);
		if (ret)
			fail(c, ret, "cannot start '%s': %s", argv[0], strerror(-ret));
		else
			c->nclients++;
	}
	ext_argv_free(argv);
	return ret;
}

/* One look at the client's sockets: 1 when all `connections` are at the point, 0 not
 * yet, -errno (recorded) when one went past it before the others got there. */
static int look(struct ctx *c, struct diag *d)
{
	enum fw_point at = c->sc->client.at;
	const struct diag_sock *s;
	size_t n = 0, at_point = 0;
	char buf[INET6_ADDRSTRLEN + 8];
	int ret = diag_dump(d, &s, &n);

	if (ret) {
		fail(c, ret, "sock_diag in the client's namespace: %s", strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i].state == point_state(at)) {
			at_point++;
		} else if (!before_point(s[i].state, at)) {
			fail(c, -EPROTO, "the client command's connection from %s was in %s "
			     "before all %ld reached %s: the program went past its point before "
			     "finwait could act", diag_tuple_format_end(&s[i].tuple, 0, buf,
			     sizeof(buf)), diag_state_name(s[i].state), c->sc->connections,
			     fw_point_name(at));
			return -EPROTO;
		}
	}
	if ((long)at_point < c->sc->connections)
		return 0;
	c->out->connected = (long)at_point;
	return 1;
}

/* An instance that ended before the point fails the cell. */
static bool instance_died(struct ctx *c)
{
	for (int i = 0; i < c->nclients; i++)
		if (child_died(&c->client[i], "the client command", c))
			return true;
	return false;
}

int ccmd_wait_point(struct ctx *c)
{
	struct timespec period = { (time_t)(c->sc->interval_ns / NSEC_PER_SEC),
				   (long)(c->sc->interval_ns % NSEC_PER_SEC) };
	int64_t deadline = mono_ns() + c->sc->limit_ns + READY_TIMEOUT_NS;
	struct diag_filter f = { 0 };
	struct diag *d = NULL;
	int ret;

	f.families = c->sc->family == FW_IPV6 ? DIAG_F_IPV6 : DIAG_F_IPV4;
	f.states = DIAG_TRACKED_STATES;
	f.rport = (uint16_t)c->port;
	if ((ret = diag_open(cell_netns(c->cell, CELL_CLIENT), &d)) ||
	    (ret = diag_set_filter(d, &f))) {
		fail(c, ret, "sock_diag in the client's namespace: %s", strerror(-ret));
		goto out;
	}
	while (!(ret = look(c, d))) {
		if (stopping(c) || c->out->rc || instance_died(c)) {
			ret = -ECANCELED;
			goto out;
		}
		if (mono_ns() >= deadline) {
			fail(c, -ETIMEDOUT, "the client command's %ld connections did not all "
			     "reach %s in time", c->sc->connections,
			     fw_point_name(c->sc->client.at));
			ret = -ETIMEDOUT;
			goto out;
		}
		cell_pump(c, 0);	/* the server's lines, while we wait */
		nanosleep(&period, NULL);
	}
	if (ret > 0) {
		c->out->t_point = mono_ns();
		c->point = true;
		ret = 0;
	}
out:
	diag_close(d);
	return ret < 0 ? -ECANCELED : 0;
}

int ccmd_signal(struct ctx *c, int sig)
{
	size_t n = 0;
	int ret = nsproc_signal(NULL, cell_netns(c->cell, CELL_CLIENT), pidns_fd(&c->pidns),
				sig, &n);

	if (ret)
		fail(c, ret, "cannot %s the client command's processes: %s",
		     sig == SIGSTOP ? "stop" : "kill", strerror(-ret));
	else if (n == 0)
		fail(c, -ESRCH, "the client command had no process left to %s",
		     sig == SIGSTOP ? "stop" : "kill");
	return ret ? ret : n ? 0 : -ESRCH;
}

int ccmd_fault(struct ctx *c)
{
	if (c->sc->client.fault == FW_FAULT_CRASH)
		return ccmd_signal(c, SIGKILL);
	if (c->sc->client.fault == FW_FAULT_FREEZE)
		return ccmd_signal(c, SIGSTOP);
	return 0;	/* vanish, reboot: on the client's host (cellrun.c) */
}
