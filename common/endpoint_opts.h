/* endpoint_opts: the command lines of finwait-server and finwait-client. The options that
 * a scenario also sets (mode, close, close-after, the socket options; at, fault) are the
 * schema's rows with an endpoint option (common/schema.c): same names, same parsers,
 * same ranges, and finwait builds the endpoints' command lines from the same rows. The
 * other options (addresses, descriptors, counts) are the endpoints' own. Pure: parsing
 * only. */
#ifndef FINWAIT_ENDPOINT_OPTS_H
#define FINWAIT_ENDPOINT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "err.h"
#include "schema.h"
#include "scan.h"

#define EP_MAX_SOURCES 64
#define EP_MAX_CONNECTIONS 100000

struct server_opts {
	struct sockaddr_storage listen;
	socklen_t listen_len;
	struct fw_server_cfg cfg;	/* the schema's [server] keys; a socket option is
					 * set only when its presence bit is */
	int status_fd;         /* -1: none */
	int backlog;
	long max_conns;        /* connections to hold open at once; 0: what the limit allows */
	bool help;
	bool version;
};

struct client_opts {
	struct sockaddr_storage connect;
	socklen_t connect_len;
	struct sockaddr_storage sources[EP_MAX_SOURCES]; /* ports are 0 */
	int nsources;
	long connections;
	struct fw_client_cfg cfg;	/* the schema's [client] keys */
	int64_t timeout_ns;    /* give up when the point is not reached by then */
	double rate;           /* connections a second, open loop; 0: all at once */
	long detail_max;       /* per-connection lines when connections <= this */
	int status_fd;
	bool help;
	bool version;
};

/* Parses argv (argv[0] is the program) into o, from the defaults: listen 0.0.0.0:0, the
 * schema's defaults of the keys without a presence bit (raw, close, close-after 0), no
 * socket option, no status fd, backlog 4096, max_conns 0. Resets getopt. Returns 0 or
 * -EINVAL with err->msg. --help / --version set o->help / o->version. */
int server_opts_parse(int argc, char **argv, struct server_opts *o, struct fw_err *err);

/* Parses argv into o, from the defaults: 1 connection, raw, after-fin, fault none,
 * timeout 30s, detail 1000, no status fd. --connect is required (unless --help or
 * --version); every --source must be of the --connect address's family. Returns 0 or
 * -EINVAL with err->msg. */
int client_opts_parse(int argc, char **argv, struct client_opts *o, struct fw_err *err);

/* The --help texts, the schema's options included. */
void server_usage(FILE *f);
void client_usage(FILE *f);

/* Appends to argv (at *n, bounded by max) "--opt value" for every key of scope that has
 * an endpoint option and a value in base; the values' text goes into buf (len bytes).
 * This is how finwait writes the endpoints' command lines. Returns 0 or -E2BIG. */
int ep_schema_argv(enum fw_scope scope, const void *base, unsigned has, char **argv,
		   size_t *n, size_t max, char *buf, size_t len);

#endif
