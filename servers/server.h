/* server: finwait-server's state, shared by its files (not a public interface):
 *   server.c          the epoll loop: accept, read, respond, close in a style
 *   server_sockopts.c the per-connection socket options, set and read back
 *   workers.c         more processes on the same listener when one has too few
 *                     descriptors */
#ifndef FINWAIT_SERVER_H
#define FINWAIT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deadlines.h"
#include "endpoint_opts.h"
#include "response.h"
#include "status.h"
#include "workers.h"

#define PROG "finwait-server"
/* Descriptors kept for the listener, epoll, timerfd, signalfd, status pipe and stdio. */
#define FD_RESERVE 64

enum conn_state {
	CONN_FREE = 0,
	CONN_OPEN,     /* serving requests */
	CONN_SHUT,     /* shutdown(SHUT_WR) done; waiting for the peer's FIN */
	CONN_KEPT,     /* style none and the peer closed: fd kept, out of epoll */
};

/* ~32 bytes a connection, so 100 000 connections cost ~3.2 MB. */
struct conn {
	uint32_t id;       /* accept sequence number, from 1 */
	uint32_t nresp;    /* responses sent */
	int64_t deadline;  /* close-after deadline (CLOCK_MONOTONIC ns), 0: none */
	uint32_t wr_off;   /* bytes of the current response already written */
	uint16_t wr_left;  /* responses owed (the current one included) */
	uint8_t wr_wait;   /* waiting for EPOLLOUT */
	uint8_t state;
	struct ep_req_scan scan; /* where the next request ends */
	uint8_t peer_fin;  /* the peer's FIN was read */
};

struct server {
	struct server_opts o;
	struct response resp;  /* what every request is answered with */
	bool closing;      /* the server closes right after each response */
	struct conn *conns;
	size_t nconns;     /* slots: the soft RLIMIT_NOFILE */
	int lfd, ep, sfd;
	bool listener_paused;
	size_t open, room;  /* connections holding a descriptor; at most room */
	struct workers w;   /* the processes serving the listener (workers.h) */
	struct deadlines dl; /* close-after deadlines, on one timerfd */
	/* Effective options of the first connection, to spot a connection that differs. */
	bool have_ref;
	char ref_opts[STATUS_LINE_MAX];
};


/* An error line on the status pipe: [id=] op= errno= msg=. */
void server_error(struct server *s, uint32_t id, const char *op, int err, const char *msg);

/* server_sockopts.c: applies the options given for a new connection, reads every option
 * back and reports the effective values for the first connection (and any that
 * differs). */
void apply_sockopts(struct server *s, int fd, uint32_t id);

#endif
