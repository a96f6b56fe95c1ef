/* link: links and addresses inside one network namespace, through libnl-route-3. A
 * libnl socket belongs to the namespace it was created in (the kernel binds a netlink
 * socket to current's namespace in netlink_create()), so link_sock_open() enters the
 * namespace, creates the socket and comes back; the socket then works from any thread.
 * libnl's -NLE_* codes never leave this module: every function returns 0 or -errno. */
#ifndef FINWAIT_LINK_H
#define FINWAIT_LINK_H

#include <stdbool.h>
#include <stdint.h>

struct nl_sock;

/* Opens a NETLINK_ROUTE socket in the namespace ns_fd (-1: the calling thread's). With
 * monitor, the socket is non-blocking, joins the link and IPv6 address groups and serves
 * only link_wait_up(). Returns 0 or -errno; free with link_sock_close(). */
int link_sock_open(int ns_fd, bool monitor, struct nl_sock **out);

/* Closes and frees a socket from link_sock_open(); NULL is a no-op. */
void link_sock_close(struct nl_sock *sk);

/* Creates a veth pair: name in sk's namespace (up when up), peer named peer in the
 * namespace peer_ns_fd (left down: veth_open() fails with ENOTCONN while the pair is
 * half-made, so the peer is brought up from its own side). ifindex / peer_ifindex ask
 * for these interface indexes (0: the kernel picks; the peer's is honoured only with
 * the first, veth_newlink()). Returns 0 or -errno (-EBUSY: an index is taken). */
int link_veth_create(struct nl_sock *sk, const char *name, const char *peer, int peer_ns_fd,
		     bool up, int ifindex, int peer_ifindex);

/* Looks up the ifindex of the link called name. Returns 0 or -errno (-ENODEV). */
int link_ifindex(struct nl_sock *sk, const char *name, int *ifindex);

/* Sets the link ifindex up or down (IFF_UP). Returns 0 or -errno. */
int link_set_up(struct nl_sock *sk, int ifindex, bool up);

/* Adds addr/prefixlen (family AF_INET or AF_INET6; addr in network byte order) to
 * ifindex. IPv6 addresses get IFA_F_NODAD. exist_ok: an address already there is not
 * an error. Returns 0 or -errno. */
int link_addr_add(struct nl_sock *sk, int ifindex, int family, const void *addr,
		  unsigned prefixlen, bool exist_ok);

/* Adds a route to dst/prefixlen (network byte order) on the link ifindex, scope link, in
 * the main table: reachable on that wire, no gateway. Returns 0 or -errno. */
int link_route_add(struct nl_sock *sk, int ifindex, int family, const void *dst,
		   unsigned prefixlen);

/* Waits at most timeout_ns until mon has announced that ifindex is operationally up
 * and, unless addr6 is NULL, the IPv6 address addr6 on ifindex. The link notification
 * comes from linkwatch_do_dev() after dev_activate(): until then the link's queue is
 * noop_qdisc and silently drops what is sent. The address one comes from
 * addrconf_dad_completed(), after addrconf_dad_begin() joined the solicited-node group
 * in a work item: until then neighbour solicitations for the address are dropped. Either
 * loss costs a 1 s retransmission, and neither moment shows in the link's or the
 * address's state (IFA_F_NODAD addresses are never tentative): the notifications do.
 * mon (same namespace as sk) must have joined before the change; if notifications
 * overflow, sk asks for the link state. Returns 0, -ETIMEDOUT or -errno. */
int link_wait_up(struct nl_sock *sk, struct nl_sock *mon, int ifindex, const void *addr6,
		 int64_t timeout_ns);

/* The same wait for the announcement of addr6 alone, on a link already up. */
int link_wait_addr(struct nl_sock *sk, struct nl_sock *mon, int ifindex, const void *addr6,
		   int64_t timeout_ns);

/* Reads whether ifindex is administratively up (IFF_UP) and operationally up.
 * Returns 0 or -errno. */
int link_state(struct nl_sock *sk, int ifindex, bool *admin_up, bool *oper_up);

/* Deletes the link ifindex (a veth pair goes with either end). Returns 0 or -errno. */
int link_del(struct nl_sock *sk, int ifindex);

#endif
