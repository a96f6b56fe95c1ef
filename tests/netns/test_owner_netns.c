/* Namespace test for owner.c, sockopts.c and sampler_held(): a child process in a network
 * namespace of its own holds a TCP connection whose server end has options set; the test
 * finds that socket through the sampler (held, ESTABLISHED), resolves the process that
 * holds it (pid, command name) as `ss -p` would, reads its options through
 * pidfd_getfd(2), checks that an unprivileged reader gets EPERM, and that a gone process
 * gives ESRCH and no owner. Needs root (else exits 77). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "owner.h"
#include "sampler.h"
#include "sockopts.h"
#include "util.h"

#define HOLDER_NAME "fw-holder"
#define NOBODY 65534

/* What the holder tells the test. */
struct holder_info {
	int port;	/* its listener's port on 127.0.0.1 */
	int fd;		/* its descriptor of the accepted (server) socket */
	int err;	/* 0, or the errno of the step that failed */
};

struct holder {
	pid_t pid;
	int release;	/* closing it lets the holder exit */
	int nsfd;	/* its /proc/PID/ns/net */
	struct holder_info info;
};

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* The holder, in a new namespace: a listener, a connection to it from itself, the
 * accepted socket with options set. Returns 0 or an errno. */
static int holder_setup(struct holder_info *hi, int *keep)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct linger lg = { 1, 4 };
	int l, c, s;

	if (unshare(CLONE_NEWNET) < 0 || system("ip link set lo up") != 0)
		return errno ? errno : EIO;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) < 0 || bind(l, (void *)&a, len) < 0 ||
	    listen(l, 4) < 0 || getsockname(l, (void *)&a, &len) < 0 ||
	    (c = socket(AF_INET, SOCK_STREAM, 0)) < 0 || connect(c, (void *)&a, len) < 0 ||
	    (s = accept(l, NULL, NULL)) < 0)
		return errno;
	if (setint(s, SOL_SOCKET, SO_KEEPALIVE, 1) || setint(s, IPPROTO_TCP, TCP_KEEPIDLE, 3) ||
	    setint(s, IPPROTO_TCP, TCP_LINGER2, 7) ||
	    setint(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 2500) ||
	    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		return errno;
	hi->port = ntohs(a.sin_port);
	hi->fd = s;
	keep[0] = l;
	keep[1] = c;
	return 0;
}

static void holder_start(struct holder *h)
{
	int c2p[2], p2c[2];
	char path[64];

	assert_int_equal(pipe(c2p), 0);
	assert_int_equal(pipe(p2c), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (!h->pid) {
		struct holder_info hi = { 0 };
		int keep[2];
		char b;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, HOLDER_NAME);
		close(c2p[0]);
		close(p2c[1]);
		hi.err = holder_setup(&hi, keep);
		if (write(c2p[1], &hi, sizeof(hi)) != sizeof(hi))
			_exit(1);
		while (read(p2c[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(c2p[1]);
	close(p2c[0]);
	assert_int_equal(read(c2p[0], &h->info, sizeof(h->info)), sizeof(h->info));
	close(c2p[0]);
	assert_int_equal(h->info.err, 0);
	h->release = p2c[1];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)h->pid);
	h->nsfd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(h->nsfd >= 0);
}

static void holder_stop(struct holder *h)
{
	close(h->release);
	assert_int_equal(waitpid(h->pid, NULL, 0), h->pid);
}

/* The server end of the holder's connection, from a sample: held, ESTABLISHED. */
static struct diag_sock held_server_socket(const struct holder *h)
{
	struct sampler_conf conf = { .netns_fd = h->nsfd, .role = SAMPLER_SERVER,
				     .port = (uint16_t)h->info.port,
				     .interval_ns = NSEC_PER_MSEC };
	struct diag_sock d[4];
	struct sampler *s;
	uint64_t samples;

	assert_int_equal(sampler_start(&conf, &s), 0);
	/* The first sample is taken by sampler_start() itself. */
	assert_int_equal(sampler_held(s, DIAG_MASK(DIAG_ESTABLISHED), d, 4, &samples), 1);
	assert_true(samples >= 1);
	assert_int_equal(sampler_held(s, DIAG_MASK(DIAG_CLOSE_WAIT), d + 1, 3, NULL), 0);
	assert_int_equal(d[0].tuple.lport, h->info.port);
	assert_int_not_equal(d[0].inode, 0);
	sampler_free(s);
	return d[0];
}

static void check_opts(const struct sockopts *o)
{
	const struct fw_server_cfg *c = &o->cfg;

	assert_true(c->has & FW_HAS_KEEPALIVE);
	assert_true(c->keepalive);
	assert_int_equal(c->keepidle_s, 3);
	assert_int_equal(c->linger2_s, 7);
	assert_int_equal(c->user_timeout_ms, 2500);
	/* A new namespace's defaults (docs/KERNEL.md): keepalive_intvl 75 s, probes 9. */
	assert_int_equal(c->keepintvl_s, 75);
	assert_int_equal(c->keepcnt, 9);
	assert_true(o->has_linger && o->linger_on);
	assert_int_equal(o->linger_s, 4);
}

/* sockopts_read() from a process that dropped to nobody: the exit status is -ret. */
static int read_as_nobody(pid_t pid, int fd)
{
	struct sockopts o;
	pid_t c = fork();
	int st;

	assert_true(c >= 0);
	if (!c) {
		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		_exit(-sockopts_read(pid, fd, &o));
	}
	assert_int_equal(waitpid(c, &st, 0), c);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_owner_and_options(void **state)
{
	struct owner_cache *cache;
	struct holder h = { 0 };
	struct diag_sock d;
	struct owner_ns ns;
	struct sockopts o, p;
	struct owner w;
	struct stat st;
	int other, fd;

	(void)state;
	holder_start(&h);
	d = held_server_socket(&h);

	assert_int_equal(owner_find(h.nsfd, d.inode, &w), 0);
	assert_int_equal(w.pid, h.pid);
	assert_string_equal(w.comm, HOLDER_NAME);
	assert_int_equal(owner_fd_of(NULL, h.pid, d.inode, &fd), 0);
	assert_int_equal(fd, h.info.fd);

	/* A socket of this process, in another namespace, is nobody's there. */
	other = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(fstat(other, &st), 0);
	assert_int_equal(owner_find(h.nsfd, (uint64_t)st.st_ino, &w), -ENOENT);
	close(other);

	assert_int_equal(sockopts_read_inode(h.pid, d.inode, &o), 0);
	check_opts(&o);
	assert_int_equal(sockopts_read(h.pid, h.info.fd, &p), 0);
	assert_true(sockopts_equal(&o, &p));
	assert_int_equal(sockopts_read(h.pid, 999, &p), -EBADF);
	assert_int_equal(sockopts_read_inode(h.pid, d.inode + 1000000, &p), -ENOENT);
	assert_int_equal(read_as_nobody(h.pid, h.info.fd), EPERM);

	assert_int_equal(owner_ns_of_fd(h.nsfd, &ns), 0);
	assert_int_equal(owner_cache_new(&ns, NULL, &cache), 0);
	assert_int_equal(owner_lookup(cache, d.inode, mono_ns(), &w), 0);
	assert_int_equal(w.pid, h.pid);

	holder_stop(&h);
	assert_int_equal(sockopts_read_inode(h.pid, d.inode, &p), -ESRCH);
	assert_int_equal(sockopts_read(h.pid, h.info.fd, &p), -ESRCH);
	/* Still cached; a forced walk finds nobody. The lookup asks an hour later, past any
	 * period the walk's own length may have set (a walk that took over 250 ms on a loaded
	 * host pushed the next one out beyond one second: -EAGAIN). */
	assert_int_equal(owner_lookup(cache, d.inode, mono_ns(), &w), 0);
	assert_int_equal(owner_cache_walk(cache, mono_ns()), 0);
	assert_int_equal(owner_lookup(cache, d.inode, mono_ns() + 3600 * NSEC_PER_SEC, &w), -ENOENT);
	owner_cache_free(cache);
	close(h.nsfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_and_options),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_owner_netns: needs root (pidfd_getfd, namespaces)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
