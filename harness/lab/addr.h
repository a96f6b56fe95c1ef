/* addr: the pure allocator that maps a cell slot to its addresses. A cell gets the slot-th
 * /30 of 198.18.0.0/16 (half of RFC 2544's benchmarking range 198.18.0.0/15) and the
 * slot-th /64 of fd46:696e::/32; the server takes the first host address, the client the
 * second. A cell that needs more source ports than one client address has (64 512
 * towards one server port) gets up to ADDR_CLIENT_EXTRA more client addresses: the
 * slot-th four of 198.19.0.0/16, and ::3 onwards of its /64.
 * No kernel state: every cell lives in its own pair of namespaces, so two finwait runs
 * (or two cells) reusing the same slot never collide. */
#ifndef FINWAIT_ADDR_H
#define FINWAIT_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* 198.18.0.0/16 holds 2^14 /30s; the IPv6 side (2^32 /64s) is not the limit. */
#define ADDR_SLOTS 16384u
/* Client addresses a cell may have beside its own: 198.19.0.0/16 holds four a slot. */
#define ADDR_CLIENT_EXTRA 4u
#define ADDR_V4_EXTRA_PREFIX 30u
#define ADDR_V4_PREFIX 30u
#define ADDR_V6_PREFIX 64u

/* One family's pair of addresses for a cell. */
struct addr_pair {
	int family;                /* AF_INET or AF_INET6 */
	unsigned prefixlen;        /* 30 or 64 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} server, client, net;     /* net: the network address of the cell's prefix */
};

/* Fills *out with the addresses of slot for family (AF_INET or AF_INET6).
 * Returns 0, -ERANGE when slot >= ADDR_SLOTS, -EAFNOSUPPORT for another family,
 * -EINVAL for a NULL out. */
int addr_slot(unsigned slot, int family, struct addr_pair *out);

/* Fills out (a struct in_addr or in6_addr) with the k-th extra client address of slot
 * (k < ADDR_CLIENT_EXTRA): 198.19.0.0 + 4 slot + k, or the slot's /64 + 3 + k. For IPv4
 * the four share the /30 (ADDR_V4_EXTRA_PREFIX) that k = 0 starts: the server routes
 * it to the client's link. Returns 0, -ERANGE, -EAFNOSUPPORT or -EINVAL (NULL out). */
int addr_client_extra(unsigned slot, int family, unsigned k, void *out);

/* true when a (network byte order, as stored in in_addr / in6_addr) lies in the
 * lab's range for its family: 198.18.0.0/15 or fd46:696e::/32. */
bool addr_in_lab(int family, const void *a);

#endif
