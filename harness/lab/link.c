/* link: see link.h. */
#include <errno.h>
#include <linux/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "link.h"
#include "netns.h"
#include "nlerr.h"
#include "util.h"


int link_sock_open(int ns_fd, bool monitor, struct nl_sock **out)
{
	struct nl_sock *sk = NULL;
	int saved = -1, ret;

	*out = NULL;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	if (monitor)
		nl_socket_disable_seq_check(sk);
	if (ns_fd >= 0) {
		ret = netns_enter(ns_fd, &saved);
		if (ret < 0)
			goto out;
	}
	ret = nlerr_to_errno(nl_connect(sk, NETLINK_ROUTE));
	if (saved >= 0) {
		int r = netns_leave(saved);

		if (ret == 0)
			ret = r;
	}
	if (ret < 0)
		goto out;
	if (monitor) {
		ret = nlerr_to_errno(nl_socket_add_memberships(sk, RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR,
							   0));
		if (ret < 0)
			goto out;
		ret = nlerr_to_errno(nl_socket_set_nonblocking(sk));
		if (ret < 0)
			goto out;
	}
	*out = sk;
	sk = NULL;
	ret = 0;
out:
	nl_socket_free(sk);
	return ret;
}

void link_sock_close(struct nl_sock *sk)
{
	/* nl_socket_free() closes the fd and accepts NULL. */
	nl_socket_free(sk);
}

int link_veth_create(struct nl_sock *sk, const char *name, const char *peer, int peer_ns_fd,
		     bool up, int ifindex, int peer_ifindex)
{
	struct rtnl_link *link = NULL, *p = NULL;
	int ret;

	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	p = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	if (up)
		rtnl_link_set_flags(link, IFF_UP);
	rtnl_link_set_name(p, peer);
	if (ifindex > 0)
		rtnl_link_set_ifindex(link, ifindex);
	if (peer_ifindex > 0)
		rtnl_link_set_ifindex(p, peer_ifindex);
	/* The peer is born in its namespace (IFLA_NET_NS_FD inside VETH_INFO_PEER,
	 * veth_newlink()): it never appears where this socket lives. */
	if (peer_ns_fd >= 0)
		rtnl_link_set_ns_fd(p, peer_ns_fd);
	ret = nlerr_to_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(p);
	rtnl_link_put(link);
	return ret;
}

int link_ifindex(struct nl_sock *sk, const char *name, int *ifindex)
{
	struct rtnl_link *link = NULL;
	int ret;

	ret = nlerr_to_errno(rtnl_link_get_kernel(sk, 0, name, &link));
	if (ret == -ENOENT)
		ret = -ENODEV;
	if (ret < 0)
		return ret;
	*ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

int link_set_up(struct nl_sock *sk, int ifindex, bool up)
{
	struct rtnl_link *orig = NULL, *chg = NULL;
	int ret = -ENOMEM;

	orig = rtnl_link_alloc();
	chg = rtnl_link_alloc();
	if (!orig || !chg)
		goto out;
	rtnl_link_set_ifindex(orig, ifindex);
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	ret = nlerr_to_errno(rtnl_link_change(sk, orig, chg, 0));
	if (ret == -ENOENT)
		ret = -ENODEV;
out:
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	return ret;
}

static size_t family_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) :
	       family == AF_INET6 ? sizeof(struct in6_addr) : 0;
}

int link_addr_add(struct nl_sock *sk, int ifindex, int family, const void *addr,
		  unsigned prefixlen, bool exist_ok)
{
	struct rtnl_addr *ra = NULL;
	struct nl_addr *local = NULL;
	size_t alen = family_len(family);
	int ret = -ENOMEM;

	if (!alen)
		return -EAFNOSUPPORT;
	ra = rtnl_addr_alloc();
	local = nl_addr_build(family, addr, alen);
	if (!ra || !local)
		goto out;
	nl_addr_set_prefixlen(local, (int)prefixlen);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, family);
	ret = nlerr_to_errno(rtnl_addr_set_local(ra, local));
	if (ret < 0)
		goto out;
	rtnl_addr_set_prefixlen(ra, (int)prefixlen);
	/* No duplicate address detection: nothing else is on this wire, and DAD would
	 * keep the address tentative (unusable) for a second. */
	if (family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	ret = nlerr_to_errno(rtnl_addr_add(sk, ra, NLM_F_EXCL));
	if (ret == -EEXIST && exist_ok)
		ret = 0;
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return ret;
}

int link_route_add(struct nl_sock *sk, int ifindex, int family, const void *dst,
		   unsigned prefixlen)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *a = NULL;
	size_t alen = family_len(family);
	int ret = -ENOMEM;

	if (!alen) {
		ret = -EAFNOSUPPORT;
		goto out;
	}
	a = nl_addr_build(family, dst, alen);
	if (!rt || !nh || !a)
		goto out;
	nl_addr_set_prefixlen(a, (int)prefixlen);
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_scope(rt, RT_SCOPE_LINK);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	if ((ret = nlerr_to_errno(rtnl_route_set_dst(rt, a))) < 0)
		goto out;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* the route owns it */
	ret = nlerr_to_errno(rtnl_route_add(sk, rt, NLM_F_EXCL));
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(a);
	rtnl_route_put(rt);
	return ret;
}

/* Returns when poll says mon is readable or the deadline passed: 0, -ETIMEDOUT, -errno. */
static int mon_poll(struct nl_sock *mon, int64_t deadline)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(mon), .events = POLLIN };
	int64_t left = deadline - mono_ns();
	int ret;

	if (left <= 0)
		return -ETIMEDOUT;
	ret = poll(&pfd, 1, (int)((left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC));
	if (ret < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/* Looks at one notification: sets *oper when it says ifindex is operationally up,
 * *addr when it announces the IPv6 address addr6 on ifindex. */
static void mon_note(struct nlmsghdr *h, int ifindex, const void *addr6, bool *oper,
		     bool *addr)
{
	if (h->nlmsg_type == RTM_NEWLINK) {
		struct nlattr *tb[IFLA_MAX + 1];
		struct ifinfomsg *ifi = nlmsg_data(h);

		if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) == 0 &&
		    ifi->ifi_index == ifindex && tb[IFLA_OPERSTATE] &&
		    nla_get_u8(tb[IFLA_OPERSTATE]) == IF_OPER_UP)
			*oper = true;
	} else if (h->nlmsg_type == RTM_NEWADDR && addr6) {
		struct nlattr *tb[IFA_MAX + 1];
		struct ifaddrmsg *ifa = nlmsg_data(h);

		if (nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) == 0 &&
		    ifa->ifa_family == AF_INET6 && (int)ifa->ifa_index == ifindex &&
		    tb[IFA_ADDRESS] && nla_len(tb[IFA_ADDRESS]) == sizeof(struct in6_addr) &&
		    memcmp(nla_data(tb[IFA_ADDRESS]), addr6, sizeof(struct in6_addr)) == 0)
			*addr = true;
	}
}

/* link_wait_up(), or only the address's announcement when !need_oper. */
static int wait_notes(struct nl_sock *sk, struct nl_sock *mon, int ifindex, const void *addr6,
		      bool need_oper, int64_t timeout_ns)
{
	int64_t deadline = mono_ns() + timeout_ns;
	int fd = nl_socket_get_fd(mon);
	char buf[16384] __attribute__((aligned(8)));
	bool oper = !need_oper, addr = addr6 == NULL;

	while (!oper || !addr) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *h;
		int len, ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Notifications were lost, maybe ours: ask for the link state
				 * and accept the address as announced. */
				bool admin;

				ret = link_state(sk, ifindex, &admin, &oper);
				if (ret < 0)
					return ret;
				addr = true;
				continue;
			}
			if (errno != EAGAIN)
				return -errno;
			ret = mon_poll(mon, deadline);
			if (ret < 0)
				return ret;
			continue;
		}
		len = (int)n;
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len))
			mon_note(h, ifindex, addr6, &oper, &addr);
	}
	return 0;
}

int link_wait_up(struct nl_sock *sk, struct nl_sock *mon, int ifindex, const void *addr6,
		 int64_t timeout_ns)
{
	return wait_notes(sk, mon, ifindex, addr6, true, timeout_ns);
}

int link_wait_addr(struct nl_sock *sk, struct nl_sock *mon, int ifindex, const void *addr6,
		   int64_t timeout_ns)
{
	return wait_notes(sk, mon, ifindex, addr6, false, timeout_ns);
}

int link_state(struct nl_sock *sk, int ifindex, bool *admin_up, bool *oper_up)
{
	struct rtnl_link *link = NULL;
	int ret;

	ret = nlerr_to_errno(rtnl_link_get_kernel(sk, ifindex, NULL, &link));
	if (ret == -ENOENT)
		ret = -ENODEV;
	if (ret < 0)
		return ret;
	*admin_up = rtnl_link_get_flags(link) & IFF_UP;
	*oper_up = rtnl_link_get_operstate(link) == IF_OPER_UP;
	rtnl_link_put(link);
	return 0;
}

int link_del(struct nl_sock *sk, int ifindex)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int ret;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, ifindex);
	ret = nlerr_to_errno(rtnl_link_delete(sk, l));
	rtnl_link_put(l);
	return ret;
}
