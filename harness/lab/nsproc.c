#include "nsproc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NSPROC_MAX 4096
/* Walks until one signals nothing new; a fork storm that outruns this many is an error. */
#define NSPROC_WALKS 64

struct ns_id {
	dev_t dev;
	ino_t ino;
};

struct walk {
	const char *root;
	struct ns_id net, pid;
	bool any_pid;
	int sig;
	int done[NSPROC_MAX];	/* pids signalled (or found stopped) */
	size_t n;
};

char nsproc_stat_state(const char *stat)
{
	const char *p = strrchr(stat, ')');

	return p && p[1] == ' ' && p[2] ? p[2] : '?';
}

static bool same_ns(int pdir, const char *name, const struct ns_id *id)
{
	struct stat st;

	return !fstatat(pdir, name, &st, 0) && st.st_dev == id->dev && st.st_ino == id->ino;
}

static char state_of(int pdir)
{
	char buf[512];
	int fd = openat(pdir, "stat", O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return '?';
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return '?';
	buf[r] = '\0';
	return nsproc_stat_state(buf);
}

static bool done_has(const struct walk *w, int pid)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->done[i] == pid)
			return true;
	return false;
}

/* One process of the walk: 1 when it was signalled now, 0 when not ours (or already
 * done, or gone), -errno. The pidfd is opened before the namespaces are checked, so the
 * process checked is the one signalled. */
static int one(struct walk *w, int dfd, const char *name, int pid)
{
	int pdir, pidfd, ret = 0;
	char st;

	if (done_has(w, pid) || (pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return 0;
	pdir = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pdir < 0 || !same_ns(pdir, "ns/net", &w->net) ||
	    (!w->any_pid && !same_ns(pdir, "ns/pid", &w->pid)))
		goto out;
	st = state_of(pdir);
	if (st == 'Z' || st == 'X' || st == '?')
		goto out;
	if (w->n == NSPROC_MAX) {
		ret = -E2BIG;
		goto out;
	}
	if (!(w->sig == SIGSTOP && (st == 'T' || st == 't')) &&
	    syscall(SYS_pidfd_send_signal, pidfd, w->sig, NULL, 0) < 0) {
		ret = errno == ESRCH ? 0 : -errno;
		goto out;
	}
	w->done[w->n++] = pid;
	ret = 1;
out:
	if (pdir >= 0)
		close(pdir);
	close(pidfd);
	return ret;
}

/* One walk of the procfs root: the number of processes signalled now, or -errno. */
static int walk_once(struct walk *w)
{
	DIR *d = opendir(w->root);
	struct dirent *e;
	int found = 0, r;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		if ((r = one(w, dirfd(d), e->d_name, (int)pid)) < 0) {
			found = r;
			break;
		}
		found += r;
	}
	closedir(d);
	return found;
}

static int ns_of(int fd, struct ns_id *id)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

int nsproc_signal(const char *procroot, int netns_fd, int pidns_fd, int sig, size_t *n)
{
	struct walk *w = calloc(1, sizeof(*w));
	int ret, r = 0;

	*n = 0;
	if (!w)
		return -ENOMEM;
	w->root = procroot ? procroot : "/proc";
	w->sig = sig;
	w->any_pid = pidns_fd < 0;
	if ((ret = ns_of(netns_fd, &w->net)) || (!w->any_pid && (ret = ns_of(pidns_fd, &w->pid))))
		goto out;
	for (int i = 0; i < NSPROC_WALKS; i++)
		if ((r = walk_once(w)) <= 0)
			break;
	ret = r < 0 ? r : r > 0 ? -EAGAIN : 0;
	*n = w->n;
out:
	free(w);
	return ret;
}
