/* evpipe: a child's status pipe, read line by line without blocking (see evpipe.h). */
#include "evpipe.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void evpipe_init(struct evpipe *p)
{
	p->fd = -1;
	p->eof = true;
	p->len = 0;
	p->t_open = p->t_read = 0;
}

int evpipe_open(struct evpipe *p, int *child_end)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	/* The child's end must block: it writes whole lines and may outpace us. */
	if (fcntl(fds[1], F_SETFL, 0) < 0) {
		int e = -errno;

		close(fds[0]);
		close(fds[1]);
		return e;
	}
	p->fd = fds[0];
	p->eof = false;
	p->len = 0;
	p->t_open = p->t_read = mono_ns();
	*child_end = fds[1];
	return 0;
}

void evpipe_fill(struct evpipe *p)
{
	while (!p->eof && p->len < sizeof(p->buf)) {
		ssize_t r = read(p->fd, p->buf + p->len, sizeof(p->buf) - p->len);

		if (r > 0) {
			p->len += (size_t)r;
			p->t_read = mono_ns();
		} else if (r == 0) {
			p->eof = true;
		} else if (errno == EINTR) {
			continue;
		} else {
			if (errno != EAGAIN)
				p->eof = true;
			break;
		}
	}
}

int evpipe_next(struct evpipe *p, struct status_event *ev)
{
	for (;;) {
		char *nl = memchr(p->buf, '\n', p->len);
		size_t n;
		int r;

		if (!nl) {
			if (p->len == sizeof(p->buf))
				p->len = 0; /* a line longer than the protocol allows: drop it */
			return 0;
		}
		*nl = '\0';
		n = (size_t)(nl - p->buf) + 1;
		r = status_parse(p->buf, ev);
		memmove(p->buf, p->buf + n, p->len - n);
		p->len -= n;
		if (!r) {
			ev->t = evpipe_clamp(p, ev->t);
			return 1;
		}
	}
}

int64_t evpipe_clamp(const struct evpipe *p, int64_t t)
{
	return t < p->t_open ? p->t_open : t > p->t_read ? p->t_read : t;
}

void evpipe_close(struct evpipe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	evpipe_init(p);
}
