/* lab: the process-wide lab (the namespace finwait started in, a lab-root namespace of
 * its own, and the rootless user namespace when not root) and its cells. A cell is a
 * server namespace and a client namespace, both children of lab-root, joined by a veth
 * pair "fw-srv" <-> "fw-cli" with a /30 from 198.18.0.0/15 and a /64 from
 * fd46:696e::/32 (addr.h), lo up on both sides and no default route. Everything is held
 * by file descriptors: closing them (or finwait dying) lets the kernel reclaim it all;
 * nothing is created on the host. Cells may be created and used from several threads
 * at once. */
#ifndef FINWAIT_LAB_H
#define FINWAIT_LAB_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "err.h"

/* tcp_child_ehash_entries in lab-root when the caller gives 0: every cell namespace gets
 * its own established hash of this many buckets (a sock_diag dump walks them all). */
#define LAB_EHASH_DEFAULT 1024u
#define LAB_IFNAME_SERVER "fw-srv"
#define LAB_IFNAME_CLIENT "fw-cli"
/* The veth ends' ifindexes, when free (lab.c says why they differ). */
#define LAB_IFINDEX_SERVER 100
#define LAB_IFINDEX_CLIENT 101

struct lab;
struct cell;

enum cell_side { CELL_SERVER = 0, CELL_CLIENT = 1 };

/* A cell's addressing, indexed by enum cell_side. */
struct cell_addrs {
	unsigned slot;
	struct addr_pair v4, v6;               /* .server / .client */
	int ifindex[2];
	char ifname[2][IF_NAMESIZE];
	char v4_str[2][INET_ADDRSTRLEN];
	char v6_str[2][INET6_ADDRSTRLEN];
};

/* Opens the lab: creates lab-root and sets net.ipv4.tcp_child_ehash_entries =
 * ehash_entries (0: LAB_EHASH_DEFAULT) in it. As root the process stays in its
 * namespace. When not root, it first enters a new user namespace mapped to the caller
 * (the process must still be single-threaded) and then moves, for good, into lab-root:
 * the host's namespace cannot be re-entered from inside that user namespace.
 * Returns 0 and *out (free with lab_close), or -errno with err (may be NULL) saying why
 * and what would fix it; when lab_err_is_skip() holds, the lab cannot be built here (the
 * CLI exits FW_EXIT_SKIP with err). */
int lab_open(struct lab **out, unsigned ehash_entries, struct fw_err *err);

/* Closes the lab's fds (cells must be destroyed first). NULL is a no-op. */
void lab_close(struct lab *lab);

/* fd of the network namespace finwait started in (valid until lab_close()). When
 * lab_rootless(), it cannot be entered: setns() needs privilege over its owner. */
int lab_host_netns(const struct lab *lab);

/* fd of lab-root, the parent of every cell namespace. */
int lab_root_netns(const struct lab *lab);

/* true when lab_open() entered a user namespace (not root). The host's namespace
 * cannot be entered then, so sysctl writes are not checked against it; they cannot
 * reach it either (net_ctl_permissions() grants nothing outside our user namespace). */
bool lab_rootless(const struct lab *lab);

/* true when err (a return of lab_open() or cell_create()) means the lab cannot be built
 * on this machine (EPERM, EACCES, ENOSPC, EUSERS, ENOSYS): the CLI exits FW_EXIT_SKIP
 * with lab_open()'s message. */
bool lab_err_is_skip(int err);

/* Builds a cell for slot (< ADDR_SLOTS; cells may share a slot) and returns once both
 * ends can send over IPv4 and IPv6 (both veth ends operationally up with their queues
 * active: link_wait_up()). Returns 0 and *out (free with cell_destroy), or -errno with
 * err (may be NULL) naming the cell and the step that failed; nothing is left on error. */
int cell_create(struct lab *lab, unsigned slot, struct cell **out, struct fw_err *err);

/* Closes the cell's fds; the kernel then reclaims its namespaces, veth and sockets
 * (asynchronously, in cleanup_net()). Processes spawned in the cell are not killed
 * here. Fast and safe; NULL is a no-op. */
void cell_destroy(struct cell *cell);

/* fd of one side's network namespace (valid until cell_destroy()). */
int cell_netns(const struct cell *cell, enum cell_side side);

/* The cell's addresses, ifindexes and interface names. */
const struct cell_addrs *cell_addrs(const struct cell *cell);

/* Sets key = value in one side's namespace (sysctl_ns_write(): per-namespace keys only,
 * the host's value checked when the host can be entered). Returns 0 or -errno with err
 * (may be NULL) filled; -EIO means the host moved and the run must abort. */
int cell_sysctl_set(struct cell *cell, enum cell_side side, const char *key,
		    const char *value, struct fw_err *err);

/* Reads key in one side's namespace (any key). Returns 0 or -errno. */
int cell_sysctl_get(struct cell *cell, enum cell_side side, const char *key, char *buf,
		    size_t len);

/* A client's addresses at most: its own and the extra ones. */
#define LAB_CLIENT_ADDRS_MAX (1u + ADDR_CLIENT_EXTRA)

/* Gives the client n (<= ADDR_CLIENT_EXTRA) more addresses of each family beside its own
 * (addr_client_extra(): IPv4 as /32s, IPv6 as /128s in the cell's /64) and the server a
 * route to the IPv4 ones on its veth end (the /64 is on that link already); returns
 * once the client's kernel answers neighbour solicitations for the IPv6 ones. A cell
 * with a router between the sides must route them too. Returns 0 or -errno with err
 * (may be NULL) filled. */
int cell_client_addrs(struct cell *cell, unsigned n, struct fw_err *err);

/* Sets that side's veth end up or down (down: the peer loses carrier and the side
 * "vanishes"; its addresses are kept). Up makes sure the addresses are there and
 * waits until both ends can send again. Returns 0 or -errno. */
int cell_link_set(struct cell *cell, enum cell_side side, bool up);

/* Records that side's end of the cell's link is now ifindex (router.c replaced it). */
void cell_set_ifindex(struct cell *cell, enum cell_side side, int ifindex);

/* --keep: bind-mounts both namespaces at /run/netns/<name>-srv and <name>-cli so that
 * `ip netns exec` can look inside after the run; `ip netns del` removes them. Needs
 * root. Returns 0 or -errno. */
int cell_keep(struct cell *cell, const char *name);

#endif
