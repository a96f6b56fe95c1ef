/* nft: see nft.h. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "nft.h"

/* How long an agent may take to answer (it takes ~1 ms; this bounds a broken one). */
#define AGENT_STARTS 3
#define AGENT_TIMEOUT_MS 10000
/* An answer: "0", or "-ERRNO message". */
#define REPLY_MAX 512

/* The first line of s after what, into msg. */
static void say(char *msg, size_t len, const char *what, const char *s)
{
	size_t n = s ? strcspn(s, "\n") : 0;

	if (msg && len)
		snprintf(msg, len, "%s%s%.*s", what, n ? ": " : "", (int)n, s ? s : "");
}

static void reply(int sock, int err, const char *what, const char *s)
{
	char r[REPLY_MAX];

	if (err)
		say(r + snprintf(r, 16, "%d ", err), sizeof(r) - 16, what, s);
	else
		snprintf(r, sizeof(r), "0");
	if (send(sock, r, strlen(r), MSG_NOSIGNAL) < 0)
		_exit(1);
}

/* The agent's life, in the child: enter the namespace, keep only its socket, make the
 * context, then one transaction per message until the socket closes. */
static void __attribute__((noreturn)) agent_main(int sock, int ns_fd, pid_t parent)
{
	static char buf[NFT_CMDS_MAX + 1];
	struct nft_ctx *ctx;
	ssize_t n;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		reply(sock, -errno, "cannot enter the namespace", strerror(errno));
		_exit(1);
	}
	/* Nothing of finwait's may be held open by the agent: other cells' pipes must
	 * see their EOF, their namespaces must go when finwait lets them go. */
	if (sock > 0)
		close_range(0, (unsigned)sock - 1, 0);
	close_range((unsigned)sock + 1, ~0u, 0);
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx || nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		reply(sock, -ENOMEM, "libnftables: cannot make a context", NULL);
		_exit(1);
	}
	reply(sock, 0, NULL, NULL);
	while ((n = recv(sock, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		if (nft_run_cmd_from_buffer(ctx, buf))
			reply(sock, -EINVAL, "nftables refused the rules",
			      nft_ctx_get_error_buffer(ctx));
		else
			reply(sock, 0, NULL, NULL);
	}
	nft_ctx_free(ctx);
	_exit(0);
}

/* Waits for the agent's answer. Returns its code, or -errno. */
static int agent_answer(struct nft_agent *a, char *msg, size_t len)
{
	struct pollfd pfd = { .fd = a->sock, .events = POLLIN };
	char r[REPLY_MAX + 1];
	ssize_t n;
	int pr, code;

	do
		pr = poll(&pfd, 1, AGENT_TIMEOUT_MS);
	while (pr < 0 && errno == EINTR);
	if (pr == 0) {
		say(msg, len, "nftables agent: no answer within 10 s", NULL);
		return -ETIMEDOUT;
	}
	n = pr < 0 ? -1 : recv(a->sock, r, REPLY_MAX, 0);
	if (n <= 0) {
		say(msg, len, "nftables agent: gone", NULL);
		return -EPIPE;
	}
	r[n] = '\0';
	code = atoi(r);
	if (code) {
		const char *sp = strchr(r, ' ');

		say(msg, len, sp ? sp + 1 : "nftables agent failed", NULL);
	}
	return code > 0 ? -EIO : code;
}

static int agent_start_once(struct nft_agent *a, int ns_fd, char *msg, size_t len)
{
	pid_t parent = getpid();
	int sv[2], ret;

	a->pid = 0;
	a->sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		ret = -errno;
		say(msg, len, "nftables agent: socketpair", strerror(-ret));
		return ret;
	}
	a->pid = fork();
	if (a->pid == 0) {
		close(sv[0]);
		agent_main(sv[1], ns_fd, parent);
	}
	ret = a->pid < 0 ? -errno : 0;
	close(sv[1]);
	a->sock = sv[0];
	if (ret < 0) {
		a->pid = 0;
		say(msg, len, "nftables agent: fork", strerror(-ret));
	} else {
		ret = agent_answer(a, msg, len);
	}
	if (ret < 0)
		nft_agent_stop(a);
	return ret;
}

/* The agent is forked from a process whose other threads run other cells: a lock one of
 * them held at the fork stays held in the child. glibc's malloc takes care of that; in one
 * sanitized run an agent never answered (clang 14's ASan allocator is the likely lock). An
 * agent that does not answer is killed and forked again (its start only delays the
 * cell's set-up, never its fault). */
int nft_agent_start(struct nft_agent *a, int ns_fd, char *msg, size_t len)
{
	int ret = -ETIMEDOUT;

	for (int i = 0; i < AGENT_STARTS && ret == -ETIMEDOUT; i++)
		ret = agent_start_once(a, ns_fd, msg, len);
	return ret;
}

int nft_agent_run(struct nft_agent *a, const char *cmds, char *msg, size_t len)
{
	size_t n = strlen(cmds);

	if (msg && len)
		msg[0] = '\0';
	if (!a || a->sock < 0 || n > NFT_CMDS_MAX) {
		say(msg, len, a && a->sock >= 0 ? "nftables: rules too long" :
		    "nftables agent: not started", NULL);
		return -EINVAL;
	}
	if (send(a->sock, cmds, n, MSG_NOSIGNAL) != (ssize_t)n) {
		say(msg, len, "nftables agent: gone", NULL);
		return -EPIPE;
	}
	return agent_answer(a, msg, len);
}

void nft_agent_stop(struct nft_agent *a)
{
	if (!a)
		return;
	if (a->sock >= 0)
		close(a->sock);	/* the agent's recv() sees the end and it exits */
	a->sock = -1;
	if (a->pid > 0) {
		kill(a->pid, SIGKILL);
		while (waitpid(a->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	a->pid = 0;
}

int nft_isolate_prepare(struct nft_agent *a, const char *ifname, char *msg, size_t len)
{
	char cmds[512];

	/* At the device, both ways: nothing of the host's stack (ARP, neighbour
	 * discovery, TCP) reaches the wire or hears from it once a drop rule is in. */
	snprintf(cmds, sizeof(cmds),
		 "table netdev " NFT_ISOLATE_TABLE " {\n"
		 "  chain in { type filter hook ingress device \"%s\" priority 0; }\n"
		 "  chain out { type filter hook egress device \"%s\" priority 0; }\n"
		 "}\n", ifname, ifname);
	return nft_agent_run(a, cmds, msg, len);
}

int nft_isolate(struct nft_agent *a, bool on, char *msg, size_t len)
{
	if (!on)
		return nft_agent_run(a, "flush table netdev " NFT_ISOLATE_TABLE "\n", msg, len);
	return nft_agent_run(a, "add rule netdev " NFT_ISOLATE_TABLE " in drop\n"
			     "add rule netdev " NFT_ISOLATE_TABLE " out drop\n", msg, len);
}
