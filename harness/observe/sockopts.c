/* sockopts: the real socket options of another process's socket (see sockopts.h). */
#include "sockopts.h"

#include <errno.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owner.h"

bool sockopts_row(const struct fw_key *k)
{
	return k->scope == FW_SCOPE_SERVER && k->level;
}

/* The inverse of fw_key_int() for the types a socket-option row has. */
bool sockopts_set(struct sockopts *o, const struct fw_key *k, int v)
{
	char *field = (char *)&o->cfg + k->off;

	if (!sockopts_row(k))
		return false;
	switch (k->type) {
	case FW_T_BOOL:
		*(bool *)(void *)field = v != 0;
		break;
	case FW_T_INT:
		*(long *)(void *)field = v;
		break;
	case FW_T_SECONDS:
	case FW_T_MSEC:
		*(int *)(void *)field = v;
		break;
	default:
		return false;
	}
	o->cfg.has |= k->has;
	return true;
}

int sockopts_read_fd(int fd, struct sockopts *o)
{
	struct linger lg = { 0, 0 };
	socklen_t len = sizeof(int);
	int type;

	memset(o, 0, sizeof(*o));
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	if (type != SOCK_STREAM)
		return -ENOTSOCK;
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];
		int v = 0;

		len = sizeof(v);
		if (sockopts_row(k) && !getsockopt(fd, k->level, k->optname, &v, &len))
			sockopts_set(o, k, v);
	}
	len = sizeof(lg);
	if (!getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len)) {
		o->has_linger = true;
		o->linger_on = lg.l_onoff != 0;
		o->linger_s = lg.l_linger;
	}
	return 0;
}

/* A copy of descriptor target_fd of process pid, in *fd. */
static int getfd(int pid, int target_fd, int *fd)
{
	int pidfd = pidfd_open(pid, 0), ret = 0;

	if (pidfd < 0)
		return -errno;
	*fd = pidfd_getfd(pidfd, target_fd, 0);
	if (*fd < 0)
		ret = -errno;
	close(pidfd);
	return ret;
}

int sockopts_read(int pid, int target_fd, struct sockopts *o)
{
	int fd, ret;

	memset(o, 0, sizeof(*o));
	if ((ret = getfd(pid, target_fd, &fd)))
		return ret;
	ret = sockopts_read_fd(fd, o);
	close(fd);
	return ret;
}

int sockopts_read_inode(int pid, uint64_t inode, struct sockopts *o)
{
	struct stat st;
	int target, fd, ret;

	memset(o, 0, sizeof(*o));
	if ((ret = owner_fd_of(NULL, pid, inode, &target)) || (ret = getfd(pid, target, &fd)))
		return ret;
	/* The descriptor may have been closed and reused between the two steps. */
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if ((uint64_t)st.st_ino != inode || !S_ISSOCK(st.st_mode))
		ret = -ENOENT;
	else
		ret = sockopts_read_fd(fd, o);
	close(fd);
	return ret;
}

bool sockopts_get(const struct sockopts *o, const struct fw_key *k, int *v)
{
	if (!sockopts_row(k) || !(o->cfg.has & k->has))
		return false;
	*v = fw_key_int(k, &o->cfg);
	return true;
}

bool sockopts_equal(const struct sockopts *a, const struct sockopts *b)
{
	if (a->cfg.has != b->cfg.has || a->has_linger != b->has_linger ||
	    (a->has_linger && (a->linger_on != b->linger_on ||
				(a->linger_on && a->linger_s != b->linger_s))))
		return false;
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		int x, y;

		if (sockopts_get(a, &fw_keys[i], &x) && sockopts_get(b, &fw_keys[i], &y) &&
		    x != y)
			return false;
	}
	return true;
}
