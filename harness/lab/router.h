/* router: a cell's middlebox. router_insert() puts a router namespace between the cell's
 * server and client: the direct veth pair goes, and two pairs join the server's end
 * ("fw-srv", same name and addresses) to the router's "mb-srv" and the router's "mb-cli"
 * to the client's end ("fw-cli"). The router forwards (ip_forward in its own namespace
 * only) and answers ARP for each side on the other's behalf (proxy ARP, with a /32 route
 * to each side), so the server and the client keep their addresses and their /30, and
 * there is still no default route anywhere. IPv4 only. The router's rules are set
 * through nft.h; its conntrack settings through its own sysctls. */
#ifndef FINWAIT_ROUTER_H
#define FINWAIT_ROUTER_H

#include "err.h"
#include "lab.h"

#define ROUTER_IFNAME_SERVER "mb-srv"
#define ROUTER_IFNAME_CLIENT "mb-cli"

struct cell_router {
	int ns;		/* the router's namespace; -1 when none */
};

/* Builds the router into cell c and returns once every link can send (the cell's
 * ifindexes follow the new ends: cell_set_ifindex()). Returns 0, or -errno with err
 * (may be NULL) naming the step; on error r->ns may be open: router_close() it. */
int router_insert(struct cell *c, struct cell_router *r, struct fw_err *err);

/* Closes the router's namespace (the kernel reclaims it and its links). Idempotent. */
void router_close(struct cell_router *r);

#endif
