/* sysctl: reading and writing /proc/sys keys inside a network namespace, and the pure
 * classifier that refuses keys that are not per network namespace. /proc/sys/net shows
 * the tables of the reading thread's namespace (net_ctl_header_lookup() uses
 * current->nsproxy), so a key is written by entering the namespace on the calling
 * thread. Keys are dotted ("net.ipv4.tcp_fin_timeout") or slashed
 * ("net/ipv4/tcp_fin_timeout"; components may then contain dots, as interface names do). */
#ifndef FINWAIT_SYSCTL_H
#define FINWAIT_SYSCTL_H

#include <stddef.h>

#include "err.h"

#define SYSCTL_KEY_MAX 256
#define SYSCTL_VALUE_MAX 256

/* Classifies key for writing inside a lab namespace: 0 when it is per network
 * namespace, -EPERM when writing it in any namespace would change the whole machine
 * (kernel.*, vm.*, fs.*, non-namespaced net.core.*, net.ipv4.tcp_max_orphans, ...),
 * -EINVAL when it is malformed (empty, empty or "."/".." component, odd characters,
 * too long). Pure. */
int sysctl_key_check(const char *key);

/* Writes the /proc/sys path of key into buf ("/proc/sys/net/ipv4/tcp_fin_timeout").
 * Returns 0, -EINVAL (malformed) or -ENAMETOOLONG. Pure. */
int sysctl_key_path(const char *key, char *buf, size_t len);

/* Reads key in the calling thread's namespace into buf, without the trailing newline.
 * Returns 0 or -errno (-ENOENT: no such key here, -EOVERFLOW: buf too small). */
int sysctl_read(const char *key, char *buf, size_t len);

/* Writes value to key in the calling thread's namespace, with no classification.
 * Returns 0 or -errno (as the kernel's handler says: -EINVAL for a bad value). */
int sysctl_write(const char *key, const char *value);

/* Reads key inside the namespace ns_fd (-1: the calling thread's). Returns as
 * sysctl_read(). The calling thread ends in the namespace it started in. */
int sysctl_ns_read(int ns_fd, const char *key, char *buf, size_t len);

/* Whether key could be written inside the namespace ns_fd: opens it for writing and
 * closes it without writing. Returns 0, -ENOENT (no such key there), -EACCES (read-only
 * there) or -errno. The calling thread ends in the namespace it started in. */
int sysctl_ns_writable(int ns_fd, const char *key);

/* Writes value to key inside the namespace ns_fd after sysctl_key_check(). When
 * host_fd >= 0, reads the key in host_fd before and after, and if the host's value moved
 * puts it back and returns -EIO: the caller must abort the run. Returns 0 or -errno;
 * err (may be NULL) then says what failed (no file: the message names the key). */
int sysctl_ns_write(int ns_fd, int host_fd, const char *key, const char *value,
		    struct fw_err *err);

#endif
