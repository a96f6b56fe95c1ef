/* Namespace tests for the lab: a cell comes up and TCP crosses it (IPv4 and IPv6),
 * sysctls stay inside the cell, teardown leaves nothing behind, a link can be taken
 * down and back up, cells can be built from several threads, the lab works for an
 * unprivileged user, and proc_spawn()'s children die with their parent. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lab.h"
#include "netns.h"
#include "proc.h"
#include "sysctl.h"
#include "util.h"

#define NOBODY 65534

/* The file was started by root (not: the whole file runs inside a user namespace). */
static bool started_root;

/* ---- helpers ---------------------------------------------------------------------- */

static void sockaddr_of(const struct cell_addrs *a, int family, enum cell_side side,
			uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr = side == CELL_SERVER ? a->v4.server.v4 : a->v4.client.v4;
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		in6->sin6_addr = side == CELL_SERVER ? a->v6.server.v6 : a->v6.client.v6;
		*len = sizeof(*in6);
	}
}

/* A socket made inside the namespace ns stays in it after the thread leaves. */
static int socket_in(int ns, int family, int type)
{
	int saved = -1, fd;

	if (netns_enter(ns, &saved) < 0)
		return -1;
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (netns_leave(saved) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Connects from the `from` side to the other side's address and exchanges a few bytes.
 * Returns 0 when the connection crossed the veth at once (no packet lost and
 * recovered: the links were usable when cell_create() returned), -errno otherwise. */
static int tcp_cross(struct cell *c, int family, enum cell_side from)
{
	const struct cell_addrs *a = cell_addrs(c);
	enum cell_side to = from == CELL_CLIENT ? CELL_SERVER : CELL_CLIENT;
	struct sockaddr_storage ss, peer, want;
	socklen_t len, plen = sizeof(peer), wlen;
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	int lfd = -1, cfd = -1, afd = -1, ret = -EIO, soerr = 0;
	socklen_t elen = sizeof(soerr);
	char buf[8];

	lfd = socket_in(cell_netns(c, to), family, SOCK_STREAM);
	cfd = socket_in(cell_netns(c, from), family, SOCK_STREAM | SOCK_NONBLOCK);
	if (lfd < 0 || cfd < 0)
		goto out;
	sockaddr_of(a, family, to, 0, &ss, &len);
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) < 0)
		goto out;
	if (connect(cfd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		ret = -errno;
		goto out;
	}
	{
		struct pollfd p = { .fd = cfd, .events = POLLOUT };

		/* Every loss-recovery timer involved (SYN RTO, ARP and neighbour
		 * solicitation retransmission) is 1 s: a connection that needed one, because
		 * a link was not ready, cannot be up within 900 ms. */
		if (poll(&p, 1, 900) != 1) {
			ret = -ETIMEDOUT;
			goto out;
		}
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_ERROR, &soerr, &elen) < 0 || soerr) {
		ret = -(soerr ? soerr : errno);
		goto out;
	}
	afd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	if (afd < 0)
		goto out;
	/* The server saw the client's lab address: the packets went through the veth. */
	sockaddr_of(a, family, from, 0, &want, &wlen);
	if (family == AF_INET ?
	    memcmp(&((struct sockaddr_in *)&peer)->sin_addr,
		   &((struct sockaddr_in *)&want)->sin_addr, 4) :
	    memcmp(&((struct sockaddr_in6 *)&peer)->sin6_addr,
		   &((struct sockaddr_in6 *)&want)->sin6_addr, 16))
		goto out;
	if (send(cfd, "ping", 4, 0) != 4 || recv(afd, buf, sizeof(buf), 0) != 4 ||
	    memcmp(buf, "ping", 4) != 0)
		goto out;
	if (getsockopt(cfd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) < 0 || ti.tcpi_total_retrans) {
		ret = -EAGAIN;
		goto out;
	}
	ret = 0;
out:
	if (lfd >= 0)
		close(lfd);
	if (cfd >= 0)
		close(cfd);
	if (afd >= 0)
		close(afd);
	return ret;
}

/* An error's text, for messages (one thread's buffer). */
static const char *why(const struct fw_err *err)
{
	static _Thread_local char buf[600];

	return fw_err_format(err, buf, sizeof(buf));
}

static struct lab *open_lab(void)
{
	struct fw_err err = { 0 };
	struct lab *lab = NULL;
	int ret = lab_open(&lab, 0, &err);

	if (ret < 0)
		fail_msg("lab_open: %s", why(&err));
	return lab;
}

static struct cell *make_cell(struct lab *lab, unsigned slot)
{
	struct fw_err err = { 0 };
	struct cell *c = NULL;
	int ret = cell_create(lab, slot, &c, &err);

	if (ret < 0)
		fail_msg("cell_create: %s", why(&err));
	return c;
}

/* Reads a sysctl of the namespace the tests started in, straight from this process.
 * A key of init_net only (tcp_max_orphans) is absent when the file runs unprivileged
 * (inside its own namespace): it reads as "(absent)". */
static void host_sysctl(const char *key, char *buf, size_t len)
{
	int ret = sysctl_read(key, buf, len);

	if (ret == -ENOENT && !started_root)
		snprintf(buf, len, "(absent)");
	else
		assert_int_equal(ret, 0);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_cell_tcp(void **state)
{
	struct lab *lab = open_lab();
	struct cell *c = make_cell(lab, 7);
	const struct cell_addrs *a = cell_addrs(c);
	char ehash[32];
	(void)state;

	assert_string_equal(a->v4_str[CELL_SERVER], "198.18.0.29");
	assert_string_equal(a->v4_str[CELL_CLIENT], "198.18.0.30");
	assert_string_equal(a->v6_str[CELL_SERVER], "fd46:696e:0:7::1");
	assert_string_equal(a->ifname[CELL_CLIENT], "fw-cli");
	assert_true(a->ifindex[CELL_SERVER] > 1);
	assert_int_not_equal(netns_inode(cell_netns(c, CELL_SERVER)),
			     netns_inode(cell_netns(c, CELL_CLIENT)));
	assert_int_not_equal(netns_inode(cell_netns(c, CELL_SERVER)),
			     netns_inode(lab_host_netns(lab)));
	assert_int_equal(tcp_cross(c, AF_INET, CELL_CLIENT), 0);
	assert_int_equal(tcp_cross(c, AF_INET6, CELL_CLIENT), 0);
	assert_int_equal(tcp_cross(c, AF_INET, CELL_SERVER), 0);
	/* The cell has its own established hash, sized in lab-root (a positive value;
	 * a namespace sharing the host's table reads negative). */
	assert_int_equal(cell_sysctl_get(c, CELL_SERVER, "net.ipv4.tcp_ehash_entries", ehash,
					 sizeof(ehash)), 0);
	assert_string_equal(ehash, "1024");
	cell_destroy(c);
	lab_close(lab);
}

static void test_sysctl_inside(void **state)
{
	struct lab *lab = open_lab();
	struct cell *c = make_cell(lab, 1);
	char before[64], after[64], in[64];
	struct fw_err err = { 0 };
	const char *v;
	(void)state;

	host_sysctl("net.ipv4.tcp_fin_timeout", before, sizeof(before));
	v = strcmp(before, "7") == 0 ? "9" : "7";
	assert_int_equal(cell_sysctl_set(c, CELL_SERVER, "net.ipv4.tcp_fin_timeout", v, &err), 0);
	assert_int_equal(cell_sysctl_get(c, CELL_SERVER, "net/ipv4/tcp_fin_timeout", in,
					 sizeof(in)), 0);
	assert_string_equal(in, v);
	/* Only that namespace: not the client side, not the host. */
	assert_int_equal(cell_sysctl_get(c, CELL_CLIENT, "net.ipv4.tcp_fin_timeout", in,
					 sizeof(in)), 0);
	assert_string_not_equal(in, v);
	host_sysctl("net.ipv4.tcp_fin_timeout", after, sizeof(after));
	assert_string_equal(before, after);

	/* Global keys are refused before anything is written. */
	host_sysctl("net.ipv4.tcp_max_orphans", before, sizeof(before));
	assert_int_equal(cell_sysctl_set(c, CELL_SERVER, "net.ipv4.tcp_max_orphans", "16", &err), -EPERM);
	assert_non_null(strstr(err.msg, "not per network namespace"));
	host_sysctl("net.ipv4.tcp_max_orphans", after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(cell_sysctl_set(c, CELL_CLIENT, "kernel.hostname", "x", &err), -EPERM);
	assert_int_equal(cell_sysctl_set(c, CELL_CLIENT, "net..x", "1", &err),
			 -EINVAL);
	/* A bad value is the kernel's to refuse. */
	assert_int_equal(cell_sysctl_set(c, CELL_SERVER, "net.ipv4.tcp_fin_timeout", "-5x",
					 &err), -EINVAL);
	/* A per-interface key that the host does not have. */
	assert_int_equal(cell_sysctl_set(c, CELL_CLIENT, "net.ipv6.conf.fw-cli.keep_addr_on_down",
					 "1", &err), 0);
	cell_destroy(c);
	lab_close(lab);
}

/* ---- teardown leaves nothing ------------------------------------------------------ */

#define MAX_NS 4096

struct ns_set {
	unsigned long ino[MAX_NS];
	size_t n;
};

static void ns_add(struct ns_set *s, unsigned long ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ino[i] == ino)
			return;
	if (s->n < MAX_NS)
		s->ino[s->n++] = ino;
}

static bool ns_has(const struct ns_set *s, unsigned long ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ino[i] == ino)
			return true;
	return false;
}

/* Adds the net namespace behind a /proc link ("net:[4026531840]") if it is one. */
static void ns_add_link(struct ns_set *s, const char *path)
{
	char target[64];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n <= 0)
		return;
	target[n] = '\0';
	if (strncmp(target, "net:[", 5) == 0)
		ns_add(s, strtoul(target + 5, NULL, 10));
}

static void ns_scan_dir(struct ns_set *s, const char *dir)
{
	char path[1024];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			if ((size_t)snprintf(path, sizeof(path), "%.512s/%.256s", dir, e->d_name) <
			    sizeof(path))
				ns_add_link(s, path);
		}
	closedir(d);
}

/* Every network namespace a process or thread is in (/proc/PID/ns/net,
 * /proc/PID/task/TID/ns/net), and those this process holds by fd, as the lab does. */
static void ns_scan(struct ns_set *s)
{
	char path[1024];
	struct dirent *e;
	DIR *d = opendir("/proc");

	s->n = 0;
	assert_non_null(d);
	while ((e = readdir(d))) {
		struct dirent *t;
		DIR *td;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		ns_add_link(s, path);
		snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
		td = opendir(path);
		while (td && (t = readdir(td))) {
			if (t->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/ns/net", e->d_name, t->d_name);
			ns_add_link(s, path);
		}
		if (td)
			closedir(td);
	}
	closedir(d);
	/* Namespaces held by an fd: ours are held only by this process's fds (other
	 * processes' fd tables can be huge and cannot hold what we made). */
	ns_scan_dir(s, "/proc/self/fd");
}

/* Runs a command (tests may use ip; the harness never does) and returns its output. */
static char *run_cmd(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	assert_int_equal(pclose(f), 0);
	return buf;
}

static const char *const watched_keys[] = {
	"net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_child_ehash_entries",
	"net.ipv4.tcp_max_orphans", "net.ipv4.tcp_keepalive_time", "net.core.somaxconn",
};

static void test_teardown_leaves_nothing(void **state)
{
	static struct ns_set before, during, after, self_before, self_after;
	char host_before[ARRAY_SIZE(watched_keys)][64], v[64];
	struct fw_err err = { 0 };
	unsigned long ours[8];
	size_t nours = 0;
	char *links_before, *links_after, *named;
	struct lab *lab;
	struct cell *c[3];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(watched_keys); i++)
		host_sysctl(watched_keys[i], host_before[i], sizeof(host_before[i]));
	links_before = run_cmd("ip -o link show | sed 's/^[0-9]*: //' | cut -d' ' -f1 | sort");
	ns_scan(&before);
	ns_scan_dir(&self_before, "/proc/self/fd");

	lab = open_lab();
	ours[nours++] = netns_inode(lab_root_netns(lab));
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		c[i] = make_cell(lab, i);
		ours[nours++] = netns_inode(cell_netns(c[i], CELL_SERVER));
		ours[nours++] = netns_inode(cell_netns(c[i], CELL_CLIENT));
		assert_int_equal(cell_sysctl_set(c[i], CELL_SERVER, "net.ipv4.tcp_fin_timeout",
						 "1", &err), 0);
		assert_int_equal(cell_sysctl_set(c[i], CELL_CLIENT, "net.core.somaxconn", "64",
						 &err), 0);
	}
	/* The namespaces are new, and the scan does see fd-held ones (else the check
	 * below would prove nothing). */
	for (size_t i = 0; i < nours; i++)
		assert_false(ns_has(&before, ours[i]));
	ns_scan(&during);
	for (size_t i = 0; i < nours; i++)
		assert_true(ns_has(&during, ours[i]));

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++)
		cell_destroy(c[i]);
	lab_close(lab);

	ns_scan(&after);
	ns_scan_dir(&self_after, "/proc/self/fd");
	/* This process holds exactly the namespace fds it held before. */
	assert_int_equal(self_after.n, self_before.n);
	for (size_t i = 0; i < self_after.n; i++)
		assert_true(ns_has(&self_before, self_after.ino[i]));
	for (size_t i = 0; i < nours; i++)
		assert_false(ns_has(&after, ours[i]));
	links_after = run_cmd("ip -o link show | sed 's/^[0-9]*: //' | cut -d' ' -f1 | sort");
	named = run_cmd("ip netns list");
	assert_string_equal(links_before, links_after);
	assert_null(strstr(links_after, "fw-"));
	/* No name in /run/netns (`ip netns list`) refers to one of our namespaces; other
	 * names may come and go with other tests running at the same time. */
	{
		struct dirent *e;
		DIR *d = opendir("/run/netns");

		while (d && (e = readdir(d))) {
			char p[512];
			struct stat st;

			snprintf(p, sizeof(p), "/run/netns/%.255s", e->d_name);
			if (e->d_name[0] != '.' && stat(p, &st) == 0)
				for (size_t i = 0; i < nours; i++)
					assert_true(st.st_ino != ours[i]);
		}
		if (d)
			closedir(d);
	}
	for (size_t i = 0; i < ARRAY_SIZE(watched_keys); i++) {
		host_sysctl(watched_keys[i], v, sizeof(v));
		assert_string_equal(v, host_before[i]);
	}
	free(links_before);
	free(links_after);
	free(named);
}

static void test_link_down_up(void **state)
{
	struct lab *lab = open_lab();
	struct cell *c = make_cell(lab, 3);
	int fd;
	(void)state;

	assert_int_equal(cell_link_set(c, CELL_CLIENT, false), 0);
	/* With its end down, the client has no route to the server: fib_sync_down_dev()
	 * removed the connected route, so connect() fails at once. */
	fd = socket_in(cell_netns(c, CELL_CLIENT), AF_INET, SOCK_STREAM);
	assert_true(fd >= 0);
	{
		struct sockaddr_storage ss;
		socklen_t len;

		sockaddr_of(cell_addrs(c), AF_INET, CELL_SERVER, 9, &ss, &len);
		assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), -1);
		assert_int_equal(errno, ENETUNREACH);
	}
	close(fd);
	assert_int_equal(cell_link_set(c, CELL_CLIENT, true), 0);
	assert_int_equal(tcp_cross(c, AF_INET, CELL_CLIENT), 0);
	assert_int_equal(tcp_cross(c, AF_INET6, CELL_CLIENT), 0);
	assert_int_equal(tcp_cross(c, AF_INET6, CELL_SERVER), 0);
	/* Already up: nothing to do. */
	assert_int_equal(cell_link_set(c, CELL_CLIENT, true), 0);
	cell_destroy(c);
	lab_close(lab);
}

/* --keep: both namespaces get a name that ip can use; the test removes them again. */
static void test_keep(void **state)
{
	struct lab *lab = open_lab();
	struct cell *c = make_cell(lab, 4);
	char name[64], path[128], cmd[256], *out;
	struct stat st;
	(void)state;

	if (!started_root) {
		/* Bind mounts on the host's /run need root there. */
		cell_destroy(c);
		lab_close(lab);
		skip();
	}
	snprintf(name, sizeof(name), "fwlabtest%d", (int)getpid());
	assert_int_equal(cell_keep(c, name), 0);
	snprintf(path, sizeof(path), "/run/netns/%s-srv", name);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, netns_inode(cell_netns(c, CELL_SERVER)));
	snprintf(cmd, sizeof(cmd), "ip -n %s-cli -o addr show dev fw-cli", name);
	out = run_cmd(cmd);
	assert_non_null(strstr(out, cell_addrs(c)->v4_str[CELL_CLIENT]));
	free(out);
	assert_int_equal(cell_keep(c, "bad/name"), -EINVAL);
	snprintf(cmd, sizeof(cmd), "ip netns del %s-srv && ip netns del %s-cli", name, name);
	free(run_cmd(cmd));
	assert_int_not_equal(stat(path, &st), 0);
	cell_destroy(c);
	lab_close(lab);
}

struct worker {
	struct lab *lab;
	unsigned first;
	int failures;
	struct fw_err err;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (unsigned i = 0; i < 4; i++) {
		struct cell *c = NULL;

		if (cell_create(w->lab, w->first + i, &c, &w->err) < 0 ||
		    tcp_cross(c, AF_INET, CELL_CLIENT) < 0)
			w->failures++;
		cell_destroy(c);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct lab *lab = open_lab();
	struct worker w[3];
	pthread_t t[3];
	int self_before = (int)netns_inode(lab_host_netns(lab)), self_after;
	(void)state;

	for (unsigned i = 0; i < 3; i++) {
		w[i] = (struct worker){ .lab = lab, .first = 100 * i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (w[i].failures)
			fail_msg("thread %u: %d failures, last: %s", i, w[i].failures, why(&w[i].err));
	}
	/* The calling thread never moved. */
	{
		int fd = netns_open_current();

		self_after = (int)netns_inode(fd);
		close(fd);
	}
	assert_int_equal(self_before, self_after);
	lab_close(lab);
}

/* ---- rootless --------------------------------------------------------------------- */

/* Runs as nobody (re-executed): the whole lab inside a user namespace. */
static int rootless_child(void)
{
	struct fw_err err = { 0 };
	struct lab *lab = NULL;
	struct cell *c = NULL;
	int ret;

	if (geteuid() == 0) {
		fprintf(stderr, "rootless child still root\n");
		return 1;
	}
	ret = lab_open(&lab, 0, &err);
	if (ret < 0) {
		fprintf(stderr, "rootless lab_open: %s\n", why(&err));
		return lab_err_is_skip(ret) ? 77 : 1;
	}
	if (!lab_rootless(lab)) {
		fprintf(stderr, "lab is not rootless\n");
		return 1;
	}
	ret = cell_create(lab, 5, &c, &err);
	if (ret < 0) {
		fprintf(stderr, "rootless cell_create: %s\n", why(&err));
		return 1;
	}
	ret = cell_sysctl_set(c, CELL_SERVER, "net.ipv4.tcp_fin_timeout", "3", &err);
	if (ret < 0) {
		fprintf(stderr, "rootless sysctl: %s\n", why(&err));
		return 1;
	}
	ret = tcp_cross(c, AF_INET, CELL_CLIENT);
	if (ret == 0)
		ret = tcp_cross(c, AF_INET6, CELL_CLIENT);
	if (ret < 0) {
		fprintf(stderr, "rootless tcp: %s\n", strerror(-ret));
		return 1;
	}
	cell_destroy(c);
	lab_close(lab);
	return 0;
}

/* Copies this test binary into a fresh world-readable folder under /tmp, so that nobody
 * can run it wherever the build tree is (CI may clone under a private home). Returns 0
 * and the copy's path in out. */
static int copy_self_for_nobody(char *dir, size_t dlen, char *out, size_t olen)
{
	char buf[65536];
	ssize_t r;
	int in, fd, ret = -1;

	snprintf(dir, dlen, "/tmp/fwtest-rootless-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		return -1;
	snprintf(out, olen, "%s/test_lab", dir);
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (in >= 0 && fd >= 0) {
		while ((r = read(in, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)r) != r)
				break;
		ret = r == 0 ? 0 : -1;
	}
	if (in >= 0)
		close(in);
	if (fd >= 0 && close(fd) < 0)
		ret = -1;
	return ret;
}

static void test_rootless(void **state)
{
	char dir[64], exe[128];
	int st = 0, copied;
	pid_t pid;
	(void)state;

	if (!started_root) {
		/* Started unprivileged: every other test already ran rootless. */
		fprintf(stderr, "test_rootless: not root, the whole file ran rootless\n");
		skip();
	}
	copied = copy_self_for_nobody(dir, sizeof(dir), exe, sizeof(exe));
	pid = copied ? -1 : fork();
	if (pid == 0) {
		char *argv[] = { exe, "--rootless-child", NULL };

		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(2);
		execv(exe, argv);
		fprintf(stderr, "test_lab: cannot run %s as nobody: %s\n", exe, strerror(errno));
		_exit(3);
	}
	if (pid > 0)
		assert_int_equal(waitpid(pid, &st, 0), pid);
	unlink(exe);
	rmdir(dir);
	assert_int_equal(copied, 0);
	assert_true(pid > 0);
	assert_true(WIFEXITED(st));
	/* 77 from the child means unprivileged user namespaces are off here: say so. */
	if (WEXITSTATUS(st) == 77) {
		fprintf(stderr, "test_rootless: skipped: no user namespaces for nobody\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- processes -------------------------------------------------------------------- */

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void test_proc_basics(void **state)
{
	struct lab *lab = open_lab();
	struct cell *c = make_cell(lab, 2);
	struct proc p;
	int fds[2], st = 0;
	char buf[64], want[64];
	ssize_t n;
	(void)state;

	/* The status pipe arrives as fd 3, and the child runs in the cell's namespace. */
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	{
		char *argv[] = { "sh", "-c", "readlink /proc/self/ns/net >&3", NULL };
		struct proc_io io = { PROC_DEVNULL, PROC_INHERIT, PROC_INHERIT, fds[1], 3 };

		assert_int_equal(proc_spawn(&p, cell_netns(c, CELL_SERVER), -1, argv, &io), 0);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(fds[0]);
	snprintf(want, sizeof(want), "net:[%lu]\n", netns_inode(cell_netns(c, CELL_SERVER)));
	assert_string_equal(buf, want);
	assert_int_equal(proc_wait(&p, 5 * NSEC_PER_SEC, &st), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(p.pid, 0);

	/* A missing program is an error of proc_spawn itself, with no child left. */
	{
		char *argv[] = { "/nonexistent/finwait-no-such-program", NULL };

		assert_int_equal(proc_spawn(&p, -1, -1, argv, NULL), -ENOENT);
		assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
		assert_int_equal(errno, ECHILD);
	}

	/* Reaping with a timeout. */
	{
		char *argv[] = { "sleep", "30", NULL };

		assert_int_equal(proc_spawn(&p, -1, -1, argv, NULL), 0);
		assert_int_equal(proc_wait(&p, 50 * NSEC_PER_MSEC, &st), -ETIMEDOUT);
		assert_true(p.pid > 0);
		assert_int_equal(proc_kill(&p, SIGTERM), 0);
		assert_int_equal(proc_wait(&p, 5 * NSEC_PER_SEC, &st), 0);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGTERM);
	}
	cell_destroy(c);
	lab_close(lab);
}

/* A child spawned with proc_spawn dies when its parent is SIGKILLed. */
static void test_proc_pdeathsig(void **state)
{
	int fds[2], st = 0, pidfd;
	pid_t mid, grand = 0;
	struct pollfd pfd;
	(void)state;

	/* Become the subreaper so the orphaned grandchild is ours to reap (else it
	 * would linger as init's zombie and kill(pid, 0) would still succeed). */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		char *argv[] = { "sleep", "300", NULL };
		struct proc p;

		/* Should this test fail half-way, the intermediate goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		if (proc_spawn(&p, -1, -1, argv, NULL) < 0)
			_exit(1);
		if (write(fds[1], &p.pid, sizeof(p.pid)) != sizeof(p.pid))
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &grand, sizeof(grand)), sizeof(grand));
	close(fds[0]);
	pidfd = pidfd_open_(grand);
	if (pidfd < 0 && errno == ENOSYS) {
		/* Under valgrind, which lacks pidfd_open: nothing to poll with. */
		kill(mid, SIGKILL);
		waitpid(mid, NULL, 0);
		waitpid(grand, NULL, 0);
		skip();
	}
	assert_true(pidfd >= 0);
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 0), 0); /* alive before */

	assert_int_equal(kill(mid, SIGKILL), 0);
	assert_int_equal(waitpid(mid, &st, 0), mid);
	assert_true(WIFSIGNALED(st));
	/* Bounded wait for the exit event, not a sleep. */
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(waitpid(grand, &st, 0), grand);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	close(pidfd);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cell_tcp),
		cmocka_unit_test(test_sysctl_inside),
		cmocka_unit_test(test_teardown_leaves_nothing),
		cmocka_unit_test(test_link_down_up),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_proc_basics),
		cmocka_unit_test(test_proc_pdeathsig),
		cmocka_unit_test(test_rootless),
	};
	if (argc > 1 && strcmp(argv[1], "--rootless-child") == 0)
		return rootless_child();
	started_root = geteuid() == 0;
	/* Namespaces at all? If not (and not even a user namespace), skip the whole file. */
	{
		struct fw_err err = { 0 };
		struct lab *lab = NULL;
		int ret = lab_open(&lab, 0, &err);

		if (ret < 0 && lab_err_is_skip(ret)) {
			fprintf(stderr, "test_lab: %s\n", why(&err));
			return 77;
		}
		lab_close(lab);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
