/* cellrun_mb: a cell's middlebox ([middlebox]): the router namespace between client and
 * server (router.h), its nftables rules (an agent in its namespace, nft.h) and its
 * conntrack settings (its own namespace's sysctls), and the blackhole at the client's
 * point. */
#include <stdio.h>
#include <string.h>

#include "cellrun_priv.h"
#include "sysctl.h"

#define MB_TABLE "finwait_mb"

/* Every TCP state's conntrack timeout: an idle flow is forgotten whatever its state. */
static const char *const ct_timeouts[] = {
	"established", "syn_sent", "syn_recv", "fin_wait", "close_wait", "last_ack",
	"time_wait", "close", "max_retrans", "unacknowledged",
};

bool mb_on(const struct scenario *sc)
{
	return sc->mb.fault != FW_MB_NONE || sc->mb.loss_pct > 0;
}

static int mb_sysctl(struct ctx *c, const char *key, const char *value)
{
	int host = lab_rootless(c->env->lab) ? -1 : lab_host_netns(c->env->lab);
	int ret = sysctl_ns_write(c->router.ns, host, key, value, &c->out->err);

	if (ret) {
		c->out->rc = ret;
		c->out->host_moved = ret == -EIO;
	}
	return ret;
}

/* Forgets a flow idle for idle_timeout in any state; a packet of a forgotten flow
 * starts no new one (nf_conntrack_tcp_loose 0: it is invalid), and the window is not
 * checked (be_liberal: a keepalive probe, one byte below the window, is the flow's). */
static int mb_conntrack(struct ctx *c)
{
	char key[96], val[24];
	int ret = mb_sysctl(c, "net.netfilter.nf_conntrack_tcp_loose", "0");

	if (ret == 0)
		ret = mb_sysctl(c, "net.netfilter.nf_conntrack_tcp_be_liberal", "1");
	snprintf(val, sizeof(val), "%d", c->sc->mb.idle_timeout_s);
	for (size_t i = 0; i < ARRAY_SIZE(ct_timeouts) && ret == 0; i++) {
		snprintf(key, sizeof(key), "net.netfilter.nf_conntrack_tcp_timeout_%s",
			 ct_timeouts[i]);
		ret = mb_sysctl(c, key, val);
	}
	return ret;
}

/* The forward chain: loss first, then the fault's rule (the blackhole's comes at the
 * point). */
static int mb_rules(struct ctx *c, char *msg, size_t len)
{
	const struct fw_middlebox_cfg *m = &c->sc->mb;
	char cmds[512], loss[96] = "", idle[96] = "";

	if (m->loss_pct)
		snprintf(loss, sizeof(loss), "    numgen random mod 100 < %ld drop\n", m->loss_pct);
	if (m->fault == FW_MB_IDLE || m->fault == FW_MB_IDLE_RESET)
		snprintf(idle, sizeof(idle), "    ct state invalid %s\n",
			 m->fault == FW_MB_IDLE ? "drop" : "reject with tcp reset");
	snprintf(cmds, sizeof(cmds),
		 "table ip " MB_TABLE " {\n"
		 "  chain through {\n"
		 "    type filter hook forward priority 0; policy accept;\n"
		 "%s%s"
		 "  }\n"
		 "}\n", loss, idle);
	return nft_agent_run(&c->router_nft, cmds, msg, len);
}

int mb_setup(struct ctx *c)
{
	char msg[200];
	int ret;

	if (!mb_on(c->sc))
		return 0;
	ret = router_insert(c->cell, &c->router, &c->out->err);
	if (ret) {
		c->out->rc = ret;
		return ret;
	}
	ret = nft_agent_start(&c->router_nft, c->router.ns, msg, sizeof(msg));
	if (ret == 0)
		ret = mb_rules(c, msg, sizeof(msg));
	if (ret) {
		fail(c, ret, "middlebox: %s", msg);
		return ret;
	}
	/* After the rules: their ct expression is what turns conntrack on here. */
	if (c->sc->mb.fault == FW_MB_IDLE || c->sc->mb.fault == FW_MB_IDLE_RESET)
		return mb_conntrack(c);
	return 0;
}

int mb_at_point(struct ctx *c)
{
	static const char *const match[] = {
		[FW_DIR_BOTH] = "",
		[FW_DIR_TO_SERVER] = "iifname \"" ROUTER_IFNAME_CLIENT "\" ",
		[FW_DIR_TO_CLIENT] = "iifname \"" ROUTER_IFNAME_SERVER "\" ",
	};
	char cmds[160], msg[200];
	int ret;

	if (c->sc->mb.fault != FW_MB_BLACKHOLE)
		return 0;
	snprintf(cmds, sizeof(cmds), "add rule ip " MB_TABLE " through %sdrop\n",
		 match[c->sc->mb.direction]);
	ret = nft_agent_run(&c->router_nft, cmds, msg, sizeof(msg));
	if (ret)
		fail(c, ret, "middlebox: %s", msg);
	return ret;
}

void mb_teardown(struct ctx *c)
{
	nft_agent_stop(&c->router_nft);
	router_close(&c->router);
}
