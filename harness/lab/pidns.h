/* pidns: a PID namespace for one cell's processes, so that the kernel, not finwait,
 * guarantees that they end, daemons included, even when finwait is SIGKILLed.
 *
 *   finwait's thread --fork--> keeper (finwait's PID namespace, its own session)
 *                                 --fork--> init: pid 1 of a new PID namespace
 *
 * Programs start in the namespace through proc_spawn()'s pidns_fd. init only reaps what
 * is reparented to it, and dies with the keeper (PR_SET_PDEATHSIG(SIGKILL)). The keeper
 * holds the read end of a pipe whose only writer is finwait: at EOF (pidns_close(), or
 * the kernel closing a dead finwait's descriptors, whatever killed it) it kills init.
 * The kernel then kills every process of the namespace, and init is reaped only once the
 * last of them is gone (zap_pid_ns_processes()). Only then the keeper removes the cell's
 * folder (pidns_set_dir()), so no process is left to write into it. */
#ifndef FINWAIT_PIDNS_H
#define FINWAIT_PIDNS_H

#include <stdbool.h>

#include "proc.h"

struct pidns {
	struct proc keeper;	/* pid 0 when none */
	int fd;			/* the namespace, for setns(CLONE_NEWPID); -1 when none */
	int ctl;		/* the keeper's pipe (write end); -1 when none */
	int init_pid;		/* init, as finwait sees it */
};

/* Sets ns to none, so that pidns_close() is safe on it. */
void pidns_init(struct pidns *ns);

/* Starts the keeper and the namespace's init from the calling thread (init dies with
 * the keeper, the keeper outlives the thread only to clean up). keep_dir: the folder
 * given later is left in place. Returns 0 or -errno (-EPERM: not permitted). */
int pidns_open(struct pidns *ns, bool keep_dir);

/* The folder the keeper removes after the namespace's last process (absolute path).
 * Returns 0 or -errno. */
int pidns_set_dir(struct pidns *ns, const char *dir);

/* The namespace's descriptor for proc_spawn(), or -1. */
static inline int pidns_fd(const struct pidns *ns)
{
	return ns->fd;
}

/* Kills every process of the namespace, waits until the last one is gone and the
 * folder removed (unless kept), and reaps the keeper. The caller must have reaped its
 * own children in the namespace first: init is not reaped while they are zombies.
 * Returns 0, or -errno (-ETIMEDOUT: the keeper did not finish in 10 s and was killed).
 * Idempotent. */
int pidns_close(struct pidns *ns);

#endif
