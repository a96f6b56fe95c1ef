/* capture: the packet witness of one cell. A thread enters the cell's server namespace
 * (setns), opens its link with libpcap (pcap_create + pcap_activate: immediate mode, a
 * 128-byte snaplen, nanosecond timestamps, a BPF filter on the server's TCP port), and
 * until it is stopped hands each frame to a capstore (classified, kept per connection)
 * and, when asked, to a pcap file that tcpdump and Wireshark read. No tcpdump process.
 *
 * Clocks: libpcap stamps frames with CLOCK_REALTIME (the kernel's skb timestamp); the run
 * measures with CLOCK_MONOTONIC. capture_start() measures REALTIME - MONOTONIC (the
 * tightest of several back-to-back readings, within ~1 us) and every stored time is the
 * frame's stamp minus that offset; capture_stop() measures it again, and `drift` says by
 * how much it moved (a step of the wall clock during the cell: the packets are then not
 * judged). The pcap file keeps the kernel's REALTIME stamps. */
#ifndef FINWAIT_CAPTURE_H
#define FINWAIT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "capstore.h"

struct capture_conf {
	int netns_fd;		/* the namespace whose link is captured */
	const char *ifname;	/* its link ("fw-srv") */
	uint16_t port;		/* the server's port */
	const char *pcap_path;	/* NULL: no file */
};

struct capture_stats {
	uint64_t frames;	/* frames read from libpcap */
	uint64_t kernel_dropped;	/* pcap_stats(): ps_drop + ps_ifdrop */
	int64_t offset_ns;	/* REALTIME - MONOTONIC at the start */
	int64_t drift_ns;	/* how much that moved by the stop */
};

struct capture;

/* Starts the capture thread and waits until it captures. Returns 0 and *out (stop with
 * capture_stop, free with capture_free), or -errno with err (len bytes) saying why. */
int capture_start(const struct capture_conf *conf, struct capture **out, char *err,
		  size_t len);

/* Reads what is left in the capture buffer, stops the thread, closes the file. Returns
 * the thread's first error (-ENOMEM, -EIO) or 0. Idempotent. */
int capture_stop(struct capture *c);

/* After capture_stop(): the segments, per connection; and the counts. */
const struct capstore *capture_store(const struct capture *c);
void capture_get_stats(const struct capture *c, struct capture_stats *st);

/* Stops (if needed) and frees. Accepts NULL. */
void capture_free(struct capture *c);

#endif
