/* lab: see lab.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab.h"
#include "link.h"
#include "netns.h"
#include "sysctl.h"
#include "util.h"

/* How long a link may take to become usable (linkwatch runs urgent events at once;
 * this only bounds a broken kernel). */
#define LAB_READY_TIMEOUT (5 * NSEC_PER_SEC)

struct lab {
	int host_fd;       /* where finwait started */
	int root_fd;       /* lab-root: parent of every cell namespace */
	bool rootless;     /* inside our own user namespace */
};

struct cell {
	struct lab *lab;
	int ns[2];         /* by enum cell_side */
	struct cell_addrs a;
};

static const char *const side_ifname[2] = { LAB_IFNAME_SERVER, LAB_IFNAME_CLIENT };

bool lab_err_is_skip(int err)
{
	err = err < 0 ? -err : err;
	return err == EPERM || err == EACCES || err == ENOSPC || err == EUSERS ||
	       err == ENOSYS;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	size_t n = strlen(s);

	if (fd < 0)
		return -errno;
	if (write(fd, s, n) != (ssize_t)n)
		ret = -errno;
	close(fd);
	return ret;
}

/* Number of threads of this process, from /proc/self/task. */
static int thread_count(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC), n = -1;
	ssize_t len;
	char *p;

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	p = strstr(buf, "\nThreads:");
	if (p)
		n = atoi(p + 9);
	return n;
}

/* Becomes root of a new user namespace that maps only the caller's ids. */
static int enter_userns(struct fw_err *err)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int ret;

	/* unshare(CLONE_NEWUSER) refuses (EINVAL) a multi-threaded process: the other
	 * threads would keep the old credentials. */
	if (thread_count() > 1)
		return fw_err_set(err, -EINVAL, NULL, 0, "cannot enter a user namespace: the "
				  "process already has threads (lab_open() must run first)");
	if (unshare(CLONE_NEWUSER) < 0) {
		ret = -errno;
		return fw_err_set(err, ret, NULL, 0, "cannot create a user namespace: %s (run as "
				  "root, or allow unprivileged user namespaces: sysctl "
				  "user.max_user_namespaces > 0, kernel.unprivileged_userns_clone = 1, "
				  "kernel.apparmor_restrict_unprivileged_userns = 0)", strerror(-ret));
	}
	/* setgroups must be denied before an unprivileged gid_map write
	 * (user_namespaces(7)). */
	ret = write_str("/proc/self/setgroups", "deny");
	if (ret == 0) {
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		ret = write_str("/proc/self/uid_map", map);
	}
	if (ret == 0) {
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		ret = write_str("/proc/self/gid_map", map);
	}
	if (ret < 0)
		fw_err_set(err, ret, NULL, 0, "cannot map ids in the new user namespace: %s",
			   strerror(-ret));
	return ret;
}

int lab_open(struct lab **out, unsigned ehash_entries, struct fw_err *err)
{
	struct lab *lab = NULL;
	char val[16];
	int ret;

	*out = NULL;
	lab = calloc(1, sizeof(*lab));
	if (!lab)
		return fw_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	lab->host_fd = lab->root_fd = -1;
	lab->host_fd = netns_open_current();
	if (lab->host_fd < 0) {
		ret = fw_err_set(err, lab->host_fd, NULL, 0, "cannot open this process's network "
				 "namespace: %s", strerror(-lab->host_fd));
		goto out;
	}
	if (geteuid() != 0) {
		ret = enter_userns(err);
		if (ret < 0)
			goto out;
		lab->rootless = true;
	}
	if (lab->rootless) {
		/* From inside our user namespace, the host's namespace can no longer be
		 * entered (setns() needs CAP_SYS_ADMIN over its owner, the initial user
		 * namespace), so no thread could come back to it: move the whole
		 * (single-threaded) process into lab-root instead. Threads made later
		 * start there too. */
		lab->root_fd = unshare(CLONE_NEWNET) < 0 ? -errno : netns_open_current();
	} else {
		lab->root_fd = netns_new(-1);
	}
	if (lab->root_fd < 0) {
		ret = fw_err_set(err, lab->root_fd, NULL, 0, "cannot create a network namespace: "
				 "%s (run as root, or enable unprivileged user namespaces)",
				 strerror(-lab->root_fd));
		goto out;
	}
	/* Cells are made from lab-root, so they get their own ehash of this size
	 * (tcp_set_hashinfo() reads the creating namespace's value); never on the host. */
	snprintf(val, sizeof(val), "%u", ehash_entries ? ehash_entries : LAB_EHASH_DEFAULT);
	ret = sysctl_ns_write(lab->root_fd, lab->rootless ? -1 : lab->host_fd,
			      "net.ipv4.tcp_child_ehash_entries", val, err);
	if (ret < 0) {
		if (err) /* the message names the key: say where it was written */
			snprintf(err->file, sizeof(err->file), "lab-root");
		goto out;
	}
	*out = lab;
	lab = NULL;
	ret = 0;
out:
	lab_close(lab);
	return ret;
}

void lab_close(struct lab *lab)
{
	if (!lab)
		return;
	if (lab->root_fd >= 0)
		close(lab->root_fd);
	if (lab->host_fd >= 0)
		close(lab->host_fd);
	free(lab);
}

int lab_host_netns(const struct lab *lab)
{
	return lab->host_fd;
}

int lab_root_netns(const struct lab *lab)
{
	return lab->root_fd;
}

bool lab_rootless(const struct lab *lab)
{
	return lab->rootless;
}

static const struct addr_pair *pair(const struct cell_addrs *a, int family)
{
	return family == AF_INET ? &a->v4 : &a->v6;
}

static const void *side_addr(const struct addr_pair *p, enum cell_side side)
{
	return side == CELL_SERVER ? (const void *)&p->server : (const void *)&p->client;
}

/* Adds both families' addresses of side on its veth end. */
static int add_addrs(struct nl_sock *sk, const struct cell_addrs *a, enum cell_side side,
		     bool exist_ok)
{
	static const int fams[] = { AF_INET, AF_INET6 };

	for (size_t i = 0; i < ARRAY_SIZE(fams); i++) {
		const struct addr_pair *p = pair(a, fams[i]);
		int ret = link_addr_add(sk, a->ifindex[side], fams[i], side_addr(p, side),
					p->prefixlen, exist_ok);

		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Writes per-namespace settings of our own making inside ns. They live in the
 * namespace's own conf tree, so sysctl_ns_write()'s host check is not needed. */
static int ns_conf(int ns, const char *const (*kv)[2], size_t n)
{
	int saved = -1, ret, r;

	ret = netns_enter(ns, &saved);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = sysctl_write(kv[i][0], kv[i][1]);
	r = netns_leave(saved);
	return ret < 0 ? ret : r;
}

/* No DAD in a new cell namespace (the calling thread's), set before its veth exists
 * (a new device copies conf/default; conf/all is already 0): the link-local address
 * would stay tentative for a second after every link up, and neighbour discovery
 * answered to it is dropped (seen as Ip6InAddrErrors and a 1 s stall of a first
 * connection). A key of the namespace's own conf tree: no host check needed. */
static int cell_ipv6_defaults(void)
{
	return sysctl_write("net/ipv6/conf/default/accept_dad", "0");
}

/* Makes side s's namespace, a child of lab-root, and sets it up from inside in one visit
 * (each setns() costs): no DAD, and its netlink sockets (*sk for requests, *mon for
 * notifications). *step names what is being done, for errors. Returns 0 or -errno. */
static int make_side(struct cell *c, int s, struct nl_sock **sk, struct nl_sock **mon,
		     const char **step)
{
	int back = -1, ret, r;

	*step = "create network namespace";
	c->ns[s] = netns_new_enter(c->lab->root_fd, &back);
	if (c->ns[s] < 0)
		return c->ns[s];
	*step = "configure IPv6";
	ret = cell_ipv6_defaults();
	if (ret == 0) {
		*step = "open netlink socket";
		ret = link_sock_open(-1, false, sk);
	}
	if (ret == 0)
		ret = link_sock_open(-1, true, mon);
	r = netns_leave(back);
	if (ret == 0)
		ret = r;
	if (ret < 0)
		return ret;
	snprintf(c->a.ifname[s], IF_NAMESIZE, "%s", side_ifname[s]);
	inet_ntop(AF_INET, side_addr(&c->a.v4, s), c->a.v4_str[s], INET_ADDRSTRLEN);
	inet_ntop(AF_INET6, side_addr(&c->a.v6, s), c->a.v6_str[s], INET6_ADDRSTRLEN);
	return 0;
}

/* Creates the veth pair from the server side, its peer in the client's namespace.
 * The server end is created up; the client end must be brought up from its own
 * namespace (veth_open() has no peer yet while the pair is being built). The two ends
 * get different ifindexes on purpose: linkwatch treats a carrier change as urgent only
 * when ifindex != iflink (linkwatch_urgent_event()); with both ends at 2, link changes
 * would wait for the next once-a-second run of the machine-wide linkwatch work.
 * Returns 0 or -errno; an ifindex left 0 is the kernel's choice, to look up. */
static int make_veth(struct cell *c, struct nl_sock *server_sk)
{
	int ret = link_veth_create(server_sk, LAB_IFNAME_SERVER, LAB_IFNAME_CLIENT,
				   c->ns[CELL_CLIENT], true, LAB_IFINDEX_SERVER,
				   LAB_IFINDEX_CLIENT);

	if (ret == -EBUSY) /* taken by a fallback tunnel device: let the kernel choose */
		return link_veth_create(server_sk, LAB_IFNAME_SERVER, LAB_IFNAME_CLIENT,
					c->ns[CELL_CLIENT], true, 0, 0);
	if (ret == 0) {
		c->a.ifindex[CELL_SERVER] = LAB_IFINDEX_SERVER;
		c->a.ifindex[CELL_CLIENT] = LAB_IFINDEX_CLIENT;
	}
	return ret;
}

/* Brings lo and the veth up on both sides, adds the addresses and waits until both
 * ends can send. *step names what is being done. Returns 0 or -errno. */
static int bring_up(struct cell *c, struct nl_sock *sk[2], struct nl_sock *mon[2],
		    const char **step)
{
	int ret, s;

	for (s = 0; s < 2; s++) {
		*step = "bring lo up";
		/* lo is always ifindex 1 in a new namespace (loopback_net_init()). */
		if ((ret = link_set_up(sk[s], 1, true)) < 0)
			return ret;
		if (c->a.ifindex[s] > 0)
			continue;
		*step = "find veth";
		if ((ret = link_ifindex(sk[s], side_ifname[s], &c->a.ifindex[s])) < 0)
			return ret;
	}
	*step = "bring veth up";
	if ((ret = link_set_up(sk[CELL_CLIENT], c->a.ifindex[CELL_CLIENT], true)) < 0)
		return ret;
	*step = "add addresses";
	for (s = 0; s < 2; s++)
		if ((ret = add_addrs(sk[s], &c->a, s, false)) < 0)
			return ret;
	*step = "wait for the link";
	for (s = 0; s < 2; s++)
		if ((ret = link_wait_up(sk[s], mon[s], c->a.ifindex[s], side_addr(&c->a.v6, s),
					LAB_READY_TIMEOUT)) < 0)
			return ret;
	return 0;
}

int cell_create(struct lab *lab, unsigned slot, struct cell **out, struct fw_err *err)
{
	struct nl_sock *sk[2] = { NULL, NULL }, *mon[2] = { NULL, NULL };
	const char *step = "allocate";
	struct cell *c = NULL;
	char where[32];
	int ret, s;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		ret = -ENOMEM;
		goto out;
	}
	c->lab = lab;
	c->ns[0] = c->ns[1] = -1;
	c->a.slot = slot;
	step = "address slot";
	ret = addr_slot(slot, AF_INET, &c->a.v4);
	if (ret == 0)
		ret = addr_slot(slot, AF_INET6, &c->a.v6);
	for (s = 0; s < 2 && ret == 0; s++)
		ret = make_side(c, s, &sk[s], &mon[s], &step);
	if (ret == 0) {
		step = "create veth";
		ret = make_veth(c, sk[CELL_SERVER]);
	}
	if (ret == 0)
		ret = bring_up(c, sk, mon, &step);
	if (ret == 0) {
		*out = c;
		c = NULL;
	}
out:
	if (ret < 0) {
		snprintf(where, sizeof(where), "cell %u", slot);
		fw_err_set(err, ret, where, 0, "%s: %s", step, strerror(-ret));
	}
	for (s = 0; s < 2; s++) {
		link_sock_close(sk[s]);
		link_sock_close(mon[s]);
	}
	cell_destroy(c);
	return ret;
}

void cell_destroy(struct cell *cell)
{
	if (!cell)
		return;
	for (int s = 0; s < 2; s++)
		if (cell->ns[s] >= 0)
			close(cell->ns[s]);
	free(cell);
}

int cell_netns(const struct cell *cell, enum cell_side side)
{
	return cell->ns[side];
}

const struct cell_addrs *cell_addrs(const struct cell *cell)
{
	return &cell->a;
}

int cell_sysctl_set(struct cell *cell, enum cell_side side, const char *key,
		    const char *value, struct fw_err *err)
{
	int host = cell->lab->rootless ? -1 : cell->lab->host_fd;

	return sysctl_ns_write(cell->ns[side], host, key, value, err);
}

int cell_sysctl_get(struct cell *cell, enum cell_side side, const char *key, char *buf,
		    size_t len)
{
	return sysctl_ns_read(cell->ns[side], key, buf, len);
}

/* The IPv4 extras' /30 routed on the server's link. */
static int route_extras(struct cell *cell)
{
	struct nl_sock *sk = NULL;
	struct in_addr net;
	int ret = addr_client_extra(cell->a.slot, AF_INET, 0, &net);

	if (ret == 0)
		ret = link_sock_open(cell->ns[CELL_SERVER], false, &sk);
	if (ret == 0)
		ret = link_route_add(sk, cell->a.ifindex[CELL_SERVER], AF_INET, &net,
				     ADDR_V4_EXTRA_PREFIX);
	link_sock_close(sk);
	return ret;
}

int cell_client_addrs(struct cell *cell, unsigned n, struct fw_err *err)
{
	struct nl_sock *sk = NULL, *mon = NULL;
	int ifindex = cell->a.ifindex[CELL_CLIENT], ret;
	const char *step = "open netlink socket";
	struct in6_addr a6;
	struct in_addr a4;
	char where[32];

	if (n > ADDR_CLIENT_EXTRA)
		return fw_err_set(err, -ERANGE, "lab", 0, "at most %u more client addresses",
				  ADDR_CLIENT_EXTRA);
	/* Listen before adding, so that the IPv6 addresses' announcements are not missed. */
	ret = link_sock_open(cell->ns[CELL_CLIENT], false, &sk);
	if (ret == 0)
		ret = link_sock_open(cell->ns[CELL_CLIENT], true, &mon);
	for (unsigned k = 0; k < n && ret == 0; k++) {
		step = "add client addresses";
		ret = addr_client_extra(cell->a.slot, AF_INET, k, &a4);
		if (ret == 0)
			ret = addr_client_extra(cell->a.slot, AF_INET6, k, &a6);
		if (ret == 0)
			ret = link_addr_add(sk, ifindex, AF_INET, &a4, 32, false);
		if (ret == 0)
			ret = link_addr_add(sk, ifindex, AF_INET6, &a6, 128, false);
		/* One at a time: until announced (link_wait_up()), solicitations for an
		 * address are dropped, and the wait consumes the others' announcements. */
		if (ret == 0)
			ret = link_wait_addr(sk, mon, ifindex, &a6, LAB_READY_TIMEOUT);
	}
	if (ret == 0 && n) {
		step = "route the client addresses";
		ret = route_extras(cell);
	}
	link_sock_close(sk);
	link_sock_close(mon);
	if (ret < 0) {
		snprintf(where, sizeof(where), "cell %u", cell->a.slot);
		fw_err_set(err, ret, where, 0, "%s: %s", step, strerror(-ret));
	}
	return ret;
}

int cell_link_set(struct cell *cell, enum cell_side side, bool up)
{
	enum cell_side peer = side == CELL_SERVER ? CELL_CLIENT : CELL_SERVER;
	struct nl_sock *sk = NULL, *psk = NULL, *mon[2] = { NULL, NULL };
	bool admin, oper;
	int ret;

	ret = link_sock_open(cell->ns[side], false, &sk);
	if (ret < 0)
		goto out;
	ret = link_state(sk, cell->a.ifindex[side], &admin, &oper);
	if (ret < 0 || admin == up)
		goto out;
	if (!up) {
		/* Keep the IPv6 addresses on down (addrconf_ifdown() drops them by
		 * default), so that the side comes back as it was. */
		char key[SYSCTL_KEY_MAX];
		const char *kv[1][2] = { { key, "1" } };

		snprintf(key, sizeof(key), "net/ipv6/conf/%s/keep_addr_on_down",
			 cell->a.ifname[side]);
		ret = ns_conf(cell->ns[side], kv, 1);
		if (ret == 0)
			ret = link_set_up(sk, cell->a.ifindex[side], false);
		goto out;
	}
	/* Listen before the change, so that linkwatch's notifications cannot be missed. */
	ret = link_sock_open(cell->ns[side], true, &mon[side]);
	if (ret == 0)
		ret = link_sock_open(cell->ns[peer], true, &mon[peer]);
	if (ret == 0)
		ret = link_set_up(sk, cell->a.ifindex[side], true);
	/* Both ends had their qdisc deactivated with the carrier: wait for both. */
	/* The side that went down rejoins its addresses' groups when it comes back
	 * (addrconf_dad_run(idev, true)); its peer only got its carrier back. */
	if (ret == 0)
		ret = link_wait_up(sk, mon[side], cell->a.ifindex[side],
				   side_addr(&cell->a.v6, side), LAB_READY_TIMEOUT);
	if (ret == 0)
		ret = link_sock_open(cell->ns[peer], false, &psk);
	if (ret == 0)
		ret = link_wait_up(psk, mon[peer], cell->a.ifindex[peer], NULL, LAB_READY_TIMEOUT);
	/* Addresses are kept on down (keep_addr_on_down); put them back anyway in case a
	 * caller removed them. */
	if (ret == 0)
		ret = add_addrs(sk, &cell->a, side, true);
out:
	link_sock_close(sk);
	link_sock_close(psk);
	link_sock_close(mon[0]);
	link_sock_close(mon[1]);
	return ret;
}

void cell_set_ifindex(struct cell *cell, enum cell_side side, int ifindex)
{
	cell->a.ifindex[side] = ifindex;
}

/* Bind-mounts the namespace fd at /run/netns/<name>, as `ip netns add` does. */
static int keep_one(int fd, const char *name, const char *suffix)
{
	char path[256], src[64];
	int f, ret;

	if ((size_t)snprintf(path, sizeof(path), "/run/netns/%s-%s", name, suffix) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir("/run/netns", 0755) < 0 && errno != EEXIST)
		return -errno;
	f = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (f < 0)
		return -errno;
	close(f);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		ret = -errno;
		unlink(path);
		return ret;
	}
	return 0;
}

int cell_keep(struct cell *cell, const char *name)
{
	int ret;

	if (!name || !*name || strchr(name, '/'))
		return -EINVAL;
	ret = keep_one(cell->ns[CELL_SERVER], name, "srv");
	if (ret == 0)
		ret = keep_one(cell->ns[CELL_CLIENT], name, "cli");
	return ret;
}
