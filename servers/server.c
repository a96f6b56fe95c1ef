/* finwait-server: a TCP server whose close is under control (style, delay, per-socket
 * options, response size), reporting every step on a status pipe. One epoll loop in each
 * process (several share the listener when one has too few descriptors: workers.h); a
 * connection is a slot indexed by its fd; close-after deadlines share one timerfd through
 * a FIFO queue (every deadline is now + the same delay, so arming order is expiry order).
 * A response that does not fit the send buffer waits for EPOLLOUT; the close (or its
 * delay) starts once the whole response is in the kernel's hands. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "exitcode.h"
#include "server.h"
#include "util.h"

void server_error(struct server *s, uint32_t id, const char *op, int err, const char *msg)
{
	struct status_line l;

	status_begin(&l, STATUS_ERROR, mono_ns());
	if (id)
		status_add_long(&l, "id", id);
	status_add(&l, "op", op);
	if (err) {
		status_add(&l, "errno", strerrorname_np(err) ? strerrorname_np(err) : "?");
		status_add(&l, "msg", msg ? msg : strerror(err));
	} else if (msg) {
		status_add(&l, "msg", msg);
	}
	status_write(s->o.status_fd, &l);
}

static void emit_id(struct server *s, enum status_type type, int64_t t, uint32_t id)
{
	struct status_line l;

	status_begin(&l, type, t);
	status_add_long(&l, "id", id);
	status_write(s->o.status_fd, &l);
}

static int open_listener(struct server *s)
{
	const struct server_opts *o = &s->o;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct status_line l;
	char cs[48], ca[32];
	int one = 1, fd;

	fd = socket(o->listen.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* An IPv6 listener takes IPv6 only: the family asked is the family measured. */
	if (o->listen.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&o->listen, o->listen_len) < 0 ||
	    listen(fd, o->backlog) < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	s->lfd = fd;
	status_begin(&l, STATUS_LISTENING, mono_ns());
	status_add_addr(&l, "addr", (struct sockaddr *)&ss);
	status_add_long(&l, "port", ntohs(((struct sockaddr_in *)&ss)->sin_port));
	status_add(&l, "mode", fw_mode_name(o->cfg.mode));
	status_add(&l, "close", (fw_key_format(&fw_keys[FW_K_CLOSE], &o->cfg, 0, cs, sizeof(cs)), cs));
	status_add(&l, "close_after", dur_format(o->cfg.close_after_ns, ca, sizeof(ca)));
	status_add_long(&l, "pid", getpid());
	status_add_long(&l, "workers", s->w.n);
	status_write(o->status_fd, &l);
	return 0;
}

/* deadlines' is_live: the entry is still the connection's pending close. */
static bool deadline_live(void *ctx, const struct deadline *d)
{
	const struct conn *c = &((struct server *)ctx)->conns[d->fd];

	return c->id == d->id && c->deadline == d->at;
}

static int timer_push(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];

	c->deadline = mono_ns() + s->o.cfg.close_after_ns;
	return deadlines_push(&s->dl, (struct deadline){ fd, c->id, c->deadline });
}

/* Stops accepting (the listener out of epoll); the other workers take the queue. */
static void pause_listener(struct server *s)
{
	if (!s->listener_paused && epoll_ctl(s->ep, EPOLL_CTL_DEL, s->lfd, NULL) == 0)
		s->listener_paused = true;
}

static void conn_release(struct server *s, int fd)
{
	memset(&s->conns[fd], 0, sizeof(s->conns[fd]));
	s->open--;
	if (s->listener_paused && s->open < s->room) {
		/* A descriptor came back: accept again (see do_accept). */
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = s->lfd };

		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) == 0)
			s->listener_paused = false;
	}
}

/* Closes the connection in the configured style and reports it. */
static void do_close(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];
	const struct fw_close *cs = &s->o.cfg.close;
	struct status_line l;
	char style[48];
	int64_t t = mono_ns();
	uint32_t id = c->id;

	c->deadline = 0;
	switch (cs->kind) {
	case FW_CLOSE_NONE:
		return;
	case FW_CLOSE_SHUTDOWN:
		if (c->state == CONN_SHUT)
			return;
		if (c->peer_fin) {
			/* Nothing left to wait for: the peer already closed its side. */
			shutdown(fd, SHUT_WR);
			close(fd);
			conn_release(s, fd);
		} else {
			if (shutdown(fd, SHUT_WR) < 0)
				server_error(s, id, "shutdown", errno, NULL);
			c->state = CONN_SHUT;
		}
		break;
	default:
		/* SO_LINGER was set at accept for linger0 / linger:DUR. */
		close(fd);
		conn_release(s, fd);
		break;
	}
	status_begin(&l, STATUS_CLOSE, t);
	status_add_long(&l, "id", id);
	status_add(&l, "style", (fw_key_format(&fw_keys[FW_K_CLOSE], &s->o.cfg, 0, style, sizeof(style)), style));
	/* t is taken before the call and done after it: the state change happened in
	 * between (with linger0 the socket is gone by done). */
	status_add_long(&l, "done", (long long)mono_ns());
	status_write(s->o.status_fd, &l);
}

static void do_accept(struct server *s)
{
	while (!s->listener_paused) {
		struct sockaddr_storage rs, ls;
		socklen_t rlen = sizeof(rs), llen = sizeof(ls);
		struct epoll_event ev = { .events = EPOLLIN };
		struct status_line l;
		int fd = accept4(s->lfd, (struct sockaddr *)&rs, &rlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int64_t t = mono_ns();

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Level-triggered epoll would spin: stop listening until a
				 * connection's descriptor is released. */
				server_error(s, 0, "accept", errno,
					   "out of file descriptors (RLIMIT_NOFILE): accepting paused");
				pause_listener(s);
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
				server_error(s, 0, "accept", errno, NULL);
			}
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if ((size_t)fd >= s->nconns) {
			server_error(s, 0, "accept", EMFILE, "descriptor beyond the connection table");
			close(fd);
			continue;
		}
		struct conn *c = &s->conns[fd];

		memset(c, 0, sizeof(*c));
		c->id = workers_next_id(&s->w);
		c->state = CONN_OPEN;
		/* Full: leave the queue to the other workers (level-triggered, every worker
		 * is woken by a new connection) until a descriptor comes back. */
		if (++s->open >= s->room)
			pause_listener(s);
		getsockname(fd, (struct sockaddr *)&ls, &llen);
		status_begin(&l, STATUS_ACCEPTED, t);
		status_add_long(&l, "id", c->id);
		status_add_addr(&l, "local", (struct sockaddr *)&ls);
		status_add_addr(&l, "remote", (struct sockaddr *)&rs);
		status_write(s->o.status_fd, &l);
		apply_sockopts(s, fd, c->id);
		ev.data.fd = fd;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			server_error(s, c->id, "epoll_ctl", errno, NULL);
			close(fd);
			conn_release(s, fd);
		}
	}
}

/* Waits for EPOLLOUT (on) or stops waiting (off). */
static void want_write(struct server *s, int fd, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.fd = fd };

	if (s->conns[fd].wr_wait == on)
		return;
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, fd, &ev) == 0)
		s->conns[fd].wr_wait = on;
}

/* Writes the responses owed, each reported once the kernel has all of it. Returns 0 when
 * all are written, 1 when the send buffer is full (EPOLLOUT armed), -1 when the
 * connection was closed on an error. */
static int flush_responses(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];
	uint32_t id = c->id;

	while (c->wr_left) {
		ssize_t w = send(fd, s->resp.buf + c->wr_off, s->resp.len - c->wr_off,
				 MSG_NOSIGNAL);
		struct status_line l;

		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			/* The client stopped reading: its window and our buffer are full. */
			want_write(s, fd, true);
			return 1;
		}
		if (w < 0) {
			server_error(s, id, "write", errno, NULL);
			close(fd);
			conn_release(s, fd);
			return -1;
		}
		c->wr_off += (uint32_t)w;
		if (c->wr_off < s->resp.len)
			continue;
		c->wr_off = 0;
		c->wr_left--;
		c->nresp++;
		status_begin(&l, STATUS_RESPONSE, mono_ns());
		status_add_long(&l, "id", id);
		status_add_long(&l, "n", c->nresp);
		status_write(s->o.status_fd, &l);
	}
	want_write(s, fd, false);
	return 0;
}

/* After the responses owed are written: close now, or after close-after. */
static void after_responses(struct server *s, int fd)
{
	if (s->o.cfg.close.kind == FW_CLOSE_NONE)
		return;
	if (s->closing)
		do_close(s, fd);
	else if (timer_push(s, fd) < 0)
		server_error(s, s->conns[fd].id, "timer", ENOMEM, NULL);
}

/* EPOLLOUT: the client read some of a response that did not fit. */
static void on_writable(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];

	if (c->state != CONN_OPEN || !c->wr_left) {
		want_write(s, fd, false);
		return;
	}
	if (flush_responses(s, fd) == 0)
		after_responses(s, fd);
}

static void on_readable(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	uint32_t id = c->id;

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == ECONNRESET)
			emit_id(s, STATUS_PEER_RESET, mono_ns(), id);
		else
			/* ETIMEDOUT here is keepalive or TCP_USER_TIMEOUT killing it. */
			server_error(s, id, "read", errno, NULL);
		close(fd);
		conn_release(s, fd);
		return;
	}
	if (n == 0) {
		emit_id(s, STATUS_PEER_CLOSED, mono_ns(), id);
		c->peer_fin = 1;
		if (c->state == CONN_SHUT) {
			/* tcp_fin() in FIN_WAIT2 finished the connection: release the fd. */
			close(fd);
			conn_release(s, fd);
		} else if (s->o.cfg.close.kind == FW_CLOSE_NONE) {
			epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
			c->state = CONN_KEPT;
		} else {
			/* A server closes when its client has: now, in its style (shutdown
			 * then releases the fd too: see do_close). */
			do_close(s, fd);
		}
		return;
	}
	if (c->state != CONN_OPEN)
		return; /* after shutdown(SHUT_WR) nothing more can be answered */

	int reqs = ep_req_scan(&c->scan, s->o.cfg.mode, buf, (size_t)n);

	if (!reqs)
		return;
	/* Requests pipelined behind a response still being written wait their turn. */
	c->wr_left = (uint16_t)(c->wr_left + reqs > UINT16_MAX ? UINT16_MAX : c->wr_left + reqs);
	if (c->wr_wait || flush_responses(s, fd))
		return;
	after_responses(s, fd);
}

static void on_timer(struct server *s)
{
	uint64_t ticks;
	int64_t now = mono_ns();
	struct deadline d;

	if (read(s->dl.tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	while (deadlines_pop_due(&s->dl, now, &d))
		if (s->conns[d.fd].state == CONN_OPEN)
			do_close(s, d.fd);
	deadlines_arm(&s->dl);
}

/* Raises the descriptor limit for --max-conns, or plans workers when it cannot be raised
 * that far (workers.h); blocks the signals every process reads from its signalfd. */
static int plan(struct server *s)
{
	/* Without --max-conns, take what the limit allows and say nothing. */
	long asked = s->o.max_conns ? s->o.max_conns : EP_MAX_CONNECTIONS;
	rlim_t want = (rlim_t)asked + FD_RESERVE;
	rlim_t have = nofile_raise(want);
	long per = (long)have - FD_RESERVE;
	int n = s->o.max_conns ? workers_needed(asked, per) : 1, ret;
	sigset_t mask;

	if (n == 0 || per <= 0) {
		struct status_line l;
		long most = per > 0 ? per * WORKERS_MAX : 0;

		status_begin(&l, STATUS_LIMIT, mono_ns());
		status_add_long(&l, "nofile", (long long)have);
		status_add_long(&l, "wanted", (long long)want);
		status_add_long(&l, "max_conns", most);
		status_write(s->o.status_fd, &l);
		fprintf(stderr,
			PROG ": RLIMIT_NOFILE is %llu and cannot be raised to %llu without "
			     "CAP_SYS_RESOURCE: at most %ld connections can be open at once in "
			     "%d processes\n",
			(unsigned long long)have, (unsigned long long)want, most, WORKERS_MAX);
		n = WORKERS_MAX;
	}
	s->nconns = have;
	/* One process keeps the old behaviour (an error at EMFILE); several hand over
	 * before they run out. */
	s->room = n > 1 && per > 0 ? (size_t)per : SIZE_MAX;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (n > 1)
		sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = workers_init(&s->w);
	s->w.n = n;
	return ret;
}

/* One process's loop: its connection table, signalfd, epoll and timerfd. */
static int setup(struct server *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	s->conns = calloc(s->nconns, sizeof(*s->conns));
	if (!s->conns)
		return -ENOMEM;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (s->w.index == 0 && s->w.n > 1)
		sigaddset(&mask, SIGCHLD);
	s->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->dl.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	s->dl.is_live = deadline_live;
	s->dl.ctx = s;
	if (s->sfd < 0 || s->ep < 0 || s->dl.tfd < 0)
		return -errno;
	ev.data.fd = s->sfd;
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sfd, &ev);
	ev.data.fd = s->dl.tfd;
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->dl.tfd, &ev);
	ev.data.fd = s->lfd;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) < 0)
		return -errno;
	return 0;
}

/* The signalfd: 0 to stop (SIGTERM, SIGINT), 1 to go on, -ECHILD when a worker ended
 * (reported: the cell's connections in it are gone). */
static int on_signal(struct server *s)
{
	struct signalfd_siginfo si;
	char msg[96];
	int status;
	pid_t pid;

	if (read(s->sfd, &si, sizeof(si)) != sizeof(si))
		return 1;
	if (si.ssi_signo != SIGCHLD)
		return 0;
	if (!(pid = workers_reap(&s->w, &status)))
		return 1;
	snprintf(msg, sizeof(msg), "worker %d ended (%s %d)", (int)pid,
		 WIFSIGNALED(status) ? "signal" : "status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	server_error(s, 0, "worker", ECHILD, msg);
	return -ECHILD;
}

static int serve(struct server *s)
{
	struct epoll_event evs[256];
	int sig;

	for (;;) {
		int n = epoll_wait(s->ep, evs, ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == s->lfd)
				do_accept(s);
			else if (fd == s->dl.tfd)
				on_timer(s);
			else if (fd == s->sfd && (sig = on_signal(s)) <= 0)
				return sig;
			else if ((size_t)fd < s->nconns && s->conns[fd].id) {
				if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
					on_readable(s, fd);
				if ((evs[i].events & EPOLLOUT) && s->conns[fd].id)
					on_writable(s, fd);
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct server s = { .lfd = -1, .ep = -1, .sfd = -1, .dl.tfd = -1 };
	struct fw_err err;
	struct status_line l;
	int ret, code = FW_EXIT_INTERNAL;

	if (server_opts_parse(argc, argv, &s.o, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return FW_EXIT_USAGE;
	}
	if (s.o.help) {
		server_usage(stdout);
		return FW_EXIT_OK;
	}
	if (s.o.version) {
		printf(PROG " %s\n", FINWAIT_VERSION);
		return FW_EXIT_OK;
	}
	if (s.o.status_fd >= 0 && fcntl(s.o.status_fd, F_GETFD) < 0) {
		fprintf(stderr, PROG ": --status-fd %d is not an open descriptor\n", s.o.status_fd);
		return FW_EXIT_USAGE;
	}
	s.closing = s.o.cfg.close.kind != FW_CLOSE_NONE && s.o.cfg.close_after_ns == 0;
	if (response_build(&s.resp, s.o.cfg.mode, s.o.cfg.response_size, s.closing) < 0) {
		fprintf(stderr, PROG ": cannot build a response of %ld bytes\n",
			s.o.cfg.response_size);
		return FW_EXIT_INTERNAL;
	}
	if ((ret = plan(&s)) < 0) {
		fprintf(stderr, PROG ": %s\n", strerror(-ret));
		goto out;
	}
	ret = open_listener(&s);
	if (ret < 0) {
		char a[STATUS_ADDR_MAX];

		status_format_addr((struct sockaddr *)&s.o.listen, a, sizeof(a));
		fprintf(stderr, PROG ": cannot listen on %s: %s\n", a, strerror(-ret));
		server_error(&s, 0, "listen", -ret, NULL);
		goto out;
	}
	/* A worker runs the same loop; only the first writes the exit line. */
	ret = workers_fork(&s.w, s.w.n);
	if (ret >= 0)
		ret = setup(&s);
	if (ret < 0) {
		fprintf(stderr, PROG ": setup failed: %s\n", strerror(-ret));
		goto out;
	}
	ret = serve(&s);
	if (ret < 0) {
		if (ret != -ECHILD)
			fprintf(stderr, PROG ": epoll_wait: %s\n", strerror(-ret));
		goto out;
	}
	code = FW_EXIT_OK;
	workers_stop(&s.w);
	if (s.w.index)
		goto out;
	status_begin(&l, STATUS_EXIT, mono_ns());
	status_add_long(&l, "code", code);
	status_write(s.o.status_fd, &l);
out:
	/* The kernel closes the connections; close styles apply only while serving. */
	workers_stop(&s.w);
	workers_free(&s.w);
	free(s.conns);
	deadlines_free(&s.dl);
	response_free(&s.resp);
	return code;
}
