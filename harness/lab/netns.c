/* netns: see netns.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"

/* /proc/thread-self, not /proc/self: setns() moved this thread only. */
#define THREAD_NETNS "/proc/thread-self/ns/net"

int netns_open_current(void)
{
	int fd = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int netns_enter(int fd, int *saved)
{
	int old = -1;

	if (fd < 0)
		return -EBADF;
	if (saved) {
		old = netns_open_current();
		if (old < 0)
			return old;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int ret = -errno;

		if (old >= 0)
			close(old);
		return ret;
	}
	if (saved)
		*saved = old;
	return 0;
}

int netns_leave(int saved)
{
	int ret = 0;

	if (saved < 0)
		return 0;
	if (setns(saved, CLONE_NEWNET) < 0)
		ret = -errno;
	close(saved);
	return ret;
}

int netns_new(int parent)
{
	int back = -1, fd = -1, ret;

	back = netns_open_current();
	if (back < 0)
		return back;
	if (parent >= 0 && setns(parent, CLONE_NEWNET) < 0) {
		ret = -errno;
		goto out;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		ret = -errno;
		goto out;
	}
	fd = netns_open_current();
	ret = fd;
out:
	/* Always come back, also when unshare failed after entering parent. */
	if (setns(back, CLONE_NEWNET) < 0 && ret >= 0) {
		ret = -errno;
		close(fd);
	}
	close(back);
	return ret;
}

int netns_new_enter(int parent, int *saved)
{
	int back, fd, ret;

	*saved = -1;
	back = netns_open_current();
	if (back < 0)
		return back;
	if (parent >= 0 && setns(parent, CLONE_NEWNET) < 0) {
		ret = -errno;
		goto fail;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		ret = -errno;
		goto fail;
	}
	fd = netns_open_current();
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	*saved = back;
	return fd;
fail:
	netns_leave(back);
	return ret;
}

unsigned long netns_inode(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return (unsigned long)st.st_ino;
}
