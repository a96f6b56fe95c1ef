/* proc: child processes started inside a namespace, and reaping them with a timeout.
 * A child dies with its parent (PR_SET_PDEATHSIG(SIGKILL)), so nothing outlives
 * finwait, even after SIGKILL. Beware: the kernel sends the death signal when the
 * parent *thread* exits (the thread that forked), not the process: spawn from a thread
 * that outlives the child (the main thread, or a worker that joins its children).
 * Each child is followed by a pidfd, so signals and waits never hit a recycled pid.
 * What a child forks is out of their reach: a PID namespace (pidns.h) ends it. */
#ifndef FINWAIT_PROC_H
#define FINWAIT_PROC_H

#include <stdint.h>
#include <sys/types.h>

/* Special values for struct proc_io's stdin/stdout/stderr. */
#define PROC_INHERIT (-1) /* keep the parent's */
#define PROC_DEVNULL (-2) /* /dev/null */

/* How a child's file descriptors are set up. */
struct proc_io {
	int in, out, err;         /* fd to dup2 onto 0, 1, 2, or PROC_INHERIT / PROC_DEVNULL */
	int extra_fd;             /* -1, or an fd of the parent to hand over ... */
	int extra_target;         /* ... as this fd number in the child (e.g. 3, a status pipe) */
};

/* A running (or exited, not yet reaped) child. */
struct proc {
	pid_t pid;                /* 0 when none */
	int pidfd;                /* -1 when none (or the kernel has no pidfd_open) */
};

/* Forks a child into the PID namespace pidns_fd (-1: the calling thread's; pidns.h), in
 * a session of its own, that enters the network namespace ns_fd (-1: stays in the
 * calling thread's), arms PR_SET_PDEATHSIG(SIGKILL), sets up its fds from io (NULL:
 * stdin from /dev/null, stdout and stderr inherited; every other fd is closed on exec as
 * the parent's are O_CLOEXEC) and executes argv (argv[0] looked up in PATH). Returns 0
 * once the program is running, or -errno of the step that failed in the child
 * (-ENOENT: no such program); no child is left on error. */
int proc_spawn(struct proc *p, int ns_fd, int pidns_fd, char *const argv[],
	       const struct proc_io *io);

/* Follows pid, a child the caller just forked and has not reaped: fills p, with a pidfd.
 * Returns 0, or -errno (the child is then killed and reaped, p cleared). */
int proc_follow(struct proc *p, pid_t pid);

/* Sends sig to the child through its pidfd. Returns 0 or -errno (-ESRCH: gone). */
int proc_kill(const struct proc *p, int sig);

/* Waits at most timeout_ns (< 0: forever) for the child to exit, then reaps it, stores
 * its wait status in *status (may be NULL) and clears p. Returns 0, -ETIMEDOUT (the
 * child is still running and p is untouched) or -errno. */
int proc_wait(struct proc *p, int64_t timeout_ns, int *status);

/* Kills (SIGKILL) and reaps the child if any; for cleanup paths. NULL is a no-op. */
void proc_reap(struct proc *p);

#endif
