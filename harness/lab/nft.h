/* nft: nftables rule sets inside one network namespace, through Debian's libnftables (the
 * nft command's language, no nft process). The one libnftables wrapper of the project.
 *
 * libnftables keeps global state and is not documented as thread-safe, and a context's
 * netlink socket belongs to the namespace it was opened in (netlink_create()). So the
 * rules of a namespace are set by an agent: a child forked for that namespace that
 * enters it, keeps one libnftables context and runs what it is sent, one transaction at
 * a time. finwait itself never calls libnftables. An agent answers in about a
 * millisecond, whatever the rest of finwait does meanwhile (the agent has its own
 * memory, so the parent's forks and page faults do not hold it up): made before the
 * run, it can act at a fault's moment. It dies with the thread that made it
 * (PR_SET_PDEATHSIG) and keeps no descriptor of finwait's but its socket. */
#ifndef FINWAIT_NFT_H
#define FINWAIT_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The table that nft_isolate_prepare() adds (family netdev). */
#define NFT_ISOLATE_TABLE "finwait_isolate"
/* The longest command text an agent takes. */
#define NFT_CMDS_MAX 16384

struct nft_agent {
	pid_t pid;	/* 0 when none */
	int sock;	/* -1 when none */
};

/* Forks an agent in the network namespace ns_fd and waits until its libnftables context
 * is made. Returns 0, or -errno with why in msg (may be NULL; len bytes). */
int nft_agent_start(struct nft_agent *a, int ns_fd, char *msg, size_t len);

/* Runs cmds (nft syntax, one transaction) in the agent's namespace. Returns 0 or -errno:
 * -EINVAL when nftables refused the commands (the first line of its message in msg),
 * -ETIMEDOUT when the agent did not answer within 10 s, -EPIPE when it is gone. */
int nft_agent_run(struct nft_agent *a, const char *cmds, char *msg, size_t len);

/* Ends the agent (closes its socket, kills and reaps it). Idempotent; NULL is a no-op. */
void nft_agent_stop(struct nft_agent *a);

/* Adds a netdev table with an ingress and an egress chain on ifname, accepting all,
 * so that nft_isolate() only adds a rule: cheap at any moment. Returns as
 * nft_agent_run(). */
int nft_isolate_prepare(struct nft_agent *a, const char *ifname, char *msg, size_t len);

/* on: ifname drops every frame it receives or sends, ARP and neighbour discovery too,
 * so to its peer the host behind it is gone while the peer's link keeps its carrier.
 * off: it passes them again. Needs nft_isolate_prepare() first. */
int nft_isolate(struct nft_agent *a, bool on, char *msg, size_t len);

#endif
