/* addr: slot -> addresses. See addr.h. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

/* 198.18.0.0/15, host byte order; the slots' /30s in its first half, the extra client
 * addresses in 198.19.0.0/16. */
#define V4_BASE 0xc6120000u
#define V4_MASK 0xfffe0000u
#define V4_EXTRA_BASE 0xc6130000u
/* fd46:696e::/32: "Fin" in ASCII after the ULA prefix byte fd. */
static const unsigned char v6_base[4] = { 0xfd, 0x46, 0x69, 0x6e };

int addr_slot(unsigned slot, int family, struct addr_pair *out)
{
	uint32_t net;

	if (!out)
		return -EINVAL;
	if (slot >= ADDR_SLOTS)
		return -ERANGE;
	memset(out, 0, sizeof(*out));
	out->family = family;
	switch (family) {
	case AF_INET:
		out->prefixlen = ADDR_V4_PREFIX;
		net = V4_BASE + 4u * slot;
		out->net.v4.s_addr = htonl(net);
		out->server.v4.s_addr = htonl(net + 1);
		out->client.v4.s_addr = htonl(net + 2);
		return 0;
	case AF_INET6:
		out->prefixlen = ADDR_V6_PREFIX;
		/* fd46:696e:HHHH:LLLL::/64 with the slot in bits 32..63. */
		memcpy(out->net.v6.s6_addr, v6_base, sizeof(v6_base));
		out->net.v6.s6_addr[4] = (unsigned char)(slot >> 24);
		out->net.v6.s6_addr[5] = (unsigned char)(slot >> 16);
		out->net.v6.s6_addr[6] = (unsigned char)(slot >> 8);
		out->net.v6.s6_addr[7] = (unsigned char)slot;
		out->server.v6 = out->net.v6;
		out->server.v6.s6_addr[15] = 1;
		out->client.v6 = out->net.v6;
		out->client.v6.s6_addr[15] = 2;
		return 0;
	default:
		memset(out, 0, sizeof(*out));
		return -EAFNOSUPPORT;
	}
}

int addr_client_extra(unsigned slot, int family, unsigned k, void *out)
{
	struct addr_pair p;
	int ret;

	if (!out)
		return -EINVAL;
	if (k >= ADDR_CLIENT_EXTRA)
		return -ERANGE;
	if ((ret = addr_slot(slot, family, &p)))
		return ret;
	if (family == AF_INET) {
		struct in_addr a = { htonl(V4_EXTRA_BASE + ADDR_CLIENT_EXTRA * slot + k) };

		memcpy(out, &a, sizeof(a));
	} else {
		p.client.v6.s6_addr[15] = (unsigned char)(3 + k);
		memcpy(out, &p.client.v6, sizeof(p.client.v6));
	}
	return 0;
}

bool addr_in_lab(int family, const void *a)
{
	if (!a)
		return false;
	if (family == AF_INET) {
		const struct in_addr *v4 = a;
		return (ntohl(v4->s_addr) & V4_MASK) == V4_BASE;
	}
	if (family == AF_INET6) {
		const struct in6_addr *v6 = a;
		return memcmp(v6->s6_addr, v6_base, sizeof(v6_base)) == 0;
	}
	return false;
}
