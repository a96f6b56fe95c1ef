/* owner: which process holds a socket, found as `ss -p` finds it (docs/KERNEL.md, What
 * sock_diag shows: idiag_inode is not 0 while an application holds the socket). A walk
 * selects the processes whose /proc/PID/ns/net is the namespace asked for, then reads
 * every /proc/PID/fd/N link: "socket:[INODE]". One walk maps every socket of those
 * processes at once; a lookup of an inode the map lacks walks again, at most once a
 * rescan period (and never more often than four times the last walk took), so a server
 * with 30 000 descriptors is not read again for every new connection.
 * Owns the cache (the inode map and the processes' names); holds no descriptor between
 * calls. Reads procfs only; the procfs root is a parameter, so the unit tests walk a fake
 * tree. Returns 0 or -errno; prints nothing. */
#ifndef FINWAIT_OWNER_H
#define FINWAIT_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /proc/PID/comm: TASK_COMM_LEN is 16 with its NUL. */
#define OWNER_COMM_LEN 16

/* A process that holds a socket. */
struct owner {
	int pid;
	char comm[OWNER_COMM_LEN];	/* its command name, "" when unreadable */
};

/* A network namespace as the kernel names it: the device and inode of its nsfs file. */
struct owner_ns {
	uint64_t dev, ino;
};

/* The identity of the namespace behind netns_fd (an fd of /proc/PID/ns/net or of a
 * namespace file). Returns 0 or -errno. */
int owner_ns_of_fd(int netns_fd, struct owner_ns *ns);

/* Pure: the socket inode named by a /proc/PID/fd link's text ("socket:[12345]"); 0 for
 * any other kind of file. */
uint64_t owner_parse_link(const char *text);

/* inode (not 0) -> a 32-bit value, open addressing. Zero it to start; the first value
 * put for an inode stays. */
struct inode_map {
	uint64_t *keys;		/* 0: empty slot */
	uint32_t *vals;
	size_t n, cap;		/* cap: 0 or a power of two */
};

/* Puts inode -> v unless inode is already there. Returns 0 or -ENOMEM (-EINVAL for 0). */
int inode_map_put(struct inode_map *m, uint64_t inode, uint32_t v);

/* true and *v when inode is there. */
bool inode_map_get(const struct inode_map *m, uint64_t inode, uint32_t *v);

/* Frees the map's arrays and zeroes it. */
void inode_map_free(struct inode_map *m);

/* The descriptor of process pid that holds socket inode, through procroot/PID/fd
 * (procroot NULL: "/proc"). Returns 0 and *fd, -ENOENT when pid holds no such socket,
 * -ESRCH when the process is gone, or -errno (-EACCES: not permitted). */
int owner_fd_of(const char *procroot, int pid, uint64_t inode, int *fd);

struct owner_cache_conf {
	const char *procroot;	/* NULL: "/proc" */
	int64_t rescan_ns;	/* least time between two walks for an unknown inode; 0: 50 ms */
};

struct owner_cache;

/* A cache for the processes of namespace ns. conf may be NULL (the defaults). Walks
 * nothing yet. Returns 0 and *out (free with owner_cache_free), or -ENOMEM. */
int owner_cache_new(const struct owner_ns *ns, const struct owner_cache_conf *conf,
		    struct owner_cache **out);

/* Frees the cache. Accepts NULL. */
void owner_cache_free(struct owner_cache *c);

/* Walks now, whatever the period: the map is rebuilt from the processes in the namespace
 * at this moment. now_ns: CLOCK_MONOTONIC, the walk's start. Returns 0 or -errno (the
 * procfs root cannot be read). A process that vanishes or cannot be read is skipped. */
int owner_cache_walk(struct owner_cache *c, int64_t now_ns);

/* Who holds socket inode. Known: 0 and *o at once. Unknown: walks again when the period
 * allows, then 0 and *o, or -ENOENT (no process of the namespace holds it), or -EACCES
 * (not found, and some process of the namespace could not be read); -EAGAIN when the
 * period does not allow a walk yet (ask again later). Returns -errno when a walk fails. */
int owner_lookup(struct owner_cache *c, uint64_t inode, int64_t now_ns, struct owner *o);

/* Walks done so far, and how long the latest took (ns). */
uint64_t owner_cache_walks(const struct owner_cache *c, int64_t *last_walk_ns);

/* One-shot: who holds socket inode in the namespace of netns_fd, by one walk of /proc.
 * Returns 0 and *o, or the errors of owner_lookup(). */
int owner_find(int netns_fd, uint64_t inode, struct owner *o);

#endif
