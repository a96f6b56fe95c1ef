/* server_sockopts: the socket options of each connection finwait-server accepts (see
 * server.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"
#include "util.h"

/* The socket options are the schema's [server] rows with a setsockopt (common/schema.c):
 * adding one there adds it here. */
static bool is_sockopt(const struct fw_key *k)
{
	return k->scope == FW_SCOPE_SERVER && k->level;
}

/* Applies the options that were given; then reads every option back and reports the
 * effective values for the first connection and for any connection that differs. */
void apply_sockopts(struct server *s, int fd, uint32_t id)
{
	const struct fw_server_cfg *o = &s->o.cfg;
	struct status_line l;
	char set[128] = "";
	size_t setlen = 0;

	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];
		int v;

		if (!is_sockopt(k) || !(o->has & k->has))
			continue;
		v = fw_key_int(k, o);
		if (setsockopt(fd, k->level, k->optname, &v, sizeof(v)) < 0) {
			char op[48];

			snprintf(op, sizeof(op), "setsockopt:%s", k->name);
			server_error(s, id, op, errno, NULL);
		}
		setlen += (size_t)snprintf(set + setlen, sizeof(set) - setlen, "%s%s",
					   setlen ? "," : "", k->name);
	}
	if (o->close.kind == FW_CLOSE_LINGER0 || o->close.kind == FW_CLOSE_LINGER) {
		/* Set at accept so that a close forced by the peer's FIN lingers the same way,
		 * and so that the opts line shows what the kernel kept. */
		struct linger lg = { 1, o->close.linger_s };

		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
			server_error(s, id, "setsockopt:so_linger", errno, NULL);
	}

	status_begin(&l, STATUS_OPTS, mono_ns());
	status_add_long(&l, "id", id);
	status_add_long(&l, "pid", getpid());
	size_t body = l.len; /* the values start here: compared between connections */
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];
		socklen_t len = sizeof(int);
		int v = 0;

		if (!is_sockopt(k))
			continue;
		/* TCP_LINGER2 reads back the namespace's tcp_fin_timeout when 0, and -1 or
		 * 120 s when set beyond its range (do_tcp_setsockopt()). */
		if (getsockopt(fd, k->level, k->optname, &v, &len) < 0) {
			status_add(&l, k->name, "?");
			continue;
		}
		status_add_long(&l, k->name, v);
		if ((o->has & k->has) && v != fw_key_int(k, o)) {
			char n[48];

			snprintf(n, sizeof(n), "%s_asked", k->name);
			status_add_long(&l, n, fw_key_int(k, o));
		}
	}
	struct linger lg = { 0, 0 };
	socklen_t lglen = sizeof(lg);
	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &lglen) == 0) {
		if (lg.l_onoff)
			status_add_long(&l, "so_linger", lg.l_linger);
		else
			status_add(&l, "so_linger", "off");
	}
	status_add(&l, "set", setlen ? set : "none");
	if (l.overflow)
		return;
	if (!s->have_ref) {
		memcpy(s->ref_opts, l.buf + body, l.len - body + 1);
		s->have_ref = true;
	} else if (!strcmp(s->ref_opts, l.buf + body)) {
		return; /* same as the first connection: nothing new to say */
	}
	status_write(s->o.status_fd, &l);
}

