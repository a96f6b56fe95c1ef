#include "scan.h"

#include <ctype.h>
#include <string.h>

int ep_req_scan(struct ep_req_scan *r, enum fw_mode mode, const char *buf, size_t n)
{
	int done = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (mode == FW_MODE_RAW) {
			done += ch == '\n';
			continue;
		}
		if (ch == '\n') {
			if (++r->blank == 2) {
				done++;
				r->blank = 0;
			}
		} else if (ch != '\r') {
			r->blank = 0;
		}
	}
	return done;
}

void ep_resp_scan_init(struct ep_resp_scan *r)
{
	memset(r, 0, sizeof(*r));
	r->clen = -1;
	r->cl_match = 1;
}

bool ep_resp_scan(struct ep_resp_scan *r, enum fw_mode mode, const char *buf, size_t n)
{
	static const char key[] = "content-length:";
	const size_t klen = sizeof(key) - 1;
	size_t i = 0;

	if (r->done)
		return true;
	if (mode == FW_MODE_RAW) {
		r->done = memchr(buf, '\n', n) != NULL;
		return r->done;
	}
	for (; i < n && !r->hdr_done; i++) {
		char ch = buf[i];

		if (ch == '\r')
			continue;
		if (ch == '\n') {
			if (r->line_len == 0) {
				r->hdr_done = 1;
				r->body_left = r->clen > 0 ? r->clen : 0;
			}
			r->line_len = 0;
			r->cl_match = 1;
			continue;
		}
		if (r->cl_match && r->line_len >= klen) {
			if (ch >= '0' && ch <= '9' && r->clen < 100000000)
				r->clen = (r->clen < 0 ? 0 : r->clen * 10) + (ch - '0');
			else if (ch != ' ' && ch != '\t')
				r->cl_match = 0; /* "Content-Length: 12x": stop reading digits */
		} else if (r->cl_match) {
			char lc = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;

			if (lc != key[r->line_len])
				r->cl_match = 0;
		}
		if (r->line_len < 255)
			r->line_len++;
	}
	if (!r->hdr_done)
		return false;
	r->body_left -= (int32_t)(n - i);
	r->done = r->body_left <= 0;
	return r->done;
}
