/* scan: where a request or a response ends, found in a stream as bytes arrive, without
 * buffering; used by finwait-server (requests) and finwait-client (responses). Pure. */
#ifndef FINWAIT_SCAN_H
#define FINWAIT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vocab.h"

/* Where a request ends, fed as bytes arrive (no buffering): raw requests end at '\n',
 * HTTP requests at the blank line after the headers ("\r\n\r\n" or "\n\n"). Zero it
 * to start. */
struct ep_req_scan {
	uint8_t blank; /* line ends seen with nothing between them */
};

/* Feeds n bytes; returns how many requests they completed. */
int ep_req_scan(struct ep_req_scan *r, enum fw_mode mode, const char *buf, size_t n);

/* Where a response ends, fed as bytes arrive: raw, at the first '\n'; HTTP, after the
 * headers and Content-Length bytes of body (no Content-Length, e.g. chunked: at the end
 * of the headers). 12 bytes; start it with ep_resp_scan_init. */
struct ep_resp_scan {
	int32_t clen;      /* Content-Length, -1 while none was seen */
	int32_t body_left;
	uint8_t hdr_done;
	uint8_t line_len;  /* bytes of the current header line, saturating at 255 */
	uint8_t cl_match;  /* the current line still matches "content-length:" */
	uint8_t done;
};

void ep_resp_scan_init(struct ep_resp_scan *r);

/* Feeds n bytes; returns true once the whole response has been seen (and stays true). */
bool ep_resp_scan(struct ep_resp_scan *r, enum fw_mode mode, const char *buf, size_t n);

#endif
