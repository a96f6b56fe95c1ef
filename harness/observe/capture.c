/* capture: a libpcap thread inside the cell's server namespace (see capture.h). */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Ethernet + IPv6 + a TCP header with every option: 14 + 40 + 60 = 114 bytes. */
#define CAP_SNAPLEN 128
/* A burst of 100 000 connections' handshakes must fit while the thread catches up. */
#define CAP_BUFFER (8 << 20)

struct capture {
	struct capture_conf conf;
	char *path;
	pthread_t thread;
	bool thread_running;
	atomic_bool stop;
	int wake;			/* eventfd: stop now */
	pthread_mutex_t lock;		/* the start handshake */
	pthread_cond_t cond;
	bool ready;
	int start_ret;
	char err[256];
	pcap_t *pcap;
	pcap_dumper_t *dump;
	struct capstore store;
	struct capture_stats st;
	int error;			/* first error of the thread */
};

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* REALTIME - MONOTONIC, from the tightest of 8 readings MONOTONIC, REALTIME, MONOTONIC. */
static int64_t clock_offset(void)
{
	int64_t best = INT64_MAX, off = 0;

	for (int i = 0; i < 8; i++) {
		int64_t m1 = mono_ns(), r = real_ns(), m2 = mono_ns();

		if (m2 - m1 < best) {
			best = m2 - m1;
			off = r - (m1 + (m2 - m1) / 2);
		}
	}
	return off;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	/* With PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds. */
	int64_t t = (int64_t)h->ts.tv_sec * NSEC_PER_SEC + h->ts.tv_usec - c->st.offset_ns;
	int ret;

	c->st.frames++;
	if (c->dump)
		pcap_dump((u_char *)c->dump, h, bytes);
	ret = capstore_add_frame(&c->store, bytes, h->caplen, t);
	if (ret && !c->error)
		c->error = ret;
}

/* Reads every frame the buffer holds now. Returns 0 or -EIO. */
static int drain(struct capture *c)
{
	int n;

	while ((n = pcap_dispatch(c->pcap, -1, on_frame, (u_char *)c)) > 0)
		;
	if (n == PCAP_ERROR) {
		snprintf(c->err, sizeof(c->err), "pcap: %s", pcap_geterr(c->pcap));
		return -EIO;
	}
	return 0;
}

/* Sets the handle's options and activates it; a message into c->err on failure. */
static int activate(struct capture *c)
{
	struct bpf_program prog;
	char filter[32];
	int r;

	if (pcap_set_snaplen(c->pcap, CAP_SNAPLEN) || pcap_set_immediate_mode(c->pcap, 1) ||
	    pcap_set_buffer_size(c->pcap, CAP_BUFFER) ||
	    pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO))
		goto pcap_err;
	r = pcap_activate(c->pcap);
	if (r < 0) {
		snprintf(c->err, sizeof(c->err), "cannot capture on %s: %s", c->conf.ifname,
			 r == PCAP_ERROR ? pcap_geterr(c->pcap) : pcap_statustostr(r));
		return r == PCAP_ERROR_PERM_DENIED ? -EPERM : -EIO;
	}
	if (pcap_datalink(c->pcap) != DLT_EN10MB) {
		snprintf(c->err, sizeof(c->err), "%s is not an Ethernet link", c->conf.ifname);
		return -EINVAL;
	}
	snprintf(filter, sizeof(filter), "tcp port %u", (unsigned)c->conf.port);
	if (pcap_compile(c->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN))
		goto pcap_err;
	r = pcap_setfilter(c->pcap, &prog);
	pcap_freecode(&prog);
	if (r || pcap_setnonblock(c->pcap, 1, c->err))
		goto pcap_err;
	return 0;
pcap_err:
	snprintf(c->err, sizeof(c->err), "pcap: %s", pcap_geterr(c->pcap));
	return -EIO;
}

/* On the capture thread: enters the namespace, opens the link and the file. */
static int open_capture(struct capture *c)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	int ret;

	if (setns(c->conf.netns_fd, CLONE_NEWNET) < 0) {
		ret = -errno;
		snprintf(c->err, sizeof(c->err), "setns: %s", strerror(-ret));
		return ret;
	}
	if (!(c->pcap = pcap_create(c->conf.ifname, ebuf))) {
		snprintf(c->err, sizeof(c->err), "pcap: %s", ebuf);
		return -EIO;
	}
	if ((ret = activate(c)))
		return ret;
	if (c->path && !(c->dump = pcap_dump_open(c->pcap, c->path))) {
		snprintf(c->err, sizeof(c->err), "cannot write %s: %s", c->path,
			 pcap_geterr(c->pcap));
		return -EIO;
	}
	c->st.offset_ns = clock_offset();
	return 0;
}

static void *capture_main(void *arg)
{
	struct capture *c = arg;
	int ret = open_capture(c);

	pthread_mutex_lock(&c->lock);
	c->ready = true;
	c->start_ret = ret;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (ret)
		return NULL;
	while (!atomic_load(&c->stop) && !c->error) {
		struct pollfd p[2] = { { pcap_get_selectable_fd(c->pcap), POLLIN, 0 },
				       { c->wake, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if ((ret = drain(c)))
			c->error = ret;
	}
	/* What reached the packet socket before the stop is still in its buffer. */
	if (!c->error && (ret = drain(c)))
		c->error = ret;
	return NULL;
}

int capture_start(const struct capture_conf *conf, struct capture **out, char *err,
		  size_t len)
{
	struct capture *c = calloc(1, sizeof(*c));
	int ret = -ENOMEM;

	*out = NULL;
	if (!c)
		goto fail;
	c->conf = *conf;
	c->wake = -1;
	atomic_init(&c->stop, false);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if ((conf->pcap_path && !(c->path = strdup(conf->pcap_path))) ||
	    (ret = capstore_init(&c->store, conf->port)))
		goto fail;
	if ((c->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		ret = -errno;
		goto fail;
	}
	if ((ret = -pthread_create(&c->thread, NULL, capture_main, c)))
		goto fail;
	c->thread_running = true;
	pthread_mutex_lock(&c->lock);
	while (!c->ready)
		pthread_cond_wait(&c->cond, &c->lock);
	ret = c->start_ret;
	pthread_mutex_unlock(&c->lock);
	if (ret)
		goto fail;
	*out = c;
	return 0;
fail:
	snprintf(err, len, "%s", c && c->err[0] ? c->err : strerror(-ret));
	capture_free(c);
	return ret;
}

int capture_stop(struct capture *c)
{
	if (c->thread_running) {
		uint64_t one = 1;

		atomic_store(&c->stop, true);
		if (write(c->wake, &one, sizeof(one)) < 0)
			c->error = c->error ? c->error : -errno;
		pthread_join(c->thread, NULL);
		c->thread_running = false;
		c->st.drift_ns = clock_offset() - c->st.offset_ns;
	}
	if (c->pcap) {
		struct pcap_stat ps;

		if (!pcap_stats(c->pcap, &ps))
			c->st.kernel_dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	}
	if (c->dump) {
		if (pcap_dump_flush(c->dump) && !c->error)
			c->error = -EIO;
		pcap_dump_close(c->dump);
		c->dump = NULL;
	}
	if (c->pcap) {
		pcap_close(c->pcap);
		c->pcap = NULL;
	}
	return c->error;
}

const struct capstore *capture_store(const struct capture *c)
{
	return &c->store;
}

void capture_get_stats(const struct capture *c, struct capture_stats *st)
{
	*st = c->st;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	capture_stop(c);
	if (c->wake >= 0)
		close(c->wake);
	capstore_clear(&c->store);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c->path);
	free(c);
}
