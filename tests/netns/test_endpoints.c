/* Namespace tests for finwait-server and finwait-client: every close style against the
 * main client faults, in two namespaces of the test's own (made with `ip`, joined by a
 * veth), cross-checked with `ss` in the namespaces. The server namespace has
 * tcp_fin_timeout = 1 so that orphaned FIN_WAIT2 sockets die in about a second.
 * Synchronises on status lines and on socket states; the only timed waits check that a
 * state lasts (an absence of events cannot be awaited). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "status.h"
#include "util.h"

#define SRV_ADDR "198.18.255.1"
#define CLI_ADDR "198.18.255.2"
#define SRV_ADDR6 "fd46:696e:ffff::1"
#define CLI_ADDR6 "fd46:696e:ffff::2"
#define MAX_LOG 64

static char ns_srv[64], ns_cli[64], veth_s[16], veth_c[16];
static char server_bin[512], client_bin[512];

/* ---- shell helpers (tests may use ip, ss and sysctl) ---- */

/* Runs a shell command; returns its exit status, output in out (may be NULL). */
static int sh(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *f;
	size_t n = 0;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (out && outlen) {
		n = fread(out, 1, outlen - 1, f);
		out[n] = '\0';
	} else {
		char sink[512];

		while (fread(sink, 1, sizeof(sink), f) > 0)
			;
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Lines of `ss -Htan <filter>` in a namespace, LISTEN lines left out; the lines go to
 * out when given. */
static int ss_count(const char *ns, const char *filter, char *out, size_t outlen)
{
	char buf[16384];
	int n = 0;

	if (sh(buf, sizeof(buf), "ip netns exec %s ss -Htanop %s 2>&1", ns, filter) != 0)
		fail_msg("ss failed in %s: %s", ns, buf);
	if (out)
		snprintf(out, outlen, "%s", buf);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "LISTEN", 6) || line[0] == '\t' || line[0] == ' ')
			continue;
		n++;
	}
	return n;
}

/* Asserts the number of sockets matching filter in ns, showing them when it differs. */
#define SS_EXPECT(ns, filter, want)                                                          \
	do {                                                                                 \
		char ss_out_[16384];                                                         \
		int ss_n_ = ss_count(ns, filter, ss_out_, sizeof(ss_out_));                   \
		if (ss_n_ != (want)) {                                                       \
			char ss_all_[16384];                                                 \
			sh(ss_all_, sizeof(ss_all_), "ip netns exec %s ss -tanop", ns);      \
			fail_msg("%d sockets in %s matching %s, expected %d:\n%s\nall:\n%s",  \
				 ss_n_, ns, filter, (want), ss_out_, ss_all_);               \
		}                                                                            \
	} while (0)

/* Polls ss until the count is `want` or timeout_ms passes; returns the time it took (ns)
 * or -1. */
/* Polls until `ss` counts want sockets, or timeout_ms. out (may be NULL): the output of
 * the call that counted them, so that what the caller checks next is what was counted
 * (a second call can come after a 1 s lifetime on a loaded host). */
static int64_t ss_wait_out(const char *ns, const char *filter, int want, int timeout_ms,
			   char *out, size_t outlen)
{
	int64_t t0 = mono_ns(), end = t0 + (int64_t)timeout_ms * NSEC_PER_MSEC;

	for (;;) {
		int64_t now;

		if (ss_count(ns, filter, out, outlen) == want)
			return mono_ns() - t0;
		now = mono_ns();
		if (now > end)
			return -1;
		usleep(5000);
	}
}

static int64_t ss_wait(const char *ns, const char *filter, int want, int timeout_ms)
{
	return ss_wait_out(ns, filter, want, timeout_ms, NULL, 0);
}

/* ---- children with status pipes ---- */

struct child {
	pid_t pid;
	int fd;          /* read end of its status pipe */
	char *buf;       /* unread bytes; grows: every child's pipe is drained while any
			  * one is waited for, so that no child blocks on a full pipe */
	size_t len, cap;
	char log[MAX_LOG][STATUS_LINE_MAX];
	int nlog;
	bool eof;
};

static struct child *children[4];

static void child_log_dump(const struct child *c, const char *who)
{
	for (int i = 0; i < c->nlog; i++)
		print_message("  %s: %s\n", who, c->log[i]);
}

/* Starts argv in namespace ns with its status pipe on fd 3. */
static void child_start(struct child *c, const char *ns, char *const argv[])
{
	char path[128];
	int p[2], nsfd;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(nsfd >= 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setns(nsfd, CLONE_NEWNET) < 0)
			_exit(120);
		if (dup2(p[1], 3) < 0)
			_exit(121);
		execv(argv[0], argv);
		_exit(122);
	}
	close(nsfd);
	close(p[1]);
	c->fd = p[0];
	for (size_t i = 0; i < ARRAY_SIZE(children); i++)
		if (!children[i]) {
			children[i] = c;
			break;
		}
}

/* Waits up to timeout_ms for any child's pipe to be readable and reads what is there. */
static void pump(int timeout_ms)
{
	struct pollfd pfd[ARRAY_SIZE(children)];
	struct child *who[ARRAY_SIZE(children)];
	nfds_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(children); i++)
		if (children[i] && children[i]->fd >= 0 && !children[i]->eof) {
			pfd[n] = (struct pollfd){ .fd = children[i]->fd, .events = POLLIN };
			who[n++] = children[i];
		}
	if (n == 0 || poll(pfd, n, timeout_ms) <= 0)
		return;
	for (nfds_t i = 0; i < n; i++) {
		struct child *c = who[i];

		if (!pfd[i].revents)
			continue;
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? 2 * c->cap : 131072;
			c->buf = realloc(c->buf, c->cap);
			assert_non_null(c->buf);
		}
		ssize_t r = read(c->fd, c->buf + c->len, c->cap - 1 - c->len);

		if (r <= 0)
			c->eof = true;
		else
			c->len += (size_t)r;
	}
}

/* Reads the next status line within timeout_ms; false on EOF or timeout. */
static bool child_next(struct child *c, struct status_event *ev, int timeout_ms)
{
	int64_t end = mono_ns() + (int64_t)timeout_ms * NSEC_PER_MSEC;

	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;

		if (nl) {
			size_t n = (size_t)(nl - c->buf) + 1;

			*nl = '\0';
			if (c->nlog < MAX_LOG) {
				size_t ll = n - 1 < STATUS_LINE_MAX - 1 ? n - 1 : STATUS_LINE_MAX - 1;

				memcpy(c->log[c->nlog], c->buf, ll);
				c->log[c->nlog++][ll] = '\0';
			}
			assert_int_equal(status_parse(c->buf, ev), 0);
			memmove(c->buf, c->buf + n, c->len - n);
			c->len -= n;
			return true;
		}
		if (c->eof)
			return false;
		int64_t left = (end - mono_ns()) / NSEC_PER_MSEC;

		if (left < 0)
			return false;
		pump((int)left);
		if (left == 0 && !memchr(c->buf ? c->buf : "", '\n', c->len))
			return false;
	}
}

/* Waits for the next event of a type (skipping others); fails the test if none comes. */
static void child_expect(struct child *c, enum status_type type, struct status_event *ev,
			 int timeout_ms, const char *who)
{
	int64_t end = mono_ns() + (int64_t)timeout_ms * NSEC_PER_MSEC;

	for (;;) {
		int left = (int)((end - mono_ns()) / NSEC_PER_MSEC);

		if (left > 0 && child_next(c, ev, left)) {
			if (ev->type == type)
				return;
			continue;
		}
		child_log_dump(c, who);
		fail_msg("%s: no '%s' line within %d ms", who, status_type_name(type), timeout_ms);
	}
}

static void child_kill(struct child *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
	if (c->fd > 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

static int kill_children(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
		if (children[i])
			child_kill(children[i]);
		children[i] = NULL;
	}
	return 0;
}

static void expect_kv(const struct status_event *ev, const char *key, const char *want)
{
	const char *v = status_get(ev, key);

	if (!v || strcmp(v, want))
		fail_msg("%s=%s, expected %s", key, v ? v : "(absent)", want);
}

/* ---- a server and a client ---- */

struct pair {
	struct child srv, cli;
	char port[8];
	char connect[64];
};

/* Starts finwait-server in the server namespace with extra args; waits for `listening`. */
static void server_start(struct pair *p, bool v6, const char *const extra[])
{
	char *argv[40];
	int n = 0;
	struct status_event ev;

	argv[n++] = server_bin;
	argv[n++] = "--listen";
	argv[n++] = v6 ? "[" SRV_ADDR6 "]:0" : SRV_ADDR ":0";
	argv[n++] = "--status-fd";
	argv[n++] = "3";
	for (int i = 0; extra && extra[i]; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	child_start(&p->srv, ns_srv, argv);
	child_expect(&p->srv, STATUS_LISTENING, &ev, 5000, "server");
	snprintf(p->port, sizeof(p->port), "%s", status_get(&ev, "port"));
	snprintf(p->connect, sizeof(p->connect), v6 ? "[" SRV_ADDR6 "]:%s" : SRV_ADDR ":%s", p->port);
	assert_true(atoi(p->port) > 0);
}

static void client_start(struct pair *p, const char *const extra[])
{
	char *argv[40];
	int n = 0;

	argv[n++] = client_bin;
	argv[n++] = "--connect";
	argv[n++] = p->connect;
	argv[n++] = "--status-fd";
	argv[n++] = "3";
	argv[n++] = "--timeout";
	argv[n++] = "10s";
	for (int i = 0; extra && extra[i]; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	child_start(&p->cli, ns_cli, argv);
}

static char *sport(struct pair *p, char *buf, size_t len, const char *state)
{
	snprintf(buf, len, "state %s '( sport = :%s )'", state, p->port);
	return buf;
}

static char *dport(struct pair *p, char *buf, size_t len, const char *state)
{
	snprintf(buf, len, "state %s '( dport = :%s )'", state, p->port);
	return buf;
}

/* Waits until the client stops itself (freeze): an event, via waitpid WUNTRACED. */
static void expect_stopped(struct child *c)
{
	int st;

	assert_int_equal(waitpid(c->pid, &st, WUNTRACED), c->pid);
	assert_true(WIFSTOPPED(st));
	assert_int_equal(WSTOPSIG(st), SIGSTOP);
}

static int expect_exit(struct child *c)
{
	int st;

	assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
	c->pid = 0;
	return st;
}

/* ---- the tests ---- */

/* close + freeze at after-fin: client in CLOSE_WAIT (frozen, fd open), server's orphan in
 * FIN_WAIT2 that dies after tcp_fin_timeout = 1 s. */
static void test_close_freeze_after_fin(void **state)
{
	static const char *const sargs[] = { "--close", "close", NULL };
	static const char *const cargs[] = { "--fault", "freeze", "--at", "after-fin", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128], out[4096];
	int64_t close_t, gone, seen;
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_kv(&ev, "at", "after-fin");
	expect_kv(&ev, "n", "1");
	expect_kv(&ev, "failed", "0");
	child_expect(&p->srv, STATUS_CLOSE, &ev, 1000, "server");
	expect_kv(&ev, "style", "close");
	close_t = ev.t;
	expect_stopped(&p->cli);

	SS_EXPECT(ns_cli, dport(p, f, sizeof(f), "close-wait"), 1);
	/* The client's kernel ACKs our FIN late: tcp_fin() puts it in pingpong mode, so the
	 * ACK waits for the delayed-ACK timer (<= 200 ms); FIN_WAIT1 until then. */
	assert_true(ss_wait_out(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), 1, 1000, out,
				sizeof(out)) >= 0);
	seen = mono_ns();
	if (!strstr(out, "timer:(timewait"))
		fail_msg("expected an orphan (timewait minisocket) in FIN_WAIT2: %s", out);
	/* The minisocket lives tcp_fin_timeout (1 s) from the ACK of our FIN. */
	gone = ss_wait(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), 0, 3000);
	assert_true(gone >= 0);
	int64_t life = mono_ns() - close_t;
	print_message("  FIN_WAIT2 gone %.3f s after close(), %.3f s after first seen "
		      "(tcp_fin_timeout = 1)\n", ns_to_s(life), ns_to_s(mono_ns() - seen));
	/* Lower bound: the timer runs 1 s from the ACK, which follows close(). Upper: 1 s +
	 * 200 ms delayed ACK + 32 ms wheel lateness (docs/KERNEL.md, HZ=250) + an ss round. */
	assert_true(life >= NSEC_PER_SEC);
	assert_true(life < 1500 * NSEC_PER_MSEC);
	/* The frozen client still holds its CLOSE_WAIT socket. */
	SS_EXPECT(ns_cli, dport(p, f, sizeof(f), "close-wait"), 1);
	kill_children(NULL);
	free(p);
}

/* close + crash at after-fin: the client's kernel closes with FIN, so the server's
 * FIN_WAIT2 moves to TIME_WAIT. */
static void test_close_crash_after_fin(void **state)
{
	static const char *const sargs[] = { "--close", "close", NULL };
	static const char *const cargs[] = { "--fault", "crash", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128];
	int st;
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	child_expect(&p->cli, STATUS_FAULT, &ev, 1000, "client");
	expect_kv(&ev, "action", "crash");
	st = expect_exit(&p->cli);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	assert_true(ss_wait(ns_srv, sport(p, f, sizeof(f), "time-wait"), 1, 2000) >= 0);
	SS_EXPECT(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), 0);
	kill_children(NULL);
	free(p);
}

/* shutdown + freeze at after-fin, with keepalive: the server's socket is in FIN_WAIT2 with
 * its fd open (not an orphan), on the keepalive timer; the frozen client's kernel ACKs the
 * probes, so it outlives tcp_fin_timeout and the probe budget. */
static void test_shutdown_freeze_keepalive(void **state)
{
	static const char *const sargs[] = { "--close", "shutdown", "--keepalive", "on",
					     "--keepidle", "1", "--keepintvl", "1", "--keepcnt", "2",
					     "--user-timeout", "2500ms", NULL };
	static const char *const cargs[] = { "--fault", "freeze", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128], out[4096], pidtag[32];
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->srv, STATUS_OPTS, &ev, 5000, "server");
	expect_kv(&ev, "keepalive", "1");
	expect_kv(&ev, "keepidle", "1");
	expect_kv(&ev, "keepintvl", "1");
	expect_kv(&ev, "keepcnt", "2");
	expect_kv(&ev, "user_timeout", "2500");
	expect_kv(&ev, "linger2", "1"); /* unset: getsockopt reports tcp_fin_timeout */
	expect_kv(&ev, "set", "keepalive,keepidle,keepintvl,keepcnt,user_timeout");
	child_expect(&p->srv, STATUS_CLOSE, &ev, 5000, "server");
	expect_kv(&ev, "style", "shutdown");
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_stopped(&p->cli);

	assert_true(ss_wait(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), 1, 1000) >= 0);
	ss_count(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), out, sizeof(out));
	snprintf(pidtag, sizeof(pidtag), "pid=%d,", (int)p->srv.pid);
	if (!strstr(out, pidtag) || !strstr(out, "timer:(keepalive"))
		fail_msg("expected a FIN_WAIT2 socket held by the server on the keepalive timer: %s", out);
	/* Past fin_timeout (1 s) and idle + cnt x intvl (3 s) and the user timeout: probes are
	 * answered, so the state must last. This is the one wait that cannot be an event. */
	int64_t end = mono_ns() + 3500 * NSEC_PER_MSEC;
	while (mono_ns() < end) {
		SS_EXPECT(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), 1);
		usleep(100000);
	}
	SS_EXPECT(ns_cli, dport(p, f, sizeof(f), "close-wait"), 1);
	/* Thaw the client: it closes, its FIN finishes the server's socket, which reports
	 * peer-closed and releases the fd. */
	kill(p->cli.pid, SIGCONT);
	child_expect(&p->srv, STATUS_PEER_CLOSED, &ev, 3000, "server");
	assert_true(ss_wait(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), 0, 2000) >= 0);
	kill_children(NULL);
	free(p);
}

/* linger0: RST instead of FIN. The client sees the reset (never reaches after-fin), and
 * the server leaves neither FIN_WAIT2 nor TIME_WAIT. */
static void test_linger0_rst(void **state)
{
	static const char *const sargs[] = { "--close", "linger0", NULL };
	static const char *const cargs[] = { "--fault", "none", "--at", "after-fin", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128];
	int st;
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->srv, STATUS_OPTS, &ev, 5000, "server");
	expect_kv(&ev, "so_linger", "0");
	child_expect(&p->srv, STATUS_CLOSE, &ev, 5000, "server");
	expect_kv(&ev, "style", "linger0");
	child_expect(&p->cli, STATUS_PEER_RESET, &ev, 5000, "client");
	expect_kv(&ev, "id", "1");
	st = expect_exit(&p->cli);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	SS_EXPECT(ns_srv, sport(p, f, sizeof(f), "all"), 0);
	SS_EXPECT(ns_cli, dport(p, f, sizeof(f), "all"), 0);
	kill_children(NULL);
	free(p);
}

/* linger:1: SO_LINGER {1,1}; close() waits for the ACK of the FIN, then the orphan is
 * in FIN_WAIT2 as with close. */
static void test_linger_dur(void **state)
{
	static const char *const sargs[] = { "--close", "linger:1", NULL };
	static const char *const cargs[] = { "--fault", "freeze", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128];
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->srv, STATUS_OPTS, &ev, 5000, "server");
	expect_kv(&ev, "so_linger", "1");
	child_expect(&p->srv, STATUS_CLOSE, &ev, 5000, "server");
	expect_kv(&ev, "style", "linger:1s");
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_stopped(&p->cli);
	SS_EXPECT(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), 1);
	SS_EXPECT(ns_cli, dport(p, f, sizeof(f), "close-wait"), 1);
	kill_children(NULL);
	free(p);
}

/* none: the server never closes; the client closes after the response, so the server
 * sits in CLOSE_WAIT with its fd and the client's orphan in FIN_WAIT2. */
static void test_none_client_closes(void **state)
{
	static const char *const sargs[] = { "--close", "none", NULL };
	static const char *const cargs[] = { "--fault", "none", "--at", "after-response", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128];
	int st;
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_kv(&ev, "at", "after-response");
	st = expect_exit(&p->cli);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	child_expect(&p->srv, STATUS_PEER_CLOSED, &ev, 3000, "server");
	SS_EXPECT(ns_srv, sport(p, f, sizeof(f), "close-wait"), 1);
	/* FIN_WAIT1 until the server's delayed ACK of our FIN. */
	assert_true(ss_wait(ns_cli, dport(p, f, sizeof(f), "fin-wait-2"), 1, 1000) >= 0);
	/* No close line ever: style none. */
	while (child_next(&p->srv, &ev, 0))
		assert_int_not_equal(ev.type, STATUS_CLOSE);
	kill_children(NULL);
	free(p);
}

/* TCP_LINGER2: -1 means no FIN_WAIT2 at all; 300 is clamped to 120 by the kernel. */
static void test_linger2(void **state)
{
	static const char *const sargs[] = { "--linger2", "-1", NULL };
	static const char *const sargs2[] = { "--linger2", "300", NULL };
	static const char *const cargs[] = { "--fault", "freeze", NULL };
	static const char *const cargs2[] = { "--at", "after-response", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128];
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->srv, STATUS_OPTS, &ev, 5000, "server");
	expect_kv(&ev, "linger2", "-1");
	assert_null(status_get(&ev, "linger2_asked"));
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_stopped(&p->cli);
	/* tcp_rcv_state_process(): the ACK of our FIN on an orphan with linger2 < 0 ends
	 * it at once and answers with RST, where fin_timeout would keep it in FIN_WAIT2 a
	 * second and leave the frozen client in CLOSE_WAIT. */
	assert_true(ss_wait(ns_srv, sport(p, f, sizeof(f), "all"), 0, 1000) >= 0);
	assert_true(ss_wait(ns_cli, dport(p, f, sizeof(f), "all"), 0, 1000) >= 0);
	kill_children(NULL);

	server_start(p, false, sargs2);
	client_start(p, cargs2);
	child_expect(&p->srv, STATUS_OPTS, &ev, 5000, "server");
	expect_kv(&ev, "linger2", "120");
	expect_kv(&ev, "linger2_asked", "300");
	child_expect(&p->cli, STATUS_EXIT, &ev, 5000, "client");
	expect_kv(&ev, "code", "0");
	kill_children(NULL);
	free(p);
}

/* IPv6, HTTP, close-after: the client crashes after the response; its queues were drained
 * so its kernel sends FIN (not RST) and the server closes before its close-after timer. */
static void test_ipv6_http_crash_after_response(void **state)
{
	static const char *const sargs[] = { "--mode", "http", "--close-after", "5s", NULL };
	static const char *const cargs[] = { "--mode", "http", "--at", "after-response",
					     "--fault", "crash", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	int64_t resp_t;
	(void)state;

	server_start(p, true, sargs);
	client_start(p, cargs);
	child_expect(&p->srv, STATUS_ACCEPTED, &ev, 5000, "server");
	assert_non_null(strstr(status_get(&ev, "remote"), "[" CLI_ADDR6 "]:"));
	child_expect(&p->srv, STATUS_RESPONSE, &ev, 5000, "server");
	resp_t = ev.t;
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_kv(&ev, "at", "after-response");
	expect_exit(&p->cli);
	/* The next server line is the peer's FIN, not a reset. */
	assert_true(child_next(&p->srv, &ev, 3000));
	if (ev.type != STATUS_PEER_CLOSED) {
		child_log_dump(&p->srv, "server");
		fail_msg("expected peer-closed after the crash");
	}
	child_expect(&p->srv, STATUS_CLOSE, &ev, 1000, "server");
	assert_true(ev.t - resp_t < 5 * NSEC_PER_SEC);
	kill_children(NULL);
	free(p);
}

/* after-connect + hang: the point comes before any request; the server has accepted but
 * answered nothing. */
static void test_after_connect_hang(void **state)
{
	static const char *const cargs[] = { "--at", "after-connect", "--fault", "hang", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128];
	(void)state;

	server_start(p, false, NULL);
	client_start(p, cargs);
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_kv(&ev, "at", "after-connect");
	child_expect(&p->cli, STATUS_FAULT, &ev, 1000, "client");
	expect_kv(&ev, "action", "hang");
	child_expect(&p->srv, STATUS_ACCEPTED, &ev, 1000, "server");
	SS_EXPECT(ns_cli, dport(p, f, sizeof(f), "established"), 1);
	/* Killing the hung client closes its socket: the server sees the FIN and closes. */
	kill(p->cli.pid, SIGKILL);
	child_expect(&p->srv, STATUS_PEER_CLOSED, &ev, 3000, "server");
	child_expect(&p->srv, STATUS_CLOSE, &ev, 1000, "server");
	kill_children(NULL);
	free(p);
}

/* server.response_size: an HTTP body of 300 000 bytes, more than the server's first send
 * buffer takes (it waits for EPOLLOUT), read whole by the client (Content-Length), and a
 * raw line of 100 000 bytes; one response line each, and the close follows it. */
static void test_response_size(void **state)
{
	static const char *const sargs[] = { "--mode", "http", "--response-size", "300000",
					     NULL };
	static const char *const cargs[] = { "--mode", "http", "--at", "after-fin", NULL };
	static const char *const sargs2[] = { "--response-size", "100000", NULL };
	static const char *const cargs2[] = { "--at", "after-response", "--fault", "none",
					      NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->srv, STATUS_RESPONSE, &ev, 5000, "server");
	expect_kv(&ev, "n", "1");
	child_expect(&p->srv, STATUS_CLOSE, &ev, 1000, "server");
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_kv(&ev, "at", "after-fin");
	expect_kv(&ev, "failed", "0");
	kill_children(NULL);

	server_start(p, false, sargs2);
	client_start(p, cargs2);
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_kv(&ev, "n", "1");
	expect_kv(&ev, "failed", "0");
	kill_children(NULL);
	free(p);
}

/* client.at = after-request: the client never reads, a 2 MB response fills its window,
 * the server queues the rest (SO_SNDBUF 4 MB), closes, and its FIN waits behind the data:
 * FIN_WAIT1 on the zero-window probe timer. A 3-byte response is ACKed with the FIN. */
static void test_after_request_zero_window(void **state)
{
	static const char *const sargs[] = { "--response-size", "2000000", "--sndbuf",
					     "4000000", NULL };
	static const char *const cargs[] = { "--at", "after-request", "--fault", "hang", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char f[128], out[16384];
	(void)state;

	server_start(p, false, sargs);
	client_start(p, cargs);
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	expect_kv(&ev, "at", "after-request");
	child_expect(&p->srv, STATUS_RESPONSE, &ev, 5000, "server");
	child_expect(&p->srv, STATUS_CLOSE, &ev, 1000, "server");
	assert_true(ss_wait(ns_srv, sport(p, f, sizeof(f), "fin-wait-1"), 1, 2000) >= 0);
	/* The probes are answered: still there, on the persist timer, a second later. */
	usleep(1000 * 1000);
	assert_int_equal(ss_count(ns_srv, sport(p, f, sizeof(f), "fin-wait-1"), out, sizeof(out)),
			 1);
	if (!strstr(out, "timer:(persist"))
		fail_msg("expected the zero-window probe timer: %s", out);
	kill_children(NULL);

	server_start(p, false, NULL);
	client_start(p, cargs);
	child_expect(&p->cli, STATUS_POINT, &ev, 5000, "client");
	child_expect(&p->srv, STATUS_CLOSE, &ev, 1000, "server");
	/* The client's kernel took the 3 bytes and ACKs the FIN: FIN_WAIT2, not FIN_WAIT1. */
	assert_true(ss_wait(ns_srv, sport(p, f, sizeof(f), "fin-wait-2"), 1, 1000) >= 0);
	kill_children(NULL);
	free(p);
}

/* Many connections in one client, with a port range too narrow for them: the client
 * widens it in its own namespace, and all reach the point. */
static void test_many_connections(void **state)
{
	static const char *const cargs[] = { "--connections", "3000", "--detail", "100", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char out[256];
	int accepted = 0;
	int64_t t0;
	(void)state;

	assert_int_equal(sh(NULL, 0, "ip netns exec %s sysctl -qw net.ipv4.ip_local_port_range='40000 40999'", ns_cli), 0);
	server_start(p, false, NULL);
	t0 = mono_ns();
	client_start(p, cargs);
	child_expect(&p->cli, STATUS_CONNECTED, &ev, 10000, "client");
	expect_kv(&ev, "n", "3000");
	expect_kv(&ev, "failed", "0");
	child_expect(&p->cli, STATUS_POINT, &ev, 10000, "client");
	expect_kv(&ev, "n", "3000");
	expect_kv(&ev, "failed", "0");
	print_message("  3000 connections to after-fin in %.3f s\n", ns_to_s(mono_ns() - t0));
	child_expect(&p->cli, STATUS_EXIT, &ev, 10000, "client");
	expect_kv(&ev, "code", "0");
	assert_int_equal(sh(out, sizeof(out), "ip netns exec %s sysctl -n net.ipv4.ip_local_port_range", ns_cli), 0);
	assert_int_equal(strncmp(out, "1024\t65535", 10), 0);
	while (child_next(&p->srv, &ev, 200))
		if (ev.type == STATUS_ACCEPTED)
			accepted++;
	assert_int_equal(accepted, 3000);
	kill_children(NULL);
	free(p);
}

/* curl, an HTTP/1.1 client we did not write, reuses one keep-alive connection. */
static void test_curl_keepalive(void **state)
{
	static const char *const sargs[] = { "--mode", "http", "--close-after", "2s", NULL };
	struct pair *p = calloc(1, sizeof(*p));
	struct status_event ev;
	char out[256];
	int accepted = 0, responses = 0;
	(void)state;

	server_start(p, false, sargs);
	assert_int_equal(sh(out, sizeof(out), "ip netns exec %s curl -sS --max-time 5 "
				       "http://%s/ http://%s/again 2>&1", ns_cli, p->connect, p->connect), 0);
	assert_string_equal(out, "ok\nok\n");
	/* curl has closed; the server sees its FIN and closes too. */
	child_expect(&p->srv, STATUS_CLOSE, &ev, 3000, "server");
	for (int i = 0; i < p->srv.nlog; i++) {
		accepted += !strncmp(p->srv.log[i], "accepted ", 9);
		responses += !strncmp(p->srv.log[i], "response ", 9);
	}
	assert_int_equal(accepted, 1);
	assert_int_equal(responses, 2);
	kill_children(NULL);
	free(p);
}

/* ---- the lab ---- */

static int lab_down(void **state)
{
	char out[4096];

	(void)state;
	kill_children(NULL);
	sh(NULL, 0, "ip netns del %s 2>/dev/null", ns_srv);
	sh(NULL, 0, "ip netns del %s 2>/dev/null", ns_cli);
	/* Nothing left behind: no named namespace, no veth on the host. */
	sh(out, sizeof(out), "ip netns list; ip -o link show");
	if (strstr(out, ns_srv) || strstr(out, ns_cli) || strstr(out, veth_s) || strstr(out, veth_c)) {
		print_error("left behind: %s\n", out);
		return -1;
	}
	return 0;
}

/* Removes namespaces left by an earlier run of this test that was killed (its pid is
 * gone), so that a SIGKILLed run does not leave names behind for ever. */
static void reap_stale(void)
{
	char out[4096];

	if (sh(out, sizeof(out), "ip netns list 2>/dev/null") != 0)
		return;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64], side[8];
		int pid;

		if (sscanf(line, "fwtest-ep-%d-%7[a-z]", &pid, side) != 2)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(name, sizeof(name), "fwtest-ep-%d-%s", pid, side);
		sh(NULL, 0, "ip netns del %s 2>/dev/null", name);
	}
}

/* Makes the two namespaces and the veth; returns 0, or 77 when namespaces cannot be made
 * here, or -1. */
static int lab_up(void)
{
	char out[1024];
	int pid = (int)getpid();

	reap_stale();

	snprintf(ns_srv, sizeof(ns_srv), "fwtest-ep-%d-srv", pid);
	snprintf(ns_cli, sizeof(ns_cli), "fwtest-ep-%d-cli", pid);
	snprintf(veth_s, sizeof(veth_s), "fwep%ds", pid);
	snprintf(veth_c, sizeof(veth_c), "fwep%dc", pid);
	if (sh(out, sizeof(out), "ip netns add %s 2>&1", ns_srv) != 0) {
		fprintf(stderr, "test_endpoints: cannot create a network namespace: %s", out);
		return 77;
	}
	if (sh(out, sizeof(out), "ip netns add %s 2>&1", ns_cli) != 0)
		goto fail;
	/* The veth is made directly inside the namespaces: it never appears on the host. */
	if (sh(out, sizeof(out),
	       "ip link add %s netns %s type veth peer name %s netns %s 2>&1 && "
	       "ip -n %s link set lo up && ip -n %s link set lo up && "
	       "ip -n %s addr add " SRV_ADDR "/30 dev %s && "
	       "ip -n %s addr add " CLI_ADDR "/30 dev %s && "
	       "ip -n %s addr add " SRV_ADDR6 "/64 dev %s nodad && "
	       "ip -n %s addr add " CLI_ADDR6 "/64 dev %s nodad && "
	       "ip -n %s link set %s up && ip -n %s link set %s up && "
	       "ip netns exec %s sysctl -qw net.ipv4.tcp_fin_timeout=1 2>&1",
	       veth_s, ns_srv, veth_c, ns_cli, ns_srv, ns_cli, ns_srv, veth_s, ns_cli, veth_c,
	       ns_srv, veth_s, ns_cli, veth_c, ns_srv, veth_s, ns_cli, veth_c, ns_srv) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "test_endpoints: lab setup failed: %s\n", out);
	lab_down(NULL);
	return -1;
}

static int group_setup(void **state)
{
	(void)state;
	return 0;
}

int main(void)
{
	const char *b = getenv("FINWAIT_BUILD_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_close_freeze_after_fin, kill_children),
		cmocka_unit_test_teardown(test_close_crash_after_fin, kill_children),
		cmocka_unit_test_teardown(test_shutdown_freeze_keepalive, kill_children),
		cmocka_unit_test_teardown(test_linger0_rst, kill_children),
		cmocka_unit_test_teardown(test_linger_dur, kill_children),
		cmocka_unit_test_teardown(test_none_client_closes, kill_children),
		cmocka_unit_test_teardown(test_linger2, kill_children),
		cmocka_unit_test_teardown(test_ipv6_http_crash_after_response, kill_children),
		cmocka_unit_test_teardown(test_after_connect_hang, kill_children),
		cmocka_unit_test_teardown(test_response_size, kill_children),
		cmocka_unit_test_teardown(test_after_request_zero_window, kill_children),
		cmocka_unit_test_teardown(test_many_connections, kill_children),
		cmocka_unit_test_teardown(test_curl_keepalive, kill_children),
	};
	int ret;

	if (!b) {
		fprintf(stderr, "test_endpoints: FINWAIT_BUILD_DIR is not set (run through ctest)\n");
		return 2;
	}
	snprintf(server_bin, sizeof(server_bin), "%s/servers/finwait-server", b);
	snprintf(client_bin, sizeof(client_bin), "%s/clients/finwait-client", b);
	if (access(server_bin, X_OK) || access(client_bin, X_OK)) {
		fprintf(stderr, "test_endpoints: %s or %s is missing\n", server_bin, client_bin);
		return 2;
	}
	ret = lab_up();
	if (ret)
		return ret;
	ret = cmocka_run_group_tests(tests, group_setup, lab_down);
	return ret;
}
