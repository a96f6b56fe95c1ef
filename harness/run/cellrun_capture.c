/* cellrun_capture: a cell's packet capture (capture.h), started once the server listens
 * and before any client connects, stopped after the last sample; with --pcap DIR it also
 * writes DIR/CELL.pcap, CELL being the cell's name with every character other than
 * letters, digits, '.', '-' and '_' made '_'. */
#include <limits.h>
#include <string.h>

#include "capture.h"
#include "cellrun_priv.h"

void cell_pcap_name(const char *cell, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *p = cell; *p && n + sizeof(".pcap") < len; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_';

		buf[n] = ok && !(n == 0 && *p == '.') ? *p : '_';
		n++;
	}
	snprintf(buf + n, len - n, ".pcap");
}

int cell_capture_start(struct ctx *c)
{
	struct capture_conf conf = { cell_netns(c->cell, CELL_SERVER), LAB_IFNAME_SERVER,
				     (uint16_t)c->port, NULL };
	char name[256], err[256];
	int ret;

	if (c->env->no_capture)
		return 0;
	if (c->env->pcap_dir) {
		cell_pcap_name(c->sc->name, name, sizeof(name));
		snprintf(c->out->pcap_file, sizeof(c->out->pcap_file), "%s/%s",
			 c->env->pcap_dir, name);
		conf.pcap_path = c->out->pcap_file;
	}
	ret = capture_start(&conf, &c->out->capture, err, sizeof(err));
	if (ret)
		fail(c, ret, "packet capture: %s", err);
	return ret;
}

/* A wall-clock step during the cell beyond this: the packets' times are not comparable
 * with the samples'. */
#define CAPTURE_DRIFT_MAX_NS (1 * NSEC_PER_MSEC)

void cell_capture_stop(struct ctx *c)
{
	struct capture_stats st;
	int ret;

	if (!c->out->capture)
		return;
	if ((ret = capture_stop(c->out->capture))) {
		fail(c, ret, "packet capture: %s", strerror(-ret));
		return;
	}
	capture_get_stats(c->out->capture, &st);
	if (!st.kernel_dropped && st.drift_ns <= CAPTURE_DRIFT_MAX_NS &&
	    st.drift_ns >= -CAPTURE_DRIFT_MAX_NS)
		c->out->packets = capture_store(c->out->capture);
}
