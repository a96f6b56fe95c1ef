#include "response.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int response_build(struct response *r, enum fw_mode mode, long body_len, bool closing)
{
	char head[160];
	int hl = 0;
	char *body;

	r->buf = NULL;
	r->len = 0;
	if (body_len < 1)
		return -EINVAL;
	if (mode == FW_MODE_HTTP)
		hl = snprintf(head, sizeof(head),
			      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			      "Content-Length: %ld\r\nConnection: %s\r\n\r\n",
			      body_len, closing ? "close" : "keep-alive");
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return -EINVAL;
	r->buf = malloc((size_t)hl + (size_t)body_len);
	if (!r->buf)
		return -ENOMEM;
	memcpy(r->buf, head, (size_t)hl);
	body = r->buf + hl;
	/* "ok\n" for 3 bytes; the only newline is the last byte, where a raw line ends. */
	memset(body, '.', (size_t)body_len);
	memcpy(body, "ok", body_len - 1 < 2 ? (size_t)(body_len - 1) : 2);
	body[body_len - 1] = '\n';
	r->len = (size_t)hl + (size_t)body_len;
	return 0;
}

void response_free(struct response *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
}
