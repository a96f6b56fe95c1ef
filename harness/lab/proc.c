/* proc: see proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* In the child: report -errno through the pipe and die. Only async-signal-safe calls
 * from here on: the parent may have threads. */
static _Noreturn void child_fail(int pipe_w, int err)
{
	int e = err;
	ssize_t n = write(pipe_w, &e, sizeof(e));

	(void)n;
	_exit(127);
}

static int dup_onto(int fd, int target, int devnull)
{
	if (fd == PROC_INHERIT)
		return 0;
	if (fd == PROC_DEVNULL)
		fd = devnull;
	if (fd == target) {
		/* dup2 is a no-op then and keeps O_CLOEXEC: clear it. */
		int fl = fcntl(fd, F_GETFD);

		return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return dup2(fd, target) < 0 ? -1 : 0;
}

static _Noreturn void child_run(int pipe_w, pid_t parent, int ns_fd, char *const argv[],
				const struct proc_io *io, int devnull)
{
	int extra = -1;

	/* Die with the parent; then close the race where it died before the prctl. In a
	 * PID namespace of its own the parent is invisible (getppid() is 0): there the
	 * namespace's end kills the child (pidns.h). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_fail(pipe_w, -errno);
	if (getppid() != parent)
		_exit(127);
	/* A session of its own: a program that signals its process group (apache2's
	 * prefork MPM does when it stops) or its terminal's reaches no one else. */
	if (setsid() < 0)
		child_fail(pipe_w, -errno);
	if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET) < 0)
		child_fail(pipe_w, -errno);
	/* Park the extra fd above everything, set up 0..2 (their sources may use the
	 * extra target's number), then put the extra fd in place. */
	if (io->extra_fd >= 0 && io->extra_target >= 0) {
		extra = fcntl(io->extra_fd, F_DUPFD_CLOEXEC, 64);
		if (extra < 0)
			child_fail(pipe_w, -errno);
	}
	if (dup_onto(io->in, 0, devnull) < 0 || dup_onto(io->out, 1, devnull) < 0 ||
	    dup_onto(io->err, 2, devnull) < 0)
		child_fail(pipe_w, -errno);
	if (extra >= 0 && dup2(extra, io->extra_target) < 0)
		child_fail(pipe_w, -errno);
	/* Signals ignored or blocked in the parent would be inherited by the program. */
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
	}
	execvp(argv[0], argv);
	child_fail(pipe_w, -errno);
}

/* In the child: moves the error pipe and /dev/null out of the target fd numbers 0..2
 * and the extra target, so that dup2 onto those cannot clobber them, then runs. */
static _Noreturn void child_start(int pipe_w, pid_t parent, int ns_fd, char *const argv[],
				  const struct proc_io *io, int devnull)
{
	if (pipe_w <= 2 || pipe_w == io->extra_target) {
		int hi = fcntl(pipe_w, F_DUPFD_CLOEXEC, 10);

		if (hi < 0)
			_exit(127);
		pipe_w = hi;
	}
	if (devnull <= 2 || devnull == io->extra_target) {
		int hi = fcntl(devnull, F_DUPFD_CLOEXEC, 10);

		if (hi < 0)
			child_fail(pipe_w, -errno);
		devnull = hi;
	}
	child_run(pipe_w, parent, ns_fd, argv, io, devnull);
}

/* In the child of fork(), for PID namespace pidns_fd: setns() moves only the children
 * of the caller into it, and the thread that forked could not move back (the host's PID
 * namespace belongs to the initial user namespace: not permitted without root). So this
 * middle process enters it and clones the real child as its sibling (CLONE_PARENT: the
 * forking thread is its parent, waits for it, and its PR_SET_PDEATHSIG follows that
 * thread), says the child's pid on pipe_w and exits. Returns in the real child only. */
static void clone_into(int pipe_w, int pidns_fd)
{
	struct clone_args ca = { .flags = CLONE_PARENT }; /* the exit signal: ours (SIGCHLD) */
	long pid;
	int msg;
	ssize_t n;

	if (setns(pidns_fd, CLONE_NEWPID) < 0)
		child_fail(pipe_w, -errno);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		return;
	msg = pid < 0 ? -errno : (int)pid;
	n = write(pipe_w, &msg, sizeof(msg));
	(void)n;
	_exit(pid < 0 ? 127 : 0);
}

/* Reads one int from the child's error pipe: the size read (0 at EOF) or -errno. */
static ssize_t read_msg(int fd, int *msg)
{
	ssize_t n;

	do
		n = read(fd, msg, sizeof(*msg));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int proc_follow(struct proc *p, pid_t pid)
{
	int ret;

	p->pid = pid;
	/* The child is ours and not reaped, so its pid cannot be recycled yet. */
	p->pidfd = sys_pidfd_open(pid);
	if (p->pidfd >= 0 || errno == ENOSYS)
		return 0; /* ENOSYS: only under emulators (valgrind): go on with the pid */
	ret = -errno;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	p->pid = 0;
	return ret;
}

int proc_spawn(struct proc *p, int ns_fd, int pidns_fd, char *const argv[],
	       const struct proc_io *io)
{
	static const struct proc_io def = { PROC_DEVNULL, PROC_INHERIT, PROC_INHERIT, -1, -1 };
	int pipefd[2] = { -1, -1 }, devnull = -1, ret, child_err = 0;
	pid_t parent = pidns_fd >= 0 ? 0 : getpid(), pid;
	ssize_t n;

	if (!p || !argv || !argv[0])
		return -EINVAL;
	p->pid = 0;
	p->pidfd = -1;
	if (!io)
		io = &def;
	if (io->extra_fd >= 0 && io->extra_target >= 0 && io->extra_target <= 2)
		return -EINVAL;
	/* The error pipe is close-on-exec: EOF without data means exec succeeded. */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (pidns_fd >= 0)
			clone_into(pipefd[1], pidns_fd);
		child_start(pipefd[1], parent, ns_fd, argv, io, devnull);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	if (pidns_fd >= 0) {
		/* The middle process says the real child's pid (or -errno), and exits. */
		n = read_msg(pipefd[0], &child_err);
		waitpid(pid, NULL, 0);
		if (n != (ssize_t)sizeof(child_err) || child_err <= 0) {
			ret = n == (ssize_t)sizeof(child_err) && child_err < 0 ? child_err : -EIO;
			goto out;
		}
		pid = child_err;
	}
	n = read_msg(pipefd[0], &child_err);
	if (n == (ssize_t)sizeof(child_err)) {
		/* The child failed before exec and exits at once. */
		waitpid(pid, NULL, 0);
		ret = child_err < 0 ? child_err : -EIO;
		goto out;
	}
	ret = proc_follow(p, pid);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (devnull >= 0)
		close(devnull);
	return ret;
}

int proc_kill(const struct proc *p, int sig)
{
	if (!p || p->pid <= 0)
		return -ESRCH;
	if (p->pidfd < 0)
		return kill(p->pid, sig) < 0 ? -errno : 0;
	return sys_pidfd_send_signal(p->pidfd, sig) < 0 ? -errno : 0;
}

int proc_wait(struct proc *p, int64_t timeout_ns, int *status)
{
	int st = 0;
	pid_t r;

	if (!p || p->pid <= 0)
		return -ECHILD;
	if (p->pidfd >= 0) {
		int64_t deadline = timeout_ns < 0 ? 0 : mono_ns() + timeout_ns;

		/* A pidfd polls readable once the process has exited (pidfd_poll()). */
		for (;;) {
			struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
			int ms = -1, ret;

			if (timeout_ns >= 0) {
				int64_t left = deadline - mono_ns();

				ms = left <= 0 ? 0 : (int)((left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
			}
			ret = poll(&pfd, 1, ms);
			if (ret > 0)
				break;
			if (ret == 0)
				return -ETIMEDOUT;
			if (errno != EINTR)
				return -errno;
		}
	}
	if (p->pidfd < 0 && timeout_ns >= 0) {
		/* No pidfd (ENOSYS): poll the child every millisecond until the deadline. */
		int64_t deadline = mono_ns() + timeout_ns;

		while ((r = waitpid(p->pid, &st, WNOHANG)) == 0) {
			struct timespec ms = { 0, NSEC_PER_MSEC };

			if (mono_ns() >= deadline)
				return -ETIMEDOUT;
			nanosleep(&ms, NULL);
		}
		if (r < 0)
			return -errno;
		goto reaped;
	}
	do
		r = waitpid(p->pid, &st, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
reaped:
	if (status)
		*status = st;
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pid = 0;
	p->pidfd = -1;
	return 0;
}

void proc_reap(struct proc *p)
{
	if (!p || p->pid <= 0)
		return;
	proc_kill(p, SIGKILL);
	proc_wait(p, -1, NULL);
}
