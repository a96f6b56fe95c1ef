/* The built-in default scenarios: the seed's story in two matrices. */
#include "scenario.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

const char *const scenario_builtin_text[] = {
	"; The seed's story, part 1: the server closes first and the client freezes, crashes\n"
	"; or vanishes before its own close. A frozen client's kernel still ACKs the FIN, so\n"
	"; the orphaned socket sits in FIN_WAIT2 for tcp_fin_timeout; a vanished one had ACKed\n"
	"; it already; a crashed client's kernel sends its own FIN at once.\n"
	"[scenario]\n"
	"name = orphan-close\n"
	"description = close() first; client freezes, crashes or vanishes: FIN_WAIT2 for tcp_fin_timeout or not at all\n"
	"connections = 4\n"
	"limit = 5s\n"
	"interval = 1ms\n"
	"[server]\n"
	"close = close\n"
	"[client]\n"
	"at = after-fin\n"
	"[matrix]\n"
	"sysctl.net.ipv4.tcp_fin_timeout = 1, 2\n"
	"client.fault = freeze, crash, vanish\n"
	"[expect]\n"
	"fin_wait2 = model\n",

	"; Part 2: the server half-closes and keeps its descriptor, so no FIN_WAIT2 timer\n"
	"; runs; only keepalive can end it. A vanished client host is reaped after idle +\n"
	"; cnt x intvl; a frozen client's kernel ACKs every probe: forever.\n"
	"[scenario]\n"
	"name = shutdown-keepalive\n"
	"description = shutdown() + SO_KEEPALIVE: vanished client reaped after idle + cnt x intvl, frozen one never\n"
	"connections = 4\n"
	"limit = 5s\n"
	"interval = 1ms\n"
	"[server]\n"
	"close = shutdown\n"
	"keepalive = on\n"
	"keepidle = 1s\n"
	"keepintvl = 1s\n"
	"keepcnt = 2\n"
	"[client]\n"
	"at = after-fin\n"
	"[matrix]\n"
	"client.fault = vanish, freeze\n"
	"[expect]\n"
	"fin_wait2 = model\n",
	NULL,
};

int scenario_builtin(struct scenario ***list, size_t *n, struct fw_err *err)
{
	static const char *const names[] = { "orphan-close", "shutdown-keepalive" };
	struct scenario **l;
	size_t i;
	int r = 0;

	*list = NULL;
	*n = 0;
	l = calloc(ARRAY_SIZE(names), sizeof(*l));
	if (!l)
		return fw_err_set(err, -ENOMEM, "<builtin>", 0, "out of memory");
	for (i = 0; i < ARRAY_SIZE(names) && scenario_builtin_text[i]; i++) {
		r = scenario_load_string(names[i], scenario_builtin_text[i], NULL, &l[i], err);
		if (r)
			break;
	}
	if (r) {
		scenario_free_cells(l, i);
		return r;
	}
	*list = l;
	*n = i;
	return 0;
}
