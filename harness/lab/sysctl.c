/* sysctl: see sysctl.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "sysctl.h"
#include "util.h"

#define PROC_SYS "/proc/sys/"

/* net.ipv4 keys that live in the init-only table (ipv4_table in
 * net/ipv4/sysctl_net_ipv4.c, registered for &init_net) or are shared with init_net and
 * read-only elsewhere (tcp_allowed_congestion_control). Checked against Linux 6.18:
 * these are the keys missing (or read-only) in /proc/sys/net/ipv4 of a new namespace. */
static const char *const global_keys[] = {
	"net/ipv4/cipso_cache_bucket_size",
	"net/ipv4/cipso_cache_enable",
	"net/ipv4/cipso_rbm_optfmt",
	"net/ipv4/cipso_rbm_strictvalid",
	"net/ipv4/fib_sync_mem",
	"net/ipv4/inet_peer_maxttl",
	"net/ipv4/inet_peer_minttl",
	"net/ipv4/inet_peer_threshold",
	"net/ipv4/ipfrag_secret_interval",
	"net/ipv4/tcp_allowed_congestion_control",
	"net/ipv4/tcp_available_ulp",
	"net/ipv4/tcp_low_latency",
	"net/ipv4/tcp_max_orphans",
	"net/ipv4/tcp_mem",
	"net/ipv4/udp_mem",
	/* ipv4_route_table (net/ipv4/route.c), init_net only; flush, min_pmtu, mtu_expires
	 * and min_adv_mss are in ipv4_route_netns_table and per namespace. */
	"net/ipv4/route/error_burst",
	"net/ipv4/route/error_cost",
	"net/ipv4/route/gc_elasticity",
	"net/ipv4/route/gc_interval",
	"net/ipv4/route/gc_min_interval",
	"net/ipv4/route/gc_min_interval_ms",
	"net/ipv4/route/gc_thresh",
	"net/ipv4/route/gc_timeout",
	"net/ipv4/route/max_size",
	"net/ipv4/route/redirect_load",
	"net/ipv4/route/redirect_number",
	"net/ipv4/route/redirect_silence",
	/* ipv6_table (net/ipv6/sysctl_net_ipv6.c) and calipso, init_net only. */
	"net/ipv6/calipso_cache_bucket_size",
	"net/ipv6/calipso_cache_enable",
	"net/ipv6/ip6frag_secret_interval",
	"net/ipv6/mld_max_msf",
	"net/ipv6/mld_qrv",
};

/* net.core keys of netns_core_table (net/core/sysctl_net_core.c) that a new namespace
 * may write; everything else in net.core is global (net_core_table) or, like
 * rmem_max/wmem_max, shared with init_net and read-only elsewhere. Plus the xfrm keys
 * (net/xfrm/xfrm_sysctl.c), which are per namespace. */
static const char *const core_ns_keys[] = {
	"net/core/optmem_max",
	"net/core/rps_default_mask",
	"net/core/somaxconn",
	"net/core/tstamp_allow_data",
	"net/core/txrehash",
	"net/core/xfrm_acq_expires",
	"net/core/xfrm_aevent_etime",
	"net/core/xfrm_aevent_rseqth",
	"net/core/xfrm_larval_drop",
};

static bool key_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '@' ||
	       c == ':' || c == '+';
}

/* Turns key into "net/ipv4/x" form in out. Returns 0, -EINVAL or -ENAMETOOLONG. */
static int key_canon(const char *key, char *out, size_t len)
{
	char sep;
	size_t n, i, comp = 0;

	if (!key || !*key)
		return -EINVAL;
	n = strlen(key);
	if (n >= SYSCTL_KEY_MAX)
		return -ENAMETOOLONG;
	if (n >= len)
		return -ENAMETOOLONG;
	sep = strchr(key, '/') ? '/' : '.';
	for (i = 0; i <= n; i++) {
		char c = key[i];

		if (c == sep || c == '\0') {
			/* Component key[comp..i): not empty, not "." or "..". */
			size_t clen = i - comp;

			if (clen == 0 || (clen == 1 && key[comp] == '.') ||
			    (clen == 2 && key[comp] == '.' && key[comp + 1] == '.'))
				return -EINVAL;
			out[i] = c == '\0' ? '\0' : '/';
			comp = i + 1;
			continue;
		}
		if (!key_char_ok(c) && c != '/')
			return -EINVAL;
		out[i] = c;
	}
	return 0;
}

static bool in_list(const char *k, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(k, list[i]) == 0)
			return true;
	return false;
}

int sysctl_key_check(const char *key)
{
	char k[SYSCTL_KEY_MAX];
	int ret = key_canon(key, k, sizeof(k));

	if (ret == -ENAMETOOLONG)
		return -EINVAL;
	if (ret < 0)
		return ret;
	if (str_startswith(k, "net/ipv4/") || str_startswith(k, "net/ipv6/"))
		return in_list(k, global_keys, ARRAY_SIZE(global_keys)) ? -EPERM : 0;
	if (str_startswith(k, "net/core/"))
		return in_list(k, core_ns_keys, ARRAY_SIZE(core_ns_keys)) ? 0 : -EPERM;
	/* net.unix.max_dgram_qlen and net.mptcp.* are registered per namespace only. */
	if (str_startswith(k, "net/unix/") || str_startswith(k, "net/mptcp/"))
		return 0;
	/* conntrack's TCP settings live in each namespace's nf_tcp_net
	 * (nf_conntrack_standalone.c), unlike nf_conntrack_max and the hash's size. */
	if (str_startswith(k, "net/netfilter/nf_conntrack_tcp_"))
		return 0;
	return -EPERM;
}

int sysctl_key_path(const char *key, char *buf, size_t len)
{
	char k[SYSCTL_KEY_MAX];
	int ret = key_canon(key, k, sizeof(k));

	if (ret < 0)
		return ret;
	if ((size_t)snprintf(buf, len, PROC_SYS "%s", k) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int sysctl_read(const char *key, char *buf, size_t len)
{
	char path[sizeof(PROC_SYS) + SYSCTL_KEY_MAX];
	ssize_t n;
	int fd = -1, ret;

	if (!buf || len == 0)
		return -EINVAL;
	ret = sysctl_key_path(key, path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if ((size_t)n == len) {
		/* Maybe more: refuse rather than truncate a value we compare later. */
		ret = -EOVERFLOW;
		goto out;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	ret = 0;
out:
	close(fd);
	return ret;
}

int sysctl_write(const char *key, const char *value)
{
	char path[sizeof(PROC_SYS) + SYSCTL_KEY_MAX];
	size_t n;
	int fd = -1, ret;

	if (!value)
		return -EINVAL;
	ret = sysctl_key_path(key, path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = strlen(value);
	/* proc_dointvec() and friends take the whole value in one write. */
	if (write(fd, value, n) != (ssize_t)n) {
		ret = errno ? -errno : -EIO;
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

int sysctl_ns_writable(int ns_fd, const char *key)
{
	char path[sizeof(PROC_SYS) + SYSCTL_KEY_MAX];
	int saved = -1, fd, ret;

	ret = sysctl_key_path(key, path, sizeof(path));
	if (ret < 0)
		return ret;
	ret = netns_enter(ns_fd, &saved);
	if (ret < 0)
		return ret;
	/* proc_sys_open() checks the permission; nothing is written. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ret = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	netns_leave(saved);
	return ret;
}

int sysctl_ns_read(int ns_fd, const char *key, char *buf, size_t len)
{
	int saved = -1, ret;

	if (ns_fd >= 0) {
		ret = netns_enter(ns_fd, &saved);
		if (ret < 0)
			return ret;
	}
	ret = sysctl_read(key, buf, len);
	if (saved >= 0) {
		int r = netns_leave(saved);

		if (ret == 0)
			ret = r;
	}
	return ret;
}

static int ns_write(int ns_fd, const char *key, const char *value)
{
	int saved = -1, ret, r;

	ret = netns_enter(ns_fd, &saved);
	if (ret < 0)
		return ret;
	ret = sysctl_write(key, value);
	r = netns_leave(saved);
	return ret < 0 ? ret : r;
}

int sysctl_ns_write(int ns_fd, int host_fd, const char *key, const char *value,
		    struct fw_err *err)
{
	char before[SYSCTL_VALUE_MAX], after[SYSCTL_VALUE_MAX];
	bool check = false;
	int ret;

	ret = sysctl_key_check(key);
	if (ret == -EINVAL)
		return fw_err_set(err, ret, NULL, 0, "bad sysctl key '%s'", key ? key : "(null)");
	if (ret == -EPERM)
		return fw_err_set(err, ret, NULL, 0, "sysctl %s is not per network namespace: "
				  "finwait would change the whole machine, so it refuses", key);
	if (ns_fd < 0)
		return fw_err_set(err, -EBADF, NULL, 0, "sysctl %s: no namespace given", key);
	if (host_fd >= 0) {
		ret = sysctl_ns_read(host_fd, key, before, sizeof(before));
		if (ret == 0)
			check = true;
		else if (ret != -ENOENT) /* a key the host lacks (a lab interface's conf) */
			return fw_err_set(err, ret, NULL, 0, "sysctl %s: cannot read the host's "
					  "value: %s", key, strerror(-ret));
	}
	ret = ns_write(ns_fd, key, value);
	if (ret < 0)
		return fw_err_set(err, ret, NULL, 0, "sysctl %s = %s: %s", key, value,
				  strerror(-ret));
	if (!check)
		return 0;
	ret = sysctl_ns_read(host_fd, key, after, sizeof(after));
	if (ret < 0)
		return fw_err_set(err, ret, NULL, 0, "sysctl %s: cannot read the host's value "
				  "back: %s", key, strerror(-ret));
	if (strcmp(before, after) != 0) {
		/* Put it back (best effort) and stop the run: the key is not what the
		 * classifier believed on this kernel. */
		int saved = -1;

		if (netns_enter(host_fd, &saved) == 0) {
			sysctl_write(key, before);
			netns_leave(saved);
		}
		return fw_err_set(err, -EIO, NULL, 0, "sysctl %s: writing it in a lab namespace "
				  "moved the host's value from '%s' to '%s' (restored); it is not "
				  "per namespace here", key, before, after);
	}
	return 0;
}
