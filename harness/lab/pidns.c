/* pidns: see pidns.h. The keeper and init are forks of a threaded process: they make only
 * async-signal-safe calls (rm_tree() is one). */
#include "pidns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* How long pidns_close() waits for the namespace to empty and the folder to go. */
#define CLOSE_TIMEOUT_NS (10 * NSEC_PER_SEC)

void pidns_init(struct pidns *ns)
{
	ns->keeper.pid = 0;
	ns->keeper.pidfd = -1;
	ns->fd = ns->ctl = -1;
	ns->init_pid = 0;
}

/* Closes every descriptor but a and b (a < b). */
static void keep_only(int a, int b)
{
	if (a > 0)
		syscall(SYS_close_range, 0U, (unsigned)a - 1, 0U);
	if (b > a + 1)
		syscall(SYS_close_range, (unsigned)a + 1, (unsigned)b - 1, 0U);
	syscall(SYS_close_range, (unsigned)b + 1, ~0U, 0U);
}

/* pid 1 of the namespace: reaps whatever is reparented to it (a daemon whose parent
 * exited) until the keeper dies or kills it. Every signal is blocked (the keeper's
 * mask), so SIGCHLD waits in sigwaitinfo(). keeper_fd: a pidfd of the keeper, readable
 * once it is gone: it may have died before the prctl, and is invisible from here. */
static _Noreturn void init_run(int keeper_fd)
{
	struct pollfd pfd = { .fd = keeper_fd, .events = POLLIN };
	sigset_t chld;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || (keeper_fd >= 0 && poll(&pfd, 1, 0) != 0))
		_exit(1);
	if (keeper_fd >= 0)
		close(keeper_fd);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		sigwaitinfo(&chld, NULL);
	}
}

/* The keeper: makes the namespace and its init, says init's pid (or -errno) on rdy, then
 * reads the folder's path from ctl until EOF, kills init, waits until init is reaped
 * (the namespace is empty then), removes the folder unless keep, and exits. */
static _Noreturn void keeper_run(int ctl, int rdy, bool keep)
{
	char dir[PATH_MAX];
	size_t len = 0;
	sigset_t all;
	int self, msg = -EINVAL;
	pid_t init = 0;
	ssize_t n;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	keep_only(ctl < rdy ? ctl : rdy, ctl < rdy ? rdy : ctl);
	setsid(); /* a terminal's SIGINT is finwait's to handle */
	self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (unshare(CLONE_NEWPID) < 0) {
		msg = -errno;
	} else if ((init = fork()) == 0) {
		close(ctl);
		close(rdy);
		init_run(self);
	} else {
		msg = init < 0 ? -errno : (int)init;
	}
	n = write(rdy, &msg, sizeof(msg));
	close(rdy);
	if (msg < 0 || n != (ssize_t)sizeof(msg))
		_exit(1);
	while ((n = read(ctl, dir + len, sizeof(dir) - 1 - len)) > 0 || (n < 0 && errno == EINTR))
		len += n > 0 ? (size_t)n : 0;
	dir[len] = '\0';
	kill(init, SIGKILL);
	while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
		;
	if (len && !keep)
		rm_tree(dir);
	_exit(0);
}

/* Reads the keeper's first word: init's pid, or -errno. */
static int read_ready(int fd)
{
	int msg = 0;
	ssize_t n;

	do
		n = read(fd, &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(msg) && msg != 0 ? msg : -ECHILD;
}

int pidns_open(struct pidns *ns, bool keep_dir)
{
	int ctl[2] = { -1, -1 }, rdy[2] = { -1, -1 }, ret;
	char path[64];
	pid_t pid;

	pidns_init(ns);
	if (pipe2(ctl, O_CLOEXEC) < 0 || pipe2(rdy, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	if ((pid = fork()) < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0)
		keeper_run(ctl[0], rdy[1], keep_dir);
	if ((ret = proc_follow(&ns->keeper, pid)))
		goto out;
	close(rdy[1]);
	rdy[1] = -1;
	ns->ctl = ctl[1];
	ctl[1] = -1;
	ret = read_ready(rdy[0]);
	if (ret < 0)
		goto out;
	ns->init_pid = ret;
	/* init cannot be reaped (so its pid not reused) before the keeper reads EOF. */
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", ns->init_pid);
	ns->fd = open(path, O_RDONLY | O_CLOEXEC);
	ret = ns->fd < 0 ? -errno : 0;
out:
	for (int i = 0; i < 2; i++) {
		if (ctl[i] >= 0)
			close(ctl[i]);
		if (rdy[i] >= 0)
			close(rdy[i]);
	}
	if (ret)
		pidns_close(ns);
	return ret;
}

int pidns_set_dir(struct pidns *ns, const char *dir)
{
	size_t len = strlen(dir);
	ssize_t n;

	if (ns->ctl < 0)
		return -EBADF;
	if (dir[0] != '/' || len >= PATH_MAX)
		return -EINVAL;
	do
		n = write(ns->ctl, dir, len);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

int pidns_close(struct pidns *ns)
{
	int ret = 0;

	if (ns->fd >= 0)
		close(ns->fd);
	if (ns->ctl >= 0)
		close(ns->ctl);
	if (ns->keeper.pid && (ret = proc_wait(&ns->keeper, CLOSE_TIMEOUT_NS, NULL)) == -ETIMEDOUT)
		proc_reap(&ns->keeper); /* init dies with it: the namespace still ends */
	pidns_init(ns);
	return ret;
}
