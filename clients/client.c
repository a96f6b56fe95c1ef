/* finwait-client: opens N connections, sends a request on each, reads the answer, and
 * when every connection has reached the fault point (or failed) writes one `point` line
 * and performs the fault. At after-request it stops right after its request and never
 * reads the response. One epoll loop; handshakes are paced (MAX_INFLIGHT at once) so
 * that the server's accept queue is not overrun into SYN retransmissions. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "endpoint_opts.h"
#include "exitcode.h"
#include "status.h"
#include "util.h"

#define PROG "finwait-client"
#define FD_RESERVE 64
#define MAX_INFLIGHT 512
#define PORT_RANGE_PATH "/proc/sys/net/ipv4/ip_local_port_range"

enum cstate {
	C_NEW = 0,
	C_CONNECTING,
	C_READING,   /* request sent, reading the response */
	C_WAIT_FIN,  /* response read, waiting for the server's FIN */
	C_AT_POINT,
	C_FAILED,
};

/* 20 bytes a connection: the response is scanned as it streams by, never buffered. */
struct cconn {
	int fd;
	uint8_t state;
	struct ep_resp_scan resp;
};

struct client {
	struct client_opts o;
	struct cconn *c;
	long next;        /* next connection to start */
	long inflight;    /* handshakes under way */
	long reached, failed;
	int ep, tfd;
	bool detail;
	/* --rate: the open loop's timer, its start, and how late each connect() was */
	int rtfd;
	int64_t t0, first, last, late_max, late_sum;
};

/* The rate timer's epoll key (the timeout's is UINT64_MAX). */
#define RATE_KEY (UINT64_MAX - 1)

static void emit_error(struct client *cl, long id, const char *op, int err, const char *msg)
{
	struct status_line l;

	status_begin(&l, STATUS_ERROR, mono_ns());
	if (id >= 0)
		status_add_long(&l, "id", id + 1);
	status_add(&l, "op", op);
	if (err) {
		status_add(&l, "errno", strerrorname_np(err) ? strerrorname_np(err) : "?");
		status_add(&l, "msg", msg ? msg : strerror(err));
	} else if (msg) {
		status_add(&l, "msg", msg);
	}
	status_write(cl->o.status_fd, &l);
}

static void emit_id(struct client *cl, enum status_type type, long id)
{
	struct status_line l;

	if (!cl->detail)
		return;
	status_begin(&l, type, mono_ns());
	status_add_long(&l, "id", id + 1);
	status_write(cl->o.status_fd, &l);
}

static void conn_fail(struct client *cl, long i, const char *op, int err)
{
	struct cconn *c = &cl->c[i];

	if (err == ECONNRESET)
		emit_id(cl, STATUS_PEER_RESET, i);
	if (err != ECONNRESET || !cl->detail)
		emit_error(cl, i, op, err, NULL);
	if (c->state == C_CONNECTING)
		cl->inflight--;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = C_FAILED;
	cl->failed++;
}

/* With a rate each connection is a client PC of its own that fails at its own point:
 * crash and none close it now (a crashed process's kernel closes its sockets: what is
 * unread is read first, so that the close is a FIN), freeze and hang leave it open and
 * untouched (a frozen PC's kernel still ACKs). */
static void fault_one(struct client *cl, long i)
{
	struct cconn *c = &cl->c[i];
	char buf[4096];

	if (cl->o.cfg.fault != FW_FAULT_CRASH && cl->o.cfg.fault != FW_FAULT_NONE)
		return;
	if (cl->o.cfg.fault == FW_FAULT_CRASH)
		while (recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	close(c->fd);
	c->fd = -1;
}

static void conn_reach(struct client *cl, long i)
{
	struct cconn *c = &cl->c[i];

	/* Out of epoll: from now on the connection is the fault's, not ours. */
	epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
	c->state = C_AT_POINT;
	cl->reached++;
	if (cl->o.rate > 0)
		fault_one(cl, i);
}

/* include/linux/proc_ns.h: the initial network namespace's fixed inode number. */
#define PROC_NET_INIT_INO 0xEFFFFFF9U

/* Whether this is the host's network namespace: the initial one, or pid 1's when we may
 * look at it (a container's host). */
static bool in_init_netns(void)
{
	struct stat a, b;

	if (stat("/proc/self/ns/net", &a) < 0)
		return true; /* cannot tell: assume the worst */
	if (a.st_ino == PROC_NET_INIT_INO)
		return true;
	return stat("/proc/1/ns/net", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Widens the namespace's ephemeral port range when N connections need more source ports
 * than it has (per source address). Returns 0 or -errno with msg filled. */
static int ensure_ports(const struct client_opts *o, char *msg, size_t len)
{
	long sources = o->nsources ? o->nsources : 1;
	long lo, hi, need = (o->connections + sources - 1) / sources;
	FILE *f = fopen(PORT_RANGE_PATH, "r");
	int ok;

	if (!f) {
		snprintf(msg, len, "cannot read " PORT_RANGE_PATH ": %s", strerror(errno));
		return -errno;
	}
	ok = fscanf(f, "%ld %ld", &lo, &hi) == 2;
	fclose(f);
	if (!ok) {
		snprintf(msg, len, "cannot parse " PORT_RANGE_PATH);
		return -EINVAL;
	}
	/* __inet_hash_connect() tries ports of one parity first (the other half is left to
	 * bind()); past half the range every connect() walks that whole half first, and
	 * 19 000 connects take 7.7 s instead of 1.9 s. So widen from half the range. */
	if ((hi - lo + 1) / 2 >= need)
		return 0;
	if (need > 65535 - 1024 + 1) {
		snprintf(msg, len, "%ld connections need %ld source ports per address: give more "
			 "--source addresses", o->connections, need);
		return -ERANGE;
	}
	if (hi - lo + 1 >= need && (lo <= 1024 && hi >= 65535))
		return 0;
	if (in_init_netns()) {
		if (hi - lo + 1 >= need)
			return 0; /* enough, if slow: never touch the host's range */
		snprintf(msg, len, "%ld connections need %ld source ports but ip_local_port_range "
			 "is %ld-%ld; not widening it in the host's namespace: give more --source "
			 "addresses or run in a lab namespace", o->connections, need, lo, hi);
		return -EPERM;
	}
	f = fopen(PORT_RANGE_PATH, "w");
	if (!f || fprintf(f, "1024 65535\n") < 0 || fclose(f) != 0) {
		int err = errno ? errno : EIO;

		snprintf(msg, len, "cannot widen " PORT_RANGE_PATH ": %s", strerror(err));
		return -err;
	}
	return 0;
}

static void start_one(struct client *cl, long i)
{
	const struct client_opts *o = &cl->o;
	struct cconn *c = &cl->c[i];
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = (uint64_t)i };
	int one = 1, fd;

	c->fd = -1;
	c->state = C_CONNECTING;
	cl->inflight++;
	fd = socket(o->connect.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_fail(cl, i, "socket", errno);
		return;
	}
	c->fd = fd;
	if (o->nsources) {
		const struct sockaddr_storage *src = &o->sources[i % o->nsources];
		socklen_t slen = src->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							   : sizeof(struct sockaddr_in);

		/* The port is chosen at connect(), per 4-tuple, not per local address. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)src, slen) < 0) {
			conn_fail(cl, i, "bind", errno);
			return;
		}
	}
	if (connect(fd, (const struct sockaddr *)&o->connect, o->connect_len) < 0 &&
	    errno != EINPROGRESS) {
		conn_fail(cl, i, "connect", errno);
		return;
	}
	if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		conn_fail(cl, i, "epoll_ctl", errno);
}

/* When connection i is due with --rate (CLOCK_MONOTONIC ns). */
static int64_t due(const struct client *cl, long i)
{
	return cl->t0 + (int64_t)((double)i * NSEC_PER_SEC / cl->o.rate);
}

/* Open loop: every connection that is due starts now, however many are under way; the
 * timer is armed for the next. Records how late each start was. */
static void start_due(struct client *cl)
{
	int64_t now = mono_ns();
	struct itimerspec its = { 0 };

	while (cl->next < cl->o.connections && due(cl, cl->next) <= now) {
		int64_t late = now - due(cl, cl->next);

		if (!cl->next)
			cl->first = now;
		cl->last = now;
		cl->late_sum += late;
		if (late > cl->late_max)
			cl->late_max = late;
		start_one(cl, cl->next++);
		now = mono_ns();
	}
	if (cl->next < cl->o.connections) {
		int64_t t = due(cl, cl->next);

		its.it_value.tv_sec = t / NSEC_PER_SEC;
		its.it_value.tv_nsec = t % NSEC_PER_SEC;
	}
	timerfd_settime(cl->rtfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void start_more(struct client *cl)
{
	if (cl->o.rate > 0)
		return; /* the rate timer starts them */
	while (cl->next < cl->o.connections && cl->inflight < MAX_INFLIGHT)
		start_one(cl, cl->next++);
}

/* The open loop's account, once every connection has started: when the first and the
 * last one did, and how late against the schedule. */
static void arrivals_line(struct client *cl)
{
	struct status_line l;

	status_begin(&l, STATUS_ARRIVALS, cl->first);
	status_add_long(&l, "n", cl->o.connections);
	status_add_long(&l, "last", (long long)cl->last);
	status_add_long(&l, "late_max", (long long)cl->late_max);
	status_add_long(&l, "late_mean", (long long)(cl->late_sum / cl->o.connections));
	status_write(cl->o.status_fd, &l);
}

/* Writes the aggregate `connected n= failed=` line; called once every handshake ended. */
static void connected_line(struct client *cl)
{
	long n = cl->o.connections;
	long ok = 0, bad = 0;

	for (long i = 0; i < n; i++) {
		if (cl->c[i].state == C_FAILED)
			bad++;
		else
			ok++;
	}
	struct status_line l;

	status_begin(&l, STATUS_CONNECTED, mono_ns());
	status_add_long(&l, "n", ok);
	status_add_long(&l, "failed", bad);
	status_write(cl->o.status_fd, &l);
}

static void on_connected(struct client *cl, long i)
{
	struct cconn *c = &cl->c[i];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)i };
	int err = 0;
	socklen_t elen = sizeof(err);

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	if (err) {
		conn_fail(cl, i, "connect", err);
		return;
	}
	cl->inflight--;
	if (cl->detail) {
		struct sockaddr_storage ls, rs;
		socklen_t llen = sizeof(ls), rlen = sizeof(rs);
		struct status_line l;

		getsockname(c->fd, (struct sockaddr *)&ls, &llen);
		getpeername(c->fd, (struct sockaddr *)&rs, &rlen);
		status_begin(&l, STATUS_CONNECTED, mono_ns());
		status_add_long(&l, "id", i + 1);
		status_add_addr(&l, "local", (struct sockaddr *)&ls);
		status_add_addr(&l, "remote", (struct sockaddr *)&rs);
		status_write(cl->o.status_fd, &l);
	}
	if (cl->o.cfg.at == FW_AT_CONNECT) {
		conn_reach(cl, i);
		return;
	}
	static const char raw_req[] = "hello\n";
	static const char http_req[] = "GET / HTTP/1.1\r\nHost: finwait\r\nUser-Agent: finwait-client\r\n\r\n";
	const char *req = cl->o.cfg.mode == FW_MODE_HTTP ? http_req : raw_req;
	size_t rlen = cl->o.cfg.mode == FW_MODE_HTTP ? sizeof(http_req) - 1 : sizeof(raw_req) - 1;
	ssize_t w = send(c->fd, req, rlen, MSG_NOSIGNAL);

	if (w != (ssize_t)rlen) {
		c->state = C_READING; /* not in flight any more */
		conn_fail(cl, i, "write", w < 0 ? errno : EAGAIN);
		return;
	}
	c->state = C_READING;
	if (cl->o.cfg.at == FW_AT_REQUEST) {
		/* It never reads again: the response fills its receive window. */
		conn_reach(cl, i);
		return;
	}
	ep_resp_scan_init(&c->resp);
	if (epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		conn_fail(cl, i, "epoll_ctl", errno);
}

static void on_readable(struct client *cl, long i)
{
	struct cconn *c = &cl->c[i];
	char buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_fail(cl, i, "read", errno);
		return;
	}
	if (n == 0) {
		if (c->state == C_READING) {
			emit_id(cl, STATUS_PEER_CLOSED, i);
			conn_fail(cl, i, "read", EPIPE);
			return;
		}
		emit_id(cl, STATUS_PEER_CLOSED, i);
		conn_reach(cl, i);
		return;
	}
	if (c->state != C_READING)
		return; /* bytes after the response are not ours to judge */
	if (!ep_resp_scan(&c->resp, cl->o.cfg.mode, buf, (size_t)n))
		return;
	emit_id(cl, STATUS_RESPONSE, i);
	if (cl->o.cfg.at == FW_AT_RESPONSE)
		conn_reach(cl, i);
	else
		c->state = C_WAIT_FIN;
}

/* Reads whatever is queued so that the kernel's close sends FIN: tcp_close() answers
 * unread data with RST. */
static void drain_all(struct client *cl)
{
	char buf[4096];

	for (long i = 0; i < cl->o.connections; i++)
		if (cl->c[i].fd >= 0)
			while (recv(cl->c[i].fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
}

static void close_all(struct client *cl)
{
	struct status_line l;
	int64_t t = mono_ns();
	long n = 0;

	for (long i = 0; i < cl->o.connections; i++)
		if (cl->c[i].fd >= 0) {
			close(cl->c[i].fd);
			cl->c[i].fd = -1;
			n++;
		}
	status_begin(&l, STATUS_CLOSE, t);
	status_add_long(&l, "n", n);
	status_add(&l, "style", "close");
	status_write(cl->o.status_fd, &l);
}

static int do_fault(struct client *cl)
{
	struct status_line l;
	sigset_t none;

	status_begin(&l, STATUS_FAULT, mono_ns());
	status_add(&l, "action", fw_fault_name(cl->o.cfg.fault));
	status_write(cl->o.status_fd, &l);
	switch (cl->o.cfg.fault) {
	case FW_FAULT_NONE:
		close_all(cl);
		return FW_EXIT_OK;
	case FW_FAULT_CRASH:
		drain_all(cl);
		/* Death by signal: no cleanup of ours runs, the kernel closes every socket. */
		raise(SIGKILL);
		return FW_EXIT_INTERNAL;
	case FW_FAULT_FREEZE:
		raise(SIGSTOP);
		/* Thawed: finish like a normal client. */
		close_all(cl);
		return FW_EXIT_OK;
	default:
		/* hang, and the faults finwait performs (fw_fault_actor()): keep every
		 * socket open until killed. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (;;)
			pause();
	}
}

static int run(struct client *cl)
{
	struct epoll_event evs[256];
	struct itimerspec its = { 0 };
	int64_t deadline = mono_ns() + cl->o.timeout_ns;
	struct epoll_event tev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	bool connected_said = false;

	its.it_value.tv_sec = deadline / NSEC_PER_SEC;
	its.it_value.tv_nsec = deadline % NSEC_PER_SEC;
	if (timerfd_settime(cl->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ||
	    epoll_ctl(cl->ep, EPOLL_CTL_ADD, cl->tfd, &tev) < 0)
		return -errno;

	if (cl->o.rate > 0) {
		struct epoll_event rev = { .events = EPOLLIN, .data.u64 = RATE_KEY };

		cl->rtfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (cl->rtfd < 0 || epoll_ctl(cl->ep, EPOLL_CTL_ADD, cl->rtfd, &rev) < 0)
			return -errno;
		cl->t0 = mono_ns();
		start_due(cl);
		if (cl->next == cl->o.connections)
			arrivals_line(cl);
	}
	start_more(cl);
	while (cl->reached + cl->failed < cl->o.connections) {
		if (!connected_said && cl->next == cl->o.connections && cl->inflight == 0) {
			connected_line(cl);
			connected_said = true;
		}
		int n = epoll_wait(cl->ep, evs, ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int k = 0; k < n; k++) {
			uint64_t u = evs[k].data.u64;

			if (u == UINT64_MAX)
				return -ETIMEDOUT;
			if (u == RATE_KEY) {
				uint64_t ticks;

				if (read(cl->rtfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					return -errno;
				start_due(cl);
				if (cl->next == cl->o.connections)
					arrivals_line(cl);
				continue;
			}
			long i = (long)u;
			struct cconn *c = &cl->c[i];

			if (c->state == C_CONNECTING)
				on_connected(cl, i);
			else if (c->state == C_READING || c->state == C_WAIT_FIN)
				on_readable(cl, i);
		}
		start_more(cl);
	}
	if (!connected_said)
		connected_line(cl);
	return 0;
}

/* The command line and the limits it implies. Returns -1 to go on, else the exit code. */
static int prepare(struct client *cl, int argc, char **argv)
{
	struct fw_err err;
	struct status_line l;
	char msg[320];
	int ret;

	if (client_opts_parse(argc, argv, &cl->o, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return FW_EXIT_USAGE;
	}
	if (cl->o.help) {
		client_usage(stdout);
		return FW_EXIT_OK;
	}
	if (cl->o.version) {
		printf(PROG " %s\n", FINWAIT_VERSION);
		return FW_EXIT_OK;
	}
	if (cl->o.status_fd >= 0 && fcntl(cl->o.status_fd, F_GETFD) < 0) {
		fprintf(stderr, PROG ": --status-fd %d is not an open descriptor\n", cl->o.status_fd);
		return FW_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	cl->detail = cl->o.connections <= cl->o.detail_max;

	rlim_t want = (rlim_t)cl->o.connections + FD_RESERVE;
	rlim_t have = nofile_raise(want);
	if (have < want) {
		status_begin(&l, STATUS_LIMIT, mono_ns());
		status_add_long(&l, "nofile", (long long)have);
		status_add_long(&l, "wanted", (long long)want);
		status_write(cl->o.status_fd, &l);
		fprintf(stderr,
			PROG ": %ld connections need %llu descriptors but RLIMIT_NOFILE is %llu "
			     "and cannot be raised without CAP_SYS_RESOURCE: run several clients "
			     "of at most %llu connections each\n",
			cl->o.connections, (unsigned long long)want, (unsigned long long)have,
			(unsigned long long)(have - FD_RESERVE));
		return FW_EXIT_USAGE;
	}
	ret = ensure_ports(&cl->o, msg, sizeof(msg));
	if (ret < 0) {
		emit_error(cl, -1, "ports", -ret, msg);
		fprintf(stderr, PROG ": %s\n", msg);
		return FW_EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct client cl = { .ep = -1, .tfd = -1, .rtfd = -1 };
	char msg[320];
	struct status_line l;
	int ret, code = FW_EXIT_INTERNAL;

	if ((ret = prepare(&cl, argc, argv)) >= 0)
		return ret;
	cl.c = calloc((size_t)cl.o.connections, sizeof(*cl.c));
	cl.ep = epoll_create1(EPOLL_CLOEXEC);
	cl.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!cl.c || cl.ep < 0 || cl.tfd < 0) {
		fprintf(stderr, PROG ": setup failed: %s\n", strerror(errno));
		goto out;
	}
	for (long i = 0; i < cl.o.connections; i++)
		cl.c[i].fd = -1;

	ret = run(&cl);
	if (ret == -ETIMEDOUT) {
		snprintf(msg, sizeof(msg), "%ld of %ld connections did not reach %s in time",
			 cl.o.connections - cl.reached - cl.failed, cl.o.connections,
			 fw_point_name(cl.o.cfg.at));
		emit_error(&cl, -1, "timeout", ETIMEDOUT, msg);
		fprintf(stderr, PROG ": %s\n", msg);
		code = FW_EXIT_FAILED;
		goto out;
	}
	if (ret < 0) {
		fprintf(stderr, PROG ": epoll_wait: %s\n", strerror(-ret));
		goto out;
	}
	if (cl.reached == 0) {
		snprintf(msg, sizeof(msg), "no connection reached %s (%ld failed)",
			 fw_point_name(cl.o.cfg.at), cl.failed);
		emit_error(&cl, -1, "point", 0, msg);
		fprintf(stderr, PROG ": %s\n", msg);
		code = FW_EXIT_FAILED;
		goto out;
	}
	status_begin(&l, STATUS_POINT, mono_ns());
	status_add(&l, "at", fw_point_name(cl.o.cfg.at));
	status_add_long(&l, "n", cl.reached);
	status_add_long(&l, "failed", cl.failed);
	status_write(cl.o.status_fd, &l);
	/* The timers and epoll are no business of the fault: close them first. */
	close(cl.tfd);
	cl.tfd = -1;
	if (cl.rtfd >= 0)
		close(cl.rtfd);
	cl.rtfd = -1;
	code = do_fault(&cl);
out:
	status_begin(&l, STATUS_EXIT, mono_ns());
	status_add_long(&l, "code", code);
	status_write(cl.o.status_fd, &l);
	if (cl.ep >= 0)
		close(cl.ep);
	if (cl.tfd >= 0)
		close(cl.tfd);
	if (cl.rtfd >= 0)
		close(cl.rtfd);
	free(cl.c);
	return code;
}
