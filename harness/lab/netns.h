/* netns: network namespaces held by file descriptors, and moving the calling thread in
 * and out of them. Nothing is named in /run/netns: when the last fd (and the last
 * process inside) goes, the kernel reclaims the namespace. Every call acts on the
 * calling thread only (setns/unshare are per thread), so threads may work in different
 * namespaces at once. */
#ifndef FINWAIT_NETNS_H
#define FINWAIT_NETNS_H

/* Opens the calling thread's current network namespace (O_RDONLY|O_CLOEXEC).
 * Returns the fd (>= 0) or -errno. */
int netns_open_current(void);

/* Moves the calling thread into the namespace fd. When saved is not NULL, first opens
 * the thread's current namespace into *saved for netns_leave(). Returns 0 or -errno
 * (nothing changed on error). */
int netns_enter(int fd, int *saved);

/* Moves the calling thread back into saved and closes it. Returns 0 or -errno; saved is
 * closed either way. A negative saved is a no-op. */
int netns_leave(int saved);

/* Creates a new network namespace as a child of parent (-1: of the calling thread's
 * current namespace) and returns its fd (>= 0) or -errno. The calling thread ends in
 * the namespace it was in before. The kernel copies some settings from the namespace
 * the new one is created from (tcp_child_ehash_entries: tcp_set_hashinfo()). */
int netns_new(int parent);

/* Like netns_new(), but leaves the calling thread inside the new namespace (to set it
 * up without going back and forth); *saved receives the namespace it was in, for
 * netns_leave(). Returns the new namespace's fd (>= 0) or -errno (then the thread is
 * where it was and *saved is -1). */
int netns_new_enter(int parent, int *saved);

/* Inode number of the namespace behind fd (for tests and --keep names), 0 on error. */
unsigned long netns_inode(int fd);

#endif
