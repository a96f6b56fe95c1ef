/* response: the bytes finwait-server answers every request with, built once. Raw mode: a
 * line of server.response_size bytes ("ok\n" by default, longer ones padded with '.'
 * before the newline); http mode: a 200 whose Content-Length body is that line. The
 * client's scanner (common/scan.c) finds the end of either. Pure. */
#ifndef FINWAIT_RESPONSE_H
#define FINWAIT_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "vocab.h"

struct response {
	char *buf;
	size_t len;
};

/* Builds the response for mode with a body of body_len bytes (>= 1); closing: the server
 * closes right after it (http: "Connection: close", else keep-alive). Returns 0 or
 * -ENOMEM / -EINVAL. */
int response_build(struct response *r, enum fw_mode mode, long body_len, bool closing);

void response_free(struct response *r);

#endif
