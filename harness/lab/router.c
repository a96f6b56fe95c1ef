/* router: see router.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link.h"
#include "netns.h"
#include "router.h"
#include "sysctl.h"
#include "util.h"

#define ROUTER_READY_TIMEOUT (5 * NSEC_PER_SEC)
/* Interface indexes asked for (lab.h says why the two ends of a pair must differ). */
#define IF_SERVER 110
#define IF_R_SERVER 111
#define IF_R_CLIENT 112
#define IF_CLIENT 113

enum { S, C, R, NS_COUNT };	/* the server's, client's and router's namespaces */

struct build {
	int ns[NS_COUNT];
	struct nl_sock *sk[NS_COUNT], *mon[NS_COUNT];
	int ifs[NS_COUNT], ifr[2];	/* the ends in S and C; the router's by side */
};

/* Writes kv (n pairs) in the namespace ns: keys of its own conf tree, so no host check. */
static int ns_write(int ns, const char *const (*kv)[2], size_t n)
{
	int saved = -1, ret, r;

	ret = netns_enter(ns, &saved);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = sysctl_write(kv[i][0], kv[i][1]);
	r = netns_leave(saved);
	return ret < 0 ? ret : r;
}

/* The router's own settings: forwarding, proxy ARP and no reverse-path filter (the
 * routes are /32s); once its links exist, proxy ARP answered at once on them
 * (proxy_delay, up to 0.8 s by default, held the first SYN-ACK in the server's
 * neighbour queue and inflated the RTO to 1-2.4 s; a new namespace has no
 * neigh/default to set it before). */
static int router_conf(int ns, bool links)
{
	static const char *const kv[][2] = {
		{ "net/ipv4/ip_forward", "1" },
		{ "net/ipv4/conf/all/proxy_arp", "1" },
		{ "net/ipv4/conf/all/rp_filter", "0" },
		{ "net/ipv4/conf/default/rp_filter", "0" },
	};
	static const char *const lk[][2] = {
		{ "net/ipv4/neigh/" ROUTER_IFNAME_SERVER "/proxy_delay", "0" },
		{ "net/ipv4/neigh/" ROUTER_IFNAME_CLIENT "/proxy_delay", "0" },
	};

	return links ? ns_write(ns, lk, ARRAY_SIZE(lk)) : ns_write(ns, kv, ARRAY_SIZE(kv));
}

/* A pair from the router (rname, up) to side s (name, down), with the asked indexes or
 * the kernel's. */
static int pair(struct build *b, int s, const char *rname, const char *name, int want_r,
		int want_s)
{
	int ret = link_veth_create(b->sk[R], rname, name, b->ns[s], true, want_r, want_s);

	if (ret == -EBUSY)
		ret = link_veth_create(b->sk[R], rname, name, b->ns[s], true, 0, 0);
	if (ret == 0)
		ret = link_ifindex(b->sk[R], rname, &b->ifr[s]);
	if (ret == 0)
		ret = link_ifindex(b->sk[s], name, &b->ifs[s]);
	return ret;
}

/* Links up, addresses back on the ends, a /32 route to each side, then waits. */
static int bring_up(struct build *b, const struct cell_addrs *a, const char **step)
{
	const void *addr[2] = { &a->v4.server, &a->v4.client };
	int ret = 0;

	*step = "bring the links up";
	ret = link_set_up(b->sk[R], 1, true);
	for (int s = S; s <= C && ret == 0; s++)
		ret = link_set_up(b->sk[s], b->ifs[s], true);
	*step = "add addresses and routes";
	for (int s = S; s <= C && ret == 0; s++) {
		ret = link_addr_add(b->sk[s], b->ifs[s], AF_INET, addr[s], a->v4.prefixlen,
				    false);
		if (ret == 0)
			ret = link_route_add(b->sk[R], b->ifr[s], AF_INET, addr[s], 32);
	}
	*step = "wait for the links";
	for (int s = S; s <= C && ret == 0; s++) {
		ret = link_wait_up(b->sk[s], b->mon[s], b->ifs[s], NULL, ROUTER_READY_TIMEOUT);
		if (ret == 0)
			ret = link_wait_up(b->sk[R], b->mon[R], b->ifr[s], NULL,
					   ROUTER_READY_TIMEOUT);
	}
	return ret;
}

int router_insert(struct cell *c, struct cell_router *r, struct fw_err *err)
{
	const struct cell_addrs *a = cell_addrs(c);
	struct build b = { .ns = { cell_netns(c, CELL_SERVER), cell_netns(c, CELL_CLIENT), -1 } };
	const char *step = "create the router's namespace";
	char where[32];
	int ret;

	r->ns = netns_new(b.ns[S]);
	ret = r->ns < 0 ? r->ns : 0;
	b.ns[R] = r->ns;
	if (ret == 0) {
		step = "configure the router";
		ret = router_conf(r->ns, false);
	}
	for (int i = 0; i < NS_COUNT && ret == 0; i++) {
		step = "open netlink sockets";
		ret = link_sock_open(b.ns[i], false, &b.sk[i]);
		if (ret == 0)	/* before any change, so that no notification is missed */
			ret = link_sock_open(b.ns[i], true, &b.mon[i]);
	}
	if (ret == 0) {
		step = "remove the direct link";
		ret = link_del(b.sk[S], a->ifindex[CELL_SERVER]);
	}
	if (ret == 0) {
		step = "create the router's links";
		ret = pair(&b, S, ROUTER_IFNAME_SERVER, a->ifname[CELL_SERVER], IF_R_SERVER,
			   IF_SERVER);
	}
	if (ret == 0)
		ret = pair(&b, C, ROUTER_IFNAME_CLIENT, a->ifname[CELL_CLIENT], IF_R_CLIENT,
			   IF_CLIENT);
	if (ret == 0)
		ret = router_conf(r->ns, true);
	if (ret == 0)
		ret = bring_up(&b, a, &step);
	if (ret == 0) {
		cell_set_ifindex(c, CELL_SERVER, b.ifs[S]);
		cell_set_ifindex(c, CELL_CLIENT, b.ifs[C]);
	} else {
		snprintf(where, sizeof(where), "cell %u", a->slot);
		fw_err_set(err, ret, where, 0, "middlebox: %s: %s", step, strerror(-ret));
	}
	for (int i = 0; i < NS_COUNT; i++) {
		link_sock_close(b.sk[i]);
		link_sock_close(b.mon[i]);
	}
	return ret;
}

void router_close(struct cell_router *r)
{
	if (r->ns >= 0)
		close(r->ns);
	r->ns = -1;
}
