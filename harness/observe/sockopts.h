/* sockopts: the real socket options of a socket another process holds. The socket is
 * copied into this process with pidfd_open(2) and pidfd_getfd(2) (ptrace access to the
 * holder is needed: root, or the holder's parent under Yama's default), read with
 * getsockopt, and the copy closed. The options read are the schema's [server] rows that
 * name a socket option (fw_keys[] of scope FW_SCOPE_SERVER with a level: adding a row
 * there adds it here), plus SO_LINGER. Owns nothing between calls; prints nothing.
 * Returns 0 or -errno: -ESRCH (the process is gone), -EPERM (not permitted), -EBADF or
 * -ENOENT (no such descriptor or socket any more), -ENOTSOCK. */
#ifndef FINWAIT_SOCKOPTS_H
#define FINWAIT_SOCKOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "schema.h"

/* The presence bits whose value is the effective one, what the kernel will use, not
 * necessarily what the socket set itself (do_tcp_getsockopt(), sk_getsockopt()):
 *   keepidle_s, keepintvl_s, keepcnt: the namespace's tcp_keepalive_time / intvl /
 *     probes while the socket sets none (docs/KERNEL.md, rules 8-11);
 *   linger2_s: the namespace's tcp_fin_timeout while the socket's own TCP_LINGER2 is 0
 *     (so "unset" and "set to 0" read the same); -1 for no FIN_WAIT2; whole seconds
 *     (rule 4);
 *   sndbuf: the buffer the kernel keeps, twice what was asked, or the tcp_wmem default
 *     when unset (growing with autotuning).
 * The others are the socket's own: keepalive (SO_KEEPALIVE), user_timeout_ms (0: none),
 * and SO_LINGER. */
#define SOCKOPTS_EFFECTIVE (FW_HAS_KEEPIDLE | FW_HAS_KEEPINTVL | FW_HAS_KEEPCNT | \
			    FW_HAS_LINGER2 | FW_HAS_SNDBUF)

struct sockopts {
	/* Only the socket-option fields are filled; cfg.has has the FW_HAS_* bit of each
	 * one that was read. The rest of cfg is zero. */
	struct fw_server_cfg cfg;
	bool has_linger;	/* SO_LINGER was read */
	bool linger_on;		/* l_onoff */
	int linger_s;		/* l_linger, seconds (0 with linger_on: close() resets) */
};

/* Reads the options of socket fd, a descriptor of this process. Returns 0 (even when
 * some option could not be read: its bit stays clear), or -ENOTSOCK / -EBADF when fd is
 * no TCP socket at all. */
int sockopts_read_fd(int fd, struct sockopts *o);

/* Reads the options of the socket that process pid holds as descriptor target_fd. */
int sockopts_read(int pid, int target_fd, struct sockopts *o);

/* Reads the options of the socket with this inode (sock_diag's idiag_inode) that process
 * pid holds; its descriptor is found through /proc/PID/fd (owner_fd_of()), and the copy
 * is checked to be that socket (-ENOENT when the descriptor was reused meanwhile). */
int sockopts_read_inode(int pid, uint64_t inode, struct sockopts *o);

/* The same options with the same values (presence bits included). */
bool sockopts_equal(const struct sockopts *a, const struct sockopts *b);

/* The value of the option of row k (a socket-option row) as an int, and whether it was
 * read. */
bool sockopts_get(const struct sockopts *o, const struct fw_key *k, int *v);

/* Sets the option of row k to v and its presence bit; false when k is no socket-option
 * row (or of a type none has). For values read elsewhere, such as a server's report of
 * its own getsockopt. */
bool sockopts_set(struct sockopts *o, const struct fw_key *k, int v);

/* true for the schema rows that sockopts reads: scope FW_SCOPE_SERVER with a level. */
bool sockopts_row(const struct fw_key *k);

#endif
